# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The storage e2e suite (scripts/e2e.sh RELEASE storage): storvsc disks served
# by hvcore's storvsp, tested in the guest by guest-storage-tests.sh.
#
# HVIS_STORAGE_DRIVER picks the guest driver:
#   hvis        build/RELEASE/src/hv_storvsc.ko (our Kbuild) - default
#   intree      build/RELEASE/oracle/hv_storvsc.ko (Debian's storvsc_drv.c,
#               built by scripts/build-oracle.sh against hvis's hv_vmbus)
#   virtio-scsi the harness's own check: the same disks as QEMU virtio-scsi
#               disks, no storvsp; storvsp requests are not sent (skipped)
# Files: build/RELEASE/storage-DRIVER/ (console.log, hvcore.log, ctl.log,
# e2e.ktap, disks/*.img: sparse, made fresh each run).
#
# Disks (name ctrl lun MiB flags serial vendor model; "-" = storvsp default):
# see the table below. Controller 1 starts with one idle disk; "hot" is
# hot-added to it by the guest's request. Controller 2 is an accelerated IDE
# controller (flags "ide=T": `--device storvsp:ide=T;DISK`, target T) with
# one disk. The guest gets the table as /hvis/storage-disks with sizes in
# bytes, defaults filled in.
#
# Host requests, besides the common ones (scripts/lib/e2e.sh); the guest
# waits for the reply file (E2E_ACK):
#   storvsp <relid|ctrl N> CMD ARGS...  -> hvcore ctl storvsp RELID CMD ARGS
#       ("ctrl N" = the Nth storvsp device of `hvcore ctl list`, primary
#       channels in relid order, from 0); "@NAME" in ARGS is replaced by
#       disk NAME's image path. Reply: hvcore's reply lines.
#   image-blocks NAME    -> reply: `stat -c %b` of NAME's image (allocated
#       512-byte blocks) after syncing it
#   expect-tree NAME DIR NFILES SHA256  -> after the guest powered off, the
#       host extracts DIR from NAME's ext4 image (debugfs rdump, no mount)
#       and checks it holds NFILES files whose manifest (`sha256sum` of each
#       file, "./path" names, sorted in the C locale) hashes to SHA256.
#   expect-md5 NAME MIB COUNT MD5  -> after the guest powered off, the host
#       checks the md5 of COUNT MiB of NAME's image from MiB MIB on.

driver=${HVIS_STORAGE_DRIVER:-hvis}
E2E_LABEL="storage($driver)"
E2E_DIR=$out/storage-$driver
E2E_MEMORY=${HVIS_MEMORY:-768}
guest_name=guest-storage-tests.sh

# name ctrl lun MiB flags serial vendor model (ctrl "-": hot-added later)
storage_disks=(
	"fs 0 0 512 - hvis-fs - -"
	"fio 0 1 1152 direct hvis-fio HVIS fio-disk"
	"ro 0 2 64 ro hvis-ro HVIS read-only"
	"flt 0 3 256 - hvis-flt HVIS faults"
	"idle 1 0 64 - hvis-idle - -"
	"hot - 1 256 - hvis-hot HVIS hot-added"
	"ide 2 0 64 ide=1 hvis-ide - -"
)
declare -A disk_img
expect_trees=() expect_md5s=()

# Seed of the read-only disk: a few files the guest checks after mount -o ro.
storage_seed_ro() {	# IMG
	local seed=$rundir/ro-seed i
	mkdir -p "$seed/d"
	for i in 1 2 3; do
		head -c $((i * 300000)) /dev/urandom >"$seed/d/f$i"
	done
	echo "hvis read-only disk" >"$seed/README"
	ro_manifest=$(cd "$seed" && find . -type f | LC_ALL=C sort |
		xargs -d '\n' sha256sum | sha256sum | cut -d' ' -f1)
	mkfs.ext4 -q -F -d "$seed" -L hvis-ro "$1" >/dev/null 2>"$wdir/mkfs-ro.err"
}

suite_prepare() {
	local d name ctrl lun mib flags serial vendor model img opts ko spec
	local ctrls=("" "" "") vdev=() qs=()

	case $driver in
	hvis)	ko=$src/hv_storvsc.ko
		[ -f "$ko" ] || { result "not ok" "build: $ko missing (no hv_storvsc in Kbuild yet?)"; return 1; } ;;
	intree)	ko=$out/oracle/hv_storvsc.ko
		if ! "$top/scripts/build-oracle.sh" "$rel" hv_storvsc 2>"$wdir/oracle.err"; then
			result "not ok" "build: oracle hv_storvsc (scripts/build-oracle.sh)" \
				"$(tail -n 3 "$wdir/oracle.err" | tr '\n' '|')"
			return 1
		fi ;;
	virtio-scsi) ko="" ;;
	*)	result "not ok" "HVIS_STORAGE_DRIVER must be hvis, intree or virtio-scsi, not '$driver'"
		return 1 ;;
	esac
	if [ -n "$ko" ] && ! "$hvcore" run --help 2>&1 | grep -q -- '--device'; then
		result "not ok" "hvcore: no 'run --device' (storvsp not wired in yet)"
		return 1
	fi
	for t in debugfs mkfs.ext4 sha256sum; do
		command -v "$t" >/dev/null ||
			{ result "not ok" "host: $t missing (scripts/deps.sh)"; return 1; }
	done

	rm -rf "$wdir/disks"
	mkdir -p "$wdir/disks"
	: >"$wdir/storage-disks"
	for d in "${storage_disks[@]}"; do
		read -r name ctrl lun mib flags serial vendor model <<<"$d"
		img=$wdir/disks/$name.img
		disk_img[$name]=$img
		truncate -s "${mib}M" "$img"
		if [ "$flags" = ro ] && ! storage_seed_ro "$img"; then
			result "not ok" "host: mkfs.ext4 -d for the read-only disk" "$(head -n 2 "$wdir/mkfs-ro.err")"
			return 1
		fi
		# virtio-scsi has its own defaults: name every identity there.
		if [ "$driver" = virtio-scsi ]; then
			[ "$vendor" = - ] && vendor=Msft
			[ "$model" = - ] && model=Virtual_Disk
		fi
		opts="file=$img,lun=$lun,serial=$serial"
		[ "$vendor" = - ] || opts+=",vendor=$vendor"
		[ "$model" = - ] || opts+=",model=${model//_/ }"
		case $flags in
		-|ide*)	;;
		*)	opts+=",$flags" ;;
		esac
		[ "$vendor" = - ] && vendor=Msft
		[ "$model" = - ] && model=Virtual_Disk
		echo "$name $ctrl $lun $((mib << 20)) $serial $vendor $model $flags" >>"$wdir/storage-disks"
		[ "$ctrl" = - ] && continue
		# An IDE controller's kind comes first: ide=T;DISK.
		[[ $flags == ide* ]] && ctrls[$ctrl]=$flags
		ctrls[$ctrl]+="${ctrls[$ctrl]:+;}$opts"
		# The harness check: the same disk as a virtio-scsi LUN.
		qs=(-drive "if=none,id=$name,file=$img,format=raw,discard=unmap$([ "$flags" = ro ] && echo ,readonly=on)$([ "$flags" = direct ] && echo ,cache.direct=on)"
			-device "scsi-hd,bus=scsi$ctrl.0,scsi-id=0,lun=$lun,drive=$name,serial=$serial,vendor=$vendor,product=${model//_/ }")
		vdev+=("${qs[@]}")
	done

	E2E_MKINITRAMFS+=(-H hostroot -9 hvisack:/hvis-ack -k sd_mod -k sg -k ext4
		-f "$wdir/storage-disks:/hvis/storage-disks")
	for f in guest-storage-tests.sh guest-lib.sh; do
		E2E_MKINITRAMFS+=(-f "${HVIS_SRC:-$top}/selftests/storage/$f:/hvis/$f")
	done
	E2E_QEMU+=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
	if [ -n "$ko" ]; then
		E2E_MKINITRAMFS+=(-k scsi_transport_fc -f "$ko:/lib/modules/$rel/extra/hv_storvsc.ko")
		for spec in "${ctrls[@]}"; do
			E2E_HVCORE+=(--device "storvsp:$spec")
		done
		E2E_DEVICES=${#ctrls[@]}
	else
		E2E_MKINITRAMFS+=(-k virtio_scsi)
		E2E_QEMU+=(-device virtio-scsi-pci,id=scsi0 -device virtio-scsi-pci,id=scsi1
			-device virtio-scsi-pci,id=scsi2 "${vdev[@]}")
		E2E_DEVICES=0
	fi
	E2E_ACK=1
	e2e_guest_run /hvis/guest-storage-tests.sh "HVIS_STORAGE_DRIVER=$driver" \
		"HVIS_CPUS=$E2E_CPUS" "HVIS_RO_MANIFEST=$ro_manifest" \
		"HVIS_FIO_MB=${HVIS_STORAGE_FIO_MB:-1024}"
}

# "ctrl N" -> relid of the Nth storvsp primary channel.
storage_relid() {	# N
	ctl list || return 1
	printf '%s\n' "$ctl_reply" | awk '$1 == "relid" && $3 == "sub" && $4 == 0 &&
		$5 == "vsp" && $6 == "storvsp" { print $2 }' | sort -n | sed -n "$(($1 + 1))p"
}

suite_request() {
	local relid what args=() a name img n
	case ${1:-} in
	storvsp)
		shift
		if [ "${1:-}" = ctrl ]; then
			what="ctrl ${2:-?}"
			shift 2
		else
			what=${1:-?}
			shift
		fi
		for a in "$@"; do
			while [[ $a =~ @([a-z0-9_]+) ]]; do
				name=${BASH_REMATCH[1]}
				a=${a//@$name/${disk_img[$name]:-/nonexistent/$name}}
			done
			args+=("$a")
		done
		if [ "$driver" = virtio-scsi ]; then
			result skip "host: storvsp $what ${args[*]##*/} (virtio-scsi: no storvsp)"
			return 0
		fi
		case $what in
		ctrl*)	relid=$(storage_relid "${what#ctrl }") ;;
		*)	relid=$what ;;
		esac
		if ! [[ $relid =~ ^[0-9]+$ ]]; then
			result "not ok" "host: storvsp $what $*: no such controller in hvcore ctl list"
		elif ctl storvsp "$relid" "${args[@]}" && [[ $ctl_reply == ok* ]]; then
			result ok "host: storvsp $what (relid $relid) $*" "$(head -n 1 <<<"$ctl_reply")"
		else
			result "not ok" "host: storvsp $what (relid $relid) $*" \
				"$(head -n 2 <<<"$ctl_reply" | tr '\n' ' ')"
		fi ;;
	image-blocks)
		img=${disk_img[${2:-}]:-}
		if [ -n "$img" ] && [ -f "$img" ] && sync "$img" && n=$(stat -c %b "$img"); then
			ctl_reply=$n
			result ok "host: image-blocks ${2} = $n"
		else
			result "not ok" "host: image-blocks ${2:-?}: no such disk image"
		fi ;;
	expect-tree)
		# Checked once hvcore has exited and the image is final.
		expect_trees+=("$*")
		ctl_reply="queued" ;;
	expect-md5)
		expect_md5s+=("$*")
		ctl_reply="queued" ;;
	*)	return 1 ;;
	esac
	return 0
}

# The tree the guest wrote, read back from the image without the guest.
storage_check_tree() {	# NAME DIR NFILES SHA256
	local name=$1 dir=$2 nfiles=$3 want=$4 img=${disk_img[$1]:-} dump n got
	dump=$rundir/tree-$name
	rm -rf "$dump"
	mkdir -p "$dump"
	if [ -z "$img" ]; then
		result "not ok" "host: tree $dir on disk $name: no such disk"
		return
	fi
	if ! debugfs -R "rdump $dir $dump" "$img" >"$rundir/debugfs.log" 2>&1 ||
		[ ! -d "$dump/${dir##*/}" ]; then
		result "not ok" "host: tree $dir read back from $name's image (debugfs rdump)" \
			"$(tail -n 2 "$rundir/debugfs.log" | tr '\n' ' ')"
		return
	fi
	n=$(find "$dump/${dir##*/}" -type f | wc -l)
	got=$(cd "$dump/${dir##*/}" && find . -type f | LC_ALL=C sort |
		xargs -d '\n' sha256sum | sha256sum | cut -d' ' -f1)
	if [ "$n" = "$nfiles" ] && [ "$got" = "$want" ]; then
		result ok "host: after poweroff, $name's image holds the guest's $dir ($n files, same sha256)"
	else
		result "not ok" "host: after poweroff, $name's image holds the guest's $dir" \
			"host read $n files, manifest $got; guest wrote $nfiles, $want"
	fi
}

# Bytes the guest wrote with dd, read back from the image without the guest.
storage_check_md5() {	# NAME MIB COUNT MD5
	local img=${disk_img[$1]:-} got
	got=$([ -f "$img" ] && dd if="$img" bs=1M skip="$2" count="$3" status=none |
		md5sum | cut -d' ' -f1)
	if [ "$got" = "$4" ]; then
		result ok "host: after poweroff, $1's image holds the guest's $3 MiB at $2 MiB (same md5)"
	else
		result "not ok" "host: after poweroff, $1's image holds the guest's $3 MiB at $2 MiB" \
			"host md5 ${got:-none}, guest wrote $4"
	fi
}

suite_checks() {
	local t
	[ ${#expect_trees[@]} -gt 0 ] ||
		result "not ok" "host: the guest never asked for the file tree check (expect-tree)"
	for t in "${expect_trees[@]}"; do
		# shellcheck disable=SC2086
		storage_check_tree ${t#expect-tree }
	done
	[ ${#expect_md5s[@]} -gt 0 ] ||
		result "not ok" "host: the guest never asked for the IDE disk's check (expect-md5)"
	for t in "${expect_md5s[@]}"; do
		# shellcheck disable=SC2086
		storage_check_md5 ${t#expect-md5 }
	done
}
