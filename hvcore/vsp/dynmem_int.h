/* SPDX-License-Identifier: GPL-2.0-only */
/* The dynamic memory VSP's private state, shared by its protocol, balloon and ctl files. */
#ifndef HVCORE_VSP_DYNMEM_INT_H
#define HVCORE_VSP_DYNMEM_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hvis/dynmem.h"

struct guest_mem;
struct vmbus_chan;
struct vmbus_dev;

/* What the host is waiting for the guest to answer. */
enum dm_wait {
	DM_WAIT_NONE,
	DM_WAIT_BALLOON,	/* BALLOON_RESPONSEs until one without MORE_PAGES */
	DM_WAIT_UNBALLOON,	/* UNBALLOON_RESPONSE */
	DM_WAIT_HOT_ADD,	/* MEM_HOT_ADD_RESPONSE */
};

/*
 * One DM device.  Locking: none; every field is touched only on the event
 * loop thread (packet(), writable(), ctl() and the lifecycle hooks).
 */
struct dm_dev {
	struct vmbus_dev *dev;
	uint32_t max_version;		/* highest version hvcore accepts */
	uint32_t version;		/* negotiated; 0 before VERSION_RESPONSE */
	bool caps_ok;			/* CAPABILITIES_RESPONSE accepted */
	uint64_t caps;			/* the guest's HVIS_DM_CAP_* */
	uint32_t trans_id;		/* hvcore's DM header counter */

	/* Status reports: the latest and how often they arrive. */
	struct hvis_dm_status status;
	uint64_t status_count;
	uint64_t status_last_ns;	/* CLOCK_MONOTONIC, 0: none yet */
	uint64_t status_max_gap_ns;	/* longest gap between two reports */
	uint64_t status_window_gap_ns;	/* the same since the last ctl memory */

	/* Ballooned pages: one bit per 4 KiB page of the RAM file. */
	uint64_t *bitmap;
	uint64_t ram_pages;		/* the RAM file's pages */
	uint64_t ballooned;		/* bits set in @bitmap */
	uint64_t target;		/* pages the guest should keep; 0: none */
	enum dm_wait wait;
	bool send_pending;		/* a request -EAGAIN refused: resend */
	uint32_t round_asked;		/* pages the outstanding BALLOON_REQUEST asked */
	uint32_t round_got;		/* pages accepted from it so far */
	bool stalled;			/* the guest gave less than asked: stop */
	uint64_t unballoon_left;	/* pages still to send in this unballoon */
	uint64_t refused_ranges;	/* guest ranges refused: out of RAM, dup */
	uint64_t punch_errors;

	/* Hot-add: RAM from @ha_base_pfn up is hidden from the guest kernel. */
	uint64_t ha_base_pfn;		/* 0: hot-add off */
	uint64_t ha_end_pfn;		/* hot-add stops below it */
	uint64_t ha_added;		/* pages the guest reported added */
	uint64_t ha_offered;		/* pages offered, from @ha_base_pfn up */
	uint32_t ha_asked;		/* pages the outstanding request asked */
	bool ha_bad;			/* it was a bad range (inject): add nothing */
};

/* dynmem.c */
struct dm_dev *dm_from_dev(const struct vmbus_dev *dev);
/* Send one DM message on the primary channel; 0 or -errno (-EAGAIN: full). */
int dm_send(struct dm_dev *dm, void *msg, uint16_t type, uint16_t size);
/* Pages the guest kernel knows: RAM below the hidden part plus hot-added. */
uint64_t dm_visible_pages(const struct dm_dev *dm);

/* dynmem_balloon.c */
int dm_balloon_init(struct dm_dev *dm, const struct guest_mem *mem);
void dm_balloon_exit(struct dm_dev *dm);
/* Forget every ballooned page (the guest went away). */
void dm_balloon_forget(struct dm_dev *dm);
/* Send whatever moves the guest toward the target; outside packet(): flush. */
void dm_balloon_pump(struct dm_dev *dm, const struct guest_mem *mem);
void dm_balloon_response(struct dm_dev *dm, const struct guest_mem *mem,
			 const struct hvis_dm_balloon_response *msg);
void dm_unballoon_response(struct dm_dev *dm, const struct guest_mem *mem);
/* Bytes of the RAM file backed by host memory, or -errno. */
int64_t dm_host_resident(const struct guest_mem *mem);
/* Offer @pages from the hidden RAM; 0 or -errno with @why set. */
int dm_hot_add(struct dm_dev *dm, const struct guest_mem *mem,
	       uint64_t pages, const char **why);
/* Offer @pages of RAM the guest already has: it must refuse them. */
int dm_hot_add_overlap(struct dm_dev *dm, uint64_t pages, const char **why);
void dm_hot_add_response(struct dm_dev *dm,
			 const struct hvis_dm_hot_add_response *msg);

/* dynmem_ctl.c */
int dm_ctl(struct vmbus_dev *dev, int argc, char **argv, FILE *out);

#endif /* HVCORE_VSP_DYNMEM_INT_H */
