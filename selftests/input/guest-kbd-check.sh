#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Guest half of the synthetic keyboard check (busybox sh, runs in the guest).
#
# Needs hv_vmbus.ko, hyperv_keyboard.ko and evdev loaded (mkinitramfs.sh
# MODULE.ko ... -k evdev) and hvcore offering a synthkbd device.  It talks
# to the host through console lines:
#   HVIS-KBD-READY          the keyboard's event device is being read: the
#                           host now runs `hvcore ctl type "Hello, World 123"`
#   HVIS-KBD-TYPE-OK        exactly the expected key codes arrived
#   HVIS-KBD-TYPE-FAIL ...  they did not (the codes seen follow)
#   HVIS-KBD-LED-SET        caps lock is on in the guest (an EV_LED written
#                           to the event device, as a console would): the
#                           host checks `synthkbd <relid> leds` says caps=1,
#                           then answers with `hvcore ctl key esc`
#   HVIS-KBD-DONE / HVIS-KBD-FAIL <why>
# With hvis_kbd_noled=1 on the kernel command line (init passes it on as an
# environment variable) the LED steps are skipped: the in-tree driver, run
# as the oracle, gives its serio port no write and so has no LEDs.
# Exit status 0 when every step passed.
set -u

KBD_NAME="AT Translated Set 2 keyboard"
# "Hello, World 123" as key code:value (1 press, 0 release) on a US layout.
WANT="42:1 35:1 35:0 42:0 18:1 18:0 38:1 38:0 38:1 38:0 24:1 24:0 51:1 51:0"
WANT="$WANT 57:1 57:0 42:1 17:1 17:0 42:0 24:1 24:0 19:1 19:0 38:1 38:0"
WANT="$WANT 32:1 32:0 57:1 57:0 2:1 2:0 3:1 3:0 4:1 4:0"
KEY_ESC=1
EV_KEY=1
TIMEOUT=${HVIS_KBD_TIMEOUT:-120}

fail() {
	echo "HVIS-KBD-FAIL $*"
	exit 1
}

# The event device atkbd registered on hyperv_keyboard's serio port.
find_dev() {
	for d in /sys/class/input/event*; do
		[ -r "$d/device/name" ] || continue
		[ "$(cat "$d/device/name")" = "$KBD_NAME" ] || continue
		echo "/dev/input/${d##*/}"
		return 0
	done
	return 1
}

# EV_KEY events so far in $1 (24-byte struct input_event on 64-bit), as
# code:value, autorepeat (value 2) left out.
key_events() {
	od -An -v -tu2 -w24 "$1" | while read -r _ _ _ _ _ _ _ _ type code val _; do
		[ "$type" = "$EV_KEY" ] && [ "$val" != 2 ] && printf '%s:%s ' "$code" "$val"
	done
}

count_words() {
	set -- $1
	echo $#
}

# mkinitramfs.sh -k puts evdev in the image; nothing loads it.
modprobe -q evdev 2>/dev/null
i=0
while ! dev=$(find_dev); do
	i=$((i + 1))
	[ $i -le 60 ] || fail "no \"$KBD_NAME\" input device (is hyperv_keyboard loaded?)"
	sleep 1
done
[ -e "$dev" ] || mknod "$dev" c 13 $((64 + ${dev##*event}))
sysdir=/sys/class/input/${dev##*/}/device
echo "keyboard: $dev phys $(cat "$sysdir/phys") led caps $(cat "$sysdir/capabilities/led")"
noled=${hvis_kbd_noled:-0}
[ "$noled" = 1 ] || [ "$(cat "$sysdir/capabilities/led")" != 0 ] ||
	fail "the keyboard has no LEDs (serio port without write?)"

cat "$dev" > /tmp/kbd-ev &
reader=$!
sleep 1
echo "HVIS-KBD-READY"

want_n=$(count_words "$WANT")
t=0
got=""
while [ $t -lt "$TIMEOUT" ]; do
	got=$(key_events /tmp/kbd-ev)
	[ "$(count_words "$got")" -ge "$want_n" ] && break
	sleep 1
	t=$((t + 1))
done
got=$(echo $got)
if [ "$got" = "$WANT" ]; then
	echo "HVIS-KBD-TYPE-OK"
else
	echo "HVIS-KBD-TYPE-FAIL got: $got"
	echo "HVIS-KBD-TYPE-FAIL want: $WANT"
	kill $reader
	fail "wrong key codes"
fi

if [ "$noled" = 1 ]; then
	kill $reader
	echo "HVIS-KBD-DONE"
	exit 0
fi

# Caps lock on: EV_LED (0x11) LED_CAPSL (1) value 1, then EV_SYN.
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\021\0\001\0\001\0\0\0' > "$dev"
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' > "$dev"
for l in /sys/class/leds/*::capslock; do
	[ -r "$l/brightness" ] && echo "guest LED $l: $(cat "$l/brightness")"
done
echo "HVIS-KBD-LED-SET"

# The host's answer: Esc, once it saw caps=1 (the typed text has no Esc).
t=0
while [ $t -lt "$TIMEOUT" ]; do
	case " $(key_events /tmp/kbd-ev)" in
	*" $KEY_ESC:0 "*) break ;;
	esac
	sleep 1
	t=$((t + 1))
done
kill $reader
[ $t -lt "$TIMEOUT" ] || fail "no Esc from the host after the LED change"
echo "HVIS-KBD-DONE"
