/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State shared by the files of hvcore's VMBus server (server.c, channel.c,
 * gpadl.c, monitor.c); VSPs never include it.  Everything here runs on the
 * event-loop thread only, so none of it is locked.
 *
 * The other party is the guest: the fields marked "guest-shared" point into
 * guest RAM, which the guest may rewrite at any moment.  Read each value
 * there once (READ_ONCE-style or atomically), validate the copy, and never
 * trust two reads to agree.  Everything else is host memory.
 */
#ifndef HVCORE_VMBUS_INT_H
#define HVCORE_VMBUS_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "hvis/tlfs.h"
#include "hvis/vmbus_msg.h"
#include "ring/ring_ops.h"
#include "vmbus/gpadl.h"

struct evloop;
struct guest_mem;
struct transport;
struct vsp_ops;

/* Per-channel connection id = base + relid, always < HVSHM_MAX_CONNECTION_ID. */
#define VMBUS_CHAN_CONN_ID_BASE	2048u
#define VMBUS_MAX_SUBCHANNELS	64
/* Largest packet the host copies out of a ring: bigger is a violation. */
#define VMBUS_PKT_MAX		(64u * 1024)
/* Packets handled per wakeup before yielding to the other channels. */
#define VMBUS_SERVICE_BUDGET	64
/* Times a wakeup looks again after finding new packets as it unmasked. */
#define VMBUS_SERVICE_REPOLLS	4

#define CHAN_IDLE	0	/* exists, not offered on this connection */
#define CHAN_OFFERED	1	/* offer sent; closed */
#define CHAN_OPEN	2	/* rings mapped, being serviced */
#define CHAN_CLOSING	3	/* VSP close running; no servicing */
#define CHAN_RESCINDED	4	/* rescind sent; waiting for RELID_RELEASED */
#define CHAN_DRAINING	5	/* closed, rescind held until the VSP's I/O is done */

struct vmbus_chan {
	struct vmbus_dev *dev;
	uint32_t relid;
	uint16_t sub_index;
	int state;			/* CHAN_* */
	int monitor_id;			/* 0..127, or -1: dedicated interrupt */
	uint32_t target_vp;

	/*
	 * Open channel: views into the ring GPADL (see chan_handle_open).
	 * Guest-shared: in/out point at the rings' control pages and data in
	 * guest RAM; the ring code reads the guest's indices once per pass.
	 */
	struct gpadl *ring_gpadl;
	struct hvring in;		/* guest -> host: host reads */
	struct hvring out;		/* host -> guest: host writes */
	uint32_t open_id;
	uint8_t open_data[HVIS_OFFER_USER_DEFINED_BYTES];
	bool send_blocked;		/* out ring full: waiting for space */
	uint32_t send_need;		/* bytes the blocked packet needs */
	bool signal_due;		/* a write or read asked to signal the guest */
	int resume_timer;		/* budget ran out: continue from a timer */
	bool in_service;		/* chan_service() on the stack */
	bool vsp_waiting;		/* VSP said VSP_PKT_WAIT: no reads until kicked */

	uint64_t pkts_in, pkts_out, bytes_in, bytes_out;
	void *priv;			/* the VSP's */
};

struct vmbus_dev {
	struct vmbus_dev *next;
	struct vmbus_server *srv;
	const struct vsp_ops *ops;
	void *priv;			/* the VSP's */
	struct hvis_guid class_id;	/* offered: the VSP's unless offer() set one */
	struct hvis_guid instance;
	bool monitored;			/* its channels use MNF */
	bool rescinded;			/* going away: never offered again */
	/*
	 * The VSP's busy() said yes after its channels closed: a rescind
	 * (channels CHAN_DRAINING) and/or the UNLOAD_RESPONSE wait for
	 * vmbus_dev_quiesced(), which sets @quiesced for the drain timer.
	 * @free_pending: its last channel went while draining; freed then.
	 */
	bool draining;
	bool quiesced;
	bool free_pending;
	struct vmbus_chan *chans[VMBUS_MAX_SUBCHANNELS + 1];	/* [0] primary */
};

struct vmbus_server {
	struct evloop *loop;
	const struct guest_mem *mem;
	struct transport *t;

	/* Connection (INITIATE_CONTACT .. UNLOAD). version 0 = disconnected. */
	uint32_t version;
	uint32_t max_version;
	uint32_t target_vcpu;
	bool offers_requested;
	/* Guest-shared: the guest's two monitor pages. [1] = guest -> host */
	struct hvis_monitor_page *monitor_page[2];
	bool post_lost;			/* a post failed: reset pending */
	int lost_timer;			/* runs that reset outside a handler */
	bool unload_pending;		/* UNLOAD answered once nothing drains */
	unsigned int nr_draining;	/* devices with @draining set */
	int drain_timer;		/* finishes quiesced devices' drains */

	struct vmbus_dev *devs;
	uint32_t nr_devs_added;		/* drives VSP_SIGNAL_ALTERNATE */
	struct vmbus_chan *chans[HVIS_VMBUS_MAX_RELID + 1];	/* by relid */

	struct gpadl *gpadls;
	uint32_t nr_gpadls, nr_pending_gpadls;
	uint64_t gpadl_pages;

	struct vmbus_chan *monitor_chans[HVIS_MONITOR_ID_COUNT];
	uint32_t nr_monitored_open;
	int monitor_timer;
	uint64_t monitor_delay_ns;
	uint64_t monitor_idle_ns;

	uint8_t pktbuf[VMBUS_PKT_MAX];	/* private copy of one packet */
};

/* server.c */
void vmbus_post(struct vmbus_server *s, const void *msg, uint32_t len);
void vmbus_guest_err(struct vmbus_server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Close and rescind every channel of @dev; @why goes in the log. */
void vmbus_dev_rescind(struct vmbus_dev *dev, const char *why);
/*
 * Free @ch and its relid, and its device once the device is rescinded and
 * its last channel gone (a draining device: once it has drained).  True if
 * the device has no channel left and is freed or about to be: the caller
 * must not touch it again.
 */
bool vmbus_chan_forget(struct vmbus_chan *ch);
/* Text form of a wire GUID; @buf holds 37 bytes. */
void vmbus_guid_text(const struct hvis_guid *g, char *buf);

/* monitor.c */
int monitor_alloc(struct vmbus_server *s, struct vmbus_chan *ch);
void monitor_free(struct vmbus_server *s, struct vmbus_chan *ch);
/* Publish @ch's monitor parameter on the guest's monitor page. */
void monitor_offer(struct vmbus_server *s, struct vmbus_chan *ch);
/* A monitored channel opened / closed: start or let stop the poller. */
void monitor_chan_opened(struct vmbus_server *s);
void monitor_chan_closed(struct vmbus_server *s);
/* One poll of monitor page 2 (also the timer body). */
bool monitor_poll_once(struct vmbus_server *s);
void monitor_stop(struct vmbus_server *s);

#endif
