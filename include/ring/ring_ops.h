/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The VMBus ring algorithm, written once and compiled into both the guest
 * (vmbus/ring.c) and the host (hvcore), over a plain-memory view of a ring.
 *
 * Layout and ownership are in include/hvis/ring.h.  Everything the peer
 * writes is untrusted: each operation reads a peer-controlled index once,
 * validates it (multiple of 8, below the data size) and works on that local
 * copy; a packet's descriptor is copied out of the ring before its lengths
 * are checked, so the peer cannot change them between check and use.
 * A wrapping packet is copied in two pieces, so the data area needs only one
 * mapping.
 *
 * Barrier pairs (each site below names its partner):
 *  1. write_index store-release (hvring_write_commit) / load-acquire
 *     (hvring_read_begin, hvring_read_resume): packet bytes before index.
 *  2. read_index store-release (hvring_read_commit) / load-acquire
 *     (hvring_write_begin): the reader is done with bytes before the writer
 *     overwrites them.
 *  3. Empty -> non-empty signal: mb in hvring_write_need_signal / mb in
 *     hvring_unmask_interrupts (store-buffering litmus at the former).
 *  4. Full -> not-full signal: mb in hvring_set_pending_send_sz / mb in
 *     hvring_read_commit (litmus at the latter).
 */
#ifndef HVIS_RING_OPS_H
#define HVIS_RING_OPS_H

#include <hvis/ring.h>

#ifdef __KERNEL__
#include "shim_kernel.h"
#else
#include "shim_user.h"
#endif

/* Results. */
#define HVRING_OK	0
#define HVRING_EMPTY	1	/* nothing to read */
#define HVRING_FULL	2	/* not enough room to write (yet) */
#define HVRING_CORRUPT	3	/* peer-controlled index/length invalid */
#define HVRING_TOOBIG	4	/* read: buffer too small; write: never fits */

/* hvring_bytes_to_read() on a ring whose indices are invalid. */
#define HVRING_BYTES_CORRUPT	0xffffffffu

#define HVRING_ALIGN8(x)	(((x) + 7u) & ~(__typeof__(x))7u)

/*
 * struct hvring - a view of one ring; owns nothing.
 *
 * Locking: none inside.  A ring has one writer and one reader at a time;
 * each user serialises its own side (the guest holds the channel's
 * ring_lock around writes, reads run in the channel callback).
 */
struct hvring {
	struct hvis_ring_ctl *ctl;
	u8 *data;
	u32 size;		/* data bytes, multiple of 8; 0 = unusable */
};

struct hvring_iov {
	const void *base;
	u32 len;
};

/* A write in progress: reserved by begin, published by commit. */
struct hvring_wr {
	u32 start;		/* write_index before this packet */
	u32 pos;		/* where the next byte goes */
	u32 len;		/* packet bytes the caller declared */
	u32 written;		/* packet bytes copied so far */
};

/* A batch of reads: snapshot by begin/resume, published by commit. */
struct hvring_rd {
	u32 start;		/* read_index when the batch began */
	u32 priv_read;		/* next packet */
	u32 avail;		/* bytes from priv_read to the snapshot */
};

/*
 * A ring of @total_bytes at @ring_mem: the control page, then the data.
 * A size that is not a multiple of 8 is rounded down; one with no data area
 * gives size 0, on which every operation reports HVRING_CORRUPT.
 */
static inline void hvring_init(struct hvring *r, void *ring_mem,
			       u32 total_bytes)
{
	r->ctl = (struct hvis_ring_ctl *)ring_mem;
	r->data = (u8 *)ring_mem + HVIS_RING_CTL_SIZE;
	r->size = total_bytes > HVIS_RING_CTL_SIZE ?
		  (total_bytes - HVIS_RING_CTL_SIZE) & ~7u : 0;
}

static inline bool hvring_index_ok(const struct hvring *r, u32 index)
{
	return index < r->size && !(index & 7u);
}

/* @len <= size; u64 so that sizes near 4 GiB cannot wrap the sum. */
static inline u32 hvring_advance(const struct hvring *r, u32 off, u32 len)
{
	u64 next = (u64)off + len;

	if (next >= r->size)
		next -= r->size;
	return (u32)next;
}

/* Bytes between @from and @to going forward; both valid indices. */
static inline u32 hvring_distance(const struct hvring *r, u32 from, u32 to)
{
	return to >= from ? to - from : r->size - from + to;
}

static inline u32 hvring_copy_to(struct hvring *r, u32 off, const void *src,
				 u32 len)
{
	u32 first = r->size - off < len ? r->size - off : len;

	if (first)
		hvring_memcpy(r->data + off, src, first);
	if (len > first)
		hvring_memcpy(r->data, (const u8 *)src + first, len - first);
	return hvring_advance(r, off, len);
}

static inline u32 hvring_copy_from(const struct hvring *r, u32 off, void *dst,
				   u32 len)
{
	u32 first = r->size - off < len ? r->size - off : len;

	if (first)
		hvring_memcpy(dst, r->data + off, first);
	if (len > first)
		hvring_memcpy((u8 *)dst + first, r->data, len - first);
	return hvring_advance(r, off, len);
}

/*
 * Producer side.
 *
 * hvring_write_begin - reserve room for a packet of @len bytes (descriptor
 * included, padding and trailer not).  Returns OK, FULL (retry once the
 * reader has made room), TOOBIG (can never fit) or CORRUPT.  The ring is
 * full when free space <= the packet with padding and trailer: the writer
 * never lets write_index catch up with read_index, which would read as empty.
 */
static inline int hvring_write_begin(struct hvring *r, u32 len,
				     struct hvring_wr *wr)
{
	u32 w, rd, free;
	u64 total = HVRING_ALIGN8((u64)len) + HVIS_RING_TRAILER_SIZE;

	/* Ours, but in shared memory the peer can scribble on: check it too. */
	w = hvring_read_once(r->ctl->write_index);
	/* Pair 2: pairs with the store-release in hvring_read_commit(). */
	rd = hvring_load_acquire(&r->ctl->read_index);
	if (!hvring_index_ok(r, w) || !hvring_index_ok(r, rd))
		return HVRING_CORRUPT;
	if (total >= r->size)
		return HVRING_TOOBIG;
	free = r->size - hvring_distance(r, rd, w);
	if (free <= total)
		return HVRING_FULL;

	wr->start = w;
	wr->pos = w;
	wr->len = len;
	wr->written = 0;
	return HVRING_OK;
}

/* Append bytes to the reserved packet; anything past @len is dropped. */
static inline void hvring_write_copy(struct hvring *r, struct hvring_wr *wr,
				     const void *src, u32 n)
{
	if (n > wr->len - wr->written)
		n = wr->len - wr->written;
	wr->pos = hvring_copy_to(r, wr->pos, src, n);
	wr->written += n;
}

/*
 * Overwrite @n bytes at offset @at of the reserved packet before it is
 * published (the guest fills in trans_id after copying, see vmbus/ring.c).
 */
static inline void hvring_write_patch(struct hvring *r,
				      const struct hvring_wr *wr, u32 at,
				      const void *src, u32 n)
{
	if (at > wr->len || n > wr->len - at)
		return;
	hvring_copy_to(r, hvring_advance(r, wr->start, at), src, n);
}

/* Pad, add the trailer and publish the packet. */
static inline void hvring_write_commit(struct hvring *r, struct hvring_wr *wr)
{
	static const u8 zeroes[8];
	u32 pad = HVRING_ALIGN8(wr->len) - wr->written;
	u64 trailer = (u64)wr->start << 32;

	while (pad) {
		u32 n = pad < sizeof(zeroes) ? pad : (u32)sizeof(zeroes);

		wr->pos = hvring_copy_to(r, wr->pos, zeroes, n);
		pad -= n;
	}
	wr->pos = hvring_copy_to(r, wr->pos, &trailer, sizeof(trailer));

	/* Pair 1: pairs with the load-acquire in hvring_read_begin/resume(). */
	hvring_store_release(&r->ctl->write_index, wr->pos);
}

/*
 * After hvring_write_commit(): must the reader be interrupted?  Only when
 * it has not masked interrupts and had drained the ring up to this packet.
 *
 * Pair 3, store buffering; at least one side sees the other's store:
 *
 *	writer (here)			reader (hvring_unmask_interrupts)
 *	write_index = new		interrupt_mask = 0
 *	mb				mb
 *	load interrupt_mask		load write_index
 *
 * Either we see mask 0 and signal, or the reader sees our packet and
 * re-polls.  The same holds for read_index: the reader publishes it before
 * its mb, so a reader that drained to our start is seen as such.
 */
static inline bool hvring_write_need_signal(struct hvring *r,
					    const struct hvring_wr *wr)
{
	hvring_mb();
	if (hvring_read_once(r->ctl->interrupt_mask))
		return false;
	/*
	 * Pairs with the store-release of interrupt_mask in
	 * hvring_unmask_interrupts(): a reader that unmasked had published
	 * its read_index first, so seeing the 0 means seeing that index.
	 */
	hvring_rmb();
	/*
	 * A second sample of read_index, independent of the one begin
	 * checked: it is only compared for equality, never used to address
	 * the ring, so it needs no validation.
	 */
	return hvring_read_once(r->ctl->read_index) == wr->start;
}

/*
 * Write one packet, the concatenation of @iov[0..n) (the caller builds the
 * descriptor).  *signal says whether to interrupt the reader.
 */
static inline int hvring_write(struct hvring *r, const struct hvring_iov *iov,
			       u32 n, bool *signal)
{
	struct hvring_wr wr;
	u64 len = 0;
	u32 i;
	int ret;

	*signal = false;
	for (i = 0; i < n; i++)
		len += iov[i].len;
	if (len > r->size)
		return HVRING_TOOBIG;
	ret = hvring_write_begin(r, (u32)len, &wr);
	if (ret != HVRING_OK)
		return ret;
	for (i = 0; i < n; i++)
		hvring_write_copy(r, &wr, iov[i].base, iov[i].len);
	hvring_write_commit(r, &wr);
	*signal = hvring_write_need_signal(r, &wr);
	return HVRING_OK;
}

/*
 * Ask the reader to interrupt us once more than @bytes are free (0 = stop
 * asking).  After setting it, try the write again before sleeping.
 */
static inline void hvring_set_pending_send_sz(struct hvring *r, u32 bytes)
{
	hvring_write_once(r->ctl->pending_send_sz, bytes);
	/*
	 * Pair 4: pairs with the mb in hvring_read_commit(); orders this
	 * store before the read_index load of the retried write.
	 */
	hvring_mb();
}

/*
 * Consumer side.
 *
 * hvring_read_begin - snapshot the ring for a batch of reads.  Returns OK,
 * EMPTY or CORRUPT.
 */
static inline int hvring_read_begin(struct hvring *r, struct hvring_rd *rd)
{
	u32 start = hvring_read_once(r->ctl->read_index);
	/* Pair 1: pairs with the store-release in hvring_write_commit(). */
	u32 w = hvring_load_acquire(&r->ctl->write_index);

	rd->start = start;
	rd->priv_read = start;
	rd->avail = 0;
	if (!hvring_index_ok(r, start) || !hvring_index_ok(r, w))
		return HVRING_CORRUPT;
	rd->avail = hvring_distance(r, start, w);
	return rd->avail ? HVRING_OK : HVRING_EMPTY;
}

/*
 * Like hvring_read_begin(), but continue from a private read position the
 * caller kept (the guest's priv_read_index) instead of the published one.
 */
static inline int hvring_read_resume(struct hvring *r, struct hvring_rd *rd,
				     u32 priv_read)
{
	/* Pair 1: pairs with the store-release in hvring_write_commit(). */
	u32 w = hvring_load_acquire(&r->ctl->write_index);

	rd->start = priv_read;
	rd->priv_read = priv_read;
	rd->avail = 0;
	if (!hvring_index_ok(r, priv_read) || !hvring_index_ok(r, w))
		return HVRING_CORRUPT;
	rd->avail = hvring_distance(r, priv_read, w);
	return rd->avail ? HVRING_OK : HVRING_EMPTY;
}

/*
 * Copy out and check the descriptor of the next packet: offset8 * 8 >= 16,
 * len8 >= offset8, and the packet plus trailer within what the snapshot
 * holds.  Returns OK with *d, *len (len8 * 8) and *next (the offset of the
 * byte after the descriptor), or EMPTY or CORRUPT.
 */
static inline int hvring_read_desc(const struct hvring *r,
				   const struct hvring_rd *rd,
				   struct hvis_vmpacket_desc *d, u32 *len,
				   u32 *next)
{
	if (!rd->avail)
		return HVRING_EMPTY;
	/* The writer only publishes whole packets. */
	if (rd->avail < sizeof(*d) + HVIS_RING_TRAILER_SIZE)
		return HVRING_CORRUPT;
	*next = hvring_copy_from(r, rd->priv_read, d, sizeof(*d));
	*len = (u32)d->len8 * 8;
	if ((u32)d->offset8 * 8 < sizeof(*d) || d->len8 < d->offset8 ||
	    (u64)*len + HVIS_RING_TRAILER_SIZE > rd->avail)
		return HVRING_CORRUPT;
	return HVRING_OK;
}

/* Move the batch past a packet of @len bytes that read_desc checked. */
static inline void hvring_read_skip(const struct hvring *r,
				    struct hvring_rd *rd, u32 len)
{
	rd->priv_read = hvring_advance(r, rd->priv_read,
				       len + HVIS_RING_TRAILER_SIZE);
	rd->avail -= len + HVIS_RING_TRAILER_SIZE;
}

/*
 * Copy the next packet (descriptor and payload up to len8 * 8, without the
 * trailer) into @buf, descriptor checked by hvring_read_desc().  Returns OK,
 * EMPTY, CORRUPT, or TOOBIG with *pktlen set and the batch not advanced.
 */
static inline int hvring_read_next(struct hvring *r, struct hvring_rd *rd,
				   void *buf, u32 buflen, u32 *pktlen)
{
	struct hvis_vmpacket_desc d;
	u32 len, next;
	int ret;

	*pktlen = 0;
	ret = hvring_read_desc(r, rd, &d, &len, &next);
	if (ret != HVRING_OK)
		return ret;
	*pktlen = len;
	if (len > buflen)
		return HVRING_TOOBIG;

	/* @buf gets the checked copy of the descriptor, not a re-read. */
	hvring_memcpy(buf, &d, sizeof(d));
	hvring_copy_from(r, next, (u8 *)buf + sizeof(d), len - sizeof(d));
	hvring_read_skip(r, rd, len);
	return HVRING_OK;
}

/*
 * Like hvring_read_next(), but a packet longer than @buflen does not stop
 * the reader: its first @buflen bytes (rounded down to 8) are copied, the
 * batch moves past the whole packet, and TOOBIG says the copy is short.
 * *pktlen is the packet's length, *copied what landed in @buf (0 when
 * @buflen cannot even hold the descriptor).  The descriptor in @buf is the
 * checked copy, len8/offset8 as the peer sent them: the caller decides how
 * to present a short copy.
 */
static inline int hvring_read_next_trunc(struct hvring *r,
					 struct hvring_rd *rd, void *buf,
					 u32 buflen, u32 *pktlen, u32 *copied)
{
	struct hvis_vmpacket_desc d;
	u32 len, next, n;
	int ret;

	*pktlen = 0;
	*copied = 0;
	ret = hvring_read_desc(r, rd, &d, &len, &next);
	if (ret != HVRING_OK)
		return ret;
	*pktlen = len;
	n = len <= buflen ? len : buflen & ~7u;
	if (n >= sizeof(d)) {
		hvring_memcpy(buf, &d, sizeof(d));
		hvring_copy_from(r, next, (u8 *)buf + sizeof(d),
				 n - sizeof(d));
		*copied = n;
	}
	hvring_read_skip(r, rd, len);
	return n == len ? HVRING_OK : HVRING_TOOBIG;
}

/*
 * Publish what the batch consumed.  *signal says whether to interrupt the
 * writer: it implements pending_send_sz (feature bit) and asked for more
 * than was free before this commit, and now more than that is free.
 * Exactly pending_send_sz free does not count: a writer needs strictly
 * more.  The batch continues from here; commit again after further reads.
 */
static inline void hvring_read_commit(struct hvring *r, struct hvring_rd *rd,
				      bool *signal)
{
	u32 pending, w, free_now, bytes_read;

	*signal = false;
	/* Pair 2: pairs with the load-acquire in hvring_write_begin(). */
	hvring_store_release(&r->ctl->read_index, rd->priv_read);
	bytes_read = hvring_distance(r, rd->start, rd->priv_read);
	rd->start = rd->priv_read;

	if (!(hvring_read_once(r->ctl->feature_bits) &
	      HVIS_RING_FEAT_PENDING_SEND_SZ))
		return;
	/*
	 * Pair 4, store buffering:
	 *
	 *	reader (here)			writer (set_pending + retry)
	 *	read_index = new		pending_send_sz = n
	 *	mb				mb
	 *	load pending_send_sz		load read_index
	 *
	 * Either we see n and signal, or the writer's retry sees our space.
	 */
	hvring_mb();
	pending = hvring_read_once(r->ctl->pending_send_sz);
	if (!pending)
		return;
	/*
	 * Load write_index after pending_send_sz, so that the free space is
	 * measured against a write_index at least as new as the request
	 * (pairs with the mb in hvring_set_pending_send_sz(), which follows
	 * the writer's earlier write_index stores).
	 */
	hvring_rmb();
	w = hvring_read_once(r->ctl->write_index);
	if (!hvring_index_ok(r, w))
		return;	/* the next read_begin reports it */
	free_now = r->size - hvring_distance(r, rd->priv_read, w);

	/* Enough was free before this commit: the writer was not blocked. */
	if (free_now - bytes_read > pending)
		return;
	if (free_now <= pending)
		return;
	*signal = true;
}

/*
 * hvring_read_commit() for a caller that keeps only its private read
 * position (the guest's hv_pkt_iter_close): the batch start is the
 * read_index we published last.
 */
static inline void hvring_read_close(struct hvring *r, u32 priv_read,
				     bool *signal)
{
	struct hvring_rd rd = {
		.start = hvring_read_once(r->ctl->read_index),
		.priv_read = priv_read,
	};

	/* Scribbled on by the peer: count nothing freed, so no signal. */
	if (!hvring_index_ok(r, rd.start))
		rd.start = priv_read;
	hvring_read_commit(r, &rd, signal);
}

/*
 * A stale 0 seen by the writer costs one spurious signal, nothing more, so
 * masking needs no barrier.
 */
static inline void hvring_mask_interrupts(struct hvring *r)
{
	hvring_write_once(r->ctl->interrupt_mask, 1);
}

/* Bytes the writer has published and the reader not yet consumed. */
static inline u32 hvring_bytes_to_read(const struct hvring *r)
{
	u32 rd = hvring_read_once(r->ctl->read_index);
	u32 w = hvring_read_once(r->ctl->write_index);

	/* Non-zero, so that a polling caller looks and read_begin reports. */
	if (!hvring_index_ok(r, rd) || !hvring_index_ok(r, w))
		return HVRING_BYTES_CORRUPT;
	return hvring_distance(r, rd, w);
}

/* Free bytes as the writer sees them (0 if the indices are invalid). */
static inline u32 hvring_bytes_to_write(const struct hvring *r)
{
	u32 rd = hvring_read_once(r->ctl->read_index);
	u32 w = hvring_read_once(r->ctl->write_index);

	if (!hvring_index_ok(r, rd) || !hvring_index_ok(r, w))
		return 0;
	return r->size - hvring_distance(r, rd, w);
}

/*
 * Re-enable interrupts after draining.  Returns the bytes to read: non-zero
 * means a packet raced in (or the ring is corrupt) and the caller must poll
 * again rather than sleep.
 */
static inline u32 hvring_unmask_interrupts(struct hvring *r)
{
	/*
	 * Release: pairs with the rmb in hvring_write_need_signal(); our
	 * read_index stores are visible before the 0.
	 */
	hvring_store_release(&r->ctl->interrupt_mask, 0);
	/* Pair 3: pairs with the mb in hvring_write_need_signal(). */
	hvring_mb();
	return hvring_bytes_to_read(r);
}

#endif /* HVIS_RING_OPS_H */
