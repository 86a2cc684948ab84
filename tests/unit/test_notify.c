/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify: argument building (keepalived's notify arguments through
 * "$@"), JSON escaping and event objects, and the shared child runner
 * (checks/child.c) driving real /bin/sh children: arguments as the
 * script sees them, stdin input, stderr capture, exit codes, a command
 * that cannot run, and a timeout (TERM, then KILL).  Children are short:
 * the whole file runs in about 1.5 s.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../agent/core/clock.h"
#include "../../agent/core/notify.h"
#include "../../checks/child.h"

static struct notify_run *
run_new(size_t inlen)
{
	struct notify_run *r = calloc(1, sizeof(*r) + inlen + 1);

	assert_non_null(r);
	r->inlen = inlen;
	return r;
}

/* Drive c until it ends, with the real clock; bounded by 5 s. */
static enum child_rc
run_child(struct child *c)
{
	struct pollfd pfd;
	enum child_rc rc;
	uint64_t end = clock_read() + 5000000;

	while ((rc = child_step(c, clock_read())) == CHILD_RUNNING) {
		assert_true(clock_read() < end);
		pfd.fd = child_fd(c);
		pfd.events = POLLIN;
		poll(&pfd, 1, 20);
	}
	return rc;
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(notify_state_name(VRRP_ST_MASTER), "MASTER");
	assert_string_equal(notify_state_name(VRRP_ST_BACKUP), "BACKUP");
	assert_string_equal(notify_state_name(VRRP_ST_FAULT), "FAULT");
	assert_string_equal(notify_state_name(VRRP_ST_INIT), "STOP");
}

static void
test_build_notify_argv(void **state)
{
	struct notify_run *r = run_new(0);
	char big[700];

	(void)state;
	assert_int_equal(notify_build_notify(r, "/usr/local/bin/n.sh --x",
	    "db_vip", "MASTER", 150), 0);
	assert_string_equal(r->argv[0], "sh");
	assert_string_equal(r->argv[1], "-c");
	assert_string_equal(r->argv[2], "/usr/local/bin/n.sh --x \"$@\"");
	assert_string_equal(r->argv[3], "sh");
	assert_string_equal(r->argv[4], "INSTANCE");
	assert_string_equal(r->argv[5], "db_vip");
	assert_string_equal(r->argv[6], "MASTER");
	assert_string_equal(r->argv[7], "150");
	assert_null(r->argv[8]);

	assert_int_equal(notify_build_plain(r, "/bin/true 'a b'"), 0);
	assert_string_equal(r->argv[2], "/bin/true 'a b'");
	assert_null(r->argv[3]);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(notify_build_notify(r, big, "i", "FAULT", 1), -1);
	assert_int_equal(notify_build_plain(r, big), -1);
	free(r);
}

/* What the script really receives: its own words, then keepalived's. */
static void
test_notify_args_reach_script(void **state)
{
	struct notify_run *r = run_new(0);
	struct child c;
	char err[128];

	(void)state;
	child_init(&c);
	assert_int_equal(notify_build_notify(r,
	    "printf '%s|' 'own arg' >&2; printf '%s|' >&2", "vip.1", "BACKUP",
	    7), 0);
	assert_int_equal(child_spawn(&c, "/bin/sh", r->argv, NULL, 0,
	    CHILD_CAPTURE_STDERR, 2000, clock_read(), err, sizeof(err)), 0);
	assert_int_equal(run_child(&c), CHILD_EXITED);
	assert_true(child_ok(&c));
	assert_string_equal(c.line, "own arg|INSTANCE|vip.1|BACKUP|7|");
	free(r);
}

static void
test_json_escaping(void **state)
{
	char buf[64];
	size_t off = 0;

	(void)state;
	assert_int_equal(notify_json_str(buf, sizeof(buf), &off,
	    "a\"b\\c\nd\te\x01\x7f" "\xc3\xa9"), 0);
	assert_string_equal(buf,
	    "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\xc3\xa9\"");
	assert_int_equal(off, strlen(buf));

	/* Too long: -1, and the buffer is as before the call. */
	off = 0;
	assert_int_equal(notify_json_str(buf, sizeof(buf), &off, "ok"), 0);
	assert_int_equal(notify_json_str(buf, 10, &off, "0123456789"), -1);
	assert_string_equal(buf, "\"ok\"");
	assert_int_equal(off, 4);

	off = 0;
	buf[0] = '\0';
	assert_int_equal(notify_json_field(buf, sizeof(buf), &off, "step",
	    "STOP SLAVE"), 0);
	assert_int_equal(notify_json_field(buf, sizeof(buf), &off, "error",
	    "1290 \"read only\""), 0);
	assert_string_equal(buf,
	    "\"step\":\"STOP SLAVE\",\"error\":\"1290 \\\"read only\\\"\"");
}

static void
test_json_event(void **state)
{
	struct timespec wall = { .tv_sec = 1767323045, .tv_nsec = 678900000 };
	char buf[256];
	int n;

	(void)state;
	n = notify_json_event(buf, sizeof(buf), "promote_done", "db\"vip",
	    &wall, "\"from\":\"198.51.100.11\",\"ms\":42");
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "{\"event\":\"promote_done\","
	    "\"instance\":\"db\\\"vip\",\"time\":\"2026-01-02T03:04:05.678Z\","
	    "\"from\":\"198.51.100.11\",\"ms\":42}\n");
	n = notify_json_event(buf, sizeof(buf), "demote", "i", &wall, NULL);
	assert_true(n > 0);
	assert_string_equal(buf, "{\"event\":\"demote\",\"instance\":\"i\","
	    "\"time\":\"2026-01-02T03:04:05.678Z\"}\n");
	assert_int_equal(notify_json_event(buf, 40, "demote", "i", &wall,
	    NULL), -1);
}

static void
test_child_stdin_and_exit(void **state)
{
	char *argv[] = { "sh", "-c", "read l; echo \"got $l\" >&2; exit 3",
	    NULL };
	const char in[] = "{\"event\":\"x\"}\n";
	struct child c;
	char err[128], msg[300];

	(void)state;
	child_init(&c);
	assert_int_equal(child_spawn(&c, "/bin/sh", argv, in, sizeof(in) - 1,
	    CHILD_CAPTURE_STDERR, 2000, clock_read(), err, sizeof(err)), 0);
	assert_true(child_busy(&c));
	assert_int_equal(run_child(&c), CHILD_EXITED);
	assert_false(child_ok(&c));
	assert_false(child_busy(&c));
	child_describe(&c, CHILD_EXITED, msg, sizeof(msg));
	assert_string_equal(msg, "exit 3: got {\"event\":\"x\"}");
	/* Input too large for a pipe buffer is refused, nothing runs. */
	{
		static char huge[CHILD_INPUT_MAX + 1];

		assert_int_equal(child_spawn(&c, "/bin/sh", argv, huge,
		    sizeof(huge), 0, 2000, clock_read(), err, sizeof(err)),
		    -1);
		assert_false(child_busy(&c));
	}
}

static void
test_child_stdout_not_captured(void **state)
{
	char *argv[] = { "sh", "-c", "echo to-stdout; echo to-stderr >&2",
	    NULL };
	struct child c;
	char err[128];

	(void)state;
	child_init(&c);
	assert_int_equal(child_spawn(&c, "/bin/sh", argv, NULL, 0,
	    CHILD_CAPTURE_STDERR, 2000, clock_read(), err, sizeof(err)), 0);
	assert_int_equal(run_child(&c), CHILD_EXITED);
	assert_true(child_ok(&c));
	assert_string_equal(c.line, "to-stderr");
}

static void
test_child_cannot_run(void **state)
{
	char *argv[] = { "sh", "-c", "/nonexistent/dbvip-hook arg", NULL };
	struct child c;
	char err[128], msg[300];

	(void)state;
	child_init(&c);
	assert_int_equal(child_spawn(&c, "/bin/sh", argv, NULL, 0,
	    CHILD_CAPTURE_STDERR, 2000, clock_read(), err, sizeof(err)), 0);
	assert_int_equal(run_child(&c), CHILD_EXITED);
	child_describe(&c, CHILD_EXITED, msg, sizeof(msg));
	assert_true(strncmp(msg, "exit 127: ", 10) == 0);
	assert_non_null(strstr(msg, "/nonexistent/dbvip-hook"));
}

static void
test_child_timeout_term_then_kill(void **state)
{
	char *argv_term[] = { "sh", "-c", "echo started >&2; exec sleep 30",
	    NULL };
	char *argv_kill[] = { "sh", "-c", "trap '' TERM; echo x >&2; "
	    "while :; do sleep 0.05; done", NULL };
	struct child c;
	char err[128], msg[300];
	uint64_t t0, el;

	(void)state;
	child_init(&c);
	t0 = clock_read();
	assert_int_equal(child_spawn(&c, "/bin/sh", argv_term, NULL, 0,
	    CHILD_CAPTURE_STDERR, 100, t0, err, sizeof(err)), 0);
	assert_int_equal(run_child(&c), CHILD_EXITED);
	el = clock_read() - t0;
	assert_true(el >= 100000 && el < 600000);
	child_describe(&c, CHILD_EXITED, msg, sizeof(msg));
	assert_string_equal(msg,
	    "timed out after 100 ms, killed with SIGTERM: started");

	/* Ignores TERM: SIGKILL a grace period later. */
	child_init(&c);
	t0 = clock_read();
	assert_int_equal(child_spawn(&c, "/bin/sh", argv_kill, NULL, 0,
	    CHILD_CAPTURE_STDERR, 50, t0, err, sizeof(err)), 0);
	assert_int_equal(run_child(&c), CHILD_EXITED);
	el = clock_read() - t0;
	assert_true(el >= (50 + CHILD_KILL_GRACE_MS) * 1000ULL);
	assert_true(el < (50 + CHILD_KILL_GRACE_MS + 500) * 1000ULL);
	child_describe(&c, CHILD_EXITED, msg, sizeof(msg));
	assert_string_equal(msg,
	    "timed out after 50 ms, killed with SIGKILL: x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_build_notify_argv),
		cmocka_unit_test(test_notify_args_reach_script),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_event),
		cmocka_unit_test(test_child_stdin_and_exit),
		cmocka_unit_test(test_child_stdout_not_captured),
		cmocka_unit_test(test_child_cannot_run),
		cmocka_unit_test(test_child_timeout_term_then_kill),
	};

	/* The agent ignores SIGPIPE; so do we, for a child that exits early. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
