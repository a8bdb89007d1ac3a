#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Network benchmark: netvsc+netvsp against virtio-net, same guest, same QEMU.
#
# usage: scripts/bench-net.sh RELEASE
#
# One `hvcore run` whose guest has two NICs, each on its own TAP device in
# the host's namespace and its own subnet: netvsp's (`--device
# netvsp:tap=...`, 10.77.1.0/24) and a virtio-net-pci on QEMU's TAP back
# end (vhost off, as TCG has it; one queue per vCPU, like netvsc's
# channels; 10.77.2.0/24). In the guest iperf3 (the host's, over 9p) runs,
# per NIC and alternating between them: TCP guest->host, TCP host->guest
# (-R), and UDP with 64-byte datagrams guest->host at full speed, each for
# HVIS_BENCH_RUNTIME seconds (default 5), against an iperf3 server on the
# host. Prints one line per metric:
#   net RELEASE <metric> (<unit>): netvsc(DRIVER) <value> virtio-net <value> ratio <netvsc/virtio>
# (Mbit/s received for TCP, datagrams/s received for UDP) and keeps the
# files in build/RELEASE/bench-net/. Exit status 1 when a figure is
# missing. Needs root (TAP devices).
#
# DPDK beside the kernel: a second netvsp NIC (signal=monitored, on its own
# TAP; the kernel's NIC keeps dedicated interrupts) is handed to hvis's
# uio_hv_generic after the iperf3 runs, and DPDK's netvsc PMD sends 64-byte
# frames at full speed for HVIS_BENCH_RUNTIME seconds
# (selftests/dpdk/dpdk-echo.c in tx mode; Debian's testpmd 22.11 cannot
# send on net_netvsc). One more line:
#   net RELEASE udp64-guest-to-host dpdk (packets/s): dpdk-netvsc <value> netvsc(DRIVER) <value> ratio <dpdk/kernel> (PMD sent N, TAP received M)
# with the kernel's UDP figure from the same run (datagrams iperf3's server
# received); the DPDK figure is the frames the PMD queued a second, and M
# (what hvcore wrote to that NIC's TAP) shows they all went out. Left out, with the
# reason, without Debian's libdpdk-dev and librte-net-netvsc23.
#
# HVIS_NET_DRIVER: hvis (default: hvis's hv_netvsc) or intree (Debian's
# hv_netvsc from scripts/build-oracle.sh).
# HVIS_HVCORE, HVIS_ACCEL, HVIS_CPUS (default 2), HVIS_MEMORY as for e2e.sh.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rel=${1:?usage: bench-net.sh RELEASE}
out=${HVIS_BUILD_DIR:-$top/build}/$rel
wdir=$out/bench-net
hvcore=${HVIS_HVCORE:-$top/hvcore/hvcore}
driver=${HVIS_NET_DRIVER:-hvis}
cpus=${HVIS_CPUS:-2}
runtime=${HVIS_BENCH_RUNTIME:-5}
tap_nv=hvbn$$ tap_vn=hvbv$$ tap_dp=hvbd$$ port=5299
iperf_pid=""

die() { echo "bench-net.sh: $*" >&2; exit 1; }

cleanup() {
	[ -n "$iperf_pid" ] && kill "$iperf_pid" 2>/dev/null
	ip link del "$tap_nv" 2>/dev/null
	ip link del "$tap_vn" 2>/dev/null
	ip link del "$tap_dp" 2>/dev/null
	rm -rf "${rundir:-}"
}

[ "$(id -u)" = 0 ] || die "needs root (TAP devices)"
[ -f "/boot/vmlinuz-$rel" ] || die "no /boot/vmlinuz-$rel"
[ -x "$hvcore" ] || die "$hvcore not built (make hvcore)"
command -v iperf3 >/dev/null || die "no iperf3 (scripts/deps.sh installs it)"
mkdir -p "$wdir"
"$top/scripts/build-modules.sh" "$rel" 2>"$wdir/build.err" ||
	echo "bench-net.sh: some modules failed to build, see $out/*.log" >&2
[ -f "$out/src/hv_vmbus.ko" ] || die "hv_vmbus.ko did not build"
case $driver in
intree)	"$top/scripts/build-oracle.sh" "$rel" hv_netvsc 2>"$wdir/oracle.err" ||
		die "oracle hv_netvsc did not build: $(tail -n 2 "$wdir/oracle.err")"
	ko=$out/oracle/hv_netvsc.ko ;;
hvis)	ko=$out/src/hv_netvsc.ko ;;
*)	die "HVIS_NET_DRIVER must be intree or hvis" ;;
esac
[ -f "$ko" ] || die "$ko missing"

rundir=$(mktemp -d "${TMPDIR:-/tmp}/hvis-bench.XXXXXX")
trap cleanup EXIT
# Both host ends in this namespace, one subnet each, so that each test's
# traffic takes its own NIC.
ip tuntap add dev "$tap_nv" mode tap &&
	ip tuntap add dev "$tap_vn" mode tap multi_queue &&
	ip addr add 10.77.1.1/24 dev "$tap_nv" && ip addr add 10.77.2.1/24 dev "$tap_vn" &&
	ip link set "$tap_nv" up && ip link set "$tap_vn" up ||
	die "could not set up TAP devices $tap_nv and $tap_vn"
iperf3 -s -p "$port" >"$wdir/iperf3-server.log" 2>&1 &
iperf_pid=$!
dpdk=""
# shellcheck disable=SC2046
if [ -e /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/librte_net_netvsc.so.23 ] &&
	cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$wdir/dpdk-echo" \
		"$top/selftests/dpdk/dpdk-echo.c" $(pkg-config --cflags --libs libdpdk) \
		2>"$wdir/dpdk-echo.err" &&
	ip tuntap add dev "$tap_dp" mode tap && ip link set "$tap_dp" up; then
	dpdk=$wdir/dpdk-echo
else
	echo "bench-net.sh: no DPDK figure: needs libdpdk-dev and librte-net-netvsc23 ($(head -n 1 "$wdir/dpdk-echo.err" 2>/dev/null))" >&2
fi

cat >"$wdir/guest-run.sh" <<EOF
#!/bin/sh
modprobe virtio_net
up() { cut -d. -f1 /proc/uptime; }
nic() {	# the interface driven by \$1 (netvsc: the one not monitored)
	for n in /sys/class/net/*; do
		[ -e \$n/device/monitor_id ] && continue
		[ "\$(basename "\$(readlink -f \$n/device/driver)")" = "\$1" ] && { echo \${n##*/}; return; }
	done
}
end=\$((\$(up) + 60))
while { [ -z "\$(nic hv_netvsc)" ] || [ -z "\$(nic virtio_net)" ]; } && [ \$(up) -lt \$end ]; do
	usleep 200000
done
nv=\$(nic hv_netvsc) vn=\$(nic virtio_net)
echo "HVIS-BENCH-NICS netvsc=\$nv virtio-net=\$vn"
ip link set "\$nv" up; ip addr add 10.77.1.2/24 dev "\$nv"
ip link set "\$vn" up; ip addr add 10.77.2.2/24 dev "\$vn"
for ip in 10.77.1.1 10.77.2.1; do
	end=\$((\$(up) + 30))
	until ping -c 1 -W 1 \$ip >/dev/null 2>&1 || [ \$(up) -ge \$end ]; do :; done
done
run() {	# NIC-NAME HOST-IP METRIC IPERF-ARGS...
	name=\$1 ip=\$2 metric=\$3
	shift 3
	j=/tmp/\$metric-\$name.json
	hostrun iperf3 -c \$ip -p $port -t $runtime -J "\$@" >\$j 2>&1
	# sum_received: TCP bits/s; UDP packets, lost_packets, seconds.
	awk -v m=\$metric -v n=\$name '/"sum_received":/ { f = 1 } f && /"(seconds|bits_per_second|packets|lost_packets)":/ {
		k = \$1; gsub(/[":]/, "", k); v = \$2; gsub(/[^0-9.e+-]/, "", v); s[k] = v }
		END {
			if (m ~ /^udp/) x = s["seconds"] > 0 ? (s["packets"] - s["lost_packets"]) / s["seconds"] : 0
			else x = s["bits_per_second"] / 1e6
			printf "HVIS-BENCH %s %s %.0f\n", m, n, x }' \$j
	grep -m 1 '"error"' \$j | sed 's/^/# /'
}
for m in tcp-guest-to-host tcp-host-to-guest udp64-guest-to-host; do
	case \$m in
	tcp-guest-to-host) a="" ;;
	tcp-host-to-guest) a="-R" ;;
	udp64-guest-to-host) a="-u -l 64 -b 0" ;;
	esac
	run netvsc 10.77.1.1 \$m \$a
	run virtio-net 10.77.2.1 \$m \$a
done
dpdk=$dpdk
[ -n "\$dpdk" ] || exit 0
# The monitored NIC goes to uio_hv_generic; the PMD sends for $runtime s.
for d in /sys/bus/vmbus/devices/*; do
	[ -e \$d/monitor_id ] && [ "\$(cat \$d/class_id)" = "{f8615163-df3e-46c5-913f-f2d2f965ed0e}" ] && dev=\${d##*/}
done
modprobe uio && insmod /hvis/uio_hv_generic.ko
echo f8615163-df3e-46c5-913f-f2d2f965ed0e >/sys/bus/vmbus/drivers/uio_hv_generic/new_id
echo \$dev >/sys/bus/vmbus/drivers/hv_netvsc/unbind
echo \$dev >/sys/bus/vmbus/drivers/uio_hv_generic/bind
echo 128 >/proc/sys/vm/nr_hugepages
mkdir -p /host/mnt/huge && mount -t hugetlbfs nodev /host/mnt/huge
cp /hvis/dpdk-echo /host/tmp/dpdk-echo	# where the host's libraries are
hostrun /tmp/dpdk-echo -l 0 -n 1 --in-memory --iova-mode=pa --no-pci -a vmbus:\$dev -- tx $runtime >/tmp/dpdk.out 2>&1
awk '\$1 == "total" { printf "HVIS-BENCH udp64-guest-to-host dpdk %s\\nHVIS-BENCH-DPDK-SENT %s\\n", \$11, \$5 }' /tmp/dpdk.out
grep -q '^total' /tmp/dpdk.out || tail -n 5 /tmp/dpdk.out | sed 's/^/# /'
EOF
"$top/scripts/mkinitramfs.sh" -r "$rel" -o "$wdir/initramfs.cpio.gz" -s "$wdir/guest-run.sh" \
	-H hostroot -k virtio_net -k uio -f "$out/src/uio_hv_generic.ko:/hvis/uio_hv_generic.ko" \
	${dpdk:+-f "$dpdk:/hvis/dpdk-echo"} "$out/src/hv_vmbus.ko" "$ko" 2>"$wdir/mkinitramfs.err" ||
	die "mkinitramfs failed: $(head -n 2 "$wdir/mkinitramfs.err")"
args=(--device "netvsp:tap=$tap_nv")
[ -n "$dpdk" ] && args+=(--device "netvsp:tap=$tap_dp,signal=monitored")
qemu=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-netdev "tap,id=vn0,ifname=$tap_vn,script=no,downscript=no,vhost=off,queues=$cpus"
	-device "virtio-net-pci,netdev=vn0,mq=on,vectors=$((2 * cpus + 2))")
for a in "${qemu[@]}"; do args+=(--qemu-arg "$a"); done
console=$wdir/console.log
timeout --kill-after=10 600 "$hvcore" run --kernel "/boot/vmlinuz-$rel" \
	--initrd "$wdir/initramfs.cpio.gz" --append "console=ttyS0 panic=-1 quiet" \
	--accel "${HVIS_ACCEL:-tcg}" --cpus "$cpus" --memory "${HVIS_MEMORY:-1280}" \
	--console "file:$console" --ctl "$rundir/ctl.sock" "${args[@]}" >"$wdir/hvcore.log" 2>&1
rc=$?
[ "$rc" = 0 ] || echo "bench-net.sh: hvcore exited $rc, see $wdir/hvcore.log" >&2
# What hvcore wrote to the DPDK NIC's TAP: the PMD's frames (and nothing
# else: the guest's kernel never brings that NIC up).
dp_rx=""
[ -n "$dpdk" ] && dp_rx=$(cat "/sys/class/net/$tap_dp/statistics/rx_packets")

tr -d '\r' <"$console" | awk -v drv="$driver" -v rel="$rel" -v dpdk="$dpdk" -v dp_rx="$dp_rx" '
	$1 == "HVIS-BENCH" && $3 == "dpdk" { v[$2, $3] = $4; next }
	$1 == "HVIS-BENCH-DPDK-SENT" { dp_tx = $2; next }
	$1 == "HVIS-BENCH" { v[$2, $3] = $4; if (!seen[$2]++) order[n++] = $2 }
	END {
		bad = 0
		for (i = 0; i < n; i++) {
			m = order[i]; a = v[m, "netvsc"]; b = v[m, "virtio-net"]
			unit = (m ~ /^udp/) ? "datagrams/s" : "Mbit/s"
			if (a == "" || b == "" || a + 0 == 0 || b + 0 == 0) {
				printf "net %s %s (%s): netvsc(%s) %s virtio-net %s ratio n/a\n", rel, m, unit, drv, a == "" ? "none" : a, b == "" ? "none" : b
				bad = 1
			} else
				printf "net %s %s (%s): netvsc(%s) %s virtio-net %s ratio %.2f\n", rel, m, unit, drv, a, b, a / b
		}
		if (n == 0) { print "net " rel ": no figures (see console.log)"; bad = 1 }
		m = "udp64-guest-to-host"; d = v[m, "dpdk"]; a = v[m, "netvsc"]
		if (d != "" && a + 0 > 0)
			printf "net %s %s dpdk (packets/s): dpdk-netvsc %s netvsc(%s) %s ratio %.2f (PMD sent %s, TAP received %s)\n", rel, m, d, drv, a, d / a, dp_tx, dp_rx
		else if (dpdk)
			{ printf "net %s %s dpdk (packets/s): dpdk-netvsc %s ratio n/a\n", rel, m, d == "" ? "none" : d; bad = 1 }
		exit bad
	}' | tee "$wdir/bench.txt"
