// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio_hv_generic: hands a VMBus device to user space (DPDK's netvsc PMD,
 * the 6.10+ fcopy daemon) through UIO, with the in-tree driver's ABI:
 *
 *   map 0 "txrx_rings"    the primary channel's ring pages: outbound half,
 *                         then inbound half
 *   map 1 "int_page"      the connection's interrupt page
 *   map 2 "monitor_page"  the guest-to-host monitor page (user space
 *                         signals the host by its channel's trigger bit)
 *   map 3 "recv:<gpadl>"  a 31 MiB receive buffer, GPADL made at probe
 *   map 4 "send:<gpadl>"  a 16 MiB send buffer, GPADL made at probe
 *
 * The primary channel opens on the first open of /dev/uioN and closes on
 * the last release; sub-channels the host offers meanwhile are opened here
 * and each gets a channels/<relid>/ring file to mmap.  A write of a
 * nonzero s32 to /dev/uioN unmasks the inbound interrupt of every channel
 * (zero masks it); the primary's and sub-channels' interrupts each count
 * one UIO event.  There is no static id table: devices are bound through
 * new_id or driver_override (the fcopy class excepted, as in-tree from
 * 6.10).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyperv.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uio_driver.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "hvis_vmbus.h"

/* DPDK reads the sizes from sysfs but its users size pools by these. */
#define HV_UIO_RING_BYTES	(512 * PAGE_SIZE)	/* each direction */
#define HV_UIO_SEND_BYTES	(16 * 1024 * 1024)
#define HV_UIO_RECV_BYTES	(31 * 1024 * 1024)

/* Sorts above the in-tree "0.02.1", so DKMS installs this one. */
#define HV_UIO_VERSION		"1.0.0-hvis"

enum hv_uio_map {
	HV_UIO_MAP_RINGS,
	HV_UIO_MAP_INT_PAGE,
	HV_UIO_MAP_MON_PAGE,
	HV_UIO_MAP_RECV,
	HV_UIO_MAP_SEND,
};

/* A GPADL-lent buffer and its map name, "recv:4294967295" at most. */
struct hv_uio_buf {
	void *data;
	struct vmbus_gpadl gpadl;
	char name[24];
};

/*
 * One per bound device, device-managed (freed after remove).  open_count
 * counts open files of /dev/uioN, under open_lock; the channel is open
 * exactly while it is nonzero.  irq_on is what the last irqcontrol asked
 * for, read when a sub-channel opens later.
 */
struct hv_uio {
	struct uio_info info;
	struct hv_device *hdev;
	struct mutex open_lock;	/* open_count and the channel's open state */
	unsigned int open_count;
	bool irq_on;
	struct hv_uio_buf recv;
	struct hv_uio_buf send;
};

static void hv_uio_set_mask(struct vmbus_channel *chan, bool on)
{
	chan->inbound.ring_buffer->interrupt_mask = !on;
	/*
	 * A channel without a monitor id has no page for user space to
	 * signal through: kick the host once here so it looks at the ring
	 * (in-tree does the same from 6.12).
	 */
	if (on && !chan->offermsg.monitor_allocated) {
		/* The host must see the unmasked ring before the signal. */
		virt_mb();
		vmbus_set_event(chan);
	}
}

static int hv_uio_irqcontrol(struct uio_info *info, s32 irq_state)
{
	struct hv_uio *hu = info->priv;
	struct vmbus_channel *primary = hu->hdev->channel, *sc;

	mutex_lock(&hu->open_lock);
	hu->irq_on = irq_state != 0;
	if (hu->open_count) {
		hv_uio_set_mask(primary, hu->irq_on);
		hvis_vmbus_channels_lock();
		list_for_each_entry(sc, &primary->sc_list, sc_list)
			if (sc->state == CHANNEL_OPENED_STATE)
				hv_uio_set_mask(sc, hu->irq_on);
		hvis_vmbus_channels_unlock();
	}
	mutex_unlock(&hu->open_lock);
	return 0;
}

/* Any channel's interrupt: one event on the device's uio file. */
static void hv_uio_channel_cb(void *context)
{
	struct vmbus_channel *chan = context;
	struct hv_device *hdev = chan->primary_channel ?
		chan->primary_channel->device_obj : chan->device_obj;
	struct hv_uio *hu = hv_get_drvdata(hdev);

	/* The host wrote the ring before signalling; so do our readers. */
	virt_mb();
	uio_event_notify(&hu->info);
}

/* mmap of channels/<relid>/ring: the whole ring, both halves. */
static int hv_uio_map_ring(struct vmbus_channel *chan,
			   struct vm_area_struct *vma)
{
	if (chan->state != CHANNEL_OPENED_STATE || !chan->ringbuffer_page)
		return -ENODEV;
	return vm_iomap_memory(vma, page_to_phys(chan->ringbuffer_page),
			       (unsigned long)chan->ringbuffer_pagecount <<
			       PAGE_SHIFT);
}

#if HVIS_HAVE_RING_SYSFS
static int hv_uio_add_ring_file(struct vmbus_channel *chan)
{
	return hv_create_ring_sysfs(chan, hv_uio_map_ring);
}

static void hv_uio_del_ring_file(struct vmbus_channel *chan)
{
	hv_remove_ring_sysfs(chan);
}
#else
static int hv_uio_ring_bin_mmap(struct file *filp, struct kobject *kobj,
				struct bin_attribute *attr,
				struct vm_area_struct *vma)
{
	return hv_uio_map_ring(container_of(kobj, struct vmbus_channel, kobj),
			       vma);
}

static const struct bin_attribute hv_uio_ring_attr = {
	.attr = { .name = "ring", .mode = 0600 },
	.size = 2 * HV_UIO_RING_BYTES,
	.mmap = hv_uio_ring_bin_mmap,
};

static int hv_uio_add_ring_file(struct vmbus_channel *chan)
{
	return sysfs_create_bin_file(&chan->kobj, &hv_uio_ring_attr);
}

static void hv_uio_del_ring_file(struct vmbus_channel *chan)
{
	sysfs_remove_bin_file(&chan->kobj, &hv_uio_ring_attr);
}
#endif

/* The host offered a sub-channel (user space asked for it in band). */
static void hv_uio_new_subchannel(struct vmbus_channel *sc)
{
	struct hv_device *hdev = sc->primary_channel->device_obj;
	struct hv_uio *hu = hv_get_drvdata(hdev);
	int ret;

	ret = vmbus_open(sc, HV_UIO_RING_BYTES, HV_UIO_RING_BYTES, NULL, 0,
			 hv_uio_channel_cb, sc);
	if (ret) {
		dev_err(&hdev->device, "sub-channel %u: open failed (%d)\n",
			sc->offermsg.child_relid, ret);
		return;
	}
	set_channel_read_mode(sc, HV_CALL_ISR);
	sc->inbound.ring_buffer->interrupt_mask = !READ_ONCE(hu->irq_on);
	ret = hv_uio_add_ring_file(sc);
	if (ret) {
		dev_err(&hdev->device, "sub-channel %u: no ring file (%d)\n",
			sc->offermsg.child_relid, ret);
		vmbus_close(sc);
	}
}

/*
 * The host took the device away: readers of /dev/uioN get -EIO from now
 * on, and the device goes (with the rescind callback set, the bus leaves
 * that to the driver).
 */
static void hv_uio_rescind(struct vmbus_channel *chan)
{
	struct hv_uio *hu = hv_get_drvdata(chan->device_obj);

	hu->info.irq = 0;
	uio_event_notify(&hu->info);
	vmbus_device_unregister(chan->device_obj);
}

static int hv_uio_open(struct uio_info *info, struct inode *inode)
{
	struct hv_uio *hu = info->priv;
	struct vmbus_channel *chan = hu->hdev->channel;
	int ret = 0;

	mutex_lock(&hu->open_lock);
	if (hu->open_count++)
		goto out;
	vmbus_set_chn_rescind_callback(chan, hv_uio_rescind);
	vmbus_set_sc_create_callback(chan, hv_uio_new_subchannel);
	ret = vmbus_connect_ring(chan, hv_uio_channel_cb, chan);
	if (ret)
		hu->open_count--;
out:
	mutex_unlock(&hu->open_lock);
	return ret;
}

static int hv_uio_release(struct uio_info *info, struct inode *inode)
{
	struct hv_uio *hu = info->priv;
	int ret = 0;

	mutex_lock(&hu->open_lock);
	if (!--hu->open_count)
		ret = vmbus_disconnect_ring(hu->hdev->channel);
	mutex_unlock(&hu->open_lock);
	return ret;
}

/* Lend @bytes of zeroed memory to the host; names the map by its GPADL. */
static int hv_uio_lend(struct hv_device *hdev, struct hv_uio_buf *buf,
		       struct uio_mem *mem, const char *kind, u32 bytes)
{
	int ret;

	buf->data = vzalloc(bytes);
	if (!buf->data)
		return -ENOMEM;
	ret = vmbus_establish_gpadl(hdev->channel, buf->data, bytes,
				    &buf->gpadl);
	if (ret) {
		/* A GPADL the host half took may still name the pages. */
		if (!buf->gpadl.decrypted)
			vfree(buf->data);
		buf->data = NULL;
		return ret;
	}
	snprintf(buf->name, sizeof(buf->name), "%s:%u", kind,
		 buf->gpadl.gpadl_handle);
	mem->name = buf->name;
	mem->addr = (uintptr_t)buf->data;
	mem->size = bytes;
	mem->memtype = UIO_MEM_VIRTUAL;
	return 0;
}

static void hv_uio_unlend(struct hv_device *hdev, struct hv_uio_buf *buf)
{
	if (!buf->data)
		return;
	vmbus_teardown_gpadl(hdev->channel, &buf->gpadl);
	if (!buf->gpadl.decrypted)
		vfree(buf->data);
	buf->data = NULL;
}

static void hv_uio_map_page(struct uio_mem *mem, const char *name, void *page)
{
	mem->name = name;
	mem->addr = (uintptr_t)page;
	mem->size = HV_HYP_PAGE_SIZE;
	mem->memtype = UIO_MEM_LOGICAL;
}

static int hv_uio_probe(struct hv_device *hdev,
			const struct hv_vmbus_device_id *id)
{
	struct vmbus_channel *chan = hdev->channel;
	void *int_page = hvis_vmbus_int_page();
	void *mon_page = hvis_vmbus_monitor_page();
	struct uio_mem *mem;
	struct hv_uio *hu;
	int ret;

	if (!int_page || !mon_page)
		return -ENODEV;
	hu = devm_kzalloc(&hdev->device, sizeof(*hu), GFP_KERNEL);
	if (!hu)
		return -ENOMEM;
	mutex_init(&hu->open_lock);
	hu->hdev = hdev;
	mem = hu->info.mem;

	ret = vmbus_alloc_ring(chan, HV_UIO_RING_BYTES, HV_UIO_RING_BYTES);
	if (ret)
		return ret;
	set_channel_read_mode(chan, HV_CALL_ISR);

	mem[HV_UIO_MAP_RINGS].name = "txrx_rings";
	mem[HV_UIO_MAP_RINGS].addr = page_to_phys(chan->ringbuffer_page);
	mem[HV_UIO_MAP_RINGS].size =
		(resource_size_t)chan->ringbuffer_pagecount << PAGE_SHIFT;
	mem[HV_UIO_MAP_RINGS].memtype = UIO_MEM_IOVA;
	hv_uio_map_page(&mem[HV_UIO_MAP_INT_PAGE], "int_page", int_page);
	hv_uio_map_page(&mem[HV_UIO_MAP_MON_PAGE], "monitor_page", mon_page);

	/* The host must take GPADLs on a channel not yet open (in-tree does). */
	ret = hv_uio_lend(hdev, &hu->recv, &mem[HV_UIO_MAP_RECV], "recv",
			  HV_UIO_RECV_BYTES);
	if (ret)
		goto err_free_ring;
	ret = hv_uio_lend(hdev, &hu->send, &mem[HV_UIO_MAP_SEND], "send",
			  HV_UIO_SEND_BYTES);
	if (ret)
		goto err_unlend_recv;

	hu->info.name = "uio_hv_generic";
	hu->info.version = HV_UIO_VERSION;
	hu->info.irq = UIO_IRQ_CUSTOM;
	hu->info.irqcontrol = hv_uio_irqcontrol;
	hu->info.open = hv_uio_open;
	hu->info.release = hv_uio_release;
	hu->info.priv = hu;
	hv_set_drvdata(hdev, hu);

	ret = uio_register_device(&hdev->device, &hu->info);
	if (ret) {
		dev_err(&hdev->device, "cannot register the uio device (%d)\n",
			ret);
		goto err_unlend_send;
	}
	/* DPDK takes the primary's ring file as "sub-channels supported". */
	ret = hv_uio_add_ring_file(chan);
	if (ret)
		dev_notice(&hdev->device, "no ring file for the primary (%d)\n",
			   ret);
	return 0;

err_unlend_send:
	hv_set_drvdata(hdev, NULL);
	hv_uio_unlend(hdev, &hu->send);
err_unlend_recv:
	hv_uio_unlend(hdev, &hu->recv);
err_free_ring:
	vmbus_free_ring(chan);
	return ret;
}

static HVIS_HV_REMOVE_TYPE hv_uio_remove(struct hv_device *hdev)
{
	struct hv_uio *hu = hv_get_drvdata(hdev);

	if (hu) {
		hv_uio_del_ring_file(hdev->channel);
		/* No open or release reaches us after this... */
		uio_unregister_device(&hu->info);
		/* ...so a file still open leaves the channel to close here. */
		mutex_lock(&hu->open_lock);
		if (hu->open_count)
			vmbus_disconnect_ring(hdev->channel);
		hu->open_count = 0;
		mutex_unlock(&hu->open_lock);
		hv_uio_unlend(hdev, &hu->send);
		hv_uio_unlend(hdev, &hu->recv);
		vmbus_free_ring(hdev->channel);
	}
	return HVIS_HV_REMOVE_RET;
}

#if HVIS_KERNEL_GE(6, 10)
/* From 6.10 the fcopy service is a uio daemon's, not hv_utils'. */
static const struct hv_vmbus_device_id hv_uio_id_table[] = {
	{ HV_FCOPY_GUID },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hv_uio_id_table);
#define HV_UIO_IDS	hv_uio_id_table
#else
#define HV_UIO_IDS	NULL
#endif

static struct hv_driver hv_uio_drv = {
	.name = "uio_hv_generic",
	.id_table = HV_UIO_IDS,
	.probe = hv_uio_probe,
	.remove = hv_uio_remove,
};

static int __init hv_uio_init(void)
{
	return vmbus_driver_register(&hv_uio_drv);
}

static void __exit hv_uio_exit(void)
{
	vmbus_driver_unregister(&hv_uio_drv);
}

module_init(hv_uio_init);
module_exit(hv_uio_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Generic UIO driver for VMBus devices (hvis)");
MODULE_VERSION(HV_UIO_VERSION);
