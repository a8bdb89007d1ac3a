/* SPDX-License-Identifier: GPL-2.0-only */
/* hv_balloon's shared state: the DM protocol half (dm.c) and the balloon half (balloon.c). */
#ifndef HVIS_BALLOON_HV_BALLOON_H
#define HVIS_BALLOON_HV_BALLOON_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/hyperv.h>
#include <linux/kthread.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <hvis/dynmem.h>

/*
 * The one DM device (the host offers at most one).
 *
 * Locking: @recv_buf is used only by the channel callback (one tasklet).
 * @version, @resp_accepted and @resp_type are written by the callback
 * before complete(&@host_event) and read by probe after waiting on it.
 * @balloon_pages is read by inflate_work and written only by the callback
 * (WRITE_ONCE/READ_ONCE; the work runs after schedule_work(), which orders
 * them).  @pages (XA_FLAGS_LOCK_BH: stored from the work, erased from the
 * callback) maps every ballooned pfn to a value entry; @nr_ballooned
 * counts them.  @send_buf belongs to inflate_work, which never runs twice
 * at once.  @hot_add_range follows the @balloon_pages rule, for
 * hot_add_work; @nr_hot_added counts the pages it added (they stay when
 * the driver goes).
 */
struct hv_dm {
	struct hv_device *hdev;
	u32 version;
	struct completion host_event;
	u16 resp_type;
	bool resp_accepted;
	atomic_t trans_id;
	u8 recv_buf[2 * HVIS_DM_MAX_MSG_SIZE];	/* max_pkt_size */
	u8 send_buf[HVIS_DM_MAX_MSG_SIZE];

	struct xarray pages;
	atomic_long_t nr_ballooned;
	u32 balloon_pages;
	struct work_struct inflate_work;

	u64 hot_add_range;
	atomic_long_t nr_hot_added;
	struct work_struct hot_add_work;

	struct task_struct *status_thread;
};

/* dm.c */
int hv_dm_send(struct hv_dm *dm, void *msg, u16 type, u32 size);

/* balloon.c */
void hv_dm_inflate_work(struct work_struct *work);
void hv_dm_deflate(struct hv_dm *dm,
		   const struct hvis_dm_unballoon_request *req);
void hv_dm_free_all(struct hv_dm *dm);
unsigned long hv_dm_floor(void);

/* hot_add.c */
u64 hv_dm_hot_add_caps(void);
void hv_dm_hot_add_work(struct work_struct *work);

#endif /* HVIS_BALLOON_HV_BALLOON_H */
