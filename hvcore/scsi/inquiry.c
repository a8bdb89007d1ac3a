// SPDX-License-Identifier: GPL-2.0-only
/* SCSI target: INQUIRY, the standard data and the VPD pages 00, 80, 83, B0, B1, B2. */
#include <string.h>

#include "scsi/scsi_priv.h"

#define INQ_VERSION_SPC4	0x06
#define INQ_RESPONSE_FORMAT	0x02
#define INQ_CMDQUE		0x02
#define INQ_NO_LUN		0x7f	/* qualifier 3, type 1f: nothing here */
#define INQ_DISK		0x00
#define INQ_STD_LEN		36

static const uint8_t scsi_vpd_pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };

/* Copy @s into @dst, space-padded to @len, as INQUIRY strings are. */
static void scsi_pad(uint8_t *dst, const char *s, size_t len)
{
	size_t n = strlen(s);

	if (n > len)
		n = len;
	memset(dst, ' ', len);
	memcpy(dst, s, n);
}

static size_t scsi_inquiry_std(const struct scsi_lun *lun, uint8_t *b)
{
	memset(b, 0, INQ_STD_LEN);
	b[0] = lun ? INQ_DISK : INQ_NO_LUN;
	b[2] = INQ_VERSION_SPC4;
	b[3] = INQ_RESPONSE_FORMAT;
	b[4] = INQ_STD_LEN - 5;
	b[7] = INQ_CMDQUE;
	scsi_pad(b + 8, lun ? lun->vendor : "", 8);
	scsi_pad(b + 16, lun ? lun->model : "", 16);
	scsi_pad(b + 32, "1.0", 4);
	return INQ_STD_LEN;
}

/* FNV-1a: a stable 64-bit name for the LUN from its serial. */
static uint64_t scsi_serial_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static size_t scsi_vpd_devid(const struct scsi_lun *lun, uint8_t *b)
{
	size_t slen = strlen(lun->serial);
	uint8_t *d = b + 4;

	/* T10 vendor id: vendor, then the serial (ASCII, LU association). */
	d[0] = 0x02;
	d[1] = 0x01;
	d[3] = (uint8_t)(8 + slen);
	scsi_pad(d + 4, lun->vendor, 8);
	memcpy(d + 12, lun->serial, slen);
	d += 4 + 8 + slen;
	/* NAA 3 (locally assigned, binary): hvis owns no IEEE OUI. */
	d[0] = 0x01;
	d[1] = 0x03;
	d[3] = 8;
	scsi_put64(d + 4, 3ull << 60 |
		   (scsi_serial_hash(lun->serial) & 0x0fffffffffffffffull));
	d += 12;
	return (size_t)(d - b);
}

static size_t scsi_vpd_block_limits(uint8_t *b)
{
	b[4] = 0x01;			/* WSNZ: WRITE SAME of 0 blocks is refused */
	scsi_put16(b + 6, SCSI_UNMAP_GRANULARITY);	/* optimal granularity */
	scsi_put32(b + 8, SCSI_MAX_XFER_BLOCKS);
	scsi_put32(b + 20, SCSI_MAX_UNMAP_BLOCKS);
	scsi_put32(b + 24, SCSI_MAX_UNMAP_DESCS);
	scsi_put32(b + 28, SCSI_UNMAP_GRANULARITY);
	scsi_put32(b + 32, 0x80000000u);	/* UGAVALID, alignment 0 */
	scsi_put64(b + 36, SCSI_MAX_WSAME_BLOCKS);
	return 64;
}

static size_t scsi_vpd_characteristics(uint8_t *b)
{
	scsi_put16(b + 4, 0x0001);	/* non-rotating medium */
	return 64;
}

static size_t scsi_vpd_provisioning(uint8_t *b)
{
	/*
	 * LBPU, LBPWS, LBPWS10; LBPRZ because a punched hole reads zeros;
	 * no anchored unmap.  Provisioning type 2: thin.
	 */
	b[5] = 0x80 | 0x40 | 0x20 | 0x04;
	b[6] = 0x02;
	return 8;
}

/* Build VPD page @page into @b; 0 when the page does not exist. */
static size_t scsi_vpd(const struct scsi_lun *lun, uint8_t page, uint8_t *b)
{
	size_t len;

	b[1] = page;
	switch (page) {
	case 0x00:
		memcpy(b + 4, scsi_vpd_pages, sizeof(scsi_vpd_pages));
		len = 4 + sizeof(scsi_vpd_pages);
		break;
	case 0x80:
		len = strlen(lun->serial);
		memcpy(b + 4, lun->serial, len);
		len += 4;
		break;
	case 0x83:
		len = scsi_vpd_devid(lun, b);
		break;
	case 0xb0:
		len = scsi_vpd_block_limits(b);
		break;
	case 0xb1:
		len = scsi_vpd_characteristics(b);
		break;
	case 0xb2:
		len = scsi_vpd_provisioning(b);
		break;
	default:
		return 0;
	}
	scsi_put16(b + 2, (uint16_t)(len - 4));
	return len;
}

void scsi_cmd_inquiry(struct scsi_cmd *c)
{
	const uint8_t *cdb = c->req->cdb;
	uint32_t alloc = scsi_get16(cdb + 3);
	uint8_t b[256];
	size_t len;

	memset(b, 0, sizeof(b));
	if (cdb[1] & 0x02) {		/* CMDDT: obsolete */
		scsi_set_sense(c->req, SK_ILLEGAL_REQUEST,
			       ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	if (!(cdb[1] & 0x01)) {
		if (cdb[2]) {
			scsi_set_sense(c->req, SK_ILLEGAL_REQUEST,
				       ASC_INVALID_FIELD_IN_CDB);
			return;
		}
		len = scsi_inquiry_std(c->lun, b);
	} else if (!c->lun) {
		b[0] = INQ_NO_LUN;
		b[1] = cdb[2];
		len = 4;
	} else {
		len = scsi_vpd(c->lun, cdb[2], b);
		if (!len) {
			scsi_set_sense(c->req, SK_ILLEGAL_REQUEST,
				       ASC_INVALID_FIELD_IN_CDB);
			return;
		}
	}
	scsi_reply(c, b, len, alloc);
}
