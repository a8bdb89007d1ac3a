/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * SYNTHHID: the synthetic HID (mouse) protocol between hid_hyperv (guest) and
 * the host's synthetic input VSP on a VMBus channel of class
 * HVIS_SYNTHHID_CLASS_GUID.
 *
 * There is no public specification; the facts here follow what Hyper-V hosts
 * and Linux's hid-hyperv driver exchange.  Every message is a VM_PKT_DATA_INBAND
 * packet whose payload is a pipe header (type PIPE_DATA, size = bytes after
 * it) wrapping one synthhid message (its own type and size header):
 *  - G->H PROTOCOL_REQUEST (REQ, completion requested) with version 2.0;
 *    H->G PROTOCOL_RESPONSE (RESP) echoing the version with approved 0/1.
 *  - H->G INITIAL_DEVICE_INFO (NOTE) after an approved response: the device
 *    identity, then a HID class descriptor of bLength bytes whose report
 *    descriptor (wReportLength bytes) follows it directly.
 *  - G->H INITIAL_DEVICE_INFO_ACK (RESP, completion requested).
 *  - H->G INPUT_REPORT (NOTE): one HID input report of header.size bytes,
 *    at most HVIS_SYNTHHID_MAX_REPORT_SIZE.
 * Packets are padded to 8 bytes: the pipe size, not the packet length, says
 * where the message ends.  The host sends no completions; the guest ignores
 * any it gets.
 */
#ifndef HVIS_SYNTHHID_H
#define HVIS_SYNTHHID_H

#include "types.h"

/* {cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a}: the synthetic mouse. */
#define HVIS_SYNTHHID_CLASS_GUID_STR	"cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a"
#define HVIS_SYNTHHID_CLASS_GUID \
	HVIS_GUID(0xcfa8b69e, 0x5b4a, 0x4cc0, 0xb9, 0x8b, \
		  0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a)

/* Protocol version: major in the high 16 bits, minor in the low 16. */
#define HVIS_SYNTHHID_VERSION(major, minor)	((u32)(((major) << 16) | (minor)))
#define HVIS_SYNTHHID_VERSION_2_0	HVIS_SYNTHHID_VERSION(2, 0)

/* hvis_synthhid_pipe_hdr.type */
#define HVIS_SYNTHHID_PIPE_INVALID	0
#define HVIS_SYNTHHID_PIPE_DATA		1

/* hvis_synthhid_msg_hdr.type */
#define HVIS_SYNTHHID_PROTOCOL_REQUEST		0	/* G->H REQ */
#define HVIS_SYNTHHID_PROTOCOL_RESPONSE		1	/* H->G RESP */
#define HVIS_SYNTHHID_INITIAL_DEVICE_INFO	2	/* H->G NOTE */
#define HVIS_SYNTHHID_INITIAL_DEVICE_INFO_ACK	3	/* G->H RESP */
#define HVIS_SYNTHHID_INPUT_REPORT		4	/* H->G NOTE */

/* The outer header of every packet's payload. */
struct hvis_synthhid_pipe_hdr {
	u32 type;		/* HVIS_SYNTHHID_PIPE_* */
	u32 size;		/* bytes of the synthhid message after this */
} __packed;
HVIS_SIZE(struct hvis_synthhid_pipe_hdr, 8);

/* The header of each synthhid message. */
struct hvis_synthhid_msg_hdr {
	u32 type;		/* HVIS_SYNTHHID_* */
	u32 size;		/* bytes after this header */
} __packed;
HVIS_SIZE(struct hvis_synthhid_msg_hdr, 8);

/* PROTOCOL_REQUEST, G->H: header.size = 4. */
struct hvis_synthhid_protocol_request {
	struct hvis_synthhid_msg_hdr header;
	u32 version;		/* HVIS_SYNTHHID_VERSION() */
} __packed;
HVIS_SIZE(struct hvis_synthhid_protocol_request, 12);

/* PROTOCOL_RESPONSE, H->G: header.size = 5. */
struct hvis_synthhid_protocol_response {
	struct hvis_synthhid_msg_hdr header;
	u32 version;		/* the version requested */
	u8 approved;		/* 1: device info follows; 0: refused */
} __packed;
HVIS_SIZE(struct hvis_synthhid_protocol_response, 13);

/* Who the device says it is (becomes the hid_device's ids). */
struct hvis_synthhid_dev_info {
	u32 size;		/* sizeof(struct hvis_synthhid_dev_info) */
	u16 vendor;
	u16 product;
	u16 version;
	u16 reserved[11];
} __packed;
HVIS_SIZE(struct hvis_synthhid_dev_info, 32);

/* Hyper-V's mouse identity (Microsoft, "Vmbus HID-compliant Mouse"). */
#define HVIS_SYNTHHID_VENDOR		0x045e
#define HVIS_SYNTHHID_PRODUCT		0x0621

/* The HID class descriptor (HID 1.11 section 6.2.1) with one report descriptor. */
#define HVIS_HID_DT_HID			0x21
#define HVIS_HID_DT_REPORT		0x22

struct hvis_synthhid_hid_desc {
	u8 length;		/* bLength: this descriptor, >= 9 */
	u8 desc_type;		/* HVIS_HID_DT_HID */
	u16 bcd_hid;		/* HID spec release, e.g. 0x0101 */
	u8 country;
	u8 num_descs;		/* class descriptors that follow, >= 1 */
	u8 report_type;		/* HVIS_HID_DT_REPORT */
	u16 report_length;	/* bytes of report descriptor after bLength */
} __packed;
HVIS_SIZE(struct hvis_synthhid_hid_desc, 9);
HVIS_OFFSET(struct hvis_synthhid_hid_desc, report_length, 7);

/*
 * INITIAL_DEVICE_INFO, H->G.  The report descriptor starts hid_desc.length
 * bytes after hid_desc; the pipe size covers both descriptors.
 */
struct hvis_synthhid_device_info {
	struct hvis_synthhid_msg_hdr header;
	struct hvis_synthhid_dev_info info;
	struct hvis_synthhid_hid_desc hid_desc;
} __packed;
HVIS_SIZE(struct hvis_synthhid_device_info, 49);
HVIS_OFFSET(struct hvis_synthhid_device_info, hid_desc, 40);

/* INITIAL_DEVICE_INFO_ACK, G->H: header.size = 1. */
struct hvis_synthhid_device_info_ack {
	struct hvis_synthhid_msg_hdr header;
	u8 reserved;
} __packed;
HVIS_SIZE(struct hvis_synthhid_device_info_ack, 9);

/* INPUT_REPORT, H->G: header.size bytes of report follow. */
struct hvis_synthhid_input_report {
	struct hvis_synthhid_msg_hdr header;
	u8 buffer[];
} __packed;
HVIS_SIZE(struct hvis_synthhid_input_report, 8);

/* Limits both sides enforce. */
#define HVIS_SYNTHHID_MAX_REPORT_SIZE	16	/* one input report */
#define HVIS_SYNTHHID_MAX_REPORT_DESC	4096	/* HID_MAX_DESCRIPTOR_SIZE */
/* The largest pipe payload either side accepts (device info dominates). */
#define HVIS_SYNTHHID_MAX_MSG_SIZE \
	(sizeof(struct hvis_synthhid_pipe_hdr) + 256 + \
	 HVIS_SYNTHHID_MAX_REPORT_DESC)

/*
 * The validation table: one row per message either side may receive.
 *   HVIS_SYNTHHID_RULE(type, struct, minimum length, minimum version,
 *                      direction)
 * The minimum length counts the synthhid message (header included) and is
 * compared with the pipe size; the rows at version 0 are the only ones
 * allowed before the protocol was approved.
 */
struct hvis_synthhid_rule {
	u32 type;
	u32 min_len;
	u32 min_version;
	u32 dir;
};

#define HVIS_SYNTHHID_RULE(t, s, minlen, minver, d)			\
	{ .type = (t), .min_len = (minlen), .min_version = (minver),	\
	  .dir = (d) }

#define HVIS_SYNTHHID_RULES {						\
	HVIS_SYNTHHID_RULE(HVIS_SYNTHHID_PROTOCOL_REQUEST,		\
		struct hvis_synthhid_protocol_request,			\
		sizeof(struct hvis_synthhid_protocol_request), 0,	\
		HVIS_DIR_G2H),						\
	HVIS_SYNTHHID_RULE(HVIS_SYNTHHID_INITIAL_DEVICE_INFO_ACK,	\
		struct hvis_synthhid_device_info_ack,			\
		sizeof(struct hvis_synthhid_device_info_ack),		\
		HVIS_SYNTHHID_VERSION_2_0, HVIS_DIR_G2H),		\
	HVIS_SYNTHHID_RULE(HVIS_SYNTHHID_PROTOCOL_RESPONSE,		\
		struct hvis_synthhid_protocol_response,			\
		sizeof(struct hvis_synthhid_protocol_response), 0,	\
		HVIS_DIR_H2G),						\
	HVIS_SYNTHHID_RULE(HVIS_SYNTHHID_INITIAL_DEVICE_INFO,		\
		struct hvis_synthhid_device_info,			\
		sizeof(struct hvis_synthhid_device_info),		\
		HVIS_SYNTHHID_VERSION_2_0, HVIS_DIR_H2G),		\
	HVIS_SYNTHHID_RULE(HVIS_SYNTHHID_INPUT_REPORT,			\
		struct hvis_synthhid_input_report,			\
		sizeof(struct hvis_synthhid_input_report),		\
		HVIS_SYNTHHID_VERSION_2_0, HVIS_DIR_H2G),		\
}

#define HVIS_SYNTHHID_ESHORT	(-1)	/* shorter than its row or the pipe */
#define HVIS_SYNTHHID_EUNKNOWN	(-2)	/* no row for this type/direction */
#define HVIS_SYNTHHID_EVERSION	(-3)	/* before the protocol was approved */
#define HVIS_SYNTHHID_EPIPE	(-4)	/* pipe type not PIPE_DATA */
#define HVIS_SYNTHHID_ESIZE	(-5)	/* report header.size overruns or too big */

/*
 * hvis_synthhid_check - validate a received pipe message against the table.
 * @buf, @len: the packet payload (after the VMBus descriptor), a private copy
 * @dir: the direction this side receives (HVIS_DIR_G2H in the host)
 * @version: the approved version, or 0 before PROTOCOL_RESPONSE
 * @msg_len: set to the synthhid message's length (the pipe size) on success
 *
 * The synthhid message starts at @buf + sizeof(struct hvis_synthhid_pipe_hdr)
 * and is @msg_len bytes long.  header.size is not checked here: only
 * INPUT_REPORT's receiver uses it (hvis_synthhid_report_len()), and hosts
 * are not known to fill it consistently in the other messages.  Returns the
 * message type, or a negative HVIS_SYNTHHID_E* reason.
 */
static inline int hvis_synthhid_check(const void *buf, u32 len, int dir,
				      u32 version, u32 *msg_len)
{
	static const struct hvis_synthhid_rule rules[] = HVIS_SYNTHHID_RULES;
	const struct hvis_synthhid_rule *r;
	const struct hvis_synthhid_pipe_hdr *pipe = buf;
	const struct hvis_synthhid_msg_hdr *hdr;
	u32 size;

	if (len < sizeof(*pipe) + sizeof(*hdr))
		return HVIS_SYNTHHID_ESHORT;
	if (pipe->type != HVIS_SYNTHHID_PIPE_DATA)
		return HVIS_SYNTHHID_EPIPE;
	size = pipe->size;
	if (size < sizeof(*hdr) || size > len - sizeof(*pipe))
		return HVIS_SYNTHHID_ESHORT;
	hdr = (const void *)((const u8 *)buf + sizeof(*pipe));
	for (r = rules; r < rules + sizeof(rules) / sizeof(*r); r++) {
		if (r->type != hdr->type || r->dir != (u32)dir)
			continue;
		if (size < r->min_len)
			return HVIS_SYNTHHID_ESHORT;
		if (version < r->min_version)
			return HVIS_SYNTHHID_EVERSION;
		*msg_len = size;
		return (int)hdr->type;
	}
	return HVIS_SYNTHHID_EUNKNOWN;
}

/*
 * hvis_synthhid_report_len - the report length of a checked INPUT_REPORT of
 * @msg_len bytes at @report, or HVIS_SYNTHHID_ESIZE if header.size overruns
 * the message or exceeds HVIS_SYNTHHID_MAX_REPORT_SIZE.
 */
static inline int hvis_synthhid_report_len(const void *report, u32 msg_len)
{
	const struct hvis_synthhid_msg_hdr *hdr = report;

	if (hdr->size > msg_len - sizeof(*hdr) ||
	    hdr->size > HVIS_SYNTHHID_MAX_REPORT_SIZE)
		return HVIS_SYNTHHID_ESIZE;
	return (int)hdr->size;
}

#endif /* HVIS_SYNTHHID_H */
