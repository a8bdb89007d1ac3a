// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvcore/hvshm.c over a BAR in plain memory: header, post slot,
 * signal bitmap, SIMP queueing and EOM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hvis/hvshm.h"
#include "evloop.h"
#include "hvshm.h"
#include "ktap.h"

struct hvshm_test {
	uint8_t *bar;
	struct evloop *loop;
	struct hvshm_bar *hb;
	struct transport *t;
	uint32_t raised[4];		/* interrupts per vector */
	uint32_t posts;
	uint32_t last_conn, last_type, last_size;
	uint8_t last_payload[HVIS_MESSAGE_PAYLOAD_SIZE];
	uint32_t signals;
	uint32_t signalled[8];
};

static void hvshm_test_raise(void *opaque, uint32_t vector)
{
	struct hvshm_test *ht = opaque;

	if (vector < 4)
		ht->raised[vector]++;
}

static uint32_t hvshm_test_post(void *opaque, uint32_t conn, uint32_t type,
				const void *payload, uint32_t size)
{
	struct hvshm_test *ht = opaque;

	ht->posts++;
	ht->last_conn = conn;
	ht->last_type = type;
	ht->last_size = size;
	memcpy(ht->last_payload, payload, size);
	return HVIS_STATUS_INSUFFICIENT_BUFFERS;	/* distinctive */
}

static void hvshm_test_signal(void *opaque, uint32_t conn)
{
	struct hvshm_test *ht = opaque;

	if (ht->signals < 8)
		ht->signalled[ht->signals] = conn;
	ht->signals++;
}

static bool hvshm_test_setup(struct hvshm_test *ht, uint32_t nr_vcpus)
{
	memset(ht, 0, sizeof(*ht));
	ht->bar = aligned_alloc(4096, HVSHM_BAR_SIZE);
	ht->loop = evloop_create();
	if (!ht->bar || !ht->loop)
		return false;
	memset(ht->bar, 0, HVSHM_BAR_SIZE);
	ht->hb = hvshm_bar_create(ht->bar, nr_vcpus, ht->loop, hvshm_test_raise,
				  ht);
	if (!ht->hb)
		return false;
	ht->t = hvshm_bar_transport(ht->hb);
	ht->t->client.post_message = hvshm_test_post;
	ht->t->client.signal_event = hvshm_test_signal;
	ht->t->client.opaque = ht;
	return true;
}

static void hvshm_test_teardown(struct hvshm_test *ht)
{
	hvshm_bar_destroy(ht->hb);
	evloop_destroy(ht->loop);
	free(ht->bar);
}

static struct hvis_synic_message *hvshm_test_slot(struct hvshm_test *ht,
						  uint32_t vcpu)
{
	return (struct hvis_synic_message *)(ht->bar + HVSHM_SIMP_OFFSET +
		vcpu * HVIS_PAGE_SIZE + HVIS_VMBUS_MESSAGE_SINT * 256);
}

static bool hvshm_test_header(void)
{
	struct hvshm_test ht;
	struct hvshm_header *h;
	bool ok = true;

	KTAP_CHECK(hvshm_test_setup(&ht, 3));
	h = (struct hvshm_header *)ht.bar;
	if (h->magic != HVSHM_MAGIC || memcmp(ht.bar, "HVCORE01", 8) ||
	    h->layout_version != HVSHM_LAYOUT_VERSION ||
	    h->bar_size != HVSHM_BAR_SIZE || h->nr_vcpus != 3 ||
	    h->host_peer_id != 1 || h->post_offset != HVSHM_POST_OFFSET ||
	    h->signal_offset != HVSHM_SIGNAL_OFFSET ||
	    h->simp_offset != HVSHM_SIMP_OFFSET ||
	    h->siefp_offset != HVSHM_SIEFP_OFFSET ||
	    h->max_connection_id != HVSHM_MAX_CONNECTION_ID) {
		ktap_diag("header field mismatch");
		ok = false;
	}
	hvshm_test_teardown(&ht);
	KTAP_CHECK(!hvshm_bar_create(ht.bar, 0, NULL, hvshm_test_raise, NULL));
	KTAP_CHECK(!hvshm_bar_create(ht.bar, HVSHM_MAX_VCPUS + 1, NULL,
				     hvshm_test_raise, NULL));
	return ok;
}

static void hvshm_test_request(struct hvshm_test *ht, uint32_t size,
			       uint64_t seq)
{
	struct hvshm_post_slot *ps =
		(struct hvshm_post_slot *)(ht->bar + HVSHM_POST_OFFSET);

	ps->sequence = seq;
	ps->input.connection_id = 4;
	ps->input.message_type = HVIS_MSG_VMBUS;
	ps->input.payload_size = size;
	memset(ps->input.payload, 0x5a, sizeof(ps->input.payload));
	ps->state = HVSHM_POST_REQUEST;
}

static bool hvshm_test_post_slot(void)
{
	struct hvshm_test ht;
	struct hvshm_post_slot *ps;

	KTAP_CHECK(hvshm_test_setup(&ht, 1));
	ps = (struct hvshm_post_slot *)(ht.bar + HVSHM_POST_OFFSET);

	/* Idle slot: a stray doorbell does nothing. */
	hvshm_bar_doorbell(ht.hb, HVSHM_VEC_POST);
	KTAP_CHECK(ht.posts == 0 && ps->state == HVSHM_POST_IDLE);

	hvshm_test_request(&ht, 240, 77);
	hvshm_bar_doorbell(ht.hb, HVSHM_VEC_POST);
	KTAP_CHECK(ht.posts == 1 && ht.last_conn == 4 &&
		   ht.last_type == HVIS_MSG_VMBUS && ht.last_size == 240 &&
		   ht.last_payload[239] == 0x5a);
	KTAP_CHECK(ps->state == HVSHM_POST_DONE && ps->sequence == 77 &&
		   ps->status == HVIS_STATUS_INSUFFICIENT_BUFFERS);

	/* Done but not yet collected: a second ring must not re-post. */
	hvshm_bar_doorbell(ht.hb, HVSHM_VEC_POST);
	KTAP_CHECK(ht.posts == 1);

	hvshm_test_request(&ht, 241, 78);
	hvshm_bar_doorbell(ht.hb, HVSHM_VEC_POST);
	KTAP_CHECK(ht.posts == 1);
	KTAP_CHECK(ps->state == HVSHM_POST_DONE && ps->sequence == 78 &&
		   ps->status == HVIS_STATUS_INVALID_PARAMETER);
	hvshm_test_teardown(&ht);
	return true;
}

static bool hvshm_test_signal_bitmap(void)
{
	struct hvshm_test ht;
	uint64_t *pending;
	uint32_t i;

	KTAP_CHECK(hvshm_test_setup(&ht, 1));
	pending = (uint64_t *)(ht.bar + HVSHM_SIGNAL_OFFSET);
	pending[0] = 1ull << 1;
	pending[1] = 1ull << 0 | 1ull << 63;
	pending[63] = 1ull << 63;
	hvshm_bar_doorbell(ht.hb, HVSHM_VEC_EVENT);
	KTAP_CHECK(ht.signals == 4);
	KTAP_CHECK(ht.signalled[0] == 1 && ht.signalled[1] == 64 &&
		   ht.signalled[2] == 127 && ht.signalled[3] == 4095);
	for (i = 0; i < 64; i++)
		KTAP_CHECK(!pending[i]);
	hvshm_bar_doorbell(ht.hb, HVSHM_VEC_EVENT);
	KTAP_CHECK(ht.signals == 4);
	hvshm_test_teardown(&ht);
	return true;
}

/* The guest side of a SIMP slot: take the message, free the slot, say EOM if asked. */
static int hvshm_test_consume(struct hvshm_test *ht, uint32_t vcpu,
			      bool ring_eom)
{
	struct hvis_synic_message *slot = hvshm_test_slot(ht, vcpu);
	int first = slot->payload[0];
	bool pending = slot->message_flags & HVIS_MSG_FLAG_PENDING;

	if (slot->message_type != HVIS_MSG_VMBUS)
		return -1;
	slot->message_type = HVIS_MSG_NONE;
	if (pending && ring_eom)
		hvshm_bar_doorbell(ht->hb, HVSHM_VEC_EOM);
	return first;
}

static bool hvshm_test_queue_eom(void)
{
	struct hvshm_test ht;
	struct hvis_synic_message *slot;
	uint8_t msg[HVIS_MESSAGE_PAYLOAD_SIZE];
	int i;

	KTAP_CHECK(hvshm_test_setup(&ht, 2));
	slot = hvshm_test_slot(&ht, 1);
	for (i = 1; i <= 3; i++) {
		memset(msg, i, sizeof(msg));
		KTAP_CHECK(!ht.t->ops->post_to_guest(ht.t, 1, msg, 100 + i));
	}
	/* First delivered at once, the others queued behind PENDING. */
	KTAP_CHECK(ht.raised[1] == 1 && ht.raised[0] == 0);
	KTAP_CHECK(slot->message_type == HVIS_MSG_VMBUS &&
		   slot->payload_size == 101 &&
		   (slot->message_flags & HVIS_MSG_FLAG_PENDING));
	KTAP_CHECK(hvshm_test_slot(&ht, 0)->message_type == HVIS_MSG_NONE);

	KTAP_CHECK(hvshm_test_consume(&ht, 1, true) == 1);
	KTAP_CHECK(ht.raised[1] == 2 && slot->payload_size == 102);
	/* More is still queued, so this one asks for EOM too. */
	KTAP_CHECK(slot->message_flags & HVIS_MSG_FLAG_PENDING);
	KTAP_CHECK(hvshm_test_consume(&ht, 1, true) == 2);
	KTAP_CHECK(ht.raised[1] == 3 && slot->payload_size == 103);
	KTAP_CHECK(!(slot->message_flags & HVIS_MSG_FLAG_PENDING));
	KTAP_CHECK(hvshm_test_consume(&ht, 1, true) == 3);
	KTAP_CHECK(slot->message_type == HVIS_MSG_NONE && ht.raised[1] == 3);

	/* An empty queue and a free slot: straight in, no PENDING. */
	KTAP_CHECK(!ht.t->ops->post_to_guest(ht.t, 1, msg, 4));
	KTAP_CHECK(ht.raised[1] == 4 && slot->message_flags == 0);

	KTAP_CHECK(ht.t->ops->post_to_guest(ht.t, 2, msg, 4) == -EINVAL);
	KTAP_CHECK(ht.t->ops->post_to_guest(ht.t, 0, msg, 241) == -EINVAL);
	hvshm_test_teardown(&ht);
	return true;
}

static bool hvshm_test_queue_full(void)
{
	struct hvshm_test ht;
	uint8_t msg[16] = { 0 };
	int i;

	KTAP_CHECK(hvshm_test_setup(&ht, 1));
	KTAP_CHECK(!ht.t->ops->post_to_guest(ht.t, 0, msg, sizeof(msg)));
	for (i = 0; i < HVSHM_QUEUE_LEN; i++)
		KTAP_CHECK(!ht.t->ops->post_to_guest(ht.t, 0, msg, sizeof(msg)));
	KTAP_CHECK(ht.t->ops->post_to_guest(ht.t, 0, msg, sizeof(msg)) ==
		   -ENOSPC);
	/* Freeing the slot drains one and makes room for one more. */
	KTAP_CHECK(hvshm_test_consume(&ht, 0, true) == 0);
	KTAP_CHECK(!ht.t->ops->post_to_guest(ht.t, 0, msg, sizeof(msg)));
	hvshm_test_teardown(&ht);
	return true;
}

static uint64_t hvshm_test_stop(void *opaque)
{
	evloop_stop(opaque, 0);
	return 0;
}

/* A guest that frees the slot but never rings EOM still gets its messages. */
static bool hvshm_test_retry_timer(void)
{
	struct hvshm_test ht;
	uint8_t msg[8] = { 9 };

	KTAP_CHECK(hvshm_test_setup(&ht, 1));
	KTAP_CHECK(!ht.t->ops->post_to_guest(ht.t, 0, msg, sizeof(msg)));
	msg[0] = 10;
	KTAP_CHECK(!ht.t->ops->post_to_guest(ht.t, 0, msg, sizeof(msg)));
	KTAP_CHECK(hvshm_test_consume(&ht, 0, false) == 9);
	KTAP_CHECK(ht.raised[0] == 1);
	evloop_add_timer(ht.loop, 5 * HVSHM_RETRY_NS, hvshm_test_stop, ht.loop);
	evloop_run(ht.loop);
	KTAP_CHECK(ht.raised[0] == 2);
	KTAP_CHECK(hvshm_test_consume(&ht, 0, false) == 10);
	hvshm_test_teardown(&ht);
	return true;
}

/*
 * A rebooted guest never reads what was posted to the kernel before it:
 * dropping empties the slot and the queue, so the next message goes straight
 * in and raises an interrupt the new kernel sees.
 */
static bool hvshm_test_drop_messages(void)
{
	struct hvshm_test ht;
	struct hvis_synic_message *slot;
	uint8_t msg[8] = { 1 };

	KTAP_CHECK(hvshm_test_setup(&ht, 2));
	slot = hvshm_test_slot(&ht, 1);
	KTAP_CHECK(!ht.t->ops->post_to_guest(ht.t, 1, msg, sizeof(msg)));
	KTAP_CHECK(!ht.t->ops->post_to_guest(ht.t, 1, msg, sizeof(msg)));
	KTAP_CHECK(slot->message_type == HVIS_MSG_VMBUS && ht.raised[1] == 1);
	ht.t->ops->drop_messages(ht.t);
	KTAP_CHECK(slot->message_type == HVIS_MSG_NONE && !slot->message_flags);
	msg[0] = 7;
	KTAP_CHECK(!ht.t->ops->post_to_guest(ht.t, 1, msg, sizeof(msg)));
	KTAP_CHECK(ht.raised[1] == 2 && !(slot->message_flags & HVIS_MSG_FLAG_PENDING));
	KTAP_CHECK(hvshm_test_consume(&ht, 1, true) == 7);
	/* Nothing of the old connection is left behind it. */
	KTAP_CHECK(slot->message_type == HVIS_MSG_NONE && ht.raised[1] == 2);
	hvshm_test_teardown(&ht);
	return true;
}

static bool hvshm_test_signal_guest(void)
{
	struct hvshm_test ht;
	uint64_t *flags;

	KTAP_CHECK(hvshm_test_setup(&ht, 2));
	flags = (uint64_t *)(ht.bar + HVSHM_SIEFP_OFFSET + HVIS_PAGE_SIZE +
			     HVIS_VMBUS_MESSAGE_SINT * 256);
	ht.t->ops->signal_guest(ht.t, 1, 5);
	ht.t->ops->signal_guest(ht.t, 1, 2047);
	KTAP_CHECK(flags[0] == 1ull << 5 && flags[31] == 1ull << 63);
	KTAP_CHECK(ht.raised[1] == 2 && ht.raised[0] == 0);
	/* Out of range: nothing written, nobody interrupted. */
	ht.t->ops->signal_guest(ht.t, 1, 2048);
	ht.t->ops->signal_guest(ht.t, 2, 1);
	KTAP_CHECK(ht.raised[1] == 2 && ht.raised[2] == 0);
	/* Other SINTs of the page stay untouched. */
	KTAP_CHECK(!((uint64_t *)(ht.bar + HVSHM_SIEFP_OFFSET +
				  HVIS_PAGE_SIZE))[0]);
	hvshm_test_teardown(&ht);
	return true;
}

static const struct ktap_case hvshm_test_cases[] = {
	{ "BAR header fields, bad vCPU counts rejected", hvshm_test_header },
	{ "post slot: stray doorbell, answer, no re-post, oversize", hvshm_test_post_slot },
	{ "signal bitmap: one signal per set bit, then cleared", hvshm_test_signal_bitmap },
	{ "SIMP messages queued behind PENDING until EOM", hvshm_test_queue_eom },
	{ "full SIMP queue refuses with ENOSPC", hvshm_test_queue_full },
	{ "slot freed without EOM: retry timer delivers", hvshm_test_retry_timer },
	{ "drop_messages empties slot and queue of a rebooted guest",
	  hvshm_test_drop_messages },
	{ "signal_guest sets SIEFP flags, ignores out of range",
	  hvshm_test_signal_guest },
};

int main(void)
{
	return ktap_run_cases("hvcore-hvshm", hvshm_test_cases,
			      KTAP_ARRAY_SIZE(hvshm_test_cases));
}
