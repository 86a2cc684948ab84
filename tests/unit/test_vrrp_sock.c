/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vrrp_sock: what can be checked without privileges: the groups, and that a
 * failed open leaves nothing open and says why.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "../../net/vrrp_sock.h"

static void
test_groups(void **state)
{
	static const uint8_t g4[4] = { 224, 0, 0, 18 };
	static const uint8_t g6[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0x12 };
	struct ipaddr a;

	(void)state;
	vrrp_sock_group(AF_INET, &a);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, g4, 4);
	vrrp_sock_group(AF_INET6, &a);
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.bytes, g6, 16);
}

static void
test_open_errors(void **state)
{
	struct vrrp_sock s;

	(void)state;
	memset(&s, 0x55, sizeof(s));
	assert_int_equal(vrrp_sock_open(&s, AF_UNIX, "lo", 0), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	assert_int_equal(s.fd, -1);

	assert_int_equal(vrrp_sock_open(&s, AF_INET,
	    "a-name-far-too-long-for-ifnamsiz", 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(s.fd, -1);

	assert_int_equal(vrrp_sock_open(&s, AF_INET, "", 0), -1);
	assert_int_equal(errno, EINVAL);

	assert_int_equal(vrrp_sock_open(&s, AF_INET6, "nosuch-hn1", 1), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(s.fd, -1);
	/* Closing a socket that failed to open is harmless. */
	vrrp_sock_close(&s);
	assert_int_equal(s.fd, -1);
}

static void
test_send_family_mismatch(void **state)
{
	struct vrrp_sock s;
	struct ipaddr v6;
	uint8_t b[8] = { 0 };

	(void)state;
	memset(&s, 0, sizeof(s));
	s.fd = -1;
	s.family = AF_INET;
	s.ifindex = 1;
	assert_int_equal(ipaddr_parse("2001:db8::1", &v6), 0);
	assert_int_equal(vrrp_sock_send(&s, NULL, &v6, b, sizeof(b)), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	assert_int_equal(vrrp_sock_send(&s, NULL, NULL, b, sizeof(b)), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_send_family_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
