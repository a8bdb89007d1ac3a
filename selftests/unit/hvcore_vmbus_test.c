// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore's VMBus server at the connection level: versions,
 * offers, GPADLs, malformed messages, unload and lost posts, against the fake
 * transport and guest RAM of hvcore_vmbus_fixture.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvis/echo.h"
#include "log.h"
#include "hvcore_vmbus_fixture.h"

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
	static const struct ktap_case cases[] = {
		{ "version negotiation, fallback and connection ids", test_versions },
		{ "offers on request and hot add, MNF parameters, list", test_offers },
		{ "GPADL assembled from header and bodies, teardown", test_gpadl_multi },
		{ "bad GPADLs rejected (PFN range, counts, duplicates)", test_gpadl_bad },
		{ "malformed, short and unknown messages rejected", test_malformed },
		{ "OPENCHANNEL with bad ring parameters rejected", test_open_bad },
		{ "deferred ring teardown, modify, unload, reconnect", test_unload_teardown },
		{ "guest-caused log lines rate limited; bad sub-channel count", test_log_flood },
		{ "a message the guest cannot take drops the connection", test_post_lost },
		{ "50000 random channel messages without a crash", test_fuzz },
	};

	return vmbus_fixture_run("hvcore-vmbus", cases, KTAP_ARRAY_SIZE(cases));
}
