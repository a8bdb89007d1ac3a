/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvcore's SCSI target: the logical units of one controller, each a disk
 * image, executing CDBs against guest buffers.  A VSP (storvsp) hands it
 * commands and maps the results onto its own protocol; the target knows
 * nothing of VMBus.  Everything runs on the event-loop thread.
 */
#ifndef HVCORE_SCSI_H
#define HVCORE_SCSI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

struct evloop;
struct scsi_target;

#define SCSI_MAX_LUNS		64	/* LUNs 0..63 per target */
#define SCSI_SENSE_MAX		20	/* fixed-format sense, what VSTOR carries */
#define SCSI_SERIAL_MAX		20
#define SCSI_VENDOR_MAX		8
#define SCSI_MODEL_MAX		16

/* What a LUN is made of; strings are copied. */
struct scsi_lun_config {
	const char *path;	/* raw image; must exist */
	int lun;		/* 0..63, or -1: the lowest free one */
	bool read_only;
	bool direct;		/* O_DIRECT */
	const char *serial;	/* NULL: "<name>-<lun>", scsi_target_set_name() */
	const char *vendor;	/* NULL: "Msft" */
	const char *model;	/* NULL: "Virtual Disk" */
};

/*
 * Parse one DISK spec (see hvcore run --help / STORAGE: "file=PATH,lun=N,
 * ro,direct,serial=S,vendor=V,model=M") into @cfg, pointing into @spec,
 * which it modifies.  0, or -EINVAL with the reason in @err.
 */
int scsi_lun_config_parse(char *spec, struct scsi_lun_config *cfg,
			  char *err, size_t errlen);

/* Data direction of a request, from the initiator's point of view. */
#define SCSI_DIR_NONE	0
#define SCSI_DIR_IN	1	/* device -> guest buffer (read) */
#define SCSI_DIR_OUT	2	/* guest buffer -> device (write) */

/* scsi_req.host_status: how the request ended besides its SAM status. */
#define SCSI_HOST_OK		0	/* status/sense/transferred are valid */
#define SCSI_HOST_NO_LUN	1	/* no such LUN (any more) */
#define SCSI_HOST_RESET		2	/* ended by a bus reset; may be retried */
#define SCSI_HOST_ERROR		3	/* internal failure, nothing moved */
#define SCSI_HOST_ABORTED	4	/* cancelled before its I/O started */

/* SAM status codes the target returns. */
#define SCSI_STATUS_GOOD		0x00
#define SCSI_STATUS_CHECK_CONDITION	0x02
#define SCSI_STATUS_BUSY		0x08

/*
 * One command.  The caller owns it and keeps it, the CDB and the buffers
 * alive until done() runs; done() may run before scsi_target_submit()
 * returns (commands that need no I/O).  The iovecs point into guest RAM
 * already bounds-checked by the caller; their total is at most xfer_len.
 * dir must say how data moves: the target writes the buffer only for
 * SCSI_DIR_IN and reads it only for SCSI_DIR_OUT; READ/WRITE/UNMAP/WRITE
 * SAME with the other direction, or a buffer shorter than the CDB's
 * transfer, end CHECK CONDITION 05/24/00.  A longer buffer is fine:
 * transferred says how much moved.
 */
struct scsi_req {
	uint8_t cdb[16];
	uint8_t cdb_len;
	uint8_t dir;			/* SCSI_DIR_* as the initiator said */
	const struct iovec *iov;
	unsigned int iovcnt;
	uint32_t xfer_len;		/* bytes the guest buffer holds */

	/* Results, valid when done() runs. */
	int host_status;		/* SCSI_HOST_* */
	uint8_t status;			/* SCSI_STATUS_* */
	uint8_t sense[SCSI_SENSE_MAX];
	uint8_t sense_len;		/* 0 unless CHECK CONDITION */
	uint32_t transferred;		/* bytes moved, <= xfer_len */

	void (*done)(struct scsi_req *req);
	void *opaque;			/* the caller's */
	void *target_priv;		/* the target's, while in flight */
};

struct scsi_target *scsi_target_create(struct evloop *loop);
/*
 * Prefix of the default serials ("<name>-<lun>"; default "hvis"), e.g.
 * "hvis-<ctrl>" so that LUNs of different controllers differ; applies to
 * LUNs added later.  At most SCSI_SERIAL_MAX - 3 characters; 0 or -EINVAL.
 */
int scsi_target_set_name(struct scsi_target *t, const char *name);
/* Every request must have completed; closes every LUN. */
void scsi_target_destroy(struct scsi_target *t);

/* Returns the LUN number or -errno with the reason in @err. */
int scsi_target_add_lun(struct scsi_target *t,
			const struct scsi_lun_config *cfg, char *err,
			size_t errlen);
/*
 * The LUN goes away: later commands end SCSI_HOST_NO_LUN, requests in
 * flight complete (their I/O finishes first; guest memory is never written
 * after done()).  0 or -ENOENT.
 */
int scsi_target_remove_lun(struct scsi_target *t, unsigned int lun);
bool scsi_target_has_lun(const struct scsi_target *t, unsigned int lun);

/*
 * Execute @req on @lun (target 0; the caller answers other targets itself
 * with SCSI_HOST_NO_LUN).  INQUIRY to a missing LUN answers peripheral
 * qualifier 3 and REPORT LUNS lists the target's LUNs, so a scan finds
 * every LUN; any other command to a missing LUN ends SCSI_HOST_NO_LUN.
 */
void scsi_target_submit(struct scsi_target *t, unsigned int lun,
			struct scsi_req *req);
/*
 * Execute @req as a target with no LUNs at all would: for a VSP whose
 * initiator addresses a target it does not serve.  INQUIRY answers
 * peripheral qualifier 3, REPORT LUNS an empty list, anything else ends
 * SCSI_HOST_NO_LUN.
 */
void scsi_target_submit_absent(struct scsi_target *t, struct scsi_req *req);

/* Resize the image (bytes, a multiple of 512); unit attention 2a/09 next. */
int scsi_target_resize(struct scsi_target *t, unsigned int lun,
		       uint64_t bytes);
/* Reads/writes touching [lba, lba + count) fail with a medium error. */
int scsi_target_fault_eio(struct scsi_target *t, unsigned int lun,
			  uint64_t lba, uint64_t count);
/* The next @n requests on the LUN complete @ms later than they would. */
int scsi_target_fault_delay(struct scsi_target *t, unsigned int lun,
			    uint32_t ms, uint32_t n);
int scsi_target_fault_clear(struct scsi_target *t, unsigned int lun);
/*
 * Bus reset: requests not yet started (e.g. held by a delay fault) end
 * SCSI_HOST_RESET now; requests whose I/O is under way end SCSI_HOST_RESET
 * when it finishes; every LUN reports unit attention 29/00 next.
 */
void scsi_target_reset(struct scsi_target *t);
/*
 * End, SCSI_HOST_ABORTED, every request held by a delay fault for which
 * @match(@req, @arg) is true, without doing its I/O (so it never touches
 * its buffers again): a VSP whose initiator went away calls this on close.
 * Requests whose I/O is under way are not touched; they finish as usual.
 * done() runs for each before this returns.  Returns how many ended.
 */
unsigned int scsi_target_cancel_held(struct scsi_target *t,
				     bool (*match)(const struct scsi_req *req,
						   void *arg),
				     void *arg);
/* Requests submitted and not yet done, for a VSP draining on close. */
unsigned int scsi_target_inflight(const struct scsi_target *t);
/* One line per LUN: lun, path, bytes, ro, direct, serial, faults. */
void scsi_target_list(const struct scsi_target *t, FILE *fp);

#endif
