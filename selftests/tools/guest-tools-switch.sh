#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Tools suite, first stage (busybox, in the initramfs; suite.sh says why):
# build a writable root from the host's (overlayfs: the 9p mount at /host
# below, a tmpfs above), install hvis-tools and hvis's hv_utils.ko into it,
# and leave /init the word to hand PID 1 to systemd there.
# A failure is reported as this run's only test; the guest then powers off.

new=/newroot

fail() {
	echo "1..1"
	echo "not ok 1 tools: $*"
	exit 1
}

[ -x /host/lib/systemd/systemd ] || fail "no systemd in the host's root (/host)"
mkdir -p /overlay $new
mount -t tmpfs -o mode=0755 tmpfs /overlay || fail "tmpfs for the overlay"
mkdir -p /overlay/upper /overlay/work
mount -t overlay overlay \
	-o lowerdir=/host,upperdir=/overlay/upper,workdir=/overlay/work $new ||
	fail "overlayfs over the host's root"

# The package as dpkg would lay it out (its maintainer scripts only enable
# units, which the udev rule makes unnecessary; debian/rules says
# --no-enable).
tar -C $new -xf /hvis/hvis-tools.tar || fail "unpack $HVIS_TOOLS_DEB_NAME"
# hvis's hv_utils.ko where hvis-dkms installs modules, with the indexes that
# make modprobe (and udev's coldplug) pick it over Debian's.
tar -C $new -xf /hvis/hvis-modules.tar || fail "unpack hv_utils.ko and its depmod indexes"

# This root has no other file systems to mount or wait for.
: >$new/etc/fstab
mkdir -p $new/hvis $new/hvis-ack $new/etc/systemd/system
cp /hvis/guest-tools-tests.sh /hvis/guest-lib.sh $new/hvis/ || fail "copy the tests"
cp /hvis/hvis-tools-test.target /hvis/hvis-tools-test.service \
	$new/etc/systemd/system/ || fail "copy the test units"
mount --move /hvis-ack $new/hvis-ack || fail "move the reply share"
mount -t tmpfs tmpfs $new/tmp || fail "tmpfs on /tmp"

echo "$new /lib/systemd/systemd --unit=hvis-tools-test.target" >/run/hvis-switch-root
echo "# switching to systemd at $(cut -d' ' -f1 /proc/uptime)s"
