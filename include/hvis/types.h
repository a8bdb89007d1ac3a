/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Fixed-width types for the wire headers, usable from the kernel and from
 * user space.
 *
 * Every structure under include/hvis/ describes bytes exchanged with a peer on
 * the other side of VMBus.  Hyper-V is little-endian only (x86-64 and arm64
 * guests), so the fields are plain u8..u64 and are accessed directly; the user
 * space half (user_types.h) asserts the byte order once instead of
 * byte-swapping everywhere.
 */
#ifndef HVIS_TYPES_H
#define HVIS_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#define HVIS_STATIC_ASSERT(expr) static_assert(expr, #expr)
#else
#include "user_types.h"
#endif

#define HVIS_SIZE(type, n)		HVIS_STATIC_ASSERT(sizeof(type) == (n))
#define HVIS_OFFSET(type, field, n)	HVIS_STATIC_ASSERT(offsetof(type, field) == (n))

/* Who sends a message, in the protocols' validation tables. */
#define HVIS_DIR_H2G	1	/* host to guest */
#define HVIS_DIR_G2H	2	/* guest to host */

/* A GUID as it travels on the wire: the Windows mixed-endian byte layout. */
struct hvis_guid {
	u8 b[16];
};

HVIS_SIZE(struct hvis_guid, 16);

/* Build a wire GUID from its textual form aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee. */
#define HVIS_GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)		\
	{ { (a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff,		\
	    ((a) >> 24) & 0xff, (b) & 0xff, ((b) >> 8) & 0xff,		\
	    (c) & 0xff, ((c) >> 8) & 0xff,				\
	    (d0), (d1), (d2), (d3), (d4), (d5), (d6), (d7) } }

#define HVIS_PAGE_SHIFT	12
#define HVIS_PAGE_SIZE	(1u << HVIS_PAGE_SHIFT)

#endif /* HVIS_TYPES_H */
