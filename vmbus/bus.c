// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "vmbus" bus type: driver matching and registration, the devices and
 * their sysfs attributes (Documentation/ABI/stable/sysfs-bus-vmbus).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/pci_ids.h>
#include <linux/sched/isolation.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "vmbus_priv.h"

struct device *vmbus_parent_dev;

/* A GUID added through a driver's new_id file. */
struct vmbus_dynid {
	struct list_head node;
	struct hv_vmbus_device_id id;
};

static struct hv_device *to_hv(struct device *dev)
{
	return container_of(dev, struct hv_device, device);
}

static struct hv_driver *to_hv_drv(HVIS_BUS_MATCH_CONST struct device_driver *drv)
{
	return container_of(drv, struct hv_driver, driver);
}

/* Monitor page fields for a channel's monitor id. */
static u32 vmbus_monitor_pending(const struct vmbus_channel *channel, int page)
{
	const struct hvis_monitor_page *mp = vmbus_conn.monitor_pages[page];

	if (!mp)
		return 0;
	return READ_ONCE(mp->trigger_group[channel->monitor_grp].pending);
}

static u32 vmbus_monitor_latency(const struct vmbus_channel *channel, int page)
{
	const struct hvis_monitor_page *mp = vmbus_conn.monitor_pages[page];

	if (!mp)
		return 0;
	return READ_ONCE(mp->latency[channel->monitor_grp][channel->monitor_bit]);
}

static u32 vmbus_monitor_conn_id(const struct vmbus_channel *channel, int page)
{
	const struct hvis_monitor_page *mp = vmbus_conn.monitor_pages[page];

	if (!mp)
		return 0;
	return READ_ONCE(mp->parameter[channel->monitor_grp]
				      [channel->monitor_bit].connection_id) &
	       HVIS_CONNECTION_ID_MASK;
}

#define VMBUS_DEV_ATTR(_name, _fmt, _expr)				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct vmbus_channel *channel = to_hv(dev)->channel;		\
									\
	if (!channel)							\
		return -ENODEV;						\
	return sysfs_emit(buf, _fmt "\n", _expr);			\
}									\
static DEVICE_ATTR_RO(_name)

VMBUS_DEV_ATTR(id, "%u", channel->offermsg.child_relid);
VMBUS_DEV_ATTR(state, "%d", channel->state);
VMBUS_DEV_ATTR(monitor_id, "%u", channel->offermsg.monitorid);
VMBUS_DEV_ATTR(class_id, "{%pUl}", &channel->offermsg.offer.if_type);
VMBUS_DEV_ATTR(device_id, "{%pUl}", &channel->offermsg.offer.if_instance);
#ifdef CONFIG_NUMA
VMBUS_DEV_ATTR(numa_node, "%d", cpu_to_node(channel->target_cpu));
#endif
VMBUS_DEV_ATTR(server_monitor_pending, "%u",
	       vmbus_monitor_pending(channel, 0));
VMBUS_DEV_ATTR(client_monitor_pending, "%u",
	       vmbus_monitor_pending(channel, 1));
VMBUS_DEV_ATTR(server_monitor_latency, "%u",
	       vmbus_monitor_latency(channel, 0));
VMBUS_DEV_ATTR(client_monitor_latency, "%u",
	       vmbus_monitor_latency(channel, 1));
VMBUS_DEV_ATTR(server_monitor_conn_id, "%u",
	       vmbus_monitor_conn_id(channel, 0));
VMBUS_DEV_ATTR(client_monitor_conn_id, "%u",
	       vmbus_monitor_conn_id(channel, 1));

/* Ring state as the ring code reports it; -EINVAL while not open. */
static ssize_t vmbus_ring_show(struct device *dev, char *buf, bool out,
			       size_t field)
{
	struct vmbus_channel *channel = to_hv(dev)->channel;
	struct hv_ring_buffer_debug_info info;
	int ret;

	if (!channel)
		return -ENODEV;
	ret = hv_ringbuffer_get_debuginfo(out ? &channel->outbound :
					  &channel->inbound, &info);
	if (ret < 0)
		return ret;
	return sysfs_emit(buf, "%u\n", *(u32 *)((u8 *)&info + field));
}

#define VMBUS_RING_ATTR(_name, _out, _field)				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return vmbus_ring_show(dev, buf, _out,				\
		offsetof(struct hv_ring_buffer_debug_info, _field));	\
}									\
static DEVICE_ATTR_RO(_name)

VMBUS_RING_ATTR(out_intr_mask, true, current_interrupt_mask);
VMBUS_RING_ATTR(out_read_index, true, current_read_index);
VMBUS_RING_ATTR(out_write_index, true, current_write_index);
VMBUS_RING_ATTR(out_read_bytes_avail, true, bytes_avail_toread);
VMBUS_RING_ATTR(out_write_bytes_avail, true, bytes_avail_towrite);
VMBUS_RING_ATTR(in_intr_mask, false, current_interrupt_mask);
VMBUS_RING_ATTR(in_read_index, false, current_read_index);
VMBUS_RING_ATTR(in_write_index, false, current_write_index);
VMBUS_RING_ATTR(in_read_bytes_avail, false, bytes_avail_toread);
VMBUS_RING_ATTR(in_write_bytes_avail, false, bytes_avail_towrite);

static ssize_t modalias_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "vmbus:%*phN\n", UUID_SIZE,
			  &to_hv(dev)->dev_type);
}
static DEVICE_ATTR_RO(modalias);

static ssize_t channel_vp_mapping_show(struct device *dev,
				       struct device_attribute *attr,
				       char *buf)
{
	struct vmbus_channel *channel = to_hv(dev)->channel, *sc;
	int n;

	if (!channel)
		return -ENODEV;
	mutex_lock(&vmbus_conn.channel_mutex);
	n = sysfs_emit(buf, "%u:%u\n", channel->offermsg.child_relid,
		       channel->target_cpu);
	list_for_each_entry(sc, &channel->sc_list, sc_list)
		n += sysfs_emit_at(buf, n, "%u:%u\n", sc->offermsg.child_relid,
				   sc->target_cpu);
	mutex_unlock(&vmbus_conn.channel_mutex);
	return n;
}
static DEVICE_ATTR_RO(channel_vp_mapping);

static ssize_t vendor_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "0x%x\n", to_hv(dev)->vendor_id);
}
static DEVICE_ATTR_RO(vendor);

static ssize_t device_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "0x%x\n", to_hv(dev)->device_id);
}
static DEVICE_ATTR_RO(device);

#if !HVIS_CORE_DRIVER_OVERRIDE
static ssize_t driver_override_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	int ret;

	ret = driver_set_override(dev, &to_hv(dev)->driver_override, buf,
				  count);
	return ret ? ret : count;
}

static ssize_t driver_override_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	ssize_t len;

	device_lock(dev);
	len = sysfs_emit(buf, "%s\n", to_hv(dev)->driver_override);
	device_unlock(dev);
	return len;
}
static DEVICE_ATTR_RW(driver_override);
#endif

static struct attribute *vmbus_dev_attrs[] = {
	&dev_attr_id.attr,
	&dev_attr_state.attr,
	&dev_attr_monitor_id.attr,
	&dev_attr_class_id.attr,
	&dev_attr_device_id.attr,
	&dev_attr_modalias.attr,
#ifdef CONFIG_NUMA
	&dev_attr_numa_node.attr,
#endif
	&dev_attr_server_monitor_pending.attr,
	&dev_attr_client_monitor_pending.attr,
	&dev_attr_server_monitor_latency.attr,
	&dev_attr_client_monitor_latency.attr,
	&dev_attr_server_monitor_conn_id.attr,
	&dev_attr_client_monitor_conn_id.attr,
	&dev_attr_out_intr_mask.attr,
	&dev_attr_out_read_index.attr,
	&dev_attr_out_write_index.attr,
	&dev_attr_out_read_bytes_avail.attr,
	&dev_attr_out_write_bytes_avail.attr,
	&dev_attr_in_intr_mask.attr,
	&dev_attr_in_read_index.attr,
	&dev_attr_in_write_index.attr,
	&dev_attr_in_read_bytes_avail.attr,
	&dev_attr_in_write_bytes_avail.attr,
	&dev_attr_channel_vp_mapping.attr,
	&dev_attr_vendor.attr,
	&dev_attr_device.attr,
#if !HVIS_CORE_DRIVER_OVERRIDE
	&dev_attr_driver_override.attr,
#endif
	NULL,
};

/* Monitor attributes exist only for channels the host monitors. */
static umode_t vmbus_dev_attr_is_visible(struct kobject *kobj,
					 struct attribute *attr, int idx)
{
	struct hv_device *hv_dev = to_hv(kobj_to_dev(kobj));

	if (!hv_dev->channel->offermsg.monitor_allocated &&
	    (attr == &dev_attr_monitor_id.attr ||
	     attr == &dev_attr_server_monitor_pending.attr ||
	     attr == &dev_attr_client_monitor_pending.attr ||
	     attr == &dev_attr_server_monitor_latency.attr ||
	     attr == &dev_attr_client_monitor_latency.attr ||
	     attr == &dev_attr_server_monitor_conn_id.attr ||
	     attr == &dev_attr_client_monitor_conn_id.attr))
		return 0;
	return attr->mode;
}

static const struct attribute_group vmbus_dev_group = {
	.attrs = vmbus_dev_attrs,
	.is_visible = vmbus_dev_attr_is_visible,
};
__ATTRIBUTE_GROUPS(vmbus_dev);

/* hv_vmbus has no suspend/resume support, so hibernation is not offered. */
static ssize_t hibernation_show(HVIS_BUS_ATTR_CONST struct bus_type *bus,
				char *buf)
{
	return sysfs_emit(buf, "%d\n", 0);
}
static BUS_ATTR_RO(hibernation);

static struct attribute *vmbus_bus_attrs[] = {
	&bus_attr_hibernation.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vmbus_bus);

static const struct hv_vmbus_device_id *
vmbus_dynid_match(struct hv_driver *drv, const guid_t *guid)
{
	const struct hv_vmbus_device_id *id = NULL;
	struct vmbus_dynid *dynid;

	spin_lock(&drv->dynids.lock);
	list_for_each_entry(dynid, &drv->dynids.list, node) {
		if (guid_equal(&dynid->id.guid, guid)) {
			id = &dynid->id;
			break;
		}
	}
	spin_unlock(&drv->dynids.lock);
	return id;
}

static const struct hv_vmbus_device_id vmbus_device_null;

/* Dynamic ids first, then the driver's table; driver_override rules both. */
static const struct hv_vmbus_device_id *vmbus_get_id(struct hv_driver *drv,
						     struct hv_device *dev)
{
	const struct hv_vmbus_device_id *id;
	bool forced;

#if HVIS_CORE_DRIVER_OVERRIDE
	int ret = device_match_driver_override(&dev->device, &drv->driver);

	if (ret == 0)
		return NULL;
	forced = ret > 0;
#else
	if (dev->driver_override && strcmp(dev->driver_override, drv->name))
		return NULL;
	forced = dev->driver_override;
#endif
	id = vmbus_dynid_match(drv, &dev->dev_type);
	if (!id && drv->id_table) {
		for (id = drv->id_table; !guid_is_null(&id->guid); id++)
			if (guid_equal(&id->guid, &dev->dev_type))
				break;
		if (guid_is_null(&id->guid))
			id = NULL;
	}
	if (!id && forced)
		id = &vmbus_device_null;
	return id;
}

static ssize_t new_id_store(struct device_driver *driver, const char *buf,
			    size_t count)
{
	struct hv_driver *drv = to_hv_drv(driver);
	struct vmbus_dynid *dynid;
	guid_t guid;
	int ret;

	ret = guid_parse(buf, &guid);
	if (ret)
		return ret;
	if (vmbus_dynid_match(drv, &guid))
		return -EEXIST;
	dynid = kzalloc(sizeof(*dynid), GFP_KERNEL);
	if (!dynid)
		return -ENOMEM;
	dynid->id.guid = guid;
	spin_lock(&drv->dynids.lock);
	list_add_tail(&dynid->node, &drv->dynids.list);
	spin_unlock(&drv->dynids.lock);

	ret = driver_attach(&drv->driver);
	return ret ? ret : count;
}
static DRIVER_ATTR_WO(new_id);

static ssize_t remove_id_store(struct device_driver *driver, const char *buf,
			       size_t count)
{
	struct hv_driver *drv = to_hv_drv(driver);
	struct vmbus_dynid *dynid, *n;
	ssize_t ret = -ENODEV;
	guid_t guid;

	if (guid_parse(buf, &guid))
		return -EINVAL;
	spin_lock(&drv->dynids.lock);
	list_for_each_entry_safe(dynid, n, &drv->dynids.list, node) {
		if (guid_equal(&dynid->id.guid, &guid)) {
			list_del(&dynid->node);
			kfree(dynid);
			ret = count;
			break;
		}
	}
	spin_unlock(&drv->dynids.lock);
	return ret;
}
static DRIVER_ATTR_WO(remove_id);

static struct attribute *vmbus_drv_attrs[] = {
	&driver_attr_new_id.attr,
	&driver_attr_remove_id.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vmbus_drv);

static int vmbus_uevent(HVIS_BUS_UEVENT_CONST struct device *dev,
			struct kobj_uevent_env *env)
{
	const struct hv_device *hv_dev =
		container_of(dev, struct hv_device, device);

	return add_uevent_var(env, "MODALIAS=vmbus:%*phN", UUID_SIZE,
			      &hv_dev->dev_type);
}

static int vmbus_match(struct device *dev,
		       HVIS_BUS_MATCH_CONST struct device_driver *driver)
{
	struct hv_driver *drv = to_hv_drv(driver);
	struct hv_device *hv_dev = to_hv(dev);

	/* hv_sock claims every hv_sock offer, whatever its class. */
	if (is_hvsock_channel(hv_dev->channel))
		return drv->hvsock;
	return !!vmbus_get_id(drv, hv_dev);
}

static int vmbus_probe(struct device *dev)
{
	struct hv_driver *drv = to_hv_drv(dev->driver);
	struct hv_device *hv_dev = to_hv(dev);
	int ret;

	if (!drv->probe)
		return -ENODEV;
	ret = drv->probe(hv_dev, vmbus_get_id(drv, hv_dev));
	if (ret)
		pr_err("probe failed for device %s (%d)\n", dev_name(dev), ret);
	return ret;
}

static void vmbus_remove(struct device *dev)
{
	struct hv_driver *drv;

	if (!dev->driver)
		return;
	drv = to_hv_drv(dev->driver);
	/* int on 6.1, void from 6.3: the driver core ignores it either way. */
	if (drv->remove)
		drv->remove(to_hv(dev));
}

static void vmbus_shutdown(struct device *dev)
{
	struct hv_driver *drv;

	if (!dev->driver)
		return;
	drv = to_hv_drv(dev->driver);
	if (drv->shutdown)
		drv->shutdown(to_hv(dev));
}

static struct bus_type hv_bus = {
	.name		= "vmbus",
	.match		= vmbus_match,
	.probe		= vmbus_probe,
	.remove		= vmbus_remove,
	.shutdown	= vmbus_shutdown,
	.uevent		= vmbus_uevent,
	.dev_groups	= vmbus_dev_groups,
	.drv_groups	= vmbus_drv_groups,
	.bus_groups	= vmbus_bus_groups,
#if HVIS_CORE_DRIVER_OVERRIDE
	.driver_override = true,
#endif
};

/**
 * __vmbus_driver_register - register a VMBus driver
 * @hv_driver: the driver
 * @owner: its module
 * @mod_name: its module's name
 *
 * Return: 0, -ENODEV when no VMBus is attached, or a driver_register() error.
 */
int __vmbus_driver_register(struct hv_driver *hv_driver, struct module *owner,
			    const char *mod_name)
{
	if (!READ_ONCE(vmbus_conn.platform))
		return -ENODEV;

	hv_driver->driver.name = hv_driver->name;
	hv_driver->driver.owner = owner;
	hv_driver->driver.mod_name = mod_name;
	hv_driver->driver.bus = &hv_bus;
	spin_lock_init(&hv_driver->dynids.lock);
	INIT_LIST_HEAD(&hv_driver->dynids.list);

	return driver_register(&hv_driver->driver);
}
EXPORT_SYMBOL_GPL(__vmbus_driver_register);

/**
 * vmbus_driver_unregister - unregister a VMBus driver
 * @hv_driver: the driver
 */
void vmbus_driver_unregister(struct hv_driver *hv_driver)
{
	struct vmbus_dynid *dynid, *n;

	driver_unregister(&hv_driver->driver);
	spin_lock(&hv_driver->dynids.lock);
	list_for_each_entry_safe(dynid, n, &hv_driver->dynids.list, node) {
		list_del(&dynid->node);
		kfree(dynid);
	}
	spin_unlock(&hv_driver->dynids.lock);
}
EXPORT_SYMBOL_GPL(vmbus_driver_unregister);

/* Channel attributes: /sys/bus/vmbus/devices/<guid>/channels/<relid>/. */
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
	const struct vmbus_platform_ops *ops = READ_ONCE(vmbus_conn.platform);
	u32 target_cpu, origin_cpu;
	ssize_t ret = count;

	if (!ops || vmbus_proto_version < HVIS_VMBUS_VERSION_WIN10_V4_1)
		return -EIO;
	if (kstrtou32(buf, 10, &target_cpu))
		return -EIO;
	if (target_cpu >= nr_cpu_ids ||
	    !cpumask_test_cpu(target_cpu,
			      housekeeping_cpumask(HK_TYPE_MANAGED_IRQ)))
		return -EINVAL;

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
	if (vmbus_send_modifychannel(channel, ops->vp_index(target_cpu))) {
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

/* The last reference to a device: its channel goes with it. */
static void vmbus_device_release(struct device *device)
{
	struct hv_device *hv_dev = to_hv(device);
	struct vmbus_channel *channel = hv_dev->channel;

	mutex_lock(&vmbus_conn.channel_mutex);
	if (channel && channel->device_obj == hv_dev)
		hv_process_channel_removal(channel);
	mutex_unlock(&vmbus_conn.channel_mutex);
#if !HVIS_CORE_DRIVER_OVERRIDE
	kfree(hv_dev->driver_override);
#endif
	kfree(hv_dev);
}

/**
 * vmbus_device_create - allocate the device for a primary channel
 * @type: device class
 * @instance: device instance
 * @channel: the primary channel
 *
 * Return: the device, or NULL.
 */
struct hv_device *vmbus_device_create(const guid_t *type,
				      const guid_t *instance,
				      struct vmbus_channel *channel)
{
	struct hv_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	if (!dev)
		return NULL;
	dev->channel = channel;
	guid_copy(&dev->dev_type, type);
	guid_copy(&dev->dev_instance, instance);
	dev->vendor_id = PCI_VENDOR_ID_MICROSOFT;
	return dev;
}

/**
 * vmbus_device_register - add a device and its primary channel to sysfs
 * @child_device_obj: from vmbus_device_create(), channel->device_obj set
 *
 * On failure the device is freed and channel->device_obj cleared; the
 * channel stays the caller's.
 *
 * Return: 0 or -errno.
 */
int vmbus_device_register(struct hv_device *child_device_obj)
{
	struct device *dev = &child_device_obj->device;
	struct vmbus_channel *channel = child_device_obj->channel;
	int ret;

	dev_set_name(dev, "%pUl", &channel->offermsg.offer.if_instance);
	dev->bus = &hv_bus;
	dev->parent = vmbus_parent_dev;
	dev->release = vmbus_device_release;
	dev->dma_parms = &child_device_obj->dma_parms;
	dev->dma_mask = &child_device_obj->dma_mask;
	dma_set_mask(dev, DMA_BIT_MASK(64));

	ret = device_register(dev);
	if (ret) {
		pr_err("Unable to register child device\n");
		goto err_put_device;
	}
	child_device_obj->channels_kset =
		kset_create_and_add("channels", NULL, &dev->kobj);
	if (!child_device_obj->channels_kset) {
		ret = -ENOMEM;
		goto err_unregister;
	}
	ret = vmbus_add_channel_kobj(child_device_obj, channel);
	if (ret) {
		pr_err("Unable to register primary channel\n");
		goto err_kset_unregister;
	}
	return 0;

err_kset_unregister:
	kset_unregister(child_device_obj->channels_kset);
err_unregister:
	/* Release must not free the channel: the caller keeps it. */
	channel->device_obj = NULL;
	device_unregister(dev);
	return ret;

err_put_device:
	channel->device_obj = NULL;
	put_device(dev);
	return ret;
}

/**
 * vmbus_device_unregister - remove a device; its release frees the channel
 * @device_obj: the device
 */
void vmbus_device_unregister(struct hv_device *device_obj)
{
	kset_unregister(device_obj->channels_kset);
	device_obj->channels_kset = NULL;
	device_unregister(&device_obj->device);
}
EXPORT_SYMBOL_GPL(vmbus_device_unregister);

/**
 * vmbus_allocate_mmio - allocate MMIO space for a VMBus device
 * @new: the resource allocated
 * @device_obj: the device asking
 * @min: lowest acceptable start
 * @max: highest acceptable end
 * @size: size wanted
 * @align: alignment wanted
 * @fb_overlap_ok: whether the frame buffer's range may be used
 *
 * The hvshm transport has no MMIO window, and hv_vmbus does not yet read the
 * VMBus ACPI device's _CRS on Hyper-V, so no device can get MMIO space:
 * vPCI and the synthetic frame buffer are not supported.
 *
 * Return: -ENODEV.
 */
int vmbus_allocate_mmio(struct resource **new, struct hv_device *device_obj,
			resource_size_t min, resource_size_t max,
			resource_size_t size, resource_size_t align,
			bool fb_overlap_ok)
{
	*new = NULL;
	return -ENODEV;
}
EXPORT_SYMBOL_GPL(vmbus_allocate_mmio);

/**
 * vmbus_free_mmio - free what vmbus_allocate_mmio() gave; it never gives
 * @start: start of the range
 * @size: its size
 */
void vmbus_free_mmio(resource_size_t start, resource_size_t size)
{
}
EXPORT_SYMBOL_GPL(vmbus_free_mmio);

/**
 * vmbus_bus_init - register the bus type
 *
 * Return: 0 or the bus_register() error.
 */
int vmbus_bus_init(void)
{
	return bus_register(&hv_bus);
}

/** vmbus_bus_exit - unregister the bus type */
void vmbus_bus_exit(void)
{
	bus_unregister(&hv_bus);
}
