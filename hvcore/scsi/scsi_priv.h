/* SPDX-License-Identifier: GPL-2.0-only */
/* What the SCSI target's files share: LUN, target and command state, and their helpers. */
#ifndef HVCORE_SCSI_PRIV_H
#define HVCORE_SCSI_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "disk/disk.h"
#include "scsi/scsi.h"

#define SCSI_BLOCK		512u
/* VPD 0xB0 limits; everything a guest asks is checked against them. */
#define SCSI_MAX_XFER_BLOCKS	4096u		/* 2 MiB */
#define SCSI_MAX_UNMAP_BLOCKS	0x400000u	/* 2 GiB per UNMAP command */
#define SCSI_MAX_UNMAP_DESCS	64u
#define SCSI_MAX_WSAME_BLOCKS	0x10000u	/* 32 MiB per WRITE SAME */
#define SCSI_UNMAP_GRANULARITY	8u		/* 4 KiB: a file-system block */
#define SCSI_MAX_EIO_FAULTS	16u
/* WRITE SAME without unmapping: a 4 KiB unit written up to 64 times per op. */
#define SCSI_WSAME_UNIT		4096u
#define SCSI_WSAME_IOVS		64u

/* Sense keys and the (asc << 8 | ascq) codes the target reports. */
#define SK_NO_SENSE		0x0
#define SK_MEDIUM_ERROR		0x3
#define SK_ILLEGAL_REQUEST	0x5
#define SK_UNIT_ATTENTION	0x6
#define SK_DATA_PROTECT		0x7
#define ASC_NONE			0x0000
#define ASC_WRITE_ERROR			0x0c00
#define ASC_UNRECOVERED_READ_ERROR	0x1100
#define ASC_PARAM_LIST_LENGTH_ERROR	0x1a00
#define ASC_INVALID_OPCODE		0x2000
#define ASC_LBA_OUT_OF_RANGE		0x2100
#define ASC_INVALID_FIELD_IN_CDB	0x2400
#define ASC_INVALID_FIELD_IN_PARAM	0x2600
#define ASC_WRITE_PROTECTED		0x2700
#define ASC_POWER_ON_RESET		0x2900
#define ASC_CAPACITY_CHANGED		0x2a09
#define ASC_SAVING_PARAMS_UNSUP		0x3900
#define ASC_REPORTED_LUNS_CHANGED	0x3f0e

/* Pending unit attentions of a LUN, reported in this order, one per command. */
#define SCSI_UA_RESET		0x1u	/* 29/00 */
#define SCSI_UA_CAPACITY	0x2u	/* 2a/09 */
#define SCSI_UA_LUNS_CHANGED	0x4u	/* 3f/0e */

struct scsi_eio_fault {
	uint64_t lba, count;
};

/*
 * One logical unit.  Locking: none, event-loop thread only.  A removed
 * LUN leaves the table at once but lives on until @refs (commands that
 * hold it) drops to 0, so I/O in flight finishes on an open file.
 */
struct scsi_lun {
	struct scsi_target *t;
	unsigned int id;
	struct disk *disk;
	uint64_t nblocks;
	bool read_only;
	bool direct;
	bool removed;
	unsigned int ua;			/* SCSI_UA_* pending */
	unsigned int refs;
	char *path;
	char serial[SCSI_SERIAL_MAX + 1];
	char vendor[SCSI_VENDOR_MAX + 1];
	char model[SCSI_MODEL_MAX + 1];
	struct scsi_eio_fault eio[SCSI_MAX_EIO_FAULTS];
	unsigned int nr_eio;
	uint32_t delay_ms;
	uint32_t delay_n;			/* requests still to delay */
};

struct scsi_unmap_desc {
	uint64_t lba;
	uint32_t count;
};

/*
 * A command being executed: the target's state for one scsi_req, from a
 * free list so that the I/O path does not allocate.  Locking: none.
 */
struct scsi_cmd {
	struct scsi_target *t;
	struct scsi_req *req;
	struct scsi_lun *lun;		/* holds a ref; NULL: missing LUN */
	bool absent;			/* addressed a target that has no LUNs */
	unsigned int gen;		/* t->reset_gen when submitted */
	int timer;			/* delay fault timer id, or 0 */
	uint32_t buflen;		/* usable guest buffer: min(xfer_len, iovecs) */
	struct scsi_cmd *prev, *next;	/* delayed list, or free list */

	/* I/O commands */
	struct disk_io io;
	uint64_t lba;
	uint64_t nblocks;
	bool write;
	bool fua;			/* flush after the write */
	bool flushing;			/* the FUA flush is the op in flight */
	unsigned int step, nsteps;	/* UNMAP descriptor / WRITE SAME chunk */
	struct iovec *trim;		/* guest iovecs cut to the transfer */
	unsigned int trim_cap;
	/*
	 * WRITE SAME: its block repeated to fill SCSI_WSAME_UNIT bytes,
	 * allocated at the command's first WRITE SAME and kept with it; each
	 * write repeats it through @wsame_iov.
	 */
	uint8_t *pattern;
	union {
		struct scsi_unmap_desc unmap[SCSI_MAX_UNMAP_DESCS];
		struct iovec wsame_iov[SCSI_WSAME_IOVS];
	};
};

/* Locking: none; event-loop thread only (see README, thread model). */
struct scsi_target {
	struct evloop *loop;
	struct disk_ring *ring;
	struct scsi_lun *luns[SCSI_MAX_LUNS];
	unsigned int inflight;		/* submitted, done() not yet run */
	unsigned int reset_gen;
	struct scsi_cmd *delayed;	/* held by a delay fault */
	struct scsi_cmd *free_cmds;
	char name[SCSI_SERIAL_MAX - 2];	/* default serial prefix */
};

/* sense.c: sense data, unit attention, guest-buffer copies */
void scsi_set_sense(struct scsi_req *req, uint8_t key, uint16_t asc);
void scsi_set_sense_info(struct scsi_req *req, uint8_t key, uint16_t asc,
			 uint64_t info);
/* Whether a unit attention was pending: then it is in @req and cleared. */
bool scsi_take_ua(struct scsi_lun *lun, struct scsi_req *req);
void scsi_raise_ua(struct scsi_target *t, unsigned int ua,
		   const struct scsi_lun *except);
size_t scsi_iov_total(const struct iovec *iov, unsigned int cnt);
/* Copy into / out of the guest buffer, at most @len bytes; returns bytes moved. */
size_t scsi_copy_to_guest(const struct scsi_cmd *c, const void *buf,
			  size_t len);
size_t scsi_copy_from_guest(const struct scsi_cmd *c, void *buf, size_t len);
/* A data-in command's reply: @len bytes, cut to @alloc and the guest buffer. */
void scsi_reply(struct scsi_cmd *c, const void *buf, size_t len,
		uint32_t alloc);

static inline uint16_t scsi_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t scsi_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t scsi_get64(const uint8_t *p)
{
	return (uint64_t)scsi_get32(p) << 32 | scsi_get32(p + 4);
}

static inline void scsi_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void scsi_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void scsi_put64(uint8_t *p, uint64_t v)
{
	scsi_put32(p, (uint32_t)(v >> 32));
	scsi_put32(p + 4, (uint32_t)v);
}

/* inquiry.c: INQUIRY, standard and VPD; @lun NULL: no such LUN */
void scsi_cmd_inquiry(struct scsi_cmd *c);

/* info.c: the other commands answered from the LUN's state */
void scsi_cmd_report_luns(struct scsi_cmd *c);
void scsi_cmd_read_capacity10(struct scsi_cmd *c);
void scsi_cmd_service_action_in(struct scsi_cmd *c);
void scsi_cmd_mode_sense(struct scsi_cmd *c);
void scsi_cmd_request_sense(struct scsi_cmd *c);

/* rw.c: commands that go to the disk; each ends in scsi_cmd_finish() */
void scsi_cmd_rw(struct scsi_cmd *c);
void scsi_cmd_sync_cache(struct scsi_cmd *c);
void scsi_cmd_unmap(struct scsi_cmd *c);
void scsi_cmd_write_same(struct scsi_cmd *c);

/* target.c: end the command, report to the caller, recycle @c. */
void scsi_cmd_finish(struct scsi_cmd *c);
/* The LUN's sizes changed or it was made: refresh nblocks from the file. */
void scsi_lun_update_size(struct scsi_lun *lun);

#endif
