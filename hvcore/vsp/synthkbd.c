// SPDX-License-Identifier: GPL-2.0-only
/* The synthetic keyboard VSP: protocol handshake, key events from ctl, the guest's LED state. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "hvis/ring.h"
#include "hvis/synthkbd.h"
#include "log.h"
#include "synthkbd_keys.h"
#include "vmbus/channel.h"
#include "vsp.h"

/*
 * Events wait here when the guest's ring is full.  One `type` of a full
 * control line (1 KiB, 4 events a character at most) fits twice over; a
 * command that would overflow it is refused whole, never typed in part.
 */
#define SYNTHKBD_QUEUE_MAX	8192

/*
 * Events are paced, one every interval_ms (device argument, default
 * below): a guest reader of /dev/input/event* has a 64-event buffer
 * (three events a key: scan code, key, sync) and evdev drops the oldest
 * when a burst outruns the reader, which a slow (TCG) guest would.  A
 * person types slower than this, so nothing waits on it.  0 sends as fast
 * as the ring takes them.
 */
#define SYNTHKBD_INTERVAL_MS_DEFAULT	5
#define SYNTHKBD_INTERVAL_MS_MAX	1000

struct synthkbd_event {
	uint16_t make_code;
	uint16_t info;		/* HVIS_SYNTHKBD_INFO_* */
};

/*
 * One keyboard.  Everything runs on the event-loop thread, so there is no
 * locking: packet(), writable(), ctl(), the pacing timer and the channel
 * hooks never overlap.
 */
struct synthkbd {
	struct vmbus_dev *dev;
	struct vmbus_chan *ch;	/* the open primary channel, or NULL */
	uint64_t interval_ns;	/* between two events; 0: no pacing */
	int timer;		/* the pacing timer while armed, else 0 */
	uint32_t version;	/* accepted protocol version, 0 before */
	uint16_t leds;		/* last LED_INDICATORS from the guest */
	uint64_t led_updates;
	/* A ring of events not yet in the guest's ring, in order. */
	struct synthkbd_event *queue;
	uint32_t head, count;
	uint64_t events_sent, refused;
};

/* Drop a guest message: log why (rate-limited) and count it. */
static int synthkbd_refuse(struct synthkbd *kbd, struct vmbus_chan *ch,
			   const char *why)
{
	kbd->refused++;
	log_guest("synthkbd: relid %u: dropped a packet: %s",
		  vmbus_chan_relid(ch), why);
	return 0;
}

static void synthkbd_queue_clear(struct synthkbd *kbd, const char *why)
{
	if (kbd->count)
		log_msg("synthkbd: %u queued key events dropped: %s",
			kbd->count, why);
	kbd->head = 0;
	kbd->count = 0;
}

/* Send the oldest queued event: 0, -EAGAIN (ring full), or -errno. */
static int synthkbd_send_one(struct synthkbd *kbd)
{
	const struct synthkbd_event *ev = &kbd->queue[kbd->head];
	struct hvis_synthkbd_keystroke ks = {
		.header.type = HVIS_SYNTHKBD_EVENT,
		.make_code = ev->make_code,
		.info = ev->info,
	};
	struct hvring_iov iov = { &ks, sizeof(ks) };
	int r;

	r = vmbus_chan_send(kbd->ch, HVIS_VMPKT_DATA_INBAND, 0, 0, &iov, 1);
	if (r == -EAGAIN)
		return r;
	if (r) {
		synthkbd_queue_clear(kbd, strerror(-r));
		return r;
	}
	kbd->events_sent++;
	kbd->head = (kbd->head + 1) % SYNTHKBD_QUEUE_MAX;
	kbd->count--;
	return 0;
}

static uint64_t synthkbd_tick(void *opaque);

static void synthkbd_timer_stop(struct synthkbd *kbd)
{
	if (kbd->timer)
		evloop_del_timer(vmbus_dev_loop(kbd->dev), kbd->timer);
	kbd->timer = 0;
}

/*
 * Move queued events into the guest's ring: all that fit, or without
 * pacing one now and the rest from the timer.  A full ring leaves them
 * queued until the channel calls writable().
 */
static void synthkbd_drain(struct synthkbd *kbd)
{
	int id;

	if (!kbd->interval_ns) {
		while (kbd->count && kbd->ch && !synthkbd_send_one(kbd))
			;
		return;
	}
	if (kbd->timer || !kbd->count || !kbd->ch || synthkbd_send_one(kbd))
		return;
	if (!kbd->count)
		return;
	id = evloop_add_timer(vmbus_dev_loop(kbd->dev), kbd->interval_ns,
			      synthkbd_tick, kbd);
	if (id > 0) {
		kbd->timer = id;
		return;
	}
	/* No timer: better a burst than events stuck in the queue. */
	while (kbd->count && kbd->ch && !synthkbd_send_one(kbd))
		;
}

static uint64_t synthkbd_tick(void *opaque)
{
	struct synthkbd *kbd = opaque;
	int r;

	if (!kbd->count || !kbd->ch) {
		kbd->timer = 0;
		return 0;
	}
	r = synthkbd_send_one(kbd);
	if (kbd->ch)
		vmbus_chan_flush(kbd->ch);
	if (r || !kbd->count) {
		/* Done, or the ring is full: writable() starts it again. */
		kbd->timer = 0;
		return 0;
	}
	return kbd->interval_ns;
}

static int synthkbd_protocol_request(struct synthkbd *kbd,
				     struct vmbus_chan *ch, const uint8_t *msg,
				     uint64_t trans_id)
{
	struct hvis_synthkbd_protocol_request req;
	struct hvis_synthkbd_protocol_response resp = {
		.header.type = HVIS_SYNTHKBD_PROTOCOL_RESPONSE,
	};
	struct hvring_iov iov = { &resp, sizeof(resp) };
	int r;

	memcpy(&req, msg, sizeof(req));
	/*
	 * A new request is a new driver instance: what was queued for the
	 * old one means nothing now.  Done before the send, so a retried
	 * packet finds the same state.
	 */
	synthkbd_timer_stop(kbd);
	synthkbd_queue_clear(kbd, "the guest renegotiated");
	kbd->version = 0;
	if (req.version == HVIS_SYNTHKBD_VERSION_1_0)
		resp.status = HVIS_SYNTHKBD_PROTOCOL_ACCEPTED;
	else
		log_guest("synthkbd: relid %u: refused protocol version %u.%u (only 1.0)",
			  vmbus_chan_relid(ch),
			  HVIS_SYNTHKBD_VERSION_MAJOR(req.version),
			  HVIS_SYNTHKBD_VERSION_MINOR(req.version));
	r = vmbus_chan_send(ch, HVIS_VMPKT_DATA_INBAND, 0, trans_id, &iov, 1);
	if (r == -EAGAIN)
		return VSP_PKT_RETRY;
	if (r)
		return r;
	if (resp.status)
		kbd->version = req.version;
	return 0;
}

static int synthkbd_packet(struct vmbus_chan *ch, const void *data,
			   uint32_t len)
{
	struct synthkbd *kbd = vmbus_dev_priv(vmbus_chan_dev(ch));
	const uint8_t *pkt = data;
	struct hvis_synthkbd_led_indicators led;
	struct hvis_vmpacket_desc d;
	uint32_t off;
	int type;

	off = vmbus_pkt_desc(pkt, &d);
	if (d.type == HVIS_VMPKT_COMP)
		return 0;	/* nothing the host sends asks for one */
	if (d.type != HVIS_VMPKT_DATA_INBAND)
		return synthkbd_refuse(kbd, ch, "not an inband packet");
	type = hvis_synthkbd_check(pkt + off, len - off, HVIS_DIR_G2H,
				   kbd->version);
	switch (type) {
	case HVIS_SYNTHKBD_PROTOCOL_REQUEST:
		return synthkbd_protocol_request(kbd, ch, pkt + off,
						 d.trans_id);
	case HVIS_SYNTHKBD_LED_INDICATORS:
		memcpy(&led, pkt + off, HVIS_SYNTHKBD_LED_MIN_SIZE);
		if (led.led_flags & ~HVIS_SYNTHKBD_LED_ALL)
			return synthkbd_refuse(kbd, ch, "unknown LED bits");
		kbd->leds = led.led_flags;
		kbd->led_updates++;
		log_debug("synthkbd: relid %u: LEDs 0x%x", vmbus_chan_relid(ch),
			  kbd->leds);
		return 0;
	default:
		return synthkbd_refuse(kbd, ch, hvis_synthkbd_strerror(type));
	}
}

static void synthkbd_writable(struct vmbus_chan *ch)
{
	synthkbd_drain(vmbus_dev_priv(vmbus_chan_dev(ch)));
}

static int synthkbd_open(struct vmbus_chan *ch)
{
	struct synthkbd *kbd = vmbus_dev_priv(vmbus_chan_dev(ch));

	if (vmbus_chan_sub_index(ch))
		return -EINVAL;		/* the keyboard offers no sub-channels */
	kbd->ch = ch;
	kbd->version = 0;
	return 0;
}

static void synthkbd_close(struct vmbus_chan *ch)
{
	struct synthkbd *kbd = vmbus_dev_priv(vmbus_chan_dev(ch));

	if (kbd->ch != ch)
		return;
	synthkbd_timer_stop(kbd);
	kbd->ch = NULL;
	kbd->version = 0;
	synthkbd_queue_clear(kbd, "the channel closed");
}

static void synthkbd_reset(struct vmbus_dev *dev)
{
	struct synthkbd *kbd = vmbus_dev_priv(dev);

	synthkbd_timer_stop(kbd);
	kbd->ch = NULL;
	kbd->version = 0;
	synthkbd_queue_clear(kbd, "the guest disconnected");
}

/* "interval_ms=N": the pacing of events, 0..1000 ms.  0 or -EINVAL. */
static int synthkbd_parse_args(struct synthkbd *kbd, const char *args)
{
	unsigned long ms = SYNTHKBD_INTERVAL_MS_DEFAULT;
	char *end;

	if (args && *args) {
		if (strncmp(args, "interval_ms=", 12))
			goto err_usage;
		errno = 0;
		ms = strtoul(args + 12, &end, 10);
		if (errno || end == args + 12 || *end ||
		    ms > SYNTHKBD_INTERVAL_MS_MAX)
			goto err_usage;
	}
	kbd->interval_ns = (uint64_t)ms * 1000000;
	return 0;

err_usage:
	log_msg("synthkbd: bad arguments \"%s\" (interval_ms=0..%u)", args,
		SYNTHKBD_INTERVAL_MS_MAX);
	return -EINVAL;
}

static int synthkbd_offer(struct vmbus_dev *dev, const char *args)
{
	struct synthkbd *kbd;
	int r;

	kbd = calloc(1, sizeof(*kbd));
	if (!kbd)
		return -ENOMEM;
	kbd->dev = dev;
	r = synthkbd_parse_args(kbd, args);
	if (r)
		goto err_free_kbd;
	kbd->queue = calloc(SYNTHKBD_QUEUE_MAX, sizeof(*kbd->queue));
	if (!kbd->queue) {
		r = -ENOMEM;
		goto err_free_kbd;
	}
	vmbus_dev_set_priv(dev, kbd);
	return 0;

err_free_kbd:
	free(kbd);
	return r;
}

static void synthkbd_release(struct vmbus_dev *dev)
{
	struct synthkbd *kbd = vmbus_dev_priv(dev);

	vmbus_dev_set_priv(dev, NULL);
	if (!kbd)
		return;
	synthkbd_timer_stop(kbd);
	free(kbd->queue);
	free(kbd);
}

/* --- Control commands --- */

/* Events of one command, built whole before any is queued. */
struct synthkbd_batch {
	uint32_t n;
	struct synthkbd_event ev[SYNTHKBD_QUEUE_MAX];
};

static int synthkbd_batch_add(struct synthkbd_batch *b, uint8_t code,
			      uint16_t info)
{
	if (b->n == SYNTHKBD_QUEUE_MAX)
		return -ENOSPC;
	b->ev[b->n].make_code = code;
	b->ev[b->n].info = info;
	b->n++;
	return 0;
}

/* The events of pressing (@up false) or releasing @key. */
static int synthkbd_batch_key(struct synthkbd_batch *b,
			      const struct synthkbd_key *key, bool up)
{
	uint16_t brk = up ? HVIS_SYNTHKBD_INFO_BREAK : 0;
	int r;

	switch (key->prefix) {
	case SYNTHKBD_KEY_E0:
		return synthkbd_batch_add(b, key->code,
					  brk | HVIS_SYNTHKBD_INFO_E0);
	case SYNTHKBD_KEY_PAUSE:
		/* Pause has no break code: E1 1D 45 E1 9D C5, all on press. */
		if (up)
			return 0;
		r = synthkbd_batch_add(b, 0x1d, HVIS_SYNTHKBD_INFO_E1);
		if (!r)
			r = synthkbd_batch_add(b, 0x45, 0);
		if (!r)
			r = synthkbd_batch_add(b, 0x1d, HVIS_SYNTHKBD_INFO_E1 |
					       HVIS_SYNTHKBD_INFO_BREAK);
		if (!r)
			r = synthkbd_batch_add(b, 0x45, HVIS_SYNTHKBD_INFO_BREAK);
		return r;
	default:
		return synthkbd_batch_add(b, key->code, brk);
	}
}

/* Queue @b behind what is already waiting and send what fits now. */
static int synthkbd_submit(struct synthkbd *kbd,
			   const struct synthkbd_batch *b, FILE *out)
{
	uint32_t i;

	if (!kbd->ch || !kbd->version) {
		fprintf(out, "error: the guest's keyboard driver is not connected\n");
		return -ENOTCONN;
	}
	if (b->n > SYNTHKBD_QUEUE_MAX - kbd->count) {
		fprintf(out, "error: keyboard queue full (%u of %u events waiting for the guest)\n",
			kbd->count, SYNTHKBD_QUEUE_MAX);
		return -ENOBUFS;
	}
	for (i = 0; i < b->n; i++)
		kbd->queue[(kbd->head + kbd->count + i) % SYNTHKBD_QUEUE_MAX] =
			b->ev[i];
	kbd->count += b->n;
	synthkbd_drain(kbd);
	if (kbd->ch)
		vmbus_chan_flush(kbd->ch);
	return 0;
}

static struct synthkbd_batch synthkbd_batch;

static int synthkbd_cmd_key(struct synthkbd *kbd, int argc, char **argv,
			    FILE *out)
{
	struct synthkbd_key keys[32];
	struct synthkbd_batch *b = &synthkbd_batch;
	int i, n = argc - 1, r = 0;

	if (n < 1 || n > (int)(sizeof(keys) / sizeof(keys[0]))) {
		fprintf(out, "error: usage: key <name>... (1 to 32 keys)\n");
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (synthkbd_key_by_name(argv[i + 1], &keys[i])) {
			fprintf(out, "error: no key named '%s' (see help)\n",
				argv[i + 1]);
			return -EINVAL;
		}
	}
	b->n = 0;
	for (i = 0; i < n && !r; i++)
		r = synthkbd_batch_key(b, &keys[i], false);
	for (i = n - 1; i >= 0 && !r; i--)
		r = synthkbd_batch_key(b, &keys[i], true);
	if (r) {
		fprintf(out, "error: too many key events\n");
		return r;
	}
	return synthkbd_submit(kbd, b, out);
}

static int synthkbd_type_char(struct synthkbd_batch *b, unsigned char c,
			      FILE *out)
{
	static const struct synthkbd_key shift = {
		SYNTHKBD_CODE_LSHIFT, SYNTHKBD_KEY_PLAIN
	};
	struct synthkbd_key key;
	bool shifted;
	int r;

	if (synthkbd_key_by_char(c, &key, &shifted)) {
		fprintf(out, "error: cannot type byte 0x%02x (printable ASCII only)\n",
			c);
		return -EINVAL;
	}
	r = shifted ? synthkbd_batch_key(b, &shift, false) : 0;
	if (!r)
		r = synthkbd_batch_key(b, &key, false);
	if (!r)
		r = synthkbd_batch_key(b, &key, true);
	if (!r && shifted)
		r = synthkbd_batch_key(b, &shift, true);
	if (r)
		fprintf(out, "error: text too long for the keyboard queue\n");
	return r;
}

/* The control client split the text on spaces: type the words joined by one. */
static int synthkbd_cmd_type(struct synthkbd *kbd, int argc, char **argv,
			     FILE *out)
{
	struct synthkbd_batch *b = &synthkbd_batch;
	const char *p;
	int i, r;

	if (argc < 2) {
		fprintf(out, "error: usage: type <text>\n");
		return -EINVAL;
	}
	b->n = 0;
	for (i = 1; i < argc; i++) {
		if (i > 1) {
			r = synthkbd_type_char(b, ' ', out);
			if (r)
				return r;
		}
		for (p = argv[i]; *p; p++) {
			r = synthkbd_type_char(b, (unsigned char)*p, out);
			if (r)
				return r;
		}
	}
	return synthkbd_submit(kbd, b, out);
}

static void synthkbd_print_leds(const struct synthkbd *kbd, FILE *out)
{
	fprintf(out, "leds caps=%d num=%d scroll=%d raw=0x%x updates=%llu\n",
		!!(kbd->leds & HVIS_SYNTHKBD_LED_CAPS_LOCK),
		!!(kbd->leds & HVIS_SYNTHKBD_LED_NUM_LOCK),
		!!(kbd->leds & HVIS_SYNTHKBD_LED_SCROLL_LOCK), kbd->leds,
		(unsigned long long)kbd->led_updates);
}

static int synthkbd_ctl(struct vmbus_dev *dev, int argc, char **argv,
			FILE *out)
{
	struct synthkbd *kbd = vmbus_dev_priv(dev);
	const char *cmd = argc ? argv[0] : "help";

	if (!strcmp(cmd, "key"))
		return synthkbd_cmd_key(kbd, argc, argv, out);
	if (!strcmp(cmd, "type"))
		return synthkbd_cmd_type(kbd, argc, argv, out);
	if (!strcmp(cmd, "leds")) {
		synthkbd_print_leds(kbd, out);
		return 0;
	}
	if (!strcmp(cmd, "status")) {
		fprintf(out, "connected %s version %u.%u queued %u sent %llu refused %llu\n",
			kbd->ch && kbd->version ? "yes" : "no",
			HVIS_SYNTHKBD_VERSION_MAJOR(kbd->version),
			HVIS_SYNTHKBD_VERSION_MINOR(kbd->version), kbd->count,
			(unsigned long long)kbd->events_sent,
			(unsigned long long)kbd->refused);
		return 0;
	}
	if (!strcmp(cmd, "help")) {
		fprintf(out,
			"key <name>...   press the keys in order, release them in reverse\n"
			"type <text>     type printable ASCII (US layout, shift as needed)\n"
			"leds            the lock LEDs the guest last set\n"
			"status          connection, queued/sent events, refused packets\n"
			"key names (or any one printable character):\n");
		synthkbd_keys_print(out);
		return 0;
	}
	fprintf(out, "error: unknown synthkbd command '%s' (try help)\n", cmd);
	return -EINVAL;
}

const struct vsp_ops synthkbd_vsp_ops = {
	.name = "synthkbd",
	.class_id = HVIS_SYNTHKBD_CLASS_GUID,
	.signal_style = VSP_SIGNAL_DEDICATED,
	.offer = synthkbd_offer,
	.open = synthkbd_open,
	.packet = synthkbd_packet,
	.writable = synthkbd_writable,
	.ctl = synthkbd_ctl,
	.close = synthkbd_close,
	.reset = synthkbd_reset,
	.release = synthkbd_release,
};
