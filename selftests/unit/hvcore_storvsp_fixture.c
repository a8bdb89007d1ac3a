// SPDX-License-Identifier: GPL-2.0-only
/* storvsp unit tests' fixture: image files, the log, the guest's storvsc over the VMBus fixture. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvcore_storvsp_fixture.h"

char img_a[64], img_b[64], img_c[64], log_path[64];

/* --- Host-side files --- */

bool make_image(char *path, uint8_t seed)
{
	static uint8_t buf[IMG_SIZE];
	uint32_t i;
	int fd;

	strcpy(path, "/tmp/hvis-storvsp-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return false;
	for (i = 0; i < IMG_SIZE; i++)
		buf[i] = (uint8_t)(i * 31 + seed + (i >> 9));
	if (write(fd, buf, IMG_SIZE) != IMG_SIZE) {
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

bool image_has(const char *path, uint64_t off, const void *want,
	       uint32_t len)
{
	static uint8_t buf[65536];
	int fd = open(path, O_RDONLY);
	bool ok;

	if (fd < 0 || len > sizeof(buf))
		return false;
	ok = pread(fd, buf, len, (off_t)off) == (ssize_t)len &&
	     !memcmp(buf, want, len);
	close(fd);
	return ok;
}

bool log_has(const char *what)
{
	static char buf[1 << 16];
	FILE *fp = fopen(log_path, "r");
	size_t n;

	if (!fp)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (strstr(buf, what))
		return true;
	ktap_diag("log lacks \"%s\"", what);
	return false;
}

/* --- The guest's storvsc --- */

/* The next packet from the host, waiting for the target's I/O if need be. */
bool get_reply(struct gchan *g, struct reply *r)
{
	uint8_t buf[512];
	unsigned int tries;
	uint32_t len;
	bool sig;

	for (tries = 0; tries < 500; tries++) {
		len = grecv(g, buf, sizeof(buf), &sig);
		if (len) {
			memcpy(&r->d, buf, sizeof(r->d));
			if (len < r->d.offset8 * 8u + HVIS_VSTOR_NOTE_MIN_SIZE)
				return false;
			memset(&r->p, 0, sizeof(r->p));
			memcpy(&r->p, buf + r->d.offset8 * 8,
			       len - r->d.offset8 * 8u < PKT ?
			       len - r->d.offset8 * 8u : PKT);
			if (sig)
				gsignal(g);
			return true;
		}
		run_fds(10);
		run_timers();
	}
	ktap_diag("no reply from the host");
	return false;
}

bool send_inband(struct gchan *g, uint64_t tid,
		 const struct hvis_vstor_packet *p, uint32_t len)
{
	if (gsend(g, HVIS_VMPKT_DATA_INBAND, tid, NULL, 0, p, len) != HVRING_OK)
		return false;
	gsignal(g);
	return true;
}

/* A control request; the COMPLETE_IO status, or -1. */
int64_t ctl_req(struct gchan *g, struct hvis_vstor_packet *p,
		uint64_t tid)
{
	struct reply r;

	p->flags = HVIS_VSTOR_FLAG_REQUEST_COMPLETION;
	if (!send_inband(g, tid, p, PKT) || !get_reply(g, &r))
		return -1;
	if (r.d.trans_id != tid || r.p.operation != HVIS_VSTOR_OP_COMPLETE_IO)
		return -1;
	*p = r.p;
	return r.p.status;
}

int64_t simple_op(struct gchan *g, uint32_t op, uint64_t tid)
{
	struct hvis_vstor_packet p = { .operation = op };

	return ctl_req(g, &p, tid);
}

bool handshake(struct gchan *g)
{
	struct hvis_vstor_packet p = {
		.operation = HVIS_VSTOR_OP_QUERY_PROTOCOL_VERSION,
	};

	CHECK(simple_op(g, HVIS_VSTOR_OP_BEGIN_INITIALIZATION, 1) == 0);
	p.version.major_minor = HVIS_VSTOR_VERSION_WIN10;
	CHECK(ctl_req(g, &p, 2) == 0);
	CHECK(simple_op(g, HVIS_VSTOR_OP_QUERY_PROPERTIES, 3) == 0);
	CHECK(simple_op(g, HVIS_VSTOR_OP_END_INITIALIZATION, 4) == 0);
	return true;
}

/* Add a storvsp controller with @args, connect, open its primary channel. */
bool bring_up_stor(const char *args, struct gchan *g,
		   uint32_t tx_pages, uint32_t rx_pages, bool shake)
{
	setup(0);
	CHECK(vmbus_server_add_device(srv, "storvsp", args) == 1);
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	CHECK(open_chan(g, 1, 40, tx_pages, rx_pages));
	return !shake || handshake(g);
}

void gbuf_init(struct gbuf *b, uint32_t npages, uint32_t offset,
	       uint32_t len, bool reversed)
{
	uint64_t first = alloc_pages(npages);
	uint32_t i;

	b->npages = npages;
	b->offset = offset;
	b->len = len;
	for (i = 0; i < npages; i++)
		b->pfn[i] = reversed ? first + npages - 1 - i : first + i;
}

void gbuf_copy(struct gbuf *b, void *data, bool to_guest)
{
	uint32_t done = 0, first = b->offset, i;

	for (i = 0; done < b->len; i++) {
		uint32_t n = HVIS_PAGE_SIZE - first;
		uint8_t *page = (uint8_t *)pfn_ptr(b->pfn[i]) + first;

		if (n > b->len - done)
			n = b->len - done;
		if (to_guest)
			memcpy(page, (uint8_t *)data + done, n);
		else
			memcpy((uint8_t *)data + done, page, n);
		done += n;
		first = 0;
	}
}

void srb_init(struct hvis_vstor_packet *p, uint8_t lun,
	      const uint8_t *cdb, uint8_t cdb_len, uint8_t data_in,
	      uint32_t len)
{
	memset(p, 0, sizeof(*p));
	p->operation = HVIS_VSTOR_OP_EXECUTE_SRB;
	p->flags = HVIS_VSTOR_FLAG_REQUEST_COMPLETION;
	p->srb.length = sizeof(p->srb);
	p->srb.lun = lun;
	p->srb.cdb_length = cdb_len;
	p->srb.sense_info_length = HVIS_VSTOR_SENSE_MAX;
	p->srb.data_in = data_in;
	p->srb.data_transfer_length = len;
	memcpy(p->srb.cdb, cdb, cdb_len);
}

/* Send an SRB with @b as its GPA-direct range (NULL: inband). */
bool send_srb(struct gchan *g, uint64_t tid,
	      const struct hvis_vstor_packet *p, const struct gbuf *b)
{
	struct {
		uint32_t reserved, range_count, len, offset;
		uint64_t pfn[8];
	} __attribute__((packed)) hdr;
	uint32_t npfn;

	if (!b)
		return send_inband(g, tid, p, PKT);
	npfn = (b->offset + b->len + HVIS_PAGE_SIZE - 1) / HVIS_PAGE_SIZE;
	memset(&hdr, 0, sizeof(hdr));
	hdr.range_count = 1;
	hdr.len = b->len;
	hdr.offset = b->offset;
	memcpy(hdr.pfn, b->pfn, npfn * 8);
	if (gsend(g, HVIS_VMPKT_DATA_USING_GPA_DIRECT, tid, &hdr,
		  16 + npfn * 8, p, PKT) != HVRING_OK)
		return false;
	gsignal(g);
	return true;
}

bool srb_io(struct gchan *g, uint64_t tid, struct hvis_vstor_packet *p,
	    const struct gbuf *b)
{
	struct reply r;

	CHECK(send_srb(g, tid, p, b));
	CHECK(get_reply(g, &r));
	CHECK(r.d.trans_id == tid && r.d.type == HVIS_VMPKT_COMP);
	CHECK(r.p.operation == HVIS_VSTOR_OP_COMPLETE_IO);
	*p = r.p;
	return true;
}

void rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 10);
	cdb[0] = op;
	cdb[2] = (uint8_t)(lba >> 24);
	cdb[3] = (uint8_t)(lba >> 16);
	cdb[4] = (uint8_t)(lba >> 8);
	cdb[5] = (uint8_t)lba;
	cdb[7] = (uint8_t)(blocks >> 8);
	cdb[8] = (uint8_t)blocks;
}

bool chan_rescinded(uint32_t relid)
{
	struct hvis_chmsg_relid *r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);

	return r && r->child_relid == relid;
}

int ctl(const char *line, char **text)
{
	char buf[256], *argv[8], *save = NULL, *w;
	size_t len = 0;
	int argc = 0, r;
	FILE *out = open_memstream(text, &len);

	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " ", &save); w && argc < 8;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	r = vmbus_server_dev_ctl(srv, "storvsp", 1, argc, argv, out);
	fclose(out);
	return r;
}
