// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of hvcore's SCSI target: the commands answered without I/O, sense, UA, config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvcore_scsi_fixture.h"

static bool test_inquiry_body(struct fix *f)
{
	static const uint8_t vpds[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };
	uint8_t cdb[6] = { 0x12, 0, 0, 0, 255, 0 }, b[255];
	struct treq x;

	memset(b, 0, sizeof(b));
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && x.req.transferred == 36);
	KTAP_CHECK(b[0] == 0 && b[2] >= 5 && (b[3] & 0xf) == 2 &&
		   b[4] == 31 && (b[7] & 0x02) && !(b[5] & 0x30));
	KTAP_CHECK(!memcmp(b + 8, "Acme    ", 8));
	KTAP_CHECK(!memcmp(b + 16, "Disk One        ", 16));
	/* Allocation length cuts the reply. */
	cdb[4] = 5;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && x.req.transferred == 5);
	/* VPD 0x00 lists what exists, and each page answers. */
	cdb[1] = 1;
	cdb[4] = 255;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && b[1] == 0 && b[3] == sizeof(vpds));
	KTAP_CHECK(!memcmp(b + 4, vpds, sizeof(vpds)));
	cdb[2] = 0x80;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && b[1] == 0x80 && b[3] == 8 &&
		   !memcmp(b + 4, "disk-one", 8));
	cdb[2] = 0x83;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && b[1] == 0x83 && b[3] == 4 + 16 + 4 + 8);
	/* T10 vendor id: ASCII, LU, type 1, vendor then serial. */
	KTAP_CHECK(b[4] == 0x02 && b[5] == 0x01 && b[7] == 16 &&
		   !memcmp(b + 8, "Acme    disk-one", 16));
	/* NAA, binary, 8 bytes, NAA 3 (locally assigned). */
	KTAP_CHECK(b[24] == 0x01 && b[25] == 0x03 && b[27] == 8 &&
		   (b[28] >> 4) == 3);
	cdb[2] = 0xb0;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && b[1] == 0xb0 && b[3] == 0x3c);
	KTAP_CHECK(be32(b + 8) == 4096);		/* max transfer */
	KTAP_CHECK(be32(b + 20) > 0 && be32(b + 24) > 0); /* unmap limits */
	KTAP_CHECK(be64(b + 36) > 0);			/* WRITE SAME */
	cdb[2] = 0xb1;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && b[1] == 0xb1 && b[4] == 0 && b[5] == 1);
	cdb[2] = 0xb2;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, sizeof(b)));
	/* LBPU, LBPWS, LBPRZ; thin. */
	KTAP_CHECK(good(&x) && b[1] == 0xb2 && (b[5] & 0xc4) == 0xc4 &&
		   (b[6] & 7) == 2);
	cdb[2] = 0x99;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(sense_is(&x, 5, 0x24, 0));
	/* A LUN that is not there: qualifier 3, so a scan skips it. */
	cdb[1] = 0;
	cdb[2] = 0;
	KTAP_CHECK(cmd(f->t, 9, &x, cdb, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && b[0] == 0x7f);
	return true;
}

static bool test_inquiry(void)
{
	struct fix f = { .fd = -1 };
	bool ok = fix_open(&f, IMG_SIZE,
			   "serial=disk-one,vendor=Acme,model=Disk One", 0) &&
		  test_inquiry_body(&f);

	fix_close(&f);
	return ok;
}

static bool test_capacity_body(struct fix *f, uint64_t blocks)
{
	uint8_t rc10[10] = { 0x25 }, rc16[16] = { 0x9e, 0x10 }, b[32];
	struct treq x;

	KTAP_CHECK(cmd(f->t, 0, &x, rc10, 10, SCSI_DIR_IN, b, 8));
	KTAP_CHECK(good(&x) && x.req.transferred == 8);
	KTAP_CHECK(be32(b) == (blocks - 1 > 0xfffffffe ? 0xffffffff :
			       blocks - 1) && be32(b + 4) == 512);
	rc16[13] = 32;
	KTAP_CHECK(cmd(f->t, 0, &x, rc16, 16, SCSI_DIR_IN, b, 32));
	KTAP_CHECK(good(&x) && x.req.transferred == 32);
	KTAP_CHECK(be64(b) == blocks - 1 && be32(b + 8) == 512);
	KTAP_CHECK((b[14] & 0xc0) == 0xc0);	/* LBPME, LBPRZ */
	return true;
}

static bool test_capacity(void)
{
	struct fix f = { .fd = -1 }, g = { .fd = -1 };
	/* 3 TiB, sparse: past what READ CAPACITY(10) can say. */
	uint64_t big = 3ull << 40;
	bool ok = fix_open(&f, IMG_SIZE, "", 0) &&
		  test_capacity_body(&f, IMG_SIZE / 512) &&
		  fix_open(&g, big, "", 0) &&
		  test_capacity_body(&g, big / 512);

	fix_close(&f);
	fix_close(&g);
	return ok;
}

static bool test_range_body(struct fix *f)
{
	uint8_t cdb[16], *b = calloc(1, 256 * 512);
	struct treq x;
	bool ok = false;

	if (!b)
		return false;
	cdb_rw10(cdb, false, 16383, 2);
	if (!cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_IN, b, 1024) ||
	    !sense_is(&x, 5, 0x21, 0))
		goto out;
	/* LBA + count wraps around 2^64. */
	cdb_rw16(cdb, true, UINT64_MAX - 1, 4);
	if (!cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_OUT, b, 2048) ||
	    !sense_is(&x, 5, 0x21, 0))
		goto out;
	/* The guest buffer holds less than the CDB asks. */
	cdb_rw10(cdb, false, 0, 4);
	if (!cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_IN, b, 1024) ||
	    !sense_is(&x, 5, 0x24, 0))
		goto out;
	/* Wrong direction for a read. */
	if (!cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_OUT, b, 2048) ||
	    !sense_is(&x, 5, 0x24, 0))
		goto out;
	/* Over the 2 MiB maximum transfer. */
	cdb_rw16(cdb, false, 0, 4097);
	if (!cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_IN, b, 1024) ||
	    !sense_is(&x, 5, 0x24, 0))
		goto out;
	/* READ(6) with length 0 moves 256 blocks; the last LBA reads fine. */
	memset(cdb, 0, 6);
	cdb[0] = 0x08;
	if (!cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, 256 * 512) ||
	    !good(&x) || x.req.transferred != 256 * 512)
		goto out;
	cdb_rw10(cdb, false, 16383, 1);
	if (!cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_IN, b, 4096) || !good(&x) ||
	    x.req.transferred != 512)
		goto out;
	ok = true;
out:
	free(b);
	return ok;
}

static bool test_range(void)
{
	struct fix f = { .fd = -1 };
	bool ok = fix_open(&f, IMG_SIZE, "", 0) && test_range_body(&f);

	fix_close(&f);
	return ok;
}

static bool mode_sense_wp(struct fix *f, bool ten, bool *wp)
{
	uint8_t cdb[10] = { 0 }, b[128];
	struct treq x;

	cdb[0] = ten ? 0x5a : 0x1a;
	cdb[2] = 0x3f;
	if (ten)
		cdb[8] = sizeof(b);
	else
		cdb[4] = sizeof(b);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, ten ? 10 : 6, SCSI_DIR_IN, b,
		       sizeof(b)));
	KTAP_CHECK(good(&x));
	if (ten) {
		KTAP_CHECK(b[1] + 2u == x.req.transferred && b[7] == 8);
		/* header, block descriptor, then the caching page with WCE */
		KTAP_CHECK(b[16] == 0x08 && b[17] == 0x12 && (b[18] & 0x04));
		KTAP_CHECK(b[36] == 0x0a && b[37] == 0x0a);
		*wp = b[3] & 0x80;
	} else {
		KTAP_CHECK(b[0] + 1u == x.req.transferred && b[3] == 8);
		KTAP_CHECK(be32(b + 4) == IMG_SIZE / 512 && be32(b + 8) == 512);
		KTAP_CHECK(b[12] == 0x08 && (b[14] & 0x04));
		*wp = b[2] & 0x80;
	}
	return true;
}

static bool test_read_only_body(struct fix *ro, struct fix *rw)
{
	uint8_t cdb[10], b[4096] = { 0 };
	struct treq x;
	bool wp;

	cdb_rw10(cdb, true, 0, 1);
	KTAP_CHECK(cmd(ro->t, 0, &x, cdb, 10, SCSI_DIR_OUT, b, 512));
	KTAP_CHECK(sense_is(&x, 7, 0x27, 0));
	memset(cdb, 0, 10);
	cdb[0] = 0x42;
	cdb[8] = 24;
	KTAP_CHECK(cmd(ro->t, 0, &x, cdb, 10, SCSI_DIR_OUT, b, 24));
	KTAP_CHECK(sense_is(&x, 7, 0x27, 0));
	cdb_rw10(cdb, false, 0, 1);
	KTAP_CHECK(cmd(ro->t, 0, &x, cdb, 10, SCSI_DIR_IN, b, 512));
	KTAP_CHECK(good(&x));
	KTAP_CHECK(mode_sense_wp(ro, false, &wp) && wp);
	KTAP_CHECK(mode_sense_wp(ro, true, &wp) && wp);
	KTAP_CHECK(mode_sense_wp(rw, false, &wp) && !wp);
	KTAP_CHECK(mode_sense_wp(rw, true, &wp) && !wp);
	/* DBD: no block descriptor; saved values: not supported. */
	memset(cdb, 0, 10);
	cdb[0] = 0x1a;
	cdb[1] = 0x08;
	cdb[2] = 0x08;
	cdb[4] = 255;
	KTAP_CHECK(cmd(rw->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, 255));
	KTAP_CHECK(good(&x) && b[3] == 0 && b[4] == 0x08 &&
		   x.req.transferred == 4 + 20);
	cdb[2] = 0xc8;
	KTAP_CHECK(cmd(rw->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, 255));
	KTAP_CHECK(sense_is(&x, 5, 0x39, 0));
	cdb[2] = 0x1c;
	KTAP_CHECK(cmd(rw->t, 0, &x, cdb, 6, SCSI_DIR_IN, b, 255));
	KTAP_CHECK(sense_is(&x, 5, 0x24, 0));
	return true;
}

static bool test_read_only(void)
{
	struct fix ro = { .fd = -1 }, rw = { .fd = -1 };
	bool ok = fix_open(&ro, IMG_SIZE, "ro", 0) &&
		  fix_open(&rw, IMG_SIZE, "", 0) &&
		  test_read_only_body(&ro, &rw);

	fix_close(&ro);
	fix_close(&rw);
	return ok;
}

static bool test_resize_body(struct fix *f)
{
	uint8_t rc10[10] = { 0x25 }, rs[6] = { 0x03, 0, 0, 0, 18 }, b[18];
	struct treq x;

	KTAP_CHECK(tur(f, 0, &x) && good(&x));
	KTAP_CHECK(scsi_target_resize(f->t, 0, 2 * IMG_SIZE) == 0);
	KTAP_CHECK(scsi_target_resize(f->t, 0, 1000) == -EINVAL);
	KTAP_CHECK(scsi_target_resize(f->t, 5, IMG_SIZE) == -ENOENT);
	/* INQUIRY does not consume the unit attention ... */
	KTAP_CHECK(cmd(f->t, 0, &x, (const uint8_t[6]){ 0x12, 0, 0, 0, 36 },
		       6, SCSI_DIR_IN, b, 18) && good(&x));
	/* ... the next other command gets it, once. */
	KTAP_CHECK(cmd(f->t, 0, &x, rc10, 10, SCSI_DIR_IN, b, 8));
	KTAP_CHECK(sense_is(&x, 6, 0x2a, 0x09));
	KTAP_CHECK(cmd(f->t, 0, &x, rc10, 10, SCSI_DIR_IN, b, 8));
	KTAP_CHECK(good(&x) && be32(b) == 2 * IMG_SIZE / 512 - 1);
	KTAP_CHECK(tur(f, 0, &x) && good(&x));
	/* REQUEST SENSE hands a pending UA over and clears it. */
	KTAP_CHECK(scsi_target_resize(f->t, 0, IMG_SIZE) == 0);
	KTAP_CHECK(cmd(f->t, 0, &x, rs, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && x.req.transferred == 18 &&
		   (b[2] & 0xf) == 6 && b[12] == 0x2a && b[13] == 0x09);
	KTAP_CHECK(cmd(f->t, 0, &x, rs, 6, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && (b[2] & 0xf) == 0 && b[12] == 0);
	KTAP_CHECK(tur(f, 0, &x) && good(&x));
	return true;
}

static bool test_resize(void)
{
	struct fix f = { .fd = -1 };
	bool ok = fix_open(&f, IMG_SIZE, "", 0) && test_resize_body(&f);

	fix_close(&f);
	return ok;
}

static bool test_report_luns_body(struct fix *f)
{
	uint8_t cdb[12] = { 0xa0 }, b[128];
	struct scsi_lun_config cfg = { .path = f->path, .lun = 5 };
	char err[128];
	struct treq x;

	KTAP_CHECK(scsi_target_add_lun(f->t, &cfg, err, sizeof(err)) == 5);
	KTAP_CHECK(scsi_target_add_lun(f->t, &cfg, err, sizeof(err)) ==
		   -EEXIST);
	cfg.lun = -1;
	KTAP_CHECK(scsi_target_add_lun(f->t, &cfg, err, sizeof(err)) == 0);
	cfg.lun = 64;
	KTAP_CHECK(scsi_target_add_lun(f->t, &cfg, err, sizeof(err)) ==
		   -EINVAL);
	/* LUN 3 was there before 5 and 0 came: told once, 3f/0e. */
	KTAP_CHECK(tur(f, 3, &x) && sense_is(&x, 6, 0x3f, 0x0e));
	KTAP_CHECK(tur(f, 3, &x) && good(&x));
	put32(cdb + 6, sizeof(b));
	/* REPORT LUNS to a LUN that does not exist still answers. */
	KTAP_CHECK(cmd(f->t, 7, &x, cdb, 12, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && be32(b) == 24 && x.req.transferred == 32);
	KTAP_CHECK(b[8] == 0 && b[9] == 0 && b[17] == 3 && b[25] == 5);
	cdb[2] = 2;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 12, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && be32(b) == 24);
	cdb[2] = 1;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 12, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(good(&x) && be32(b) == 0 && x.req.transferred == 8);
	cdb[2] = 7;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 12, SCSI_DIR_IN, b, sizeof(b)));
	KTAP_CHECK(sense_is(&x, 5, 0x24, 0));
	return true;
}

static bool test_report_luns(void)
{
	struct fix f = { .fd = -1 };
	bool ok = fix_open(&f, IMG_SIZE, "", 3) && test_report_luns_body(&f);

	fix_close(&f);
	return ok;
}

static bool test_opcodes_body(struct fix *f)
{
	uint8_t cdb[16] = { 0 };
	struct treq x;

	cdb[0] = 0xc7;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_NONE, NULL, 0));
	KTAP_CHECK(sense_is(&x, 5, 0x20, 0));
	cdb[0] = 0xa3;	/* REPORT SUPPORTED OPERATION CODES: not offered */
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 12, SCSI_DIR_NONE, NULL, 0));
	KTAP_CHECK(sense_is(&x, 5, 0x20, 0));
	/* A CDB shorter than its opcode's group. */
	cdb[0] = 0x28;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_NONE, NULL, 0));
	KTAP_CHECK(sense_is(&x, 5, 0x24, 0));
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x1b;	/* START STOP UNIT */
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 6, SCSI_DIR_NONE, NULL, 0));
	KTAP_CHECK(good(&x));
	cdb[0] = 0x91;	/* SYNCHRONIZE CACHE(16) */
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_NONE, NULL, 0));
	KTAP_CHECK(good(&x));
	put64(cdb + 2, 1ull << 40);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 16, SCSI_DIR_NONE, NULL, 0));
	KTAP_CHECK(sense_is(&x, 5, 0x21, 0));
	/* Any command but INQUIRY/REPORT LUNS to a missing LUN. */
	KTAP_CHECK(tur(f, 1, &x) && x.req.host_status == SCSI_HOST_NO_LUN);
	KTAP_CHECK(tur(f, 200, &x) && x.req.host_status == SCSI_HOST_NO_LUN);
	return true;
}

static bool test_opcodes(void)
{
	struct fix f = { .fd = -1 };
	bool ok = fix_open(&f, IMG_SIZE, "", 0) && test_opcodes_body(&f);

	fix_close(&f);
	return ok;
}

static bool test_config(void)
{
	struct scsi_lun_config cfg;
	char spec[128], err[128];

	strcpy(spec, "file=/a b.img,lun=7,ro,direct,serial=S1,vendor=V,model=M");
	KTAP_CHECK(scsi_lun_config_parse(spec, &cfg, err, sizeof(err)) == 0);
	KTAP_CHECK(!strcmp(cfg.path, "/a b.img") && cfg.lun == 7 &&
		   cfg.read_only && cfg.direct && !strcmp(cfg.serial, "S1") &&
		   !strcmp(cfg.vendor, "V") && !strcmp(cfg.model, "M"));
	strcpy(spec, "file=/x");
	KTAP_CHECK(scsi_lun_config_parse(spec, &cfg, err, sizeof(err)) == 0);
	KTAP_CHECK(cfg.lun == -1 && !cfg.read_only && !cfg.serial);
	strcpy(spec, "lun=1");
	KTAP_CHECK(scsi_lun_config_parse(spec, &cfg, err, sizeof(err)) < 0);
	strcpy(spec, "file=/x,lun=64");
	KTAP_CHECK(scsi_lun_config_parse(spec, &cfg, err, sizeof(err)) < 0);
	strcpy(spec, "file=/x,lun=-1");
	KTAP_CHECK(scsi_lun_config_parse(spec, &cfg, err, sizeof(err)) < 0);
	strcpy(spec, "file=/x,serial=123456789012345678901");
	KTAP_CHECK(scsi_lun_config_parse(spec, &cfg, err, sizeof(err)) < 0);
	strcpy(spec, "file=/x,vendor=123456789");
	KTAP_CHECK(scsi_lun_config_parse(spec, &cfg, err, sizeof(err)) < 0);
	strcpy(spec, "file=/x,bogus=1");
	KTAP_CHECK(scsi_lun_config_parse(spec, &cfg, err, sizeof(err)) < 0);
	strcpy(spec, "file=/x,rw");
	KTAP_CHECK(scsi_lun_config_parse(spec, &cfg, err, sizeof(err)) < 0);
	return true;
}

static const struct ktap_case scsi_cmd_cases[] = {
	{ "INQUIRY standard data and VPD 00/80/83/B0/B1/B2", test_inquiry },
	{ "READ CAPACITY 10/16, past 2^32 blocks too", test_capacity },
	{ "LBA out of range, short buffer, READ(6) of 256", test_range },
	{ "read-only: DATA PROTECT and MODE SENSE WP", test_read_only },
	{ "resize: unit attention 2a/09 once, REQUEST SENSE", test_resize },
	{ "REPORT LUNS and 3f/0e after a LUN appears", test_report_luns },
	{ "unknown opcodes, short CDBs, missing LUNs", test_opcodes },
	{ "DISK spec parsing", test_config },
};

int main(void)
{
	return scsi_fixture_main("hvcore-scsi", scsi_cmd_cases,
				 KTAP_ARRAY_SIZE(scsi_cmd_cases));
}
