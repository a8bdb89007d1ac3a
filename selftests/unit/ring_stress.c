// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Two-thread stress of the shared ring: one producer, one consumer, random
 * packet sizes, every packet checked (sequence number in trans_id, length,
 * payload pattern, zero padding), both signalling protocols in use.
 *
 * The consumer masks interrupts while it drains and sleeps only after
 * hvring_unmask_interrupts() finds the ring empty; the producer sleeps on a
 * full ring only after setting pending_send_sz and retrying.  Each sleeps on
 * an event the other posts only when the ring code says "signal", with a
 * timeout: a lost wakeup shows up as a failure instead of a hang.
 *
 * usage: ring_stress [-n packets] [-b]
 *   -b: print one "bench ring:" line; both sides poll a while before
 *       sleeping, as a busy driver or VSP would, so the figure measures the
 *       ring rather than futex wakeups.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ring/ring_ops.h>

#include "ktap.h"

#define RING_DATA	(16 * 1024)
#define MAX_PAYLOAD	4000
#define DESC_SIZE	((u32)sizeof(struct hvis_vmpacket_desc))
#define WAIT_TIMEOUT_S	20

/*
 * A binary event, like an interrupt line: post sets it, wait consumes it.
 *
 * Locking: lock protects set; posted from the other thread.
 */
struct event {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool set;
	u64 posts;
};

static void event_init(struct event *e)
{
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	e->set = false;
	e->posts = 0;
}

static void event_post(struct event *e)
{
	pthread_mutex_lock(&e->lock);
	e->set = true;
	e->posts++;
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

/* Returns false on timeout: the wakeup was lost. */
static bool event_wait(struct event *e)
{
	struct timespec deadline;
	bool ok = true;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_TIMEOUT_S;
	pthread_mutex_lock(&e->lock);
	while (!e->set && ok)
		ok = pthread_cond_timedwait(&e->cond, &e->lock,
					    &deadline) != ETIMEDOUT || e->set;
	e->set = false;
	pthread_mutex_unlock(&e->lock);
	return ok;
}

/* Which build ran: the check target runs the same test under each. */
#if defined(__SANITIZE_THREAD__)
#define STRESS_BUILD	"TSan"
#elif defined(__SANITIZE_ADDRESS__)
#define STRESS_BUILD	"ASan/UBSan"
#else
#define STRESS_BUILD	"no sanitizer"
#endif

struct stress {
	struct hvring ring;
	u64 packets;
	u32 spin;			/* polls before sleeping (bench) */
	struct event to_consumer;	/* "interrupt" for the reader */
	struct event to_producer;	/* pending_send_sz wakeup */
	/* Results, each written by one thread, read after join. */
	const char *producer_error;
	const char *consumer_error;
	u64 consumer_at;
	u64 bytes;
	u64 full_waits;
	u64 empty_waits;
};

static u64 mix64(u64 x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Mostly small packets, one in eight up to MAX_PAYLOAD (they wrap). */
static u32 payload_len(u64 seq)
{
	u64 h = mix64(seq);

	return (h & 7) ? (u32)(h >> 8) % 257 : (u32)(h >> 8) % (MAX_PAYLOAD + 1);
}

static void fill_pattern(u8 *p, u64 seq, u32 len)
{
	u64 w = mix64(seq ^ 0x5555555555555555ull);
	u32 i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(p + i, &w, 8);
		w += 0x2545f4914f6cdd1dull;
	}
	if (i < len)
		memcpy(p + i, &w, len - i);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *producer(void *arg)
{
	struct stress *s = arg;
	static u8 payload[MAX_PAYLOAD];
	u64 seq;

	for (seq = 0; seq < s->packets; seq++) {
		u32 plen = payload_len(seq);
		struct hvis_vmpacket_desc d = {
			.type = HVIS_VMPKT_DATA_INBAND,
			.offset8 = DESC_SIZE / 8,
			.len8 = (u16)(HVRING_ALIGN8(DESC_SIZE + plen) / 8),
			.trans_id = seq,
		};
		struct hvring_iov iov[2] = {
			{ &d, DESC_SIZE }, { payload, plen },
		};
		bool asked = false, signal;
		u32 spin = s->spin;
		int ret;

		fill_pattern(payload, seq, plen);
		for (;;) {
			ret = hvring_write(&s->ring, iov, 2, &signal);
			if (ret == HVRING_OK)
				break;
			if (ret != HVRING_FULL) {
				s->producer_error = "write neither OK nor FULL";
				return NULL;
			}
			if (spin) {
				spin--;
				cpu_relax();
				continue;
			}
			if (!asked) {
				/* Ask, then look again before sleeping. */
				hvring_set_pending_send_sz(&s->ring,
					HVRING_ALIGN8(DESC_SIZE + plen) +
					HVIS_RING_TRAILER_SIZE);
				asked = true;
				continue;
			}
			s->full_waits++;
			if (!event_wait(&s->to_producer)) {
				s->producer_error = "lost wakeup: full ring never drained";
				return NULL;
			}
		}
		if (asked)
			hvring_set_pending_send_sz(&s->ring, 0);
		if (signal)
			event_post(&s->to_consumer);
	}
	return NULL;
}

static const char *check_packet(const u8 *buf, u32 len, u64 seq,
				u8 *expect)
{
	u32 plen = payload_len(seq);
	struct hvis_vmpacket_desc d;
	u32 i;

	memcpy(&d, buf, sizeof(d));
	if (d.trans_id != seq)
		return "packet out of sequence";
	if (d.type != HVIS_VMPKT_DATA_INBAND || d.offset8 != 2 || d.flags)
		return "descriptor changed";
	if (len != HVRING_ALIGN8(DESC_SIZE + plen) || d.len8 * 8u != len)
		return "packet length changed";
	fill_pattern(expect, seq, plen);
	if (memcmp(buf + DESC_SIZE, expect, plen))
		return "payload corrupted";
	for (i = DESC_SIZE + plen; i < len; i++)
		if (buf[i])
			return "padding not zero";
	return NULL;
}

static void *consumer(void *arg)
{
	struct stress *s = arg;
	static u8 buf[DESC_SIZE + MAX_PAYLOAD + 8];
	static u8 expect[MAX_PAYLOAD];
	struct hvring *r = &s->ring;
	struct hvring_rd rd;
	u32 spin = s->spin;
	u64 seq = 0;
	bool signal;
	u32 len;
	int ret;

	hvring_mask_interrupts(r);
	while (seq < s->packets) {
		u32 in_batch = 0;

		ret = hvring_read_begin(r, &rd);
		if (ret == HVRING_EMPTY) {
			if (spin) {
				spin--;
				cpu_relax();
				continue;
			}
			spin = s->spin;
			if (hvring_unmask_interrupts(r)) {
				hvring_mask_interrupts(r);
				continue;
			}
			s->empty_waits++;
			if (!event_wait(&s->to_consumer)) {
				s->consumer_error = "lost wakeup: packet never signalled";
				break;
			}
			hvring_mask_interrupts(r);
			continue;
		}
		if (ret != HVRING_OK) {
			s->consumer_error = "read_begin: ring corrupt";
			break;
		}
		while ((ret = hvring_read_next(r, &rd, buf, sizeof(buf),
					       &len)) == HVRING_OK) {
			s->consumer_error = check_packet(buf, len, seq, expect);
			if (s->consumer_error)
				goto out;
			s->bytes += len;
			seq++;
			/* Publish part-way now and then: partial commits. */
			if (++in_batch % 7 == 0) {
				hvring_read_commit(r, &rd, &signal);
				if (signal)
					event_post(&s->to_producer);
			}
		}
		if (ret != HVRING_EMPTY) {
			s->consumer_error = "read_next: packet corrupt";
			break;
		}
		hvring_read_commit(r, &rd, &signal);
		if (signal)
			event_post(&s->to_producer);
	}
out:
	s->consumer_at = seq;
	/* Unblock a producer still waiting for room. */
	event_post(&s->to_producer);
	return NULL;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct stress s = { .packets = 10000000 };
	bool bench = false;
	pthread_t prod, cons;
	double t0, secs;
	void *mem;
	int opt;

	while ((opt = getopt(argc, argv, "n:b")) != -1) {
		if (opt == 'n')
			s.packets = strtoull(optarg, NULL, 0);
		else if (opt == 'b')
			bench = true, s.spin = 4000;
		else
			return 2;
	}

	mem = aligned_alloc(4096, HVIS_RING_CTL_SIZE + RING_DATA);
	if (!mem)
		return 1;
	memset(mem, 0, HVIS_RING_CTL_SIZE + RING_DATA);
	hvring_init(&s.ring, mem, HVIS_RING_CTL_SIZE + RING_DATA);
	s.ring.ctl->feature_bits = HVIS_RING_FEAT_PENDING_SEND_SZ;
	event_init(&s.to_consumer);
	event_init(&s.to_producer);

	t0 = now_s();
	if (pthread_create(&cons, NULL, consumer, &s) ||
	    pthread_create(&prod, NULL, producer, &s))
		return 1;
	pthread_join(prod, NULL);
	if (s.producer_error)	/* the consumer would wait for it forever */
		event_post(&s.to_consumer);
	pthread_join(cons, NULL);
	secs = now_s() - t0;
	free(mem);

	if (bench) {
		if (s.producer_error || s.consumer_error) {
			fprintf(stderr, "bench ring: failed: %s\n",
				s.producer_error ? s.producer_error :
				s.consumer_error);
			return 1;
		}
		printf("bench ring: %llu packets, %.0f pkt/s, %.1f MB/s (single producer/consumer)\n",
		       (unsigned long long)s.packets, (double)s.packets / secs,
		       (double)s.bytes / secs / 1e6);
		return 0;
	}

	{
		struct ktap k;
		bool ok = !s.producer_error && !s.consumer_error &&
			  s.consumer_at == s.packets;

		ktap_plan(&k, 1);
		ktap_diag("%llu packets (%llu bytes) in %.2f s: %.0f pkt/s, %.1f MB/s",
			  (unsigned long long)s.consumer_at,
			  (unsigned long long)s.bytes, secs,
			  (double)s.consumer_at / secs,
			  (double)s.bytes / secs / 1e6);
		ktap_diag("signals: %llu to the consumer (%llu sleeps), %llu to the producer (%llu sleeps)",
			  (unsigned long long)s.to_consumer.posts,
			  (unsigned long long)s.empty_waits,
			  (unsigned long long)s.to_producer.posts,
			  (unsigned long long)s.full_waits);
		if (s.producer_error)
			ktap_diag("producer: %s", s.producer_error);
		if (s.consumer_error)
			ktap_diag("consumer: %s at packet %llu", s.consumer_error,
				  (unsigned long long)s.consumer_at);
		ktap_result(&k, ok, "ring: stress under %s, %llu packets of random size, 2 threads",
			    STRESS_BUILD, (unsigned long long)s.packets);
		return ok ? 0 : 1;
	}
}
