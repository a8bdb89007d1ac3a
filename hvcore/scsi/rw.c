// SPDX-License-Identifier: GPL-2.0-only
/* SCSI target: the commands that reach the disk: READ/WRITE, SYNCHRONIZE CACHE, UNMAP, WRITE SAME. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "scsi/scsi_priv.h"

/* WRITE SAME without unmapping writes its block this many at a time. */
#define SCSI_WSAME_CHUNK_BLOCKS	(SCSI_WSAME_UNIT / SCSI_BLOCK * SCSI_WSAME_IOVS)

static struct scsi_cmd *scsi_cmd_of(struct disk_io *io)
{
	return (struct scsi_cmd *)((char *)io - offsetof(struct scsi_cmd, io));
}

static void scsi_invalid_cdb(struct scsi_cmd *c)
{
	scsi_set_sense(c->req, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
	scsi_cmd_finish(c);
}

static void scsi_fail(struct scsi_cmd *c, uint8_t key, uint16_t asc)
{
	scsi_set_sense(c->req, key, asc);
	scsi_cmd_finish(c);
}

/* [lba, lba + n) must lie on the medium; n == 0 names no block. */
static bool scsi_lba_ok(const struct scsi_lun *lun, uint64_t lba, uint64_t n)
{
	if (!n)
		return lba <= lun->nblocks;
	return lba < lun->nblocks && n <= lun->nblocks - lba;
}

/* Whether an injected EIO covers part of [lba, lba + n); @first: its first LBA. */
static bool scsi_eio_hit(const struct scsi_lun *lun, uint64_t lba, uint64_t n,
			 uint64_t *first)
{
	bool hit = false;
	unsigned int i;

	for (i = 0; i < lun->nr_eio; i++) {
		const struct scsi_eio_fault *f = &lun->eio[i];
		uint64_t lo = lba > f->lba ? lba : f->lba;

		/* Both ranges were checked against overflow when made. */
		if (lo >= lba + n || lo >= f->lba + f->count)
			continue;
		if (!hit || lo < *first)
			*first = lo;
		hit = true;
	}
	return hit;
}

/* Start c->io; on a refusal end the command. */
static void scsi_disk_submit(struct scsi_cmd *c, bool write)
{
	int ret = disk_submit(c->lun->disk, &c->io);

	if (!ret)
		return;
	if (ret == -EROFS)
		scsi_set_sense(c->req, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
	else if (ret == -ENOMEM)
		c->req->host_status = SCSI_HOST_ERROR;
	else
		scsi_set_sense(c->req, SK_MEDIUM_ERROR,
			       write ? ASC_WRITE_ERROR : ASC_UNRECOVERED_READ_ERROR);
	scsi_cmd_finish(c);
}

static void scsi_io_error(struct scsi_cmd *c, int err, bool write)
{
	if (err == -EROFS)
		scsi_set_sense(c->req, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
	else
		scsi_set_sense(c->req, SK_MEDIUM_ERROR,
			       write ? ASC_WRITE_ERROR : ASC_UNRECOVERED_READ_ERROR);
}

static void scsi_rw_done(struct disk_io *io)
{
	struct scsi_cmd *c = scsi_cmd_of(io);

	if (io->result < 0) {
		scsi_io_error(c, io->result, c->write);
	} else if (c->fua && !c->flushing) {
		/* Forced unit access: durable before it is reported done. */
		c->flushing = true;
		c->io.op = DISK_OP_FLUSH;
		scsi_disk_submit(c, true);
		return;
	} else {
		c->req->transferred = (uint32_t)(c->nblocks * SCSI_BLOCK);
	}
	scsi_cmd_finish(c);
}

/* Point c->io at the first @bytes of the guest's iovecs. */
static int scsi_rw_iov(struct scsi_cmd *c, size_t bytes)
{
	const struct scsi_req *req = c->req;
	unsigned int i, n = 0;
	size_t left = bytes;

	if (scsi_iov_total(req->iov, req->iovcnt) == bytes) {
		c->io.iov = req->iov;
		c->io.iovcnt = req->iovcnt;
		return 0;
	}
	if (c->trim_cap < req->iovcnt) {
		struct iovec *trim = realloc(c->trim,
					     sizeof(*trim) * req->iovcnt);

		if (!trim)
			return -ENOMEM;
		c->trim = trim;
		c->trim_cap = req->iovcnt;
	}
	for (i = 0; i < req->iovcnt && left; i++) {
		size_t l = req->iov[i].iov_len;

		if (!l)
			continue;
		c->trim[n].iov_base = req->iov[i].iov_base;
		c->trim[n].iov_len = l < left ? l : left;
		left -= c->trim[n].iov_len;
		n++;
	}
	c->io.iov = c->trim;
	c->io.iovcnt = n;
	return 0;
}

void scsi_cmd_rw(struct scsi_cmd *c)
{
	const uint8_t *cdb = c->req->cdb;
	struct scsi_lun *lun = c->lun;
	uint64_t lba, n, first = 0;
	size_t bytes;

	switch (cdb[0]) {
	case 0x08:	/* READ(6) */
	case 0x0a:	/* WRITE(6) */
		lba = (uint64_t)(cdb[1] & 0x1f) << 16 | scsi_get16(cdb + 2);
		n = cdb[4] ? cdb[4] : 256;
		break;
	case 0x28:	/* READ(10) */
	case 0x2a:	/* WRITE(10) */
		lba = scsi_get32(cdb + 2);
		n = scsi_get16(cdb + 7);
		break;
	case 0xa8:	/* READ(12) */
	case 0xaa:	/* WRITE(12) */
		lba = scsi_get32(cdb + 2);
		n = scsi_get32(cdb + 6);
		break;
	default:	/* READ(16), WRITE(16) */
		lba = scsi_get64(cdb + 2);
		n = scsi_get32(cdb + 10);
		break;
	}
	c->write = cdb[0] == 0x0a || cdb[0] == 0x2a || cdb[0] == 0xaa ||
		   cdb[0] == 0x8a;
	c->fua = false;
	c->flushing = false;
	if (cdb[0] != 0x08 && cdb[0] != 0x0a) {
		if (cdb[1] & 0xe0) {	/* RD/WRPROTECT: no protection info */
			scsi_invalid_cdb(c);
			return;
		}
		c->fua = c->write && (cdb[1] & 0x08);
	}
	if (c->write && lun->read_only) {
		scsi_fail(c, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
		return;
	}
	if (!scsi_lba_ok(lun, lba, n)) {
		scsi_fail(c, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return;
	}
	if (!n) {
		scsi_cmd_finish(c);
		return;
	}
	bytes = (size_t)n * SCSI_BLOCK;
	if (n > SCSI_MAX_XFER_BLOCKS || bytes > c->buflen ||
	    c->req->dir != (c->write ? SCSI_DIR_OUT : SCSI_DIR_IN)) {
		scsi_invalid_cdb(c);
		return;
	}
	if (scsi_eio_hit(lun, lba, n, &first)) {
		scsi_set_sense_info(c->req, SK_MEDIUM_ERROR,
				    c->write ? ASC_WRITE_ERROR :
				    ASC_UNRECOVERED_READ_ERROR, first);
		scsi_cmd_finish(c);
		return;
	}
	c->lba = lba;
	c->nblocks = n;
	if (scsi_rw_iov(c, bytes) < 0) {
		c->req->host_status = SCSI_HOST_ERROR;
		scsi_cmd_finish(c);
		return;
	}
	c->io.op = c->write ? DISK_OP_WRITE : DISK_OP_READ;
	c->io.offset = lba * SCSI_BLOCK;
	c->io.len = bytes;
	c->io.done = scsi_rw_done;
	scsi_disk_submit(c, c->write);
}

static void scsi_flush_done(struct disk_io *io)
{
	struct scsi_cmd *c = scsi_cmd_of(io);

	if (io->result < 0)
		scsi_io_error(c, io->result, true);
	scsi_cmd_finish(c);
}

void scsi_cmd_sync_cache(struct scsi_cmd *c)
{
	const uint8_t *cdb = c->req->cdb;
	uint64_t lba, n;

	if (cdb[0] == 0x35) {
		lba = scsi_get32(cdb + 2);
		n = scsi_get16(cdb + 7);
	} else {
		lba = scsi_get64(cdb + 2);
		n = scsi_get32(cdb + 10);
	}
	if (!scsi_lba_ok(c->lun, lba, n)) {
		scsi_fail(c, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return;
	}
	if (c->lun->read_only) {	/* nothing was ever written */
		scsi_cmd_finish(c);
		return;
	}
	/* fdatasync covers every write completed so far, the range included. */
	c->io.op = DISK_OP_FLUSH;
	c->io.done = scsi_flush_done;
	scsi_disk_submit(c, true);
}

/* Punch the next UNMAP descriptor's range, or end the command. */
static void scsi_unmap_step(struct scsi_cmd *c)
{
	const struct scsi_unmap_desc *d;

	if (c->step >= c->nsteps) {
		scsi_cmd_finish(c);
		return;
	}
	d = &c->unmap[c->step++];
	c->io.op = DISK_OP_PUNCH;
	c->io.offset = d->lba * SCSI_BLOCK;
	c->io.len = (uint64_t)d->count * SCSI_BLOCK;
	scsi_disk_submit(c, true);
}

static void scsi_unmap_done(struct disk_io *io)
{
	struct scsi_cmd *c = scsi_cmd_of(io);

	if (io->result < 0) {
		scsi_io_error(c, io->result, true);
		scsi_cmd_finish(c);
		return;
	}
	scsi_unmap_step(c);
}

void scsi_cmd_unmap(struct scsi_cmd *c)
{
	const uint8_t *cdb = c->req->cdb;
	uint8_t list[8 + 16 * SCSI_MAX_UNMAP_DESCS];
	uint32_t plen = scsi_get16(cdb + 7), bdlen, i, nr;
	uint64_t total = 0;

	if (c->lun->read_only) {
		scsi_fail(c, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
		return;
	}
	if (cdb[1] & 0x01) {		/* ANCHOR: not supported (ANC_SUP 0) */
		scsi_invalid_cdb(c);
		return;
	}
	if (!plen) {
		scsi_cmd_finish(c);
		return;
	}
	if (plen < 8) {
		scsi_fail(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	if (plen > c->buflen || c->req->dir != SCSI_DIR_OUT) {
		scsi_invalid_cdb(c);
		return;
	}
	if (plen > sizeof(list))
		plen = sizeof(list);	/* more descriptors are refused below */
	if (scsi_copy_from_guest(c, list, plen) != plen) {
		scsi_invalid_cdb(c);
		return;
	}
	bdlen = scsi_get16(list + 2);
	if (bdlen % 16 || bdlen / 16 > SCSI_MAX_UNMAP_DESCS) {
		scsi_fail(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_PARAM);
		return;
	}
	/* The descriptors claimed must lie inside the list sent. */
	if (bdlen > plen - 8 || (uint32_t)scsi_get16(list) + 2 > scsi_get16(cdb + 7)) {
		scsi_fail(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	/* Check every descriptor before punching any. */
	for (i = 0, nr = 0; i < bdlen / 16; i++) {
		const uint8_t *d = list + 8 + 16 * i;
		uint64_t lba = scsi_get64(d);
		uint32_t n = scsi_get32(d + 8);

		if (!n)
			continue;
		if (!scsi_lba_ok(c->lun, lba, n)) {
			scsi_fail(c, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
			return;
		}
		total += n;
		if (total > SCSI_MAX_UNMAP_BLOCKS) {
			scsi_fail(c, SK_ILLEGAL_REQUEST,
				  ASC_INVALID_FIELD_IN_PARAM);
			return;
		}
		c->unmap[nr].lba = lba;
		c->unmap[nr].count = n;
		nr++;
	}
	c->step = 0;
	c->nsteps = nr;
	c->io.done = scsi_unmap_done;
	scsi_unmap_step(c);
}

/* Write the next chunk of the repeated block, or end the command. */
static void scsi_wsame_step(struct scsi_cmd *c)
{
	uint64_t done = (uint64_t)c->step * SCSI_WSAME_CHUNK_BLOCKS;
	uint64_t n = c->nblocks - done;

	uint64_t left;
	unsigned int i;

	if (done >= c->nblocks) {
		scsi_cmd_finish(c);
		return;
	}
	if (n > SCSI_WSAME_CHUNK_BLOCKS)
		n = SCSI_WSAME_CHUNK_BLOCKS;
	c->step++;
	/* The same unit again and again; the last piece may be shorter. */
	left = n * SCSI_BLOCK;
	for (i = 0; left; i++) {
		size_t len = left < SCSI_WSAME_UNIT ? left : SCSI_WSAME_UNIT;

		c->wsame_iov[i].iov_base = c->pattern;
		c->wsame_iov[i].iov_len = len;
		left -= len;
	}
	c->io.op = DISK_OP_WRITE;
	c->io.offset = (c->lba + done) * SCSI_BLOCK;
	c->io.len = n * SCSI_BLOCK;
	c->io.iov = c->wsame_iov;
	c->io.iovcnt = i;
	if (disk_submit(c->lun->disk, &c->io) < 0) {
		scsi_set_sense(c->req, SK_MEDIUM_ERROR, ASC_WRITE_ERROR);
		scsi_cmd_finish(c);
	}
}

static void scsi_wsame_done(struct disk_io *io)
{
	struct scsi_cmd *c = scsi_cmd_of(io);

	if (io->result < 0) {
		scsi_io_error(c, io->result, true);
		scsi_cmd_finish(c);
		return;
	}
	if (io->op == DISK_OP_PUNCH) {
		scsi_cmd_finish(c);
		return;
	}
	scsi_wsame_step(c);
}

static bool scsi_all_zero(const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

void scsi_cmd_write_same(struct scsi_cmd *c)
{
	const uint8_t *cdb = c->req->cdb;
	uint8_t block[SCSI_BLOCK];
	bool ndob = false, unmap = cdb[1] & 0x08;
	uint64_t lba, n, first = 0, i;

	if (cdb[0] == 0x93) {
		lba = scsi_get64(cdb + 2);
		n = scsi_get32(cdb + 10);
		ndob = cdb[1] & 0x01;
	} else {
		lba = scsi_get32(cdb + 2);
		n = scsi_get16(cdb + 7);
	}
	if (c->lun->read_only) {
		scsi_fail(c, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
		return;
	}
	/* WRPROTECT, ANCHOR, PBDATA, LBDATA: none supported; WSNZ: n > 0. */
	if ((cdb[1] & 0xf6) || !n) {
		scsi_invalid_cdb(c);
		return;
	}
	if (!scsi_lba_ok(c->lun, lba, n)) {
		scsi_fail(c, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return;
	}
	if (n > SCSI_MAX_WSAME_BLOCKS) {
		scsi_invalid_cdb(c);
		return;
	}
	memset(block, 0, sizeof(block));
	if (!ndob) {
		if (c->buflen < SCSI_BLOCK ||
		    scsi_copy_from_guest(c, block, SCSI_BLOCK) != SCSI_BLOCK) {
			scsi_invalid_cdb(c);
			return;
		}
		c->req->transferred = SCSI_BLOCK;
	}
	if (scsi_eio_hit(c->lun, lba, n, &first)) {
		scsi_set_sense_info(c->req, SK_MEDIUM_ERROR, ASC_WRITE_ERROR,
				    first);
		scsi_cmd_finish(c);
		return;
	}
	c->lba = lba;
	c->nblocks = n;
	c->io.done = scsi_wsame_done;
	/* Unmapped blocks read zeros (LBPRZ): only a zero block may be punched. */
	if (unmap && scsi_all_zero(block, sizeof(block))) {
		c->io.op = DISK_OP_PUNCH;
		c->io.offset = lba * SCSI_BLOCK;
		c->io.len = n * SCSI_BLOCK;
		scsi_disk_submit(c, true);
		return;
	}
	/*
	 * One small unit per command, kept for its next WRITE SAME: requests
	 * the guest queues by the thousand must not each hold a large one.
	 * Page-aligned, so O_DIRECT takes it without a bounce buffer.
	 */
	if (!c->pattern)
		c->pattern = aligned_alloc(SCSI_WSAME_UNIT, SCSI_WSAME_UNIT);
	if (!c->pattern) {
		c->req->host_status = SCSI_HOST_ERROR;
		scsi_cmd_finish(c);
		return;
	}
	for (i = 0; i < SCSI_WSAME_UNIT / SCSI_BLOCK; i++)
		memcpy(c->pattern + i * SCSI_BLOCK, block, SCSI_BLOCK);
	c->step = 0;
	scsi_wsame_step(c);
}
