// SPDX-License-Identifier: GPL-2.0-only
/* storvsp's control requests: the init handshake, sub-channels, resets, and failing a request. */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "storvsp.h"
#include "vmbus/channel.h"

static const char *const stor_op_names[] = {
	[HVIS_VSTOR_OP_COMPLETE_IO] = "COMPLETE_IO",
	[HVIS_VSTOR_OP_REMOVE_DEVICE] = "REMOVE_DEVICE",
	[HVIS_VSTOR_OP_EXECUTE_SRB] = "EXECUTE_SRB",
	[HVIS_VSTOR_OP_RESET_LUN] = "RESET_LUN",
	[HVIS_VSTOR_OP_RESET_ADAPTER] = "RESET_ADAPTER",
	[HVIS_VSTOR_OP_RESET_BUS] = "RESET_BUS",
	[HVIS_VSTOR_OP_BEGIN_INITIALIZATION] = "BEGIN_INITIALIZATION",
	[HVIS_VSTOR_OP_END_INITIALIZATION] = "END_INITIALIZATION",
	[HVIS_VSTOR_OP_QUERY_PROTOCOL_VERSION] = "QUERY_PROTOCOL_VERSION",
	[HVIS_VSTOR_OP_QUERY_PROPERTIES] = "QUERY_PROPERTIES",
	[HVIS_VSTOR_OP_ENUMERATE_BUS] = "ENUMERATE_BUS",
	[HVIS_VSTOR_OP_FCHBA_DATA] = "FCHBA_DATA",
	[HVIS_VSTOR_OP_CREATE_SUB_CHANNELS] = "CREATE_SUB_CHANNELS",
};

const char *stor_op_name(uint32_t op)
{
	if (op < sizeof(stor_op_names) / sizeof(stor_op_names[0]) &&
	    stor_op_names[op])
		return stor_op_names[op];
	return "unknown operation";
}

/* Complete @rq with @status (and, for an SRB, SRB_STATUS_INVALID_REQUEST). */
void stor_fail(struct stor_req *rq, uint32_t status, const char *why)
{
	struct stor_chan *sc = rq->sc;
	uint32_t op = rq->pkt.operation;

	log_guest("storvsp: relid %u: %s (%u) failed: %s", sc->relid,
		  stor_op_name(op), op, why);
	sc->sp->protocol_errors++;
	if (op == HVIS_VSTOR_OP_EXECUTE_SRB) {
		rq->pkt.srb.srb_status = HVIS_SRB_STATUS_INVALID_REQUEST;
		rq->pkt.srb.scsi_status = 0;
		rq->pkt.srb.data_transfer_length = 0;
		rq->pkt.srb.sense_info_length = 0;
	}
	stor_complete_io(rq, status);
}

void stor_complete_io(struct stor_req *rq, uint32_t status)
{
	rq->pkt.operation = HVIS_VSTOR_OP_COMPLETE_IO;
	rq->pkt.flags = 0;
	rq->pkt.status = status;
	stor_complete(rq);
}

void stor_ok(struct stor_req *rq)
{
	stor_complete_io(rq, HVIS_VSTOR_STATUS_SUCCESS);
}

static bool stor_version_ok(uint16_t v)
{
	return v == HVIS_VSTOR_VERSION_WIN8 || v == HVIS_VSTOR_VERSION_WIN8_1 ||
	       v == HVIS_VSTOR_VERSION_WIN10;
}

/* Handshake steps: only on the primary channel, in order. */
void stor_handshake(struct stor_req *rq, uint32_t op)
{
	struct stor_chan *sc = rq->sc;
	struct storvsp *sp = sc->sp;
	struct hvis_vstor_properties *p = &rq->pkt.properties;
	uint16_t v;
	uint32_t n;
	int r;

	if (sc->sub_index) {
		stor_fail(rq, HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE,
			  "handshake request on a sub-channel");
		return;
	}
	switch (op) {
	case HVIS_VSTOR_OP_BEGIN_INITIALIZATION:
		/* A (re)starting driver: whatever was negotiated is gone. */
		sp->state = STOR_INIT_BEGUN;
		sp->version = 0;
		stor_ok(rq);
		return;
	case HVIS_VSTOR_OP_QUERY_PROTOCOL_VERSION:
		if (sp->state != STOR_INIT_BEGUN && sp->state != STOR_INIT_VERSION)
			break;
		v = rq->pkt.version.major_minor;
		if (!stor_version_ok(v)) {
			/* Not an error: the guest tries its next version. */
			log_debug("storvsp: relid %u: VSTOR version %u.%u refused",
				  sc->relid, v >> 8, v & 0xff);
			stor_complete_io(rq, HVIS_VSTOR_STATUS_REVISION_MISMATCH);
			return;
		}
		sp->version = v;
		sp->state = STOR_INIT_VERSION;
		stor_ok(rq);
		return;
	case HVIS_VSTOR_OP_QUERY_PROPERTIES:
		if (sp->state != STOR_INIT_VERSION)
			break;
		memset(rq->pkt.payload, 0, sizeof(rq->pkt.payload));
		p->max_channel_cnt = sp->max_sub_channels;
		p->flags = sp->ide ? 0 : HVIS_VSTOR_PROP_MULTI_CHANNEL;
		p->max_transfer_bytes = sp->max_transfer;
		stor_ok(rq);
		return;
	case HVIS_VSTOR_OP_END_INITIALIZATION:
		if (sp->state != STOR_INIT_VERSION)
			break;
		sp->state = STOR_INIT_READY;
		stor_ok(rq);
		return;
	case HVIS_VSTOR_OP_CREATE_SUB_CHANNELS:
		if (sp->state != STOR_INIT_READY)
			break;
		n = rq->pkt.sub_channel_count;
		if (!n || n > sp->max_sub_channels) {
			stor_fail(rq, HVIS_VSTOR_STATUS_INVALID_PARAMETER,
				  "sub-channel count outside 1..max_channel_cnt");
			return;
		}
		r = vmbus_dev_add_subchannels(sp->dev, n);
		if (r) {
			log_guest("storvsp: relid %u: cannot offer %u sub-channels: %s",
				  sc->relid, n, strerror(-r));
			stor_fail(rq, HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE,
				  "sub-channels could not be offered");
			return;
		}
		stor_ok(rq);
		return;
	}
	stor_fail(rq, HVIS_VSTOR_STATUS_INVALID_DEVICE_STATE,
		  "out of order in the init handshake");
}

/*
 * RESET_BUS (what storvsc's host reset sends), RESET_ADAPTER, RESET_LUN:
 * the target ends what has not started with SCSI_HOST_RESET (their
 * completions go out before this one) and the rest as their I/O finishes;
 * the guest drains those itself after our status 0.  The target offers
 * only a whole-bus reset, so a LUN reset resets the bus.
 */
void stor_reset(struct stor_req *rq)
{
	scsi_target_reset(rq->sc->sp->target);
	stor_ok(rq);
}
