#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest half of the balloon check: prints memory figures while the host balloons.
#
# The host runs hvcore with --device dynmem and drives
# `hvcore ctl dynmem <relid> balloon <MiB>` / `unballoon`; this script
# prints "HVIS-DM t=<s> MemTotal=<kB> MemAvailable=<kB> ballooned-driver=<y|n>"
# every second for HVIS_DM_SECONDS (default 120) so the host log shows the
# guest's memory fall and come back, then the kernel's hv_balloon lines and
# any WARN/BUG.  HVIS_DM_FILL_MIB (default 512) MiB are written to a tmpfs
# and freed first.
secs=${HVIS_DM_SECONDS:-120}
fill=${HVIS_DM_FILL_MIB:-512}
# Touch memory first and free it again, so the host has RAM behind the pages
# the balloon takes and its resident size can fall.
mkdir -p /tmp/dmfill && mount -t tmpfs -o size=${fill}m none /tmp/dmfill &&
	dd if=/dev/zero of=/tmp/dmfill/f bs=1M count="$fill" 2>/dev/null
rm -f /tmp/dmfill/f && umount /tmp/dmfill
[ -d /sys/bus/vmbus/drivers/hv_balloon ] && drv=y || drv=n
echo "HVIS-DM-START driver=$drv"
i=0
while [ "$i" -lt "$secs" ]; do
	t=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	a=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
	echo "HVIS-DM t=$i MemTotal=$t MemAvailable=$a"
	[ -e /tmp/hvis-dm-stop ] && break
	sleep 1
	i=$((i + 1))
done
dmesg | grep -i "hv_balloon" | sed 's/^/HVIS-DM-DMESG /'
if dmesg | grep -q -e "WARNING:" -e "BUG:"; then
	echo "HVIS-DM-WARN"
fi
echo "HVIS-DM-END"
