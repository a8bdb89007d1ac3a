/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv_storvsc driver state: one struct storvsc per synthetic SCSI or
 * accelerated IDE controller (a VMBus device), shared by the protocol layer (vstor.c) and the SCSI
 * host layer (scsi.c).
 */
#ifndef HVIS_STORVSC_H
#define HVIS_STORVSC_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/hyperv.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <hvis/vstor.h>

struct Scsi_Host;
struct scsi_cmnd;

/* Packets the host sends us are one VSTOR packet behind a descriptor. */
#define STORVSC_MAX_PKT_SIZE \
	(sizeof(struct vmpacket_descriptor) + HVIS_VSTOR_PACKET_SIZE)

/* Page numbers a request carries inline; bigger transfers allocate. */
#define STORVSC_INLINE_PFNS	32
#define STORVSC_MPB_HDR_SIZE	sizeof(struct vmbus_packet_mpb_array)

/* How long the driver waits for the host to answer an init or reset. */
#define STORVSC_SYNC_TIMEOUT_S	180
/* Block-layer timeout of every command; see storvsc_scsi_timed_out(). */
#define STORVSC_CMD_TIMEOUT_S	180
/* Hard cap on one transfer, whatever the host offers. */
#define STORVSC_MAX_TRANSFER_CAP	(8u << 20)

/* logging_level values, as in-tree */
#define STORVSC_LOG_NONE	0
#define STORVSC_LOG_ERROR	1
#define STORVSC_LOG_WARN	2

extern int storvsc_logging_level;
extern int storvsc_ring_avail_percent_lowater;

#define storvsc_log_rl(stor, level, fmt, ...)				\
do {									\
	if (storvsc_logging_level >= (level))				\
		dev_warn_ratelimited(&(stor)->hdev->device, fmt,	\
				     ##__VA_ARGS__);			\
} while (0)

/* One channel of a controller: the primary (index 0) or a sub-channel. */
struct storvsc_chan {
	struct storvsc *stor;
	struct vmbus_channel *channel;
};

/*
 * A request the driver sends itself and sleeps on: the init handshake
 * steps and the bus reset.  @pending is 1 from just before the send until
 * the reply is taken (by the channel callback) or given up (by the
 * waiter); whoever moves it to 0 owns @pkt from then on, so a reply that
 * races with a timeout is never copied into a packet being reused.
 */
struct storvsc_sync {
	struct completion done;
	atomic_t pending;
	struct hvis_vstor_packet pkt;	/* the request, then the reply */
};

/*
 * One SCSI command in flight: the blk-mq pdu of each scsi_cmnd.
 * @inflight is 1 while the host owns the command (from just before the
 * send).  The single transition 1 -> 0 (atomic_cmpxchg) decides who
 * finishes the command: the completion of the host, a failed send, or the
 * rescind path; any other path that sees 0 leaves the command alone.
 */
struct storvsc_cmd {
	struct hvis_vstor_packet pkt;
	struct scsi_cmnd *scmnd;
	struct vmbus_channel *channel;	/* where the request went */
	struct vmbus_packet_mpb_array *mpb;	/* @mpb_inline or kmalloc'ed */
	u32 mpb_size;
	u32 len;			/* data buffer bytes */
	atomic_t inflight;
	u64 mpb_inline[(STORVSC_MPB_HDR_SIZE / sizeof(u64)) +
		       STORVSC_INLINE_PFNS];
};

/*
 * struct storvsc - one controller; lives in the Scsi_Host's private area,
 * from probe until the last scsi_host_put() after remove.
 *
 * Locking:
 *  - @sc_mutex (process context) serialises opening sub-channels (the
 *    sc-create callback, VMBus offer work) against remove; @closing and
 *    the entries of @chans are written under it.  Lock order: sc_mutex ->
 *    chan_lock.
 *  - @chan_lock (spinlock) serialises writers of @nr_chans and @cpu_chan
 *    (sc-create and change-target-cpu callbacks).  Readers, the I/O
 *    submission path, take no lock: @nr_chans is published with
 *    smp_store_release() after the entry it covers (pairs with the
 *    smp_load_acquire() in vstor_pick()), and @cpu_chan entries are
 *    single pointers written with WRITE_ONCE and read with READ_ONCE; a
 *    channel in either stays open until remove closes them all.
 *  - @work_lock (spinlock, irqsave: taken from the channel callback)
 *    guards @work_ok and every queue_work() on @wq, so that nothing is
 *    queued once remove has started to destroy @wq.
 *  - @reset_mutex serialises host resets (EH thread, SG_SCSI_RESET ioctl).
 *  - @gone, @version, @max_transfer, @ide: written before the SCSI host
 *    is added (and @gone once by remove), read with READ_ONCE where it
 *    matters.
 *  - @outstanding counts commands the host owns; @drain_wq is woken when
 *    it drops to 0.
 */
struct storvsc {
	struct hv_device *hdev;
	struct Scsi_Host *host;
	bool ide;			/* IDE class: one disk, one channel */
	u16 version;			/* negotiated HVIS_VSTOR_VERSION_* */
	u16 max_sub_channels;		/* host property max_channel_cnt */
	bool multi_channel;		/* host property: may ask for more */
	u32 max_transfer;		/* bytes, host's, rounded and capped */
	u32 ring_size;			/* ring allocation, header included */
	u32 lowater;			/* ring bytes free below which not to pick */
	bool gone;			/* rescinded: fail all I/O at once */

	struct mutex sc_mutex;		/* sub-channel opens vs. close */
	bool closing;
	spinlock_t chan_lock;		/* writers of chans and cpu_chan */
	unsigned int nr_chans;
	struct storvsc_chan chans[1 + HVIS_VSTOR_MAX_SUB_CHANNELS];
	struct vmbus_channel **cpu_chan;	/* nr_cpu_ids entries */

	atomic_t outstanding;
	wait_queue_head_t drain_wq;
	struct storvsc_sync init;
	struct storvsc_sync reset;
	struct mutex reset_mutex;	/* one bus reset at a time */

	spinlock_t work_lock;		/* work_ok and queueing on wq */
	bool work_ok;
	struct workqueue_struct *wq;
	struct work_struct scan_work;
};

/* vstor.c: the VSTOR protocol on the channels */
int storvsc_vstor_connect(struct storvsc *stor);
void storvsc_vstor_close(struct storvsc *stor);
int storvsc_vstor_send_srb(struct storvsc *stor, struct storvsc_cmd *cmd,
			   u64 trans_id);
int storvsc_vstor_reset_bus(struct storvsc *stor);
void storvsc_vstor_put(struct storvsc *stor);
bool storvsc_vstor_wait_drained(struct storvsc *stor, unsigned long timeout);

/* scsi.c: the SCSI host */
extern struct scsi_host_template storvsc_scsi_template;
void storvsc_scsi_setup(struct storvsc *stor, unsigned int nr_hw_queues,
			unsigned int can_queue);
struct storvsc_cmd *storvsc_scsi_lookup(struct storvsc *stor, u64 trans_id);
void storvsc_scsi_complete(struct storvsc *stor, struct storvsc_cmd *cmd,
			   const struct hvis_vstor_packet *reply, bool valid);
void storvsc_scsi_host_note(struct storvsc *stor, u32 operation);
void storvsc_scsi_fail_all(struct storvsc *stor);
void storvsc_scsi_scan_work(struct work_struct *work);

#endif /* HVIS_STORVSC_H */
