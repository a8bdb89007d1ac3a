/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv_vmbus internals shared between its files; nothing here is exported.
 *
 * The module is layered: a platform (platform_hyperv.c or platform_hvshm.c)
 * moves SynIC traffic; connection.c negotiates the protocol and posts
 * messages; chan_mgmt.c turns host messages into channels and devices,
 * chan_remove.c takes them away again (rescind, unload);
 * channel.c and ring.c implement the channel API drivers call; bus.c is the
 * driver-model glue and sysfs.  The driver-facing API and its structures are
 * the kernel's own <linux/hyperv.h>, so in-tree VSCs build against this module.
 */
#ifndef HVIS_VMBUS_PRIV_H
#define HVIS_VMBUS_PRIV_H

#include <linux/hyperv.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>
#include <linux/completion.h>

#include <hvis/tlfs.h>
#include <hvis/vmbus_msg.h>

#include "compat.h"
#include "hvis_vmbus.h"

/*
 * A platform moves SynIC traffic between this guest and the host.  Exactly
 * one is attached at a time (vmbus_platform_attach); the rest of the module
 * only calls through these ops.
 */
struct vmbus_platform_ops {
	const char *name;
	/*
	 * HvPostMessage: returns an HVIS_STATUS_* value.  Sleeps only when
	 * @can_sleep; otherwise it may spin with interrupts off.
	 */
	u32 (*post_msg)(u32 connection_id, u32 message_type,
			const void *payload, u32 len, bool can_sleep);
	/* HvSignalEvent on @connection_id. */
	void (*signal_event)(u32 connection_id);
	/* The slot for SINT 2 was freed with msg_pending set. */
	void (*eom)(unsigned int cpu);
	/* Per-CPU SynIC pages for the interrupt path. */
	struct hvis_synic_message_page *(*simp)(unsigned int cpu);
	struct hvis_synic_event_flags_page *(*siefp)(unsigned int cpu);
	/* Hypervisor VP index for a Linux CPU. */
	u32 (*vp_index)(unsigned int cpu);
	/* Whether the host knows a VP for @cpu; NULL: every CPU. */
	bool (*cpu_usable)(unsigned int cpu);
	/*
	 * A HVIS_MSG_TIMER_EXPIRED message arrived in SINT 2 (stimer0 in
	 * message mode); NULL where no such timer exists.
	 */
	void (*timer_msg)(void);
};

/*
 * Not a hypervisor status either (see HVIS_STATUS_HVSHM_TIMEOUT): what a
 * platform's post_msg returns once it is no longer bound.
 */
#define VMBUS_STATUS_NO_PLATFORM	0xfffe

/* Connection states, as vmbus_conn.state. */
#define VMBUS_DISCONNECTED	0
#define VMBUS_CONNECTING	1
#define VMBUS_CONNECTED		2
#define VMBUS_DISCONNECTING	3

/*
 * struct vmbus_conn - the one VMBus connection of this guest.
 *
 * Locking:
 *  - channel_mutex (sleeping) protects chn_list, the relid table writers and
 *    every channel's sc_list; taken by offer/rescind work and by drivers'
 *    open/close of sub-channels.  Lock order: cpus_read_lock before
 *    channel_mutex before channelmsg_lock.
 *  - channelmsg_lock (spinlock, irqsave) protects chn_msg_list: requests
 *    waiting for a host response; taken from process context and from the
 *    message work item.
 *  - channels[] is read under RCU by the interrupt path (relid -> channel);
 *    written under channel_mutex.
 *  - platform is read under vmbus_platform_srcu by every caller of an op
 *    (vmbus_platform_get/put); attach and detach publish it, and detach
 *    waits for those readers before the platform goes away.
 * Lifetime: set up by vmbus_connect(), torn down by vmbus_disconnect(); the
 * work queues are flushed before any channel is freed.
 *
 * The struct vmbus_channel fields hv_vmbus manages (the struct is the
 * kernel's, so the rules live here):
 *  - state: written under channel_mutex (offer, open, close); read under it
 *    by the rescind handler and the cpu sysfs store.  bus.c's "state" file
 *    reads it unlocked, for display only.
 *  - rescind: set under channelmsg_lock (vmbus_rescind_cleanup), so a
 *    request queued on chn_msg_list either sees it or is completed by it;
 *    read locklessly elsewhere as a hint that the host is gone.
 *  - rescind_ref: claimed under channel_mutex by the one rescind handler
 *    that owns the channel from then on.
 *  - probe_done: set once with WRITE_ONCE (under channel_mutex where the
 *    offer work fails); polled with READ_ONCE by the rescind handler.
 *  - sc_list, primary_channel: under channel_mutex; a sub-channel holds a
 *    reference on its primary's kobject until it is freed.
 *  - target_cpu: under channel_mutex (and the CPU hotplug lock, taken
 *    first) when written; the interrupt path reads it unlocked.
 */
struct vmbus_conn {
	const struct vmbus_platform_ops __rcu *platform;
	int state;
	u32 version;		/* negotiated protocol version */
	u32 msg_conn_id;	/* connection id for posting messages */
	u32 connect_cpu;	/* CPU the host sends channel messages to */

	void *int_page;		/* two pages: recv, send (pre-2.4 signalling) */
	void *monitor_pages[2];	/* [0] host->guest, [1] guest->host */

	spinlock_t channelmsg_lock;	/* chn_msg_list, see above */
	struct list_head chn_msg_list;	/* struct vmbus_channel_msginfo */

	struct mutex channel_mutex;	/* channels and lists, see above */
	struct list_head chn_list;	/* primary channels */
	struct vmbus_channel __rcu **channels;	/* by relid, 0..MAX_RELID */

	struct completion unload_event;
	struct completion all_offers_delivered;
	atomic_t offer_in_progress;

	struct workqueue_struct *work_queue;	/* message handling */
	struct workqueue_struct *handle_primary_chan_wq;
	struct workqueue_struct *handle_sub_chan_wq;
	struct workqueue_struct *rescind_work_queue;
};

extern struct vmbus_conn vmbus_conn;
extern struct srcu_struct vmbus_platform_srcu;

/* platform_*.c <-> core */
int vmbus_platform_attach(const struct vmbus_platform_ops *ops,
			  struct device *parent);
void vmbus_platform_detach(const struct vmbus_platform_ops *ops);
/* Called by the platform's interrupt handler for @cpu's SynIC pages. */
void vmbus_isr(unsigned int cpu);
int platform_hvshm_init(void);
void platform_hvshm_exit(void);
int platform_hyperv_init(void);
void platform_hyperv_exit(void);

/* connection.c */
int vmbus_connect(void);
void vmbus_disconnect(void);
int vmbus_post_msg(void *buffer, size_t buflen, bool can_sleep);
void vmbus_send_interrupt(u32 relid);
const struct vmbus_platform_ops *vmbus_platform_get(int *srcu_idx);
void vmbus_platform_put(int srcu_idx);
bool vmbus_platform_bound(void);
int vmbus_platform_vp_index(unsigned int cpu, u32 *vp);
struct vmbus_channel *relid2channel(u32 relid);
void vmbus_on_event(unsigned long data);	/* channel tasklet */

/* chan_mgmt.c: offers and the message handlers */
bool vmbus_cpu_usable(unsigned int cpu);
void vmbus_onmessage_work(const void *msg, u32 len);
int vmbus_request_offers(void);
struct vmbus_channel *vmbus_alloc_channel(void);
void vmbus_free_channel(struct vmbus_channel *channel);

/* chan_remove.c: rescinds, removal, unload */
void vmbus_release_relid(u32 relid);
void vmbus_initiate_unload(void);
void vmbus_onoffer_rescind(const struct hvis_chmsg_relid *rescind);
void vmbus_rescind_unloading(const struct hvis_chmsg_relid *rescind);

/* bus.c */
int vmbus_bus_init(void);
void vmbus_bus_exit(void);
struct hv_device *vmbus_device_create(const guid_t *type,
				      const guid_t *instance,
				      struct vmbus_channel *channel);
int vmbus_device_register(struct hv_device *child_device_obj);
bool vmbus_device_registered(struct hv_device *hv_dev);
u32 vmbus_monitor_pending(const struct vmbus_channel *channel, int page);
u32 vmbus_monitor_latency(const struct vmbus_channel *channel, int page);

/* chan_sysfs.c */
int vmbus_add_channel_kobj(struct hv_device *device_obj,
			   struct vmbus_channel *channel);
void vmbus_remove_channel_attr_group(struct vmbus_channel *channel);

/* ring.c: the kernel wrapper around include/ring/ (shared with hvcore) */
int hv_ringbuffer_init(struct hv_ring_buffer_info *ring_info,
		       struct page *pages, u32 pagecnt, u32 max_pkt_size);
void hv_ringbuffer_pre_init(struct vmbus_channel *channel);
void hv_ringbuffer_cleanup(struct hv_ring_buffer_info *ring_info);
int hv_ringbuffer_write(struct vmbus_channel *channel,
			const struct kvec *kv_list, u32 kv_count,
			u64 requestid, u64 *trans_id);
int hv_ringbuffer_read(struct vmbus_channel *channel,
		       void *buffer, u32 buflen, u32 *buffer_actual_len,
		       u64 *requestid, bool raw);
/* Channel tasklet: run the callback again for bytes left in the ring? */
#define VMBUS_IDLE_RERUNS	64
bool hv_ringbuffer_rerun(struct hv_ring_buffer_info *rbi, bool progressed);

/*
 * Core internals between connection.c, chan_mgmt.c, bus.c, chan_sysfs.c
 * and test_hooks.c (not part of the platform or channel contracts).
 */
extern struct device *vmbus_parent_dev;	/* bus.c: the attached platform's */
bool vmbus_onmessage_isr(const void *msg, u32 len);	/* chan_mgmt.c */
void vmbus_free_channels(void);				/* chan_remove.c */
void vmbus_free_orphans(void);				/* chan_remove.c */
void vmbus_channel_kobj_init(struct vmbus_channel *channel);	/* chan_sysfs.c */
/* test_hooks.c: -EPERM unless loaded with test_hooks=1. */
int hvis_vmbus_test_post_raw(const void *msg, u32 len);

#endif /* HVIS_VMBUS_PRIV_H */
