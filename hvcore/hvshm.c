// SPDX-License-Identifier: GPL-2.0-only
/* The hvshm BAR protocol: post slot, signal bitmap, SIMP/SIEFP delivery with EOM-driven queues. */
#include "hvshm.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hvis/hvshm.h"
#include "evloop.h"
#include "log.h"

struct hvshm_queued_msg {
	uint32_t len;
	uint8_t data[HVIS_MESSAGE_PAYLOAD_SIZE];
};

/* Messages for one vCPU's SINT 2 slot that found it busy; FIFO. */
struct hvshm_queue {
	uint32_t head;
	uint32_t count;
	struct hvshm_queued_msg *msgs;	/* HVSHM_QUEUE_LEN entries */
};

/*
 * Everything runs on the event loop thread; the only other party is the
 * guest, which shares the BAR and is synchronised with through the
 * acquire/release and fence pairs named at each access.
 */
struct hvshm_bar {
	struct transport t;		/* first: container of t->ops calls */
	uint8_t *bar;
	struct evloop *loop;
	hvshm_raise_fn raise;
	void *opaque;
	struct hvshm_queue *queues;	/* nr_vcpus of them */
	int retry_timer;		/* 0 when not armed */
};

static struct hvshm_bar *hvshm_bar_of(struct transport *t)
{
	return (struct hvshm_bar *)((char *)t - offsetof(struct hvshm_bar, t));
}

/*
 * The BAR structs are __packed, so a pointer to a member would not carry
 * its alignment; these helpers address the (naturally aligned) fields
 * through plain byte offsets instead.
 */
static uint32_t *hvshm_u32(void *base, size_t off)
{
	return (uint32_t *)((uint8_t *)base + off);
}

static uint64_t *hvshm_u64(void *base, size_t off)
{
	return (uint64_t *)((uint8_t *)base + off);
}

static struct hvis_synic_message *hvshm_simp_slot(struct hvshm_bar *hb,
						  uint32_t vcpu)
{
	return (struct hvis_synic_message *)(hb->bar + HVSHM_SIMP_OFFSET +
		(size_t)vcpu * HVIS_PAGE_SIZE +
		HVIS_VMBUS_MESSAGE_SINT * sizeof(struct hvis_synic_message));
}

static uint8_t *hvshm_siefp_sint(struct hvshm_bar *hb, uint32_t vcpu)
{
	return hb->bar + HVSHM_SIEFP_OFFSET + (size_t)vcpu * HVIS_PAGE_SIZE +
	       HVIS_VMBUS_MESSAGE_SINT * sizeof(struct hvis_synic_event_flags);
}

/* Put @msg into the vCPU's slot if the guest has freed it. */
static bool hvshm_slot_fill(struct hvis_synic_message *slot, const void *msg,
			    uint32_t len, bool more)
{
	uint32_t *type = hvshm_u32(slot, offsetof(struct hvis_synic_message,
						  message_type));

	/* Pairs with the guest's store of HVIS_MSG_NONE after it copied the message out. */
	if (__atomic_load_n(type, __ATOMIC_ACQUIRE) != HVIS_MSG_NONE)
		return false;
	memcpy(slot->payload, msg, len);
	slot->payload_size = (uint8_t)len;
	slot->message_flags = more ? HVIS_MSG_FLAG_PENDING : 0;
	slot->reserved = 0;
	slot->sender = 0;
	/* Pairs with the guest's load-acquire of message_type before reading the payload. */
	__atomic_store_n(type, HVIS_MSG_VMBUS, __ATOMIC_RELEASE);
	return true;
}

/*
 * Tell the guest a message is waiting so that it signals EOM after freeing
 * the slot.  Dekker with the guest: we set PENDING then re-read
 * message_type; the guest clears message_type then reads PENDING.  With a
 * full fence on both sides at least one sees the other's store, so either
 * we find the slot free now or the guest rings HVSHM_VEC_EOM.
 */
static bool hvshm_slot_mark_pending(struct hvis_synic_message *slot)
{
	uint8_t *flags = (uint8_t *)slot +
			 offsetof(struct hvis_synic_message, message_flags);
	uint32_t *type = hvshm_u32(slot, offsetof(struct hvis_synic_message,
						  message_type));

	__atomic_fetch_or(flags, HVIS_MSG_FLAG_PENDING, __ATOMIC_SEQ_CST);
	return __atomic_load_n(type, __ATOMIC_SEQ_CST) == HVIS_MSG_NONE;
}

/*
 * Times the drain retries a slot it saw freed but could not fill: only a
 * guest that toggles message_type itself gets there more than once.
 */
#define HVSHM_DRAIN_RETRIES	4

static uint64_t hvshm_retry_timer_cb(void *opaque);

static void hvshm_arm_retry(struct hvshm_bar *hb)
{
	int id;

	if (hb->retry_timer || !hb->loop)
		return;
	id = evloop_add_timer(hb->loop, HVSHM_RETRY_NS, hvshm_retry_timer_cb,
			      hb);
	hb->retry_timer = id > 0 ? id : 0;
}

static bool hvshm_queues_empty(struct hvshm_bar *hb)
{
	uint32_t i;

	for (i = 0; i < hb->t.nr_vcpus; i++)
		if (hb->queues[i].count)
			return false;
	return true;
}

/* Deliver as many queued messages of @vcpu as the slot takes, in order. */
static void hvshm_queue_drain(struct hvshm_bar *hb, uint32_t vcpu)
{
	struct hvshm_queue *q = &hb->queues[vcpu];
	struct hvis_synic_message *slot = hvshm_simp_slot(hb, vcpu);
	unsigned int retries = 0;

	while (q->count) {
		struct hvshm_queued_msg *m = &q->msgs[q->head];

		if (!hvshm_slot_fill(slot, m->data, m->len, q->count > 1)) {
			if (!hvshm_slot_mark_pending(slot))
				return;	/* the guest rings EOM once it is free */
			/* Freed meanwhile: go again, but not for ever. */
			if (++retries > HVSHM_DRAIN_RETRIES) {
				hvshm_arm_retry(hb);
				return;
			}
			continue;
		}
		q->head = (q->head + 1) % HVSHM_QUEUE_LEN;
		q->count--;
		hb->raise(hb->opaque, vcpu);
	}
}

static void hvshm_retry_all(struct hvshm_bar *hb)
{
	uint32_t i;

	for (i = 0; i < hb->t.nr_vcpus; i++)
		hvshm_queue_drain(hb, i);
}

static uint64_t hvshm_retry_timer_cb(void *opaque)
{
	struct hvshm_bar *hb = opaque;

	hvshm_retry_all(hb);
	if (hvshm_queues_empty(hb)) {
		hb->retry_timer = 0;
		return 0;
	}
	return HVSHM_RETRY_NS;
}

static int hvshm_post_to_guest(struct transport *t, uint32_t vcpu,
			       const void *msg, uint32_t len)
{
	struct hvshm_bar *hb = hvshm_bar_of(t);
	struct hvshm_queue *q;
	struct hvshm_queued_msg *m;
	struct hvis_synic_message *slot;

	if (vcpu >= t->nr_vcpus || len > HVIS_MESSAGE_PAYLOAD_SIZE)
		return -EINVAL;
	q = &hb->queues[vcpu];
	slot = hvshm_simp_slot(hb, vcpu);
	/* Older messages go first; only an empty queue lets this one jump in. */
	hvshm_queue_drain(hb, vcpu);
	if (!q->count && hvshm_slot_fill(slot, msg, len, false)) {
		hb->raise(hb->opaque, vcpu);
		return 0;
	}
	if (q->count == HVSHM_QUEUE_LEN) {
		log_guest("hvshm: vCPU %u message queue full, dropping a message",
			  vcpu);
		return -ENOSPC;
	}
	m = &q->msgs[(q->head + q->count) % HVSHM_QUEUE_LEN];
	m->len = len;
	memcpy(m->data, msg, len);
	q->count++;
	if (hvshm_slot_mark_pending(slot))
		hvshm_queue_drain(hb, vcpu);
	if (q->count)
		hvshm_arm_retry(hb);
	return 0;
}

static void hvshm_signal_guest(struct transport *t, uint32_t vcpu,
			       uint32_t relid)
{
	struct hvshm_bar *hb = hvshm_bar_of(t);
	uint64_t *word;

	if (vcpu >= t->nr_vcpus || relid >= HVIS_EVENT_FLAGS_BITS) {
		log_guest("hvshm: signal to vCPU %u relid %u out of range",
			  vcpu, relid);
		return;
	}
	word = hvshm_u64(hvshm_siefp_sint(hb, vcpu), (relid / 64) * 8);
	/* Pairs with the guest's atomic exchange of the flag word in its SINT handler. */
	__atomic_fetch_or(word, 1ull << (relid % 64), __ATOMIC_SEQ_CST);
	hb->raise(hb->opaque, vcpu);
}

static void hvshm_drop_messages(struct transport *t)
{
	struct hvshm_bar *hb = hvshm_bar_of(t);
	struct hvis_synic_message *slot;
	uint32_t i, dropped = 0;

	for (i = 0; i < t->nr_vcpus; i++) {
		slot = hvshm_simp_slot(hb, i);
		dropped += hb->queues[i].count;
		hb->queues[i].head = hb->queues[i].count = 0;
		if (__atomic_load_n(hvshm_u32(slot, offsetof(struct hvis_synic_message,
							     message_type)),
				    __ATOMIC_ACQUIRE)) {
			dropped++;
			slot->message_flags = 0;
			/* Pairs with the guest's load-acquire of message_type. */
			__atomic_store_n(hvshm_u32(slot, offsetof(struct hvis_synic_message,
								  message_type)),
					 0, __ATOMIC_RELEASE);
		}
	}
	if (hb->retry_timer)
		evloop_del_timer(hb->loop, hb->retry_timer);
	hb->retry_timer = 0;
	if (dropped)
		log_msg("hvshm: dropped %u messages the rebooted guest never read",
			dropped);
}

static const struct transport_ops hvshm_transport_ops = {
	.post_to_guest = hvshm_post_to_guest,
	.signal_guest = hvshm_signal_guest,
	.drop_messages = hvshm_drop_messages,
};

static void hvshm_handle_post(struct hvshm_bar *hb)
{
	struct hvshm_post_slot *shared =
		(struct hvshm_post_slot *)(hb->bar + HVSHM_POST_OFFSET);
	uint32_t *state = hvshm_u32(shared, offsetof(struct hvshm_post_slot,
						     state));
	struct hvshm_post_slot req;
	uint32_t status;

	/* Pairs with the guest's store-release of HVSHM_POST_REQUEST. */
	if (__atomic_load_n(state, __ATOMIC_ACQUIRE) != HVSHM_POST_REQUEST)
		return;
	/* One copy; everything below looks at the copy only. */
	memcpy(&req, shared, sizeof(req));
	if (req.input.payload_size > HVIS_MESSAGE_PAYLOAD_SIZE)
		status = HVIS_STATUS_INVALID_PARAMETER;
	else if (!hb->t.client.post_message)
		status = HVIS_STATUS_INVALID_CONNECTION_ID;
	else
		status = hb->t.client.post_message(hb->t.client.opaque,
						   req.input.connection_id,
						   req.input.message_type,
						   req.input.payload,
						   req.input.payload_size);
	shared->status = status;
	shared->sequence = req.sequence;
	/* Pairs with the guest's load-acquire of HVSHM_POST_DONE before reading status. */
	__atomic_store_n(state, HVSHM_POST_DONE, __ATOMIC_RELEASE);
}

static void hvshm_handle_events(struct hvshm_bar *hb)
{
	uint8_t *page = hb->bar + HVSHM_SIGNAL_OFFSET;
	uint32_t i;

	for (i = 0; i < HVSHM_MAX_CONNECTION_ID / 64; i++) {
		uint64_t *word = hvshm_u64(page, (size_t)i * 8);
		uint64_t bits;

		if (!__atomic_load_n(word, __ATOMIC_RELAXED))
			continue;
		/* Pairs with the guest's atomic OR before it rings HVSHM_VEC_EVENT. */
		bits = __atomic_exchange_n(word, 0, __ATOMIC_ACQ_REL);
		while (bits) {
			int bit = __builtin_ctzll(bits);

			bits &= bits - 1;
			if (hb->t.client.signal_event)
				hb->t.client.signal_event(hb->t.client.opaque,
							  i * 64 + bit);
		}
	}
}

void hvshm_bar_doorbell(struct hvshm_bar *hb, uint32_t vector)
{
	switch (vector) {
	case HVSHM_VEC_POST:
		hvshm_handle_post(hb);
		break;
	case HVSHM_VEC_EVENT:
		hvshm_handle_events(hb);
		break;
	case HVSHM_VEC_EOM:
		hvshm_retry_all(hb);
		break;
	default:
		log_debug("hvshm: doorbell on unused vector %u", vector);
		break;
	}
}

static void hvshm_header_fill(struct hvshm_bar *hb)
{
	struct hvshm_header *h = (struct hvshm_header *)hb->bar;

	h->layout_version = HVSHM_LAYOUT_VERSION;
	h->bar_size = HVSHM_BAR_SIZE;
	h->nr_vcpus = hb->t.nr_vcpus;
	h->host_peer_id = 1;
	h->post_offset = HVSHM_POST_OFFSET;
	h->signal_offset = HVSHM_SIGNAL_OFFSET;
	h->simp_offset = HVSHM_SIMP_OFFSET;
	h->siefp_offset = HVSHM_SIEFP_OFFSET;
	h->max_connection_id = HVSHM_MAX_CONNECTION_ID;
	/* Last, so a guest that sees the magic sees a complete header. */
	__atomic_store_n(hvshm_u64(h, 0), HVSHM_MAGIC, __ATOMIC_RELEASE);
}

void hvshm_bar_reset(struct hvshm_bar *hb)
{
	uint32_t i;

	for (i = 0; i < hb->t.nr_vcpus; i++)
		hb->queues[i].head = hb->queues[i].count = 0;
	if (hb->retry_timer)
		evloop_del_timer(hb->loop, hb->retry_timer);
	hb->retry_timer = 0;
	/* The header stays; everything the guest wrote or was sent goes. */
	memset(hb->bar + HVSHM_POST_OFFSET, 0,
	       HVSHM_BAR_SIZE - HVSHM_POST_OFFSET);
	((struct hvshm_header *)hb->bar)->guest_attached = 0;
	((struct hvshm_header *)hb->bar)->guest_peer_id = 0;
}

struct hvshm_bar *hvshm_bar_create(void *bar, uint32_t nr_vcpus,
				   struct evloop *loop, hvshm_raise_fn raise,
				   void *opaque)
{
	struct hvshm_bar *hb;
	uint32_t i;

	if (!nr_vcpus || nr_vcpus > HVSHM_MAX_VCPUS)
		return NULL;
	hb = calloc(1, sizeof(*hb));
	if (!hb)
		return NULL;
	hb->queues = calloc(nr_vcpus, sizeof(*hb->queues));
	if (!hb->queues)
		goto err_free_hb;
	for (i = 0; i < nr_vcpus; i++) {
		hb->queues[i].msgs = calloc(HVSHM_QUEUE_LEN,
					    sizeof(*hb->queues[i].msgs));
		if (!hb->queues[i].msgs)
			goto err_free_queues;
	}
	hb->t.ops = &hvshm_transport_ops;
	hb->t.nr_vcpus = nr_vcpus;
	hb->bar = bar;
	hb->loop = loop;
	hb->raise = raise;
	hb->opaque = opaque;
	hvshm_header_fill(hb);
	return hb;

err_free_queues:
	while (i--)
		free(hb->queues[i].msgs);
	free(hb->queues);
err_free_hb:
	free(hb);
	return NULL;
}

void hvshm_bar_destroy(struct hvshm_bar *hb)
{
	uint32_t i;

	if (!hb)
		return;
	if (hb->retry_timer)
		evloop_del_timer(hb->loop, hb->retry_timer);
	for (i = 0; i < hb->t.nr_vcpus; i++)
		free(hb->queues[i].msgs);
	free(hb->queues);
	free(hb);
}

struct transport *hvshm_bar_transport(struct hvshm_bar *hb)
{
	return &hb->t;
}
