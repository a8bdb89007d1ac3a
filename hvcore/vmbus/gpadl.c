// SPDX-License-Identifier: GPL-2.0-only
/* GPADL assembly from GPADL_HEADER/BODY messages, validation, and teardown. */
#include "vmbus/gpadl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpa.h"
#include "log.h"
#include "vmbus/channel.h"
#include "vmbus/vmbus_int.h"

static struct gpadl *gpadl_lookup(struct vmbus_server *s, uint32_t handle)
{
	struct gpadl *gp;

	for (gp = s->gpadls; gp; gp = gp->next)
		if (gp->handle == handle)
			return gp;
	return NULL;
}

struct gpadl *gpadl_find(struct vmbus_server *s, uint32_t handle)
{
	struct gpadl *gp = gpadl_lookup(s, handle);

	return gp && gp->complete ? gp : NULL;
}

static void gpadl_free(struct vmbus_server *s, struct gpadl *gp)
{
	struct gpadl **pp;

	for (pp = &s->gpadls; *pp; pp = &(*pp)->next) {
		if (*pp == gp) {
			*pp = gp->next;
			break;
		}
	}
	if (gp->complete) {
		s->nr_gpadls--;
		s->gpadl_pages -= gp->nr_pfns;
	} else {
		s->nr_pending_gpadls--;
	}
	free(gp->buf);
	free(gp->pfns);
	free(gp);
}

static void gpadl_reply(struct vmbus_server *s, uint32_t relid,
			uint32_t handle, uint32_t status)
{
	struct hvis_chmsg_gpadl_created msg = {
		.header.msgtype = HVIS_CHMSG_GPADL_CREATED,
		.child_relid = relid,
		.gpadl = handle,
		.creation_status = status,
	};

	vmbus_post(s, &msg, sizeof(msg));
}

static void gpadl_fail(struct vmbus_server *s, struct gpadl *gp,
		       const char *why, uint32_t status)
{
	vmbus_guest_err(s, "GPADL %u of relid %u rejected: %s", gp->handle,
			gp->relid, why);
	gpadl_reply(s, gp->relid, gp->handle, status);
	gpadl_free(s, gp);
}

/*
 * First pass over the gathered range buffer: every range header and PFN list
 * must lie inside range_buflen, the PFN count must be exactly what
 * byte_offset + byte_count spans, and the buffer must hold nothing else.
 */
static const char *gpadl_parse_ranges(struct gpadl *gp, uint64_t *nr_pfns)
{
	uint64_t off = 0, total = 0;
	uint32_t i;

	for (i = 0; i < gp->range_count; i++) {
		struct hvis_gpa_range hdr;
		uint64_t pages;

		if (gp->buflen - off < sizeof(hdr))
			return "range header past range_buflen";
		memcpy(&hdr, gp->buf + off, sizeof(hdr));
		if (!hdr.byte_count)
			return "empty range";
		if (hdr.byte_offset >= HVIS_PAGE_SIZE)
			return "range byte_offset not inside its first page";
		pages = ((uint64_t)hdr.byte_offset + hdr.byte_count +
			 HVIS_PAGE_SIZE - 1) >> HVIS_PAGE_SHIFT;
		if (pages > (gp->buflen - off - sizeof(hdr)) / sizeof(uint64_t))
			return "PFN list past range_buflen";
		gp->ranges[i].byte_count = hdr.byte_count;
		gp->ranges[i].byte_offset = hdr.byte_offset;
		gp->ranges[i].first = (uint32_t)total;
		gp->ranges[i].nr_pfns = (uint32_t)pages;
		total += pages;
		off += sizeof(hdr) + pages * sizeof(uint64_t);
		if (total > GPADL_MAX_BYTES / HVIS_PAGE_SIZE)
			return "GPADL larger than 64 MiB";
	}
	if (off != gp->buflen)
		return "range_buflen has bytes after the last range";
	gp->nr_ranges = gp->range_count;
	*nr_pfns = total;
	return NULL;
}

/* All bytes are in: validate, pin the page list, answer GPADL_CREATED. */
static void gpadl_finish(struct vmbus_server *s, struct gpadl *gp)
{
	const char *why;
	uint64_t nr_pfns = 0, off;
	uint32_t i, j, k = 0;
	char buf[96];

	why = gpadl_parse_ranges(gp, &nr_pfns);
	if (why) {
		gpadl_fail(s, gp, why, HVIS_STATUS_INVALID_PARAMETER);
		return;
	}
	if (s->gpadl_pages + nr_pfns > GPADL_MAX_GUEST_PAGES ||
	    s->nr_gpadls >= GPADL_MAX_COUNT) {
		gpadl_fail(s, gp, "guest GPADL quota exhausted",
			   HVIS_STATUS_INSUFFICIENT_MEMORY);
		return;
	}
	gp->pfns = malloc(nr_pfns * sizeof(uint64_t));
	if (!gp->pfns) {
		gpadl_fail(s, gp, "out of memory",
			   HVIS_STATUS_INSUFFICIENT_MEMORY);
		return;
	}
	for (i = 0, off = 0; i < gp->nr_ranges; i++) {
		off += sizeof(struct hvis_gpa_range);
		for (j = 0; j < gp->ranges[i].nr_pfns; j++, k++) {
			memcpy(&gp->pfns[k], gp->buf + off, sizeof(uint64_t));
			off += sizeof(uint64_t);
			if (!gpa_map_pfn(s->mem, gp->pfns[k])) {
				snprintf(buf, sizeof(buf),
					 "PFN %#llx outside guest RAM",
					 (unsigned long long)gp->pfns[k]);
				gpadl_fail(s, gp, buf,
					   HVIS_STATUS_INVALID_PARAMETER);
				return;
			}
		}
	}
	gp->nr_pfns = (uint32_t)nr_pfns;
	free(gp->buf);
	gp->buf = NULL;
	gp->complete = true;
	s->nr_pending_gpadls--;
	s->nr_gpadls++;
	s->gpadl_pages += nr_pfns;
	gpadl_reply(s, gp->relid, gp->handle, 0);
}

uint32_t gpadl_handle_header(struct vmbus_server *s, const void *msg,
			     uint32_t len)
{
	const struct hvis_chmsg_gpadl_header *h = msg;
	uint32_t bytes = len - sizeof(*h);
	uint32_t relid = h->child_relid;
	struct vmbus_chan *ch = NULL;
	const char *why = NULL;
	struct gpadl *gp;

	/*
	 * A GPADL_CREATED for this handle, even a failed one, would be taken
	 * by the guest as news about the GPADL that already has it: fail the
	 * post and answer nothing.
	 */
	if (gpadl_lookup(s, h->gpadl)) {
		vmbus_guest_err(s, "GPADL %u of relid %u rejected: duplicate handle",
				h->gpadl, relid);
		return HVIS_STATUS_INVALID_PARAMETER;
	}
	if (relid && relid <= HVIS_VMBUS_MAX_RELID)
		ch = s->chans[relid];
	if (!ch || ch->state == CHAN_IDLE || ch->state == CHAN_RESCINDED)
		why = "no such channel";
	else if (!h->range_count || h->range_count > GPADL_MAX_RANGES)
		why = "range_count out of bounds";
	else if (h->range_buflen < h->range_count *
		 (sizeof(struct hvis_gpa_range) + sizeof(uint64_t)))
		why = "range_buflen too small for range_count";
	else if (bytes > h->range_buflen)
		why = "message longer than range_buflen";
	else if (bytes % sizeof(uint64_t))
		why = "message not a whole number of PFNs";
	else if (s->nr_pending_gpadls >= GPADL_MAX_PENDING)
		why = "too many GPADLs being assembled";
	if (why) {
		vmbus_guest_err(s, "GPADL %u of relid %u rejected: %s",
				h->gpadl, relid, why);
		gpadl_reply(s, relid, h->gpadl, HVIS_STATUS_INVALID_PARAMETER);
		return HVIS_STATUS_SUCCESS;
	}

	gp = calloc(1, sizeof(*gp));
	/* range_buflen is a u16, so this is at most 64 KiB. */
	if (gp)
		gp->buf = malloc(h->range_buflen);
	if (!gp || !gp->buf) {
		free(gp);
		log_guest("vmbus: GPADL %u: out of memory", h->gpadl);
		gpadl_reply(s, relid, h->gpadl,
			    HVIS_STATUS_INSUFFICIENT_MEMORY);
		return HVIS_STATUS_SUCCESS;
	}
	gp->handle = h->gpadl;
	gp->relid = relid;
	gp->buflen = h->range_buflen;
	gp->range_count = h->range_count;
	memcpy(gp->buf, (const uint8_t *)msg + sizeof(*h), bytes);
	gp->filled = bytes;
	gp->next = s->gpadls;
	s->gpadls = gp;
	s->nr_pending_gpadls++;
	if (gp->filled == gp->buflen)
		gpadl_finish(s, gp);
	return HVIS_STATUS_SUCCESS;
}

uint32_t gpadl_handle_body(struct vmbus_server *s, const void *msg,
			   uint32_t len)
{
	const struct hvis_chmsg_gpadl_body *b = msg;
	uint32_t bytes = len - sizeof(*b);
	struct gpadl *gp = gpadl_lookup(s, b->gpadl);

	if (!gp || gp->complete) {
		vmbus_guest_err(s, "GPADL_BODY for %s GPADL %u",
				gp ? "complete" : "unknown", b->gpadl);
		return HVIS_STATUS_INVALID_PARAMETER;
	}
	if (!bytes || bytes % sizeof(uint64_t) ||
	    bytes > gp->buflen - gp->filled) {
		gpadl_fail(s, gp, "GPADL_BODY overruns range_buflen",
			   HVIS_STATUS_INVALID_PARAMETER);
		return HVIS_STATUS_SUCCESS;
	}
	memcpy(gp->buf + gp->filled, (const uint8_t *)msg + sizeof(*b), bytes);
	gp->filled += bytes;
	if (gp->filled == gp->buflen)
		gpadl_finish(s, gp);
	return HVIS_STATUS_SUCCESS;
}

static void gpadl_torndown(struct vmbus_server *s, struct gpadl *gp)
{
	struct hvis_chmsg_gpadl_torndown msg = {
		.header.msgtype = HVIS_CHMSG_GPADL_TORNDOWN,
		.gpadl = gp->handle,
	};

	gpadl_free(s, gp);
	vmbus_post(s, &msg, sizeof(msg));
}

uint32_t gpadl_handle_teardown(struct vmbus_server *s, const void *msg,
			       uint32_t len)
{
	const struct hvis_chmsg_gpadl_teardown *t = msg;
	struct gpadl *gp = gpadl_lookup(s, t->gpadl);

	(void)len;
	if (!gp || gp->relid != t->child_relid) {
		vmbus_guest_err(s, "GPADL_TEARDOWN of %s GPADL %u (relid %u)",
				gp ? "another channel's" : "unknown", t->gpadl,
				t->child_relid);
		return HVIS_STATUS_INVALID_PARAMETER;
	}
	if (gp->teardown_pending)
		return HVIS_STATUS_SUCCESS;
	/* An open ring still maps it: answer once the channel lets go. */
	if (gp->users) {
		gp->teardown_pending = true;
		return HVIS_STATUS_SUCCESS;
	}
	gpadl_torndown(s, gp);
	return HVIS_STATUS_SUCCESS;
}

void gpadl_get(struct gpadl *gp)
{
	gp->users++;
}

void gpadl_put(struct vmbus_server *s, struct gpadl *gp)
{
	if (--gp->users || !gp->teardown_pending)
		return;
	gpadl_torndown(s, gp);
}

void gpadl_release_channel(struct vmbus_server *s, uint32_t relid)
{
	struct gpadl *gp = s->gpadls, *next;

	for (; gp; gp = next) {
		next = gp->next;
		if (gp->relid == relid)
			gpadl_free(s, gp);
	}
}

void gpadl_release_all(struct vmbus_server *s)
{
	while (s->gpadls)
		gpadl_free(s, s->gpadls);
}

struct gpadl *vmbus_dev_get_buffer(struct vmbus_dev *dev, uint32_t handle,
				   uint32_t *size, const char **why)
{
	struct gpadl *gp = gpadl_find(dev->srv, handle);

	if (!gp)
		*why = "unknown GPADL";
	else if (!dev->chans[0] || gp->relid != dev->chans[0]->relid)
		*why = "GPADL belongs to another channel";
	else if (gp->teardown_pending)
		*why = "GPADL is being torn down";
	else if (gp->nr_ranges != 1 || gp->ranges[0].byte_offset)
		*why = "GPADL is not one range from a page boundary";
	else
		*why = NULL;
	if (*why)
		return NULL;
	gpadl_get(gp);
	*size = gp->ranges[0].byte_count;
	return gp;
}

void vmbus_dev_put_buffer(struct vmbus_dev *dev, struct gpadl *gp)
{
	gpadl_put(dev->srv, gp);
}

/*
 * The host pointer for the bytes of @gp from @off up to the end of their
 * page or @len, whichever is first (*@n of them); NULL if outside.
 */
static uint8_t *gpadl_chunk(const struct vmbus_dev *dev,
			    const struct gpadl *gp, uint64_t off, uint64_t len,
			    uint64_t *n)
{
	uint64_t in_page = off & (HVIS_PAGE_SIZE - 1);
	uint8_t *page = gpa_map_pfn(dev->srv->mem,
				    gp->pfns[off >> HVIS_PAGE_SHIFT]);

	*n = HVIS_PAGE_SIZE - in_page;
	if (*n > len)
		*n = len;
	return page ? page + in_page : NULL;
}

static bool gpadl_span_ok(const struct gpadl *gp, uint64_t off, uint64_t len)
{
	return off <= gp->ranges[0].byte_count &&
	       len <= gp->ranges[0].byte_count - off;
}

int vmbus_buffer_write(const struct vmbus_dev *dev, const struct gpadl *gp,
		       uint64_t off, const void *src, uint64_t len)
{
	const uint8_t *from = src;
	uint64_t n;

	if (!gpadl_span_ok(gp, off, len))
		return -EFAULT;
	for (; len; off += n, from += n, len -= n) {
		uint8_t *to = gpadl_chunk(dev, gp, off, len, &n);

		if (!to)
			return -EFAULT;
		memcpy(to, from, n);
	}
	return 0;
}

int vmbus_buffer_read(const struct vmbus_dev *dev, const struct gpadl *gp,
		      uint64_t off, void *dst, uint64_t len)
{
	uint8_t *to = dst;
	uint64_t n;

	if (!gpadl_span_ok(gp, off, len))
		return -EFAULT;
	for (; len; off += n, to += n, len -= n) {
		const uint8_t *from = gpadl_chunk(dev, gp, off, len, &n);

		if (!from)
			return -EFAULT;
		memcpy(to, from, n);
	}
	return 0;
}
