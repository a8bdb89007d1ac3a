#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of the vm2vm e2e suite (busybox sh, KTAP): two guests on
# hvcore's L2 switch.  With hvis.peer=1 on the kernel command line this is
# the peer: it takes 10.78.0.2, serves iperf3, says HVIS-PEER-READY and
# waits for /hvis-ack/stop.  Otherwise it is the tester (10.78.0.1): it
# asks the host to start the peer (peer-start), then pings it and runs
# iperf3 against it both ways.
#
# Environment (from selftests/vm2vm/suite.sh): HVIS_NET_DRIVER.

. /hvis/guest-lib.sh

NETVSC_CLASS="{f8615163-df3e-46c5-913f-f2d2f965ed0e}"
ME4=10.78.0.1 PEER4=10.78.0.2 ME6=fd78::1 PEER6=fd78::2

# The interface of the first netvsc device, once it exists.
netvsc_iface() {
	local dev
	dev=$(vmbus_dev "$NETVSC_CLASS") || return 1
	iface_of "$dev"
}

carrier_up() { [ "$(cat "/sys/class/net/$IF/carrier" 2>/dev/null)" = 1 ]; }

# Interface $IF up with $1 (v4) and $2 (v6), carrier within 10 s.
iface_up() {
	echo 0 >"/proc/sys/net/ipv6/conf/$IF/router_solicitations"
	echo 0 >"/proc/sys/net/ipv6/conf/$IF/accept_dad"
	ip link set "$IF" up &&
		ip addr add "$1/24" dev "$IF" &&
		ip -6 addr add "$2/64" dev "$IF" &&
		wait_for 10 carrier_up
}

if grep -q 'hvis\.peer=1' /proc/cmdline; then
	wait_for 10 netvsc_iface >/dev/null
	IF=$(netvsc_iface)
	if [ -z "$IF" ] || ! iface_up "$PEER4" "$PEER6"; then
		echo "HVIS-PEER-FAILED no interface or carrier (${IF:-none})"
		exit 1
	fi
	H iperf3 -s -B "$PEER4" >/tmp/iperf3-server.log 2>&1 &
	sleep 1
	echo "HVIS-PEER-READY $IF $(cat "/sys/class/net/$IF/address") $PEER4"
	while [ ! -e /hvis-ack/stop ]; do
		sleep 1
	done
	kill %1 2>/dev/null
	exit 0
fi

echo "KTAP version 1"
t_start=$(up)
wait_for 10 netvsc_iface >/dev/null
IF=$(netvsc_iface)
if [ -z "$IF" ]; then
	nok "$HVIS_NET_DRIVER's hv_netvsc made an interface"
	echo "1..$T"
	echo "HVIS-TESTS-DONE"
	exit 1
fi
ok "$HVIS_NET_DRIVER's hv_netvsc made interface $IF"
check "$IF up with $ME4 and $ME6, carrier within 10 s" iface_up "$ME4" "$ME6"
RELID=$(cat "/sys/bus/vmbus/devices/$(vmbus_dev "$NETVSC_CLASS")/id")

host_req peer-start
check "ping the peer guest ($PEER4) over the switch" wait_for 20 ping -c 1 -W 1 "$PEER4"
check "ping -c 5 $PEER4" ping -c 5 -W 2 "$PEER4"
check "ping -6 -c 3 $PEER6" ping -6 -c 3 -W 2 "$PEER6"

# iperf3 against the peer's server, both ways; UDP at a fixed rate must
# lose nothing.
iperf_run() {
	local name=$1 j=/tmp/iperf-$1.json recv lost
	shift
	if ! H iperf3 -c "$PEER4" -t 3 -J "$@" >"$j" 2>&1; then
		nok "iperf3 $name to the peer ran"
		diag "$(grep -m 2 error "$j")"
		return
	fi
	recv=$(awk '$1 == "\"sum_received\":" { f = 1 } f && $1 == "\"bytes\":" { gsub(/[^0-9]/, "", $2); print $2; exit }' "$j")
	case " $* " in
	*" -u "*) lost=$(awk '$1 == "\"sum_received\":" { f = 1 } f && $1 == "\"lost_packets\":" { gsub(/[^0-9]/, "", $2); print $2; exit }' "$j")
		check "iperf3 $name: $recv bytes received, ${lost:-?} datagrams lost" \
			[ "${recv:-0}" -gt 0 -a "$lost" = 0 ] ;;
	*) check "iperf3 $name: $recv bytes received" [ "${recv:-0}" -gt 0 ] ;;
	esac
	diag "$(awk '/"sum_received":/ { f = 1 } f && /bits_per_second/ { gsub(/[^0-9.e+]/, "", $2); printf "%.0f Mbit/s", $2 / 1e6; exit }' "$j")"
}
if H iperf3 --version >/dev/null 2>&1; then
	iperf_run tcp-to-peer
	iperf_run tcp-from-peer -R
	iperf_run udp-to-peer -u -b 5M
	iperf_run udp-from-peer -u -b 5M -R
else
	skip "iperf3 between the guests" "no iperf3 on the host (scripts/deps.sh installs it)"
fi

# Both hvcores' view of the switch: this one hosts it with two ports.
host_req ctl netvsp "$RELID" status
sw=$(echo "$REPLY_BODY" | grep '^switch ')
has() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
check "hvcore hosts the switch with 2 ports ($sw)" has "$sw" "role host ports 2 "
host_req peer-status
psw=$(echo "$REPLY_BODY" | grep '^switch ')
check "the peer's hvcore reached it over the socket ($psw)" has "$psw" "role link connected 1 "
# The peer's NIC signals through the monitor page (MNF), this one by
# dedicated interrupts: both carried the traffic above.
mnf=$(echo "$REPLY_BODY" | awk '$1 == "relid" && $4 == 0 && $6 == "netvsp" { print $14, $16 }')
check "the peer's channel signals by MNF and carried packets (${mnf:-none})" \
	[ "${mnf%% *}" = monitor -a "${mnf##* }" != "0/0" ]
host_req ctl list
own=$(echo "$REPLY_BODY" | awk '$1 == "relid" && $4 == 0 && $6 == "netvsp" { print $14 }')
check "this guest's channel signals by dedicated interrupt (${own:-none})" [ "$own" = dedicated ]
check "no WARNING or BUG in dmesg" sh -c '! dmesg | grep -q -E "WARNING:|BUG:"'
host_req peer-stop

echo "1..$T"
echo "# vm2vm tests took $(elapsed "$t_start")s"
echo "HVIS-TESTS-DONE"
[ "$FAILED" = 0 ]
