#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of the dpdk e2e suite (busybox sh, KTAP): the synthetic NIC
# handed from hv_netvsc to hvis's uio_hv_generic (new_id, then
# driver_override), Debian's DPDK netvsc PMD attached by dpdk-testpmd
# (1 queue, then 2 with a sub-channel) and forwarding the frames the TAP's
# host end sends (dpdk-echo), and the NIC handed back to hv_netvsc. DPDK's
# programs run from the host's root over 9p on the guest's hugepages.
#
# Environment (from selftests/dpdk/suite.sh): NET_HOST4, NET_GUEST4,
# DPDK_FRAMES (frames the host sends each run). /init has loaded hv_vmbus
# and hv_netvsc; /hvis/uio_hv_generic.ko is loaded here, after Debian's
# uio; /hvis/dpdk-echo runs from the host root's /tmp (the guest's tmpfs),
# where its libraries are. Host requests: host-send, host-counters (see
# selftests/dpdk/suite.sh).

. /hvis/guest-lib.sh

NETVSC_CLASS=f8615163-df3e-46c5-913f-f2d2f965ed0e
DRV=/sys/bus/vmbus/drivers
TP_IN=/host/tmp/testpmd.in
cp /hvis/dpdk-echo /host/tmp/dpdk-echo
DPDK_ECHO=/tmp/dpdk-echo
echo "KTAP version 1"
t_start=$(up)

finish() {
	echo "1..$T"
	echo "# dpdk tests took $(elapsed "$t_start")s"
	echo "HVIS-TESTS-DONE"
	[ "$FAILED" = 0 ]
	exit
}

DEV=$(vmbus_dev "{$NETVSC_CLASS}")
IF=""
[ -n "$DEV" ] && wait_for 10 iface_of "$DEV" && IF=$(iface_of "$DEV")
if [ -z "$IF" ]; then
	nok "hv_netvsc made an interface for the netvsc device (${DEV:-none})"
	finish
fi
ok "hv_netvsc made interface $IF for $DEV"
D=/sys/bus/vmbus/devices/$DEV
RELID=$(cat "$D/id")
MAC=$(cat "/sys/class/net/$IF/address")
check "the NIC's offer carries a monitor id ($(cat "$D/monitor_id" 2>&1))" \
	[ -r "$D/monitor_id" ]

# Debian's uio core, then hvis's uio_hv_generic.
check "modprobe uio; insmod uio_hv_generic.ko" \
	sh -c "modprobe uio && insmod /hvis/uio_hv_generic.ko"
check "uio_hv_generic is hvis's ($(cat /sys/module/uio_hv_generic/version 2>&1))" \
	grep -q hvis /sys/module/uio_hv_generic/version

# $1: how (new_id or driver_override). The NIC leaves hv_netvsc for uio.
bind_uio() {
	case $1 in
	new_id)	echo "$NETVSC_CLASS" >"$DRV/uio_hv_generic/new_id"
		echo "$DEV" >"$DRV/hv_netvsc/unbind"
		echo "$DEV" >"$DRV/uio_hv_generic/bind" ;;
	driver_override)
		echo uio_hv_generic >"$D/driver_override"
		echo "$DEV" >"$DRV/hv_netvsc/unbind"
		echo "$DEV" >/sys/bus/vmbus/drivers_probe ;;
	esac
	check "bound to uio_hv_generic through $1" \
		[ "$(readlink -f "$D/driver")" = "$(readlink -f "$DRV/uio_hv_generic")" ]
}

# The five maps in the in-tree order, names and sizes.
check_maps() {
	local m=$D/uio/$UIO/maps want got
	want="txrx_rings 0x400000 int_page 0x1000 monitor_page 0x1000 recv 0x1f00000 send 0x1000000"
	got=$(for i in 0 1 2 3 4; do
		printf '%s 0x%x\n' "$(cut -d: -f1 "$m/map$i/name" 2>/dev/null)" \
			"$(($(cat "$m/map$i/size" 2>/dev/null || echo 0)))"
	done | tr '\n' ' ')
	check "$UIO maps: $got" [ "$got" = "$want " ]
	check "recv/send maps name their GPADLs ($(cat "$m/map3/name") $(cat "$m/map4/name"))" \
		sh -c "grep -qE '^recv:[0-9]+$' $m/map3/name && grep -qE '^send:[0-9]+$' $m/map4/name"
	check "channels/$RELID/ring exists for the primary" [ -e "$D/channels/$RELID/ring" ]
}

# Send a testpmd command; wait up to $2 s for $3 (an ERE) in its output.
tp_cmd() {
	echo "$1" >&3
	wait_for "$2" grep -qE "$3" "$TP_OUT"
}

EAL="-n 1 --in-memory --iova-mode=pa --no-pci -a vmbus:"

# dpdk-testpmd attaches to the NIC with testpmd options $@: the MAC and
# link it reports, the channel open only while it runs, sub-channels
# (SUBS, and SUB_RINGS: those with a ring file) while it runs. Frames are
# not forwarded with testpmd: see selftests/dpdk/dpdk-echo.c for why.
TP_OUT=/host/tmp/testpmd.out
testpmd_run() {
	local label=$1 got rc
	shift
	rm -f "$TP_IN" "$TP_OUT"
	mkfifo "$TP_IN"
	H stdbuf -oL dpdk-testpmd -l 0-1 $EAL$DEV -- -i --total-num-mbufs=8192 "$@" \
		<"$TP_IN" >"$TP_OUT" 2>&1 &
	TP_PID=$!
	exec 3>"$TP_IN"
	if ! wait_for 180 grep -q "testpmd> " "$TP_OUT"; then
		nok "$label: dpdk-testpmd attached to vmbus:$DEV"
		diag "$(tail -n 15 "$TP_OUT")"
		exec 3>&-
		kill "$TP_PID" 2>/dev/null
		return 1
	fi
	ok "$label: dpdk-testpmd attached to vmbus:$DEV"
	tp_cmd "show port info 0" 20 "Link status"
	got=$(grep -o 'MAC address: [0-9A-Fa-f:]*' "$TP_OUT" | head -n 1 |
		cut -d' ' -f3 | tr A-F a-f)
	check "$label: testpmd reports the MAC hvcore assigned ($got)" [ "$got" = "$MAC" ]
	check "$label: testpmd reports link up" grep -q "Link status: up" "$TP_OUT"
	check "$label: the channel is open while testpmd holds /dev/$UIO" \
		[ "$(cat "$D/state")" = 3 ]
	SUBS=$(ls "$D/channels" | grep -vx "$RELID" | tr '\n' ' ')
	SUB_RINGS=$(for c in $SUBS; do [ -e "$D/channels/$c/ring" ] && echo "$c"; done | tr '\n' ' ')
	tp_cmd "quit" 60 "Bye" || kill "$TP_PID" 2>/dev/null
	exec 3>&-
	wait "$TP_PID"
	rc=$?
	check "$label: testpmd exited 0 ($rc)" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || diag "$(grep -vE '^(testpmd> )?$' "$TP_OUT" | tail -n 30)"
	check "$label: the channel closed with the last close of /dev/$UIO" \
		[ "$(cat "$D/state")" != 3 ]
}

# The PMD forwards: dpdk-echo sends each frame back out of the queue it
# came in on while the host end sends DPDK_FRAMES frames over $2 flows;
# both ends' counts must agree. $1: a label, $3: queues.
ECHO_OUT=/host/tmp/dpdk-echo.out
echo_run() {
	local label=$1 flows=$2 queues=$3 before after h_rx h_tx rx tx q n pid
	rm -f "$ECHO_OUT"
	H "$DPDK_ECHO" -l 0 $EAL$DEV -- echo 600 "$queues" >"$ECHO_OUT" 2>&1 &
	pid=$!
	if ! wait_for 180 grep -qx ready "$ECHO_OUT"; then
		nok "$label: dpdk-echo started on vmbus:$DEV"
		diag "$(tail -n 15 "$ECHO_OUT")"
		kill "$pid" 2>/dev/null
		return 1
	fi
	ok "$label: dpdk-echo started: $(grep -m 1 '^port ' "$ECHO_OUT")"
	sleep 1
	host_req host-counters
	before=$REPLY_BODY
	host_req host-send "$MAC" "$DPDK_FRAMES" "$flows"
	sleep 3
	kill -INT "$(pidof dpdk-echo | cut -d' ' -f1)"
	wait "$pid"
	check "$label: dpdk-echo exited 0 ($?)" [ $? = 0 ]
	host_req host-counters
	after=$REPLY_BODY
	h_tx=$(($(echo "$after" | awk '{ print $10 }') - $(echo "$before" | awk '{ print $10 }')))
	h_rx=$(($(echo "$after" | awk '{ print $8 }') - $(echo "$before" | awk '{ print $8 }')))
	rx=$(awk '$1 == "total" { print $3 }' "$ECHO_OUT")
	tx=$(awk '$1 == "total" { print $5 }' "$ECHO_OUT")
	check "$label: the PMD received $rx of the $h_tx frames hvt0 handed hvcore" \
		[ "${rx:-0}" -ge "$DPDK_FRAMES" -a "$rx" = "$h_tx" ]
	check "$label: hvt0 received $h_rx of the $tx frames the PMD sent" \
		[ "${tx:-0}" -ge "$DPDK_FRAMES" -a "$tx" = "$h_rx" ]
	for q in $(seq 0 $((queues - 1))); do
		n=$(awk -v q="$q" '$1 == "queue" && $2 == q { print $4 }' "$ECHO_OUT")
		check "$label: queue $q received a tenth of the frames or more (${n:-none})" \
			[ "${n:-0}" -ge $((DPDK_FRAMES / 10)) ]
	done
	[ "$FAILED" = 0 ] || diag "$(tail -n 20 "$ECHO_OUT")"
}

# Back to hv_netvsc: the interface works again. $1: the binding to undo.
rebind_netvsc() {
	case $1 in
	new_id)	echo "$NETVSC_CLASS" >"$DRV/uio_hv_generic/remove_id" ;;
	driver_override) echo >"$D/driver_override" ;;
	esac
	echo "$DEV" >"$DRV/uio_hv_generic/unbind"
	echo "$DEV" >"$DRV/hv_netvsc/bind"
	IF=""
	wait_for 10 iface_of "$DEV" && IF=$(iface_of "$DEV")
	check "after $1: hv_netvsc has the NIC again (${IF:-no interface})" [ -n "$IF" ]
	[ -n "$IF" ] || return 1
	ip link set "$IF" up
	ip addr add "$NET_GUEST4/24" dev "$IF" 2>/dev/null
	check "after $1: ping $NET_HOST4 over $IF" ping -c 3 -W 2 "$NET_HOST4"
}

mkdir -p /host/mnt/huge
echo 128 >/proc/sys/vm/nr_hugepages
check "hugepages: $(cat /proc/sys/vm/nr_hugepages) of 2 MiB, hugetlbfs mounted" \
	sh -c "[ \$(cat /proc/sys/vm/nr_hugepages) -ge 64 ] && mount -t hugetlbfs nodev /host/mnt/huge"

bind_uio new_id
UIO=$(ls "$D/uio" 2>/dev/null | head -n 1)
check "$D/uio has a uio device (${UIO:-none})" [ -n "$UIO" ]
check_maps
testpmd_run "1 queue"
echo_run "1 queue" 1 1
rebind_netvsc new_id

bind_uio driver_override
UIO=$(ls "$D/uio" 2>/dev/null | head -n 1)
testpmd_run "2 queues" --rxq=2 --txq=2
check "2 queues: a sub-channel opened, with a ring file (${SUB_RINGS:-none})" \
	[ -n "$SUBS" -a "$SUBS" = "$SUB_RINGS" ]
echo_run "2 queues" 64 2
rebind_netvsc driver_override

# irqcontrol: an s32 written to /dev/uioN unmasks (nonzero) or masks (0)
# the inbound interrupt; then the host rescinds the NIC under uio.
bind_uio new_id
UIO=$(ls "$D/uio" 2>/dev/null | head -n 1)
if exec 4<>"/dev/$UIO"; then
	printf '\000\000\000\000' >&4
	check "irqcontrol 0 masks the channel's interrupt" [ "$(cat "$D/in_intr_mask")" = 1 ]
	printf '\001\000\000\000' >&4
	check "irqcontrol 1 unmasks it" [ "$(cat "$D/in_intr_mask")" = 0 ]
	exec 4>&-
else
	nok "open /dev/$UIO"
fi
host_req rescind "$RELID"
check "rescind: the device left the bus" wait_for 10 sh -c "[ ! -e $D ]"
check "rescind: /dev/$UIO is gone" wait_for 10 sh -c "[ ! -e /dev/$UIO ]"

n=$(count_oops)
check "no WARN/BUG/Oops in the guest's log ($n)" [ "$n" = 0 ]
finish
