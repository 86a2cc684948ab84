/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_ops: the failover guard and notify hook keys, loaded with
 * conf_load() from temporary files as the agent does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/conf/conf.h"

#include "conf_load.h"

#define INST	"[instance db]\ninterface = lo\nvrid = 51\n" \
		"vip = 198.51.100.100/24\n"

static void
test_defaults(void **state)
{
	char pw[64], text[512];
	struct conf c;
	int fd, rv;

	(void)state;
	if (load(INST, &c) != 0)
		fail_msg("%s", err);
	/* No database to promote: no block unless asked for. */
	assert_int_equal(c.failover_block_ms, 0);
	assert_string_equal(c.lock_file, "");
	assert_int_equal(c.notify_timeout_ms, 10000);
	assert_string_equal(c.inst[0].notify, "");
	assert_string_equal(c.inst[0].event_script, "");
	conf_free(&c);
	if (load(INST "[mariadb]\nsocket = /tmp/s\nuser = u\n", &c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.failover_block_ms, 0);	/* checks only */
	conf_free(&c);
	/* mkstemp makes the file 0600, as a password file must be. */
	strcpy(pw, "/tmp/dbvip-test-pw-XXXXXX");
	fd = mkstemp(pw);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	snprintf(text, sizeof(text), INST "[mariadb]\nsocket = /tmp/s\n"
	    "user = u\nrole = replication\nrepl_user = r\n"
	    "repl_password_file = %s\ndb_peer = 198.51.100.12 "
	    "198.51.100.12\n", pw);
	rv = load(text, &c);
	unlink(pw);
	if (rv != 0)
		fail_msg("%s", err);
	assert_int_equal(c.failover_block_ms, 600000);
	conf_free(&c);
}

static void
test_values(void **state)
{
	struct conf c;

	(void)state;
	if (load("[global]\nfailover_block = 30\nlock_file = /run/dbvip/lock\n"
	    "notify_timeout = 2.5\nevent_script = /usr/bin/ev --all\n"
	    INST
	    "notify_master = /etc/dbvip/m.sh \"quoted arg\"\n"
	    "notify_backup = /etc/dbvip/b.sh\n"
	    "notify_fault = /etc/dbvip/f.sh\n"
	    "notify_stop = /etc/dbvip/s.sh\n"
	    "notify = /etc/dbvip/n.sh\n"
	    "[instance other]\ninterface = lo\nvrid = 52\n"
	    "vip = 198.51.100.101/24\nevent_script = /usr/bin/own\n",
	    &c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.failover_block_ms, 30000);
	assert_string_equal(c.lock_file, "/run/dbvip/lock");
	assert_int_equal(c.notify_timeout_ms, 2500);
	assert_string_equal(c.inst[0].notify_master,
	    "/etc/dbvip/m.sh \"quoted arg\"");
	assert_string_equal(c.inst[0].notify_backup, "/etc/dbvip/b.sh");
	assert_string_equal(c.inst[0].notify_fault, "/etc/dbvip/f.sh");
	assert_string_equal(c.inst[0].notify_stop, "/etc/dbvip/s.sh");
	assert_string_equal(c.inst[0].notify, "/etc/dbvip/n.sh");
	/* [global] event_script is the default; an instance may override. */
	assert_string_equal(c.inst[0].event_script, "/usr/bin/ev --all");
	assert_string_equal(c.inst[1].event_script, "/usr/bin/own");
	conf_free(&c);
}

static void
test_failover_block_in_mariadb(void **state)
{
	struct conf c;

	(void)state;
	if (load("[mariadb]\nsocket = /run/mysqld/mysqld.sock\nuser = u\n"
	    "failover_block = 0\n" INST, &c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.failover_block_ms, 0);
	conf_free(&c);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("[global]\nfailover_block = 60\n[mariadb]\n"
	    "socket = /s\nuser = u\nfailover_block = 60\n" INST, 6,
	    "failover_block is already set at line 2");
	expect_error("[global]\nfailover_block = -1\n" INST, 2,
	    "failover_block");
	expect_error("[global]\nfailover_block = 700000\n" INST, 2,
	    "out of range");
	expect_error("[global]\nlock_file = run/lock\n" INST, 2,
	    "not an absolute path");
	expect_error("[global]\nnotify_timeout = 0\n" INST, 2,
	    "more than 0 seconds");
	expect_error("[global]\nnotify_timeout = 3601\n" INST, 2,
	    "out of range");
	expect_error(INST "notify = /a\nnotify = /b\n", 6, "already set");
	expect_error("[global]\nnotify_master = /x\n" INST, 2,
	    "unknown key 'notify_master' in [global]");
	expect_error(INST "notify_fault = /x\tok\x01\n", 5,
	    "control character");
}

/* A long command is fine up to inih's line limit, which ends it. */
static void
test_long_command(void **state)
{
	struct conf c;
	char text[600], cmd[300];

	(void)state;
	memset(cmd, 'x', sizeof(cmd));
	cmd[0] = '/';
	cmd[189] = '\0';
	snprintf(text, sizeof(text), INST "notify = %s\n", cmd);
	if (load(text, &c) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.inst[0].notify, cmd);
	conf_free(&c);
	cmd[189] = 'x';
	cmd[250] = '\0';
	snprintf(text, sizeof(text), INST "notify = %s\n", cmd);
	expect_error(text, 5, "line longer than 199 characters");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_failover_block_in_mariadb),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
