// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of how storvsp and the VMBus server stop touching guest
 * memory: a closed channel's held requests end without their I/O, and a
 * rescind or an UNLOAD_RESPONSE is posted only once no request of the
 * device can still write guest RAM (the guest reuses the buffers then).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvcore_storvsp_fixture.h"
#include "log.h"

#define POISON	0xab

/* Let the target's timers and io_uring completions run a while. */
static void run_loop(unsigned int rounds)
{
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		run_fds(5);
		run_timers();
	}
}

/* The guest reuses @b: fill it, let the host run, and see it unchanged. */
static bool buffer_stays(const struct gbuf *b)
{
	uint32_t i, changed = 0;

	for (i = 0; i < b->npages; i++)
		memset(pfn_ptr(b->pfn[i]), POISON, HVIS_PAGE_SIZE);
	run_loop(60);
	for (i = 0; i < b->npages * HVIS_PAGE_SIZE; i++) {
		const uint8_t *page = pfn_ptr(b->pfn[i / HVIS_PAGE_SIZE]);

		changed += page[i % HVIS_PAGE_SIZE] != POISON;
	}
	if (changed)
		ktap_diag("%u bytes of the guest buffer written after the host let it go",
			  changed);
	return !changed;
}

/* Two READ(10)s of 8 blocks into @b, held at the target by a delay fault. */
static bool send_held_reads(struct gchan *g, struct gbuf *b)
{
	struct hvis_vstor_packet p;
	char *text = NULL;
	uint8_t cdb[10];

	CHECK(ctl("fault 0 delay 1 2", &text) == 0);
	free(text);
	gbuf_init(b, 1, 0, 4096, false);
	rw10(cdb, 0x28, 0, 8);
	srb_init(&p, 0, cdb, 10, HVIS_SRB_DATA_IN, 4096);
	CHECK(send_srb(g, 1, &p, b));
	CHECK(send_srb(g, 2, &p, b));
	return true;
}

/*
 * One READ(10) of 8 blocks at LBA 8 from an O_DIRECT disk into a buffer
 * that is not block-aligned: it goes through a bounce buffer, so the
 * guest's pages are written only when the loop takes the completion.
 */
static bool send_bounced_read(struct gchan *g, struct gbuf *b)
{
	struct hvis_vstor_packet p;
	uint8_t cdb[10];

	gbuf_init(b, 2, 100, 4096, false);
	memset(pfn_ptr(b->pfn[0]), 0, 2 * HVIS_PAGE_SIZE);
	rw10(cdb, 0x28, 8, 8);
	srb_init(&p, 0, cdb, 10, HVIS_SRB_DATA_IN, 4096);
	CHECK(send_srb(g, 1, &p, b));
	return true;
}

/*
 * The host has let @b go: it must hold blocks 8..15 of img_a (the read
 * finished first) and stay as the guest leaves it from now on.
 */
static bool read_landed_then_stays(struct gbuf *b)
{
	static uint8_t got[4096];

	gbuf_copy(b, got, false);
	CHECK(buffer_stays(b));
	CHECK(image_has(img_a, 8 * 512, got, sizeof(got)));
	return true;
}

static bool release_relid(uint32_t relid)
{
	struct hvis_chmsg_relid rel = {
		.header.msgtype = HVIS_CHMSG_RELID_RELEASED,
		.child_relid = relid,
	};

	return post(1, &rel, sizeof(rel)) == 0;
}

/* The reviewer's case: rescind while two reads wait on a delay fault. */
static bool test_rescind_held(void)
{
	char args[160];
	struct gchan g;
	struct gbuf b;

	snprintf(args, sizeof(args), "file=%s", img_a);
	CHECK(bring_up_stor(args, &g, 8, 8, true));
	CHECK(send_held_reads(&g, &b));
	CHECK(vmbus_server_rescind(srv, 1) == 0);
	/* Nothing had started: the rescind goes out at once. */
	CHECK(chan_rescinded(1));
	CHECK(release_relid(1));
	CHECK(!srv->chans[1]);
	CHECK(buffer_stays(&b));
	teardown();
	return true;
}

/* CLOSECHANNEL ends the channel's held requests; their reads never run. */
static bool test_close_held(void)
{
	struct hvis_chmsg_relid close = {
		.header.msgtype = HVIS_CHMSG_CLOSECHANNEL,
		.child_relid = 1,
	};
	char args[160], *text = NULL;
	struct gchan g;
	struct gbuf b;

	snprintf(args, sizeof(args), "file=%s", img_a);
	CHECK(bring_up_stor(args, &g, 8, 8, true));
	CHECK(send_held_reads(&g, &b));
	CHECK(post(1, &close, sizeof(close)) == 0);
	CHECK(srv->chans[1]->state == CHAN_OFFERED);
	CHECK(buffer_stays(&b));
	/* Both delays were used up by the cancelled requests. */
	CHECK(ctl("list", &text) == 0 && strstr(text, "faults none"));
	free(text);
	CHECK(no_more_msgs());
	teardown();
	return true;
}

/* A rescind waits until the read under way has written its buffer. */
static bool test_rescind_inflight(void)
{
	char args[160];
	struct gchan g;
	struct gbuf b;
	unsigned int i;

	snprintf(args, sizeof(args), "file=%s,direct", img_a);
	CHECK(bring_up_stor(args, &g, 8, 8, true));
	CHECK(send_bounced_read(&g, &b));
	CHECK(vmbus_server_rescind(srv, 1) == 0);
	/* Not yet: the read is with the kernel; nothing new is taken. */
	CHECK(srv->chans[1]->state == CHAN_DRAINING);
	CHECK(vmbus_server_rescind(srv, 1) == -EALREADY);
	for (i = 0; i < 200 && no_more_msgs(); i++)
		run_loop(1);
	CHECK(chan_rescinded(1));
	CHECK(read_landed_then_stays(&b));
	CHECK(release_relid(1));
	CHECK(!srv->chans[1]);
	CHECK(log_has("waits for its VSP"));
	teardown();
	return true;
}

/* UNLOAD_RESPONSE waits for the read under way the same way. */
static bool test_unload_inflight(void)
{
	char args[160];
	struct gchan g;
	struct gbuf b;
	unsigned int i;

	snprintf(args, sizeof(args), "file=%s,direct", img_a);
	CHECK(bring_up_stor(args, &g, 8, 8, true));
	CHECK(send_bounced_read(&g, &b));
	CHECK(simple(HVIS_CHMSG_UNLOAD) == 0);
	CHECK(srv->chans[1]->state == CHAN_IDLE);
	for (i = 0; i < 200 && no_more_msgs(); i++)
		run_loop(1);
	CHECK(expect(HVIS_CHMSG_UNLOAD_RESPONSE));
	CHECK(read_landed_then_stays(&b));
	CHECK(no_more_msgs());
	/* The guest comes back: the device is offered again and works. */
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	teardown();
	return true;
}

/* UNLOAD with only held requests: cancelled, answered at once, no I/O. */
static bool test_unload_held(void)
{
	char args[160];
	struct gchan g;
	struct gbuf b;

	snprintf(args, sizeof(args), "file=%s", img_a);
	CHECK(bring_up_stor(args, &g, 8, 8, true));
	CHECK(send_held_reads(&g, &b));
	CHECK(simple(HVIS_CHMSG_UNLOAD) == 0);
	CHECK(expect(HVIS_CHMSG_UNLOAD_RESPONSE));
	CHECK(buffer_stays(&b));
	CHECK(no_more_msgs());
	teardown();
	return true;
}

/* The server goes away while a rescind drains: everything is freed (ASan). */
static bool test_destroy_draining(void)
{
	char args[160];
	struct gchan g;
	struct gbuf b;

	snprintf(args, sizeof(args), "file=%s,direct", img_a);
	CHECK(bring_up_stor(args, &g, 8, 8, true));
	CHECK(send_bounced_read(&g, &b));
	CHECK(vmbus_server_rescind(srv, 1) == 0);
	CHECK(srv->chans[1]->state == CHAN_DRAINING);
	/* The guest drops the connection meanwhile, then hvcore exits. */
	CHECK(simple(HVIS_CHMSG_UNLOAD) == 0);
	CHECK(no_more_msgs());
	teardown();
	run_loop(20);
	return true;
}

int main(void)
{
	static const struct ktap_case cases[] = {
		{ "rescind with held requests: no guest write after it", test_rescind_held },
		{ "CLOSECHANNEL ends held requests without their I/O", test_close_held },
		{ "rescind posted only after I/O under way finished", test_rescind_inflight },
		{ "UNLOAD_RESPONSE only after I/O under way finished", test_unload_inflight },
		{ "UNLOAD with held requests: answered at once, no I/O", test_unload_held },
		{ "server destroyed while a rescind drains", test_destroy_draining },
	};
	int r;

	strcpy(log_path, "/tmp/hvis-storvsp-log-XXXXXX");
	r = mkstemp(log_path);
	if (r < 0 || !make_image(img_a, 1))
		return 1;
	close(r);
	log_open(log_path);
	r = vmbus_fixture_run("hvcore-storvsp-drain", cases,
			      KTAP_ARRAY_SIZE(cases));
	log_close();
	unlink(img_a);
	unlink(log_path);
	return r;
}
