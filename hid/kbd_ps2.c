// SPDX-License-Identifier: GPL-2.0-only
/*
 * A PS/2 keyboard's command set, answered locally for hyperv_keyboard.
 *
 * The synthetic keyboard protocol has no commands, only the LED state the
 * guest may report.  A serio port without ->write makes atkbd leave out
 * EV_LED altogether, so the lock LEDs could never reach the host; with
 * ->write, atkbd talks PS/2 to the port, and this file plays a translated
 * (i8042 XL) keyboard well enough for atkbd's probe, LED and repeat
 * commands.
 */
#include <linux/string.h>

#include "kbd_ps2.h"

/* The commands atkbd sends; the values are the PS/2 keyboard protocol's. */
#define KBD_PS2_CMD_SETLEDS	0xed
#define KBD_PS2_CMD_ECHO	0xee
#define KBD_PS2_CMD_SCANSET	0xf0
#define KBD_PS2_CMD_GETID	0xf2
#define KBD_PS2_CMD_SETREP	0xf3
#define KBD_PS2_CMD_RESET_BAT	0xff

#define KBD_PS2_ACK		0xfa
#define KBD_PS2_RESEND		0xfe
#define KBD_PS2_BAT_OK		0xaa
/* An MF2 keyboard's ID 0xab 0x83, with the second byte as an XL port translates it. */
#define KBD_PS2_ID0		0xab
#define KBD_PS2_ID1_XLATED	0x41
#define KBD_PS2_SCANSET		2

#define KBD_PS2_LEDS_MASK	0x07

void kbd_ps2_init(struct kbd_ps2 *ps2)
{
	memset(ps2, 0, sizeof(*ps2));
}

static void kbd_ps2_put(struct kbd_ps2_reply *reply, u8 byte)
{
	if (reply->len < KBD_PS2_REPLY_MAX)
		reply->bytes[reply->len++] = byte;
}

static void kbd_ps2_set_leds(struct kbd_ps2 *ps2, u8 leds,
			     struct kbd_ps2_reply *reply)
{
	leds &= KBD_PS2_LEDS_MASK;
	if (leds != ps2->leds) {
		ps2->leds = leds;
		reply->leds_changed = true;
	}
}

/* The parameter byte of the command in ps2->param_for. */
static void kbd_ps2_param(struct kbd_ps2 *ps2, u8 byte,
			  struct kbd_ps2_reply *reply)
{
	u8 cmd = ps2->param_for;

	ps2->param_for = 0;
	kbd_ps2_put(reply, KBD_PS2_ACK);
	if (cmd == KBD_PS2_CMD_SETLEDS)
		kbd_ps2_set_leds(ps2, byte, reply);
	else if (cmd == KBD_PS2_CMD_SCANSET && !byte)
		kbd_ps2_put(reply, KBD_PS2_SCANSET);	/* 0 asks which */
}

void kbd_ps2_write(struct kbd_ps2 *ps2, u8 byte, struct kbd_ps2_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
	if (ps2->param_for) {
		kbd_ps2_param(ps2, byte, reply);
		return;
	}
	switch (byte) {
	case KBD_PS2_CMD_SETLEDS:
	case KBD_PS2_CMD_SETREP:
	case KBD_PS2_CMD_SCANSET:
		ps2->param_for = byte;
		kbd_ps2_put(reply, KBD_PS2_ACK);
		break;
	case KBD_PS2_CMD_ECHO:
		kbd_ps2_put(reply, KBD_PS2_CMD_ECHO);
		break;
	case KBD_PS2_CMD_GETID:
		kbd_ps2_put(reply, KBD_PS2_ACK);
		kbd_ps2_put(reply, KBD_PS2_ID0);
		kbd_ps2_put(reply, KBD_PS2_ID1_XLATED);
		break;
	case KBD_PS2_CMD_RESET_BAT:
		/* A reset turns the LEDs off and passes the self-test. */
		kbd_ps2_set_leds(ps2, 0, reply);
		kbd_ps2_put(reply, KBD_PS2_ACK);
		kbd_ps2_put(reply, KBD_PS2_BAT_OK);
		break;
	case 0xf4 ... 0xfe:
		/* Enable, disable, defaults, typematic modes, resend: no state. */
		kbd_ps2_put(reply, KBD_PS2_ACK);
		break;
	default:
		/* The extended commands of a few keyboards (0xe8-0xec) and junk. */
		kbd_ps2_put(reply, KBD_PS2_RESEND);
		break;
	}
}
