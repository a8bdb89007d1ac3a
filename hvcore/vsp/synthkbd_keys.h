/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The synthetic keyboard's key map: key names and ASCII characters to scan
 * code set 1 make codes, for the keyboard VSP's `key` and `type` commands.
 */
#ifndef HVCORE_VSP_SYNTHKBD_KEYS_H
#define HVCORE_VSP_SYNTHKBD_KEYS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* synthkbd_key.prefix */
#define SYNTHKBD_KEY_PLAIN	0
#define SYNTHKBD_KEY_E0		1	/* extended key */
#define SYNTHKBD_KEY_PAUSE	2	/* E1 1D 45 on press, nothing on release */

struct synthkbd_key {
	uint8_t code;		/* set 1 make code, 0x01..0x7f */
	uint8_t prefix;		/* SYNTHKBD_KEY_* */
};

/* The set 1 make code of the left shift key. */
#define SYNTHKBD_CODE_LSHIFT	0x2a

/*
 * The key called @name (case-insensitive: "ctrl", "f5", "pagedown"...) or
 * written as the one character @name ("a", "/").  0, or -ENOENT.
 */
int synthkbd_key_by_name(const char *name, struct synthkbd_key *key);

/*
 * The key that types character @c on a US layout, and whether shift must be
 * held for it.  0, or -EINVAL for a byte no key types.
 */
int synthkbd_key_by_char(unsigned char c, struct synthkbd_key *key,
			 bool *shift);

/* Print the key names, several to a line, for `help`. */
void synthkbd_keys_print(FILE *out);

#endif
