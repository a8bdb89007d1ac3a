#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build a small busybox initramfs (cpio.gz) that loads hvis modules in a guest.
#
# usage: scripts/mkinitramfs.sh -r RELEASE -o OUT.cpio.gz [options] [MODULE.ko ...]
#   -r RELEASE   kernel release the modules were built for (uname -r in the guest)
#   -o FILE      output archive (gzip-compressed newc cpio)
#   -s SCRIPT    guest program to run after the modules are loaded; the guest
#                powers off when it returns (test mode). Without -s, or with
#                hvis.shell=1 on the kernel command line, the guest gets a shell
#                on the console and `poweroff` ends it (interactive mode).
#   -f SRC:DEST  copy a host file into the image at DEST (repeatable)
#   -k NAME      add Debian's module NAME (and what it depends on) from
#                /lib/modules/RELEASE, decompressed if it is .ko.xz/.ko.zst
#   -K NAME      as -k, and modprobe NAME at boot after the MODULE.ko (no udev
#                loads upper drivers such as sd_mod or evdev in this guest)
#   -n           load none of the MODULE.ko at boot (the guest script does it)
#   -H TAG       mount the virtio-9p share TAG (the host's root, exported
#                read-only by QEMU) at /host with the guest's /dev, /proc,
#                /sys bound into it and tmpfs on its /tmp, /run and /mnt, so
#                `hostrun CMD ARGS` (chroot /host) runs any host program on
#                guest devices; the guest script's tools (mkfs.ext4, fio,
#                lsblk, sg3-utils...) come from there instead of the image.
#                QEMU: -virtfs local,path=/,mount_tag=TAG,security_model=none,
#                readonly=on,multidevs=remap. A failed mount prints
#                HVIS-GUEST-HOSTFS-FAILED TAG
#   -9 TAG:DIR   mount the virtio-9p share TAG at DIR, uncached (a directory
#                the host keeps writing to, e.g. replies to guest requests)
#   -w TAG:DIR   as -9, but read-write (QEMU's -virtfs without readonly=on):
#                files the guest leaves for the host, e.g. shutdown markers
#
# In test mode (-s) /init stays PID 1 and runs the program in the
# background, so that it can act as busybox init would on the signals
# busybox halt, poweroff and reboot (without -f) send to PID 1: SIGUSR1,
# SIGUSR2, SIGTERM. The kernel's orderly_poweroff() and orderly_reboot()
# (hv_utils' shutdown service) run those programs. On one of them /init
# prints HVIS-GUEST-SHUTDOWN halt|poweroff|reboot UPTIME, runs
# /hvis/on-shutdown WHAT if the image has one (-f), prints HVIS-GUEST-DONE
# rc=N with N from /run/hvis-rc (1 when the program left none: it was cut
# short), syncs and halts, powers off or reboots with -f.
#
# A test program that wants a real init (systemd) leaves "NEWROOT INIT
# [ARGS...]" in /run/hvis-switch-root and returns: /init then moves /dev,
# /proc, /sys and /run (with what is mounted under them) into NEWROOT, a
# mount point the program prepared, and hands PID 1 over with switch_root.
# From then on the new root's own programs print the results, the kernel
# log (HVIS-DMESG) and HVIS-GUEST-DONE, and power off.
#
# Each MODULE.ko lands in /lib/modules/RELEASE/extra/ and is loaded at boot, in
# command-line order: hv_vmbus with insmod by path (it carries the in-tree name,
# so modprobe must never pick Debian's copy instead), the others with modprobe
# so their Debian dependencies (-k) load first; only hvis's copies are in the
# image, so modprobe finds those. depmod runs on the host so
# `modprobe` works in the guest too. The archive is reproducible: fixed mtimes,
# sorted entries, no inode numbers, gzip without a name or time stamp.
set -euo pipefail

die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }

rel="" out="" script="" autoload=1 hosttag=""
files=() kmods=() boot_kmods=() mods=() shares=()
while getopts "r:o:s:f:k:K:nH:9:w:h" opt; do
	case $opt in
	r) rel=$OPTARG ;;
	o) out=$OPTARG ;;
	s) script=$OPTARG ;;
	f) files+=("$OPTARG") ;;
	k) kmods+=("$OPTARG") ;;
	K) kmods+=("$OPTARG"); boot_kmods+=("$OPTARG") ;;
	n) autoload=0 ;;
	H) hosttag=$OPTARG ;;
	9) shares+=("$OPTARG:ro") ;;
	w) shares+=("$OPTARG:rw") ;;
	h) sed -n '3,48p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "bad option (try -h)" ;;
	esac
done
shift $((OPTIND - 1))
mods=("$@")
[ -n "$rel" ] || die "-r RELEASE is required"
[ -n "$out" ] || die "-o OUT is required"

busybox=""
for b in /bin/busybox /usr/bin/busybox; do
	[ -x "$b" ] && { busybox=$b; break; }
done
[ -n "$busybox" ] || die "busybox not found (apt-get install busybox-static)"
# A dynamically linked busybox would need its libc in the image too.
if readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	die "$busybox is dynamically linked; install busybox-static"
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/hvis-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
moddir=$stage/lib/modules/$rel

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc,hvis} \
	"$moddir/extra"
cp "$busybox" "$stage/bin/busybox"
# Applet links made here rather than by `busybox --install` at boot, so the
# image is complete before the guest runs anything.
while IFS= read -r applet; do
	[ "$applet" = bin/busybox ] && continue
	[ -e "$stage/$applet" ] && continue
	mkdir -p "$(dirname "$stage/$applet")"
	ln -s /bin/busybox "$stage/$applet"
done < <("$busybox" --list-full)

# Debian modules wanted in the guest, with their dependencies from modules.dep.
add_kmod() {
	local name=$1 dep path src dst
	dep=/lib/modules/$rel/modules.dep
	[ -r "$dep" ] || die "no $dep for -k $name"
	path=$(modinfo -k "$rel" -F filename "$name" 2>/dev/null | head -n 1) ||
		die "modinfo: no module '$name' for $rel"
	[ -n "$path" ] || die "no module '$name' for $rel"
	case $path in (builtin*|"(builtin)") return 0 ;; esac
	for src in $(modprobe -S "$rel" --show-depends "$name" 2>/dev/null |
		     awk '$1 == "insmod" { print $2 }'); do
		dst=$stage/${src%.xz}
		dst=${dst%.zst}
		[ -e "$dst" ] && continue
		mkdir -p "$(dirname "$dst")"
		case $src in
		*.xz) xz -dc "$src" >"$dst" ;;
		*.zst) zstd -qdc "$src" >"$dst" ;;
		*) cp "$src" "$dst" ;;
		esac
	done
}
# virtio_pci is built in on 6.12 and a module on 6.1.
if [ -n "$hosttag" ] || [ ${#shares[@]} -gt 0 ]; then
	kmods+=(virtio_pci 9pnet_virtio 9p)
fi
for k in "${kmods[@]}"; do add_kmod "$k"; done

# 9p shares for /init: "TAG DIR OPTIONS" lines; the host root first.
: >"$stage/etc/hvis-9p"
if [ -n "$hosttag" ]; then
	echo "$hosttag /host ro,cache=loose" >>"$stage/etc/hvis-9p"
	cat >"$stage/bin/hostrun" <<'EOF'
#!/bin/sh
# Run a program of the host's root file system (mounted at /host) in the guest.
[ -x /host/bin/sh ] || { echo "hostrun: /host is not mounted" >&2; exit 127; }
# Through the host's env: busybox would run its own applet of the same name.
exec chroot /host /usr/bin/env "$@"
EOF
	chmod 755 "$stage/bin/hostrun"
fi
for sh in "${shares[@]}"; do
	mode=${sh##*:}
	sh=${sh%:*}
	case $sh in *:/*) ;; *) die "-9/-w want TAG:/DIR, got '$sh'" ;; esac
	echo "${sh%%:*} ${sh#*:} $mode,cache=none" >>"$stage/etc/hvis-9p"
done

: >"$stage/etc/hvis-modules"
for m in "${mods[@]}"; do
	[ -f "$m" ] || die "module '$m' not found"
	cp "$m" "$moddir/extra/"
	[ "$autoload" = 1 ] &&
		echo "/lib/modules/$rel/extra/$(basename "$m")" >>"$stage/etc/hvis-modules"
done
for k in "${boot_kmods[@]}"; do echo "$k" >>"$stage/etc/hvis-modules"; done
for f in "${files[@]}"; do
	src=${f%%:*} dst=${f#*:}
	[ -f "$src" ] || die "-f: '$src' not found"
	mkdir -p "$stage/$(dirname "$dst")"
	cp "$src" "$stage/$dst"
done
if [ -n "$script" ]; then
	[ -f "$script" ] || die "-s: '$script' not found"
	cp "$script" "$stage/hvis/run"
	chmod 755 "$stage/hvis/run"
fi
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ -r "/lib/modules/$rel/$f" ] && cp "/lib/modules/$rel/$f" "$moddir/"
done
depmod -b "$stage" "$rel" 2>/dev/null || echo "mkinitramfs.sh: depmod failed; insmod by path still works" >&2

cat >"$stage/etc/inittab" <<'EOF'
::respawn:-/bin/cttyhack /bin/sh -l
::ctrlaltdel:/bin/poweroff
::shutdown:/bin/sync
EOF
cat >"$stage/etc/profile" <<'EOF'
export PS1='hvis-guest:\w# '
echo "hvis guest: ls /sys/bus/vmbus/devices lists VMBus devices; poweroff ends the VM"
EOF

# /init: the console first (there is no /dev/console node in the archive, so
# that building it needs no root), then the pseudo file systems, the modules,
# and either the test program or busybox init with a shell.
cat >"$stage/init" <<'EOF'
#!/bin/sh
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec 0</dev/console 1>/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
export PATH=/sbin:/usr/sbin:/bin:/usr/bin HOME=/root
echo "HVIS-GUEST-UP $(cut -d' ' -f1 /proc/uptime) $(uname -r)"
# 9p shares (-H, -9): wait up to 5 s for each tag's virtio device.
if [ -s /etc/hvis-9p ]; then
	modprobe -q virtio_pci 2>/dev/null
	modprobe -q 9pnet_virtio
	modprobe -q 9p
fi
while read -r tag dir opts; do
	i=0
	while ! grep -qsx "$tag" /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag &&
		[ $i -lt 50 ]; do
		usleep 100000
		i=$((i + 1))
	done
	mkdir -p "$dir"
	if ! mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,$opts" \
		"$tag" "$dir"; then
		echo "HVIS-GUEST-HOSTFS-FAILED $tag"
		continue
	fi
	[ "$dir" = /host ] || continue
	for d in dev proc sys; do
		[ -d "/host/$d" ] && mount --bind "/$d" "/host/$d"
	done
	for d in tmp run mnt; do
		[ -d "/host/$d" ] && mount -t tmpfs tmpfs "/host/$d"
	done
done </etc/hvis-9p
while read -r m; do
	[ -n "$m" ] || continue
	name=${m##*/}
	name=${name%.ko}
	# hv_vmbus by path, so nothing else can stand in for it; the rest by
	# name, so modprobe loads what they need (scsi_mod, hid) first.
	if [ "$name" = hv_vmbus ]; then
		insmod "$m"
	else
		modprobe "$name"
	fi || echo "HVIS-GUEST-INSMOD-FAILED $m"
done </etc/hvis-modules
shell=0
grep -qw 'hvis.shell=1' /proc/cmdline && shell=1
if [ -x /hvis/run ] && [ "$shell" = 0 ]; then
	# What busybox init does on these signals, with a marker and a hook.
	hvis_down() {
		echo "HVIS-GUEST-SHUTDOWN $1 $(cut -d' ' -f1 /proc/uptime)"
		[ -x /hvis/on-shutdown ] && /hvis/on-shutdown "$1"
		echo "HVIS-GUEST-DONE rc=$(cat /run/hvis-rc 2>/dev/null || echo 1)"
		sync
		case $1 in
		reboot)	reboot -f ;;
		halt)	halt -f ;;
		*)	poweroff -f ;;
		esac
	}
	trap 'hvis_down halt' USR1
	trap 'hvis_down poweroff' USR2
	trap 'hvis_down reboot' TERM
	# In the background, so that a signal interrupts the wait below.
	/hvis/run </dev/console &
	run=$!
	while :; do
		wait $run
		rc=$?
		kill -0 $run 2>/dev/null || break
	done
	if [ "$rc" = 0 ] && [ -s /run/hvis-switch-root ]; then
		read -r newroot newinit args </run/hvis-switch-root
		rm -f /run/hvis-switch-root
		for d in dev proc sys run; do
			mount --move "/$d" "$newroot/$d" ||
				echo "HVIS-GUEST-SWITCH-FAILED mount --move /$d"
		done
		# shellcheck disable=SC2086 # ARGS are words
		exec switch_root "$newroot" "$newinit" $args
	fi
	echo "HVIS-GUEST-DONE rc=$rc"
	sync
	poweroff -f
fi
exec /sbin/init
EOF
chmod 755 "$stage/init"

# Reproducible archive: one mtime, sorted names, root-owned, device-independent.
find "$stage" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -n -1 >"$out.tmp"
mv "$out.tmp" "$out"
