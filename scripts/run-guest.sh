#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make run`: a shell in a guest under hvcore with the hvis modules loaded.
#
# usage: scripts/run-guest.sh RELEASE [ECHO_DEVICES]
#
# Builds the modules for RELEASE (build/RELEASE/, as the e2e tier does), packs
# an initramfs with them (hv_vmbus, hv_storvsc, hid_hyperv, hyperv_keyboard,
# hv_balloon, hv_utils loaded at boot; the guest test modules only copied),
# and runs hvcore with the console on this terminal and these devices:
# ECHO_DEVICES echo devices (default 2), a SCSI controller with one disk,
# the synthetic keyboard and mouse, dynamic memory, and the shutdown,
# timesync and heartbeat integration components. The disk is build/RELEASE/run-disk.img,
# a 1 GiB sparse file made on first use and kept between runs (HVIS_RUN_DISK
# names another). In the guest, `ls /sys/bus/vmbus/devices` lists the devices,
# the disk is /dev/sda, and `poweroff` ends the guest and hvcore; from another
# terminal, `hvcore/hvcore ctl list` (or `type hello`, `mouse move 100 100`,
# `dynmem RELID memory`, `heartbeat`, `time`) talks to this hvcore. HVIS_HVCORE, HVIS_ACCEL (default
# tcg), HVIS_CPUS, HVIS_MEMORY as for e2e.sh.
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
# Device modules after hv_vmbus; Debian's modules they need come along (-k).
mods=("$out/src/hv_vmbus.ko")
for m in hv_storvsc hid_hyperv hyperv_keyboard hv_balloon hv_utils; do
	if [ -f "$out/src/$m.ko" ]; then
		mods+=("$out/src/$m.ko")
	else
		echo "run-guest.sh: $m.ko did not build; the guest runs without it" >&2
	fi
done
"$top/scripts/mkinitramfs.sh" -r "$rel" -o "$out/run-initramfs.cpio.gz" \
	-K sd_mod -k sg -k ext4 -k hid -K evdev "${extra[@]}" "${mods[@]}"

disk=${HVIS_RUN_DISK:-$out/run-disk.img}
[ -e "$disk" ] || truncate -s 1G "$disk"

exec "$hvcore" run --kernel "/boot/vmlinuz-$rel" --initrd "$out/run-initramfs.cpio.gz" \
	--append "console=ttyS0 panic=-1 quiet hvis.shell=1" --echo "$echo_n" \
	--device "storvsp:file=$disk,serial=hvis-run" --device synthkbd \
	--device synthhid --device dynmem \
	--device shutdown --device timesync --device heartbeat \
	--accel "${HVIS_ACCEL:-tcg}" --cpus "${HVIS_CPUS:-2}" --memory "${HVIS_MEMORY:-512}" \
	--console stdio
