// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of hvcore's SCSI target on its io_uring back end: data, holes, faults, reset, removal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "hvcore_scsi_fixture.h"
#include "scsi/scsi_priv.h"

/* Write @len bytes at @lba through odd iovecs, read back with others, compare. */
static bool rw_roundtrip(struct fix *f, uint32_t lba, size_t len,
			 const size_t *wsplit, const size_t *rsplit,
			 size_t misalign)
{
	uint8_t *wbuf = aligned_alloc(4096, len + 4096);
	uint8_t *rbuf = aligned_alloc(4096, len + 4096);
	uint8_t *w = wbuf + misalign, *r = rbuf + misalign, *file;
	uint8_t cdb[16];
	struct treq x;
	size_t off;
	unsigned int i;
	bool ok = false;

	file = malloc(len);
	if (!wbuf || !rbuf || !file)
		goto out;
	fill(w, len, lba);
	memset(r, 0xee, len);
	cdb_rw10(cdb, true, lba, (uint16_t)(len / 512));
	treq_init(&x, cdb, 10, SCSI_DIR_OUT, NULL, 0);
	for (i = 0, off = 0; off < len; i++) {
		size_t n = wsplit[i] ? wsplit[i] : len - off;

		x.iov[i].iov_base = w + off;
		x.iov[i].iov_len = n;
		off += n;
	}
	x.req.iovcnt = i;
	x.req.xfer_len = (uint32_t)len;
	if (!run_cmd(f->t, 0, &x) || !good(&x) || x.req.transferred != len) {
		ktap_diag("write failed");
		goto out;
	}
	cdb_rw16(cdb, false, lba, (uint32_t)(len / 512));
	treq_init(&x, cdb, 16, SCSI_DIR_IN, NULL, 0);
	for (i = 0, off = 0; off < len; i++) {
		size_t n = rsplit[i] ? rsplit[i] : len - off;

		x.iov[i].iov_base = r + off;
		x.iov[i].iov_len = n;
		off += n;
	}
	x.req.iovcnt = i;
	x.req.xfer_len = (uint32_t)len;
	if (!run_cmd(f->t, 0, &x) || !good(&x) || x.req.transferred != len) {
		ktap_diag("read failed");
		goto out;
	}
	if (memcmp(w, r, len)) {
		ktap_diag("read back differs");
		goto out;
	}
	if (pread(f->fd, file, len, (off_t)lba * 512) != (ssize_t)len ||
	    memcmp(file, w, len)) {
		ktap_diag("image file differs");
		goto out;
	}
	ok = true;
out:
	free(wbuf);
	free(rbuf);
	free(file);
	return ok;
}

static const size_t split_odd_w[] = { 1, 1000, 3000, 7, 4096, 511, 0 };
static const size_t split_odd_r[] = { 4095, 3, 2, 8192, 0 };
static const size_t split_whole[] = { 0 };
static const size_t split_pages[] = { 4096, 4096, 8192, 0 };

static bool test_rw(void)
{
	struct fix f = { .fd = -1 };
	bool ok = fix_open(&f, IMG_SIZE, "", 0) &&
		  rw_roundtrip(&f, 0, 65536, split_odd_w, split_odd_r, 0) &&
		  rw_roundtrip(&f, 16384 - 128, 65536, split_odd_r,
			       split_odd_w, 3) &&
		  rw_roundtrip(&f, 77, 2 * MIB, split_whole, split_odd_r, 0);

	fix_close(&f);
	return ok;
}

static bool test_direct(void)
{
	struct fix f = { .fd = -1 };
	bool ok = fix_open(&f, IMG_SIZE, "direct", 0) &&
		  rw_roundtrip(&f, 8, 65536, split_pages, split_whole, 0) &&
		  rw_roundtrip(&f, 200, 65536, split_odd_w, split_odd_r, 0) &&
		  rw_roundtrip(&f, 300, 65536, split_whole, split_whole, 1);

	fix_close(&f);
	return ok;
}

/* The image shrinks behind the target's back: what lies past EOF reads zeros. */
static bool eof_body(struct fix *f)
{
	uint8_t cdb[10], *b = malloc(65536);
	uint64_t cut = 4 * MIB + 4096 + 100;	/* unaligned for O_DIRECT too */
	struct treq x;
	bool ok = false;
	size_t i;

	if (!b)
		return false;
	memset(b, 0x5a, 65536);
	cdb_rw10(cdb, true, (4 * MIB - 16384) / 512, 128);
	if (!cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_OUT, b, 65536) || !good(&x))
		goto out;
	/* FUA: the write is flushed before it is reported. */
	cdb[1] = 0x08;
	if (!cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_OUT, b, 65536) || !good(&x))
		goto out;
	if (ftruncate(f->fd, (off_t)cut))
		goto out;
	memset(b, 0xee, 65536);
	cdb_rw10(cdb, false, (4 * MIB - 16384) / 512, 128);
	if (!cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_IN, b, 65536) || !good(&x) ||
	    x.req.transferred != 65536)
		goto out;
	for (i = 0; i < 65536; i++) {
		uint64_t pos = 4 * MIB - 16384 + i;
		uint8_t want = pos < cut ? 0x5a : 0;

		if (b[i] != want) {
			ktap_diag("byte %zu: %#x, want %#x", i, b[i], want);
			goto out;
		}
	}
	ok = true;
out:
	free(b);
	return ok;
}

static bool test_eof(void)
{
	struct fix f = { .fd = -1 }, g = { .fd = -1 };
	bool ok = fix_open(&f, IMG_SIZE, "", 0) && eof_body(&f) &&
		  fix_open(&g, IMG_SIZE, "direct", 0) && eof_body(&g);

	fix_close(&f);
	fix_close(&g);
	return ok;
}

static bool test_unmap_body(struct fix *f, uint8_t *b)
{
	uint8_t cdb[10] = { 0x42 }, list[24] = { 0 };
	long long before;
	struct treq x;

	KTAP_CHECK(fill_first_mib(f, b));
	before = img_blocks(f);
	KTAP_CHECK(before >= 2048);
	list[1] = 22;
	list[3] = 16;
	put64(list + 8, 0);
	put32(list + 16, MIB / 512);
	cdb[8] = sizeof(list);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_OUT, list, sizeof(list)));
	KTAP_CHECK(good(&x));
	KTAP_CHECK(img_blocks(f) <= before - 2048);
	cdb_rw10(cdb, false, 0, MIB / 512);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_IN, b, MIB));
	KTAP_CHECK(good(&x) && all_zero(b, MIB));
	return true;
}

static bool test_unmap(void)
{
	struct fix f = { .fd = -1 };
	uint8_t *b = malloc(MIB);
	bool ok = b && fix_open(&f, IMG_SIZE, "", 0) && test_unmap_body(&f, b);

	free(b);
	fix_close(&f);
	return ok;
}

static void cdb_ws16(uint8_t *c, bool unmap, uint64_t lba, uint32_t n)
{
	memset(c, 0, 16);
	c[0] = 0x93;
	c[1] = unmap ? 0x08 : 0;
	put64(c + 2, lba);
	put32(c + 10, n);
}

/* Room for more than the WRITE SAME limit, to see it refused. */
#define WS_IMG_SIZE	(64u * MIB)

static bool test_write_same_body(struct fix *f, uint8_t *b)
{
	uint8_t cdb[16], blk[512];
	long long before;
	struct treq x;
	size_t i;

	/* UNMAP bit with a zero block: holes. */
	KTAP_CHECK(fill_first_mib(f, b));
	before = img_blocks(f);
	memset(blk, 0, sizeof(blk));
	cdb_ws16(cdb, true, 0, MIB / 512);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_OUT, blk, 512));
	KTAP_CHECK(good(&x));
	KTAP_CHECK(img_blocks(f) <= before - 2048);
	cdb_rw10(cdb, false, 0, MIB / 512);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_IN, b, MIB));
	KTAP_CHECK(good(&x) && all_zero(b, MIB));
	/* No UNMAP: the block is written 5000 times (several chunks). */
	fill(blk, sizeof(blk), 9);
	cdb_ws16(cdb, false, 3000, 5000);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_OUT, blk, 512));
	KTAP_CHECK(good(&x));
	for (i = 0; i < 5000; i += 1000) {
		KTAP_CHECK(pread(f->fd, b, 512, (off_t)(3000 + i) * 512) == 512);
		KTAP_CHECK(!memcmp(b, blk, 512));
	}
	KTAP_CHECK(pread(f->fd, b, 512, (off_t)7999 * 512) == 512 &&
		   !memcmp(b, blk, 512));
	KTAP_CHECK(pread(f->fd, b, 512, (off_t)8000 * 512) == 512 &&
		   all_zero(b, 512));
	/* One block: a pattern smaller than a page. */
	cdb_ws16(cdb, false, 9000, 1);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_OUT, blk, 512));
	KTAP_CHECK(good(&x) && x.req.transferred == 512);
	KTAP_CHECK(pread(f->fd, b, 1024, 9000 * 512) == 1024 &&
		   !memcmp(b, blk, 512) && all_zero(b + 512, 512));
	/* UNMAP with a non-zero block must write it, not punch. */
	cdb_ws16(cdb, true, 100, 8);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_OUT, blk, 512));
	KTAP_CHECK(good(&x));
	KTAP_CHECK(pread(f->fd, b, 512, 107 * 512) == 512 &&
		   !memcmp(b, blk, 512));
	/* Over the VPD limit, zero blocks, past the end. */
	cdb_ws16(cdb, false, 0, 0x10001);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_OUT, blk, 512));
	KTAP_CHECK(sense_is(&x, 5, 0x24, 0));
	cdb_ws16(cdb, true, 0, 0);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_OUT, blk, 512));
	KTAP_CHECK(sense_is(&x, 5, 0x24, 0));
	cdb_ws16(cdb, true, WS_IMG_SIZE / 512 - 4, 8);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_OUT, blk, 512));
	KTAP_CHECK(sense_is(&x, 5, 0x21, 0));
	return true;
}

static bool test_write_same(void)
{
	struct fix f = { .fd = -1 };
	uint8_t *b = malloc(MIB);
	bool ok = b && fix_open(&f, WS_IMG_SIZE, "", 0) &&
		  test_write_same_body(&f, b);

	free(b);
	fix_close(&f);
	return ok;
}

static bool test_eio_body(struct fix *f)
{
	uint8_t cdb[16], b[8192] = { 0 };
	struct treq x;

	KTAP_CHECK(scsi_target_fault_eio(f->t, 0, 100, 10) == 0);
	KTAP_CHECK(scsi_target_fault_eio(f->t, 0, UINT64_MAX, 2) == -EINVAL);
	cdb_rw10(cdb, false, 95, 10);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(sense_is(&x, 3, 0x11, 0));
	KTAP_CHECK((x.req.sense[0] & 0x80) && be32(x.req.sense + 3) == 100);
	cdb_rw16(cdb, true, 105, 16);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_OUT, b, sizeof(b)));
	KTAP_CHECK(sense_is(&x, 3, 0x0c, 0));
	KTAP_CHECK((x.req.sense[0] & 0x80) && be32(x.req.sense + 3) == 105);
	cdb_rw10(cdb, false, 110, 16);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x));
	KTAP_CHECK(scsi_target_fault_clear(f->t, 0) == 0);
	cdb_rw10(cdb, false, 95, 10);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x));
	return true;
}

static bool test_eio(void)
{
	struct fix f = { .fd = -1 };
	bool ok = fix_open(&f, IMG_SIZE, "", 0) && test_eio_body(&f);

	fix_close(&f);
	return ok;
}

static bool test_delay_reset_body(struct fix *f)
{
	uint8_t cdb[10], a[4096], b[4096], r[4096];
	struct timespec t0, t1;
	struct treq x, y;

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	cdb_rw10(cdb, true, 0, 8);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_OUT, a, sizeof(a)));
	KTAP_CHECK(good(&x));
	/* A held write that a reset ends: never done, never written. */
	KTAP_CHECK(scsi_target_fault_delay(f->t, 0, 10000, 1) == 0);
	treq_init(&y, cdb, 10, SCSI_DIR_OUT, b, sizeof(b));
	scsi_target_submit(f->t, 0, &y.req);
	run_for(50);
	KTAP_CHECK(!y.done && scsi_target_inflight(f->t) == 1);
	scsi_target_reset(f->t);
	KTAP_CHECK(y.done && y.req.host_status == SCSI_HOST_RESET);
	KTAP_CHECK(scsi_target_inflight(f->t) == 0);
	run_for(20);
	KTAP_CHECK(pread(f->fd, r, sizeof(r), 0) == sizeof(r) &&
		   !memcmp(r, a, sizeof(r)));
	KTAP_CHECK(tur(f, 0, &x) && sense_is(&x, 6, 0x29, 0));
	KTAP_CHECK(tur(f, 0, &x) && good(&x));
	/* A delay that runs out: the request completes, late. */
	KTAP_CHECK(scsi_target_fault_delay(f->t, 0, 40, 1) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	KTAP_CHECK(cmd(f->t, 0, &y, cdb, 10, SCSI_DIR_OUT, b, sizeof(b)));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	KTAP_CHECK(good(&y));
	KTAP_CHECK((t1.tv_sec - t0.tv_sec) * 1000 +
		   (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 39);
	KTAP_CHECK(pread(f->fd, r, sizeof(r), 0) == sizeof(r) &&
		   !memcmp(r, b, sizeof(r)));
	/* Reset while a read is under way: ends RESET once its I/O is done. */
	cdb_rw10(cdb, false, 0, 8);
	treq_init(&y, cdb, 10, SCSI_DIR_IN, r, sizeof(r));
	scsi_target_submit(f->t, 0, &y.req);
	KTAP_CHECK(!y.done);
	scsi_target_reset(f->t);
	KTAP_CHECK(!y.done);
	KTAP_CHECK(run_until(&y.done, 5000));
	KTAP_CHECK(y.req.host_status == SCSI_HOST_RESET);
	return true;
}

static bool test_delay_reset(void)
{
	struct fix f = { .fd = -1 };
	bool ok = fix_open(&f, IMG_SIZE, "", 0) && test_delay_reset_body(&f);

	fix_close(&f);
	return ok;
}

#define NR_REMOVE	8

static bool test_remove_body(struct fix *f, uint8_t *b)
{
	uint8_t cdb[10], inq[6] = { 0x12, 0, 0, 0, 36 }, r[36];
	struct treq *x = calloc(NR_REMOVE + 1, sizeof(*x));
	unsigned int i, done;
	bool ok = false;

	if (!x)
		return false;
	fill(b, NR_REMOVE * MIB, 5);
	for (i = 0; i < NR_REMOVE; i++) {
		cdb_rw10(cdb, true, i * (MIB / 512), MIB / 512);
		treq_init(&x[i], cdb, 10, SCSI_DIR_OUT, b + i * MIB, MIB);
		scsi_target_submit(f->t, 0, &x[i].req);
	}
	/* A held request on the LUN ends NO_LUN at once. */
	if (scsi_target_fault_delay(f->t, 0, 10000, 1))
		goto out;
	treq_init(&x[NR_REMOVE], cdb, 10, SCSI_DIR_OUT, b, MIB);
	scsi_target_submit(f->t, 0, &x[NR_REMOVE].req);
	if (scsi_target_remove_lun(f->t, 0) || scsi_target_has_lun(f->t, 0) ||
	    scsi_target_remove_lun(f->t, 0) != -ENOENT) {
		ktap_diag("remove_lun");
		goto out;
	}
	if (!x[NR_REMOVE].done ||
	    x[NR_REMOVE].req.host_status != SCSI_HOST_NO_LUN) {
		ktap_diag("held request not ended NO_LUN");
		goto out;
	}
	for (done = 0, i = 0; i < 500 && done < NR_REMOVE; i++) {
		unsigned int j;

		run_for(10);
		for (j = 0, done = 0; j < NR_REMOVE; j++)
			done += x[j].done;
	}
	for (i = 0; i < NR_REMOVE; i++) {
		if (!good(&x[i]) || x[i].req.transferred != MIB) {
			ktap_diag("write %u: done %d host %d", i, x[i].done,
				  x[i].req.host_status);
			goto out;
		}
	}
	if (scsi_target_inflight(f->t)) {
		ktap_diag("still in flight");
		goto out;
	}
	/* The writes reached the file before their done(). */
	for (i = 0; i < NR_REMOVE; i++) {
		if (pread(f->fd, b + NR_REMOVE * MIB, MIB, (off_t)i * MIB) !=
		    MIB || memcmp(b + NR_REMOVE * MIB, b + i * MIB, MIB)) {
			ktap_diag("image differs at MiB %u", i);
			goto out;
		}
	}
	if (!tur(f, 0, &x[0]) || x[0].req.host_status != SCSI_HOST_NO_LUN)
		goto out;
	if (!cmd(f->t, 0, &x[0], inq, 6, SCSI_DIR_IN, r, sizeof(r)) ||
	    !good(&x[0]) || r[0] != 0x7f)
		goto out;
	ok = true;
out:
	free(x);
	return ok;
}

static bool test_remove(void)
{
	struct fix f = { .fd = -1 };
	uint8_t *b = malloc((NR_REMOVE + 1) * MIB);
	bool ok = b && fix_open(&f, 16 * MIB, "", 0) && test_remove_body(&f, b);

	free(b);
	fix_close(&f);
	return ok;
}

/* Send an UNMAP parameter list of @len bytes with CDB length @plen. */
static bool unmap_list(struct fix *f, struct treq *x, uint8_t *list,
		       uint32_t len, uint16_t plen)
{
	uint8_t cdb[10] = { 0x42 };

	cdb[7] = (uint8_t)(plen >> 8);
	cdb[8] = (uint8_t)plen;
	return cmd(f->t, 0, x, cdb, 10, SCSI_DIR_OUT, list, len);
}

static bool test_unmap_malformed_body(struct fix *f, uint8_t *b)
{
	uint8_t list[8 + 16 * 65] = { 0 };
	struct treq x;
	unsigned int i;

	KTAP_CHECK(fill_first_mib(f, b));
	list[1] = 22;
	list[3] = 16;
	put32(list + 16, 8);
	/* The CDB's list is longer than the guest's buffer. */
	KTAP_CHECK(unmap_list(f, &x, list, 24, 40));
	KTAP_CHECK(sense_is(&x, 5, 0x24, 0));
	/* Too short to hold the header. */
	KTAP_CHECK(unmap_list(f, &x, list, 24, 4));
	KTAP_CHECK(sense_is(&x, 5, 0x1a, 0));
	/* Descriptors claimed past the list sent. */
	list[3] = 32;
	KTAP_CHECK(unmap_list(f, &x, list, 24, 24));
	KTAP_CHECK(sense_is(&x, 5, 0x1a, 0));
	/* Data length past the list. */
	list[3] = 16;
	list[1] = 60;
	KTAP_CHECK(unmap_list(f, &x, list, 24, 24));
	KTAP_CHECK(sense_is(&x, 5, 0x1a, 0));
	list[1] = 22;
	/* Not a whole number of descriptors. */
	list[3] = 12;
	KTAP_CHECK(unmap_list(f, &x, list, 24, 24));
	KTAP_CHECK(sense_is(&x, 5, 0x26, 0));
	/* More descriptors than the VPD allows. */
	list[0] = (6 + 16 * 65) >> 8;
	list[1] = (6 + 16 * 65) & 0xff;
	list[2] = (16 * 65) >> 8;
	list[3] = (16 * 65) & 0xff;
	KTAP_CHECK(unmap_list(f, &x, list, sizeof(list), sizeof(list)));
	KTAP_CHECK(sense_is(&x, 5, 0x26, 0));
	/* Second descriptor out of range: the first must not be punched. */
	memset(list, 0, sizeof(list));
	list[1] = 38;
	list[3] = 32;
	put32(list + 16, 8);
	put64(list + 24, 16380);
	put32(list + 32, 8);
	KTAP_CHECK(unmap_list(f, &x, list, 40, 40));
	KTAP_CHECK(sense_is(&x, 5, 0x21, 0));
	/* Total over the maximum unmap LBA count. */
	for (i = 0; i < 2; i++) {
		put64(list + 8 + 16 * i, 0);
		put32(list + 16 + 16 * i, 0x300000);
	}
	KTAP_CHECK(unmap_list(f, &x, list, 40, 40));
	KTAP_CHECK(sense_is(&x, 5, 0x21, 0) || sense_is(&x, 5, 0x26, 0));
	KTAP_CHECK(pread(f->fd, b + 4096, 4096, 0) == 4096);
	fill(b, 4096, 1);
	KTAP_CHECK(!memcmp(b, b + 4096, 4096));
	return true;
}

static bool test_unmap_malformed(void)
{
	struct fix f = { .fd = -1 };
	uint8_t *b = malloc(MIB);
	bool ok = b && fix_open(&f, IMG_SIZE, "", 0) &&
		  test_unmap_malformed_body(&f, b);

	free(b);
	fix_close(&f);
	return ok;
}

#define NR_DEEP	600	/* past the ring's completion queue: some wait */

static bool test_deep_queue(void)
{
	struct fix f = { .fd = -1 };
	struct treq *x = calloc(NR_DEEP, sizeof(*x));
	uint8_t *b = malloc(NR_DEEP * 4096), *r = malloc(4096), cdb[10];
	unsigned int i, done = 0, tries;
	bool ok = false;

	if (!x || !b || !r || !fix_open(&f, IMG_SIZE, "", 0))
		goto out;
	fill(b, NR_DEEP * 4096, 3);
	for (i = 0; i < NR_DEEP; i++) {
		cdb_rw10(cdb, true, i * 8, 8);
		treq_init(&x[i], cdb, 10, SCSI_DIR_OUT, b + i * 4096, 4096);
		scsi_target_submit(f.t, 0, &x[i].req);
	}
	for (tries = 0; tries < 500 && done < NR_DEEP; tries++) {
		run_for(10);
		for (i = 0, done = 0; i < NR_DEEP; i++)
			done += good(&x[i]);
	}
	if (done != NR_DEEP) {
		ktap_diag("%u of %u done", done, NR_DEEP);
		goto out;
	}
	for (i = 0; i < NR_DEEP; i++)
		if (pread(f.fd, r, 4096, (off_t)i * 4096) != 4096 ||
		    memcmp(r, b + i * 4096, 4096))
			goto out;
	ok = scsi_target_inflight(f.t) == 0;
out:
	fix_close(&f);
	free(x);
	free(b);
	free(r);
	return ok;
}

#define NR_BOUNCE	24		/* 6 MiB of bounce buffers wanted at once */
#define BOUNCE_LEN	(256u << 10)

/* Submit NR_BOUNCE reads or writes from buffers 8 bytes off alignment. */
static void bounce_submit(struct fix *f, struct treq *x, uint8_t *b,
			  bool write)
{
	uint8_t cdb[10];
	unsigned int i;

	for (i = 0; i < NR_BOUNCE; i++) {
		cdb_rw10(cdb, write, i * (BOUNCE_LEN / 512), BOUNCE_LEN / 512);
		treq_init(&x[i], cdb, 10, write ? SCSI_DIR_OUT : SCSI_DIR_IN,
			  b + 8 + (size_t)i * BOUNCE_LEN, BOUNCE_LEN);
		scsi_target_submit(f->t, 0, &x[i].req);
	}
}

/* Run until all are done, the ring's bounce bytes never over budget. */
static bool bounce_run(struct fix *f, struct treq *x)
{
	uint64_t bytes, peak;
	unsigned int i, done = 0, tries, waiting;

	disk_ring_bounce_stats(f->t->ring, &bytes, &peak, &waiting);
	/* Most wait, holding no memory yet. */
	if (bytes > DISK_BOUNCE_BUDGET ||
	    waiting < NR_BOUNCE - DISK_BOUNCE_BUDGET / BOUNCE_LEN) {
		ktap_diag("after submitting %u: %llu bounce bytes held (budget %llu), %u waiting",
			  NR_BOUNCE, (unsigned long long)bytes,
			  (unsigned long long)DISK_BOUNCE_BUDGET, waiting);
		run_for(200);
		return false;
	}
	for (tries = 0; tries < 500 && done < NR_BOUNCE; tries++) {
		run_for(10);
		for (i = 0, done = 0; i < NR_BOUNCE; i++)
			done += good(&x[i]) &&
				x[i].req.transferred == BOUNCE_LEN;
	}
	disk_ring_bounce_stats(f->t->ring, &bytes, &peak, &waiting);
	if (done != NR_BOUNCE || peak > DISK_BOUNCE_BUDGET || bytes ||
	    waiting)
		ktap_diag("%u of %u done; bounce peak %llu (budget %llu), now %llu, %u waiting",
			  done, NR_BOUNCE, (unsigned long long)peak,
			  (unsigned long long)DISK_BOUNCE_BUDGET,
			  (unsigned long long)bytes, waiting);
	return done == NR_BOUNCE && peak <= DISK_BOUNCE_BUDGET && !bytes &&
	       !waiting;
}

/* Many unaligned O_DIRECT requests at once: bounce memory stays in budget. */
static bool test_bounce_budget(void)
{
	size_t len = (size_t)NR_BOUNCE * BOUNCE_LEN;
	struct treq *x = calloc(NR_BOUNCE, sizeof(*x));
	uint8_t *w = malloc(len + 8), *r = malloc(len + 8);
	uint8_t *file = malloc(len);
	struct fix f = { .fd = -1 };
	bool ok = false;

	if (!x || !w || !r || !file || !fix_open(&f, IMG_SIZE, "direct", 0))
		goto out;
	fill(w + 8, len, 5);
	bounce_submit(&f, x, w, true);
	if (!bounce_run(&f, x))
		goto out;
	memset(r, 0xee, len + 8);
	bounce_submit(&f, x, r, false);
	if (!bounce_run(&f, x))
		goto out;
	if (memcmp(w + 8, r + 8, len) ||
	    pread(f.fd, file, len, 0) != (ssize_t)len ||
	    memcmp(file, w + 8, len)) {
		ktap_diag("data differs");
		goto out;
	}
	ok = scsi_target_inflight(f.t) == 0;
out:
	fix_close(&f);
	free(x);
	free(w);
	free(r);
	free(file);
	return ok;
}

static unsigned int submit_failures;

/* io_uring_submit as under memory pressure: the first calls fail. */
static int failing_submit(struct io_uring *uring)
{
	if (submit_failures) {
		submit_failures--;
		return -EAGAIN;
	}
	return io_uring_submit(uring);
}

/*
 * A submit that fails with nothing else in flight: no completion comes to
 * submit the SQE again, so the ring must retry by itself.  Then WRITE SAME
 * on the same O_DIRECT disk: no bounce buffer, the block repeated.
 */
static bool test_submit_retry(void)
{
	struct fix f = { .fd = -1 };
	uint8_t *b = aligned_alloc(4096, 65536), blk[512], cdb[16];
	uint64_t bytes, peak;
	unsigned int waiting, i;
	struct treq x;
	bool ok = false;

	if (!b || !fix_open(&f, IMG_SIZE, "direct", 0))
		goto out;
	fill(b, 4096, 7);
	if (pwrite(f.fd, b, 4096, 40960) != 4096)
		goto out;
	disk_uring_submit = failing_submit;
	submit_failures = 3;
	cdb_rw10(cdb, false, 80, 8);
	memset(b, 0, 4096);
	if (!cmd(f.t, 0, &x, cdb, 10, SCSI_DIR_IN, b, 4096) || !good(&x)) {
		ktap_diag("read never completed (%u failures left)",
			  submit_failures);
		goto out;
	}
	fill(b + 4096, 4096, 7);
	if (submit_failures || memcmp(b, b + 4096, 4096))
		goto out;
	fill(blk, sizeof(blk), 11);
	cdb_ws16(cdb, false, 1000, 1500);
	if (!cmd(f.t, 0, &x, cdb, 16, SCSI_DIR_OUT, blk, 512) || !good(&x))
		goto out;
	for (i = 0; i < 1500; i += 100)
		if (pread(f.fd, b, 512, (off_t)(1000 + i) * 512) != 512 ||
		    memcmp(b, blk, 512))
			goto out;
	disk_ring_bounce_stats(f.t->ring, &bytes, &peak, &waiting);
	ok = !peak;
out:
	disk_uring_submit = io_uring_submit;
	fix_close(&f);
	free(b);
	return ok;
}

static const struct ktap_case scsi_io_cases[] = {
	{ "write and read back across odd iovecs", test_rw },
	{ "O_DIRECT with aligned and unaligned iovecs", test_direct },
	{ "FUA write; reads past a shrunk file's EOF are zeros", test_eof },
	{ "UNMAP punches holes that read zeros", test_unmap },
	{ "WRITE SAME(16) with and without UNMAP", test_write_same },
	{ "eio fault: medium error with the failing LBA", test_eio },
	{ "delay fault, bus reset: SCSI_HOST_RESET, no I/O", test_delay_reset },
	{ "remove a LUN with I/O in flight", test_remove },
	{ "malformed UNMAP parameter lists rejected", test_unmap_malformed },
	{ "600 requests at once through the ring", test_deep_queue },
	{ "unaligned O_DIRECT requests stay within the bounce budget", test_bounce_budget },
	{ "a failed io_uring_submit is retried; WRITE SAME on O_DIRECT", test_submit_retry },
};

int main(void)
{
	return scsi_fixture_main("hvcore-scsi-io", scsi_io_cases,
				 KTAP_ARRAY_SIZE(scsi_io_cases));
}
