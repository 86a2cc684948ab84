/* SPDX-License-Identifier: Apache-2.0 */
/* The health gate: keepalived weight semantics, rise/fall, clamping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/core/gate.h"

static void
feed(struct gate_track *t, bool ok, int times)
{
	while (times-- > 0)
		gate_track_result(t, ok);
}

static void
test_unknown_counts_as_failing(void **state)
{
	struct gate_track t[2];
	struct gate_out o;

	(void)state;
	gate_track_init(&t[0], "ping", 0, 2, 2);
	gate_track_init(&t[1], "repl", 10, 1, 1);
	gate_compute(100, t, 2, &o);
	assert_true(o.fault);
	assert_int_equal(o.priority, 100);	/* +10 only while OK */
}

static void
test_rise_fall_hysteresis(void **state)
{
	struct gate_track t;

	(void)state;
	gate_track_init(&t, "ping", 0, 3, 2);
	assert_true(gate_track_result(&t, false));	/* first result decides */
	assert_int_equal(t.state, GATE_FAILING);
	assert_false(gate_track_result(&t, true));
	assert_false(gate_track_result(&t, true));
	assert_true(gate_track_result(&t, true));	/* third success */
	assert_int_equal(t.state, GATE_OK);
	assert_false(gate_track_result(&t, false));	/* one hiccup */
	assert_int_equal(t.state, GATE_OK);
	assert_false(gate_track_result(&t, true));	/* resets the count */
	assert_false(gate_track_result(&t, false));
	assert_true(gate_track_result(&t, false));	/* fall reached */
	assert_int_equal(t.state, GATE_FAILING);
	feed(&t, true, 2);
	assert_int_equal(t.state, GATE_FAILING);	/* rise is 3 */
	feed(&t, true, 1);
	assert_int_equal(t.state, GATE_OK);
}

static void
test_first_result_decides(void **state)
{
	struct gate_track t;

	(void)state;
	gate_track_init(&t, "ping", 0, 5, 5);
	assert_int_equal(t.state, GATE_UNKNOWN);
	assert_true(gate_track_result(&t, true));
	assert_int_equal(t.state, GATE_OK);
	feed(&t, false, 4);
	assert_int_equal(t.state, GATE_OK);		/* fall is 5 */
	feed(&t, false, 1);
	assert_int_equal(t.state, GATE_FAILING);
}

static void
test_weights(void **state)
{
	struct gate_track t[3];
	struct gate_out o;

	(void)state;
	gate_track_init(&t[0], "up", 20, 1, 1);
	gate_track_init(&t[1], "down", -30, 1, 1);
	gate_track_init(&t[2], "fault", 0, 1, 1);
	feed(&t[0], true, 1);
	feed(&t[1], true, 1);
	feed(&t[2], true, 1);
	gate_compute(100, t, 3, &o);
	assert_false(o.fault);
	assert_int_equal(o.priority, 120);
	assert_string_equal(o.why, "100 +20 up(ok) = 120");

	feed(&t[0], false, 1);
	feed(&t[1], false, 1);
	gate_compute(100, t, 3, &o);
	assert_int_equal(o.priority, 70);
	assert_string_equal(o.why, "100 -30 down(failing) = 70");

	feed(&t[2], false, 1);
	gate_compute(100, t, 3, &o);
	assert_true(o.fault);
	assert_non_null(strstr(o.why, "FAULT fault(failing)"));
}

static void
test_clamp(void **state)
{
	struct gate_track t;
	struct gate_out o;

	(void)state;
	gate_track_init(&t, "big", 200, 1, 1);
	feed(&t, true, 1);
	gate_compute(100, &t, 1, &o);
	assert_int_equal(o.priority, 254);	/* 255 is the owner's */
	gate_track_init(&t, "neg", -200, 1, 1);
	feed(&t, false, 1);
	gate_compute(100, &t, 1, &o);
	assert_int_equal(o.priority, 1);	/* never 0: that means "leaving" */
	gate_compute(255, &t, 1, &o);
	assert_int_equal(o.priority, 255);	/* the owner stays the owner */
}

static void
test_no_tracks(void **state)
{
	struct gate_out o;

	(void)state;
	gate_compute(150, NULL, 0, &o);
	assert_int_equal(o.priority, 150);
	assert_false(o.fault);
	assert_string_equal(o.why, "150 = 150");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_counts_as_failing),
		cmocka_unit_test(test_rise_fall_hysteresis),
		cmocka_unit_test(test_first_result_decides),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_no_tracks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
