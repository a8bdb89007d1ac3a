// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hvcore VMBus server's unit test fixture: fakes for QEMU's side and the
 * guest's side of the protocol, shared by hvcore_vmbus_test and
 * hvcore_echo_test.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "hvcore_vmbus_fixture.h"

/* --- Fakes: transport, event loop, guest RAM --- */

struct fake_msg msgs[MAX_MSGS];
unsigned int nmsgs, msg_pos;
uint32_t last_signal_relid, nsignals;
bool fail_posts;

static int fake_post(struct transport *t, uint32_t vcpu, const void *msg,
		     uint32_t len)
{
	(void)t;
	if (fail_posts)
		return -ENOSPC;
	if (len > HVIS_MESSAGE_PAYLOAD_SIZE)
		return -EINVAL;
	if (nmsgs == MAX_MSGS)
		return -ENOBUFS;
	msgs[nmsgs].vcpu = vcpu;
	msgs[nmsgs].len = len;
	memcpy(msgs[nmsgs].buf, msg, len);
	nmsgs++;
	return 0;
}

static void fake_signal(struct transport *t, uint32_t vcpu, uint32_t relid)
{
	(void)t;
	(void)vcpu;
	last_signal_relid = relid;
	nsignals++;
}

static const struct transport_ops fake_ops = {
	.post_to_guest = fake_post,
	.signal_guest = fake_signal,
};

struct fake_timer {
	evloop_timer_cb cb;
	void *opaque;
	int active;
};
static struct fake_timer timers[64];

int evloop_add_timer(struct evloop *loop, uint64_t delay_ns,
		     evloop_timer_cb cb, void *opaque)
{
	int i;

	(void)loop;
	(void)delay_ns;
	for (i = 0; i < 64; i++) {
		if (!timers[i].active) {
			timers[i] = (struct fake_timer){ cb, opaque, 1 };
			return i + 1;
		}
	}
	return -ENOSPC;
}

void evloop_del_timer(struct evloop *loop, int id)
{
	(void)loop;
	if (id > 0 && id <= 64)
		timers[id - 1].active = 0;
}

/* Fire every armed timer once, as if their delays had passed. */
void run_timers(void)
{
	int i;

	for (i = 0; i < 64; i++) {
		if (timers[i].active) {
			timers[i].active = 0;
			if (timers[i].cb(timers[i].opaque))
				timers[i].active = 1;
		}
	}
}

/*
 * Fd watchers (a VSP's back end, e.g. the SCSI target's io_uring): kept in
 * a table and run by run_fds(), which polls them for real.
 */
struct fake_fd {
	int fd;
	uint32_t events;
	evloop_fd_cb cb;
	void *opaque;
	int active;
};
static struct fake_fd fds[16];

int evloop_add_fd(struct evloop *loop, int fd, uint32_t events,
		  evloop_fd_cb cb, void *opaque)
{
	int i;

	(void)loop;
	for (i = 0; i < 16; i++) {
		if (!fds[i].active) {
			fds[i] = (struct fake_fd){ fd, events, cb, opaque, 1 };
			return 0;
		}
	}
	return -ENOSPC;
}

void evloop_del_fd(struct evloop *loop, int fd)
{
	int i;

	(void)loop;
	for (i = 0; i < 16; i++)
		if (fds[i].active && fds[i].fd == fd)
			fds[i].active = 0;
}

int run_fds(int timeout_ms)
{
	struct pollfd p[16];
	int idx[16], n = 0, i, ran = 0;

	for (i = 0; i < 16; i++) {
		if (!fds[i].active)
			continue;
		/* EPOLLIN/OUT/RDHUP have the poll() values. */
		p[n].fd = fds[i].fd;
		p[n].events = (short)fds[i].events;
		p[n].revents = 0;
		idx[n++] = i;
	}
	if (!n || poll(p, (nfds_t)n, timeout_ms) <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		struct fake_fd *f = &fds[idx[i]];

		if (!p[i].revents || !f->active || f->fd != p[i].fd)
			continue;
		f->cb(f->opaque, (uint32_t)p[i].revents);
		ran++;
	}
	return ran;
}

uint8_t *ram;
static struct guest_mem mem;
struct transport tp;
struct vmbus_server *srv;
static uint32_t next_pfn;

void *pfn_ptr(uint64_t pfn)
{
	return ram + pfn * HVIS_PAGE_SIZE;
}

uint64_t alloc_pages(uint32_t n)
{
	uint64_t pfn = next_pfn;

	next_pfn += n;
	return pfn;
}

void msgs_reset(void)
{
	nmsgs = msg_pos = 0;
}

void setup(uint32_t max_version)
{
	memset(ram, 0, RAM_SIZE);
	memset(timers, 0, sizeof(timers));
	memset(fds, 0, sizeof(fds));
	msgs_reset();
	nsignals = 0;
	fail_posts = false;
	next_pfn = FIRST_FREE_PFN;
	tp = (struct transport){ .ops = &fake_ops, .nr_vcpus = NR_VCPUS };
	srv = vmbus_server_create(NULL, &mem, &tp);
	if (max_version)
		vmbus_server_set_max_version(srv, max_version);
}

void teardown(void)
{
	vmbus_server_destroy(srv);
	srv = NULL;
}

/* --- The guest's side of the connection --- */

uint32_t post(uint32_t conn, const void *msg, uint32_t len)
{
	return tp.client.post_message(tp.client.opaque, conn, HVIS_MSG_VMBUS,
				      msg, len);
}

/* The next message the server posted, if it has type @type. */
void *expect(uint32_t type)
{
	struct fake_msg *m;
	uint32_t got;

	if (msg_pos >= nmsgs) {
		ktap_diag("expected message type %u, got none", type);
		return NULL;
	}
	m = &msgs[msg_pos++];
	memcpy(&got, m->buf, sizeof(got));
	if (got != type) {
		ktap_diag("expected message type %u, got %u", type, got);
		return NULL;
	}
	return m->buf;
}

bool no_more_msgs(void)
{
	return msg_pos == nmsgs;
}

uint32_t contact(uint32_t conn, uint32_t version, uint64_t mon2_pfn)
{
	struct hvis_chmsg_initiate_contact m = {
		.header.msgtype = HVIS_CHMSG_INITIATE_CONTACT,
		.version_requested = version,
		.target_vcpu = 1,
		.monitor_page1 = (uint64_t)MON1_PFN << HVIS_PAGE_SHIFT,
		.monitor_page2 = mon2_pfn << HVIS_PAGE_SHIFT,
	};

	if (version >= HVIS_VMBUS_VERSION_WIN10_V5)
		m.msg_sint = HVIS_VMBUS_MESSAGE_SINT;
	return post(conn, &m, sizeof(m));
}

/* INITIATE_CONTACT 5.3 on connection 4; true if accepted with msg_conn_id 1. */
bool connect_53(void)
{
	struct hvis_chmsg_version_response *r;

	if (contact(HVIS_VMBUS_MESSAGE_CONNECTION_ID_4, V53, MON2_PFN))
		return false;
	r = expect(HVIS_CHMSG_VERSION_RESPONSE);
	return r && r->version_supported == 1 &&
	       r->msg_conn_id == HVIS_VMBUS_MESSAGE_CONNECTION_ID;
}

uint32_t simple(uint32_t type)
{
	struct hvis_chmsg_header h = { .msgtype = type };

	return post(1, &h, sizeof(h));
}

/* --- GPADLs, as the guest builds them --- */

/*
 * Post a GPADL whose range buffer is @rb: the header carries what fits
 * (216 bytes), bodies carry up to 224 bytes each, as Linux splits it.
 */
uint32_t post_gpadl(uint32_t relid, uint32_t handle, const void *rb,
		    uint32_t buflen, uint16_t range_count)
{
	uint64_t store[HVIS_MESSAGE_PAYLOAD_SIZE / 8];
	struct hvis_chmsg_gpadl_header *h = (void *)store;
	struct hvis_chmsg_gpadl_body *b = (void *)store;
	uint32_t chunk = buflen < 216 ? buflen : 216, done, st;

	memset(store, 0, sizeof(store));
	h->header.msgtype = HVIS_CHMSG_GPADL_HEADER;
	h->child_relid = relid;
	h->gpadl = handle;
	h->range_buflen = (uint16_t)buflen;
	h->range_count = range_count;
	memcpy((uint8_t *)store + sizeof(*h), rb, chunk);
	st = post(1, store, sizeof(*h) + chunk);
	for (done = chunk; !st && done < buflen; done += chunk) {
		chunk = buflen - done < 224 ? buflen - done : 224;
		memset(store, 0, sizeof(store));
		b->header.msgtype = HVIS_CHMSG_GPADL_BODY;
		b->gpadl = handle;
		memcpy((uint8_t *)store + sizeof(*b), (const uint8_t *)rb + done,
		       chunk);
		st = post(1, store, sizeof(*b) + chunk);
	}
	return st;
}

/* One range of @n pages from @pfn; returns the buffer length. */
uint32_t build_range(uint64_t *rb, uint64_t pfn, uint32_t n)
{
	struct hvis_gpa_range r = { .byte_count = n * HVIS_PAGE_SIZE };
	uint32_t i;

	memcpy(rb, &r, sizeof(r));
	for (i = 0; i < n; i++)
		rb[1 + i] = pfn + i;
	return 8 + n * 8;
}

/* The creation status of GPADL @handle, or -1 if no GPADL_CREATED came. */
int64_t gpadl_status(uint32_t handle)
{
	struct hvis_chmsg_gpadl_created *c = expect(HVIS_CHMSG_GPADL_CREATED);

	if (!c || c->gpadl != handle)
		return -1;
	return c->creation_status;
}

/* --- A guest-side channel --- */

bool open_chan(struct gchan *g, uint32_t relid, uint32_t handle,
	       uint32_t tx_pages, uint32_t rx_pages)
{
	uint64_t rb[1 + 64];
	uint32_t total = tx_pages + rx_pages;
	uint64_t pfn = alloc_pages(total);
	struct hvis_chmsg_open o = {
		.header.msgtype = HVIS_CHMSG_OPENCHANNEL,
		.child_relid = relid,
		.open_id = 77,
		.ring_gpadl = handle,
		.target_vp = 1,
		.downstream_page_offset = tx_pages,
	};
	struct hvis_chmsg_open_result *res;
	uint32_t len = build_range(rb, pfn, total);

	CHECK(post_gpadl(relid, handle, rb, len, 1) == 0);
	CHECK(gpadl_status(handle) == 0);
	CHECK(post(1, &o, sizeof(o)) == 0);
	res = expect(HVIS_CHMSG_OPENCHANNEL_RESULT);
	CHECK(res && res->status == 0 && res->open_id == 77 &&
	      res->child_relid == relid);
	g->relid = relid;
	hvring_init(&g->tx, pfn_ptr(pfn), tx_pages * HVIS_PAGE_SIZE);
	hvring_init(&g->rx, pfn_ptr(pfn + tx_pages), rx_pages * HVIS_PAGE_SIZE);
	g->tx.ctl->feature_bits = HVIS_RING_FEAT_PENDING_SEND_SZ;
	return true;
}

int gsend(struct gchan *g, uint16_t type, uint64_t tid, const void *pre,
	  uint32_t prelen, const void *data, uint32_t len)
{
	struct hvis_vmpacket_desc d = {
		.type = type,
		.offset8 = (uint16_t)((sizeof(d) + prelen) / 8),
		.len8 = (uint16_t)((sizeof(d) + prelen + len + 7) / 8),
		.trans_id = tid,
	};
	struct hvring_iov iov[3] = {
		{ &d, sizeof(d) }, { pre, prelen }, { data, len },
	};
	bool sig;

	return hvring_write(&g->tx, iov, 3, &sig);
}

/* Read one packet from the host; returns its length or 0. */
uint32_t grecv(struct gchan *g, void *buf, uint32_t buflen, bool *signal_host)
{
	struct hvring_rd rd;
	uint32_t len = 0;

	*signal_host = false;
	if (hvring_read_begin(&g->rx, &rd) != HVRING_OK)
		return 0;
	if (hvring_read_next(&g->rx, &rd, buf, buflen, &len) != HVRING_OK)
		return 0;
	hvring_read_commit(&g->rx, &rd, signal_host);
	return len;
}

void gsignal(struct gchan *g)
{
	tp.client.signal_event(tp.client.opaque, ECHO_CONN(g->relid));
}

/* Connect, add @n echo devices, take their offers. */
bool bring_up(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		CHECK(vmbus_server_add_device(srv, "echo", NULL) == (int)i + 1);
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	for (i = 0; i < n; i++)
		CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	return true;
}

int vmbus_fixture_run(const char *component, const struct ktap_case *cases,
		      int count)
{
	struct ktap k;
	int i;

	ram = aligned_alloc(HVIS_PAGE_SIZE, RAM_SIZE);
	if (!ram)
		return 1;
	mem = (struct guest_mem){ .base = ram, .size = RAM_SIZE, .fd = -1 };
	ktap_plan(&k, count);
	for (i = 0; i < count; i++) {
		bool ok = cases[i].run();

		/* A failed check leaves the server up: clean it for ASan. */
		if (srv)
			teardown();
		ktap_result(&k, ok, "%s: %s", component, cases[i].what);
	}
	free(ram);
	return k.failed ? 1 : 0;
}

bool log_file_has(const char *path, const char *what)
{
	static char text[65536];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return false;
	if (fseek(fp, -(long)(sizeof(text) - 1), SEEK_END))
		rewind(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = 0;
	return strstr(text, what) != NULL;
}
