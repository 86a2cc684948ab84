/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The string buffer and JSON string writer (agent/core/sbuf.c): growing
 * and fixed buffers, overflow leaves a fixed buffer untouched, and JSON
 * escaping of quotes, backslash, control characters, DEL, valid UTF-8
 * (kept) and invalid UTF-8 (each bad byte becomes \ufffd, never passed
 * through).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/core/sbuf.h"

static void
test_grow(void **state)
{
	struct sbuf b = { 0 };
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		sbuf_printf(&b, "%03d,", i);
	assert_false(b.oom);
	assert_int_equal(b.len, 4000);
	assert_int_equal(strlen(b.s), 4000);
	assert_memory_equal(b.s + 3996, "999,", 4);
	sbuf_free(&b);
	assert_null(b.s);
}

static void
test_append_and_truncate(void **state)
{
	struct sbuf a = { 0 }, b = { 0 };

	(void)state;
	sbuf_printf(&a, "abc");
	sbuf_printf(&b, "x");
	sbuf_append(&b, &a);
	assert_string_equal(b.s, "xabc");
	sbuf_truncate(&b, 2);
	assert_string_equal(b.s, "xa");
	a.oom = true;
	sbuf_append(&b, &a);
	assert_true(b.oom);
	sbuf_free(&a);
	sbuf_free(&b);
}

static void
test_fixed_overflow(void **state)
{
	char buf[8];
	struct sbuf b;

	(void)state;
	memset(buf, 'z', sizeof(buf));
	sbuf_fixed(&b, buf, sizeof(buf), 0);
	sbuf_printf(&b, "abc");
	assert_string_equal(buf, "abc");
	/* 5 more plus the NUL do not fit: nothing appended, oom set. */
	sbuf_printf(&b, "defgh");
	assert_true(b.oom);
	assert_string_equal(buf, "abc");
	/* Nothing after an overflow either, even what would fit. */
	sbuf_printf(&b, "d");
	assert_string_equal(buf, "abc");
	/* Exactly full is fine. */
	sbuf_fixed(&b, buf, sizeof(buf), 3);
	sbuf_printf(&b, "defg");
	assert_false(b.oom);
	assert_string_equal(buf, "abcdefg");
	/* An offset at or past the end is an overflow. */
	sbuf_fixed(&b, buf, sizeof(buf), sizeof(buf));
	assert_true(b.oom);
}

static const char *
json(struct sbuf *b, const char *s)
{
	sbuf_truncate(b, 0);
	sbuf_json_str(b, s);
	assert_false(b->oom);
	return b->s;
}

static void
test_json_escapes(void **state)
{
	struct sbuf b = { 0 };

	(void)state;
	sbuf_printf(&b, "-");
	assert_string_equal(json(&b, ""), "\"\"");
	assert_string_equal(json(&b, "db\"vip"), "\"db\\\"vip\"");
	assert_string_equal(json(&b, "a\\b"), "\"a\\\\b\"");
	assert_string_equal(json(&b, "l1\nl2\tx\r"), "\"l1\\nl2\\tx\\r\"");
	assert_string_equal(json(&b, "\x01\x1f\x7f"),
	    "\"\\u0001\\u001f\\u007f\"");
	assert_string_equal(json(&b, "plain ascii / ok"),
	    "\"plain ascii / ok\"");
	sbuf_free(&b);
}

static void
test_json_utf8(void **state)
{
	struct sbuf b = { 0 };

	(void)state;
	sbuf_printf(&b, "-");
	/* Valid: é (2), € (3), 😀 (4), U+10FFFF: kept as they are. */
	assert_string_equal(json(&b, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"
	    " \xf4\x8f\xbf\xbf"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"
	    " \xf4\x8f\xbf\xbf\"");
	/* A stray continuation byte and a Latin-1 byte. */
	assert_string_equal(json(&b, "a\x80" "b\xe9" "c"),
	    "\"a\\ufffdb\\ufffdc\"");
	/* Overlong forms of '/' and of NUL. */
	assert_string_equal(json(&b, "\xc0\xaf\xe0\x80\xaf"),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* A surrogate (U+D800) and past U+10FFFF. */
	assert_string_equal(json(&b, "\xed\xa0\x80"),
	    "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(json(&b, "\xf4\x90\x80\x80"),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* Truncated at the end of the string: the NUL is not eaten. */
	assert_string_equal(json(&b, "x\xe2\x82"), "\"x\\ufffd\\ufffd\"");
	sbuf_free(&b);
}

static void
test_json_fixed_overflow(void **state)
{
	char buf[10];
	struct sbuf b;

	(void)state;
	sbuf_fixed(&b, buf, sizeof(buf), 0);
	sbuf_json_str(&b, "0123456789");
	assert_true(b.oom);
	sbuf_truncate(&b, 0);
	assert_false(b.oom);
	assert_string_equal(buf, "");
	sbuf_json_str(&b, "abc");
	assert_string_equal(buf, "\"abc\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_append_and_truncate),
		cmocka_unit_test(test_fixed_overflow),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_json_fixed_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
