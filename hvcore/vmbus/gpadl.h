/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GPADLs (guest physical address descriptor lists): the page lists a guest
 * lends the host for rings and buffers, assembled from GPADL_HEADER and
 * GPADL_BODY messages and checked page by page against guest RAM.
 */
#ifndef HVCORE_VMBUS_GPADL_H
#define HVCORE_VMBUS_GPADL_H

#include <stdbool.h>
#include <stdint.h>

#include "hvis/types.h"

struct vmbus_server;

/* Caps on what a guest can make hvcore allocate or pin. */
#define GPADL_MAX_BYTES		(64u << 20)	/* one GPADL */
#define GPADL_MAX_GUEST_PAGES	(1u << 18)	/* all GPADLs of a guest: 1 GiB */
#define GPADL_MAX_COUNT		1024		/* complete GPADLs per guest */
#define GPADL_MAX_PENDING	32		/* header seen, bodies missing */
#define GPADL_MAX_RANGES	64

struct gpadl_range {
	uint32_t byte_count;
	uint32_t byte_offset;		/* < 4096 */
	uint32_t first;			/* index of its first PFN in gpadl.pfns */
	uint32_t nr_pfns;
};

/*
 * One GPADL.  Lives on the server's list from its header until torn down,
 * released with its channel, or dropped at unload.  users counts the open
 * rings/VSPs that map it: a teardown waits for them.  Every field is host
 * memory (buf and pfns are copies taken from the messages); the pages pfns
 * name are guest RAM, shared with a guest that may write them at any time,
 * and whoever maps them reads them as racing.
 */
struct gpadl {
	struct gpadl *next;
	uint32_t handle;
	uint32_t relid;			/* the channel it belongs to */
	bool complete;			/* GPADL_CREATED sent */
	bool teardown_pending;		/* guest asked; TORNDOWN when users == 0 */
	uint32_t users;

	/* Assembly: range_buflen bytes of hvis_gpa_range gathered here. */
	uint8_t *buf;
	uint32_t buflen;
	uint32_t filled;
	uint32_t range_count;

	/* Parsed, once complete and valid. */
	struct gpadl_range ranges[GPADL_MAX_RANGES];
	uint32_t nr_ranges;
	uint64_t *pfns;
	uint32_t nr_pfns;
};

/* Channel-message handlers; return an HVIS_STATUS_* hypercall status. */
uint32_t gpadl_handle_header(struct vmbus_server *s, const void *msg,
			     uint32_t len);
uint32_t gpadl_handle_body(struct vmbus_server *s, const void *msg,
			   uint32_t len);
uint32_t gpadl_handle_teardown(struct vmbus_server *s, const void *msg,
			       uint32_t len);

/* A complete GPADL by handle, or NULL. */
struct gpadl *gpadl_find(struct vmbus_server *s, uint32_t handle);
void gpadl_get(struct gpadl *gp);
/* Drop a user; finishes a teardown the guest asked for meanwhile. */
void gpadl_put(struct vmbus_server *s, struct gpadl *gp);

/* Forget every GPADL of channel @relid (the guest released it). */
void gpadl_release_channel(struct vmbus_server *s, uint32_t relid);
/* Forget every GPADL (unload/reset); nothing is sent to the guest. */
void gpadl_release_all(struct vmbus_server *s);

#endif
