// SPDX-License-Identifier: GPL-2.0-only
/*
 * GPADLs: describing a guest buffer to the host page by page (GPADL_HEADER,
 * GPADL_BODY, answered by GPADL_CREATED) and taking it back (GPADL_TEARDOWN,
 * answered by GPADL_TORNDOWN).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/* Exports carry the in-tree CRCs: see export_abi.h. */
#define HVIS_EXPORTS_LIKE_CHANNEL
#include "export_abi.h"

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/set_memory.h>
#include <linux/slab.h>

#include "vmbus_priv.h"
#include "channel_priv.h"

/*
 * Handles are chosen by the guest and only have to be unique among its live
 * GPADLs; 0 is kept free because drivers read it as "no GPADL".  The counter
 * starts where the in-tree driver's does and is incremented before use, so
 * the first handle is 0xe1e11 on both, which makes traces comparable.
 */
static atomic_t gpadl_next_handle = ATOMIC_INIT(0xe1e10);

/*
 * Both rings of a ring GPADL start with a control page.  The guest gives it a
 * whole PAGE_SIZE page so the data stays page aligned, but the host reads
 * only the first HV_HYP_PAGE_SIZE bytes of it: the tail of each control page
 * is left out of the GPADL.  Zero on 4 KiB-page kernels.
 */
#define GPADL_RING_GAP		(PAGE_SIZE - HV_HYP_PAGE_SIZE)

static u32 gpadl_alloc_handle(void)
{
	u32 handle;

	do {
		handle = (u32)atomic_inc_return(&gpadl_next_handle);
	} while (!handle);

	return handle;
}

/* Bytes of the GPADL as the host sees them. */
static u32 gpadl_host_size(enum hv_gpadl_type type, u32 size)
{
	if (type == HV_GPADL_RING)
		return size - 2 * GPADL_RING_GAP;
	return size;
}

/*
 * vmbus_gpadl_ring_split - where the host->guest ring starts in a ring GPADL
 * @send_offset: guest byte offset of the second ring in the ring buffer
 *
 * Returns the offset in hypervisor pages, as OPENCHANNEL carries it.
 */
u32 vmbus_gpadl_ring_split(u32 send_offset)
{
	return (send_offset - GPADL_RING_GAP) >> HV_HYP_PAGE_SHIFT;
}

/* Guest frame of the @i'th hypervisor page of the GPADL. */
static u64 gpadl_hvpfn(enum hv_gpadl_type type, void *kbuffer,
		       u32 send_offset, u32 i)
{
	unsigned long skip = 0;

	if (type == HV_GPADL_RING && i > 0)
		skip = i <= vmbus_gpadl_ring_split(send_offset) ?
		       GPADL_RING_GAP : 2 * GPADL_RING_GAP;

	return virt_to_hvpfn(kbuffer + skip + (unsigned long)i * HV_HYP_PAGE_SIZE);
}

static void gpadl_free_msgs(struct vmbus_channel_msginfo *head)
{
	struct vmbus_channel_msginfo *body, *tmp;

	list_for_each_entry_safe(body, tmp, &head->submsglist, msglistentry) {
		list_del(&body->msglistentry);
		kfree(body);
	}
	kfree(head);
}

/*
 * Build GPADL_HEADER (one range, as many frames as fit) and the GPADL_BODY
 * messages carrying the rest, chained on the header's submsglist.
 */
static struct vmbus_channel_msginfo *
gpadl_build_msgs(struct vmbus_channel *channel, enum hv_gpadl_type type,
		 void *kbuffer, u32 size, u32 send_offset, u32 handle)
{
	u32 host_size = gpadl_host_size(type, size);
	u32 npages = DIV_ROUND_UP(host_size, HV_HYP_PAGE_SIZE);
	u32 count = min_t(u32, npages, HVIS_GPADL_HEADER_MAX_PFNS);
	struct vmbus_channel_gpadl_header *hdr;
	struct vmbus_channel_gpadl_body *body;
	struct vmbus_channel_msginfo *head, *info;
	u32 done, i;

	head = vmbus_msginfo_alloc(channel, sizeof(*hdr) +
				   sizeof(struct gpa_range) +
				   count * sizeof(u64),
				   CHANNELMSG_GPADL_HEADER);
	if (!head)
		return NULL;

	hdr = (struct vmbus_channel_gpadl_header *)head->msg;
	hdr->child_relid = channel->offermsg.child_relid;
	hdr->gpadl = handle;
	hdr->rangecount = 1;
	/*
	 * The field is 16 bits wide, too narrow past ~32 MiB; the in-tree
	 * driver sends the truncated value too, so the host has to size the
	 * range from byte_count.
	 */
	hdr->range_buflen = (u16)(sizeof(struct gpa_range) +
				  (size_t)npages * sizeof(u64));
	hdr->range[0].byte_offset = 0;
	hdr->range[0].byte_count = host_size;
	for (i = 0; i < count; i++)
		hdr->range[0].pfn_array[i] = gpadl_hvpfn(type, kbuffer,
							 send_offset, i);

	for (done = count; done < npages; done += count) {
		count = min_t(u32, npages - done, HVIS_GPADL_BODY_MAX_PFNS);
		info = vmbus_msginfo_alloc(channel, sizeof(*body) +
					   count * sizeof(u64),
					   CHANNELMSG_GPADL_BODY);
		if (!info) {
			gpadl_free_msgs(head);
			return NULL;
		}
		body = (struct vmbus_channel_gpadl_body *)info->msg;
		body->gpadl = handle;
		for (i = 0; i < count; i++)
			body->pfn[i] = gpadl_hvpfn(type, kbuffer, send_offset,
						   done + i);
		list_add_tail(&info->msglistentry, &head->submsglist);
	}

	return head;
}

/*
 * vmbus_gpadl_establish - describe a buffer or a ring buffer to the host
 * @channel: the channel the GPADL belongs to
 * @type: HV_GPADL_BUFFER, or HV_GPADL_RING for the channel's own rings
 * @kbuffer: the buffer (kmalloc, vmalloc or page allocator)
 * @size: its size in bytes; page multiple for a ring
 * @send_offset: for a ring, byte offset of the second ring; else 0
 * @gpadl: filled in on success
 *
 * Sleeps until the host answers.  Returns 0, -ENODEV if the channel was
 * rescinded, -EDQUOT if the host refused, or another negative errno.
 */
int vmbus_gpadl_establish(struct vmbus_channel *channel,
			  enum hv_gpadl_type type, void *kbuffer, u32 size,
			  u32 send_offset, struct vmbus_gpadl *gpadl)
{
	struct vmbus_channel_msginfo *head, *body;
	u32 handle, status;
	int ret;

	/* byte_offset is always 0: the buffer has to start a page. */
	if (!size || offset_in_hvpage(kbuffer) ||
	    (type == HV_GPADL_RING && size % PAGE_SIZE))
		return -EINVAL;

	handle = gpadl_alloc_handle();
	head = gpadl_build_msgs(channel, type, kbuffer, size, send_offset,
				handle);
	if (!head) {
		gpadl->decrypted = false;
		return -ENOMEM;
	}

	/*
	 * In a confidential VM the pages must be shared with the host before
	 * it maps them.  If that fails their state is unknown, so they stay
	 * marked decrypted: the owner then leaks them rather than hand shared
	 * memory back to the allocator.
	 */
	gpadl->decrypted = true;
	ret = set_memory_decrypted((unsigned long)kbuffer, PFN_UP(size));
	if (ret) {
		pr_warn("relid %u: cannot share GPADL pages with the host: %d\n",
			channel->offermsg.child_relid, ret);
		gpadl_free_msgs(head);
		return ret;
	}

	vmbus_msginfo_queue(head);
	if (channel->rescind) {
		ret = -ENODEV;
		goto err_dequeue;
	}

	ret = vmbus_msginfo_post(head);
	if (ret)
		goto err_dequeue;
	list_for_each_entry(body, &head->submsglist, msglistentry) {
		ret = vmbus_msginfo_post(body);
		if (ret)
			goto err_dequeue;
	}

	wait_for_completion(&head->waitevent);
	vmbus_msginfo_dequeue(head);

	status = head->response.gpadl_created.creation_status;
	if (channel->rescind) {
		ret = -ENODEV;
		goto err_reshare;
	}
	if (status) {
		pr_err("relid %u: host refused GPADL %#x: status %#x\n",
		       channel->offermsg.child_relid, handle, status);
		ret = -EDQUOT;
		goto err_reshare;
	}

	gpadl->gpadl_handle = handle;
	gpadl->buffer = kbuffer;
	gpadl->size = size;
	gpadl_free_msgs(head);
	return 0;

err_dequeue:
	vmbus_msginfo_dequeue(head);
err_reshare:
	gpadl_free_msgs(head);
	if (!set_memory_encrypted((unsigned long)kbuffer, PFN_UP(size)))
		gpadl->decrypted = false;
	return ret;
}

/**
 * vmbus_establish_gpadl - describe a driver buffer to the host
 * @channel: the channel the buffer is used on
 * @kbuffer: the buffer, from kmalloc or vmalloc
 * @size: its size in bytes
 * @gpadl: filled in on success; its handle goes into the driver's protocol
 *
 * Return: 0 or a negative errno.
 */
int vmbus_establish_gpadl(struct vmbus_channel *channel, void *kbuffer,
			  u32 size, struct vmbus_gpadl *gpadl)
{
	return vmbus_gpadl_establish(channel, HV_GPADL_BUFFER, kbuffer, size,
				     0, gpadl);
}
EXPORT_SYMBOL_GPL(vmbus_establish_gpadl);

/**
 * vmbus_teardown_gpadl - take a buffer back from the host
 * @channel: the channel the GPADL was established on
 * @gpadl: the GPADL
 *
 * Waits for the host to unmap the buffer unless the channel is rescinded
 * (the host then drops the channel's GPADLs itself).  If the host could not
 * be told, the buffer stays marked decrypted so that a careful owner leaks it
 * instead of reusing memory the host may still write.
 *
 * Return: 0 or a negative errno.
 */
int vmbus_teardown_gpadl(struct vmbus_channel *channel,
			 struct vmbus_gpadl *gpadl)
{
	struct vmbus_channel_gpadl_teardown *msg;
	struct vmbus_channel_msginfo *info;
	int ret = 0;

	info = vmbus_msginfo_alloc(channel, sizeof(*msg),
				   CHANNELMSG_GPADL_TEARDOWN);
	if (!info)
		return -ENOMEM;

	msg = (struct vmbus_channel_gpadl_teardown *)info->msg;
	msg->child_relid = channel->offermsg.child_relid;
	msg->gpadl = gpadl->gpadl_handle;

	vmbus_msginfo_queue(info);
	if (!channel->rescind) {
		ret = vmbus_msginfo_post(info);
		if (!ret)
			wait_for_completion(&info->waitevent);
	}
	vmbus_msginfo_dequeue(info);
	kfree(info);

	if (channel->rescind)
		ret = 0;
	if (ret) {
		pr_err("relid %u: GPADL %#x teardown failed: %d\n",
		       channel->offermsg.child_relid, gpadl->gpadl_handle, ret);
		return ret;
	}
	gpadl->gpadl_handle = 0;

	ret = set_memory_encrypted((unsigned long)gpadl->buffer,
				   PFN_UP(gpadl->size));
	if (ret)
		pr_warn("relid %u: cannot unshare GPADL pages: %d\n",
			channel->offermsg.child_relid, ret);
	gpadl->decrypted = ret != 0;

	return ret;
}
EXPORT_SYMBOL_GPL(vmbus_teardown_gpadl);
