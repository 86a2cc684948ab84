/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for net/vrrp_pkt.c against hostile input: address count 0
 * (RFC 5798 5.2.5), sources that cannot be a router or an IPv6 source to
 * the group that is not link-local (5.1.2.1), and a unicast destination
 * (left to the agent, which knows the instance's mode).
 *
 * The vectors are laid out from the RFC 5798 / RFC 3768 section 5.1
 * diagrams by tests/unit/vectors/rfc_vectors.py (N9..N14: Python
 * big-integer checksums, no code shared with the codec), with only the
 * field under test wrong and the checksum right.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../net/vrrp_pkt.h"

#include "pkt_test.h"

/*
 * Hostile vectors (rfc_vectors.py N9..N14), again only one thing wrong.
 * N9 by hand: words 3107 fe00 0064 [0000] plus the pseudo-header c633 6403
 * e000 0012 0070 0008 add up to 0x33a2b; folded 0x3a2e; complement 0xc5d1.
 */
static const uint8_t N9_COUNT0_V3[] = {
	0x31, 0x07, 0xfe, 0x00, 0x00, 0x64, 0xc5, 0xd1
};
static const uint8_t N10_COUNT0_V2[] = {
	0x21, 0x01, 0xfe, 0x00, 0x00, 0x01, 0xe0, 0xfc, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00
};
static const uint8_t N11_COUNT0_V6[] = {
	0x31, 0x09, 0xfe, 0x00, 0x00, 0x64, 0xd2, 0x82
};
/* From 2001:db8::3 (global) to ff02::12. */
static const uint8_t N12_SRC_GLOBAL_V6[] = {
	0x31, 0x09, 0xfe, 0x01, 0x00, 0x64, 0x75, 0x75, 0x20, 0x01, 0x0d,
	0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x09
};
/* From 224.0.0.5 to 224.0.0.18. */
static const uint8_t N13_SRC_MCAST_V4[] = {
	0x31, 0x07, 0xfe, 0x01, 0x00, 0x64, 0xe5, 0xc2, 0xc6, 0x33, 0x64,
	0x07
};
/* From 198.51.100.200 to 198.51.100.11: valid; the agent judges dst. */
static const uint8_t N14_UNICAST_DST[] = {
	0x31, 0x07, 0xfe, 0x01, 0x00, 0x64, 0x50, 0xa0, 0xc6, 0x33, 0x64,
	0x07
};

/*
 * N9 as a raw socket returns it: RFC 791 header, 20 + 8 bytes, TTL 255,
 * protocol 112, 198.51.100.3 -> 224.0.0.18 (the header checksum is the
 * kernel's to check; left zero).
 */
static const uint8_t D9_COUNT0_V3[] = {
	0x45, 0xc0, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00, 0xff, 0x70, 0x00,
	0x00, 0xc6, 0x33, 0x64, 0x03, 0xe0, 0x00, 0x00, 0x12,
	0x31, 0x07, 0xfe, 0x00, 0x00, 0x64, 0xc5, 0xd1
};

static void
test_drop_count_datagram(void **state)
{
	struct vrrp_pkt_meta m;
	struct vrrp_pkt p;
	struct ipaddr want = addr("198.51.100.3");

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vrrp_pkt_decode_ipv4(D9_COUNT0_V3,
	    sizeof(D9_COUNT0_V3), &m, &p, NULL, 0), VRRP_DROP_COUNT);
	assert_true(ipaddr_eq(&m.src, &want));
	assert_int_equal(m.ttl, 255);
}

static void
test_drop_count(void **state)
{
	struct vrrp_pkt_meta m = meta("198.51.100.3", "224.0.0.18", 255,
	    VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt_meta m6 = meta("fe80::1", "ff02::12", 255,
	    VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt p;
	uint8_t buf[64];

	(void)state;
	check_drop(N9_COUNT0_V3, sizeof(N9_COUNT0_V3), &m, VRRP_DROP_COUNT);
	check_drop(N10_COUNT0_V2, sizeof(N10_COUNT0_V2), &m, VRRP_DROP_COUNT);
	check_drop(N11_COUNT0_V6, sizeof(N11_COUNT0_V6), &m6,
	    VRRP_DROP_COUNT);
	/* Nor is such a packet ever encoded. */
	memset(&p, 0, sizeof(p));
	p.version = 3;
	p.vrid = 7;
	p.priority = 254;
	p.adver_int_cs = 100;
	p.family = AF_INET;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
}

static void
test_drop_source(void **state)
{
	static const char *const bad4[] = { "0.0.0.0", "127.0.0.1",
	    "224.0.0.18", "239.1.2.3", "255.255.255.255" };
	static const char *const bad6[] = { "::", "::1", "ff02::1",
	    "2001:db8::3" };
	struct vrrp_pkt_meta m;
	size_t i;

	(void)state;
	m = meta("2001:db8::3", "ff02::12", 255, VRRP_CKSUM_PSEUDO);
	check_drop(N12_SRC_GLOBAL_V6, sizeof(N12_SRC_GLOBAL_V6), &m,
	    VRRP_DROP_SRC);
	m = meta("224.0.0.5", "224.0.0.18", 255, VRRP_CKSUM_PSEUDO);
	check_drop(N13_SRC_MCAST_V4, sizeof(N13_SRC_MCAST_V4), &m,
	    VRRP_DROP_SRC);
	/* The source is judged before the checksum that covers it. */
	for (i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		m = meta(bad4[i], "224.0.0.18", 255, VRRP_CKSUM_PSEUDO);
		check_drop(N14_UNICAST_DST, sizeof(N14_UNICAST_DST), &m,
		    VRRP_DROP_SRC);
		m.cksum = VRRP_CKSUM_NO_PSEUDO;
		check_drop(N14_UNICAST_DST, sizeof(N14_UNICAST_DST), &m,
		    VRRP_DROP_SRC);
	}
	for (i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		m = meta(bad6[i], "ff02::12", 255, VRRP_CKSUM_PSEUDO);
		check_drop(N12_SRC_GLOBAL_V6, sizeof(N12_SRC_GLOBAL_V6), &m,
		    VRRP_DROP_SRC);
	}
	/* A global IPv6 source is fine for a unicast destination (unicast
	 * peers); only the checksum, computed for ff02::12, is wrong here. */
	m = meta("2001:db8::3", "2001:db8::11", 255, VRRP_CKSUM_PSEUDO);
	check_drop(N12_SRC_GLOBAL_V6, sizeof(N12_SRC_GLOBAL_V6), &m,
	    VRRP_DROP_CHECKSUM);
}

static void
test_unicast_dst_left_to_agent(void **state)
{
	struct vrrp_pkt_meta m = meta("198.51.100.200", "198.51.100.11", 255,
	    VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt p;

	(void)state;
	assert_int_equal(vrrp_pkt_decode(N14_UNICAST_DST,
	    sizeof(N14_UNICAST_DST), &m, &p, NULL, 0), VRRP_DROP_NONE);
	assert_int_equal(p.priority, 254);
	/* The pseudo-header names the destination: to the group it fails. */
	m = meta("198.51.100.200", "224.0.0.18", 255, VRRP_CKSUM_PSEUDO);
	check_drop(N14_UNICAST_DST, sizeof(N14_UNICAST_DST), &m,
	    VRRP_DROP_CHECKSUM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_count),
		cmocka_unit_test(test_drop_count_datagram),
		cmocka_unit_test(test_drop_source),
		cmocka_unit_test(test_unicast_dst_left_to_agent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
