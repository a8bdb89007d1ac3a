// SPDX-License-Identifier: GPL-2.0-only
/* SCSI target: the LUN table, command dispatch, faults, reset and the life of a request. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "log.h"
#include "scsi/scsi_priv.h"

/* Enough for QD64 on 4 channels without waiting in the back end. */
#define SCSI_RING_DEPTH		256
/* A delay fault longer than this is a typo, not a test. */
#define SCSI_MAX_DELAY_MS	3600000u

struct scsi_target *scsi_target_create(struct evloop *loop)
{
	struct scsi_target *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->loop = loop;
	strcpy(t->name, "hvis");
	t->ring = disk_ring_create(loop, SCSI_RING_DEPTH);
	if (!t->ring) {
		free(t);
		return NULL;
	}
	return t;
}

static void scsi_lun_free(struct scsi_lun *lun)
{
	disk_close(lun->disk);
	free(lun->path);
	free(lun);
}

void scsi_target_destroy(struct scsi_target *t)
{
	struct scsi_cmd *c;
	unsigned int i;

	if (!t)
		return;
	if (t->inflight)
		log_msg("scsi: target destroyed with %u requests in flight",
			t->inflight);
	for (i = 0; i < SCSI_MAX_LUNS; i++)
		if (t->luns[i])
			scsi_lun_free(t->luns[i]);
	while ((c = t->free_cmds)) {
		t->free_cmds = c->next;
		free(c->trim);
		free(c->pattern);
		free(c);
	}
	disk_ring_destroy(t->ring);
	free(t);
}

int scsi_target_set_name(struct scsi_target *t, const char *name)
{
	if (!name || !*name || strlen(name) > SCSI_SERIAL_MAX - 3)
		return -EINVAL;
	strcpy(t->name, name);
	return 0;
}

void scsi_lun_update_size(struct scsi_lun *lun)
{
	lun->nblocks = disk_size(lun->disk) / SCSI_BLOCK;
}

/* INQUIRY strings: printable ASCII that fits. */
static bool scsi_str_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n > max)
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

int scsi_target_add_lun(struct scsi_target *t,
			const struct scsi_lun_config *cfg, char *err,
			size_t errlen)
{
	struct scsi_lun *lun;
	int id = cfg->lun, ret;

	if (!cfg->path || !*cfg->path) {
		snprintf(err, errlen, "no file");
		return -EINVAL;
	}
	if ((cfg->serial && !scsi_str_ok(cfg->serial, SCSI_SERIAL_MAX)) ||
	    (cfg->vendor && !scsi_str_ok(cfg->vendor, SCSI_VENDOR_MAX)) ||
	    (cfg->model && !scsi_str_ok(cfg->model, SCSI_MODEL_MAX))) {
		snprintf(err, errlen,
			 "serial/vendor/model: printable ASCII, at most %d/%d/%d characters",
			 SCSI_SERIAL_MAX, SCSI_VENDOR_MAX, SCSI_MODEL_MAX);
		return -EINVAL;
	}
	if (id < 0) {
		for (id = 0; id < SCSI_MAX_LUNS && t->luns[id]; id++)
			;
		if (id == SCSI_MAX_LUNS) {
			snprintf(err, errlen, "all %d LUNs in use",
				 SCSI_MAX_LUNS);
			return -ENOSPC;
		}
	} else if (id >= SCSI_MAX_LUNS) {
		snprintf(err, errlen, "lun %d: not in 0..%d", id,
			 SCSI_MAX_LUNS - 1);
		return -EINVAL;
	} else if (t->luns[id]) {
		snprintf(err, errlen, "lun %d exists", id);
		return -EEXIST;
	}
	lun = calloc(1, sizeof(*lun));
	if (!lun || !(lun->path = strdup(cfg->path))) {
		free(lun);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = disk_open(t->ring, cfg->path, cfg->read_only, cfg->direct,
			&lun->disk, err, errlen);
	if (ret < 0)
		goto err_free_lun;
	lun->t = t;
	lun->id = (unsigned int)id;
	lun->read_only = cfg->read_only;
	lun->direct = cfg->direct;
	scsi_lun_update_size(lun);
	if (!lun->nblocks) {
		snprintf(err, errlen, "%s: smaller than one %u-byte block",
			 cfg->path, SCSI_BLOCK);
		ret = -EINVAL;
		goto err_close_disk;
	}
	if (cfg->serial)
		strcpy(lun->serial, cfg->serial);
	else
		snprintf(lun->serial, sizeof(lun->serial), "%s-%d", t->name,
			 id);
	strcpy(lun->vendor, cfg->vendor ? cfg->vendor : "Msft");
	strcpy(lun->model, cfg->model ? cfg->model : "Virtual Disk");
	/* The others learn of it (3f/0e); the guest scans on that. */
	scsi_raise_ua(t, SCSI_UA_LUNS_CHANGED, NULL);
	t->luns[id] = lun;
	return id;

err_close_disk:
	disk_close(lun->disk);
err_free_lun:
	free(lun->path);
	free(lun);
	return ret;
}

static void scsi_delayed_unlink(struct scsi_cmd *c)
{
	struct scsi_target *t = c->t;

	if (c->prev)
		c->prev->next = c->next;
	else
		t->delayed = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	if (c->timer > 0)
		evloop_del_timer(t->loop, c->timer);
	c->timer = 0;
}

/*
 * End every held request on @lun (NULL: all) that @match accepts (NULL:
 * all) with @host_status, I/O not done.  Returns how many ended.
 */
static unsigned int scsi_end_delayed(struct scsi_target *t,
				     struct scsi_lun *lun, int host_status,
				     bool (*match)(const struct scsi_req *,
						   void *),
				     void *arg)
{
	unsigned int n = 0;
	struct scsi_cmd *c;

again:
	/* done() may submit or end others: rescan from the head each time. */
	for (c = t->delayed; c; c = c->next) {
		if ((lun && c->lun != lun) || (match && !match(c->req, arg)))
			continue;
		scsi_delayed_unlink(c);
		c->req->host_status = host_status;
		scsi_cmd_finish(c);
		n++;
		goto again;
	}
	return n;
}

unsigned int scsi_target_cancel_held(struct scsi_target *t,
				     bool (*match)(const struct scsi_req *req,
						   void *arg),
				     void *arg)
{
	return scsi_end_delayed(t, NULL, SCSI_HOST_ABORTED, match, arg);
}

int scsi_target_remove_lun(struct scsi_target *t, unsigned int id)
{
	struct scsi_lun *lun = id < SCSI_MAX_LUNS ? t->luns[id] : NULL;

	if (!lun)
		return -ENOENT;
	t->luns[id] = NULL;
	lun->removed = true;
	lun->refs++;		/* ending held requests must not free it yet */
	scsi_end_delayed(t, lun, SCSI_HOST_NO_LUN, NULL, NULL);
	scsi_raise_ua(t, SCSI_UA_LUNS_CHANGED, NULL);
	/* Requests with I/O under way keep the file open until they finish. */
	if (!--lun->refs)
		scsi_lun_free(lun);
	return 0;
}

bool scsi_target_has_lun(const struct scsi_target *t, unsigned int id)
{
	return id < SCSI_MAX_LUNS && t->luns[id];
}

void scsi_cmd_finish(struct scsi_cmd *c)
{
	struct scsi_target *t = c->t;
	struct scsi_req *req = c->req;
	struct scsi_lun *lun = c->lun;

	/* A reset since it was submitted: the result must not be trusted. */
	if (c->gen != t->reset_gen && req->host_status == SCSI_HOST_OK)
		req->host_status = SCSI_HOST_RESET;
	if (req->host_status != SCSI_HOST_OK) {
		req->status = SCSI_STATUS_GOOD;
		req->sense_len = 0;
		req->transferred = 0;
	}
	if (lun && !--lun->refs && lun->removed)
		scsi_lun_free(lun);
	c->lun = NULL;
	c->req = NULL;
	c->next = t->free_cmds;
	t->free_cmds = c;
	t->inflight--;
	req->target_priv = NULL;
	req->done(req);		/* last: it may submit again or destroy @t */
}

/* The CDB length each opcode group needs. */
static uint8_t scsi_cdb_len(uint8_t opcode)
{
	static const uint8_t len[8] = { 6, 10, 10, 6, 16, 12, 6, 6 };

	return len[opcode >> 5];
}

static void scsi_execute(struct scsi_cmd *c)
{
	struct scsi_req *req = c->req;
	uint8_t op = req->cdb[0];

	if (req->cdb_len < scsi_cdb_len(op) || req->cdb_len > sizeof(req->cdb)) {
		scsi_set_sense(req, SK_ILLEGAL_REQUEST,
			       ASC_INVALID_FIELD_IN_CDB);
		scsi_cmd_finish(c);
		return;
	}
	/* A scan must see every LUN, present or not. */
	if (!c->lun) {
		if (op == 0x12)
			scsi_cmd_inquiry(c);
		else if (op == 0xa0)
			scsi_cmd_report_luns(c);
		else
			req->host_status = SCSI_HOST_NO_LUN;
		scsi_cmd_finish(c);
		return;
	}
	if (op != 0x12 && op != 0xa0 && op != 0x03 &&
	    scsi_take_ua(c->lun, req)) {
		scsi_cmd_finish(c);
		return;
	}
	switch (op) {
	case 0x08: case 0x0a: case 0x28: case 0x2a:
	case 0xa8: case 0xaa: case 0x88: case 0x8a:
		scsi_cmd_rw(c);
		return;
	case 0x35: case 0x91:
		scsi_cmd_sync_cache(c);
		return;
	case 0x42:
		scsi_cmd_unmap(c);
		return;
	case 0x41: case 0x93:
		scsi_cmd_write_same(c);
		return;
	case 0x00:		/* TEST UNIT READY */
	case 0x1b:		/* START STOP UNIT: nothing spins */
		break;
	case 0x03:
		scsi_cmd_request_sense(c);
		break;
	case 0x12:
		scsi_cmd_inquiry(c);
		break;
	case 0x1a: case 0x5a:
		scsi_cmd_mode_sense(c);
		break;
	case 0x25:
		scsi_cmd_read_capacity10(c);
		break;
	case 0x9e:
		scsi_cmd_service_action_in(c);
		break;
	case 0xa0:
		scsi_cmd_report_luns(c);
		break;
	default:
		scsi_set_sense(req, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
		break;
	}
	scsi_cmd_finish(c);
}

static uint64_t scsi_delay_expired(void *opaque)
{
	struct scsi_cmd *c = opaque;

	c->timer = 0;		/* the loop retires it when we return 0 */
	scsi_delayed_unlink(c);
	scsi_execute(c);
	return 0;
}

static void scsi_submit(struct scsi_target *t, struct scsi_lun *lun,
			bool absent, struct scsi_req *req)
{
	size_t iov_total = scsi_iov_total(req->iov, req->iovcnt);
	struct scsi_cmd *c;

	req->host_status = SCSI_HOST_OK;
	req->status = SCSI_STATUS_GOOD;
	req->sense_len = 0;
	req->transferred = 0;
	memset(req->sense, 0, sizeof(req->sense));
	c = t->free_cmds;
	if (c) {
		t->free_cmds = c->next;
	} else {
		c = calloc(1, sizeof(*c));
		if (!c) {
			req->host_status = SCSI_HOST_ERROR;
			req->done(req);
			return;
		}
	}
	c->t = t;
	c->req = req;
	c->lun = lun;
	c->absent = absent;
	c->gen = t->reset_gen;
	c->timer = 0;
	c->prev = c->next = NULL;
	c->buflen = req->xfer_len < iov_total ? req->xfer_len :
		    (uint32_t)iov_total;
	req->target_priv = c;
	t->inflight++;
	if (lun)
		lun->refs++;
	if (lun && lun->delay_n) {
		int timer = evloop_add_timer(t->loop,
					     lun->delay_ms * 1000000ull,
					     scsi_delay_expired, c);

		if (timer > 0) {
			lun->delay_n--;
			c->timer = timer;
			c->next = t->delayed;
			if (c->next)
				c->next->prev = c;
			t->delayed = c;
			return;
		}
	}
	scsi_execute(c);
}

void scsi_target_submit(struct scsi_target *t, unsigned int id,
			struct scsi_req *req)
{
	scsi_submit(t, id < SCSI_MAX_LUNS ? t->luns[id] : NULL, false, req);
}

void scsi_target_submit_absent(struct scsi_target *t, struct scsi_req *req)
{
	scsi_submit(t, NULL, true, req);
}

int scsi_target_resize(struct scsi_target *t, unsigned int id,
		       uint64_t bytes)
{
	struct scsi_lun *lun = id < SCSI_MAX_LUNS ? t->luns[id] : NULL;
	int ret;

	if (!lun)
		return -ENOENT;
	if (bytes < SCSI_BLOCK || bytes % SCSI_BLOCK)
		return -EINVAL;
	ret = disk_resize(lun->disk, bytes);
	if (ret < 0)
		return ret;
	scsi_lun_update_size(lun);
	lun->ua |= SCSI_UA_CAPACITY;
	return 0;
}

int scsi_target_fault_eio(struct scsi_target *t, unsigned int id,
			  uint64_t lba, uint64_t count)
{
	struct scsi_lun *lun = id < SCSI_MAX_LUNS ? t->luns[id] : NULL;

	if (!lun)
		return -ENOENT;
	if (!count || lba > UINT64_MAX - count)
		return -EINVAL;
	if (lun->nr_eio == SCSI_MAX_EIO_FAULTS)
		return -ENOSPC;
	lun->eio[lun->nr_eio].lba = lba;
	lun->eio[lun->nr_eio].count = count;
	lun->nr_eio++;
	return 0;
}

int scsi_target_fault_delay(struct scsi_target *t, unsigned int id,
			    uint32_t ms, uint32_t n)
{
	struct scsi_lun *lun = id < SCSI_MAX_LUNS ? t->luns[id] : NULL;

	if (!lun)
		return -ENOENT;
	if (ms > SCSI_MAX_DELAY_MS)
		return -EINVAL;
	lun->delay_ms = ms;
	lun->delay_n = n;
	return 0;
}

int scsi_target_fault_clear(struct scsi_target *t, unsigned int id)
{
	struct scsi_lun *lun = id < SCSI_MAX_LUNS ? t->luns[id] : NULL;

	if (!lun)
		return -ENOENT;
	lun->nr_eio = 0;
	lun->delay_n = 0;
	return 0;
}

void scsi_target_reset(struct scsi_target *t)
{
	/* Results of requests submitted before now end SCSI_HOST_RESET. */
	t->reset_gen++;
	scsi_raise_ua(t, SCSI_UA_RESET, NULL);
	scsi_end_delayed(t, NULL, SCSI_HOST_RESET, NULL, NULL);
}

unsigned int scsi_target_inflight(const struct scsi_target *t)
{
	return t->inflight;
}

void scsi_target_list(const struct scsi_target *t, FILE *fp)
{
	unsigned int i, j;

	for (i = 0; i < SCSI_MAX_LUNS; i++) {
		const struct scsi_lun *lun = t->luns[i];

		if (!lun)
			continue;
		fprintf(fp, "lun %u file %s bytes %llu ro %d direct %d serial %s faults",
			i, lun->path,
			(unsigned long long)disk_size(lun->disk),
			lun->read_only, lun->direct, lun->serial);
		if (!lun->nr_eio && !lun->delay_n)
			fputs(" none", fp);
		for (j = 0; j < lun->nr_eio; j++)
			fprintf(fp, " eio:%llu+%llu",
				(unsigned long long)lun->eio[j].lba,
				(unsigned long long)lun->eio[j].count);
		if (lun->delay_n)
			fprintf(fp, " delay:%ums*%u", lun->delay_ms,
				lun->delay_n);
		fputc('\n', fp);
	}
}
