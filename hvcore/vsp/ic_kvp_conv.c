// SPDX-License-Identifier: GPL-2.0-only
/* UTF-8 <-> UTF-16LE for the KVP wire, strict both ways (no unpaired surrogates, no overlong forms). */
#include "ic_kvp.h"

#include <errno.h>
#include <string.h>

/* Units one at a time: the wire's UTF-16 fields sit unaligned in packed structs. */
static uint16_t kvp_unit(const void *p, size_t i)
{
	const uint8_t *b = (const uint8_t *)p + 2 * i;

	return (uint16_t)(b[0] | b[1] << 8);
}

static void kvp_set_unit(void *p, size_t i, uint32_t u)
{
	uint8_t *b = (uint8_t *)p + 2 * i;

	b[0] = (uint8_t)u;
	b[1] = (uint8_t)(u >> 8);
}

/* Decode one UTF-8 code point at @s (@n bytes left): its length, or -EILSEQ. */
static int kvp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	int len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2; c &= 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3; c &= 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4; c &= 0x07; min = 0x10000;
	} else {
		return -EILSEQ;
	}
	if ((size_t)len > n)
		return -EILSEQ;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -EILSEQ;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -EILSEQ;
	*cp = c;
	return len;
}

int kvp_utf8_to_utf16(const char *in, void *out, size_t out_units)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), o = 0;
	uint32_t cp;
	int len;

	while (n) {
		len = kvp_utf8_decode(s, n, &cp);
		if (len < 0)
			return len;
		s += len;
		n -= (size_t)len;
		if (cp >= 0x10000) {
			if (o + 2 >= out_units)
				return -ENOSPC;
			cp -= 0x10000;
			kvp_set_unit(out, o++, 0xd800 | (cp >> 10));
			kvp_set_unit(out, o++, 0xdc00 | (cp & 0x3ff));
		} else {
			if (o + 1 >= out_units)
				return -ENOSPC;
			kvp_set_unit(out, o++, cp);
		}
	}
	if (o >= out_units)
		return -ENOSPC;
	kvp_set_unit(out, o++, 0);
	return (int)o;
}

int kvp_utf16_to_utf8(const void *in, size_t in_units, char *out,
		      size_t out_len)
{
	size_t i, o = 0;
	uint32_t cp;

	for (i = 0; i < in_units && kvp_unit(in, i); i++) {
		cp = kvp_unit(in, i);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (i + 1 >= in_units || kvp_unit(in, i + 1) < 0xdc00 ||
			    kvp_unit(in, i + 1) > 0xdfff)
				return -EILSEQ;
			i++;
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			     (kvp_unit(in, i) - 0xdc00u);
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			return -EILSEQ;
		}
		if (o + 4 >= out_len)
			return -ENOSPC;
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xe0 | (cp >> 12));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | (cp >> 18));
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	if (o >= out_len)
		return -ENOSPC;
	out[o] = '\0';
	return (int)o;
}
