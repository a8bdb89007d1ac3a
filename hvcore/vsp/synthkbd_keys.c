// SPDX-License-Identifier: GPL-2.0-only
/* Key names and ASCII characters to scan code set 1, for the keyboard VSP. */
#include "synthkbd_keys.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

struct synthkbd_named_key {
	const char *name;
	uint8_t code;
	uint8_t prefix;
};

#define PLAIN(n, c)	{ (n), (c), SYNTHKBD_KEY_PLAIN }
#define EXT(n, c)	{ (n), (c), SYNTHKBD_KEY_E0 }

/* Aliases follow their key; `help` prints the names in this order. */
static const struct synthkbd_named_key synthkbd_named[] = {
	PLAIN("esc", 0x01), PLAIN("escape", 0x01),
	PLAIN("backspace", 0x0e), PLAIN("tab", 0x0f),
	PLAIN("enter", 0x1c), PLAIN("return", 0x1c), PLAIN("space", 0x39),
	PLAIN("ctrl", 0x1d), PLAIN("lctrl", 0x1d), EXT("rctrl", 0x1d),
	PLAIN("shift", 0x2a), PLAIN("lshift", 0x2a), PLAIN("rshift", 0x36),
	PLAIN("alt", 0x38), PLAIN("lalt", 0x38), EXT("ralt", 0x38),
	EXT("altgr", 0x38),
	EXT("meta", 0x5b), EXT("lmeta", 0x5b), EXT("win", 0x5b),
	EXT("super", 0x5b), EXT("rmeta", 0x5c), EXT("menu", 0x5d),
	PLAIN("capslock", 0x3a), PLAIN("numlock", 0x45),
	PLAIN("scrolllock", 0x46),
	PLAIN("f1", 0x3b), PLAIN("f2", 0x3c), PLAIN("f3", 0x3d),
	PLAIN("f4", 0x3e), PLAIN("f5", 0x3f), PLAIN("f6", 0x40),
	PLAIN("f7", 0x41), PLAIN("f8", 0x42), PLAIN("f9", 0x43),
	PLAIN("f10", 0x44), PLAIN("f11", 0x57), PLAIN("f12", 0x58),
	EXT("insert", 0x52), EXT("delete", 0x53), EXT("del", 0x53),
	EXT("home", 0x47), EXT("end", 0x4f),
	EXT("pageup", 0x49), EXT("pgup", 0x49),
	EXT("pagedown", 0x51), EXT("pgdn", 0x51),
	EXT("up", 0x48), EXT("down", 0x50), EXT("left", 0x4b),
	EXT("right", 0x4d),
	EXT("sysrq", 0x37), EXT("print", 0x37),
	{ "pause", 0x1d, SYNTHKBD_KEY_PAUSE },
	PLAIN("minus", 0x0c), PLAIN("equal", 0x0d),
	PLAIN("leftbrace", 0x1a), PLAIN("rightbrace", 0x1b),
	PLAIN("semicolon", 0x27), PLAIN("apostrophe", 0x28),
	PLAIN("grave", 0x29), PLAIN("backslash", 0x2b),
	PLAIN("comma", 0x33), PLAIN("dot", 0x34), PLAIN("slash", 0x35),
	PLAIN("kp0", 0x52), PLAIN("kp1", 0x4f), PLAIN("kp2", 0x50),
	PLAIN("kp3", 0x51), PLAIN("kp4", 0x4b), PLAIN("kp5", 0x4c),
	PLAIN("kp6", 0x4d), PLAIN("kp7", 0x47), PLAIN("kp8", 0x48),
	PLAIN("kp9", 0x49), PLAIN("kpdot", 0x53), PLAIN("kpplus", 0x4e),
	PLAIN("kpminus", 0x4a), PLAIN("kpasterisk", 0x37),
	EXT("kpslash", 0x35), EXT("kpenter", 0x1c),
};

#define SYNTHKBD_NR_NAMED	(sizeof(synthkbd_named) / sizeof(synthkbd_named[0]))

/*
 * ASCII 0x20..0x7e on a US layout: the make code, and bit 7 set when shift
 * must be held.  0 = no key.
 */
#define S(c)	((c) | 0x80)
static const uint8_t synthkbd_ascii[0x7f - 0x20] = {
	/* space ! " # $ % & ' */
	0x39, S(0x02), S(0x28), S(0x04), S(0x05), S(0x06), S(0x08), 0x28,
	/* ( ) * + , - . / */
	S(0x0a), S(0x0b), S(0x09), S(0x0d), 0x33, 0x0c, 0x34, 0x35,
	/* 0 .. 9 */
	0x0b, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	/* : ; < = > ? @ */
	S(0x27), 0x27, S(0x33), 0x0d, S(0x34), S(0x35), S(0x03),
	/* A .. Z */
	S(0x1e), S(0x30), S(0x2e), S(0x20), S(0x12), S(0x21), S(0x22),
	S(0x23), S(0x17), S(0x24), S(0x25), S(0x26), S(0x32), S(0x31),
	S(0x18), S(0x19), S(0x10), S(0x13), S(0x1f), S(0x14), S(0x16),
	S(0x2f), S(0x11), S(0x2d), S(0x15), S(0x2c),
	/* [ \ ] ^ _ ` */
	0x1a, 0x2b, 0x1b, S(0x07), S(0x0c), 0x29,
	/* a .. z */
	0x1e, 0x30, 0x2e, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25,
	0x26, 0x32, 0x31, 0x18, 0x19, 0x10, 0x13, 0x1f, 0x14, 0x16, 0x2f,
	0x11, 0x2d, 0x15, 0x2c,
	/* { | } ~ */
	S(0x1a), S(0x2b), S(0x1b), S(0x29),
};
#undef S

int synthkbd_key_by_char(unsigned char c, struct synthkbd_key *key,
			 bool *shift)
{
	uint8_t v;

	if (c == '\n' || c == '\t') {
		key->code = c == '\n' ? 0x1c : 0x0f;
		key->prefix = SYNTHKBD_KEY_PLAIN;
		*shift = false;
		return 0;
	}
	if (c < 0x20 || c > 0x7e)
		return -EINVAL;
	v = synthkbd_ascii[c - 0x20];
	key->code = v & 0x7f;
	key->prefix = SYNTHKBD_KEY_PLAIN;
	*shift = v & 0x80;
	return 0;
}

int synthkbd_key_by_name(const char *name, struct synthkbd_key *key)
{
	bool shift;
	size_t i;

	for (i = 0; i < SYNTHKBD_NR_NAMED; i++) {
		if (strcasecmp(synthkbd_named[i].name, name))
			continue;
		key->code = synthkbd_named[i].code;
		key->prefix = synthkbd_named[i].prefix;
		return 0;
	}
	/* One character names the key that types it, shifted or not. */
	if (name[0] && !name[1] && name[0] != ' ' &&
	    !synthkbd_key_by_char((unsigned char)name[0], key, &shift))
		return 0;
	return -ENOENT;
}

void synthkbd_keys_print(FILE *out)
{
	size_t i, col = 0;

	for (i = 0; i < SYNTHKBD_NR_NAMED; i++) {
		size_t n = strlen(synthkbd_named[i].name) + 1;

		if (col + n > 72) {
			fputc('\n', out);
			col = 0;
		}
		fprintf(out, "%s%s", col ? " " : "  ", synthkbd_named[i].name);
		col += n + (col ? 0 : 1);
	}
	fputc('\n', out);
}
