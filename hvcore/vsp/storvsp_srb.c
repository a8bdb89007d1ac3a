// SPDX-License-Identifier: GPL-2.0-only
/* storvsp's EXECUTE_SRB: guest buffer to iovecs, the SCSI target, and the SRB completion. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gpa.h"
#include "hvis/ring.h"
#include "log.h"
#include "storvsp.h"
#include "vmbus/channel.h"

/*
 * Map the first @xfer bytes of the range into @rq's iovecs, one per run
 * of host-contiguous pages: guest RAM is one mapping, so consecutive PFNs
 * land next to each other and a typical buffer needs one or a few.
 * 0 or -EPROTO (a page outside guest RAM; logged).
 */
static int stor_map_range(struct stor_req *rq, const struct stor_range *rg,
			  uint32_t xfer)
{
	const struct guest_mem *mem = vmbus_chan_mem(rq->sc->ch);
	uint32_t first = rg->offset, done = 0, i;
	unsigned int n = 0;

	for (i = 0; done < xfer; i++) {
		uint32_t chunk = HVIS_PAGE_SIZE - first;
		uint64_t pfn;
		uint8_t *page;

		/* xfer <= rg->len, which the PFN count covers. */
		memcpy(&pfn, rg->pfns + (size_t)i * sizeof(pfn), sizeof(pfn));
		page = gpa_map_pfn(mem, pfn);
		if (!page)
			return stor_violation(rq->sc, "GPA-direct page %#llx outside guest RAM",
					      (unsigned long long)pfn);
		if (chunk > xfer - done)
			chunk = xfer - done;
		if (n && (uint8_t *)rq->iov[n - 1].iov_base +
			 rq->iov[n - 1].iov_len == page + first) {
			rq->iov[n - 1].iov_len += chunk;
		} else {
			if (n == rq->iov_cap) {
				/* At most one iovec per page: allocate that once. */
				struct iovec *v = malloc(rg->npfn * sizeof(*v));

				if (!v)
					return stor_violation(rq->sc, "out of memory for an iovec list");
				memcpy(v, rq->iov, n * sizeof(*v));
				rq->iov = v;
				rq->iov_cap = rg->npfn;
			}
			rq->iov[n].iov_base = page + first;
			rq->iov[n].iov_len = chunk;
			n++;
		}
		done += chunk;
		first = 0;
	}
	rq->sreq.iov = rq->iov;
	rq->sreq.iovcnt = n;
	return 0;
}

/* The target finished: turn its result into the SRB completion. */
static void stor_srb_done(struct scsi_req *sreq)
{
	struct stor_req *rq = sreq->opaque;
	struct storvsp *sp = rq->sc->sp;
	struct hvis_vstor_srb *srb = &rq->pkt.srb;
	uint8_t room = srb->sense_info_length;

	memset(srb->sense_data, 0, sizeof(srb->sense_data));
	srb->sense_info_length = 0;
	srb->scsi_status = 0;
	srb->data_transfer_length = 0;
	switch (sreq->host_status) {
	case SCSI_HOST_OK:
		srb->scsi_status = sreq->status;
		srb->data_transfer_length = sreq->transferred <= sreq->xfer_len ?
					    sreq->transferred : sreq->xfer_len;
		if (sreq->status == SCSI_STATUS_GOOD) {
			srb->srb_status = HVIS_SRB_STATUS_SUCCESS;
			break;
		}
		srb->srb_status = HVIS_SRB_STATUS_ERROR;
		if (sreq->status == SCSI_STATUS_CHECK_CONDITION &&
		    sreq->sense_len) {
			uint8_t n = sreq->sense_len;

			if (n > room)
				n = room;
			if (n > HVIS_VSTOR_SENSE_MAX)
				n = HVIS_VSTOR_SENSE_MAX;
			memcpy(srb->sense_data, sreq->sense, n);
			srb->sense_info_length = n;
			if (n)
				srb->srb_status |= HVIS_SRB_STATUS_AUTOSENSE_VALID;
		}
		break;
	case SCSI_HOST_NO_LUN:
		/*
		 * storvsc removes channel 0's device at the request's target
		 * and LUN on INVALID_LUN, whatever path asked: other paths
		 * get a selection timeout, which removes nothing.
		 */
		srb->srb_status = srb->path_id ? HVIS_SRB_STATUS_SELECTION_TIMEOUT :
				  HVIS_SRB_STATUS_INVALID_LUN;
		break;
	case SCSI_HOST_RESET:
		srb->srb_status = HVIS_SRB_STATUS_BUS_RESET;
		break;
	case SCSI_HOST_ABORTED:
		srb->srb_status = HVIS_SRB_STATUS_ABORTED;
		break;
	default:
		srb->srb_status = HVIS_SRB_STATUS_INTERNAL_ERROR;
		break;
	}
	if (rq->counted && !sp->released) {
		struct stor_lun_stats *st = &sp->stats[rq->lun];

		if (sreq->dir == SCSI_DIR_IN)
			st->bytes_read += srb->data_transfer_length;
		else if (sreq->dir == SCSI_DIR_OUT)
			st->bytes_written += srb->data_transfer_length;
		if (srb->srb_status != HVIS_SRB_STATUS_SUCCESS)
			st->errors++;
	}
	stor_ok(rq);
}

/*
 * Fail the request, keeping the channel: the guest asked for something we
 * do not do, but told us nothing that is unsafe to act on.
 */
static int stor_srb_invalid(struct stor_req *rq, const char *why)
{
	struct hvis_vstor_srb *srb = &rq->pkt.srb;

	log_guest("storvsp: relid %u: SRB failed: %s", rq->sc->relid, why);
	rq->sc->sp->protocol_errors++;
	memset(srb->sense_data, 0, sizeof(srb->sense_data));
	srb->srb_status = HVIS_SRB_STATUS_INVALID_REQUEST;
	srb->scsi_status = 0;
	srb->sense_info_length = 0;
	srb->data_transfer_length = 0;
	stor_complete_io(rq, HVIS_VSTOR_STATUS_INVALID_PARAMETER);
	return 0;
}

int stor_srb_execute(struct stor_req *rq, const struct stor_range *rg)
{
	struct storvsp *sp = rq->sc->sp;
	struct hvis_vstor_srb *srb = &rq->pkt.srb;
	struct scsi_req *sreq = &rq->sreq;
	uint32_t xfer = srb->data_transfer_length;
	int r;

	/*
	 * Lengths first: they decide which guest memory we touch, so a
	 * length we cannot honour is a violation, not a failed command.
	 */
	if (xfer > sp->max_transfer)
		return stor_violation(rq->sc, "SRB data length %u over the %u-byte maximum",
				      xfer, sp->max_transfer);
	if (rg->present && rg->len > sp->max_transfer)
		return stor_violation(rq->sc, "GPA-direct range of %u bytes over the %u-byte maximum",
				      rg->len, sp->max_transfer);
	if (xfer > (rg->present ? rg->len : 0))
		return stor_violation(rq->sc, "SRB data length %u larger than its %u-byte buffer",
				      xfer, rg->present ? rg->len : 0);
	if (xfer) {
		r = stor_map_range(rq, rg, xfer);
		if (r)
			return r;
	}

	if (!srb->cdb_length || srb->cdb_length > HVIS_VSTOR_CDB_MAX)
		return stor_srb_invalid(rq, "CDB length outside 1..16");
	if (srb->data_in > HVIS_SRB_DATA_UNKNOWN ||
	    (srb->data_in == HVIS_SRB_DATA_UNKNOWN && xfer))
		return stor_srb_invalid(rq, "data direction does not match the buffer");
	memcpy(sreq->cdb, srb->cdb, sizeof(sreq->cdb));
	sreq->cdb_len = srb->cdb_length;
	if (!xfer)
		sreq->dir = SCSI_DIR_NONE;
	else if (srb->data_in == HVIS_SRB_DATA_IN)
		sreq->dir = SCSI_DIR_IN;
	else
		sreq->dir = SCSI_DIR_OUT;
	sreq->xfer_len = xfer;
	sreq->done = stor_srb_done;
	/*
	 * Outside our target (another path or target id, a LUN past 63):
	 * only a scan sends these.  The in-tree storvsc turns any INQUIRY
	 * error into success, which would read as a zeroed, present disk,
	 * so the answer is a target with no LUNs: INQUIRY peripheral
	 * qualifier 3, an empty REPORT LUNS (asked because LUN 0 is
	 * missing), and INVALID_LUN or a selection timeout for the rest.
	 */
	if (srb->path_id || srb->target_id != sp->target_id ||
	    srb->lun >= SCSI_MAX_LUNS) {
		rq->counted = false;
		scsi_target_submit_absent(sp->target, sreq);
		return 0;
	}
	rq->lun = srb->lun;
	rq->counted = scsi_target_has_lun(sp->target, srb->lun);
	if (rq->counted)
		sp->stats[rq->lun].requests++;
	/* done() may run before this returns; @rq is not touched after. */
	scsi_target_submit(sp->target, srb->lun, sreq);
	return 0;
}
