/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * UTF-8 <-> UTF-16LE for the KVP wire, written once for hv_utils (guest)
 * and hvcore: the host speaks UTF-16LE, the guest's daemon UTF-8.  Both
 * directions are strict (no unpaired surrogates, no overlong or truncated
 * UTF-8) and bounded, and read or write the UTF-16 side a byte at a time
 * because the wire's fields sit unaligned in packed structures.
 */
#ifndef HVIS_KVP_UTF_H
#define HVIS_KVP_UTF_H

#include "types.h"

#define HVIS_UTF_EILSEQ		(-1)	/* invalid input */
#define HVIS_UTF_ENOSPC		(-2)	/* output too small */

static inline u32 hvis_utf16_unit(const void *p, u32 i)
{
	const u8 *b = (const u8 *)p + 2 * i;

	return (u32)b[0] | (u32)b[1] << 8;
}

static inline void hvis_utf16_set_unit(void *p, u32 i, u32 u)
{
	u8 *b = (u8 *)p + 2 * i;

	b[0] = (u8)u;
	b[1] = (u8)(u >> 8);
}

/* One UTF-8 code point at @s (@n bytes left): its length, or EILSEQ. */
static inline int hvis_utf8_decode(const u8 *s, u32 n, u32 *cp)
{
	u32 c = s[0], min;
	int len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return HVIS_UTF_EILSEQ;
	}
	if ((u32)len > n)
		return HVIS_UTF_EILSEQ;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return HVIS_UTF_EILSEQ;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return HVIS_UTF_EILSEQ;
	*cp = c;
	return len;
}

/*
 * hvis_utf8_to_utf16 - @in_len bytes of UTF-8 (stopping early at a NUL)
 * into @out (@out_units units, any alignment) with a terminating 0 unit.
 * Returns the units written, terminator included, or HVIS_UTF_E*.
 */
static inline int hvis_utf8_to_utf16(const void *in, u32 in_len, void *out,
				     u32 out_units)
{
	const u8 *s = in;
	u32 o = 0, cp;
	int len;

	while (in_len && *s) {
		len = hvis_utf8_decode(s, in_len, &cp);
		if (len < 0)
			return len;
		s += len;
		in_len -= (u32)len;
		if (cp >= 0x10000) {
			if (o + 2 >= out_units)
				return HVIS_UTF_ENOSPC;
			cp -= 0x10000;
			hvis_utf16_set_unit(out, o++, 0xd800 | (cp >> 10));
			hvis_utf16_set_unit(out, o++, 0xdc00 | (cp & 0x3ff));
		} else {
			if (o + 1 >= out_units)
				return HVIS_UTF_ENOSPC;
			hvis_utf16_set_unit(out, o++, cp);
		}
	}
	if (o >= out_units)
		return HVIS_UTF_ENOSPC;
	hvis_utf16_set_unit(out, o++, 0);
	return (int)o;
}

/*
 * hvis_utf16_to_utf8 - at most @in_units units of @in (stopping at a 0
 * unit) into @out (@out_len bytes) with a terminating NUL.  Returns the
 * bytes written, NUL excluded, or HVIS_UTF_E*.
 */
static inline int hvis_utf16_to_utf8(const void *in, u32 in_units, void *out,
				     u32 out_len)
{
	u8 *d = out;
	u32 i, o = 0, cp, lo;

	for (i = 0; i < in_units && hvis_utf16_unit(in, i); i++) {
		cp = hvis_utf16_unit(in, i);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			lo = i + 1 < in_units ? hvis_utf16_unit(in, i + 1) : 0;
			if (lo < 0xdc00 || lo > 0xdfff)
				return HVIS_UTF_EILSEQ;
			i++;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			return HVIS_UTF_EILSEQ;
		}
		if (o + 4 >= out_len)
			return HVIS_UTF_ENOSPC;
		if (cp < 0x80) {
			d[o++] = (u8)cp;
		} else if (cp < 0x800) {
			d[o++] = (u8)(0xc0 | (cp >> 6));
			d[o++] = (u8)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			d[o++] = (u8)(0xe0 | (cp >> 12));
			d[o++] = (u8)(0x80 | ((cp >> 6) & 0x3f));
			d[o++] = (u8)(0x80 | (cp & 0x3f));
		} else {
			d[o++] = (u8)(0xf0 | (cp >> 18));
			d[o++] = (u8)(0x80 | ((cp >> 12) & 0x3f));
			d[o++] = (u8)(0x80 | ((cp >> 6) & 0x3f));
			d[o++] = (u8)(0x80 | (cp & 0x3f));
		}
	}
	if (o >= out_len)
		return HVIS_UTF_ENOSPC;
	d[o] = 0;
	return (int)o;
}

#endif /* HVIS_KVP_UTF_H */
