/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbuf: the one string buffer and JSON string writer.  A buffer either
 * grows (zero-initialised: malloc'd as it goes, the caller frees .s) or is
 * fixed (sbuf_fixed: the caller's array, never written past).  A printf
 * that does not fit (out of memory, or a full fixed buffer) sets .oom and
 * appends nothing; later calls then append nothing either.  .s is always
 * NUL-terminated once anything was appended (fixed: always).
 *
 * sbuf_json_str appends s as a JSON string: " and \ escaped, \n \t \r
 * short, other control characters and DEL as \u00XX, valid UTF-8 as it
 * is, and each byte of invalid UTF-8 (stray continuation bytes, overlong
 * forms, surrogates, beyond U+10FFFF, truncated sequences) as \ufffd, so
 * the output is always valid JSON whatever the input.
 */
#ifndef DBVIP_SBUF_H
#define DBVIP_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;			/* something did not fit */
	bool fixed;			/* s is the caller's array of cap */
};

/* A fixed buffer over buf[cap], content kept up to off (buf[off] = 0). */
void sbuf_fixed(struct sbuf *b, char *buf, size_t cap, size_t off);

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Append o's content (o's oom carries over). */
void sbuf_append(struct sbuf *b, const struct sbuf *o);
/* Append s as a JSON string, quotes included (rules above). */
void sbuf_json_str(struct sbuf *b, const char *s);
/* Cut back to len (len <= b->len), clearing oom: undo a partial append. */
void sbuf_truncate(struct sbuf *b, size_t len);
/* Free a growing buffer and zero it. */
void sbuf_free(struct sbuf *b);

#endif
