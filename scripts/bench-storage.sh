#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Storage benchmark: storvsc+storvsp against virtio-blk, same image, same QEMU.
#
# usage: scripts/bench-storage.sh RELEASE
#
# One `hvcore run` whose guest sees one raw image twice: as a storvsp LUN
# (`--device storvsp:file=IMG,direct`, O_DIRECT) and as a virtio-blk disk
# (QEMU -drive cache=none, i.e. O_DIRECT too, aio=io_uring, one queue per
# vCPU). The two are never used at the same time and nothing is mounted.
# In the guest fio (the host's, over 9p; libaio, direct) runs, per device and
# alternating between them: 1M sequential write (it also fills the image),
# 4k random write QD32, 1M sequential read, 4k random read QD32, each for
# HVIS_BENCH_RUNTIME seconds (default 10) over HVIS_BENCH_MB MiB (default
# 1024). Prints one line per metric:
#   storage <metric>: storvsc <value> virtio-blk <value> ratio <storvsc/virtio>
# and keeps the files in build/RELEASE/bench-storage/. Exit status 1 when a
# figure is missing.
#
# HVIS_STORAGE_DRIVER: hvis (default, build/RELEASE/src/hv_storvsc.ko),
# intree (scripts/build-oracle.sh), or virtio-scsi (the storvsc column is a
# virtio-scsi disk on the same image: checks this script without storvsp).
# HVIS_HVCORE, HVIS_ACCEL, HVIS_CPUS (default 2), HVIS_MEMORY as for e2e.sh.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rel=${1:?usage: bench-storage.sh RELEASE}
out=${HVIS_BUILD_DIR:-$top/build}/$rel
wdir=$out/bench-storage
hvcore=${HVIS_HVCORE:-$top/hvcore/hvcore}
driver=${HVIS_STORAGE_DRIVER:-hvis}
cpus=${HVIS_CPUS:-2}
mb=${HVIS_BENCH_MB:-1024}
runtime=${HVIS_BENCH_RUNTIME:-10}

die() { echo "bench-storage.sh: $*" >&2; exit 1; }

[ -f "/boot/vmlinuz-$rel" ] || die "no /boot/vmlinuz-$rel"
[ -x "$hvcore" ] || die "$hvcore not built (make hvcore)"
mkdir -p "$wdir"
"$top/scripts/build-modules.sh" "$rel" 2>"$wdir/build.err" ||
	echo "bench-storage.sh: some modules failed to build, see $out/*.log" >&2
[ -f "$out/src/hv_vmbus.ko" ] || die "hv_vmbus.ko did not build"

img=$wdir/bench.img
rm -f "$img"
truncate -s "$((mb + 64))M" "$img"
args=() qemu=() initrd=(-H hostroot -k sd_mod -k virtio_blk)
qemu+=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
# locking=off: hvcore has the same file open, which QEMU's lock would refuse.
qemu+=(-drive "if=none,id=vb,file=$img,format=raw,cache=none,aio=io_uring,file.locking=off"
	-device "virtio-blk-pci,drive=vb,serial=bench-vb,num-queues=$cpus")
case $driver in
hvis|intree)
	ko=$out/src/hv_storvsc.ko
	if [ "$driver" = intree ]; then
		"$top/scripts/build-oracle.sh" "$rel" hv_storvsc || die "oracle build failed"
		ko=$out/oracle/hv_storvsc.ko
	fi
	[ -f "$ko" ] || die "$ko missing"
	"$hvcore" run --help 2>&1 | grep -q -- '--device' || die "hvcore has no run --device"
	initrd+=(-k scsi_transport_fc -f "$ko:/lib/modules/$rel/extra/hv_storvsc.ko")
	args+=(--device "storvsp:file=$img,direct,serial=bench-sv")
	load="modprobe scsi_transport_fc; insmod /lib/modules/\$(uname -r)/extra/hv_storvsc.ko" ;;
virtio-scsi)
	initrd+=(-k virtio_scsi)
	qemu+=(-device virtio-scsi-pci,id=scsi0
		-drive "if=none,id=vs,file=$img,format=raw,cache=none,aio=io_uring,file.locking=off"
		-device "scsi-hd,bus=scsi0.0,drive=vs,serial=bench-sv")
	load="modprobe virtio_scsi" ;;
*)	die "HVIS_STORAGE_DRIVER must be hvis, intree or virtio-scsi" ;;
esac

cat >"$wdir/guest-run.sh" <<EOF
#!/bin/sh
modprobe sd_mod; modprobe virtio_blk
$load
up() { cut -d. -f1 /proc/uptime; }
find_sv() {
	for b in /sys/block/sd*; do
		[ -r \$b/device/vpd_pg80 ] || continue
		tail -c +5 \$b/device/vpd_pg80 | grep -q bench-sv && { echo \${b##*/}; return; }
	done
}
end=\$((\$(up) + 60))
while { [ -z "\$(find_sv)" ] || ! ls /sys/block/vd* >/dev/null 2>&1; } && [ \$(up) -lt \$end ]; do
	usleep 200000
done
sv=\$(find_sv)
vb=\$(ls /sys/block | grep '^vd' | head -n 1)
echo "HVIS-BENCH-DEVS storvsc=\$sv virtio-blk=\$vb"
run() {	# DEV METRIC FIO-ARGS...
	dev=\$1 metric=\$2
	shift 2
	[ -n "\$dev" ] || { echo "HVIS-BENCH \$metric \$dev none"; return; }
	r=\$(hostrun fio --output-format=terse --terse-version=3 --name=b \\
		--filename=/dev/\$dev --direct=1 --ioengine=libaio --size=${mb}M \\
		--time_based --runtime=$runtime --ramp_time=1 --group_reporting "\$@" 2>&1)
	echo "\$r" | grep -v '^3;' | sed 's/^/# /'
	# terse v3: read bandwidth KiB/s 7, IOPS 8; write 48, 49.
	echo "\$r" | awk -F';' -v m=\$metric -v d=\$dev '/^3;/ {
		if (m ~ /read/) { bw = \$7; io = \$8 } else { bw = \$48; io = \$49 }
		if (m ~ /4k/) v = io; else v = bw / 1024
		printf "HVIS-BENCH %s %s %.1f\n", m, d, v }'
}
for m in seqwrite-1m randwrite-4k-qd32 seqread-1m randread-4k-qd32; do
	case \$m in
	seqwrite-1m) a="--rw=write --bs=1m --iodepth=8" ;;
	randwrite-4k-qd32) a="--rw=randwrite --bs=4k --iodepth=32" ;;
	seqread-1m) a="--rw=read --bs=1m --iodepth=8" ;;
	randread-4k-qd32) a="--rw=randread --bs=4k --iodepth=32" ;;
	esac
	run "\$sv" \$m \$a
	run "\$vb" \$m \$a
done
EOF
rundir=$(mktemp -d "${TMPDIR:-/tmp}/hvis-bench.XXXXXX")
trap 'rm -rf "$rundir"' EXIT
"$top/scripts/mkinitramfs.sh" -r "$rel" -o "$wdir/initramfs.cpio.gz" -s "$wdir/guest-run.sh" \
	"${initrd[@]}" "$out/src/hv_vmbus.ko" 2>"$wdir/mkinitramfs.err" ||
	die "mkinitramfs failed: $(head -n 2 "$wdir/mkinitramfs.err")"
if "$hvcore" run --help 2>&1 | grep -q -- '--qemu-arg'; then
	for a in "${qemu[@]}"; do args+=(--qemu-arg "$a"); done
else
	printf '%s\n' "${qemu[@]}" >"$rundir/qemu-extra"
	export HVIS_QEMU_EXTRA=$rundir/qemu-extra
	args+=(--qemu "$top/scripts/lib/qemu-extra.sh")
fi
console=$wdir/console.log
timeout --kill-after=10 900 "$hvcore" run --kernel "/boot/vmlinuz-$rel" \
	--initrd "$wdir/initramfs.cpio.gz" --append "console=ttyS0 panic=-1 quiet" \
	--accel "${HVIS_ACCEL:-tcg}" --cpus "$cpus" --memory "${HVIS_MEMORY:-768}" \
	--console "file:$console" --ctl "$rundir/ctl.sock" "${args[@]}" >"$wdir/hvcore.log" 2>&1
rc=$?
[ "$rc" = 0 ] || echo "bench-storage.sh: hvcore exited $rc, see $wdir/hvcore.log" >&2

tr -d '\r' <"$console" | awk -v drv="$driver" -v rel="$rel" '
	$1 == "HVIS-BENCH" { v[$2, ($3 ~ /^vd/) ? "vb" : "sv"] = $4; if (!seen[$2]++) order[n++] = $2 }
	END {
		bad = 0
		for (i = 0; i < n; i++) {
			m = order[i]; a = v[m, "sv"]; b = v[m, "vb"]
			unit = (m ~ /4k/) ? "IOPS" : "MB/s"
			if (a == "" || a == "none" || b == "" || b == "none" || b + 0 == 0) {
				printf "storage %s %s (%s): storvsc %s virtio-blk %s ratio n/a\n", rel, m, unit, a == "" ? "none" : a, b == "" ? "none" : b
				bad = 1
			} else
				printf "storage %s %s (%s): storvsc(%s) %s virtio-blk %s ratio %.2f\n", rel, m, unit, drv, a, b, a / b
		}
		if (n == 0) { print "storage " rel ": no figures (see console.log)"; bad = 1 }
		exit bad
	}' | tee "$wdir/bench.txt"
