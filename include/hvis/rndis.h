/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * RNDIS as netvsc and netvsp speak it inside NVSP SEND_RNDIS_PKT messages
 * (nvsp.h): Microsoft's Remote NDIS, the control and data protocol of an
 * NDIS miniport, carried over VMBus instead of USB.
 *
 * Every message starts with struct hvis_rndis_header whose len counts the
 * whole message.  Offsets inside a message body count from the start of
 * the body (the field after len), never from the header.
 *  - G->H INIT / QUERY / SET / KEEPALIVE / HALT, each with a request id
 *    the reply (INIT_C, QUERY_C, SET_C, KEEPALIVE_C) echoes; HALT has none.
 *  - H->G INDICATE: link and other status changes, unsolicited.
 *  - Both ways PACKET: one Ethernet frame at data_offset, with per-packet
 *    info (PPI: checksum, LSO, VLAN, hash) at ppi_offset.
 */
#ifndef HVIS_RNDIS_H
#define HVIS_RNDIS_H

#include "types.h"

#define HVIS_RNDIS_MAJOR_VERSION	1
#define HVIS_RNDIS_MINOR_VERSION	0

/* hvis_rndis_header.type */
#define HVIS_RNDIS_COMPLETION		0x80000000u
#define HVIS_RNDIS_PACKET		0x00000001u	/* both */
#define HVIS_RNDIS_INIT			0x00000002u	/* G->H */
#define HVIS_RNDIS_HALT			0x00000003u	/* G->H */
#define HVIS_RNDIS_QUERY		0x00000004u	/* G->H */
#define HVIS_RNDIS_SET			0x00000005u	/* G->H */
#define HVIS_RNDIS_RESET		0x00000006u	/* G->H */
#define HVIS_RNDIS_INDICATE		0x00000007u	/* H->G */
#define HVIS_RNDIS_KEEPALIVE		0x00000008u	/* G->H */
#define HVIS_RNDIS_INIT_C	(HVIS_RNDIS_INIT | HVIS_RNDIS_COMPLETION)
#define HVIS_RNDIS_QUERY_C	(HVIS_RNDIS_QUERY | HVIS_RNDIS_COMPLETION)
#define HVIS_RNDIS_SET_C	(HVIS_RNDIS_SET | HVIS_RNDIS_COMPLETION)
#define HVIS_RNDIS_RESET_C	(HVIS_RNDIS_RESET | HVIS_RNDIS_COMPLETION)
#define HVIS_RNDIS_KEEPALIVE_C	(HVIS_RNDIS_KEEPALIVE | HVIS_RNDIS_COMPLETION)

/* Status values (NDIS_STATUS_*) in completions and indications. */
#define HVIS_RNDIS_STATUS_SUCCESS		0x00000000u
#define HVIS_RNDIS_STATUS_MEDIA_CONNECT		0x4001000bu
#define HVIS_RNDIS_STATUS_MEDIA_DISCONNECT	0x4001000cu
#define HVIS_RNDIS_STATUS_LINK_SPEED_CHANGE	0x40010013u
#define HVIS_RNDIS_STATUS_NETWORK_CHANGE	0x40010018u
#define HVIS_RNDIS_STATUS_FAILURE		0xc0000001u
#define HVIS_RNDIS_STATUS_INVALID_DATA		0xc0010015u
#define HVIS_RNDIS_STATUS_NOT_SUPPORTED		0xc00000bbu
#define HVIS_RNDIS_STATUS_INVALID_LENGTH	0xc0010014u

struct hvis_rndis_header {
	u32 type;		/* HVIS_RNDIS_* */
	u32 len;		/* the whole message, header included */
} __packed;
HVIS_SIZE(struct hvis_rndis_header, 8);

/* INIT (G->H). */
struct hvis_rndis_init {
	u32 req_id;
	u32 major;
	u32 minor;
	u32 max_xfer_size;
} __packed;
HVIS_SIZE(struct hvis_rndis_init, 16);

#define HVIS_RNDIS_MEDIUM_802_3		0

/* INIT_C (H->G). */
struct hvis_rndis_init_c {
	u32 req_id;
	u32 status;
	u32 major;
	u32 minor;
	u32 dev_flags;		/* 1: connectionless */
	u32 medium;		/* HVIS_RNDIS_MEDIUM_802_3 */
	u32 max_pkt_per_msg;
	u32 max_xfer_size;
	u32 pkt_align_shift;	/* messages in a batch align to 1 << this */
	u32 af_list_offset;
	u32 af_list_size;
} __packed;
HVIS_SIZE(struct hvis_rndis_init_c, 44);

/* QUERY and SET (G->H): info_len bytes at info_offset into the body. */
struct hvis_rndis_query {
	u32 req_id;
	u32 oid;		/* HVIS_OID_* */
	u32 info_len;
	u32 info_offset;
	u32 dev_vc_handle;
} __packed;
HVIS_SIZE(struct hvis_rndis_query, 20);

/* QUERY_C (H->G): the answer at info_offset into the body. */
struct hvis_rndis_query_c {
	u32 req_id;
	u32 status;
	u32 info_len;
	u32 info_offset;
} __packed;
HVIS_SIZE(struct hvis_rndis_query_c, 16);

/* SET_C and KEEPALIVE_C (H->G); KEEPALIVE and HALT (G->H) carry req_id. */
struct hvis_rndis_set_c {
	u32 req_id;
	u32 status;
} __packed;
HVIS_SIZE(struct hvis_rndis_set_c, 8);

/* RESET_C (H->G). */
struct hvis_rndis_reset_c {
	u32 status;
	u32 addressing_reset;
} __packed;
HVIS_SIZE(struct hvis_rndis_reset_c, 8);

/* INDICATE (H->G). */
struct hvis_rndis_indicate {
	u32 status;		/* HVIS_RNDIS_STATUS_MEDIA_* ... */
	u32 buf_len;
	u32 buf_offset;
} __packed;
HVIS_SIZE(struct hvis_rndis_indicate, 12);

/* PACKET (both): one frame; offsets count from the start of this body. */
struct hvis_rndis_packet {
	u32 data_offset;
	u32 data_len;
	u32 oob_offset;
	u32 oob_len;
	u32 oob_count;
	u32 ppi_offset;
	u32 ppi_len;
	u32 vc_handle;
	u32 reserved;
} __packed;
HVIS_SIZE(struct hvis_rndis_packet, 36);

/*
 * Per-packet info: a chain of these inside [ppi_offset, + ppi_len), each
 * @size bytes with its value at @value_offset from its own start.
 */
#define HVIS_PPI_INTERNAL		0x80000000u	/* type: hvis/Linux-only kinds */
#define HVIS_PPI_CSUM			0	/* u32: HVIS_PPI_CSUM_* */
#define HVIS_PPI_LSO			2	/* u32: HVIS_PPI_LSO_* */
#define HVIS_PPI_VLAN			6	/* u32: 802.1Q tag (pri, cfi, vid) */
#define HVIS_PPI_HASH			8	/* u32: RSS hash value */
#define HVIS_PPI_PKT_ID	(HVIS_PPI_INTERNAL | 1)	/* RSC fragment id */
/*
 * Packet-id PPI value (host->guest, RSC): byte 0 the version, byte 1
 * flags, bytes 2-3 an id.  A coalesced frame travels as consecutive
 * ranges of one transfer-page packet, each a PACKET with a piece of it:
 * SUBALLOC on all, FIRST on the one with the headers, LAST on the end.
 */
#define HVIS_PPI_PKT_ID_V1		1u
#define HVIS_PPI_PKT_ID_SUBALLOC	0x01u
#define HVIS_PPI_PKT_ID_FIRST		0x02u
#define HVIS_PPI_PKT_ID_LAST		0x04u

struct hvis_rndis_ppi {
	u32 size;		/* this PPI, header and value */
	u32 type;		/* HVIS_PPI_* */
	u32 value_offset;	/* from the start of this PPI */
} __packed;
HVIS_SIZE(struct hvis_rndis_ppi, 12);

/* Checksum PPI, guest->host (what the host must fill in). */
#define HVIS_PPI_CSUM_TX_IPV4		0x00000001u
#define HVIS_PPI_CSUM_TX_IPV6		0x00000002u
#define HVIS_PPI_CSUM_TX_TCP		0x00000004u
#define HVIS_PPI_CSUM_TX_UDP		0x00000008u
#define HVIS_PPI_CSUM_TX_IP_HEADER	0x00000010u
#define HVIS_PPI_CSUM_TX_TCP_OFF_SHIFT	16	/* 10 bits: TCP header offset */
/* Checksum PPI, host->guest (what the host verified). */
#define HVIS_PPI_CSUM_RX_TCP_FAILED	0x00000001u
#define HVIS_PPI_CSUM_RX_UDP_FAILED	0x00000002u
#define HVIS_PPI_CSUM_RX_IP_FAILED	0x00000004u
#define HVIS_PPI_CSUM_RX_TCP_OK		0x00000008u
#define HVIS_PPI_CSUM_RX_UDP_OK		0x00000010u
#define HVIS_PPI_CSUM_RX_IP_OK		0x00000020u

/* LSO PPI, guest->host (LSOv2): one large TCP frame to segment. */
#define HVIS_PPI_LSO_MSS_MASK		0x000fffffu
#define HVIS_PPI_LSO_TCP_OFF_SHIFT	20	/* 10 bits: TCP header offset */
#define HVIS_PPI_LSO_TCP_OFF_MASK	0x3ffu
#define HVIS_PPI_LSO_V2			0x40000000u
#define HVIS_PPI_LSO_IPV6		0x80000000u
/* VLAN PPI: priority in bits 0..2, CFI bit 3, VLAN id in bits 4..15. */
#define HVIS_PPI_VLAN_PRI(v)		((v) & 0x7u)
#define HVIS_PPI_VLAN_CFI(v)		(((v) >> 3) & 0x1u)
#define HVIS_PPI_VLAN_VID(v)		(((v) >> 4) & 0xfffu)

/* OIDs netvsc queries or sets. */
#define HVIS_OID_GEN_SUPPORTED_LIST		0x00010101u
#define HVIS_OID_GEN_HARDWARE_STATUS		0x00010102u
#define HVIS_OID_GEN_MEDIA_SUPPORTED		0x00010103u
#define HVIS_OID_GEN_MEDIA_IN_USE		0x00010104u
#define HVIS_OID_GEN_MAXIMUM_FRAME_SIZE		0x00010106u
#define HVIS_OID_GEN_LINK_SPEED			0x00010107u
#define HVIS_OID_GEN_CURRENT_PACKET_FILTER	0x0001010eu
#define HVIS_OID_GEN_MAXIMUM_TOTAL_SIZE		0x00010111u
#define HVIS_OID_GEN_MEDIA_CONNECT_STATUS	0x00010114u
#define HVIS_OID_GEN_FRIENDLY_NAME		0x00020216u
#define HVIS_OID_GEN_RNDIS_CONFIG_PARAMETER	0x0001021bu
#define HVIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES	0x00010203u
#define HVIS_OID_GEN_RECEIVE_SCALE_PARAMETERS	0x00010204u
#define HVIS_OID_802_3_PERMANENT_ADDRESS	0x01010101u
#define HVIS_OID_802_3_CURRENT_ADDRESS		0x01010102u
#define HVIS_OID_802_3_MULTICAST_LIST		0x01010103u
#define HVIS_OID_802_3_MAXIMUM_LIST_SIZE	0x01010104u
#define HVIS_OID_TCP_OFFLOAD_PARAMETERS		0xfc01020cu
#define HVIS_OID_TCP_OFFLOAD_HARDWARE_CAPS	0xfc01020du

/* MEDIA_CONNECT_STATUS values. */
#define HVIS_RNDIS_MEDIA_CONNECTED		0
#define HVIS_RNDIS_MEDIA_DISCONNECTED		1

/* CURRENT_PACKET_FILTER bits. */
#define HVIS_RNDIS_FILTER_DIRECTED		0x0001u
#define HVIS_RNDIS_FILTER_MULTICAST		0x0002u
#define HVIS_RNDIS_FILTER_ALL_MULTICAST		0x0004u
#define HVIS_RNDIS_FILTER_BROADCAST		0x0008u
#define HVIS_RNDIS_FILTER_PROMISCUOUS		0x0020u

/* The NDIS object header that versioned OID payloads start with. */
struct hvis_ndis_obj_header {
	u8 type;		/* HVIS_NDIS_OBJ_* */
	u8 revision;
	u16 size;		/* the whole object */
} __packed;
HVIS_SIZE(struct hvis_ndis_obj_header, 4);

#define HVIS_NDIS_OBJ_DEFAULT			0x80
#define HVIS_NDIS_OBJ_RSS_CAPABILITIES		0x88
#define HVIS_NDIS_OBJ_RSS_PARAMETERS		0x89
#define HVIS_NDIS_OBJ_OFFLOAD			0xa7

/*
 * TCP_OFFLOAD_HARDWARE_CAPS answer (NDIS_OFFLOAD).  Guests read up to
 * the size their NVSP version implies: revision 1 ends before ipsecv2
 * (HVIS_NDIS_OFFLOAD_SIZE_6_0), revision 2 before rsc, revision 3 is all
 * of it.  Fields hvis never offers stay as reserved bytes.
 */
struct hvis_ndis_offload {
	struct hvis_ndis_obj_header hdr;
	/* checksum: encapsulation and capability bits per direction */
	u32 ip4_tx_encap;
	u32 ip4_tx_csum;	/* HVIS_NDIS_CSUM_* */
	u32 ip4_rx_encap;
	u32 ip4_rx_csum;
	u32 ip6_tx_encap;
	u32 ip6_tx_csum;
	u32 ip6_rx_encap;
	u32 ip6_rx_csum;
	u8 lsov1[16];
	u8 ipsecv1[28];
	/* LSOv2 */
	u32 lso4_encap;
	u32 lso4_max_size;
	u32 lso4_min_segs;
	u32 lso6_encap;
	u32 lso6_max_size;
	u32 lso6_min_segs;
	u32 lso6_opts;
	u32 flags;
	u8 ipsecv2[32];
	u8 rsc_ip4;
	u8 rsc_ip6;
	u8 pad[2];
	u32 encap_gre_flags;
	u32 encap_gre_max_hdr;
} __packed;
HVIS_SIZE(struct hvis_ndis_offload, 156);
HVIS_OFFSET(struct hvis_ndis_offload, lso4_encap, 80);
HVIS_OFFSET(struct hvis_ndis_offload, ipsecv2, 112);
HVIS_OFFSET(struct hvis_ndis_offload, rsc_ip4, 144);

#define HVIS_NDIS_OFFLOAD_REVISION_1	1
#define HVIS_NDIS_OFFLOAD_REVISION_2	2
#define HVIS_NDIS_OFFLOAD_REVISION_3	3
#define HVIS_NDIS_OFFLOAD_SIZE_6_0	112
#define HVIS_NDIS_OFFLOAD_SIZE_6_1	144

/* Encapsulation field value: plain 802.3 frames. */
#define HVIS_NDIS_ENCAP_8023		0x0002u
/* Checksum capability bits (tx and rx alike). */
#define HVIS_NDIS_CSUM_IP_OPTS		0x001u
#define HVIS_NDIS_CSUM_TCP_OPTS		0x004u
#define HVIS_NDIS_CSUM_TCP		0x010u
#define HVIS_NDIS_CSUM_UDP		0x040u
#define HVIS_NDIS_CSUM_IP4		0x100u
/* LSOv2 IPv6 options the host segments through (lso6_opts). */
#define HVIS_NDIS_LSO6_IP6EXT		0x001u
#define HVIS_NDIS_LSO6_TCP6OPT		0x004u

/*
 * TCP_OFFLOAD_PARAMETERS (G->H set): one byte per offload,
 * HVIS_NDIS_OFFLOAD_PARAM_*; NVSP 4 and older guests send only the
 * first HVIS_NDIS_OFFLOAD_PARAMS_V4_SIZE bytes.
 */
struct hvis_ndis_offload_params {
	struct hvis_ndis_obj_header hdr;
	u8 ip4_csum;
	u8 tcp4_csum;
	u8 udp4_csum;
	u8 tcp6_csum;
	u8 udp6_csum;
	u8 lsov1;
	u8 ipsecv1;
	u8 lsov2_ip4;
	u8 lsov2_ip6;
	u8 tcp_conn_ip4;
	u8 tcp_conn_ip6;
	u8 pad;
	u32 flags;
	u8 ipsecv2;
	u8 ipsecv2_ip4;
	u8 rsc_ip4;
	u8 rsc_ip6;
	u8 encap_task_offload;
	u8 encap_types;
	u8 pad2[2];
} __packed;
HVIS_SIZE(struct hvis_ndis_offload_params, 28);
#define HVIS_NDIS_OFFLOAD_PARAMS_V4_SIZE	22
#define HVIS_NDIS_OFFLOAD_PARAMS_REVISION_2	2
#define HVIS_NDIS_OFFLOAD_PARAMS_REVISION_3	3
/* rsc_ip4/rsc_ip6 values */
#define HVIS_NDIS_OFFLOAD_PARAM_RSC_DISABLED	1
#define HVIS_NDIS_OFFLOAD_PARAM_RSC_ENABLED	2
/* lsov2_ip4/lsov2_ip6 values */
#define HVIS_NDIS_OFFLOAD_PARAM_LSOV2_DISABLED	1
#define HVIS_NDIS_OFFLOAD_PARAM_LSOV2_ENABLED	2

/* RECEIVE_SCALE_CAPABILITIES answer (G<-H). */
struct hvis_ndis_rss_caps {
	struct hvis_ndis_obj_header hdr;	/* RSS_CAPABILITIES, revision 2 */
	u32 flags;			/* HVIS_NDIS_RSS_CAP_* */
	u32 num_int_msg;
	u32 num_queues;			/* receive queues = channels the host serves */
	u16 num_table_entries;		/* indirection table size it takes */
} __packed;
HVIS_SIZE(struct hvis_ndis_rss_caps, 18);

#define HVIS_NDIS_RSS_CAPS_REVISION_2	2
#define HVIS_NDIS_RSS_CAP_HASH_TCP4	0x00000100u
#define HVIS_NDIS_RSS_CAP_HASH_TCP6	0x00000200u

/*
 * RECEIVE_SCALE_PARAMETERS (G->H set), naturally aligned: the indirection
 * table (u32 channel numbers) and the hash key lie at their offsets from
 * the start of this object.
 */
struct hvis_ndis_rss_params {
	struct hvis_ndis_obj_header hdr;	/* RSS_PARAMETERS, revision 2 */
	u16 flags;			/* HVIS_NDIS_RSS_PARAM_* */
	u16 base_cpu;
	u32 hash_info;
	u16 table_size;			/* bytes */
	u16 pad1;
	u32 table_offset;
	u16 key_size;			/* bytes */
	u16 pad2;
	u32 key_offset;
	u32 cpu_masks_offset;
	u32 nr_cpu_masks;
	u32 cpu_mask_entry_size;
} __packed;
HVIS_SIZE(struct hvis_ndis_rss_params, 40);
HVIS_OFFSET(struct hvis_ndis_rss_params, table_offset, 16);
HVIS_OFFSET(struct hvis_ndis_rss_params, key_offset, 24);

#define HVIS_NDIS_RSS_PARAMS_REVISION_2	2
#define HVIS_NDIS_RSS_PARAM_DISABLE	0x0010u
/* hvis_ndis_rss_params.hash_info: the function and what it hashes. */
#define HVIS_NDIS_HASH_FUNC_TOEPLITZ	0x00000001u
#define HVIS_NDIS_HASH_IPV4		0x00000100u
#define HVIS_NDIS_HASH_TCP_IPV4		0x00000200u
#define HVIS_NDIS_HASH_IPV6		0x00000400u
#define HVIS_NDIS_HASH_TCP_IPV6		0x00001000u

/*
 * RNDIS_CONFIG_PARAMETER (G->H set): a named setting, name and value
 * UTF-16LE at their offsets from the start of this struct.  Linux uses it
 * for "NetworkAddress" (the MAC, 12 hex digits, a string value).
 */
struct hvis_rndis_config_param {
	u32 name_offset;
	u32 name_len;		/* bytes */
	u32 type;		/* HVIS_RNDIS_CONFIG_PARAM_* */
	u32 value_offset;
	u32 value_len;		/* bytes */
} __packed;
HVIS_SIZE(struct hvis_rndis_config_param, 20);

#define HVIS_RNDIS_CONFIG_PARAM_INT	0
#define HVIS_RNDIS_CONFIG_PARAM_STRING	2

#define HVIS_NDIS_OFFLOAD_PARAM_NO_CHANGE	0
#define HVIS_NDIS_OFFLOAD_PARAM_DISABLED	1
#define HVIS_NDIS_OFFLOAD_PARAM_TX_ONLY		2
#define HVIS_NDIS_OFFLOAD_PARAM_RX_ONLY		3
#define HVIS_NDIS_OFFLOAD_PARAM_TX_RX		4

#endif
