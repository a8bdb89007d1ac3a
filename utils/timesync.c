// SPDX-License-Identifier: GPL-2.0-only
/*
 * The time synchronization IC: SYNC steps the guest clock to the host's,
 * and every sample feeds the read-only PTP clock "hyperv".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <asm/mshyperv.h>

#include "hv_utils.h"

static bool timesync_implicit;
module_param(timesync_implicit, bool, 0644);
MODULE_PARM_DESC(timesync_implicit,
		 "If set treat SAMPLE as SYNC when clock is behind");

/* As in-tree: a sample older than this is not used to read or step. */
#define HV_TS_STALE_NS		(600ULL * NSEC_PER_SEC)
/* timesync_implicit steps when the guest is this far behind (6.12). */
#define HV_TS_IMPLICIT_LAG_S	5

static const int hv_ts_versions[] = {
	HVIS_IC_TS_VERSION_4_0,
	HVIS_IC_TS_VERSION_3_0,
	HVIS_IC_TS_VERSION_1_0,
};

/*
 * One timesync device.  The host time @host_ns (UTC ns since 1970) held
 * when the anchor clock read @anchor_ns.  The anchor clock is the
 * partition reference counter where Hyper-V provides one (@read_ref set
 * at init), else CLOCK_MONOTONIC at receipt (hvshm), so
 * reading the host's time now needs no further message.
 *
 * Locking: @lock guards @host_ns, @anchor_ns and @valid.  Samples are
 * stored from the channel tasklet; the PTP clock and @sync_work read them
 * in process context, so the lock is taken with interrupts saved.
 */
struct hv_ts {
	spinlock_t lock;		/* see Locking above */
	u64 host_ns;
	u64 anchor_ns;
	bool valid;
	u64 (*read_ref)(void);
	struct work_struct sync_work;
	struct ptp_clock_info ptp_info;
	struct ptp_clock *ptp;
};

static u64 hv_ts_anchor_now(const struct hv_ts *ts)
{
	/* The reference counter counts 100 ns units since the VM started. */
	if (ts->read_ref)
		return ts->read_ref() * 100;
	return ktime_get_ns();
}

/* The host's time now, from the last sample: 0, -ENODATA or -ESTALE. */
static int hv_ts_host_now(struct hv_ts *ts, struct timespec64 *now)
{
	unsigned long flags;
	u64 age;
	int ret = 0;

	spin_lock_irqsave(&ts->lock, flags);
	if (!ts->valid) {
		spin_unlock_irqrestore(&ts->lock, flags);
		return -ENODATA;
	}
	age = hv_ts_anchor_now(ts) - ts->anchor_ns;
	if ((s64)age < 0)
		age = 0;	/* a host sample stamped ahead of us */
	if (age > HV_TS_STALE_NS) {
		pr_warn_once("timesync: last host sample %llu ns old\n", age);
		ret = -ESTALE;
	}
	*now = ns_to_timespec64(ts->host_ns + age);
	spin_unlock_irqrestore(&ts->lock, flags);
	return ret;
}

static void hv_ts_sync(struct work_struct *work)
{
	struct hv_ts *ts = container_of(work, struct hv_ts, sync_work);
	struct timespec64 host, guest;
	s64 step_ms;

	if (hv_ts_host_now(ts, &host))
		return;
	ktime_get_real_ts64(&guest);
	if (do_settimeofday64(&host))
		return;
	step_ms = div_s64(timespec64_to_ns(&host) - timespec64_to_ns(&guest),
			  NSEC_PER_MSEC);
	if (abs(step_ms) >= MSEC_PER_SEC)
		pr_info("timesync: clock stepped by %lld ms to the host's\n",
			step_ms);
}

/* timesync_implicit: a SAMPLE with the guest well behind acts as SYNC. */
static bool hv_ts_guest_behind(struct hv_ts *ts)
{
	struct timespec64 host, guest;

	if (hv_ts_host_now(ts, &host))
		return false;
	ktime_get_real_ts64(&guest);
	return host.tv_sec >= guest.tv_sec + HV_TS_IMPLICIT_LAG_S;
}

static int hv_ts_request(struct hv_util_dev *udev, u8 *buf, u32 len)
{
	struct icmsg_hdr *hdr = (void *)(buf + sizeof(struct vmbuspipe_hdr));
	const struct hvis_ic_timesync_ref_msg *ref;
	const struct hvis_ic_timesync_msg *old;
	struct hv_ts *ts = udev->priv;
	u64 parent, anchor, now;
	unsigned long flags;
	u8 ts_flags;

	now = hv_ts_anchor_now(ts);
	if (udev->srv_version >= HVIS_IC_TS_VERSION_4_0) {
		ref = (const void *)(buf + HVIS_ICMSG_HDR_SIZE);
		parent = ref->parenttime;
		ts_flags = ref->flags;
		/* Only the reference counter can date the host's reading. */
		anchor = now;
		if (ts->read_ref) {
			if (ref->vmreferencetime > U64_MAX / 100)
				goto bad_time;
			anchor = ref->vmreferencetime * 100;
		}
	} else {
		/* hvis_ic_check() knew only the shorter 4.0 body. */
		if (len < HVIS_ICMSG_HDR_SIZE + sizeof(*old)) {
			pr_err_ratelimited("timesync: %s (%u bytes), dropped\n",
					   hvis_ic_strerror(HVIS_IC_ESHORT),
					   len);
			return -EINVAL;
		}
		old = (const void *)(buf + HVIS_ICMSG_HDR_SIZE);
		parent = old->parenttime;
		ts_flags = old->flags;
		anchor = now;
	}
	if (parent < HVIS_IC_WLTIMEDELTA ||
	    parent - HVIS_IC_WLTIMEDELTA > U64_MAX / 100)
		goto bad_time;

	spin_lock_irqsave(&ts->lock, flags);
	ts->host_ns = (parent - HVIS_IC_WLTIMEDELTA) * 100;
	ts->anchor_ns = anchor;
	ts->valid = true;
	spin_unlock_irqrestore(&ts->lock, flags);

	if ((ts_flags & HVIS_ICTIMESYNCFLAG_SYNC) ||
	    (READ_ONCE(timesync_implicit) && hv_ts_guest_behind(ts)))
		schedule_work(&ts->sync_work);
	hdr->status = HVIS_HV_S_OK;
	return HV_UTIL_REPLY;

bad_time:
	pr_err_ratelimited("timesync: host time %llu out of range\n", parent);
	hdr->status = HVIS_HV_E_FAIL;
	return HV_UTIL_REPLY;
}

static int hv_ts_ptp_gettime(struct ptp_clock_info *info,
			     struct timespec64 *now)
{
	return hv_ts_host_now(container_of(info, struct hv_ts, ptp_info), now);
}

static int hv_ts_ptp_settime(struct ptp_clock_info *info,
			     const struct timespec64 *now)
{
	return -EOPNOTSUPP;
}

static int hv_ts_ptp_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return -EOPNOTSUPP;
}

/* .adjfine exists on both 6.1 (beside .adjfreq) and 6.12: no compat. */
static int hv_ts_ptp_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	return -EOPNOTSUPP;
}

static int hv_ts_ptp_enable(struct ptp_clock_info *info,
			    struct ptp_clock_request *req, int on)
{
	return -EOPNOTSUPP;
}

static const struct ptp_clock_info hv_ts_ptp_template = {
	.owner = THIS_MODULE,
	.name = "hyperv",
	.gettime64 = hv_ts_ptp_gettime,
	.settime64 = hv_ts_ptp_settime,
	.adjtime = hv_ts_ptp_adjtime,
	.adjfine = hv_ts_ptp_adjfine,
	.enable = hv_ts_ptp_enable,
};

static int hv_ts_init(struct hv_util_dev *udev)
{
	struct hv_ts *ts;

	ts = kzalloc(sizeof(*ts), GFP_KERNEL);
	if (!ts)
		return -ENOMEM;
	spin_lock_init(&ts->lock);
	INIT_WORK(&ts->sync_work, hv_ts_sync);
	/*
	 * hv_read_reference_counter is never NULL: it defaults to an MSR
	 * read that returns nothing useful off Hyper-V (hvshm under QEMU).
	 * Trust it only where the partition says the counter exists, the
	 * kernel's own test (hyperv_timer).
	 */
	if (ms_hyperv.features & HV_MSR_TIME_REF_COUNT_AVAILABLE)
		ts->read_ref = READ_ONCE(hv_read_reference_counter);
	ts->ptp_info = hv_ts_ptp_template;
	/* Without PTP (NULL) SYNC still works, as in-tree. */
	ts->ptp = ptp_clock_register(&ts->ptp_info, &udev->hdev->device);
	if (IS_ERR_OR_NULL(ts->ptp)) {
		pr_err("timesync: no PTP clock: %d\n",
		       (int)PTR_ERR_OR_ZERO(ts->ptp));
		ts->ptp = NULL;
	}
	udev->priv = ts;
	return 0;
}

static int hv_ts_pre_suspend(struct hv_util_dev *udev)
{
	struct hv_ts *ts = udev->priv;

	cancel_work_sync(&ts->sync_work);
	return 0;
}

static void hv_ts_deinit(struct hv_util_dev *udev)
{
	struct hv_ts *ts = udev->priv;

	if (ts->ptp)
		ptp_clock_unregister(ts->ptp);
	/* The channel is closed: no sample schedules it again. */
	cancel_work_sync(&ts->sync_work);
	udev->priv = NULL;
	kfree(ts);
}

const struct hv_util_svc hv_util_timesync_svc = {
	.name = "timesync",
	.msg_type = HVIS_ICMSGTYPE_TIMESYNC,
	.versions = hv_ts_versions,
	.nr_versions = ARRAY_SIZE(hv_ts_versions),
	.init = hv_ts_init,
	.deinit = hv_ts_deinit,
	.request = hv_ts_request,
	.pre_suspend = hv_ts_pre_suspend,
};
