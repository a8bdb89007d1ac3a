/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * NVSP: the network VSP protocol between netvsc (guest) and netvsp (host)
 * on a VMBus channel of class HVIS_NETVSC_CLASS_GUID.  It carries RNDIS
 * (rndis.h) and the buffers RNDIS travels in.
 *
 * There is no public specification; the facts here follow what Hyper-V
 * hosts and the Linux, FreeBSD and DPDK netvsc drivers exchange.  Every
 * message starts with a u32 type (HVIS_NVSP_*).  Guests send
 * sizeof(struct hvis_nvsp_msg) bytes (Linux) or just the message they mean
 * (FreeBSD, DPDK): a receiver accepts any length that covers the fields
 * it reads.  The exchange, on the primary channel:
 *  - G->H INIT (min = max = one version; the guest walks down from its
 *    highest), completion requested; H->G INIT_COMPLETE in a completion
 *    packet with the same trans_id, status SUCCESS or failure.
 *  - G->H SEND_NDIS_CONFIG (version 2+: MTU, capabilities), no reply.
 *  - G->H SEND_NDIS_VER, no reply.
 *  - G->H SEND_RECV_BUF (a GPADL handle and the id the host uses in its
 *    transfer-page packets), completion requested; H->G
 *    SEND_RECV_BUF_COMPLETE carving the buffer into sections.
 *  - G->H SEND_SEND_BUF (a GPADL handle), completion requested; H->G
 *    SEND_SEND_BUF_COMPLETE with the section size the guest then uses.
 *  - Both ways SEND_RNDIS_PKT, completion requested, answered with
 *    SEND_RNDIS_PKT_COMPLETE.  G->H: the RNDIS message lies in send-buffer
 *    section send_buf_section_index (send_buf_section_size bytes), or, with
 *    index HVIS_NVSP_NO_SECTION, in the page ranges of a GPA-direct packet.
 *    H->G: a transfer-page packet whose ranges are byte ranges of the
 *    receive buffer, one RNDIS message each.
 *  - G->H SUBCHANNEL (version 5+, ALLOCATE n), completion requested; H->G
 *    SUBCHANNEL completion with the number granted; the host then offers
 *    them.
 *  - H->G SEND_INDIRECTION_TABLE (version 5+): which channel the guest
 *    sends each hash bucket on.
 *  - G->H REVOKE_RECV_BUF / REVOKE_SEND_BUF (no reply) before the guest
 *    tears the buffers' GPADLs down.
 */
#ifndef HVIS_NVSP_H
#define HVIS_NVSP_H

#include "types.h"

/* {f8615163-df3e-46c5-913f-f2d2f965ed0e}: the synthetic network adapter. */
#define HVIS_NETVSC_CLASS_GUID_STR	"f8615163-df3e-46c5-913f-f2d2f965ed0e"
#define HVIS_NETVSC_CLASS_GUID \
	HVIS_GUID(0xf8615163, 0xdf3e, 0x46c5, 0x91, 0x3f, \
		  0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e)

/* Protocol versions, in the order guests try them (highest first). */
#define HVIS_NVSP_VERSION_1		0x00002
#define HVIS_NVSP_VERSION_2		0x30002
#define HVIS_NVSP_VERSION_4		0x40000
#define HVIS_NVSP_VERSION_5		0x50000
#define HVIS_NVSP_VERSION_6		0x60000
#define HVIS_NVSP_VERSION_61		0x60001

/* hvis_nvsp_msg.type; "G->H" says which side sends it. */
#define HVIS_NVSP_INIT			1	/* G->H */
#define HVIS_NVSP_INIT_COMPLETE		2	/* H->G */
#define HVIS_NVSP_SEND_NDIS_VER		100	/* G->H */
#define HVIS_NVSP_SEND_RECV_BUF		101	/* G->H */
#define HVIS_NVSP_SEND_RECV_BUF_COMPLETE 102	/* H->G */
#define HVIS_NVSP_REVOKE_RECV_BUF	103	/* G->H */
#define HVIS_NVSP_SEND_SEND_BUF		104	/* G->H */
#define HVIS_NVSP_SEND_SEND_BUF_COMPLETE 105	/* H->G */
#define HVIS_NVSP_REVOKE_SEND_BUF	106	/* G->H */
#define HVIS_NVSP_SEND_RNDIS_PKT	107	/* both */
#define HVIS_NVSP_SEND_RNDIS_PKT_COMPLETE 108	/* both */
#define HVIS_NVSP_SEND_NDIS_CONFIG	125	/* G->H, version 2+ */
#define HVIS_NVSP_SEND_VF_ASSOCIATION	128	/* H->G, version 4+ */
#define HVIS_NVSP_SWITCH_DATA_PATH	129	/* G->H, version 4+ */
#define HVIS_NVSP_SUBCHANNEL		133	/* both, version 5+ */
#define HVIS_NVSP_SEND_INDIRECTION_TABLE 134	/* H->G, version 5+ */

/* Status fields of the *_COMPLETE messages. */
#define HVIS_NVSP_STAT_NONE		0
#define HVIS_NVSP_STAT_SUCCESS		1
#define HVIS_NVSP_STAT_FAIL		2
#define HVIS_NVSP_STAT_TOO_NEW		3
#define HVIS_NVSP_STAT_TOO_OLD		4
#define HVIS_NVSP_STAT_INVALID_RNDIS	5
#define HVIS_NVSP_STAT_BUSY		6
#define HVIS_NVSP_STAT_UNSUPPORTED	7

struct hvis_nvsp_init {
	u32 min_version;
	u32 max_version;
} __packed;
HVIS_SIZE(struct hvis_nvsp_init, 8);

struct hvis_nvsp_init_complete {
	u32 version;		/* the one negotiated */
	u32 max_mdl_chain_len;	/* unused by guests */
	u32 status;		/* HVIS_NVSP_STAT_* */
} __packed;
HVIS_SIZE(struct hvis_nvsp_init_complete, 12);

struct hvis_nvsp_ndis_ver {
	u32 major;
	u32 minor;
} __packed;
HVIS_SIZE(struct hvis_nvsp_ndis_ver, 8);

/* SEND_NDIS_CONFIG.caps bits */
#define HVIS_NVSP_CAP_VMQ		0x01ull
#define HVIS_NVSP_CAP_CHIMNEY		0x02ull
#define HVIS_NVSP_CAP_SRIOV		0x04ull
#define HVIS_NVSP_CAP_IEEE8021Q		0x08ull
#define HVIS_NVSP_CAP_CORRELATION_ID	0x10ull
#define HVIS_NVSP_CAP_TEAMING		0x20ull
#define HVIS_NVSP_CAP_VSUBNETID		0x40ull
#define HVIS_NVSP_CAP_RSC		0x80ull

struct hvis_nvsp_ndis_config {
	u32 mtu;		/* the guest's MTU plus the Ethernet header */
	u32 reserved;
	u64 caps;		/* HVIS_NVSP_CAP_* */
} __packed;
HVIS_SIZE(struct hvis_nvsp_ndis_config, 16);

/* SEND_RECV_BUF.id as Linux sends it; echoed in transfer-page packets. */
#define HVIS_NVSP_RECV_BUF_ID		0xcafe

/* SEND_RECV_BUF and SEND_SEND_BUF (G->H). */
struct hvis_nvsp_buf {
	u32 gpadl;
	u16 id;
} __packed;
HVIS_SIZE(struct hvis_nvsp_buf, 6);

/* One section of the receive buffer: num_sub_allocs slots of one size. */
struct hvis_nvsp_recv_section {
	u32 offset;
	u32 sub_alloc_size;
	u32 num_sub_allocs;
	u32 end_offset;
} __packed;
HVIS_SIZE(struct hvis_nvsp_recv_section, 16);

/* SEND_RECV_BUF_COMPLETE (H->G): guests accept exactly one section at 0. */
struct hvis_nvsp_recv_buf_complete {
	u32 status;
	u32 num_sections;
	struct hvis_nvsp_recv_section section;
} __packed;
HVIS_SIZE(struct hvis_nvsp_recv_buf_complete, 24);

/* SEND_SEND_BUF_COMPLETE (H->G). */
struct hvis_nvsp_send_buf_complete {
	u32 status;
	u32 section_size;	/* the guest splits its buffer in these */
} __packed;
HVIS_SIZE(struct hvis_nvsp_send_buf_complete, 8);

/* REVOKE_RECV_BUF and REVOKE_SEND_BUF (G->H). */
struct hvis_nvsp_revoke {
	u16 id;
} __packed;
HVIS_SIZE(struct hvis_nvsp_revoke, 2);

/* SEND_RNDIS_PKT.channel_type */
#define HVIS_NVSP_RNDIS_DATA		0
#define HVIS_NVSP_RNDIS_CONTROL		1
/* SEND_RNDIS_PKT.section_index: the message is not in the send buffer. */
#define HVIS_NVSP_NO_SECTION		0xffffffffu

struct hvis_nvsp_rndis_pkt {
	u32 channel_type;	/* HVIS_NVSP_RNDIS_* */
	u32 section_index;	/* send-buffer section, or HVIS_NVSP_NO_SECTION */
	u32 section_size;	/* bytes used in that section */
} __packed;
HVIS_SIZE(struct hvis_nvsp_rndis_pkt, 12);

struct hvis_nvsp_rndis_pkt_complete {
	u32 status;		/* HVIS_NVSP_STAT_* */
} __packed;
HVIS_SIZE(struct hvis_nvsp_rndis_pkt_complete, 4);

/* SUBCHANNEL (G->H request) op */
#define HVIS_NVSP_SUBCHANNEL_ALLOCATE	1

struct hvis_nvsp_subchannel_req {
	u32 op;			/* HVIS_NVSP_SUBCHANNEL_ALLOCATE */
	u32 count;		/* sub-channels wanted */
} __packed;
HVIS_SIZE(struct hvis_nvsp_subchannel_req, 8);

struct hvis_nvsp_subchannel_complete {
	u32 status;
	u32 count;		/* sub-channels granted */
} __packed;
HVIS_SIZE(struct hvis_nvsp_subchannel_complete, 8);

/*
 * SEND_INDIRECTION_TABLE (H->G): count u32 channel numbers at byte
 * @offset from the start of the message (its type field).
 */
#define HVIS_NVSP_SEND_TABLE_SIZE	16

struct hvis_nvsp_send_table {
	u32 count;
	u32 offset;
} __packed;
HVIS_SIZE(struct hvis_nvsp_send_table, 8);

/*
 * The fixed-size frame Linux sends and expects: the type and the largest
 * body of any message (36 bytes, set by version 6 messages not used here).
 */
#define HVIS_NVSP_MSG_SIZE		40

struct hvis_nvsp_msg {
	u32 type;		/* HVIS_NVSP_* */
	union {
		struct hvis_nvsp_init init;
		struct hvis_nvsp_init_complete init_complete;
		struct hvis_nvsp_ndis_ver ndis_ver;
		struct hvis_nvsp_ndis_config ndis_config;
		struct hvis_nvsp_buf buf;
		struct hvis_nvsp_recv_buf_complete recv_buf_complete;
		struct hvis_nvsp_send_buf_complete send_buf_complete;
		struct hvis_nvsp_revoke revoke;
		struct hvis_nvsp_rndis_pkt rndis;
		struct hvis_nvsp_rndis_pkt_complete rndis_complete;
		struct hvis_nvsp_subchannel_req subchannel;
		struct hvis_nvsp_subchannel_complete subchannel_complete;
		struct hvis_nvsp_send_table send_table;
		u8 raw[HVIS_NVSP_MSG_SIZE - 4];
	};
} __packed;
HVIS_SIZE(struct hvis_nvsp_msg, HVIS_NVSP_MSG_SIZE);

/* Bytes a message of @body_size must carry: the type plus its body. */
#define HVIS_NVSP_LEN(body_size)	(4u + (u32)(body_size))

#endif
