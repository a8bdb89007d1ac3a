// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_storvsc module entry points: the module parameters, the VMBus driver
 * for the synthetic SCSI and accelerated IDE controllers, and a
 * controller's probe and remove.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>

#include "compat.h"
#include "storvsc.h"

/* Parameters under their in-tree names, with the in-tree meanings. */
static int storvsc_ringbuffer_size = 128 * 1024;
module_param(storvsc_ringbuffer_size, int, 0444);
MODULE_PARM_DESC(storvsc_ringbuffer_size, "Ring buffer size (bytes)");

static int storvsc_vcpus_per_sub_channel = 4;
module_param(storvsc_vcpus_per_sub_channel, int, 0444);
MODULE_PARM_DESC(storvsc_vcpus_per_sub_channel,
		 "Ratio of VCPUs to subchannels (sizes the host queue depth)");

static unsigned int storvsc_max_hw_queues;
module_param(storvsc_max_hw_queues, uint, 0644);
MODULE_PARM_DESC(storvsc_max_hw_queues,
		 "Maximum number of hardware queues (0: one per online CPU)");

int storvsc_ring_avail_percent_lowater = 10;
module_param_named(ring_avail_percent_lowater,
		   storvsc_ring_avail_percent_lowater, int, 0444);
MODULE_PARM_DESC(ring_avail_percent_lowater,
		 "Select a channel if available ring size > this in percent");

int storvsc_logging_level = STORVSC_LOG_ERROR;
module_param_named(logging_level, storvsc_logging_level, int, 0644);
MODULE_PARM_DESC(logging_level,
		 "Logging level, 0 - None, 1 - Error (default), 2 - Warning.");

/* Ring sizes this driver accepts from storvsc_ringbuffer_size. */
#define STORVSC_RING_MIN	(16 * 1024)
#define STORVSC_RING_MAX	(16 * 1024 * 1024)

/* Ring allocation per direction, header page included; set at load. */
static u32 storvsc_ring_size;

/*
 * Commands the controller may have in flight per hardware queue, as
 * in-tree: what the rings hold of the largest inline-sized request,
 * less the low-water reserve, times the channels expected (IDE: one).
 */
static unsigned int storvsc_can_queue(bool ide)
{
	u32 per_req = ALIGN(MAX_MULTIPAGE_BUFFER_PACKET +
			    HVIS_VSTOR_PACKET_SIZE + sizeof(u64), sizeof(u64));
	u32 per_chan = (storvsc_ring_size - PAGE_SIZE) / per_req;
	u32 chans = ide ? 1 : 1 + (num_online_cpus() - 1) /
			  storvsc_vcpus_per_sub_channel;

	return max(1u, per_chan * chans *
		   (100 - storvsc_ring_avail_percent_lowater) / 100);
}

static unsigned int storvsc_nr_hw_queues(struct hv_device *hdev)
{
	unsigned int online = num_online_cpus();

	if (storvsc_max_hw_queues > online) {
		dev_warn(&hdev->device,
			 "storvsc_max_hw_queues %u > %u online CPUs, using %u\n",
			 storvsc_max_hw_queues, online, online);
		return online;
	}
	return storvsc_max_hw_queues ?: online;
}

static const guid_t storvsc_ide_class = HVIS_VSTOR_IDE_CLASS_GUID;

/*
 * An IDE controller's one disk, as in-tree: LUN 0 of the target that
 * bytes 4-5 of the instance GUID name (its second field, little-endian),
 * added without a scan.  An SRB carries the target in a u8: a larger one
 * could not be addressed.
 */
static int storvsc_ide_target(struct hv_device *hdev)
{
	unsigned int target = hdev->dev_instance.b[5] << 8 |
			      hdev->dev_instance.b[4];

	if (target > U8_MAX) {
		dev_err(&hdev->device,
			"IDE target %u in the instance GUID cannot be addressed\n",
			target);
		return -EINVAL;
	}
	return target;
}

static int storvsc_probe(struct hv_device *hdev,
			 const struct hv_vmbus_device_id *dev_id)
{
	bool ide = guid_equal(&hdev->dev_type, &storvsc_ide_class);
	struct Scsi_Host *host;
	struct storvsc *stor;
	unsigned long flags;
	int target = 0;
	int ret;

	if (ide) {
		target = storvsc_ide_target(hdev);
		if (target < 0)
			return target;
	}
	host = scsi_host_alloc(&storvsc_scsi_template, sizeof(*stor));
	if (!host)
		return -ENOMEM;
	stor = shost_priv(host);
	stor->hdev = hdev;
	stor->host = host;
	stor->ide = ide;
	stor->ring_size = storvsc_ring_size;
	mutex_init(&stor->sc_mutex);
	spin_lock_init(&stor->chan_lock);
	atomic_set(&stor->outstanding, 0);
	init_waitqueue_head(&stor->drain_wq);
	init_completion(&stor->init.done);
	init_completion(&stor->reset.done);
	mutex_init(&stor->reset_mutex);
	spin_lock_init(&stor->work_lock);
	INIT_WORK(&stor->scan_work, storvsc_scsi_scan_work);

	stor->wq = alloc_ordered_workqueue("storvsc_error_wq_%d", 0,
					   host->host_no);
	if (!stor->wq) {
		ret = -ENOMEM;
		goto err_put_host;
	}
	hv_set_drvdata(hdev, stor);
	/* Bounce buffers, where there are any, keep the in-page offset. */
	dma_set_min_align_mask(&hdev->device, HV_HYP_PAGE_SIZE - 1);

	ret = storvsc_vstor_connect(stor);
	if (ret)
		goto err_destroy_wq;

	/* IDE: one channel, so one hardware queue. */
	storvsc_scsi_setup(stor, ide ? 1 : storvsc_nr_hw_queues(hdev),
			   storvsc_can_queue(ide));
	ret = scsi_add_host(host, &hdev->device);
	if (ret)
		goto err_vstor_close;
	/* From now on the host's rescan requests are served. */
	spin_lock_irqsave(&stor->work_lock, flags);
	stor->work_ok = true;
	spin_unlock_irqrestore(&stor->work_lock, flags);
	if (!ide) {
		scsi_scan_host(host);
		return 0;
	}
	ret = scsi_add_device(host, 0, target, 0);
	if (ret)
		goto err_remove_host;
	return 0;

err_remove_host:
	/* As remove does: no more work, what is queued runs first. */
	spin_lock_irqsave(&stor->work_lock, flags);
	stor->work_ok = false;
	spin_unlock_irqrestore(&stor->work_lock, flags);
	flush_workqueue(stor->wq);
	scsi_remove_host(host);
err_vstor_close:
	storvsc_vstor_close(stor);
err_destroy_wq:
	hv_set_drvdata(hdev, NULL);
	destroy_workqueue(stor->wq);
err_put_host:
	scsi_host_put(host);
	return ret;
}

/*
 * Remove on unload or unbind: the disks go first, through the channel,
 * so that sd flushes their caches.  Remove on rescind: the host is gone,
 * so everything it held fails at once and so does whatever follows.
 */
static HVIS_HV_REMOVE_TYPE storvsc_remove(struct hv_device *hdev)
{
	struct storvsc *stor = hv_get_drvdata(hdev);
	struct Scsi_Host *host = stor->host;
	unsigned long flags;

	if (READ_ONCE(hdev->channel->rescind)) {
		WRITE_ONCE(stor->gone, true);
		/*
		 * queuecommand runs under rcu_read_lock (the host template
		 * does not block): once a grace period has passed, every
		 * call that saw gone == false has sent or failed its command,
		 * so fail_all never finishes one that is still being sent.
		 */
		synchronize_rcu();
		storvsc_scsi_fail_all(stor);
	}
	spin_lock_irqsave(&stor->work_lock, flags);
	stor->work_ok = false;
	spin_unlock_irqrestore(&stor->work_lock, flags);
	/* Runs what is queued: scans and LUN removals before the host goes. */
	destroy_workqueue(stor->wq);

	scsi_remove_host(host);
	WRITE_ONCE(stor->gone, true);
	if (!storvsc_vstor_wait_drained(stor, STORVSC_SYNC_TIMEOUT_S * HZ))
		dev_err(&hdev->device, "%d commands never came back\n",
			atomic_read(&stor->outstanding));
	storvsc_vstor_close(stor);
	hv_set_drvdata(hdev, NULL);
	scsi_host_put(host);
	return HVIS_HV_REMOVE_RET;
}

/*
 * The SCSI controller and, as in-tree, the accelerated IDE one: ata_piix
 * leaves a Generation 1 VM's IDE disks (its boot disk among them) to this
 * driver on Hyper-V.  Probe tells them apart by the device's class, not
 * by the id entry, so a device bound through new_id or driver_override
 * gets the right treatment too.  Fibre Channel is not claimed.
 */
static const struct hv_vmbus_device_id storvsc_id_table[] = {
	{ .guid = HVIS_VSTOR_SCSI_CLASS_GUID },
	{ .guid = HVIS_VSTOR_IDE_CLASS_GUID },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, storvsc_id_table);

static struct hv_driver storvsc_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= storvsc_id_table,
	.probe		= storvsc_probe,
	.remove		= storvsc_remove,
	.driver		= {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

static int __init storvsc_init(void)
{
	if (storvsc_ringbuffer_size < STORVSC_RING_MIN ||
	    storvsc_ringbuffer_size > STORVSC_RING_MAX) {
		pr_warn("storvsc_ringbuffer_size %d out of [%d, %d], using %d\n",
			storvsc_ringbuffer_size, STORVSC_RING_MIN,
			STORVSC_RING_MAX, 128 * 1024);
		storvsc_ringbuffer_size = 128 * 1024;
	}
	if (storvsc_vcpus_per_sub_channel < 1) {
		pr_warn("storvsc_vcpus_per_sub_channel %d < 1, using 4\n",
			storvsc_vcpus_per_sub_channel);
		storvsc_vcpus_per_sub_channel = 4;
	}
	if (storvsc_ring_avail_percent_lowater < 0 ||
	    storvsc_ring_avail_percent_lowater > 90) {
		pr_warn("ring_avail_percent_lowater %d out of [0, 90], using 10\n",
			storvsc_ring_avail_percent_lowater);
		storvsc_ring_avail_percent_lowater = 10;
	}
	/* Whole pages, plus the header page VMBus puts in front. */
	storvsc_ring_size = VMBUS_RING_SIZE(storvsc_ringbuffer_size);
	return vmbus_driver_register(&storvsc_driver);
}

static void __exit storvsc_exit(void)
{
	vmbus_driver_unregister(&storvsc_driver);
}

module_init(storvsc_init);
module_exit(storvsc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Microsoft Hyper-V virtual storage driver (hvis)");
MODULE_VERSION("1.0.0-hvis");
