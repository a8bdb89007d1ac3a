// SPDX-License-Identifier: GPL-2.0-only
/*
 * storvsp: the VSTOR VSP (synthetic SCSI controller) — channel lifetime,
 * packet intake, the init handshake and the completion queue; SRBs are in
 * storvsp_srb.c, arguments and control commands in storvsp_ctl.c.
 *
 * What happens to a bad packet.  Two kinds of wrong input are told apart:
 *  - A request the guest may legitimately get wrong or send at the wrong
 *    time (unknown or too short VSTOR operation, an operation before the
 *    handshake allows it, an unsupported version, a bad sub-channel count,
 *    a bad CDB length or direction): the request is failed — COMPLETE_IO
 *    with a non-zero status (and an SRB status for SRBs) — and a line is
 *    logged.  The guest's driver sees an error and the channel lives on.
 *  - Input that is corrupt or would make the host touch memory it was not
 *    given (a VMBus packet type VSTOR does not use, a malformed GPA-direct
 *    descriptor, a page outside guest RAM, a data length beyond the
 *    described range or the advertised maximum): packet() returns -EPROTO,
 *    the server rescinds the device.  No correct driver sends these, and
 *    guessing what was meant could move data to the wrong place.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "hvis/ring.h"
#include "log.h"
#include "storvsp.h"
#include "vmbus/channel.h"
#include "vsp.h"

static unsigned int stor_nr_controllers;

int stor_violation(struct stor_chan *sc, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/*
	 * Not rate-limited: the caller returns -EPROTO and the device is
	 * rescinded, so a guest gets at most one of these per device.
	 */
	log_msg("storvsp: relid %u: protocol violation: %s; closing the channel",
		sc->relid, why);
	return -EPROTO;
}

/* --- Device lifetime --- */

static void stor_free(struct storvsp *sp)
{
	if (sp->target)
		scsi_target_destroy(sp->target);
	free(sp);
}

static uint64_t stor_free_timer(void *opaque)
{
	stor_free(opaque);
	return 0;
}

/*
 * The last stor_chan of a released device is gone.  This runs inside the
 * target's done() callback: the target may still touch its own state after
 * done() returns, so it is destroyed from a timer.
 */
static void stor_release_done(struct storvsp *sp)
{
	if (sp->free_timer > 0)
		return;
	sp->free_timer = evloop_add_timer(sp->loop, 1, stor_free_timer, sp);
	if (sp->free_timer <= 0)
		log_msg("storvsp: no timer to free a released controller; leaking it");
}

static void stor_chan_free(struct stor_chan *sc)
{
	struct storvsp *sp = sc->sp;
	struct stor_req *rq;

	while ((rq = sc->free)) {
		sc->free = rq->next;
		free(rq);
	}
	free(sc);
	sp->nr_chans_alive--;
	if (sp->nr_chans_alive)
		return;
	if (sp->released)
		stor_release_done(sp);
	else
		vmbus_dev_quiesced(sp->dev);	/* a rescind or unload may wait */
}

/*
 * Keep @sc alive across a send: a send that finds the ring corrupt
 * rescinds the device, and our close may then free a channel with nothing
 * outstanding.
 */
static void stor_chan_hold(struct stor_chan *sc)
{
	sc->busy++;
}

static void stor_chan_unhold(struct stor_chan *sc)
{
	if (!--sc->busy && !sc->ch)
		stor_chan_free(sc);
}

/* --- Request slots --- */

/*
 * A free slot of @sc, or NULL: at the cap, or out of memory.  Slots are
 * kept for the channel's lifetime, so steady-state I/O allocates nothing.
 */
static struct stor_req *stor_req_get(struct stor_chan *sc)
{
	struct stor_req *rq = sc->free;

	if (rq) {
		sc->free = rq->next;
	} else {
		if (sc->nr_alloc >= STOR_CHAN_MAX_REQS)
			return NULL;
		rq = malloc(sizeof(*rq));
		if (!rq)
			return NULL;
		sc->nr_alloc++;
	}
	memset(rq, 0, offsetof(struct stor_req, iov_inline));
	rq->sc = sc;
	rq->sreq.opaque = rq;
	rq->iov = rq->iov_inline;
	rq->iov_cap = STOR_INLINE_IOV;
	sc->busy++;
	return rq;
}

static void stor_req_put(struct stor_req *rq)
{
	struct stor_chan *sc = rq->sc;

	if (rq->iov != rq->iov_inline)
		free(rq->iov);
	rq->iov = NULL;
	rq->next = sc->free;
	sc->free = rq;
	sc->busy--;
	if (!sc->ch) {
		if (!sc->busy)
			stor_chan_free(sc);
		return;
	}
	/* A slot is free again: the packet we refused can be taken now. */
	if (sc->waiting) {
		sc->waiting = false;
		vmbus_chan_kick(sc->ch);
	}
}

/* --- Sending to the guest --- */

static int stor_send_pkt(struct stor_chan *sc, uint16_t type, uint64_t tid,
			 const struct hvis_vstor_packet *pkt)
{
	struct hvring_iov iov = { pkt, sizeof(*pkt) };

	return vmbus_chan_send(sc->ch, type, 0, tid, &iov, 1);
}

/*
 * Completions go back as VMBus completion packets carrying the request's
 * trans_id, as Hyper-V sends them (storvsc looks only at the trans_id).
 * Order is kept: once one waits for ring room, later ones queue behind it.
 */
void stor_complete(struct stor_req *rq)
{
	struct stor_chan *sc = rq->sc;
	int r;

	if (!sc->ch) {
		stor_req_put(rq);	/* closed: nobody to tell */
		return;
	}
	if (!sc->q_head) {
		r = stor_send_pkt(sc, HVIS_VMPKT_COMP, rq->trans_id, &rq->pkt);
		if (r != -EAGAIN) {
			if (sc->ch)
				vmbus_chan_flush(sc->ch);
			if (r)
				log_guest("storvsp: relid %u: completion dropped: %s",
					  sc->relid, strerror(-r));
			stor_req_put(rq);
			return;
		}
	}
	rq->next = NULL;
	if (sc->q_tail)
		sc->q_tail->next = rq;
	else
		sc->q_head = rq;
	sc->q_tail = rq;
	sc->queued++;
}

static bool stor_send_enum(struct stor_chan *sc)
{
	struct hvis_vstor_packet pkt = {
		.operation = HVIS_VSTOR_OP_ENUMERATE_BUS,
	};

	return stor_send_pkt(sc, HVIS_VMPKT_DATA_INBAND, 0, &pkt) != -EAGAIN;
}

void stor_notify_rescan(struct storvsp *sp)
{
	struct stor_chan *sc = sp->chans[0];

	/* A guest that has not finished its handshake scans anyway. */
	if (!sc || !sc->ch || sp->state != STOR_INIT_READY)
		return;
	if (sc->q_head || sc->enum_pending) {
		sc->enum_pending = true;
		return;
	}
	stor_chan_hold(sc);
	if (!stor_send_enum(sc))
		sc->enum_pending = true;
	if (sc->ch)
		vmbus_chan_flush(sc->ch);
	stor_chan_unhold(sc);
}

/* The guest made room in @ch's host->guest ring: send what waited. */
static void stor_writable(struct vmbus_chan *ch)
{
	struct stor_chan *sc = vmbus_chan_priv(ch);
	struct stor_req *rq;

	if (!sc)
		return;
	stor_chan_hold(sc);
	while ((rq = sc->q_head)) {
		int r = stor_send_pkt(sc, HVIS_VMPKT_COMP, rq->trans_id,
				      &rq->pkt);

		/* A corrupt ring closed the channel: close dropped the queue. */
		if (!sc->ch || r == -EAGAIN)
			break;
		if (r)
			log_guest("storvsp: relid %u: completion dropped: %s",
				  sc->relid, strerror(-r));
		sc->q_head = rq->next;
		if (!sc->q_head)
			sc->q_tail = NULL;
		sc->queued--;
		stor_req_put(rq);
	}
	if (sc->ch && !sc->q_head && sc->enum_pending && stor_send_enum(sc))
		sc->enum_pending = false;
	if (sc->ch)
		vmbus_chan_flush(sc->ch);
	stor_chan_unhold(sc);
}

/* --- Packet intake --- */

/*
 * The GPA-direct descriptor after the VMBus header: exactly one range
 * (what storvsc sends), non-empty, starting inside its first page, its
 * PFN list ending before the inband payload.  Shape only; the pages are
 * checked when they are mapped.
 */
static int stor_parse_range(struct stor_chan *sc, const uint8_t *pkt,
			    uint32_t off, struct stor_range *rg)
{
	struct hvis_gpa_direct_header hdr;
	struct hvis_mpb_array mpb;
	uint64_t end;

	if (off < sizeof(hdr) + sizeof(mpb))
		return stor_violation(sc, "GPA-direct packet without a range");
	memcpy(&hdr, pkt, sizeof(hdr));
	memcpy(&mpb, pkt + sizeof(hdr), sizeof(mpb));
	if (hdr.range_count != 1)
		return stor_violation(sc, "GPA-direct packet with %u ranges, not 1",
				      hdr.range_count);
	if (!mpb.len || mpb.offset >= HVIS_PAGE_SIZE)
		return stor_violation(sc, "GPA-direct range empty or offset %u past its page",
				      mpb.offset);
	end = (uint64_t)mpb.offset + mpb.len;
	rg->npfn = (uint32_t)((end + HVIS_PAGE_SIZE - 1) / HVIS_PAGE_SIZE);
	if (sizeof(hdr) + sizeof(mpb) + (uint64_t)rg->npfn * 8 > off)
		return stor_violation(sc, "GPA-direct PFN list (%u pages) overlaps the payload",
				      rg->npfn);
	rg->present = true;
	rg->len = mpb.len;
	rg->offset = mpb.offset;
	rg->pfns = pkt + sizeof(hdr) + sizeof(mpb);
	return 0;
}

static int stor_packet(struct vmbus_chan *ch, const void *data, uint32_t len)
{
	struct stor_chan *sc = vmbus_chan_priv(ch);
	struct storvsp *sp = sc->sp;
	const uint8_t *pkt = data;
	struct stor_range rg = { 0 };
	struct hvis_vmpacket_desc d;
	struct stor_req *rq;
	uint32_t off, plen;
	int op, r;

	off = vmbus_pkt_desc(pkt, &d);
	if (d.type == HVIS_VMPKT_DATA_USING_GPA_DIRECT) {
		r = stor_parse_range(sc, pkt, off, &rg);
		if (r)
			return r;
	} else if (d.type != HVIS_VMPKT_DATA_INBAND) {
		return stor_violation(sc, "VMBus packet type %u is not part of VSTOR",
				      d.type);
	}

	rq = stor_req_get(sc);
	if (!rq) {
		/*
		 * Every slot is taken: keep the packet in the ring until a
		 * completion frees one (stor_req_put kicks the channel).
		 * With nothing outstanding no kick would come: only an
		 * allocation failure gets here then.
		 */
		if (!sc->busy)
			return stor_violation(sc, "out of memory for a request");
		sc->waiting = true;
		return VSP_PKT_WAIT;
	}
	rq->trans_id = d.trans_id;
	plen = len - off;
	memcpy(&rq->pkt, pkt + off,
	       plen < sizeof(rq->pkt) ? plen : sizeof(rq->pkt));

	op = hvis_vstor_check(pkt + off, plen, HVIS_DIR_G2H, sp->version);
	if (op == HVIS_VSTOR_ESHORT) {
		stor_fail(rq, HVIS_VSTOR_STATUS_INVALID_PARAMETER,
			  "packet shorter than its operation needs");
		return 0;
	}
	if (op == HVIS_VSTOR_EUNKNOWN) {
		stor_fail(rq, HVIS_VSTOR_STATUS_INVALID_PARAMETER,
			  "not an operation a host accepts");
		return 0;
	}
	if (op == HVIS_VSTOR_EVERSION) {
		stor_fail(rq, HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE,
			  "needs a negotiated protocol version");
		return 0;
	}
	if (rg.present && op != HVIS_VSTOR_OP_EXECUTE_SRB) {
		stor_req_put(rq);
		return stor_violation(sc, "%s with a GPA-direct range",
				      stor_op_name((uint32_t)op));
	}
	switch (op) {
	case HVIS_VSTOR_OP_EXECUTE_SRB:
		if (sp->state != STOR_INIT_READY) {
			stor_fail(rq, HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE,
				  "SRB before END_INITIALIZATION");
			return 0;
		}
		r = stor_srb_execute(rq, &rg);
		if (r)
			stor_req_put(rq);
		return r;
	case HVIS_VSTOR_OP_RESET_LUN:
	case HVIS_VSTOR_OP_RESET_ADAPTER:
	case HVIS_VSTOR_OP_RESET_BUS:
		if (sp->state != STOR_INIT_READY) {
			stor_fail(rq, HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE,
				  "reset before END_INITIALIZATION");
			return 0;
		}
		stor_reset(rq);
		return 0;
	default:
		stor_handshake(rq, (uint32_t)op);
		return 0;
	}
}

/* --- vsp_ops --- */

/*
 * An accelerated IDE controller, as the in-tree storvsc reads one: the
 * IDE class, and the target in bytes 4-5 of the instance GUID (its second
 * field, little-endian).  The first field (Hyper-V's IDE controller
 * number) is 0; the rest stays random, so instances stay unique.  IDE
 * controllers have no sub-channels.
 */
static void stor_offer_ide(struct vmbus_dev *dev, struct storvsp *sp)
{
	static const struct hvis_guid ide_class = HVIS_VSTOR_IDE_CLASS_GUID;
	struct hvis_guid *inst = vmbus_dev_instance(dev);

	vmbus_dev_set_class(dev, &ide_class);
	memset(inst->b, 0, 4);
	inst->b[4] = sp->target_id;
	inst->b[5] = 0;
	sp->max_sub_channels = 0;
}

static int stor_offer(struct vmbus_dev *dev, const char *args)
{
	struct storvsp *sp = calloc(1, sizeof(*sp));
	uint32_t cpus = vmbus_dev_nr_vcpus(dev);
	char name[SCSI_SERIAL_MAX];
	int r;

	if (!sp)
		return -ENOMEM;
	sp->dev = dev;
	sp->loop = vmbus_dev_loop(dev);
	sp->ctrl = stor_nr_controllers;
	sp->max_transfer = HVIS_VSTOR_MAX_TRANSFER_DEFAULT;
	sp->max_sub_channels = (uint16_t)(cpus < HVIS_VSTOR_MAX_SUB_CHANNELS ?
					  cpus : HVIS_VSTOR_MAX_SUB_CHANNELS);
	sp->target = scsi_target_create(sp->loop);
	if (!sp->target) {
		log_msg("storvsp: cannot create a SCSI target");
		r = -ENOMEM;
		goto err_free_sp;
	}
	snprintf(name, sizeof(name), "hvis-%u", sp->ctrl);
	r = scsi_target_set_name(sp->target, name);
	if (r)
		goto err_destroy_target;
	r = stor_add_disks(sp, args);
	if (r)
		goto err_destroy_target;
	if (sp->ide)
		stor_offer_ide(dev, sp);
	stor_nr_controllers++;
	vmbus_dev_set_priv(dev, sp);
	return 0;

err_destroy_target:
	scsi_target_destroy(sp->target);
err_free_sp:
	free(sp);
	return r;
}

static int stor_open(struct vmbus_chan *ch)
{
	struct storvsp *sp = vmbus_dev_priv(vmbus_chan_dev(ch));
	uint16_t idx = vmbus_chan_sub_index(ch);
	struct stor_chan *sc;

	if (idx > HVIS_VSTOR_MAX_SUB_CHANNELS)
		return -EINVAL;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	sc->sp = sp;
	sc->ch = ch;
	sc->relid = vmbus_chan_relid(ch);
	sc->sub_index = idx;
	sp->chans[idx] = sc;
	sp->nr_chans_alive++;
	/* A new driver instance starts with a new handshake. */
	if (!idx) {
		sp->state = STOR_INIT_NONE;
		sp->version = 0;
	}
	vmbus_chan_set_priv(ch, sc);
	return 0;
}

static bool stor_req_of_chan(const struct scsi_req *sreq, void *sc)
{
	const struct stor_req *rq = sreq->opaque;

	return rq->sc == sc;
}

/*
 * Requests at the target keep their slots (their I/O may still write
 * guest memory, and done() needs somewhere to land); completions waiting
 * for ring room are dropped, there is no ring any more.
 */
static void stor_close(struct vmbus_chan *ch)
{
	struct stor_chan *sc = vmbus_chan_priv(ch);
	struct storvsp *sp;
	struct stor_req *rq;

	if (!sc)
		return;
	sp = sc->sp;
	vmbus_chan_set_priv(ch, NULL);
	sc->ch = NULL;
	sc->waiting = false;
	if (sp->chans[sc->sub_index] == sc)
		sp->chans[sc->sub_index] = NULL;
	if (!sc->sub_index) {
		sp->state = STOR_INIT_NONE;
		sp->version = 0;
	}
	stor_chan_hold(sc);
	while ((rq = sc->q_head)) {
		sc->q_head = rq->next;
		stor_req_put(rq);
	}
	sc->q_tail = NULL;
	sc->queued = 0;
	sc->enum_pending = false;
	/* Held by a delay fault: the guest gave their buffers up; never run them. */
	scsi_target_cancel_held(sp->target, stor_req_of_chan, sc);
	stor_chan_unhold(sc);
}

/*
 * Every channel is closed: I/O of closed channels' requests still under
 * way at the target may write guest memory until it finishes; the last
 * of them frees the last stor_chan and says so (stor_chan_free).
 */
static bool stor_busy(struct vmbus_dev *dev)
{
	struct storvsp *sp = vmbus_dev_priv(dev);

	return sp && sp->nr_chans_alive;
}

static void stor_dev_reset(struct vmbus_dev *dev)
{
	struct storvsp *sp = vmbus_dev_priv(dev);

	sp->state = STOR_INIT_NONE;
	sp->version = 0;
}

static void stor_release(struct vmbus_dev *dev)
{
	struct storvsp *sp = vmbus_dev_priv(dev);

	if (!sp)
		return;
	vmbus_dev_set_priv(dev, NULL);
	sp->dev = NULL;
	sp->released = true;
	/* Every channel is closed; some may still wait for the target. */
	if (!sp->nr_chans_alive)
		stor_free(sp);
}

const struct vsp_ops storvsp_vsp_ops = {
	.name = "storvsp",
	.class_id = HVIS_VSTOR_SCSI_CLASS_GUID,
	.signal_style = VSP_SIGNAL_DEDICATED,
	.offer = stor_offer,
	.open = stor_open,
	.packet = stor_packet,
	.writable = stor_writable,
	.ctl = stor_ctl,
	.close = stor_close,
	.busy = stor_busy,
	.reset = stor_dev_reset,
	.release = stor_release,
};
