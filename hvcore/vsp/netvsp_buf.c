// SPDX-License-Identifier: GPL-2.0-only
/*
 * netvsp's guest buffers: the receive buffer carved into slots that carry
 * one RNDIS message each to the guest in transfer-page packets, and the
 * send buffer's sections and GPA-direct pages a guest packet is gathered
 * from into host memory before anything reads it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gpa.h"
#include "hvis/nvsp.h"
#include "hvis/ring.h"
#include "hvis/rndis.h"
#include "hvis/vmbus_msg.h"
#include "netvsp.h"
#include "vmbus/channel.h"

void netvsp_drop_recv_buf(struct netvsp *nv)
{
	if (nv->recv_buf)
		vmbus_dev_put_buffer(nv->dev, nv->recv_buf);
	nv->recv_buf = NULL;
	free(nv->free_slots);
	free(nv->slot_busy);
	free(nv->slot_next);
	nv->free_slots = NULL;
	nv->slot_busy = NULL;
	nv->slot_next = NULL;
	nv->nr_slots = 0;
	nv->nr_free = 0;
	nv->held_len = 0;
}

void netvsp_drop_send_buf(struct netvsp *nv)
{
	if (nv->send_buf)
		vmbus_dev_put_buffer(nv->dev, nv->send_buf);
	nv->send_buf = NULL;
}

/* Slot states (slot_busy): a packet's first slot carries its id. */
#define NETVSP_SLOT_FREE	0
#define NETVSP_SLOT_HEAD	1
#define NETVSP_SLOT_MEMBER	2

static int netvsp_deliver_at(struct netvsp *nv, struct vmbus_chan *ch,
			     uint32_t channel_type,
			     const struct netvsp_msg *msgs, uint32_t nr_msgs,
			     uint32_t skew)
{
	/* The wire's transfer-page header with a range per message. */
	uint8_t xfer[sizeof(struct hvis_xfer_page_header) +
		     NETVSP_RSC_RANGES * sizeof(struct hvis_xfer_page_range)] = { 0 };
	struct hvis_xfer_page_header *xh = (void *)xfer;
	struct hvis_nvsp_msg msg = { .type = HVIS_NVSP_SEND_RNDIS_PKT };
	struct hvring_iov body = { &msg, HVIS_NVSP_LEN(sizeof(msg.rndis)) };
	uint32_t slots[NETVSP_RSC_RANGES];
	uint64_t off;
	uint32_t len, i, m;
	int r;

	if (!ch || !nv->recv_buf)
		return -EPIPE;
	if (!nr_msgs || nr_msgs > NETVSP_RSC_RANGES)
		return -EMSGSIZE;
	if (nv->nr_free < nr_msgs)
		return -ENOSPC;
	for (m = 0; m < nr_msgs; m++) {
		slots[m] = nv->free_slots[nv->nr_free - 1 - m];
		off = (uint64_t)slots[m] * NETVSP_RECV_SLOT_SIZE;
		for (i = 0, len = 0; i < msgs[m].n; i++)
			len += msgs[m].iov[i].len;
		if (len > NETVSP_RECV_SLOT_SIZE)
			return -EMSGSIZE;
		for (i = 0; i < msgs[m].n; off += msgs[m].iov[i].len, i++)
			if (vmbus_buffer_write(nv->dev, nv->recv_buf, off,
					       msgs[m].iov[i].base,
					       msgs[m].iov[i].len))
				return -EPIPE;
		xh->ranges[m].byte_count = len;
		xh->ranges[m].byte_offset = slots[m] * NETVSP_RECV_SLOT_SIZE +
					    skew;
	}
	msg.rndis.channel_type = channel_type;
	msg.rndis.section_index = HVIS_NVSP_NO_SECTION;
	xh->xfer_pageset_id = nv->recv_id;
	xh->range_count = nr_msgs;
	/*
	 * The descriptor in front of it is the channel's to write.  The
	 * transaction id is the first slot's index, as on Hyper-V: DPDK's
	 * netvsc PMD indexes an array of the slot count by it.
	 */
	r = vmbus_chan_send_hdr(ch, HVIS_VMPKT_DATA_USING_XFER_PAGES,
				HVIS_VMPKT_FLAG_COMPLETION_REQUESTED,
				slots[0],
				xfer + sizeof(xh->d),
				sizeof(*xh) - sizeof(xh->d) +
				nr_msgs * sizeof(xh->ranges[0]), &body, 1);
	if (r)
		return r;
	nv->nr_free -= nr_msgs;
	for (m = 0; m < nr_msgs; m++) {
		nv->slot_busy[slots[m]] = m ? NETVSP_SLOT_MEMBER :
					      NETVSP_SLOT_HEAD;
		nv->slot_next[slots[m]] = m + 1 < nr_msgs ? slots[m + 1] :
					  slots[m];
	}
	return 0;
}

int netvsp_deliver_skewed(struct netvsp *nv, struct vmbus_chan *ch,
			  uint32_t channel_type, const struct hvring_iov *iov,
			  uint32_t n, uint32_t skew)
{
	struct netvsp_msg m = { iov, n };

	return netvsp_deliver_at(nv, ch, channel_type, &m, 1, skew);
}

int netvsp_deliver_msgs(struct netvsp *nv, struct vmbus_chan *ch,
			uint32_t channel_type, const struct netvsp_msg *msgs,
			uint32_t nr_msgs)
{
	return netvsp_deliver_at(nv, ch, channel_type, msgs, nr_msgs, 0);
}

int netvsp_deliver(struct netvsp *nv, struct vmbus_chan *ch,
		   uint32_t channel_type, const struct hvring_iov *iov,
		   uint32_t n)
{
	return netvsp_deliver_skewed(nv, ch, channel_type, iov, n, 0);
}

void netvsp_retry_held(struct netvsp *nv)
{
	if (nv->held_len) {
		if (netvsp_rndis_rx_frame(nv, nv->held, nv->held_len,
					  nv->held_csum))
			return;
		nv->held_len = 0;
	}
	netvsp_rx_pause(nv, false);
}

int netvsp_slot_completed(struct netvsp *nv, uint64_t tid,
			  const uint8_t *body, uint32_t len)
{
	struct hvis_nvsp_msg msg = { 0 };
	uint64_t slot = tid;	/* see netvsp_deliver_at() */

	memcpy(&msg, body, len < sizeof(msg) ? len : sizeof(msg));
	if (len < HVIS_NVSP_LEN(sizeof(msg.rndis_complete)) ||
	    msg.type != HVIS_NVSP_SEND_RNDIS_PKT_COMPLETE) {
		netvsp_bad(nv, "completion of type %u, length %u",
			   msg.type, len);
		return 0;
	}
	if (slot >= nv->nr_slots ||
	    nv->slot_busy[slot] != NETVSP_SLOT_HEAD) {
		netvsp_bad(nv, "completion for receive slot %llu not lent",
			   (unsigned long long)slot);
		return 0;
	}
	if (msg.rndis_complete.status != HVIS_NVSP_STAT_SUCCESS)
		nv->st.guest_refused++;
	/* The packet's slots, chained from its first; the last ends it. */
	for (;;) {
		uint32_t next = nv->slot_next[slot];

		nv->slot_busy[slot] = NETVSP_SLOT_FREE;
		nv->free_slots[nv->nr_free++] = (uint32_t)slot;
		if (next == slot)
			break;
		slot = next;
	}
	netvsp_retry_held(nv);
	return 0;
}

int netvsp_gather(struct netvsp *nv, const uint8_t *pkt, uint32_t payload_off,
		  uint16_t type, const struct hvis_nvsp_rndis_pkt *rp)
{
	uint32_t len = 0, i, pos;
	struct hvis_gpa_direct_header hdr;

	if (rp->section_index != HVIS_NVSP_NO_SECTION) {
		uint64_t off = (uint64_t)rp->section_index *
			       NETVSP_SEND_SECTION_SIZE;

		if (!nv->send_buf || rp->section_size > NETVSP_SEND_SECTION_SIZE ||
		    vmbus_buffer_read(nv->dev, nv->send_buf, off, nv->tx_buf,
				      rp->section_size)) {
			netvsp_bad(nv, "send section %u (%u bytes) outside the send buffer",
				   rp->section_index, rp->section_size);
			return -EPROTO;
		}
		len = rp->section_size;
	}
	if (type != HVIS_VMPKT_DATA_USING_GPA_DIRECT)
		return (int)len;
	if (payload_off < sizeof(hdr))
		goto bad;
	memcpy(&hdr, pkt, sizeof(hdr));
	pos = sizeof(hdr);
	for (i = 0; i < hdr.range_count; i++) {
		struct hvis_gpa_range rg;
		uint64_t npfn, done = 0;
		uint32_t j;

		if (payload_off - pos < sizeof(rg))
			goto bad;
		memcpy(&rg, pkt + pos, sizeof(rg));
		pos += sizeof(rg);
		if (!rg.byte_count || rg.byte_offset >= HVIS_PAGE_SIZE ||
		    rg.byte_count > NETVSP_TX_MAX - len)
			goto bad;
		npfn = ((uint64_t)rg.byte_offset + rg.byte_count +
			HVIS_PAGE_SIZE - 1) / HVIS_PAGE_SIZE;
		if ((payload_off - pos) / 8 < npfn)
			goto bad;
		for (j = 0; j < npfn; j++) {
			uint64_t pfn, in = j ? 0 : rg.byte_offset;
			uint64_t n = HVIS_PAGE_SIZE - in;
			const uint8_t *page;

			memcpy(&pfn, pkt + pos + 8 * j, 8);
			if (n > rg.byte_count - done)
				n = rg.byte_count - done;
			page = gpa_map(vmbus_chan_mem(nv->ch),
				       (pfn << HVIS_PAGE_SHIFT) + in, n);
			if (!page)
				goto bad;
			memcpy(nv->tx_buf + len, page, n);
			len += (uint32_t)n;
			done += n;
		}
		pos += (uint32_t)npfn * 8;
	}
	return (int)len;
bad:
	netvsp_bad(nv, "malformed GPA-direct page list");
	return -EPROTO;
}
