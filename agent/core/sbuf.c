/* SPDX-License-Identifier: Apache-2.0 */
#include "sbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sbuf_fixed(struct sbuf *b, char *buf, size_t cap, size_t off)
{
	memset(b, 0, sizeof(*b));
	b->s = buf;
	b->cap = cap;
	b->fixed = true;
	if (cap == 0 || off >= cap) {
		b->oom = true;
		b->len = cap;
		return;
	}
	b->len = off;
	buf[off] = '\0';
}

/* Room for need more bytes and the NUL; false (and oom) if none. */
static bool
sbuf_room(struct sbuf *b, size_t need)
{
	size_t want = b->len + need + 1, ncap;
	char *ns;

	if (want <= b->cap)
		return true;
	if (b->fixed) {
		b->oom = true;
		return false;
	}
	ncap = b->cap == 0 ? 256 : b->cap;
	while (ncap < want)
		ncap *= 2;
	if ((ns = realloc(b->s, ncap)) == NULL) {
		b->oom = true;
		return false;
	}
	b->s = ns;
	b->cap = ncap;
	return true;
}

void
sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->oom)
		return;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!sbuf_room(b, (size_t)n))
		return;
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
sbuf_append(struct sbuf *b, const struct sbuf *o)
{
	if (o->oom)
		b->oom = true;
	else if (o->len > 0)
		sbuf_printf(b, "%.*s", (int)o->len, o->s);
}

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
 */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void
sbuf_json_str(struct sbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	sbuf_printf(b, "\"");
	while (*s != '\0' && !b->oom) {
		if (*s == '"' || *s == '\\')
			sbuf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			sbuf_printf(b, "\\n");
		else if (*s == '\t')
			sbuf_printf(b, "\\t");
		else if (*s == '\r')
			sbuf_printf(b, "\\r");
		else if (*s < 0x20 || *s == 0x7f)
			sbuf_printf(b, "\\u%04x", *s);
		else if ((n = utf8_len(s)) == 0)
			sbuf_printf(b, "\\ufffd");
		else {
			sbuf_printf(b, "%.*s", (int)n, (const char *)s);
			s += n;
			continue;
		}
		s++;
	}
	sbuf_printf(b, "\"");
}

void
sbuf_truncate(struct sbuf *b, size_t len)
{
	if (len > b->len || b->s == NULL)
		return;
	b->len = len;
	if (len < b->cap)
		b->s[len] = '\0';
	b->oom = false;
}

void
sbuf_free(struct sbuf *b)
{
	if (!b->fixed)
		free(b->s);
	memset(b, 0, sizeof(*b));
}
