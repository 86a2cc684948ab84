/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kaimport: realistic keepalived configurations under tests/unit/kaconf/
 * (each one accepted by Debian's keepalived 2.2.7 with `keepalived -t`) and
 * small texts for the syntax corners.  The output is checked line by line,
 * the warnings for their file, line and message; and every translated
 * sample, [check] sections, track and hooks included, must load with
 * conf_load().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/conf/conf.h"
#include "../../agent/cli/kaimport.h"

#define SOCK	"/run/dbvip/test.sock"

static char kaconf_dir[512];
static char err[512];

/* tests/unit/kaconf, found next to this source file. */
static void
find_kaconf(void)
{
	const char *slash = strrchr(__FILE__, '/');

	if (slash == NULL)
		snprintf(kaconf_dir, sizeof(kaconf_dir), "kaconf");
	else
		snprintf(kaconf_dir, sizeof(kaconf_dir), "%.*s/kaconf",
		    (int)(slash - __FILE__), __FILE__);
}

static void
import_sample(const char *name, struct kaimport_result *r)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", kaconf_dir, name);
	if (kaimport_file(path, SOCK, r, err, sizeof(err)) != 0)
		fail_msg("%s: %s", name, err);
}

static int
import_text(const char *text, struct kaimport_result *r)
{
	return kaimport_text(text, "inline.conf", kaconf_dir, SOCK, r, err,
	    sizeof(err));
}

static bool
has_line(const struct kaimport_result *r, const char *line)
{
	const char *s = r->text;
	size_t len = strlen(line);

	while ((s = strstr(s, line)) != NULL) {
		if ((s == r->text || s[-1] == '\n') &&
		    (s[len] == '\n' || s[len] == '\0'))
			return true;
		s += len;
	}
	return false;
}

/* The output has this exact line. */
static void
assert_line(const struct kaimport_result *r, const char *line)
{
	if (!has_line(r, line))
		fail_msg("no line \"%s\" in:\n%s", line, r->text);
}

static void
assert_no_line(const struct kaimport_result *r, const char *prefix)
{
	const char *s = r->text;

	while ((s = strstr(s, prefix)) != NULL) {
		if (s == r->text || s[-1] == '\n')
			fail_msg("unexpected \"%s\" in:\n%s", prefix, r->text);
		s++;
	}
}

/*
 * The output, with comment lines unwrapped: a "# " line followed by its
 * "#   " continuations becomes one line, so that a warning can be found
 * whole.
 */
static char *
unwrapped(const char *text)
{
	char *u = malloc(strlen(text) + 1), *d = u;
	const char *s;

	assert_non_null(u);
	for (s = text; *s != '\0'; s++) {
		if (s[0] == '\n' && strncmp(s + 1, "#   ", 4) == 0) {
			*d++ = ' ';
			s += 4;
			continue;
		}
		*d++ = *s;
	}
	*d = '\0';
	return u;
}

/*
 * A warning at line of a file ending in file_suffix whose message holds
 * msg; it must also be in the output as a comment ("line N" in the top
 * file, "line N of FILE" in an included one).
 */
static void
assert_warn(const struct kaimport_result *r, const char *file_suffix,
    int line, const char *msg)
{
	struct kaimport_result u;
	char comment[700];
	size_t fl, sl = strlen(file_suffix);
	int i;

	for (i = 0; i < r->nwarn; i++) {
		fl = strlen(r->warn[i].file);
		if (r->warn[i].line != line || fl < sl ||
		    strcmp(r->warn[i].file + fl - sl, file_suffix) != 0 ||
		    strstr(r->warn[i].msg, msg) == NULL)
			continue;
		if (r->text == NULL)
			return;
		u = *r;
		u.text = unwrapped(r->text);
		snprintf(comment, sizeof(comment), "# WARNING line %d: %s",
		    line, r->warn[i].msg);
		if (!has_line(&u, comment))
			snprintf(comment, sizeof(comment), "# WARNING line %d "
			    "of %s: %s", line, r->warn[i].file,
			    r->warn[i].msg);
		if (!has_line(&u, comment)) {
			free(u.text);
			fail_msg("no line \"%s\" in:\n%s", comment, r->text);
		}
		free(u.text);
		return;
	}
	for (i = 0; i < r->nwarn; i++)
		fprintf(stderr, "  have %s:%d: %s\n", r->warn[i].file,
		    r->warn[i].line, r->warn[i].msg);
	fail_msg("no warning %s:%d: %s", file_suffix, line, msg);
}

/* No line of the output is longer than inih reads. */
static void
assert_short_lines(const struct kaimport_result *r)
{
	const char *s, *nl;

	for (s = r->text; *s != '\0'; s = nl + 1) {
		nl = strchr(s, '\n');
		assert_non_null(nl);
		if (nl - s > 80 && s[0] == '#')
			fail_msg("comment longer than 80: %.*s", (int)(nl - s),
			    s);
		assert_true(nl - s <= 199);
	}
}

/* --- end to end: the output loads with conf_load ------------------------ */

/* The whole output, checks and hooks included, loads as the agent would. */
static void
assert_loads(const struct kaimport_result *r)
{
	char path[] = "/tmp/dbvip-test-kaimport-XXXXXX";
	struct conf c;
	size_t len = strlen(r->text);
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, r->text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	assert_short_lines(r);
	if (conf_load(path, &c, err, sizeof(err)) != 0) {
		unlink(path);
		fail_msg("conf_load: %s\n%s", err, r->text);
	}
	unlink(path);
	assert_int_equal(c.ninst, r->ninstances);
	assert_string_equal(c.control_socket, SOCK);
	conf_free(&c);
}

/* --- samples ------------------------------------------------------------- */

static void
test_master(void **state)
{
	struct kaimport_result r;

	(void)state;
	import_sample("master.conf", &r);
	assert_true(strncmp(r.text, "# dbvip configuration imported", 30) == 0);
	assert_line(&r, "[global]");
	assert_line(&r, "control_socket = " SOCK);
	assert_line(&r, "[check chk_mariadb]");
	assert_line(&r, "type = script");
	assert_line(&r, "command = /usr/local/bin/check_mariadb.sh --port 3306");
	assert_line(&r, "interval = 2");
	assert_line(&r, "timeout = 3");
	assert_line(&r, "rise = 2");
	assert_line(&r, "fall = 3");
	assert_line(&r, "weight = -30");
	assert_line(&r, "[instance VI_DB]");
	assert_line(&r, "interface = eth0");
	assert_line(&r, "vrid = 51");
	assert_line(&r, "priority = 150");
	assert_line(&r, "version = 2");	/* keepalived's default */
	assert_line(&r, "advert_int = 1");
	assert_line(&r, "vip = 198.51.100.100/24");
	assert_line(&r, "preempt = yes");
	assert_line(&r, "auth_pass = s3cr3tpa");
	assert_line(&r, "track = chk_mariadb");
	assert_line(&r, "notify_master = /usr/local/bin/db_notify.sh master");
	assert_line(&r, "notify_backup = /usr/local/bin/db_notify.sh");
	assert_line(&r, "notify_fault = /usr/local/bin/db_notify.sh fault");
	assert_warn(&r, "master.conf", 3, "global_defs router_id is not "
	    "translated");
	assert_warn(&r, "master.conf", 4, "enable_script_security");
	assert_warn(&r, "master.conf", 5, "script_user");
	assert_warn(&r, "master.conf", 25, "keepalived uses the first 8");
	assert_warn(&r, "master.conf", 35, "user/group root is not "
	    "translated");
	assert_int_equal(r.nwarn, 5);
	assert_int_equal(r.ninstances, 1);
	assert_int_equal(r.nchecks, 1);
	assert_loads(&r);
	kaimport_free(&r);
}

static void
test_backup_with_include(void **state)
{
	struct kaimport_result r;

	(void)state;
	import_sample("backup.conf", &r);
	/* The script comes from pair.d/scripts.conf, found relative to
	 * backup.conf; the instance's weight overrides the script's. */
	assert_line(&r, "[check chk_mariadb]");
	assert_line(&r, "command = /usr/local/bin/check_mariadb.sh");
	assert_line(&r, "timeout = 2");		/* = interval by default */
	assert_line(&r, "weight = -20");
	assert_no_line(&r, "weight = -30");
	assert_line(&r, "preempt = no");
	assert_no_line(&r, "preempt_delay");
	assert_line(&r, "auth_pass = s3cr3tpa");
	assert_line(&r, "track = chk_mariadb");
	assert_warn(&r, "backup.conf", 11, "preempt_delay with nopreempt: "
	    "keepalived clears it");
	assert_int_equal(r.nwarn, 1);
	assert_loads(&r);
	kaimport_free(&r);
}

static void
test_unicast_cloud(void **state)
{
	struct kaimport_result r;

	(void)state;
	import_sample("unicast.conf", &r);
	assert_line(&r, "version = 3");		/* global vrrp_version */
	assert_line(&r, "advert_int = 0.5");
	assert_line(&r, "vip = 198.51.100.200/32");
	assert_line(&r, "unicast_peer = 198.51.100.12");
	assert_line(&r, "unicast_peer = 198.51.100.13");
	assert_line(&r, "garp_repeat = 2");
	assert_line(&r, "garp_delay = 1");
	assert_line(&r, "garp_refresh = 60");
	assert_line(&r, "command = </dev/tcp/127.0.0.1/3306");
	assert_line(&r, "interval = 1");
	assert_line(&r, "timeout = 1");
	assert_line(&r, "weight = 0");
	assert_no_line(&r, "auth_pass");
	assert_warn(&r, "unicast.conf", 9, "without a shell");
	assert_warn(&r, "unicast.conf", 18, "unicast_src_ip 198.51.100.11 "
	    "is not translated");
	assert_warn(&r, "unicast.conf", 28, "track_interface ens6 (weighted) "
	    "is not translated");
	assert_int_equal(r.nwarn, 3);	/* ens5 is the own interface */
	assert_loads(&r);
	kaimport_free(&r);
}

static void
test_ipv6(void **state)
{
	struct kaimport_result r;

	(void)state;
	import_sample("ipv6.conf", &r);
	assert_line(&r, "[instance v6_db]");
	assert_line(&r, "version = 3");		/* IPv6 is always v3 */
	assert_line(&r, "advert_int = 0.25");
	assert_line(&r, "vip = 2001:db8:0:10::100/64");
	assert_line(&r, "vip = 2001:db8:0:10::101/128");
	assert_no_line(&r, "vip = 198.51.100.150");
	assert_line(&r, "preempt = yes");
	assert_warn(&r, "ipv6.conf", 10, "one address family");
	assert_warn(&r, "ipv6.conf", 12, "use_vmac is not translated");
	assert_int_equal(r.nwarn, 2);
	assert_loads(&r);
	kaimport_free(&r);
}

static void
test_multi_sync_group(void **state)
{
	struct kaimport_result r;

	(void)state;
	import_sample("multi.conf", &r);
	assert_int_equal(r.ninstances, 2);
	assert_line(&r, "[instance VI_WRITE]");
	assert_line(&r, "vrid = 71");
	assert_line(&r, "[instance VI_READ]");
	assert_line(&r, "vrid = 72");
	assert_line(&r, "advert_int = 2");
	assert_line(&r, "vip = 198.51.100.72/24");
	assert_no_line(&r, "vip = 198.51.100.73");
	/* A sync group member's script weight is 0 in keepalived. */
	assert_line(&r, "[check chk_write]");
	assert_line(&r, "weight = 0");
	assert_warn(&r, "multi.conf", 4, "vrrp_strict is not translated");
	assert_warn(&r, "multi.conf", 10, "vrrp_sync_group DB_GROUP "
	    "(VI_WRITE, VI_READ) is not translated");
	assert_warn(&r, "multi.conf", 18, "virtual_server 198.51.100.50 is "
	    "not translated");
	assert_warn(&r, "multi.d/instances.conf", 6, "sync group member");
	assert_warn(&r, "multi.d/instances.conf", 11, "label eth0:w");
	assert_warn(&r, "multi.d/instances.conf", 16, "smtp_alert");
	assert_warn(&r, "multi.d/instances.conf", 27,
	    "virtual_ipaddress_excluded");
	assert_warn(&r, "multi.d/instances.conf", 30, "dont_track_primary");
	assert_warn(&r, "multi.conf", 3, "router_id");
	assert_int_equal(r.nwarn, 9);
	assert_loads(&r);
	kaimport_free(&r);
}

/* --- syntax and translation corners -------------------------------------- */

static void
test_syntax(void **state)
{
	struct kaimport_result r;

	(void)state;
	assert_int_equal(import_text(
	    "vrrp_script 'chk x' {\n"
	    "  script \"/bin/check a\\tb\" # comment\n"
	    "}\n"
	    "vrrp_instance VI_1\n"
	    "{\n"
	    "  interface eth0 ! a '!' comment\n"
	    "  virtual_router_id 9\n"
	    "  virtual_ipaddress { 198.51.100.9/24 }\n"
	    "  track_script {\n"
	    "    'chk x'\n"
	    "  }\n"
	    "  notify_master '/bin/n.sh master'\n"
	    "  notify_stop /bin/s.sh\n"
	    "}\n", &r), 0);
	assert_line(&r, "[check chk_x]");
	assert_line(&r, "command = /bin/check a\tb");
	assert_line(&r, "[instance VI_1]");
	assert_line(&r, "interface = eth0");
	assert_line(&r, "vrid = 9");
	assert_line(&r, "vip = 198.51.100.9/24");
	assert_line(&r, "track = chk_x");
	assert_line(&r, "notify_master = /bin/n.sh master");
	assert_line(&r, "notify_stop = /bin/s.sh");
	assert_warn(&r, "inline.conf", 1, "is named chk_x here");
	kaimport_free(&r);
}

static void
test_command_quoting(void **state)
{
	struct kaimport_result r;

	(void)state;
	/* Several words are argv for keepalived: quote for /bin/sh. */
	assert_int_equal(import_text(
	    "vrrp_script c { \n script /bin/chk 'a b' \"it's\" x$y\n}\n"
	    "vrrp_instance I { \ninterface eth0\nvirtual_router_id 1\n"
	    "virtual_ipaddress {\n198.51.100.1\n}\ntrack_script {\nc\n}\n}\n",
	    &r), 0);
	assert_line(&r, "command = /bin/chk 'a b' 'it'\\''s' 'x$y'");
	assert_line(&r, "vip = 198.51.100.1/32");
	kaimport_free(&r);
}

static void
test_errors(void **state)
{
	struct kaimport_result r;

	(void)state;
	assert_int_equal(import_text("vrrp_instance A {\n interface eth0\n",
	    &r), -1);
	assert_string_equal(err, "inline.conf:1: '{' is never closed");
	kaimport_free(&r);

	assert_int_equal(import_text("global_defs {\n}\n}\n", &r), -1);
	assert_string_equal(err, "inline.conf:3: '}' without a matching '{'");
	kaimport_free(&r);

	assert_int_equal(import_text("vrrp_instance A {\n interface \"eth0\n"
	    "}\n", &r), -1);
	assert_string_equal(err, "inline.conf:2: unterminated \" quote");
	kaimport_free(&r);

	assert_int_equal(import_text("global_defs {\n router_id x\n}\n", &r),
	    -1);
	assert_string_equal(err, "inline.conf: no vrrp_instance could be "
	    "translated (see the warnings)");
	kaimport_free(&r);

	/* An instance without a vrid is left out, with a warning. */
	assert_int_equal(import_text("vrrp_instance A {\n interface eth0\n"
	    " virtual_ipaddress {\n  198.51.100.1/24\n }\n}\n", &r), -1);
	assert_warn(&r, "inline.conf", 1, "vrrp_instance A is not translated: "
	    "no virtual_router_id");
	kaimport_free(&r);

	assert_int_equal(kaimport_file("/nonexistent/keepalived.conf", SOCK,
	    &r, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/keepalived.conf: No such file "
	    "or directory");
	kaimport_free(&r);
}

static void
test_include_loop_and_missing(void **state)
{
	struct kaimport_result r;
	char path[] = "/tmp/dbvip-test-kaloop-XXXXXX";
	char text[200];
	FILE *fp;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	/* Includes itself by its absolute name. */
	fprintf(fp, "include %s\n", path);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(kaimport_file(path, SOCK, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "includes nested deeper than 8"));
	kaimport_free(&r);
	unlink(path);

	snprintf(text, sizeof(text), "include nothing-here-*.conf\n"
	    "vrrp_instance A {\n interface eth0\n virtual_router_id 3\n"
	    " virtual_ipaddress {\n  198.51.100.3/24\n }\n}\n");
	assert_int_equal(import_text(text, &r), 0);
	assert_warn(&r, "inline.conf", 1, "include nothing-here-*.conf "
	    "matches no file");
	kaimport_free(&r);
}

static void
test_semantics(void **state)
{
	struct kaimport_result r;

	(void)state;
	assert_int_equal(import_text(
	    "@host1 vrrp_version 3\n"
	    "vrrp_script chk {\n script /bin/true\n weight 5\n}\n"
	    "vrrp_script unused {\n script /bin/true\n}\n"
	    "vrrp_instance V2 {\n"
	    " state MASTER\n nopreempt\n interface eth0\n"
	    " virtual_router_id 10\n advert_int 1.5\n"
	    " virtual_ipaddress {\n  198.51.100.10/24\n }\n"
	    " track_script {\n  chk\n }\n"
	    " frobnicate 3\n"
	    "}\n"
	    "vrrp_instance V6 {\n"
	    " interface eth0\n virtual_router_id 10\n version 2\n"
	    " advert_int 50\n"
	    " authentication {\n  auth_type PASS\n  auth_pass x\n }\n"
	    " virtual_ipaddress {\n  2001:db8::10/64\n }\n"
	    " track_script {\n  chk weight -5\n }\n"
	    " notify \"/bin/n.sh ; rm\"\n"
	    "}\n"
	    "mystery_block {\n}\n", &r), 0);
	assert_warn(&r, "inline.conf", 1, "conditional configuration");
	/* state MASTER clears nopreempt (keepalived does the same). */
	assert_warn(&r, "inline.conf", 11, "nopreempt with state MASTER");
	assert_line(&r, "preempt = yes");
	assert_no_line(&r, "preempt = no");
	/* v2 carries whole seconds: 1.5 rounds up to 2. */
	assert_warn(&r, "inline.conf", 9, "rounded up");
	assert_line(&r, "advert_int = 2");
	assert_warn(&r, "inline.conf", 21, "frobnicate is not translated");
	/* IPv6 forces v3; auth is dropped; 50 s is above v3's 40.95. */
	assert_warn(&r, "inline.conf", 26, "version 2 cannot carry IPv6");
	assert_line(&r, "version = 3");
	assert_line(&r, "advert_int = 40.95");
	assert_warn(&r, "inline.conf", 30, "authentication with VRRPv3");
	assert_no_line(&r, "auth_pass");
	/* Two weights for one script: two checks. */
	assert_line(&r, "[check chk]");
	assert_line(&r, "weight = 5");
	assert_line(&r, "[check chk_w-5]");
	assert_line(&r, "weight = -5");
	assert_line(&r, "track = chk");
	assert_line(&r, "track = chk_w-5");
	assert_warn(&r, "inline.conf", 38, "';' after a blank");
	assert_no_line(&r, "notify =");
	assert_warn(&r, "inline.conf", 6, "vrrp_script unused is tracked by "
	    "no translated instance");
	assert_no_line(&r, "[check unused]");
	assert_warn(&r, "inline.conf", 40, "mystery_block is not translated");
	assert_int_equal(r.ninstances, 2);
	assert_int_equal(r.nchecks, 2);
	kaimport_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_master),
		cmocka_unit_test(test_backup_with_include),
		cmocka_unit_test(test_unicast_cloud),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_multi_sync_group),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_command_quoting),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_include_loop_and_missing),
		cmocka_unit_test(test_semantics),
	};

	find_kaconf();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
