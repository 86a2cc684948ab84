/* SPDX-License-Identifier: Apache-2.0 */
/* GTID lists: parsing, per-domain position order, errant transactions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/role/gtid.h"

static void
test_parse(void **state)
{
	struct gtid_list l;
	char buf[128];

	(void)state;
	assert_int_equal(gtid_parse("", &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(gtid_parse(NULL, &l), 0);
	assert_int_equal(l.n, 0);
	/* SHOW SLAVE STATUS wraps long lists after the comma. */
	assert_int_equal(gtid_parse("0-11-5,\n1-12-18446744073709551615", &l),
	    0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.g[0].domain, 0);
	assert_int_equal(l.g[0].server, 11);
	assert_int_equal(l.g[0].seq, 5);
	assert_true(l.g[1].seq == UINT64_MAX);
	gtid_format(&l, buf, sizeof(buf));
	assert_string_equal(buf, "0-11-5,1-12-18446744073709551615");
	assert_int_equal(gtid_parse("0-11", &l), -1);
	assert_int_equal(gtid_parse("0-11-5,", &l), -1);
	assert_int_equal(gtid_parse("0-11-x", &l), -1);
	assert_int_equal(gtid_parse("0-4294967296-1", &l), -1);
	assert_int_equal(gtid_parse("-1-2-3", &l), -1);
}

static void
test_pos_ahead(void **state)
{
	struct gtid_list a, b;
	char which[64] = "";

	(void)state;
	gtid_parse("0-11-100", &a);
	gtid_parse("0-12-99", &b);
	/* Per domain by seq, whatever server wrote it. */
	assert_true(gtid_pos_ahead(&a, &b, which, sizeof(which)));
	assert_string_equal(which, "0-11-100");
	assert_false(gtid_pos_ahead(&b, &a, NULL, 0));
	gtid_parse("0-11-100", &b);
	assert_false(gtid_pos_ahead(&a, &b, NULL, 0));
	/* A domain the other lacks is ahead; an empty list is never. */
	gtid_parse("0-11-100,1-11-1", &a);
	assert_true(gtid_pos_ahead(&a, &b, which, sizeof(which)));
	assert_string_equal(which, "1-11-1");
	gtid_parse("", &a);
	assert_false(gtid_pos_ahead(&a, &b, NULL, 0));
	assert_true(gtid_pos_ahead(&b, &a, NULL, 0));
}

static void
test_pos_merge(void **state)
{
	struct gtid_list a, b;
	char buf[128];

	(void)state;
	gtid_parse("0-11-100,2-11-7", &a);
	gtid_parse("0-12-120,1-12-3,2-12-5", &b);
	gtid_pos_merge(&a, &b);
	gtid_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "0-12-120,2-11-7,1-12-3");
}

static void
test_errant(void **state)
{
	struct gtid_list mine, theirs, e;
	char buf[128];

	(void)state;
	/* A former primary (11) whose last writes reached the new one. */
	gtid_parse("0-11-100", &mine);
	gtid_parse("0-11-100,0-12-150", &theirs);
	assert_int_equal(gtid_errant(&mine, &theirs, &e), 0);
	/* One more of its own that never left it: errant. */
	gtid_parse("0-11-101", &mine);
	assert_int_equal(gtid_errant(&mine, &theirs, &e), 1);
	gtid_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "0-11-101");
	/* A higher seq from another server does not cover ours. */
	gtid_parse("0-11-100,0-13-5", &mine);
	gtid_parse("0-12-900", &theirs);
	assert_int_equal(gtid_errant(&mine, &theirs, NULL), 2);
	/* Nothing written locally: nothing errant. */
	gtid_parse("", &mine);
	assert_int_equal(gtid_errant(&mine, &theirs, &e), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_pos_ahead),
		cmocka_unit_test(test_pos_merge),
		cmocka_unit_test(test_errant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
