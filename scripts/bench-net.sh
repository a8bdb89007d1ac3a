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
tap_nv=hvbn$$ tap_vn=hvbv$$ port=5299
iperf_pid=""

die() { echo "bench-net.sh: $*" >&2; exit 1; }

cleanup() {
	[ -n "$iperf_pid" ] && kill "$iperf_pid" 2>/dev/null
	ip link del "$tap_nv" 2>/dev/null
	ip link del "$tap_vn" 2>/dev/null
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

cat >"$wdir/guest-run.sh" <<EOF
#!/bin/sh
modprobe virtio_net
up() { cut -d. -f1 /proc/uptime; }
nic() {	# the interface driven by \$1
	for n in /sys/class/net/*; do
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
EOF
"$top/scripts/mkinitramfs.sh" -r "$rel" -o "$wdir/initramfs.cpio.gz" -s "$wdir/guest-run.sh" \
	-H hostroot -k virtio_net "$out/src/hv_vmbus.ko" "$ko" 2>"$wdir/mkinitramfs.err" ||
	die "mkinitramfs failed: $(head -n 2 "$wdir/mkinitramfs.err")"
args=(--device "netvsp:tap=$tap_nv")
qemu=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-netdev "tap,id=vn0,ifname=$tap_vn,script=no,downscript=no,vhost=off,queues=$cpus"
	-device "virtio-net-pci,netdev=vn0,mq=on,vectors=$((2 * cpus + 2))")
for a in "${qemu[@]}"; do args+=(--qemu-arg "$a"); done
console=$wdir/console.log
timeout --kill-after=10 600 "$hvcore" run --kernel "/boot/vmlinuz-$rel" \
	--initrd "$wdir/initramfs.cpio.gz" --append "console=ttyS0 panic=-1 quiet" \
	--accel "${HVIS_ACCEL:-tcg}" --cpus "$cpus" --memory "${HVIS_MEMORY:-768}" \
	--console "file:$console" --ctl "$rundir/ctl.sock" "${args[@]}" >"$wdir/hvcore.log" 2>&1
rc=$?
[ "$rc" = 0 ] || echo "bench-net.sh: hvcore exited $rc, see $wdir/hvcore.log" >&2

tr -d '\r' <"$console" | awk -v drv="$driver" -v rel="$rel" '
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
		exit bad
	}' | tee "$wdir/bench.txt"
