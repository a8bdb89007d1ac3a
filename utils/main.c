// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_utils' IC framework: the VMBus driver that binds the five integration
 * components, negotiates their versions and runs the request loop the
 * services (shutdown.c, timesync.c, heartbeat.c, kvp.c, vss.c) plug into.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stddef.h>

#include "compat.h"
#include "hv_utils.h"

/*
 * hvis's wire structures and the kernel's own copies must agree: the oracle
 * (the in-tree hv_utils) and Debian's daemons use the kernel's.
 */
static_assert(sizeof(struct vmbuspipe_hdr) ==
	      sizeof(struct hvis_vmbuspipe_hdr));
static_assert(sizeof(struct icmsg_hdr) == sizeof(struct hvis_icmsg_hdr));
static_assert(offsetof(struct icmsg_hdr, icmsgsize) ==
	      offsetof(struct hvis_icmsg_hdr, icmsgsize));
static_assert(offsetof(struct icmsg_hdr, status) ==
	      offsetof(struct hvis_icmsg_hdr, status));
static_assert(offsetof(struct icmsg_hdr, icflags) ==
	      offsetof(struct hvis_icmsg_hdr, icflags));
static_assert(ICMSG_HDR == HVIS_ICMSG_HDR_SIZE);
static_assert(sizeof(struct icmsg_negotiate) ==
	      sizeof(struct hvis_icmsg_negotiate));
static_assert(sizeof(struct shutdown_msg_data) ==
	      sizeof(struct hvis_ic_shutdown_msg));
static_assert(sizeof(struct heartbeat_msg_data) ==
	      sizeof(struct hvis_ic_heartbeat_msg));
static_assert(sizeof(struct ictimesync_data) ==
	      sizeof(struct hvis_ic_timesync_msg));
static_assert(sizeof(struct ictimesync_ref_data) ==
	      sizeof(struct hvis_ic_timesync_ref_msg));

/* As in-tree: IC traffic is small, three pages of ring each way. */
#define HV_UTIL_RING_SIZE	VMBUS_RING_SIZE(3 * HV_HYP_PAGE_SIZE)

static const int hv_util_fw_versions[] = {
	HVIS_IC_FW_VERSION_3_0,
	HVIS_IC_FW_VERSION_1_0,
};

/*
 * The framework's own view of a bound device around what the services see.
 *
 * Locking: @open is written under @udev.lock by probe/remove/suspend/resume
 * (process context) and read under it by hv_util_reply(), which holds the
 * lock across its send so that the channel cannot close under it.  The lock
 * is taken with interrupts saved: replies come from any context.
 */
struct hv_util_ctx {
	struct hv_util_dev udev;
	bool open;
};

static struct hv_util_ctx *hv_util_ctx_of(struct hv_util_dev *udev)
{
	return container_of(udev, struct hv_util_ctx, udev);
}

static struct icmsg_hdr *hv_util_hdr(u8 *buf)
{
	return (struct icmsg_hdr *)(buf + sizeof(struct vmbuspipe_hdr));
}

static int hv_util_send(struct hv_util_dev *udev, struct vmbus_channel *chan,
			u32 len, u64 req_id)
{
	struct icmsg_hdr *hdr = hv_util_hdr(udev->recv_buf);
	int ret;

	hdr->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	ret = vmbus_sendpacket(chan, udev->recv_buf, len, req_id,
			       VM_PKT_DATA_INBAND, 0);
	if (ret)
		pr_err_ratelimited("%s: response not sent: %d\n",
				   udev->svc->name, ret);
	return ret;
}

/* NEGOTIATE: framework 3.0/1.0, then the service's list, newest first. */
static void hv_util_negotiate(struct hv_util_dev *udev, u32 len)
{
	const struct hv_util_svc *svc = udev->svc;
	struct icmsg_hdr *hdr = hv_util_hdr(udev->recv_buf);
	int fw = 0, srv = 0;

	if (!vmbus_prep_negotiate_resp(hdr, udev->recv_buf, len,
				       hv_util_fw_versions,
				       ARRAY_SIZE(hv_util_fw_versions),
				       svc->versions, svc->nr_versions,
				       &fw, &srv)) {
		udev->srv_version = 0;
		pr_err_ratelimited("%s: no IC version in common with the host\n",
				   svc->name);
	} else {
		udev->fw_version = fw;
		udev->srv_version = srv;
		pr_info("%s: IC version %u.%u\n", svc->name,
			HVIS_IC_VERSION_MAJOR(srv), HVIS_IC_VERSION_MINOR(srv));
	}
	hdr->status = HVIS_HV_S_OK;
}

/*
 * The channel callback, run from the channel's tasklet (the channel reads
 * in HV_CALL_DIRECT mode, so never twice at once).  It drains the ring one
 * request at a time and stops while a service holds a deferred request;
 * hv_util_reply() schedules it again.
 */
static void hv_util_on_channel(void *context)
{
	struct hv_util_dev *udev = context;
	const struct hv_util_svc *svc = udev->svc;
	struct vmbus_channel *chan = udev->hdev->channel;
	unsigned long flags;
	u32 len;
	u64 req_id;
	int type, ret;

	for (;;) {
		spin_lock_irqsave(&udev->lock, flags);
		if (udev->deferred) {
			spin_unlock_irqrestore(&udev->lock, flags);
			return;
		}
		spin_unlock_irqrestore(&udev->lock, flags);

		ret = vmbus_recvpacket(chan, udev->recv_buf,
				       HVIS_IC_MAX_PKT_SIZE, &len, &req_id);
		if (ret) {
			/* Left in the ring: it cannot fit a 3-page ring anyway. */
			pr_err_ratelimited("%s: packet not read: %d\n",
					   svc->name, ret);
			return;
		}
		if (!len)
			return;

		type = hvis_ic_check(udev->recv_buf, len, svc->msg_type);
		if (type < 0) {
			pr_err_ratelimited("%s: %s (%u bytes), dropped\n",
					   svc->name, hvis_ic_strerror(type), len);
			continue;
		}
		if (type == HVIS_ICMSGTYPE_NEGOTIATE) {
			hv_util_negotiate(udev, len);
			hv_util_send(udev, chan, len, req_id);
			continue;
		}
		if (!udev->srv_version) {
			pr_err_ratelimited("%s: request before a version was negotiated, dropped\n",
					   svc->name);
			continue;
		}

		udev->recv_len = len;
		udev->req_id = req_id;
		/*
		 * Deferred before the call: a service may hand the request to
		 * another CPU that replies before request() returns.
		 */
		spin_lock_irqsave(&udev->lock, flags);
		udev->deferred = true;
		spin_unlock_irqrestore(&udev->lock, flags);

		ret = svc->request(udev, udev->recv_buf, len);
		if (ret == HV_UTIL_DEFER)
			continue;	/* the loop head sees who owns recv_buf */

		spin_lock_irqsave(&udev->lock, flags);
		udev->deferred = false;
		spin_unlock_irqrestore(&udev->lock, flags);
		/* A negative result: the service logged why; answer nothing. */
		if (ret == HV_UTIL_REPLY)
			hv_util_send(udev, chan, len, req_id);
	}
}

int hv_util_reply(struct hv_util_dev *udev, u32 len, u32 status)
{
	struct hv_util_ctx *ctx = hv_util_ctx_of(udev);
	struct vmbus_channel *chan = udev->hdev->channel;
	unsigned long flags;
	bool open;
	int ret;

	if (WARN_ON_ONCE(len < HVIS_ICMSG_HDR_SIZE ||
			 len > HVIS_IC_MAX_PKT_SIZE))
		len = udev->recv_len;

	spin_lock_irqsave(&udev->lock, flags);
	if (WARN_ON_ONCE(!udev->deferred)) {
		spin_unlock_irqrestore(&udev->lock, flags);
		return -EINVAL;
	}
	open = ctx->open;
	if (open) {
		hv_util_hdr(udev->recv_buf)->status = status;
		ret = hv_util_send(udev, chan, len, udev->req_id);
	} else {
		ret = -ENODEV;
	}
	udev->deferred = false;
	spin_unlock_irqrestore(&udev->lock, flags);

	/* Requests that queued up meanwhile: the host may not signal again. */
	if (open)
		tasklet_schedule(&chan->callback_event);
	return ret;
}

static int hv_util_open(struct hv_util_ctx *ctx)
{
	struct vmbus_channel *chan = ctx->udev.hdev->channel;
	unsigned long flags;
	int ret;

	/* KVP and VSS messages are longer than the default 4 KiB. */
	chan->max_pkt_size = HVIS_IC_MAX_PKT_SIZE;
	/* One request at a time, from the tasklet: no batched reading. */
	set_channel_read_mode(chan, HV_CALL_DIRECT);
	ctx->udev.srv_version = 0;
	ctx->udev.deferred = false;
	ret = vmbus_open(chan, HV_UTIL_RING_SIZE, HV_UTIL_RING_SIZE, NULL, 0,
			 hv_util_on_channel, &ctx->udev);
	if (ret)
		return ret;
	spin_lock_irqsave(&ctx->udev.lock, flags);
	ctx->open = true;
	spin_unlock_irqrestore(&ctx->udev.lock, flags);
	return 0;
}

static void hv_util_close(struct hv_util_ctx *ctx)
{
	unsigned long flags;

	/* No reply may start after this; one in flight finishes first. */
	spin_lock_irqsave(&ctx->udev.lock, flags);
	ctx->open = false;
	spin_unlock_irqrestore(&ctx->udev.lock, flags);
	vmbus_close(ctx->udev.hdev->channel);
}

static int hv_util_probe(struct hv_device *hdev,
			 const struct hv_vmbus_device_id *id)
{
	const struct hv_util_svc *svc = (const void *)id->driver_data;
	struct hv_util_ctx *ctx;
	struct hv_util_dev *udev;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	udev = &ctx->udev;
	udev->hdev = hdev;
	udev->channel = hdev->channel;
	udev->svc = svc;
	spin_lock_init(&udev->lock);
	udev->recv_buf = kzalloc(HVIS_IC_MAX_PKT_SIZE, GFP_KERNEL);
	if (!udev->recv_buf) {
		ret = -ENOMEM;
		goto err_free_ctx;
	}
	hv_set_drvdata(hdev, udev);

	if (svc->init) {
		ret = svc->init(udev);
		if (ret)
			goto err_free_buf;
	}
	ret = hv_util_open(ctx);
	if (ret)
		goto err_deinit;
	return 0;

err_deinit:
	if (svc->deinit)
		svc->deinit(udev);
err_free_buf:
	hv_set_drvdata(hdev, NULL);
	kfree(udev->recv_buf);
err_free_ctx:
	kfree(ctx);
	return ret;
}

static HVIS_HV_REMOVE_TYPE hv_util_remove(struct hv_device *hdev)
{
	struct hv_util_dev *udev = hv_get_drvdata(hdev);
	struct hv_util_ctx *ctx = hv_util_ctx_of(udev);

	hv_util_close(ctx);
	/* Services cancel their work here; a late hv_util_reply() fails. */
	if (udev->svc->deinit)
		udev->svc->deinit(udev);
	hv_set_drvdata(hdev, NULL);
	kfree(udev->recv_buf);
	kfree(ctx);
	return HVIS_HV_REMOVE_RET;
}

/*
 * Hibernation hooks as in-tree.  hvis's hv_vmbus has no PM support yet (its
 * bus reads "hibernation" 0), so nothing calls these today.
 */
static int hv_util_suspend(struct hv_device *hdev)
{
	struct hv_util_dev *udev = hv_get_drvdata(hdev);
	int ret;

	if (udev->svc->pre_suspend) {
		ret = udev->svc->pre_suspend(udev);
		if (ret)
			return ret;
	}
	hv_util_close(hv_util_ctx_of(udev));
	return 0;
}

static int hv_util_resume(struct hv_device *hdev)
{
	struct hv_util_dev *udev = hv_get_drvdata(hdev);
	int ret;

	if (udev->svc->pre_resume) {
		ret = udev->svc->pre_resume(udev);
		if (ret)
			return ret;
	}
	return hv_util_open(hv_util_ctx_of(udev));
}

static const struct hv_vmbus_device_id hv_util_id_table[] = {
	{ .guid = HVIS_IC_SHUTDOWN_GUID,
	  .driver_data = (kernel_ulong_t)&hv_util_shutdown_svc },
	{ .guid = HVIS_IC_TIMESYNC_GUID,
	  .driver_data = (kernel_ulong_t)&hv_util_timesync_svc },
	{ .guid = HVIS_IC_HEARTBEAT_GUID,
	  .driver_data = (kernel_ulong_t)&hv_util_heartbeat_svc },
	{ .guid = HVIS_IC_KVP_GUID,
	  .driver_data = (kernel_ulong_t)&hv_util_kvp_svc },
	{ .guid = HVIS_IC_VSS_GUID,
	  .driver_data = (kernel_ulong_t)&hv_util_vss_svc },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hv_util_id_table);

static struct hv_driver hv_util_drv = {
	.name = "hv_utils",
	.id_table = hv_util_id_table,
	.probe = hv_util_probe,
	.remove = hv_util_remove,
	.suspend = hv_util_suspend,
	.resume = hv_util_resume,
	.driver = {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

static int __init hv_util_init(void)
{
	return vmbus_driver_register(&hv_util_drv);
}

static void __exit hv_util_exit(void)
{
	vmbus_driver_unregister(&hv_util_drv);
}

module_init(hv_util_init);
module_exit(hv_util_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hyper-V Utilities: shutdown, time sync, heartbeat, KVP, VSS (hvis)");
MODULE_VERSION("1.0.0-hvis");
