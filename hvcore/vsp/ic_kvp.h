/* SPDX-License-Identifier: GPL-2.0-only */
/* The KVP IC's string conversions, shared by ic_kvp.c and its unit test. */
#ifndef HVCORE_VSP_IC_KVP_H
#define HVCORE_VSP_IC_KVP_H

#include <stddef.h>
#include <stdint.h>

/*
 * @in (NUL-terminated UTF-8) into @out (any alignment) as UTF-16LE with a terminating 0
 * unit: the units written, terminator included; -EILSEQ for invalid UTF-8,
 * -ENOSPC when @out_units is too small.
 */
int kvp_utf8_to_utf16(const char *in, void *out, size_t out_units);

/*
 * At most @in_units UTF-16LE units of @in (up to a 0 unit) into @out as
 * NUL-terminated UTF-8: the bytes written, NUL excluded; -EILSEQ for an
 * unpaired surrogate, -ENOSPC when @out_len is too small.
 */
int kvp_utf16_to_utf8(const void *in, size_t in_units, char *out,
		      size_t out_len);

#endif /* HVCORE_VSP_IC_KVP_H */
