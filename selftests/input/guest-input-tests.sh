#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest side of the input e2e suite: key codes, LEDs, mouse reports and a
# malformed device, read back from /dev/input/event* (busybox sh, KTAP).
#
# Environment (from selftests/input/suite.sh): HVIS_INPUT_DRIVER (hvis or
# intree), HVIS_MODDIR. /init has loaded hv_vmbus, hid_hyperv and
# hyperv_keyboard; hvcore offers one synthkbd and one synthhid device.
# Host requests (ctl, expect-leds, offer): see selftests/input/suite.sh.

. /hvis/guest-lib.sh

drv=${HVIS_INPUT_DRIVER:-hvis}
KBD_CLASS="{f912ad6d-2b17-48ea-bd65-f927a61c7684}"
HID_CLASS="{cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a}"
KBD_NAME="AT Translated Set 2 keyboard"
MOUSE_NAME="Microsoft Vmbus HID-compliant Mouse"
# "Hello, World 123" on a US layout, as EV_KEY code:value (1 press, 0 release).
HELLO="42:1 35:1 35:0 42:0 18:1 18:0 38:1 38:0 38:1 38:0 24:1 24:0 51:1 51:0
57:1 57:0 42:1 17:1 17:0 42:0 24:1 24:0 19:1 19:0 38:1 38:0 32:1 32:0
57:1 57:0 2:1 2:0 3:1 3:0 4:1 4:0"
# key ctrl alt del: pressed in order, released in reverse (Delete is E0 53).
CAD="29:1 56:1 111:1 111:0 56:0 29:0"
echo "KTAP version 1"
t_start=$(up)

# /dev/input/eventN named $1 whose sysfs path runs through vmbus device $2
# (when given: the in-tree hid-hyperv gives its HID device no parent).
event_dev() {
	local e
	for e in /sys/class/input/event*; do
		[ "$(cat "$e/device/name" 2>/dev/null)" = "$1" ] || continue
		case $(readlink -f "$e") in *"/${2:-}"*) ;; *) continue ;; esac
		[ -e "/dev/input/${e##*/}" ] ||
			mknod "/dev/input/${e##*/}" c 13 $((64 + ${e##*event}))
		echo "/dev/input/${e##*/}"
		return 0
	done
	return 1
}

wait_event_dev() {	# SECONDS NAME [GUID]
	local end=$(($(cut -d. -f1 /proc/uptime) + $1))
	shift
	while [ "$(cut -d. -f1 /proc/uptime)" -le $end ]; do
		event_dev "$@" && return 0
		usleep 200000
	done
	return 1
}

# Events captured in $1 (24-byte struct input_event on 64-bit) as
# "type code value" lines, without EV_SYN, EV_MSC, REL_WHEEL_HI_RES and
# key autorepeat (value 2).
decode() {
	od -A n -v -t d4 -w24 "$1" | awk '{
		type = $5 % 65536; code = int($5 / 65536)
		if (type == 0 || type == 4) next
		if (type == 2 && code == 11) next
		if (type == 1 && $6 == 2) next
		print type, code, $6
	}'
}

# EV_KEY events in $1 as "code:value" words on one line.
keys() {
	decode "$1" | awk '$1 == 1 { printf "%s%s:%s", n++ ? " " : "", $2, $3 } END { print "" }'
}

words() {
	# shellcheck disable=SC2086
	set -- $1
	echo $#
}

# Reads device $1 into $2 in the background (READER = its pid).
capture() {
	: >"$2"
	cat "$1" >"$2" &
	READER=$!
	usleep 300000
}

# Waits (at most $3 s) until file $1 holds $2 key events.
wait_keys() {
	local end=$(($(cut -d. -f1 /proc/uptime) + $3))
	while [ "$(words "$(keys "$1")")" -lt "$2" ] &&
		[ "$(cut -d. -f1 /proc/uptime)" -le $end ]; do
		usleep 200000
	done
}

# One line: the request's reply for a diagnostic.
reply_diag() { diag "host: $REPLY $(echo "$REPLY_BODY" | head -n 1)"; }

# --- devices ---------------------------------------------------------------
modprobe -q evdev
kbd=$(vmbus_dev "$KBD_CLASS")
hid=$(vmbus_dev "$HID_CLASS")
# The keyboard's name is atkbd's: only the path tells it from a PS/2 one.
kdev=$(wait_event_dev 30 "$KBD_NAME" "$kbd/")
mdev=$(wait_event_dev 30 "$MOUSE_NAME")
kdrv=$(basename "$(readlink "/sys/bus/vmbus/devices/$kbd/driver" 2>/dev/null)")
mdrv=$(basename "$(readlink "/sys/bus/vmbus/devices/$hid/driver" 2>/dev/null)")
if [ -n "$kdev" ] && [ -n "$mdev" ]; then
	ok "devices: keyboard $kbd ($kdrv) is $kdev, mouse $hid ($mdrv) is $mdev, at $(up)s"
else
	nok "devices: keyboard ${kbd:-none} ($kdrv) ${kdev:-no event device}, mouse ${hid:-none} ($mdrv) ${mdev:-no event device}"
	diag "$(cat /proc/bus/input/devices)"
fi

# --- keyboard --------------------------------------------------------------
# Ctrl-Alt-Del below reaches the console's keyboard handler: have the
# kernel send SIGINT instead of rebooting, and to a stand-in that ignores
# it (a background job of this shell) instead of init, which would exit.
sleep 600 &
cad_decoy=$!
echo "$cad_decoy" >/proc/sys/kernel/cad_pid
echo 0 >/proc/sys/kernel/ctrl-alt-del
# shellcheck disable=SC2086,SC2116 # joins the three lines with single spaces
want=$(echo $HELLO)
if [ -n "$kdev" ]; then
	capture "$kdev" /tmp/kbd-hello
	host_req ctl type "Hello, World 123" || reply_diag
	wait_keys /tmp/kbd-hello "$(words "$want")" 30
	usleep 300000	# anything extra would arrive now
	kill $READER
	got=$(keys /tmp/kbd-hello)
	if [ "$got" = "$want" ]; then
		ok "keyboard: exactly the key codes of \"Hello, World 123\" ($(words "$got") events)"
	else
		nok "keyboard: exactly the key codes of \"Hello, World 123\""
		diag "got:  $got"
		diag "want: $want"
	fi

	capture "$kdev" /tmp/kbd-cad
	host_req ctl key ctrl alt del || reply_diag
	wait_keys /tmp/kbd-cad 6 30
	usleep 300000
	kill $READER
	got=$(keys /tmp/kbd-cad)
	check "keyboard: key ctrl alt del gives $CAD (got $got)" [ "$got" = "$CAD" ]
	echo 1 >/proc/sys/kernel/cad_pid
	kill $cad_decoy
else
	nok "keyboard: \"Hello, World 123\": no keyboard event device"
	nok "keyboard: key ctrl alt del: no keyboard event device"
fi

# Caps lock on, then off, as a console would: EV_LED (0x11) LED_CAPSL (1)
# value $1 written to the event device, then EV_SYN. The host reads
# hvcore's LEDs.
led_write() {
	# shellcheck disable=SC2059 # $1 (0 or 1) completes an octal escape
	printf "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\021\0\001\0\00$1\0\0\0" >"$kdev"
	printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >"$kdev"
}
ledcap=$(cat "/sys/class/input/${kdev##*/}/device/capabilities/led" 2>/dev/null)
if [ -z "$kdev" ]; then
	nok "keyboard: caps lock reaches hvcore: no keyboard event device"
elif [ "$drv" = intree ] && [ "${ledcap:-0}" = 0 ]; then
	skip "keyboard: caps lock set in the guest reaches hvcore as LED state" \
		"in-tree hyperv_keyboard has no LED support (its serio port has no write)"
elif [ "${ledcap:-0}" = 0 ]; then
	nok "keyboard: the keyboard has no LEDs (serio port without write?)"
else
	led_write 1
	for l in /sys/class/leds/*::capslock; do
		[ -r "$l/brightness" ] && diag "guest LED ${l##*/}: $(cat "$l/brightness")"
	done
	host_req expect-leds caps=1 || reply_diag
	r1=$?
	led_write 0
	host_req expect-leds caps=0 || reply_diag
	r0=$?
	# The host files the results; the guest's line says it asked.
	check "keyboard: caps lock on and off written to $kdev, hvcore asked for caps=1 then caps=0 (replies $r1 $r0)" \
		[ "$r1$r0" = 00 ]
fi

# --- mouse -----------------------------------------------------------------
# The scripted sequence and the EV_ABS/EV_KEY/EV_REL events it must give.
seq="mouse move 1000 2000 ; mouse click left"
[ "$drv" = hvis ] && seq="$seq ; mouse inject-oversize ; mouse inject-short"
seq="$seq ; mouse wheel 3 ; mouse wheel -2 ; mouse down right ; mouse move 32767 32767 ; mouse up right"
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
wait_mouse() {	# FILE LAST-EVENT SECONDS
	local end=$(($(cut -d. -f1 /proc/uptime) + $3))
	while ! decode "$1" | grep -qx "$2" &&
		[ "$(cut -d. -f1 /proc/uptime)" -le $end ]; do
		usleep 200000
	done
	usleep 500000	# anything extra would arrive now
}
if [ -n "$mdev" ]; then
	dmesg_before=$(dmesg | wc -l)
	capture "$mdev" /tmp/mouse-seq
	# shellcheck disable=SC2086
	host_req ctl $seq || reply_diag
	wait_mouse /tmp/mouse-seq "1 273 0" 30
	kill $READER
	got=$(decode /tmp/mouse-seq)
	if [ "$got" = "$want" ]; then
		ok "mouse: absolute X/Y, buttons and wheel of the scripted sequence ($(echo "$got" | wc -l) events)"
	else
		nok "mouse: absolute X/Y, buttons and wheel of the scripted sequence"
		echo "$got" | sed 's/^/# got event /'
	fi
	if [ "$drv" = hvis ]; then
		new=$(dmesg | tail -n +$((dmesg_before + 1)))
		o=$(echo "$new" | grep -c 'input report of 64 bytes in a 72-byte message, dropped')
		s=$(echo "$new" | grep -c 'input report of 16 bytes in a 10-byte message, dropped')
		r=1
		[ "$o" -ge 1 ] && [ "$s" -ge 1 ] && [ "$got" = "$want" ] && r=0
		check "mouse: oversize (64 bytes) and short (16 in 10) reports dropped with a logged reason ($o, $s), no stray events" \
			[ $r = 0 ]
		echo "$new" | grep 'dropped' | head -n 2 | sed 's/^/# /'
	else
		skip "mouse: oversize and short reports dropped" \
			"in-tree hid-hyperv does not check report sizes (would pass them on): not sent"
	fi
else
	nok "mouse: scripted sequence: no mouse event device"
	nok "mouse: bad reports: no mouse event device"
fi

# Unbind and bind again: the device goes, a second handshake brings it back.
if [ -n "$mdev" ] && rmmod hid_hyperv; then
	gone=1
	event_dev "$MOUSE_NAME" >/dev/null && gone=0
	modprobe hid_hyperv
	mdev=$(wait_event_dev 30 "$MOUSE_NAME")
	got=""
	if [ -n "$mdev" ]; then
		capture "$mdev" /tmp/mouse-again
		host_req ctl mouse move 123 456 || reply_diag
		wait_mouse /tmp/mouse-again "3 1 456" 15
		kill $READER
		got=$(decode /tmp/mouse-again | tr '\n' ' ')
	fi
	r=1
	[ "$gone" = 1 ] && [ "$got" = "3 0 123 3 1 456 " ] && r=0
	check "mouse: rmmod hid_hyperv removes the device ($gone), modprobe brings it back as ${mdev:-nothing}, move 123 456 reads back (${got% })" \
		[ $r = 0 ]
else
	nok "mouse: rmmod hid_hyperv"
fi

# A second synthhid device whose device info carries a malformed descriptor.
nmice=$(grep -c "N: Name=\"$MOUSE_NAME\"" /proc/bus/input/devices)
dmesg_before=$(dmesg | wc -l)
host_req offer synthhid bad-descriptor || reply_diag
relid=$(echo "$REPLY_BODY" | sed -n 's/^relid \([0-9]*\).*/\1/p' | head -n 1)
bad="" why=""
end=$(($(cut -d. -f1 /proc/uptime) + 15))
while [ "$(cut -d. -f1 /proc/uptime)" -le $end ]; do
	if [ -z "$bad" ]; then
		for d in /sys/bus/vmbus/devices/*; do
			[ "$(cat "$d/id" 2>/dev/null)" = "${relid:-x}" ] && bad=${d##*/}
		done
	fi
	# The driver core's line ends the probe; hvis logs its reason first.
	if [ -n "$bad" ] && dmesg | tail -n +$((dmesg_before + 1)) | grep -q "$bad.*probe.*failed\|probe of $bad failed"; then
		break
	fi
	usleep 200000
done
new=$(dmesg | tail -n +$((dmesg_before + 1)))
if [ "$drv" = hvis ]; then
	why=$(echo "$new" | grep -m1 "$bad.*descriptor length")
else
	# The in-tree driver logs nothing itself: the probe error is its reason.
	why=$(echo "$new" | grep -m1 "$bad.*probe.*failed with error -22\|probe of $bad failed with error -22")
fi
failed=$(echo "$new" | grep -m1 "$bad.*probe.*failed\|probe of $bad failed")
bound=$(basename "$(readlink "/sys/bus/vmbus/devices/$bad/driver" 2>/dev/null)")
inputs=$(find "/sys/bus/vmbus/devices/$bad/" -name 'input[0-9]*' 2>/dev/null | wc -l)
nmice2=$(grep -c "N: Name=\"$MOUSE_NAME\"" /proc/bus/input/devices)
if [ -n "$bad" ] && [ -n "$why" ] && [ -n "$failed" ] && [ -z "$bound" ] &&
	[ "$inputs" = 0 ] && [ "$nmice2" = "$nmice" ]; then
	if [ "$drv" = hvis ]; then
		ok "mouse: malformed descriptor on relid $relid refused with a logged reason, no input device"
	else
		ok "mouse: malformed descriptor on relid $relid refused (probe -22; the in-tree driver logs no reason of its own), no input device"
	fi
else
	nok "mouse: malformed descriptor on relid ${relid:-?} (${bad:-no device}) refused: reason '${why}', driver '${bound}', input devices $inputs, mice $nmice -> $nmice2"
fi
diag "$why"
[ "$failed" = "$why" ] || diag "$failed"

echo "1..$T"
echo "# input tests took $(elapsed "$t_start")s"
echo "HVIS-TESTS-DONE"
[ "$FAILED" = 0 ]
