// SPDX-License-Identifier: GPL-2.0-only
/*
 * The requestor: per-channel table that turns the guest's request addresses
 * into small transaction ids for the wire and back, so that an id the host
 * echoes is only ever used as an index, never as a guest pointer.
 *
 * Layout (struct vmbus_requestor, the kernel's): req_arr[i] holds the
 * address stored under id i + 1 while the slot is in use, and the index of
 * the next free slot while it is free, so the free slots form a list headed
 * by next_request_id; an index >= size ends the list.  req_bitmap marks the
 * slots in use, which is what makes a stale or invented id detectable.
 *
 * Locking: req_lock (spinlock, irqsave) protects all of it; ids are taken
 * from process and softirq context (sends) and returned from the channel
 * callback.  Drivers that already hold it call __vmbus_request_addr_match().
 * The table lives from channel open to channel close.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/* Exports carry the in-tree CRCs: see export_abi.h. */
#define HVIS_EXPORTS_LIKE_CHANNEL
#include "export_abi.h"

#include <linux/bitmap.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vmbus_priv.h"
#include "channel_priv.h"

int vmbus_requestor_alloc(struct vmbus_requestor *rqstor, u32 size)
{
	unsigned long *used;
	u64 *slots;
	u32 i;

	slots = kcalloc(size, sizeof(*slots), GFP_KERNEL);
	used = bitmap_zalloc(size, GFP_KERNEL);
	if (!slots || !used) {
		kfree(slots);
		bitmap_free(used);
		return -ENOMEM;
	}
	for (i = 0; i < size; i++)
		slots[i] = i + 1;

	rqstor->req_arr = slots;
	rqstor->req_bitmap = used;
	rqstor->size = size;
	rqstor->next_request_id = 0;
	spin_lock_init(&rqstor->req_lock);
	return 0;
}

void vmbus_requestor_free(struct vmbus_requestor *rqstor)
{
	kfree(rqstor->req_arr);
	bitmap_free(rqstor->req_bitmap);
	rqstor->req_arr = NULL;
	rqstor->req_bitmap = NULL;
	rqstor->size = 0;
}

/**
 * vmbus_next_request_id - store an address and get the id to send with it
 * @channel: an open channel
 * @rqst_addr: the value to get back when the host answers
 *
 * Return: the id (never 0: the host uses 0 for packets it sends unasked),
 * VMBUS_NO_RQSTOR if the channel has no requestor, or VMBUS_RQST_ERROR if
 * all ids are in use.
 */
u64 vmbus_next_request_id(struct vmbus_channel *channel, u64 rqst_addr)
{
	struct vmbus_requestor *rqstor = &channel->requestor;
	unsigned long flags;
	u64 id;

	if (!channel->rqstor_size)
		return VMBUS_NO_RQSTOR;

	lock_requestor(channel, flags);
	id = rqstor->next_request_id;
	if (id >= rqstor->size) {
		unlock_requestor(channel, flags);
		return VMBUS_RQST_ERROR;
	}
	rqstor->next_request_id = rqstor->req_arr[id];
	rqstor->req_arr[id] = rqst_addr;
	__set_bit(id, rqstor->req_bitmap);
	unlock_requestor(channel, flags);

	return id + 1;
}
EXPORT_SYMBOL_GPL(vmbus_next_request_id);

/**
 * __vmbus_request_addr_match - vmbus_request_addr_match() with req_lock held
 * @channel: the channel
 * @trans_id: the id the host sent back
 * @rqst_addr: the address expected, or VMBUS_RQST_ADDR_ANY
 *
 * Return: the address stored under @trans_id, VMBUS_NO_RQSTOR, or
 * VMBUS_RQST_ERROR for an id that is not in use.
 */
u64 __vmbus_request_addr_match(struct vmbus_channel *channel, u64 trans_id,
			       u64 rqst_addr)
{
	struct vmbus_requestor *rqstor = &channel->requestor;
	u64 addr, slot;

	if (!channel->rqstor_size)
		return VMBUS_NO_RQSTOR;

	/* Unsolicited packets carry 0: not an error, just not ours. */
	if (!trans_id)
		return VMBUS_RQST_ERROR;

	slot = trans_id - 1;
	if (slot >= rqstor->size || !test_bit(slot, rqstor->req_bitmap)) {
		pr_err_ratelimited("relid %u: host sent unknown transaction id %llu\n",
				   channel->offermsg.child_relid, trans_id);
		return VMBUS_RQST_ERROR;
	}

	addr = rqstor->req_arr[slot];
	if (rqst_addr == VMBUS_RQST_ADDR_ANY || addr == rqst_addr) {
		rqstor->req_arr[slot] = rqstor->next_request_id;
		rqstor->next_request_id = slot;
		__clear_bit(slot, rqstor->req_bitmap);
	}
	return addr;
}
EXPORT_SYMBOL_GPL(__vmbus_request_addr_match);

/**
 * vmbus_request_addr_match - return an id if it holds the expected address
 * @channel: the channel
 * @trans_id: the id the host sent back
 * @rqst_addr: the address expected, or VMBUS_RQST_ADDR_ANY
 *
 * Frees the id only when the address matches, so a host that answers with
 * the id of another request cannot retire that request.
 *
 * Return: the address stored under @trans_id, VMBUS_NO_RQSTOR, or
 * VMBUS_RQST_ERROR.
 */
u64 vmbus_request_addr_match(struct vmbus_channel *channel, u64 trans_id,
			     u64 rqst_addr)
{
	unsigned long flags;
	u64 addr;

	/* req_lock is only initialised when the channel has a requestor. */
	if (!channel->rqstor_size)
		return VMBUS_NO_RQSTOR;

	lock_requestor(channel, flags);
	addr = __vmbus_request_addr_match(channel, trans_id, rqst_addr);
	unlock_requestor(channel, flags);
	return addr;
}
EXPORT_SYMBOL_GPL(vmbus_request_addr_match);

/**
 * vmbus_request_addr - return an id and get its address back
 * @channel: the channel
 * @trans_id: the id the host sent back
 *
 * Return: as vmbus_request_addr_match().
 */
u64 vmbus_request_addr(struct vmbus_channel *channel, u64 trans_id)
{
	return vmbus_request_addr_match(channel, trans_id,
					VMBUS_RQST_ADDR_ANY);
}
EXPORT_SYMBOL_GPL(vmbus_request_addr);
