/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the files of the channel API (channel.c, gpadl.c,
 * requestor.c); the rest of hv_vmbus does not use them.
 */
#ifndef HVIS_CHANNEL_PRIV_H
#define HVIS_CHANNEL_PRIV_H

#include <linux/hyperv.h>

/*
 * A request that expects an answer travels in a struct vmbus_channel_msginfo
 * queued on vmbus_conn.chn_msg_list: chan_mgmt.c finds it there by the ids in
 * the host's response, copies the response into ->response and completes
 * ->waitevent.  A rescind of ->waiting_channel also completes it, after
 * setting channel->rescind, so every waiter re-checks the rescind flag.
 */
struct vmbus_channel_msginfo *vmbus_msginfo_alloc(struct vmbus_channel *channel,
						  u32 msglen, u32 msgtype);
void vmbus_msginfo_queue(struct vmbus_channel_msginfo *info);
void vmbus_msginfo_dequeue(struct vmbus_channel_msginfo *info);
int vmbus_msginfo_post(struct vmbus_channel_msginfo *info);

/* gpadl.c */
int vmbus_gpadl_establish(struct vmbus_channel *channel,
			  enum hv_gpadl_type type, void *kbuffer, u32 size,
			  u32 send_offset, struct vmbus_gpadl *gpadl);
u32 vmbus_gpadl_ring_split(u32 send_offset);

/* requestor.c */
int vmbus_requestor_alloc(struct vmbus_requestor *rqstor, u32 size);
void vmbus_requestor_free(struct vmbus_requestor *rqstor);

#endif /* HVIS_CHANNEL_PRIV_H */
