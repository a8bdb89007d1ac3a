// SPDX-License-Identifier: GPL-2.0-only
/* MNF: polling the guest's monitor page for monitored channels' trigger bits. */
#include <stddef.h>

#include "evloop.h"
#include "log.h"
#include "vmbus/channel.h"
#include "vmbus/vmbus_int.h"

/*
 * Poll fast while traffic flows, back off when idle: the guest never
 * interrupts us for a monitored channel, so the poll interval is its latency.
 */
#define MONITOR_FAST_NS		50000ull	/* 50 us */
#define MONITOR_SLOW_START_NS	100000ull
#define MONITOR_IDLE_AFTER_NS	5000000ull	/* 5 ms without a trigger */
#define MONITOR_MAX_NS		4000000ull	/* 4 ms */

/* The page is __packed; these words are 4-byte aligned in a page-aligned page. */
static uint32_t *monitor_word(struct hvis_monitor_page *page, size_t off)
{
	return (uint32_t *)((uint8_t *)page + off);
}

static uint32_t *monitor_pending(struct hvis_monitor_page *page, unsigned int g)
{
	return monitor_word(page, offsetof(struct hvis_monitor_page,
					   trigger_group) +
			    g * sizeof(struct hvis_monitor_trigger_group));
}

int monitor_alloc(struct vmbus_server *s, struct vmbus_chan *ch)
{
	int id;

	for (id = 0; id < HVIS_MONITOR_ID_COUNT; id++) {
		if (!s->monitor_chans[id]) {
			s->monitor_chans[id] = ch;
			ch->monitor_id = id;
			return id;
		}
	}
	ch->monitor_id = -1;
	return -1;
}

void monitor_free(struct vmbus_server *s, struct vmbus_chan *ch)
{
	struct hvis_monitor_page *page = s->monitor_page[1];
	int id = ch->monitor_id;

	if (id < 0)
		return;
	/* The guest has let the channel go (released or unloaded): no order. */
	if (page) {
		page->parameter[id / 32][id % 32].connection_id = 0;
		page->parameter[id / 32][id % 32].flag_number = 0;
	}
	s->monitor_chans[id] = NULL;
	ch->monitor_id = -1;
}

void monitor_offer(struct vmbus_server *s, struct vmbus_chan *ch)
{
	struct hvis_monitor_page *page = s->monitor_page[1];
	int id = ch->monitor_id;

	if (!page || id < 0)
		return;
	/*
	 * Plain and relaxed stores suffice: the guest reads these only after
	 * it has the offer, and the offer is posted after them, published by
	 * the release store of message_type in hvshm_slot_fill(), which pairs
	 * with the guest's acquire load of it.
	 */
	page->parameter[id / 32][id % 32].connection_id =
		VMBUS_CHAN_CONN_ID_BASE + ch->relid;
	page->parameter[id / 32][id % 32].flag_number = 0;
	__atomic_fetch_or(monitor_word(page, offsetof(struct hvis_monitor_page,
						      trigger_state)),
			  1u << (id / 32), __ATOMIC_RELAXED);
}

bool monitor_poll_once(struct vmbus_server *s)
{
	struct hvis_monitor_page *page = s->monitor_page[1];
	bool any = false;
	unsigned int g;

	if (!page)
		return false;
	for (g = 0; g < HVIS_MONITOR_GROUPS; g++) {
		uint32_t *word = monitor_pending(page, g);
		uint32_t bits;

		if (!__atomic_load_n(word, __ATOMIC_RELAXED))
			continue;
		/*
		 * Acquire: pairs with the guest's locked bit-set after it
		 * published its ring write_index, so the ring is read after.
		 */
		bits = __atomic_exchange_n(word, 0, __ATOMIC_ACQUIRE);
		while (bits) {
			unsigned int b = (unsigned int)__builtin_ctz(bits);
			struct vmbus_chan *ch = s->monitor_chans[g * 32 + b];

			bits &= bits - 1;
			any = true;
			if (ch)
				chan_service(ch);
		}
	}
	return any;
}

static uint64_t monitor_tick(void *opaque)
{
	struct vmbus_server *s = opaque;

	if (!s->nr_monitored_open || !s->monitor_page[1]) {
		s->monitor_timer = 0;
		return 0;
	}
	if (monitor_poll_once(s)) {
		s->monitor_idle_ns = 0;
		s->monitor_delay_ns = MONITOR_FAST_NS;
	} else {
		s->monitor_idle_ns += s->monitor_delay_ns;
		if (s->monitor_idle_ns < MONITOR_IDLE_AFTER_NS)
			s->monitor_delay_ns = MONITOR_SLOW_START_NS;
		else if (s->monitor_delay_ns < MONITOR_MAX_NS / 2)
			s->monitor_delay_ns *= 2;
		else
			s->monitor_delay_ns = MONITOR_MAX_NS;
	}
	/* A channel service may have closed the last monitored channel. */
	if (!s->nr_monitored_open) {
		s->monitor_timer = 0;
		return 0;
	}
	return s->monitor_delay_ns;
}

void monitor_chan_opened(struct vmbus_server *s)
{
	int id;

	s->nr_monitored_open++;
	s->monitor_idle_ns = 0;
	s->monitor_delay_ns = MONITOR_FAST_NS;
	if (s->monitor_timer)
		return;
	id = evloop_add_timer(s->loop, MONITOR_FAST_NS, monitor_tick, s);
	if (id <= 0) {
		log_guest("vmbus: cannot start the monitor-page poller");
		return;
	}
	s->monitor_timer = id;
}

void monitor_chan_closed(struct vmbus_server *s)
{
	if (s->nr_monitored_open)
		s->nr_monitored_open--;
}

void monitor_stop(struct vmbus_server *s)
{
	if (s->monitor_timer)
		evloop_del_timer(s->loop, s->monitor_timer);
	s->monitor_timer = 0;
}
