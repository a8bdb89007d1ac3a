// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sending and receiving packets on an open channel: the descriptor in front
 * of the payload and the padding behind it, and signalling the host that a
 * ring has data (vmbus_setevent); ring.c does the ring itself.
 */

/* Exports carry the in-tree CRCs: see export_abi.h. */
#define HVIS_EXPORTS_LIKE_CHANNEL
#include "export_abi.h"

#include <linux/module.h>
#include <linux/uio.h>
#include <asm/sync_bitops.h>

#include "vmbus_priv.h"

/* The largest packet a descriptor can describe: len8 is 16 bits. */
#define CHANNEL_PKT_MAX_LEN	((u32)U16_MAX * 8)

/**
 * vmbus_sendpacket_getid - send an in-band packet
 * @channel: an open channel
 * @buffer: the payload
 * @bufferlen: its length in bytes
 * @requestid: the driver's id for the request (or an address, see the
 *	       channel's next_request_id_callback)
 * @trans_id: if not NULL, receives the transaction id the host will see
 * @type: the packet type
 * @flags: 0 or VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED
 *
 * Return: 0, -EAGAIN when the ring is full, or another negative errno.
 */
int vmbus_sendpacket_getid(struct vmbus_channel *channel, void *buffer,
			   u32 bufferlen, u64 requestid, u64 *trans_id,
			   enum vmbus_packet_type type, u32 flags)
{
	struct vmpacket_descriptor desc;
	u32 pktlen, padded;
	u64 pad = 0;
	struct kvec kv[3];

	if (bufferlen > CHANNEL_PKT_MAX_LEN - sizeof(desc))
		return -EINVAL;
	pktlen = sizeof(desc) + bufferlen;
	padded = ALIGN(pktlen, sizeof(u64));
	if (padded > CHANNEL_PKT_MAX_LEN)
		return -EINVAL;

	desc.type = type;
	desc.flags = flags;
	desc.offset8 = sizeof(desc) >> 3;
	desc.len8 = (u16)(padded >> 3);
	/* hv_ringbuffer_write() puts in the id from the requestor. */
	desc.trans_id = VMBUS_RQST_ERROR;

	kv[0].iov_base = &desc;
	kv[0].iov_len = sizeof(desc);
	kv[1].iov_base = buffer;
	kv[1].iov_len = bufferlen;
	kv[2].iov_base = &pad;
	kv[2].iov_len = padded - pktlen;

	return hv_ringbuffer_write(channel, kv, bufferlen ? 3 : 1, requestid,
				   trans_id);
}
EXPORT_SYMBOL(vmbus_sendpacket_getid);

/**
 * vmbus_sendpacket - send an in-band packet
 * @channel: an open channel
 * @buffer: the payload
 * @bufferlen: its length in bytes
 * @requestid: the driver's id for the request
 * @type: the packet type
 * @flags: 0 or VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED
 *
 * Return: 0, -EAGAIN when the ring is full, or another negative errno.
 */
int vmbus_sendpacket(struct vmbus_channel *channel, void *buffer,
		     u32 bufferlen, u64 requestid,
		     enum vmbus_packet_type type, u32 flags)
{
	return vmbus_sendpacket_getid(channel, buffer, bufferlen, requestid,
				      NULL, type, flags);
}
EXPORT_SYMBOL(vmbus_sendpacket);

/**
 * vmbus_sendpacket_mpb_desc - send a packet describing guest pages
 * @channel: an open channel
 * @desc: the descriptor with its ranges filled in and rangecount set
 * @desc_size: bytes of @desc, ranges included; a multiple of 8
 * @buffer: the in-band payload that follows the ranges
 * @bufferlen: its length in bytes
 * @requestid: the driver's id for the request
 *
 * Return: 0, -EAGAIN when the ring is full, or another negative errno.
 */
int vmbus_sendpacket_mpb_desc(struct vmbus_channel *channel,
			      struct vmbus_packet_mpb_array *desc,
			      u32 desc_size, void *buffer, u32 bufferlen,
			      u64 requestid)
{
	u32 pktlen, padded;
	u64 pad = 0;
	struct kvec kv[3];

	if (desc_size < offsetof(struct vmbus_packet_mpb_array, range) ||
	    desc_size % sizeof(u64) || desc_size > CHANNEL_PKT_MAX_LEN ||
	    bufferlen > CHANNEL_PKT_MAX_LEN - desc_size)
		return -EINVAL;
	pktlen = desc_size + bufferlen;
	padded = ALIGN(pktlen, sizeof(u64));
	if (padded > CHANNEL_PKT_MAX_LEN)
		return -EINVAL;

	desc->type = VM_PKT_DATA_USING_GPA_DIRECT;
	desc->flags = VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED;
	desc->dataoffset8 = desc_size >> 3;
	desc->length8 = (u16)(padded >> 3);
	desc->transactionid = VMBUS_RQST_ERROR;
	desc->reserved = 0;

	kv[0].iov_base = desc;
	kv[0].iov_len = desc_size;
	kv[1].iov_base = buffer;
	kv[1].iov_len = bufferlen;
	kv[2].iov_base = &pad;
	kv[2].iov_len = padded - pktlen;

	return hv_ringbuffer_write(channel, kv, 3, requestid, NULL);
}
EXPORT_SYMBOL_GPL(vmbus_sendpacket_mpb_desc);

/**
 * vmbus_recvpacket - take the payload of the next packet off the ring
 * @channel: an open channel
 * @buffer: receives the payload
 * @bufferlen: its size
 * @buffer_actual_len: the payload length; 0 if the ring was empty
 * @requestid: the packet's transaction id, as the host sent it
 *
 * Return: 0 (also when empty), -ENOBUFS if @buffer is too small (then
 * @buffer_actual_len says how big it must be), or another negative errno.
 */
int vmbus_recvpacket(struct vmbus_channel *channel, void *buffer,
		     u32 bufferlen, u32 *buffer_actual_len, u64 *requestid)
{
	return hv_ringbuffer_read(channel, buffer, bufferlen,
				  buffer_actual_len, requestid, false);
}
EXPORT_SYMBOL(vmbus_recvpacket);

/**
 * vmbus_recvpacket_raw - take the next packet, descriptor included
 * @channel: an open channel
 * @buffer: receives the packet
 * @bufferlen: its size
 * @buffer_actual_len: the packet length; 0 if the ring was empty
 * @requestid: the packet's transaction id, as the host sent it
 *
 * Return: as vmbus_recvpacket().
 */
int vmbus_recvpacket_raw(struct vmbus_channel *channel, void *buffer,
			 u32 bufferlen, u32 *buffer_actual_len, u64 *requestid)
{
	return hv_ringbuffer_read(channel, buffer, bufferlen,
				  buffer_actual_len, requestid, true);
}
EXPORT_SYMBOL_GPL(vmbus_recvpacket_raw);

/**
 * vmbus_setevent - tell the host a channel's ring has data
 * @channel: the channel
 *
 * Monitored channels set their bit in the guest->host monitor page, which
 * the host polls; low-latency channels and the rest signal directly.
 */
void vmbus_setevent(struct vmbus_channel *channel)
{
	struct hvis_monitor_page *monitor;

	if (channel->offermsg.monitor_allocated && !channel->low_latency &&
	    vmbus_conn.monitor_pages[1]) {
		vmbus_send_interrupt(channel->offermsg.child_relid);
		monitor = vmbus_conn.monitor_pages[1];
		/*
		 * The locked bit-set is a full barrier: the host, which polls
		 * and clears pending, sees the ring write made before it.
		 * pending is an aligned u32 and monitor_bit < 32.
		 */
		sync_set_bit(channel->monitor_bit, (unsigned long *)(void *)
			     &monitor->trigger_group[channel->monitor_grp].pending);
	} else {
		vmbus_set_event(channel);
	}
}
EXPORT_SYMBOL_GPL(vmbus_setevent);
