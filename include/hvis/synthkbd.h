/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * SYNTHKBD: the synthetic keyboard protocol between hyperv_keyboard (guest)
 * and the host's keyboard VSP on a VMBus channel of class
 * HVIS_SYNTHKBD_CLASS_GUID.
 *
 * There is no public specification; the facts here follow what Hyper-V
 * hosts, Linux's hyperv-keyboard driver and Microsoft's UEFI keyboard VSC
 * exchange.  Every message is the payload of one VM_PKT_DATA_INBAND packet
 * (padded to 8 bytes) that starts with a u32 message type:
 *  - G->H PROTOCOL_REQUEST (REQ, completion requested) carrying version 1.0;
 *    H->G PROTOCOL_RESPONSE (RESP, an inband packet, not a completion) with
 *    HVIS_SYNTHKBD_PROTOCOL_ACCEPTED set or clear.
 *  - H->G EVENT (NOTE): one key make or break as a scan code set 1 make
 *    code (0x01..0x7f), with flags for break, an E0 or E1 prefix, and
 *    "unicode" (make_code is then a UTF-16 unit, which Linux cannot use).
 *  - G->H LED_INDICATORS (NOTE): the guest's scroll/num/caps lock state, in
 *    the bit order of the PS/2 "set LEDs" parameter.
 * Messages are at most HVIS_SYNTHKBD_MAX_MSG_SIZE bytes.
 */
#ifndef HVIS_SYNTHKBD_H
#define HVIS_SYNTHKBD_H

#include "types.h"

/* {f912ad6d-2b17-48ea-bd65-f927a61c7684}: the synthetic keyboard. */
#define HVIS_SYNTHKBD_CLASS_GUID_STR	"f912ad6d-2b17-48ea-bd65-f927a61c7684"
#define HVIS_SYNTHKBD_CLASS_GUID \
	HVIS_GUID(0xf912ad6d, 0x2b17, 0x48ea, 0xbd, 0x65, \
		  0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84)

/* Protocol version: major in the high 16 bits, minor in the low 16. */
#define HVIS_SYNTHKBD_VERSION(major, minor)	((u32)(((major) << 16) | (minor)))
#define HVIS_SYNTHKBD_VERSION_1_0	HVIS_SYNTHKBD_VERSION(1, 0)
#define HVIS_SYNTHKBD_VERSION_MAJOR(v)	((v) >> 16)
#define HVIS_SYNTHKBD_VERSION_MINOR(v)	((v) & 0xffff)

/* hvis_synthkbd_msg_hdr.type */
#define HVIS_SYNTHKBD_PROTOCOL_REQUEST	1	/* G->H REQ */
#define HVIS_SYNTHKBD_PROTOCOL_RESPONSE	2	/* H->G RESP */
#define HVIS_SYNTHKBD_EVENT		3	/* H->G NOTE */
#define HVIS_SYNTHKBD_LED_INDICATORS	4	/* G->H NOTE */

#define HVIS_SYNTHKBD_MAX_MSG_SIZE	256

struct hvis_synthkbd_msg_hdr {
	u32 type;		/* HVIS_SYNTHKBD_* */
} __packed;
HVIS_SIZE(struct hvis_synthkbd_msg_hdr, 4);

/* PROTOCOL_REQUEST (G->H). */
struct hvis_synthkbd_protocol_request {
	struct hvis_synthkbd_msg_hdr header;
	u32 version;		/* HVIS_SYNTHKBD_VERSION() */
} __packed;
HVIS_SIZE(struct hvis_synthkbd_protocol_request, 8);

/* PROTOCOL_RESPONSE (H->G): bit 0 of status; the other bits are reserved. */
#define HVIS_SYNTHKBD_PROTOCOL_ACCEPTED	0x1

struct hvis_synthkbd_protocol_response {
	struct hvis_synthkbd_msg_hdr header;
	u32 status;		/* HVIS_SYNTHKBD_PROTOCOL_ACCEPTED */
} __packed;
HVIS_SIZE(struct hvis_synthkbd_protocol_response, 8);

/* hvis_synthkbd_keystroke.info */
#define HVIS_SYNTHKBD_INFO_UNICODE	0x1	/* make_code is UTF-16 */
#define HVIS_SYNTHKBD_INFO_BREAK	0x2	/* key released */
#define HVIS_SYNTHKBD_INFO_E0		0x4	/* extended key: 0xe0 prefix */
#define HVIS_SYNTHKBD_INFO_E1		0x8	/* 0xe1 prefix (Pause) */

/* The make codes of set 1 fit 7 bits; bit 7 is the break bit on a PS/2 port. */
#define HVIS_SYNTHKBD_MAKE_CODE_MAX	0x7f

/* EVENT (H->G): one make or break. */
struct hvis_synthkbd_keystroke {
	struct hvis_synthkbd_msg_hdr header;
	u16 make_code;		/* set 1, without the break bit */
	u16 reserved;
	u32 info;		/* HVIS_SYNTHKBD_INFO_* */
} __packed;
HVIS_SIZE(struct hvis_synthkbd_keystroke, 12);
HVIS_OFFSET(struct hvis_synthkbd_keystroke, info, 8);

/* hvis_synthkbd_led_indicators.led_flags: the PS/2 0xed parameter's bits. */
#define HVIS_SYNTHKBD_LED_SCROLL_LOCK	0x1
#define HVIS_SYNTHKBD_LED_NUM_LOCK	0x2
#define HVIS_SYNTHKBD_LED_CAPS_LOCK	0x4
#define HVIS_SYNTHKBD_LED_ALL		0x7

/*
 * LED_INDICATORS (G->H).  Windows guests send the natural 8-byte size; the
 * field itself ends at byte 6, which is all a receiver requires.
 */
struct hvis_synthkbd_led_indicators {
	struct hvis_synthkbd_msg_hdr header;
	u16 led_flags;		/* HVIS_SYNTHKBD_LED_* */
	u16 reserved;
} __packed;
HVIS_SIZE(struct hvis_synthkbd_led_indicators, 8);
#define HVIS_SYNTHKBD_LED_MIN_SIZE	6

/*
 * The validation table: one row per message type either side may receive.
 *   HVIS_SYNTHKBD_RULE(type, payload struct, minimum length,
 *                      minimum version, direction)
 * A receiver drops a message whose type has no row for its direction, that
 * is shorter than its row, or that needs a newer version than negotiated
 * (0 before a PROTOCOL_RESPONSE accepted one: only the rows at version 0).
 */
struct hvis_synthkbd_rule {
	u32 type;
	u32 min_len;
	u32 min_version;
	u32 dir;
};

#define HVIS_SYNTHKBD_RULE(t, s, minlen, minver, d)			\
	{ .type = (t), .min_len = (minlen), .min_version = (minver),	\
	  .dir = (d) }

#define HVIS_SYNTHKBD_RULES {						\
	HVIS_SYNTHKBD_RULE(HVIS_SYNTHKBD_PROTOCOL_REQUEST,		\
		struct hvis_synthkbd_protocol_request,			\
		sizeof(struct hvis_synthkbd_protocol_request), 0,	\
		HVIS_DIR_G2H),						\
	HVIS_SYNTHKBD_RULE(HVIS_SYNTHKBD_LED_INDICATORS,		\
		struct hvis_synthkbd_led_indicators,			\
		HVIS_SYNTHKBD_LED_MIN_SIZE, HVIS_SYNTHKBD_VERSION_1_0,	\
		HVIS_DIR_G2H),						\
	HVIS_SYNTHKBD_RULE(HVIS_SYNTHKBD_PROTOCOL_RESPONSE,		\
		struct hvis_synthkbd_protocol_response,			\
		sizeof(struct hvis_synthkbd_protocol_response), 0,	\
		HVIS_DIR_H2G),						\
	HVIS_SYNTHKBD_RULE(HVIS_SYNTHKBD_EVENT,				\
		struct hvis_synthkbd_keystroke,				\
		sizeof(struct hvis_synthkbd_keystroke),			\
		HVIS_SYNTHKBD_VERSION_1_0, HVIS_DIR_H2G),		\
}

#define HVIS_SYNTHKBD_ESHORT	(-1)	/* shorter than its row */
#define HVIS_SYNTHKBD_EUNKNOWN	(-2)	/* no row for this type/direction */
#define HVIS_SYNTHKBD_EVERSION	(-3)	/* before the protocol was accepted */
#define HVIS_SYNTHKBD_ELONG	(-4)	/* over HVIS_SYNTHKBD_MAX_MSG_SIZE */

/*
 * hvis_synthkbd_check - validate a received message against the table.
 * @buf, @len: the packet payload (after the VMBus descriptor), a private copy
 * @dir: the direction this side receives (HVIS_DIR_G2H in the host)
 * @version: the accepted HVIS_SYNTHKBD_VERSION_*, or 0 before that
 *
 * Returns the message type, or a negative HVIS_SYNTHKBD_E* reason.
 */
static inline int hvis_synthkbd_check(const void *buf, u32 len, int dir,
				      u32 version)
{
	static const struct hvis_synthkbd_rule rules[] = HVIS_SYNTHKBD_RULES;
	const struct hvis_synthkbd_rule *r;
	u32 type;

	if (len < sizeof(struct hvis_synthkbd_msg_hdr))
		return HVIS_SYNTHKBD_ESHORT;
	if (len > HVIS_SYNTHKBD_MAX_MSG_SIZE)
		return HVIS_SYNTHKBD_ELONG;
	type = ((const struct hvis_synthkbd_msg_hdr *)buf)->type;
	for (r = rules; r < rules + sizeof(rules) / sizeof(*r); r++) {
		if (r->type != type || r->dir != (u32)dir)
			continue;
		if (len < r->min_len)
			return HVIS_SYNTHKBD_ESHORT;
		if (version < r->min_version)
			return HVIS_SYNTHKBD_EVERSION;
		return (int)type;
	}
	return HVIS_SYNTHKBD_EUNKNOWN;
}

/* A short reason for a negative hvis_synthkbd_check() result, for logs. */
static inline const char *hvis_synthkbd_strerror(int err)
{
	switch (err) {
	case HVIS_SYNTHKBD_ESHORT:
		return "message shorter than its type needs";
	case HVIS_SYNTHKBD_EUNKNOWN:
		return "message type unknown or sent the wrong way";
	case HVIS_SYNTHKBD_EVERSION:
		return "message before the protocol was accepted";
	case HVIS_SYNTHKBD_ELONG:
		return "message over 256 bytes";
	default:
		return "invalid message";
	}
}

#endif /* HVIS_SYNTHKBD_H */
