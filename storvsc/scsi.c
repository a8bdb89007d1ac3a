// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_storvsc SCSI host layer: SCSI commands to VSTOR SRBs and back, error
 * recovery, and the LUN scans the host asks for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_dbg.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_devinfo.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_host.h>
#include <scsi/scsi_tcq.h>

#include "compat.h"
#include "storvsc.h"

/* Host-side command timeout we ask for, seconds (the in-tree value). */
#define STORVSC_SRB_TIMEOUT_S	60

/* A controller's addressing, as in-tree: 2 targets, 8 buses, 255 LUNs. */
#define STORVSC_MAX_LUNS	255
#define STORVSC_MAX_TARGETS	2
#define STORVSC_MAX_CHANNELS	8
/* An IDE controller's: 1 target, 1 bus, 64 LUNs. */
#define STORVSC_IDE_MAX_LUNS		64
#define STORVSC_IDE_MAX_TARGETS		1
#define STORVSC_IDE_MAX_CHANNELS	1

/* Deferred work on one LUN, run on the controller's ordered workqueue. */
struct storvsc_lun_work {
	struct work_struct work;
	struct Scsi_Host *host;
	unsigned int channel;
	unsigned int id;
	u64 lun;
};

/* Queue @work unless remove has begun tearing the workqueue down. */
static bool storvsc_scsi_queue(struct storvsc *stor, struct work_struct *work)
{
	unsigned long flags;
	bool queued = false;

	spin_lock_irqsave(&stor->work_lock, flags);
	if (stor->work_ok) {
		/* Already queued counts: one run serves both requests. */
		queue_work(stor->wq, work);
		queued = true;
	}
	spin_unlock_irqrestore(&stor->work_lock, flags);
	return queued;
}

static void storvsc_scsi_rescan_lun(struct work_struct *work)
{
	struct storvsc_lun_work *w = container_of(work, typeof(*w), work);
	struct scsi_device *sdev;

	sdev = scsi_device_lookup(w->host, w->channel, w->id, w->lun);
	if (sdev) {
		scsi_rescan_device(sdev);
		scsi_device_put(sdev);
	}
	kfree(w);
}

static void storvsc_scsi_remove_lun(struct work_struct *work)
{
	struct storvsc_lun_work *w = container_of(work, typeof(*w), work);
	struct scsi_device *sdev;

	sdev = scsi_device_lookup(w->host, w->channel, w->id, w->lun);
	if (sdev) {
		scsi_remove_device(sdev);
		scsi_device_put(sdev);
	}
	kfree(w);
}

/*
 * Defer @fn on the command's LUN (completion context cannot sleep).
 * Return: false if it could not be queued.
 */
static bool storvsc_scsi_lun_work(struct storvsc *stor,
				  struct scsi_cmnd *scmnd,
				  work_func_t fn)
{
	struct storvsc_lun_work *w;

	w = kmalloc(sizeof(*w), GFP_ATOMIC);
	if (!w)
		return false;
	INIT_WORK(&w->work, fn);
	w->host = stor->host;
	w->channel = scmnd->device->channel;
	w->id = scmnd->device->id;
	w->lun = scmnd->device->lun;
	if (!storvsc_scsi_queue(stor, &w->work)) {
		kfree(w);
		return false;
	}
	return true;
}

/*
 * ENUMERATE_BUS / REMOVE_DEVICE: the host added or removed LUNs.  A TEST
 * UNIT READY to each known LUN finds the removed ones (they answer
 * SRB_STATUS_INVALID_LUN and are removed from the workqueue after this
 * work), then the scan finds the new ones.
 */
void storvsc_scsi_scan_work(struct work_struct *work)
{
	struct storvsc *stor = container_of(work, struct storvsc, scan_work);
	struct Scsi_Host *host = stor->host;
	struct scsi_device *sdev;

	mutex_lock(&host->scan_mutex);
	shost_for_each_device(sdev, host)
		scsi_test_unit_ready(sdev, STORVSC_CMD_TIMEOUT_S * HZ, 1, NULL);
	mutex_unlock(&host->scan_mutex);
	scsi_scan_host(host);
}

void storvsc_scsi_host_note(struct storvsc *stor, u32 operation)
{
	storvsc_log_rl(stor, STORVSC_LOG_WARN, "host asks for a rescan (op %u)\n",
		       operation);
	storvsc_scsi_queue(stor, &stor->scan_work);
}

/*
 * trans_id -> the command it names: trans_id is blk_mq_unique_tag() + 1
 * (0 is the host's own notes).  Return: NULL for an id no started request
 * has; the caller still checks the command is with the host.
 */
struct storvsc_cmd *storvsc_scsi_lookup(struct storvsc *stor, u64 trans_id)
{
	struct scsi_cmnd *scmnd;

	if (!trans_id || trans_id - 1 > S32_MAX)
		return NULL;
	scmnd = scsi_host_find_tag(stor->host, (int)(trans_id - 1));
	return scmnd ? scsi_cmd_priv(scmnd) : NULL;
}

static void storvsc_scsi_unmap(struct storvsc_cmd *cmd)
{
	if (!cmd->len)
		return;
	scsi_dma_unmap(cmd->scmnd);
	if (cmd->mpb != (void *)cmd->mpb_inline)
		kfree(cmd->mpb);
	cmd->mpb = (void *)cmd->mpb_inline;
	cmd->len = 0;
}

/*
 * Describe the data buffer as one multi-page range: the first page's
 * offset, the length, and a page number per page touched.  The block
 * layer keeps segments gap-free (virt_boundary_mask), so only the first
 * may start and only the last may end inside a page; a list that breaks
 * this would be described wrongly, so it is refused, not sent.
 * Return: 0, -ENOMEM (retry later) or -EINVAL (fail the command).
 */
static int storvsc_scsi_map(struct storvsc_cmd *cmd)
{
	struct scsi_cmnd *scmnd = cmd->scmnd;
	u32 len = scsi_bufflen(scmnd), npfn, i = 0, total = 0;
	struct vmbus_packet_mpb_array *mpb = (void *)cmd->mpb_inline;
	struct scatterlist *sg;
	dma_addr_t first;
	int nents, j;

	cmd->mpb = mpb;
	cmd->mpb_size = 0;
	cmd->len = 0;
	if (!len || !scsi_sg_count(scmnd))
		return 0;

	nents = scsi_dma_map(scmnd);
	if (nents <= 0)
		return -ENOMEM;
	first = sg_dma_address(scsi_sglist(scmnd));
	npfn = HVPFN_UP(offset_in_hvpage(first) + (u64)len);
	if (npfn > STORVSC_INLINE_PFNS) {
		mpb = kmalloc(STORVSC_MPB_HDR_SIZE + npfn * sizeof(u64),
			      GFP_ATOMIC);
		if (!mpb) {
			scsi_dma_unmap(scmnd);
			return -ENOMEM;
		}
	}
	cmd->mpb = mpb;
	cmd->len = len;
	cmd->mpb_size = STORVSC_MPB_HDR_SIZE + npfn * sizeof(u64);
	mpb->rangecount = 1;
	mpb->range.len = len;
	mpb->range.offset = offset_in_hvpage(first);

	scsi_for_each_sg(scmnd, sg, nents, j) {
		dma_addr_t addr = sg_dma_address(sg);
		u32 slen = sg_dma_len(sg);
		u64 pfn = HVPFN_DOWN(addr), end = HVPFN_UP(addr + slen);

		if ((j && offset_in_hvpage(addr)) ||
		    (j < nents - 1 && offset_in_hvpage(addr + slen)) ||
		    end - pfn > npfn - i)
			goto err_layout;
		while (pfn < end)
			mpb->range.pfn_array[i++] = pfn++;
		total += slen;
	}
	if (i != npfn || total != len)
		goto err_layout;
	return 0;

err_layout:
	pr_err_ratelimited("scatterlist of %d entries, %u bytes does not make one range\n",
			   nents, len);
	storvsc_scsi_unmap(cmd);
	return -EINVAL;
}

/* Finish a command the host will not complete (it is gone). */
static void storvsc_scsi_fail(struct storvsc_cmd *cmd, int host_byte)
{
	struct scsi_cmnd *scmnd = cmd->scmnd;
	u32 len = scsi_bufflen(scmnd);

	storvsc_scsi_unmap(cmd);
	scmnd->result = 0;
	set_host_byte(scmnd, host_byte);
	scsi_set_resid(scmnd, len);
	scsi_done(scmnd);
}

/*
 * The host's error statuses, mapped as the in-tree driver (6.12) does:
 * sense data, when there is some, is the SCSI midlayer's to act on, except
 * for the two unit attentions that mean "rescan this LUN"; without sense
 * the host has already retried, so the command fails.  A status code this
 * driver does not know fails the command too.
 */
static void storvsc_scsi_srb_error(struct storvsc *stor,
				   struct scsi_cmnd *scmnd, u8 srb_status,
				   const struct scsi_sense_hdr *sense)
{
	switch (HVIS_SRB_STATUS_CODE(srb_status)) {
	case HVIS_SRB_STATUS_ERROR:
	case HVIS_SRB_STATUS_ABORTED:
	case HVIS_SRB_STATUS_INVALID_REQUEST:
	case HVIS_SRB_STATUS_INTERNAL_ERROR:
	case HVIS_SRB_STATUS_TIMEOUT:
	case HVIS_SRB_STATUS_SELECTION_TIMEOUT:
	case HVIS_SRB_STATUS_BUS_RESET:
	case HVIS_SRB_STATUS_DATA_OVERRUN:
		if (srb_status & HVIS_SRB_STATUS_AUTOSENSE_VALID) {
			/* Capacity changed; parameters changed (not 03, 0e). */
			if (sense && ((sense->asc == 0x2a && sense->ascq == 0x09) ||
				      (sense->asc == 0x3f && sense->ascq != 0x03 &&
				       sense->ascq != 0x0e))) {
				set_host_byte(scmnd, DID_REQUEUE);
				if (!storvsc_scsi_lun_work(stor, scmnd,
							   storvsc_scsi_rescan_lun))
					set_host_byte(scmnd, DID_BAD_TARGET);
			}
			return;
		}
		switch (scmnd->cmnd[0]) {
		case ATA_12:
		case ATA_16:
			set_host_byte(scmnd, DID_PASSTHROUGH);
			break;
		case TEST_UNIT_READY:
			/* Some hosts fail it plainly: let the midlayer judge. */
			break;
		default:
			set_host_byte(scmnd, DID_ERROR);
		}
		return;
	case HVIS_SRB_STATUS_INVALID_LUN:
		set_host_byte(scmnd, DID_NO_CONNECT);
		storvsc_scsi_lun_work(stor, scmnd, storvsc_scsi_remove_lun);
		return;
	default:
		storvsc_log_rl(stor, STORVSC_LOG_ERROR,
			       "unknown srb status %#x, command failed\n",
			       srb_status);
		set_host_byte(scmnd, DID_ERROR);
	}
}

/*
 * The host's answer to @cmd, now ours alone (inflight went 1 -> 0).
 * @valid is false when the packet failed validation: the command fails.
 */
void storvsc_scsi_complete(struct storvsc *stor, struct storvsc_cmd *cmd,
			   const struct hvis_vstor_packet *reply, bool valid)
{
	const struct hvis_vstor_srb *srb = &reply->srb;
	struct scsi_cmnd *scmnd = cmd->scmnd;
	u8 status = srb->srb_status, scsi_status = srb->scsi_status;
	u8 code = HVIS_SRB_STATUS_CODE(status);
	u32 moved = srb->data_transfer_length, len = cmd->len;
	u8 sense_len = srb->sense_info_length;
	struct scsi_sense_hdr sense;
	bool have_sense = false;

	storvsc_scsi_unmap(cmd);
	scmnd->result = 0;
	if (!valid || moved > len) {
		if (valid)
			storvsc_log_rl(stor, STORVSC_LOG_ERROR,
				       "tag#%d: host moved %u bytes of a %u-byte buffer, command failed\n",
				       scsi_cmd_to_rq(scmnd)->tag, moved, len);
		set_host_byte(scmnd, DID_ERROR);
		scsi_set_resid(scmnd, len);
		scsi_done(scmnd);
		return;
	}
	if (sense_len > HVIS_VSTOR_SENSE_MAX) {
		storvsc_log_rl(stor, STORVSC_LOG_ERROR,
			       "tag#%d: host claims %u sense bytes, using %u\n",
			       scsi_cmd_to_rq(scmnd)->tag, sense_len,
			       HVIS_VSTOR_SENSE_MAX);
		sense_len = HVIS_VSTOR_SENSE_MAX;
	}

	/*
	 * Hyper-V fails some INQUIRY and MODE SENSE pages it does not
	 * implement with a bare SRB error; in-tree passes those as success
	 * so they are not taken for a dead disk.  Only that case is
	 * softened here: a failure with sense, or a missing LUN, stands.
	 */
	if ((scmnd->cmnd[0] == INQUIRY || scmnd->cmnd[0] == MODE_SENSE ||
	     scmnd->cmnd[0] == MODE_SENSE_10) &&
	    code == HVIS_SRB_STATUS_ERROR &&
	    !(status & HVIS_SRB_STATUS_AUTOSENSE_VALID)) {
		status = HVIS_SRB_STATUS_SUCCESS;
		code = status;
		scsi_status = SAM_STAT_GOOD;
	}

	if (scsi_status != SAM_STAT_GOOD || code != HVIS_SRB_STATUS_SUCCESS)
		storvsc_log_rl(stor, scmnd->cmnd[0] == TEST_UNIT_READY ?
			       STORVSC_LOG_WARN : STORVSC_LOG_ERROR,
			       "tag#%d cmd %#x: scsi status %#x srb status %#x hv status %#x\n",
			       scsi_cmd_to_rq(scmnd)->tag, scmnd->cmnd[0],
			       scsi_status, status, reply->status);

	scmnd->result = scsi_status;
	if (scsi_status == SAM_STAT_CHECK_CONDITION &&
	    (status & HVIS_SRB_STATUS_AUTOSENSE_VALID) && sense_len) {
		memcpy(scmnd->sense_buffer, srb->sense_data, sense_len);
		have_sense = scsi_normalize_sense(scmnd->sense_buffer,
						  sense_len, &sense);
		if (have_sense && storvsc_logging_level >= STORVSC_LOG_WARN)
			scsi_print_sense_hdr(scmnd->device, "storvsc", &sense);
	}

	if (code != HVIS_SRB_STATUS_SUCCESS) {
		storvsc_scsi_srb_error(stor, scmnd, status,
				       have_sense ? &sense : NULL);
		/* Only an over/underrun reports a meaningful length. */
		if (code != HVIS_SRB_STATUS_DATA_OVERRUN)
			moved = 0;
		/*
		 * A failed transfer must not read as a good one with nothing
		 * moved: the block layer would resubmit it for ever.
		 */
		if (!scmnd->result && len && !moved)
			set_host_byte(scmnd, DID_ERROR);
	}
	scsi_set_resid(scmnd, len - moved);
	scsi_done(scmnd);
}

static bool storvsc_scsi_fail_busy(struct scsi_cmnd *scmnd, void *data)
{
	struct storvsc_cmd *cmd = scsi_cmd_priv(scmnd);
	struct storvsc *stor = data;

	if (atomic_cmpxchg(&cmd->inflight, 1, 0) == 1) {
		storvsc_scsi_fail(cmd, DID_NO_CONNECT);
		storvsc_vstor_put(stor);
	}
	return true;
}

/* The host rescinded the controller: what it held will never come back. */
void storvsc_scsi_fail_all(struct storvsc *stor)
{
	scsi_host_busy_iter(stor->host, storvsc_scsi_fail_busy, stor);
}

/* Build the SRB; false if the command cannot be expressed (it failed). */
static bool storvsc_scsi_build(struct storvsc *stor, struct scsi_cmnd *scmnd)
{
	struct storvsc_cmd *cmd = scsi_cmd_priv(scmnd);
	struct hvis_vstor_srb *srb = &cmd->pkt.srb;

	memset(&cmd->pkt, 0, sizeof(cmd->pkt));
	cmd->scmnd = scmnd;
	cmd->len = 0;
	cmd->mpb = (void *)cmd->mpb_inline;
	if (scmnd->cmd_len > HVIS_VSTOR_CDB_MAX)
		return false;

	srb->length = sizeof(*srb);
	srb->port_number = stor->host->host_no;
	srb->path_id = scmnd->device->channel;
	srb->target_id = scmnd->device->id;
	srb->lun = scmnd->device->lun;
	srb->cdb_length = scmnd->cmd_len;
	memcpy(srb->cdb, scmnd->cmnd, scmnd->cmd_len);
	srb->sense_info_length = HVIS_VSTOR_SENSE_MAX;
	srb->time_out_value = STORVSC_SRB_TIMEOUT_S;
	srb->srb_flags = HVIS_SRB_FLAGS_DISABLE_SYNCH_TRANSFER;
	if (scmnd->device->tagged_supported) {
		srb->srb_flags |= HVIS_SRB_FLAGS_QUEUE_ACTION_ENABLE |
				  HVIS_SRB_FLAGS_NO_QUEUE_FREEZE;
		srb->queue_tag = HVIS_SRB_QUEUE_TAG_UNTAGGED;
		srb->queue_action = HVIS_SRB_SIMPLE_TAG_REQUEST;
	}
	switch (scmnd->sc_data_direction) {
	case DMA_TO_DEVICE:
		srb->data_in = HVIS_SRB_DATA_OUT;
		srb->srb_flags |= HVIS_SRB_FLAGS_DATA_OUT;
		return true;
	case DMA_FROM_DEVICE:
		srb->data_in = HVIS_SRB_DATA_IN;
		srb->srb_flags |= HVIS_SRB_FLAGS_DATA_IN;
		return true;
	case DMA_NONE:
		srb->data_in = HVIS_SRB_DATA_UNKNOWN;
		return true;
	default:
		/* Bidirectional: VSTOR has one buffer and one direction. */
		return false;
	}
}

/*
 * Commands hosts before WIN8.1 mishandle (in-tree's list): WRITE SAME(10)
 * and SET WINDOW, which smartd sends.
 */
static bool storvsc_scsi_legacy_refused(struct storvsc *stor, u8 opcode)
{
	return READ_ONCE(stor->version) <= HVIS_VSTOR_VERSION_WIN8 &&
	       (opcode == WRITE_SAME || opcode == SET_WINDOW);
}

static int storvsc_scsi_queuecommand(struct Scsi_Host *host,
				     struct scsi_cmnd *scmnd)
{
	struct storvsc *stor = shost_priv(host);
	struct storvsc_cmd *cmd = scsi_cmd_priv(scmnd);
	u64 trans_id;
	int ret;

	if (unlikely(READ_ONCE(stor->gone))) {
		cmd->scmnd = scmnd;
		cmd->len = 0;
		storvsc_scsi_fail(cmd, DID_NO_CONNECT);
		return 0;
	}
	if (!storvsc_scsi_build(stor, scmnd) ||
	    storvsc_scsi_legacy_refused(stor, scmnd->cmnd[0])) {
		storvsc_scsi_fail(cmd, DID_ERROR);
		return 0;
	}

	ret = storvsc_scsi_map(cmd);
	if (ret == -ENOMEM)
		return SCSI_MLQUEUE_DEVICE_BUSY;
	if (ret) {
		storvsc_scsi_fail(cmd, DID_ERROR);
		return 0;
	}
	cmd->pkt.srb.data_transfer_length = cmd->len;

	trans_id = (u64)blk_mq_unique_tag(scsi_cmd_to_rq(scmnd)) + 1;
	ret = storvsc_vstor_send_srb(stor, cmd, trans_id);
	if (likely(!ret))
		return 0;
	if (ret == -EAGAIN) {
		/* Ring full: blk-mq retries once completions make room. */
		storvsc_scsi_unmap(cmd);
		return SCSI_MLQUEUE_HOST_BUSY;
	}
	if (ret == -ENODEV && !READ_ONCE(stor->hdev->channel->rescind)) {
		/* Only a sub-channel went away: another one takes it. */
		storvsc_scsi_unmap(cmd);
		return SCSI_MLQUEUE_HOST_BUSY;
	}
	storvsc_scsi_fail(cmd, ret == -ENODEV ? DID_NO_CONNECT : DID_ERROR);
	return 0;
}

/*
 * The host retries on its own and may still write the buffer of a
 * command that looks late, so a timeout only restarts the timer (as
 * in-tree); the command ends when the host answers.  Once the host has
 * rescinded the controller it never will: fail the command then.
 */
static HVIS_SCSI_TIMEOUT_RET storvsc_scsi_timed_out(struct scsi_cmnd *scmnd)
{
	struct storvsc *stor = shost_priv(scmnd->device->host);
	struct storvsc_cmd *cmd = scsi_cmd_priv(scmnd);

	if (READ_ONCE(stor->hdev->channel->rescind) &&
	    atomic_cmpxchg(&cmd->inflight, 1, 0) == 1) {
		storvsc_scsi_fail(cmd, DID_NO_CONNECT);
		storvsc_vstor_put(stor);
		return HVIS_SCSI_EH_DONE;
	}
	storvsc_log_rl(stor, STORVSC_LOG_WARN,
		       "tag#%d cmd %#x: no answer yet (inflight %d), waiting on\n",
		       scsi_cmd_to_rq(scmnd)->tag, scmnd->cmnd[0],
		       atomic_read(&cmd->inflight));
	return HVIS_SCSI_EH_RESET_TIMER;
}

/*
 * Reset the bus on the host, then wait until every command it held has
 * come back, so none is outstanding when the midlayer retries.
 */
static int storvsc_scsi_host_reset(struct scsi_cmnd *scmnd)
{
	struct storvsc *stor = shost_priv(scmnd->device->host);
	int ret;

	if (READ_ONCE(stor->gone))
		return FAILED;
	ret = storvsc_vstor_reset_bus(stor);
	if (ret) {
		dev_err(&stor->hdev->device, "bus reset failed: %d\n", ret);
		return FAILED;
	}
	if (!storvsc_vstor_wait_drained(stor, STORVSC_SYNC_TIMEOUT_S * HZ)) {
		dev_err(&stor->hdev->device,
			"bus reset: %d commands still with the host\n",
			atomic_read(&stor->outstanding));
		return FAILED;
	}
	dev_info(&stor->hdev->device, "bus reset done\n");
	return SUCCESS;
}

static int storvsc_scsi_slave_alloc(struct scsi_device *sdev)
{
	/*
	 * Hyper-V disks claim SPC-2 yet have VPD pages and REPORT LUNS
	 * (also for the DVD it reports as an unknown type).
	 */
	sdev->sdev_bflags = BLIST_REPORTLUN2 | BLIST_TRY_VPD_PAGES;
	return 0;
}

static int storvsc_scsi_slave_configure(struct scsi_device *sdev)
{
	struct storvsc *stor = shost_priv(sdev->host);
	u16 version = READ_ONCE(stor->version);

	blk_queue_rq_timeout(sdev->request_queue, STORVSC_CMD_TIMEOUT_S * HZ);
	/* No MAINTENANCE IN; WRITE SAME only on WIN10 hosts' own disks. */
	sdev->no_report_opcodes = 1;
	sdev->no_write_same = 1;
	if (!strncmp(sdev->vendor, "Msft", 4)) {
		if (version == HVIS_VSTOR_VERSION_WIN8 ||
		    version == HVIS_VSTOR_VERSION_WIN8_1)
			sdev->scsi_level = SCSI_SPC_3;
		if (version >= HVIS_VSTOR_VERSION_WIN10)
			sdev->no_write_same = 0;
	}
	return 0;
}

static int storvsc_scsi_change_queue_depth(struct scsi_device *sdev,
					   int depth)
{
	return scsi_change_queue_depth(sdev, min(depth, sdev->host->can_queue));
}

/* A made-up geometry for tools that still ask: 255 heads, 63 sectors. */
static int storvsc_scsi_bios_param(struct scsi_device *sdev,
				   struct block_device *bdev,
				   sector_t capacity, int *info)
{
	sector_t cylinders = capacity;

	sector_div(cylinders, 255 * 63);
	if ((cylinders + 1) * 255 * 63 < capacity)
		cylinders = 0xffff;
	info[0] = 255;
	info[1] = 63;
	info[2] = (int)min_t(sector_t, cylinders, 0xffff);
	return 0;
}

/* Not const: 6.1's scsi_host_alloc() takes a writable template. */
struct scsi_host_template storvsc_scsi_template = {
	.module			= THIS_MODULE,
	.name			= "storvsc_host_t",
	.proc_name		= "storvsc_host",
	.cmd_size		= sizeof(struct storvsc_cmd),
	.queuecommand		= storvsc_scsi_queuecommand,
	.eh_timed_out		= storvsc_scsi_timed_out,
	.eh_host_reset_handler	= storvsc_scsi_host_reset,
	.slave_alloc		= storvsc_scsi_slave_alloc,
	.slave_configure	= storvsc_scsi_slave_configure,
	.change_queue_depth	= storvsc_scsi_change_queue_depth,
	.bios_param		= storvsc_scsi_bios_param,
	.cmd_per_lun		= 2048,
	.this_id		= -1,
	/* Segments without gaps: one multi-page range describes them. */
	.virt_boundary_mask	= HV_HYP_PAGE_SIZE - 1,
	.no_write_same		= 1,
	.track_queue_depth	= 1,
};

/*
 * Size the host from what the handshake learnt, before scsi_add_host():
 * one hardware queue per online CPU (or storvsc_max_hw_queues; IDE: one),
 * and transfers as large as the host takes.
 */
void storvsc_scsi_setup(struct storvsc *stor, unsigned int nr_hw_queues,
			unsigned int can_queue)
{
	struct Scsi_Host *host = stor->host;

	if (stor->ide) {
		host->max_lun = STORVSC_IDE_MAX_LUNS;
		host->max_id = STORVSC_IDE_MAX_TARGETS;
		host->max_channel = STORVSC_IDE_MAX_CHANNELS - 1;
	} else {
		host->max_lun = STORVSC_MAX_LUNS;
		host->max_id = STORVSC_MAX_TARGETS;
		host->max_channel = STORVSC_MAX_CHANNELS - 1;
	}
	host->max_cmd_len = HVIS_VSTOR_CDB_MAX;
	host->max_sectors = stor->max_transfer >> SECTOR_SHIFT;
	/* One entry per page, plus one for a buffer that starts mid-page. */
	host->sg_tablesize = (stor->max_transfer >> HV_HYP_PAGE_SHIFT) + 1;
	host->nr_hw_queues = nr_hw_queues;
	host->can_queue = can_queue;
}
