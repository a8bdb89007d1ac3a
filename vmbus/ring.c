// SPDX-License-Identifier: GPL-2.0-only
/*
 * Channel ring buffers: the in-tree hv_ringbuffer_* / hv_pkt_iter_* API on
 * top of the ring algorithm shared with hvcore (include/ring/ring_ops.h).
 *
 * Locking (struct hv_ring_buffer_info belongs to <linux/hyperv.h>):
 *  - outbound.ring_lock (spinlock, irqsave: drivers send from any context)
 *    serialises writers of the outbound ring.
 *  - The inbound ring has a single reader, the channel callback (or a
 *    driver polling in its place); it owns priv_read_index and pkt_buffer
 *    without a lock.
 *  - ring_buffer_mutex keeps ring_buffer mapped while
 *    hv_ringbuffer_get_debuginfo (sysfs, process context) reads it;
 *    hv_ringbuffer_cleanup takes it to unmap.
 * The host is untrusted.  An inbound packet longer than the driver's
 * max_pkt_size is handed over clamped to it, as in-tree does, and the ring
 * moves past the whole packet.  A corrupt inbound ring is marked broken and
 * from then on reads as empty (see ring_in_break); a corrupt outbound ring
 * fails sends with -EIO.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/* Exports carry the in-tree CRCs: see export_abi.h. */
#define HVIS_EXPORTS_LIKE_RING_BUFFER
#include "export_abi.h"

#include <linux/hyperv.h>
#include <linux/mm.h>
#include <linux/reciprocal_div.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include <ring/ring_ops.h>

#include "vmbus_priv.h"

static void ring_view(const struct hv_ring_buffer_info *rbi, struct hvring *r)
{
	r->ctl = (struct hvis_ring_ctl *)rbi->ring_buffer;
	r->data = rbi->ring_buffer->buffer;
	r->size = rbi->ring_datasize;
}

/*
 * hv_vmbus's own state of an inbound ring.  struct hv_ring_buffer_info is
 * the kernel's, so this lives in the same allocation as pkt_buffer, just in
 * front of it; it is owned by the ring's single reader, like pkt_buffer.
 */
struct ring_in_state {
	u32 cur_len;	/* ring bytes of the packet now in pkt_buffer */
	u32 idle_reruns;	/* callback runs in a row that consumed nothing */
	bool broken;	/* indices or a descriptor were invalid: read nothing */
} __aligned(16);	/* keeps pkt_buffer as aligned as kmalloc's own */

static struct ring_in_state *ring_in_state(const struct hv_ring_buffer_info *rbi)
{
	if (!rbi->pkt_buffer)
		return NULL;
	return (struct ring_in_state *)rbi->pkt_buffer - 1;
}

void hv_ringbuffer_pre_init(struct vmbus_channel *channel)
{
	mutex_init(&channel->inbound.ring_buffer_mutex);
	mutex_init(&channel->outbound.ring_buffer_mutex);
}

int hv_ringbuffer_init(struct hv_ring_buffer_info *ring_info,
		       struct page *pages, u32 pagecnt, u32 max_pkt_size)
{
	struct page **page_list;
	u32 i;

	BUILD_BUG_ON(sizeof(struct hv_ring_buffer) != PAGE_SIZE);

	/* The control page and at least one data page; sizes fit a u32. */
	if (pagecnt < 2 || pagecnt > U32_MAX >> PAGE_SHIFT)
		return -EINVAL;

	page_list = kcalloc(pagecnt, sizeof(*page_list), GFP_KERNEL);
	if (!page_list)
		return -ENOMEM;
	for (i = 0; i < pagecnt; i++)
		page_list[i] = &pages[i];
	/*
	 * One mapping of each page.  In-tree maps the data pages twice so a
	 * wrapping packet looks contiguous; ring_ops.h copies it in two
	 * pieces instead.
	 */
	ring_info->ring_buffer = vmap(page_list, pagecnt, VM_MAP, PAGE_KERNEL);
	kfree(page_list);
	if (!ring_info->ring_buffer)
		return -ENOMEM;

	/* A reopened channel reuses its pages: start from a clean header. */
	memset(ring_info->ring_buffer, 0, sizeof(struct hv_ring_buffer));
	/* We honour pending_send_sz in both directions (see ring_ops.h). */
	ring_info->ring_buffer->feature_bits.value =
		HVIS_RING_FEAT_PENDING_SEND_SZ;

	ring_info->ring_size = pagecnt << PAGE_SHIFT;
	ring_info->ring_size_div10_reciprocal =
		reciprocal_value(ring_info->ring_size / 10);
	ring_info->ring_datasize = ring_info->ring_size -
				   sizeof(struct hv_ring_buffer);
	ring_info->priv_read_index = 0;

	/* Inbound rings: where hv_pkt_iter_first() copies each packet. */
	if (max_pkt_size) {
		struct ring_in_state *st;

		st = kzalloc(sizeof(*st) + max_pkt_size, GFP_KERNEL);
		if (!st)
			goto err_unmap_ring;
		ring_info->pkt_buffer = st + 1;
		ring_info->pkt_buffer_size = max_pkt_size;
	}

	spin_lock_init(&ring_info->ring_lock);
	return 0;

err_unmap_ring:
	vunmap(ring_info->ring_buffer);
	ring_info->ring_buffer = NULL;
	return -ENOMEM;
}

void hv_ringbuffer_cleanup(struct hv_ring_buffer_info *ring_info)
{
	mutex_lock(&ring_info->ring_buffer_mutex);
	vunmap(ring_info->ring_buffer);
	ring_info->ring_buffer = NULL;
	mutex_unlock(&ring_info->ring_buffer_mutex);

	kfree(ring_in_state(ring_info));
	ring_info->pkt_buffer = NULL;
	ring_info->pkt_buffer_size = 0;
}

int hv_ringbuffer_get_debuginfo(struct hv_ring_buffer_info *ring_info,
				struct hv_ring_buffer_debug_info *debug_info)
{
	struct hv_ring_buffer *ctl;
	struct hvring ring;

	mutex_lock(&ring_info->ring_buffer_mutex);
	if (!ring_info->ring_buffer) {
		mutex_unlock(&ring_info->ring_buffer_mutex);
		return -EINVAL;
	}
	ring_view(ring_info, &ring);
	ctl = ring_info->ring_buffer;
	/* Corrupt indices show as HVRING_BYTES_CORRUPT to read, 0 to write. */
	debug_info->bytes_avail_toread = hvring_bytes_to_read(&ring);
	debug_info->bytes_avail_towrite = hvring_bytes_to_write(&ring);
	debug_info->current_read_index = READ_ONCE(ctl->read_index);
	debug_info->current_write_index = READ_ONCE(ctl->write_index);
	debug_info->current_interrupt_mask = READ_ONCE(ctl->interrupt_mask);
	mutex_unlock(&ring_info->ring_buffer_mutex);
	return 0;
}
EXPORT_SYMBOL_GPL(hv_ringbuffer_get_debuginfo);

/*
 * Whether a send is in progress on @channel: lets atomic paths that cannot
 * wait for ring_lock (the framebuffer driver on panic) skip sending.
 */
bool hv_ringbuffer_spinlock_busy(struct vmbus_channel *channel)
{
	return spin_is_locked(&channel->outbound.ring_lock);
}
EXPORT_SYMBOL_GPL(hv_ringbuffer_spinlock_busy);

/* Count a send refused for lack of room, as the sysfs statistics expect. */
static void ring_note_full(struct vmbus_channel *channel)
{
	++channel->out_full_total;
	if (!channel->out_full_flag) {
		++channel->out_full_first;
		channel->out_full_flag = true;
	}
}

int hv_ringbuffer_write(struct vmbus_channel *channel,
			const struct kvec *kv_list, u32 kv_count,
			u64 requestid, u64 *trans_id)
{
	struct hv_ring_buffer_info *rbi = &channel->outbound;
	const struct vmpacket_descriptor *desc = kv_list[0].iov_base;
	u64 rqst_id = VMBUS_NO_RQSTOR;
	struct hvring_wr wr;
	struct hvring ring;
	unsigned long flags;
	size_t len = 0;
	u64 tid;
	u32 i;
	int ret;

	if (channel->rescind)
		return -ENODEV;

	for (i = 0; i < kv_count; i++)
		len += kv_list[i].iov_len;

	spin_lock_irqsave(&rbi->ring_lock, flags);
	ring_view(rbi, &ring);
	ret = len > ring.size ? HVRING_TOOBIG :
	      hvring_write_begin(&ring, len, &wr);
	if (unlikely(ret == HVRING_CORRUPT)) {
		spin_unlock_irqrestore(&rbi->ring_lock, flags);
		pr_err_ratelimited("relid %u: outbound ring indices out of range (read %u, write %u, size %u)\n",
				   channel->offermsg.child_relid,
				   READ_ONCE(rbi->ring_buffer->read_index),
				   READ_ONCE(rbi->ring_buffer->write_index),
				   ring.size);
		return -EIO;
	}
	/* A packet that can never fit also reads as "full", as in-tree. */
	if (ret != HVRING_OK) {
		ring_note_full(channel);
		spin_unlock_irqrestore(&rbi->ring_lock, flags);
		return -EAGAIN;
	}
	channel->out_full_flag = false;

	for (i = 0; i < kv_count; i++)
		hvring_write_copy(&ring, &wr, kv_list[i].iov_base,
				  kv_list[i].iov_len);

	/*
	 * Take the request id only once the packet is in the ring: from then
	 * on the completion path can find the request and free it.
	 */
	if (desc->flags == VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED &&
	    channel->next_request_id_callback) {
		rqst_id = channel->next_request_id_callback(channel, requestid);
		if (rqst_id == VMBUS_RQST_ERROR) {
			spin_unlock_irqrestore(&rbi->ring_lock, flags);
			return -EAGAIN;
		}
	}
	tid = rqst_id == VMBUS_NO_RQSTOR ? requestid : rqst_id;
	hvring_write_patch(&ring, &wr,
			   offsetof(struct vmpacket_descriptor, trans_id),
			   &tid, sizeof(tid));
	if (trans_id)
		*trans_id = tid;

	hvring_write_commit(&ring, &wr);
	spin_unlock_irqrestore(&rbi->ring_lock, flags);

	if (hvring_write_need_signal(&ring, &wr)) {
		++channel->intr_out_empty;
		vmbus_setevent(channel);
	}

	if (channel->rescind) {
		/* The host will never complete it: give the id back. */
		if (rqst_id != VMBUS_NO_RQSTOR &&
		    channel->request_addr_callback)
			channel->request_addr_callback(channel, rqst_id);
		return -ENODEV;
	}
	return 0;
}

/*
 * Make the inbound ring read as empty: hv_get_bytes_to_read() and
 * hv_end_read() (inline in <linux/hyperv.h>, they compare read_index with
 * write_index) then see 0 and polling loops (our tasklet, netvsc's NAPI)
 * stop.  The write_index taken may itself be invalid; only the inline
 * helpers and the host ever look at read_index again, never ring_ops.h.
 */
static void ring_in_drain(struct hv_ring_buffer_info *rbi)
{
	u32 w = READ_ONCE(rbi->ring_buffer->write_index);

	WRITE_ONCE(rbi->ring_buffer->read_index, w);
	rbi->priv_read_index = w;
}

/*
 * A corrupt inbound ring cannot be resynchronised: stop reading it for good
 * (until the channel is reopened on a fresh ring).  broken is set before
 * read_index is rewritten, so hv_pkt_iter_close() never publishes the
 * drained position as if it had been read.
 */
static void ring_in_break(struct vmbus_channel *channel,
			  struct hv_ring_buffer_info *rbi,
			  struct ring_in_state *st, u32 size)
{
	pr_err_ratelimited("relid %u: inbound ring corrupt at %u (write %u, size %u), no longer read\n",
			   channel->offermsg.child_relid,
			   rbi->priv_read_index,
			   READ_ONCE(rbi->ring_buffer->write_index), size);
	st->broken = true;
	ring_in_drain(rbi);
}

/*
 * A packet longer than pkt_buffer: present its first pkt_buffer_size bytes
 * with len8 and offset8 rewritten to fit the copy, as in-tree's
 * hv_pkt_iter_first() does, so hv_pkt_datalen() and friends stay within
 * pkt_buffer; the iterator still steps over the whole packet.
 */
static void ring_in_clamp(struct vmbus_channel *channel,
			  struct vmpacket_descriptor *desc, u32 len, u32 copied)
{
	pr_err_ratelimited("relid %u: inbound packet of %u bytes exceeds max_pkt_size %u, truncated\n",
			   channel->offermsg.child_relid, len,
			   channel->inbound.pkt_buffer_size);
	desc->len8 = copied >> 3;
	if (desc->offset8 > desc->len8)
		desc->offset8 = sizeof(*desc) >> 3;
}

/*
 * Whether the channel tasklet should run the callback again for bytes still
 * in the ring.  In-tree always does; drivers rely on it (storvsc stops after
 * a time budget, possibly before its first packet).  Runs that consumed
 * nothing are allowed VMBUS_IDLE_RERUNS in a row, so a driver that leaves a
 * packet unread does not keep a CPU in softirq; the host's next signal
 * starts over.  Called from the tasklet, the ring's only reader.
 */
bool hv_ringbuffer_rerun(struct hv_ring_buffer_info *rbi, bool progressed)
{
	struct ring_in_state *st = ring_in_state(rbi);

	if (!st)
		return false;
	if (progressed) {
		st->idle_reruns = 0;
		return true;
	}
	if (st->idle_reruns >= VMBUS_IDLE_RERUNS) {
		st->idle_reruns = 0;
		return false;
	}
	st->idle_reruns++;
	return true;
}

/*
 * Copy the packet at priv_read_index into pkt_buffer and return the copy,
 * its descriptor checked (and clamped to pkt_buffer_size); NULL when the
 * ring is empty or broken.
 */
struct vmpacket_descriptor *hv_pkt_iter_first(struct vmbus_channel *channel)
{
	struct hv_ring_buffer_info *rbi = &channel->inbound;
	struct ring_in_state *st = ring_in_state(rbi);
	struct hvring_rd rd;
	struct hvring ring;
	u32 len, copied;
	int ret;

	if (!st || !rbi->ring_buffer)
		return NULL;
	if (st->broken) {
		/* Whatever the host wrote since is dropped unread. */
		ring_in_drain(rbi);
		return NULL;
	}

	ring_view(rbi, &ring);
	ret = hvring_read_resume(&ring, &rd, rbi->priv_read_index);
	while (ret == HVRING_OK) {
		ret = hvring_read_next_trunc(&ring, &rd, rbi->pkt_buffer,
					     rbi->pkt_buffer_size, &len,
					     &copied);
		if (ret != HVRING_TOOBIG || copied)
			break;
		/* pkt_buffer cannot hold even a descriptor: skip the packet. */
		pr_err_ratelimited("relid %u: max_pkt_size %u below a descriptor, packet dropped\n",
				   channel->offermsg.child_relid,
				   rbi->pkt_buffer_size);
		rbi->priv_read_index = rd.priv_read;
		ret = rd.avail ? HVRING_OK : HVRING_EMPTY;
	}

	switch (ret) {
	case HVRING_TOOBIG:
		ring_in_clamp(channel, rbi->pkt_buffer, len, copied);
		fallthrough;
	case HVRING_OK:
		st->cur_len = len;
		return rbi->pkt_buffer;
	case HVRING_EMPTY:
		return NULL;
	default:
		ring_in_break(channel, rbi, st, ring.size);
		return NULL;
	}
}
EXPORT_SYMBOL_GPL(hv_pkt_iter_first);

/*
 * Step priv_read_index past the packet hv_pkt_iter_first() returned last,
 * by its length in the ring (the copy's len8 may be clamped).
 */
static void ring_iter_advance(struct hv_ring_buffer_info *rbi)
{
	struct ring_in_state *st = ring_in_state(rbi);
	struct hvring ring;

	if (!st || st->broken)
		return;
	ring_view(rbi, &ring);
	rbi->priv_read_index =
		hvring_advance(&ring, rbi->priv_read_index,
			       st->cur_len + HVIS_RING_TRAILER_SIZE);
}

struct vmpacket_descriptor *
__hv_pkt_iter_next(struct vmbus_channel *channel,
		   const struct vmpacket_descriptor *desc)
{
	ring_iter_advance(&channel->inbound);
	return hv_pkt_iter_first(channel);
}
EXPORT_SYMBOL_GPL(__hv_pkt_iter_next);

/*
 * Publish what the iteration consumed; interrupt the host if it was waiting
 * for room (pending_send_sz) and now has it.
 */
void hv_pkt_iter_close(struct vmbus_channel *channel)
{
	struct hv_ring_buffer_info *rbi = &channel->inbound;
	struct ring_in_state *st = ring_in_state(rbi);
	struct hvring ring;
	bool signal;

	/* A broken ring's read_index is ring_in_drain()'s, not ours to move. */
	if (!st || st->broken)
		return;
	ring_view(rbi, &ring);
	hvring_read_close(&ring, rbi->priv_read_index, &signal);
	if (signal) {
		++channel->intr_in_full;
		vmbus_setevent(channel);
	}
}
EXPORT_SYMBOL_GPL(hv_pkt_iter_close);

int hv_ringbuffer_read(struct vmbus_channel *channel,
		       void *buffer, u32 buflen, u32 *buffer_actual_len,
		       u64 *requestid, bool raw)
{
	struct vmpacket_descriptor *desc;
	u32 packetlen, offset;

	if (unlikely(!buflen))
		return -EINVAL;

	*buffer_actual_len = 0;
	*requestid = 0;

	/* Nothing to read is not an error: callers test *buffer_actual_len. */
	desc = hv_pkt_iter_first(channel);
	if (!desc)
		return 0;

	/* Checked by hv_pkt_iter_first(): len8 >= offset8. */
	offset = raw ? 0 : (u32)desc->offset8 << 3;
	packetlen = ((u32)desc->len8 << 3) - offset;
	*buffer_actual_len = packetlen;
	*requestid = desc->trans_id;

	/* Left in the ring: the caller may retry with a bigger buffer. */
	if (unlikely(packetlen > buflen))
		return -ENOBUFS;

	memcpy(buffer, (const u8 *)desc + offset, packetlen);
	ring_iter_advance(&channel->inbound);
	hv_pkt_iter_close(channel);
	return 0;
}
