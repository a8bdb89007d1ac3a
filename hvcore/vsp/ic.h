/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host half of the integration components, written once: every IC
 * service (ic_shutdown.c, ic_timesync.c, ic_heartbeat.c) is a struct ic_svc
 * and lets ic.c negotiate, queue its requests one at a time, match the
 * guest's answers and time them out.
 */
#ifndef HVCORE_VSP_IC_H
#define HVCORE_VSP_IC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hvis/ic.h"
#include "vsp.h"

struct ic_dev;
struct ic_req;

/*
 * Called once per request: @resp/@len is the guest's answer (checked: an
 * inband response to this transaction, IC headers valid, same type), or
 * NULL when it never came (@why says: timeout, channel closed...).
 */
typedef void (*ic_done_fn)(struct ic_dev *ic, struct ic_req *req,
			   const uint8_t *resp, uint32_t len, const char *why);

/* One host request: the packet and what to do with the answer. */
struct ic_req {
	uint8_t *buf;			/* pipe header + IC header + body */
	uint32_t len;
	ic_done_fn done;
	struct vsp_ctl_req *ctl;	/* a deferred control reply, or NULL */
	uint32_t timeout_ms;		/* 0: IC_TIMEOUT_MS */
	uint32_t opaque;		/* the service's own */
	struct ic_req *next;
};

struct ic_svc {
	const char *name;		/* the VSP name, for logs */
	uint16_t msg_type;		/* HVIS_ICMSGTYPE_* */
	const uint32_t *versions;	/* newest first */
	unsigned int nr_versions;
	/* Optional: device arguments ("interval_ms=N,..."); 0 or -errno. */
	int (*parse_args)(struct ic_dev *ic, const char *args);
	/* Optional: versions agreed; the service may start its traffic. */
	void (*negotiated)(struct ic_dev *ic);
	/* Optional: the channel closed (requests were failed already). */
	void (*closed)(struct ic_dev *ic);
	/* Optional: 'hvcore ctl' for this device, as vsp_ops.ctl. */
	int (*ctl)(struct ic_dev *ic, int argc, char **argv, FILE *out);
	/* Optional: free what parse_args/negotiated allocated. */
	void (*release)(struct ic_dev *ic);
};

/*
 * One IC device.  Everything runs on the event-loop thread.  @queue's head
 * is the request in flight once @sent; nothing else is sent before its
 * answer, its timeout or the close.
 */
struct ic_dev {
	struct vmbus_dev *dev;
	struct vmbus_chan *ch;		/* open channel, or NULL */
	const struct ic_svc *svc;
	uint32_t fw_version;		/* HVIS_IC_VERSION(); 0 before */
	uint32_t srv_version;
	struct ic_req *queue, *tail;
	bool sent;
	int timer;			/* the in-flight request's timeout */
	uint64_t next_id;		/* transaction ids */
	uint64_t requests, answers, failures;
	uint64_t injected;		/* test packets sent (ic_inject()) */
	void *priv;			/* the service's state */
};

/* Transaction ids of injected test packets have this bit. */
#define IC_INJECT_ID	(1ull << 63)

/*
 * Send a malformed test packet outside the queue ('inject' commands);
 * ic_ctl() handles "inject truncated|bad-count" itself.  0 or -errno
 * (with the "error:" line written).
 */
int ic_inject(struct ic_dev *ic, const void *buf, uint32_t len, FILE *out);

/* Per-request answer deadlines. */
#define IC_TIMEOUT_MS			10000
#define IC_NEGOTIATE_TIMEOUT_MS		60000

/* vsp_ops glue every IC service shares (its offer() calls ic_offer()). */
int ic_offer(struct vmbus_dev *dev, const char *args,
	     const struct ic_svc *svc);
int ic_open(struct vmbus_chan *ch);
int ic_packet(struct vmbus_chan *ch, const void *pkt, uint32_t len);
void ic_writable(struct vmbus_chan *ch);
int ic_ctl(struct vmbus_dev *dev, int argc, char **argv, FILE *out);
void ic_close(struct vmbus_chan *ch);
void ic_reset(struct vmbus_dev *dev);
void ic_release(struct vmbus_dev *dev);

#define IC_VSP_OPS(ops_name, vsp_name, class, offer_fn)		\
	const struct vsp_ops ops_name = {				\
		.name = vsp_name,					\
		.class_id = class,					\
		.signal_style = VSP_SIGNAL_DEDICATED,			\
		.offer = offer_fn,					\
		.open = ic_open,					\
		.packet = ic_packet,					\
		.writable = ic_writable,				\
		.ctl = ic_ctl,						\
		.close = ic_close,					\
		.reset = ic_reset,					\
		.release = ic_release,					\
	}

/*
 * A request of the service's own type with @body_len bytes of body
 * (zeroed; fill it through ic_req_body()).  Its header gets the versions
 * negotiated by the time it is sent.  NULL when out of memory.
 */
struct ic_req *ic_req_new(struct ic_dev *ic, uint32_t body_len,
			  ic_done_fn done);
void *ic_req_body(struct ic_req *req);
/* Free a request that was never submitted. */
void ic_req_free(struct ic_req *req);
/* Queue @req (the device owns it from here); sent when its turn comes. */
void ic_submit(struct ic_dev *ic, struct ic_req *req);

/* The IC header of a request or answer buffer. */
static inline struct hvis_icmsg_hdr *ic_hdr(const uint8_t *buf)
{
	return (struct hvis_icmsg_hdr *)(buf + sizeof(struct hvis_vmbuspipe_hdr));
}

/* A deferred control reply: "ok" or "error: ..." from the answer's status. */
void ic_ctl_finish_status(struct ic_req *req, const uint8_t *resp,
			  const char *why);

/* "X.Y" of a version, written to @buf. */
const char *ic_version_str(uint32_t v, char *buf, size_t len);

#endif /* HVCORE_VSP_IC_H */
