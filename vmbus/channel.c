// SPDX-License-Identifier: GPL-2.0-only
/*
 * The channel API drivers call: ring allocation, open and close, and the
 * small control requests a driver makes on its channel (MODIFYCHANNEL,
 * TL_CONNECT_REQUEST).  Packets are in packet.c, GPADLs in gpadl.c.
 *
 * Open and close follow the in-tree driver step for step, because in-tree
 * VSCs depend on its ordering: a sub-channel is closed before its primary, a
 * rescinded channel is closed without telling the host, and a failed open
 * leaves the channel ready for another attempt.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/* Exports carry the in-tree CRCs: see export_abi.h. */
#define HVIS_EXPORTS_LIKE_CHANNEL
#include "export_abi.h"

#include <linux/interrupt.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "vmbus_priv.h"
#include "channel_priv.h"

struct vmbus_channel_msginfo *vmbus_msginfo_alloc(struct vmbus_channel *channel,
						  u32 msglen, u32 msgtype)
{
	struct vmbus_channel_message_header *hdr;
	struct vmbus_channel_msginfo *info;

	if (WARN_ON_ONCE(msglen < sizeof(*hdr) ||
			 msglen > HVIS_MESSAGE_PAYLOAD_SIZE))
		return NULL;

	info = kzalloc(struct_size(info, msg, msglen), GFP_KERNEL);
	if (!info)
		return NULL;

	INIT_LIST_HEAD(&info->msglistentry);
	INIT_LIST_HEAD(&info->submsglist);
	init_completion(&info->waitevent);
	info->waiting_channel = channel;
	/* Counts the bookkeeping too, as in-tree; see vmbus_msginfo_post(). */
	info->msgsize = struct_size(info, msg, msglen);

	hdr = (struct vmbus_channel_message_header *)info->msg;
	hdr->msgtype = msgtype;
	return info;
}

/*
 * Queue before posting: the answer can arrive before vmbus_post_msg()
 * returns.  chan_mgmt.c sets channel->rescind before it walks the list under
 * the same lock, so a caller that queues and then still reads rescind as
 * false is sure to be completed by a later rescind.
 */
void vmbus_msginfo_queue(struct vmbus_channel_msginfo *info)
{
	unsigned long flags;

	spin_lock_irqsave(&vmbus_conn.channelmsg_lock, flags);
	list_add_tail(&info->msglistentry, &vmbus_conn.chn_msg_list);
	spin_unlock_irqrestore(&vmbus_conn.channelmsg_lock, flags);
}

void vmbus_msginfo_dequeue(struct vmbus_channel_msginfo *info)
{
	unsigned long flags;

	spin_lock_irqsave(&vmbus_conn.channelmsg_lock, flags);
	list_del_init(&info->msglistentry);
	spin_unlock_irqrestore(&vmbus_conn.channelmsg_lock, flags);
}

int vmbus_msginfo_post(struct vmbus_channel_msginfo *info)
{
	return vmbus_post_msg(info->msg, info->msgsize - sizeof(*info), true);
}

/**
 * vmbus_free_ring - free the pages of a channel's ring buffer
 * @channel: a closed channel
 */
void vmbus_free_ring(struct vmbus_channel *channel)
{
	hv_ringbuffer_cleanup(&channel->outbound);
	hv_ringbuffer_cleanup(&channel->inbound);

	if (!channel->ringbuffer_page)
		return;
	/* Pages that could not be taken back from the host are leaked. */
	if (!channel->ringbuffer_gpadlhandle.decrypted)
		__free_pages(channel->ringbuffer_page,
			     get_order(channel->ringbuffer_pagecount << PAGE_SHIFT));
	channel->ringbuffer_page = NULL;
}
EXPORT_SYMBOL_GPL(vmbus_free_ring);

/**
 * vmbus_alloc_ring - allocate the pages of a channel's ring buffer
 * @channel: the channel
 * @send_size: bytes of the guest->host ring, control page included
 * @recv_size: bytes of the host->guest ring, control page included
 *
 * Return: 0, -EINVAL for sizes that are not page multiples, or -ENOMEM.
 */
int vmbus_alloc_ring(struct vmbus_channel *channel, u32 send_size,
		     u32 recv_size)
{
	struct page *page;
	u32 total;
	int order;

	if (!send_size || !recv_size || send_size % PAGE_SIZE ||
	    recv_size % PAGE_SIZE ||
	    check_add_overflow(send_size, recv_size, &total))
		return -EINVAL;

	order = get_order(total);
	/* Near the CPU that takes the channel's interrupts, if possible. */
	page = alloc_pages_node(cpu_to_node(channel->target_cpu),
				GFP_KERNEL | __GFP_ZERO, order);
	if (!page)
		page = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
	if (!page)
		return -ENOMEM;

	channel->ringbuffer_page = page;
	channel->ringbuffer_pagecount = total >> PAGE_SHIFT;
	channel->ringbuffer_send_offset = send_size >> PAGE_SHIFT;
	return 0;
}
EXPORT_SYMBOL_GPL(vmbus_alloc_ring);

/*
 * channel->state moves under channel_mutex (see vmbus_priv.h), which the
 * rescind handler and the cpu sysfs store read it under.
 */
static void channel_set_state(struct vmbus_channel *channel, u32 state)
{
	mutex_lock(&vmbus_conn.channel_mutex);
	channel->state = state;
	mutex_unlock(&vmbus_conn.channel_mutex);
}

/* OPEN -> OPENING, or -EINVAL if the channel is not closed. */
static int channel_claim_open(struct vmbus_channel *channel)
{
	int ret = 0;

	mutex_lock(&vmbus_conn.channel_mutex);
	if (channel->state == CHANNEL_OPEN_STATE)
		channel->state = CHANNEL_OPENING_STATE;
	else
		ret = -EINVAL;
	mutex_unlock(&vmbus_conn.channel_mutex);
	return ret;
}

static int channel_open(struct vmbus_channel *channel, void *userdata,
			u32 userdatalen, void (*onchannelcallback)(void *context),
			void *context)
{
	struct page *page = channel->ringbuffer_page;
	struct vmbus_channel_open_channel *msg;
	struct vmbus_channel_msginfo *info;
	u32 send_pages, recv_pages, status, target_vp;
	int ret;

	if (userdatalen > MAX_USER_DEFINED_BYTES || !page)
		return -EINVAL;
	ret = channel_claim_open(channel);
	if (ret)
		return ret;

	send_pages = channel->ringbuffer_send_offset;
	recv_pages = channel->ringbuffer_pagecount - send_pages;

	if (channel->rqstor_size) {
		ret = vmbus_requestor_alloc(&channel->requestor,
					    channel->rqstor_size);
		if (ret)
			goto err_reset_state;
	}

	channel->onchannel_callback = onchannelcallback;
	channel->channel_callback_context = context;
	if (!channel->max_pkt_size)
		channel->max_pkt_size = VMBUS_DEFAULT_MAX_PKT_SIZE;

	channel->ringbuffer_gpadlhandle.gpadl_handle = 0;
	ret = vmbus_gpadl_establish(channel, HV_GPADL_RING, page_address(page),
				    (send_pages + recv_pages) << PAGE_SHIFT,
				    send_pages << PAGE_SHIFT,
				    &channel->ringbuffer_gpadlhandle);
	if (ret)
		goto err_free_requestor;

	ret = hv_ringbuffer_init(&channel->outbound, page, send_pages, 0);
	if (ret)
		goto err_teardown_gpadl;
	ret = hv_ringbuffer_init(&channel->inbound, &page[send_pages],
				 recv_pages, channel->max_pkt_size);
	if (ret)
		goto err_cleanup_outbound;

	ret = vmbus_platform_vp_index(channel->target_cpu, &target_vp);
	if (ret)
		goto err_cleanup_inbound;
	info = vmbus_msginfo_alloc(channel, sizeof(*msg),
				   CHANNELMSG_OPENCHANNEL);
	if (!info) {
		ret = -ENOMEM;
		goto err_cleanup_inbound;
	}
	msg = (struct vmbus_channel_open_channel *)info->msg;
	msg->child_relid = channel->offermsg.child_relid;
	msg->openid = channel->offermsg.child_relid;
	msg->ringbuffer_gpadlhandle =
		channel->ringbuffer_gpadlhandle.gpadl_handle;
	msg->downstream_ringbuffer_pageoffset =
		vmbus_gpadl_ring_split(send_pages << PAGE_SHIFT);
	msg->target_vp = target_vp;
	if (userdatalen)
		memcpy(msg->userdata, userdata, userdatalen);

	vmbus_msginfo_queue(info);
	if (channel->rescind) {
		ret = -ENODEV;
		goto err_dequeue;
	}
	ret = vmbus_msginfo_post(info);
	if (ret)
		goto err_dequeue;

	wait_for_completion(&info->waitevent);
	vmbus_msginfo_dequeue(info);

	status = info->response.open_result.status;
	if (channel->rescind) {
		ret = -ENODEV;
		goto err_free_info;
	}
	if (status) {
		pr_err("relid %u: host refused to open the channel: status %#x\n",
		       channel->offermsg.child_relid, status);
		ret = -EAGAIN;
		goto err_free_info;
	}

	channel_set_state(channel, CHANNEL_OPENED_STATE);
	kfree(info);
	return 0;

err_dequeue:
	vmbus_msginfo_dequeue(info);
err_free_info:
	kfree(info);
err_cleanup_inbound:
	hv_ringbuffer_cleanup(&channel->inbound);
err_cleanup_outbound:
	hv_ringbuffer_cleanup(&channel->outbound);
err_teardown_gpadl:
	vmbus_teardown_gpadl(channel, &channel->ringbuffer_gpadlhandle);
err_free_requestor:
	vmbus_requestor_free(&channel->requestor);
err_reset_state:
	channel_set_state(channel, CHANNEL_OPEN_STATE);
	return ret;
}

/**
 * vmbus_connect_ring - open a channel on a ring from vmbus_alloc_ring()
 * @channel: the channel
 * @onchannelcallback: called when the host signals the channel
 * @context: its argument
 *
 * Return: 0 or a negative errno; the ring stays allocated either way.
 */
int vmbus_connect_ring(struct vmbus_channel *channel,
		       void (*onchannelcallback)(void *context), void *context)
{
	return channel_open(channel, NULL, 0, onchannelcallback, context);
}
EXPORT_SYMBOL_GPL(vmbus_connect_ring);

/**
 * vmbus_open - allocate a ring buffer and open a channel on it
 * @channel: the channel
 * @send_ringbuffer_size: bytes of the guest->host ring
 * @recv_ringbuffer_size: bytes of the host->guest ring
 * @userdata: bytes passed to the host in OPENCHANNEL
 * @userdatalen: at most MAX_USER_DEFINED_BYTES
 * @onchannelcallback: called when the host signals the channel
 * @context: its argument
 *
 * Return: 0, -EAGAIN if the host refused, -ENODEV if the channel was
 * rescinded, or another negative errno.
 */
int vmbus_open(struct vmbus_channel *channel, u32 send_ringbuffer_size,
	       u32 recv_ringbuffer_size, void *userdata, u32 userdatalen,
	       void (*onchannelcallback)(void *context), void *context)
{
	int ret;

	/* Before allocating: a new ring would replace that of an open channel. */
	if (channel->state != CHANNEL_OPEN_STATE)
		return -EINVAL;

	ret = vmbus_alloc_ring(channel, send_ringbuffer_size,
			       recv_ringbuffer_size);
	if (ret)
		return ret;

	ret = channel_open(channel, userdata, userdatalen, onchannelcallback,
			   context);
	if (ret)
		vmbus_free_ring(channel);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbus_open);

/**
 * vmbus_reset_channel_cb - stop calling the driver for this channel
 * @channel: the channel
 *
 * On return no callback runs and none will until the channel is reopened,
 * so the caller may free what the callback uses (the ring pages included).
 */
void vmbus_reset_channel_cb(struct vmbus_channel *channel)
{
	unsigned long flags;

	/* Waits for a callback already running in the channel's tasklet. */
	tasklet_disable(&channel->callback_event);

	/* sched_lock orders this against the interrupt path's check of it. */
	spin_lock_irqsave(&channel->sched_lock, flags);
	channel->onchannel_callback = NULL;
	spin_unlock_irqrestore(&channel->sched_lock, flags);

	channel->sc_creation_callback = NULL;

	tasklet_enable(&channel->callback_event);
}

/* Close one channel; the caller holds channel_mutex and frees the ring. */
static int channel_close(struct vmbus_channel *channel)
{
	struct vmbus_channel_close_channel *msg = &channel->close_msg.msg;
	int ret;

	lockdep_assert_held(&vmbus_conn.channel_mutex);

	vmbus_reset_channel_cb(channel);

	/* A driver whose open failed still calls vmbus_close() on remove. */
	if (channel->state != CHANNEL_OPENED_STATE)
		return -EINVAL;
	channel->state = CHANNEL_OPEN_STATE;

	/* After a rescind the host has already closed its end. */
	if (!channel->rescind) {
		memset(msg, 0, sizeof(*msg));
		msg->header.msgtype = CHANNELMSG_CLOSECHANNEL;
		msg->child_relid = channel->offermsg.child_relid;
		ret = vmbus_post_msg(msg, sizeof(*msg), true);
		if (ret) {
			/* The host may still use the ring: leak it. */
			pr_err("relid %u: cannot post CLOSECHANNEL: %d\n",
			       channel->offermsg.child_relid, ret);
			return ret;
		}
	}

	if (channel->ringbuffer_gpadlhandle.gpadl_handle) {
		ret = vmbus_teardown_gpadl(channel,
					   &channel->ringbuffer_gpadlhandle);
		if (ret)
			return ret;
	}

	vmbus_requestor_free(&channel->requestor);
	return 0;
}

/**
 * vmbus_disconnect_ring - close a primary channel and its sub-channels
 * @channel: a primary channel
 *
 * The ring buffer of the primary stays allocated (vmbus_connect_ring() can
 * use it again); those of the sub-channels are freed.
 *
 * Return: 0 or a negative errno.
 */
int vmbus_disconnect_ring(struct vmbus_channel *channel)
{
	struct vmbus_channel *sc, *tmp;
	int ret;

	if (channel->primary_channel)
		return -EINVAL;

	list_for_each_entry_safe(sc, tmp, &channel->sc_list, sc_list) {
		/*
		 * The rescind work must be done with @sc before it can be
		 * freed here; it completes rescind_event without holding
		 * channel_mutex, so wait before taking it.
		 */
		if (sc->rescind)
			wait_for_completion(&sc->rescind_event);

		mutex_lock(&vmbus_conn.channel_mutex);
		if (channel_close(sc) == 0) {
			vmbus_free_ring(sc);
			/*
			 * Core call site: chan_mgmt.c forgets the relid,
			 * sends RELID_RELEASED and frees @sc.
			 */
			if (sc->rescind)
				hv_process_channel_removal(sc);
		}
		mutex_unlock(&vmbus_conn.channel_mutex);
	}

	mutex_lock(&vmbus_conn.channel_mutex);
	ret = channel_close(channel);
	mutex_unlock(&vmbus_conn.channel_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbus_disconnect_ring);

/**
 * vmbus_close - close a primary channel and its sub-channels, free the rings
 * @channel: a primary channel
 *
 * Works on a rescinded channel; releasing its relid is then left to the
 * removal of its device.
 */
void vmbus_close(struct vmbus_channel *channel)
{
	if (vmbus_disconnect_ring(channel) == 0)
		vmbus_free_ring(channel);
}
EXPORT_SYMBOL_GPL(vmbus_close);

/*
 * From 5.3 the host acknowledges MODIFYCHANNEL, which tells the guest when
 * interrupts stop arriving on the old CPU.
 */
static int modifychannel_wait(struct vmbus_channel *channel, u32 target_vp)
{
	struct vmbus_channel_modifychannel *msg;
	struct vmbus_channel_msginfo *info;
	int ret;

	/* The caller (the target_cpu sysfs store) holds channel_mutex. */
	lockdep_assert_held(&vmbus_conn.channel_mutex);

	info = vmbus_msginfo_alloc(channel, sizeof(*msg),
				   CHANNELMSG_MODIFYCHANNEL);
	if (!info)
		return -ENOMEM;
	msg = (struct vmbus_channel_modifychannel *)info->msg;
	msg->child_relid = channel->offermsg.child_relid;
	msg->target_vp = target_vp;

	vmbus_msginfo_queue(info);
	ret = vmbus_msginfo_post(info);
	if (!ret) {
		/*
		 * A rescind that completes this wait needs channel_mutex on
		 * its way; holding it here would deadlock.
		 */
		mutex_unlock(&vmbus_conn.channel_mutex);
		wait_for_completion(&info->waitevent);
		mutex_lock(&vmbus_conn.channel_mutex);
	}
	vmbus_msginfo_dequeue(info);

	if (!ret && channel->rescind)
		ret = -ENODEV;
	else if (!ret && info->response.modify_response.status)
		ret = -EAGAIN;
	kfree(info);
	return ret;
}

/**
 * vmbus_send_modifychannel - ask the host to interrupt another virtual CPU
 * @channel: the channel
 * @target_vp: hypervisor VP index of the new CPU
 *
 * Needs protocol 4.1; the caller holds channel_mutex.  Before 5.3 the host
 * does not answer, so the old CPU may still see a few interrupts.
 *
 * Return: 0 or a negative errno.
 */
int vmbus_send_modifychannel(struct vmbus_channel *channel, u32 target_vp)
{
	struct vmbus_channel_modifychannel msg;

	if (vmbus_conn.version < HVIS_VMBUS_VERSION_WIN10_V4_1)
		return -EIO;
	if (vmbus_conn.version >= HVIS_VMBUS_VERSION_WIN10_V5_3)
		return modifychannel_wait(channel, target_vp);

	memset(&msg, 0, sizeof(msg));
	msg.header.msgtype = CHANNELMSG_MODIFYCHANNEL;
	msg.child_relid = channel->offermsg.child_relid;
	msg.target_vp = target_vp;
	return vmbus_post_msg(&msg, sizeof(msg), true);
}
EXPORT_SYMBOL_GPL(vmbus_send_modifychannel);

/**
 * vmbus_send_tl_connect_request - connect an hv_sock to a host service
 * @shv_guest_servie_id: the guest's endpoint
 * @shv_host_servie_id: the host service
 *
 * The host answers by offering a channel for the connection (or with
 * TL_CONNECT_RESULT on failure, which nobody waits for).
 *
 * Return: 0 or a negative errno.
 */
int vmbus_send_tl_connect_request(const guid_t *shv_guest_servie_id,
				  const guid_t *shv_host_servie_id)
{
	struct vmbus_channel_tl_connect_request msg;

	memset(&msg, 0, sizeof(msg));
	msg.header.msgtype = CHANNELMSG_TL_CONNECT_REQUEST;
	msg.guest_endpoint_id = *shv_guest_servie_id;
	msg.host_service_id = *shv_host_servie_id;
	return vmbus_post_msg(&msg, sizeof(msg), true);
}
EXPORT_SYMBOL_GPL(vmbus_send_tl_connect_request);
