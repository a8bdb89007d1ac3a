/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * VMBus ring buffers: the control page and the packets that travel through a
 * channel's two rings (guest->host "outbound", host->guest "inbound").
 *
 * Follows the layout the Linux in-tree driver and Hyper-V use
 * (include/linux/hyperv.h: struct hv_ring_buffer, vmpacket_descriptor,
 * enum vmbus_packet_type, the transfer-page and GPA-direct packets, 6.1 and
 * 6.12).  A ring is one control page followed by the data area.  Each ring
 * has one writer and one reader: the writer owns write_index and
 * pending_send_sz, the reader owns read_index and interrupt_mask; each side
 * only reads the other's fields.  Indices are byte offsets into the data
 * area, multiples of 8.  A packet is a descriptor, its payload, zero padding
 * to 8 bytes and a u64 trailer whose upper 32 bits are the write index at
 * which the packet starts.  The packet types below travel in both directions
 * unless noted; a reader must reject types it does not expect.
 */
#ifndef HVIS_RING_H
#define HVIS_RING_H

#include "types.h"

#define HVIS_RING_CTL_SIZE	4096u
#define HVIS_RING_PKT_ALIGN	8u
#define HVIS_RING_TRAILER_SIZE	8u

/* feature_bits: set by each side in the ring it writes. */
#define HVIS_RING_FEAT_PENDING_SEND_SZ	0x1u

/*
 * The control page.  Not __packed: every field is naturally aligned and the
 * indices are accessed atomically, which needs their natural alignment.
 */
struct hvis_ring_ctl {
	u32 write_index;	/* writer: next byte it will write */
	u32 read_index;		/* reader: next byte it will read */
	u32 interrupt_mask;	/* reader: 1 = do not signal me */
	u32 pending_send_sz;	/* writer: signal me when this much is free */
	u32 reserved1[12];
	u32 feature_bits;	/* writer: HVIS_RING_FEAT_* it implements */
	u8 reserved2[HVIS_RING_CTL_SIZE - 68];
};

HVIS_SIZE(struct hvis_ring_ctl, 4096);
HVIS_OFFSET(struct hvis_ring_ctl, read_index, 4);
HVIS_OFFSET(struct hvis_ring_ctl, interrupt_mask, 8);
HVIS_OFFSET(struct hvis_ring_ctl, pending_send_sz, 12);
HVIS_OFFSET(struct hvis_ring_ctl, feature_bits, 64);

/* Packet types (hvis_vmpacket_desc.type; the peer may send any value). */
#define HVIS_VMPKT_INVALID			0x0
#define HVIS_VMPKT_SYNCH			0x1
#define HVIS_VMPKT_ADD_XFER_PAGESET		0x2
#define HVIS_VMPKT_RM_XFER_PAGESET		0x3
#define HVIS_VMPKT_ESTABLISH_GPADL		0x4
#define HVIS_VMPKT_TEARDOWN_GPADL		0x5
#define HVIS_VMPKT_DATA_INBAND			0x6
#define HVIS_VMPKT_DATA_USING_XFER_PAGES	0x7	/* H->G (netvsc) */
#define HVIS_VMPKT_DATA_USING_GPADL		0x8
#define HVIS_VMPKT_DATA_USING_GPA_DIRECT	0x9	/* G->H */
#define HVIS_VMPKT_CANCEL_REQUEST		0xa
#define HVIS_VMPKT_COMP				0xb
#define HVIS_VMPKT_DATA_USING_ADDITIONAL_PKT	0xc
#define HVIS_VMPKT_ADDITIONAL_DATA		0xd

/* hvis_vmpacket_desc.flags: the sender wants a VMPKT_COMP back. */
#define HVIS_VMPKT_FLAG_COMPLETION_REQUESTED	0x1

/*
 * Starts every packet.  offset8: where the inband payload starts, len8: the
 * whole packet without padding beyond len8 * 8 and without the trailer, both
 * in units of 8 bytes from the start of the descriptor.
 */
struct hvis_vmpacket_desc {
	u16 type;
	u16 offset8;
	u16 len8;
	u16 flags;
	u64 trans_id;
} __packed;
HVIS_SIZE(struct hvis_vmpacket_desc, 16);
HVIS_OFFSET(struct hvis_vmpacket_desc, trans_id, 8);

/* One range of a transfer-page set (byte offset into the set's GPADL). */
struct hvis_xfer_page_range {
	u32 byte_count;
	u32 byte_offset;
} __packed;
HVIS_SIZE(struct hvis_xfer_page_range, 8);

/* VMPKT_DATA_USING_XFER_PAGES, H->G: data lies in a pre-shared page set. */
struct hvis_xfer_page_header {
	struct hvis_vmpacket_desc d;
	u16 xfer_pageset_id;
	u8 sender_owns_set;
	u8 reserved;
	u32 range_count;
	struct hvis_xfer_page_range ranges[];
} __packed;
HVIS_SIZE(struct hvis_xfer_page_header, 24);
HVIS_OFFSET(struct hvis_xfer_page_header, range_count, 20);

/*
 * VMPKT_DATA_USING_GPA_DIRECT, G->H: range_count struct hvis_gpa_range
 * (include/hvis/vmbus_msg.h: byte_count, byte_offset, then the PFNs the
 * range spans) follow, each as long as its own PFN list; the inband payload
 * starts at offset8 * 8 after them.  Each range is variable-length, so they
 * cannot be a C array member here.
 */
struct hvis_gpa_direct_header {
	struct hvis_vmpacket_desc d;
	u32 reserved;
	u32 range_count;
} __packed;
HVIS_SIZE(struct hvis_gpa_direct_header, 24);

/* A one-page range: the form a page-buffer GPA-direct packet carries. */
struct hvis_page_buffer {
	u32 len;
	u32 offset;
	u64 pfn;
} __packed;
HVIS_SIZE(struct hvis_page_buffer, 16);

/*
 * A multi-page range (mpb): len bytes from offset into the first page, over
 * as many PFNs as that spans.  Same layout as hvis_gpa_range.
 */
struct hvis_mpb_array {
	u32 len;
	u32 offset;
	u64 pfn[];
} __packed;
HVIS_SIZE(struct hvis_mpb_array, 8);

#endif /* HVIS_RING_H */
