// SPDX-License-Identifier: GPL-2.0-only
/* SCSI target: REPORT LUNS, READ CAPACITY, MODE SENSE and REQUEST SENSE. */
#include <string.h>

#include "scsi/scsi_priv.h"

void scsi_cmd_report_luns(struct scsi_cmd *c)
{
	const uint8_t *cdb = c->req->cdb;
	uint8_t b[8 + 8 * SCSI_MAX_LUNS];
	unsigned int i, n = 0;

	memset(b, 0, sizeof(b));
	switch (cdb[2]) {
	case 0x00:	/* every LUN */
	case 0x02:	/* every LUN, well-known ones too: hvis has none */
		for (i = 0; i < SCSI_MAX_LUNS && !c->absent; i++) {
			if (!c->t->luns[i])
				continue;
			/* Peripheral device addressing, bus 0. */
			b[8 + 8 * n + 1] = (uint8_t)i;
			n++;
		}
		break;
	case 0x01:	/* well-known LUNs only */
		break;
	default:
		scsi_set_sense(c->req, SK_ILLEGAL_REQUEST,
			       ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	scsi_put32(b, 8 * n);
	scsi_reply(c, b, 8 + 8 * n, scsi_get32(cdb + 6));
}

void scsi_cmd_read_capacity10(struct scsi_cmd *c)
{
	uint64_t last = c->lun->nblocks - 1;
	uint8_t b[8];

	/* Past 2^32 blocks the guest must ask READ CAPACITY(16). */
	scsi_put32(b, last > 0xfffffffeull ? 0xffffffffu : (uint32_t)last);
	scsi_put32(b + 4, SCSI_BLOCK);
	scsi_reply(c, b, sizeof(b), sizeof(b));
}

void scsi_cmd_service_action_in(struct scsi_cmd *c)
{
	const uint8_t *cdb = c->req->cdb;
	uint8_t b[32];

	if ((cdb[1] & 0x1f) != 0x10) {	/* only READ CAPACITY(16) */
		scsi_set_sense(c->req, SK_ILLEGAL_REQUEST,
			       ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	memset(b, 0, sizeof(b));
	scsi_put64(b, c->lun->nblocks - 1);
	scsi_put32(b + 8, SCSI_BLOCK);
	b[14] = 0x80 | 0x40;		/* LBPME: thin; LBPRZ: holes read zeros */
	scsi_reply(c, b, sizeof(b), scsi_get32(cdb + 10));
}

/* Append mode page @page to @p for page control @pc; returns its length. */
static size_t scsi_mode_page(uint8_t page, unsigned int pc, uint8_t *p)
{
	size_t len = page == 0x08 ? 20 : 12;

	memset(p, 0, len);
	p[0] = page;
	p[1] = (uint8_t)(len - 2);
	if (pc == 1)			/* changeable: nothing is */
		return len;
	if (page == 0x08)
		p[2] = 0x04;		/* WCE: flushes are honoured */
	else
		p[3] = 0x10;		/* unrestricted reordering */
	return len;
}

void scsi_cmd_mode_sense(struct scsi_cmd *c)
{
	const uint8_t *cdb = c->req->cdb;
	bool ten = cdb[0] == 0x5a;
	size_t hdr = ten ? 8 : 4, len;
	unsigned int pc = cdb[2] >> 6;
	uint8_t page = cdb[2] & 0x3f, sub = cdb[3];
	bool dbd = cdb[1] & 0x08;
	uint8_t b[128];
	uint32_t alloc = ten ? scsi_get16(cdb + 7) : cdb[4];
	uint64_t nb = c->lun->nblocks;

	if (pc == 3) {
		scsi_set_sense(c->req, SK_ILLEGAL_REQUEST,
			       ASC_SAVING_PARAMS_UNSUP);
		return;
	}
	if ((page != 0x08 && page != 0x0a && page != 0x3f) ||
	    (sub && !(page == 0x3f && sub == 0xff))) {
		scsi_set_sense(c->req, SK_ILLEGAL_REQUEST,
			       ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	memset(b, 0, sizeof(b));
	len = hdr;
	if (!dbd) {			/* one short block descriptor */
		scsi_put32(b + len, nb > 0xffffffffull ? 0xffffffffu :
			   (uint32_t)nb);
		scsi_put32(b + len + 4, SCSI_BLOCK);	/* density 0 */
		len += 8;
	}
	if (page == 0x08 || page == 0x3f)
		len += scsi_mode_page(0x08, pc, b + len);
	if (page == 0x0a || page == 0x3f)
		len += scsi_mode_page(0x0a, pc, b + len);
	if (ten) {
		scsi_put16(b, (uint16_t)(len - 2));
		b[3] = c->lun->read_only ? 0x80 : 0;	/* WP */
		b[7] = dbd ? 0 : 8;
	} else {
		b[0] = (uint8_t)(len - 1);
		b[2] = c->lun->read_only ? 0x80 : 0;
		b[3] = dbd ? 0 : 8;
	}
	scsi_reply(c, b, len, alloc);
}

void scsi_cmd_request_sense(struct scsi_cmd *c)
{
	const uint8_t *cdb = c->req->cdb;
	struct scsi_req tmp;

	if (cdb[1] & 0x01) {		/* descriptor format: not offered */
		scsi_set_sense(c->req, SK_ILLEGAL_REQUEST,
			       ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	/* Sense travels with each command (autosense); only a UA can wait. */
	if (!scsi_take_ua(c->lun, &tmp))
		scsi_set_sense(&tmp, SK_NO_SENSE, ASC_NONE);
	scsi_reply(c, tmp.sense, tmp.sense_len, cdb[4]);
}
