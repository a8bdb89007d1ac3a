// SPDX-License-Identifier: GPL-2.0-only
/*
 * Channel removal: host rescinds, freeing channels and relids, and the
 * unload that drops every channel when hv_vmbus goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/* Exports carry the in-tree CRCs: see export_abi.h. */
#define HVIS_EXPORTS_LIKE_CHANNEL_MGMT
#include "export_abi.h"

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/module.h>

#include "vmbus_priv.h"

#define VMBUS_UNLOAD_TIMEOUT	(10 * HZ)

static void vmbus_channel_unmap_relid(struct vmbus_channel *channel)
{
	u32 relid = channel->offermsg.child_relid;

	lockdep_assert_held(&vmbus_conn.channel_mutex);
	if (!vmbus_conn.channels || relid == 0 || relid > HVIS_VMBUS_MAX_RELID)
		return;
	if (rcu_access_pointer(vmbus_conn.channels[relid]) == channel)
		RCU_INIT_POINTER(vmbus_conn.channels[relid], NULL);
}

/**
 * vmbus_release_relid - tell the host the guest is done with @relid
 * @relid: a rescinded (or refused) channel's relid
 */
void vmbus_release_relid(u32 relid)
{
	struct hvis_chmsg_relid msg = {
		.header.msgtype = HVIS_CHMSG_RELID_RELEASED,
		.child_relid = relid,
	};
	int ret;

	ret = vmbus_post_msg(&msg, sizeof(msg), true);
	if (ret)
		pr_err_ratelimited("RELID_RELEASED %u failed (%d)\n", relid,
				   ret);
}

/**
 * hv_process_channel_removal - forget a closed channel and free it
 * @channel: rescinded by the host, or any channel during unload
 *
 * Only @channel goes, as in-tree: each sub-channel of a primary goes
 * through its own rescind (or, on unload, vmbus_free_orphans()), and keeps
 * the primary's memory alive until then.  A host rescind is answered with
 * RELID_RELEASED; on unload the host has forgotten every relid.  Caller
 * holds channel_mutex.
 */
void hv_process_channel_removal(struct vmbus_channel *channel)
{
	bool release = channel->rescind;

	lockdep_assert_held(&vmbus_conn.channel_mutex);
	WARN_ON(!channel->rescind &&
		READ_ONCE(vmbus_conn.state) != VMBUS_DISCONNECTING);

	vmbus_channel_unmap_relid(channel);
	if (channel->primary_channel)
		list_del_init(&channel->sc_list);
	else
		list_del_init(&channel->listentry);
	if (release)
		vmbus_release_relid(channel->offermsg.child_relid);
	vmbus_free_channel(channel);
}

/**
 * vmbus_free_channels - unregister every device, for unload
 *
 * Runs with the connection DISCONNECTING and the message queues flushed,
 * so no offer or rescind work runs any more.  Devices a rescind handler
 * left registered (drivers with a chn_rescind_callback) go too: their
 * release is this module's code.
 */
void vmbus_free_channels(void)
{
	struct vmbus_channel *channel;
	struct hv_device *dev;

	for (;;) {
		mutex_lock(&vmbus_conn.channel_mutex);
		dev = NULL;
		list_for_each_entry(channel, &vmbus_conn.chn_list, listentry) {
			if (channel->device_obj &&
			    vmbus_device_registered(channel->device_obj)) {
				dev = channel->device_obj;
				get_device(&dev->device);
				break;
			}
		}
		mutex_unlock(&vmbus_conn.channel_mutex);
		if (!dev)
			break;
		/* Clears the registered mark, so the loop moves on. */
		vmbus_device_unregister(dev);
		put_device(&dev->device);
	}
}

/**
 * vmbus_free_orphans - free the sub-channels no rescind came for, on unload
 *
 * After UNLOAD the host has dropped every relid, so nothing is released;
 * a sub-channel a driver still has open is left alone (and reported).
 */
void vmbus_free_orphans(void)
{
	struct vmbus_channel *channel;
	u32 relid;

	mutex_lock(&vmbus_conn.channel_mutex);
	for (relid = 1; vmbus_conn.channels && relid <= HVIS_VMBUS_MAX_RELID;
	     relid++) {
		channel = relid2channel(relid);
		if (!channel || !channel->primary_channel)
			continue;
		if (channel->state == CHANNEL_OPENED_STATE) {
			pr_err("sub-channel %u still open at unload, leaked\n",
			       relid);
			continue;
		}
		channel->rescind = false;	/* no RELID_RELEASED after UNLOAD */
		hv_process_channel_removal(channel);
	}
	mutex_unlock(&vmbus_conn.channel_mutex);
}

/* Mark @channel rescinded and wake the request it may be blocked on. */
static void vmbus_rescind_cleanup(struct vmbus_channel *channel)
{
	struct vmbus_channel_msginfo *msginfo;
	unsigned long flags;

	spin_lock_irqsave(&vmbus_conn.channelmsg_lock, flags);
	channel->rescind = true;
	list_for_each_entry(msginfo, &vmbus_conn.chn_msg_list, msglistentry) {
		if (msginfo->waiting_channel == channel) {
			complete(&msginfo->waitevent);
			break;
		}
	}
	spin_unlock_irqrestore(&vmbus_conn.channelmsg_lock, flags);
}

/**
 * vmbus_onoffer_rescind - the host took a channel away (while connected)
 * @rescind: the validated RESCIND_CHANNELOFFER
 *
 * Runs on the rescind work queue, apart from offers.
 */
void vmbus_onoffer_rescind(const struct hvis_chmsg_relid *rescind)
{
	struct vmbus_channel *channel;
	struct device *dev;

	/* An offer still being mapped could be the one rescinded. */
	while (atomic_read(&vmbus_conn.offer_in_progress) != 0)
		usleep_range(1000, 2000);

	mutex_lock(&vmbus_conn.channel_mutex);
	channel = relid2channel(rescind->child_relid);
	if (!channel || channel->rescind_ref) {
		if (channel)
			vmbus_rescind_cleanup(channel);
		else
			pr_err_ratelimited("rescind of unknown relid %u\n",
					   rescind->child_relid);
		mutex_unlock(&vmbus_conn.channel_mutex);
		return;
	}
	channel->rescind_ref = true;
	mutex_unlock(&vmbus_conn.channel_mutex);

	/* Stop callbacks, then fail whatever the driver waits for. */
	vmbus_reset_channel_cb(channel);
	vmbus_rescind_cleanup(channel);
	while (!READ_ONCE(channel->probe_done))
		usleep_range(1000, 2000);

	if (channel->device_obj) {
		if (channel->chn_rescind_callback) {
			channel->chn_rescind_callback(channel);
			return;
		}
		/* The driver's remove closes the channel; release frees it. */
		dev = get_device(&channel->device_obj->device);
		if (dev) {
			vmbus_device_unregister(channel->device_obj);
			put_device(dev);
		}
		return;
	}

	mutex_lock(&vmbus_conn.channel_mutex);
	if (!channel->primary_channel || channel->state == CHANNEL_OPEN_STATE)
		/* Never opened, or its offer work failed: free it here. */
		hv_process_channel_removal(channel);
	else
		/* Open: the driver's close frees it (vmbus_disconnect_ring). */
		complete(&channel->rescind_event);
	mutex_unlock(&vmbus_conn.channel_mutex);
}

/**
 * vmbus_hvsock_device_unregister - remove an hv_sock device
 * @channel: the hv_sock channel; the host rescinds it on close
 */
void vmbus_hvsock_device_unregister(struct vmbus_channel *channel)
{
	if (WARN_ON(!is_hvsock_channel(channel)))
		return;
	while (!READ_ONCE(channel->probe_done) || !READ_ONCE(channel->rescind))
		usleep_range(1000, 2000);
	vmbus_device_unregister(channel->device_obj);
}
EXPORT_SYMBOL_GPL(vmbus_hvsock_device_unregister);

/**
 * vmbus_rescind_unloading - a rescind that arrives while unloading
 * @rescind: the validated RESCIND_CHANNELOFFER
 *
 * Every device is being removed anyway: only wake waiters.
 */
void vmbus_rescind_unloading(const struct hvis_chmsg_relid *rescind)
{
	struct vmbus_channel *channel;

	mutex_lock(&vmbus_conn.channel_mutex);
	channel = relid2channel(rescind->child_relid);
	if (channel) {
		vmbus_rescind_cleanup(channel);
		/*
		 * No rescind handler will run for it: let a driver's close
		 * (vmbus_disconnect_ring), which waits for the handler of a
		 * rescinded sub-channel, go on at once.
		 */
		complete(&channel->rescind_event);
	}
	mutex_unlock(&vmbus_conn.channel_mutex);
}

/**
 * vmbus_initiate_unload - ask the host to drop every channel of this guest
 *
 * Waits a bounded time for the answer: the host may already be gone.
 */
void vmbus_initiate_unload(void)
{
	struct hvis_chmsg_header msg = {
		.msgtype = HVIS_CHMSG_UNLOAD,
	};
	int ret;

	/* Hosts before 3.0 cannot take the guest back after an unload. */
	if (vmbus_conn.version < HVIS_VMBUS_VERSION_WIN8_1)
		return;
	reinit_completion(&vmbus_conn.unload_event);
	ret = vmbus_post_msg(&msg, sizeof(msg), true);
	if (ret) {
		pr_warn("UNLOAD failed (%d)\n", ret);
		return;
	}
	if (!wait_for_completion_timeout(&vmbus_conn.unload_event,
					 VMBUS_UNLOAD_TIMEOUT))
		pr_warn("host did not answer UNLOAD\n");
}
