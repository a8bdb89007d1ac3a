/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Kernel primitives for the shared ring algorithm (include/ring/ring_ops.h).
 *
 * The virt_* barriers are used rather than smp_*: the peer is the host, not
 * another CPU of this kernel, so the ordering must hold even in a !SMP
 * build.
 */
#ifndef HVIS_RING_SHIM_KERNEL_H
#define HVIS_RING_SHIM_KERNEL_H

#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>

#define hvring_read_once(x)		READ_ONCE(x)
#define hvring_write_once(x, v)		WRITE_ONCE(x, v)
/* Pairs are named at each use in ring_ops.h (list at its top). */
#define hvring_load_acquire(p)		virt_load_acquire(p)
/* Pairs are named at each use in ring_ops.h (list at its top). */
#define hvring_store_release(p, v)	virt_store_release(p, v)
/* Pairs are named at each use in ring_ops.h (list at its top). */
#define hvring_mb()			virt_mb()
/* Pairs are named at each use in ring_ops.h (list at its top). */
#define hvring_rmb()			virt_rmb()
#define hvring_memcpy(d, s, n)		memcpy(d, s, n)
#define hvring_memset(d, c, n)		memset(d, c, n)

#endif /* HVIS_RING_SHIM_KERNEL_H */
