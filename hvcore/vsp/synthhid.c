// SPDX-License-Identifier: GPL-2.0-only
/* The synthhid VSP: Hyper-V's synthetic mouse, driven from the control socket. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hvis/ring.h"
#include "hvis/synthhid.h"
#include "log.h"
#include "synthhid.h"
#include "vmbus/channel.h"
#include "vsp.h"

/* Messages held while the guest's ring is full; more is a ctl error. */
#define SYNTHHID_QUEUE_MAX	64
/* The largest message hvcore sends: device info with its descriptor. */
#define SYNTHHID_OUT_MAX	256
#define SYNTHHID_INJECT_MAX	(SYNTHHID_OUT_MAX - 16)

/* Test hooks (--device 'synthhid:bad-descriptor[=KIND]'). */
#define SYNTHHID_DESC_GOOD		0
#define SYNTHHID_DESC_OVERRUN		1	/* report length past the packet */
#define SYNTHHID_DESC_SHORT_HID		2	/* bLength below 9 */
#define SYNTHHID_DESC_EMPTY		3	/* report length 0 */

struct synthhid_out {
	uint32_t len;
	uint8_t data[SYNTHHID_OUT_MAX];
};

/*
 * Per device.  Everything runs on the event-loop thread (packets, ctl
 * commands, writable), so nothing here is locked.
 */
struct synthhid {
	uint32_t desc_mode;		/* SYNTHHID_DESC_* */
	bool approved;			/* PROTOCOL_RESPONSE approved sent */
	bool info_sent;			/* INITIAL_DEVICE_INFO queued */
	bool acked;			/* the guest acknowledged it */
	uint8_t buttons;
	uint16_t x, y;
	uint32_t head, count;		/* queue of unsent messages */
	uint64_t reports;		/* input reports handed to the ring */
	struct synthhid_out queue[SYNTHHID_QUEUE_MAX];
};

static_assert(sizeof(struct hvis_synthhid_pipe_hdr) +
	      sizeof(struct hvis_synthhid_device_info) + 64 <=
	      SYNTHHID_OUT_MAX, "device info fits a queue slot");

static int synthhid_violation(struct vmbus_chan *ch, const char *why)
{
	log_guest("synthhid: relid %u: %s", vmbus_chan_relid(ch), why);
	return -EPROTO;
}

static void synthhid_forget(struct synthhid *s)
{
	s->approved = false;
	s->info_sent = false;
	s->acked = false;
	s->head = 0;
	s->count = 0;
}

/* Room for @n more messages. */
static bool synthhid_room(const struct synthhid *s, uint32_t n)
{
	return s->count + n <= SYNTHHID_QUEUE_MAX;
}

/*
 * Append one synthhid message (header and body, @len bytes) behind a pipe
 * header whose size is @pipe_size (normally @len: the inject hooks lie).
 * The caller checked synthhid_room().
 */
static void synthhid_enqueue(struct synthhid *s, const void *msg,
			     uint32_t len, uint32_t pipe_size)
{
	struct synthhid_out *o =
		&s->queue[(s->head + s->count) % SYNTHHID_QUEUE_MAX];
	struct hvis_synthhid_pipe_hdr pipe = {
		.type = HVIS_SYNTHHID_PIPE_DATA,
		.size = pipe_size,
	};

	memcpy(o->data, &pipe, sizeof(pipe));
	memcpy(o->data + sizeof(pipe), msg, len);
	o->len = (uint32_t)sizeof(pipe) + len;
	s->count++;
}

/* Send what the queue holds, in order, until the ring is full. */
static void synthhid_drain(struct vmbus_chan *ch, struct synthhid *s)
{
	while (s->count) {
		struct synthhid_out *o = &s->queue[s->head];
		struct hvring_iov iov = { o->data, o->len };
		uint32_t type;
		int r;

		r = vmbus_chan_send(ch, HVIS_VMPKT_DATA_INBAND, 0, 0, &iov, 1);
		if (r == -EAGAIN)
			return;		/* writable() continues */
		if (r) {
			log_msg("synthhid: relid %u: send failed: %s; dropping %u queued",
				vmbus_chan_relid(ch), strerror(-r), s->count);
			s->count = 0;
			return;
		}
		memcpy(&type, o->data + sizeof(struct hvis_synthhid_pipe_hdr),
		       sizeof(type));
		if (type == HVIS_SYNTHHID_INPUT_REPORT)
			s->reports++;
		s->head = (s->head + 1) % SYNTHHID_QUEUE_MAX;
		s->count--;
	}
}

static void synthhid_queue_device_info(struct synthhid *s)
{
	uint8_t buf[SYNTHHID_OUT_MAX];
	struct hvis_synthhid_device_info di = {
		.header.type = HVIS_SYNTHHID_INITIAL_DEVICE_INFO,
		.info = {
			.size = sizeof(struct hvis_synthhid_dev_info),
			.vendor = HVIS_SYNTHHID_VENDOR,
			.product = HVIS_SYNTHHID_PRODUCT,
			.version = 0x0001,
		},
		.hid_desc = {
			.length = sizeof(struct hvis_synthhid_hid_desc),
			.desc_type = HVIS_HID_DT_HID,
			.bcd_hid = 0x0101,
			.num_descs = 1,
			.report_type = HVIS_HID_DT_REPORT,
		},
	};
	uint32_t len = sizeof(di) + (uint32_t)synthhid_report_desc_len;

	di.header.size = len - sizeof(di.header);
	di.hid_desc.report_length = (uint16_t)synthhid_report_desc_len;
	switch (s->desc_mode) {
	case SYNTHHID_DESC_OVERRUN:
		di.hid_desc.report_length += 64;
		break;
	case SYNTHHID_DESC_SHORT_HID:
		di.hid_desc.length = 4;
		break;
	case SYNTHHID_DESC_EMPTY:
		di.hid_desc.report_length = 0;
		break;
	}
	memcpy(buf, &di, sizeof(di));
	memcpy(buf + sizeof(di), synthhid_report_desc, synthhid_report_desc_len);
	synthhid_enqueue(s, buf, len, len);
}

static int synthhid_protocol_request(struct vmbus_chan *ch, struct synthhid *s,
				     const uint8_t *msg)
{
	struct hvis_synthhid_protocol_request req;
	struct hvis_synthhid_protocol_response resp = {
		.header.type = HVIS_SYNTHHID_PROTOCOL_RESPONSE,
		.header.size = sizeof(resp) - sizeof(resp.header),
	};

	/* A response and the device info: keep the packet until both fit. */
	if (!synthhid_room(s, 2))
		return VSP_PKT_RETRY;
	memcpy(&req, msg, sizeof(req));
	resp.version = req.version;
	resp.approved = req.version == HVIS_SYNTHHID_VERSION_2_0;
	/* A guest may ask again (resume): the handshake starts over. */
	s->approved = resp.approved;
	s->info_sent = false;
	s->acked = false;
	synthhid_enqueue(s, &resp, sizeof(resp), sizeof(resp));
	if (!resp.approved) {
		log_guest("synthhid: relid %u: refused protocol version %u.%u",
			  vmbus_chan_relid(ch), req.version >> 16,
			  req.version & 0xffff);
	} else {
		synthhid_queue_device_info(s);
		s->info_sent = true;
	}
	synthhid_drain(ch, s);
	return 0;
}

static const char *synthhid_check_reason(int r)
{
	switch (r) {
	case HVIS_SYNTHHID_EPIPE:
		return "pipe message type is not PIPE_DATA";
	case HVIS_SYNTHHID_EUNKNOWN:
		return "message type not sent by a guest";
	case HVIS_SYNTHHID_EVERSION:
		return "message before the protocol was approved";
	default:
		return "message shorter than its type or its pipe size";
	}
}

static int synthhid_packet(struct vmbus_chan *ch, const void *data,
			   uint32_t len)
{
	struct synthhid *s = vmbus_dev_priv(vmbus_chan_dev(ch));
	const uint8_t *pkt = data;
	struct hvis_vmpacket_desc d;
	uint32_t off, msg_len;
	int type;

	off = vmbus_pkt_desc(pkt, &d);
	if (d.type != HVIS_VMPKT_DATA_INBAND)
		return synthhid_violation(ch, "packet type is not inband data");
	if (len - off > HVIS_SYNTHHID_MAX_MSG_SIZE)
		return synthhid_violation(ch, "packet larger than any message");
	type = hvis_synthhid_check(pkt + off, len - off, HVIS_DIR_G2H,
				   s->approved ? HVIS_SYNTHHID_VERSION_2_0 : 0,
				   &msg_len);
	if (type < 0)
		return synthhid_violation(ch, synthhid_check_reason(type));
	switch (type) {
	case HVIS_SYNTHHID_PROTOCOL_REQUEST:
		return synthhid_protocol_request(ch, s, pkt + off +
					 sizeof(struct hvis_synthhid_pipe_hdr));
	case HVIS_SYNTHHID_INITIAL_DEVICE_INFO_ACK:
		if (!s->info_sent || s->acked)
			return synthhid_violation(ch, "device info ack without device info");
		s->acked = true;
		log_debug("synthhid: relid %u: guest acknowledged the device info",
			  vmbus_chan_relid(ch));
		return 0;
	}
	return synthhid_violation(ch, "message type not sent by a guest");
}

static void synthhid_writable(struct vmbus_chan *ch)
{
	synthhid_drain(ch, vmbus_dev_priv(vmbus_chan_dev(ch)));
}

static void synthhid_close(struct vmbus_chan *ch)
{
	synthhid_forget(vmbus_dev_priv(vmbus_chan_dev(ch)));
}

static void synthhid_reset(struct vmbus_dev *dev)
{
	synthhid_forget(vmbus_dev_priv(dev));
}

static int synthhid_offer(struct vmbus_dev *dev, const char *args)
{
	struct synthhid *s;
	uint32_t mode = SYNTHHID_DESC_GOOD;

	if (args && *args) {
		if (!strcmp(args, "bad-descriptor") ||
		    !strcmp(args, "bad-descriptor=overrun"))
			mode = SYNTHHID_DESC_OVERRUN;
		else if (!strcmp(args, "bad-descriptor=short-hid"))
			mode = SYNTHHID_DESC_SHORT_HID;
		else if (!strcmp(args, "bad-descriptor=empty"))
			mode = SYNTHHID_DESC_EMPTY;
		else {
			log_msg("synthhid: unknown arguments \"%s\" (test hook: bad-descriptor[=overrun|short-hid|empty])",
				args);
			return -EINVAL;
		}
		log_msg("synthhid: test hook: device info will carry a malformed descriptor (%s)",
			args);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->desc_mode = mode;
	vmbus_dev_set_priv(dev, s);
	return 0;
}

static void synthhid_release(struct vmbus_dev *dev)
{
	free(vmbus_dev_priv(dev));
	vmbus_dev_set_priv(dev, NULL);
}

/* --- Control commands --- */

static void synthhid_report_make(const struct synthhid *s, int8_t wheel,
				 uint8_t *r)
{
	r[0] = s->buttons;
	r[1] = (uint8_t)(s->x & 0xff);
	r[2] = (uint8_t)(s->x >> 8);
	r[3] = (uint8_t)(s->y & 0xff);
	r[4] = (uint8_t)(s->y >> 8);
	r[5] = (uint8_t)wheel;
}

/* Queue one input report of the current state. */
static void synthhid_queue_report(struct synthhid *s, int8_t wheel)
{
	uint8_t buf[sizeof(struct hvis_synthhid_msg_hdr) + SYNTHHID_REPORT_SIZE];
	struct hvis_synthhid_msg_hdr hdr = {
		.type = HVIS_SYNTHHID_INPUT_REPORT,
		.size = SYNTHHID_REPORT_SIZE,
	};

	memcpy(buf, &hdr, sizeof(hdr));
	synthhid_report_make(s, wheel, buf + sizeof(hdr));
	synthhid_enqueue(s, buf, sizeof(buf), sizeof(buf));
}

static int synthhid_parse_long(const char *arg, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(arg, &end, 0);
	return errno || end == arg || *end || *v < min || *v > max ? -EINVAL : 0;
}

static int synthhid_button(const char *name, uint8_t *bit)
{
	static const char *const names[SYNTHHID_NR_BUTTONS] = {
		"left", "right", "middle", "side", "extra",
	};
	unsigned int i;

	for (i = 0; i < SYNTHHID_NR_BUTTONS; i++) {
		if (!strcmp(name, names[i])) {
			*bit = (uint8_t)(1u << i);
			return 0;
		}
	}
	return -EINVAL;
}

static void synthhid_ctl_help(FILE *out)
{
	fprintf(out,
		"mouse move X Y            absolute position, 0..32767 each\n"
		"mouse click [BUTTON]      press and release (default left)\n"
		"mouse down|up [BUTTON]    press or release and keep it so\n"
		"mouse wheel N             wheel by N detents, -127..127\n"
		"mouse status              handshake, position, buttons, queue\n"
		"  BUTTON: left right middle side extra\n"
		"test hooks (bad-input tests; the guest must drop these):\n"
		"mouse inject-oversize [N] one report of N bytes (default 64, 17..%d)\n"
		"mouse inject-short        report header claims 16 bytes, packet has 2\n",
		SYNTHHID_INJECT_MAX);
}

/* An input report whose size breaks the protocol, for the guest to refuse. */
static int synthhid_ctl_inject(struct synthhid *s, int argc, char **argv,
			       FILE *out)
{
	uint8_t buf[SYNTHHID_OUT_MAX];
	struct hvis_synthhid_msg_hdr hdr = { .type = HVIS_SYNTHHID_INPUT_REPORT };
	long n = 64;
	uint32_t i;

	if (!strcmp(argv[0], "inject-short")) {
		hdr.size = HVIS_SYNTHHID_MAX_REPORT_SIZE;
		memcpy(buf, &hdr, sizeof(hdr));
		buf[sizeof(hdr)] = 0x01;
		buf[sizeof(hdr) + 1] = 0x02;
		synthhid_enqueue(s, buf, sizeof(hdr) + 2, sizeof(hdr) + 2);
		return 0;
	}
	if (argc > 1 && synthhid_parse_long(argv[1],
					    HVIS_SYNTHHID_MAX_REPORT_SIZE + 1,
					    SYNTHHID_INJECT_MAX, &n)) {
		fprintf(out, "error: inject-oversize takes a size of %d..%d\n",
			HVIS_SYNTHHID_MAX_REPORT_SIZE + 1, SYNTHHID_INJECT_MAX);
		return -EINVAL;
	}
	hdr.size = (uint32_t)n;
	memcpy(buf, &hdr, sizeof(hdr));
	for (i = 0; i < (uint32_t)n; i++)
		buf[sizeof(hdr) + i] = (uint8_t)(0xa0 + i);
	synthhid_enqueue(s, buf, sizeof(hdr) + (uint32_t)n,
			 sizeof(hdr) + (uint32_t)n);
	return 0;
}

/* Queue the reports one command makes; 0 or -errno with "error:" written. */
static int synthhid_ctl_input(struct synthhid *s, int argc, char **argv,
			      FILE *out)
{
	const char *cmd = argv[0];
	uint8_t bit = 1;	/* left */
	long a, b;

	if (!strcmp(cmd, "move")) {
		if (argc != 3 || synthhid_parse_long(argv[1], 0, SYNTHHID_ABS_MAX, &a) ||
		    synthhid_parse_long(argv[2], 0, SYNTHHID_ABS_MAX, &b)) {
			fprintf(out, "error: usage: mouse move X Y (0..%d each)\n",
				SYNTHHID_ABS_MAX);
			return -EINVAL;
		}
		s->x = (uint16_t)a;
		s->y = (uint16_t)b;
		synthhid_queue_report(s, 0);
		return 0;
	}
	if (!strcmp(cmd, "wheel")) {
		if (argc != 2 || synthhid_parse_long(argv[1], -SYNTHHID_WHEEL_MAX,
						     SYNTHHID_WHEEL_MAX, &a) || !a) {
			fprintf(out, "error: usage: mouse wheel N (-%d..%d, not 0)\n",
				SYNTHHID_WHEEL_MAX, SYNTHHID_WHEEL_MAX);
			return -EINVAL;
		}
		synthhid_queue_report(s, (int8_t)a);
		return 0;
	}
	if (argc > 2 || (argc == 2 && synthhid_button(argv[1], &bit))) {
		fprintf(out, "error: usage: mouse %s [left|right|middle|side|extra]\n",
			cmd);
		return -EINVAL;
	}
	if (!strcmp(cmd, "click")) {
		s->buttons |= bit;
		synthhid_queue_report(s, 0);
		s->buttons &= (uint8_t)~bit;
		synthhid_queue_report(s, 0);
	} else if (!strcmp(cmd, "down")) {
		s->buttons |= bit;
		synthhid_queue_report(s, 0);
	} else {
		s->buttons &= (uint8_t)~bit;
		synthhid_queue_report(s, 0);
	}
	return 0;
}

static bool synthhid_is_input_cmd(const char *cmd)
{
	static const char *const cmds[] = {
		"move", "click", "down", "up", "wheel", "inject-oversize",
		"inject-short",
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i]))
			return true;
	return false;
}

static int synthhid_ctl(struct vmbus_dev *dev, int argc, char **argv,
			FILE *out)
{
	struct synthhid *s = vmbus_dev_priv(dev);
	struct vmbus_chan *ch = vmbus_dev_chan(dev, 0);
	int r;

	/* "hvcore ctl mouse move ..." arrives with the shortcut's word first. */
	if (argc && !strcmp(argv[0], "mouse")) {
		argc--;
		argv++;
	}
	if (!argc || !strcmp(argv[0], "help")) {
		synthhid_ctl_help(out);
		return 0;
	}
	if (!strcmp(argv[0], "status")) {
		fprintf(out, "open %d approved %d acked %d x %u y %u buttons 0x%02x queued %u reports %llu\n",
			ch && vmbus_chan_is_open(ch), s->approved, s->acked,
			s->x, s->y, s->buttons, s->count,
			(unsigned long long)s->reports);
		return 0;
	}
	if (!synthhid_is_input_cmd(argv[0])) {
		fprintf(out, "error: unknown mouse command '%s' (try mouse help)\n",
			argv[0]);
		return -EINVAL;
	}
	if (!ch || !vmbus_chan_is_open(ch) || !s->acked) {
		fprintf(out, "error: the guest's mouse driver has not finished the handshake\n");
		return -ENOTCONN;
	}
	/* click makes two reports; check room first so nothing half happens. */
	if (!synthhid_room(s, 2)) {
		fprintf(out, "error: %u reports already wait for the guest to read its ring\n",
			s->count);
		return -ENOBUFS;
	}
	if (!strncmp(argv[0], "inject-", 7))
		r = synthhid_ctl_inject(s, argc, argv, out);
	else
		r = synthhid_ctl_input(s, argc, argv, out);
	if (r)
		return r;
	synthhid_drain(ch, s);
	vmbus_chan_flush(ch);
	return 0;
}

const struct vsp_ops synthhid_vsp_ops = {
	.name = "synthhid",
	.class_id = HVIS_SYNTHHID_CLASS_GUID,
	.signal_style = VSP_SIGNAL_DEDICATED,
	.offer = synthhid_offer,
	.packet = synthhid_packet,
	.writable = synthhid_writable,
	.ctl = synthhid_ctl,
	.close = synthhid_close,
	.reset = synthhid_reset,
	.release = synthhid_release,
};
