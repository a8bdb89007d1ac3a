// SPDX-License-Identifier: GPL-2.0-only
/* 'hvcore ctl dynmem <relid> ...' (and the balloon/memory shortcuts): targets, hot-add, figures. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynmem_int.h"
#include "gpa.h"
#include "vmbus/channel.h"

#define DM_PAGES_MIB(p)	((unsigned long long)((p) >> (20 - HVIS_PAGE_SHIFT)))

static const char *const dm_wait_names[] = {
	[DM_WAIT_NONE] = "idle",
	[DM_WAIT_BALLOON] = "ballooning",
	[DM_WAIT_UNBALLOON] = "unballooning",
	[DM_WAIT_HOT_ADD] = "hot-adding",
};

static int dm_error(FILE *out, int err, const char *why)
{
	fprintf(out, "error: %s\n", why);
	return err;
}

/* A MiB count: decimal, non-zero, at most @max. */
static int dm_parse_mib(const char *s, uint64_t max, uint64_t *mib)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || !v || v > max)
		return -EINVAL;
	*mib = v;
	return 0;
}

static uint64_t dm_ms_since(uint64_t then_ns)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return (now - then_ns) / 1000000;
}

/* One "name value" line per figure, for people and scripts alike. */
static void dm_memory(struct dm_dev *dm, const struct guest_mem *mem, FILE *out)
{
	int64_t res = dm_host_resident(mem);
	uint64_t gap;

	if (dm->version)
		fprintf(out, "version %u.%u\n", HVIS_DM_VERSION_MAJOR(dm->version),
			HVIS_DM_VERSION_MINOR(dm->version));
	else
		fprintf(out, "version none\n");
	fprintf(out, "capabilities%s%s align-mib %u\n",
		dm->caps & HVIS_DM_CAP_BALLOON ? " balloon" : "",
		dm->caps & HVIS_DM_CAP_HOT_ADD ? " hot-add" : "",
		1u << HVIS_DM_CAP_HOT_ADD_ALIGN_LOG2(dm->caps));
	fprintf(out, "ram-file-mib %llu\n", DM_PAGES_MIB(dm->ram_pages));
	fprintf(out, "guest-ram-mib %llu\n", DM_PAGES_MIB(dm_visible_pages(dm)));
	fprintf(out, "ballooned-mib %llu\n", DM_PAGES_MIB(dm->ballooned));
	fprintf(out, "ballooned-pages %llu\n", (unsigned long long)dm->ballooned);
	if (dm->target)
		fprintf(out, "target-mib %llu\n", DM_PAGES_MIB(dm->target));
	else
		fprintf(out, "target-mib none\n");
	fprintf(out, "state %s%s\n", dm_wait_names[dm->wait],
		dm->stalled ? " stalled" : "");
	fprintf(out, "last-round asked-pages %u got-pages %u\n",
		dm->round_asked, dm->round_got);
	fprintf(out, "refused-ranges %llu\n",
		(unsigned long long)dm->refused_ranges);
	fprintf(out, "punch-errors %llu\n", (unsigned long long)dm->punch_errors);
	if (dm->ha_base_pfn)
		fprintf(out, "hot-add base-mib %llu added-mib %llu\n",
			DM_PAGES_MIB(dm->ha_base_pfn), DM_PAGES_MIB(dm->ha_added));
	if (res >= 0)
		fprintf(out, "host-resident-mib %llu\n",
			(unsigned long long)res >> 20);
	else
		fprintf(out, "host-resident-mib unknown\n");
	fprintf(out, "status-reports %llu\n",
		(unsigned long long)dm->status_count);
	if (!dm->status_last_ns)
		return;
	fprintf(out, "status-age-ms %llu\n",
		(unsigned long long)dm_ms_since(dm->status_last_ns));
	fprintf(out, "status-max-gap-ms %llu\n",
		(unsigned long long)(dm->status_max_gap_ns / 1000000));
	/*
	 * Since the previous "memory": what a caller measuring a stretch of
	 * time (the guest under load) needs.  The open gap counts too, so a
	 * guest that stopped reporting shows at once.
	 */
	gap = dm_ms_since(dm->status_last_ns);
	if (dm->status_window_gap_ns / 1000000 > gap)
		gap = dm->status_window_gap_ns / 1000000;
	dm->status_window_gap_ns = 0;
	fprintf(out, "status-gap-since-last-read-ms %llu\n", (unsigned long long)gap);
	fprintf(out, "guest-avail-mib %llu\n", DM_PAGES_MIB(dm->status.num_avail));
	fprintf(out, "guest-committed-mib %llu\n",
		DM_PAGES_MIB(dm->status.num_committed));
}

static int dm_set_target(struct dm_dev *dm, const struct guest_mem *mem,
			 uint64_t pages, FILE *out)
{
	struct vmbus_chan *ch = vmbus_dev_chan(dm->dev, 0);

	if (!dm->caps_ok)
		return dm_error(out, -ENOTCONN, "the guest's driver has not connected");
	if (!(dm->caps & HVIS_DM_CAP_BALLOON))
		return dm_error(out, -EOPNOTSUPP, "the guest cannot balloon");
	if (pages > dm_visible_pages(dm))
		return dm_error(out, -EINVAL,
				"target above the guest's memory (hot-add grows it)");
	dm->target = pages;
	dm->stalled = false;
	dm_balloon_pump(dm, mem);
	if (ch)
		vmbus_chan_flush(ch);
	fprintf(out, "target-mib %llu ballooned-mib %llu state %s\n",
		DM_PAGES_MIB(pages), DM_PAGES_MIB(dm->ballooned),
		dm_wait_names[dm->wait]);
	return 0;
}

static int dm_help(FILE *out)
{
	fprintf(out, "memory              guest-reported pressure, balloon state, host resident RAM\n"
		"balloon <MiB>       balloon until the guest keeps <MiB> (above: unballoon)\n"
		"unballoon           give the guest every ballooned page back\n"
		"hot-add <MiB>       offer <MiB> of the hidden RAM (hot-add-base=) to the guest\n"
		"inject hot-add-overlap <MiB>\n"
		"                    offer <MiB> from the guest's second RAM block up: RAM it\n"
		"                    already has, which it must refuse (a test of its checks)\n");
	return 0;
}

int dm_ctl(struct vmbus_dev *dev, int argc, char **argv, FILE *out)
{
	struct dm_dev *dm = dm_from_dev(dev);
	struct vmbus_chan *ch = vmbus_dev_chan(dev, 0);
	const struct guest_mem *mem;
	const char *why = NULL;
	uint64_t mib;
	int r;

	if (!dm || !ch)
		return dm_error(out, -ENODEV, "device not ready");
	mem = vmbus_chan_mem(ch);
	if (argc < 1 || !strcmp(argv[0], "help"))
		return dm_help(out);
	if (!strcmp(argv[0], "memory")) {
		dm_memory(dm, mem, out);
		return 0;
	}
	if (!strcmp(argv[0], "balloon")) {
		if (argc != 2 ||
		    dm_parse_mib(argv[1], DM_PAGES_MIB(dm->ram_pages), &mib))
			return dm_error(out, -EINVAL,
					"usage: balloon <target MiB, 1 .. guest memory>");
		return dm_set_target(dm, mem, HVIS_DM_MIB_PAGES(mib), out);
	}
	if (!strcmp(argv[0], "unballoon"))
		return dm_set_target(dm, mem, dm_visible_pages(dm), out);
	if (!strcmp(argv[0], "hot-add")) {
		if (argc != 2 ||
		    dm_parse_mib(argv[1], DM_PAGES_MIB(dm->ram_pages), &mib))
			return dm_error(out, -EINVAL, "usage: hot-add <MiB>");
		r = dm_hot_add(dm, mem, HVIS_DM_MIB_PAGES(mib), &why);
		if (r)
			return dm_error(out, r, why);
		vmbus_chan_flush(ch);
		fprintf(out, "offered-mib %llu\n", (unsigned long long)mib);
		return 0;
	}
	if (!strcmp(argv[0], "inject")) {
		if (argc != 3 || strcmp(argv[1], "hot-add-overlap") ||
		    dm_parse_mib(argv[2], DM_PAGES_MIB(dm->ram_pages), &mib))
			return dm_error(out, -EINVAL,
					"usage: inject hot-add-overlap <MiB>");
		r = dm_hot_add_overlap(dm, HVIS_DM_MIB_PAGES(mib), &why);
		if (r)
			return dm_error(out, r, why);
		vmbus_chan_flush(ch);
		fprintf(out, "offered-mib %llu overlapping\n", (unsigned long long)mib);
		return 0;
	}
	fprintf(out, "error: unknown command '%s' (help)\n", argv[0]);
	return -EINVAL;
}
