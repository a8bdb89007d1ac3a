// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_balloon's hot-add: the host offers guest-physical RAM the kernel does
 * not have, and it is added one memory block at a time with add_memory().
 * Onlining is the kernel's hot-plug policy (memhp_default_state=, or a udev
 * rule), as for any hot-plugged memory: the driver only says what it added
 * and what is still offline.  A range that is not whole memory blocks, or
 * that overlaps RAM the kernel already has, is refused as a permanent
 * failure (the host is told 0 pages, success) and nothing is added.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/log2.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>

#include "hv_balloon.h"

#ifdef CONFIG_MEMORY_HOTPLUG

static u64 hv_dm_block_pages(void)
{
	return memory_block_size_bytes() >> PAGE_SHIFT;
}

u64 hv_dm_hot_add_caps(void)
{
	u64 mib = memory_block_size_bytes() >> 20;

	/* The protocol carries log2 of the block size in MiB, 4 bits. */
	if (!is_power_of_2(mib) || ilog2(mib) > 15)
		return 0;
	return HVIS_DM_CAP_HOT_ADD | HVIS_DM_CAP_HOT_ADD_ALIGN(ilog2(mib));
}

/* Why the range cannot be added, or NULL. */
static const char *hv_dm_hot_add_refusal(u64 pfn, u64 count)
{
	u64 block = hv_dm_block_pages();

	if (!count)
		return "empty range";
	if (pfn % block || count % block)
		return "not whole memory blocks";
	if (region_intersects(PFN_PHYS(pfn), PFN_PHYS(count),
			      IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) !=
	    REGION_DISJOINT)
		return "overlaps RAM the kernel already has";
	return NULL;
}

/* Count the pages of [@pfn, @pfn + @count) that are online. */
static u64 hv_dm_online_pages(u64 pfn, u64 count)
{
	u64 i, online = 0, block = hv_dm_block_pages();

	for (i = 0; i < count; i += block)
		if (pfn_to_online_page(pfn + i))
			online += block;
	return online;
}

void hv_dm_hot_add_work(struct work_struct *work)
{
	struct hv_dm *dm = container_of(work, struct hv_dm, hot_add_work);
	struct hvis_dm_hot_add_response resp = {
		.result = HVIS_DM_HOT_ADD_SUCCESS,
	};
	u64 range = READ_ONCE(dm->hot_add_range);
	u64 pfn = HVIS_DM_RANGE_START(range), count = HVIS_DM_RANGE_COUNT(range);
	u64 block = hv_dm_block_pages(), added = 0, addr;
	const char *why = hv_dm_hot_add_refusal(pfn, count);
	int ret = 0;

	if (why) {
		pr_err("hot-add of pages %#llx-%#llx refused: %s\n",
		       pfn, pfn + count - 1, why);
		goto respond;
	}
	while (added < count) {
		addr = PFN_PHYS(pfn + added);
		ret = add_memory(memory_add_physaddr_to_nid(addr), addr,
				 PFN_PHYS(block), MHP_MERGE_RESOURCE);
		if (ret)
			break;
		added += block;
	}
	if (ret) {
		pr_err("hot-add stopped at page %#llx: add_memory() failed (%d)\n",
		       pfn + added, ret);
		/* Out of memory for the memory map may pass; ask again later. */
		if (!added && ret == -ENOMEM)
			resp.result = 0;
	}
	if (added) {
		atomic_long_add(added, &dm->nr_hot_added);
		pr_info("hot-added %llu MiB at %#llx, %llu MiB of it online\n",
			added >> (20 - PAGE_SHIFT), PFN_PHYS(pfn),
			hv_dm_online_pages(pfn, added) >> (20 - PAGE_SHIFT));
	}
respond:
	resp.page_count = added;
	if (hv_dm_send(dm, &resp, HVIS_DM_MEM_HOT_ADD_RESPONSE, sizeof(resp)))
		pr_err("hot-add response not sent\n");
}

#else /* !CONFIG_MEMORY_HOTPLUG */

u64 hv_dm_hot_add_caps(void)
{
	return 0;
}

/* Not offered, so not expected: 0 pages, and success so it is not retried. */
void hv_dm_hot_add_work(struct work_struct *work)
{
	struct hv_dm *dm = container_of(work, struct hv_dm, hot_add_work);
	struct hvis_dm_hot_add_response resp = {
		.result = HVIS_DM_HOT_ADD_SUCCESS,
	};

	pr_err("hot-add request refused: this kernel has no memory hot-plug\n");
	if (hv_dm_send(dm, &resp, HVIS_DM_MEM_HOT_ADD_RESPONSE, sizeof(resp)))
		pr_err("hot-add response not sent\n");
}

#endif /* CONFIG_MEMORY_HOTPLUG */
