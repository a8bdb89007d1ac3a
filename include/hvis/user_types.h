/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The kernel's fixed-width type names and __packed for the user-space users
 * of include/hvis/ (hvcore, the unit tests); types.h includes it outside the
 * kernel only.
 */
#ifndef HVIS_USER_TYPES_H
#define HVIS_USER_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;

#define HVIS_STATIC_ASSERT(expr) _Static_assert(expr, #expr)

#ifndef __packed
#define __packed __attribute__((packed))
#endif

/* Hyper-V is little-endian only; the wire structs are used as they are. */
HVIS_STATIC_ASSERT(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);

#endif /* HVIS_USER_TYPES_H */
