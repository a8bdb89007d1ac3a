/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * VSTOR: the synthetic SCSI protocol between storvsc (guest) and storvsp
 * (host) on a VMBus channel of class HVIS_VSTOR_SCSI_CLASS_GUID.
 *
 * There is no public specification; the facts here follow what Hyper-V
 * hosts and the Linux and FreeBSD storvsc drivers exchange.  Every message
 * is one struct hvis_vstor_packet of HVIS_VSTOR_PACKET_SIZE bytes:
 *  - G->H, inband, completion requested: BEGIN_INITIALIZATION,
 *    QUERY_PROTOCOL_VERSION, QUERY_PROPERTIES, END_INITIALIZATION,
 *    CREATE_SUB_CHANNELS, RESET_LUN/ADAPTER/BUS; the host answers each
 *    with COMPLETE_IO carrying the same trans_id and a status.
 *  - G->H EXECUTE_SRB: inband when no data moves, else
 *    VM_PKT_DATA_USING_GPA_DIRECT with one multi-page range (the data
 *    buffer); the host answers COMPLETE_IO with the same trans_id and the
 *    SRB updated (statuses, sense, bytes moved).
 *  - H->G unsolicited, trans_id 0: ENUMERATE_BUS and REMOVE_DEVICE ask the
 *    guest to rescan the controller.
 * Sub-channels: after END_INITIALIZATION a guest that saw
 * HVIS_VSTOR_PROP_MULTI_CHANNEL asks for up to max_channel_cnt of them;
 * SRBs may then travel on any of the device's channels, each completion on
 * the channel its request came on.
 */
#ifndef HVIS_VSTOR_H
#define HVIS_VSTOR_H

#include "types.h"

/* {ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}: the synthetic SCSI controller. */
#define HVIS_VSTOR_SCSI_CLASS_GUID_STR	"ba6163d9-04a1-4d29-b605-72e2ffb1dc7f"
#define HVIS_VSTOR_SCSI_CLASS_GUID \
	HVIS_GUID(0xba6163d9, 0x04a1, 0x4d29, 0xb6, 0x05, \
		  0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f)
/* {32412632-86cb-44a2-9b5c-50d1417354f5}: the accelerated IDE controller. */
#define HVIS_VSTOR_IDE_CLASS_GUID_STR	"32412632-86cb-44a2-9b5c-50d1417354f5"
#define HVIS_VSTOR_IDE_CLASS_GUID \
	HVIS_GUID(0x32412632, 0x86cb, 0x44a2, 0x9b, 0x5c, \
		  0x50, 0xd1, 0x41, 0x73, 0x54, 0xf5)

/* Protocol versions: major in the high byte, minor in the low byte. */
#define HVIS_VSTOR_VERSION(major, minor)	((u16)(((major) << 8) | (minor)))
#define HVIS_VSTOR_VERSION_WIN6		HVIS_VSTOR_VERSION(2, 0)
#define HVIS_VSTOR_VERSION_WIN7		HVIS_VSTOR_VERSION(4, 2)
#define HVIS_VSTOR_VERSION_WIN8		HVIS_VSTOR_VERSION(5, 1)
#define HVIS_VSTOR_VERSION_WIN8_1	HVIS_VSTOR_VERSION(6, 0)
#define HVIS_VSTOR_VERSION_WIN10	HVIS_VSTOR_VERSION(6, 2)

/* hvis_vstor_packet.operation */
#define HVIS_VSTOR_OP_COMPLETE_IO		1	/* H->G reply */
#define HVIS_VSTOR_OP_REMOVE_DEVICE		2	/* H->G note */
#define HVIS_VSTOR_OP_EXECUTE_SRB		3	/* G->H request */
#define HVIS_VSTOR_OP_RESET_LUN			4	/* G->H request */
#define HVIS_VSTOR_OP_RESET_ADAPTER		5	/* G->H request */
#define HVIS_VSTOR_OP_RESET_BUS			6	/* G->H request */
#define HVIS_VSTOR_OP_BEGIN_INITIALIZATION	7	/* G->H request */
#define HVIS_VSTOR_OP_END_INITIALIZATION	8	/* G->H request */
#define HVIS_VSTOR_OP_QUERY_PROTOCOL_VERSION	9	/* G->H request */
#define HVIS_VSTOR_OP_QUERY_PROPERTIES		10	/* G->H request */
#define HVIS_VSTOR_OP_ENUMERATE_BUS		11	/* H->G note */
#define HVIS_VSTOR_OP_FCHBA_DATA		12	/* G->H / H->G, FC only */
#define HVIS_VSTOR_OP_CREATE_SUB_CHANNELS	13	/* G->H request */

/* hvis_vstor_packet.flags */
#define HVIS_VSTOR_FLAG_REQUEST_COMPLETION	0x1

/* hvis_vstor_packet.status: NT status codes, 0 = success. */
#define HVIS_VSTOR_STATUS_SUCCESS		0x00000000u
#define HVIS_VSTOR_STATUS_INVALID_PARAMETER	0xc000000du
#define HVIS_VSTOR_STATUS_REVISION_MISMATCH	0xc0000059u
#define HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE	0xc0000184u

/* SRB: the CDB, sense and data-direction fields of one SCSI command. */
#define HVIS_VSTOR_CDB_MAX		16
#define HVIS_VSTOR_SENSE_MAX		20	/* sense_data bytes since WIN8 */

/* hvis_vstor_srb.srb_status: code in the low 6 bits, two flag bits above. */
#define HVIS_SRB_STATUS_SUCCESS			0x01
#define HVIS_SRB_STATUS_ABORTED			0x02
#define HVIS_SRB_STATUS_ERROR			0x04
#define HVIS_SRB_STATUS_INVALID_REQUEST		0x06
#define HVIS_SRB_STATUS_TIMEOUT			0x09
#define HVIS_SRB_STATUS_SELECTION_TIMEOUT	0x0a
#define HVIS_SRB_STATUS_BUS_RESET		0x0e
#define HVIS_SRB_STATUS_DATA_OVERRUN		0x12
#define HVIS_SRB_STATUS_INVALID_LUN		0x20
#define HVIS_SRB_STATUS_INTERNAL_ERROR		0x30
#define HVIS_SRB_STATUS_QUEUE_FROZEN		0x40
#define HVIS_SRB_STATUS_AUTOSENSE_VALID		0x80
#define HVIS_SRB_STATUS_CODE(s)			((s) & 0x3f)

/* hvis_vstor_srb.data_in */
#define HVIS_SRB_DATA_OUT		0	/* write: guest memory to device */
#define HVIS_SRB_DATA_IN		1	/* read: device to guest memory */
#define HVIS_SRB_DATA_UNKNOWN		2	/* no data phase */

/* hvis_vstor_srb.srb_flags (those a guest sets; the rest are host-private). */
#define HVIS_SRB_FLAGS_QUEUE_ACTION_ENABLE	0x00000002
#define HVIS_SRB_FLAGS_DISABLE_SYNCH_TRANSFER	0x00000008
#define HVIS_SRB_FLAGS_DISABLE_AUTOSENSE	0x00000020
#define HVIS_SRB_FLAGS_DATA_IN			0x00000040
#define HVIS_SRB_FLAGS_DATA_OUT			0x00000080
#define HVIS_SRB_FLAGS_NO_QUEUE_FREEZE		0x00000100

/* hvis_vstor_srb.queue_tag and queue_action */
#define HVIS_SRB_QUEUE_TAG_UNTAGGED	0xff
#define HVIS_SRB_SIMPLE_TAG_REQUEST	0x20

/*
 * One SCSI request (G->H) and, rewritten in place, its completion (H->G).
 * The CDB and the sense data share their bytes: the request carries the
 * CDB, the completion the sense.  The last 16 bytes are the WIN8 extension,
 * which every version this header names at or above WIN8 carries.
 */
struct hvis_vstor_srb {
	u16 length;		/* sizeof(struct hvis_vstor_srb) */
	u8 srb_status;		/* H->G: HVIS_SRB_STATUS_* */
	u8 scsi_status;		/* H->G: SAM status (0 good, 2 check condition) */
	u8 port_number;
	u8 path_id;		/* the guest's SCSI channel */
	u8 target_id;
	u8 lun;
	u8 cdb_length;		/* G->H: 1 .. HVIS_VSTOR_CDB_MAX */
	u8 sense_info_length;	/* G->H: room; H->G: sense bytes valid */
	u8 data_in;		/* HVIS_SRB_DATA_* */
	u8 reserved;
	u32 data_transfer_length;	/* G->H: buffer; H->G: bytes moved */
	union {
		u8 cdb[HVIS_VSTOR_CDB_MAX];
		u8 sense_data[HVIS_VSTOR_SENSE_MAX];
	};
	/* WIN8 extension */
	u16 reserve;
	u8 queue_tag;
	u8 queue_action;
	u32 srb_flags;		/* HVIS_SRB_FLAGS_* */
	u32 time_out_value;	/* seconds */
	u32 queue_sort_key;
} __packed;
HVIS_SIZE(struct hvis_vstor_srb, 52);
HVIS_OFFSET(struct hvis_vstor_srb, data_transfer_length, 12);
HVIS_OFFSET(struct hvis_vstor_srb, cdb, 16);
HVIS_OFFSET(struct hvis_vstor_srb, srb_flags, 40);

/* QUERY_PROPERTIES reply: what the controller can do. */
#define HVIS_VSTOR_PROP_MULTI_CHANNEL	0x1	/* sub-channels may be requested */

struct hvis_vstor_properties {
	u32 reserved;
	u16 max_channel_cnt;	/* sub-channels the guest may ask for */
	u16 reserved1;
	u32 flags;		/* HVIS_VSTOR_PROP_* */
	u32 max_transfer_bytes;	/* largest data_transfer_length accepted */
	u64 reserved2;
} __packed;
HVIS_SIZE(struct hvis_vstor_properties, 24);

/* QUERY_PROTOCOL_VERSION request (G->H). */
struct hvis_vstor_version {
	u16 major_minor;	/* HVIS_VSTOR_VERSION() */
	u16 revision;		/* unused: 0 */
} __packed;
HVIS_SIZE(struct hvis_vstor_version, 4);

/* FCHBA_DATA: the world-wide names of a Fibre Channel controller. */
struct hvis_vstor_fc_wwn {
	u8 primary_active;
	u8 reserved1[3];
	u8 primary_port_wwn[8];
	u8 primary_node_wwn[8];
	u8 secondary_port_wwn[8];
	u8 secondary_node_wwn[8];
} __packed;
HVIS_SIZE(struct hvis_vstor_fc_wwn, 36);

#define HVIS_VSTOR_PAYLOAD_SIZE		52

struct hvis_vstor_packet {
	u32 operation;		/* HVIS_VSTOR_OP_* */
	u32 flags;		/* HVIS_VSTOR_FLAG_* */
	u32 status;		/* H->G: HVIS_VSTOR_STATUS_* */
	union {
		struct hvis_vstor_srb srb;			/* EXECUTE_SRB, COMPLETE_IO */
		struct hvis_vstor_properties properties;	/* QUERY_PROPERTIES */
		struct hvis_vstor_version version;		/* QUERY_PROTOCOL_VERSION */
		struct hvis_vstor_fc_wwn wwn;			/* FCHBA_DATA */
		u16 sub_channel_count;				/* CREATE_SUB_CHANNELS */
		u8 payload[HVIS_VSTOR_PAYLOAD_SIZE];
	};
} __packed;
#define HVIS_VSTOR_PACKET_SIZE		64
HVIS_SIZE(struct hvis_vstor_packet, HVIS_VSTOR_PACKET_SIZE);
HVIS_OFFSET(struct hvis_vstor_packet, srb, 12);

/*
 * Unsolicited host notes need only the operation; a guest accepts anything
 * from this length up for trans_id 0.
 */
#define HVIS_VSTOR_NOTE_MIN_SIZE	4

/* Limits hvcore offers and hvis's storvsc assumes when the host says less. */
#define HVIS_VSTOR_MAX_TRANSFER_DEFAULT	(2u << 20)
#define HVIS_VSTOR_MAX_SUB_CHANNELS	16

/*
 * The validation table: one row per operation either side may receive.
 *   HVIS_VSTOR_RULE(operation, payload struct, minimum length,
 *                   minimum version, direction)
 * The minimum length counts the whole packet.  A receiver fails (G->H) or
 * drops (H->G) a packet whose operation has no row for its direction, that
 * is shorter than its row, or that needs a newer version than negotiated
 * (0 before QUERY_PROTOCOL_VERSION succeeded: only the rows at version 0).
 */
struct hvis_vstor_rule {
	u32 operation;
	u32 min_len;
	u32 min_version;
	u32 dir;
};

#define HVIS_VSTOR_RULE(op, s, minlen, minver, d)			\
	{ .operation = (op), .min_len = (minlen),			\
	  .min_version = (minver), .dir = (d) }

#define HVIS_VSTOR_RULES {						\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_BEGIN_INITIALIZATION, void,	\
		HVIS_VSTOR_PACKET_SIZE, 0, HVIS_DIR_G2H),		\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_QUERY_PROTOCOL_VERSION,		\
		struct hvis_vstor_version, HVIS_VSTOR_PACKET_SIZE, 0,	\
		HVIS_DIR_G2H),						\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_QUERY_PROPERTIES,			\
		struct hvis_vstor_properties, HVIS_VSTOR_PACKET_SIZE,	\
		HVIS_VSTOR_VERSION_WIN8, HVIS_DIR_G2H),			\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_END_INITIALIZATION, void,		\
		HVIS_VSTOR_PACKET_SIZE, HVIS_VSTOR_VERSION_WIN8,	\
		HVIS_DIR_G2H),						\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_CREATE_SUB_CHANNELS, u16,		\
		HVIS_VSTOR_PACKET_SIZE, HVIS_VSTOR_VERSION_WIN8,	\
		HVIS_DIR_G2H),						\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_EXECUTE_SRB,			\
		struct hvis_vstor_srb, HVIS_VSTOR_PACKET_SIZE,		\
		HVIS_VSTOR_VERSION_WIN8, HVIS_DIR_G2H),			\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_RESET_LUN, struct hvis_vstor_srb,	\
		HVIS_VSTOR_PACKET_SIZE, HVIS_VSTOR_VERSION_WIN8,	\
		HVIS_DIR_G2H),						\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_RESET_ADAPTER, void,		\
		HVIS_VSTOR_PACKET_SIZE, HVIS_VSTOR_VERSION_WIN8,	\
		HVIS_DIR_G2H),						\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_RESET_BUS, void,			\
		HVIS_VSTOR_PACKET_SIZE, HVIS_VSTOR_VERSION_WIN8,	\
		HVIS_DIR_G2H),						\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_COMPLETE_IO, struct hvis_vstor_srb, \
		HVIS_VSTOR_PACKET_SIZE, 0, HVIS_DIR_H2G),		\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_ENUMERATE_BUS, void,		\
		HVIS_VSTOR_NOTE_MIN_SIZE, 0, HVIS_DIR_H2G),		\
	HVIS_VSTOR_RULE(HVIS_VSTOR_OP_REMOVE_DEVICE, void,		\
		HVIS_VSTOR_NOTE_MIN_SIZE, 0, HVIS_DIR_H2G),		\
}

#define HVIS_VSTOR_ESHORT	(-1)	/* shorter than its row */
#define HVIS_VSTOR_EUNKNOWN	(-2)	/* no row for this operation/direction */
#define HVIS_VSTOR_EVERSION	(-3)	/* needs a newer version */

/*
 * hvis_vstor_check - validate a received packet against the table.
 * @buf, @len: the packet payload (after the VMBus descriptor), a private copy
 * @dir: the direction this side receives (HVIS_DIR_G2H in the host)
 * @version: negotiated HVIS_VSTOR_VERSION_*, or 0 before negotiation
 *
 * Returns the operation, or a negative HVIS_VSTOR_E* reason.
 */
static inline int hvis_vstor_check(const void *buf, u32 len, int dir,
				   u32 version)
{
	static const struct hvis_vstor_rule rules[] = HVIS_VSTOR_RULES;
	const struct hvis_vstor_rule *r;
	u32 op;

	if (len < HVIS_VSTOR_NOTE_MIN_SIZE)
		return HVIS_VSTOR_ESHORT;
	op = *(const u32 *)buf;
	for (r = rules; r < rules + sizeof(rules) / sizeof(rules[0]); r++) {
		if (r->operation != op || r->dir != (u32)dir)
			continue;
		if (len < r->min_len)
			return HVIS_VSTOR_ESHORT;
		if (version < r->min_version)
			return HVIS_VSTOR_EVERSION;
		return (int)op;
	}
	return HVIS_VSTOR_EUNKNOWN;
}

#endif /* HVIS_VSTOR_H */
