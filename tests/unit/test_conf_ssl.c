/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf: the TLS keys of [mariadb] (ssl, ssl_ca, ssl_cert, ssl_key,
 * ssl_verify_server_cert): defaults, values and errors with their line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../agent/conf/conf.h"

#include "conf_load.h"

#define MIN4 "[instance a]\ninterface = eth0\nvrid = 51\n" \
	"vip = 198.51.100.100/24\n"
/* [mariadb] starts at line 5; its keys from line 6 on. */
#define DB MIN4 "[mariadb]\nhost = 198.51.100.2\nuser = u\n"

static char ca_path[64], key_path[64];

static void
make_file(char *path, const char *tmpl, mode_t mode)
{
	int fd;

	strcpy(path, tmpl);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int
setup(void **state)
{
	(void)state;
	make_file(ca_path, "/tmp/dbvip-test-ca-XXXXXX", 0644);
	make_file(key_path, "/tmp/dbvip-test-key-XXXXXX", 0600);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(ca_path);
	unlink(key_path);
	return 0;
}

static void
test_ssl_defaults(void **state)
{
	struct conf c;

	(void)state;
	if (load(DB, &c) != 0)
		fail_msg("%s", err);
	assert_false(c.db.ssl);
	assert_false(c.db.ssl_verify);
	assert_string_equal(c.db.ssl_ca, "");
	assert_string_equal(c.db.ssl_cert, "");
	assert_string_equal(c.db.ssl_key, "");
	conf_free(&c);
}

static void
test_ssl_ca_verifies_by_default(void **state)
{
	char text[512];
	struct conf c;

	(void)state;
	snprintf(text, sizeof(text), DB "ssl = yes\nssl_ca = %s\n", ca_path);
	if (load(text, &c) != 0)
		fail_msg("%s", err);
	assert_true(c.db.ssl);
	assert_true(c.db.ssl_verify);
	assert_string_equal(c.db.ssl_ca, ca_path);
	conf_free(&c);

	/* Said otherwise, before or after ssl_ca. */
	snprintf(text, sizeof(text), DB "ssl = yes\nssl_ca = %s\n"
	    "ssl_verify_server_cert = no\n", ca_path);
	if (load(text, &c) != 0)
		fail_msg("%s", err);
	assert_false(c.db.ssl_verify);
	conf_free(&c);
	snprintf(text, sizeof(text), DB "ssl_verify_server_cert = off\n"
	    "ssl = yes\nssl_ca = %s\n", ca_path);
	if (load(text, &c) != 0)
		fail_msg("%s", err);
	assert_false(c.db.ssl_verify);
	conf_free(&c);
}

static void
test_ssl_without_ca(void **state)
{
	struct conf c;

	(void)state;
	if (load(DB "ssl = yes\n", &c) != 0)
		fail_msg("%s", err);
	assert_true(c.db.ssl);
	assert_false(c.db.ssl_verify);
	conf_free(&c);
	if (load(DB "ssl = on\nssl_verify_server_cert = yes\n", &c) != 0)
		fail_msg("%s", err);
	assert_true(c.db.ssl_verify);
	conf_free(&c);
}

static void
test_ssl_client_cert(void **state)
{
	char text[512];
	struct conf c;

	(void)state;
	snprintf(text, sizeof(text), DB "ssl = yes\nssl_ca = %s\n"
	    "ssl_cert = %s\nssl_key = %s\n", ca_path, ca_path, key_path);
	if (load(text, &c) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.db.ssl_cert, ca_path);
	assert_string_equal(c.db.ssl_key, key_path);
	conf_free(&c);
}

static void
test_ssl_errors(void **state)
{
	char text[512];

	(void)state;
	expect_error(DB "ssl = maybe\n", 8, "ssl");
	expect_error(DB "ssl = yes\nssl_ca = relative.pem\n", 9,
	    "not an absolute path");
	expect_error(DB "ssl = yes\nssl_ca = /nonexistent/ca.pem\n", 9,
	    "No such file");
	expect_error(DB "ssl = yes\nssl_ca = /tmp\n", 9,
	    "is not a regular file");
	expect_error(DB "ssl = yes\nssl = no\n", 9, "already set");
	expect_error(DB "ssl_verify_server_cert = perhaps\n", 8,
	    "ssl_verify_server_cert");
	/* A key others can read. */
	snprintf(text, sizeof(text), DB "ssl = yes\nssl_cert = %s\n"
	    "ssl_key = %s\n", ca_path, ca_path);
	expect_error(text, 10, "readable by group or others (mode 0644)");
	/* File-wide: TLS files without ssl = yes, cert without key. */
	snprintf(text, sizeof(text), DB "ssl_ca = %s\n", ca_path);
	expect_error(text, 0, "ssl_ca, ssl_cert and ssl_key need ssl = yes");
	snprintf(text, sizeof(text), DB "ssl = yes\nssl_cert = %s\n",
	    ca_path);
	expect_error(text, 0, "ssl_cert and ssl_key go together");
	snprintf(text, sizeof(text), DB "ssl = yes\nssl_key = %s\n",
	    key_path);
	expect_error(text, 0, "ssl_cert and ssl_key go together");
	/* Only in [mariadb]. */
	expect_error(MIN4 "ssl = yes\n", 5, "unknown key 'ssl' in [instance]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssl_defaults),
		cmocka_unit_test(test_ssl_ca_verifies_by_default),
		cmocka_unit_test(test_ssl_without_ca),
		cmocka_unit_test(test_ssl_client_cert),
		cmocka_unit_test(test_ssl_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
