// SPDX-License-Identifier: GPL-2.0-only
/* What the SCSI target's unit tests share: temp images, a target, commands run on a real event loop. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "hvcore_scsi_fixture.h"

struct evloop *loop;

static void treq_done(struct scsi_req *r)
{
	struct treq *x = r->opaque;

	x->done = true;
	evloop_stop(loop, 0);
}

static uint64_t timeout_fired(void *opaque)
{
	*(bool *)opaque = true;
	evloop_stop(loop, 1);
	return 0;
}

/* Run the loop until *@flag or @ms pass; whether the flag got set. */
bool run_until(const bool *flag, unsigned int ms)
{
	bool expired = false;
	int id = evloop_add_timer(loop, ms * 1000000ull, timeout_fired,
				  &expired);

	while (!*flag && !expired)
		evloop_run(loop);
	if (!expired)
		evloop_del_timer(loop, id);
	return *flag;
}

/* Run the loop for @ms whatever happens. */
void run_for(unsigned int ms)
{
	bool never = false;

	run_until(&never, ms);
}

void treq_init(struct treq *x, const uint8_t *cdb, unsigned int len,
		      int dir, void *buf, uint32_t buflen)
{
	memset(x, 0, sizeof(*x));
	memcpy(x->req.cdb, cdb, len);
	x->req.cdb_len = (uint8_t)len;
	x->req.dir = (uint8_t)dir;
	x->iov[0].iov_base = buf;
	x->iov[0].iov_len = buflen;
	x->req.iov = x->iov;
	x->req.iovcnt = buf ? 1 : 0;
	x->req.xfer_len = buf ? buflen : 0;
	x->req.done = treq_done;
	x->req.opaque = x;
}

/* One command, run to completion; false on a 5 s timeout. */
bool run_cmd(struct scsi_target *t, unsigned int lun, struct treq *x)
{
	scsi_target_submit(t, lun, &x->req);
	return run_until(&x->done, 5000);
}

bool cmd(struct scsi_target *t, unsigned int lun, struct treq *x,
		const uint8_t *cdb, unsigned int len, int dir, void *buf,
		uint32_t buflen)
{
	treq_init(x, cdb, len, dir, buf, buflen);
	return run_cmd(t, lun, x);
}

bool good(const struct treq *x)
{
	return x->done && x->req.host_status == SCSI_HOST_OK &&
	       x->req.status == SCSI_STATUS_GOOD && !x->req.sense_len;
}

bool sense_is(const struct treq *x, uint8_t key, uint8_t asc,
		     uint8_t ascq)
{
	const uint8_t *s = x->req.sense;

	if (!x->done || x->req.host_status != SCSI_HOST_OK ||
	    x->req.status != SCSI_STATUS_CHECK_CONDITION ||
	    x->req.sense_len != 18 || (s[0] & 0x7f) != 0x70 || s[7] != 10) {
		ktap_diag("host %d status %#x sense_len %u", x->req.host_status,
			  x->req.status, x->req.sense_len);
		return false;
	}
	if ((s[2] & 0xf) != key || s[12] != asc || s[13] != ascq) {
		ktap_diag("sense %x/%02x/%02x", s[2] & 0xf, s[12], s[13]);
		return false;
	}
	return true;
}

uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* CDB builders. */
void cdb_rw10(uint8_t *c, bool write, uint32_t lba, uint16_t n)
{
	memset(c, 0, 10);
	c[0] = write ? 0x2a : 0x28;
	put32(c + 2, lba);
	c[7] = (uint8_t)(n >> 8);
	c[8] = (uint8_t)n;
}

void cdb_rw16(uint8_t *c, bool write, uint64_t lba, uint32_t n)
{
	memset(c, 0, 16);
	c[0] = write ? 0x8a : 0x88;
	put64(c + 2, lba);
	put32(c + 10, n);
}

bool fix_open(struct fix *f, uint64_t size, const char *opts, int lun)
{
	struct scsi_lun_config cfg;
	char spec[256], err[128];
	int ret;

	strcpy(f->path, "/tmp/hvcore-scsi-test-XXXXXX");
	f->fd = mkstemp(f->path);
	KTAP_CHECK(f->fd >= 0);
	KTAP_CHECK(ftruncate(f->fd, (off_t)size) == 0);
	f->t = scsi_target_create(loop);
	KTAP_CHECK(f->t);
	snprintf(spec, sizeof(spec), "file=%s,lun=%d%s%s", f->path, lun,
		 *opts ? "," : "", opts);
	KTAP_CHECK(scsi_lun_config_parse(spec, &cfg, err, sizeof(err)) == 0);
	ret = scsi_target_add_lun(f->t, &cfg, err, sizeof(err));
	if (ret != lun)
		ktap_diag("add_lun: %d %s", ret, err);
	KTAP_CHECK(ret == lun);
	return true;
}

void fix_close(struct fix *f)
{
	if (f->t) {
		if (scsi_target_inflight(f->t))
			ktap_diag("requests still in flight at the end");
		scsi_target_destroy(f->t);
	}
	if (f->fd >= 0) {
		close(f->fd);
		unlink(f->path);
	}
}

void fill(uint8_t *b, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

long long img_blocks(const struct fix *f)
{
	struct stat st;

	return fstat(f->fd, &st) ? -1 : (long long)st.st_blocks;
}

bool all_zero(const uint8_t *b, size_t len)
{
	while (len--)
		if (*b++)
			return false;
	return true;
}

/* Write 1 MiB of data at LBA 0 and make it durable. */
bool fill_first_mib(struct fix *f, uint8_t *b)
{
	uint8_t cdb[10];
	struct treq x;

	fill(b, MIB, 1);
	cdb_rw10(cdb, true, 0, MIB / 512);
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_OUT, b, MIB));
	KTAP_CHECK(good(&x));
	memset(cdb, 0, 10);
	cdb[0] = 0x35;
	KTAP_CHECK(cmd(f->t, 0, &x, cdb, 10, SCSI_DIR_NONE, NULL, 0));
	KTAP_CHECK(good(&x));
	return true;
}

bool tur(struct fix *f, unsigned int lun, struct treq *x)
{
	static const uint8_t cdb[6];

	return cmd(f->t, lun, x, cdb, 6, SCSI_DIR_NONE, NULL, 0);
}

int scsi_fixture_main(const char *component, const struct ktap_case *cases,
		      int count)
{
	int ret;

	loop = evloop_create();
	if (!loop) {
		printf("Bail out! evloop_create failed\n");
		return 1;
	}
	ret = ktap_run_cases(component, cases, count);
	evloop_destroy(loop);
	return ret;
}
