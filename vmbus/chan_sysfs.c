// SPDX-License-Identifier: GPL-2.0-only
/*
 * The channel kobjects: /sys/bus/vmbus/devices/<guid>/channels/<relid>/,
 * their attributes and uio_hv_generic's "ring" file
 * (Documentation/ABI/stable/sysfs-bus-vmbus).
 */

/* Exports carry the in-tree CRCs: see export_abi.h. */
#define HVIS_EXPORTS_LIKE_VMBUS_DRV
#include "export_abi.h"

#include <linux/cpu.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "vmbus_priv.h"

/* A channels/<relid>/ file: its handlers are given the channel. */
struct vmbus_chan_attribute {
	struct attribute attr;
	ssize_t (*show)(struct vmbus_channel *channel, char *buf);
	ssize_t (*store)(struct vmbus_channel *channel, const char *buf,
			 size_t count);
};

#define VMBUS_CHAN_ATTR(_name, _mode, _show, _store)			\
	struct vmbus_chan_attribute chan_attr_##_name =			\
		__ATTR(_name, _mode, _show, _store)

static struct vmbus_channel *kobj_to_channel(struct kobject *kobj)
{
	return container_of(kobj, struct vmbus_channel, kobj);
}

static ssize_t vmbus_chan_attr_show(struct kobject *kobj,
				    struct attribute *attr, char *buf)
{
	const struct vmbus_chan_attribute *ca =
		container_of(attr, struct vmbus_chan_attribute, attr);

	if (!ca->show)
		return -EIO;
	return ca->show(kobj_to_channel(kobj), buf);
}

static ssize_t vmbus_chan_attr_store(struct kobject *kobj,
				     struct attribute *attr, const char *buf,
				     size_t count)
{
	const struct vmbus_chan_attribute *ca =
		container_of(attr, struct vmbus_chan_attribute, attr);

	if (!ca->store)
		return -EIO;
	return ca->store(kobj_to_channel(kobj), buf, count);
}

static const struct sysfs_ops vmbus_chan_sysfs_ops = {
	.show = vmbus_chan_attr_show,
	.store = vmbus_chan_attr_store,
};

enum vmbus_ring_stat {
	VMBUS_RING_MASK,
	VMBUS_RING_READ_AVAIL,
	VMBUS_RING_WRITE_AVAIL,
};

/* ring_buffer_mutex keeps the ring mapped while we look at it. */
static ssize_t vmbus_chan_ring_show(struct hv_ring_buffer_info *rbi,
				    enum vmbus_ring_stat stat, char *buf)
{
	ssize_t ret = -EINVAL;
	u32 val;

	mutex_lock(&rbi->ring_buffer_mutex);
	if (rbi->ring_buffer) {
		if (stat == VMBUS_RING_MASK)
			val = READ_ONCE(rbi->ring_buffer->interrupt_mask);
		else if (stat == VMBUS_RING_READ_AVAIL)
			val = hv_get_bytes_to_read(rbi);
		else
			val = hv_get_bytes_to_write(rbi);
		ret = sysfs_emit(buf, "%u\n", val);
	}
	mutex_unlock(&rbi->ring_buffer_mutex);
	return ret;
}

static ssize_t out_mask_show(struct vmbus_channel *channel, char *buf)
{
	return vmbus_chan_ring_show(&channel->outbound, VMBUS_RING_MASK, buf);
}
static VMBUS_CHAN_ATTR(out_mask, 0444, out_mask_show, NULL);

static ssize_t in_mask_show(struct vmbus_channel *channel, char *buf)
{
	return vmbus_chan_ring_show(&channel->inbound, VMBUS_RING_MASK, buf);
}
static VMBUS_CHAN_ATTR(in_mask, 0444, in_mask_show, NULL);

static ssize_t read_avail_show(struct vmbus_channel *channel, char *buf)
{
	return vmbus_chan_ring_show(&channel->inbound, VMBUS_RING_READ_AVAIL,
				    buf);
}
static VMBUS_CHAN_ATTR(read_avail, 0444, read_avail_show, NULL);

static ssize_t write_avail_show(struct vmbus_channel *channel, char *buf)
{
	return vmbus_chan_ring_show(&channel->outbound, VMBUS_RING_WRITE_AVAIL,
				    buf);
}
static VMBUS_CHAN_ATTR(write_avail, 0444, write_avail_show, NULL);

static ssize_t target_cpu_show(struct vmbus_channel *channel, char *buf)
{
	return sysfs_emit(buf, "%u\n", channel->target_cpu);
}

/* Move the channel's interrupts to another CPU (MODIFYCHANNEL, >= 4.1). */
static ssize_t target_cpu_store(struct vmbus_channel *channel,
				const char *buf, size_t count)
{
	u32 target_cpu, origin_cpu, target_vp;
	ssize_t ret = count;

	if (vmbus_proto_version < HVIS_VMBUS_VERSION_WIN10_V4_1)
		return -EIO;
	if (kstrtou32(buf, 10, &target_cpu))
		return -EIO;
	/* Housekeeping CPUs the platform has a VP for, as at offer time. */
	if (target_cpu >= nr_cpu_ids || !vmbus_cpu_usable(target_cpu))
		return -EINVAL;
	if (vmbus_platform_vp_index(target_cpu, &target_vp))
		return -EIO;

	cpus_read_lock();
	if (!cpu_online(target_cpu)) {
		cpus_read_unlock();
		return -EINVAL;
	}
	/*
	 * channel_mutex orders this against close (vmbus_disconnect_ring):
	 * MODIFYCHANNEL is only sent while the channel is open, and the host
	 * handles messages in the order they were posted.
	 */
	mutex_lock(&vmbus_conn.channel_mutex);
	if (channel->state != CHANNEL_OPENED_STATE) {
		ret = -EIO;
		goto out_unlock;
	}
	origin_cpu = channel->target_cpu;
	if (target_cpu == origin_cpu)
		goto out_unlock;
	if (vmbus_send_modifychannel(channel, target_vp)) {
		ret = -EIO;
		goto out_unlock;
	}
	channel->target_cpu = target_cpu;
	if (channel->change_target_cpu_callback)
		channel->change_target_cpu_callback(channel, origin_cpu,
						    target_cpu);
out_unlock:
	mutex_unlock(&vmbus_conn.channel_mutex);
	cpus_read_unlock();
	return ret;
}
static VMBUS_CHAN_ATTR(cpu, 0644, target_cpu_show, target_cpu_store);

#define VMBUS_CHAN_STAT(_name, _fmt, _expr)				\
static ssize_t chan_##_name##_show(struct vmbus_channel *channel,	\
				   char *buf)				\
{									\
	return sysfs_emit(buf, _fmt "\n", _expr);			\
}									\
static VMBUS_CHAN_ATTR(_name, 0444, chan_##_name##_show, NULL)

VMBUS_CHAN_STAT(pending, "%u", vmbus_monitor_pending(channel, 1));
VMBUS_CHAN_STAT(latency, "%u", vmbus_monitor_latency(channel, 1));
VMBUS_CHAN_STAT(interrupts, "%llu", channel->interrupts);
VMBUS_CHAN_STAT(events, "%llu", channel->sig_events);
VMBUS_CHAN_STAT(intr_in_full, "%llu", channel->intr_in_full);
VMBUS_CHAN_STAT(intr_out_empty, "%llu", channel->intr_out_empty);
VMBUS_CHAN_STAT(out_full_first, "%llu", channel->out_full_first);
VMBUS_CHAN_STAT(out_full_total, "%llu", channel->out_full_total);
VMBUS_CHAN_STAT(monitor_id, "%u", channel->offermsg.monitorid);
VMBUS_CHAN_STAT(subchannel_id, "%u", channel->offermsg.offer.sub_channel_index);

static struct attribute *vmbus_chan_attrs[] = {
	&chan_attr_out_mask.attr,
	&chan_attr_in_mask.attr,
	&chan_attr_read_avail.attr,
	&chan_attr_write_avail.attr,
	&chan_attr_cpu.attr,
	&chan_attr_pending.attr,
	&chan_attr_latency.attr,
	&chan_attr_interrupts.attr,
	&chan_attr_events.attr,
	&chan_attr_intr_in_full.attr,
	&chan_attr_intr_out_empty.attr,
	&chan_attr_out_full_first.attr,
	&chan_attr_out_full_total.attr,
	&chan_attr_monitor_id.attr,
	&chan_attr_subchannel_id.attr,
	NULL,
};

static umode_t vmbus_chan_attr_is_visible(struct kobject *kobj,
					  struct attribute *attr, int idx)
{
	const struct vmbus_channel *channel = kobj_to_channel(kobj);

	if (!channel->offermsg.monitor_allocated &&
	    (attr == &chan_attr_pending.attr ||
	     attr == &chan_attr_latency.attr ||
	     attr == &chan_attr_monitor_id.attr))
		return 0;
	return attr->mode;
}

#if HVIS_HAVE_RING_SYSFS
/* uio_hv_generic's "ring": mmap of the channel's ring buffers. */
static int vmbus_chan_ring_mmap(struct file *filp, struct kobject *kobj,
				struct bin_attribute *attr,
				struct vm_area_struct *vma)
{
	struct vmbus_channel *channel = kobj_to_channel(kobj);

	/* hv_remove_ring_sysfs() hides the file before clearing the hook. */
	if (!channel->mmap_ring_buffer)
		return -ENODEV;
	return channel->mmap_ring_buffer(channel, vma);
}

static struct bin_attribute chan_attr_ring_buffer = {
	.attr = { .name = "ring", .mode = 0600 },
	.mmap = vmbus_chan_ring_mmap,
};

static struct bin_attribute *vmbus_chan_bin_attrs[] = {
	&chan_attr_ring_buffer,
	NULL,
};

static umode_t vmbus_chan_bin_attr_is_visible(struct kobject *kobj,
					      struct bin_attribute *attr,
					      int idx)
{
	const struct vmbus_channel *channel = kobj_to_channel(kobj);

	if (attr == &chan_attr_ring_buffer && !channel->ring_sysfs_visible)
		return 0;
	attr->size = (size_t)channel->ringbuffer_pagecount << PAGE_SHIFT;
	return attr->attr.mode;
}
#endif

static const struct attribute_group vmbus_chan_group = {
	.attrs = vmbus_chan_attrs,
	.is_visible = vmbus_chan_attr_is_visible,
#if HVIS_HAVE_RING_SYSFS
	.bin_attrs = vmbus_chan_bin_attrs,
	.is_bin_visible = vmbus_chan_bin_attr_is_visible,
#endif
};

/* The channel's memory lives as long as its kobject. */
static void vmbus_chan_release(struct kobject *kobj)
{
	struct vmbus_channel *channel = kobj_to_channel(kobj);

	/* The interrupt path may still hold it under RCU. */
	kfree_rcu(channel, rcu);
}

static const struct kobj_type vmbus_chan_ktype = {
	.sysfs_ops = &vmbus_chan_sysfs_ops,
	.release = vmbus_chan_release,
};

/**
 * vmbus_channel_kobj_init - make @channel's lifetime its kobject's
 * @channel: a new channel
 */
void vmbus_channel_kobj_init(struct vmbus_channel *channel)
{
	kobject_init(&channel->kobj, &vmbus_chan_ktype);
}

/**
 * vmbus_add_channel_kobj - add channels/<relid>/ for @channel
 * @dev: the device the channel belongs to
 * @channel: primary or sub-channel
 *
 * On failure nothing is left in sysfs; the kobject stays the caller's.
 *
 * Return: 0 or -errno.
 */
int vmbus_add_channel_kobj(struct hv_device *dev,
			   struct vmbus_channel *channel)
{
	struct kobject *kobj = &channel->kobj;
	int ret;

	kobj->kset = dev->channels_kset;
	ret = kobject_add(kobj, NULL, "%u", channel->offermsg.child_relid);
	if (ret)
		return ret;
	ret = sysfs_create_group(kobj, &vmbus_chan_group);
	if (ret) {
		dev_err(&dev->device, "Unable to set up channel sysfs files\n");
		kobject_del(kobj);
		return ret;
	}
	kobject_uevent(kobj, KOBJ_ADD);
	return 0;
}

/**
 * vmbus_remove_channel_attr_group - remove the files of channels/<relid>/
 * @channel: the channel, in sysfs or not
 */
void vmbus_remove_channel_attr_group(struct vmbus_channel *channel)
{
	if (channel->kobj.state_in_sysfs)
		sysfs_remove_group(&channel->kobj, &vmbus_chan_group);
}

#if HVIS_HAVE_RING_SYSFS
/**
 * hv_create_ring_sysfs - show the channel's "ring" file
 * @channel: the channel
 * @hv_mmap_ring_buffer: what mmap of the file calls
 *
 * Return: 0 or the sysfs_update_group() error.
 */
int hv_create_ring_sysfs(struct vmbus_channel *channel,
			 int (*hv_mmap_ring_buffer)(struct vmbus_channel *channel,
						    struct vm_area_struct *vma))
{
	channel->mmap_ring_buffer = hv_mmap_ring_buffer;
	channel->ring_sysfs_visible = true;
	return sysfs_update_group(&channel->kobj, &vmbus_chan_group);
}
EXPORT_SYMBOL_GPL(hv_create_ring_sysfs);

/**
 * hv_remove_ring_sysfs - hide the channel's "ring" file
 * @channel: the channel
 *
 * Return: 0 or the sysfs_update_group() error.
 */
int hv_remove_ring_sysfs(struct vmbus_channel *channel)
{
	int ret;

	channel->ring_sysfs_visible = false;
	ret = sysfs_update_group(&channel->kobj, &vmbus_chan_group);
	channel->mmap_ring_buffer = NULL;
	return ret;
}
EXPORT_SYMBOL_GPL(hv_remove_ring_sysfs);
#endif
