#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Tools suite, second stage: run by systemd (hvis-tools-test.service) in the
# root guest-tools-switch.sh built. KTAP on the console, then the kernel log,
# HVIS-GUEST-DONE and a power-off, as /init would have done.

. /hvis/guest-lib.sh
# The root is Debian's, whose sh has no usleep (guest-lib.sh uses it).
command -v usleep >/dev/null ||
	usleep() { sleep "$(awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }')"; }

rel=$(uname -r)
kvp_class=a9a0f4e7-5a45-4d96-b827-8a841e8c03e6

# wait_state UNIT STATE SECONDS: systemctl is-active UNIT reads STATE
wait_state() {
	local end
	end=$(($(cut -d. -f1 /proc/uptime) + $3))
	while [ "$(systemctl is-active "$1")" != "$2" ]; do
		[ "$(cut -d. -f1 /proc/uptime)" -ge "$end" ] && return 1
		sleep 0.2
	done
}

# holds UNIT DEV: the unit's main process has DEV open
holds() {
	local pid
	pid=$(systemctl show -P MainPID "$1")
	[ "${pid:-0}" != 0 ] && ls -l /proc/"$pid"/fd 2>/dev/null | grep -q " -> $2\$"
}

kvp_relid() {
	local d
	for d in /sys/bus/vmbus/devices/*; do
		[ "$(cat "$d/class_id" 2>/dev/null)" = "{$kvp_class}" ] &&
			{ cat "$d/id"; return 0; }
	done
	return 1
}

echo "HVIS-SYSTEMD-UP $(up)s $(systemctl --version | head -n 1)"
echo "1..9"

udevadm settle --timeout=30
path=$(modinfo -F filename hv_utils 2>/dev/null)
loaded=$(cat /sys/module/hv_utils/srcversion 2>/dev/null)
want=$(modinfo -F srcversion "/lib/modules/$rel/updates/dkms/hv_utils.ko" 2>/dev/null)
check "coldplug loaded hvis's hv_utils from $path (srcversion ${loaded:-none}, hvis's ${want:-none})" \
	[ "$path" = "/lib/modules/$rel/updates/dkms/hv_utils.ko" -a -n "$loaded" -a "$loaded" = "$want" ]

t0=$(up)
wait_state hvis-kvp-daemon.service active 30
check "hvis-tools' rule started hvis-kvp-daemon.service for /dev/vmbus/hv_kvp ($(systemctl is-active hvis-kvp-daemon.service) after $(elapsed "$t0")s)" \
	[ "$(systemctl is-active hvis-kvp-daemon.service)" = active ]
check "the daemon holds /dev/vmbus/hv_kvp (pid $(systemctl show -P MainPID hvis-kvp-daemon.service), $(readlink /proc/"$(systemctl show -P MainPID hvis-kvp-daemon.service)"/exe))" \
	holds hvis-kvp-daemon.service /dev/vmbus/hv_kvp
check "Debian's hv-kvp-daemon.service, installed beside it, did not start ($(systemctl is-active hv-kvp-daemon.service))" \
	[ "$(systemctl is-active hv-kvp-daemon.service)" != active ]

wait_state hvis-vss-daemon.service active 30
check "hvis-tools' rule started hvis-vss-daemon.service, which holds /dev/vmbus/hv_vss" \
	holds hvis-vss-daemon.service /dev/vmbus/hv_vss

host_req poll 60 "^FullyQualifiedDomainName=$(hostname)" kvp list auto
r=$?
check "the host reads the daemon's AUTO pool (FullyQualifiedDomainName=$(hostname))" [ $r = 0 ]

# Hotplug: the host takes the KVP device away and offers it again.
relid=$(kvp_relid)
host_req ctl rescind "${relid:-none}"
wait_state hvis-kvp-daemon.service inactive 30
check "rescind of the KVP device (relid ${relid:-?}): /dev/vmbus/hv_kvp gone, the daemon stopped ($(systemctl is-active hvis-kvp-daemon.service))" \
	[ ! -e /dev/vmbus/hv_kvp -a "$(systemctl is-active hvis-kvp-daemon.service)" = inactive ]
host_req ctl offer kvp
t0=$(up)
wait_state hvis-kvp-daemon.service active 30
check "offered again: the daemon started when /dev/vmbus/hv_kvp appeared ($(elapsed "$t0")s)" \
	holds hvis-kvp-daemon.service /dev/vmbus/hv_kvp
host_req poll 60 "^FullyQualifiedDomainName=$(hostname)" kvp list auto
r=$?
check "the host reads the AUTO pool from the new device" [ $r = 0 ]

rc=0
[ "$FAILED" = 0 ] || rc=1
journalctl -b -q --no-pager -u 'hvis-*' 2>/dev/null | tail -n 20 | sed 's/^/# /'
dmesg | sed 's/^/HVIS-DMESG /'
echo "HVIS-GUEST-DONE rc=$rc"
sync
systemctl poweroff -ff
