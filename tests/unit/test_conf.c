/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf: every config file here is written to a temporary file and loaded
 * with conf_load(), as the agent does.  Errors are checked for their exact
 * line and message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../agent/conf/conf.h"

#include "conf_load.h"

static const struct conf_instance *
load_one(const char *text, struct conf *c)
{
	if (load(text, c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c->ninst, 1);
	return &c->inst[0];
}

static void
assert_addr(const struct ipaddr *a, const char *want)
{
	char s[IPADDR_STRLEN];

	assert_string_equal(ipaddr_ntop(a, s, sizeof(s)), want);
}

#define MIN4 "[instance a]\ninterface = eth0\nvrid = 51\n" \
	"vip = 198.51.100.100/24\n"

static void
test_full_valid(void **state)
{
	static const char text[] =
	    "; dbvip test\n"
	    "[global]\n"
	    "control_socket = /tmp/x/ctl.sock   ; inline comment\n"
	    "\n"
	    "[instance db_v4]\n"
	    "interface = veth0\n"
	    "vrid = 51\n"
	    "priority = 150\n"
	    "version = 3\n"
	    "advert_int = 0.5\n"
	    "vip = 198.51.100.100/24\n"
	    "vip = 198.51.100.101\n"
	    "unicast_peer = 198.51.100.2\n"
	    "unicast_peer = 198.51.100.3\n"
	    "preempt = off\n"
	    "preempt_delay = 2.5\n"
	    "checksum = no_pseudo_header\n"
	    "garp_repeat = 5\n"
	    "garp_delay = 0.25\n"
	    "garp_refresh = 60\n"
	    "\n"
	    "# the IPv6 one\n"
	    "[instance db_v6]\n"
	    "  interface = veth0\n"
	    "\tvrid = 51\n"
	    "priority = 255\n"
	    "vip = 2001:db8::100/64\n"
	    "unicast_peer = 2001:db8::2\n"
	    "[instance legacy]\n"
	    "interface = veth1\n"
	    "vrid = 7\n"
	    "version = 2\n"
	    "advert_int = 3\n"
	    "auth_pass = s3cret\n"
	    "vip = 198.51.100.200/24\n";
	struct conf c;
	const struct conf_instance *a, *b, *l;

	(void)state;
	if (load(text, &c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.ninst, 3);
	assert_string_equal(c.control_socket, "/tmp/x/ctl.sock");

	a = conf_find(&c, "db_v4");
	assert_non_null(a);
	assert_string_equal(a->ifname, "veth0");
	assert_int_equal(a->family, AF_INET);
	assert_int_equal(a->vrid, 51);
	assert_int_equal(a->priority, 150);
	assert_int_equal(a->version, 3);
	assert_int_equal(a->advert_int_cs, 50);
	assert_int_equal(a->nvips, 2);
	assert_addr(&a->vips[0].addr, "198.51.100.100");
	assert_int_equal(a->vips[0].plen, 24);
	assert_addr(&a->vips[1].addr, "198.51.100.101");
	assert_int_equal(a->vips[1].plen, 32);
	assert_int_equal(a->npeers, 2);
	assert_addr(&a->peers[0], "198.51.100.2");
	assert_addr(&a->peers[1], "198.51.100.3");
	assert_false(a->preempt);
	assert_int_equal(a->preempt_delay_ms, 2500);
	assert_int_equal(a->cksum, VRRP_CKSUM_NO_PSEUDO);
	assert_int_equal(a->auth_type, VRRP_AUTH_NONE);
	assert_int_equal(a->garp_repeat, 5);
	assert_int_equal(a->garp_delay_ms, 250);
	assert_int_equal(a->garp_refresh_ms, 60000);
	assert_int_equal(a->line, 5);

	b = conf_find(&c, "db_v6");
	assert_non_null(b);
	assert_int_equal(b->family, AF_INET6);
	assert_string_equal(b->ifname, "veth0");
	assert_int_equal(b->vrid, 51);
	assert_int_equal(b->priority, 255);
	assert_addr(&b->vips[0].addr, "2001:db8::100");
	assert_int_equal(b->vips[0].plen, 64);
	assert_int_equal(b->npeers, 1);
	assert_addr(&b->peers[0], "2001:db8::2");
	assert_int_equal(b->line, 23);

	l = conf_find(&c, "legacy");
	assert_non_null(l);
	assert_int_equal(l->version, 2);
	assert_int_equal(l->advert_int_cs, 300);
	assert_int_equal(l->auth_type, VRRP_AUTH_PASS);
	assert_memory_equal(l->auth_pass, "s3cret\0\0", VRRP_AUTH_LEN);

	assert_null(conf_find(&c, "nope"));
	conf_free(&c);
	assert_null(c.inst);
}

static void
test_defaults(void **state)
{
	struct conf c;
	const struct conf_instance *ci;

	(void)state;
	ci = load_one(MIN4, &c);
	assert_string_equal(c.control_socket, "/run/dbvip/dbvipd.sock");
	assert_string_equal(ci->name, "a");
	assert_int_equal(ci->family, AF_INET);
	assert_int_equal(ci->priority, 100);
	assert_int_equal(ci->version, 3);
	assert_int_equal(ci->advert_int_cs, 100);
	assert_int_equal(ci->npeers, 0);
	assert_true(ci->preempt);
	assert_int_equal(ci->preempt_delay_ms, 0);
	assert_int_equal(ci->cksum, VRRP_CKSUM_PSEUDO);
	assert_int_equal(ci->auth_type, VRRP_AUTH_NONE);
	assert_memory_equal(ci->auth_pass, "\0\0\0\0\0\0\0\0", VRRP_AUTH_LEN);
	assert_int_equal(ci->garp_repeat, 3);
	assert_int_equal(ci->garp_delay_ms, 100);
	assert_int_equal(ci->garp_refresh_ms, 0);
	conf_free(&c);
}

static void
test_advert_int_v3_fraction(void **state)
{
	struct conf c;
	const struct conf_instance *ci;

	(void)state;
	ci = load_one(MIN4 "advert_int = 0.01\n", &c);
	assert_int_equal(ci->advert_int_cs, 1);
	conf_free(&c);
	ci = load_one(MIN4 "advert_int = 40.95\n", &c);
	assert_int_equal(ci->advert_int_cs, 4095);
	conf_free(&c);
	ci = load_one(MIN4 "advert_int = 2.5\n", &c);
	assert_int_equal(ci->advert_int_cs, 250);
	conf_free(&c);
}

static void
test_advert_int_v2_fraction_refused(void **state)
{
	(void)state;
	/* The version comes after advert_int: checked at section end, but
	 * reported at advert_int's line. */
	expect_error(MIN4 "advert_int = 1.5\nversion = 2\n", 5,
	    "advert_int: VRRPv2 carries whole seconds only");
}

static void
test_advert_int_v2_whole(void **state)
{
	struct conf c;
	const struct conf_instance *ci;

	(void)state;
	/* "2.00" is a whole number of seconds. */
	ci = load_one(MIN4 "version = 2\nadvert_int = 2.00\n", &c);
	assert_int_equal(ci->advert_int_cs, 200);
	conf_free(&c);
	ci = load_one(MIN4 "version = 2\nadvert_int = 255\n", &c);
	assert_int_equal(ci->advert_int_cs, 25500);
	conf_free(&c);
	expect_error(MIN4 "version = 2\nadvert_int = 256\n", 6,
	    "advert_int: 256 is out of range");
}

static void
test_advert_int_out_of_range(void **state)
{
	(void)state;
	expect_error(MIN4 "advert_int = 40.96\n", 5,
	    "advert_int: 40.96 is above 40.95");
	expect_error(MIN4 "advert_int = 0.001\n", 5,
	    "advert_int: 0.001 has more than 2 decimals");
	expect_error(MIN4 "advert_int = 0\n", 5, "advert_int: must be above 0");
	expect_error(MIN4 "advert_int = 0.00\n", 5,
	    "advert_int: must be above 0");
	expect_error(MIN4 "advert_int = 1.\n", 5,
	    "advert_int: '1.' is not a number");
	expect_error(MIN4 "advert_int = .5\n", 5,
	    "advert_int: '.5' is not a number");
	expect_error(MIN4 "advert_int = -1\n", 5,
	    "advert_int: '-1' is not a number");
	expect_error(MIN4 "advert_int = 1e2\n", 5,
	    "advert_int: '1e2' is not a number");
}

static void
test_strict_integers(void **state)
{
	(void)state;
	expect_error(MIN4 "priority = 10x\n", 5,
	    "priority: '10x' is not a whole number");
	expect_error(MIN4 "priority = +10\n", 5,
	    "priority: '+10' is not a whole number");
	expect_error(MIN4 "priority = 0\n", 5,
	    "priority: 0 is out of range 1..255");
	expect_error(MIN4 "priority = 256\n", 5,
	    "priority: 256 is out of range 1..255");
	expect_error(MIN4 "priority = 99999999999999999999999\n", 5,
	    "out of range 1..255");
	expect_error(MIN4 "garp_repeat = 0\n", 5,
	    "garp_repeat: 0 is out of range 1..100");
	expect_error(MIN4 "garp_repeat = 101\n", 5,
	    "garp_repeat: 101 is out of range 1..100");
	expect_error(MIN4 "version = 4\n", 5, "version: '4' is not 2 or 3");
}

static void
test_vrid_range(void **state)
{
	struct conf c;
	const struct conf_instance *ci;

	(void)state;
	expect_error("[instance a]\ninterface = eth0\nvrid = 0\n", 3,
	    "vrid: 0 is out of range 1..255");
	expect_error("[instance a]\ninterface = eth0\nvrid = 256\n", 3,
	    "vrid: 256 is out of range 1..255");
	ci = load_one("[instance a]\ninterface = eth0\nvrid = 255\n"
	    "vip = 198.51.100.1\n", &c);
	assert_int_equal(ci->vrid, 255);
	conf_free(&c);
}

static void
test_durations(void **state)
{
	struct conf c;
	const struct conf_instance *ci;

	(void)state;
	ci = load_one(MIN4 "preempt_delay = 3600\ngarp_delay = 0.001\n"
	    "garp_refresh = 0.5\n", &c);
	assert_int_equal(ci->preempt_delay_ms, 3600000);
	assert_int_equal(ci->garp_delay_ms, 1);
	assert_int_equal(ci->garp_refresh_ms, 500);
	conf_free(&c);
	expect_error(MIN4 "preempt_delay = 3600.001\n", 5,
	    "preempt_delay: 3600.001 is out of range 0..3600 seconds");
	expect_error(MIN4 "preempt_delay = 0.0001\n", 5,
	    "preempt_delay: 0.0001 has more than 3 decimals");
	expect_error(MIN4 "garp_delay = 1s\n", 5,
	    "garp_delay: '1s' is not a number of seconds");
}

static void
test_preempt_words(void **state)
{
	static const char *yes[] = { "yes", "true", "on", "YES", "On" };
	static const char *no[] = { "no", "false", "off", "No" };
	char text[256];
	struct conf c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), MIN4 "preempt = %s\n", yes[i]);
		assert_true(load_one(text, &c)->preempt);
		conf_free(&c);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), MIN4 "preempt = %s\n", no[i]);
		assert_false(load_one(text, &c)->preempt);
		conf_free(&c);
	}
	expect_error(MIN4 "preempt = 1\n", 5, "preempt: '1' is not yes/no");
}

static void
test_vip_mixed_families(void **state)
{
	(void)state;
	expect_error(MIN4 "vip = 198.51.100.101/24\nvip = 2001:db8::1/64\n",
	    6, "vip: 2001:db8::1 is IPv6 but the first vip (line 4) is "
	    "IPv4");
}

static void
test_vip_errors(void **state)
{
	(void)state;
	expect_error(MIN4 "vip = 198.51.100.300/24\n", 5,
	    "vip: '198.51.100.300/24' is not an address");
	expect_error(MIN4 "vip = 198.51.100.1/33\n", 5, "vip: '198.51.100.1/33'");
	expect_error(MIN4 "vip = 224.0.0.18\n", 5,
	    "vip: 224.0.0.18 is not a unicast address");
	expect_error(MIN4 "vip = 198.51.100.100/25\n", 5,
	    "vip: 198.51.100.100 is already listed at line 4");
	expect_error("[instance a]\ninterface = eth0\nvrid = 1\n", 1,
	    "instance a: no vip");
}

static void
test_peer_family(void **state)
{
	(void)state;
	/* The peer comes before the VIPs: found at section end, reported at
	 * the peer's own line. */
	expect_error("[instance a]\nunicast_peer = 2001:db8::2\n"
	    "interface = eth0\nvrid = 5\nvip = 198.51.100.1/24\n", 2,
	    "unicast_peer: 2001:db8::2 is IPv6 but the vips are IPv4");
	expect_error(MIN4 "unicast_peer = 198.51.100.2\n"
	    "unicast_peer = 198.51.100.2\n", 6,
	    "unicast_peer: 198.51.100.2 is already listed at line 5");
	expect_error(MIN4 "unicast_peer = peer1\n", 5,
	    "unicast_peer: 'peer1' is not an address");
}

static void
test_duplicate_vrid_same_interface(void **state)
{
	struct conf c;

	(void)state;
	expect_error(MIN4 "[instance b]\ninterface = eth0\nvrid = 51\n"
	    "vip = 198.51.100.50/24\n", 5,
	    "instance b: interface eth0 vrid 51 IPv4 is already used by "
	    "instance a (line 1)");
	/* Same VRID on another interface, or in the other family: fine. */
	if (load(MIN4 "[instance b]\ninterface = eth1\nvrid = 51\n"
	    "vip = 198.51.100.50/24\n[instance c]\ninterface = eth0\n"
	    "vrid = 51\nvip = 2001:db8::5/64\n", &c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.ninst, 3);
	conf_free(&c);
}

static void
test_duplicate_vip_across_instances(void **state)
{
	(void)state;
	expect_error(MIN4 "[instance b]\ninterface = eth1\nvrid = 52\n"
	    "vip = 198.51.100.100/24\n", 8,
	    "vip: 198.51.100.100 is already a vip of instance a (line 1)");
}

static void
test_duplicate_instance_name(void **state)
{
	(void)state;
	expect_error(MIN4 "[instance a]\ninterface = eth1\n", 5,
	    "instance a is already defined at line 1");
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_error(MIN4 "\n; comment\nweight = 3\n", 7,
	    "unknown key 'weight' in [instance]");
	expect_error("[global]\ninterface = eth0\n", 2,
	    "unknown key 'interface' in [global]");
	/* A key of [global] is not a key of [instance]. */
	expect_error(MIN4 "control_socket = /x\n", 5,
	    "unknown key 'control_socket' in [instance]");
}

static void
test_unknown_section(void **state)
{
	(void)state;
	expect_error(MIN4 "\n[vrrp_instance b]\n", 6,
	    "unknown section [vrrp_instance b]");
	expect_error("[instance]\n", 1, "[instance] needs a name");
	expect_error("[instance a b]\n", 1, "instance name 'a b'");
	expect_error("[global\n", 1, "section header without ']'");
	expect_error("[global] junk\n", 1, "text after the section header");
	expect_error("[global]\n[global]\n", 2, "second [global] section");
}

static void
test_duplicate_key(void **state)
{
	(void)state;
	expect_error(MIN4 "priority = 10\npriority = 20\n", 6,
	    "priority is already set at line 5");
	expect_error(MIN4 "interface = eth1\n", 5,
	    "interface is already set at line 2");
}

static void
test_missing_keys(void **state)
{
	(void)state;
	expect_error("[instance a]\nvrid = 1\nvip = 198.51.100.1\n"
	    "[instance b]\n", 1, "instance a: interface is missing");
	expect_error("\n[instance a]\ninterface = eth0\n"
	    "vip = 198.51.100.1\n", 2, "instance a: vrid is missing");
	/* An empty section at the end is still checked. */
	expect_error(MIN4 "[instance b]\n", 5,
	    "instance b: interface is missing");
	expect_error("[global]\n", 0, "no [instance NAME] section");
	expect_error("", 0, "no [instance NAME] section");
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	expect_error(MIN4 "priority\n", 5, "syntax error");
	expect_error("vrid = 1\n", 1, "'vrid' outside of a section");
	expect_error(MIN4 "priority =\n", 5, "priority has no value");
	/* inih keeps reading after a syntax error; the first error wins. */
	expect_error(MIN4 "bogus line\nweight = 1\n", 5, "syntax error");
}

static void
test_indented_line_not_continuation(void **state)
{
	struct conf c;
	const struct conf_instance *ci;

	(void)state;
	/* Indented keys are keys of their own, not continuations. */
	ci = load_one("[instance a]\n  interface = eth0\n    vrid = 9\n"
	    "    vip = 198.51.100.1/24\n      vip = 198.51.100.2/24\n", &c);
	assert_int_equal(ci->vrid, 9);
	assert_int_equal(ci->nvips, 2);
	conf_free(&c);
	/* An indented bare word is a syntax error, not a second vip. */
	expect_error(MIN4 "    198.51.100.7/24\n", 5, "syntax error");
}

static void
test_version_constraints(void **state)
{
	(void)state;
	expect_error("[instance a]\ninterface = eth0\nvrid = 1\nversion = 2\n"
	    "vip = 2001:db8::1/64\n", 4, "version 2 is IPv4 only");
	expect_error(MIN4 "version = 2\nchecksum = rfc\n", 6,
	    "checksum: only VRRPv3 over IPv4");
	expect_error("[instance a]\ninterface = eth0\nvrid = 1\n"
	    "checksum = no_pseudo_header\nvip = 2001:db8::1/64\n", 4,
	    "checksum: only VRRPv3 over IPv4 has a choice of checksum "
	    "(this instance is v3 over IPv6)");
	expect_error(MIN4 "checksum = none\n", 5,
	    "checksum: 'none' is not rfc or no_pseudo_header");
}

static void
test_auth_pass(void **state)
{
	struct conf c;
	const struct conf_instance *ci;

	(void)state;
	expect_error(MIN4 "auth_pass = secret\n", 5,
	    "auth_pass: VRRPv3 has no authentication");
	expect_error(MIN4 "version = 2\nauth_pass = 123456789\n", 6,
	    "auth_pass: must be 1..8 characters");
	ci = load_one(MIN4 "version = 2\nauth_pass = 12345678\n", &c);
	assert_int_equal(ci->auth_type, VRRP_AUTH_PASS);
	assert_memory_equal(ci->auth_pass, "12345678", VRRP_AUTH_LEN);
	conf_free(&c);
}

static void
test_control_socket(void **state)
{
	char text[512];
	char longpath[200];

	(void)state;
	expect_error("[global]\ncontrol_socket = run/x.sock\n" MIN4, 2,
	    "control_socket: 'run/x.sock' is not an absolute path");
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[108] = '\0';
	snprintf(text, sizeof(text), "[global]\ncontrol_socket = %s\n",
	    longpath);
	expect_error(text, 2, "control_socket: path longer than 107");
}

static void
test_user(void **state)
{
	struct conf c;
	char text[512];
	char longname[40];

	(void)state;
	load_one(MIN4, &c);
	assert_string_equal(c.user, "");
	conf_free(&c);
	load_one("[global]\nuser = dbvip\n" MIN4, &c);
	assert_string_equal(c.user, "dbvip");
	conf_free(&c);
	load_one("[global]\nuser = svc.db-vip_2\n" MIN4, &c);
	assert_string_equal(c.user, "svc.db-vip_2");
	conf_free(&c);
	expect_error("[global]\nuser = -root\n" MIN4, 2,
	    "user: '-root' is not a valid user name");
	expect_error("[global]\nuser = db vip\n" MIN4, 2,
	    "user: 'db vip' is not a valid user name");
	expect_error("[global]\nuser = a/b\n" MIN4, 2,
	    "user: 'a/b' is not a valid user name");
	expect_error("[global]\ncontrol_socket = /x\nuser = a\nuser = b\n"
	    MIN4, 4, "user");
	expect_error(MIN4 "user = dbvip\n", 5,
	    "unknown key 'user' in [instance]");
	memset(longname, 'u', sizeof(longname) - 1);
	longname[32] = '\0';
	snprintf(text, sizeof(text), "[global]\nuser = %s\n" MIN4, longname);
	load_one(text, &c);
	assert_int_equal(strlen(c.user), 32);
	conf_free(&c);
	longname[32] = 'u';
	longname[33] = '\0';
	snprintf(text, sizeof(text), "[global]\nuser = %s\n" MIN4, longname);
	expect_error(text, 2, "is not a valid user name (1..32");
}

static void
test_interface_and_name(void **state)
{
	(void)state;
	expect_error("[instance a]\ninterface = averyveryverylongname0\n", 2,
	    "interface: 'averyveryverylongname0' is not a valid");
	expect_error("[instance a]\ninterface = eth0/1\n", 2,
	    "interface: 'eth0/1' is not a valid");
	expect_error("[instance a;b]\n", 1, "instance name 'a;b'");
}

static void
test_long_line(void **state)
{
	char text[400];

	(void)state;
	snprintf(text, sizeof(text), MIN4 "; %0300d\n", 0);
	expect_error(text, 5, "line longer than");
}

static void
test_missing_file(void **state)
{
	struct conf c;

	(void)state;
	assert_int_equal(conf_load("/nonexistent/dbvip.conf", &c, err,
	    sizeof(err)), -1);
	assert_string_equal(err,
	    "/nonexistent/dbvip.conf: No such file or directory");
}

static void
test_crlf_and_bom(void **state)
{
	struct conf c;
	const struct conf_instance *ci;

	(void)state;
	ci = load_one("\xef\xbb\xbf[instance a]\r\ninterface = eth0\r\n"
	    "vrid = 3\r\nvip = 198.51.100.1/24\r\n", &c);
	assert_string_equal(ci->ifname, "eth0");
	assert_int_equal(ci->vrid, 3);
	conf_free(&c);
}


/* --- [mariadb], [check NAME], track -------------------------------------- */

static char pw_path[64];

/* A password file with the given mode; its path is in pw_path. */
static void
write_pw(const char *pw, mode_t mode)
{
	int fd;

	strcpy(pw_path, "/tmp/dbvip-test-pw-XXXXXX");
	fd = mkstemp(pw_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pw, strlen(pw)), (ssize_t)strlen(pw));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_checks_valid(void **state)
{
	char text[1024];
	struct conf c;
	const struct conf_instance *ci;

	(void)state;
	write_pw("s3cret\nignored second line\n", 0600);
	snprintf(text, sizeof(text),
	    "[instance a]\ninterface = eth0\nvrid = 51\n"
	    "vip = 198.51.100.100/24\ntrack = alive\ntrack = lag\n"
	    "[mariadb]\nsocket = /run/mysqld/mysqld.sock\nuser = dbvip\n"
	    "password_file = %s\n"
	    "[check alive]\ntype = ping\ninterval = 0.5\ntimeout = 0.25\n"
	    "fall = 3\n"
	    "[check lag]\ntype = replication\nmax_lag = 5\nweight = -20\n"
	    "[check q]\ntype = sql\nquery = SELECT 7\nexpect = <10\n"
	    "[check s]\ntype = script\ncommand = /bin/true\nweight = +5\n",
	    pw_path);
	ci = load_one(text, &c);
	unlink(pw_path);
	assert_true(c.have_db);
	assert_string_equal(c.db.password, "s3cret");
	assert_string_equal(c.db.user, "dbvip");
	assert_int_equal(c.db.port, 3306);
	assert_int_equal(c.nchecks, 4);
	assert_int_equal(c.checks[0].cc.type, CHECK_PING);
	assert_int_equal(c.checks[0].cc.interval_ms, 500);
	assert_int_equal(c.checks[0].cc.timeout_ms, 250);
	assert_int_equal(c.checks[0].fall, 3);
	assert_int_equal(c.checks[0].rise, 2);
	assert_int_equal(c.checks[0].weight, 0);
	assert_int_equal(c.checks[0].fast_interval_ms, 200);
	assert_int_equal(c.checks[1].weight, -20);
	assert_int_equal(c.checks[1].cc.max_lag_s, 5);
	assert_int_equal(c.checks[2].cc.expect_op, '<');
	assert_string_equal(c.checks[2].cc.expect, "10");
	assert_int_equal(c.checks[3].weight, 5);
	assert_int_equal(ci->ntrack, 2);
	assert_int_equal(ci->track[0], 0);
	assert_int_equal(ci->track[1], 1);
	conf_free(&c);
}

static void
test_password_file_mode(void **state)
{
	char text[512];

	(void)state;
	write_pw("pw\n", 0640);
	snprintf(text, sizeof(text), MIN4 "[mariadb]\nsocket = /tmp/s\n"
	    "user = u\npassword_file = %s\n", pw_path);
	expect_error(text, 8, "readable by group or others (mode 0640)");
	unlink(pw_path);
	expect_error(MIN4 "[mariadb]\nsocket = /tmp/s\nuser = u\n"
	    "password_file = /nonexistent/pw\n", 8, "No such file");
}

static void
test_check_errors(void **state)
{
	(void)state;
	expect_error(MIN4 "[check x]\ninterval = 1\n", 5,
	    "check x: type is missing");
	expect_error(MIN4 "[check x]\ntype = script\ncommand = /bin/true\n"
	    "interval = 0.5\nfast_interval = 0.6\n", 9,
	    "fast_interval: above interval");
	expect_error(MIN4 "[check x]\ntype = pong\n", 6,
	    "type: 'pong' is not ping");
	expect_error(MIN4 "[check x]\ntype = ping\nquery = SELECT 1\n", 7,
	    "query: only for type sql, this check is ping");
	expect_error(MIN4 "[check x]\ntype = sql\n", 5,
	    "check x: type sql needs query");
	expect_error(MIN4 "[check x]\ntype = sql\nquery = SELECT 1\n"
	    "expect = <abc\n", 8, "needs a number");
	expect_error(MIN4 "[check x]\ntype = script\ncommand = /bin/true\n"
	    "weight = 255\n", 8, "weight: 255 is out of range");
	expect_error(MIN4 "[check x]\ntype = script\ncommand = /bin/true\n"
	    "[check x]\n", 8, "check x is already defined at line 5");
	expect_error(MIN4 "[check x]\ntype = ping\n", 5,
	    "type ping needs a [mariadb] section");
	expect_error(MIN4 "[check x]\ntype = write\ntable = a;drop\n", 7,
	    "table: 'a;drop' is not DATABASE.TABLE");
	expect_error(MIN4 "[mariadb]\nhost = db.example\n", 6,
	    "host: 'db.example' is not a numeric address");
	expect_error(MIN4 "[mariadb]\nuser = u\n", 0,
	    "[mariadb] needs socket or host");
}

static void
test_track_errors(void **state)
{
	(void)state;
	expect_error(MIN4 "track = nosuch\n", 5, "track: no [check nosuch]");
	expect_error(MIN4 "track = s\ntrack = s\n[check s]\ntype = script\n"
	    "command = /bin/true\n", 6, "track: s is already tracked at "
	    "line 5");
}

/* --- the database role ---------------------------------------------------- */

static void
test_role_valid(void **state)
{
	char text[2048], adm[64];
	struct conf c;

	(void)state;
	write_pw("adm1n\n", 0600);
	strcpy(adm, pw_path);
	write_pw("r3pl\n", 0600);
	snprintf(text, sizeof(text),
	    "[instance a]\ninterface = eth0\nvrid = 51\n"
	    "vip = 198.51.100.100/24\n"
	    "[instance b]\ninterface = eth0\nvrid = 52\n"
	    "vip = 198.51.100.101/24\ndatabase = yes\n"
	    "[mariadb]\nsocket = /tmp/s\nuser = dbvip\nrole = replication\n"
	    "admin_user = dbvipadm\nadmin_password_file = %s\n"
	    "repl_user = repl\nrepl_password_file = %s\npromote_wait = 2.5\n"
	    "promote_backoff = 30\ndemote_timeout = 0.5\n"
	    "role_check_interval = 0.2\npeer_timeout = 0.3\n"
	    "promote_sql = SET GLOBAL event_scheduler = ON\n"
	    "kill_sessions_on_demote = yes\n"
	    "db_peer = 198.51.100.12 198.51.100.112\n"
	    "db_peer = 198.51.100.13 198.51.100.113:3307\n"
	    "db_peer = 2001:db8::14 [2001:db8::114]:3308\n", adm, pw_path);
	if (load(text, &c) != 0)
		fail_msg("%s", err);
	unlink(adm);
	unlink(pw_path);
	assert_int_equal(c.role.kind, CONF_ROLE_REPLICATION);
	assert_int_equal(c.role.inst, 1);
	assert_string_equal(c.role.admin_user, "dbvipadm");
	assert_string_equal(c.role.admin_password, "adm1n");
	assert_string_equal(c.role.repl_user, "repl");
	assert_string_equal(c.role.repl_password, "r3pl");
	assert_int_equal(c.role.promote_wait_ms, 2500);
	assert_int_equal(c.role.promote_backoff_ms, 30000);
	assert_int_equal(c.role.demote_timeout_ms, 500);
	assert_int_equal(c.role.check_interval_ms, 200);
	assert_int_equal(c.role.peer_timeout_ms, 300);
	assert_true(c.role.kill_sessions);
	assert_string_equal(c.role.promote_sql,
	    "SET GLOBAL event_scheduler = ON");
	assert_int_equal(c.role.npeers, 3);
	assert_addr(&c.role.peers[0].vrrp, "198.51.100.12");
	assert_string_equal(c.role.peers[0].host, "198.51.100.112");
	assert_int_equal(c.role.peers[0].port, 3306);
	assert_int_equal(c.role.peers[1].port, 3307);
	assert_string_equal(c.role.peers[2].host, "2001:db8::114");
	assert_int_equal(c.role.peers[2].port, 3308);
	conf_free(&c);
}

static void
test_role_defaults(void **state)
{
	char text[1024];
	struct conf c;

	(void)state;
	/* No role: nothing required, no instance carries it. */
	if (load(MIN4, &c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.role.kind, CONF_ROLE_NONE);
	assert_int_equal(c.role.inst, -1);
	conf_free(&c);
	/* Galera: the only instance, no replication account needed. */
	if (load(MIN4 "[mariadb]\nsocket = /tmp/s\nuser = u\nrole = galera\n",
	    &c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.role.kind, CONF_ROLE_GALERA);
	assert_int_equal(c.role.inst, 0);
	conf_free(&c);
	write_pw("r\n", 0600);
	snprintf(text, sizeof(text), MIN4 "[mariadb]\nsocket = /tmp/s\n"
	    "user = u\nrole = replication\nrepl_user = repl\n"
	    "repl_password_file = %s\ndb_peer = 198.51.100.12 "
	    "198.51.100.12\n", pw_path);
	if (load(text, &c) != 0)
		fail_msg("%s", err);
	unlink(pw_path);
	assert_int_equal(c.role.promote_wait_ms, 5000);
	assert_int_equal(c.role.promote_backoff_ms, 10000);
	assert_int_equal(c.role.demote_timeout_ms, 1000);
	assert_int_equal(c.role.check_interval_ms, 0);
	assert_false(c.role.kill_sessions);
	assert_string_equal(c.role.admin_user, "");
	/* No peer list: the db_peer addresses filter the adverts. */
	assert_int_equal(c.inst[0].nmpeers, 1);
	assert_true(ipaddr_eq(&c.inst[0].mpeers[0], &c.role.peers[0].vrrp));
	conf_free(&c);
}

static void
test_role_errors(void **state)
{
	char text[1024];

	(void)state;
	expect_error(MIN4 "[mariadb]\nsocket = /tmp/s\nuser = u\n"
	    "role = master\n", 8, "role: 'master' is not none");
	expect_error(MIN4 "[mariadb]\nsocket = /tmp/s\nuser = u\n"
	    "role = replication\n", 0, "needs repl_user and "
	    "repl_password_file");
	write_pw("r\n", 0600);
	snprintf(text, sizeof(text), MIN4 "[mariadb]\nsocket = /tmp/s\n"
	    "user = u\nrole = replication\nrepl_user = repl\n"
	    "repl_password_file = %s\n", pw_path);
	expect_error(text, 0, "needs the other hosts: db_peer");
	unlink(pw_path);
	expect_error(MIN4 "database = yes\n", 1, "database = yes needs role");
	expect_error(MIN4 "[instance b]\ninterface = eth0\nvrid = 52\n"
	    "vip = 198.51.100.101/24\n[mariadb]\nsocket = /tmp/s\n"
	    "user = u\nrole = galera\n", 0, "set database = yes");
	expect_error(MIN4 "database = yes\n[instance b]\ninterface = eth0\n"
	    "vrid = 52\nvip = 198.51.100.101/24\ndatabase = yes\n", 6,
	    "already carries the database role");
	expect_error(MIN4 "[mariadb]\nsocket = /tmp/s\nuser = u\n"
	    "db_peer = 198.51.100.12\n", 8, "is not 'VRRP-ADDRESS");
	expect_error(MIN4 "[mariadb]\nsocket = /tmp/s\nuser = u\n"
	    "db_peer = 198.51.100.12 db2.example\n", 8, "not a numeric");
	expect_error(MIN4 "[mariadb]\nsocket = /tmp/s\nuser = u\n"
	    "db_peer = 198.51.100.12 198.51.100.112:0\n", 8,
	    "port '0' is not 1..65535");
	expect_error(MIN4 "[mariadb]\nsocket = /tmp/s\nuser = u\n"
	    "db_peer = 198.51.100.12 198.51.100.112\n"
	    "db_peer = 198.51.100.12 198.51.100.113\n", 9, "already mapped");
	expect_error(MIN4 "[mariadb]\nsocket = /tmp/s\nuser = u\n"
	    "repl_user = it's\n", 8, "quotes");
	expect_error(MIN4 "[mariadb]\nsocket = /tmp/s\nuser = u\n"
	    "demote_timeout = 0\n", 8, "at least 0.010 seconds");
	/* The replication password follows the password_file rule. */
	write_pw("r\n", 0644);
	snprintf(text, sizeof(text), MIN4 "[mariadb]\nsocket = /tmp/s\n"
	    "user = u\nrepl_password_file = %s\n", pw_path);
	expect_error(text, 8, "repl_password_file: ");
	expect_error(text, 8, "readable by group or others (mode 0644)");
	unlink(pw_path);
	write_pw("it's\n", 0600);
	snprintf(text, sizeof(text), MIN4 "[mariadb]\nsocket = /tmp/s\n"
	    "user = u\nrepl_password_file = %s\n", pw_path);
	expect_error(text, 8, "must not contain quotes");
	unlink(pw_path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_valid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_advert_int_v3_fraction),
		cmocka_unit_test(test_advert_int_v2_fraction_refused),
		cmocka_unit_test(test_advert_int_v2_whole),
		cmocka_unit_test(test_advert_int_out_of_range),
		cmocka_unit_test(test_strict_integers),
		cmocka_unit_test(test_vrid_range),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_preempt_words),
		cmocka_unit_test(test_vip_mixed_families),
		cmocka_unit_test(test_vip_errors),
		cmocka_unit_test(test_peer_family),
		cmocka_unit_test(test_duplicate_vrid_same_interface),
		cmocka_unit_test(test_duplicate_vip_across_instances),
		cmocka_unit_test(test_duplicate_instance_name),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_indented_line_not_continuation),
		cmocka_unit_test(test_version_constraints),
		cmocka_unit_test(test_auth_pass),
		cmocka_unit_test(test_control_socket),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_interface_and_name),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_crlf_and_bom),
		cmocka_unit_test(test_checks_valid),
		cmocka_unit_test(test_password_file_mode),
		cmocka_unit_test(test_check_errors),
		cmocka_unit_test(test_track_errors),
		cmocka_unit_test(test_role_valid),
		cmocka_unit_test(test_role_defaults),
		cmocka_unit_test(test_role_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
