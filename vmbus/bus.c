// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "vmbus" bus type: driver matching and registration, the devices and
 * their sysfs attributes (Documentation/ABI/stable/sysfs-bus-vmbus).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/* Exports carry the in-tree CRCs: see export_abi.h. */
#define HVIS_EXPORTS_LIKE_VMBUS_DRV
#include "export_abi.h"

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/pci_ids.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "vmbus_priv.h"

struct device *vmbus_parent_dev;

/* A GUID added through a driver's new_id file. */
struct vmbus_dynid {
	struct list_head node;
	struct hv_vmbus_device_id id;
};

/*
 * A device as this module allocates it: struct hv_device is the kernel's,
 * so what only the bus tracks sits around it.  registered is written and
 * read under channel_mutex: set once device_register() succeeded, cleared
 * by the one vmbus_device_unregister() call that goes on to unregister.
 */
struct vmbus_dev {
	struct hv_device hv_dev;
	bool registered;
};

static struct hv_device *to_hv(struct device *dev)
{
	return container_of(dev, struct hv_device, device);
}

static struct vmbus_dev *to_vmbus_dev(struct hv_device *hv_dev)
{
	return container_of(hv_dev, struct vmbus_dev, hv_dev);
}

/**
 * vmbus_device_registered - is @hv_dev still to be unregistered?
 * @hv_dev: a device from vmbus_device_create()
 *
 * Caller holds channel_mutex.
 */
bool vmbus_device_registered(struct hv_device *hv_dev)
{
	lockdep_assert_held(&vmbus_conn.channel_mutex);
	return to_vmbus_dev(hv_dev)->registered;
}

static struct hv_driver *to_hv_drv(HVIS_BUS_MATCH_CONST struct device_driver *drv)
{
	return container_of(drv, struct hv_driver, driver);
}

/* Monitor page fields for a channel's monitor id; page 0 is the server's. */
u32 vmbus_monitor_pending(const struct vmbus_channel *channel, int page)
{
	const struct hvis_monitor_page *mp = vmbus_conn.monitor_pages[page];

	if (!mp)
		return 0;
	return READ_ONCE(mp->trigger_group[channel->monitor_grp].pending);
}

u32 vmbus_monitor_latency(const struct vmbus_channel *channel, int page)
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
	if (!vmbus_platform_bound())
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

/* The last reference to a device: its channel goes with it. */
static void vmbus_device_release(struct device *device)
{
	struct hv_device *hv_dev = to_hv(device);
	struct vmbus_channel *channel = hv_dev->channel;

	mutex_lock(&vmbus_conn.channel_mutex);
	if (channel && channel->device_obj == hv_dev) {
		/* A sub-channel's offer work looks for it under the mutex. */
		channel->device_obj = NULL;
		hv_process_channel_removal(channel);
	}
	mutex_unlock(&vmbus_conn.channel_mutex);
#if !HVIS_CORE_DRIVER_OVERRIDE
	kfree(hv_dev->driver_override);
#endif
	kfree(to_vmbus_dev(hv_dev));
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
	struct vmbus_dev *vdev = kzalloc(sizeof(*vdev), GFP_KERNEL);
	struct hv_device *dev;

	if (!vdev)
		return NULL;
	dev = &vdev->hv_dev;
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
	mutex_lock(&vmbus_conn.channel_mutex);
	to_vmbus_dev(child_device_obj)->registered = true;
	mutex_unlock(&vmbus_conn.channel_mutex);
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
 *
 * Only the first call does anything, so the rescind, hv_sock and unload
 * paths may each try.
 */
void vmbus_device_unregister(struct hv_device *device_obj)
{
	struct vmbus_dev *vdev = to_vmbus_dev(device_obj);
	struct kset *kset;

	mutex_lock(&vmbus_conn.channel_mutex);
	if (!vdev->registered) {
		mutex_unlock(&vmbus_conn.channel_mutex);
		return;
	}
	vdev->registered = false;
	/* A sub-channel's offer work adds to it only while it is set. */
	kset = device_obj->channels_kset;
	device_obj->channels_kset = NULL;
	mutex_unlock(&vmbus_conn.channel_mutex);

	kset_unregister(kset);
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
