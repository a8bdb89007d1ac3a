// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore's VMBus server: a fake transport and a fake guest RAM
 * buffer stand in for QEMU, and the shared ring code plays the guest's side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"
#include "gpa.h"
#include "hvis/echo.h"
#include "hvis/ring.h"
#include "hvis/vmbus_msg.h"
#include "log.h"
#include "ring/ring_ops.h"
#include "transport.h"
#include "vmbus/server.h"
#include "vmbus/vmbus_int.h"
#include "ktap.h"

#define RAM_SIZE	(8u << 20)
#define RAM_PAGES	(RAM_SIZE / HVIS_PAGE_SIZE)
#define MON1_PFN	1
#define MON2_PFN	2
#define FIRST_FREE_PFN	16
#define NR_VCPUS	2
#define V53		HVIS_VMBUS_VERSION_WIN10_V5_3
#define ECHO_CONN(relid)	(VMBUS_CHAN_CONN_ID_BASE + (relid))

/* --- Fakes: transport, event loop, guest RAM --- */

struct fake_msg {
	uint32_t vcpu, len;
	uint64_t buf[HVIS_MESSAGE_PAYLOAD_SIZE / 8];
};

#define MAX_MSGS 512
static struct fake_msg msgs[MAX_MSGS];
static unsigned int nmsgs, msg_pos;
static uint32_t last_signal_relid, nsignals;
static bool fail_posts;		/* as hvshm does when the guest's queue is full */

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
static void run_timers(void)
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

static uint8_t *ram;
static struct guest_mem mem;
static struct transport tp;
static struct vmbus_server *srv;
static uint32_t next_pfn;

static void *pfn_ptr(uint64_t pfn)
{
	return ram + pfn * HVIS_PAGE_SIZE;
}

static uint64_t alloc_pages(uint32_t n)
{
	uint64_t pfn = next_pfn;

	next_pfn += n;
	return pfn;
}

static void msgs_reset(void)
{
	nmsgs = msg_pos = 0;
}

static void setup(uint32_t max_version)
{
	memset(ram, 0, RAM_SIZE);
	memset(timers, 0, sizeof(timers));
	msgs_reset();
	nsignals = 0;
	fail_posts = false;
	next_pfn = FIRST_FREE_PFN;
	tp = (struct transport){ .ops = &fake_ops, .nr_vcpus = NR_VCPUS };
	srv = vmbus_server_create(NULL, &mem, &tp);
	if (max_version)
		vmbus_server_set_max_version(srv, max_version);
}

static void teardown(void)
{
	vmbus_server_destroy(srv);
	srv = NULL;
}

/* --- Test plumbing --- */

static struct ktap ktap;

#define CHECK(cond)	KTAP_CHECK(cond)

static uint32_t post(uint32_t conn, const void *msg, uint32_t len)
{
	return tp.client.post_message(tp.client.opaque, conn, HVIS_MSG_VMBUS,
				      msg, len);
}

/* The next message the server posted, if it has type @type. */
static void *expect(uint32_t type)
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

static bool no_more_msgs(void)
{
	return msg_pos == nmsgs;
}

static uint32_t contact(uint32_t conn, uint32_t version, uint64_t mon2_pfn)
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
static bool connect_53(void)
{
	struct hvis_chmsg_version_response *r;

	if (contact(HVIS_VMBUS_MESSAGE_CONNECTION_ID_4, V53, MON2_PFN))
		return false;
	r = expect(HVIS_CHMSG_VERSION_RESPONSE);
	return r && r->version_supported == 1 &&
	       r->msg_conn_id == HVIS_VMBUS_MESSAGE_CONNECTION_ID;
}

static uint32_t simple(uint32_t type)
{
	struct hvis_chmsg_header h = { .msgtype = type };

	return post(1, &h, sizeof(h));
}

/* --- GPADLs, as the guest builds them --- */

/*
 * Post a GPADL whose range buffer is @rb: the header carries what fits
 * (216 bytes), bodies carry up to 224 bytes each, as Linux splits it.
 */
static uint32_t post_gpadl(uint32_t relid, uint32_t handle, const void *rb,
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
static uint32_t build_range(uint64_t *rb, uint64_t pfn, uint32_t n)
{
	struct hvis_gpa_range r = { .byte_count = n * HVIS_PAGE_SIZE };
	uint32_t i;

	memcpy(rb, &r, sizeof(r));
	for (i = 0; i < n; i++)
		rb[1 + i] = pfn + i;
	return 8 + n * 8;
}

/* The creation status of GPADL @handle, or -1 if no GPADL_CREATED came. */
static int64_t gpadl_status(uint32_t handle)
{
	struct hvis_chmsg_gpadl_created *c = expect(HVIS_CHMSG_GPADL_CREATED);

	if (!c || c->gpadl != handle)
		return -1;
	return c->creation_status;
}

/* --- A guest-side channel --- */

struct gchan {
	uint32_t relid;
	struct hvring tx;	/* guest writes, host reads */
	struct hvring rx;	/* host writes, guest reads */
};

static bool open_chan(struct gchan *g, uint32_t relid, uint32_t handle,
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

static int gsend(struct gchan *g, uint16_t type, uint64_t tid,
		 const void *pre, uint32_t prelen, const void *data,
		 uint32_t len)
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
static uint32_t grecv(struct gchan *g, void *buf, uint32_t buflen,
		      bool *signal_host)
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

static void gsignal(struct gchan *g)
{
	tp.client.signal_event(tp.client.opaque, ECHO_CONN(g->relid));
}

/* Connect, add @n echo devices, take their offers. */
static bool bring_up(unsigned int n)
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

/* --- The tests --- */

static bool test_versions(void)
{
	struct hvis_chmsg_version_response *r;

	setup(0);
	/* Unknown version: refused, guest tries the next. */
	CHECK(contact(4, HVIS_VMBUS_VERSION(5, 4), MON2_PFN) == 0);
	r = expect(HVIS_CHMSG_VERSION_RESPONSE);
	CHECK(r && !r->version_supported);
	/* 5.x must come on connection 4. */
	CHECK(contact(1, V53, MON2_PFN) == 0);
	r = expect(HVIS_CHMSG_VERSION_RESPONSE);
	CHECK(r && !r->version_supported);
	/* A monitor page outside RAM is refused. */
	CHECK(contact(4, V53, RAM_PAGES + 5) == 0);
	r = expect(HVIS_CHMSG_VERSION_RESPONSE);
	CHECK(r && !r->version_supported);
	/* Unknown connection ids fail at the hypercall. */
	CHECK(contact(7, V53, MON2_PFN) == HVIS_STATUS_INVALID_CONNECTION_ID);
	CHECK(connect_53());
	CHECK(msgs[msg_pos - 1].vcpu == 1);
	CHECK(srv->version == V53);
	CHECK(no_more_msgs());
	teardown();

	/* A 4.0 host: connection 4 does not exist, the guest falls back. */
	setup(HVIS_VMBUS_VERSION_WIN10);
	CHECK(contact(4, V53, MON2_PFN) == HVIS_STATUS_INVALID_CONNECTION_ID);
	CHECK(contact(4, HVIS_VMBUS_VERSION_WIN10_V5, MON2_PFN) ==
	      HVIS_STATUS_INVALID_CONNECTION_ID);
	CHECK(contact(1, HVIS_VMBUS_VERSION_WIN10_V4_1, MON2_PFN) == 0);
	r = expect(HVIS_CHMSG_VERSION_RESPONSE);
	CHECK(r && !r->version_supported);
	CHECK(contact(1, HVIS_VMBUS_VERSION_WIN10, MON2_PFN) == 0);
	r = expect(HVIS_CHMSG_VERSION_RESPONSE);
	CHECK(r && r->version_supported);
	/* MODIFYCHANNEL needs 4.1: refused at 4.0. */
	{
		struct hvis_chmsg_modifychannel m = {
			.header.msgtype = HVIS_CHMSG_MODIFYCHANNEL,
			.child_relid = 1,
		};
		CHECK(post(1, &m, sizeof(m)) != 0);
	}
	teardown();

	/* Only the known versions parse or cap, spelt exactly. */
	{
		uint32_t v = 0;

		CHECK(vmbus_version_parse("4.1", &v) == 0 &&
		      v == HVIS_VMBUS_VERSION_WIN10_V4_1);
		CHECK(vmbus_version_parse("2.4", &v) == 0 &&
		      v == HVIS_VMBUS_VERSION_WIN8);
		CHECK(vmbus_version_parse("5.4", &v) == -EINVAL);
		CHECK(vmbus_version_parse("1.1", &v) == -EINVAL);
		CHECK(vmbus_version_parse("5.03", &v) == -EINVAL);
		CHECK(vmbus_version_parse("5.3 ", &v) == -EINVAL);
		CHECK(vmbus_version_parse("", &v) == -EINVAL);
	}
	/* A cap set while connected waits for the guest's next contact. */
	setup(0);
	CHECK(vmbus_server_max_version(srv) == V53);
	CHECK(vmbus_server_set_max_version(srv, HVIS_VMBUS_VERSION_WIN7) ==
	      -EINVAL);
	CHECK(connect_53());
	CHECK(vmbus_server_set_max_version(srv, HVIS_VMBUS_VERSION_WIN10) == 0);
	CHECK(vmbus_server_version(srv) == V53);
	CHECK(contact(4, V53, MON2_PFN) == HVIS_STATUS_INVALID_CONNECTION_ID);
	CHECK(contact(1, HVIS_VMBUS_VERSION_WIN10, MON2_PFN) == 0);
	r = expect(HVIS_CHMSG_VERSION_RESPONSE);
	CHECK(r && r->version_supported);
	CHECK(vmbus_server_version(srv) == HVIS_VMBUS_VERSION_WIN10);
	CHECK(vmbus_server_set_max_version(srv, V53) == 0);
	CHECK(connect_53());
	CHECK(vmbus_server_version(srv) == V53);
	teardown();
	return true;
}

static bool test_offers(void)
{
	struct hvis_chmsg_offer *o1, *o2, *o3;
	static const struct hvis_guid echo_class = HVIS_ECHO_CLASS_GUID;
	struct hvis_monitor_page *mp = pfn_ptr(MON2_PFN);
	char text[4096];
	FILE *fp;

	setup(0);
	CHECK(vmbus_server_add_device(srv, "echo", NULL) == 1);
	CHECK(vmbus_server_add_device(srv, "echo", NULL) == 2);
	CHECK(vmbus_server_add_device(srv, "nosuchvsp", NULL) == -ENOENT);
	CHECK(no_more_msgs());	/* nothing before the guest asks */
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) != 0);	/* not connected */
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	o1 = expect(HVIS_CHMSG_OFFERCHANNEL);
	o2 = expect(HVIS_CHMSG_OFFERCHANNEL);
	CHECK(o1 && o2 && expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	CHECK(o1->child_relid == 1 && o1->connection_id == ECHO_CONN(1));
	CHECK(o1->interrupt_flags == HVIS_OFFER_DEDICATED_INTERRUPT &&
	      !o1->monitor_flags);
	CHECK(o2->child_relid == 2 && o2->monitor_flags ==
	      HVIS_OFFER_MONITOR_ALLOCATED && !o2->interrupt_flags);
	CHECK(mp->parameter[o2->monitor_id / 32][o2->monitor_id % 32]
	      .connection_id == ECHO_CONN(2));
	CHECK(mp->trigger_state & (1u << (o2->monitor_id / 32)));
	/* The echo class {2475eb87-...}, its first field little-endian on the wire. */
	CHECK(!memcmp(&o1->offer.if_type, &echo_class, sizeof(echo_class)));
	CHECK(o1->offer.if_type.b[0] == 0x87 && o1->offer.if_type.b[3] == 0x24);
	CHECK(memcmp(&o1->offer.if_instance, &o2->offer.if_instance, 16));
	CHECK((o1->offer.if_instance.b[7] >> 4) == 4);
	/* Added while connected: offered at once. */
	CHECK(vmbus_server_add_device(srv, "echo", NULL) == 3);
	o3 = expect(HVIS_CHMSG_OFFERCHANNEL);
	CHECK(o3 && o3->child_relid == 3 &&
	      o3->interrupt_flags == HVIS_OFFER_DEDICATED_INTERRUPT);

	fp = fmemopen(text, sizeof(text), "w");
	CHECK(fp);
	vmbus_server_list(srv, fp);
	fclose(fp);
	CHECK(strstr(text, "relid 2 sub 0 vsp echo class 2475eb87-34b6-4e3b-b993-1f47d2db1cd0"));
	CHECK(strstr(text, "state offered signal monitor"));
	teardown();
	return true;
}

static bool test_gpadl_multi(void)
{
	uint64_t rb[1 + 100 + 1 + 3];
	struct hvis_gpa_range r2 = { .byte_count = 5000, .byte_offset = 100 };
	uint32_t len;

	setup(0);
	CHECK(bring_up(1));
	/* 100 pages: header + 4 bodies. */
	len = build_range(rb, alloc_pages(100), 100);
	CHECK(post_gpadl(1, 10, rb, len, 1) == 0);
	CHECK(gpadl_status(10) == 0);
	CHECK(srv->nr_gpadls == 1 && srv->gpadl_pages == 100);
	/* Two ranges, the second unaligned: 100 + 5000 bytes span 2 pages. */
	len = build_range(rb, alloc_pages(3), 3);
	memcpy((uint8_t *)rb + len, &r2, sizeof(r2));
	rb[len / 8 + 1] = alloc_pages(1);
	rb[len / 8 + 2] = alloc_pages(1);
	len += 24;
	CHECK(post_gpadl(1, 11, rb, len, 2) == 0);
	CHECK(gpadl_status(11) == 0);
	CHECK(gpadl_find(srv, 11)->nr_pfns == 5);
	/* Teardown answers TORNDOWN. */
	{
		struct hvis_chmsg_gpadl_teardown t = {
			.header.msgtype = HVIS_CHMSG_GPADL_TEARDOWN,
			.child_relid = 1, .gpadl = 10,
		};
		struct hvis_chmsg_gpadl_torndown *td;

		CHECK(post(1, &t, sizeof(t)) == 0);
		td = expect(HVIS_CHMSG_GPADL_TORNDOWN);
		CHECK(td && td->gpadl == 10);
		CHECK(post(1, &t, sizeof(t)) != 0);	/* gone now */
	}
	CHECK(srv->nr_gpadls == 1 && srv->gpadl_pages == 5);
	teardown();
	return true;
}

static bool test_gpadl_bad(void)
{
	uint64_t rb[1 + 64];
	struct hvis_chmsg_gpadl_body body = {
		.header.msgtype = HVIS_CHMSG_GPADL_BODY, .gpadl = 999,
	};
	uint32_t len;

	setup(0);
	CHECK(bring_up(1));
	/* A PFN past the end of RAM, in a body message. */
	len = build_range(rb, alloc_pages(40), 40);
	rb[35] = RAM_PAGES + 3;
	CHECK(post_gpadl(1, 20, rb, len, 1) == 0);
	CHECK(gpadl_status(20) > 0);
	/* A PFN that overflows when shifted. */
	len = build_range(rb, 100, 2);
	rb[2] = ~0ull;
	CHECK(post_gpadl(1, 21, rb, len, 1) == 0);
	CHECK(gpadl_status(21) > 0);
	/* byte_count spanning more pages than listed. */
	len = build_range(rb, 100, 2);
	((struct hvis_gpa_range *)rb)->byte_count = 3 * HVIS_PAGE_SIZE;
	CHECK(post_gpadl(1, 22, rb, len, 1) == 0);
	CHECK(gpadl_status(22) > 0);
	/* Fewer pages than listed: trailing bytes. */
	len = build_range(rb, 100, 3);
	((struct hvis_gpa_range *)rb)->byte_count = HVIS_PAGE_SIZE;
	CHECK(post_gpadl(1, 23, rb, len, 1) == 0);
	CHECK(gpadl_status(23) > 0);
	/* byte_offset past the first page. */
	len = build_range(rb, 100, 2);
	((struct hvis_gpa_range *)rb)->byte_offset = HVIS_PAGE_SIZE;
	CHECK(post_gpadl(1, 24, rb, len, 1) == 0);
	CHECK(gpadl_status(24) > 0);
	/* Unknown channel, zero ranges. */
	len = build_range(rb, 100, 1);
	CHECK(post_gpadl(9, 25, rb, len, 1) == 0);
	CHECK(gpadl_status(25) > 0);
	CHECK(post_gpadl(1, 26, rb, len, 0) == 0);
	CHECK(gpadl_status(26) > 0);
	/*
	 * Duplicate handle: the post fails and nothing is answered, since a
	 * GPADL_CREATED would speak for the live GPADL 27.
	 */
	CHECK(post_gpadl(1, 27, rb, len, 1) == 0);
	CHECK(gpadl_status(27) == 0);
	CHECK(post_gpadl(1, 27, rb, len, 1) == HVIS_STATUS_INVALID_PARAMETER);
	CHECK(no_more_msgs());
	CHECK(gpadl_find(srv, 27));
	/* A body for a GPADL nobody started. */
	{
		uint64_t m[3] = { 0 };

		memcpy(m, &body, sizeof(body));
		CHECK(post(1, m, sizeof(m)) != 0);
	}
	/* A header claiming more than it and its bodies carry never completes. */
	{
		uint64_t m[HVIS_MESSAGE_PAYLOAD_SIZE / 8] = { 0 };
		struct hvis_chmsg_gpadl_header *h = (void *)m;

		h->header.msgtype = HVIS_CHMSG_GPADL_HEADER;
		h->child_relid = 1;
		h->gpadl = 28;
		h->range_buflen = 8 + 8 * 8;
		h->range_count = 1;
		memcpy(h->range, rb, 16);
		CHECK(post(1, m, sizeof(*h) + 16) == 0);
		CHECK(no_more_msgs());
		/* A body overrunning range_buflen fails it. */
		body.gpadl = 28;
		memset(m, 0, sizeof(m));
		memcpy(m, &body, sizeof(body));
		CHECK(post(1, m, sizeof(body) + 8 * 8) == 0);
		CHECK(gpadl_status(28) > 0);
	}
	CHECK(srv->nr_gpadls == 1 && srv->nr_pending_gpadls == 0);
	teardown();
	return true;
}

static bool test_malformed(void)
{
	uint64_t m[HVIS_MESSAGE_PAYLOAD_SIZE / 8] = { 0 };
	struct hvis_chmsg_header *h = (void *)m;

	setup(0);
	/* Before contact only INITIATE_CONTACT and UNLOAD are valid. */
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == HVIS_STATUS_INVALID_PARAMETER);
	CHECK(connect_53());
	CHECK(post(1, m, 4) == HVIS_STATUS_INVALID_PARAMETER);	/* short */
	h->msgtype = 99;
	CHECK(post(1, m, 8) == HVIS_STATUS_INVALID_PARAMETER);	/* unknown */
	h->msgtype = HVIS_CHMSG_OFFERCHANNEL;			/* H->G only */
	CHECK(post(1, m, sizeof(struct hvis_chmsg_offer)) ==
	      HVIS_STATUS_INVALID_PARAMETER);
	h->msgtype = HVIS_CHMSG_OPENCHANNEL;
	CHECK(post(1, m, 20) == HVIS_STATUS_INVALID_PARAMETER);	/* short */
	h->msgtype = HVIS_CHMSG_REQUESTOFFERS;
	CHECK(tp.client.post_message(srv, 1, HVIS_MSG_VMBUS, m, 241) ==
	      HVIS_STATUS_INVALID_PARAMETER);
	CHECK(tp.client.post_message(srv, 1, 5, m, 8) ==
	      HVIS_STATUS_INVALID_PARAMETER);
	CHECK(post(4, m, 8) == HVIS_STATUS_INVALID_PARAMETER);	/* not contact */
	h->msgtype = HVIS_CHMSG_RELID_RELEASED;
	CHECK(post(1, m, 12) == HVIS_STATUS_INVALID_PARAMETER);	/* relid 0 */
	/* hv_sock connect is refused with a result, not ignored. */
	h->msgtype = HVIS_CHMSG_TL_CONNECT_REQUEST;
	CHECK(post(1, m, sizeof(struct hvis_chmsg_tl_connect_request)) == 0);
	CHECK(((struct hvis_chmsg_tl_connect_result *)
	       expect(HVIS_CHMSG_TL_CONNECT_RESULT))->status != 0);
	/* Signals on connections nobody owns are ignored. */
	tp.client.signal_event(srv, 5);
	tp.client.signal_event(srv, ECHO_CONN(1000));
	CHECK(no_more_msgs());
	teardown();
	return true;
}

static bool test_fuzz(void)
{
	uint32_t m[HVIS_MESSAGE_PAYLOAD_SIZE / 4];
	struct gchan g;
	unsigned int i, j;

	setup(0);
	CHECK(bring_up(3));
	CHECK(open_chan(&g, 1, 500, 4, 4));
	srand(12345);
	/* The server complains about every message: keep the output readable. */
	log_open("/dev/null");
	for (i = 0; i < 50000; i++) {
		uint32_t len = (uint32_t)rand() % (HVIS_MESSAGE_PAYLOAD_SIZE + 1);

		/* Small values in the id/count fields, so handlers get past lookups. */
		for (j = 0; j < sizeof(m) / 4; j++)
			m[j] = (j < 6 && rand() % 4) ? (uint32_t)rand() % 8 :
			       (uint32_t)rand();
		m[0] = (uint32_t)rand() % 26;
		post(rand() % 8 ? 1 : 4, m, len);
		if (rand() % 16 == 0)
			gsignal(&g);
		if (rand() % 64 == 0)
			run_timers();
		msgs_reset();
	}
	log_close();
	CHECK(simple(HVIS_CHMSG_UNLOAD) == 0);
	CHECK(expect(HVIS_CHMSG_UNLOAD_RESPONSE));
	CHECK(srv->nr_gpadls == 0 && srv->nr_pending_gpadls == 0);
	teardown();
	return true;
}

static bool test_open_bad(void)
{
	uint64_t rb[1 + 16];
	struct hvis_chmsg_open o = {
		.header.msgtype = HVIS_CHMSG_OPENCHANNEL,
		.child_relid = 1, .ring_gpadl = 30, .target_vp = 0,
	};
	struct hvis_chmsg_open_result *res;
	uint32_t len, i;
	static const uint32_t bad_offsets[] = { 0, 1, 7, 8, 1000 };

	setup(0);
	CHECK(bring_up(2));
	len = build_range(rb, alloc_pages(8), 8);
	CHECK(post_gpadl(1, 30, rb, len, 1) == 0 && gpadl_status(30) == 0);
	for (i = 0; i < sizeof(bad_offsets) / sizeof(bad_offsets[0]); i++) {
		o.downstream_page_offset = bad_offsets[i];
		CHECK(post(1, &o, sizeof(o)) == 0);
		res = expect(HVIS_CHMSG_OPENCHANNEL_RESULT);
		CHECK(res && res->status != 0);
	}
	/* Non-contiguous ring pages. */
	len = build_range(rb, alloc_pages(8), 8);
	rb[4] += 100;
	CHECK(post_gpadl(1, 31, rb, len, 1) == 0 && gpadl_status(31) == 0);
	o.ring_gpadl = 31;
	o.downstream_page_offset = 4;
	CHECK(post(1, &o, sizeof(o)) == 0);
	res = expect(HVIS_CHMSG_OPENCHANNEL_RESULT);
	CHECK(res && res->status != 0);
	/* Another channel's GPADL, a VP that does not exist, unknown relid. */
	o.ring_gpadl = 30;
	o.child_relid = 2;
	CHECK(post(1, &o, sizeof(o)) == 0);
	CHECK((res = expect(HVIS_CHMSG_OPENCHANNEL_RESULT)) && res->status);
	o.child_relid = 1;
	o.target_vp = NR_VCPUS;
	CHECK(post(1, &o, sizeof(o)) == 0);
	CHECK((res = expect(HVIS_CHMSG_OPENCHANNEL_RESULT)) && res->status);
	o.target_vp = 0;
	o.child_relid = 55;
	CHECK(post(1, &o, sizeof(o)) == 0);
	CHECK((res = expect(HVIS_CHMSG_OPENCHANNEL_RESULT)) && res->status);
	/* The good one, then a second open of the same channel. */
	o.child_relid = 1;
	CHECK(post(1, &o, sizeof(o)) == 0);
	CHECK((res = expect(HVIS_CHMSG_OPENCHANNEL_RESULT)) && !res->status);
	CHECK(post(1, &o, sizeof(o)) == 0);
	CHECK((res = expect(HVIS_CHMSG_OPENCHANNEL_RESULT)) && res->status);
	teardown();
	return true;
}

static bool check_echo(struct gchan *g, uint64_t tid, const void *want,
		       uint32_t wantlen)
{
	static uint8_t buf[32768];
	struct hvis_vmpacket_desc *d = (void *)buf;
	bool sig;
	uint32_t len = grecv(g, buf, sizeof(buf), &sig);

	CHECK(len >= sizeof(*d));
	CHECK(d->type == HVIS_VMPKT_DATA_INBAND && d->flags == 0 &&
	      d->trans_id == tid && d->offset8 == 2);
	CHECK(len - 16 == ((wantlen + 7) & ~7u));
	CHECK(!memcmp(buf + 16, want, wantlen));
	return true;
}

static bool test_echo(void)
{
	static uint8_t payload[8192], want[16400];
	struct gchan g1, g2;
	struct hvis_monitor_page *mp = pfn_ptr(MON2_PFN);
	uint64_t mpbpfn;
	struct {
		uint32_t reserved, range_count;
		struct {
			uint32_t len, offset;	/* struct hvis_mpb_array */
		} mpb;
		uint64_t pfn[3];
	} __attribute__((packed)) gd;
	uint32_t i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	setup(0);
	CHECK(bring_up(2));
	CHECK(open_chan(&g1, 1, 40, 8, 8));
	CHECK(open_chan(&g2, 2, 41, 8, 8));

	/* Inband on the dedicated-interrupt channel. */
	CHECK(gsend(&g1, HVIS_VMPKT_DATA_INBAND, 0x1234, NULL, 0, payload,
		    1000) == HVRING_OK);
	nsignals = 0;
	gsignal(&g1);
	CHECK(nsignals == 1 && last_signal_relid == 1);
	CHECK(check_echo(&g1, 0x1234, payload, 1000));

	/* GPA direct: inband bytes then a 6000-byte range at offset 300. */
	mpbpfn = alloc_pages(3);
	memcpy((uint8_t *)pfn_ptr(mpbpfn) + 300, payload, 6000);
	memset(&gd, 0, sizeof(gd));
	gd.range_count = 1;
	gd.mpb.len = 6000;
	gd.mpb.offset = 300;
	gd.pfn[0] = mpbpfn;
	gd.pfn[1] = mpbpfn + 1;
	CHECK(gsend(&g1, HVIS_VMPKT_DATA_USING_GPA_DIRECT, 77, &gd,
		    sizeof(gd) - 8, payload + 100, 64) == HVRING_OK);
	gsignal(&g1);
	memcpy(want, payload + 100, 64);
	memcpy(want + 64, payload, 6000);
	CHECK(check_echo(&g1, 77, want, 64 + 6000));

	/* The monitored channel: signalled through monitor page 2. */
	CHECK(gsend(&g2, HVIS_VMPKT_DATA_INBAND, 5, NULL, 0, payload, 24) ==
	      HVRING_OK);
	CHECK(srv->monitor_timer > 0);
	mp->trigger_group[0].pending |= 1u << 0;
	nsignals = 0;
	run_timers();
	CHECK(mp->trigger_group[0].pending == 0);
	CHECK(nsignals == 1 && last_signal_relid == 2);
	CHECK(check_echo(&g2, 5, payload, 24));

	/* Sub-channel request: offers with index 1..2, same GUIDs. */
	{
		char req[16] = "HVECHOSC";
		struct hvis_chmsg_offer *s1, *s2;
		uint32_t two = 2;

		memcpy(req + 8, &two, 4);
		CHECK(gsend(&g1, HVIS_VMPKT_DATA_INBAND, 9, NULL, 0, req,
			    sizeof(req)) == HVRING_OK);
		gsignal(&g1);
		s1 = expect(HVIS_CHMSG_OFFERCHANNEL);
		s2 = expect(HVIS_CHMSG_OFFERCHANNEL);
		CHECK(s1 && s2 && s1->offer.sub_channel_index == 1 &&
		      s2->offer.sub_channel_index == 2);
		CHECK(s1->child_relid == 3 && s2->child_relid == 4);
		CHECK(!memcmp(&s1->offer.if_instance,
			      &srv->chans[1]->dev->instance, 16));
		CHECK(check_echo(&g1, 9, req, sizeof(req)));
	}
	/* Over the payload cap: a protocol violation. */
	CHECK(gsend(&g1, HVIS_VMPKT_DATA_INBAND, 10, NULL, 0, want, 16392) ==
	      HVRING_OK);
	gsignal(&g1);
	CHECK(((struct hvis_chmsg_relid *)
	       expect(HVIS_CHMSG_RESCIND_CHANNELOFFER))->child_relid == 4);
	CHECK(expect(HVIS_CHMSG_RESCIND_CHANNELOFFER));
	CHECK(((struct hvis_chmsg_relid *)
	       expect(HVIS_CHMSG_RESCIND_CHANNELOFFER))->child_relid == 1);
	CHECK(srv->chans[2]->state == CHAN_OPEN);
	teardown();
	return true;
}

/* A small host->guest ring fills: the host waits for room, drops nothing. */
static bool test_backpressure(void)
{
	static uint8_t payload[1024], buf[4096];
	struct gchan g;
	uint32_t sent = 0, got = 0, rounds = 0;
	bool sig;

	setup(0);
	CHECK(bring_up(1));
	CHECK(open_chan(&g, 1, 50, 16, 2));	/* rx: 4 KiB of data */
	while (sent < 40 && gsend(&g, HVIS_VMPKT_DATA_INBAND, sent, NULL, 0,
				  payload, sizeof(payload)) == HVRING_OK)
		sent++;
	CHECK(sent == 40);
	gsignal(&g);
	CHECK(srv->chans[1]->send_blocked);
	CHECK(g.rx.ctl->pending_send_sz > 0);
	while (got < sent && rounds++ < 200) {
		uint32_t len;
		bool any_sig = false;

		while ((len = grecv(&g, buf, sizeof(buf), &sig))) {
			struct hvis_vmpacket_desc *d = (void *)buf;

			CHECK(d->trans_id == got);
			got++;
			any_sig |= sig;
		}
		/* The guest signals only because the host asked. */
		if (got < sent)
			CHECK(any_sig);
		gsignal(&g);
	}
	CHECK(got == 40);
	CHECK(!srv->chans[1]->send_blocked);
	CHECK(srv->chans[1]->pkts_in == 40 && srv->chans[1]->pkts_out == 40);
	teardown();
	return true;
}

static bool test_corrupt(void)
{
	struct gchan g1, g2;
	struct hvis_chmsg_relid rel = {
		.header.msgtype = HVIS_CHMSG_RELID_RELEASED,
	};
	struct hvis_chmsg_relid *r;
	uint8_t payload[64] = { 0 };

	setup(0);
	CHECK(bring_up(3));
	CHECK(open_chan(&g1, 1, 60, 4, 4));
	CHECK(open_chan(&g2, 3, 61, 4, 4));
	/* A write index that is not a multiple of 8. */
	CHECK(gsend(&g1, HVIS_VMPKT_DATA_INBAND, 1, NULL, 0, payload, 8) ==
	      HVRING_OK);
	g1.tx.ctl->write_index = 12;
	gsignal(&g1);
	r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);
	CHECK(r && r->child_relid == 1);
	CHECK(srv->chans[1]->state == CHAN_RESCINDED);
	gsignal(&g1);		/* no longer serviced */
	CHECK(no_more_msgs());
	/* A packet type echo does not speak. */
	CHECK(gsend(&g2, HVIS_VMPKT_COMP, 1, NULL, 0, payload, 8) == HVRING_OK);
	gsignal(&g2);
	r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);
	CHECK(r && r->child_relid == 3);
	/* The guest releases the relids: channels, GPADLs and devices go. */
	rel.child_relid = 1;
	CHECK(post(1, &rel, sizeof(rel)) == 0);
	rel.child_relid = 3;
	CHECK(post(1, &rel, sizeof(rel)) == 0);
	CHECK(!srv->chans[1] && !srv->chans[3] && srv->chans[2]);
	CHECK(srv->nr_gpadls == 0);
	/* Host-side rescind of a live device, and of one already gone. */
	CHECK(vmbus_server_rescind(srv, 2) == 0);
	r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);
	CHECK(r && r->child_relid == 2);
	CHECK(vmbus_server_rescind(srv, 1) == -ENOENT);
	/* The freed relid is reused. */
	CHECK(vmbus_server_add_device(srv, "echo", NULL) == 1);
	teardown();
	return true;
}

static bool test_unload_teardown(void)
{
	struct gchan g;
	struct hvis_chmsg_gpadl_teardown t = {
		.header.msgtype = HVIS_CHMSG_GPADL_TEARDOWN,
		.child_relid = 1, .gpadl = 70,
	};
	struct hvis_chmsg_relid c = {
		.header.msgtype = HVIS_CHMSG_CLOSECHANNEL, .child_relid = 1,
	};
	struct hvis_chmsg_modifychannel mod = {
		.header.msgtype = HVIS_CHMSG_MODIFYCHANNEL,
		.child_relid = 1, .target_vp = 0,
	};
	struct hvis_chmsg_modifychannel_response *mr;

	setup(0);
	CHECK(bring_up(2));
	CHECK(open_chan(&g, 1, 70, 4, 4));
	CHECK(post(1, &mod, sizeof(mod)) == 0);
	mr = expect(HVIS_CHMSG_MODIFYCHANNEL_RESPONSE);
	CHECK(mr && mr->status == 0 && srv->chans[1]->target_vp == 0);
	/* The ring GPADL is in use: TORNDOWN waits for the close. */
	CHECK(post(1, &t, sizeof(t)) == 0);
	CHECK(no_more_msgs());
	CHECK(post(1, &c, sizeof(c)) == 0);
	CHECK(((struct hvis_chmsg_gpadl_torndown *)
	       expect(HVIS_CHMSG_GPADL_TORNDOWN))->gpadl == 70);
	CHECK(srv->chans[1]->state == CHAN_OFFERED);
	/* Reopen, then unload with everything live. */
	CHECK(open_chan(&g, 1, 71, 4, 4));
	CHECK(vmbus_server_add_device(srv, "echo", NULL) == 3);
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(simple(HVIS_CHMSG_UNLOAD) == 0);
	CHECK(expect(HVIS_CHMSG_UNLOAD_RESPONSE));
	CHECK(srv->version == 0 && srv->nr_gpadls == 0);
	CHECK(srv->chans[1]->state == CHAN_IDLE);
	/* Unload is answered even when not connected. */
	CHECK(simple(HVIS_CHMSG_UNLOAD) == 0);
	CHECK(expect(HVIS_CHMSG_UNLOAD_RESPONSE));
	/* Reconnect: the same devices are offered again. */
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	vmbus_server_reset(srv);
	CHECK(srv->version == 0);
	teardown();
	return true;
}

/*
 * A GPA-direct range over the very ring bytes the echo is written to: the
 * range is copied out first, so the echo carries the bytes as they were and
 * the ring write never copies between overlapping buffers (ASan would say).
 */
static bool test_echo_overlap(void)
{
	static uint8_t want[8 + 256];
	struct gchan g;
	struct {
		uint32_t reserved, range_count;
		struct {
			uint32_t len, offset;	/* struct hvis_mpb_array */
		} mpb;
		uint64_t pfn;
	} __attribute__((packed)) gd;
	uint64_t dst;
	uint32_t i;

	setup(0);
	CHECK(bring_up(1));
	CHECK(open_chan(&g, 1, 42, 4, 4));
	/* The guest's own bytes in the empty host->guest ring. */
	for (i = 0; i < 512; i++)
		g.rx.data[i] = (uint8_t)(i * 13 + 1);
	/* Where the echoed range lands: after the descriptor and 8 inband bytes. */
	dst = (uint64_t)(g.rx.data - ram) + g.rx.ctl->write_index + 16 + 8;
	memset(&gd, 0, sizeof(gd));
	gd.range_count = 1;
	gd.mpb.len = 256;
	gd.mpb.offset = (uint32_t)(dst % HVIS_PAGE_SIZE) - 8;
	gd.pfn = dst / HVIS_PAGE_SIZE;
	memcpy(want, "inband!!", 8);
	memcpy(want + 8, g.rx.data + 16, 256);
	CHECK(gsend(&g, HVIS_VMPKT_DATA_USING_GPA_DIRECT, 66, &gd, sizeof(gd),
		    "inband!!", 8) == HVRING_OK);
	gsignal(&g);
	CHECK(check_echo(&g, 66, want, sizeof(want)));
	CHECK(srv->chans[1]->state == CHAN_OPEN);
	teardown();
	return true;
}

static unsigned int count_lines(const char *path)
{
	FILE *fp = fopen(path, "r");
	unsigned int n = 0;
	int c;

	if (!fp)
		return 0;
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

/*
 * A guest that misbehaves in a loop gets a bounded number of log lines, and
 * a bad sub-channel count is a violation like any other.
 */
static bool test_log_flood(void)
{
	char path[] = "/tmp/hvcore-vmbus-test-XXXXXX";
	unsigned long long suppressed = log_guest_suppressed();
	struct hvis_chmsg_relid c = {
		.header.msgtype = HVIS_CHMSG_CLOSECHANNEL, .child_relid = 99,
	};
	char req[16] = "HVECHOSC";
	uint32_t zero = 0, lines;
	struct hvis_chmsg_relid *r;
	struct gchan g;
	int fd, i;

	fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	setup(0);
	CHECK(bring_up(1));
	CHECK(open_chan(&g, 1, 43, 4, 4));
	CHECK(log_open(path) == 0);
	for (i = 0; i < 300; i++) {
		/* Reconnect (old connection dropped, new one logged), unload, junk. */
		CHECK(connect_53());
		CHECK(simple(HVIS_CHMSG_UNLOAD) == 0);
		CHECK(post(1, &c, sizeof(c)) == HVIS_STATUS_INVALID_PARAMETER);
		msgs_reset();
	}
	/* Connected again, channel reopened: sub-channel count 0, twice. */
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	msgs_reset();
	CHECK(open_chan(&g, 1, 44, 4, 4));
	memcpy(req + 8, &zero, 4);
	CHECK(gsend(&g, HVIS_VMPKT_DATA_INBAND, 1, NULL, 0, req, sizeof(req)) ==
	      HVRING_OK);
	CHECK(gsend(&g, HVIS_VMPKT_DATA_INBAND, 2, NULL, 0, req, sizeof(req)) ==
	      HVRING_OK);
	gsignal(&g);
	r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);
	CHECK(r && r->child_relid == 1);
	CHECK(no_more_msgs());
	log_close();
	lines = count_lines(path);
	unlink(path);
	/* A full bucket, the "suppressed" line, the rescind, a refill or two. */
	if (lines > LOG_GUEST_BURST + 5)
		ktap_diag("%u log lines", lines);
	CHECK(lines <= LOG_GUEST_BURST + 5);
	CHECK(log_guest_suppressed() - suppressed >= 900 - LOG_GUEST_BURST - 5);
	teardown();
	return true;
}

/*
 * A message the guest cannot be sent (its queue is full) drops the
 * connection as on UNLOAD, so neither side keeps state the other lost.
 */
static bool test_post_lost(void)
{
	struct gchan g;
	uint64_t rb[1 + 8];
	uint32_t len;

	setup(0);
	CHECK(bring_up(2));
	CHECK(open_chan(&g, 1, 80, 4, 4));
	/* The GPADL_CREATED for relid 2's GPADL cannot be delivered. */
	len = build_range(rb, alloc_pages(8), 8);
	fail_posts = true;
	CHECK(post_gpadl(2, 81, rb, len, 1) == 0);
	fail_posts = false;
	CHECK(srv->version == 0 && srv->nr_gpadls == 0 &&
	      srv->nr_pending_gpadls == 0);
	CHECK(srv->chans[1]->state == CHAN_IDLE &&
	      srv->chans[2]->state == CHAN_IDLE);
	CHECK(no_more_msgs());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == HVIS_STATUS_INVALID_PARAMETER);
	/* The guest reconnects and is offered everything afresh. */
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	/* Lost outside a guest message (a host-side rescind): reset by timer. */
	fail_posts = true;
	CHECK(vmbus_server_rescind(srv, 2) == 0);
	fail_posts = false;
	CHECK(srv->version == V53);
	run_timers();
	CHECK(srv->version == 0 && !srv->chans[2]);
	CHECK(no_more_msgs());
	teardown();
	return true;
}

int main(void)
{
	static const struct {
		bool (*fn)(void);
		const char *what;
	} tests[] = {
		{ test_versions, "version negotiation, fallback and connection ids" },
		{ test_offers, "offers on request and hot add, MNF parameters, list" },
		{ test_gpadl_multi, "GPADL assembled from header and bodies, teardown" },
		{ test_gpadl_bad, "bad GPADLs rejected (PFN range, counts, duplicates)" },
		{ test_malformed, "malformed, short and unknown messages rejected" },
		{ test_open_bad, "OPENCHANNEL with bad ring parameters rejected" },
		{ test_echo, "echo round trip (inband, GPA direct, MNF, sub-channels)" },
		{ test_backpressure, "full host->guest ring: wait for room, no drops" },
		{ test_corrupt, "corrupt ring and bad packet rescind the device" },
		{ test_unload_teardown, "deferred ring teardown, modify, unload, reconnect" },
		{ test_echo_overlap, "GPA-direct range over the reply's own ring bytes" },
		{ test_log_flood, "guest-caused log lines rate limited; bad sub-channel count" },
		{ test_post_lost, "a message the guest cannot take drops the connection" },
		{ test_fuzz, "50000 random channel messages without a crash" },
	};
	unsigned int i, n = sizeof(tests) / sizeof(tests[0]);

	ram = aligned_alloc(HVIS_PAGE_SIZE, RAM_SIZE);
	if (!ram)
		return 1;
	mem = (struct guest_mem){ .base = ram, .size = RAM_SIZE, .fd = -1 };
	ktap_plan(&ktap, (int)n);
	for (i = 0; i < n; i++) {
		bool ok = tests[i].fn();

		/* A failed check leaves the server up: clean it for ASan. */
		if (srv)
			teardown();
		ktap_result(&ktap, ok, "hvcore-vmbus: %s", tests[i].what);
	}
	free(ram);
	return ktap.failed ? 1 : 0;
}
