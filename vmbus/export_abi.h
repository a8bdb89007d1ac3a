/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel headers an exporting hv_vmbus file must see so that its exports
 * carry the same symbol CRCs as the in-tree hv_vmbus.
 *
 * Why: with CONFIG_MODVERSIONS (Debian sets it) genksyms computes each
 * export's CRC from the full definition of every type its prototype reaches
 * (struct hv_device reaches struct device, struct module, struct mm_struct,
 * ...), but only as far as those definitions are visible in the exporting
 * translation unit; a struct that is only declared there counts as
 * "UNKNOWN".  Debian's prebuilt modules that import hv_vmbus (hv_netvsc,
 * hv_sock, hv_utils, pci-hyperv, hyperv_drm, ...) record the CRCs of the
 * in-tree exporter and refuse to load next to a hv_vmbus whose CRCs differ.
 * So each hvis file that exports symbols sees exactly the headers of the
 * in-tree file that exports the same symbols: no fewer (a type would turn
 * UNKNOWN) and no more (a type the in-tree file leaves UNKNOWN would be
 * expanded).
 *
 * Use: define one HVIS_EXPORTS_LIKE_* naming that in-tree file, then include
 * this header before any other:
 *
 *	HVIS_EXPORTS_LIKE_VMBUS_DRV	vmbus_drv.c: driver registration, MMIO,
 *					(6.12) the channel "ring" sysfs file
 *	HVIS_EXPORTS_LIKE_CHANNEL	channel.c: ring setup, open/close,
 *					GPADLs, packets, requestor, setevent
 *	HVIS_EXPORTS_LIKE_RING_BUFFER	ring_buffer.c: hv_pkt_iter_*,
 *					hv_ringbuffer_*
 *	HVIS_EXPORTS_LIKE_CHANNEL_MGMT	channel_mgmt.c: vmbus_devs, negotiate
 *					response, hvsock unregister, callbacks
 *	HVIS_EXPORTS_LIKE_CONNECTION	connection.c: vmbus_set_event,
 *					vmbus_proto_version
 *
 * The five lists are not interchangeable: on 6.1 channel.c and ring_buffer.c
 * see struct iov_iter while channel_mgmt.c and connection.c do not; on 6.12
 * every file sees iov_iter, but struct vm_struct is visible only in
 * ring_buffer.c and connection.c (<linux/vmalloc.h>) and struct ldt_struct
 * only in vmbus_drv.c and channel_mgmt.c.  scripts/check-crcs.sh compares the
 * result with the kernel's Module.symvers.
 *
 * Only kernel headers belong here; the hvis headers a file includes after
 * this one must not define kernel types (they include <linux/hyperv.h> and
 * a few small headers that every list below already covers).
 */
#ifndef HVIS_VMBUS_EXPORT_ABI_H
#define HVIS_VMBUS_EXPORT_ABI_H

#include "compat.h"

/*
 * What every in-tree hv_vmbus file sees through its private hyperv_vmbus.h,
 * including <linux/tracepoint.h> from the trace events header: that one makes
 * struct trace_eval_map and struct static_call_mod (reached from struct
 * module) visible.
 */
#include <asm/hyperv-tlfs.h>
#include <asm/mshyperv.h>
#include <asm/sync_bitops.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/hyperv.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>

#if defined(HVIS_EXPORTS_LIKE_VMBUS_DRV)
/*
 * vmbus_drv.c reaches far: the ACPI, PCI, DMA and sysctl headers define
 * struct cdev, dma_map_ops, nsproxy, seq_file and others that its exports'
 * types point to.
 */
#include <clocksource/hyperv_timer.h>
#include <linux/acpi.h>
#include <linux/clockchips.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/efi.h>
#include <linux/init.h>
#include <linux/kernel_stat.h>
#include <linux/panic_notifier.h>
#include <linux/pci.h>
#include <linux/ptrace.h>
#include <linux/random.h>
#include <linux/sched/isolation.h>
#include <linux/sched/task_stack.h>
#include <linux/screen_info.h>
#include <linux/syscore_ops.h>
#include <linux/sysctl.h>
/*
 * Debian's 6.12 vmbus_drv.c adds the device-tree and platform-device
 * probing and the SynIC smpboot thread; 6.1's has neither.  hvis builds for
 * those two series only, so the split is at 6.12.
 */
#if HVIS_KERNEL_GE(6, 12)
#include <linux/of_address.h>
#include <linux/platform_device.h>
#include <linux/smpboot.h>
#endif

#elif defined(HVIS_EXPORTS_LIKE_CHANNEL)
#include <asm/page.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/set_memory.h>
#include <linux/uio.h>
#include <linux/wait.h>

#elif defined(HVIS_EXPORTS_LIKE_RING_BUFFER)
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/prefetch.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#elif defined(HVIS_EXPORTS_LIKE_CHANNEL_MGMT)
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/isolation.h>
#include <linux/wait.h>

#elif defined(HVIS_EXPORTS_LIKE_CONNECTION)
#include <linux/delay.h>
#include <linux/export.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/set_memory.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#else
#error "no HVIS_EXPORTS_LIKE_* defined: which in-tree file is this like?"
#endif

#endif /* HVIS_VMBUS_EXPORT_ABI_H */
