// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VMBus connection: platform attach/detach, version negotiation, posting
 * channel messages, and the SINT 2 interrupt path (event flags and messages).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/* Exports carry the in-tree CRCs: see export_abi.h. */
#define HVIS_EXPORTS_LIKE_CONNECTION
#include "export_abi.h"

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <asm/sync_bitops.h>

#include "vmbus_priv.h"

/* Newest first; negotiation walks down until the host accepts one. */
static const u32 vmbus_versions[] = {
	HVIS_VMBUS_VERSION_WIN10_V5_3,
	HVIS_VMBUS_VERSION_WIN10_V5_2,
	HVIS_VMBUS_VERSION_WIN10_V5_1,
	HVIS_VMBUS_VERSION_WIN10_V5,
	HVIS_VMBUS_VERSION_WIN10_V4_1,
	HVIS_VMBUS_VERSION_WIN10,
	HVIS_VMBUS_VERSION_WIN8_1,
	HVIS_VMBUS_VERSION_WIN8,
};

static uint max_version = HVIS_VMBUS_VERSION_WIN10_V5_3;
module_param(max_version, uint, 0444);
MODULE_PARM_DESC(max_version,
		 "Maximal VMBus protocol version which can be negotiated");

/* The CPU the host sends channel messages to, as in-tree. */
#define VMBUS_CONNECT_CPU		0
#define VMBUS_VERSION_TIMEOUT		(5 * HZ)
#define VMBUS_OFFERS_TIMEOUT		(10 * HZ)
/* Messages copied out of the slot but not yet handled by a work item. */
#define VMBUS_MSG_QUEUE_MAX		1024
#define VMBUS_POST_RETRIES		100
#define VMBUS_DETACH_WAIT_MS		10000

__u32 vmbus_proto_version;
EXPORT_SYMBOL_GPL(vmbus_proto_version);

struct vmbus_conn vmbus_conn = {
	.state = VMBUS_DISCONNECTED,
	.channelmsg_lock = __SPIN_LOCK_UNLOCKED(vmbus_conn.channelmsg_lock),
	.chn_msg_list = LIST_HEAD_INIT(vmbus_conn.chn_msg_list),
	.channel_mutex = __MUTEX_INITIALIZER(vmbus_conn.channel_mutex),
	.chn_list = LIST_HEAD_INIT(vmbus_conn.chn_list),
};

/* A host message on its way from the interrupt to a work queue. */
struct vmbus_msg_work {
	struct work_struct work;
	u32 len;
	u8 msg[HVIS_MESSAGE_PAYLOAD_SIZE];
};

static atomic_t vmbus_msg_queued = ATOMIC_INIT(0);

/* Readers of vmbus_conn.platform; see struct vmbus_conn. */
DEFINE_SRCU(vmbus_platform_srcu);

/**
 * vmbus_platform_get - the attached platform, held until vmbus_platform_put
 * @srcu_idx: where to keep the read-side token
 *
 * Any context.  Detach waits for every holder before the platform's
 * state goes, so an op called on the returned pointer never runs on a
 * torn-down platform.
 *
 * Return: the ops, or NULL when no platform is attached (put anyway).
 */
const struct vmbus_platform_ops *vmbus_platform_get(int *srcu_idx)
{
	*srcu_idx = srcu_read_lock(&vmbus_platform_srcu);
	return srcu_dereference(vmbus_conn.platform, &vmbus_platform_srcu);
}

void vmbus_platform_put(int srcu_idx)
{
	srcu_read_unlock(&vmbus_platform_srcu, srcu_idx);
}

/* A hint only: the platform may go right after. */
bool vmbus_platform_bound(void)
{
	return rcu_access_pointer(vmbus_conn.platform);
}

/**
 * vmbus_platform_vp_index - the hypervisor VP index of @cpu
 * @cpu: a Linux CPU
 * @vp: where to store it
 *
 * Return: 0, or -ENODEV when no platform is attached.
 */
int vmbus_platform_vp_index(unsigned int cpu, u32 *vp)
{
	const struct vmbus_platform_ops *ops;
	int idx, ret = -ENODEV;

	ops = vmbus_platform_get(&idx);
	if (ops) {
		*vp = ops->vp_index(cpu);
		ret = 0;
	}
	vmbus_platform_put(idx);
	return ret;
}

static inline int vmbus_state(void)
{
	/* Pairs with the smp_store_release() in vmbus_set_state(). */
	return smp_load_acquire(&vmbus_conn.state);
}

static void vmbus_set_state(int state)
{
	/* Pairs with the smp_load_acquire() in vmbus_state(). */
	smp_store_release(&vmbus_conn.state, state);
}

/**
 * vmbus_post_msg - post a channel message to the host
 * @buffer: the message, starting with its channel-message header
 * @buflen: its length, at most HVIS_MESSAGE_PAYLOAD_SIZE
 * @can_sleep: whether back-off may sleep
 *
 * Return: 0, or -EINVAL for an unknown connection id or bad length,
 * -ENOBUFS when the host stays out of buffers, -ETIMEDOUT when the hvshm
 * transport timed out, -EIO for any other hypervisor status.
 */
int vmbus_post_msg(void *buffer, size_t buflen, bool can_sleep)
{
	const struct vmbus_platform_ops *ops;
	unsigned int usec = 1;
	int retries, idx;
	u32 status;

	if (buflen < sizeof(struct hvis_chmsg_header) ||
	    buflen > HVIS_MESSAGE_PAYLOAD_SIZE)
		return -EINVAL;

	for (retries = 0; retries < VMBUS_POST_RETRIES; retries++) {
		/* Held per attempt only: detach must not wait out a back-off. */
		ops = vmbus_platform_get(&idx);
		status = ops ? ops->post_msg(vmbus_conn.msg_conn_id,
					     HVIS_MSG_VMBUS, buffer, buflen,
					     can_sleep) :
			       VMBUS_STATUS_NO_PLATFORM;
		vmbus_platform_put(idx);
		switch (status) {
		case HVIS_STATUS_SUCCESS:
			return 0;
		case HVIS_STATUS_INSUFFICIENT_BUFFERS:
		case HVIS_STATUS_INSUFFICIENT_MEMORY:
			break;
		case HVIS_STATUS_INVALID_CONNECTION_ID:
			return -EINVAL;
		case HVIS_STATUS_HVSHM_TIMEOUT:
			return -ETIMEDOUT;
		case VMBUS_STATUS_NO_PLATFORM:
			return -ENODEV;
		default:
			pr_err_ratelimited("post message failed, status %u\n",
					   status);
			return -EIO;
		}

		/* The host's message buffers are full: back off, up to 1 s. */
		if (can_sleep && usec >= 1000)
			msleep(usec / 1000);
		else if (usec < 1000)
			udelay(usec);
		else
			mdelay(usec / 1000);
		if (usec < 1000000)
			usec *= 2;
	}
	return -ENOBUFS;
}

/**
 * relid2channel - the channel with @relid
 * @relid: a relid from the host or from an offer
 *
 * Caller holds rcu_read_lock() or vmbus_conn.channel_mutex.
 *
 * Return: the channel, or NULL.
 */
struct vmbus_channel *relid2channel(u32 relid)
{
	struct vmbus_channel __rcu **channels = READ_ONCE(vmbus_conn.channels);

	if (!channels || relid == 0 || relid > HVIS_VMBUS_MAX_RELID)
		return NULL;
	return rcu_dereference_check(channels[relid],
				     lockdep_is_held(&vmbus_conn.channel_mutex));
}

/**
 * vmbus_on_event - the channel tasklet: run the driver's callback
 * @data: the struct vmbus_channel
 *
 * In batched mode the host's interrupts stay masked while the callback
 * drains the ring; unmasking may find new data, then run again.
 */
void vmbus_on_event(unsigned long data)
{
	struct vmbus_channel *channel = (struct vmbus_channel *)data;
	struct hv_ring_buffer *ring = channel->inbound.ring_buffer;
	void (*callback_fn)(void *context);
	u32 read_before = 0, write_before = 0;

	/* A driver being unloaded clears the callback (vmbus_reset_channel_cb). */
	callback_fn = READ_ONCE(channel->onchannel_callback);
	if (unlikely(!callback_fn))
		return;

	if (ring) {
		read_before = READ_ONCE(ring->read_index);
		write_before = READ_ONCE(ring->write_index);
	}
	callback_fn(channel->channel_callback_context);

	if (channel->callback_mode != HV_CALL_BATCHED || !ring)
		return;
	if (likely(hv_end_read(&channel->inbound) == 0))
		return;
	/*
	 * Bytes left: run again, as in-tree does, but only a bounded number
	 * of times in a row while the callback takes nothing and nothing
	 * arrives (hv_ringbuffer_rerun).  Interrupts are unmasked now, so
	 * the host's next signal runs the callback in any case.
	 */
	if (!hv_ringbuffer_rerun(&channel->inbound,
				 READ_ONCE(ring->read_index) != read_before ||
				 READ_ONCE(ring->write_index) != write_before))
		return;
	hv_begin_read(&channel->inbound);
	tasklet_schedule(&channel->callback_event);
}

/* Set @relid in the pre-2.4 shared send page, as in-tree still does. */
void vmbus_send_interrupt(u32 relid)
{
	unsigned long *send_int_page;

	if (!vmbus_conn.int_page || relid > HVIS_VMBUS_MAX_RELID)
		return;
	send_int_page = vmbus_conn.int_page + PAGE_SIZE;
	sync_set_bit(relid, send_int_page);
}

/**
 * vmbus_set_event - signal the host through the channel's connection id
 * @channel: the channel
 */
void vmbus_set_event(struct vmbus_channel *channel)
{
	const struct vmbus_platform_ops *ops;
	int idx;

	if (!channel->is_dedicated_interrupt)
		vmbus_send_interrupt(channel->offermsg.child_relid);

	++channel->sig_events;
	ops = vmbus_platform_get(&idx);
	if (ops)
		ops->signal_event((u32)channel->sig_event);
	vmbus_platform_put(idx);
}
EXPORT_SYMBOL_GPL(vmbus_set_event);

/**
 * hvis_vmbus_int_page - the connection's interrupt page, for uio_hv_generic
 *
 * Return: the two-page interrupt page, NULL while not connected.
 */
void *hvis_vmbus_int_page(void)
{
	return vmbus_conn.int_page;
}
EXPORT_SYMBOL_GPL(hvis_vmbus_int_page);

/**
 * hvis_vmbus_monitor_page - the guest-to-host monitor page, for uio_hv_generic
 *
 * Return: the page whose trigger bits the host polls, NULL while not
 * connected.
 */
void *hvis_vmbus_monitor_page(void)
{
	return vmbus_conn.monitor_pages[1];
}
EXPORT_SYMBOL_GPL(hvis_vmbus_monitor_page);

/** hvis_vmbus_channels_lock - take channel_mutex (sc_list stays still) */
void hvis_vmbus_channels_lock(void)
{
	mutex_lock(&vmbus_conn.channel_mutex);
}
EXPORT_SYMBOL_GPL(hvis_vmbus_channels_lock);

/** hvis_vmbus_channels_unlock - release channel_mutex */
void hvis_vmbus_channels_unlock(void)
{
	mutex_unlock(&vmbus_conn.channel_mutex);
}
EXPORT_SYMBOL_GPL(hvis_vmbus_channels_unlock);

/* Schedule every channel whose bit the host set in @cpu's SIEFP. */
static void vmbus_chan_sched(const struct vmbus_platform_ops *ops,
			     unsigned int cpu)
{
	struct hvis_synic_event_flags_page *siefp = ops->siefp(cpu);
	void (*callback_fn)(void *context);
	struct vmbus_channel *channel;
	unsigned long *flags;
	unsigned int relid;

	if (!siefp)
		return;
	flags = (unsigned long *)(void *)
		siefp->sint[HVIS_VMBUS_MESSAGE_SINT].flags;

	for_each_set_bit(relid, flags, HVIS_EVENT_FLAGS_BITS) {
		/*
		 * The full barrier of the test-and-clear pairs with the
		 * channel map in vmbus_process_offer(): a set bit is seen
		 * before the channel pointer is read.
		 */
		if (!sync_test_and_clear_bit(relid, flags) || relid == 0)
			continue;

		channel = relid2channel(relid);
		if (!channel || channel->rescind)
			continue;

		/* sched_lock keeps the ring alive: see vmbus_reset_channel_cb(). */
		spin_lock(&channel->sched_lock);
		callback_fn = channel->onchannel_callback;
		if (likely(callback_fn)) {
			++channel->interrupts;
			switch (channel->callback_mode) {
			case HV_CALL_ISR:
				callback_fn(channel->channel_callback_context);
				break;
			case HV_CALL_BATCHED:
				hv_begin_read(&channel->inbound);
				fallthrough;
			case HV_CALL_DIRECT:
				tasklet_schedule(&channel->callback_event);
				break;
			}
		}
		spin_unlock(&channel->sched_lock);
	}
}

static void vmbus_msg_work_fn(struct work_struct *work)
{
	struct vmbus_msg_work *mw = container_of(work, struct vmbus_msg_work,
						 work);

	vmbus_onmessage_work(mw->msg, mw->len);
	atomic_dec(&vmbus_msg_queued);
	kfree(mw);
}

/* Hand a validated message of @type to the queue that handles it. */
static void vmbus_msg_queue(const void *msg, u32 len, int type)
{
	struct workqueue_struct *wq = vmbus_conn.work_queue;
	struct vmbus_msg_work *mw;

	if (atomic_inc_return(&vmbus_msg_queued) > VMBUS_MSG_QUEUE_MAX) {
		atomic_dec(&vmbus_msg_queued);
		pr_err_ratelimited("host message flood, dropped type %d\n",
				   type);
		return;
	}
	mw = kmalloc(sizeof(*mw), GFP_ATOMIC);
	if (!mw) {
		atomic_dec(&vmbus_msg_queued);
		pr_err_ratelimited("no memory, dropped host message %d\n",
				   type);
		return;
	}
	INIT_WORK(&mw->work, vmbus_msg_work_fn);
	mw->len = len;
	memcpy(mw->msg, msg, len);

	/*
	 * A rescind runs apart from offers: an offer's driver probe may wait
	 * for a host answer that a rescind of the same channel must cut
	 * short.  offer_in_progress lets the rescind wait for the offer.
	 */
	if (type == HVIS_CHMSG_RESCIND_CHANNELOFFER)
		wq = vmbus_conn.rescind_work_queue;
	else if (type == HVIS_CHMSG_OFFERCHANNEL)
		atomic_inc(&vmbus_conn.offer_in_progress);
	queue_work(wq, &mw->work);
}

/* Take the message in @cpu's SINT 2 slot, if any, and free the slot. */
static void vmbus_msg_take(const struct vmbus_platform_ops *ops,
			   unsigned int cpu, int state)
{
	struct hvis_synic_message_page *simp = ops->simp(cpu);
	struct hvis_synic_message *slot;
	u8 copy[HVIS_MESSAGE_PAYLOAD_SIZE];
	u32 message_type, len;
	int type;

	if (!simp)
		return;
	slot = &simp->sint[HVIS_VMBUS_MESSAGE_SINT];
	message_type = READ_ONCE(slot->message_type);
	if (message_type == HVIS_MSG_NONE)
		return;
	/* Pairs with the host's write barrier before storing message_type. */
	virt_rmb();
	len = READ_ONCE(slot->payload_size);
	memcpy(copy, slot->payload, sizeof(copy));

	/* stimer0 in message mode shares SINT 2 (Hyper-V without direct mode). */
	if (message_type == HVIS_MSG_TIMER_EXPIRED && ops->timer_msg) {
		ops->timer_msg();
		goto free_slot;
	}
	if (state == VMBUS_DISCONNECTED)
		goto free_slot;
	if (message_type != HVIS_MSG_VMBUS || len > HVIS_MESSAGE_PAYLOAD_SIZE) {
		pr_err_ratelimited("bad SynIC message type %#x size %u\n",
				   message_type, len);
		goto free_slot;
	}
	type = hvis_chmsg_check(copy, len, HVIS_DIR_H2G, vmbus_conn.version);
	if (type < 0) {
		pr_err_ratelimited("dropped channel message %u len %u (%d)\n",
				   ((struct hvis_chmsg_header *)copy)->msgtype,
				   len, type);
		goto free_slot;
	}
	if (!vmbus_onmessage_isr(copy, len))
		vmbus_msg_queue(copy, len, type);

free_slot:
	WRITE_ONCE(slot->message_type, HVIS_MSG_NONE);
	/*
	 * Pairs with the host's barrier between setting message_flags
	 * pending and re-reading message_type: either it sees the slot free
	 * or we see pending and ask for the next message.
	 */
	virt_mb();
	if (READ_ONCE(slot->message_flags) & HVIS_MSG_FLAG_PENDING)
		ops->eom(cpu);
}

/**
 * vmbus_isr - handle SINT 2 of @cpu: channel events, then one message
 * @cpu: the CPU whose SynIC pages to look at
 *
 * Called by the platform from its interrupt handler.
 */
void vmbus_isr(unsigned int cpu)
{
	const struct vmbus_platform_ops *ops;
	int state, idx;

	ops = vmbus_platform_get(&idx);
	if (!ops)
		goto out_put;

	/* Read side of the synchronize_rcu() in vmbus_disconnect(). */
	rcu_read_lock();
	state = vmbus_state();
	if (state != VMBUS_DISCONNECTED)
		vmbus_chan_sched(ops, cpu);
	vmbus_msg_take(ops, cpu, state);
	rcu_read_unlock();
out_put:
	vmbus_platform_put(idx);
}

static int vmbus_negotiate_version(u32 version)
{
	struct hvis_chmsg_initiate_contact *msg;
	struct vmbus_channel_msginfo *msginfo;
	unsigned long flags, left;
	u32 conn_id;
	int ret;

	msginfo = kzalloc(sizeof(*msginfo) + sizeof(*msg), GFP_KERNEL);
	if (!msginfo)
		return -ENOMEM;
	init_completion(&msginfo->waitevent);
	msginfo->msgsize = sizeof(*msg);

	msg = (struct hvis_chmsg_initiate_contact *)msginfo->msg;
	msg->header.msgtype = HVIS_CHMSG_INITIATE_CONTACT;
	msg->version_requested = version;
	ret = vmbus_platform_vp_index(vmbus_conn.connect_cpu,
				      &msg->target_vcpu);
	if (ret)
		goto out_free;
	/* From 5.0 contact goes to id 4 and names the SINT, not a page. */
	if (version >= HVIS_VMBUS_VERSION_WIN10_V5) {
		msg->msg_sint = HVIS_VMBUS_MESSAGE_SINT;
		vmbus_conn.msg_conn_id = HVIS_VMBUS_MESSAGE_CONNECTION_ID_4;
	} else {
		msg->interrupt_page = virt_to_phys(vmbus_conn.int_page);
		vmbus_conn.msg_conn_id = HVIS_VMBUS_MESSAGE_CONNECTION_ID;
	}
	msg->monitor_page1 = virt_to_phys(vmbus_conn.monitor_pages[0]);
	msg->monitor_page2 = virt_to_phys(vmbus_conn.monitor_pages[1]);

	/* Queue first: the answer may come before post_msg returns. */
	spin_lock_irqsave(&vmbus_conn.channelmsg_lock, flags);
	list_add_tail(&msginfo->msglistentry, &vmbus_conn.chn_msg_list);
	spin_unlock_irqrestore(&vmbus_conn.channelmsg_lock, flags);

	ret = vmbus_post_msg(msg, sizeof(*msg), true);
	left = 0;
	if (!ret)
		left = wait_for_completion_timeout(&msginfo->waitevent,
						   VMBUS_VERSION_TIMEOUT);

	spin_lock_irqsave(&vmbus_conn.channelmsg_lock, flags);
	list_del(&msginfo->msglistentry);
	spin_unlock_irqrestore(&vmbus_conn.channelmsg_lock, flags);

	if (ret)
		goto out_free;
	if (!left) {
		ret = -ETIMEDOUT;
		goto out_free;
	}
	if (!msginfo->response.version_response.version_supported) {
		ret = -ECONNREFUSED;
		goto out_free;
	}
	if (version >= HVIS_VMBUS_VERSION_WIN10_V5) {
		conn_id = msginfo->response.version_response.msg_conn_id;
		if (conn_id == 0 || conn_id > HVIS_CONNECTION_ID_MASK) {
			pr_err("host gave invalid message connection id %u\n",
			       conn_id);
			ret = -EPROTO;
			goto out_free;
		}
		vmbus_conn.msg_conn_id = conn_id;
	}
out_free:
	kfree(msginfo);
	return ret;
}

static int vmbus_alloc_pages(void)
{
	vmbus_conn.int_page = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
						       1);
	if (!vmbus_conn.int_page)
		return -ENOMEM;
	vmbus_conn.monitor_pages[0] =
		(void *)__get_free_page(GFP_KERNEL | __GFP_ZERO);
	if (!vmbus_conn.monitor_pages[0])
		goto err_free_int_page;
	vmbus_conn.monitor_pages[1] =
		(void *)__get_free_page(GFP_KERNEL | __GFP_ZERO);
	if (!vmbus_conn.monitor_pages[1])
		goto err_free_monitor0;
	return 0;

err_free_monitor0:
	free_page((unsigned long)vmbus_conn.monitor_pages[0]);
	vmbus_conn.monitor_pages[0] = NULL;
err_free_int_page:
	free_pages((unsigned long)vmbus_conn.int_page, 1);
	vmbus_conn.int_page = NULL;
	return -ENOMEM;
}

static void vmbus_free_pages(void)
{
	free_page((unsigned long)vmbus_conn.monitor_pages[1]);
	vmbus_conn.monitor_pages[1] = NULL;
	free_page((unsigned long)vmbus_conn.monitor_pages[0]);
	vmbus_conn.monitor_pages[0] = NULL;
	free_pages((unsigned long)vmbus_conn.int_page, 1);
	vmbus_conn.int_page = NULL;
}

static void vmbus_destroy_queues(void)
{
	/* destroy_workqueue() drains: queued messages see DISCONNECTED. */
	if (vmbus_conn.rescind_work_queue)
		destroy_workqueue(vmbus_conn.rescind_work_queue);
	if (vmbus_conn.handle_sub_chan_wq)
		destroy_workqueue(vmbus_conn.handle_sub_chan_wq);
	if (vmbus_conn.handle_primary_chan_wq)
		destroy_workqueue(vmbus_conn.handle_primary_chan_wq);
	if (vmbus_conn.work_queue)
		destroy_workqueue(vmbus_conn.work_queue);
	vmbus_conn.rescind_work_queue = NULL;
	vmbus_conn.handle_sub_chan_wq = NULL;
	vmbus_conn.handle_primary_chan_wq = NULL;
	vmbus_conn.work_queue = NULL;
}

static int vmbus_create_queues(void)
{
	vmbus_conn.work_queue = alloc_ordered_workqueue("hv_vmbus_con", 0);
	vmbus_conn.rescind_work_queue =
		alloc_ordered_workqueue("hv_vmbus_rescind", 0);
	vmbus_conn.handle_primary_chan_wq =
		alloc_ordered_workqueue("hv_pri_chan", 0);
	vmbus_conn.handle_sub_chan_wq = alloc_ordered_workqueue("hv_sub_chan",
								0);
	if (!vmbus_conn.work_queue || !vmbus_conn.rescind_work_queue ||
	    !vmbus_conn.handle_primary_chan_wq ||
	    !vmbus_conn.handle_sub_chan_wq) {
		vmbus_destroy_queues();
		return -ENOMEM;
	}
	return 0;
}

/**
 * vmbus_connect - set up the connection and negotiate a protocol version
 *
 * Return: 0 when connected, else a negative errno with nothing left set up.
 */
int vmbus_connect(void)
{
	struct vmbus_channel __rcu **channels;
	unsigned int i;
	int ret;

	ret = vmbus_create_queues();
	if (ret)
		return ret;
	ret = vmbus_alloc_pages();
	if (ret)
		goto err_destroy_queues;
	channels = kcalloc(HVIS_VMBUS_MAX_RELID + 1, sizeof(*channels),
			   GFP_KERNEL);
	if (!channels) {
		ret = -ENOMEM;
		goto err_free_pages;
	}
	WRITE_ONCE(vmbus_conn.channels, channels);
	init_completion(&vmbus_conn.unload_event);
	init_completion(&vmbus_conn.all_offers_delivered);
	atomic_set(&vmbus_conn.offer_in_progress, 0);
	vmbus_conn.connect_cpu = VMBUS_CONNECT_CPU;
	vmbus_conn.version = 0;
	vmbus_set_state(VMBUS_CONNECTING);

	ret = -ECONNREFUSED;
	for (i = 0; i < ARRAY_SIZE(vmbus_versions); i++) {
		if (vmbus_versions[i] > max_version)
			continue;
		ret = vmbus_negotiate_version(vmbus_versions[i]);
		if (!ret)
			break;
		/* Refused, or an id this host lacks: try the next version. */
		if (ret != -ECONNREFUSED && ret != -EINVAL)
			break;
	}
	if (ret) {
		pr_err("VMBus version negotiation failed (%d)\n", ret);
		goto err_free_channels;
	}

	vmbus_conn.version = vmbus_versions[i];
	vmbus_proto_version = vmbus_versions[i];
	vmbus_set_state(VMBUS_CONNECTED);
	pr_info("Vmbus version:%u.%u\n",
		HVIS_VMBUS_VERSION_MAJOR(vmbus_conn.version),
		HVIS_VMBUS_VERSION_MINOR(vmbus_conn.version));
	return 0;

err_free_channels:
	vmbus_set_state(VMBUS_DISCONNECTED);
	/* Interrupt handlers that saw CONNECTING may still look at channels. */
	synchronize_rcu();
	WRITE_ONCE(vmbus_conn.channels, NULL);
	kfree(channels);
err_free_pages:
	vmbus_free_pages();
err_destroy_queues:
	vmbus_destroy_queues();
	return ret;
}

/**
 * vmbus_disconnect - free what vmbus_connect() set up
 *
 * Channels are gone by now; interrupts may still arrive and find
 * DISCONNECTED.
 */
void vmbus_disconnect(void)
{
	struct vmbus_channel __rcu **channels;

	vmbus_set_state(VMBUS_DISCONNECTED);
	/* Wait for interrupt handlers that saw the old state. */
	synchronize_rcu();
	vmbus_destroy_queues();

	channels = vmbus_conn.channels;
	WRITE_ONCE(vmbus_conn.channels, NULL);
	kfree(channels);
	vmbus_free_pages();
	vmbus_conn.version = 0;
	vmbus_proto_version = 0;
}

/* Ask for the offers and wait until their devices are registered. */
static void vmbus_wait_for_offers(void)
{
	int ret;

	ret = vmbus_request_offers();
	if (ret) {
		pr_err("requesting offers failed (%d)\n", ret);
		return;
	}
	if (!wait_for_completion_timeout(&vmbus_conn.all_offers_delivered,
					 VMBUS_OFFERS_TIMEOUT))
		pr_warn("host did not finish offering channels\n");
	flush_workqueue(vmbus_conn.work_queue);
	flush_workqueue(vmbus_conn.handle_primary_chan_wq);
	flush_workqueue(vmbus_conn.handle_sub_chan_wq);
}

/**
 * vmbus_platform_attach - connect to the host through @ops
 * @ops: the platform
 * @parent: the device the VMBus devices hang under
 *
 * Return: 0 with the devices the host offered registered, or -errno.
 */
int vmbus_platform_attach(const struct vmbus_platform_ops *ops,
			  struct device *parent)
{
	int ret;

	if (rcu_access_pointer(vmbus_conn.platform))
		return -EBUSY;
	vmbus_parent_dev = parent;
	rcu_assign_pointer(vmbus_conn.platform, ops);

	ret = vmbus_connect();
	if (ret)
		goto err_clear_platform;

	vmbus_wait_for_offers();
	pr_info("attached to the %s platform\n", ops->name);
	return 0;

err_clear_platform:
	RCU_INIT_POINTER(vmbus_conn.platform, NULL);
	synchronize_srcu(&vmbus_platform_srcu);
	vmbus_parent_dev = NULL;
	return ret;
}

/**
 * vmbus_platform_detach - remove every device and disconnect from the host
 * @ops: the platform that attached
 */
void vmbus_platform_detach(const struct vmbus_platform_ops *ops)
{
	unsigned int waited;

	if (rcu_access_pointer(vmbus_conn.platform) != ops)
		return;

	/* No new offers; answers to drivers' closes still get through. */
	vmbus_set_state(VMBUS_DISCONNECTING);
	flush_workqueue(vmbus_conn.work_queue);
	flush_workqueue(vmbus_conn.rescind_work_queue);
	flush_workqueue(vmbus_conn.handle_primary_chan_wq);
	flush_workqueue(vmbus_conn.handle_sub_chan_wq);

	vmbus_free_channels();
	/* A device still referenced elsewhere frees its channel later. */
	for (waited = 0; waited < VMBUS_DETACH_WAIT_MS; waited += 10) {
		mutex_lock(&vmbus_conn.channel_mutex);
		if (list_empty(&vmbus_conn.chn_list)) {
			mutex_unlock(&vmbus_conn.channel_mutex);
			break;
		}
		mutex_unlock(&vmbus_conn.channel_mutex);
		usleep_range(10000, 11000);
	}
	if (waited >= VMBUS_DETACH_WAIT_MS)
		pr_warn("channels still referenced at detach\n");

	vmbus_initiate_unload();
	/* The host forgot every relid with UNLOAD: free what is left. */
	vmbus_free_orphans();
	vmbus_disconnect();
	RCU_INIT_POINTER(vmbus_conn.platform, NULL);
	/*
	 * A late put_device() may still post RELID_RELEASED; from here on it
	 * finds no platform, and none still runs inside one when the caller
	 * tears the platform down.
	 */
	synchronize_srcu(&vmbus_platform_srcu);
	vmbus_parent_dev = NULL;
}
