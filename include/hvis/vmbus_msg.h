/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * VMBus channel messages: the control protocol between the guest's VMBus
 * driver and the host's VMBus server, carried in SynIC messages (host ->
 * guest, SINT 2) and HvPostMessage (guest -> host).
 *
 * Follows the protocol as the Linux in-tree driver (drivers/hv/, 6.1 and
 * 6.12) and the Hyper-V host speak it: message numbering, connection ids,
 * protocol versions 2.4 .. 5.3.  Every message is at most
 * HVIS_MESSAGE_PAYLOAD_SIZE (240) bytes.  Direction notes: G->H is sent by the
 * guest, H->G by the host.
 */
#ifndef HVIS_VMBUS_MSG_H
#define HVIS_VMBUS_MSG_H

#include "types.h"
#include "tlfs.h"

/* Protocol versions, (major << 16) | minor. */
#define HVIS_VMBUS_VERSION(maj, min)	(((u32)(maj) << 16) | (u32)(min))
#define HVIS_VMBUS_VERSION_WS2008	HVIS_VMBUS_VERSION(0, 13)
#define HVIS_VMBUS_VERSION_WIN7		HVIS_VMBUS_VERSION(1, 1)
#define HVIS_VMBUS_VERSION_WIN8		HVIS_VMBUS_VERSION(2, 4)
#define HVIS_VMBUS_VERSION_WIN8_1	HVIS_VMBUS_VERSION(3, 0)
#define HVIS_VMBUS_VERSION_WIN10	HVIS_VMBUS_VERSION(4, 0)
#define HVIS_VMBUS_VERSION_WIN10_V4_1	HVIS_VMBUS_VERSION(4, 1)
#define HVIS_VMBUS_VERSION_WIN10_V5	HVIS_VMBUS_VERSION(5, 0)
#define HVIS_VMBUS_VERSION_WIN10_V5_1	HVIS_VMBUS_VERSION(5, 1)
#define HVIS_VMBUS_VERSION_WIN10_V5_2	HVIS_VMBUS_VERSION(5, 2)
#define HVIS_VMBUS_VERSION_WIN10_V5_3	HVIS_VMBUS_VERSION(5, 3)
#define HVIS_VMBUS_VERSION_MAJOR(v)	((v) >> 16)
#define HVIS_VMBUS_VERSION_MINOR(v)	((v) & 0xffff)

/*
 * Connection ids.  INITIATE_CONTACT for versions >= 5.0 goes to id 4; all
 * later messages go to the msg_conn_id the host returns.  Older versions use
 * id 1 throughout.  Id 2 is the pre-2.4 shared event connection.
 */
#define HVIS_VMBUS_MESSAGE_CONNECTION_ID	1
#define HVIS_VMBUS_EVENT_CONNECTION_ID		2
#define HVIS_VMBUS_MONITOR_CONNECTION_ID	3
#define HVIS_VMBUS_MESSAGE_CONNECTION_ID_4	4

/* Channel message types (u32 on the wire; the peer may send any value). */
#define HVIS_CHMSG_INVALID			0
#define HVIS_CHMSG_OFFERCHANNEL			1	/* H->G */
#define HVIS_CHMSG_RESCIND_CHANNELOFFER		2	/* H->G */
#define HVIS_CHMSG_REQUESTOFFERS		3	/* G->H */
#define HVIS_CHMSG_ALLOFFERS_DELIVERED		4	/* H->G */
#define HVIS_CHMSG_OPENCHANNEL			5	/* G->H */
#define HVIS_CHMSG_OPENCHANNEL_RESULT		6	/* H->G */
#define HVIS_CHMSG_CLOSECHANNEL			7	/* G->H */
#define HVIS_CHMSG_GPADL_HEADER			8	/* G->H */
#define HVIS_CHMSG_GPADL_BODY			9	/* G->H */
#define HVIS_CHMSG_GPADL_CREATED		10	/* H->G */
#define HVIS_CHMSG_GPADL_TEARDOWN		11	/* G->H */
#define HVIS_CHMSG_GPADL_TORNDOWN		12	/* H->G */
#define HVIS_CHMSG_RELID_RELEASED		13	/* G->H */
#define HVIS_CHMSG_INITIATE_CONTACT		14	/* G->H */
#define HVIS_CHMSG_VERSION_RESPONSE		15	/* H->G */
#define HVIS_CHMSG_UNLOAD			16	/* G->H */
#define HVIS_CHMSG_UNLOAD_RESPONSE		17	/* H->G */
#define HVIS_CHMSG_TL_CONNECT_REQUEST		21	/* G->H */
#define HVIS_CHMSG_MODIFYCHANNEL		22	/* G->H */
#define HVIS_CHMSG_TL_CONNECT_RESULT		23	/* H->G */
#define HVIS_CHMSG_MODIFYCHANNEL_RESPONSE	24	/* H->G */
#define HVIS_CHMSG_COUNT			25

/* Relids are 1..2047: a relid is also a bit in the 2048-bit event flags. */
#define HVIS_VMBUS_MAX_RELID		(HVIS_EVENT_FLAGS_BITS - 1)

struct hvis_chmsg_header {
	u32 msgtype;
	u32 padding;
} __packed;
HVIS_SIZE(struct hvis_chmsg_header, 8);

#define HVIS_OFFER_USER_DEFINED_BYTES		120
#define HVIS_OFFER_PIPE_USER_DEFINED_BYTES	116

/* Offer flags (chn_flags). */
#define HVIS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE	0x0001
#define HVIS_OFFER_FLAG_SERVER_TRANSFER_PAGES		0x0002
#define HVIS_OFFER_FLAG_SERVER_GPADLS			0x0004
#define HVIS_OFFER_FLAG_NAMED_PIPE_MODE			0x0010
#define HVIS_OFFER_FLAG_LOOPBACK			0x0100
#define HVIS_OFFER_FLAG_PARENT				0x0200
#define HVIS_OFFER_FLAG_REQUEST_MONITORED		0x0400
#define HVIS_OFFER_FLAG_TLNPI_PROVIDER			0x2000

struct hvis_channel_offer {
	struct hvis_guid if_type;	/* device class */
	struct hvis_guid if_instance;	/* this device */
	u64 reserved1;
	u64 reserved2;
	u16 chn_flags;
	u16 mmio_megabytes;
	u8 user_def[HVIS_OFFER_USER_DEFINED_BYTES];	/* pipe: u32 mode + 116 */
	u16 sub_channel_index;
	u16 reserved3;
} __packed;
HVIS_SIZE(struct hvis_channel_offer, 176);

/* OFFERCHANNEL, H->G. */
#define HVIS_OFFER_MONITOR_ALLOCATED	0x01	/* in monitor_flags */
#define HVIS_OFFER_DEDICATED_INTERRUPT	0x0001	/* in interrupt_flags */
struct hvis_chmsg_offer {
	struct hvis_chmsg_header header;
	struct hvis_channel_offer offer;
	u32 child_relid;
	u8 monitor_id;
	u8 monitor_flags;
	u16 interrupt_flags;
	u32 connection_id;
} __packed;
HVIS_SIZE(struct hvis_chmsg_offer, 196);
HVIS_OFFSET(struct hvis_chmsg_offer, child_relid, 184);

/* RESCIND_CHANNELOFFER, H->G; CLOSECHANNEL and RELID_RELEASED, G->H. */
struct hvis_chmsg_relid {
	struct hvis_chmsg_header header;
	u32 child_relid;
} __packed;
HVIS_SIZE(struct hvis_chmsg_relid, 12);

/* OPENCHANNEL, G->H. */
struct hvis_chmsg_open {
	struct hvis_chmsg_header header;
	u32 child_relid;
	u32 open_id;
	u32 ring_gpadl;
	u32 target_vp;
	u32 downstream_page_offset;	/* host->guest ring starts here, in pages */
	u8 user_data[HVIS_OFFER_USER_DEFINED_BYTES];
} __packed;
HVIS_SIZE(struct hvis_chmsg_open, 148);

/* OPENCHANNEL_RESULT, H->G; status 0 is success. */
struct hvis_chmsg_open_result {
	struct hvis_chmsg_header header;
	u32 child_relid;
	u32 open_id;
	u32 status;
} __packed;
HVIS_SIZE(struct hvis_chmsg_open_result, 20);

/* A range of guest pages: byte_offset into the first page, byte_count long. */
struct hvis_gpa_range {
	u32 byte_count;
	u32 byte_offset;
	u64 pfn[];
} __packed;
HVIS_SIZE(struct hvis_gpa_range, 8);

/*
 * GPADL_HEADER, G->H: range_buflen bytes of hvis_gpa_range follow, of which
 * the PFNs that fit in this message are here and the rest come in
 * GPADL_BODY messages with the same gpadl handle.
 */
struct hvis_chmsg_gpadl_header {
	struct hvis_chmsg_header header;
	u32 child_relid;
	u32 gpadl;
	u16 range_buflen;
	u16 range_count;
	struct hvis_gpa_range range[];
} __packed;
HVIS_SIZE(struct hvis_chmsg_gpadl_header, 20);

/* GPADL_BODY, G->H. */
struct hvis_chmsg_gpadl_body {
	struct hvis_chmsg_header header;
	u32 msg_number;
	u32 gpadl;
	u64 pfn[];
} __packed;
HVIS_SIZE(struct hvis_chmsg_gpadl_body, 16);

#define HVIS_GPADL_HEADER_MAX_PFNS \
	((HVIS_MESSAGE_PAYLOAD_SIZE - sizeof(struct hvis_chmsg_gpadl_header) - \
	  sizeof(struct hvis_gpa_range)) / sizeof(u64))
#define HVIS_GPADL_BODY_MAX_PFNS \
	((HVIS_MESSAGE_PAYLOAD_SIZE - sizeof(struct hvis_chmsg_gpadl_body)) / \
	 sizeof(u64))

/* GPADL_CREATED, H->G; creation_status 0 is success. */
struct hvis_chmsg_gpadl_created {
	struct hvis_chmsg_header header;
	u32 child_relid;
	u32 gpadl;
	u32 creation_status;
} __packed;
HVIS_SIZE(struct hvis_chmsg_gpadl_created, 20);

/* GPADL_TEARDOWN, G->H. */
struct hvis_chmsg_gpadl_teardown {
	struct hvis_chmsg_header header;
	u32 child_relid;
	u32 gpadl;
} __packed;
HVIS_SIZE(struct hvis_chmsg_gpadl_teardown, 16);

/* GPADL_TORNDOWN, H->G. */
struct hvis_chmsg_gpadl_torndown {
	struct hvis_chmsg_header header;
	u32 gpadl;
} __packed;
HVIS_SIZE(struct hvis_chmsg_gpadl_torndown, 12);

/*
 * INITIATE_CONTACT, G->H.  For versions < 5.0 the 8 bytes after target_vcpu
 * are the GPA of the pre-2.4 interrupt page; from 5.0 they are msg_sint
 * (the SINT the host posts to) and, on 6.12, msg_vtl.
 */
struct hvis_chmsg_initiate_contact {
	struct hvis_chmsg_header header;
	u32 version_requested;
	u32 target_vcpu;
	union {
		u64 interrupt_page;
		struct {
			u8 msg_sint;
			u8 msg_vtl;
			u8 reserved[6];
		} __packed;
	};
	u64 monitor_page1;	/* host -> guest */
	u64 monitor_page2;	/* guest -> host: the one the host polls */
} __packed;
HVIS_SIZE(struct hvis_chmsg_initiate_contact, 40);

/* VERSION_RESPONSE, H->G. */
struct hvis_chmsg_version_response {
	struct hvis_chmsg_header header;
	u8 version_supported;
	u8 connection_state;
	u16 padding;
	u32 msg_conn_id;
} __packed;
HVIS_SIZE(struct hvis_chmsg_version_response, 16);

/* TL_CONNECT_REQUEST, G->H (hv_sock). */
struct hvis_chmsg_tl_connect_request {
	struct hvis_chmsg_header header;
	struct hvis_guid guest_endpoint_id;
	struct hvis_guid host_service_id;
} __packed;
HVIS_SIZE(struct hvis_chmsg_tl_connect_request, 40);

/* TL_CONNECT_RESULT, H->G. */
struct hvis_chmsg_tl_connect_result {
	struct hvis_chmsg_header header;
	struct hvis_guid guest_endpoint_id;
	struct hvis_guid host_service_id;
	u32 status;
} __packed;
HVIS_SIZE(struct hvis_chmsg_tl_connect_result, 44);

/* MODIFYCHANNEL, G->H (>= 4.1). */
struct hvis_chmsg_modifychannel {
	struct hvis_chmsg_header header;
	u32 child_relid;
	u32 target_vp;
} __packed;
HVIS_SIZE(struct hvis_chmsg_modifychannel, 16);

/* MODIFYCHANNEL_RESPONSE, H->G (>= 5.3). */
struct hvis_chmsg_modifychannel_response {
	struct hvis_chmsg_header header;
	u32 child_relid;
	u32 status;
} __packed;
HVIS_SIZE(struct hvis_chmsg_modifychannel_response, 16);

/*
 * The validation table: one row per message either side may receive.
 *   HVIS_CHMSG_RULE(type, struct, minimum length, minimum version, direction)
 * direction is HVIS_DIR_H2G or HVIS_DIR_G2H (types.h): who sends it.  A receiver drops
 * (and logs) a message whose type has no row for its direction, that is
 * shorter than the minimum, or that arrives before the version allows it.
 * Variable-length messages (GPADL header/body) are checked further by their
 * handlers against the counts they carry.
 */
struct hvis_chmsg_rule {
	u32 type;
	u32 min_len;
	u32 min_version;
	u32 dir;
};

/* The struct column documents the row; min_len is what is enforced. */
#define HVIS_CHMSG_RULE_COUNT(a)	(sizeof(a) / sizeof((a)[0]))
#define HVIS_CHMSG_RULE(t, s, minlen, minver, d)			\
	{ .type = (t), .min_len = (minlen), .min_version = (minver),	\
	  .dir = (d) }

#define HVIS_CHMSG_RULES {						\
	HVIS_CHMSG_RULE(HVIS_CHMSG_OFFERCHANNEL,			\
		struct hvis_chmsg_offer,				\
		sizeof(struct hvis_chmsg_offer),			\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_H2G),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_RESCIND_CHANNELOFFER,		\
		struct hvis_chmsg_relid,				\
		sizeof(struct hvis_chmsg_relid),			\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_H2G),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_REQUESTOFFERS,			\
		struct hvis_chmsg_header,				\
		sizeof(struct hvis_chmsg_header),			\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_ALLOFFERS_DELIVERED,			\
		struct hvis_chmsg_header,				\
		sizeof(struct hvis_chmsg_header),			\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_H2G),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_OPENCHANNEL,				\
		struct hvis_chmsg_open,					\
		sizeof(struct hvis_chmsg_open),				\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_OPENCHANNEL_RESULT,			\
		struct hvis_chmsg_open_result,				\
		sizeof(struct hvis_chmsg_open_result),			\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_H2G),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_CLOSECHANNEL,			\
		struct hvis_chmsg_relid,				\
		sizeof(struct hvis_chmsg_relid),			\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_GPADL_HEADER,			\
		struct hvis_chmsg_gpadl_header,				\
		sizeof(struct hvis_chmsg_gpadl_header) + sizeof(struct hvis_gpa_range), \
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_GPADL_BODY,				\
		struct hvis_chmsg_gpadl_body,				\
		sizeof(struct hvis_chmsg_gpadl_body),			\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_GPADL_CREATED,			\
		struct hvis_chmsg_gpadl_created,			\
		sizeof(struct hvis_chmsg_gpadl_created),		\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_H2G),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_GPADL_TEARDOWN,			\
		struct hvis_chmsg_gpadl_teardown,			\
		sizeof(struct hvis_chmsg_gpadl_teardown),		\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_GPADL_TORNDOWN,			\
		struct hvis_chmsg_gpadl_torndown,			\
		sizeof(struct hvis_chmsg_gpadl_torndown),		\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_H2G),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_RELID_RELEASED,			\
		struct hvis_chmsg_relid,				\
		sizeof(struct hvis_chmsg_relid),			\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_INITIATE_CONTACT,			\
		struct hvis_chmsg_initiate_contact,			\
		sizeof(struct hvis_chmsg_initiate_contact),		\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_VERSION_RESPONSE,			\
		struct hvis_chmsg_version_response,			\
		offsetof(struct hvis_chmsg_version_response, msg_conn_id), \
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_H2G),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_UNLOAD,				\
		struct hvis_chmsg_header,				\
		sizeof(struct hvis_chmsg_header),			\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_UNLOAD_RESPONSE,			\
		struct hvis_chmsg_header,				\
		sizeof(struct hvis_chmsg_header),			\
		HVIS_VMBUS_VERSION_WS2008, HVIS_DIR_H2G),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_TL_CONNECT_REQUEST,			\
		struct hvis_chmsg_tl_connect_request,			\
		sizeof(struct hvis_chmsg_tl_connect_request),		\
		HVIS_VMBUS_VERSION_WIN10, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_MODIFYCHANNEL,			\
		struct hvis_chmsg_modifychannel,			\
		sizeof(struct hvis_chmsg_modifychannel),		\
		HVIS_VMBUS_VERSION_WIN10_V4_1, HVIS_DIR_G2H),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_TL_CONNECT_RESULT,			\
		struct hvis_chmsg_tl_connect_result,			\
		sizeof(struct hvis_chmsg_tl_connect_result),		\
		HVIS_VMBUS_VERSION_WIN10, HVIS_DIR_H2G),		\
	HVIS_CHMSG_RULE(HVIS_CHMSG_MODIFYCHANNEL_RESPONSE,		\
		struct hvis_chmsg_modifychannel_response,		\
		sizeof(struct hvis_chmsg_modifychannel_response),	\
		HVIS_VMBUS_VERSION_WIN10_V5_3, HVIS_DIR_H2G),		\
}

/*
 * hvis_chmsg_check - validate a received channel message against the table.
 * @buf, @len: the message as copied out of the slot (len <= 240)
 * @dir: the direction this side receives (HVIS_DIR_H2G in the guest)
 * @version: negotiated version, or 0 before negotiation: then only the
 *	     messages that set a connection up or tear it down are accepted
 *	     (INITIATE_CONTACT, VERSION_RESPONSE, UNLOAD, UNLOAD_RESPONSE;
 *	     a host takes UNLOAD from a guest that lost track of its
 *	     connection, e.g. a kdump kernel)
 *
 * Returns the message type, or a negative HVIS_CHMSG_E* reason.
 */
#define HVIS_CHMSG_ESHORT	(-1)	/* shorter than a header or its row */
#define HVIS_CHMSG_EUNKNOWN	(-2)	/* no row for this type/direction */
#define HVIS_CHMSG_EVERSION	(-3)	/* not valid at this version */

static inline int hvis_chmsg_is_setup(u32 type)
{
	return type == HVIS_CHMSG_INITIATE_CONTACT ||
	       type == HVIS_CHMSG_VERSION_RESPONSE ||
	       type == HVIS_CHMSG_UNLOAD ||
	       type == HVIS_CHMSG_UNLOAD_RESPONSE;
}

static inline int hvis_chmsg_check(const void *buf, u32 len, int dir,
				   u32 version)
{
	static const struct hvis_chmsg_rule rules[] = HVIS_CHMSG_RULES;
	const struct hvis_chmsg_rule *r;
	u32 type;

	if (len < sizeof(struct hvis_chmsg_header) ||
	    len > HVIS_MESSAGE_PAYLOAD_SIZE)
		return HVIS_CHMSG_ESHORT;
	type = ((const struct hvis_chmsg_header *)buf)->msgtype;
	for (r = rules; r < rules + HVIS_CHMSG_RULE_COUNT(rules); r++) {
		if (r->type != type || r->dir != (u32)dir)
			continue;
		if (len < r->min_len)
			return HVIS_CHMSG_ESHORT;
		if (version ? version < r->min_version :
		    !hvis_chmsg_is_setup(type))
			return HVIS_CHMSG_EVERSION;
		return (int)type;
	}
	return HVIS_CHMSG_EUNKNOWN;
}

#endif /* HVIS_VMBUS_MSG_H */
