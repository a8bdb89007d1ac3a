// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_balloon - the guest side of Hyper-V dynamic memory: a VMBus driver
 * that negotiates the DM protocol (include/hvis/dynmem.h), reports memory
 * pressure once a second, balloons and hot-adds memory on the host's request.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "hv_balloon.h"
#include "compat.h"

#define HV_DM_RING_SIZE		VMBUS_RING_SIZE(16 * 1024)
#define HV_DM_TIMEOUT		(5 * HZ)

/* Tried in this order; the last one says so. */
static const u32 hv_dm_versions[] = {
	HVIS_DM_VERSION_WIN10, HVIS_DM_VERSION_WIN8, HVIS_DM_VERSION_WIN7,
};

int hv_dm_send(struct hv_dm *dm, void *msg, u16 type, u32 size)
{
	struct hvis_dm_header *h = msg;

	h->type = type;
	h->size = size;
	h->trans_id = atomic_inc_return(&dm->trans_id);
	return vmbus_sendpacket(dm->hdev->channel, msg, size, 0,
				VM_PKT_DATA_INBAND, 0);
}

/* A host reply to the request probe is waiting on. */
static void hv_dm_on_accept(struct hv_dm *dm, const void *msg, u16 type)
{
	const struct hvis_dm_accept *a = msg;

	if (completion_done(&dm->host_event) || dm->resp_type != type) {
		pr_err_ratelimited("unexpected reply (type %u), dropped\n", type);
		return;
	}
	dm->resp_accepted = a->flags & HVIS_DM_IS_ACCEPTED;
	complete(&dm->host_event);
}

static void hv_dm_on_balloon(struct hv_dm *dm, const struct hvis_dm_balloon *b)
{
	if (work_pending(&dm->inflate_work))
		pr_warn_ratelimited("balloon request while one is pending\n");
	WRITE_ONCE(dm->balloon_pages, b->num_pages);
	schedule_work(&dm->inflate_work);
}

static void hv_dm_on_hot_add(struct hv_dm *dm, const struct hvis_dm_hot_add *h)
{
	if (work_pending(&dm->hot_add_work))
		pr_warn_ratelimited("hot-add request while one is pending\n");
	WRITE_ONCE(dm->hot_add_range, h->range);
	schedule_work(&dm->hot_add_work);
}

static void hv_dm_on_info(const struct hvis_dm_info *info)
{
	const struct hvis_dm_info_header *ih = (const void *)info->info;
	u64 max;

	if (info->info_size < sizeof(*ih) ||
	    info->info_size > info->hdr.size - sizeof(*info) ||
	    ih->data_size > info->info_size - sizeof(*ih)) {
		pr_err_ratelimited("info message with bad sizes, dropped\n");
		return;
	}
	if (ih->type == HVIS_DM_INFO_MAX_PAGE_CNT &&
	    ih->data_size == sizeof(max)) {
		memcpy(&max, ih + 1, sizeof(max));
		pr_info("host's maximum memory for this guest: %llu MiB\n",
			max >> (20 - HVIS_PAGE_SHIFT));
	}
}

static void hv_dm_on_message(struct hv_dm *dm, u32 len)
{
	const void *msg = dm->recv_buf;
	int type = hvis_dm_check(msg, len, HVIS_DIR_H2G, dm->version);

	if (type < 0) {
		pr_err_ratelimited("host message refused: %s\n",
				   hvis_dm_check_reason(type));
		return;
	}
	switch (type) {
	case HVIS_DM_VERSION_RESPONSE:
	case HVIS_DM_CAPABILITIES_RESPONSE:
		hv_dm_on_accept(dm, msg, type);
		break;
	case HVIS_DM_BALLOON_REQUEST:
		hv_dm_on_balloon(dm, msg);
		break;
	case HVIS_DM_UNBALLOON_REQUEST:
		hv_dm_deflate(dm, msg);
		break;
	case HVIS_DM_MEM_HOT_ADD_REQUEST:
		hv_dm_on_hot_add(dm, msg);
		break;
	case HVIS_DM_INFO_MESSAGE:
		hv_dm_on_info(msg);
		break;
	}
}

static void hv_dm_on_channel_callback(void *context)
{
	struct hv_dm *dm = context;
	u32 len;
	u64 req_id;

	for (;;) {
		if (vmbus_recvpacket(dm->hdev->channel, dm->recv_buf,
				     sizeof(dm->recv_buf), &len, &req_id)) {
			pr_err_ratelimited("cannot read the host's message\n");
			break;
		}
		if (!len)
			break;
		hv_dm_on_message(dm, len);
	}
}

/* Send a negotiation message and wait for its reply; 1 accepted, 0 not, -errno. */
static int hv_dm_request(struct hv_dm *dm, void *msg, u16 type, u32 size,
			 u16 reply)
{
	int ret;

	reinit_completion(&dm->host_event);
	dm->resp_type = reply;
	ret = hv_dm_send(dm, msg, type, size);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&dm->host_event, HV_DM_TIMEOUT))
		return -ETIMEDOUT;
	return dm->resp_accepted;
}

static int hv_dm_negotiate(struct hv_dm *dm)
{
	struct hvis_dm_version_request vreq;
	struct hvis_dm_capabilities caps;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(hv_dm_versions); i++) {
		memset(&vreq, 0, sizeof(vreq));
		vreq.version = hv_dm_versions[i];
		if (i == ARRAY_SIZE(hv_dm_versions) - 1)
			vreq.flags = HVIS_DM_VERSION_IS_LAST_ATTEMPT;
		ret = hv_dm_request(dm, &vreq, HVIS_DM_VERSION_REQUEST,
				    sizeof(vreq), HVIS_DM_VERSION_RESPONSE);
		if (ret < 0)
			return ret;
		if (ret)
			break;
	}
	if (i == ARRAY_SIZE(hv_dm_versions)) {
		pr_err("host accepts none of our protocol versions\n");
		return -EPROTO;
	}
	dm->version = hv_dm_versions[i];
	pr_info("using dynamic memory protocol %u.%u\n",
		HVIS_DM_VERSION_MAJOR(dm->version),
		HVIS_DM_VERSION_MINOR(dm->version));

	memset(&caps, 0, sizeof(caps));
	caps.caps = HVIS_DM_CAP_BALLOON | hv_dm_hot_add_caps();
	caps.min_page_cnt = 0;
	caps.max_page_number = ~0ull;
	ret = hv_dm_request(dm, &caps, HVIS_DM_CAPABILITIES_REPORT,
			    sizeof(caps), HVIS_DM_CAPABILITIES_RESPONSE);
	if (ret < 0)
		return ret;
	if (!ret) {
		pr_err("host refused our capabilities\n");
		return -EPROTO;
	}
	return 0;
}

/* Pressure, in 4 KiB pages: what is free, and what must stay ours. */
static void hv_dm_post_status(struct hv_dm *dm)
{
	struct hvis_dm_status st;

	memset(&st, 0, sizeof(st));
	st.num_avail = si_mem_available();
	st.num_committed = vm_memory_committed() +
			   atomic_long_read(&dm->nr_ballooned) + hv_dm_floor();
	if (hv_dm_send(dm, &st, HVIS_DM_STATUS_REPORT, sizeof(st)))
		pr_err_ratelimited("status report not sent\n");
}

/*
 * One report a second, on a fixed beat.  Nothing wakes the thread early: a
 * wake-up less than a second after a report could only skip, and the
 * sleep after it would stretch the gap the host sees to two seconds.
 */
static int hv_dm_status_thread(void *data)
{
	struct hv_dm *dm = data;

	while (!kthread_should_stop()) {
		hv_dm_post_status(dm);
		schedule_timeout_interruptible(HZ);	/* kthread_stop() wakes it */
	}
	return 0;
}

static int hv_dm_probe(struct hv_device *hdev,
		       const struct hv_vmbus_device_id *id)
{
	struct hv_dm *dm;
	int ret;

	dm = kzalloc(sizeof(*dm), GFP_KERNEL);
	if (!dm)
		return -ENOMEM;
	dm->hdev = hdev;
	init_completion(&dm->host_event);
	xa_init_flags(&dm->pages, XA_FLAGS_LOCK_BH);
	INIT_WORK(&dm->inflate_work, hv_dm_inflate_work);
	INIT_WORK(&dm->hot_add_work, hv_dm_hot_add_work);
	hv_set_drvdata(hdev, dm);

	hdev->channel->max_pkt_size = sizeof(dm->recv_buf);
	ret = vmbus_open(hdev->channel, HV_DM_RING_SIZE, HV_DM_RING_SIZE,
			 NULL, 0, hv_dm_on_channel_callback, dm);
	if (ret)
		goto err_free_dm;
	ret = hv_dm_negotiate(dm);
	if (ret)
		goto err_close_channel;
	dm->status_thread = kthread_run(hv_dm_status_thread, dm, "hv_balloon");
	if (IS_ERR(dm->status_thread)) {
		ret = PTR_ERR(dm->status_thread);
		goto err_close_channel;
	}
	return 0;

err_close_channel:
	vmbus_close(hdev->channel);
	cancel_work_sync(&dm->inflate_work);
	cancel_work_sync(&dm->hot_add_work);
	hv_dm_free_all(dm);
err_free_dm:
	hv_set_drvdata(hdev, NULL);
	kfree(dm);
	return ret;
}

static HVIS_HV_REMOVE_TYPE hv_dm_remove(struct hv_device *hdev)
{
	struct hv_dm *dm = hv_get_drvdata(hdev);

	kthread_stop(dm->status_thread);
	/* After the close no callback runs, so no work is scheduled again. */
	vmbus_close(hdev->channel);
	cancel_work_sync(&dm->inflate_work);
	cancel_work_sync(&dm->hot_add_work);
	if (atomic_long_read(&dm->nr_hot_added))
		pr_info("%ld hot-added pages stay with the kernel\n",
			atomic_long_read(&dm->nr_hot_added));
	if (atomic_long_read(&dm->nr_ballooned))
		pr_info("returning %ld ballooned pages to the kernel\n",
			atomic_long_read(&dm->nr_ballooned));
	hv_dm_free_all(dm);
	xa_destroy(&dm->pages);
	hv_set_drvdata(hdev, NULL);
	kfree(dm);
	return HVIS_HV_REMOVE_RET;
}

static const struct hv_vmbus_device_id hv_dm_id_table[] = {
	{ HV_DM_GUID, },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hv_dm_id_table);

static struct hv_driver hv_dm_drv = {
	.name = KBUILD_MODNAME,
	.id_table = hv_dm_id_table,
	.probe = hv_dm_probe,
	.remove = hv_dm_remove,
	.driver = {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

static int __init hv_dm_init(void)
{
	return vmbus_driver_register(&hv_dm_drv);
}

static void __exit hv_dm_exit(void)
{
	vmbus_driver_unregister(&hv_dm_drv);
}

module_init(hv_dm_init);
module_exit(hv_dm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hyper-V Balloon (hvis)");
MODULE_VERSION("1.0.0-hvis");
