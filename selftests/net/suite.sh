# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The net e2e suite (scripts/e2e.sh RELEASE net): hvcore's netvsp on a TAP
# device whose host end lives in a network namespace this suite creates,
# exercised from the guest by guest-net-tests.sh: carrier and MAC, IPv4 and
# IPv6 pings both ways, iperf3 TCP and UDP both ways with byte counts and
# checksum-error counters compared, MTU 9000 with DF set, link down/up from
# the control socket, and malformed frames injected by hvcore.
#
# HVIS_NET_DRIVER picks the guest driver:
#   hvis    build/RELEASE/src/hv_netvsc.ko (default)
#   intree  build/RELEASE/oracle/hv_netvsc.ko (Debian's drivers/net/hyperv,
#           built by scripts/build-oracle.sh against hvis's hv_vmbus)
# Needs root (a network namespace and a TAP device); prints SKIP otherwise.
# Files: build/RELEASE/net-DRIVER/ (console.log, hvcore.log, ctl.log,
# e2e.ktap).
#
# Host requests, besides the common ones (ctl, poll: scripts/lib/e2e.sh);
# the guest waits for the reply file (E2E_ACK):
#   host-ping ADDR [SIZE]  -> ping ADDR 3 times from the namespace, with
#       SIZE bytes of payload and DF set when SIZE is given.
#   host-snmp              -> the namespace's /proc/net/snmp checksum-error
#       counters, "tcp-csum-errors N udp-csum-errors N".
#   host-counters          -> hvt0's counters, "rx-bytes N tx-bytes N
#       tx-dropped N rx-packets N tx-packets N" (rx: what hvcore wrote,
#       the guest's frames).

# shellcheck source=netvsc-ko.sh
. "$top/selftests/net/netvsc-ko.sh"

# shellcheck source=host-end.sh
. "$top/selftests/net/host-end.sh"

driver=${HVIS_NET_DRIVER:-hvis}
E2E_LABEL="net($driver)"
E2E_DIR=$out/net-$driver
guest_name=guest-net-tests.sh
net_iperf_pid=""

suite_prepare() {
	if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
		result skip "net: needs root and iproute2 for the host end's namespace and TAP"
		return 1
	fi
	netvsc_ko "$driver" HVIS_NET_DRIVER || return 1
	if ! net_host_end 2>"$wdir/netns.err"; then
		result "not ok" "host: namespace $net_ns with TAP hvt0" "$(head -n 2 "$wdir/netns.err")"
		return 1
	fi
	if command -v iperf3 >/dev/null; then
		ip netns exec "$net_ns" iperf3 -s -B "$NET_HOST4" >"$wdir/iperf3-server.log" 2>&1 &
		net_iperf_pid=$!
	fi
	E2E_MODULES+=("$NETVSC_KO")
	E2E_MKINITRAMFS+=(-H hostroot -9 hvisack:/hvis-ack
		-f "${HVIS_SRC:-$top}/selftests/net/guest-net-tests.sh:/hvis/guest-net-tests.sh"
		-f "${HVIS_SRC:-$top}/selftests/storage/guest-lib.sh:/hvis/guest-lib.sh")
	E2E_QEMU+=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
	E2E_HVCORE+=(--device "netvsp:tap=hvt0,netns=$net_ns")
	E2E_DEVICES=1
	E2E_ACK=1
	e2e_guest_run /hvis/guest-net-tests.sh "HVIS_NET_DRIVER=$driver" \
		"NET_HOST4=$NET_HOST4" "NET_GUEST4=$NET_GUEST4" \
		"NET_HOST6=$NET_HOST6" "NET_GUEST6=$NET_GUEST6"
}

suite_cleanup() {
	[ -n "$net_iperf_pid" ] && kill "$net_iperf_pid" 2>/dev/null
	net_host_end_remove
}

# /proc/net/snmp field $2 of protocol $1 ("Tcp", "Udp"), from stdin.
net_snmp_field() {
	awk -v p="$1:" -v f="$2" '$1 == p && !n { for (i = 2; i <= NF; i++) c[$i] = i; n = 1; next }
		$1 == p && n { print $c[f]; exit }'
}

suite_request() {
	local snmp t u ping=()
	case ${1:-} in
	host-ping)
		[[ ${2:-} =~ ^[0-9a-f.:]+$ ]] || return 1
		ping=(ping -c 3 -W 2)
		[[ ${3:-} =~ ^[0-9]+$ ]] && ping+=(-M do -s "$3")
		if ctl_reply=$(ip netns exec "$net_ns" "${ping[@]}" "$2" 2>&1); then
			result ok "host: ${ping[*]} $2 from the TAP's namespace" \
				"$(tail -n 2 <<<"$ctl_reply" | head -n 1)"
		else
			result "not ok" "host: ${ping[*]} $2 from the TAP's namespace" \
				"$(tail -n 2 <<<"$ctl_reply" | tr '\n' ' ')"
		fi ;;
	host-snmp)
		snmp=$(ip netns exec "$net_ns" cat /proc/net/snmp)
		t=$(net_snmp_field Tcp InCsumErrors <<<"$snmp")
		u=$(net_snmp_field Udp InCsumErrors <<<"$snmp")
		ctl_reply="tcp-csum-errors ${t:-?} udp-csum-errors ${u:-?}"
		result ok "host: checksum-error counters in the TAP's namespace" "$ctl_reply" ;;
	host-counters)
		ctl_reply=$(net_host_counters)
		result ok "host: hvt0 byte counters" "$ctl_reply" ;;
	*)	return 1 ;;
	esac
	return 0
}

suite_checks() {
	:
}
