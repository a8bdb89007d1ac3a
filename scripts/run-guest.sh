#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make run`: a shell in a guest under hvcore with hv_vmbus loaded.
#
# usage: scripts/run-guest.sh RELEASE [ECHO_DEVICES]
#
# Builds the modules for RELEASE (build/RELEASE/, as the e2e tier does), packs
# an initramfs with hv_vmbus.ko and the guest test modules (not loaded), and
# runs hvcore with the console on this terminal. In the guest,
# `ls /sys/bus/vmbus/devices` lists the echo devices and `poweroff` ends the
# guest and hvcore. HVIS_HVCORE, HVIS_ACCEL (default tcg), HVIS_CPUS,
# HVIS_MEMORY as for e2e.sh.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rel=${1:?usage: run-guest.sh RELEASE [ECHO_DEVICES]}
echo_n=${2:-2}
hvcore=${HVIS_HVCORE:-$top/hvcore/hvcore}
out=${HVIS_BUILD_DIR:-$top/build}/$rel

[ -f "/boot/vmlinuz-$rel" ] || { echo "run-guest.sh: no /boot/vmlinuz-$rel" >&2; exit 1; }
[ -x "$hvcore" ] || { echo "run-guest.sh: $hvcore not built (make hvcore)" >&2; exit 1; }
"$top/scripts/build-modules.sh" "$rel" ||
	echo "run-guest.sh: some modules failed to build, see $out/*.log" >&2
[ -f "$out/src/hv_vmbus.ko" ] || { echo "run-guest.sh: hv_vmbus.ko did not build" >&2; exit 1; }

extra=()
for ko in "$out"/src/selftests/vmbus/*.ko; do
	[ -f "$ko" ] && extra+=(-f "$ko:/lib/modules/$rel/extra/${ko##*/}")
done
"$top/scripts/mkinitramfs.sh" -r "$rel" -o "$out/run-initramfs.cpio.gz" \
	"${extra[@]}" "$out/src/hv_vmbus.ko"

exec "$hvcore" run --kernel "/boot/vmlinuz-$rel" --initrd "$out/run-initramfs.cpio.gz" \
	--append "console=ttyS0 panic=-1 quiet hvis.shell=1" --echo "$echo_n" \
	--accel "${HVIS_ACCEL:-tcg}" --cpus "${HVIS_CPUS:-2}" --memory "${HVIS_MEMORY:-512}" \
	--console stdio
