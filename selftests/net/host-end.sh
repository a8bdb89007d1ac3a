# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by the net and dpdk suites: the host end of hvcore's netvsp, a
# TAP device hvt0 in a network namespace of its own, and its counters.

# The host end's and the guest's addresses (hvt0 has MTU 9000).
NET_HOST4=10.77.0.1 NET_GUEST4=10.77.0.2
NET_HOST6=fd77::1 NET_GUEST6=fd77::2
net_ns=""

# Create namespace hvis-net-PID ($net_ns) holding hvt0, up and addressed.
net_host_end() {
	net_ns=hvis-net-$$
	ip netns add "$net_ns" &&
		ip -n "$net_ns" link set lo up &&
		ip -n "$net_ns" tuntap add dev hvt0 mode tap &&
		ip -n "$net_ns" link set hvt0 mtu 9000 &&
		ip -n "$net_ns" addr add "$NET_HOST4/24" dev hvt0 &&
		ip netns exec "$net_ns" sysctl -qw net.ipv6.conf.hvt0.accept_dad=0 &&
		ip -n "$net_ns" addr add "$NET_HOST6/64" dev hvt0 &&
		ip -n "$net_ns" link set hvt0 up
}

net_host_end_remove() {
	[ -n "$net_ns" ] && ip netns del "$net_ns" 2>/dev/null
	net_ns=""
}

# hvt0's counters as "rx-bytes N tx-bytes N tx-dropped N rx-packets N
# tx-packets N" (rx: what hvcore wrote, the guest's frames).
net_host_counters() {
	local st=/sys/class/net/hvt0/statistics
	ip netns exec "$net_ns" sh -c "echo rx-bytes \$(cat $st/rx_bytes) \
tx-bytes \$(cat $st/tx_bytes) tx-dropped \$(cat $st/tx_dropped) \
rx-packets \$(cat $st/rx_packets) tx-packets \$(cat $st/tx_packets)"
}
