// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_balloon's balloon: give pages to the host (inflate) and take back the
 * ones it returns (deflate), never below the floor and never a page that
 * was not ballooned.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/page-flags.h>

#include "hv_balloon.h"

#define HV_DM_2M_ORDER	(21 - PAGE_SHIFT)
#define HV_DM_GFP	(GFP_HIGHUSER | __GFP_NORETRY | __GFP_NOMEMALLOC | \
			 __GFP_NOWARN)

unsigned long hv_dm_floor(void)
{
	return hvis_dm_floor_pages(totalram_pages());
}

/* Give one page back to the kernel; it must be one of ours. */
static bool hv_dm_release_page(struct hv_dm *dm, unsigned long pfn)
{
	struct page *pg;

	if (!xa_erase(&dm->pages, pfn))
		return false;
	pg = pfn_to_page(pfn);
	__ClearPageOffline(pg);
	adjust_managed_page_count(pg, 1);
	__free_page(pg);
	atomic_long_dec(&dm->nr_ballooned);
	return true;
}

/* Allocate 2^@order pages as one range and remember each; true if done. */
static bool hv_dm_take(struct hv_dm *dm, unsigned int order, u64 *range)
{
	unsigned long pfn, i, n = 1ul << order;
	struct page *pg;

	pg = alloc_pages(HV_DM_GFP, order);
	if (!pg)
		return false;
	if (order)
		split_page(pg, order);	/* the host may return them one by one */
	pfn = page_to_pfn(pg);
	for (i = 0; i < n; i++) {
		if (xa_err(xa_store_bh(&dm->pages, pfn + i, xa_mk_value(1),
				       GFP_KERNEL)))
			goto err_free_pages;
	}
	for (i = 0; i < n; i++) {
		__SetPageOffline(pg + i);
		adjust_managed_page_count(pg + i, -1);
	}
	atomic_long_add(n, &dm->nr_ballooned);
	*range = HVIS_DM_RANGE(pfn, n);
	return true;

err_free_pages:
	while (i--)
		xa_erase_bh(&dm->pages, pfn + i);
	for (i = 0; i < n; i++)
		__free_page(pg + i);
	return false;
}

/* Undo a response that could not be sent. */
static void hv_dm_untake(struct hv_dm *dm,
			 const struct hvis_dm_balloon_response *resp)
{
	u32 i, j, count = HVIS_DM_BALLOON_RESP_COUNT(resp->more_count);

	local_bh_disable();
	for (i = 0; i < count; i++)
		for (j = 0; j < HVIS_DM_RANGE_COUNT(resp->ranges[i]); j++)
			hv_dm_release_page(dm, HVIS_DM_RANGE_START(resp->ranges[i]) + j);
	local_bh_enable();
}

static int hv_dm_send_retry(struct hv_dm *dm, void *msg, u16 type, u32 size)
{
	int ret, tries = 0;

	/* The host drains its ring on its own: wait for room, a while. */
	while ((ret = hv_dm_send(dm, msg, type, size)) == -EAGAIN &&
	       tries++ < 250)
		msleep(20);
	return ret;
}

/*
 * Inflate by the host's request: how many pages the floor and the free
 * memory allow, in 2 MiB ranges while those last, then single pages.  The
 * last response (MORE_PAGES clear) also goes out when nothing could be
 * given, so the host always learns the outcome.
 */
void hv_dm_inflate_work(struct work_struct *work)
{
	struct hv_dm *dm = container_of(work, struct hv_dm, inflate_work);
	struct hvis_dm_balloon_response *resp = (void *)dm->send_buf;
	unsigned long want = READ_ONCE(dm->balloon_pages);
	unsigned long avail = si_mem_available(), floor = hv_dm_floor();
	unsigned long asked = want, given = 0;
	unsigned int order = HV_DM_2M_ORDER;
	u32 count;
	u64 range;
	bool last = false;

	if (avail < floor + want) {
		want = avail > floor ? avail - floor : 0;
		pr_info("balloon request for %lu pages limited to %lu: %s\n",
			asked, want, avail < asked ? "not enough memory" :
			"the floor would be crossed");
	}
	while (!last) {
		memset(resp, 0, sizeof(*resp));
		count = 0;
		while (count < HVIS_DM_MAX_RANGES && given < want) {
			if (want - given < (1ul << order))
				order = 0;
			if (!hv_dm_take(dm, order, &range)) {
				if (!order)
					break;
				order = 0;
				continue;
			}
			resp->ranges[count++] = range;
			given += HVIS_DM_RANGE_COUNT(range);
		}
		last = given == want || count < HVIS_DM_MAX_RANGES;
		resp->more_count = HVIS_DM_BALLOON_RESP_FLAGS(!last, count);
		if (hv_dm_send_retry(dm, resp, HVIS_DM_BALLOON_RESPONSE,
				     sizeof(*resp) + count * sizeof(u64))) {
			pr_err("balloon response not sent, pages kept\n");
			hv_dm_untake(dm, resp);
			return;
		}
		cond_resched();
	}
	pr_debug("ballooned %lu of %lu pages\n", given, asked);
}

/*
 * The host returns pages: every page of every range must be ballooned,
 * checked before any is freed, so a bad request changes nothing.  Runs in
 * the channel callback.
 */
void hv_dm_deflate(struct hv_dm *dm,
		   const struct hvis_dm_unballoon_request *req)
{
	struct hvis_dm_header resp = { 0 };
	u32 i, j, n;
	u64 pfn;

	for (i = 0; i < req->range_count; i++) {
		pfn = HVIS_DM_RANGE_START(req->ranges[i]);
		n = HVIS_DM_RANGE_COUNT(req->ranges[i]);
		for (j = 0; j < n; j++) {
			if (!xa_load(&dm->pages, pfn + j)) {
				pr_err_ratelimited("unballoon of page %#llx that is not ballooned: request refused\n",
						   pfn + j);
				return;
			}
		}
	}
	for (i = 0; i < req->range_count; i++) {
		pfn = HVIS_DM_RANGE_START(req->ranges[i]);
		n = HVIS_DM_RANGE_COUNT(req->ranges[i]);
		for (j = 0; j < n; j++)
			if (!hv_dm_release_page(dm, pfn + j))
				pr_err_ratelimited("page %#llx returned twice in one request\n",
						   pfn + j);
	}
	if (req->flags & HVIS_DM_MORE_PAGES)
		return;
	if (hv_dm_send(dm, &resp, HVIS_DM_UNBALLOON_RESPONSE, sizeof(resp)))
		pr_err_ratelimited("unballoon response not sent\n");
}

/* Device going away: every ballooned page goes back to the kernel. */
void hv_dm_free_all(struct hv_dm *dm)
{
	unsigned long pfn;
	void *entry;

	local_bh_disable();
	xa_for_each(&dm->pages, pfn, entry)
		hv_dm_release_page(dm, pfn);
	local_bh_enable();
}
