/* SPDX-License-Identifier: Apache-2.0 */
/*
 * priv: privilege dropping.  Dropping is for good, so each drop runs in a
 * forked child that reports through its exit status what /proc/self/status
 * shows afterwards.  As root the child switches to "nobody"; as another user
 * it checks the non-root path (nothing gained, no failure).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../agent/core/priv.h"

/* The hex value of a "Name:\t..." line of /proc/self/status, or -1. */
static long long
status_field(const char *name)
{
	FILE *fp = fopen("/proc/self/status", "re");
	char line[256];
	size_t n = strlen(name);
	long long v = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			v = strtoll(line + n + 1, NULL,
			    strncmp(name, "Cap", 3) == 0 ? 16 : 10);
			break;
		}
	}
	fclose(fp);
	return v;
}

/* First field of "Uid:\treal\teffective\tsaved\tfs". */
static long long
status_uid(void)
{
	return status_field("Uid");
}

static void
test_unknown_user(void **state)
{
	char err[256] = "";
	cap_t before, after;
	long long nnp = status_field("NoNewPrivs");

	(void)state;
	before = cap_get_proc();
	assert_non_null(before);
	assert_int_equal(priv_drop("dbvip-no-such-user-x", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "user dbvip-no-such-user-x: no such user"));
	/* Refused before anything changed. */
	after = cap_get_proc();
	assert_non_null(after);
	assert_int_equal(cap_compare(before, after), 0);
	assert_int_equal(status_field("NoNewPrivs"), nnp);
	cap_free(before);
	cap_free(after);
}

static void
test_user_ids(void **state)
{
	char err[256] = "";
	uid_t uid = 1;
	gid_t gid = 1;

	(void)state;
	assert_int_equal(priv_user_ids("root", &uid, &gid, err, sizeof(err)),
	    0);
	assert_int_equal(uid, 0);
	assert_int_equal(gid, 0);
	assert_int_equal(priv_user_ids("dbvip-no-such-user-x", &uid, &gid,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no such user"));
}

/*
 * Child exit codes: 0 all as expected, 10 priv_drop failed, 11 CapEff,
 * 12 CapPrm, 13 CapBnd, 14 uid, 15 NoNewPrivs, 16 CapInh/CapAmb.
 */
static int
child_drop(const char *user, long long want_caps, long long want_bnd,
    long long want_uid)
{
	char err[256];

	if (priv_drop(user, err, sizeof(err)) == -1) {
		fprintf(stderr, "priv_drop: %s\n", err);
		return 10;
	}
	if (status_field("CapEff") != want_caps)
		return 11;
	if (status_field("CapPrm") != want_caps)
		return 12;
	if (want_bnd >= 0 && status_field("CapBnd") != want_bnd)
		return 13;
	if (status_uid() != want_uid)
		return 14;
	if (status_field("NoNewPrivs") != 1)
		return 15;
	if (status_field("CapInh") != 0 || status_field("CapAmb") > 0)
		return 16;
	return 0;
}

static void
run_child(const char *user, long long want_caps, long long want_bnd,
    long long want_uid)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_drop(user, want_caps, want_bnd, want_uid));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_drop_same_user(void **state)
{
	(void)state;
	if (geteuid() == 0)
		run_child(NULL, (long long)PRIV_KEEP_MASK,
		    (long long)PRIV_KEEP_MASK, 0);
	else
		/* Not root: nothing to keep, and that is not an error. */
		run_child(NULL, status_field("CapPrm") &
		    (long long)PRIV_KEEP_MASK, -1, (long long)getuid());
}

static void
test_drop_to_user(void **state)
{
	struct passwd *pw;

	(void)state;
	if (geteuid() != 0)
		skip();
	pw = getpwnam("nobody");
	if (pw == NULL)
		skip();
	run_child("nobody", (long long)PRIV_KEEP_MASK,
	    (long long)PRIV_KEEP_MASK, (long long)pw->pw_uid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_user_ids),
		cmocka_unit_test(test_drop_same_user),
		cmocka_unit_test(test_drop_to_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
