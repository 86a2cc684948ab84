/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grants: SHOW GRANTS lines as MariaDB 10.11.19 printed them (captured
 * from a test server, password hashes included as it prints them), and
 * what each of dbvip's accounts then lacks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../checks/grants.h"

static void
load(struct grants *g, const char *const *lines)
{
	grants_init(g);
	for (; *lines != NULL; lines++)
		(void)grants_add_line(g, *lines);
}

static void
assert_names(uint32_t bits, const char *want)
{
	char buf[256];

	grants_names(bits, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* The admin account as the README documents it. */
static void
test_admin_exact(void **state)
{
	static const char *const lines[] = {
		"GRANT RELOAD, PROCESS, BINLOG MONITOR, CONNECTION ADMIN, "
		"READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR ON *.* "
		"TO `dbvipadm`@`localhost` IDENTIFIED BY PASSWORD "
		"'*D821809F681A40A6E379B50D0463EFAE20BDD122'",
		NULL,
	};
	struct grants g;

	(void)state;
	load(&g, lines);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.skipped, 0);
	assert_int_equal(grants_missing(&g, GR_NEED_ADMIN, NULL, NULL), 0);
	assert_int_equal(grants_excess_check(&g), GR_READ_ONLY_ADMIN);
}

static void
test_admin_missing_one(void **state)
{
	static const char *const lines[] = {
		"GRANT RELOAD, PROCESS, BINLOG MONITOR, CONNECTION ADMIN, "
		"REPLICATION SLAVE ADMIN, SLAVE MONITOR ON *.* TO "
		"`dbvipadm`@`localhost` IDENTIFIED BY PASSWORD '*D8218'",
		NULL,
	};
	struct grants g;

	(void)state;
	load(&g, lines);
	assert_names(grants_missing(&g, GR_NEED_ADMIN, NULL, NULL),
	    "READ_ONLY ADMIN");
}

/* SUPER on 10.11: not READ_ONLY ADMIN, RELOAD or PROCESS. */
static void
test_super(void **state)
{
	static const char *const lines[] = {
		"GRANT SUPER, BINLOG MONITOR ON *.* TO `a`@`localhost` "
		"IDENTIFIED BY PASSWORD '*D821809F681A40A6E379B50D0463EFAE20BDD122'",
		NULL,
	};
	struct grants g;

	(void)state;
	load(&g, lines);
	assert_names(grants_missing(&g, GR_NEED_ADMIN, NULL, NULL),
	    "READ_ONLY ADMIN, PROCESS, RELOAD");
	assert_int_equal(grants_missing(&g, GR_SLAVE_MONITOR, NULL, NULL), 0);
	assert_names(grants_missing(&g, GR_NEED_REPL, NULL, NULL),
	    "REPLICATION SLAVE");
	assert_names(grants_excess_check(&g), "SUPER");
}

static void
test_all_privileges(void **state)
{
	static const char *const lines[] = {
		"GRANT ALL PRIVILEGES ON *.* TO `c`@`localhost` IDENTIFIED BY "
		"PASSWORD '*D821809F681A40A6E379B50D0463EFAE20BDD122' WITH GRANT "
		"OPTION",
		NULL,
	};
	struct grants g;

	(void)state;
	load(&g, lines);
	assert_int_equal(grants_missing(&g, GR_NEED_ADMIN | GR_NEED_REPL,
	    NULL, NULL), 0);
	assert_int_equal(grants_missing(&g, GR_NEED_WRITE, "dbvip",
	    "heartbeat"), 0);
	assert_names(grants_excess_check(&g), "ALL PRIVILEGES");
}

/*
 * Roles: plain SHOW GRANTS lists the default role's privileges (TO `r1`);
 * a granted role that is not active (r2) shows only its membership.
 */
static void
test_roles(void **state)
{
	static const char *const lines[] = {
		"GRANT `r1` TO `b`@`localhost`",
		"GRANT `r2` TO `b`@`localhost` WITH ADMIN OPTION",
		"GRANT USAGE ON *.* TO `b`@`localhost` IDENTIFIED BY PASSWORD "
		"'*D821809F681A40A6E379B50D0463EFAE20BDD122'",
		"GRANT SELECT, INSERT, UPDATE, CREATE ON `dbvip`.* TO "
		"`b`@`localhost`",
		"GRANT SELECT (`id`, `v`), INSERT (`id`) ON `mysql`.`tt` TO "
		"`b`@`localhost`",
		"GRANT READ_ONLY ADMIN, SLAVE MONITOR ON *.* TO `r1`",
		"SET DEFAULT ROLE `r1` FOR `b`@`localhost`",
		NULL,
	};
	struct grants g;

	(void)state;
	load(&g, lines);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.skipped, 0);
	assert_int_equal(grants_missing(&g, GR_NEED_WRITE, "dbvip",
	    "heartbeat"), 0);
	assert_int_equal(grants_missing(&g, GR_SLAVE_MONITOR, NULL, NULL), 0);
	/* The role's READ_ONLY ADMIN counts: it is active in the session. */
	assert_names(grants_excess_check(&g), "READ_ONLY ADMIN");
	/* Column grants on mysql.tt do not cover the table. */
	assert_names(grants_missing(&g, GR_INSERT, "mysql", "tt"), "INSERT");
	/* Database grants do not count on *.*. */
	assert_names(grants_missing(&g, GR_INSERT, NULL, NULL), "INSERT");
}

/* The aliases of the GRANT syntax, as another server version prints. */
static void
test_aliases(void **state)
{
	static const char *const lines[] = {
		"GRANT REPLICATION REPLICA, REPLICA MONITOR ON *.* TO "
		"'repl'@'198.51.100.%'",
		NULL,
	};
	struct grants g;

	(void)state;
	load(&g, lines);
	assert_int_equal(grants_missing(&g, GR_NEED_REPL, NULL, NULL), 0);
	assert_int_equal(grants_excess_check(&g), 0);
}

/* REPLICATION CLIENT is BINLOG MONITOR: not enough for SHOW SLAVE STATUS. */
static void
test_replication_client(void **state)
{
	static const char *const lines[] = {
		"GRANT BINLOG MONITOR ON *.* TO `e`@`localhost` IDENTIFIED BY "
		"PASSWORD '*D821809F681A40A6E379B50D0463EFAE20BDD122'",
		NULL,
	};
	struct check_conf cc = { .type = CHECK_REPLICATION };
	struct grants g;
	char db[65], tbl[65];
	uint32_t obj, need;

	(void)state;
	load(&g, lines);
	need = grants_need_check(&cc, &obj, db, tbl);
	assert_int_equal(obj, 0);
	assert_names(grants_missing(&g, need, NULL, NULL), "SLAVE MONITOR");
}

static void
test_write_check_objects(void **state)
{
	static const char *const table_level[] = {
		"GRANT USAGE ON *.* TO `w`@`localhost`",
		"GRANT INSERT, UPDATE, CREATE ON `ops`.`beat` TO `w`@`localhost`",
		NULL,
	};
	static const char *const pattern[] = {
		"GRANT CREATE, INSERT ON `dbv%`.* TO `w`@`localhost`",
		"GRANT UPDATE ON `dbvip\\_x`.* TO `w`@`localhost`",
		NULL,
	};
	struct check_conf cc = { .type = CHECK_WRITE };
	struct grants g;
	char db[65], tbl[65];
	uint32_t obj, need;

	(void)state;
	/* Default table dbvip.heartbeat. */
	need = grants_need_check(&cc, &obj, db, tbl);
	assert_int_equal(need, 0);
	assert_int_equal(obj, GR_NEED_WRITE);
	assert_string_equal(db, "dbvip");
	assert_string_equal(tbl, "heartbeat");
	load(&g, table_level);
	assert_names(grants_missing(&g, obj, db, tbl),
	    "INSERT, UPDATE, CREATE");
	strcpy(cc.table, "ops.beat");
	(void)grants_need_check(&cc, &obj, db, tbl);
	assert_int_equal(grants_missing(&g, obj, db, tbl), 0);
	assert_names(grants_missing(&g, obj, "ops", "other"),
	    "INSERT, UPDATE, CREATE");
	/* LIKE patterns with an escaped underscore. */
	load(&g, pattern);
	assert_names(grants_missing(&g, GR_NEED_WRITE, "dbvip", "heartbeat"),
	    "UPDATE");
	assert_int_equal(grants_missing(&g, GR_NEED_WRITE, "dbvip_x", "t"), 0);
	assert_names(grants_missing(&g, GR_NEED_WRITE, "dbvipax", "t"),
	    "UPDATE");
	/* ALL on a database: its objects, not the global privileges. */
	grants_init(&g);
	assert_int_equal(grants_add_line(&g, "GRANT ALL PRIVILEGES ON "
	    "`dbvip`.* TO `w`@`%`"), 1);
	assert_int_equal(grants_missing(&g, GR_NEED_WRITE, "dbvip", "x"), 0);
	assert_names(grants_missing(&g, GR_NEED_ADMIN, NULL, NULL),
	    "READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR, "
	    "BINLOG MONITOR, CONNECTION ADMIN, PROCESS, RELOAD");
	assert_int_equal(grants_excess_check(&g), 0);
}

static void
test_other_lines(void **state)
{
	struct grants g;

	(void)state;
	grants_init(&g);
	assert_int_equal(grants_add_line(&g, "GRANT PROXY ON ''@'%' TO "
	    "`root`@`localhost` WITH GRANT OPTION"), 0);
	assert_int_equal(grants_add_line(&g, "GRANT EXECUTE ON FUNCTION "
	    "`db`.`f` TO `u`@`h`"), 0);
	assert_int_equal(grants_add_line(&g, "GRANT EXECUTE, ALTER ROUTINE "
	    "ON PROCEDURE `db`.`p` TO `u`@`h`"), 0);
	assert_int_equal(grants_add_line(&g, "SET DEFAULT ROLE `r1` FOR "
	    "`b`@`localhost`"), 0);
	assert_int_equal(grants_add_line(&g, "GRANT `on the TO role` TO "
	    "`b`@`%`"), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.skipped, 0);
	/* Unreadable: no TO, an object that is not db.table. */
	assert_int_equal(grants_add_line(&g, "GRANT SELECT ON *.*"), -1);
	assert_int_equal(grants_add_line(&g, "GRANT SELECT ON `x TO `u`"), -1);
	assert_int_equal(g.skipped, 2);
	/* A quoted host with " ON " inside does not confuse the parser. */
	assert_int_equal(grants_add_line(&g, "GRANT RELOAD ON *.* TO "
	    "`u`@`a ON b`"), 1);
	assert_names(grants_on(&g, NULL, NULL), "RELOAD");
	/* Backquotes doubled inside a name. */
	assert_int_equal(grants_add_line(&g, "GRANT INSERT ON `we``ird`.* "
	    "TO `u`@`%`"), 1);
	assert_string_equal(g.e[1].db, "we`ird");
	assert_names(grants_missing(&g, GR_INSERT, "we`ird", "t"), "");
}

static void
test_names_truncate(void **state)
{
	char small[12];

	(void)state;
	grants_names(GR_READ_ONLY_ADMIN | GR_RELOAD, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
	assert_names(0, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admin_exact),
		cmocka_unit_test(test_admin_missing_one),
		cmocka_unit_test(test_super),
		cmocka_unit_test(test_all_privileges),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_replication_client),
		cmocka_unit_test(test_write_check_objects),
		cmocka_unit_test(test_other_lines),
		cmocka_unit_test(test_names_truncate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
