/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PS/2 keyboard that hyperv_keyboard's serio port pretends to be: it
 * answers atkbd's commands locally, and keeps the LED state atkbd sets so
 * the driver can pass it to the host.
 */
#ifndef HVIS_HID_KBD_PS2_H
#define HVIS_HID_KBD_PS2_H

#include <linux/types.h>

/*
 * Locking: none inside; the owner serialises every call (hv_kbd_dev.lock)
 * with the scan codes it feeds the same port, so a command's replies are
 * never interleaved with key bytes.
 */
struct kbd_ps2 {
	u8 param_for;	/* command waiting for its parameter byte, 0: none */
	u8 leds;	/* the last "set LEDs" parameter, bits 0-2 */
};

/* At most three bytes answer one written byte (ACK + two ID bytes). */
#define KBD_PS2_REPLY_MAX	3

struct kbd_ps2_reply {
	u8 bytes[KBD_PS2_REPLY_MAX];
	u8 len;
	bool leds_changed;	/* kbd_ps2.leds has a new value */
};

void kbd_ps2_init(struct kbd_ps2 *ps2);
/* atkbd wrote @byte: fill @reply with the keyboard's answer. */
void kbd_ps2_write(struct kbd_ps2 *ps2, u8 byte, struct kbd_ps2_reply *reply);

#endif /* HVIS_HID_KBD_PS2_H */
