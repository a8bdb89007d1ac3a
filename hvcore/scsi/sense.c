// SPDX-License-Identifier: GPL-2.0-only
/* SCSI target: fixed-format sense data, unit attentions and guest-buffer copies. */
#include <string.h>

#include "scsi/scsi_priv.h"

void scsi_set_sense_info(struct scsi_req *req, uint8_t key, uint16_t asc,
			 uint64_t info)
{
	uint8_t *s = req->sense;

	memset(s, 0, sizeof(req->sense));
	s[0] = 0x70;			/* current error, fixed format */
	s[2] = key & 0x0f;
	/* The information field has 4 bytes: a larger LBA leaves it invalid. */
	if (info <= UINT32_MAX) {
		s[0] |= 0x80;
		scsi_put32(s + 3, (uint32_t)info);
	}
	s[7] = 10;			/* additional length: 18 bytes in all */
	s[12] = (uint8_t)(asc >> 8);
	s[13] = (uint8_t)asc;
	req->sense_len = 18;
	req->status = SCSI_STATUS_CHECK_CONDITION;
	req->transferred = 0;
}

void scsi_set_sense(struct scsi_req *req, uint8_t key, uint16_t asc)
{
	scsi_set_sense_info(req, key, asc, UINT64_MAX);
}

static const struct {
	unsigned int bit;
	uint16_t asc;
} scsi_ua_order[] = {
	{ SCSI_UA_RESET, ASC_POWER_ON_RESET },
	{ SCSI_UA_CAPACITY, ASC_CAPACITY_CHANGED },
	{ SCSI_UA_LUNS_CHANGED, ASC_REPORTED_LUNS_CHANGED },
};

bool scsi_take_ua(struct scsi_lun *lun, struct scsi_req *req)
{
	unsigned int i;

	for (i = 0; i < sizeof(scsi_ua_order) / sizeof(scsi_ua_order[0]); i++) {
		if (!(lun->ua & scsi_ua_order[i].bit))
			continue;
		lun->ua &= ~scsi_ua_order[i].bit;
		scsi_set_sense(req, SK_UNIT_ATTENTION, scsi_ua_order[i].asc);
		return true;
	}
	return false;
}

void scsi_raise_ua(struct scsi_target *t, unsigned int ua,
		   const struct scsi_lun *except)
{
	unsigned int i;

	for (i = 0; i < SCSI_MAX_LUNS; i++)
		if (t->luns[i] && t->luns[i] != except)
			t->luns[i]->ua |= ua;
}

size_t scsi_iov_total(const struct iovec *iov, unsigned int cnt)
{
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	return total;
}

size_t scsi_copy_to_guest(const struct scsi_cmd *c, const void *buf,
			  size_t len)
{
	const struct scsi_req *req = c->req;
	const uint8_t *src = buf;
	size_t done = 0;
	unsigned int i;

	/* Only a data-in buffer may be written: the guest said so. */
	if (req->dir != SCSI_DIR_IN)
		return 0;
	if (len > c->buflen)
		len = c->buflen;
	for (i = 0; i < req->iovcnt && done < len; i++) {
		size_t n = req->iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(req->iov[i].iov_base, src + done, n);
		done += n;
	}
	return done;
}

size_t scsi_copy_from_guest(const struct scsi_cmd *c, void *buf, size_t len)
{
	const struct scsi_req *req = c->req;
	uint8_t *dst = buf;
	size_t done = 0;
	unsigned int i;

	if (req->dir != SCSI_DIR_OUT)
		return 0;
	if (len > c->buflen)
		len = c->buflen;
	for (i = 0; i < req->iovcnt && done < len; i++) {
		size_t n = req->iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(dst + done, req->iov[i].iov_base, n);
		done += n;
	}
	return done;
}

void scsi_reply(struct scsi_cmd *c, const void *buf, size_t len,
		uint32_t alloc)
{
	if (len > alloc)
		len = alloc;
	c->req->transferred = (uint32_t)scsi_copy_to_guest(c, buf, len);
	c->req->status = SCSI_STATUS_GOOD;
}
