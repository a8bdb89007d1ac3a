// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_utils' VSS service: the host's backup requests (freeze, thaw, hot
 * backup) for the VSS daemon on /dev/vmbus/hv_vss, which freezes the file
 * systems with FIFREEZE.  If the daemon dies with file systems frozen, the
 * driver thaws them itself: a guest must never stay frozen.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vss: " fmt

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "hv_utils.h"
#include "transport.h"

#define HV_VSS_TIMEOUT		(30 * HZ)

static_assert(sizeof(struct hv_vss_msg) == sizeof(struct hvis_vss_msg));

static const int hv_vss_versions[] = { HVIS_IC_VSS_VERSION_5_0 };

/*
 * The one VSS device.
 *
 * Locking: @lock guards @registered, @pending, @to_daemon, @op and
 * @frozen.  @pending (the framework's buffer is ours) is answered exactly
 * once, by whoever clears it under @lock first: the daemon's answer, the
 * timeout, the daemon going away, or remove.  @thaw_work runs in process
 * context because thawing sleeps.
 */
struct hv_vss {
	struct hv_util_dev *udev;
	struct hv_util_transport *t;
	spinlock_t lock;		/* see Locking above */
	bool registered;
	bool pending;
	bool to_daemon;
	bool frozen;		/* the daemon acknowledged a FREEZE */
	u8 op;
	struct delayed_work timeout;
	struct work_struct thaw_work;
};

static bool hv_vss_finish(struct hv_vss *vss, u32 status)
{
	bool mine;

	spin_lock_bh(&vss->lock);
	mine = vss->pending;
	vss->pending = false;
	vss->to_daemon = false;
	spin_unlock_bh(&vss->lock);
	if (mine)
		hv_util_reply(vss->udev, vss->udev->recv_len, status);
	return mine;
}

static int hv_vss_request(struct hv_util_dev *udev, u8 *buf, u32 len)
{
	struct hv_vss *vss = udev->priv;
	struct hvis_icmsg_hdr *hdr = (void *)(buf + sizeof(struct hvis_vmbuspipe_hdr));
	struct hvis_vss_msg *m = (void *)(buf + HVIS_ICMSG_HDR_SIZE);
	struct hvis_vss_msg out = { 0 };
	bool registered;
	u8 op = m->vss_hdr.operation;
	int ret;

	switch (op) {
	case HVIS_VSS_OP_FREEZE:
	case HVIS_VSS_OP_THAW:
	case HVIS_VSS_OP_HOT_BACKUP:
		break;
	case HVIS_VSS_OP_GET_DM_INFO:
		if (len < HVIS_ICMSG_HDR_SIZE + sizeof(*m))
			goto short_msg;
		m->dm_info_flags = 0;
		hdr->status = HVIS_HV_S_OK;
		return HV_UTIL_REPLY;
	default:
		pr_err_ratelimited("host request (operation %u) refused: unknown operation\n",
				   op);
		hdr->status = HVIS_HV_E_FAIL;
		return HV_UTIL_REPLY;
	}
	if (op == HVIS_VSS_OP_HOT_BACKUP &&
	    len < HVIS_ICMSG_HDR_SIZE + sizeof(*m))
		goto short_msg;

	spin_lock_bh(&vss->lock);
	registered = vss->registered;
	if (registered) {
		vss->pending = true;
		vss->to_daemon = true;
		vss->op = op;
	}
	spin_unlock_bh(&vss->lock);
	if (!registered) {
		pr_warn_ratelimited("operation %u failed: no VSS daemon\n", op);
		hdr->status = HVIS_HV_E_FAIL;
		return HV_UTIL_REPLY;
	}
	out.vss_hdr.operation = op;
	ret = hv_util_transport_send(vss->t, &out, sizeof(out));
	if (ret) {
		pr_err_ratelimited("request not passed to the daemon: %d\n", ret);
		hv_vss_finish(vss, HVIS_HV_E_FAIL);
		return HV_UTIL_DEFER;	/* answered already */
	}
	mod_delayed_work(system_wq, &vss->timeout, HV_VSS_TIMEOUT);
	return HV_UTIL_DEFER;

short_msg:
	pr_err_ratelimited("host request (operation %u) refused: message too short\n",
			   op);
	hdr->status = HVIS_HV_E_FAIL;
	return HV_UTIL_REPLY;
}

static void hv_vss_timeout(struct work_struct *work)
{
	struct hv_vss *vss = container_of(to_delayed_work(work), struct hv_vss,
					  timeout);

	if (hv_vss_finish(vss, HVIS_HV_E_FAIL))
		pr_warn_ratelimited("no answer from the VSS daemon within 30 s\n");
}

/* The file system types the VSS daemon freezes (block-device ones). */
static const char *const hv_vss_fs_types[] = {
	"ext4", "ext3", "ext2", "xfs", "btrfs", "f2fs", "vfat", "exfat",
	"jfs", "reiserfs", "nilfs2",
};

#define HV_VSS_MAX_THAW	64

struct hv_vss_thaw_list {
	struct super_block *sb[HV_VSS_MAX_THAW];
	unsigned int n;
};

/* Under iterate_supers_type()'s s_umount: only take a reference here. */
static void hv_vss_collect(struct super_block *sb, void *arg)
{
	struct hv_vss_thaw_list *l = arg;

	if (sb->s_writers.frozen != SB_FREEZE_COMPLETE || l->n >= HV_VSS_MAX_THAW)
		return;
	if (atomic_inc_not_zero(&sb->s_active))
		l->sb[l->n++] = sb;
}

/* The daemon died with file systems frozen: thaw every frozen one. */
static void hv_vss_thaw_all(struct work_struct *work)
{
	struct hv_vss_thaw_list *l = kzalloc(sizeof(*l), GFP_KERNEL);
	struct file_system_type *type;
	unsigned int i, thawed = 0;

	if (!l) {
		pr_err("cannot thaw: out of memory\n");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(hv_vss_fs_types); i++) {
		type = get_fs_type(hv_vss_fs_types[i]);
		if (!type)
			continue;
		iterate_supers_type(type, hv_vss_collect, l);
		module_put(type->owner);
	}
	for (i = 0; i < l->n; i++) {
		if (!HVIS_THAW_USER_SUPER(l->sb[i]))
			thawed++;
		deactivate_super(l->sb[i]);
	}
	pr_warn("the VSS daemon went away with file systems frozen: thawed %u\n",
		thawed);
	kfree(l);
}

/*
 * The in-tree ABI: REGISTER1 is answered with our version as a bare u32
 * (not a struct hv_vss_msg); the legacy REGISTER gets no answer.
 */
static int hv_vss_register(struct hv_vss *vss, u8 op)
{
	u32 ver = HVIS_VSS_OP_REGISTER1;
	int ret;

	if (op == HVIS_VSS_OP_REGISTER1) {
		ret = hv_util_transport_send(vss->t, &ver, sizeof(ver));
		if (ret)
			return ret;
	}
	spin_lock_bh(&vss->lock);
	vss->registered = true;
	spin_unlock_bh(&vss->lock);
	pr_info("daemon registered (%s)\n",
		op == HVIS_VSS_OP_REGISTER1 ? "REGISTER1" : "legacy REGISTER");
	return 0;
}

static int hv_vss_on_msg(void *priv, const void *msg, size_t len)
{
	struct hv_vss *vss = priv;
	const struct hvis_vss_msg *d = msg;
	bool registered, waiting;
	u32 status;
	u8 op;

	if (len != sizeof(*d))
		return -EINVAL;
	spin_lock_bh(&vss->lock);
	registered = vss->registered;
	waiting = vss->pending && vss->to_daemon;
	op = vss->op;
	spin_unlock_bh(&vss->lock);
	if (!registered) {
		if (d->vss_hdr.operation == HVIS_VSS_OP_REGISTER1 ||
		    d->vss_hdr.operation == HVIS_VSS_OP_REGISTER)
			return hv_vss_register(vss, d->vss_hdr.operation);
		pr_err_ratelimited("incompatible daemon (first message %u)\n",
				   d->vss_hdr.operation);
		return -EINVAL;
	}
	if (!waiting) {
		pr_err_ratelimited("daemon answer with no request outstanding\n");
		return -EINVAL;
	}
	cancel_delayed_work(&vss->timeout);
	status = (u32)d->error;
	spin_lock_bh(&vss->lock);
	if (status == HVIS_HV_S_OK && op == HVIS_VSS_OP_FREEZE)
		vss->frozen = true;
	else if (op == HVIS_VSS_OP_THAW)
		vss->frozen = false;
	spin_unlock_bh(&vss->lock);
	if (op == HVIS_VSS_OP_HOT_BACKUP)
		((struct hvis_vss_msg *)(vss->udev->recv_buf +
					 HVIS_ICMSG_HDR_SIZE))->vss_cf_flags =
			HVIS_VSS_HBU_NO_AUTO_RECOVERY;
	hv_vss_finish(vss, status);
	return 0;
}

static void hv_vss_on_release(void *priv)
{
	struct hv_vss *vss = priv;
	bool waiting, frozen;

	spin_lock_bh(&vss->lock);
	vss->registered = false;
	waiting = vss->pending && vss->to_daemon;
	frozen = vss->frozen;
	vss->frozen = false;
	spin_unlock_bh(&vss->lock);
	pr_info("daemon went away\n");
	if (frozen)
		schedule_work(&vss->thaw_work);
	if (waiting)
		hv_vss_finish(vss, HVIS_HV_E_FAIL);
}

static const struct hv_util_transport_ops hv_vss_transport_ops = {
	.on_msg = hv_vss_on_msg,
	.on_release = hv_vss_on_release,
};

static int hv_vss_init(struct hv_util_dev *udev)
{
	struct hv_vss *vss = kzalloc(sizeof(*vss), GFP_KERNEL);

	if (!vss)
		return -ENOMEM;
	vss->udev = udev;
	spin_lock_init(&vss->lock);
	INIT_DELAYED_WORK(&vss->timeout, hv_vss_timeout);
	INIT_WORK(&vss->thaw_work, hv_vss_thaw_all);
	vss->t = hv_util_transport_create("vmbus/hv_vss",
					  sizeof(struct hvis_vss_msg),
					  &hv_vss_transport_ops, vss);
	if (IS_ERR(vss->t)) {
		int ret = PTR_ERR(vss->t);

		kfree(vss);
		return ret;
	}
	udev->priv = vss;
	return 0;
}

static void hv_vss_deinit(struct hv_util_dev *udev)
{
	struct hv_vss *vss = udev->priv;

	hv_util_transport_destroy(vss->t);
	cancel_delayed_work_sync(&vss->timeout);
	flush_work(&vss->thaw_work);
	kfree(vss);
	udev->priv = NULL;
}

const struct hv_util_svc hv_util_vss_svc = {
	.name = "vss",
	.msg_type = HVIS_ICMSGTYPE_VSS,
	.versions = hv_vss_versions,
	.nr_versions = ARRAY_SIZE(hv_vss_versions),
	.init = hv_vss_init,
	.deinit = hv_vss_deinit,
	.request = hv_vss_request,
};
