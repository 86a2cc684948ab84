/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure parts of the health checks: value comparison, SHOW SLAVE STATUS
 * row interpretation, Galera status interpretation, heartbeat table names,
 * check type names and config validation.  Inputs are strings as MariaDB
 * 10.11 prints them (e.g. Slave_IO_Running "Connecting", a NULL
 * Seconds_Behind_Master while the SQL thread is stopped).  No I/O.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../checks/check.h"
#include "../../checks/check_eval.h"

static bool
cmp(const char *got, char op, const char *expect)
{
	char msg[128];

	return check_eval_compare(got, op, expect, msg, sizeof(msg));
}

static void
test_compare_numeric(void **state)
{
	(void)state;
	assert_true(cmp("42", '=', "42"));
	assert_true(cmp("42", '=', "42.0"));	/* numbers, not strings */
	assert_true(cmp(" 7 ", '=', "7"));
	assert_true(cmp("3", '<', "10"));	/* "3" > "10" as strings */
	assert_false(cmp("10", '<', "3"));
	assert_true(cmp("10", '>', "3"));
	assert_false(cmp("3", '>', "3"));
	assert_false(cmp("3", '<', "3"));
	assert_true(cmp("-1", '<', "0"));
	assert_true(cmp("1e3", '=', "1000"));
	assert_true(cmp("0.5", '<', "1"));
	/* Beyond 2^53 a double cannot tell these apart; int64 can. */
	assert_true(cmp("9007199254740993", '>', "9007199254740992"));
	assert_false(cmp("9007199254740993", '=', "9007199254740992"));
}

static void
test_compare_strings(void **state)
{
	char msg[128];

	(void)state;
	assert_true(cmp("ON", '=', "ON"));
	assert_false(cmp("ON", '=', "on"));
	assert_false(cmp("Primary", '=', "Primary "));
	/* Order needs numbers: a word is not silently compared. */
	assert_false(check_eval_compare("abc", '<', "5", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "not numeric"));
	assert_false(cmp("nan", '=', "nan") && check_eval_is_number("nan"));
	assert_false(check_eval_is_number("inf"));
	assert_false(check_eval_is_number("0x10"));
	assert_false(check_eval_is_number(""));
	assert_false(check_eval_is_number("1e"));
	assert_false(check_eval_is_number("."));
	assert_true(check_eval_is_number("-.5"));
	assert_true(check_eval_is_number("+3E-2"));
}

static void
test_compare_null_and_op(void **state)
{
	char msg[128];

	(void)state;
	assert_false(check_eval_compare(NULL, '=', "1", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "NULL"));
	assert_false(check_eval_compare("1", '!', "1", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "operator"));
	assert_false(check_eval_compare("1", '\0', "1", msg, sizeof(msg)));
}

static const struct check_repl_row healthy = {
	.io_running = "Yes", .sql_running = "Yes", .seconds_behind = "0",
	.last_io_errno = "0", .last_io_error = "",
	.last_sql_errno = "0", .last_sql_error = "",
};

static void
test_repl_not_a_replica(void **state)
{
	struct check_result r;

	(void)state;
	memset(&r, 0x55, sizeof(r));
	check_eval_replication(NULL, 10, &r);
	assert_true(r.ok);
	assert_string_equal(r.msg, "not a replica");
	assert_int_equal(r.lag_s, -1);
}

static void
test_repl_healthy_and_lag(void **state)
{
	struct check_result r;
	struct check_repl_row row = healthy;

	(void)state;
	check_eval_replication(&row, 10, &r);
	assert_true(r.ok);
	assert_true(r.io_running && r.sql_running);
	assert_int_equal(r.lag_s, 0);

	row.seconds_behind = "10";		/* at the limit: passes */
	check_eval_replication(&row, 10, &r);
	assert_true(r.ok);
	assert_int_equal(r.lag_s, 10);

	row.seconds_behind = "11";
	check_eval_replication(&row, 10, &r);
	assert_false(r.ok);
	assert_int_equal(r.lag_s, 11);
	assert_true(r.io_running && r.sql_running);
	assert_non_null(strstr(r.msg, "lag 11 s > 10 s"));

	row.seconds_behind = NULL;		/* unknown lag never passes */
	check_eval_replication(&row, 10, &r);
	assert_false(r.ok);
	assert_int_equal(r.lag_s, -1);
	assert_non_null(strstr(r.msg, "NULL"));
}

static void
test_repl_io_connecting(void **state)
{
	struct check_result r;
	struct check_repl_row row = healthy;

	(void)state;
	/* The primary went away: what 10.11 shows on the replica. */
	row.io_running = "Connecting";
	row.seconds_behind = NULL;
	row.last_io_errno = "2003";
	row.last_io_error = "error reconnecting to master 'repl@198.51.100.11:"
	    "3306' - retry-time: 1  maximum-retries: 100000  message: Can't "
	    "connect to server on '198.51.100.11' (111 \"Connection refused\")";
	check_eval_replication(&row, 10, &r);
	assert_false(r.ok);
	assert_false(r.io_running);
	assert_true(r.sql_running);
	assert_non_null(strstr(r.msg, "IO thread Connecting"));
	assert_non_null(strstr(r.msg, "IO error 2003: error reconnecting"));
	assert_true(strlen(r.msg) < sizeof(r.msg));

	/* Positions unknown above; known and all applied: the replica is
	   sound, only its primary is gone. */
	row.master_log_file = "bin.000001";
	row.read_master_log_pos = "496";
	row.relay_master_log_file = "bin.000001";
	row.exec_master_log_pos = "496";
	check_eval_replication(&row, 10, &r);
	assert_true(r.ok);
	assert_false(r.io_running);
	assert_int_equal(r.lag_s, -1);
	assert_non_null(strstr(r.msg, "primary unreachable"));
	assert_non_null(strstr(r.msg, "IO error 2003"));

	/* Still applying what it received (a lagging replica): fails. */
	row.exec_master_log_pos = "328";
	check_eval_replication(&row, 10, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.msg, "IO thread Connecting"));
	row.exec_master_log_pos = "496";
	row.relay_master_log_file = "bin.000000";
	check_eval_replication(&row, 10, &r);
	assert_false(r.ok);
	row.relay_master_log_file = "bin.000001";

	/* The SQL thread stopped, or stopped on an error: fails. */
	row.sql_running = "No";
	check_eval_replication(&row, 10, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.msg, "SQL thread No"));
	row.sql_running = "Yes";
	row.last_sql_errno = "1062";
	row.last_sql_error = "Duplicate entry";
	check_eval_replication(&row, 10, &r);
	assert_false(r.ok);

	/* IO thread stopped by hand (STOP SLAVE IO_THREAD): fails. */
	row.last_sql_errno = "0";
	row.last_sql_error = "";
	row.io_running = "No";
	check_eval_replication(&row, 10, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.msg, "IO thread No"));
}

static void
test_repl_sql_error(void **state)
{
	struct check_result r;
	struct check_repl_row row = healthy;

	(void)state;
	row.sql_running = "No";
	row.seconds_behind = NULL;
	row.last_sql_errno = "1062";
	row.last_sql_error = "Could not execute Write_rows_v1 event on table "
	    "app.t; Duplicate entry '1' for key 'PRIMARY'";
	check_eval_replication(&row, 10, &r);
	assert_false(r.ok);
	assert_true(r.io_running);
	assert_false(r.sql_running);
	assert_non_null(strstr(r.msg, "SQL thread No"));
	assert_non_null(strstr(r.msg, "SQL error 1062: Could not execute"));
	assert_null(strstr(r.msg, "IO error"));

	/* Both stopped by STOP SLAVE: no error text, still a failure. */
	row = healthy;
	row.io_running = "No";
	row.sql_running = "No";
	row.seconds_behind = NULL;
	check_eval_replication(&row, 10, &r);
	assert_false(r.ok);
	assert_false(r.io_running || r.sql_running);
	assert_null(strstr(r.msg, "error"));
}

static const struct check_galera_status synced = {
	.cluster_status = "Primary", .local_state = "4", .ready = "ON",
	.connected = "ON", .cluster_size = "3",
};

static void
test_galera_synced(void **state)
{
	struct check_result r;
	struct check_galera_status g = synced;

	(void)state;
	check_eval_galera(&g, 2, false, &r);
	assert_true(r.ok);
	assert_non_null(strstr(r.msg, "Synced"));
	check_eval_galera(&g, 3, false, &r);
	assert_true(r.ok);
	check_eval_galera(&g, 4, false, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.msg, "cluster size 3 < 4"));
	check_eval_galera(&g, 0, false, &r);	/* 0 means 1 */
	assert_true(r.ok);
}

static void
test_galera_donor(void **state)
{
	struct check_result r;
	struct check_galera_status g = synced;

	(void)state;
	g.local_state = "2";
	check_eval_galera(&g, 1, false, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.msg, "local state 2"));
	check_eval_galera(&g, 1, true, &r);
	assert_true(r.ok);
	g.local_state = "1";			/* Joining: never good */
	check_eval_galera(&g, 1, true, &r);
	assert_false(r.ok);
}

static void
test_galera_non_primary(void **state)
{
	struct check_result r;
	struct check_galera_status g = {
		/* The last survivor of a 3-node cluster, killed 2 of 3. */
		.cluster_status = "non-Primary", .local_state = "0",
		.ready = "OFF", .connected = "ON", .cluster_size = "1",
	};

	(void)state;
	check_eval_galera(&g, 1, true, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.msg, "cluster non-Primary"));
	assert_non_null(strstr(r.msg, "local state 0"));
	assert_non_null(strstr(r.msg, "not ready"));
	assert_null(strstr(r.msg, "not connected"));
}

static void
test_galera_not_galera(void **state)
{
	struct check_result r;
	struct check_galera_status none = { 0 };
	struct check_galera_status g = synced;

	(void)state;
	check_eval_galera(&none, 1, false, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.msg, "not a Galera node"));
	g.connected = NULL;
	check_eval_galera(&g, 1, false, &r);
	assert_false(r.ok);
	assert_non_null(strstr(r.msg, "not connected"));
}

static void
test_table_names(void **state)
{
	char d[65], t[65], long_name[80];

	(void)state;
	assert_int_equal(check_eval_table("dbvip.heartbeat", d, sizeof(d), t,
	    sizeof(t)), 0);
	assert_string_equal(d, "dbvip");
	assert_string_equal(t, "heartbeat");
	assert_int_equal(check_eval_table("hb", d, sizeof(d), t, sizeof(t)),
	    0);
	assert_string_equal(d, "dbvip");
	assert_string_equal(t, "hb");
	assert_int_equal(check_eval_table("a`b.c", d, sizeof(d), t,
	    sizeof(t)), -1);
	assert_int_equal(check_eval_table("a.b.c", d, sizeof(d), t,
	    sizeof(t)), -1);
	assert_int_equal(check_eval_table(".c", d, sizeof(d), t, sizeof(t)),
	    -1);
	assert_int_equal(check_eval_table("a.", d, sizeof(d), t, sizeof(t)),
	    -1);
	assert_int_equal(check_eval_table("x; DROP", d, sizeof(d), t,
	    sizeof(t)), -1);
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	assert_int_equal(check_eval_table(long_name, d, sizeof(d), t,
	    sizeof(t)), -1);
}

static void
test_type_names(void **state)
{
	(void)state;
	assert_int_equal(check_type_parse("ping"), CHECK_PING);
	assert_int_equal(check_type_parse("read_only"), CHECK_READ_ONLY);
	assert_int_equal(check_type_parse("script"), CHECK_SCRIPT);
	assert_int_equal(check_type_parse("Ping"), -1);
	assert_int_equal(check_type_parse(""), -1);
	assert_string_equal(check_type_name(CHECK_GALERA), "galera");
	assert_string_equal(check_type_name((enum check_type)99), "unknown");
}

static void
test_validate(void **state)
{
	struct check_conf cc;
	struct check_db db;
	char err[128];

	(void)state;
	memset(&cc, 0, sizeof(cc));
	memset(&db, 0, sizeof(db));
	cc.type = CHECK_PING;
	cc.timeout_ms = 1000;
	snprintf(db.socket, sizeof(db.socket), "/run/mysqld/mysqld.sock");
	assert_int_equal(check_validate(&cc, &db, err, sizeof(err)), 0);
	assert_int_equal(check_validate(&cc, NULL, err, sizeof(err)), -1);
	db.socket[0] = '\0';
	snprintf(db.host, sizeof(db.host), "db1.example");
	assert_int_equal(check_validate(&cc, &db, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "numeric"));
	snprintf(db.host, sizeof(db.host), "2001:db8::5");
	assert_int_equal(check_validate(&cc, &db, err, sizeof(err)), 0);
	cc.timeout_ms = 0;
	assert_int_equal(check_validate(&cc, &db, err, sizeof(err)), -1);
	cc.timeout_ms = 1000;

	cc.type = CHECK_SQL;
	assert_int_equal(check_validate(&cc, &db, err, sizeof(err)), -1);
	snprintf(cc.query, sizeof(cc.query), "SELECT 1");
	cc.expect_op = '>';
	snprintf(cc.expect, sizeof(cc.expect), "abc");
	assert_int_equal(check_validate(&cc, &db, err, sizeof(err)), -1);
	snprintf(cc.expect, sizeof(cc.expect), "5");
	assert_int_equal(check_validate(&cc, &db, err, sizeof(err)), 0);

	cc.type = CHECK_WRITE;
	snprintf(cc.table, sizeof(cc.table), "bad name");
	assert_int_equal(check_validate(&cc, &db, err, sizeof(err)), -1);
	assert_null(check_new(&cc, &db));

	cc.type = CHECK_SCRIPT;
	assert_int_equal(check_validate(&cc, NULL, err, sizeof(err)), -1);
	snprintf(cc.command, sizeof(cc.command), "true");
	assert_int_equal(check_validate(&cc, NULL, err, sizeof(err)), 0);
}

static void
test_scrub(void **state)
{
	char msg[16];

	(void)state;
	snprintf(msg, sizeof(msg), "pw=ab, ab!");
	check_eval_scrub(msg, sizeof(msg), "ab");
	assert_string_equal(msg, "pw=***, ***!");
	/* Longer after scrubbing than the buffer: truncated, terminated. */
	snprintf(msg, sizeof(msg), "x x x x x x x x");
	check_eval_scrub(msg, sizeof(msg), "x");
	assert_null(strchr(msg, 'x'));
	assert_true(strlen(msg) < sizeof(msg));
	snprintf(msg, sizeof(msg), "no secret");
	check_eval_scrub(msg, sizeof(msg), "");
	assert_string_equal(msg, "no secret");
	snprintf(msg, sizeof(msg), "s3cr3t-Pw");
	check_eval_scrub(msg, sizeof(msg), "s3cr3t-Pw");
	assert_string_equal(msg, "***");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_numeric),
		cmocka_unit_test(test_compare_strings),
		cmocka_unit_test(test_compare_null_and_op),
		cmocka_unit_test(test_repl_not_a_replica),
		cmocka_unit_test(test_repl_healthy_and_lag),
		cmocka_unit_test(test_repl_io_connecting),
		cmocka_unit_test(test_repl_sql_error),
		cmocka_unit_test(test_galera_synced),
		cmocka_unit_test(test_galera_donor),
		cmocka_unit_test(test_galera_non_primary),
		cmocka_unit_test(test_galera_not_galera),
		cmocka_unit_test(test_table_names),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_scrub),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
