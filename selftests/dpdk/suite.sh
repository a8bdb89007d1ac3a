# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The dpdk e2e suite (scripts/e2e.sh RELEASE dpdk): DPDK's netvsc PMD, an
# independent VMBus/NVSP/RNDIS client, against hvcore's netvsp through
# hvis's uio_hv_generic. The guest (guest-dpdk-tests.sh) hands the NIC from
# hvis's hv_netvsc to uio_hv_generic (new_id, then driver_override), runs
# Debian's dpdk-testpmd from the host's root over 9p on 2 MiB hugepages
# (attach, MAC, link, sub-channels), forwards the frames the host end sends
# back to it with dpdk-echo (selftests/dpdk/dpdk-echo.c, built here against
# Debian's libdpdk-dev: testpmd 22.11 forwards nothing on net_netvsc, see
# there), and hands the NIC back.
# The NIC signals through the monitor page only (netvsp signal=monitored),
# as the PMD needs.
#
# Needs root (a namespace, a TAP, a packet socket) and Debian's dpdk-dev and
# librte-net-netvsc23 (scripts/deps.sh); prints SKIP otherwise.
# Files: build/RELEASE/dpdk/ (console.log, hvcore.log, ctl.log, e2e.ktap,
# send-frames, the host's sender, and dpdk-echo).
#
# Host requests, besides the common ones (ctl, poll: scripts/lib/e2e.sh);
# the guest waits for the reply file (E2E_ACK):
#   host-send MAC COUNT FLOWS -> send COUNT 64-byte UDP frames to MAC out
#       of hvt0 over FLOWS source ports (selftests/dpdk/send-frames.c, at
#       DPDK_RATE frames/s); the reply is its "sent N".
#   host-counters          -> hvt0's counters (selftests/net/host-end.sh).

# shellcheck source=../net/host-end.sh
. "$top/selftests/net/host-end.sh"

E2E_LABEL="dpdk"
E2E_DIR=$out/dpdk
guest_name=guest-dpdk-tests.sh
# At least 100,000 frames each way per run; a rate TCG guests keep up with.
DPDK_FRAMES=${HVIS_DPDK_FRAMES:-100000}
DPDK_RATE=${HVIS_DPDK_RATE:-20000}

suite_prepare() {
	local pmd=/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/librte_net_netvsc.so.23
	if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
		result skip "dpdk: needs root and iproute2 for the host end's namespace and TAP"
		return 1
	fi
	if ! command -v dpdk-testpmd >/dev/null || [ ! -e "$pmd" ]; then
		result skip "dpdk: needs Debian's dpdk-dev and librte-net-netvsc23 (scripts/deps.sh installs them)"
		return 1
	fi
	if ! ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -o "$wdir/send-frames" \
		"$top/selftests/dpdk/send-frames.c" 2>"$wdir/cc.err"; then
		result "not ok" "build: selftests/dpdk/send-frames.c" "$(head -n 3 "$wdir/cc.err")"
		return 1
	fi
	# DPDK's headers need GNU C (typeof, statement expressions).
	# shellcheck disable=SC2046
	if ! ${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -Werror -o "$wdir/dpdk-echo" \
		"$top/selftests/dpdk/dpdk-echo.c" $(pkg-config --cflags --libs libdpdk) \
		2>"$wdir/cc.err"; then
		result "not ok" "build: selftests/dpdk/dpdk-echo.c" "$(head -n 3 "$wdir/cc.err")"
		return 1
	fi
	# Nothing but the test's frames from hvt0 while the counts both ends
	# compare are taken: no IPv6 (router solicitations, MLD), and no ARP
	# of the host's own (it learns the guest's address from the guest's
	# requests; its reachability probes would reach the PMD).
	if ! net_host_end 2>"$wdir/netns.err" ||
		! ip netns exec "$net_ns" sysctl -qw net.ipv6.conf.hvt0.disable_ipv6=1 \
			net.ipv4.neigh.hvt0.ucast_solicit=0 \
			net.ipv4.neigh.hvt0.mcast_solicit=0 2>>"$wdir/netns.err"; then
		result "not ok" "host: namespace $net_ns with TAP hvt0" "$(head -n 2 "$wdir/netns.err")"
		return 1
	fi
	E2E_MODULES+=("$src/hv_netvsc.ko")
	E2E_MKINITRAMFS+=(-H hostroot -9 hvisack:/hvis-ack -k uio
		-f "$src/uio_hv_generic.ko:/hvis/uio_hv_generic.ko"
		-f "$wdir/dpdk-echo:/hvis/dpdk-echo"
		-f "${HVIS_SRC:-$top}/selftests/dpdk/guest-dpdk-tests.sh:/hvis/guest-dpdk-tests.sh"
		-f "${HVIS_SRC:-$top}/selftests/storage/guest-lib.sh:/hvis/guest-lib.sh")
	E2E_QEMU+=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
	E2E_HVCORE+=(--device "netvsp:tap=hvt0,netns=$net_ns,signal=monitored")
	# 256 MiB of hugepages beside the 47 MiB uio_hv_generic lends.
	E2E_MEMORY=$((E2E_MEMORY < 1024 ? 1024 : E2E_MEMORY))
	E2E_DEVICES=1
	E2E_ACK=1
	e2e_guest_run /hvis/guest-dpdk-tests.sh \
		"NET_HOST4=$NET_HOST4" "NET_GUEST4=$NET_GUEST4" \
		"DPDK_FRAMES=$DPDK_FRAMES"
}

suite_cleanup() {
	net_host_end_remove
}

suite_request() {
	case ${1:-} in
	host-send)
		[[ ${2:-} =~ ^[0-9a-f:]{17}$ && ${3:-} =~ ^[0-9]+$ && ${4:-} =~ ^[0-9]+$ ]] || return 1
		if ctl_reply=$(ip netns exec "$net_ns" "$wdir/send-frames" hvt0 "$2" "$3" \
			"$DPDK_RATE" "$4" 2>&1); then
			result ok "host: $3 frames to $2 over $4 flows from hvt0" "$ctl_reply"
		else
			result "not ok" "host: $3 frames to $2 over $4 flows from hvt0" "$ctl_reply"
		fi ;;
	host-counters)
		ctl_reply=$(net_host_counters)
		result ok "host: hvt0 counters" "$ctl_reply" ;;
	*)	return 1 ;;
	esac
	return 0
}

suite_checks() {
	:
}
