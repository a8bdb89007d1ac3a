/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * storvsp internals: the VSTOR VSP's per-device and per-channel state,
 * shared by storvsp.c (channels, packets, the init handshake, completions),
 * storvsp_srb.c (EXECUTE_SRB) and storvsp_ctl.c (arguments and control
 * commands).  Everything runs on the event-loop thread, so nothing here is
 * locked.
 */
#ifndef HVCORE_STORVSP_H
#define HVCORE_STORVSP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#include "hvis/vstor.h"
#include "scsi/scsi.h"

struct evloop;
struct vmbus_chan;
struct vmbus_dev;

/*
 * Requests one channel may hold at once (in flight at the target or with
 * their completion waiting for ring room).  The guest can keep writing
 * requests as fast as we take them off its ring, so the ring does not
 * bound this; at the cap the channel stops reading (VSP_PKT_WAIT) until a
 * completion frees a slot.  In-tree storvsc keeps far fewer per channel
 * (can_queue is about ring size / 4 KiB per channel).
 */
#ifndef STOR_CHAN_MAX_REQS	/* unit tests build with a small pool */
#define STOR_CHAN_MAX_REQS	1024
#endif
/* iovecs a request carries inline; more (scattered pages) are allocated. */
#define STOR_INLINE_IOV		8

/* Negotiation state of a device, driven by the guest on its primary channel. */
#define STOR_INIT_NONE		0	/* nothing yet, or forgotten */
#define STOR_INIT_BEGUN		1	/* BEGIN_INITIALIZATION done */
#define STOR_INIT_VERSION	2	/* a version was accepted */
#define STOR_INIT_READY		3	/* END_INITIALIZATION done: I/O allowed */

struct stor_chan;
struct storvsp;

/*
 * One request from the guest, from packet() until its completion is in
 * the ring (or dropped because the channel closed).  @pkt holds the
 * guest's packet and is rewritten into the completion in place.
 */
struct stor_req {
	struct scsi_req sreq;		/* sreq.opaque = this */
	struct stor_chan *sc;
	struct stor_req *next;		/* free list or completion queue */
	uint64_t trans_id;
	struct hvis_vstor_packet pkt;
	uint8_t lun;			/* stats slot, valid if @counted */
	bool counted;			/* addressed an existing target LUN */
	struct iovec *iov;		/* iov_inline or malloc'ed */
	unsigned int iov_cap;
	struct iovec iov_inline[STOR_INLINE_IOV];
};

/*
 * One opening of one channel of a device.  Allocated at open; at close
 * @ch becomes NULL and queued completions are dropped, but the struct
 * lives on until its last request has come back from the target (that I/O
 * may still be writing guest memory).
 */
struct stor_chan {
	struct storvsp *sp;
	struct vmbus_chan *ch;		/* NULL once closed */
	uint32_t relid;			/* for log lines, also after close */
	uint16_t sub_index;
	unsigned int nr_alloc;		/* slots allocated, <= STOR_CHAN_MAX_REQS */
	unsigned int busy;		/* slots taken: in flight or queued */
	struct stor_req *free;
	struct stor_req *q_head, *q_tail;	/* completions waiting for room */
	unsigned int queued;
	bool waiting;			/* returned VSP_PKT_WAIT: kick on a free slot */
	bool enum_pending;		/* an ENUMERATE_BUS waits for room */
};

struct stor_lun_stats {
	uint64_t requests, bytes_read, bytes_written, errors;
};

/*
 * One controller (VMBus device).  Outlives its vmbus_dev when release()
 * comes while requests are still at the target: @released is set and the
 * last of them frees it (from a timer: never inside the target's done()).
 */
struct storvsp {
	struct vmbus_dev *dev;		/* NULL once released */
	struct evloop *loop;
	struct scsi_target *target;
	unsigned int ctrl;		/* storvsp controller number, for serials */
	/*
	 * An accelerated IDE controller ("ide" in the arguments): offered
	 * with the IDE class, @target_id in its instance GUID, one disk at
	 * LUN 0, no sub-channels, no hot-plug.  SCSI: @target_id 0.
	 */
	bool ide;
	uint8_t target_id;		/* the only target SRBs may address */
	int state;			/* STOR_INIT_* */
	uint16_t version;		/* negotiated HVIS_VSTOR_VERSION_*, or 0 */
	uint16_t max_sub_channels;	/* what QUERY_PROPERTIES offers */
	uint32_t max_transfer;		/* bytes */
	struct stor_chan *chans[1 + HVIS_VSTOR_MAX_SUB_CHANNELS];
	unsigned int nr_chans_alive;	/* stor_chans not yet freed, closed included */
	bool released;
	int free_timer;
	uint64_t protocol_errors;	/* requests failed for breaking the protocol */
	struct stor_lun_stats stats[SCSI_MAX_LUNS];
};

/* storvsp.c */
/* Send or queue @rq's completion (already filled in) on its channel. */
void stor_complete(struct stor_req *rq);
/* Ask the guest to rescan (ENUMERATE_BUS on the primary channel). */
void stor_notify_rescan(struct storvsp *sp);
/* A logged reason for closing the channel; returns -EPROTO. */
int stor_violation(struct stor_chan *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* storvsp_init.c */
const char *stor_op_name(uint32_t op);
/* Turn @rq's packet into its COMPLETE_IO with @status and complete it. */
void stor_complete_io(struct stor_req *rq, uint32_t status);
/* Complete @rq with success / with @status (SRBs: INVALID_REQUEST), logged. */
void stor_ok(struct stor_req *rq);
void stor_fail(struct stor_req *rq, uint32_t status, const char *why);
/* The handshake steps and CREATE_SUB_CHANNELS, each answered. */
void stor_handshake(struct stor_req *rq, uint32_t op);
/* RESET_LUN/ADAPTER/BUS: the target resets, then status 0. */
void stor_reset(struct stor_req *rq);

/* storvsp_srb.c */
/* A GPA-direct packet's range, checked for shape but not yet mapped. */
struct stor_range {
	bool present;
	uint32_t len, offset;
	uint32_t npfn;
	const uint8_t *pfns;		/* npfn u64s, unaligned, in the packet copy */
};
/*
 * Execute the EXECUTE_SRB in @rq.  0 (the request completes, now or
 * later) or -EPROTO (protocol violation, logged; @rq is left to the caller).
 */
int stor_srb_execute(struct stor_req *rq, const struct stor_range *rg);

/* storvsp_ctl.c */
/*
 * Parse "[ide[=T];]DISK[;DISK...]": the controller's kind, then its LUNs
 * of @sp->target.  0 or -EINVAL, logged.
 */
int stor_add_disks(struct storvsp *sp, const char *args);
int stor_ctl(struct vmbus_dev *dev, int argc, char **argv, FILE *out);

#endif
