/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_peer: `peer` (the other routers of a multicast group) next to
 * `unicast_peer`, loaded with conf_load() from temporary files as the
 * agent does.
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

#define MIN4	"[instance a]\ninterface = eth0\nvrid = 51\n" \
		"vip = 198.51.100.100/24\n"
#define MIN6	"[instance a]\ninterface = eth0\nvrid = 51\n" \
		"vip = 2001:db8::100/64\n"

static void
test_peer_multicast(void **state)
{
	struct conf c;
	struct ipaddr a;

	(void)state;
	if (load(MIN4 "peer = 198.51.100.12\npeer = 198.51.100.13\n", &c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.inst[0].nmpeers, 2);
	assert_int_equal(c.inst[0].npeers, 0);	/* still multicast mode */
	assert_int_equal(ipaddr_parse("198.51.100.13", &a), 0);
	assert_true(ipaddr_eq(&c.inst[0].mpeers[1], &a));
	conf_free(&c);

	/* IPv6: the link-local addresses the adverts come from. */
	if (load(MIN6 "peer = fe80::12\n", &c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.inst[0].nmpeers, 1);
	assert_int_equal(c.inst[0].mpeers[0].family, AF_INET6);
	conf_free(&c);

	/* Without the key: no filter. */
	if (load(MIN4, &c) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.inst[0].nmpeers, 0);
	conf_free(&c);
}

static void
test_peer_errors(void **state)
{
	char text[2048];
	size_t off;
	int i;

	(void)state;
	expect_error(MIN4 "peer = 198.51.100.12\n"
	    "unicast_peer = 198.51.100.13\n", 6,
	    "peer (the routers of a multicast group) and unicast_peer");
	expect_error(MIN4 "unicast_peer = 198.51.100.13\n"
	    "peer = 198.51.100.12\n", 6, "exclude each other");
	expect_error("[instance a]\npeer = 2001:db8::2\n"
	    "interface = eth0\nvrid = 51\nvip = 198.51.100.100/24\n", 2,
	    "peer: 2001:db8::2 is IPv6 but the vips are IPv4");
	expect_error(MIN6 "peer = 2001:db8::12\n", 5,
	    "peer: 2001:db8::12 is not link-local");
	expect_error(MIN4 "peer = 198.51.100.2\npeer = 198.51.100.2\n", 6,
	    "peer: 198.51.100.2 is already listed at line 5");
	expect_error(MIN4 "peer = router2\n", 5,
	    "peer: 'router2' is not an address");
	expect_error(MIN4 "peer = 224.0.0.18\n", 5,
	    "peer: 224.0.0.18 is not a unicast address");
	/* The same limit as unicast_peer. */
	off = (size_t)snprintf(text, sizeof(text), "%s", MIN4);
	for (i = 0; i <= CONF_MAX_PEERS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "peer = 198.51.100.%d\n", 20 + i);
	expect_error(text, 5 + CONF_MAX_PEERS, "peer: more than 16 peers");
	/* unicast_peer keeps its own messages. */
	expect_error(MIN6 "unicast_peer = 198.51.100.2\n", 5,
	    "unicast_peer: 198.51.100.2 is IPv4 but the vips are IPv6");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_multicast),
		cmocka_unit_test(test_peer_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
