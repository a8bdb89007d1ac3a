#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest half of the synthetic mouse check: reads the evdev node hid_hyperv's
# HID device becomes while the host drives `hvcore ctl mouse ...`.
#
# Runs in the hvis busybox initramfs (scripts/mkinitramfs.sh -s). Modules:
# loads what is not loaded yet, Debian's hid and evdev with modprobe, then
# /lib/modules/$(uname -r)/extra/hv_vmbus.ko and hid_hyperv.ko with insmod
# (HVIS_MOUSE_MODULE=hid-hyperv on the kernel command line: Debian's in-tree
# driver instead, the oracle).
#
# Mode, from the kernel command line hvis.mouse=MODE:
#   events (default)  print HVIS-MOUSE-READY, then expect from the host,
#                     within 120 s, exactly:
#                       mouse move 1000 2000
#                       mouse click left
#                       mouse inject-oversize        (dropped: no event;
#                       mouse inject-short            not sent to the oracle)
#                       mouse wheel 3
#                       mouse wheel -2
#                       mouse down right
#                       mouse move 32767 32767
#                       mouse up right
#                     and check the EV_ABS/EV_KEY/EV_REL events (EV_SYN,
#                     EV_MSC and REL_WHEEL_HI_RES ignored) and that the
#                     driver logged the two dropped reports; then rmmod
#                     and insmod hid_hyperv (a second handshake) and no
#                     WARNING/BUG in the kernel log.
#   bad-descriptor    hvcore runs --device 'synthhid:bad-descriptor': the
#                     probe must fail with a logged reason and no mouse
#                     input device may appear.
# Prints HVIS-MOUSE-PASS or HVIS-MOUSE-FAIL <reason>; exit status 0 / 1.
# selftests/input/run-mouse-check.sh is the host half.

name="Microsoft Vmbus HID-compliant Mouse"
mode=events
read -r cmdline </proc/cmdline
for w in $cmdline; do
	case $w in hvis.mouse=*) mode=${w#hvis.mouse=} ;; esac
done

fail() {
	echo "HVIS-MOUSE-FAIL $*"
	dmesg | grep -iE 'hid|mouse|vmbus' | tail -n 20 | sed 's/^/# /'
	exit 1
}

load() {
	extra=/lib/modules/$(uname -r)/extra
	modprobe -q hid || fail "modprobe hid"
	modprobe -q evdev || fail "modprobe evdev"
	[ -d /sys/module/hv_vmbus ] || insmod "$extra/hv_vmbus.ko" ||
		fail "insmod hv_vmbus.ko"
	if grep -qw 'HVIS_MOUSE_MODULE=hid-hyperv' /proc/cmdline; then
		modprobe -q hid-hyperv || fail "modprobe hid-hyperv"
	else
		[ -d /sys/module/hid_hyperv ] || insmod "$extra/hid_hyperv.ko" ||
			fail "insmod hid_hyperv.ko"
	fi
}

# The event node of the synthetic mouse, or nothing.
find_event() {
	for d in /sys/class/input/event*; do
		[ -r "$d/device/name" ] || continue
		if [ "$(cat "$d/device/name")" = "$name" ]; then
			echo "/dev/input/${d##*/}"
			return
		fi
	done
}

wait_event() {
	i=0
	while [ $i -lt 150 ]; do
		ev=$(find_event)
		[ -n "$ev" ] && { echo "$ev"; return; }
		usleep 200000
		i=$((i + 1))
	done
}

# struct input_event on 64-bit: 16 bytes of time, u16 type, u16 code,
# s32 value; six signed 32-bit words a line.  Prints "type code value".
decode() {
	od -A n -v -t d4 -w24 "$1" | awk '{
		type = $5 % 65536; code = int($5 / 65536)
		if (type == 0 || type == 4) next		# EV_SYN, EV_MSC
		if (type == 2 && code == 11) next		# REL_WHEEL_HI_RES
		print type, code, $6
	}'
}

load
case $mode in
bad-descriptor)
	i=0
	while [ $i -lt 50 ] && ! dmesg | grep -q 'report descriptor length'; do
		usleep 200000
		i=$((i + 1))
	done
	dmesg | grep -q 'report descriptor length' ||
		fail "no logged reason for the malformed descriptor"
	[ -z "$(find_event)" ] || fail "an input device appeared anyway"
	dmesg | grep -q 'probe.*failed\|probe of .* failed' &&
		echo "# $(dmesg | grep 'probe' | tail -n 1)"
	echo "HVIS-MOUSE-PASS"
	exit 0
	;;
events) ;;
*) fail "unknown hvis.mouse=$mode" ;;
esac

ev=$(wait_event)
[ -n "$ev" ] || fail "no input device named '$name'"
echo "# mouse at $ev"
cat "$ev" >/tmp/events &
reader=$!
usleep 300000
echo "HVIS-MOUSE-READY"

# The sequence ends with BTN_RIGHT released: wait for that (or time out).
want="3 0 1000
3 1 2000
1 272 1
1 272 0
2 8 3
2 8 -2
1 273 1
3 0 32767
3 1 32767
1 273 0"
i=0
while [ $i -lt 600 ]; do
	decode /tmp/events | grep -qx '1 273 0' && break
	usleep 200000
	i=$((i + 1))
done
usleep 500000
kill "$reader"
got=$(decode /tmp/events)
echo "$got" | sed 's/^/# event /'
[ "$got" = "$want" ] || fail "events differ from the scripted sequence"
# The oracle's log lines differ (and the host sends it no bad reports).
if ! grep -qw 'HVIS_MOUSE_MODULE=hid-hyperv' /proc/cmdline; then
	dmesg | grep -q 'input report of 64 bytes in a 72-byte message, dropped' ||
		fail "oversize report not logged as dropped"
	dmesg | grep -q 'input report of 16 bytes in a 10-byte message, dropped' ||
		fail "short report not logged as dropped"
fi
# Unbind and bind again: the device goes, the handshake runs anew.
if ! grep -qw 'HVIS_MOUSE_MODULE=hid-hyperv' /proc/cmdline; then
	rmmod hid_hyperv || fail "rmmod hid_hyperv"
	[ -z "$(find_event)" ] || fail "input device left after rmmod"
	insmod "/lib/modules/$(uname -r)/extra/hid_hyperv.ko" ||
		fail "insmod hid_hyperv.ko again"
	[ -n "$(wait_event)" ] || fail "no input device after reloading"
fi
dmesg | grep -qE 'WARNING:|BUG:|Oops' && fail "kernel warning in the log"
echo "HVIS-MOUSE-PASS"
