// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Unit tests of the shared ring algorithm (include/ring/ring_ops.h) on plain
 * memory: edge cases, rejection of corrupt peer data, and the exact number
 * of signals under the interrupt-mask and pending_send_sz rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ring/ring_ops.h>

#include "ktap.h"

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			ktap_diag("%s:%d: failed: %s", __FILE__,	\
				  __LINE__, #cond);			\
			return false;					\
		}							\
	} while (0)

#define DESC_SIZE	((u32)sizeof(struct hvis_vmpacket_desc))

/* A zeroed ring with @data_size data bytes; free with ring_free(). */
static struct hvring ring_new(u32 data_size)
{
	size_t total = HVIS_RING_CTL_SIZE + data_size;
	size_t alloc = (total + 4095) & ~(size_t)4095;
	void *mem = aligned_alloc(4096, alloc);
	struct hvring r;

	if (!mem)
		abort();
	memset(mem, 0, alloc);
	hvring_init(&r, mem, (u32)total);
	r.ctl->feature_bits = HVIS_RING_FEAT_PENDING_SEND_SZ;
	return r;
}

static void ring_free(struct hvring *r)
{
	free(r->ctl);
}

static u8 pattern(u64 seq, u32 i)
{
	return (u8)(seq * 131 + i * 7 + 1);
}

/* Bytes a packet with @plen payload bytes occupies in the ring. */
static u32 pkt_total(u32 plen)
{
	return HVRING_ALIGN8(DESC_SIZE + plen) + HVIS_RING_TRAILER_SIZE;
}

static int pkt_write(struct hvring *r, u64 seq, u32 plen, bool *signal)
{
	static u8 payload[65536];
	struct hvis_vmpacket_desc d = {
		.type = HVIS_VMPKT_DATA_INBAND,
		.offset8 = DESC_SIZE / 8,
		.len8 = (u16)(HVRING_ALIGN8(DESC_SIZE + plen) / 8),
		.trans_id = seq,
	};
	struct hvring_iov iov[2] = {
		{ &d, DESC_SIZE },
		{ payload, plen },
	};
	bool dummy;
	u32 i;

	for (i = 0; i < plen; i++)
		payload[i] = pattern(seq, i);
	return hvring_write(r, iov, 2, signal ? signal : &dummy);
}

/* The copy hvring_read_next() made of a packet pkt_write() wrote. */
static bool pkt_ok(const u8 *buf, u32 len, u64 seq, u32 plen)
{
	struct hvis_vmpacket_desc d;
	u32 i;

	memcpy(&d, buf, sizeof(d));
	CHECK(len == HVRING_ALIGN8(DESC_SIZE + plen));
	CHECK(d.type == HVIS_VMPKT_DATA_INBAND);
	CHECK(d.offset8 == 2);
	CHECK(d.len8 * 8u == len);
	CHECK(d.trans_id == seq);
	for (i = 0; i < plen; i++)
		CHECK(buf[DESC_SIZE + i] == pattern(seq, i));
	for (i = DESC_SIZE + plen; i < len; i++)
		CHECK(buf[i] == 0);
	return true;
}

/* Read and check one packet, then commit; returns the commit's signal. */
static bool read_one(struct hvring *r, u64 seq, u32 plen, bool *signal)
{
	static u8 buf[65536];
	struct hvring_rd rd;
	bool dummy;
	u32 len;

	CHECK(hvring_read_begin(r, &rd) == HVRING_OK);
	CHECK(hvring_read_next(r, &rd, buf, sizeof(buf), &len) == HVRING_OK);
	CHECK(pkt_ok(buf, len, seq, plen));
	hvring_read_commit(r, &rd, signal ? signal : &dummy);
	return true;
}

/* Read everything there is in one batch and commit. */
static u32 drain(struct hvring *r, bool *signal)
{
	static u8 buf[65536];
	struct hvring_rd rd;
	u32 n = 0, len;

	*signal = false;
	if (hvring_read_begin(r, &rd) != HVRING_OK)
		return 0;
	while (hvring_read_next(r, &rd, buf, sizeof(buf), &len) == HVRING_OK)
		n++;
	hvring_read_commit(r, &rd, signal);
	return n;
}

static bool test_init(void)
{
	struct hvring r = ring_new(4096), v;
	struct hvring_rd rd;
	struct hvring_wr wr;

	CHECK(r.size == 4096);
	CHECK((u8 *)r.data == (u8 *)r.ctl + 4096);
	hvring_init(&v, r.ctl, 4096 + 67);
	CHECK(v.size == 64);
	hvring_init(&v, r.ctl, 4096);
	CHECK(v.size == 0);
	hvring_init(&v, r.ctl, 100);
	CHECK(v.size == 0);
	CHECK(hvring_read_begin(&v, &rd) == HVRING_CORRUPT);
	CHECK(hvring_write_begin(&v, 16, &wr) == HVRING_CORRUPT);
	ring_free(&r);
	return true;
}

static bool test_empty(void)
{
	struct hvring r = ring_new(4096);
	struct hvring_rd rd;
	u8 buf[64];
	u32 len = 1;

	CHECK(hvring_read_begin(&r, &rd) == HVRING_EMPTY);
	CHECK(hvring_read_next(&r, &rd, buf, sizeof(buf), &len) ==
	      HVRING_EMPTY);
	CHECK(len == 0);
	CHECK(hvring_bytes_to_read(&r) == 0);
	CHECK(hvring_bytes_to_write(&r) == 4096);
	CHECK(hvring_unmask_interrupts(&r) == 0);
	ring_free(&r);
	return true;
}

static bool test_roundtrip(void)
{
	struct hvring r = ring_new(4096);
	u64 trailer;

	CHECK(pkt_write(&r, 42, 13, NULL) == HVRING_OK);
	CHECK(pkt_write(&r, 43, 0, NULL) == HVRING_OK);
	CHECK(r.ctl->write_index == pkt_total(13) + pkt_total(0));
	CHECK(hvring_bytes_to_read(&r) == 40 + 24);
	CHECK(hvring_bytes_to_write(&r) == 4096 - 64);
	/* Trailers: upper half = where the packet starts. */
	memcpy(&trailer, r.data + 32, 8);
	CHECK(trailer == 0);
	memcpy(&trailer, r.data + 40 + 16, 8);
	CHECK(trailer == (u64)40 << 32);
	CHECK(read_one(&r, 42, 13, NULL));
	CHECK(r.ctl->read_index == 40);
	CHECK(read_one(&r, 43, 0, NULL));
	CHECK(r.ctl->read_index == r.ctl->write_index);
	ring_free(&r);
	return true;
}

static bool test_iov_pieces(void)
{
	struct hvring r = ring_new(4096);
	struct hvis_vmpacket_desc d = {
		.type = HVIS_VMPKT_DATA_INBAND, .offset8 = 2, .len8 = 4,
		.trans_id = 7,
	};
	const char a[] = "hello", b[] = " world!";
	struct hvring_iov iov[4] = {
		{ &d, 16 }, { NULL, 0 }, { a, 5 }, { b, 7 },
	};
	struct hvring_rd rd;
	u8 buf[64];
	bool signal;
	u32 len;

	CHECK(hvring_write(&r, iov, 4, &signal) == HVRING_OK);
	CHECK(signal);
	CHECK(hvring_read_begin(&r, &rd) == HVRING_OK);
	CHECK(hvring_read_next(&r, &rd, buf, sizeof(buf), &len) == HVRING_OK);
	CHECK(len == 32);
	CHECK(!memcmp(buf + 16, "hello world!", 12));
	CHECK(!memcmp(buf + 28, "\0\0\0\0", 4));
	ring_free(&r);
	return true;
}

static bool test_full_exact_fit(void)
{
	struct hvring r = ring_new(4096);

	/* The whole ring but 8 bytes fits; write_index never meets read. */
	CHECK(pkt_total(4064) == 4088);
	CHECK(pkt_write(&r, 1, 4064, NULL) == HVRING_OK);
	CHECK(hvring_bytes_to_write(&r) == 8);
	CHECK(pkt_write(&r, 2, 0, NULL) == HVRING_FULL);
	CHECK(read_one(&r, 1, 4064, NULL));
	ring_free(&r);

	r = ring_new(4096);
	CHECK(pkt_total(1000) == 1024);
	CHECK(pkt_write(&r, 1, 1000, NULL) == HVRING_OK);
	/* free == packet: full (it would make the ring read as empty). */
	CHECK(pkt_write(&r, 2, 3072 - 24, NULL) == HVRING_FULL);
	CHECK(pkt_write(&r, 2, 3064 - 24, NULL) == HVRING_OK);
	CHECK(hvring_bytes_to_write(&r) == 8);
	CHECK(hvring_bytes_to_read(&r) == 4088);
	CHECK(read_one(&r, 1, 1000, NULL));
	CHECK(hvring_bytes_to_write(&r) == 1032);
	CHECK(pkt_write(&r, 3, 1032 - 24, NULL) == HVRING_FULL);
	CHECK(pkt_write(&r, 3, 1024 - 24, NULL) == HVRING_OK);
	CHECK(read_one(&r, 2, 3064 - 24, NULL));
	CHECK(read_one(&r, 3, 1024 - 24, NULL));
	CHECK(hvring_bytes_to_read(&r) == 0);
	ring_free(&r);
	return true;
}

static bool test_oversize(void)
{
	struct hvring r = ring_new(4096);
	struct hvring_wr wr;

	/* As big as the ring: can never fit, not merely full. */
	CHECK(pkt_write(&r, 1, 4096 - 24, NULL) == HVRING_TOOBIG);
	CHECK(pkt_write(&r, 1, 8192, NULL) == HVRING_TOOBIG);
	CHECK(hvring_write_begin(&r, 0xffffffffu, &wr) == HVRING_TOOBIG);
	CHECK(r.ctl->write_index == 0);
	ring_free(&r);
	return true;
}

static bool test_wrap(void)
{
	static const u32 back[] = { 8, 16, 24, 120, 128, 136, 4096 };
	struct hvring r = ring_new(4096);
	u32 i;

	for (i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
		u32 start = 4096 - back[i];
		u32 tpos = (start + 120) % 4096;
		u64 trailer;

		r.ctl->read_index = start;
		r.ctl->write_index = start;
		CHECK(pkt_write(&r, 100 + i, 100, NULL) == HVRING_OK);
		CHECK(r.ctl->write_index == (start + 128) % 4096);
		memcpy(&trailer, r.data + tpos, 8);
		CHECK(trailer == (u64)start << 32);
		CHECK(read_one(&r, 100 + i, 100, NULL));
		CHECK(r.ctl->read_index == r.ctl->write_index);
	}
	ring_free(&r);
	return true;
}

static bool test_write_patch(void)
{
	struct hvring r = ring_new(4096);
	struct hvis_vmpacket_desc d = {
		.type = HVIS_VMPKT_DATA_INBAND, .offset8 = 2, .len8 = 2,
		.trans_id = 1,
	};
	u64 tid = 0x1122334455667788ull;
	struct hvring_wr wr;
	u8 buf[64];
	u32 len;
	struct hvring_rd rd;

	/* trans_id lands exactly at the wrap point. */
	r.ctl->read_index = r.ctl->write_index = 4088;
	CHECK(hvring_write_begin(&r, 16, &wr) == HVRING_OK);
	hvring_write_copy(&r, &wr, &d, 16);
	hvring_write_patch(&r, &wr, 8, &tid, 8);
	hvring_write_commit(&r, &wr);
	CHECK(hvring_read_begin(&r, &rd) == HVRING_OK);
	CHECK(hvring_read_next(&r, &rd, buf, sizeof(buf), &len) == HVRING_OK);
	memcpy(&d, buf, 16);
	CHECK(d.trans_id == tid);
	ring_free(&r);
	return true;
}

static bool test_read_toobig(void)
{
	struct hvring r = ring_new(4096);
	struct hvring_rd rd, before;
	u8 buf[256];
	u32 len;

	CHECK(pkt_write(&r, 5, 100, NULL) == HVRING_OK);
	CHECK(hvring_read_begin(&r, &rd) == HVRING_OK);
	before = rd;
	CHECK(hvring_read_next(&r, &rd, buf, 64, &len) == HVRING_TOOBIG);
	CHECK(len == 120);
	CHECK(rd.priv_read == before.priv_read && rd.avail == before.avail);
	CHECK(hvring_read_next(&r, &rd, buf, sizeof(buf), &len) == HVRING_OK);
	CHECK(pkt_ok(buf, len, 5, 100));
	ring_free(&r);
	return true;
}

/*
 * The truncating read copies what fits (rounded down to 8), still steps over
 * the whole packet, and leaves the next packet intact; a buffer too small
 * for the descriptor copies nothing but still moves on.
 */
static bool test_read_trunc(void)
{
	struct hvring r = ring_new(4096);
	struct hvis_vmpacket_desc d;
	struct hvring_rd rd;
	u8 buf[256];
	u32 len, copied, i;

	CHECK(pkt_write(&r, 7, 100, NULL) == HVRING_OK);
	CHECK(pkt_write(&r, 8, 10, NULL) == HVRING_OK);
	CHECK(pkt_write(&r, 9, 40, NULL) == HVRING_OK);
	CHECK(hvring_read_begin(&r, &rd) == HVRING_OK);

	memset(buf, 0xee, sizeof(buf));
	CHECK(hvring_read_next_trunc(&r, &rd, buf, 61, &len, &copied) ==
	      HVRING_TOOBIG);
	CHECK(len == 120 && copied == 56);
	memcpy(&d, buf, sizeof(d));
	CHECK(d.trans_id == 7 && d.len8 == 15);
	for (i = 0; i < copied - DESC_SIZE; i++)
		CHECK(buf[DESC_SIZE + i] == pattern(7, i));
	CHECK(buf[copied] == 0xee);

	CHECK(hvring_read_next_trunc(&r, &rd, buf, 8, &len, &copied) ==
	      HVRING_TOOBIG);
	CHECK(len == 32 && copied == 0);

	CHECK(hvring_read_next_trunc(&r, &rd, buf, sizeof(buf), &len,
				     &copied) == HVRING_OK);
	CHECK(copied == len && pkt_ok(buf, len, 9, 40));
	CHECK(hvring_read_next_trunc(&r, &rd, buf, sizeof(buf), &len,
				     &copied) == HVRING_EMPTY);
	ring_free(&r);
	return true;
}

static bool test_batch_snapshot(void)
{
	struct hvring r = ring_new(4096);
	struct hvring_rd rd;
	u8 buf[256];
	bool signal;
	u32 len, i;

	for (i = 0; i < 3; i++)
		CHECK(pkt_write(&r, i, 10 * i, NULL) == HVRING_OK);
	CHECK(hvring_read_begin(&r, &rd) == HVRING_OK);
	CHECK(pkt_write(&r, 3, 30, NULL) == HVRING_OK);
	for (i = 0; i < 3; i++) {
		CHECK(hvring_read_next(&r, &rd, buf, sizeof(buf), &len) ==
		      HVRING_OK);
		CHECK(pkt_ok(buf, len, i, 10 * i));
	}
	/* Written after the snapshot: the next batch gets it. */
	CHECK(hvring_read_next(&r, &rd, buf, sizeof(buf), &len) ==
	      HVRING_EMPTY);
	hvring_read_commit(&r, &rd, &signal);
	CHECK(hvring_bytes_to_read(&r) == pkt_total(30));
	CHECK(read_one(&r, 3, 30, NULL));
	ring_free(&r);
	return true;
}

static bool test_corrupt_indices(void)
{
	struct hvring r = ring_new(4096);
	struct hvring_rd rd;
	bool signal;

	CHECK(pkt_write(&r, 1, 8, NULL) == HVRING_OK);
	/* Reader side: the writer's index. */
	r.ctl->write_index = 4;
	CHECK(hvring_read_begin(&r, &rd) == HVRING_CORRUPT);
	CHECK(hvring_bytes_to_read(&r) == HVRING_BYTES_CORRUPT);
	CHECK(hvring_unmask_interrupts(&r) == HVRING_BYTES_CORRUPT);
	r.ctl->write_index = 4096;
	CHECK(hvring_read_begin(&r, &rd) == HVRING_CORRUPT);
	r.ctl->write_index = 0xfffffff8u;
	CHECK(hvring_read_begin(&r, &rd) == HVRING_CORRUPT);
	CHECK(hvring_read_resume(&r, &rd, 0) == HVRING_CORRUPT);
	r.ctl->write_index = 32;
	/* Writer side: the reader's index. */
	r.ctl->read_index = 12;
	CHECK(pkt_write(&r, 2, 8, &signal) == HVRING_CORRUPT);
	CHECK(!signal);
	CHECK(hvring_bytes_to_write(&r) == 0);
	r.ctl->read_index = 4096;
	CHECK(pkt_write(&r, 2, 8, NULL) == HVRING_CORRUPT);
	CHECK(r.ctl->write_index == 32);
	ring_free(&r);
	return true;
}

/* Write one packet, overwrite its descriptor's offset8/len8, read it. */
static int read_forged(u16 offset8, u16 len8, u32 write_index)
{
	struct hvring r = ring_new(4096);
	struct hvring_rd rd;
	u8 buf[4096];
	u32 len;
	int ret;

	if (pkt_write(&r, 1, 40, NULL) != HVRING_OK)
		abort();
	memcpy(r.data + 2, &offset8, 2);
	memcpy(r.data + 4, &len8, 2);
	if (write_index)
		r.ctl->write_index = write_index;
	ret = hvring_read_begin(&r, &rd);
	if (ret == HVRING_OK)
		ret = hvring_read_next(&r, &rd, buf, sizeof(buf), &len);
	ring_free(&r);
	return ret;
}

static bool test_corrupt_lengths(void)
{
	/* Untouched: 16 + 40 = 56 bytes, offset8 2, len8 7; avail 64. */
	CHECK(read_forged(2, 7, 0) == HVRING_OK);
	CHECK(read_forged(2, 1, 0) == HVRING_CORRUPT);	/* len8 < offset8 */
	CHECK(read_forged(3, 2, 0) == HVRING_CORRUPT);	/* len8 < offset8 */
	CHECK(read_forged(1, 7, 0) == HVRING_CORRUPT);	/* offset8 * 8 < 16 */
	CHECK(read_forged(0, 7, 0) == HVRING_CORRUPT);
	CHECK(read_forged(2, 8, 0) == HVRING_CORRUPT);	/* no room for trailer */
	CHECK(read_forged(2, 0xffff, 0) == HVRING_CORRUPT);
	CHECK(read_forged(7, 7, 0) == HVRING_OK);	/* offset8 == len8 */
	/* Less published than a descriptor and a trailer. */
	CHECK(read_forged(2, 7, 8) == HVRING_CORRUPT);
	CHECK(read_forged(2, 7, 16) == HVRING_CORRUPT);
	/* Packet longer than what was published. */
	CHECK(read_forged(2, 7, 56) == HVRING_CORRUPT);
	return true;
}

/*
 * Empty -> non-empty signals: exactly when the reader has interrupts on
 * and has consumed everything before the new packet.
 */
static bool test_signal_interrupt_mask(void)
{
	struct hvring r = ring_new(4096);
	unsigned int count = 0;
	bool sig, csig;

#define WRITE_COUNT(seq)						\
	do {								\
		CHECK(pkt_write(&r, seq, 50, &sig) == HVRING_OK);	\
		count += sig;						\
	} while (0)

	WRITE_COUNT(1);				/* empty, unmasked */
	CHECK(count == 1);
	WRITE_COUNT(2);				/* not empty */
	CHECK(count == 1);
	CHECK(read_one(&r, 1, 50, NULL));	/* reader half-way */
	WRITE_COUNT(3);
	CHECK(count == 1);
	CHECK(drain(&r, &csig) == 2);
	WRITE_COUNT(4);				/* empty again */
	CHECK(count == 2);
	hvring_mask_interrupts(&r);
	CHECK(drain(&r, &csig) == 1);
	WRITE_COUNT(5);				/* masked */
	CHECK(count == 2);
	/* Unmasking finds the packet that raced in: re-poll, no signal. */
	CHECK(hvring_unmask_interrupts(&r) == pkt_total(50));
	CHECK(drain(&r, &csig) == 1);
	CHECK(hvring_unmask_interrupts(&r) == 0);
	WRITE_COUNT(6);
	CHECK(count == 3);
#undef WRITE_COUNT
	ring_free(&r);
	return true;
}

/* Write 256-byte packets until the ring is full; returns how many. */
static u32 fill(struct hvring *r, u64 *seq)
{
	u32 n = 0;

	while (pkt_write(r, (*seq)++, 232, NULL) == HVRING_OK)
		n++;
	(*seq)--;
	return n;
}

/* Read @n packets in one batch, commit once; returns the signal. */
static bool read_n(struct hvring *r, u32 n, u64 *rseq, bool *signal)
{
	static u8 buf[4096];
	struct hvring_rd rd;
	u32 len;

	CHECK(hvring_read_begin(r, &rd) == HVRING_OK);
	while (n--) {
		CHECK(hvring_read_next(r, &rd, buf, sizeof(buf), &len) ==
		      HVRING_OK);
		CHECK(pkt_ok(buf, len, (*rseq)++, 232));
	}
	hvring_read_commit(r, &rd, signal);
	return true;
}

/*
 * Full -> not-full signals: only with the feature bit and a request, and
 * only on the commit that takes free space from <= pending_send_sz to
 * more than it.
 */
static bool test_signal_pending_send_sz(void)
{
	struct hvring r = ring_new(4096);
	u64 wseq = 0, rseq = 0;
	unsigned int count = 0;
	struct hvring_rd rd;
	u8 buf[4096];
	bool sig;
	u32 len;

	CHECK(pkt_total(232) == 256);
	CHECK(fill(&r, &wseq) == 15);		/* 256 left: full */
	CHECK(hvring_bytes_to_write(&r) == 256);

	/* No feature bit: never. */
	r.ctl->feature_bits = 0;
	hvring_set_pending_send_sz(&r, 256);
	CHECK(read_n(&r, 1, &rseq, &sig));
	count += sig;
	CHECK(count == 0);
	r.ctl->feature_bits = HVIS_RING_FEAT_PENDING_SEND_SZ;
	CHECK(fill(&r, &wseq) == 1);

	/* No request: never. */
	hvring_set_pending_send_sz(&r, 0);
	CHECK(read_n(&r, 1, &rseq, &sig));
	count += sig;
	CHECK(count == 0);
	CHECK(fill(&r, &wseq) == 1);

	/* 256 -> 512 free crosses 256; 512 -> 768 does not cross again. */
	hvring_set_pending_send_sz(&r, 256);
	CHECK(read_n(&r, 1, &rseq, &sig));
	count += sig;
	CHECK(count == 1);
	CHECK(read_n(&r, 1, &rseq, &sig));
	count += sig;
	CHECK(count == 1);
	CHECK(fill(&r, &wseq) == 2);

	/* Exactly pending_send_sz free is not enough. */
	hvring_set_pending_send_sz(&r, 512);
	CHECK(read_n(&r, 1, &rseq, &sig));	/* 512 free */
	count += sig;
	CHECK(count == 1);
	CHECK(read_n(&r, 1, &rseq, &sig));	/* 768 free */
	count += sig;
	CHECK(count == 2);
	CHECK(fill(&r, &wseq) == 2);

	/* A batch that frees a lot signals once. */
	hvring_set_pending_send_sz(&r, 1024);
	CHECK(read_n(&r, 5, &rseq, &sig));
	count += sig;
	CHECK(count == 3);
	CHECK(read_n(&r, 0, &rseq, &sig));	/* nothing more read */
	count += sig;
	CHECK(count == 3);
	CHECK(fill(&r, &wseq) == 5);

	/* The guest's iterator path: close from a private read position. */
	hvring_set_pending_send_sz(&r, 256);
	CHECK(hvring_read_begin(&r, &rd) == HVRING_OK);
	CHECK(hvring_read_next(&r, &rd, buf, sizeof(buf), &len) == HVRING_OK);
	CHECK(pkt_ok(buf, len, rseq++, 232));
	hvring_read_close(&r, rd.priv_read, &sig);
	count += sig;
	CHECK(count == 4);
	hvring_read_close(&r, rd.priv_read, &sig);	/* again: nothing new */
	count += sig;
	CHECK(count == 4);
	ring_free(&r);
	return true;
}

static const struct {
	const char *name;
	bool (*fn)(void);
} tests[] = {
	{ "init: data size, rounding, no data area", test_init },
	{ "empty ring reads EMPTY", test_empty },
	{ "packet round trip, padding and trailer", test_roundtrip },
	{ "write gathers iov pieces", test_iov_pieces },
	{ "full ring and exact fit", test_full_exact_fit },
	{ "oversize packet is TOOBIG, not FULL", test_oversize },
	{ "wrap-around at every split point", test_wrap },
	{ "trans_id patched across the wrap", test_write_patch },
	{ "short read buffer: TOOBIG, batch not advanced", test_read_toobig },
	{ "truncating read: short copy, whole packet skipped", test_read_trunc },
	{ "batch reads stop at the snapshot", test_batch_snapshot },
	{ "corrupt indices rejected", test_corrupt_indices },
	{ "corrupt packet lengths rejected", test_corrupt_lengths },
	{ "signal counts under interrupt_mask", test_signal_interrupt_mask },
	{ "signal counts under pending_send_sz", test_signal_pending_send_sz },
};

int main(void)
{
	const int n = (int)(sizeof(tests) / sizeof(tests[0]));
	struct ktap k;
	int i;

	ktap_plan(&k, n);
	for (i = 0; i < n; i++)
		ktap_result(&k, tests[i].fn(), "ring: %s", tests[i].name);
	return k.failed ? 1 : 0;
}
