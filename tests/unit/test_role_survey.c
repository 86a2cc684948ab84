/* SPDX-License-Identifier: Apache-2.0 */
/*
 * role_survey: the start-up decision from what the group's databases say
 * (cold start, power cut, primary's agent absent).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/role/role_survey.h"

static struct survey_node
node(const char *host, bool answered, bool replica, bool writable,
    const char *pos)
{
	struct survey_node n;

	memset(&n, 0, sizeof(n));
	snprintf(n.host, sizeof(n.host), "%s", host);
	n.port = 3306;
	n.answered = answered;
	n.replica = replica;
	n.writable = writable;
	assert_int_equal(gtid_parse(pos, &n.pos), 0);
	return n;
}

/* A healthy group: the primary keeps its role, the replicas wait for it. */
static void
test_healthy_group(void **state)
{
	struct survey_node h1 = node("", true, false, true, "0-1-100");
	struct survey_node h2 = node("", true, true, false, "0-1-100");
	struct survey_node p[2];
	struct survey_out o;

	(void)state;
	p[0] = node("198.51.100.12", true, true, false, "0-1-100");
	p[1] = node("198.51.100.13", true, true, false, "0-1-99");
	role_survey_decide(&h1, p, 2, &o);
	assert_int_equal(o.verdict, SURVEY_PRIMARY);
	assert_int_equal(o.peer, -1);
	assert_non_null(strstr(o.why, "stays primary"));

	p[0] = node("198.51.100.11", true, false, true, "0-1-100");
	role_survey_decide(&h2, p, 2, &o);
	assert_int_equal(o.verdict, SURVEY_WAIT_PRIMARY);
	assert_int_equal(o.peer, 0);
	assert_non_null(strstr(o.why, "198.51.100.11:3306"));
}

/* A writable primary wins even over a replica that is ahead of it. */
static void
test_writable_primary_beats_position(void **state)
{
	struct survey_node self = node("", true, true, false, "0-1-200");
	struct survey_node p = node("198.51.100.11", true, false, true,
	    "0-1-100");
	struct survey_out o;

	(void)state;
	role_survey_decide(&self, &p, 1, &o);
	assert_int_equal(o.verdict, SURVEY_WAIT_PRIMARY);
}

/* Power cut: every database read-only; the most advanced must lead. */
static void
test_power_cut_most_advanced(void **state)
{
	struct survey_node h1 = node("", true, false, false, "0-1-120");
	struct survey_node h2 = node("", true, true, false, "0-1-118");
	struct survey_node p[2];
	struct survey_out o;

	(void)state;
	/* h1, the former primary, is ahead: it stands. */
	p[0] = node("198.51.100.12", true, true, false, "0-1-118");
	p[1] = node("198.51.100.13", true, true, false, "0-1-117");
	role_survey_decide(&h1, p, 2, &o);
	assert_int_equal(o.verdict, SURVEY_STAND);
	/* h2 waits for h1. */
	p[0] = node("198.51.100.11", true, false, false, "0-1-120");
	role_survey_decide(&h2, p, 2, &o);
	assert_int_equal(o.verdict, SURVEY_WAIT_AHEAD);
	assert_int_equal(o.peer, 0);
	assert_false(o.soft);
	assert_non_null(strstr(o.why, "0-1-120"));
	/* A replica ahead of the former primary: the former primary waits. */
	h2 = node("", true, true, false, "0-1-121");
	p[0] = node("198.51.100.12", true, true, false, "0-1-121");
	role_survey_decide(&h1, p, 2, &o);
	assert_int_equal(o.verdict, SURVEY_WAIT_AHEAD);
	assert_int_equal(o.peer, 0);
	p[0] = node("198.51.100.11", true, false, false, "0-1-120");
	role_survey_decide(&h2, p, 2, &o);
	assert_int_equal(o.verdict, SURVEY_STAND);
}

/* Equal positions: the former primary goes first, replicas tie. */
static void
test_equal_positions(void **state)
{
	struct survey_node h2 = node("", true, true, false, "0-1-50");
	struct survey_node p[2];
	struct survey_out o;

	(void)state;
	p[0] = node("198.51.100.11", true, false, false, "0-1-50");
	p[1] = node("198.51.100.13", true, true, false, "0-1-50");
	role_survey_decide(&h2, p, 2, &o);
	assert_int_equal(o.verdict, SURVEY_WAIT_AHEAD);
	assert_int_equal(o.peer, 0);
	assert_non_null(strstr(o.why, "former primary"));
	assert_true(o.soft);
	/* Without the former primary, equal replicas both stand. */
	p[0].answered = false;
	role_survey_decide(&h2, p, 2, &o);
	assert_int_equal(o.verdict, SURVEY_STAND);
	assert_int_equal(o.peer, -1);
}

/* Peers that did not answer say nothing; other domains count. */
static void
test_unanswered_and_domains(void **state)
{
	struct survey_node self = node("", true, true, false, "0-1-10");
	struct survey_node p[2];
	struct survey_out o;

	(void)state;
	p[0] = node("198.51.100.11", false, false, true, "0-1-99");
	p[1] = node("198.51.100.13", true, true, false, "0-1-10,1-3-4");
	role_survey_decide(&self, p, 2, &o);
	assert_int_equal(o.verdict, SURVEY_WAIT_AHEAD);
	assert_int_equal(o.peer, 1);
	assert_non_null(strstr(o.why, "1-3-4"));
	role_survey_decide(&self, p, 0, &o);
	assert_int_equal(o.verdict, SURVEY_STAND);
}

/* Two writable primaries: both stand, and the message says so. */
static void
test_two_primaries(void **state)
{
	struct survey_node self = node("", true, false, true, "0-1-10");
	struct survey_node p = node("198.51.100.12", true, false, true,
	    "0-2-3");
	struct survey_out o;

	(void)state;
	role_survey_decide(&self, &p, 1, &o);
	assert_int_equal(o.verdict, SURVEY_PRIMARY);
	assert_non_null(strstr(o.why, "two primaries"));
	assert_string_equal(role_survey_name(o.verdict), "primary");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_group),
		cmocka_unit_test(test_writable_primary_beats_position),
		cmocka_unit_test(test_power_cut_most_advanced),
		cmocka_unit_test(test_equal_positions),
		cmocka_unit_test(test_unanswered_and_domains),
		cmocka_unit_test(test_two_primaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
