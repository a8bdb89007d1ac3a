/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv_vmbus exports that <linux/hyperv.h> does not declare: in-tree ones
 * whose prototypes live in the bus's private header there, and hvis's own
 * for uio_hv_generic, which in-tree reaches into the private
 * vmbus_connection for (hvis does not export it: its layout differs).
 */
#ifndef HVIS_VMBUS_EXPORTS_H
#define HVIS_VMBUS_EXPORTS_H

#include "compat.h"

struct hv_device;
struct vm_area_struct;
struct vmbus_channel;

void vmbus_device_unregister(struct hv_device *device_obj);
#if HVIS_HAVE_RING_SYSFS
int hv_create_ring_sysfs(struct vmbus_channel *channel,
			 int (*hv_mmap_ring_buffer)(struct vmbus_channel *channel,
						    struct vm_area_struct *vma));
int hv_remove_ring_sysfs(struct vmbus_channel *channel);
#endif

/*
 * The connection's interrupt page (two pages: host-to-guest, then
 * guest-to-host) and guest-to-host monitor page: what a user-space VSC maps
 * to signal the host without a hypercall.  Valid while a device of the
 * caller's is bound (the bus frees them only after removing every device).
 */
void *hvis_vmbus_int_page(void);
void *hvis_vmbus_monitor_page(void);

/* channel_mutex: held, a primary's sc_list does not change. */
void hvis_vmbus_channels_lock(void);
void hvis_vmbus_channels_unlock(void);

#endif /* HVIS_VMBUS_EXPORTS_H */
