#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Host half of the synthetic mouse check: boots a guest under hvcore with a
# synthhid device and runs guest-mouse-check.sh in it, driving the mouse
# through the control socket once the guest reads its event node.
#
# usage: selftests/input/run-mouse-check.sh RELEASE [events|bad-descriptor]
#
# Needs hvcore built (make -C hvcore) and the modules built for RELEASE
# (scripts/build-modules.sh RELEASE: build/RELEASE/src/{hv_vmbus,hid_hyperv}.ko).
# Work files (initramfs, console, hvcore log, socket) go to
# build/RELEASE/mouse-MODE/. Prints the guest's verdict line; exit 0 on
# HVIS-MOUSE-PASS. HVIS_ACCEL (default tcg), HVIS_TIMEOUT (default 300 s).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
rel=${1:?usage: run-mouse-check.sh RELEASE [events|bad-descriptor]}
mode=${2:-events}
hvcore=${HVIS_HVCORE:-$top/hvcore/hvcore}
src=${HVIS_BUILD_DIR:-$top/build}/$rel/src
work=${HVIS_BUILD_DIR:-$top/build}/$rel/mouse-$mode
timeout=${HVIS_TIMEOUT:-300}

die() { echo "run-mouse-check.sh: $*" >&2; exit 2; }
[ -x "$hvcore" ] || die "$hvcore not built (make -C hvcore)"
for m in hv_vmbus hid_hyperv; do
	[ -f "$src/$m.ko" ] || die "$src/$m.ko missing (scripts/build-modules.sh $rel)"
done
case $mode in
events) dev=synthhid ;;
bad-descriptor) dev=synthhid:bad-descriptor ;;
*) die "unknown mode '$mode'" ;;
esac

rm -rf "$work"
mkdir -p "$work" || die "cannot create $work"
"$top/scripts/mkinitramfs.sh" -r "$rel" -o "$work/initramfs.cpio.gz" -n \
	-s "$top/selftests/input/guest-mouse-check.sh" -k hid -k evdev \
	"$src/hv_vmbus.ko" "$src/hid_hyperv.ko" || die "mkinitramfs failed"

sock=$work/ctl.sock
console=$work/console.log
: >"$console"
timeout "$timeout" "$hvcore" run --kernel "/boot/vmlinuz-$rel" \
	--initrd "$work/initramfs.cpio.gz" --device "$dev" --ctl "$sock" \
	--console "file:$console" --log "$work/hvcore.log" \
	--append "quiet hvis.mouse=$mode" --accel "${HVIS_ACCEL:-tcg}" \
	--cpus 2 --memory 512 &
pid=$!

ctl() {
	echo "+ hvcore ctl mouse $*" >>"$work/ctl.log"
	"$hvcore" ctl --socket "$sock" mouse "$@" >>"$work/ctl.log" 2>&1 ||
		echo "run-mouse-check.sh: 'mouse $*' failed (see $work/ctl.log)" >&2
}

if [ "$mode" = events ]; then
	for _ in $(seq $((timeout * 5))); do
		grep -q 'HVIS-MOUSE-READY\|HVIS-MOUSE-FAIL\|HVIS-GUEST-DONE' "$console" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if grep -q HVIS-MOUSE-READY "$console"; then
		ctl move 1000 2000
		ctl click left
		ctl inject-oversize
		ctl inject-short
		ctl wheel 3
		ctl wheel -2
		ctl down right
		ctl move 32767 32767
		ctl up right
	fi
fi
wait "$pid"
rc=$?
verdict=$(grep -a 'HVIS-MOUSE-PASS\|HVIS-MOUSE-FAIL' "$console" | tail -n 1 | tr -d '\r')
echo "${verdict:-HVIS-MOUSE-FAIL no verdict (hvcore exit $rc, see $console)}"
[ "$verdict" = HVIS-MOUSE-PASS ]
