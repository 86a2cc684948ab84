/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_load: helpers for the config unit tests.  Each test writes its
 * config text to a fresh temporary file and loads it with conf_load(), as
 * the agent does.  Include after <cmocka.h> and agent/conf/conf.h.
 */
#ifndef DBVIP_TEST_CONF_LOAD_H
#define DBVIP_TEST_CONF_LOAD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp_path[64];
static char err[512];

/* Write text to a fresh temporary file; its path is in tmp_path. */
static void
write_conf(const char *text)
{
	size_t len = strlen(text);
	int fd;

	strcpy(tmp_path, "/tmp/dbvip-test-conf-XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static int
load(const char *text, struct conf *c)
{
	int rv;

	write_conf(text);
	memset(err, 0, sizeof(err));
	rv = conf_load(tmp_path, c, err, sizeof(err));
	unlink(tmp_path);
	return rv;
}

/* The load must fail at line with a message containing msg. */
static void
expect_error(const char *text, int line, const char *msg)
{
	struct conf c;
	char prefix[96];

	if (load(text, &c) == 0) {
		conf_free(&c);
		fail_msg("loaded, expected error at line %d: %s", line, msg);
	}
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", tmp_path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", tmp_path);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, msg) == NULL)
		fail_msg("got \"%s\", want \"%s...%s\"", err, prefix, msg);
}

#endif
