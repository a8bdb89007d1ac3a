// SPDX-License-Identifier: GPL-2.0-only
/*
 * Channel management: host channel messages become channels and devices
 * (offers, rescinds, responses to waiting requests, unload), the CPU that
 * takes a channel's interrupts, and the sub-channel and rescind callbacks
 * drivers set.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/* Exports carry the in-tree CRCs: see export_abi.h. */
#define HVIS_EXPORTS_LIKE_CHANNEL_MGMT
#include "export_abi.h"

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/sched/isolation.h>
#include <linux/slab.h>

#include "vmbus_priv.h"

/* Rows in enum vmbus_device_type order: drivers index it by dev_type. */
const struct vmbus_device vmbus_devs[] = {
	{ .dev_type = HV_IDE, HV_IDE_GUID, .perf_device = true,
	  .allowed_in_isolated = false },
	{ .dev_type = HV_SCSI, HV_SCSI_GUID, .perf_device = true,
	  .allowed_in_isolated = true },
	{ .dev_type = HV_FC, HV_SYNTHFC_GUID, .perf_device = true,
	  .allowed_in_isolated = false },
	{ .dev_type = HV_NIC, HV_NIC_GUID, .perf_device = true,
	  .allowed_in_isolated = true },
	{ .dev_type = HV_ND, HV_ND_GUID, .perf_device = true,
	  .allowed_in_isolated = false },
	{ .dev_type = HV_PCIE, HV_PCIE_GUID, .perf_device = false,
	  .allowed_in_isolated = HVIS_PCIE_ALLOWED_IN_ISOLATED },
	{ .dev_type = HV_FB, HV_SYNTHVID_GUID, .perf_device = false,
	  .allowed_in_isolated = false },
	{ .dev_type = HV_KBD, HV_KBD_GUID, .perf_device = false,
	  .allowed_in_isolated = false },
	{ .dev_type = HV_MOUSE, HV_MOUSE_GUID, .perf_device = false,
	  .allowed_in_isolated = false },
	{ .dev_type = HV_KVP, HV_KVP_GUID, .perf_device = false,
	  .allowed_in_isolated = false },
	{ .dev_type = HV_TS, HV_TS_GUID, .perf_device = false,
	  .allowed_in_isolated = true },
	{ .dev_type = HV_HB, HV_HEART_BEAT_GUID, .perf_device = false,
	  .allowed_in_isolated = true },
	{ .dev_type = HV_SHUTDOWN, HV_SHUTDOWN_GUID, .perf_device = false,
	  .allowed_in_isolated = true },
	/* fcopy keeps the 16 KiB ring it has always used. */
	{ .pref_ring_size = 0x4000, .dev_type = HV_FCOPY, HV_FCOPY_GUID,
	  .perf_device = false, .allowed_in_isolated = false },
	{ .dev_type = HV_BACKUP, HV_VSS_GUID, .perf_device = false,
	  .allowed_in_isolated = false },
	{ .dev_type = HV_DM, HV_DM_GUID, .perf_device = false,
	  .allowed_in_isolated = false },
	/* Unknown class: a 64 KiB ring plus header suffices. */
	{ .pref_ring_size = 0x11000, .dev_type = HV_UNKNOWN,
	  .perf_device = false, .allowed_in_isolated = false },
};
EXPORT_SYMBOL_GPL(vmbus_devs);
static_assert(ARRAY_SIZE(vmbus_devs) == HV_UNKNOWN + 1);

/* Classes Linux has no driver for; they count as unknown. */
static const struct {
	guid_t guid;
} vmbus_unsupported_devs[] = {
	{ HV_AVMA1_GUID }, { HV_AVMA2_GUID }, { HV_RDV_GUID }, { HV_IMC_GUID },
};

static u16 vmbus_get_dev_type(const struct vmbus_channel *channel)
{
	const guid_t *guid = &channel->offermsg.offer.if_type;
	unsigned int i;

	if (is_hvsock_channel(channel))
		return HV_UNKNOWN;
	for (i = 0; i < ARRAY_SIZE(vmbus_unsupported_devs); i++)
		if (guid_equal(guid, &vmbus_unsupported_devs[i].guid))
			return HV_UNKNOWN;
	for (i = HV_IDE; i < HV_UNKNOWN; i++)
		if (guid_equal(guid, &vmbus_devs[i].guid))
			return i;
	pr_info("Unknown GUID: %pUl\n", guid);
	return HV_UNKNOWN;
}

/**
 * vmbus_prep_negotiate_resp - answer an IC version negotiation in place
 * @icmsghdrp: the IC message header inside @buf
 * @buf: the packet, starting with its pipe header
 * @buflen: bytes valid in @buf
 * @fw_version: framework versions we support, newest first
 * @fw_vercnt: entries in @fw_version
 * @srv_version: service versions we support, newest first
 * @srv_vercnt: entries in @srv_version
 * @nego_fw_version: where to store the chosen framework version, or NULL
 * @nego_srv_version: where to store the chosen service version, or NULL
 *
 * Return: true when both a framework and a service version matched.
 */
bool vmbus_prep_negotiate_resp(struct icmsg_hdr *icmsghdrp, u8 *buf,
			       u32 buflen, const int *fw_version, int fw_vercnt,
			       const int *srv_version, int srv_vercnt,
			       int *nego_fw_version, int *nego_srv_version)
{
	struct icmsg_negotiate *negop;
	int fw_major = 0, fw_minor = 0, srv_major = 0, srv_minor = 0;
	bool fw_found = false, srv_found = false;
	u32 nfw, nsrv;
	int i, j;

	/* The answer always writes two version entries. */
	if (buflen < ICMSG_NEGOTIATE_PKT_SIZE(1, 1)) {
		pr_err_ratelimited("Invalid icmsg negotiate\n");
		return false;
	}
	icmsghdrp->icmsgsize = 0x10;
	negop = (struct icmsg_negotiate *)&buf[ICMSG_HDR];
	nfw = negop->icframe_vercnt;
	nsrv = negop->icmsg_vercnt;
	fw_major = nfw;
	srv_major = nsrv;

	if (nfw > IC_VERSION_NEGOTIATION_MAX_VER_COUNT ||
	    nsrv > IC_VERSION_NEGOTIATION_MAX_VER_COUNT ||
	    ICMSG_NEGOTIATE_PKT_SIZE(nfw, nsrv) > buflen) {
		pr_err_ratelimited("Invalid icmsg negotiate - icframe_major: %u, icmsg_major: %u\n",
				   nfw, nsrv);
		goto answer;
	}

	for (i = 0; i < fw_vercnt && !fw_found; i++) {
		for (j = 0; j < nfw; j++) {
			if (negop->icversion_data[j].major ==
			    (fw_version[i] >> 16) &&
			    negop->icversion_data[j].minor ==
			    (fw_version[i] & 0xffff)) {
				fw_major = negop->icversion_data[j].major;
				fw_minor = negop->icversion_data[j].minor;
				fw_found = true;
				break;
			}
		}
	}
	if (!fw_found)
		goto answer;

	for (i = 0; i < srv_vercnt && !srv_found; i++) {
		for (j = nfw; j < nfw + nsrv; j++) {
			if (negop->icversion_data[j].major ==
			    (srv_version[i] >> 16) &&
			    negop->icversion_data[j].minor ==
			    (srv_version[i] & 0xffff)) {
				srv_major = negop->icversion_data[j].major;
				srv_minor = negop->icversion_data[j].minor;
				srv_found = true;
				break;
			}
		}
	}

answer:
	negop->icframe_vercnt = srv_found ? 1 : 0;
	negop->icmsg_vercnt = srv_found ? 1 : 0;
	if (nego_fw_version)
		*nego_fw_version = (fw_major << 16) | fw_minor;
	if (nego_srv_version)
		*nego_srv_version = (srv_major << 16) | srv_minor;
	negop->icversion_data[0].major = fw_major;
	negop->icversion_data[0].minor = fw_minor;
	negop->icversion_data[1].major = srv_major;
	negop->icversion_data[1].minor = srv_minor;
	return srv_found;
}
EXPORT_SYMBOL_GPL(vmbus_prep_negotiate_resp);

/**
 * vmbus_alloc_channel - a new channel, not yet known to anyone
 *
 * The channel's kobject is initialised here, so vmbus_free_channel() (a
 * kobject_put) frees it whether or not it ever reached sysfs.
 */
struct vmbus_channel *vmbus_alloc_channel(void)
{
	struct vmbus_channel *channel;

	channel = kzalloc(sizeof(*channel), GFP_KERNEL);
	if (!channel)
		return NULL;
	spin_lock_init(&channel->sched_lock);
	init_completion(&channel->rescind_event);
	INIT_LIST_HEAD(&channel->listentry);
	INIT_LIST_HEAD(&channel->sc_list);
	tasklet_init(&channel->callback_event, vmbus_on_event,
		     (unsigned long)channel);
	hv_ringbuffer_pre_init(channel);
	vmbus_channel_kobj_init(channel);
	return channel;
}

/**
 * vmbus_free_channel - drop the last reference to @channel
 * @channel: a channel no longer mapped, listed, or open
 */
void vmbus_free_channel(struct vmbus_channel *channel)
{
	struct vmbus_channel *primary = channel->primary_channel;

	tasklet_kill(&channel->callback_event);
	vmbus_remove_channel_attr_group(channel);
	/* The kobject's release frees the channel after an RCU grace period. */
	kobject_put(&channel->kobj);
	/* Taken in vmbus_process_offer(): the primary may go now. */
	if (primary)
		kobject_put(&primary->kobj);
}

static void vmbus_channel_map_relid(struct vmbus_channel *channel)
{
	lockdep_assert_held(&vmbus_conn.channel_mutex);
	/*
	 * Pairs with the test-and-clear barrier plus rcu_dereference() in
	 * vmbus_chan_sched(): the host signals only after OPENCHANNEL, which
	 * is sent after this store.
	 */
	rcu_assign_pointer(vmbus_conn.channels[channel->offermsg.child_relid],
			   channel);
}

/* Finish a channel whose offer work failed. */
static void vmbus_add_channel_failed(struct vmbus_channel *channel)
{
	mutex_lock(&vmbus_conn.channel_mutex);
	/* Set under the mutex: vmbus_onoffer_rescind() polls it. */
	WRITE_ONCE(channel->probe_done, true);
	if (channel->rescind_ref) {
		/* The rescind handler owns it now and will free it. */
		mutex_unlock(&vmbus_conn.channel_mutex);
		return;
	}
	channel->rescind = true;
	hv_process_channel_removal(channel);
	mutex_unlock(&vmbus_conn.channel_mutex);
}

static void vmbus_add_channel_work(struct work_struct *work)
{
	struct vmbus_channel *channel =
		container_of(work, struct vmbus_channel, add_channel_work);
	struct vmbus_channel *primary = channel->primary_channel;
	struct hv_device *dev;
	int ret;

	if (primary) {
		/*
		 * The primary's memory is ours (a kobject reference), its
		 * device is not: look at it under channel_mutex, which its
		 * release and vmbus_device_unregister() take to let go of it.
		 */
		mutex_lock(&vmbus_conn.channel_mutex);
		dev = primary->device_obj;
		if (!READ_ONCE(primary->probe_done) || !dev ||
		    primary->rescind || !dev->channels_kset) {
			mutex_unlock(&vmbus_conn.channel_mutex);
			pr_err_ratelimited("sub-channel %u offered before its device\n",
					   channel->offermsg.child_relid);
			goto err_failed;
		}
		ret = vmbus_add_channel_kobj(dev, channel);
		mutex_unlock(&vmbus_conn.channel_mutex);
		if (ret)
			goto err_failed;
		if (primary->sc_creation_callback)
			primary->sc_creation_callback(channel);
		WRITE_ONCE(channel->probe_done, true);
		return;
	}

	dev = vmbus_device_create(&channel->offermsg.offer.if_type,
				  &channel->offermsg.offer.if_instance, channel);
	if (!dev)
		goto err_failed;
	dev->device_id = channel->device_id;
	channel->device_obj = dev;
	/* On failure this frees @dev and clears channel->device_obj. */
	if (vmbus_device_register(dev)) {
		pr_err("unable to add child device object (relid %u)\n",
		       channel->offermsg.child_relid);
		goto err_failed;
	}
	WRITE_ONCE(channel->probe_done, true);
	return;

err_failed:
	vmbus_add_channel_failed(channel);
}

/**
 * vmbus_cpu_usable - may @cpu take a channel's interrupts?
 * @cpu: a Linux CPU below nr_cpu_ids; its being online is the caller's
 *	 business (under cpus_read_lock)
 *
 * As in-tree, CPUs isolated from managed interrupts are left alone; the
 * platform may also lack a VP for it (hvshm covers nr_vcpus CPUs only).
 */
bool vmbus_cpu_usable(unsigned int cpu)
{
	const struct vmbus_platform_ops *ops;
	bool ok;
	int idx;

	if (!cpumask_test_cpu(cpu, housekeeping_cpumask(HK_TYPE_MANAGED_IRQ)))
		return false;
	ops = vmbus_platform_get(&idx);
	ok = ops && (!ops->cpu_usable || ops->cpu_usable(cpu));
	vmbus_platform_put(idx);
	return ok;
}

/*
 * Round-robin over the online CPUs that may take channel interrupts
 * (vmbus_cpu_usable) for perf devices, the connect CPU otherwise.  Caller
 * holds cpus_read_lock, so the CPU stays online until the offer is mapped.
 */
static void vmbus_init_target_cpu(struct vmbus_channel *channel)
{
	static unsigned int next_cpu;
	unsigned int cpu, tries;

	lockdep_assert_held(&vmbus_conn.channel_mutex);
	channel->target_cpu = vmbus_conn.connect_cpu;
	if (channel->device_id >= HV_UNKNOWN ||
	    !vmbus_devs[channel->device_id].perf_device)
		return;
	cpu = next_cpu;
	for (tries = 0; tries < num_online_cpus(); tries++) {
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		if (vmbus_cpu_usable(cpu)) {
			next_cpu = cpu;
			channel->target_cpu = cpu;
			return;
		}
	}
}

static struct vmbus_channel *
vmbus_find_primary(const struct vmbus_channel_offer_channel *offer)
{
	struct vmbus_channel *channel;

	lockdep_assert_held(&vmbus_conn.channel_mutex);
	list_for_each_entry(channel, &vmbus_conn.chn_list, listentry) {
		if (guid_equal(&channel->offermsg.offer.if_type,
			       &offer->offer.if_type) &&
		    guid_equal(&channel->offermsg.offer.if_instance,
			       &offer->offer.if_instance))
			return channel;
	}
	return NULL;
}

/* Map @channel and queue its device or sub-channel work; consumes it. */
static void vmbus_process_offer(struct vmbus_channel *channel)
{
	u32 relid = channel->offermsg.child_relid;
	struct vmbus_channel *primary;
	struct workqueue_struct *wq;
	bool release = false;

	cpus_read_lock();
	mutex_lock(&vmbus_conn.channel_mutex);
	/* The rescind handler may look the relid up from here on. */
	atomic_dec(&vmbus_conn.offer_in_progress);

	if (relid2channel(relid)) {
		pr_err_ratelimited("offer for relid %u already in use\n", relid);
		goto err_unlock;
	}
	primary = vmbus_find_primary(&channel->offermsg);
	if (!channel->offermsg.offer.sub_channel_index) {
		if (primary) {
			pr_err_ratelimited("duplicate offer %pUl (relid %u)\n",
					   &channel->offermsg.offer.if_instance,
					   relid);
			release = true;
			goto err_unlock;
		}
		list_add_tail(&channel->listentry, &vmbus_conn.chn_list);
		wq = vmbus_conn.handle_primary_chan_wq;
	} else {
		if (!primary || primary->rescind) {
			pr_err_ratelimited("sub-channel offer %u without primary\n",
					   relid);
			release = true;
			goto err_unlock;
		}
		/* Dropped by vmbus_free_channel() of the sub-channel. */
		kobject_get(&primary->kobj);
		channel->primary_channel = primary;
		list_add_tail(&channel->sc_list, &primary->sc_list);
		wq = vmbus_conn.handle_sub_chan_wq;
	}
	/* Offered, not yet opened. */
	channel->state = CHANNEL_OPEN_STATE;
	vmbus_init_target_cpu(channel);
	vmbus_channel_map_relid(channel);
	mutex_unlock(&vmbus_conn.channel_mutex);
	cpus_read_unlock();

	/*
	 * Sub-channel creation callbacks and driver probes may wait for the
	 * host, so neither runs on the message queue, nor on each other's.
	 */
	INIT_WORK(&channel->add_channel_work, vmbus_add_channel_work);
	queue_work(wq, &channel->add_channel_work);
	return;

err_unlock:
	mutex_unlock(&vmbus_conn.channel_mutex);
	cpus_read_unlock();
	if (release)
		vmbus_release_relid(relid);
	vmbus_free_channel(channel);
}

static bool vmbus_offer_valid(const struct hvis_chmsg_offer *offer)
{
	if (offer->child_relid == 0 ||
	    offer->child_relid > HVIS_VMBUS_MAX_RELID) {
		pr_err_ratelimited("offer with invalid relid %u\n",
				   offer->child_relid);
		return false;
	}
	return true;
}

/* Checks that leave the relid valid: the host gets it back. */
static bool vmbus_offer_sane(const struct hvis_chmsg_offer *offer)
{
	if ((offer->monitor_flags & HVIS_OFFER_MONITOR_ALLOCATED) &&
	    offer->monitor_id >= HVIS_MONITOR_ID_COUNT) {
		pr_err_ratelimited("offer %u: invalid monitor id %u\n",
				   offer->child_relid, offer->monitor_id);
		return false;
	}
	if (offer->connection_id > HVIS_CONNECTION_ID_MASK) {
		pr_err_ratelimited("offer %u: invalid connection id %u\n",
				   offer->child_relid, offer->connection_id);
		return false;
	}
	return true;
}

static void vmbus_onoffer(const struct hvis_chmsg_offer *offer)
{
	struct vmbus_channel *channel;

	BUILD_BUG_ON(sizeof(struct vmbus_channel_offer_channel) !=
		     sizeof(struct hvis_chmsg_offer));

	if (READ_ONCE(vmbus_conn.state) != VMBUS_CONNECTED ||
	    !vmbus_offer_valid(offer))
		goto done;
	if (!vmbus_offer_sane(offer)) {
		vmbus_release_relid(offer->child_relid);
		goto done;
	}
	channel = vmbus_alloc_channel();
	if (!channel) {
		pr_err("Unable to allocate channel object\n");
		vmbus_release_relid(offer->child_relid);
		goto done;
	}

	memcpy(&channel->offermsg, offer, sizeof(channel->offermsg));
	channel->monitor_grp = offer->monitor_id / HVIS_MONITOR_BITS_PER_GROUP;
	channel->monitor_bit = offer->monitor_id % HVIS_MONITOR_BITS_PER_GROUP;
	channel->is_dedicated_interrupt =
		!!(offer->interrupt_flags & HVIS_OFFER_DEDICATED_INTERRUPT);
	/* From 2.4 each channel signals on the id in its offer. */
	channel->sig_event = offer->connection_id;
	channel->device_id = vmbus_get_dev_type(channel);

	vmbus_process_offer(channel);	/* drops offer_in_progress */
	return;

done:
	atomic_dec(&vmbus_conn.offer_in_progress);
}

/* Copy @len bytes of a response into @dst of @size bytes (zero-filled). */
static void vmbus_copy_response(void *dst, size_t size, const void *msg,
				u32 len)
{
	memset(dst, 0, size);
	memcpy(dst, msg, min_t(size_t, size, len));
}

/*
 * Find the request a response answers and complete it.  Runs in the
 * interrupt path: only channelmsg_lock and complete().
 */
static void vmbus_onresponse(const void *msg, u32 len, u32 type)
{
	const struct hvis_chmsg_open_result *open = msg;
	const struct hvis_chmsg_gpadl_created *created = msg;
	const struct hvis_chmsg_gpadl_torndown *torn = msg;
	const struct hvis_chmsg_modifychannel_response *modify = msg;
	struct vmbus_channel_msginfo *msginfo;
	const void *req;
	unsigned long flags;
	bool found = false;
	u32 reqtype;

	spin_lock_irqsave(&vmbus_conn.channelmsg_lock, flags);
	list_for_each_entry(msginfo, &vmbus_conn.chn_msg_list, msglistentry) {
		req = msginfo->msg;
		reqtype = ((const struct hvis_chmsg_header *)req)->msgtype;

		switch (type) {
		case HVIS_CHMSG_VERSION_RESPONSE:
			found = reqtype == HVIS_CHMSG_INITIATE_CONTACT;
			if (found)
				vmbus_copy_response(&msginfo->response.version_response,
						    sizeof(msginfo->response.version_response),
						    msg, len);
			break;
		case HVIS_CHMSG_OPENCHANNEL_RESULT:
			found = reqtype == HVIS_CHMSG_OPENCHANNEL &&
				((const struct hvis_chmsg_open *)req)->child_relid ==
				open->child_relid &&
				((const struct hvis_chmsg_open *)req)->open_id ==
				open->open_id;
			if (found)
				vmbus_copy_response(&msginfo->response.open_result,
						    sizeof(msginfo->response.open_result),
						    msg, len);
			break;
		case HVIS_CHMSG_GPADL_CREATED:
			found = reqtype == HVIS_CHMSG_GPADL_HEADER &&
				((const struct hvis_chmsg_gpadl_header *)req)->child_relid ==
				created->child_relid &&
				((const struct hvis_chmsg_gpadl_header *)req)->gpadl ==
				created->gpadl;
			if (found)
				vmbus_copy_response(&msginfo->response.gpadl_created,
						    sizeof(msginfo->response.gpadl_created),
						    msg, len);
			break;
		case HVIS_CHMSG_GPADL_TORNDOWN:
			found = reqtype == HVIS_CHMSG_GPADL_TEARDOWN &&
				((const struct hvis_chmsg_gpadl_teardown *)req)->gpadl ==
				torn->gpadl;
			if (found)
				vmbus_copy_response(&msginfo->response.gpadl_torndown,
						    sizeof(msginfo->response.gpadl_torndown),
						    msg, len);
			break;
		case HVIS_CHMSG_MODIFYCHANNEL_RESPONSE:
			found = reqtype == HVIS_CHMSG_MODIFYCHANNEL &&
				((const struct hvis_chmsg_modifychannel *)req)->child_relid ==
				modify->child_relid;
			if (found)
				vmbus_copy_response(&msginfo->response.modify_response,
						    sizeof(msginfo->response.modify_response),
						    msg, len);
			break;
		}
		if (found) {
			complete(&msginfo->waitevent);
			break;
		}
	}
	spin_unlock_irqrestore(&vmbus_conn.channelmsg_lock, flags);

	if (!found)
		pr_err_ratelimited("unexpected response type %u dropped\n", type);
}

/**
 * vmbus_onmessage_isr - handle a response in the interrupt path
 * @msg: a validated host message
 * @len: its length
 *
 * Responses are matched at once, like in-tree's non-blocking handlers: a
 * request's waiter may hold channel_mutex, which the queued handlers take.
 *
 * Return: true if handled, false if the message must go to a work queue.
 */
bool vmbus_onmessage_isr(const void *msg, u32 len)
{
	u32 type = ((const struct hvis_chmsg_header *)msg)->msgtype;

	switch (type) {
	case HVIS_CHMSG_VERSION_RESPONSE:
	case HVIS_CHMSG_OPENCHANNEL_RESULT:
	case HVIS_CHMSG_GPADL_CREATED:
	case HVIS_CHMSG_GPADL_TORNDOWN:
	case HVIS_CHMSG_MODIFYCHANNEL_RESPONSE:
		vmbus_onresponse(msg, len, type);
		return true;
	case HVIS_CHMSG_UNLOAD_RESPONSE:
		complete(&vmbus_conn.unload_event);
		return true;
	case HVIS_CHMSG_TL_CONNECT_RESULT:
		/* Nobody waits for it: hv_sock learns of the result by offer. */
		return true;
	default:
		return false;
	}
}

/**
 * vmbus_onmessage_work - handle an offer, rescind or end of offers
 * @msg: a validated host message
 * @len: its length
 */
void vmbus_onmessage_work(const void *msg, u32 len)
{
	u32 type = ((const struct hvis_chmsg_header *)msg)->msgtype;
	int state = READ_ONCE(vmbus_conn.state);

	switch (type) {
	case HVIS_CHMSG_OFFERCHANNEL:
		vmbus_onoffer(msg);
		break;
	case HVIS_CHMSG_RESCIND_CHANNELOFFER:
		if (state == VMBUS_CONNECTED)
			vmbus_onoffer_rescind(msg);
		else if (state == VMBUS_DISCONNECTING)
			vmbus_rescind_unloading(msg);
		break;
	case HVIS_CHMSG_ALLOFFERS_DELIVERED:
		complete(&vmbus_conn.all_offers_delivered);
		break;
	default:
		pr_err_ratelimited("unhandled channel message %u\n", type);
		break;
	}
}

/**
 * vmbus_request_offers - ask the host to offer its channels
 *
 * Return: 0 or the vmbus_post_msg() error.
 */
int vmbus_request_offers(void)
{
	struct hvis_chmsg_header msg = {
		.msgtype = HVIS_CHMSG_REQUESTOFFERS,
	};

	reinit_completion(&vmbus_conn.all_offers_delivered);
	return vmbus_post_msg(&msg, sizeof(msg), true);
}

/**
 * vmbus_set_sc_create_callback - be told of each new sub-channel
 * @primary_channel: the primary channel
 * @sc_cr_cb: called, in process context, for every sub-channel offer
 */
void vmbus_set_sc_create_callback(struct vmbus_channel *primary_channel,
				  void (*sc_cr_cb)(struct vmbus_channel *new_sc))
{
	primary_channel->sc_creation_callback = sc_cr_cb;
}
EXPORT_SYMBOL_GPL(vmbus_set_sc_create_callback);

/**
 * vmbus_set_chn_rescind_callback - be told when the host rescinds a channel
 * @channel: the channel
 * @chn_rescind_cb: called, in process context, on rescind
 */
void vmbus_set_chn_rescind_callback(struct vmbus_channel *channel,
				    void (*chn_rescind_cb)(struct vmbus_channel *))
{
	channel->chn_rescind_callback = chn_rescind_cb;
}
EXPORT_SYMBOL_GPL(vmbus_set_chn_rescind_callback);
