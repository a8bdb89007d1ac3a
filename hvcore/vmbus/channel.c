// SPDX-License-Identifier: GPL-2.0-only
/* hvcore's VMBus channels: offer, open/close on a ring GPADL, and packet servicing. */
#include "vmbus/channel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "gpa.h"
#include "log.h"
#include "transport.h"
#include "vmbus/vmbus_int.h"
#include "vsp/vsp.h"

#define CHAN_SEND_MAX_IOV	16

/* --- VSP-facing accessors --- */

const struct guest_mem *vmbus_chan_mem(const struct vmbus_chan *ch)
{
	return ch->dev->srv->mem;
}

struct vmbus_dev *vmbus_chan_dev(const struct vmbus_chan *ch)
{
	return ch->dev;
}

uint32_t vmbus_chan_relid(const struct vmbus_chan *ch)
{
	return ch->relid;
}

uint16_t vmbus_chan_sub_index(const struct vmbus_chan *ch)
{
	return ch->sub_index;
}

const uint8_t *vmbus_chan_open_data(const struct vmbus_chan *ch)
{
	return ch->open_data;
}

void *vmbus_chan_priv(const struct vmbus_chan *ch)
{
	return ch->priv;
}

void vmbus_chan_set_priv(struct vmbus_chan *ch, void *priv)
{
	ch->priv = priv;
}

void *vmbus_dev_priv(const struct vmbus_dev *dev)
{
	return dev->priv;
}

void vmbus_dev_set_priv(struct vmbus_dev *dev, void *priv)
{
	dev->priv = priv;
}

const char *vmbus_dev_name(const struct vmbus_dev *dev)
{
	return dev->ops->name;
}

void vmbus_dev_set_class(struct vmbus_dev *dev,
			 const struct hvis_guid *class_id)
{
	dev->class_id = *class_id;
}

struct hvis_guid *vmbus_dev_instance(struct vmbus_dev *dev)
{
	return &dev->instance;
}

struct evloop *vmbus_dev_loop(const struct vmbus_dev *dev)
{
	return dev->srv->loop;
}

uint32_t vmbus_dev_nr_vcpus(const struct vmbus_dev *dev)
{
	return dev->srv->t->nr_vcpus;
}

void vmbus_dev_set_monitored(struct vmbus_dev *dev, bool on)
{
	struct vmbus_chan *ch = dev->chans[0];

	dev->monitored = on;
	if (!ch)
		return;
	/* Out of monitor ids: the channel falls back to a dedicated interrupt. */
	if (on && ch->monitor_id < 0)
		monitor_alloc(dev->srv, ch);
	else if (!on && ch->monitor_id >= 0)
		monitor_free(dev->srv, ch);
}

uint32_t vmbus_dev_relid(const struct vmbus_dev *dev)
{
	return dev->chans[0]->relid;
}

struct vmbus_chan *vmbus_dev_chan(const struct vmbus_dev *dev,
				  uint16_t sub_index)
{
	if (sub_index > VMBUS_MAX_SUBCHANNELS)
		return NULL;
	return dev->chans[sub_index];
}

uint32_t vmbus_pkt_desc(const void *pkt, struct hvis_vmpacket_desc *d)
{
	memcpy(d, pkt, sizeof(*d));
	return (uint32_t)d->offset8 * 8;
}

bool vmbus_chan_is_open(const struct vmbus_chan *ch)
{
	return ch->state == CHAN_OPEN;
}

/* --- Lifetime --- */

struct vmbus_chan *chan_create(struct vmbus_dev *dev, uint16_t sub_index)
{
	struct vmbus_server *s = dev->srv;
	struct vmbus_chan *ch;
	uint32_t relid;

	if (sub_index > VMBUS_MAX_SUBCHANNELS || dev->chans[sub_index])
		return NULL;
	for (relid = 1; relid <= HVIS_VMBUS_MAX_RELID; relid++)
		if (!s->chans[relid])
			break;
	if (relid > HVIS_VMBUS_MAX_RELID)
		return NULL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	ch->dev = dev;
	ch->relid = relid;
	ch->sub_index = sub_index;
	ch->state = CHAN_IDLE;
	ch->monitor_id = -1;
	/* Out of monitor ids: the channel falls back to a dedicated interrupt. */
	if (dev->monitored)
		monitor_alloc(s, ch);
	s->chans[relid] = ch;
	dev->chans[sub_index] = ch;
	return ch;
}

void chan_destroy(struct vmbus_chan *ch)
{
	struct vmbus_server *s = ch->dev->srv;

	chan_close(ch);
	monitor_free(s, ch);
	s->chans[ch->relid] = NULL;
	ch->dev->chans[ch->sub_index] = NULL;
	free(ch);
}

void chan_offer(struct vmbus_chan *ch)
{
	struct vmbus_server *s = ch->dev->srv;
	struct hvis_chmsg_offer msg = {
		.header.msgtype = HVIS_CHMSG_OFFERCHANNEL,
		.child_relid = ch->relid,
		.connection_id = VMBUS_CHAN_CONN_ID_BASE + ch->relid,
	};

	msg.offer.if_type = ch->dev->class_id;
	msg.offer.if_instance = ch->dev->instance;
	msg.offer.sub_channel_index = ch->sub_index;
	if (ch->monitor_id >= 0) {
		msg.monitor_id = (uint8_t)ch->monitor_id;
		msg.monitor_flags = HVIS_OFFER_MONITOR_ALLOCATED;
		monitor_offer(s, ch);
	} else {
		msg.interrupt_flags = HVIS_OFFER_DEDICATED_INTERRUPT;
	}
	ch->state = CHAN_OFFERED;
	vmbus_post(s, &msg, sizeof(msg));
}

static void chan_flush_signal(struct vmbus_chan *ch)
{
	struct transport *t = ch->dev->srv->t;

	if (!ch->signal_due || ch->state != CHAN_OPEN)
		return;
	ch->signal_due = false;
	t->ops->signal_guest(t, ch->target_vp, ch->relid);
}

void vmbus_chan_flush(struct vmbus_chan *ch)
{
	/* chan_service() flushes once its batch is done. */
	if (!ch->in_service)
		chan_flush_signal(ch);
}

void chan_close(struct vmbus_chan *ch)
{
	struct vmbus_server *s = ch->dev->srv;

	if (ch->state != CHAN_OPEN)
		return;
	ch->state = CHAN_CLOSING;
	if (ch->resume_timer > 0)
		evloop_del_timer(s->loop, ch->resume_timer);
	ch->resume_timer = 0;
	if (ch->dev->ops->close)
		ch->dev->ops->close(ch);
	if (ch->monitor_id >= 0)
		monitor_chan_closed(s);
	memset(&ch->in, 0, sizeof(ch->in));
	memset(&ch->out, 0, sizeof(ch->out));
	ch->send_blocked = false;
	ch->signal_due = false;
	ch->vsp_waiting = false;
	if (ch->ring_gpadl)
		gpadl_put(s, ch->ring_gpadl);
	ch->ring_gpadl = NULL;
	ch->state = CHAN_OFFERED;
}

static struct vmbus_chan *chan_lookup(struct vmbus_server *s, uint32_t relid)
{
	struct vmbus_chan *ch;

	if (!relid || relid > HVIS_VMBUS_MAX_RELID)
		return NULL;
	ch = s->chans[relid];
	return ch && ch->state != CHAN_IDLE ? ch : NULL;
}

/*
 * Map the ring GPADL as two rings.  The guest writes the first
 * downstream_page_offset pages (its outbound ring, which the host reads) and
 * reads the rest (the ring the host writes); each part starts with its
 * control page.  Pages must be contiguous in guest-physical space: then one
 * bounds-checked gpa_map() covers the whole ring, and the shared ring code,
 * which addresses its data area as one flat buffer and copies wrapping
 * packets in two pieces, can run on it directly without a per-page lookup
 * (Linux allocates ring buffers with alloc_pages(), so they are).
 */
static const char *chan_map_rings(struct vmbus_chan *ch, struct gpadl *gp,
				  uint32_t down)
{
	const struct guest_mem *mem = ch->dev->srv->mem;
	uint32_t total = gp->nr_pfns, i;
	uint8_t *base;

	if (gp->nr_ranges != 1 || gp->ranges[0].byte_offset ||
	    gp->ranges[0].byte_count != (uint64_t)total * HVIS_PAGE_SIZE)
		return "ring GPADL is not one whole-page range";
	/* Each ring needs its control page and at least one data page. */
	if (down < 2 || total < 4 || down > total - 2)
		return "downstream page offset outside the ring GPADL";
	for (i = 1; i < total; i++)
		if (gp->pfns[i] != gp->pfns[0] + i)
			return "ring pages are not physically contiguous";
	base = gpa_map(mem, gp->pfns[0] << HVIS_PAGE_SHIFT,
		       (uint64_t)total * HVIS_PAGE_SIZE);
	if (!base)
		return "ring outside guest RAM";
	hvring_init(&ch->in, base, down * HVIS_PAGE_SIZE);
	hvring_init(&ch->out, base + (uint64_t)down * HVIS_PAGE_SIZE,
		    (total - down) * HVIS_PAGE_SIZE);
	/*
	 * We implement pending_send_sz as the writer of the outbound ring.  A
	 * plain store: the guest looks at feature_bits after it has the
	 * OPENCHANNEL_RESULT, which is posted later and published by the
	 * release store of message_type in hvshm_slot_fill() (pairing with
	 * the guest's acquire load of it).
	 */
	hvring_write_once(ch->out.ctl->feature_bits,
			  hvring_read_once(ch->out.ctl->feature_bits) |
			  HVIS_RING_FEAT_PENDING_SEND_SZ);
	return NULL;
}

uint32_t chan_handle_open(struct vmbus_server *s, const void *buf,
			  uint32_t len)
{
	const struct hvis_chmsg_open *req = buf;
	struct hvis_chmsg_open_result res = {
		.header.msgtype = HVIS_CHMSG_OPENCHANNEL_RESULT,
		.child_relid = req->child_relid,
		.open_id = req->open_id,
	};
	struct vmbus_chan *ch = chan_lookup(s, req->child_relid);
	struct gpadl *gp = gpadl_find(s, req->ring_gpadl);
	const char *why = NULL;
	int r;

	(void)len;
	if (!ch)
		why = "unknown relid";
	else if (ch->state == CHAN_OPEN)
		why = "already open";
	else if (ch->state != CHAN_OFFERED)
		why = "channel rescinded";
	else if (req->target_vp >= s->t->nr_vcpus)
		why = "target VP out of range";
	else if (!gp)
		why = "unknown ring GPADL";
	else if (gp->relid != ch->relid)
		why = "ring GPADL belongs to another channel";
	else if (gp->teardown_pending)
		why = "ring GPADL is being torn down";
	else
		why = chan_map_rings(ch, gp, req->downstream_page_offset);
	if (why) {
		vmbus_guest_err(s, "OPENCHANNEL relid %u gpadl %u refused: %s",
				req->child_relid, req->ring_gpadl, why);
		res.status = HVIS_STATUS_INVALID_PARAMETER;
		vmbus_post(s, &res, sizeof(res));
		return HVIS_STATUS_SUCCESS;
	}

	ch->open_id = req->open_id;
	ch->target_vp = req->target_vp;
	memcpy(ch->open_data, req->user_data, sizeof(ch->open_data));
	ch->send_blocked = false;
	ch->signal_due = false;
	ch->vsp_waiting = false;
	ch->ring_gpadl = gp;
	gpadl_get(gp);
	ch->state = CHAN_OPEN;
	if (ch->monitor_id >= 0)
		monitor_chan_opened(s);
	r = ch->dev->ops->open ? ch->dev->ops->open(ch) : 0;
	if (r) {
		log_guest("vmbus: %s relid %u: VSP open failed: %s",
			  ch->dev->ops->name, ch->relid, strerror(-r));
		/* Close without the VSP's close: it never opened. */
		ch->state = CHAN_CLOSING;
		if (ch->monitor_id >= 0)
			monitor_chan_closed(s);
		gpadl_put(s, gp);
		ch->ring_gpadl = NULL;
		memset(&ch->in, 0, sizeof(ch->in));
		memset(&ch->out, 0, sizeof(ch->out));
		ch->state = CHAN_OFFERED;
		res.status = HVIS_STATUS_INSUFFICIENT_MEMORY;
		vmbus_post(s, &res, sizeof(res));
		return HVIS_STATUS_SUCCESS;
	}
	vmbus_post(s, &res, sizeof(res));
	/* Packets may already wait; the guest would not signal them again. */
	chan_service(ch);
	return HVIS_STATUS_SUCCESS;
}

uint32_t chan_handle_close(struct vmbus_server *s, const void *buf,
			   uint32_t len)
{
	const struct hvis_chmsg_relid *req = buf;
	struct vmbus_chan *ch = chan_lookup(s, req->child_relid);

	(void)len;
	if (!ch) {
		vmbus_guest_err(s, "CLOSECHANNEL for unknown relid %u",
				req->child_relid);
		return HVIS_STATUS_INVALID_PARAMETER;
	}
	/* Closing a closed or rescinded channel is a harmless race. */
	chan_close(ch);
	return HVIS_STATUS_SUCCESS;
}

uint32_t chan_handle_modify(struct vmbus_server *s, const void *buf,
			    uint32_t len)
{
	const struct hvis_chmsg_modifychannel *req = buf;
	struct hvis_chmsg_modifychannel_response res = {
		.header.msgtype = HVIS_CHMSG_MODIFYCHANNEL_RESPONSE,
		.child_relid = req->child_relid,
	};
	struct vmbus_chan *ch = chan_lookup(s, req->child_relid);
	bool respond = s->version >= HVIS_VMBUS_VERSION_WIN10_V5_3;

	(void)len;
	if (!ch || ch->state == CHAN_RESCINDED ||
	    req->target_vp >= s->t->nr_vcpus) {
		vmbus_guest_err(s, "MODIFYCHANNEL relid %u to VP %u refused",
				req->child_relid, req->target_vp);
		if (!respond)
			return HVIS_STATUS_INVALID_PARAMETER;
		res.status = HVIS_STATUS_INVALID_PARAMETER;
	} else {
		ch->target_vp = req->target_vp;
	}
	if (respond)
		vmbus_post(s, &res, sizeof(res));
	return HVIS_STATUS_SUCCESS;
}

/* --- Data path --- */

int vmbus_dev_add_subchannels(struct vmbus_dev *dev, uint32_t count)
{
	struct vmbus_server *s = dev->srv;
	uint32_t i;

	if (count > VMBUS_MAX_SUBCHANNELS)
		return -EINVAL;
	if (dev->rescinded)
		return -ENODEV;
	for (i = 1; i <= count; i++) {
		struct vmbus_chan *ch;

		if (dev->chans[i])
			continue;
		ch = chan_create(dev, (uint16_t)i);
		if (!ch)
			return -ENOSPC;
		if (s->version && s->offers_requested)
			chan_offer(ch);
	}
	return 0;
}

static void chan_violation(struct vmbus_chan *ch, const char *why)
{
	char line[160];

	snprintf(line, sizeof(line), "relid %u: %s", ch->relid, why);
	vmbus_dev_rescind(ch->dev, line);
}

int vmbus_chan_send(struct vmbus_chan *ch, uint16_t type, uint16_t flags,
		    uint64_t trans_id, const struct hvring_iov *iov,
		    uint32_t n)
{
	return vmbus_chan_send_hdr(ch, type, flags, trans_id, NULL, 0, iov, n);
}

int vmbus_chan_send_hdr(struct vmbus_chan *ch, uint16_t type,
			uint16_t flags, uint64_t trans_id, const void *hdr,
			uint32_t hdr_len, const struct hvring_iov *iov,
			uint32_t n)
{
	struct hvring_iov v[CHAN_SEND_MAX_IOV + 2];
	struct hvis_vmpacket_desc desc = {
		.type = type,
		.flags = flags,
		.trans_id = trans_id,
	};
	uint64_t total = sizeof(desc) + hdr_len;
	uint32_t i, nv = 0;
	bool signal;
	int r;

	if (ch->state != CHAN_OPEN)
		return -EPIPE;
	if (n > CHAN_SEND_MAX_IOV || hdr_len % 8 || total / 8 > 0xffff)
		return -EMSGSIZE;
	desc.offset8 = (uint16_t)(total / 8);
	v[nv].base = &desc;
	v[nv++].len = sizeof(desc);
	if (hdr_len) {
		v[nv].base = hdr;
		v[nv++].len = hdr_len;
	}
	for (i = 0; i < n; i++) {
		total += iov[i].len;
		v[nv++] = iov[i];
	}
	if (HVRING_ALIGN8(total) / 8 > 0xffff)
		return -EMSGSIZE;
	desc.len8 = (uint16_t)(HVRING_ALIGN8(total) / 8);
	/* Replies keep their order: nothing overtakes a blocked one. */
	if (ch->send_blocked)
		return -EAGAIN;

	r = hvring_write(&ch->out, v, nv, &signal);
	if (r == HVRING_FULL) {
		ch->send_need = (uint32_t)HVRING_ALIGN8(total) +
				HVIS_RING_TRAILER_SIZE;
		hvring_set_pending_send_sz(&ch->out, ch->send_need);
		/* The guest may have made room before it saw our request. */
		r = hvring_write(&ch->out, v, nv, &signal);
		if (r == HVRING_FULL) {
			ch->send_blocked = true;
			return -EAGAIN;
		}
		hvring_set_pending_send_sz(&ch->out, 0);
	}
	if (r == HVRING_TOOBIG)
		return -EMSGSIZE;
	if (r != HVRING_OK) {
		chan_violation(ch, "host->guest ring indices corrupt");
		return -EPIPE;
	}
	ch->pkts_out++;
	ch->bytes_out += total;
	if (signal)
		ch->signal_due = true;
	return 0;
}

static uint64_t chan_resume(void *opaque)
{
	struct vmbus_chan *ch = opaque;

	ch->resume_timer = 0;
	chan_service(ch);
	return 0;
}

/*
 * Read and dispatch one batch.  Returns true if the channel must stop for
 * now (blocked on the outbound ring, out of budget, or no longer open).
 */
static bool chan_service_batch(struct vmbus_chan *ch, uint32_t *budget)
{
	struct vmbus_server *s = ch->dev->srv;
	struct hvring_rd rd, saved;
	bool signal, stop = false;
	char why[96];
	uint32_t len;
	int r;

	r = hvring_read_begin(&ch->in, &rd);
	if (r == HVRING_EMPTY)
		return false;
	if (r != HVRING_OK) {
		chan_violation(ch, "guest->host ring indices corrupt");
		return true;
	}
	while (*budget) {
		saved = rd;
		r = hvring_read_next(&ch->in, &rd, s->pktbuf, sizeof(s->pktbuf),
				     &len);
		if (r == HVRING_EMPTY)
			break;
		if (r == HVRING_TOOBIG) {
			snprintf(why, sizeof(why),
				 "packet of %u bytes exceeds the host limit",
				 len);
			chan_violation(ch, why);
			return true;
		}
		if (r != HVRING_OK) {
			chan_violation(ch, "guest->host packet header corrupt");
			return true;
		}
		(*budget)--;
		r = ch->dev->ops->packet(ch, s->pktbuf, len);
		if (ch->state != CHAN_OPEN)
			return true;	/* the VSP's call closed or rescinded it */
		if (r == VSP_PKT_RETRY || r == VSP_PKT_WAIT) {
			rd = saved;	/* keep it for when there is room */
			ch->vsp_waiting = r == VSP_PKT_WAIT;
			stop = true;
			break;
		}
		if (r < 0) {
			snprintf(why, sizeof(why), "%s rejected a packet: %s",
				 ch->dev->ops->name, strerror(-r));
			chan_violation(ch, why);
			return true;
		}
		ch->pkts_in++;
		ch->bytes_in += len;
	}
	hvring_read_commit(&ch->in, &rd, &signal);
	if (signal)
		ch->signal_due = true;
	return stop || !*budget;
}

/*
 * Budget spent, or the guest keeps writing just as we unmask: leave the
 * ring masked and continue from a timer, after the other channels had
 * their turn.  Without a timer nothing would ever look at the ring again
 * (the guest does not signal a ring that is not empty), so a channel that
 * cannot get one is given up.  False if the channel was rescinded.
 */
static bool chan_defer(struct vmbus_chan *ch)
{
	struct vmbus_server *s = ch->dev->srv;
	int id;

	if (ch->resume_timer)
		return true;
	id = evloop_add_timer(s->loop, 1000, chan_resume, ch);
	if (id > 0) {
		ch->resume_timer = id;
		return true;
	}
	chan_violation(ch, "no timer to resume servicing the ring");
	return false;
}

void vmbus_chan_kick(struct vmbus_chan *ch)
{
	if (ch->state != CHAN_OPEN || !ch->vsp_waiting)
		return;
	ch->vsp_waiting = false;
	chan_defer(ch);
}

void chan_service(struct vmbus_chan *ch)
{
	uint32_t budget = VMBUS_SERVICE_BUDGET;
	unsigned int repolls = 0;

	if (ch->state != CHAN_OPEN || ch->in_service)
		return;
	if (ch->send_blocked) {
		if (hvring_bytes_to_write(&ch->out) <= ch->send_need)
			return;	/* still no room; the guest signals again */
		ch->send_blocked = false;
		hvring_set_pending_send_sz(&ch->out, 0);
		if (ch->dev->ops->writable) {
			ch->in_service = true;
			ch->dev->ops->writable(ch);
			ch->in_service = false;
			if (ch->state != CHAN_OPEN)
				return;
			if (ch->send_blocked) {
				/* Still more held back than fits. */
				chan_flush_signal(ch);
				return;
			}
		}
	}
	/* The VSP kicks when it can take packets; until then, only flush. */
	if (ch->vsp_waiting) {
		chan_flush_signal(ch);
		return;
	}
	ch->in_service = true;
	/* No interrupts while we drain: we look until the ring is empty. */
	hvring_mask_interrupts(&ch->in);
	for (;;) {
		if (chan_service_batch(ch, &budget)) {
			if (ch->state != CHAN_OPEN)
				goto out;
			/*
			 * Blocked: interrupts stay masked, the guest's
			 * pending_send_sz signal wakes us.  Out of budget:
			 * give the other channels a turn, then continue.
			 */
			if (!ch->send_blocked && !ch->vsp_waiting &&
			    !chan_defer(ch))
				goto out;
			break;
		}
		if (!hvring_unmask_interrupts(&ch->in))
			break;
		/*
		 * Something raced in after we looked: go again, but a guest
		 * that writes in step with us could keep us here for ever.
		 */
		hvring_mask_interrupts(&ch->in);
		if (++repolls > VMBUS_SERVICE_REPOLLS) {
			if (!chan_defer(ch))
				goto out;
			break;
		}
	}
	chan_flush_signal(ch);
out:
	ch->in_service = false;
}
