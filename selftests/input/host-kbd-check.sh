#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Host half of the synthetic keyboard check: boot a guest under hvcore with a
# synthkbd device, type into it, and check the guest's LED state reaches hvcore.
#
# usage: selftests/input/host-kbd-check.sh RELEASE [WORKDIR]
#
# Uses $HVIS_HVCORE (default hvcore/hvcore) and the modules in $HVIS_KO_DIR
# (default build/RELEASE/src: hv_vmbus.ko, hyperv_keyboard.ko, as
# scripts/build-modules.sh leaves them).  The guest runs
# selftests/input/guest-kbd-check.sh; this script answers its console
# markers with `hvcore ctl` commands.  HVIS_KBD_ORACLE=1: the modules are
# hv_vmbus.ko and Debian's in-tree driver (built as hyperv_keyboard.ko), which
# has no LEDs: the LED steps are skipped.  Prints one "ok"/"not ok" line per step
# and exits 0 when all passed.  The console log stays in WORKDIR.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
rel=${1:?usage: host-kbd-check.sh RELEASE [WORKDIR]}
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/hvis-kbd.XXXXXX")}
hvcore=${HVIS_HVCORE:-$top/hvcore/hvcore}
kodir=${HVIS_KO_DIR:-$top/build/$rel/src}
timeout=${HVIS_KBD_TIMEOUT:-300}
sock=$work/ctl.sock
log=$work/console.log
fails=0

append=()
[ "${HVIS_KBD_ORACLE:-0}" = 1 ] && append=(--append hvis_kbd_noled=1)
mkdir -p "$work"
"$top/scripts/mkinitramfs.sh" -r "$rel" -o "$work/initramfs.cpio.gz" \
	-s "$top/selftests/input/guest-kbd-check.sh" -k evdev \
	"$kodir/hv_vmbus.ko" "$kodir/hyperv_keyboard.ko" || exit 1

"$hvcore" run --kernel "/boot/vmlinuz-$rel" --initrd "$work/initramfs.cpio.gz" \
	--device synthkbd --ctl "$sock" --console "file:$log" "${append[@]}" \
	--log "$work/hvcore.log" >"$work/hvcore.out" 2>&1 &
hv=$!

ctl() { "$hvcore" ctl --socket "$sock" "$@"; }
result() {
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fails=$((fails + 1)); fi
}
# Wait for a console line containing $1 (or the end of the guest).
wait_for() {
	local t=0
	while [ $t -lt "$timeout" ]; do
		grep -q "$1" "$log" 2>/dev/null && return 0
		grep -q "HVIS-KBD-FAIL" "$log" 2>/dev/null && return 1
		kill -0 $hv 2>/dev/null || return 1
		sleep 1
		t=$((t + 1))
	done
	return 1
}

if wait_for HVIS-KBD-READY; then
	ctl type "Hello, World 123" >/dev/null
	result $? "hvcore ctl type accepted"
	wait_for 'HVIS-KBD-TYPE-\(OK\|FAIL\)'
	grep -q HVIS-KBD-TYPE-OK "$log"
	result $? "guest read exactly the key codes of \"Hello, World 123\""
else
	result 1 "guest keyboard ready"
fi
if [ "${HVIS_KBD_ORACLE:-0}" = 1 ]; then
	wait_for HVIS-KBD-DONE
	result $? "guest finished (oracle: no LED steps)"
elif wait_for HVIS-KBD-LED-SET; then
	relid=$(ctl list | awk '$6 == "synthkbd" { print $2; exit }')
	leds=""
	for _ in $(seq 20); do
		leds=$(ctl synthkbd "$relid" leds | head -1)
		case $leds in *caps=1*) break ;; esac
		sleep 0.5
	done
	echo "# $leds"
	case $leds in *caps=1*) r=0 ;; *) r=1 ;; esac
	result $r "caps lock set in the guest reached hvcore as LED state"
	ctl key esc >/dev/null
	wait_for HVIS-KBD-DONE
	result $? "guest saw the host's Esc"
fi
wait $hv
result $? "guest powered off cleanly"
grep -E "HVIS-KBD|keyboard:|hyperv_keyboard|BUG|WARN" "$log" | sed 's/^/# /'
exit $((fails > 0))
