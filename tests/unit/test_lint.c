/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint: configurations built by hand (so that even what conf_load()
 * refuses can be fed in), every finding collected and checked for its
 * kind and text.  The address-owner check reads the real interfaces: it
 * uses lo, which holds 127.0.0.1 and ::1 and never a documentation address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../../agent/conf/conf.h"
#include "../../agent/conf/lint.h"

#define MAX_FINDINGS	16

struct findings {
	int n;
	bool error[MAX_FINDINGS];
	char msg[MAX_FINDINGS][800];
};

static void
collect(void *arg, bool error, const char *msg)
{
	struct findings *f = arg;

	assert_true(f->n < MAX_FINDINGS);
	f->error[f->n] = error;
	snprintf(f->msg[f->n], sizeof(f->msg[0]), "%s", msg);
	f->n++;
}

/* A v3 IPv4 instance with dbvip's defaults: nothing to say about it. */
static void
inst(struct conf_instance *ci, const char *name, const char *ifname,
    uint8_t vrid, const char *vip, int line)
{
	memset(ci, 0, sizeof(*ci));
	snprintf(ci->name, sizeof(ci->name), "%s", name);
	snprintf(ci->ifname, sizeof(ci->ifname), "%s", ifname);
	ci->vrid = vrid;
	ci->priority = 100;
	ci->version = 3;
	ci->advert_int_cs = 100;
	assert_int_equal(ipprefix_parse(vip, &ci->vips[0]), 0);
	ci->nvips = 1;
	ci->family = ci->vips[0].addr.family;
	ci->preempt = true;
	ci->auth_type = VRRP_AUTH_NONE;
	ci->garp_repeat = 3;
	ci->garp_delay_ms = 100;
	ci->line = line;
}

static int
run(struct conf_instance *ci, int n, struct findings *f)
{
	struct conf c;

	memset(&c, 0, sizeof(c));
	snprintf(c.path, sizeof(c.path), "/etc/dbvip/test.conf");
	c.inst = ci;
	c.ninst = n;
	memset(f, 0, sizeof(*f));
	return lint_conf(&c, collect, f);
}

/* Finding i is of this kind, and holds text. */
static void
assert_finding(const struct findings *f, int i, bool error, const char *text)
{
	assert_true(i < f->n);
	if (f->error[i] != error || strstr(f->msg[i], text) == NULL)
		fail_msg("finding %d: %s \"%s\", want %s \"...%s...\"", i,
		    f->error[i] ? "error" : "warning", f->msg[i],
		    error ? "error" : "warning", text);
}

static void
test_clean(void **state)
{
	struct conf_instance ci[2];
	struct findings f;

	(void)state;
	inst(&ci[0], "a", "eth0", 1, "198.51.100.1/24", 3);
	inst(&ci[1], "b", "eth0", 2, "198.51.100.2/24", 9);
	assert_int_equal(run(ci, 2, &f), 0);
	assert_int_equal(f.n, 0);
}

static void
test_message_format(void **state)
{
	struct conf_instance ci;
	struct findings f;

	(void)state;
	inst(&ci, "db_vip", "eth0", 1, "198.51.100.1/24", 12);
	ci.version = 2;
	assert_int_equal(run(&ci, 1, &f), 0);
	assert_int_equal(f.n, 1);
	assert_finding(&f, 0, false, "VRRPv2");
	assert_true(strncmp(f.msg[0], "/etc/dbvip/test.conf:12: instance "
	    "db_vip: uses VRRPv2: every peer, keepalived included, must run "
	    "version 2", 86) == 0);
}

static void
test_vrid_twice(void **state)
{
	struct conf_instance ci[3];
	struct findings f;

	(void)state;
	/* v4 and v6 with one vrid on one interface: allowed, but warned. */
	inst(&ci[0], "v4", "eth0", 7, "198.51.100.7/24", 1);
	inst(&ci[1], "v6", "eth0", 7, "2001:db8::7/64", 8);
	inst(&ci[2], "other_if", "eth1", 7, "198.51.100.8/24", 15);
	assert_int_equal(run(ci, 3, &f), 0);
	assert_int_equal(f.n, 1);
	assert_finding(&f, 0, false, ":8: instance v6: vrid 7 on eth0 is "
	    "also used by instance v4 (line 1) for IPv4");

	/* The same family twice is an error (conf_load refuses it too). */
	inst(&ci[1], "again", "eth0", 7, "198.51.100.9/24", 8);
	assert_int_equal(run(ci, 2, &f), 1);
	assert_int_equal(f.n, 1);
	assert_finding(&f, 0, true, "vrid 7 on eth0 is already used by "
	    "instance v4 (line 1)");
}

static void
test_advert_int(void **state)
{
	struct conf_instance ci;
	struct findings f;

	(void)state;
	inst(&ci, "a", "eth0", 1, "198.51.100.1/24", 1);
	ci.version = 2;
	ci.advert_int_cs = 150;
	assert_int_equal(run(&ci, 1, &f), 1);
	assert_finding(&f, 0, false, "VRRPv2");
	assert_finding(&f, 1, true, "advert_int 1.50 cannot be carried by "
	    "VRRPv2");

	ci.version = 3;
	ci.advert_int_cs = 5000;
	assert_int_equal(run(&ci, 1, &f), 1);
	assert_finding(&f, 0, true, "advert_int 50.00 cannot be carried by "
	    "VRRPv3");

	ci.advert_int_cs = 0;
	assert_int_equal(run(&ci, 1, &f), 1);
	assert_finding(&f, 0, true, "advert_int 0.00");

	/* Below 0.1 s: a warning; 0.1 itself is fine. */
	ci.advert_int_cs = 5;
	assert_int_equal(run(&ci, 1, &f), 0);
	assert_int_equal(f.n, 1);
	assert_finding(&f, 0, false, "advert_int 0.05 is below 0.1 s");
	ci.advert_int_cs = 10;
	assert_int_equal(run(&ci, 1, &f), 0);
	assert_int_equal(f.n, 0);
}

static void
test_owner(void **state)
{
	struct conf_instance ci;
	struct findings f;

	(void)state;
	/* lo holds 127.0.0.1 and ::1: priority 255 is right there. */
	inst(&ci, "own4", "lo", 1, "127.0.0.1/8", 1);
	ci.priority = 255;
	assert_int_equal(run(&ci, 1, &f), 0);
	assert_int_equal(f.n, 0);
	inst(&ci, "own6", "lo", 1, "::1/128", 1);
	ci.priority = 255;
	assert_int_equal(run(&ci, 1, &f), 0);
	assert_int_equal(f.n, 0);

	/* A second VIP lo does not hold: warned, not an error. */
	inst(&ci, "notown", "lo", 1, "127.0.0.1/8", 1);
	assert_int_equal(ipprefix_parse("198.51.100.77/24", &ci.vips[1]), 0);
	ci.nvips = 2;
	ci.priority = 255;
	assert_int_equal(run(&ci, 1, &f), 0);
	assert_int_equal(f.n, 1);
	assert_finding(&f, 0, false, "priority 255 claims to own "
	    "198.51.100.77, but lo does not hold it now");

	/* No such interface: nothing is owned. */
	inst(&ci, "noif", "dbvipnone0", 1, "198.51.100.1/24", 1);
	ci.priority = 255;
	assert_int_equal(run(&ci, 1, &f), 0);
	assert_int_equal(f.n, 1);
	assert_finding(&f, 0, false, "dbvipnone0 does not hold it");

	/* Below 255 the addresses are not looked at. */
	ci.priority = 254;
	assert_int_equal(run(&ci, 1, &f), 0);
	assert_int_equal(f.n, 0);
}

static void
test_peer_is_vip(void **state)
{
	struct conf_instance ci[2];
	struct findings f;

	(void)state;
	inst(&ci[0], "a", "eth0", 1, "198.51.100.1/24", 1);
	inst(&ci[1], "b", "eth0", 2, "198.51.100.2/24", 9);
	assert_int_equal(ipaddr_parse("198.51.100.11", &ci[0].peers[0]), 0);
	assert_int_equal(ipaddr_parse("198.51.100.2", &ci[0].peers[1]), 0);
	ci[0].npeers = 2;
	assert_int_equal(run(ci, 2, &f), 1);
	assert_int_equal(f.n, 2);
	assert_finding(&f, 0, true, "instance a: unicast_peer 198.51.100.2 "
	    "is a vip of instance b");
	assert_finding(&f, 1, false, "uses unicast_peer: keepalived peers "
	    "with vrrp_strict cannot");

	/* Its own vip as well. */
	assert_int_equal(ipaddr_parse("198.51.100.1", &ci[0].peers[1]), 0);
	assert_int_equal(run(ci, 2, &f), 1);
	assert_finding(&f, 0, true, "unicast_peer 198.51.100.1 is a vip of "
	    "instance a");
}

static void
test_preempt_and_strict(void **state)
{
	struct conf_instance ci;
	struct findings f;

	(void)state;
	inst(&ci, "a", "eth0", 1, "198.51.100.1/24", 1);
	ci.preempt = false;
	ci.preempt_delay_ms = 30000;
	assert_int_equal(run(&ci, 1, &f), 0);
	assert_int_equal(f.n, 1);
	assert_finding(&f, 0, false, "preempt_delay is ignored with preempt "
	    "= no");

	/* With preempt on, the delay is one of strict mode's refusals. */
	ci.preempt = true;
	ci.version = 2;
	ci.auth_type = VRRP_AUTH_PASS;
	memcpy(ci.auth_pass, "secret", 6);
	assert_int_equal(run(&ci, 1, &f), 0);
	assert_int_equal(f.n, 2);
	assert_finding(&f, 0, false, "VRRPv2");
	assert_finding(&f, 1, false, "uses auth_pass, preempt_delay: "
	    "keepalived peers with vrrp_strict cannot");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_message_format),
		cmocka_unit_test(test_vrid_twice),
		cmocka_unit_test(test_advert_int),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_peer_is_vip),
		cmocka_unit_test(test_preempt_and_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
