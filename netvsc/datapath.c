// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_netvsc's data path: the per-channel NAPI poll that takes every
 * packet the host sends (received frames in the receive buffer, send
 * completions, NVSP messages), and transmit, which copies small frames
 * into send-buffer sections and hands large ones to the host by page.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip6_checksum.h>

#include <hvis/ring.h>

#include "netvsc.h"

/* Append one range for [@pa, @pa + @len) at @pos; 0 if it does not fit. */
static u32 netvsc_add_range(u8 *pos, const u8 *end, phys_addr_t pa, u32 len)
{
	struct hvis_mpb_array *r = (struct hvis_mpb_array *)pos;
	u32 off = offset_in_page(pa), n, i, size;

	n = DIV_ROUND_UP(off + len, HV_HYP_PAGE_SIZE);
	size = sizeof(*r) + n * sizeof(u64);
	if (!len || size > end - pos)
		return 0;
	r->len = len;
	r->offset = off;
	for (i = 0; i < n; i++)
		r->pfn[i] = (pa >> HV_HYP_PAGE_SHIFT) + i;
	return size;
}

/**
 * netvsc_send_ctrl - send an RNDIS control message to the host
 * @nvdev: the attachment
 * @msg: the message, in kmalloc memory
 * @len: its length
 *
 * The host reads the message straight from @msg before it completes the
 * send; the caller keeps it alive until the reply (HALT, which has none,
 * lives in the attachment until detach has drained every send).
 */
int netvsc_send_ctrl(struct netvsc_dev *nvdev, const void *msg, u32 len)
{
	struct netvsc_chan *ch = &nvdev->chan[0];
	u64 buf[16] = {};
	struct hvis_gpa_direct_header *d = (struct hvis_gpa_direct_header *)buf;
	struct hvis_nvsp_msg nvsp = {};
	u32 size;
	int ret;

	size = netvsc_add_range((u8 *)(d + 1), (u8 *)buf + sizeof(buf),
				virt_to_phys((void *)msg), len);
	if (!size)
		return -EINVAL;
	d->range_count = 1;
	nvsp.type = HVIS_NVSP_SEND_RNDIS_PKT;
	nvsp.rndis.channel_type = HVIS_NVSP_RNDIS_CONTROL;
	nvsp.rndis.section_index = HVIS_NVSP_NO_SECTION;
	atomic_inc(&ch->tx_pending);
	ret = vmbus_sendpacket_mpb_desc(ch->channel,
					(struct vmbus_packet_mpb_array *)d,
					sizeof(*d) + size, &nvsp, sizeof(nvsp),
					NETVSC_RQST_CTRL);
	if (ret)
		atomic_dec(&ch->tx_pending);
	return ret;
}

/* ---- receive ---- */

/* Send one receive completion now; false if the ring has no room. */
static bool netvsc_comp_send(struct netvsc_chan *ch, u64 trans_id, u32 status)
{
	struct hvis_nvsp_msg msg = {};

	msg.type = HVIS_NVSP_SEND_RNDIS_PKT_COMPLETE;
	msg.rndis_complete.status = status;
	return !vmbus_sendpacket(ch->channel, &msg, sizeof(msg), trans_id,
				 VM_PKT_COMP, 0);
}

/* Send the completions the ring had no room for; true if none is left. */
static bool netvsc_comp_flush(struct netvsc_chan *ch)
{
	while (ch->comp_tail != ch->comp_head) {
		struct netvsc_rx_comp *c = &ch->comps[ch->comp_tail];

		if (!netvsc_comp_send(ch, c->trans_id, c->status))
			return false;
		ch->comp_tail = (ch->comp_tail + 1) % ch->comp_size;
	}
	return true;
}

/* Complete a transfer-page packet, in order with the ones still owed. */
static void netvsc_comp_queue(struct netvsc_chan *ch, u64 trans_id, u32 status)
{
	u32 next = (ch->comp_head + 1) % ch->comp_size;

	if (ch->comp_tail == ch->comp_head &&
	    netvsc_comp_send(ch, trans_id, status))
		return;
	atomic64_inc(&ch->nvdev->nv->stats.rx_comp_busy);
	if (next == ch->comp_tail) {
		/* More than the host's slots: the host is not keeping count. */
		atomic64_inc(&ch->nvdev->nv->stats.rx_bad);
		netvsc_err_rl(ch->nvdev->nv, "receive completion %llu lost: queue full\n",
			      trans_id);
		return;
	}
	ch->comps[ch->comp_head].trans_id = trans_id;
	ch->comps[ch->comp_head].status = status;
	ch->comp_head = next;
}

/* What the per-packet info of a received PACKET says. */
struct netvsc_rx_info {
	u32 csum;			/* HVIS_PPI_CSUM_RX_* bits, or 0 */
	u32 vlan, hash, pkt_id;		/* PPI values, valid if has_* */
	bool has_vlan, has_hash, has_id;
};

/*
 * Walk the per-packet info of a received PACKET into @info; -EPROTO if
 * any PPI lies outside the message.
 */
static int netvsc_rx_ppi(const u8 *body, u32 body_len,
			 const struct hvis_rndis_packet *p,
			 struct netvsc_rx_info *info)
{
	u32 pos, end, v;

	memset(info, 0, sizeof(*info));
	if (!p->ppi_len)
		return 0;
	if (p->ppi_offset < sizeof(*p) || p->ppi_offset > body_len ||
	    p->ppi_len > body_len - p->ppi_offset)
		return -EPROTO;
	end = p->ppi_offset + p->ppi_len;
	for (pos = p->ppi_offset; end - pos >= sizeof(struct hvis_rndis_ppi);) {
		struct hvis_rndis_ppi h;

		memcpy(&h, body + pos, sizeof(h));
		if (h.size < sizeof(h) || h.size > end - pos ||
		    h.value_offset < sizeof(h) || h.value_offset > h.size ||
		    h.size - h.value_offset < sizeof(v))
			return -EPROTO;
		memcpy(&v, body + pos + h.value_offset, sizeof(v));
		switch (h.type) {
		case HVIS_PPI_CSUM:
			info->csum = v;
			break;
		case HVIS_PPI_VLAN:
			info->vlan = v;
			info->has_vlan = true;
			break;
		case HVIS_PPI_HASH:
			info->hash = v;
			info->has_hash = true;
			break;
		case HVIS_PPI_PKT_ID:
			info->pkt_id = v;
			info->has_id = true;
			break;
		default:
			break;
		}
		pos += h.size;
	}
	return 0;
}

/*
 * One RNDIS PACKET of @len bytes at @msg in the receive buffer: where its
 * data lies (@frag) and what its per-packet info says (@info), all
 * checked against the message.
 */
static int netvsc_rx_parse(const u8 *msg, u32 len, struct netvsc_rx_frag *frag,
			   struct netvsc_rx_info *info)
{
	const u8 *body = msg + sizeof(struct hvis_rndis_header);
	u32 body_len = len - sizeof(struct hvis_rndis_header);
	struct hvis_rndis_packet p;

	if (body_len < sizeof(p))
		return -EPROTO;
	memcpy(&p, body, sizeof(p));
	if (p.data_offset < sizeof(p) || p.data_offset > body_len ||
	    p.data_len > body_len - p.data_offset || !p.data_len)
		return -EPROTO;
	frag->data = body + p.data_offset;
	frag->len = p.data_len;
	return netvsc_rx_ppi(body, body_len, &p, info);
}

/*
 * A whole frame, in @n pieces of @total bytes: copied into an skb with
 * what @info says, and handed to GRO.
 */
static void netvsc_rx_skb(struct netvsc_chan *ch,
			  const struct netvsc_rx_frag *frags, u32 n, u32 total,
			  const struct netvsc_rx_info *info)
{
	struct netvsc *nv = ch->nvdev->nv;
	struct sk_buff *skb;
	u32 i;

	skb = napi_alloc_skb(&ch->napi, total);
	if (!skb) {
		atomic64_inc(&nv->stats.rx_no_memory);
		nv->ndev->stats.rx_dropped++;
		return;
	}
	for (i = 0; i < n; i++)
		skb_put_data(skb, frags[i].data, frags[i].len);
	if ((nv->ndev->features & NETIF_F_RXCSUM) &&
	    info->csum & (HVIS_PPI_CSUM_RX_TCP_OK | HVIS_PPI_CSUM_RX_UDP_OK) &&
	    !(info->csum & (HVIS_PPI_CSUM_RX_TCP_FAILED |
			    HVIS_PPI_CSUM_RX_UDP_FAILED |
			    HVIS_PPI_CSUM_RX_IP_FAILED))) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		atomic64_inc(&nv->stats.rx_csum_good);
	}
	if (info->has_vlan)
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q),
				       HVIS_PPI_VLAN_PRI(info->vlan) << VLAN_PRIO_SHIFT |
				       HVIS_PPI_VLAN_CFI(info->vlan) << 12 |
				       HVIS_PPI_VLAN_VID(info->vlan));
	if (info->has_hash && (nv->ndev->features & NETIF_F_RXHASH))
		skb_set_hash(skb, info->hash, PKT_HASH_TYPE_L4);
	skb->protocol = eth_type_trans(skb, nv->ndev);
	skb_record_rx_queue(skb, ch->index);

	u64_stats_update_begin(&ch->rx_stats->syncp);
	ch->rx_stats->packets++;
	ch->rx_stats->bytes += total;
	u64_stats_update_end(&ch->rx_stats->syncp);
	napi_gro_receive(&ch->napi, skb);
}

/* Pieces of one coalesced frame, gathered across a packet's ranges. */
struct netvsc_rsc_state {
	u32 n, len;
	struct netvsc_rx_info info;	/* the first piece's */
};

/*
 * One received PACKET: a whole frame, or a piece of a coalesced one.
 * Returns the frames completed (0 or 1) or -EPROTO.
 */
static int netvsc_rx_packet(struct netvsc_chan *ch, struct netvsc_rsc_state *rsc,
			    const u8 *msg, u32 len)
{
	struct netvsc_rx_info info;
	struct netvsc_rx_frag frag;
	u8 flags;

	if (netvsc_rx_parse(msg, len, &frag, &info))
		return -EPROTO;
	flags = info.pkt_id >> 8;
	if (!info.has_id || !(flags & HVIS_PPI_PKT_ID_SUBALLOC)) {
		if (rsc->n || frag.len < ETH_HLEN)
			return -EPROTO;
		netvsc_rx_skb(ch, &frag, 1, frag.len, &info);
		return 1;
	}
	if (flags & HVIS_PPI_PKT_ID_FIRST) {
		if (rsc->n || frag.len < ETH_HLEN)
			return -EPROTO;
		rsc->len = 0;
		rsc->info = info;
	} else if (!rsc->n) {
		return -EPROTO;
	}
	if (rsc->n == NETVSC_RSC_MAX || frag.len > NETVSC_RSC_MAX_LEN - rsc->len)
		return -EPROTO;
	ch->rsc[rsc->n++] = frag;
	rsc->len += frag.len;
	if (!(flags & HVIS_PPI_PKT_ID_LAST))
		return 0;
	netvsc_rx_skb(ch, ch->rsc, rsc->n, rsc->len, &rsc->info);
	rsc->n = 0;
	return 1;
}

/* Say why a PACKET was refused, from our copy of its header. */
static void netvsc_rx_bad_packet(struct netvsc *nv, const u8 *msg, u32 len)
{
	struct hvis_rndis_packet p = {};

	nv->ndev->stats.rx_errors++;
	if (len >= sizeof(struct hvis_rndis_header) + sizeof(p))
		memcpy(&p, msg + sizeof(struct hvis_rndis_header), sizeof(p));
	netvsc_err_rl(nv, "invalid RNDIS packet: data %u+%u, PPI %u+%u in %u bytes\n",
		      p.data_offset, p.data_len, p.ppi_offset, p.ppi_len, len);
}

/*
 * A transfer-page packet: each range is one RNDIS message in the receive
 * buffer.  Every offset and length is checked against the buffer lent and
 * the message against its range before anything is read.  Returns the
 * frames taken (NAPI work).
 */
static int netvsc_rx_xfer(struct netvsc_chan *ch,
			  const struct vmpacket_descriptor *desc)
{
	struct netvsc_dev *nvdev = ch->nvdev;
	const struct hvis_xfer_page_header *xh = (const void *)desc;
	u32 hdr_len = desc->offset8 << 3, pkt_len = desc->len8 << 3;
	u32 buf_len = nvdev->recv_slot_size * nvdev->recv_slots;
	u32 status = HVIS_NVSP_STAT_SUCCESS, i, count;
	struct hvis_nvsp_msg nvsp = {};
	struct netvsc_rsc_state rsc = {};
	int frames = 0, ret;

	if (hdr_len < sizeof(*xh) || hdr_len > pkt_len ||
	    pkt_len - hdr_len < HVIS_NVSP_LEN(sizeof(nvsp.rndis)) ||
	    xh->xfer_pageset_id != HVIS_NVSP_RECV_BUF_ID ||
	    !xh->range_count ||
	    xh->range_count > (hdr_len - sizeof(*xh)) / sizeof(xh->ranges[0])) {
		netvsc_err_rl(nvdev->nv,
			      "malformed transfer-page packet (header %u of %u, %u ranges)\n",
			      hdr_len, pkt_len, xh->range_count);
		status = HVIS_NVSP_STAT_FAIL;
		goto complete;
	}
	memcpy(&nvsp, (const u8 *)desc + hdr_len,
	       min_t(u32, pkt_len - hdr_len, sizeof(nvsp)));
	if (nvsp.type != HVIS_NVSP_SEND_RNDIS_PKT) {
		netvsc_err_rl(nvdev->nv, "transfer-page packet carries NVSP %u\n",
			      nvsp.type);
		status = HVIS_NVSP_STAT_FAIL;
		goto complete;
	}

	count = xh->range_count;
	for (i = 0; i < count; i++) {
		u32 off = xh->ranges[i].byte_offset;
		u32 len = xh->ranges[i].byte_count;
		struct hvis_rndis_header h;
		const u8 *msg;

		if (off > buf_len || len > buf_len - off ||
		    len < sizeof(h)) {
			netvsc_err_rl(nvdev->nv,
				      "range %u+%u outside the %u-byte receive buffer\n",
				      off, len, buf_len);
			status = HVIS_NVSP_STAT_FAIL;
			continue;
		}
		msg = (const u8 *)nvdev->recv_buf + off;
		memcpy(&h, msg, sizeof(h));
		if (h.len < sizeof(h) || h.len > len) {
			netvsc_err_rl(nvdev->nv,
				      "RNDIS message of %u bytes in a %u-byte range\n",
				      h.len, len);
			status = HVIS_NVSP_STAT_FAIL;
			continue;
		}
		if (h.type != HVIS_RNDIS_PACKET) {
			netvsc_rndis_control(ch, msg, h.len);
			continue;
		}
		ret = netvsc_rx_packet(ch, &rsc, msg, h.len);
		if (ret < 0) {
			netvsc_rx_bad_packet(nvdev->nv, msg, h.len);
			status = HVIS_NVSP_STAT_FAIL;
			rsc.n = 0;
			continue;
		}
		frames += ret;
	}
	if (rsc.n) {
		netvsc_err_rl(nvdev->nv, "coalesced frame of %u pieces never ended\n",
			      rsc.n);
		status = HVIS_NVSP_STAT_FAIL;
	}
	if (status != HVIS_NVSP_STAT_SUCCESS)
		atomic64_inc(&nvdev->nv->stats.rx_bad);
complete:
	netvsc_comp_queue(ch, desc->trans_id, status);
	return frames;
}

/* Let a stopped transmit queue go once the ring has room again. */
static void netvsc_tx_wake(struct netvsc_chan *ch)
{
	struct net_device *ndev = ch->nvdev->nv->ndev;
	struct netdev_queue *txq;

	if (ch->index >= ndev->real_num_tx_queues)
		return;
	txq = netdev_get_tx_queue(ndev, ch->index);
	if (netif_tx_queue_stopped(txq) && netif_device_present(ndev) &&
	    (hv_get_bytes_to_write(&ch->channel->outbound) >=
	     2 * NETVSC_RING_LOWATER || !atomic_read(&ch->tx_pending))) {
		netif_tx_wake_queue(txq);
		atomic64_inc(&ch->nvdev->nv->stats.wake_queue);
	}
}

/**
 * netvsc_poll - NAPI poll of one channel
 * @napi: the channel's NAPI context
 * @budget: frames it may take
 *
 * Context: softirq; the only reader of the channel's inbound ring.
 */
int netvsc_poll(struct napi_struct *napi, int budget)
{
	struct netvsc_chan *ch = container_of(napi, struct netvsc_chan, napi);
	struct vmbus_channel *channel = ch->channel;
	const struct vmpacket_descriptor *desc;
	int work = 0;

	/* Owed completions first: the host's slots come back in order. */
	if (!netvsc_comp_flush(ch))
		return budget;

	for (desc = hv_pkt_iter_first(channel); desc && work < budget;
	     desc = hv_pkt_iter_next(channel, desc)) {
		switch (desc->type) {
		case VM_PKT_COMP:
			netvsc_nvsp_completion(ch, desc);
			break;
		case VM_PKT_DATA_USING_XFER_PAGES:
			work += netvsc_rx_xfer(ch, desc);
			break;
		case VM_PKT_DATA_INBAND:
			netvsc_nvsp_inband(ch, desc);
			break;
		default:
			atomic64_inc(&ch->nvdev->nv->stats.rx_bad);
			netvsc_err_rl(ch->nvdev->nv, "unknown packet type %u from the host\n",
				      desc->type);
		}
	}
	hv_pkt_iter_close(channel);
	netvsc_tx_wake(ch);

	if (!netvsc_comp_flush(ch))
		return budget;
	if (work < budget && napi_complete_done(napi, work) &&
	    hv_end_read(&channel->inbound) && napi_schedule_prep(napi)) {
		hv_begin_read(&channel->inbound);
		__napi_schedule(napi);
	}
	return min(work, budget);
}

/* The channel's interrupt: all the work happens in NAPI. */
void netvsc_chan_cb(void *context)
{
	struct netvsc_chan *ch = context;

	if (napi_schedule_prep(&ch->napi)) {
		hv_begin_read(&ch->channel->inbound);
		__napi_schedule(&ch->napi);
	}
}

/* ---- transmit ---- */

/* A free send-buffer section, or HVIS_NVSP_NO_SECTION. */
static u32 netvsc_section_get(struct netvsc_dev *nvdev)
{
	u32 i;

	do {
		i = find_first_zero_bit(nvdev->send_map, nvdev->send_sections);
		if (i >= nvdev->send_sections)
			return HVIS_NVSP_NO_SECTION;
	} while (test_and_set_bit(i, nvdev->send_map));
	return i;
}

static void netvsc_section_put(struct netvsc_dev *nvdev, u32 i)
{
	if (i < nvdev->send_sections)
		clear_bit(i, nvdev->send_map);
}

/**
 * netvsc_tx_done - the host completed a frame
 * @ch: the channel it was sent on
 * @skb: the frame
 * @status: the host's HVIS_NVSP_STAT_*
 */
void netvsc_tx_done(struct netvsc_chan *ch, struct sk_buff *skb, u32 status)
{
	struct netvsc_skb_cb *cb = netvsc_cb(skb);

	netvsc_section_put(ch->nvdev, cb->section);
	if (status == HVIS_NVSP_STAT_SUCCESS) {
		u64_stats_update_begin(&ch->tx_stats->syncp);
		ch->tx_stats->packets++;
		ch->tx_stats->bytes += cb->len;
		u64_stats_update_end(&ch->tx_stats->syncp);
	} else {
		atomic64_inc(&ch->nvdev->nv->stats.tx_dropped);
	}
	atomic_dec(&ch->tx_pending);
	napi_consume_skb(skb, 1);
}

static u8 *netvsc_ppi_add(u8 *pos, u32 type, u32 value)
{
	struct hvis_rndis_ppi h = {
		.size = NETVSC_PPI_SIZE,
		.type = type,
		.value_offset = sizeof(h),
	};

	memcpy(pos, &h, sizeof(h));
	memcpy(pos + sizeof(h), &value, sizeof(value));
	return pos + NETVSC_PPI_SIZE;
}

/*
 * Build the RNDIS PACKET header of @skb in @buf, with the offloads it
 * asks for; the headers of a TSO frame are put the way LSOv2 takes them.
 * Returns the header's length, or 0 if the frame cannot be sent.
 */
static u32 netvsc_tx_header(struct sk_buff *skb, u8 *buf)
{
	struct hvis_rndis_header *h = (struct hvis_rndis_header *)buf;
	struct hvis_rndis_packet *p = (struct hvis_rndis_packet *)(h + 1);
	u8 *ppi = (u8 *)(p + 1), *pos = ppi;
	u32 v;

	if (skb_vlan_tag_present(skb)) {
		u16 tci = skb_vlan_tag_get(skb);

		pos = netvsc_ppi_add(pos, HVIS_PPI_VLAN,
				     (tci >> VLAN_PRIO_SHIFT) |
				     ((tci >> 12) & 1) << 3 |
				     (tci & VLAN_VID_MASK) << 4);
	}
	if (skb_is_gso(skb)) {
		v = HVIS_PPI_LSO_V2 | skb_shinfo(skb)->gso_size |
		    skb_transport_offset(skb) << HVIS_PPI_LSO_TCP_OFF_SHIFT;
		if (skb_shinfo(skb)->gso_type & SKB_GSO_TCPV4) {
			ip_hdr(skb)->tot_len = 0;
			ip_hdr(skb)->check = 0;
			tcp_hdr(skb)->check = ~csum_tcpudp_magic(ip_hdr(skb)->saddr,
								 ip_hdr(skb)->daddr,
								 0, IPPROTO_TCP, 0);
		} else if (skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6) {
			v |= HVIS_PPI_LSO_IPV6;
			ipv6_hdr(skb)->payload_len = 0;
			tcp_hdr(skb)->check = ~csum_ipv6_magic(&ipv6_hdr(skb)->saddr,
							       &ipv6_hdr(skb)->daddr,
							       0, IPPROTO_TCP, 0);
		} else {
			return 0;
		}
		pos = netvsc_ppi_add(pos, HVIS_PPI_LSO, v);
	} else if (skb->ip_summed == CHECKSUM_PARTIAL) {
		__be16 proto = vlan_get_protocol(skb);

		v = skb_checksum_start_offset(skb) << HVIS_PPI_CSUM_TX_TCP_OFF_SHIFT;
		if (proto == htons(ETH_P_IP))
			v |= HVIS_PPI_CSUM_TX_IPV4;
		else if (proto == htons(ETH_P_IPV6))
			v |= HVIS_PPI_CSUM_TX_IPV6;
		if (skb->csum_offset == offsetof(struct tcphdr, check))
			v |= HVIS_PPI_CSUM_TX_TCP;
		else if (skb->csum_offset == offsetof(struct udphdr, check))
			v |= HVIS_PPI_CSUM_TX_UDP;
		if (!(v & (HVIS_PPI_CSUM_TX_IPV4 | HVIS_PPI_CSUM_TX_IPV6)) ||
		    !(v & (HVIS_PPI_CSUM_TX_TCP | HVIS_PPI_CSUM_TX_UDP))) {
			if (skb_checksum_help(skb))
				return 0;
		} else {
			pos = netvsc_ppi_add(pos, HVIS_PPI_CSUM, v);
		}
	}

	memset(p, 0, sizeof(*p));
	p->ppi_offset = pos == ppi ? 0 : sizeof(*p);
	p->ppi_len = pos - ppi;
	p->data_offset = sizeof(*p) + p->ppi_len;
	p->data_len = skb->len;
	h->type = HVIS_RNDIS_PACKET;
	h->len = sizeof(*h) + p->data_offset + skb->len;
	return pos - buf;
}

/* Describe the (RNDIS header pushed) skb by its pages; 0 if too many. */
static u32 netvsc_tx_ranges(struct netvsc_chan *ch, struct sk_buff *skb)
{
	struct hvis_gpa_direct_header *d = ch->mpb;
	u8 *pos = (u8 *)(d + 1), *end = (u8 *)ch->mpb + NETVSC_MPB_SIZE;
	u32 i, n;

	memset(d, 0, sizeof(*d));
	n = netvsc_add_range(pos, end, virt_to_phys(skb->data),
			     skb_headlen(skb));
	if (!n)
		return 0;
	pos += n;
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		if (!skb_frag_size(f))
			continue;
		n = netvsc_add_range(pos, end,
				     page_to_phys(skb_frag_page(f)) +
				     skb_frag_off(f), skb_frag_size(f));
		if (!n)
			return 0;
		pos += n;
	}
	d->range_count = 1 + skb_shinfo(skb)->nr_frags;
	return pos - (u8 *)d;
}

/* Stop the queue while the ring is nearly full, with no lost wake-up. */
static void netvsc_tx_maybe_stop(struct netvsc_chan *ch,
				 struct netdev_queue *txq)
{
	if (hv_get_bytes_to_write(&ch->channel->outbound) >= NETVSC_RING_LOWATER)
		return;
	netif_tx_stop_queue(txq);
	atomic64_inc(&ch->nvdev->nv->stats.tx_no_space);
	/*
	 * The poll may have drained the ring before the stop was seen: the
	 * stop must be visible before the ring space is read again, as the
	 * poll's ring-space update (hv_pkt_iter_close()'s barrier) is before
	 * its netif_tx_queue_stopped() in netvsc_tx_wake().
	 */
	smp_mb();
	if (hv_get_bytes_to_write(&ch->channel->outbound) >=
	    2 * NETVSC_RING_LOWATER || !atomic_read(&ch->tx_pending))
		netif_tx_wake_queue(txq);
}

static netdev_tx_t netvsc_tx_drop(struct net_device *ndev, struct sk_buff *skb)
{
	struct netvsc *nv = netdev_priv(ndev);

	atomic64_inc(&nv->stats.tx_dropped);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/**
 * netvsc_xmit - ndo_start_xmit
 * @skb: the frame
 * @ndev: the NIC
 *
 * Context: BH off, RCU-bh read side, the queue's xmit lock held: the
 * channel's @mpb is this call's alone.
 */
netdev_tx_t netvsc_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct netvsc *nv = netdev_priv(ndev);
	u16 q = skb_get_queue_mapping(skb);
	struct netdev_queue *txq = netdev_get_tx_queue(ndev, q);
	u8 hdr[NETVSC_RNDIS_HDR_MAX];
	struct hvis_nvsp_msg nvsp = {};
	struct netvsc_dev *nvdev;
	struct netvsc_chan *ch;
	u32 hlen, size, len = skb->len;
	bool pushed = false;
	int ret;

	nvdev = rcu_dereference_bh(nv->nvdev);
	if (!nvdev || q >= nvdev->num_chn)
		return netvsc_tx_drop(ndev, skb);
	ch = &nvdev->chan[q];

	/* The header fix-ups of TSO write into headers a clone may share. */
	if (skb_cow_head(skb, NETVSC_RNDIS_HDR_MAX))
		return netvsc_tx_drop(ndev, skb);
	hlen = netvsc_tx_header(skb, hdr);
	if (!hlen)
		return netvsc_tx_drop(ndev, skb);

	nvsp.type = HVIS_NVSP_SEND_RNDIS_PKT;
	nvsp.rndis.channel_type = HVIS_NVSP_RNDIS_DATA;
	nvsp.rndis.section_index = HVIS_NVSP_NO_SECTION;
	if (hlen + skb->len <= nvdev->send_section_size)
		nvsp.rndis.section_index = netvsc_section_get(nvdev);
	netvsc_cb(skb)->section = nvsp.rndis.section_index;
	netvsc_cb(skb)->len = len;

	/* Before the send: its completion can come before the return. */
	atomic_inc(&ch->tx_pending);
	if (nvsp.rndis.section_index != HVIS_NVSP_NO_SECTION) {
		u8 *dst = (u8 *)nvdev->send_buf +
			  nvsp.rndis.section_index * nvdev->send_section_size;

		memcpy(dst, hdr, hlen);
		skb_copy_bits(skb, 0, dst + hlen, skb->len);
		nvsp.rndis.section_size = hlen + skb->len;
		ret = vmbus_sendpacket(ch->channel, &nvsp, sizeof(nvsp),
				       (unsigned long)skb, VM_PKT_DATA_INBAND,
				       VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED);
	} else {
		memcpy(skb_push(skb, hlen), hdr, hlen);
		pushed = true;
		size = netvsc_tx_ranges(ch, skb);
		if (!size) {
			atomic_dec(&ch->tx_pending);
			skb_pull(skb, hlen);
			return netvsc_tx_drop(ndev, skb);
		}
		atomic64_inc(&nv->stats.tx_scattered);
		ret = vmbus_sendpacket_mpb_desc(ch->channel, ch->mpb, size,
						&nvsp, sizeof(nvsp),
						(unsigned long)skb);
	}

	if (!ret) {
		netvsc_tx_maybe_stop(ch, txq);
		return NETDEV_TX_OK;
	}
	atomic_dec(&ch->tx_pending);
	netvsc_section_put(nvdev, nvsp.rndis.section_index);
	if (pushed)
		skb_pull(skb, hlen);
	if (ret != -EAGAIN)
		return netvsc_tx_drop(ndev, skb);
	/* Ring or request ids full: the stack retries once we wake. */
	netif_tx_stop_queue(txq);
	atomic64_inc(&nv->stats.tx_no_space);
	/* As in netvsc_tx_maybe_stop(): stop before reading tx_pending. */
	smp_mb();
	if (!atomic_read(&ch->tx_pending))
		netif_tx_wake_queue(txq);
	return NETDEV_TX_BUSY;
}

/*
 * The host's send table picks the channel for a flow's hash bucket, once
 * it sent one; until then the stack's own choice stands.
 */
u16 netvsc_select_queue(struct net_device *ndev, struct sk_buff *skb,
			struct net_device *sb_dev)
{
	struct netvsc *nv = netdev_priv(ndev);
	struct netvsc_dev *nvdev;
	u32 q;

	rcu_read_lock();
	nvdev = rcu_dereference(nv->nvdev);
	if (nvdev && READ_ONCE(nvdev->send_table_valid)) {
		q = READ_ONCE(nvdev->send_table[skb_get_hash(skb) %
						HVIS_NVSP_SEND_TABLE_SIZE]);
		if (q < ndev->real_num_tx_queues) {
			rcu_read_unlock();
			return q;
		}
	}
	rcu_read_unlock();
	return netdev_pick_tx(ndev, skb, sb_dev);
}
