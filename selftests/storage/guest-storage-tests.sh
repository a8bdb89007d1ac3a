#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of the storage e2e suite: identity, queues, discard, ext4, fio
# verify, read-only, an IDE-class disk, hot-plug and host faults on storvsc
# disks (KTAP).
#
# Environment (from the suite): HVIS_STORAGE_DRIVER (hvis|intree|virtio-scsi),
# HVIS_CPUS, HVIS_RO_MANIFEST (sha256 of the read-only disk's file manifest),
# HVIS_FIO_MB (total MiB the big fio run writes, default 1024), HVIS_MODDIR.
# Disk table: /hvis/storage-disks. Requests: see selftests/storage/suite.sh.

. /hvis/guest-lib.sh

drv=${HVIS_STORAGE_DRIVER:-hvis}
cpus=$(grep -c ^processor /proc/cpuinfo)
fio_mb=${HVIS_FIO_MB:-1024}
echo "KTAP version 1"
t_start=$(up)

# --- driver and disks ------------------------------------------------------
modprobe -q sd_mod
modprobe -q sg
modprobe -q ext4
t0=$(up)
if [ "$drv" = virtio-scsi ]; then
	modprobe virtio_scsi
	rc=$?
else
	modprobe -q scsi_transport_fc
	insmod "$HVIS_MODDIR/hv_storvsc.ko"
	rc=$?
fi
boot_disks=$(awk '$2 != "-" { print $1 }' /hvis/storage-disks)
missing=""
for d in $boot_disks; do
	wait_disk "$(disk_field "$d" 5)" 30 || missing="$missing $d"
done
if [ "$rc" = 0 ] && [ -z "$missing" ]; then
	ok "driver: $drv loaded, $(echo $boot_disks | wc -w) disks in $(elapsed "$t0")s"
else
	nok "driver: $drv loaded (rc $rc), disks missing after 30 s:$missing"
fi
dev_of() { disk_by_serial "$(disk_field "$1" 5)"; }

# --- identity, queues, discard ---------------------------------------------
H lsblk -d -o NAME,SERIAL,VENDOR,MODEL,SIZE,RO,DISC-MAX 2>&1 | sed 's/^/# /'
for d in $boot_disks; do
	s=$(dev_of "$d")
	if [ -z "$s" ]; then
		nok "identity: $d not found"
		continue
	fi
	want="$(disk_field "$d" 4) $(disk_field "$d" 5) $(disk_field "$d" 6) $(disk_field "$d" 7 | tr _ ' ')"
	size=$(($(cat /sys/block/$s/size) * 512))
	vendor=$(sed 's/ *$//' /sys/block/$s/device/vendor)
	model=$(sed 's/ *$//' /sys/block/$s/device/model)
	# The serial as the device answers now (INQUIRY VPD 0x80), and lsblk's.
	serial=$(H sg_inq -p 0x80 /dev/$s 2>/dev/null | sed -n 's/.*Unit serial number: *//p' | sed 's/ *$//')
	got="$size $serial $vendor $model"
	if [ "$got" = "$want" ]; then
		ok "identity: $d is /dev/$s: $size bytes, serial $serial, $vendor $model"
	else
		nok "identity: $d is /dev/$s: got '$got', want '$want'"
		diag "lsblk: $(H lsblk -dn -o SERIAL,VENDOR,MODEL,SIZE -b /dev/$s 2>&1)"
	fi
done
for c in 0 1; do
	d=$(awk -v c=$c '$2 == c { print $1; exit }' /hvis/storage-disks)
	s=$(dev_of "$d")
	q=$(ls -d /sys/block/$s/mq/* 2>/dev/null | wc -l)
	if [ -n "$s" ] && [ "$q" = "$cpus" ]; then
		ok "queues: controller $c ($d, /dev/$s) has $q hardware queues = $cpus vCPUs"
	else
		nok "queues: controller $c ($d, /dev/${s:-?}) has $q hardware queues, want $cpus"
	fi
done
for d in fs fio flt; do
	s=$(dev_of "$d")
	dmax=$(cat /sys/block/$s/queue/discard_max_bytes 2>/dev/null || echo 0)
	mode=$(cat /sys/block/$s/device/scsi_disk/*/provisioning_mode 2>/dev/null)
	if [ "${dmax:-0}" -gt 0 ]; then
		ok "discard: $d (/dev/$s) discard_max_bytes $dmax, provisioning_mode $mode"
	else
		nok "discard: $d (/dev/$s) discard_max_bytes ${dmax:-?}, provisioning_mode $mode"
	fi
done

# --- ext4: tree of files, remount, checksums; fstrim -----------------------
fs=$(dev_of fs)
mnt=/host/mnt/fs	# /mnt/fs for the host tools (hostrun chroots to /host)
# sha256 of the sorted "sha256sum" lines of every file under $1 (host path);
# nothing when the listing failed (the hash of no input is no manifest).
manifest() {
	H sh -c "cd '$1' && find . -type f | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum" |
		cut -d' ' -f1 | grep -v '^e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855$'
}
mkdir -p $mnt
t0=$(up)
if H mkfs.ext4 -q -F -L hvis-fs /dev/$fs >/tmp/mkfs.out 2>&1 && mount -t ext4 /dev/$fs $mnt; then
	ok "ext4: mkfs.ext4 and mount on fs (/dev/$fs) in $(elapsed "$t0")s"
else
	nok "ext4: mkfs.ext4 and mount on fs (/dev/$fs)"
	diag "$(tail -n 3 /tmp/mkfs.out)"
fi
t0=$(up)
i=0
while [ $i -lt 24 ]; do
	mkdir -p $mnt/tree/d$((i % 6))/s$((i % 4))
	# 1 KiB .. ~6 MiB, odd sizes so that partial blocks are covered.
	head -c $(( (i * i * 11003) % 6291456 + 1024 + i )) /dev/urandom \
		>$mnt/tree/d$((i % 6))/s$((i % 4))/f$i
	i=$((i + 1))
done
: >$mnt/tree/empty
ln -s d0 $mnt/tree/link
nfiles=$(find $mnt/tree -type f | wc -l)
m1=$(manifest /mnt/fs/tree)
sync
umount $mnt
echo 3 >/proc/sys/vm/drop_caches
if mount -t ext4 /dev/$fs $mnt && m2=$(manifest /mnt/fs/tree) && [ -n "$m1" ] && [ "$m1" = "$m2" ]; then
	ok "ext4: $nfiles files ($(du -sk $mnt/tree | cut -f1) KiB) written, synced, remounted, same sha256 ($(elapsed "$t0")s)"
else
	nok "ext4: tree checksums after umount/mount: '$m1' then '${m2:-}'"
fi
# fstrim: a file's blocks, once deleted and trimmed, leave the image.
head -c 134217728 /dev/zero | tr '\000' 'x' >$mnt/junk
sync
host_req image-blocks fs
b1=${REPLY_BODY:-0}
rm -f $mnt/junk
sync
trim=$(H fstrim -v /mnt/fs 2>&1)
host_req image-blocks fs
b2=${REPLY_BODY:-0}
if [ "$b1" -gt 0 ] && [ "$b2" -gt 0 ] && [ $((b1 - b2)) -ge $((100 << 11)) ]; then
	ok "discard: fstrim gave $(((b1 - b2) >> 11)) MiB back to the host (image $((b1 >> 11)) -> $((b2 >> 11)) MiB allocated)"
else
	nok "discard: fstrim after deleting 128 MiB: image blocks $b1 -> $b2 (want >= 100 MiB less)"
	diag "$trim"
fi
umount $mnt
host_req expect-tree fs /tree "$nfiles" "$m1"

# --- fio: >= 1 GiB of verified random writes, 4k-1M, QD 1..64 --------------
fio=$(dev_of fio)
per=$((fio_mb / cpus))
jobs=""
j=0
for qd in 64 1 16 4 64 1 16 4; do
	[ $j -lt "$cpus" ] || break
	jobs="$jobs --name=j$j --iodepth=$qd --offset=$((j * per))M"
	j=$((j + 1))
done
t0=$(up)
# shellcheck disable=SC2086
fio_run --filename=/dev/$fio --rw=randwrite --bsrange=4k-1m --size=${per}M \
	--iodepth_batch_complete_min=1 $jobs
t=$(elapsed "$t0")
if [ "$FIO_RC" = 0 ] && [ "$FIO_VERIFY_ERRS" = 0 ] && [ "$FIO_WRITTEN_KB" -ge $((fio_mb * 1024)) ]; then
	ok "fio: $((FIO_WRITTEN_KB >> 10)) MiB random writes 4k-1M, $cpus jobs (QD 64,1,...), crc32c verified, 0 errors in ${t}s"
else
	nok "fio: random writes with verify: rc $FIO_RC, $FIO_VERIFY_ERRS verify errors, $((FIO_WRITTEN_KB >> 10)) MiB written (want $fio_mb) in ${t}s"
	fio_diag 6
fi
# blkdiscard: the whole disk goes back to the host.
host_req image-blocks fio
b1=${REPLY_BODY:-0}
H blkdiscard /dev/$fio >/tmp/bd.out 2>&1
brc=$?
host_req image-blocks fio
b2=${REPLY_BODY:-0}
if [ "$brc" = 0 ] && [ "$b1" -ge $((fio_mb << 11)) ] && [ "$b2" -le $((b1 / 10)) ]; then
	ok "discard: blkdiscard emptied fio's image ($((b1 >> 11)) -> $((b2 >> 11)) MiB allocated)"
else
	nok "discard: blkdiscard rc $brc, fio's image $((b1 >> 11)) -> $((b2 >> 11)) MiB allocated"
	diag "$(cat /tmp/bd.out)"
fi

# --- read-only disk ----------------------------------------------------------
ro=$(dev_of ro)
sgdev=$(ls /sys/block/$ro/device/scsi_generic 2>/dev/null | head -n 1)
check "read-only: /dev/$ro flagged read-only by the kernel (write-protect bit)" \
	[ "$(cat /sys/block/$ro/ro 2>/dev/null)" = 1 ]
head -c 512 /dev/zero >/tmp/zero512
cp /tmp/zero512 /host/tmp/zero512	# /tmp of the host tools
# A WRITE(10) of block 0 straight to the device, past the block layer's check.
H sg_raw -s 512 -i /tmp/zero512 /dev/$sgdev 2a 00 00 00 00 00 00 00 01 00 >/tmp/sgraw.out 2>&1
if grep -qi 'data protect' /tmp/sgraw.out && grep -qi 'write protect' /tmp/sgraw.out; then
	ok "read-only: WRITE(10) to ro (/dev/$sgdev) fails with DATA PROTECT, write protected"
else
	nok "read-only: WRITE(10) to /dev/${sgdev:-?} did not fail with a write-protect error"
fi
sed 's/^/# /' /tmp/sgraw.out | grep -iE 'sense|protect|status' | head -n 3
if dd if=/tmp/zero512 of=/dev/$ro bs=512 count=1 oflag=direct conv=notrunc 2>/tmp/dd.err; then
	nok "read-only: dd to /dev/$ro succeeded"
else
	ok "read-only: dd to /dev/$ro fails ($(tail -n 1 /tmp/dd.err))"
fi
mkdir -p /host/mnt/ro
if mount -t ext4 -o ro /dev/$ro /host/mnt/ro && [ "$(manifest /mnt/ro)" = "$HVIS_RO_MANIFEST" ]; then
	ok "read-only: mount -o ro works, the host's files read back intact"
else
	nok "read-only: mount -o ro /dev/$ro and read the host's files"
fi
umount /host/mnt/ro 2>/dev/null

# --- accelerated IDE controller: a Generation 1 disk ------------------------
ide=$(awk '$8 ~ /^ide/ { print $1; exit }' /hvis/storage-disks)
itgt=$(disk_field "$ide" 8 | sed -n 's/^ide=//p')
itgt=${itgt:-0}
s=$(dev_of "$ide")
if [ -z "$s" ]; then
	nok "ide: disk $ide not found"
elif [ "$drv" = virtio-scsi ]; then
	skip "ide: $ide on an IDE-class VMBus device" "virtio-scsi: no VMBus"
else
	# .../<vmbus device>/hostH/targetH:0:T/H:0:T:0
	sdev=$(readlink -f /sys/block/$s/device)
	vmdev=$(readlink -f "$sdev/../../..")
	cls=$(cat "$vmdev/class_id" 2>/dev/null)
	q=$(ls -d /sys/block/$s/mq/* 2>/dev/null | wc -l)
	case ${sdev##*/} in
	*:0:$itgt:0) at=1 ;;
	*) at=0 ;;
	esac
	if [ "$cls" = "{32412632-86cb-44a2-9b5c-50d1417354f5}" ] && [ $at = 1 ] && [ "$q" = 1 ]; then
		ok "ide: $ide (/dev/$s) is SCSI ${sdev##*/} (target $itgt from instance $(cat "$vmdev/device_id")) on an IDE-class device, 1 hardware queue"
	else
		nok "ide: $ide (/dev/$s) at ${sdev##*/} (want target $itgt), class '$cls', $q hardware queues (want 1)"
	fi
fi
if [ -n "$s" ]; then
	# 8 MiB at 4 MiB, past the page cache both ways; the host rereads it.
	head -c 8388608 /dev/urandom >/tmp/ide.pat
	m1=$(md5sum </tmp/ide.pat | cut -d' ' -f1)
	dd if=/tmp/ide.pat of=/dev/$s bs=1M seek=4 count=8 oflag=direct conv=notrunc 2>/tmp/dd.err
	w=$?
	echo 3 >/proc/sys/vm/drop_caches
	m2=$(dd if=/dev/$s bs=1M skip=4 count=8 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	rm -f /tmp/ide.pat
	if [ $w = 0 ] && [ "$m1" = "$m2" ]; then
		ok "ide: 8 MiB dd pattern written to /dev/$s and read back direct, same md5"
	else
		nok "ide: dd pattern on /dev/$s: write rc $w, md5 $m1 written, ${m2:-none} read"
		diag "$(cat /tmp/dd.err)"
	fi
	host_req expect-md5 "$ide" 4 8 "$m1"
fi

# --- hot-plug ----------------------------------------------------------------
oops0=$(count_oops)
hot_serial=$(disk_field hot 5)
idle_serial=$(disk_field idle 5)
# Hot-add on controller 1 while fio writes (and verifies) on fio's disk.
H fio --output-format=terse --terse-version=3 --direct=1 --ioengine=libaio \
	--verify=crc32c --verify_fatal=0 --name=bg --filename=/dev/$fio \
	--rw=randwrite --bs=64k --iodepth=16 --size=128M >/tmp/fio-bg.out 2>&1 &
bg=$!
t0=$(up)
host_req storvsp ctrl 1 lun-add "file=@hot,lun=$(disk_field hot 3),serial=$hot_serial,vendor=$(disk_field hot 6),model=$(disk_field hot 7)"
hrc=$?
if [ $hrc = 3 ]; then
	skip "hot-plug: hot-add during I/O" "host skipped the request"
elif [ $hrc = 0 ] && wait_disk "$hot_serial" 30; then
	ok "hot-plug: hot-added disk is /dev/$(disk_by_serial "$hot_serial") after $(elapsed "$t0")s, I/O running on fio"
else
	nok "hot-plug: hot-added disk did not appear within 30 s ($REPLY)"
fi
wait $bg
FIO_RC=$?
FIO_OUT=/tmp/fio-bg.out
fio_parse
if [ "$FIO_RC" = 0 ] && [ "$FIO_VERIFY_ERRS" = 0 ]; then
	ok "hot-plug: I/O on fio during the hot-add completed, verified"
else
	nok "hot-plug: I/O on fio during the hot-add: rc $FIO_RC, $FIO_VERIFY_ERRS verify errors"
	fio_diag
fi
# Hot-remove the idle disk.
t0=$(up)
host_req storvsp ctrl 1 lun-remove "$(disk_field idle 3)"
hrc=$?
if [ $hrc = 3 ]; then
	skip "hot-plug: hot-remove an idle disk" "host skipped the request"
elif [ $hrc = 0 ] && wait_disk "$idle_serial" 30 gone; then
	ok "hot-plug: idle disk gone after $(elapsed "$t0")s"
else
	nok "hot-plug: idle disk still there 30 s after lun-remove ($REPLY)"
fi
# Hot-remove the hot-added disk while fio writes to it.
hot=$(disk_by_serial "$hot_serial")
if [ -z "$hot" ]; then
	skip "hot-plug: hot-remove a disk under I/O" "no hot-added disk"
else
	H fio --output-format=terse --terse-version=3 --direct=1 --ioengine=libaio \
		--name=rm --filename=/dev/$hot --rw=randwrite --bs=16k --iodepth=32 \
		--time_based --runtime=120 >/tmp/fio-rm.out 2>&1 &
	bg=$!
	sleep 2
	t0=$(up)
	host_req storvsp ctrl 1 lun-remove "$(disk_field hot 3)"
	i=0
	while kill -0 $bg 2>/dev/null && [ $i -lt 300 ]; do
		usleep 100000
		i=$((i + 1))
	done
	if kill -0 $bg 2>/dev/null; then
		nok "hot-plug: fio on the removed disk still running 30 s after lun-remove (hang)"
		kill -9 $bg
	else
		wait $bg
		frc=$?
		if wait_disk "$hot_serial" 30 gone; then
			ok "hot-plug: disk removed under I/O: fio ended (rc $frc) and the disk went within $(elapsed "$t0")s"
		else
			nok "hot-plug: disk removed under I/O: fio ended (rc $frc) but the disk is still there after 30 s"
		fi
	fi
fi
check "hot-plug: no WARN/BUG/Oops during hot-add and hot-remove" [ "$(count_oops)" = "$oops0" ]

# --- host faults ---------------------------------------------------------
flt=$(dev_of flt)
flun=$(disk_field flt 3)
pat="--filename=/dev/$flt --name=pat --rw=write --bs=64k --size=64M --iodepth=8"
# shellcheck disable=SC2086
fio_run $pat --do_verify=0
check "faults: pattern written to flt (/dev/$flt)" [ "$FIO_RC" = 0 ]
# EIO on LBAs [2048, 2112): reads and writes there fail, others work.
host_req storvsp ctrl 0 fault "$flun" eio 2048 64
hrc=$?
if [ $hrc = 3 ]; then
	skip "faults: eio range" "host skipped the request"
else
	dd if=/dev/$flt of=/dev/null bs=512 skip=2048 count=64 iflag=direct 2>/tmp/dd.err
	r1=$?
	dd if=/dev/$flt of=/dev/null bs=512 skip=4096 count=64 iflag=direct 2>/dev/null
	r2=$?
	dd if=/tmp/zero512 of=/dev/$flt bs=512 seek=2050 count=1 oflag=direct conv=notrunc 2>>/tmp/dd.err
	r3=$?
	if [ $hrc = 0 ] && [ $r1 != 0 ] && [ $r2 = 0 ] && [ $r3 != 0 ]; then
		ok "faults: eio range: read and write inside fail, read outside works"
	else
		nok "faults: eio range: read inside rc $r1 (want error), outside rc $r2, write inside rc $r3 (want error)"
	fi
	diag "$(dmesg | grep -iE 'medium error|critical|I/O error' | tail -n 2)"
	# shellcheck disable=SC2086
	fio_run $pat --verify_only
	if [ "$FIO_VERIFY_ERRS" = 0 ] && [ "$FIO_RC" != 0 ]; then
		ok "faults: eio range: fio verify stops with an I/O error, no wrong data"
	else
		nok "faults: eio range: fio verify rc $FIO_RC, $FIO_VERIFY_ERRS verify errors (want an I/O error, 0 verify errors)"
		fio_diag
	fi
	host_req storvsp ctrl 0 fault "$flun" clear
	# shellcheck disable=SC2086
	fio_run $pat --verify_only
	check "faults: eio cleared: all 64 MiB verify, the failed write changed nothing" fio_clean
fi
# A completion delayed past the guest's (lowered) SCSI timeout.
tmo=$(cat /sys/block/$flt/device/timeout)
echo 5 >/sys/block/$flt/device/timeout
host_req storvsp ctrl 0 fault "$flun" delay 8000 3
hrc=$?
if [ $hrc = 3 ]; then
	skip "faults: completion delayed past the timeout" "host skipped the request"
else
	t0=$(up)
	fio_run --filename=/dev/$flt --name=dly --rw=randwrite --bs=16k --size=8M \
		--offset=96M --iodepth=4
	t=$(elapsed "$t0")
	if [ $hrc = 0 ] && [ "$FIO_VERIFY_ERRS" = 0 ] && { [ "$FIO_RC" = 0 ] || [ "$FIO_ERR_IO" = 1 ]; }; then
		ok "faults: 8 s completion delay, 5 s timeout: fio rc $FIO_RC (I/O error $FIO_ERR_IO), 0 verify errors, ${t}s"
	else
		nok "faults: delay past the timeout: fio rc $FIO_RC, $FIO_VERIFY_ERRS verify errors, ${t}s"
		fio_diag
	fi
	diag "$(dmesg | grep -iE 'timeout|abort|reset' | tail -n 2)"
fi
echo "$tmo" >/sys/block/$flt/device/timeout
# Bus reset while fio writes and verifies.
fio_bg_out=/tmp/fio-rst.out
H fio --output-format=terse --terse-version=3 --direct=1 --ioengine=libaio \
	--verify=crc32c --verify_fatal=0 --name=rst --filename=/dev/$flt \
	--rw=randwrite --bs=32k --iodepth=16 --size=64M --offset=128M >$fio_bg_out 2>&1 &
bg=$!
sleep 1
host_req storvsp ctrl 0 reset
hrc=$?
wait $bg
FIO_RC=$?
FIO_OUT=$fio_bg_out
fio_parse
if [ $hrc = 3 ]; then
	skip "faults: bus reset during I/O" "host skipped the request"
elif [ $hrc = 0 ] && [ "$FIO_VERIFY_ERRS" = 0 ] && { [ "$FIO_RC" = 0 ] || [ "$FIO_ERR_IO" = 1 ]; }; then
	ok "faults: bus reset during I/O: fio rc $FIO_RC (I/O error $FIO_ERR_IO), 0 verify errors"
else
	nok "faults: bus reset during I/O: reset '$REPLY', fio rc $FIO_RC, $FIO_VERIFY_ERRS verify errors"
	fio_diag
fi
# shellcheck disable=SC2086
fio_run $pat --verify_only
check "faults: pattern on flt intact after every fault" fio_clean

echo "1..$T"
echo "# storage tests took $(elapsed "$t_start")s"
echo "HVIS-TESTS-DONE"
[ "$FAILED" = 0 ]
