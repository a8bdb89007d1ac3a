/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv_utils' channel to its user-space daemons: a misc device
 * (/dev/vmbus/hv_kvp, /dev/vmbus/hv_vss) carrying whole messages each way,
 * with the in-tree ABI: one opener, read() returns one message whole,
 * write() hands one to the service, poll() says readable or gone.
 */
#ifndef HVIS_UTILS_TRANSPORT_H
#define HVIS_UTILS_TRANSPORT_H

#include <linux/types.h>

struct hv_util_transport;

struct hv_util_transport_ops {
	/* The daemon wrote @len bytes (process context): 0 or -errno. */
	int (*on_msg)(void *priv, const void *msg, size_t len);
	/* The daemon closed the device (or died). */
	void (*on_release)(void *priv);
};

/* @name like "vmbus/hv_kvp"; messages from the daemon are at most @max_in bytes. */
struct hv_util_transport *
hv_util_transport_create(const char *name, size_t max_in,
			 const struct hv_util_transport_ops *ops, void *priv);
/* Wakes the daemon with EPOLLHUP; safe while it still holds the device. */
void hv_util_transport_destroy(struct hv_util_transport *t);
/*
 * Queue one message for the daemon (process or softirq context): 0, -ENODEV
 * without an opener, -EBUSY while two are unread, -ENOMEM.
 */
int hv_util_transport_send(struct hv_util_transport *t, const void *msg,
			   size_t len);

#endif /* HVIS_UTILS_TRANSPORT_H */
