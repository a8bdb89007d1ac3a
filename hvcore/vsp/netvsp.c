// SPDX-License-Identifier: GPL-2.0-only
/*
 * The network VSP: the device and its channels, NVSP negotiation, and the
 * completions of the guest's packets.  The guest's buffers are
 * netvsp_buf.c, RNDIS netvsp_rndis.c, transmit offloads netvsp_offload.c,
 * the TAP back end netvsp_tap.c, the control commands netvsp_ctl.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvis/nvsp.h"
#include "hvis/ring.h"
#include "hvis/rndis.h"
#include "log.h"
#include "net/switch.h"
#include "netvsp.h"
#include "vmbus/channel.h"
#include "vsp.h"

void netvsp_bad(struct netvsp *nv, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	nv->st.bad_packets++;
	log_guest("netvsp: relid %u: dropped: %s", vmbus_dev_relid(nv->dev),
		  why);
}

/* --- Completions of the guest's packets --- */

static int netvsp_send_completion(struct netvsp_chan *nc, uint64_t tid)
{
	struct { u32 type; u32 status; } msg = {
		HVIS_NVSP_SEND_RNDIS_PKT_COMPLETE, HVIS_NVSP_STAT_SUCCESS
	};
	struct hvring_iov iov = { &msg, sizeof(msg) };

	return vmbus_chan_send(nc->ch, HVIS_VMPKT_COMP, 0, tid, &iov, 1);
}

/* Send the completions @nc owes; false while some still do not fit. */
static bool netvsp_flush_owed(struct netvsp_chan *nc)
{
	uint32_t done = 0;

	while (done < nc->nr_owed &&
	       !netvsp_send_completion(nc, nc->owed[done]))
		done++;
	memmove(nc->owed, nc->owed + done,
		(nc->nr_owed - done) * sizeof(nc->owed[0]));
	nc->nr_owed -= done;
	return !nc->nr_owed;
}

/*
 * Complete a guest RNDIS packet whose effects already happened (a frame
 * sent, a reply delivered): if the ring is full it is owed, never redone.
 */
static void netvsp_complete_rndis(struct netvsp_chan *nc, uint64_t tid)
{
	if (!nc->nr_owed && !netvsp_send_completion(nc, tid))
		return;
	/* packet() reads nothing while any is owed, so this cannot fill. */
	nc->owed[nc->nr_owed++] = tid;
}

/* --- NVSP control messages --- */

/*
 * Answer a guest request in a completion packet, always the full frame:
 * Linux reads sizeof(its nvsp_message) of every completion and checks
 * each type's length against the largest body.
 */
static int netvsp_reply(struct netvsp_chan *nc, uint64_t tid,
			const struct hvis_nvsp_msg *msg)
{
	struct hvring_iov iov = { msg, sizeof(*msg) };
	int r;

	r = vmbus_chan_send(nc->ch, HVIS_VMPKT_COMP, 0, tid, &iov, 1);
	return r == -EAGAIN ? VSP_PKT_RETRY : r;
}

static bool netvsp_version_ok(uint32_t v)
{
	switch (v) {
	case HVIS_NVSP_VERSION_1:
	case HVIS_NVSP_VERSION_2:
	case HVIS_NVSP_VERSION_4:
	case HVIS_NVSP_VERSION_5:
	case HVIS_NVSP_VERSION_6:
	case HVIS_NVSP_VERSION_61:
		return true;
	}
	return false;
}

static int netvsp_init(struct netvsp_chan *nc, uint64_t tid,
		       const struct hvis_nvsp_msg *in)
{
	struct netvsp *nv = nc->nv;
	struct hvis_nvsp_msg out = { .type = HVIS_NVSP_INIT_COMPLETE };
	uint32_t v = in->init.max_version;
	int r;

	/* Guests offer one version at a time (min == max). */
	if (in->init.min_version > v || !netvsp_version_ok(v) || nv->recv_buf)
		v = 0;
	out.init_complete.version = v;
	out.init_complete.status = v ? HVIS_NVSP_STAT_SUCCESS :
					HVIS_NVSP_STAT_FAIL;
	r = netvsp_reply(nc, tid, &out);
	if (!r && v)
		nv->version = v;
	return r;
}

static int netvsp_recv_buf(struct netvsp_chan *nc, uint64_t tid,
			   const struct hvis_nvsp_msg *in)
{
	struct netvsp *nv = nc->nv;
	struct hvis_nvsp_msg out = { .type = HVIS_NVSP_SEND_RECV_BUF_COMPLETE };
	struct hvis_nvsp_recv_section *sec = &out.recv_buf_complete.section;
	const char *why = NULL;
	struct gpadl *gp = NULL;
	uint32_t size = 0, i, slots;
	int r;

	if (!nv->version)
		why = "before INIT";
	else if (nv->recv_buf)
		why = "a receive buffer is already set";
	else
		gp = vmbus_dev_get_buffer(nv->dev, in->buf.gpadl, &size, &why);
	if (!why && size / NETVSP_RECV_SLOT_SIZE < 2) {
		why = "receive buffer smaller than two slots";
		vmbus_dev_put_buffer(nv->dev, gp);
		gp = NULL;
	}
	out.recv_buf_complete.status = HVIS_NVSP_STAT_FAIL;
	if (why) {
		log_guest("netvsp: relid %u: receive buffer (GPADL %u) refused: %s",
			  vmbus_dev_relid(nv->dev), in->buf.gpadl, why);
		return netvsp_reply(nc, tid, &out);
	}
	slots = size / NETVSP_RECV_SLOT_SIZE;
	out.recv_buf_complete.status = HVIS_NVSP_STAT_SUCCESS;
	out.recv_buf_complete.num_sections = 1;
	sec->offset = 0;
	sec->sub_alloc_size = NETVSP_RECV_SLOT_SIZE;
	sec->num_sub_allocs = slots;
	sec->end_offset = slots * NETVSP_RECV_SLOT_SIZE;
	/* Held from here; netvsp_drop_recv_buf() gives it and the slots back. */
	nv->recv_buf = gp;
	nv->free_slots = calloc(slots, sizeof(*nv->free_slots));
	nv->slot_busy = calloc(slots, 1);
	nv->slot_next = calloc(slots, sizeof(*nv->slot_next));
	if (!nv->free_slots || !nv->slot_busy || !nv->slot_next) {
		netvsp_drop_recv_buf(nv);
		out.recv_buf_complete.status = HVIS_NVSP_STAT_FAIL;
		return netvsp_reply(nc, tid, &out);
	}
	r = netvsp_reply(nc, tid, &out);
	if (r) {
		netvsp_drop_recv_buf(nv);
		return r;
	}
	/* Hand slots out from the start of the buffer. */
	for (i = 0; i < slots; i++)
		nv->free_slots[i] = slots - 1 - i;
	nv->nr_slots = slots;
	nv->nr_free = slots;
	nv->recv_size = size;
	nv->recv_id = in->buf.id;
	return 0;
}

static int netvsp_send_buf(struct netvsp_chan *nc, uint64_t tid,
			   const struct hvis_nvsp_msg *in)
{
	struct netvsp *nv = nc->nv;
	struct hvis_nvsp_msg out = { .type = HVIS_NVSP_SEND_SEND_BUF_COMPLETE };
	const char *why = NULL;
	struct gpadl *gp = NULL;
	uint32_t size = 0;
	int r;

	if (!nv->recv_buf)
		why = "before the receive buffer";
	else if (nv->send_buf)
		why = "a send buffer is already set";
	else
		gp = vmbus_dev_get_buffer(nv->dev, in->buf.gpadl, &size, &why);
	if (why) {
		log_guest("netvsp: relid %u: send buffer (GPADL %u) refused: %s",
			  vmbus_dev_relid(nv->dev), in->buf.gpadl, why);
		out.send_buf_complete.status = HVIS_NVSP_STAT_FAIL;
		return netvsp_reply(nc, tid, &out);
	}
	out.send_buf_complete.status = HVIS_NVSP_STAT_SUCCESS;
	out.send_buf_complete.section_size = NETVSP_SEND_SECTION_SIZE;
	r = netvsp_reply(nc, tid, &out);
	if (r) {
		vmbus_dev_put_buffer(nv->dev, gp);
		return r;
	}
	nv->send_buf = gp;
	return 0;
}

static int netvsp_rndis_pkt(struct netvsp_chan *nc, const uint8_t *pkt,
			    uint32_t payload_off, uint16_t type, uint64_t tid,
			    const struct hvis_nvsp_msg *in)
{
	struct netvsp *nv = nc->nv;
	int len, r;

	if (!nv->recv_buf) {
		netvsp_bad(nv, "RNDIS packet before the receive buffer");
		return 0;
	}
	len = netvsp_gather(nv, pkt, payload_off, type, &in->rndis);
	if (len >= 0) {
		r = netvsp_rndis_input(nv, in->rndis.channel_type, nv->tx_buf,
				       (uint32_t)len);
		if (r == -EAGAIN)
			return VSP_PKT_RETRY;
	}
	/* A malformed packet is completed too: the guest frees its buffers. */
	netvsp_complete_rndis(nc, tid);
	return 0;
}

/*
 * SUBCHANNEL ALLOCATE: offer up to the receive queues advertised, less the
 * primary.  The guest opens them as their offers arrive.
 */
static int netvsp_subchannel(struct netvsp_chan *nc, uint64_t tid,
			     const struct hvis_nvsp_msg *in)
{
	struct netvsp *nv = nc->nv;
	struct hvis_nvsp_msg out = { .type = HVIS_NVSP_SUBCHANNEL };
	uint32_t n = in->subchannel.count;
	int r;

	if (n > nv->nr_queues - 1)
		n = nv->nr_queues - 1;
	out.subchannel_complete.status = HVIS_NVSP_STAT_SUCCESS;
	if (in->subchannel.op != HVIS_NVSP_SUBCHANNEL_ALLOCATE ||
	    nv->version < HVIS_NVSP_VERSION_5 || nc->index) {
		log_guest("netvsp: relid %u: sub-channel request (op %u) refused",
			  vmbus_dev_relid(nv->dev), in->subchannel.op);
		out.subchannel_complete.status = HVIS_NVSP_STAT_FAIL;
		n = 0;
	}
	out.subchannel_complete.count = n;
	r = netvsp_reply(nc, tid, &out);
	if (!r && n && vmbus_dev_add_subchannels(nv->dev, n))
		log_msg("netvsp: relid %u: could not offer %u sub-channels",
			vmbus_dev_relid(nv->dev), n);
	return r;
}

/* The minimum body each guest message needs, or 0 if hvis does not take it. */
static uint32_t netvsp_body_size(uint32_t type)
{
	const struct hvis_nvsp_msg *m = NULL;

	switch (type) {
	case HVIS_NVSP_INIT:
		return sizeof(m->init);
	case HVIS_NVSP_SEND_NDIS_VER:
		return sizeof(m->ndis_ver);
	case HVIS_NVSP_SEND_NDIS_CONFIG:
		return sizeof(m->ndis_config);
	case HVIS_NVSP_SEND_RECV_BUF:
	case HVIS_NVSP_SEND_SEND_BUF:
		return sizeof(m->buf);
	case HVIS_NVSP_REVOKE_RECV_BUF:
	case HVIS_NVSP_REVOKE_SEND_BUF:
		return sizeof(m->revoke);
	case HVIS_NVSP_SEND_RNDIS_PKT:
		return sizeof(m->rndis);
	case HVIS_NVSP_SUBCHANNEL:
		return sizeof(m->subchannel);
	}
	return 0;
}

static int netvsp_packet(struct vmbus_chan *ch, const void *data, uint32_t len)
{
	struct netvsp_chan *nc = vmbus_chan_priv(ch);
	struct netvsp *nv = nc->nv;
	struct hvis_vmpacket_desc d;
	uint32_t off = vmbus_pkt_desc(data, &d), blen = len - off, need;
	const uint8_t *body = (const uint8_t *)data + off;
	struct hvis_nvsp_msg in = { 0 };

	if (d.type == HVIS_VMPKT_COMP)
		return netvsp_slot_completed(nv, d.trans_id, body, blen);
	if (nc->nr_owed && !netvsp_flush_owed(nc))
		return VSP_PKT_RETRY;
	if (d.type != HVIS_VMPKT_DATA_INBAND &&
	    d.type != HVIS_VMPKT_DATA_USING_GPA_DIRECT) {
		netvsp_bad(nv, "packet type %u", d.type);
		return 0;
	}
	memcpy(&in, body, blen < sizeof(in) ? blen : sizeof(in));
	need = netvsp_body_size(in.type);
	if (blen < 4 || !need || blen < HVIS_NVSP_LEN(need)) {
		netvsp_bad(nv, "NVSP message type %u, %u bytes", in.type, blen);
		return 0;
	}
	if (in.type != HVIS_NVSP_INIT && !nv->version) {
		netvsp_bad(nv, "NVSP message type %u before INIT", in.type);
		return 0;
	}
	switch (in.type) {
	case HVIS_NVSP_INIT:
		return netvsp_init(nc, d.trans_id, &in);
	case HVIS_NVSP_SEND_NDIS_VER:
	case HVIS_NVSP_SEND_NDIS_CONFIG:
		/* Nothing to act on: frames up to NETVSP_MTU_MAX are taken. */
		return 0;
	case HVIS_NVSP_SEND_RECV_BUF:
		return netvsp_recv_buf(nc, d.trans_id, &in);
	case HVIS_NVSP_SEND_SEND_BUF:
		return netvsp_send_buf(nc, d.trans_id, &in);
	case HVIS_NVSP_REVOKE_RECV_BUF:
		netvsp_drop_recv_buf(nv);
		return 0;
	case HVIS_NVSP_REVOKE_SEND_BUF:
		netvsp_drop_send_buf(nv);
		return 0;
	case HVIS_NVSP_SEND_RNDIS_PKT:
		return netvsp_rndis_pkt(nc, data, off, d.type, d.trans_id, &in);
	case HVIS_NVSP_SUBCHANNEL:
		return netvsp_subchannel(nc, d.trans_id, &in);
	}
	return 0;
}

static void netvsp_writable(struct vmbus_chan *ch)
{
	struct netvsp_chan *nc = vmbus_chan_priv(ch);

	if (netvsp_flush_owed(nc))
		netvsp_retry_held(nc->nv);
	vmbus_chan_flush(ch);
}

/* --- Device life cycle --- */

static void netvsp_forget(struct netvsp *nv)
{
	netvsp_drop_recv_buf(nv);
	netvsp_drop_send_buf(nv);
	nv->ch = NULL;
	nv->version = 0;
	nv->rndis_ready = false;
	nv->filter = 0;
	nv->rss_entries = 0;
	nv->held_len = 0;
	netvsp_rx_pause(nv, true);
	if (nv->rsc) {
		netvsp_tap_set_rsc(nv, false);
		nv->rsc = false;
	}
}

void netvsp_rx_pause(struct netvsp *nv, bool pause)
{
	netvsp_tap_pause(nv, pause);
	if (!nv->sw || pause == nv->sw_paused)
		return;
	/* Taking frames waits for a guest that can take them. */
	if (!pause && (!nv->ch || !nv->rndis_ready))
		return;
	netsw_pause(nv->sw, pause);
	nv->sw_paused = pause;
}

int netvsp_xmit(struct netvsp *nv, uint8_t *frame, uint32_t len,
		const struct netvsp_vnet_hdr *vh,
		const struct netvsp_tx_info *ti)
{
	if (nv->sw)
		return netvsp_switch_xmit(nv, frame, len, vh, ti);
	return netvsp_tap_xmit(nv, frame, len, vh, ti);
}

static int netvsp_open(struct vmbus_chan *ch)
{
	struct netvsp *nv = vmbus_dev_priv(vmbus_chan_dev(ch));
	uint16_t idx = vmbus_chan_sub_index(ch);
	struct netvsp_chan *nc;

	if (idx >= NETVSP_MAX_CHANNELS || (idx && !nv->ch))
		return -EINVAL;
	nc = calloc(1, sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	nc->nv = nv;
	nc->ch = ch;
	nc->index = idx;
	vmbus_chan_set_priv(ch, nc);
	nv->chans[idx] = nc;
	if (!idx)
		nv->ch = ch;
	return 0;
}

static void netvsp_close(struct vmbus_chan *ch)
{
	struct netvsp_chan *nc = vmbus_chan_priv(ch);
	struct netvsp *nv = nc->nv;

	nv->chans[nc->index] = NULL;
	vmbus_chan_set_priv(ch, NULL);
	if (!nc->index) {
		netvsp_forget(nv);
		/* As Hyper-V: a new attach asks for, and opens, fresh ones. */
		vmbus_dev_rescind_subchannels(nv->dev);
	}
	free(nc);
}

static void netvsp_dev_reset(struct vmbus_dev *dev)
{
	netvsp_forget(vmbus_dev_priv(dev));
}

static int netvsp_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	/* A NIC address is unicast. */
	return mac[0] & 1 ? -EINVAL : 0;
}

/*
 * @args: comma- or space-separated words:
 *   mac=XX:XX:XX:XX:XX:XX  the adapter's address (default: 00:15:5d, the
 *                          Hyper-V prefix, then bytes of the instance GUID)
 *   tap=NAME               attach to TAP device NAME (created if absent)
 *   switch=PATH            be a port of hvcore's L2 switch at unix socket PATH
 *   signal=monitored|dedicated  how the guest signals its channels: MNF
 *                          (the monitor page hvcore polls) or an interrupt
 *                          per channel (default)
 *   netns=NAME             ... looked up in network namespace NAME
 *                          (/run/netns/NAME, as 'ip netns' makes)
 *   link=up|down           the link state the guest first sees (up)
 */
static int netvsp_parse_args(struct netvsp *nv, const char *args,
			     char *tap, char *netns, char *sw, size_t cap)
{
	char buf[256], *tok, *save = NULL;

	if (!args)
		args = "";
	if (strlen(args) >= sizeof(buf))
		return -E2BIG;
	strcpy(buf, args);
	for (tok = strtok_r(buf, " ,", &save); tok;
	     tok = strtok_r(NULL, " ,", &save)) {
		if (!strncmp(tok, "mac=", 4)) {
			if (netvsp_parse_mac(tok + 4, nv->mac))
				goto bad;
		} else if (!strncmp(tok, "tap=", 4) && strlen(tok + 4) < cap &&
			   strlen(tok + 4) < sizeof(nv->tap_name)) {
			strcpy(tap, tok + 4);
		} else if (!strncmp(tok, "switch=", 7) && tok[7] &&
			   strlen(tok + 7) < cap) {
			strcpy(sw, tok + 7);
		} else if (!strncmp(tok, "netns=", 6) && strlen(tok + 6) < cap) {
			strcpy(netns, tok + 6);
		} else if (!strcmp(tok, "signal=monitored") ||
			   !strcmp(tok, "signal=dedicated")) {
			vmbus_dev_set_monitored(nv->dev,
						!strcmp(tok, "signal=monitored"));
		} else if (!strcmp(tok, "link=up") || !strcmp(tok, "link=down")) {
			nv->link_up = !strcmp(tok, "link=up");
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	log_msg("netvsp: bad device argument '%s' (mac=, tap=, netns=, switch=, signal=monitored|dedicated, link=up|down)",
		tok);
	return -EINVAL;
}

static void netvsp_free(struct netvsp *nv)
{
	netvsp_tap_close(nv);
	netvsp_switch_close(nv);
	free(nv->held);
	free(nv->tx_buf);
	free(nv->rx_buf);
	free(nv);
}

static int netvsp_offer(struct vmbus_dev *dev, const char *args)
{
	struct netvsp *nv = calloc(1, sizeof(*nv));
	const struct hvis_guid *g = vmbus_dev_instance(dev);
	char tap[108] = "", netns[108] = "", sw[108] = "";
	int r;

	if (!nv)
		return -ENOMEM;
	nv->dev = dev;
	nv->tap_fd = -1;
	nv->nr_queues = vmbus_dev_nr_vcpus(dev);
	if (nv->nr_queues > NETVSP_MAX_CHANNELS)
		nv->nr_queues = NETVSP_MAX_CHANNELS;
	if (!nv->nr_queues)
		nv->nr_queues = 1;
	nv->link_up = true;
	nv->mac[0] = 0x00;
	nv->mac[1] = 0x15;
	nv->mac[2] = 0x5d;
	memcpy(nv->mac + 3, (const uint8_t *)g + 13, 3);
	nv->held = malloc(NETVSP_RX_FRAME_MAX);
	nv->tx_buf = malloc(NETVSP_TX_MAX);
	nv->rx_buf = malloc(NETVSP_RX_FRAME_MAX);
	r = nv->held && nv->tx_buf && nv->rx_buf ? 0 : -ENOMEM;
	if (!r)
		r = netvsp_parse_args(nv, args, tap, netns, sw, sizeof(tap));
	if (!r && tap[0] && sw[0]) {
		log_msg("netvsp: tap= and switch= exclude each other");
		r = -EINVAL;
	}
	if (!r && tap[0])
		r = netvsp_tap_open(nv, tap, netns[0] ? netns : NULL);
	if (!r && sw[0])
		r = netvsp_switch_open(nv, sw);
	if (r) {
		netvsp_free(nv);
		return r;
	}
	nv->sw_paused = true;
	netvsp_rx_pause(nv, true);
	vmbus_dev_set_priv(dev, nv);
	return 0;
}

static void netvsp_release(struct vmbus_dev *dev)
{
	struct netvsp *nv = vmbus_dev_priv(dev);

	netvsp_drop_recv_buf(nv);
	netvsp_drop_send_buf(nv);
	netvsp_free(nv);
}

const struct vsp_ops netvsp_vsp_ops = {
	.name = "netvsp",
	.class_id = HVIS_NETVSC_CLASS_GUID,
	.signal_style = VSP_SIGNAL_DEDICATED,
	.offer = netvsp_offer,
	.open = netvsp_open,
	.packet = netvsp_packet,
	.writable = netvsp_writable,
	.ctl = netvsp_ctl,
	.close = netvsp_close,
	.reset = netvsp_dev_reset,
	.release = netvsp_release,
};
