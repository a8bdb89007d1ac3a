// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore's dynamic memory VSP against a fake guest: version
 * negotiation, status reports, balloon ranges turned into holes in a real
 * (memfd) RAM file, refused ranges, unballoon, hot-add and bad messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvcore_vmbus_fixture.h"
#include "hvis/dynmem.h"
#include "log.h"

/* 256 MiB, sparse: only what the tests touch is resident. */
#define DM_RAM_SIZE	(256ull << 20)
#define DM_RAM_PAGES	(DM_RAM_SIZE / HVIS_PAGE_SIZE)
/* Pages the fake guest balloons: well above the fixture's ring pages. */
#define DM_FIRST_PFN	8192u

static struct guest_mem dmem;
static char log_path[] = "/tmp/hvcore_dynmem_test.XXXXXX";
static uint64_t rxbuf[(HVIS_DM_MAX_MSG_SIZE + 64) / 8];

/* --- Plumbing --- */

/* The fixture's server, recreated on the memfd-backed RAM. */
static bool dm_setup(const char *args, struct gchan *g)
{
	setup(0);
	vmbus_server_destroy(srv);
	srv = vmbus_server_create(NULL, &dmem, &tp);
	CHECK(srv);
	CHECK(vmbus_server_add_device(srv, "dynmem", args) == 1);
	CHECK(connect_53());
	CHECK(simple(HVIS_CHMSG_REQUESTOFFERS) == 0);
	CHECK(expect(HVIS_CHMSG_OFFERCHANNEL));
	CHECK(expect(HVIS_CHMSG_ALLOFFERS_DELIVERED));
	CHECK(open_chan(g, 1, 40, 4, 4));
	return true;
}

static bool dm_gsend(struct gchan *g, void *msg, uint16_t type, uint16_t size)
{
	struct hvis_dm_header *h = msg;

	h->type = type;
	h->size = size;
	h->trans_id = 7;
	CHECK(gsend(g, HVIS_VMPKT_DATA_INBAND, 0, NULL, 0, msg, size) ==
	      HVRING_OK);
	gsignal(g);
	return true;
}

/* The next host message, or NULL; its type must be @type. */
static void *dm_grecv(struct gchan *g, uint16_t type)
{
	bool sig;
	uint32_t len = grecv(g, rxbuf, sizeof(rxbuf), &sig);
	struct hvis_dm_header *h = (void *)((uint8_t *)rxbuf + 16);

	if (len < 16 + sizeof(*h) || h->type != type || h->size + 16u > len)
		return NULL;
	return h;
}

/* Run a ctl command; its reply in @out (static), its result returned. */
static int dm_ctl(char *out, size_t outlen, const char *line)
{
	char buf[256], *argv[8], *save = NULL, *tok;
	int argc = 0, r;
	FILE *fp;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 8;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	fp = fmemopen(out, outlen, "w");
	if (!fp)
		return -ENOMEM;
	r = vmbus_server_dev_ctl(srv, "dynmem", 1, argc, argv, fp);
	fclose(fp);
	return r;
}

static const char *ctl_out(const char *line)
{
	static char out[4096];

	memset(out, 0, sizeof(out));
	dm_ctl(out, sizeof(out) - 1, line);
	return out;
}

/* True if the reply to @line holds @want; else shows the reply as diagnostics. */
static bool ctl_has(const char *line, const char *want)
{
	const char *out = ctl_out(line), *nl;

	if (strstr(out, want))
		return true;
	printf("# '%s' printed:\n", line);
	for (; *out; out = nl + 1) {
		nl = strchrnul(out, '\n');
		printf("#   %.*s\n", (int)(nl - out), out);
		if (!*nl)
			break;
	}
	return false;
}

static bool log_has(const char *what)
{
	return log_file_has(log_path, what);
}

static uint64_t resident(void)
{
	struct stat st;

	if (fstat(dmem.fd, &st))
		return 0;
	return (uint64_t)st.st_blocks * 512;
}

/* Version 2.0 and capabilities, as the in-tree driver sends them. */
static bool dm_negotiate(struct gchan *g, uint64_t caps)
{
	struct hvis_dm_version_request v = { .version = HVIS_DM_VERSION_WIN10 };
	struct hvis_dm_capabilities c = {
		.caps = caps, .max_page_number = ~0ull,
	};
	struct hvis_dm_accept *a;

	CHECK(dm_gsend(g, &v, HVIS_DM_VERSION_REQUEST, sizeof(v)));
	a = dm_grecv(g, HVIS_DM_VERSION_RESPONSE);
	CHECK(a && a->flags == HVIS_DM_IS_ACCEPTED &&
	      a->hdr.size == sizeof(*a));
	CHECK(dm_gsend(g, &c, HVIS_DM_CAPABILITIES_REPORT, sizeof(c)));
	a = dm_grecv(g, HVIS_DM_CAPABILITIES_RESPONSE);
	CHECK(a && a->flags == HVIS_DM_IS_ACCEPTED);
	return true;
}

#define DM_CAPS	(HVIS_DM_CAP_BALLOON | HVIS_DM_CAP_HOT_ADD | \
		 HVIS_DM_CAP_HOT_ADD_ALIGN(7))

/* A balloon response with @n ranges of @per pages, @stride apart, from @pfn. */
static bool dm_give(struct gchan *g, uint64_t pfn, uint32_t n, uint32_t per,
		    uint32_t stride, bool more)
{
	static uint64_t buf[HVIS_DM_MAX_MSG_SIZE / 8];
	struct hvis_dm_balloon_response *r = (void *)buf;
	uint32_t i;

	memset(buf, 0, sizeof(buf));
	r->more_count = HVIS_DM_BALLOON_RESP_FLAGS(more, n);
	for (i = 0; i < n; i++)
		r->ranges[i] = HVIS_DM_RANGE(pfn + (uint64_t)i * stride, per);
	return dm_gsend(g, r, HVIS_DM_BALLOON_RESPONSE,
			(uint16_t)(sizeof(*r) + n * sizeof(uint64_t)));
}

/* --- Cases --- */

static bool test_wire(void)
{
	uint8_t buf[64] = { 0 };
	struct hvis_dm_header *h = (void *)buf;

	CHECK(sizeof(struct hvis_dm_status) == 48);
	CHECK(HVIS_DM_RANGE_START(HVIS_DM_RANGE(0x123456789aull, 512)) ==
	      0x123456789aull);
	CHECK(HVIS_DM_RANGE_COUNT(HVIS_DM_RANGE(0x123456789aull, 512)) == 512);
	CHECK(HVIS_DM_MAX_RANGES == 510);
	h->type = HVIS_DM_STATUS_REPORT;
	h->size = 48;
	CHECK(hvis_dm_check(buf, 48, HVIS_DIR_G2H, HVIS_DM_VERSION_WIN10) ==
	      HVIS_DM_STATUS_REPORT);
	CHECK(hvis_dm_check(buf, 40, HVIS_DIR_G2H, 0) == HVIS_DM_ESHORT);
	CHECK(hvis_dm_check(buf, 48, HVIS_DIR_H2G, 0) == HVIS_DM_EUNKNOWN);
	h->type = HVIS_DM_INFO_MESSAGE;
	h->size = 24;
	CHECK(hvis_dm_check(buf, 24, HVIS_DIR_H2G, HVIS_DM_VERSION_WIN7) ==
	      HVIS_DM_EVERSION);
	h->type = HVIS_DM_BALLOON_RESPONSE;
	h->size = 24;
	buf[12] = 2 << 1;	/* claims two ranges, carries one */
	CHECK(hvis_dm_check(buf, 24, HVIS_DIR_G2H, 0) == HVIS_DM_ERANGES);
	/* Floor: the in-tree curve's corners. */
	CHECK(hvis_dm_floor_pages(HVIS_DM_MIB_PAGES(512)) ==
	      HVIS_DM_MIB_PAGES(168));
	CHECK(hvis_dm_floor_pages(HVIS_DM_MIB_PAGES(2048)) ==
	      HVIS_DM_MIB_PAGES(360));
	return true;
}

static bool test_negotiation(void)
{
	struct hvis_dm_version_request v = { .version = HVIS_DM_VERSION_WIN10 };
	struct hvis_dm_accept *a;
	struct gchan g;

	/* A host capped at 1.0: the guest falls back from 2.0. */
	CHECK(dm_setup("max-version=1.0", &g));
	CHECK(dm_gsend(&g, &v, HVIS_DM_VERSION_REQUEST, sizeof(v)));
	a = dm_grecv(&g, HVIS_DM_VERSION_RESPONSE);
	CHECK(a && a->flags == 0);
	v.version = HVIS_DM_VERSION(1, 7);	/* no such version */
	CHECK(dm_gsend(&g, &v, HVIS_DM_VERSION_REQUEST, sizeof(v)));
	a = dm_grecv(&g, HVIS_DM_VERSION_RESPONSE);
	CHECK(a && a->flags == 0);
	v.version = HVIS_DM_VERSION_WIN8;
	CHECK(dm_gsend(&g, &v, HVIS_DM_VERSION_REQUEST, sizeof(v)));
	a = dm_grecv(&g, HVIS_DM_VERSION_RESPONSE);
	CHECK(a && a->flags == HVIS_DM_IS_ACCEPTED);
	CHECK(ctl_has("memory", "version 1.0\n"));
	/* Ballooning before the capabilities: refused at the ctl. */
	CHECK(ctl_has("balloon 100", "error: the guest's driver has not connected"));
	teardown();

	/* 0.3 as the guest's last attempt: still accepted. */
	CHECK(dm_setup(NULL, &g));
	v.version = HVIS_DM_VERSION_WIN7;
	v.flags = HVIS_DM_VERSION_IS_LAST_ATTEMPT;
	CHECK(dm_gsend(&g, &v, HVIS_DM_VERSION_REQUEST, sizeof(v)));
	a = dm_grecv(&g, HVIS_DM_VERSION_RESPONSE);
	CHECK(a && a->flags == HVIS_DM_IS_ACCEPTED);
	CHECK(ctl_has("memory", "version 0.3\n"));
	teardown();

	/* The default: 2.0 straight away, then capabilities. */
	CHECK(dm_setup(NULL, &g));
	CHECK(dm_negotiate(&g, DM_CAPS));
	CHECK(ctl_has("memory", "version 2.0\ncapabilities balloon hot-add align-mib 128\n"));
	teardown();
	return true;
}

/* status-gap-since-last-read-ms of a fresh "memory", or -1. */
static long window_gap_ms(void)
{
	const char *p = strstr(ctl_out("memory"), "status-gap-since-last-read-ms ");
	long ms;

	if (!p || sscanf(p, "status-gap-since-last-read-ms %ld", &ms) != 1)
		return -1;
	return ms;
}

static bool test_status(void)
{
	struct hvis_dm_status s = {
		.num_avail = HVIS_DM_MIB_PAGES(300),
		.num_committed = HVIS_DM_MIB_PAGES(120),
	};
	struct gchan g;

	CHECK(dm_setup(NULL, &g));
	CHECK(dm_negotiate(&g, DM_CAPS));
	CHECK(ctl_has("memory", "status-reports 0\n"));
	CHECK(dm_gsend(&g, &s, HVIS_DM_STATUS_REPORT, sizeof(s)));
	usleep(20000);
	s.num_avail = HVIS_DM_MIB_PAGES(290);
	CHECK(dm_gsend(&g, &s, HVIS_DM_STATUS_REPORT, sizeof(s)));
	CHECK(ctl_has("memory", "status-reports 2\n"));
	CHECK(ctl_has("memory", "guest-avail-mib 290\nguest-committed-mib 120\n"));
	CHECK(ctl_has("memory", "status-age-ms "));
	CHECK(!strstr(ctl_out("memory"), "status-max-gap-ms 0\n"));

	/* The window gap: since the last read, the open gap included. */
	usleep(60000);
	CHECK(window_gap_ms() >= 60);		/* no report for 60 ms */
	CHECK(dm_gsend(&g, &s, HVIS_DM_STATUS_REPORT, sizeof(s)));
	CHECK(window_gap_ms() >= 60);		/* that report came late */
	CHECK(window_gap_ms() < 50);		/* read again at once */
	teardown();
	return true;
}

static bool test_balloon(void)
{
	struct hvis_dm_balloon *req;
	struct hvis_dm_unballoon_request *ur;
	struct hvis_dm_header resp = { 0 };
	struct gchan g;
	uint64_t before, after, total = 0, pfn;
	uint32_t i;

	CHECK(dm_setup(NULL, &g));
	CHECK(dm_negotiate(&g, DM_CAPS));
	/* The guest has touched 64 MiB from DM_FIRST_PFN on. */
	memset((uint8_t *)dmem.base + (uint64_t)DM_FIRST_PFN * HVIS_PAGE_SIZE,
	       0x5a, 64u << 20);
	before = resident();
	CHECK(before >= (64u << 20));

	/* Keep 224 of 256 MiB: the host asks for 32 MiB = 8192 pages. */
	CHECK(ctl_has("balloon 224", "state ballooning"));
	req = dm_grecv(&g, HVIS_DM_BALLOON_REQUEST);
	CHECK(req && req->num_pages == 8192 && req->hdr.size == sizeof(*req));
	/* 16 ranges of 2 MiB, in two responses. */
	CHECK(dm_give(&g, DM_FIRST_PFN, 10, 512, 512, true));
	CHECK(ctl_has("memory", "state ballooning"));
	CHECK(dm_give(&g, DM_FIRST_PFN + 10 * 512, 6, 512, 512, false));
	CHECK(ctl_has("memory", "ballooned-mib 32\n"));
	CHECK(ctl_has("memory", "state idle\n"));
	after = resident();
	CHECK(before - after == (32u << 20));
	/* The holes read back as zeros; their neighbours kept their bytes. */
	CHECK(((uint8_t *)dmem.base)[(uint64_t)DM_FIRST_PFN * HVIS_PAGE_SIZE] == 0);
	CHECK(((uint8_t *)dmem.base)[(uint64_t)(DM_FIRST_PFN + 8192) *
				     HVIS_PAGE_SIZE] == 0x5a);
	/* Reading the hole faulted one page back in: shmem has no zero page. */
	after = resident();
	CHECK(no_more_msgs());
	CHECK(!dm_grecv(&g, HVIS_DM_BALLOON_REQUEST));

	/* 16 MiB more; the guest answers with a bad range, a duplicate, a good one. */
	CHECK(ctl_has("balloon 208", "state ballooning"));
	req = dm_grecv(&g, HVIS_DM_BALLOON_REQUEST);
	CHECK(req && req->num_pages == 4096);
	{
		uint64_t buf[8] = { 0 };
		struct hvis_dm_balloon_response *r = (void *)buf;

		r->more_count = HVIS_DM_BALLOON_RESP_FLAGS(false, 4);
		r->ranges[0] = HVIS_DM_RANGE(DM_RAM_PAGES - 4, 8);
		r->ranges[1] = HVIS_DM_RANGE(DM_FIRST_PFN + 100, 4);
		r->ranges[2] = HVIS_DM_RANGE(DM_FIRST_PFN + 8192, 1000);
		r->ranges[3] = HVIS_DM_RANGE(DM_FIRST_PFN + 9192, 0);
		CHECK(dm_gsend(&g, r, HVIS_DM_BALLOON_RESPONSE, 16 + 4 * 8));
	}
	CHECK(ctl_has("memory", "refused-ranges 3\n"));
	CHECK(log_has("range outside guest RAM"));
	CHECK(log_has("range overlaps pages already ballooned"));
	CHECK(log_has("empty range"));
	/* Less than asked: the host logs it and does not ask again. */
	CHECK(log_has("guest could give only 1000 of 4096 pages"));
	CHECK(ctl_has("memory", "state idle stalled\n"));
	CHECK(ctl_has("memory", "ballooned-pages 9192\n"));
	CHECK(!dm_grecv(&g, HVIS_DM_BALLOON_REQUEST));
	CHECK(resident() == after - 1000 * HVIS_PAGE_SIZE);

	/* A target above the guest's memory is refused outright. */
	CHECK(ctl_has("balloon 300", "error: "));

	/* Unballoon: exactly the pages given, then the guest's response. */
	CHECK(ctl_has("unballoon", "state unballooning"));
	ur = dm_grecv(&g, HVIS_DM_UNBALLOON_REQUEST);
	CHECK(ur && ur->flags == 0 && ur->range_count >= 1);
	CHECK(ur->hdr.size == 16 + ur->range_count * 8);
	pfn = DM_FIRST_PFN;
	for (i = 0; i < ur->range_count; i++) {
		CHECK(HVIS_DM_RANGE_START(ur->ranges[i]) >= pfn);
		pfn = HVIS_DM_RANGE_START(ur->ranges[i]) +
		      HVIS_DM_RANGE_COUNT(ur->ranges[i]);
		total += HVIS_DM_RANGE_COUNT(ur->ranges[i]);
	}
	CHECK(total == 9192 && pfn == DM_FIRST_PFN + 9192);
	CHECK(ctl_has("memory", "ballooned-pages 0\n"));
	CHECK(dm_gsend(&g, &resp, HVIS_DM_UNBALLOON_RESPONSE, sizeof(resp)));
	CHECK(ctl_has("memory", "state idle\n"));
	/* A second unballoon response has no request: logged, ignored. */
	CHECK(dm_gsend(&g, &resp, HVIS_DM_UNBALLOON_RESPONSE, sizeof(resp)));
	CHECK(log_has("unballoon response without a request"));
	teardown();
	return true;
}

/* Partial unballoon, many ranges: several requests, MORE_PAGES on all but the last. */
static bool test_unballoon_split(void)
{
	struct hvis_dm_balloon *req;
	struct hvis_dm_unballoon_request *ur;
	struct gchan g;
	uint32_t msgs_seen = 0, more = 0;
	uint64_t total = 0;

	CHECK(dm_setup(NULL, &g));
	CHECK(dm_negotiate(&g, DM_CAPS));
	/* Asked for 16 MiB, the guest gives 1048 two-page ranges with gaps. */
	CHECK(ctl_has("balloon 240", "state ballooning"));
	req = dm_grecv(&g, HVIS_DM_BALLOON_REQUEST);
	CHECK(req && req->num_pages == 4096);
	CHECK(dm_give(&g, DM_FIRST_PFN, 500, 2, 4, true));
	CHECK(dm_give(&g, DM_FIRST_PFN + 2000, 500, 2, 4, true));
	CHECK(dm_give(&g, DM_FIRST_PFN + 4000, 48, 2, 4, false));
	CHECK(ctl_has("memory", "ballooned-pages 2096\n"));
	CHECK(ctl_has("memory", "state idle stalled\n"));
	/* 255 MiB keeps 65280 of 65536 pages: 1840 of 2096 come back. */
	CHECK(ctl_has("balloon 258", "error: "));
	CHECK(ctl_has("balloon 255", "state unballooning"));
	while ((ur = dm_grecv(&g, HVIS_DM_UNBALLOON_REQUEST))) {
		uint32_t i;

		msgs_seen++;
		if (ur->flags & HVIS_DM_MORE_PAGES)
			more++;
		CHECK(ur->range_count <= HVIS_DM_MAX_RANGES);
		for (i = 0; i < ur->range_count; i++)
			total += HVIS_DM_RANGE_COUNT(ur->ranges[i]);
	}
	CHECK(total == 1840);
	CHECK(msgs_seen == 2 && more == 1);
	CHECK(ctl_has("memory", "ballooned-pages 256\n"));
	teardown();
	return true;
}

static bool test_hot_add(void)
{
	struct hvis_dm_hot_add *ha;
	struct hvis_dm_hot_add_response resp = {
		.page_count = 32768, .result = HVIS_DM_HOT_ADD_SUCCESS,
	};
	struct gchan g;

	CHECK(dm_setup("hot-add-base=128,hot-add-end=256", &g));
	CHECK(ctl_has("hot-add 128", "error: the guest cannot hot-add"));
	CHECK(dm_negotiate(&g, DM_CAPS));
	CHECK(ctl_has("memory", "guest-ram-mib 128\n"));
	CHECK(ctl_has("hot-add 64", "error: size must be"));
	CHECK(ctl_has("hot-add 256", "error: not that much hidden RAM left"));
	CHECK(ctl_has("hot-add 128", "offered-mib 128"));
	ha = dm_grecv(&g, HVIS_DM_MEM_HOT_ADD_REQUEST);
	CHECK(ha && ha->hdr.size == HVIS_DM_HOT_ADD_SIZE);
	CHECK(HVIS_DM_RANGE_START(ha->range) == 32768 &&
	      HVIS_DM_RANGE_COUNT(ha->range) == 32768);
	CHECK(ctl_has("hot-add 128", "error: a balloon or hot-add"));
	CHECK(dm_gsend(&g, &resp, HVIS_DM_MEM_HOT_ADD_RESPONSE, sizeof(resp)));
	CHECK(ctl_has("memory", "guest-ram-mib 256\n"));
	CHECK(ctl_has("memory", "hot-add base-mib 128 added-mib 128\n"));
	CHECK(ctl_has("hot-add 128", "error: not that much hidden RAM left"));
	teardown();
	/* Bad arguments: not 128 MiB aligned, or past the RAM file. */
	setup(0);
	vmbus_server_destroy(srv);
	srv = vmbus_server_create(NULL, &dmem, &tp);
	CHECK(vmbus_server_add_device(srv, "dynmem", "hot-add-base=100") < 0);
	CHECK(vmbus_server_add_device(srv, "dynmem", "hot-add-base=256") < 0);
	/* The last block is the firmware's unless hot-add-end says so. */
	CHECK(vmbus_server_add_device(srv, "dynmem", "hot-add-base=128") < 0);
	CHECK(log_has("no RAM to hot-add between hot-add-base and hot-add-end"));
	CHECK(vmbus_server_add_device(srv, "dynmem", "hot-add-end=384") < 0);
	CHECK(vmbus_server_add_device(srv, "dynmem", "hot-add-end=200") < 0);
	CHECK(vmbus_server_add_device(srv, "dynmem", "bogus") < 0);
	teardown();
	return true;
}

/* A range the guest already has: its refusal is logged, nothing counted. */
static bool test_hot_add_overlap(void)
{
	struct hvis_dm_hot_add *ha;
	struct hvis_dm_hot_add_response resp = {
		.page_count = 0, .result = HVIS_DM_HOT_ADD_SUCCESS,
	};
	struct gchan g;

	CHECK(dm_setup(NULL, &g));
	CHECK(dm_negotiate(&g, DM_CAPS));
	CHECK(ctl_has("inject hot-add-overlap", "error: usage"));
	CHECK(ctl_has("inject hot-add-overlap 64", "error: size must be"));
	CHECK(ctl_has("inject hot-add-overlap 128", "offered-mib 128 overlapping"));
	ha = dm_grecv(&g, HVIS_DM_MEM_HOT_ADD_REQUEST);
	CHECK(ha && HVIS_DM_RANGE_START(ha->range) == 32768 &&
	      HVIS_DM_RANGE_COUNT(ha->range) == 32768);
	CHECK(dm_gsend(&g, &resp, HVIS_DM_MEM_HOT_ADD_RESPONSE, sizeof(resp)));
	CHECK(log_has("guest refused the overlapping hot-add range"));
	CHECK(ctl_has("memory", "guest-ram-mib 256\n"));
	/*
	 * A guest that takes it anyway is reported, and still not counted.
	 * Guest-caused lines share one rate limit over the whole run: wait
	 * for the token this one takes, so later cases keep theirs.
	 */
	usleep(1000000 / LOG_GUEST_PER_SEC + 20000);
	CHECK(ctl_has("inject hot-add-overlap 128", "offered-mib 128 overlapping"));
	CHECK(dm_grecv(&g, HVIS_DM_MEM_HOT_ADD_REQUEST));
	resp.page_count = 32768;
	CHECK(dm_gsend(&g, &resp, HVIS_DM_MEM_HOT_ADD_RESPONSE, sizeof(resp)));
	CHECK(log_has("guest hot-added 32768 pages of a range overlapping its RAM"));
	CHECK(ctl_has("memory", "guest-ram-mib 256\n"));
	teardown();
	return true;
}

/* Protocol violations: the device is rescinded, the reason logged. */
static bool test_bad_messages(void)
{
	struct hvis_dm_status s = { 0 };
	struct hvis_dm_balloon bal = { .num_pages = 1 };
	struct hvis_chmsg_relid *r;
	struct gchan g;

	/* A status report before negotiation. */
	CHECK(dm_setup(NULL, &g));
	CHECK(dm_gsend(&g, &s, HVIS_DM_STATUS_REPORT, sizeof(s)));
	r = expect(HVIS_CHMSG_RESCIND_CHANNELOFFER);
	CHECK(r && r->child_relid == 1);
	CHECK(log_has("before negotiation ended"));
	teardown();

	/* A host-only message type from the guest. */
	CHECK(dm_setup(NULL, &g));
	CHECK(dm_negotiate(&g, DM_CAPS));
	CHECK(dm_gsend(&g, &bal, HVIS_DM_BALLOON_REQUEST, sizeof(bal)));
	CHECK(expect(HVIS_CHMSG_RESCIND_CHANNELOFFER));
	CHECK(log_has("message type not expected in this direction"));
	teardown();

	/* hdr.size larger than the packet. */
	CHECK(dm_setup(NULL, &g));
	CHECK(dm_negotiate(&g, DM_CAPS));
	s.hdr.type = HVIS_DM_STATUS_REPORT;
	s.hdr.size = 200;
	CHECK(gsend(&g, HVIS_VMPKT_DATA_INBAND, 0, NULL, 0, &s, sizeof(s)) ==
	      HVRING_OK);
	gsignal(&g);
	CHECK(expect(HVIS_CHMSG_RESCIND_CHANNELOFFER));
	CHECK(log_has("message shorter than its type or than hdr.size"));
	teardown();
	return true;
}

static const struct ktap_case cases[] = {
	{ "wire header sizes, ranges and validation table", test_wire },
	{ "version negotiation with fallback, capabilities", test_negotiation },
	{ "status reports recorded with their timing", test_status },
	{ "balloon punches holes, refuses bad ranges, unballoons", test_balloon },
	{ "partial unballoon of many ranges", test_unballoon_split },
	{ "hot-add of hidden RAM", test_hot_add },
	{ "hot-add range overlapping RAM is refused", test_hot_add_overlap },
	{ "bad messages rescind the device with a reason", test_bad_messages },
};

int main(void)
{
	int n = (int)(sizeof(cases) / sizeof(cases[0]));
	struct ktap k;
	int fd, i;

	fd = mkstemp(log_path);
	if (fd < 0 || log_open(log_path))
		return 1;
	close(fd);
	dmem.fd = memfd_create("hvcore_dynmem_test", MFD_CLOEXEC);
	if (dmem.fd < 0 || ftruncate(dmem.fd, (off_t)DM_RAM_SIZE))
		return 1;
	dmem.base = mmap(NULL, DM_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 dmem.fd, 0);
	if (dmem.base == MAP_FAILED)
		return 1;
	dmem.size = DM_RAM_SIZE;
	ram = dmem.base;	/* the fixture's guest helpers use it */
	ktap_plan(&k, n);
	for (i = 0; i < n; i++) {
		bool ok;

		/* Every case starts with the whole file a hole. */
		fallocate(dmem.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			  (off_t)DM_RAM_SIZE);
		ok = cases[i].run();
		if (srv)
			teardown();
		ktap_result(&k, ok, "dynmem: %s", cases[i].what);
	}
	munmap(dmem.base, DM_RAM_SIZE);
	close(dmem.fd);
	log_close();
	unlink(log_path);
	return k.failed ? 1 : 0;
}
