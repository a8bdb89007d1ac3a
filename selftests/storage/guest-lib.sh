# SPDX-License-Identifier: GPL-2.0-only
# Helpers the guest test scripts share (busybox sh): KTAP lines, requests
# to the host with their replies, the vmbus device of a class, disk lookup
# by serial, and fio runs.

T=0
FAILED=0
ok() { T=$((T + 1)); echo "ok $T $*"; }
nok() { T=$((T + 1)); FAILED=$((FAILED + 1)); echo "not ok $T $*"; }
skip() { T=$((T + 1)); echo "ok $T $1 # SKIP $2"; }
diag() { echo "$*" | sed 's/^/# /'; }
check() {	# check "description" COMMAND...: ok when COMMAND succeeds
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
up() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$(up)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }

# Host programs (mkfs.ext4, fio, lsblk, sg3-utils, sha256sum) run from the
# host's root, mounted read-only over 9p at /host (mkinitramfs.sh -H).
H() { hostrun "$@"; }

# A request to the host; waits (60 s) for the reply file, numbered like the
# host numbers requests. REPLY = first line (ok/not ok/skip ...), REPLY_BODY
# = the rest. Returns 0 ok, 1 failed, 2 no reply, 3 skipped by the host.
REQN=0
host_req() {
	local i=0 f
	REQN=$((REQN + 1))
	f=/hvis-ack/$REQN
	echo "HVIS-HOST-REQ $*"
	while [ ! -f "$f" ] && [ $i -lt 600 ]; do
		usleep 100000
		i=$((i + 1))
	done
	if [ ! -f "$f" ]; then
		REPLY="no reply" REPLY_BODY=""
		return 2
	fi
	REPLY=$(head -n 1 "$f")
	REPLY_BODY=$(tail -n +2 "$f")
	case $REPLY in
	ok*) return 0 ;;
	skip*) return 3 ;;
	*) return 1 ;;
	esac
}

# The vmbus device (directory name) of class $1, the first one.
vmbus_dev() {
	local d
	for d in /sys/bus/vmbus/devices/*; do
		[ "$(cat "$d/class_id" 2>/dev/null)" = "$1" ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}

# /dev name (sda...) of the disk whose VPD 0x80 serial is $1, or nothing.
disk_by_serial() {
	local b s
	for b in /sys/block/sd*; do
		[ -e "$b" ] || continue
		s=$(disk_serial "${b##*/}")
		[ "$s" = "$1" ] && { echo "${b##*/}"; return 0; }
	done
	return 1
}

# Serial from the VPD 0x80 page the kernel read at probe (4-byte header).
disk_serial() {
	[ -r "/sys/block/$1/device/vpd_pg80" ] || return 1
	tail -c +5 "/sys/block/$1/device/vpd_pg80" | tr -d '\000' | sed 's/ *$//; s/^ *//'
}

# Waits up to $2 seconds for serial $1 to appear (or, with $3 = gone, to go).
wait_disk() {
	local end=$(($(cut -d. -f1 /proc/uptime) + $2))
	while [ "$(cut -d. -f1 /proc/uptime)" -le $end ]; do
		if [ "${3:-}" = gone ]; then
			disk_by_serial "$1" >/dev/null || return 0
		else
			disk_by_serial "$1" >/dev/null && return 0
		fi
		usleep 200000
	done
	return 1
}

# Disk table from the host: name ctrl lun bytes serial vendor model flags.
disk_field() {	# NAME FIELD-NUMBER
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' /hvis/storage-disks
}

# fio with crc32c verification; FIO_OUT holds its output, FIO_RC its exit
# status, FIO_VERIFY_ERRS the verification failures it printed,
# FIO_WRITTEN_KB what it wrote (terse output, field 47), FIO_ERR_IO 1 when
# an I/O error stopped it.
fio_run() {
	FIO_OUT=/tmp/fio.$$.out
	H fio --output-format=terse --terse-version=3 --direct=1 --ioengine=libaio \
		--verify=crc32c --verify_fatal=0 --verify_dump=0 --group_reporting \
		"$@" >"$FIO_OUT" 2>&1
	FIO_RC=$?
	fio_parse
}

fio_parse() {
	FIO_VERIFY_ERRS=$(grep -ciE 'verify failed|bad magic|bad header|verify type mismatch|crc32c: verify' "$FIO_OUT")
	FIO_WRITTEN_KB=$(grep -E '^3;' "$FIO_OUT" | awk -F';' '{ s += $47 } END { print s + 0 }')
	FIO_ERR_IO=0
	grep -qiE 'input/output error|error=5|err= *5|EIO' "$FIO_OUT" && FIO_ERR_IO=1
	return 0
}

fio_clean() { [ "$FIO_RC" = 0 ] && [ "$FIO_VERIFY_ERRS" = 0 ]; }

fio_diag() {
	grep -vE '^3;' "$FIO_OUT" | head -n "${1:-4}" | sed 's/^/# fio: /'
}

count_oops() {
	dmesg | grep -cE 'WARNING:|BUG:|Oops|general protection|Call Trace'
}

# wait_for SECONDS COMMAND...: poll COMMAND (quietly, every 0.2 s) until it
# succeeds; 1 if it never did.
wait_for() {
	local end=$(($(cut -d. -f1 /proc/uptime) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(cut -d. -f1 /proc/uptime)" -ge $end ] && return 1
		usleep 200000
	done
}

# The network interface whose device is vmbus device $1.
iface_of() {
	local n
	for n in /sys/class/net/*; do
		case $(readlink -f "$n/device" 2>/dev/null) in
		*/"$1") echo "${n##*/}"; return 0 ;;
		esac
	done
	return 1
}
