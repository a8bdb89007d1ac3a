/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv_vmbus internals shared between its files; nothing here is exported.
 *
 * The module is layered: a platform (platform_hyperv.c or platform_hvshm.c)
 * moves SynIC traffic; connection.c negotiates the protocol and posts
 * messages; chan_mgmt.c turns host messages into channels and devices;
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
#include <linux/workqueue.h>
#include <linux/completion.h>

#include <hvis/tlfs.h>
#include <hvis/vmbus_msg.h>

#include "compat.h"

/*
 * A platform moves SynIC traffic between this guest and the host.  Exactly
 * one is attached at a time (vmbus_platform_attach); the rest of the module
 * only calls through these ops.
 */
struct vmbus_platform_ops {
	const char *name;
	/* HvPostMessage: returns an HVIS_STATUS_* value.  May spin, not sleep. */
	u32 (*post_msg)(u32 connection_id, u32 message_type,
			const void *payload, u32 len);
	/* HvSignalEvent on @connection_id. */
	void (*signal_event)(u32 connection_id);
	/* The slot for SINT 2 was freed with msg_pending set. */
	void (*eom)(unsigned int cpu);
	/* Per-CPU SynIC pages for the interrupt path. */
	struct hvis_synic_message_page *(*simp)(unsigned int cpu);
	struct hvis_synic_event_flags_page *(*siefp)(unsigned int cpu);
	/* Hypervisor VP index for a Linux CPU. */
	u32 (*vp_index)(unsigned int cpu);
};

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
 *    open/close of sub-channels.  Lock order: channel_mutex before
 *    channelmsg_lock.
 *  - channelmsg_lock (spinlock, irqsave) protects chn_msg_list: requests
 *    waiting for a host response; taken from process context and from the
 *    message work item.
 *  - channels[] is read under RCU by the interrupt path (relid -> channel);
 *    written under channel_mutex.
 * Lifetime: set up by vmbus_connect(), torn down by vmbus_disconnect(); the
 * work queues are flushed before any channel is freed.
 */
struct vmbus_conn {
	const struct vmbus_platform_ops *platform;
	int state;
	u32 version;		/* negotiated protocol version */
	u32 msg_conn_id;	/* connection id for posting messages */
	u32 connect_cpu;	/* CPU the host sends channel messages to */

	void *int_page;		/* two pages: recv, send (pre-2.4 signalling) */
	void *monitor_pages[2];	/* [0] host->guest, [1] guest->host */

	spinlock_t channelmsg_lock;
	struct list_head chn_msg_list;	/* struct vmbus_channel_msginfo */

	struct mutex channel_mutex;
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
struct vmbus_channel *relid2channel(u32 relid);
void vmbus_on_event(unsigned long data);	/* channel tasklet */

/* chan_mgmt.c */
void vmbus_onmessage_work(const void *msg, u32 len);
int vmbus_request_offers(void);
struct vmbus_channel *vmbus_alloc_channel(void);
void vmbus_free_channel(struct vmbus_channel *channel);
void vmbus_release_relid(u32 relid);
void vmbus_initiate_unload(void);

/* bus.c */
int vmbus_bus_init(void);
void vmbus_bus_exit(void);
struct hv_device *vmbus_device_create(const guid_t *type,
				      const guid_t *instance,
				      struct vmbus_channel *channel);
int vmbus_device_register(struct hv_device *child_device_obj);
void vmbus_device_unregister(struct hv_device *device_obj);
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

/*
 * Core internals between connection.c, chan_mgmt.c, bus.c, chan_sysfs.c
 * and test_hooks.c (not part of the platform or channel contracts).
 */
extern struct device *vmbus_parent_dev;	/* bus.c: the attached platform's */
bool vmbus_onmessage_isr(const void *msg, u32 len);	/* chan_mgmt.c */
void vmbus_free_channels(void);				/* chan_mgmt.c */
void vmbus_channel_kobj_init(struct vmbus_channel *channel);	/* chan_sysfs.c */
/* test_hooks.c: -EPERM unless loaded with test_hooks=1. */
int hvis_vmbus_test_post_raw(const void *msg, u32 len);
#if HVIS_HAVE_RING_SYSFS
/* Exported as in-tree; the in-tree prototypes live in a private header. */
int hv_create_ring_sysfs(struct vmbus_channel *channel,
			 int (*hv_mmap_ring_buffer)(struct vmbus_channel *channel,
						    struct vm_area_struct *vma));
int hv_remove_ring_sysfs(struct vmbus_channel *channel);
#endif

/* Decoded VMBus version for log lines and sysfs. */
#define VMBUS_VER_FMT		"%u.%u"
#define VMBUS_VER_ARGS(v)	HVIS_VMBUS_VERSION_MAJOR(v), HVIS_VMBUS_VERSION_MINOR(v)

#endif /* HVIS_VMBUS_PRIV_H */
