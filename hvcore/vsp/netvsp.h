/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network VSP's private state, shared by its files: netvsp.c (device,
 * NVSP, buffers), netvsp_rndis.c (RNDIS control and data) and netvsp_tap.c
 * (the TAP back end).
 *
 * Everything runs on the event-loop thread, so nothing is locked: packet(),
 * writable(), ctl(), the TAP handler and the channel hooks never overlap.
 * The receive and send buffers are guest memory the guest may rewrite at
 * any time: bytes are copied out once (vmbus_buffer_read) and checked in
 * host memory.
 */
#ifndef HVCORE_VSP_NETVSP_H
#define HVCORE_VSP_NETVSP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ring/ring_ops.h"

struct gpadl;
struct vmbus_chan;
struct vmbus_dev;

/*
 * Receive-buffer slot size hvcore gives the guest: one RNDIS message each,
 * so it bounds the largest frame the guest can receive (Linux refuses
 * ranges larger than a slot): a 9000-byte MTU frame, its VLAN tag and
 * RNDIS header and per-packet info fit.
 */
#define NETVSP_RECV_SLOT_SIZE	9728u
/* Send-buffer section size the guest is told to use (Linux's default). */
#define NETVSP_SEND_SECTION_SIZE	6144u
/* The largest RNDIS stream one guest packet may carry. */
#define NETVSP_TX_MAX		(64u * 1024 + 4096)
/* The largest LSO frame offered: it and its RNDIS header fit the above. */
#define NETVSP_LSO_MAX		62780u
/*
 * The largest frame the back end hands over: a 64 KiB TCP segment the
 * TAP's kernel coalesced (with RSC on), its Ethernet header and a tag.
 */
#define NETVSP_RX_FRAME_MAX	(65536u + 14 + 4)
/* Ranges (slots) one coalesced frame takes at most. */
#define NETVSP_RSC_RANGES	8u
/* Largest MTU (IP payload) the host end takes. */
#define NETVSP_MTU_MAX		9000u
/* Completions owed to the guest while its ring was full. */
#define NETVSP_OWED_MAX		256u
/* Receive queues (channels) offered at most; the guest's vCPUs cap it too. */
#define NETVSP_MAX_CHANNELS	8u
/* Indirection table entries the host takes (Linux sends 128). */
#define NETVSP_RSS_TABLE_MAX	256u
/* The Toeplitz key size RSS takes: enough for an IPv6 4-tuple. */
#define NETVSP_RSS_KEY_SIZE	40u

struct netvsp_stats {
	uint64_t rx_frames, rx_bytes;	/* host -> guest */
	uint64_t tx_frames, tx_bytes;	/* guest -> host */
	uint64_t rx_filtered;		/* not for the guest's packet filter */
	uint64_t rx_dropped;		/* too big for a slot, or link down */
	uint64_t tx_errors;		/* back end refused a frame */
	uint64_t tx_csum, tx_lso;	/* frames with checksum / LSO offload */
	uint64_t rx_csum;		/* frames told their checksum is good */
	uint64_t rx_rsc;		/* coalesced frames sent in pieces */
	uint64_t bad_packets;		/* malformed NVSP/RNDIS from the guest */
	uint64_t guest_refused;		/* guest completed a receive with failure */
};

struct netvsp;
struct netsw_port;

/*
 * The header a TAP opened with IFF_VNET_HDR carries before each frame
 * (virtio-net's, host byte order): how to finish a partial checksum and
 * segment a large TCP frame.
 */
struct netvsp_vnet_hdr {
	uint8_t flags;			/* NETVSP_VNET_F_* */
	uint8_t gso_type;		/* NETVSP_VNET_GSO_* */
	uint16_t hdr_len;		/* Ethernet + IP + TCP headers */
	uint16_t gso_size;		/* payload bytes per segment */
	uint16_t csum_start;
	uint16_t csum_offset;
};
#define NETVSP_VNET_F_NEEDS_CSUM	1
#define NETVSP_VNET_F_DATA_VALID	2
#define NETVSP_VNET_GSO_NONE		0
#define NETVSP_VNET_GSO_TCPV4		1
#define NETVSP_VNET_GSO_TCPV6		4

/* What a guest frame's per-packet info asks of the host. */
struct netvsp_tx_info {
	bool csum, lso, vlan;
	uint32_t csum_bits;		/* HVIS_PPI_CSUM_TX_*, TCP offset */
	uint32_t lso_value;		/* HVIS_PPI_LSO_* */
	uint16_t vlan_tci;		/* 802.1Q tag to insert */
};

/*
 * One open channel, primary or sub-channel: the vmbus_chan's private
 * data from open() to close().  Completions of the guest's packets go back
 * on the channel they came on, so each keeps its own owed list.
 */
struct netvsp_chan {
	struct netvsp *nv;
	struct vmbus_chan *ch;
	uint16_t index;			/* sub-channel index, 0 = primary */
	uint64_t rx_frames;		/* frames delivered on it since open */
	uint64_t owed[NETVSP_OWED_MAX];
	uint32_t nr_owed;
};

struct netvsp {
	struct vmbus_dev *dev;
	uint8_t mac[6];
	bool link_up;

	/* Back end: a TAP device (fd -1: none; frames from the guest are dropped). */
	int tap_fd;
	char tap_name[16];
	bool tap_paused;		/* not polled: no receive slot free */
	/* Or a port of hvcore's L2 switch (NULL: none). */
	struct netsw_port *sw;
	bool sw_paused;

	/* Open channels ([0] the primary); a frame goes out on one of them. */
	struct netvsp_chan *chans[NETVSP_MAX_CHANNELS];
	uint32_t nr_queues;		/* channels offered (RSS capabilities) */

	/* NVSP state, from INIT until the primary channel closes. */
	struct vmbus_chan *ch;		/* open primary channel, or NULL */
	uint32_t version;		/* 0 before INIT */
	struct gpadl *recv_buf;
	uint32_t recv_size;
	uint16_t recv_id;
	uint32_t nr_slots;
	uint32_t *free_slots;		/* stack of free slot numbers */
	uint32_t nr_free;
	uint8_t *slot_busy;		/* per slot: NETVSP_SLOT_* */
	uint32_t *slot_next;		/* per lent slot: the next of its packet */
	struct gpadl *send_buf;

	/* RNDIS state. */
	bool rndis_ready;		/* INIT_C sent, no HALT since */
	bool rsc;			/* the guest takes coalesced frames (RSC) */
	uint32_t filter;		/* HVIS_RNDIS_FILTER_* */
	/* RSS: flow hash -> table entry -> channel; 0 entries: all on [0]. */
	uint16_t rss_table[NETVSP_RSS_TABLE_MAX];
	uint32_t rss_entries;
	uint8_t rss_key[NETVSP_RSS_KEY_SIZE];	/* Toeplitz secret */

	/* One received frame waiting for a slot or ring space. */
	uint8_t *held;
	uint32_t held_len;
	uint32_t held_csum;		/* its receive checksum PPI value */

	uint8_t *tx_buf;		/* NETVSP_TX_MAX: a guest packet's RNDIS bytes */
	uint8_t *rx_buf;		/* a frame read from the back end */
	struct netvsp_stats st;
};

/* netvsp.c */
/* A malformed message from the guest: count it and log why (rate-limited). */
void netvsp_bad(struct netvsp *nv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* netvsp_buf.c */
/*
 * Put one RNDIS message (the concatenation of @iov) in a receive slot and
 * send it as a transfer-page packet on @ch.  0; -ENOSPC (no slot free), -EAGAIN
 * (ring full: nothing was sent and the slot is free again), -EMSGSIZE
 * (larger than a slot) or -EPIPE (no buffer or channel).
 */
int netvsp_deliver(struct netvsp *nv, struct vmbus_chan *ch,
		   uint32_t channel_type, const struct hvring_iov *iov,
		   uint32_t n);
/* One RNDIS message of a multi-range delivery: @n pieces. */
struct netvsp_msg {
	const struct hvring_iov *iov;
	uint32_t n;
};
/*
 * Put @nr_msgs RNDIS messages in a slot each and send them as one
 * transfer-page packet with a range per message (the guest completes
 * them together): as netvsp_deliver(); -ENOSPC unless all slots are free.
 */
int netvsp_deliver_msgs(struct netvsp *nv, struct vmbus_chan *ch,
			uint32_t channel_type, const struct netvsp_msg *msgs,
			uint32_t nr_msgs);
/*
 * netvsp_deliver(), with the range's offset moved by @skew bytes: 0
 * always, except to test guests with a range outside their buffer.
 */
int netvsp_deliver_skewed(struct netvsp *nv, struct vmbus_chan *ch,
			  uint32_t channel_type, const struct hvring_iov *iov,
			  uint32_t n, uint32_t skew);
/* Let go of the receive buffer; slots the guest still holds die with it. */
void netvsp_drop_recv_buf(struct netvsp *nv);
void netvsp_drop_send_buf(struct netvsp *nv);
/* A frame waited for a slot or for ring space: try it, then read again. */
void netvsp_retry_held(struct netvsp *nv);
/* The guest is done with receive slot @tid (its completion's @body). */
int netvsp_slot_completed(struct netvsp *nv, uint64_t tid,
			  const uint8_t *body, uint32_t len);
struct hvis_nvsp_rndis_pkt;
/*
 * Gather a guest RNDIS packet's bytes into nv->tx_buf: the send-buffer
 * section it names, then the pages of a GPA-direct packet (@pkt, @type,
 * payload at @payload_off).  The length, or -EPROTO (counted).
 */
int netvsp_gather(struct netvsp *nv, const uint8_t *pkt, uint32_t payload_off,
		  uint16_t type, const struct hvis_nvsp_rndis_pkt *rp);

/* netvsp_ctl.c */
int netvsp_ctl(struct vmbus_dev *dev, int argc, char **argv, FILE *out);

/* netvsp_rndis.c */
/*
 * The RNDIS messages of one guest packet (@len bytes at @buf, host
 * memory the frames' headers may be fixed in): control messages
 * answered, frames passed to the back end.
 * 0, or -EAGAIN when a control reply did not fit (nothing was changed:
 * the caller retries the packet), or -EPROTO (malformed: counted).
 */
int netvsp_rndis_input(struct netvsp *nv, uint32_t channel_type,
		       uint8_t *buf, uint32_t len);
/* The Toeplitz hash of @n bytes at @in under @key (n + 4 <= key size). */
uint32_t netvsp_toeplitz(const uint8_t *key, const uint8_t *in, uint32_t n);
/* Tell the guest the link went up or down (RNDIS INDICATE). */
int netvsp_rndis_indicate_link(struct netvsp *nv);
/*
 * Offer a frame from the back end to the guest, with receive checksum
 * PPI value @csum (0: none): 0, or -EAGAIN (hold it).
 */
int netvsp_rndis_rx_frame(struct netvsp *nv, const uint8_t *frame,
			  uint32_t len, uint32_t csum);

/* netvsp_offload.c */
struct hvis_rndis_packet;
/*
 * Read the per-packet info of PACKET @p (@len bytes at @body): 0, or
 * -EPROTO (malformed, counted).
 */
int netvsp_tx_ppi(struct netvsp *nv, const uint8_t *body, uint32_t len,
		  const struct hvis_rndis_packet *p, struct netvsp_tx_info *ti);
/*
 * Fill @vh for frame @f (host memory, fixed in place where Windows' LSO
 * contract differs from Linux's): 0, or -EPROTO when the headers do not
 * match what the per-packet info says.
 */
int netvsp_tx_prepare(uint8_t *f, uint32_t len, const struct netvsp_tx_info *ti,
		      struct netvsp_vnet_hdr *vh);

/*
 * A frame from the TAP with header @vh: finish the partial checksum it may
 * carry.  The receive checksum PPI value to tell the guest
 * (HVIS_PPI_CSUM_RX_*_OK), or 0 when nothing is known.
 */
uint32_t netvsp_rx_csum(uint8_t *f, uint32_t len,
			const struct netvsp_vnet_hdr *vh);

/* netvsp.c */
/* Stop or resume taking frames from the back end (TAP or switch). */
void netvsp_rx_pause(struct netvsp *nv, bool pause);
/* Hand a guest frame to the back end: 0 or -errno. */
int netvsp_xmit(struct netvsp *nv, uint8_t *frame, uint32_t len,
		const struct netvsp_vnet_hdr *vh,
		const struct netvsp_tx_info *ti);

/* netvsp_switch.c */
int netvsp_switch_open(struct netvsp *nv, const char *path);
void netvsp_switch_close(struct netvsp *nv);
/* Checksums finished here; frames asking for LSO are refused. */
int netvsp_switch_xmit(struct netvsp *nv, uint8_t *frame, uint32_t len,
		       const struct netvsp_vnet_hdr *vh,
		       const struct netvsp_tx_info *ti);

/* netvsp_tap.c */
int netvsp_tap_open(struct netvsp *nv, const char *name, const char *netns);
void netvsp_tap_close(struct netvsp *nv);
/*
 * Hand a frame from the guest to the TAP device, with @vh and the VLAN
 * tag @ti asks for: 0 or -errno.
 */
int netvsp_tap_xmit(struct netvsp *nv, const uint8_t *frame, uint32_t len,
		    const struct netvsp_vnet_hdr *vh,
		    const struct netvsp_tx_info *ti);
/* Stop or resume reading the TAP device (receive slots ran out/freed). */
void netvsp_tap_pause(struct netvsp *nv, bool pause);
/* Have the TAP's kernel coalesce TCP (TSO frames to us) or not. */
int netvsp_tap_set_rsc(struct netvsp *nv, bool on);

#endif
