/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seam between the VMBus server and whatever delivers SynIC traffic to
 * and from the guest: the hvshm doorbell/BAR transport under QEMU, or KVM's
 * SynIC under the kvm backend.  The VMBus server never knows which.
 */
#ifndef HVCORE_TRANSPORT_H
#define HVCORE_TRANSPORT_H

#include <stdint.h>

struct transport;

struct transport_ops {
	/*
	 * Deliver one VMBus channel message (len <= 240) to SINT 2 of @vcpu.
	 * If the slot is busy the message is queued (bounded) and delivered
	 * in order after the guest's end-of-message.  Returns 0 or -errno.
	 */
	int (*post_to_guest)(struct transport *t, uint32_t vcpu,
			     const void *msg, uint32_t len);
	/* Set event flag @relid of SINT 2 on @vcpu and interrupt that vCPU. */
	void (*signal_guest)(struct transport *t, uint32_t vcpu, uint32_t relid);
	/*
	 * Optional.  The guest started over without an unload (a reboot): drop
	 * the messages still queued or sitting unread in its message slots for
	 * the connection that is gone, so that the new one's answers are not
	 * stuck behind them (its earlier interrupts went to a guest that was
	 * not listening).
	 */
	void (*drop_messages)(struct transport *t);
};

/*
 * What the transport calls when the guest talks (both on the event loop
 * thread).  post_message returns an HVIS_STATUS_* value that the guest sees as
 * the hypercall result; signal_event has no result.
 */
struct transport_client {
	uint32_t (*post_message)(void *opaque, uint32_t connection_id,
				 uint32_t message_type, const void *payload,
				 uint32_t payload_size);
	void (*signal_event)(void *opaque, uint32_t connection_id);
	void *opaque;
};

struct transport {
	const struct transport_ops *ops;
	struct transport_client client;
	uint32_t nr_vcpus;
};

#endif
