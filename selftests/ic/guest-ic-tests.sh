#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of the IC e2e suite: hv_utils' heartbeat, timesync, KVP (with
# hvis's daemon and with Debian's), VSS, bad host input, then a reboot and
# a shutdown asked by the host (busybox sh, KTAP).
#
# Environment (from selftests/ic/suite.sh): HVIS_IC_DRIVER (hvis|intree),
# HVIS_IC_TOP (the hvis tree, as the host's root shows it at /host),
# HVIS_IC_MAC (the dummy NIC's MAC), HVIS_IC_DEVICES (IC class GUIDs that
# must bind to hv_utils). /init has loaded hv_vmbus, hv_utils, hv_storvsc
# and dummy; hostrun runs host programs (daemons, mkfs, ip) over 9p.
# /hvis-ic is a read-write share: this script keeps its counters there
# across the reboot, /hvis/on-shutdown leaves the shutdown markers there.
# Requests: see selftests/ic/suite.sh.

. /hvis/guest-lib.sh

drv=${HVIS_IC_DRIVER:-hvis}
top=${HVIS_IC_TOP:-/work/main}
mac=${HVIS_IC_MAC:-00:15:5d:1c:00:05}
share=/hvis-ic
state=$share/state
nic=hvdummy0
pooldir=/host/var/lib/hyperv	# /var/lib/hyperv for the daemons
t_start=$(up)

# A check with several conditions: check "DESC" all 'TEST' 'TEST'...
all() {
	for c in "$@"; do eval "$c" || return 1; done
}

# The next boot goes on from here, its first request numbered after the
# one that ends this boot.
save_state() { echo "T=$T FAILED=$FAILED REQN=$((REQN + 1))" >$state; sync; }
dump_dmesg() { dmesg | sed 's/^/HVIS-DMESG /'; }
# The end of this boot's part: the kernel log, then the request that ends it.
end_boot() {	# reboot|shutdown
	save_state
	if [ "$FAILED" = 0 ]; then echo 0; else echo 1; fi >/run/hvis-rc
	dump_dmesg
	host_req "$1"
	# The host's shutdown path ends this script; it is still here:
	sleep 60
	nok "$1: the guest still runs 60 s after hvcore ctl $1 ($REPLY)"
	echo "1..$T"
	exit 1
}

# vmbus devices of class $1 bound to driver $2: their count.
bound_count() {
	n=0
	for d in /sys/bus/vmbus/devices/*; do
		[ "$(cat "$d/class_id" 2>/dev/null)" = "{$1}" ] || continue
		[ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" = "$2" ] && n=$((n + 1))
	done
	echo $n
}

# Every IC device bound to hv_utils (waits up to $1 s).
check_bound() {	# SECONDS DESCRIPTION
	end=$(($(cut -d. -f1 /proc/uptime) + $1))
	while :; do
		missing=""
		for g in $HVIS_IC_DEVICES; do
			[ "$(bound_count "$g" hv_utils)" -ge 1 ] || missing="$missing $g"
		done
		[ -z "$missing" ] && break
		[ "$(cut -d. -f1 /proc/uptime)" -ge $end ] && break
		usleep 200000
	done
	if [ -z "$missing" ]; then
		ok "$2: $(echo $HVIS_IC_DEVICES | wc -w) IC devices bound to hv_utils at $(up)s"
	else
		nok "$2: IC devices not bound to hv_utils after $1 s:$missing"
		ls -l /sys/bus/vmbus/devices/*/driver 2>&1 | sed 's/^/# /'
	fi
}

# --- second boot: after the host's reboot ----------------------------------
if [ -f $share/shutdown-reboot ] && [ -f $state ]; then
	. $state
	echo "# second boot: $(cat $share/shutdown-reboot)"
	ok "reboot: the guest's shutdown path left its marker ($(cat $share/shutdown-reboot)) and the guest booted again"
	check_bound 30 "reboot: hv_vmbus reconnected, devices offered again"
	host_req poll 15 '^alive' heartbeat
	r=$?
	check "reboot: heartbeat alive after the reboot ($(echo "$REPLY_BODY" | head -n 1))" [ $r = 0 ]
	echo "1..$T"
	echo "# IC tests (second boot) took $(elapsed "$t_start")s"
	echo "HVIS-TESTS-DONE"
	end_boot shutdown
fi

# A reset nobody asked for (a panic: the suite lets QEMU reset the VM).
if [ -f $share/booted ]; then
	[ -f $state ] && . $state
	nok "boot: the guest was reset without an orderly reboot (panic?); stopping"
	echo "1..$T"
	dump_dmesg
	echo 1 >/run/hvis-rc
	exit 1
fi
echo "KTAP version 1"
rm -f $share/shutdown-* $state
echo "$(up)" >$share/booted
check_bound 30 "devices"
hostname hvis-ic-guest
# As on an installed system, the host name resolves (getaddrinfo gives the
# FQDN): the daemons run chrooted to /host, so their /etc/hosts is the
# host's, with this guest's line added on a guest-only copy.
{ cat /host/etc/hosts; echo "127.0.1.1 hvis-ic-guest.hvis.test hvis-ic-guest"; } >/run/hvis-hosts
mount --bind /run/hvis-hosts /host/etc/hosts

# The daemons' world: their pool files on a tmpfs over the host's /var/lib
# (read-only 9p; Debian's daemon insists on /var/lib/hyperv), the block
# device for VSS mounted where the daemons (chrooted to /host) see it.
mount -t tmpfs tmpfs /host/var/lib && mkdir -p $pooldir

# --- dummy NIC: the interface KVP reports and configures ---------------------
modprobe -q dummy
H ip link add $nic type dummy 2>/dev/null
H sysctl -qw net.ipv6.conf.$nic.addr_gen_mode=1 2>/dev/null	# no link-local
H ip link set $nic address $mac
H ip link set $nic up
nic_base() {
	H ip addr flush dev $nic
	H ip addr add 192.0.2.10/24 dev $nic
	H ip -6 addr add 2001:db8::10/64 dev $nic nodad
	H ip route replace default via 192.0.2.1 dev $nic
	H ip -6 route replace default via 2001:db8::1 dev $nic
}
nic_base
H ip addr show dev $nic | sed 's/^/# /'

# --- heartbeat ---------------------------------------------------------------
host_req poll 10 '^alive' heartbeat
r=$?
check "heartbeat: hvcore reports the guest alive ($(echo "$REPLY_BODY" | head -n 1))" [ $r = 0 ]

# --- timesync ----------------------------------------------------------------
# Host time: the mtime the host's kernel gives a file created on the 9p
# share (ic_clock.c explains the method and its error).
host_off() {	# prints host - guest in ns (empty on failure)
	/hvis/ic_clock host $share 60 2>/tmp/ic_clock.err >/tmp/ic_clock.out &&
		sed -n 's/^host_minus_rt_ns \(-\{0,1\}[0-9]*\) .*/\1/p' /tmp/ic_clock.out
}
abs() { case $1 in -*) echo "${1#-}" ;; *) echo "$1" ;; esac; }
ptp=""
for c in /sys/class/ptp/ptp*; do
	[ "$(cat "$c/clock_name" 2>/dev/null)" = hyperv ] && ptp=/dev/${c##*/}
done
if [ "$drv" = intree ]; then
	why="in-tree hv_utils reads Hyper-V's reference-counter MSR on every sample, which QEMU without Hyper-V enlightenments lacks: no timesync device offered"
	skip "timesync: a clock set one hour wrong is corrected by time sync to within 1 s" "$why"
	skip "timesync: the PTP clock reads within 10 ms of host time" "$why"
else
	o0=$(host_off)
	/hvis/ic_clock shift -3600
	o1=$(host_off)
	host_req ctl time sync
	src=$?
	diag "time sync: $REPLY $(echo "$REPLY_BODY" | head -n 1)"
	usleep 500000
	o2=$(host_off)
	if [ -n "$o1" ] && [ -n "$o2" ] && [ $src = 0 ] &&
		[ "$(abs "$o1")" -gt 3000000000000 ] && [ "$(abs "$o2")" -lt 1000000000 ]; then
		ok "timesync: guest clock set 1 h behind (host - guest $((o1 / 1000000)) ms), after time sync $((o2 / 1000000)) ms"
	else
		nok "timesync: clock 1 h wrong then time sync: host - guest before ${o0:-?} ns, wrong ${o1:-?} ns, after sync ${o2:-?} ns (ctl rc $src)"
		diag "$(cat /tmp/ic_clock.err 2>/dev/null)"
	fi
	if [ -z "$ptp" ]; then
		nok "timesync: no PTP clock named hyperv in /sys/class/ptp"
	else
		host_req ctl time sample
		usleep 200000
		p=$(/hvis/ic_clock ptp $ptp 2>&1)
		o3=$(host_off)
		d=$(echo "$p" | sed -n 's/^ptp_minus_rt_ns \(-\{0,1\}[0-9]*\) .*/\1/p')
		if [ -n "$d" ] && [ -n "$o3" ] && [ "$(abs $((d - o3)))" -le 10000000 ]; then
			ok "timesync: PTP clock $ptp reads host time within 10 ms ($(((d - o3) / 1000)) us; host - guest $((o3 / 1000)) us, $(cat /tmp/ic_clock.out))"
		else
			nok "timesync: PTP clock $ptp vs host time: ptp - guest '$p', host - guest '${o3:-?}'"
		fi
	fi
fi

# --- KVP -----------------------------------------------------------------------
# Pool file records: 512-byte key, 2048-byte value, each NUL-terminated.
pool_get() {	# POOL KEY: prints the value, fails when absent
	f=$pooldir/.kvp_pool_$1
	[ -f "$f" ] || return 1
	n=$(($(wc -c <"$f") / 2560))
	i=0
	while [ $i -lt $n ]; do
		# Strings end at their first NUL; the rest of a field is whatever
		# the writer's buffer held (Debian's daemon does not clear it).
		k=$(dd if="$f" bs=2560 skip=$i count=1 2>/dev/null | head -c 512 | tr '\000' '\n' | head -n 1)
		if [ "$k" = "$2" ]; then
			dd if="$f" bs=2560 skip=$i count=1 2>/dev/null | tail -c 2048 | tr '\000' '\n' | head -n 1
			return 0
		fi
		i=$((i + 1))
	done
	return 1
}
pool_add() {	# POOL KEY VALUE: appends a record
	{
		printf '%s' "$2"
		head -c $((512 - ${#2})) /dev/zero
		printf '%s' "$3"
		head -c $((2048 - ${#3})) /dev/zero
	} >>$pooldir/.kvp_pool_$1
}
body_val() { echo "$REPLY_BODY" | sed -n "s/^$1[ =]//p" | head -n 1; }
# Normalised sets: ';'-separated lists, one item a line, sorted; dotted
# IPv4 masks and "/N" become prefix lengths.
set_of() {
	echo "$1" | tr ';' '\n' | sed '/^$/d; s|^/||' | while read -r x; do
		case $x in
		*.*.*.*) case $x in 255.*|0.*) ;; *) echo "$x"; continue ;; esac
			b=0
			for o in $(echo "$x" | tr . ' '); do
				while [ "$o" -gt 0 ]; do b=$((b + (o & 1))); o=$((o >> 1)); done
			done
			echo "$b" ;;
		*) echo "$x" ;;
		esac
	done | sort | tr '\n' ' '
}
has_addr() { H ip addr show dev $nic | grep -q "inet6\{0,1\} $1 "; }

kvp_suite() {	# LABEL PID-FILE
	l=$1
	# The daemon has registered once the AUTO pool answers.
	host_req poll 20 '^FullyQualifiedDomainName=' kvp list auto
	r=$?
	check "$l: daemon registered, kvp list auto answers" [ $r = 0 ]
	auto=$REPLY_BODY
	echo "$auto" | sed 's/^/# auto: /'

	# Host -> guest: the external pool.
	v="value from the host $(up)"
	host_req ctl kvp set external hvis-ext-key "$v"
	if wait_for 15 pool_get 0 hvis-ext-key && [ "$(pool_get 0 hvis-ext-key)" = "$v" ]; then
		ok "$l: host-set external key hvis-ext-key is in .kvp_pool_0 with its value"
	else
		nok "$l: host-set external key hvis-ext-key in .kvp_pool_0: got '$(pool_get 0 hvis-ext-key)' ($REPLY)"
		ls -la $pooldir 2>&1 | sed 's/^/# /'; H od -c /var/lib/hyperv/.kvp_pool_0 2>&1 | head -n 6 | sed 's/^/# /'
	fi

	# Guest -> host: the guest pool.
	gv="guest-value-$(up)"
	pool_add 1 hvis-guest-key "$gv"
	host_req poll 15 "^hvis-guest-key=$gv\$" kvp list guest
	check "$l: key the guest wrote to .kvp_pool_1 is in kvp list guest ($(echo "$REPLY_BODY" | grep -c .) entries)" \
		[ "$(echo "$REPLY_BODY" | grep -cx "hvis-guest-key=$gv")" = 1 ]

	# AUTO: FQDN and OS, as the daemon's own world says.
	want_fqdn=$(H hostname -f 2>/dev/null)
	[ -n "$want_fqdn" ] || want_fqdn=$(hostname)
	os_name=$(. /host/etc/os-release && echo "$NAME")
	os_ver=$(. /host/etc/os-release && echo "$VERSION_ID")
	got_fqdn=$(echo "$auto" | sed -n 's/^FullyQualifiedDomainName=//p')
	got_name=$(echo "$auto" | sed -n 's/^OSName=//p')
	got_ver=$(echo "$auto" | sed -n 's/^OSMajorVersion=//p')
	check "$l: AUTO pool FQDN '$got_fqdn' (want '$want_fqdn'), OSName '$got_name' (want '$os_name'), OSMajorVersion '$got_ver' (want '$os_ver')" \
		all '[ -n "$got_fqdn" ] && [ "$got_fqdn" = "$want_fqdn" ]' '[ -n "$got_name" ] && [ "$got_name" = "$os_name" ]' '[ "$got_ver" = "$os_ver" ]'

	# Guest IP info for the dummy NIC's MAC.
	host_req ctl kvp ip $mac
	echo "$REPLY_BODY" | sed 's/^/# kvp ip: /'
	wa=$(set_of "192.0.2.10;2001:db8::10")
	ws=$(set_of "24;64")
	wg=$(set_of "192.0.2.1;2001:db8::1")
	ga=$(set_of "$(body_val addresses)")
	gs=$(set_of "$(body_val subnets)")
	gg=$(set_of "$(body_val gateways)")
	check "$l: kvp ip $mac: addresses [$ga] prefixes [$gs] gateways [$gg] are the interface's" \
		all '[ "$ga" = "$wa" ]' '[ "$gs" = "$ws" ]' '[ "$gg" = "$wg" ]'

	# Host -> guest: a static configuration for the interface with this MAC.
	if [ "$l" = "kvp(debian daemon)" ] && [ ! -x /host/usr/libexec/hypervkvpd/hv_set_ifconfig ]; then
		skip "$l: kvp ip-set static IPv4+IPv6 applied to $nic" \
			"Debian's daemon runs /usr/libexec/hypervkvpd/hv_set_ifconfig, which hyperv-daemons does not ship"
	else
		host_req ctl kvp ip-set $mac addr=198.51.100.7/24 addr=2001:db8:5::7/64 gw=198.51.100.1 gw=2001:db8:5::1 dns=198.51.100.53
		diag "ip-set: $REPLY $(echo "$REPLY_BODY" | tail -n 1)"
		if wait_for 10 has_addr 198.51.100.7/24 && wait_for 5 has_addr 2001:db8:5::7/64; then
			ok "$l: kvp ip-set 198.51.100.7/24 + 2001:db8:5::7/64 applied to $nic (matched by MAC), in ip addr"
		else
			nok "$l: kvp ip-set 198.51.100.7/24 + 2001:db8:5::7/64 not in ip addr of $nic ($REPLY)"
			H ip addr show dev $nic | sed 's/^/# /'
		fi
		nic_base
	fi
}

# Bad host input: each rejected with a logged reason; KVP still answers.
bad_input() {	# DAEMON-PID
	for what in oversize-key bad-utf16 truncated bad-count bad-pool; do
		n0=$(dmesg | wc -l)
		host_req ctl kvp inject $what
		usleep 500000
		why=$(dmesg | tail -n +$((n0 + 1)) | grep -m1 'hv_utils[^:]*: kvp:')
		host_req ctl kvp get external hvis-ext-key
		got=$REPLY_BODY
		alive=0
		kill -0 "$1" 2>/dev/null && alive=1
		if [ "$drv" = intree ]; then
			check "bad input: kvp inject $what: then kvp get answers ('$got'), daemon running ($alive)" \
				all '[ -n "$got" ]' '[ $alive = 1 ]'
			[ -n "$why" ] || diag "in-tree hv_utils logged no reason for $what"
		else
			check "bad input: kvp inject $what: logged '${why:-nothing}', then kvp get answers ('$got'), daemon running ($alive)" \
				all '[ -n "$why" ]' '[ -n "$got" ]' '[ $alive = 1 ]'
		fi
	done
}

start_daemon() {	# LOG PROGRAM ARGS...: DPID = its pid (hostrun execs it)
	log=$1
	shift
	hostrun "$@" >$log 2>&1 &
	DPID=$!
	usleep 500000
}
stop_daemon() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	i=0
	while [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null && [ $i -lt 50 ]; do
		usleep 100000
		i=$((i + 1))
	done
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	DPID=""
}

# hvis's daemons come in the image (the tree may sit under the host's /tmp,
# which the guest covers with its own tmpfs) and run chrooted to /host from
# that tmpfs, with the host's libnl.
kvpd=/tmp/hvis_kvp_daemon
vssd=/tmp/hvis_vss_daemon
for d in $kvpd $vssd; do
	[ -x /hvis/${d##*/} ] && cp /hvis/${d##*/} /host$d
done
if [ -x /host$kvpd ]; then
	start_daemon /tmp/hvis-kvpd.log $kvpd -n
	kvp_suite "kvp(hvis daemon)"
	bad_input $DPID
	kill -0 $DPID 2>/dev/null || { nok "kvp(hvis daemon): daemon died"; tail -n 5 /tmp/hvis-kvpd.log | sed 's/^/# /'; }
	stop_daemon
else
	nok "kvp(hvis daemon): kvp-daemon/hvis_kvp_daemon not built (make -C kvp-daemon)"
fi
rm -f $pooldir/.kvp_pool_*
if [ -x /host/usr/sbin/hv_kvp_daemon ]; then
	start_daemon /tmp/debian-kvpd.log /usr/sbin/hv_kvp_daemon -n
	kvp_suite "kvp(debian daemon)"
	kill -0 $DPID 2>/dev/null || { nok "kvp(debian daemon): daemon died"; tail -n 5 /tmp/debian-kvpd.log | sed 's/^/# /'; }
	stop_daemon
else
	nok "kvp(debian daemon): /usr/sbin/hv_kvp_daemon missing on the host (apt-get install hyperv-daemons)"
fi

# --- VSS -----------------------------------------------------------------------
vss=$(disk_by_serial hvis-vss)
wait_disk hvis-vss 30 && vss=$(disk_by_serial hvis-vss)
mkdir -p /host/mnt/vss
if [ -n "$vss" ] && H mkfs.ext4 -q -F /dev/$vss >/tmp/mkfs.out 2>&1 && mount -t ext4 /dev/$vss /host/mnt/vss; then
	diag "vss: /dev/$vss mounted at /mnt/vss for the daemon"
else
	nok "vss: ext4 on the storvsp disk hvis-vss (/dev/${vss:-none})"
	diag "$(tail -n 2 /tmp/mkfs.out 2>/dev/null)"
fi
# A synchronous 4 KiB write in the background (GNU dd: busybox's has no
# oflag=sync): W = its pid (hostrun execs it).
vss_write() {
	hostrun dd if=/dev/zero of=/mnt/vss/f$1 bs=4k count=1 oflag=sync 2>/dev/null &
	W=$!
}
done_within() {	# PID SECONDS: true when PID ended within SECONDS
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt $(($2 * 10)) ]; do
		usleep 100000
		i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}
if [ -x /host$vssd ]; then
	start_daemon /tmp/hvis-vssd.log $vssd -n
	host_req ctl vss freeze
	frc=$?
	vss_write 1
	sleep 2
	blocked=0
	kill -0 $W 2>/dev/null && blocked=1
	host_req ctl vss thaw
	trc=$?
	released=0
	done_within $W 10 && released=1
	check "vss: freeze (rc $frc) holds a sync write on ext4 for 2 s ($blocked), thaw (rc $trc) releases it ($released)" \
		all '[ $frc = 0 ]' '[ $trc = 0 ]' '[ $blocked = 1 ]' '[ $released = 1 ]'
	host_req ctl vss freeze
	frc=$?
	vss_write 2
	sleep 2
	blocked=0
	kill -0 $W 2>/dev/null && blocked=1
	n0=$(dmesg | wc -l)
	kill -9 $DPID
	DPID=""
	released=0
	done_within $W 10 && released=1
	if [ "$drv" = intree ] && [ $released = 0 ]; then
		skip "vss: killing the daemon mid-freeze thaws" \
			"in-tree hv_snapshot leaves file systems frozen when the daemon dies (hvis thaws)"
		H fsfreeze -u /mnt/vss
		done_within $W 10
	else
		check "vss: frozen (rc $frc, write held $blocked), kill -9 of the daemon thaws: the write completes ($released)" \
			all '[ $frc = 0 ]' '[ $blocked = 1 ]' '[ $released = 1 ]'
		dmesg | tail -n +$((n0 + 1)) | grep -i 'vss' | head -n 2 | sed 's/^/# /'
	fi
	tail -n 3 /tmp/hvis-vssd.log | sed 's/^/# vssd: /'
else
	nok "vss: $vssd not built (make -C kvp-daemon)"
fi
umount /host/mnt/vss 2>/dev/null

# --- heartbeat: hv_utils removed ------------------------------------------------
stop_daemon
t0=$(up)
if rmmod hv_utils; then
	host_req poll 10 '^missing' heartbeat
	r=$?
	check "heartbeat: hvcore reports the guest missing within 10 s of rmmod hv_utils ($(elapsed "$t0")s: $(echo "$REPLY_BODY" | head -n 1))" [ $r = 0 ]
	modprobe hv_utils
	host_req poll 15 '^alive' heartbeat
	r=$?
	check "heartbeat: alive again after modprobe hv_utils" [ $r = 0 ]
else
	nok "heartbeat: rmmod hv_utils failed"
	lsmod | sed 's/^/# /'
fi

echo "# IC tests (first boot) took $(elapsed "$t_start")s"
end_boot reboot
