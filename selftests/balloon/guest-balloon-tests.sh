#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of the balloon e2e suite (busybox sh, KTAP): the host balloons
# and unballoons through hvcore's dynmem VSP while this script watches
# /proc/meminfo, and reads hvcore's figures (host-resident RAM, status
# reports) through `ctl memory`. /init has loaded hv_vmbus and hv_balloon;
# hvcore offers one dynmem device. Requests: the common ctl and poll.

. /hvis/guest-lib.sh

DM_CLASS="{525074dc-8985-46e2-8057-a307dc18a502}"
CYCLES=${HVIS_BALLOON_CYCLES:-10}
SHRINK_MIB=256
echo "KTAP version 1"

kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
body_val() { echo "$REPLY_BODY" | sed -n "s/^$1 //p" | head -n 1; }

# wait_total OP KB SECONDS: MemTotal OP KB (-le, -eq, ...) within SECONDS
wait_total() {
	local end
	end=$(($(cut -d. -f1 /proc/uptime) + $3))
	while ! [ "$(kb MemTotal)" "$1" "$2" ]; do
		[ "$(cut -d. -f1 /proc/uptime)" -ge "$end" ] && return 1
		usleep 100000
	done
}

# Write MIB MiB into a tmpfs: the last line is what dd copied, in bytes.
hold() {
	mkdir -p /tmp/dmhold
	mount -t tmpfs -o size="$1"m none /tmp/dmhold &&
		dd if=/dev/zero of=/tmp/dmhold/f bs=1M count="$1" 2>/dev/null
	wc -c </tmp/dmhold/f 2>/dev/null || echo 0
}

# Write and free MIB MiB in a tmpfs: the host then has RAM behind those
# pages, and its resident size can fall when they are ballooned.
fill() {
	mkdir -p /tmp/dmfill
	mount -t tmpfs -o size="$1"m none /tmp/dmfill &&
		dd if=/dev/zero of=/tmp/dmfill/f bs=1M count="$1" 2>/dev/null
	rm -f /tmp/dmfill/f
	umount /tmp/dmfill
}

relid=""
for d in /sys/bus/vmbus/devices/*; do
	[ "$(cat "$d/class_id" 2>/dev/null)" = "$DM_CLASS" ] && relid=$(cat "$d/id")
done
host_req poll 30 '^capabilities.*balloon' memory
r=$?
check "dynmem (relid ${relid:-?}): hv_balloon connected (version $(body_val version), $(body_val capabilities))" \
	[ $r = 0 -a -n "$relid" ]

free0=$(kb MemFree)
fill 512
host_req ctl memory
r0=$(body_val host-resident-mib)
g=$(body_val guest-ram-mib)
m0=$(kb MemTotal)
diag "before: guest MemTotal $((m0 / 1024)) MiB, hvcore guest-ram-mib ${g:-?}, host-resident-mib ${r0:-?}"
target=$((${g:-0} - SHRINK_MIB))

i=1
while [ $i -le "$CYCLES" ]; do
	t0=$(up)
	host_req ctl balloon $target
	wait_total -le $((m0 - SHRINK_MIB * 1024)) 10
	shrunk=$?
	t1=$(elapsed "$t0")
	drop=$(( (m0 - $(kb MemTotal)) / 1024 ))
	if [ $i = 1 ]; then
		host_req ctl memory
		r1=$(body_val host-resident-mib)
		check "balloon to $target MiB: host-resident RAM ${r0:-?} -> ${r1:-?} MiB (at least 200 MiB less)" \
			[ $((${r0:-0} - ${r1:-0})) -ge 200 -a -n "$r1" ]
	fi
	t0=$(up)
	host_req ctl dynmem "$relid" unballoon
	wait_total -eq "$m0" 10
	back=$?
	check "cycle $i: balloon $SHRINK_MIB MiB: MemTotal -$drop MiB in ${t1}s; unballoon: $(( ($(kb MemTotal) - m0) / 1024 + drop )) MiB back in $(elapsed "$t0")s" \
		[ $shrunk = 0 -a $back = 0 -a $drop -ge $SHRINK_MIB -a $drop -le $((SHRINK_MIB + 2)) ]
	i=$((i + 1))
done

host_req ctl memory
check "after $CYCLES cycles: MemTotal $(kb MemTotal) kB as before ($m0), hvcore ballooned-pages $(body_val ballooned-pages)" \
	[ "$(kb MemTotal)" = "$m0" -a "$(body_val ballooned-pages)" = 0 ]

# Status reports while the guest is busy allocating and freeing memory.
mkdir -p /tmp/dmfill
mount -t tmpfs -o size=400m none /tmp/dmfill
rm -f /tmp/dmstop
(
	while [ ! -e /tmp/dmstop ]; do
		dd if=/dev/zero of=/tmp/dmfill/f bs=1M count=384 2>/dev/null
		rm -f /tmp/dmfill/f
	done
) &
load=$!
# Measured from 3 s into the load: right after unballooning, the in-tree
# driver's status thread (woken early by it, then skipping a report sent
# too soon) may leave one 2 s gap, which is not about load. And only once
# reports flow: the in-tree driver sends none for its first 45 s
# (pressure_report_delay), which a fast run reaches this point within.
sleep 3
host_req poll 60 '^status-reports.[1-9]' memory
host_req ctl memory
n0=$(body_val status-reports)
sleep 10
host_req ctl memory
n1=$(body_val status-reports)
gap=$(body_val status-gap-since-last-read-ms)
touch /tmp/dmstop
wait $load
umount /tmp/dmfill
check "status reports under memory load: $((${n1:-0} - ${n0:-0})) in 10 s, longest gap ${gap:-?} ms (at most 2000)" \
	[ "${gap:-99999}" -le 2000 -a $((${n1:-0} - ${n0:-0})) -ge 5 ]

# More than the guest can give: it stops at its floor and says why.
host_req ctl balloon 64
wait_total -le $((m0 - 512 * 1024)) 20
sleep 2
host_req ctl memory
left=$(kb MemTotal)
# Each driver's words for it.
why=$(dmesg | grep -m1 -e 'hv_balloon: balloon request for .* limited to' \
	-e 'hv_balloon: Balloon request will be partially fulfilled')
check "balloon to 64 MiB: the guest kept $((left / 1024)) MiB and said why ('${why#*] }')" \
	[ -n "$why" -a "$left" -gt $((64 * 1024)) ]
host_req expect-log-re 'dynmem: relid [0-9]+: guest could give only'
host_req ctl dynmem "$relid" unballoon
wait_total -eq "$m0" 20
r=$?
check "unballoon after that: MemTotal back to $(kb MemTotal) kB ($m0)" [ $r = 0 ]

# Hot-add: the RAM above mem=1024M, 512 MiB in four 128 MiB blocks.
t0=$(up)
host_req ctl dynmem "$relid" hot-add 512
wait_total -ge $((m0 + 512 * 1024)) 10
r=$?
check "hot-add 512 MiB: MemTotal +$(( ($(kb MemTotal) - m0) / 1024 )) MiB in $(elapsed "$t0")s" \
	[ $r = 0 -a "$(kb MemTotal)" -le $((m0 + 514 * 1024)) ]
states=$(cat /sys/devices/system/memory/memory8/state \
	/sys/devices/system/memory/memory9/state \
	/sys/devices/system/memory/memory10/state \
	/sys/devices/system/memory/memory11/state 2>/dev/null | tr '\n' ' ')
check "memory blocks 8-11 (1024-1536 MiB) are online: $states" \
	[ "$states" = "online online online online " ]
host_req ctl memory
check "hvcore counts it: $(echo "$REPLY_BODY" | grep '^hot-add')" \
	[ "$(body_val hot-add)" = "base-mib 1024 added-mib 512" ]
big=$((free0 / 1024 + 128))
got=$(hold $big | tail -n 1)
check "an allocation larger than the first free memory ($((free0 / 1024)) MiB): $big MiB in tmpfs, $((got >> 20)) MiB written" \
	[ "$got" = $((big << 20)) ]
rm -f /tmp/dmhold/f
umount /tmp/dmhold

# A range the guest already has (its second 128 MiB block): refused.
m1=$(kb MemTotal)
host_req ctl dynmem "$relid" inject hot-add-overlap 128
host_req poll 10 '^state.idle' memory
why=$(dmesg | grep -m1 -e 'hv_balloon: hot-add of pages .* refused: overlaps RAM' \
	-e 'hv_balloon: hot_add memory failed error is')
check "hot-add of RAM the guest has: refused ('${why#*] }'), MemTotal unchanged" \
	[ -n "$why" -a "$(kb MemTotal)" = "$m1" ]
host_req expect-log-re 'dynmem: relid [0-9]+: guest refused the overlapping hot-add range'

echo "1..$T"
if [ "$FAILED" != 0 ]; then
	diag "guest log (balloon):"
	dmesg | grep -i -e balloon -e dynmem -e hot | tail -n 20 | while read -r l; do diag "$l"; done
fi
[ "$FAILED" = 0 ]
