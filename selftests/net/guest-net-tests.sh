#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of the net e2e suite (busybox sh, KTAP): the synthetic NIC
# against hvcore's netvsp and the TAP's host end in a namespace.
#
# Environment (from selftests/net/suite.sh): HVIS_NET_DRIVER, NET_HOST4,
# NET_GUEST4, NET_HOST6, NET_GUEST6. /init has loaded hv_vmbus and
# hv_netvsc; hvcore offers one netvsp device. iperf3 runs from the host's
# root over 9p (hostrun). Host requests: ctl, host-ping, host-snmp (see
# selftests/net/suite.sh).

. /hvis/guest-lib.sh

NETVSC_CLASS="{f8615163-df3e-46c5-913f-f2d2f965ed0e}"
echo "KTAP version 1"
t_start=$(up)

carrier_is() { [ "$(cat "/sys/class/net/$IF/carrier" 2>/dev/null)" = "$1" ]; }

# /proc/net/snmp field $2 of protocol $1 ("Tcp", "Udp").
snmp_field() {
	awk -v p="$1:" -v f="$2" '$1 == p && !n { for (i = 2; i <= NF; i++) c[$i] = i; n = 1; next }
		$1 == p && n { print $c[f]; exit }' /proc/net/snmp
}

# Field $2 ("bytes", "lost_packets") of section $1 (sum_sent,
# sum_received) in the iperf3 JSON file $3.
iperf_field() {
	awk -v s="\"$1\":" -v k="\"$2\":" '$1 == s { f = 1 } f && $1 == k { gsub(/[^0-9]/, "", $2); print $2; exit }' "$3"
}

# iperf3 run named $1 with client options $2...: it must move data, and
# UDP (a fixed rate) lose no datagram (gaps in the sequence numbers).
# Either sender's count includes what was in flight when the receiver
# stopped counting, so the byte counts both ends must agree on are the
# devices' (net_counters below).
iperf_run() {
	local name=$1 j=/tmp/iperf-$1.json sent recv lost
	shift
	if ! H iperf3 -c "$NET_HOST4" -t 3 -J "$@" >"$j" 2>&1; then
		nok "iperf3 $name ran"
		diag "$(grep -m 2 error "$j")"
		return
	fi
	sent=$(iperf_field sum_sent bytes "$j")
	recv=$(iperf_field sum_received bytes "$j")
	case " $* " in
	*" -u "*) lost=$(iperf_field sum_received lost_packets "$j")
		check "iperf3 $name: $sent bytes sent, $recv received, ${lost:-?} datagrams lost" \
			[ "${recv:-0}" -gt 0 -a "$lost" = 0 ] ;;
	*) check "iperf3 $name: $sent bytes sent, $recv received" [ "${recv:-0}" -gt 0 ] ;;
	esac
	diag "$(awk '/"sum_received":/ { f = 1 } f && /bits_per_second/ { gsub(/[^0-9.e+]/, "", $2); printf "%.0f Mbit/s", $2 / 1e6; exit }' "$j")"
}

# Both ends' byte counters at one moment: G_TX G_RX (the guest's device)
# and H_RX H_TX (hvt0, from the host), taken while the guest's did not
# move, so that no frame is between the two ends. 0, or 1 if never quiet.
net_counters() {
	local s=/sys/class/net/$IF/statistics tx rx i
	for i in 1 2 3 4 5; do
		tx=$(cat $s/tx_bytes) rx=$(cat $s/rx_bytes)
		host_req host-counters || return 1
		G_TX=$(cat $s/tx_bytes) G_RX=$(cat $s/rx_bytes)
		H_RX=$(echo "$REPLY_BODY" | awk '{ print $2 }')
		H_TX=$(echo "$REPLY_BODY" | awk '{ print $4 }')
		H_DROP=$(echo "$REPLY_BODY" | awk '{ print $6 }')
		[ "$tx$rx" = "$G_TX$G_RX" ] && return 0
		sleep 1
	done
	return 1
}

DEV=$(vmbus_dev "$NETVSC_CLASS")
check "a netvsc device is on the vmbus (${DEV:-none})" [ -n "$DEV" ]
IF=""
[ -n "$DEV" ] && wait_for 10 iface_of "$DEV" >/dev/null && IF=$(iface_of "$DEV")
if [ -z "$IF" ]; then
	nok "$HVIS_NET_DRIVER's hv_netvsc made an interface for ${DEV:-no device}"
	echo "1..$T"
	echo "HVIS-TESTS-DONE"
	exit 1
fi
ok "$HVIS_NET_DRIVER's hv_netvsc made interface $IF for $DEV"
RELID=$(cat "/sys/bus/vmbus/devices/$DEV/id")

# The MAC hvcore assigned.
host_req ctl netvsp "$RELID" status
want=$(echo "$REPLY_BODY" | awk '$1 == "mac" { print $2 }')
have=$(cat "/sys/class/net/$IF/address")
check "$IF has the MAC hvcore assigned ($have)" [ "$want" = "$have" ]

# No router solicitations: the byte counts compared below stay iperf's.
echo 0 >"/proc/sys/net/ipv6/conf/$IF/router_solicitations"
ip link set "$IF" up
echo 0 >"/proc/sys/net/ipv6/conf/$IF/accept_dad"
ip addr add "$NET_GUEST4/24" dev "$IF"
ip -6 addr add "$NET_GUEST6/64" dev "$IF"
check "$IF has carrier within 10 s" wait_for 10 carrier_is 1
check "ping $NET_HOST4 (the TAP's host end)" ping -c 3 -W 2 "$NET_HOST4"
check "ping -6 $NET_HOST6" ping -6 -c 3 -W 2 "$NET_HOST6"
host_req host-ping "$NET_GUEST4"
host_req host-ping "$NET_GUEST6"

if H iperf3 --version >/dev/null 2>&1; then
	net_counters
	off_tx=$((H_RX - G_TX)) off_rx=$((H_TX - G_RX)) g_tx=$G_TX g_rx=$G_RX
	iperf_run tcp-guest-to-host
	iperf_run tcp-host-to-guest -R
	iperf_run udp-guest-to-host -u -b 10M
	iperf_run udp-host-to-guest -u -b 10M -R
	sleep 1
	if net_counters; then
		check "every byte the guest sent reached the host end ($((G_TX - g_tx)) bytes)" \
			[ $((H_RX - G_TX)) = "$off_tx" ]
		check "every byte the host end sent reached the guest ($((G_RX - g_rx)) bytes)" \
			[ $((H_TX - G_RX)) = "$off_rx" ]
		diag "hvt0 tx-dropped $H_DROP; guest Udp RcvbufErrors $(snmp_field Udp RcvbufErrors)"
	else
		nok "device byte counters compared: the guest's never stood still"
	fi
else
	skip "iperf3 TCP and UDP both ways" "no iperf3 on the host (scripts/deps.sh installs it)"
fi
t=$(snmp_field Tcp InCsumErrors) u=$(snmp_field Udp InCsumErrors)
check "guest: no TCP/UDP checksum errors (Tcp $t, Udp $u)" [ "$t$u" = 00 ]
if host_req host-snmp; then
	check "host end: no TCP/UDP checksum errors ($REPLY_BODY)" \
		[ "$REPLY_BODY" = "tcp-csum-errors 0 udp-csum-errors 0" ]
fi

# Channels: the host offers one per vCPU; ethtool -L re-attaches the
# device with another count while iperf3 runs, and traffic goes on.
chans_open() {	# N_OPEN: the host's count of open channels
	host_req ctl netvsp "$RELID" status
	N_OPEN=$(echo "$REPLY_BODY" | awk '$1 == "channels" { print $2 }')
}
ncpu=$(grep -c ^processor /proc/cpuinfo)
if [ "$ncpu" -lt 2 ]; then
	skip "ethtool -L under traffic" "one vCPU: one channel"
elif ! H ethtool --version >/dev/null 2>&1 || ! H iperf3 --version >/dev/null 2>&1; then
	skip "ethtool -L under traffic" "no ethtool or iperf3 on the host (scripts/deps.sh installs them)"
else
	chans_open
	check "$IF runs on $N_OPEN channels, one per vCPU" [ "$N_OPEN" = "$ncpu" ]
	# 16 flows to the guest: the host spreads them by the guest's table
	# and key. Before ethtool -L: after it, Debian's 6.1 and 6.12
	# hv_netvsc program an all-zero key (it keeps the key of its last
	# RSS set, and with one channel it made none), which sends every flow
	# to table entry 0.
	H iperf3 -c "$NET_HOST4" -t 2 -R -P 16 >/dev/null 2>&1
	chans_open
	used=$(echo "$REPLY_BODY" | awk '$1 == "channel" && $4 > 0 { n++ } END { print n + 0 }')
	check "received flows spread over $used of $N_OPEN channels" [ "$used" -ge 2 ]
	diag "$(echo "$REPLY_BODY" | grep '^channel ' | tr '\n' ' ')"
	H iperf3 -c "$NET_HOST4" -t 8 -J >/tmp/iperf-channels.json 2>&1 &
	ipid=$!
	sleep 2
	check "ethtool -L $IF combined 1 while iperf3 runs" H ethtool -L "$IF" combined 1
	chans_open
	check "the host sees 1 channel open ($N_OPEN)" [ "$N_OPEN" = 1 ]
	sleep 2
	check "ethtool -L $IF combined $ncpu while iperf3 runs" H ethtool -L "$IF" combined "$ncpu"
	chans_open
	check "the host sees $ncpu channels open ($N_OPEN)" [ "$N_OPEN" = "$ncpu" ]
	wait $ipid
	rc=$?
	recv=$(iperf_field sum_received bytes /tmp/iperf-channels.json)
	check "iperf3 went on across both changes (exit $rc, $recv bytes received)" \
		[ "$rc" = 0 -a "${recv:-0}" -gt 0 ]
fi

# MTU 9000: Linux re-attaches the device (NVSP and RNDIS from scratch).
echo 9000 >"/sys/class/net/$IF/mtu"
check "MTU 9000 taken ($(cat "/sys/class/net/$IF/mtu"))" [ "$(cat "/sys/class/net/$IF/mtu")" = 9000 ]
check "carrier back after the MTU change" wait_for 10 carrier_is 1
check "ping -s 8000 $NET_HOST4 at MTU 9000" ping -c 3 -W 2 -s 8000 "$NET_HOST4"
host_req host-ping "$NET_GUEST4" 8000

# Link down and up from the control socket.
host_req ctl netvsp "$RELID" link down
check "link down: carrier 0 within 5 s" wait_for 5 carrier_is 0
check "link down: ip link shows NO-CARRIER" sh -c "ip link show $IF | grep -q NO-CARRIER"
host_req ctl netvsp "$RELID" link up
check "link up: carrier 1 within 5 s" wait_for 5 carrier_is 1
check "link up: ping $NET_HOST4 again" wait_for 10 ping -c 1 -W 1 "$NET_HOST4"

# MAC change: the host takes the new address and filters by it.  The
# in-tree driver takes one only while the interface is down (no
# IFF_LIVE_ADDR_CHANGE); hvis's while it runs.
set_mac() {
	if [ "$HVIS_NET_DRIVER" = hvis ]; then
		ip link set "$IF" address "$1"
	else
		ip link set "$IF" down && ip link set "$IF" address "$1" &&
			ip link set "$IF" up && wait_for 10 carrier_is 1
	fi
}
old_mac=$(cat "/sys/class/net/$IF/address")
new_mac=02:15:5d:00:00:77
if set_mac "$new_mac"; then
	host_req ctl netvsp "$RELID" status
	have=$(echo "$REPLY_BODY" | awk '$1 == "mac" { print $2 }')
	check "MAC change: hvcore filters for $new_mac ($have)" [ "$have" = "$new_mac" ]
	check "MAC change: ping $NET_HOST4 from $new_mac" wait_for 10 ping -c 1 -W 1 "$NET_HOST4"
	set_mac "$old_mac"
else
	nok "ip link set $IF address $new_mac"
fi

# Promiscuous mode reaches the host's packet filter (0x20), and leaves it.
# (Host requests are made here, never in a subshell: they are numbered.)
promisc_wait() {	# WANT (32 or 0): poll the host's filter for 5 s; PF
	local i=0
	while [ $i -lt 10 ]; do
		host_req ctl netvsp "$RELID" status
		PF=$(echo "$REPLY_BODY" | awk '$1 == "packet-filter" { print $2 }')
		[ $((${PF:-0} & 0x20)) = "$1" ] && return 0
		usleep 500000
		i=$((i + 1))
	done
	return 1
}
ip link set "$IF" promisc on
promisc_wait 32
check "promisc on: the host's packet filter takes everything ($PF)" [ $? = 0 ]
ip link set "$IF" promisc off
promisc_wait 0
check "promisc off: the filter is directed, multicast, broadcast again ($PF)" [ $? = 0 ]

# What ethtool shows of the driver.
driver_is_netvsc() { H ethtool -i "$IF" | grep -qx 'driver: hv_netvsc'; }
check "ethtool -i $IF: driver hv_netvsc" driver_is_netvsc
check "ethtool -g $IF: ring sizes" H ethtool -g "$IF"
txq0=$(H ethtool -S "$IF" | awk '$1 == "tx_queue_0_packets:" { print $2 }')
check "ethtool -S $IF: tx_queue_0_packets ${txq0:-missing}" [ "${txq0:-0}" -gt 0 ]
rx_bad() { H ethtool -S "$IF" | awk '$1 == "rx_bad:" { print $2 }'; }
bad_before=$(rx_bad)

# Malformed frames from the host: dropped, the device keeps working.
host_req ctl netvsp "$RELID" inject bad-range
host_req ctl netvsp "$RELID" inject bad-rndis
host_req ctl netvsp "$RELID" inject bad-rsc
check "after malformed frames: ping $NET_HOST4" ping -c 3 -W 2 "$NET_HOST4"
host_req ctl netvsp "$RELID" status
refused=$(echo "$REPLY_BODY" | awk '$1 == "bad-packets" { print $4 }')
bad=$(echo "$REPLY_BODY" | awk '$1 == "bad-packets" { print $2 }')
check "the guest failed the bad-range and bad-rndis frames' completions (guest-refused $refused)" \
	[ "${refused:-0}" -ge 2 ]
check "hvcore saw no malformed packet from the guest (bad-packets $bad)" [ "$bad" = 0 ]
if [ "$HVIS_NET_DRIVER" = hvis ]; then
	bad_after=$(rx_bad)
	check "the guest counted the three malformed frames (ethtool -S rx_bad $bad_before -> $bad_after)" \
		[ $((bad_after - bad_before)) -ge 3 ]
	check "the guest failed the unterminated coalesced frame too (guest-refused $refused)" \
		[ "${refused:-0}" -ge 3 ]
else
	skip "the guest counted the malformed frames" \
		"the in-tree hv_netvsc logs them but has no counter for them"
fi
lso=$(echo "$REPLY_BODY" | awk '$1 == "tx-csum" { print $4 }')
csum=$(echo "$REPLY_BODY" | awk '$1 == "tx-csum" { print $2 }')
rxcsum=$(echo "$REPLY_BODY" | awk '$1 == "tx-csum" { print $6 }')
check "the guest offloaded segmentation and checksums to the host (tx-lso $lso, tx-csum $csum)" \
	[ "${lso:-0}" -gt 0 -a "${csum:-0}" -gt 0 ]
check "the host vouched for received checksums (rx-csum $rxcsum)" [ "${rxcsum:-0}" -gt 0 ]
rsc=$(echo "$REPLY_BODY" | awk '$1 == "rsc" { print $2, $4 }')
check "the guest took coalesced TCP segments (RSC: ${rsc:-none})" \
	[ "${rsc%% *}" = on -a "${rsc##* }" -gt 0 ]
check "no WARNING or BUG in dmesg" sh -c '! dmesg | grep -q -E "WARNING:|BUG:"'
diag "$(dmesg | grep -E "too big|invalid rndis|outside the|invalid RNDIS" | tail -n 2)"

echo "1..$T"
echo "# net tests took $(elapsed "$t_start")s"
echo "HVIS-TESTS-DONE"
[ "$FAILED" = 0 ]
