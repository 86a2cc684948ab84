/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arp_build_frame and ndisc_build against frames worked out by hand from
 * RFC 826 / RFC 5227 (ARP) and RFC 4861 sections 4.4 and 4.6.1 (NA).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "../../net/arp.h"
#include "../../net/ndisc.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void
test_garp_frame(void **state)
{
	/* GARP for 198.51.100.100 from 52:54:00:12:34:56. */
	static const uint8_t want[ARP_FRAME_LEN] = {
		/* Ethernet: dst broadcast, src, type ARP */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
		0x08, 0x06,
		/* htype Ethernet, ptype IPv4, hlen 6, plen 4, op request */
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
		/* sender hardware, sender protocol = the VIP */
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0xc6, 0x33, 0x64, 0x64,
		/* target hardware zero (RFC 5227), target protocol = VIP */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x33, 0x64, 0x64,
	};
	uint8_t buf[64];
	struct in_addr ip;

	(void)state;
	assert_int_equal(inet_pton(AF_INET, "198.51.100.100", &ip), 1);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(arp_build_frame(buf, sizeof(buf), mac, ip),
	    ARP_FRAME_LEN);
	assert_memory_equal(buf, want, sizeof(want));
	/* Nothing written past the frame. */
	assert_int_equal(buf[ARP_FRAME_LEN], 0xee);
}

static void
test_garp_short_buffer(void **state)
{
	uint8_t buf[ARP_FRAME_LEN];
	struct in_addr ip = { .s_addr = htonl(0xc6336464) };

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(arp_build_frame(buf, ARP_FRAME_LEN - 1, mac, ip), -1);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(arp_build_frame(buf, ARP_FRAME_LEN, mac, ip),
	    ARP_FRAME_LEN);
}

static void
test_una(void **state)
{
	/* Unsolicited NA for 2001:db8:51::100 from 52:54:00:12:34:56. */
	static const uint8_t want[NDISC_NA_LEN] = {
		/* type 136, code 0, checksum left to the kernel */
		0x88, 0x00, 0x00, 0x00,
		/* R=0 S=0 O=1, reserved */
		0x20, 0x00, 0x00, 0x00,
		/* target address */
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x51, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
		/* option 2 (target link-layer address), length 1 x 8 */
		0x02, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	};
	uint8_t buf[40];
	struct in6_addr t;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:51::100", &t), 1);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ndisc_build(buf, sizeof(buf), mac, &t),
	    NDISC_NA_LEN);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(buf[NDISC_NA_LEN], 0xee);
}

static void
test_una_short_buffer(void **state)
{
	uint8_t buf[NDISC_NA_LEN];
	struct in6_addr t;

	(void)state;
	memset(&t, 0x11, sizeof(t));
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(ndisc_build(buf, NDISC_NA_LEN - 1, mac, &t), -1);
	assert_int_equal(buf[0], 0xee);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garp_frame),
		cmocka_unit_test(test_garp_short_buffer),
		cmocka_unit_test(test_una),
		cmocka_unit_test(test_una_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
