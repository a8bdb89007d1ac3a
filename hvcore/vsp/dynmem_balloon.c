// SPDX-License-Identifier: GPL-2.0-only
/* The dynamic memory VSP's balloon, unballoon and hot-add: page bookkeeping and host memory release. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "dynmem_int.h"
#include "gpa.h"
#include "log.h"
#include "vmbus/channel.h"

#define DM_BITS		64u

static bool dm_bit(const struct dm_dev *dm, uint64_t pfn)
{
	return dm->bitmap[pfn / DM_BITS] >> (pfn % DM_BITS) & 1;
}

static void dm_bits_set(struct dm_dev *dm, uint64_t pfn, uint64_t n, bool on)
{
	for (; n; n--, pfn++) {
		if (on)
			dm->bitmap[pfn / DM_BITS] |= 1ull << (pfn % DM_BITS);
		else
			dm->bitmap[pfn / DM_BITS] &= ~(1ull << (pfn % DM_BITS));
	}
}

static bool dm_bits_any(const struct dm_dev *dm, uint64_t pfn, uint64_t n)
{
	for (; n; n--, pfn++)
		if (dm_bit(dm, pfn))
			return true;
	return false;
}

int dm_balloon_init(struct dm_dev *dm, const struct guest_mem *mem)
{
	dm->ram_pages = mem->size / HVIS_PAGE_SIZE;
	dm->bitmap = calloc((dm->ram_pages + DM_BITS - 1) / DM_BITS + 1,
			    sizeof(uint64_t));
	return dm->bitmap ? 0 : -ENOMEM;
}

void dm_balloon_exit(struct dm_dev *dm)
{
	free(dm->bitmap);
	dm->bitmap = NULL;
}

void dm_balloon_forget(struct dm_dev *dm)
{
	memset(dm->bitmap, 0,
	       ((dm->ram_pages + DM_BITS - 1) / DM_BITS) * sizeof(uint64_t));
	dm->ballooned = 0;
	dm->target = 0;
	dm->wait = DM_WAIT_NONE;
	dm->send_pending = false;
	dm->stalled = false;
	dm->unballoon_left = 0;
}

int64_t dm_host_resident(const struct guest_mem *mem)
{
	struct stat st;

	if (mem->fd < 0)
		return -ENOTSUP;
	if (fstat(mem->fd, &st))
		return -errno;
	return (int64_t)st.st_blocks * 512;
}

/*
 * Give the host memory behind guest pages back.  The RAM file is mapped
 * shared by QEMU and hvcore: punching a hole frees the pages for both, and
 * a later guest access faults in a zeroed page.  Without the file (unit
 * tests on anonymous memory) MADV_REMOVE does the same on a shared mapping.
 */
static int dm_punch(const struct guest_mem *mem, uint64_t pfn, uint64_t n)
{
	uint64_t off = pfn * HVIS_PAGE_SIZE, len = n * HVIS_PAGE_SIZE;
	uint8_t *p = gpa_map(mem, off, len);

	if (!p)
		return -EFAULT;
	if (mem->fd >= 0) {
		if (fallocate(mem->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)off, (off_t)len))
			return -errno;
		return 0;
	}
	return madvise(p, len, MADV_REMOVE) ? -errno : 0;
}

/* One range the guest gave: 0 if taken, else why not (logged by the caller). */
static const char *dm_take_range(struct dm_dev *dm, const struct guest_mem *mem,
				 uint64_t range)
{
	uint64_t pfn = HVIS_DM_RANGE_START(range);
	uint32_t n = HVIS_DM_RANGE_COUNT(range);
	int r;

	if (!n)
		return "empty range";
	if (pfn + n > dm_visible_pages(dm) ||
	    !gpa_map(mem, pfn * HVIS_PAGE_SIZE, (uint64_t)n * HVIS_PAGE_SIZE))
		return "range outside guest RAM";
	if (dm_bits_any(dm, pfn, n))
		return "range overlaps pages already ballooned";
	dm_bits_set(dm, pfn, n, true);
	dm->ballooned += n;
	dm->round_got += n;
	r = dm_punch(mem, pfn, n);
	if (r) {
		/* Counted anyway: the guest no longer uses the pages. */
		dm->punch_errors++;
		log_msg("dynmem: cannot release pages %#llx+%u: %s",
			(unsigned long long)pfn, n, strerror(-r));
	}
	return NULL;
}

void dm_balloon_response(struct dm_dev *dm, const struct guest_mem *mem,
			 const struct hvis_dm_balloon_response *msg)
{
	uint32_t i, count = HVIS_DM_BALLOON_RESP_COUNT(msg->more_count);
	uint32_t relid = vmbus_dev_relid(dm->dev);
	const char *why;

	if (dm->wait != DM_WAIT_BALLOON) {
		dm->refused_ranges += count;
		log_guest("dynmem: relid %u: balloon response without a request: %u ranges refused",
			  relid, count);
		return;
	}
	for (i = 0; i < count; i++) {
		why = dm_take_range(dm, mem, msg->ranges[i]);
		if (!why)
			continue;
		dm->refused_ranges++;
		log_guest("dynmem: relid %u: refused ballooned range %#llx+%u: %s",
			  relid,
			  (unsigned long long)HVIS_DM_RANGE_START(msg->ranges[i]),
			  HVIS_DM_RANGE_COUNT(msg->ranges[i]), why);
	}
	if (msg->more_count & HVIS_DM_MORE_PAGES)
		return;
	dm->wait = DM_WAIT_NONE;
	log_msg("dynmem: relid %u: guest ballooned %u of %u pages, %llu in all",
		relid, dm->round_got, dm->round_asked,
		(unsigned long long)dm->ballooned);
	if (dm->round_got < dm->round_asked) {
		/* Its floor or its free memory: asking again would spin. */
		log_guest("dynmem: relid %u: guest could give only %u of %u pages; target not reached",
			  relid, dm->round_got, dm->round_asked);
		dm->stalled = true;
		return;
	}
	dm_balloon_pump(dm, mem);
}

/*
 * Send UNBALLOON_REQUESTs for the next @dm->unballoon_left ballooned pages,
 * lowest first.  Bits are cleared only once their message is in the ring,
 * so a full ring leaves nothing half done.
 */
static void dm_unballoon_send(struct dm_dev *dm)
{
	static uint64_t buf[HVIS_DM_MAX_MSG_SIZE / 8];
	struct hvis_dm_unballoon_request *req = (void *)buf;
	uint64_t pfn = 0, start, n, in_msg;
	uint32_t count;
	int r;

	while (dm->unballoon_left) {
		count = 0;
		in_msg = 0;
		while (count < HVIS_DM_MAX_RANGES &&
		       in_msg < dm->unballoon_left && pfn < dm->ram_pages) {
			if (!dm_bit(dm, pfn)) {
				pfn++;
				continue;
			}
			start = pfn;
			n = 0;
			while (pfn < dm->ram_pages && dm_bit(dm, pfn) &&
			       n < HVIS_DM_RANGE_MAX_PAGES &&
			       in_msg + n < dm->unballoon_left) {
				pfn++;
				n++;
			}
			req->ranges[count++] = HVIS_DM_RANGE(start, n);
			in_msg += n;
		}
		if (!count)
			break;		/* fewer ballooned than asked: cannot be */
		req->range_count = count;
		req->flags = in_msg < dm->unballoon_left ? HVIS_DM_MORE_PAGES : 0;
		r = dm_send(dm, req, HVIS_DM_UNBALLOON_REQUEST,
			    (uint16_t)(sizeof(*req) + count * sizeof(uint64_t)));
		if (r == -EAGAIN) {
			dm->send_pending = true;
			return;
		}
		if (r) {
			log_msg("dynmem: unballoon request not sent: %s", strerror(-r));
			dm->wait = DM_WAIT_NONE;
			dm->unballoon_left = 0;
			return;
		}
		while (count--) {
			start = HVIS_DM_RANGE_START(req->ranges[count]);
			n = HVIS_DM_RANGE_COUNT(req->ranges[count]);
			dm_bits_set(dm, start, n, false);
		}
		dm->ballooned -= in_msg;
		dm->unballoon_left -= in_msg;
		pfn = 0;
	}
	dm->unballoon_left = 0;
}

void dm_unballoon_response(struct dm_dev *dm, const struct guest_mem *mem)
{
	if (dm->wait != DM_WAIT_UNBALLOON || dm->unballoon_left) {
		log_guest("dynmem: relid %u: unballoon response without a request",
			  vmbus_dev_relid(dm->dev));
		return;
	}
	dm->wait = DM_WAIT_NONE;
	log_msg("dynmem: relid %u: guest took its pages back, %llu still ballooned",
		vmbus_dev_relid(dm->dev), (unsigned long long)dm->ballooned);
	dm_balloon_pump(dm, mem);
}

static void dm_balloon_send(struct dm_dev *dm, uint64_t pages)
{
	struct hvis_dm_balloon req = { .num_pages = (uint32_t)pages };
	int r;

	r = dm_send(dm, &req, HVIS_DM_BALLOON_REQUEST, sizeof(req));
	if (r == -EAGAIN) {
		dm->send_pending = true;
		return;
	}
	if (r) {
		log_msg("dynmem: balloon request not sent: %s", strerror(-r));
		return;
	}
	dm->wait = DM_WAIT_BALLOON;
	dm->round_asked = req.num_pages;
	dm->round_got = 0;
}

void dm_balloon_pump(struct dm_dev *dm, const struct guest_mem *mem)
{
	uint64_t keep;

	(void)mem;
	dm->send_pending = false;
	if (!dm->caps_ok || !(dm->caps & HVIS_DM_CAP_BALLOON))
		return;
	if (dm->wait == DM_WAIT_UNBALLOON && dm->unballoon_left) {
		dm_unballoon_send(dm);
		return;
	}
	if (dm->wait != DM_WAIT_NONE || !dm->target || dm->stalled)
		return;
	keep = dm_visible_pages(dm) - dm->ballooned;
	if (keep > dm->target) {
		keep -= dm->target;
		dm_balloon_send(dm, keep > UINT32_MAX ? UINT32_MAX : keep);
	} else if (keep < dm->target && dm->ballooned) {
		keep = dm->target - keep;
		dm->unballoon_left = keep < dm->ballooned ? keep : dm->ballooned;
		dm->wait = DM_WAIT_UNBALLOON;
		dm_unballoon_send(dm);
	}
}

/*
 * Send a hot-add request for [@start, @start + @pages), which must end at
 * or below @limit, once the checks pass.
 */
static int dm_hot_add_send(struct dm_dev *dm, uint64_t start, uint64_t pages,
			   uint64_t limit, const char **why)
{
	struct hvis_dm_hot_add req = { 0 };
	uint64_t align;
	int r;

	if (!dm->caps_ok || !(dm->caps & HVIS_DM_CAP_HOT_ADD)) {
		*why = "the guest cannot hot-add";
		return -EOPNOTSUPP;
	}
	if (dm->wait != DM_WAIT_NONE) {
		*why = "a balloon or hot-add operation is in progress";
		return -EBUSY;
	}
	align = HVIS_DM_MIB_PAGES(1ull << HVIS_DM_CAP_HOT_ADD_ALIGN_LOG2(dm->caps));
	if (!pages || pages % align || pages > HVIS_DM_RANGE_MAX_PAGES) {
		*why = "size must be a non-zero multiple of the guest's alignment";
		return -EINVAL;
	}
	if (start + pages > limit) {
		*why = "not that much hidden RAM left";
		return -ENOSPC;
	}
	req.range = HVIS_DM_RANGE(start, pages);
	r = dm_send(dm, &req, HVIS_DM_MEM_HOT_ADD_REQUEST, HVIS_DM_HOT_ADD_SIZE);
	if (r) {
		*why = r == -EAGAIN ? "ring full, try again" : "channel not open";
		return r;
	}
	dm->wait = DM_WAIT_HOT_ADD;
	dm->ha_asked = (uint32_t)pages;
	return 0;
}

int dm_hot_add(struct dm_dev *dm, const struct guest_mem *mem,
	       uint64_t pages, const char **why)
{
	uint64_t start = dm->ha_base_pfn + dm->ha_added;
	int r;

	(void)mem;
	if (!dm->ha_base_pfn) {
		*why = "no hidden RAM: add the device with hot-add-base=<MiB> and boot the guest with mem=<MiB>M";
		return -EINVAL;
	}
	r = dm_hot_add_send(dm, start, pages, dm->ha_end_pfn, why);
	if (r)
		return r;
	dm->ha_bad = false;
	dm->ha_offered = start + pages - dm->ha_base_pfn;
	return 0;
}

/*
 * The guest's second memory block (the first holds the low megabyte and
 * firmware's holes) is RAM the guest kernel has, in any guest of more
 * than two blocks.
 */
int dm_hot_add_overlap(struct dm_dev *dm, uint64_t pages, const char **why)
{
	uint64_t align = HVIS_DM_MIB_PAGES(1ull << HVIS_DM_CAP_HOT_ADD_ALIGN_LOG2(dm->caps));
	int r;

	if (2 * align > dm_visible_pages(dm)) {
		*why = "the guest has no RAM block to overlap";
		return -EINVAL;
	}
	r = dm_hot_add_send(dm, align, pages, dm_visible_pages(dm), why);
	if (r)
		return r;
	dm->ha_bad = true;
	return 0;
}

void dm_hot_add_response(struct dm_dev *dm,
			 const struct hvis_dm_hot_add_response *msg)
{
	uint32_t relid = vmbus_dev_relid(dm->dev);
	uint32_t got = msg->page_count;

	if (dm->wait != DM_WAIT_HOT_ADD) {
		log_guest("dynmem: relid %u: hot-add response without a request",
			  relid);
		return;
	}
	dm->wait = DM_WAIT_NONE;
	if (dm->ha_bad) {
		if (got)
			log_guest("dynmem: relid %u: guest hot-added %u pages of a range overlapping its RAM",
				  relid, got);
		else
			log_msg("dynmem: relid %u: guest refused the overlapping hot-add range (result %u)",
				relid, msg->result);
		return;
	}
	if (got > dm->ha_asked) {
		log_guest("dynmem: relid %u: guest claims %u pages hot-added of %u offered",
			  relid, got, dm->ha_asked);
		got = dm->ha_asked;
	}
	dm->ha_added += got;
	dm->ha_offered = dm->ha_added;
	log_msg("dynmem: relid %u: guest hot-added %u of %u pages (result %u)",
		relid, got, dm->ha_asked, msg->result);
}
