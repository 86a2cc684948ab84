/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for net/vrrp_pkt.c with independent byte vectors:
 *
 *  - RFC vectors (A*, N*): laid out by hand from the RFC 3768 / RFC 5798
 *    section 5.1 diagrams; checksums by tests/unit/vectors/rfc_vectors.py
 *    (Python big-integer word sum, no code shared with the codec), run once
 *    and pasted here.  A1 is also worked out by hand below.
 *  - keepalived vectors (K*): captured on the wire from Debian's keepalived
 *    2.2.7 in a namespace lab by tests/unit/vectors/capture-keepalived.sh
 *    (its config is in tests/unit/vectors/README); whole IPv4 datagrams as
 *    tcpdump saw them, IPv6 payloads with the addresses of their header.
 *
 * A round trip alone cannot catch a checksum bug both directions share, so
 * every positive vector is decoded and compared field by field, and then
 * re-encoded from those fields and compared byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../../net/vrrp_pkt.h"

#include "pkt_test.h"

/* ---------------------------------------------------------------- helpers */

/* What a vector must decode to. */
struct expect {
	int version;
	int vrid;
	int priority;
	int auth_type;
	int adver_int_cs;
	const char *auth;		/* 8 bytes, NUL-padded, or NULL = zeros */
	int family;
	int naddrs;
	const char *addrs[4];
};

static void
check_fields(const struct vrrp_pkt *p, const struct expect *e)
{
	uint8_t zero[VRRP_AUTH_LEN] = { 0 };
	int i;

	assert_int_equal(p->version, e->version);
	assert_int_equal(p->type, VRRP_TYPE_ADVERT);
	assert_int_equal(p->vrid, e->vrid);
	assert_int_equal(p->priority, e->priority);
	assert_int_equal(p->auth_type, e->auth_type);
	assert_int_equal(p->adver_int_cs, e->adver_int_cs);
	assert_memory_equal(p->auth_data, e->auth != NULL ?
	    (const uint8_t *)e->auth : zero, VRRP_AUTH_LEN);
	assert_int_equal(p->family, e->family);
	assert_int_equal(p->naddrs, e->naddrs);
	for (i = 0; i < e->naddrs; i++) {
		struct ipaddr want = addr(e->addrs[i]);

		assert_true(ipaddr_eq(&p->addrs[i], &want));
	}
}

/* Build the struct the encoder takes from an expectation. */
static void
fill_pkt(struct vrrp_pkt *p, const struct expect *e)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->version = (uint8_t)e->version;
	p->type = VRRP_TYPE_ADVERT;
	p->vrid = (uint8_t)e->vrid;
	p->priority = (uint8_t)e->priority;
	p->auth_type = (uint8_t)e->auth_type;
	p->adver_int_cs = (uint16_t)e->adver_int_cs;
	if (e->auth != NULL)
		memcpy(p->auth_data, e->auth, VRRP_AUTH_LEN);
	p->family = e->family;
	p->naddrs = (uint8_t)e->naddrs;
	for (i = 0; i < e->naddrs; i++)
		p->addrs[i] = addr(e->addrs[i]);
}

/* Decode buf under m, check the fields, re-encode and compare the bytes. */
static void
check_vector(const uint8_t *buf, size_t len, const struct vrrp_pkt_meta *m,
    const struct expect *e)
{
	struct vrrp_pkt p, q;
	uint8_t out[VRRP_PKT_MAX_LEN];
	char err[128];
	ssize_t n;

	err[0] = 'x';
	assert_int_equal(vrrp_pkt_decode(buf, len, m, &p, err, sizeof(err)),
	    VRRP_DROP_NONE);
	assert_string_equal(err, "");
	check_fields(&p, e);

	fill_pkt(&q, e);
	n = vrrp_pkt_encode(&q, m, out, sizeof(out));
	assert_int_equal(n, (ssize_t)len);
	assert_memory_equal(out, buf, len);
	/* Exactly enough room is enough. */
	assert_int_equal(vrrp_pkt_encode(&q, m, out, len), (ssize_t)len);
}

/* ------------------------------------------------------------ RFC vectors */

/*
 * A1 by hand: 16-bit words 2101 6401 0001 [0000] c633 6464 + 4 x 0000
 * add up to 0x1af9a; folded 0xaf9a + 0x1 = 0xaf9b; complement 0x5064.
 */
static const uint8_t A1[] = {
	0x21, 0x01, 0x64, 0x01, 0x00, 0x01, 0x50, 0x64, 0xc6, 0x33, 0x64,
	0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};
static const struct expect A1_E = {
	2, 1, 100, VRRP_AUTH_NONE, 100, NULL, AF_INET, 1,
	{ "198.51.100.100" }
};

static const uint8_t A2[] = {
	0x21, 0x2a, 0xfe, 0x03, 0x01, 0x03, 0x9c, 0xc9, 0xc6, 0x33, 0x64,
	0x01, 0xc6, 0x33, 0x64, 0x02, 0xc6, 0x33, 0x64, 0x03, 0x61, 0x62,
	0x63, 0x00, 0x00, 0x00, 0x00, 0x00
};
static const struct expect A2_E = {
	2, 42, 254, VRRP_AUTH_PASS, 300, "abc\0\0\0\0\0", AF_INET, 3,
	{ "198.51.100.1", "198.51.100.2", "198.51.100.3" }
};

/* v3 IPv4, src 198.51.100.3 dst 224.0.0.18, with the pseudo-header. */
static const uint8_t A3[] = {
	0x31, 0x07, 0xc8, 0x02, 0x00, 0x64, 0xa7, 0x50, 0xc6, 0x33, 0x64,
	0x07, 0xc6, 0x33, 0x64, 0x08
};
/* A3 without the pseudo-header: only the checksum differs. */
static const uint8_t A4[] = {
	0x31, 0x07, 0xc8, 0x02, 0x00, 0x64, 0xb2, 0x1a, 0xc6, 0x33, 0x64,
	0x07, 0xc6, 0x33, 0x64, 0x08
};
static const struct expect A3_E = {
	3, 7, 200, 0, 100, NULL, AF_INET, 2,
	{ "198.51.100.7", "198.51.100.8" }
};

/* v3 IPv6, src fe80::1 dst ff02::12, the largest interval. */
static const uint8_t A5[] = {
	0x31, 0x09, 0xff, 0x01, 0x0f, 0xff, 0x94, 0x14, 0x20, 0x01, 0x0d,
	0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x09
};
static const struct expect A5_E = {
	3, 9, 255, 0, 4095, NULL, AF_INET6, 1, { "2001:db8::9" }
};

/*
 * v3 IPv4 unicast 198.51.100.9 -> .10, no addresses, priority 0, 1 cs.
 * Well formed but for the count: dropped since count 0 is (5.2.5).
 */
static const uint8_t A6[] = {
	0x31, 0xc8, 0x00, 0x00, 0x00, 0x01, 0x79, 0x43
};

/* v3 IPv4 with the 4 reserved bits set: ignored on receipt (5.2.6). */
static const uint8_t A7[] = {
	0x31, 0x07, 0x01, 0x01, 0xf1, 0x2c, 0xa7, 0xc9, 0xc6, 0x33, 0x64,
	0x07
};

/* Negative vectors: only the named field is wrong, the checksum is right. */
static const uint8_t N1_TYPE2[] = {
	0x32, 0x07, 0xc8, 0x02, 0x00, 0x64, 0xa6, 0x50, 0xc6, 0x33, 0x64,
	0x07, 0xc6, 0x33, 0x64, 0x08
};
static const uint8_t N2_VRID0[] = {
	0x31, 0x00, 0xc8, 0x01, 0x00, 0x64, 0xd1, 0x98, 0xc6, 0x33, 0x64,
	0x07
};
static const uint8_t N3_INT0_V3[] = {
	0x31, 0x07, 0xc8, 0x01, 0x00, 0x00, 0xd1, 0xf5, 0xc6, 0x33, 0x64,
	0x07
};
static const uint8_t N4_INT0_V2[] = {
	0x21, 0x01, 0x64, 0x01, 0x00, 0x00, 0x50, 0x65, 0xc6, 0x33, 0x64,
	0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};
static const uint8_t N5_VER1[] = {
	0x11, 0x01, 0x64, 0x01, 0x00, 0x01, 0x60, 0x64, 0xc6, 0x33, 0x64,
	0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};
static const uint8_t N6_TYPE0[] = {
	0x20, 0x01, 0x64, 0x01, 0x00, 0x01, 0x51, 0x64, 0xc6, 0x33, 0x64,
	0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};
static const uint8_t N7_VRID0_V6[] = {
	0x31, 0x00, 0x64, 0x01, 0x00, 0x64, 0x3e, 0xb9, 0x20, 0x01, 0x0d,
	0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x09
};

#define M4_GROUP(ttl, mode) meta("198.51.100.3", "224.0.0.18", ttl, mode)
#define M6_GROUP(ttl) meta("fe80::1", "ff02::12", ttl, VRRP_CKSUM_PSEUDO)

static void
test_rfc_v2(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);

	(void)state;
	check_vector(A1, sizeof(A1), &m, &A1_E);
	check_vector(A2, sizeof(A2), &m, &A2_E);
	/* v2 never uses a pseudo-header, whatever the mode says. */
	m.cksum = VRRP_CKSUM_NO_PSEUDO;
	check_vector(A1, sizeof(A1), &m, &A1_E);
	m = meta("198.51.100.200", "198.51.100.201", -1, VRRP_CKSUM_PSEUDO);
	check_vector(A2, sizeof(A2), &m, &A2_E);
}

static void
test_rfc_v3_ipv4(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt_meta n = M4_GROUP(255, VRRP_CKSUM_NO_PSEUDO);
	struct vrrp_pkt_meta u = meta("198.51.100.9", "198.51.100.10", 255,
	    VRRP_CKSUM_PSEUDO);

	(void)state;
	check_vector(A3, sizeof(A3), &m, &A3_E);
	check_vector(A4, sizeof(A4), &n, &A3_E);
	/* Without a pseudo-header the addresses do not matter. */
	n = meta("198.51.100.77", "198.51.100.78", 255, VRRP_CKSUM_NO_PSEUDO);
	check_vector(A4, sizeof(A4), &n, &A3_E);
	check_drop(A6, sizeof(A6), &u, VRRP_DROP_COUNT);
}

static void
test_rfc_v3_ipv6(void **state)
{
	struct vrrp_pkt_meta m = M6_GROUP(255);

	(void)state;
	check_vector(A5, sizeof(A5), &m, &A5_E);
	/* The checksum mode only concerns IPv4. */
	m.cksum = VRRP_CKSUM_NO_PSEUDO;
	check_vector(A5, sizeof(A5), &m, &A5_E);
}

static void
test_rfc_reserved_bits(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt p;

	(void)state;
	assert_int_equal(vrrp_pkt_decode(A7, sizeof(A7), &m, &p, NULL, 0),
	    VRRP_DROP_NONE);
	assert_int_equal(p.adver_int_cs, 300);
	assert_int_equal(p.priority, 1);
	assert_int_equal(p.naddrs, 1);
}

/* ------------------------------------------------------ keepalived vectors */

/*
 * Captured from keepalived 2.2.7 (tests/unit/vectors/README).  IPv4: the
 * whole datagram, IP header first.  Addresses: hc1-a 198.51.100.1 (link-
 * local fe80::ff:fe00:1), unicast peer 198.51.100.2.
 */

/* vrid 51, v2, auth PASS "secret", advert_int 1, VIPs .10 .11, prio 100. */
static const uint8_t K1_V2_PASS[] = {
	0x45, 0xc0, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xb0,
	0x59, 0xc6, 0x33, 0x64, 0x01, 0xe0, 0x00, 0x00, 0x12,
	0x21, 0x33, 0x64, 0x02, 0x01, 0x01, 0xe8, 0xff, 0xc6, 0x33, 0x64,
	0x0a, 0xc6, 0x33, 0x64, 0x0b, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74,
	0x00, 0x00
};
static const struct expect K1_E = {
	2, 51, 100, VRRP_AUTH_PASS, 100, "secret\0\0", AF_INET, 2,
	{ "198.51.100.10", "198.51.100.11" }
};
/* The same instance's priority 0 goodbye on shutdown. */
static const uint8_t K1_V2_PRIO0[] = {
	0x45, 0xc0, 0x00, 0x2c, 0x00, 0x07, 0x00, 0x00, 0xff, 0x70, 0xb0,
	0x53, 0xc6, 0x33, 0x64, 0x01, 0xe0, 0x00, 0x00, 0x12,
	0x21, 0x33, 0x00, 0x02, 0x01, 0x01, 0x4d, 0x00, 0xc6, 0x33, 0x64,
	0x0a, 0xc6, 0x33, 0x64, 0x0b, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74,
	0x00, 0x00
};

/* vrid 52, v3 IPv4 multicast, advert_int 0.5, VIP .20, prio 150. */
static const uint8_t K2_V3_V4[] = {
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xb0,
	0x65, 0xc6, 0x33, 0x64, 0x01, 0xe0, 0x00, 0x00, 0x12,
	0x31, 0x34, 0x96, 0x01, 0x00, 0x32, 0x03, 0x8c, 0xc6, 0x33, 0x64,
	0x14
};
static const struct expect K2_E = {
	3, 52, 150, 0, 50, NULL, AF_INET, 1, { "198.51.100.20" }
};
static const uint8_t K2_V3_V4_PRIO0[] = {
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x10, 0x00, 0x00, 0xff, 0x70, 0xb0,
	0x56, 0xc6, 0x33, 0x64, 0x01, 0xe0, 0x00, 0x00, 0x12,
	0x31, 0x34, 0x00, 0x01, 0x00, 0x32, 0x99, 0x8c, 0xc6, 0x33, 0x64,
	0x14
};

/*
 * vrid 53, v3 IPv6 multicast, advert_int 1, VIPs 2001:db8::30 ::31,
 * prio 100; fe80::ff:fe00:1 -> ff02::12, hop limit 255.
 */
static const uint8_t K3_V3_V6[] = {
	0x31, 0x35, 0x64, 0x02, 0x00, 0x64, 0x11, 0x62,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x30,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x31
};
static const struct expect K3_E = {
	3, 53, 100, 0, 100, NULL, AF_INET6, 2,
	{ "2001:db8::30", "2001:db8::31" }
};
static const uint8_t K3_V3_V6_PRIO0[] = {
	0x31, 0x35, 0x00, 0x02, 0x00, 0x64, 0x75, 0x62,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x30,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x31
};

/* vrid 54, v3 IPv4 unicast .1 -> .2, advert_int 2, VIP .40, prio 200. */
static const uint8_t K4_V3_UNI[] = {
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x66,
	0x42, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02,
	0x31, 0x36, 0xc8, 0x01, 0x00, 0xc8, 0x86, 0xbc, 0xc6, 0x33, 0x64,
	0x28
};
static const struct expect K4_E = {
	3, 54, 200, 0, 200, NULL, AF_INET, 1, { "198.51.100.40" }
};
static const uint8_t K4_V3_UNI_PRIO0[] = {
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x03, 0x00, 0x00, 0xff, 0x70, 0x66,
	0x40, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02,
	0x31, 0x36, 0x00, 0x01, 0x00, 0xc8, 0x4e, 0xbd, 0xc6, 0x33, 0x64,
	0x28
};

/*
 * vrid 55, as 54 (advert_int 1, VIP .50, prio 100) with
 * old_unicast_checksum: the pseudo-header carries 224.0.0.18, not the peer.
 */
static const uint8_t K5_V3_UNI_OLD[] = {
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x66,
	0x42, 0xc6, 0x33, 0x64, 0x01, 0xc6, 0x33, 0x64, 0x02,
	0x31, 0x37, 0x64, 0x01, 0x00, 0x64, 0x35, 0x39, 0xc6, 0x33, 0x64,
	0x32
};
static const struct expect K5_E = {
	3, 55, 100, 0, 100, NULL, AF_INET, 1, { "198.51.100.50" }
};

#define IP4_HLEN 20

/* Decode a captured IPv4 datagram whole, then its payload alone. */
static void
check_ipv4_capture(const uint8_t *pkt, size_t len, const char *src,
    const char *dst, const struct expect *e, int prio)
{
	struct vrrp_pkt_meta m;
	struct vrrp_pkt p;
	struct expect ex = *e;
	struct ipaddr s = addr(src), d = addr(dst);
	char err[128];

	ex.priority = prio;
	memset(&m, 0, sizeof(m));
	m.ttl = -7;			/* must be overwritten */
	m.cksum = VRRP_CKSUM_PSEUDO;
	assert_int_equal(vrrp_pkt_decode_ipv4(pkt, len, &m, &p, err,
	    sizeof(err)), VRRP_DROP_NONE);
	assert_true(ipaddr_eq(&m.src, &s));
	assert_true(ipaddr_eq(&m.dst, &d));
	assert_int_equal(m.ttl, 255);
	check_fields(&p, &ex);
	check_vector(pkt + IP4_HLEN, len - IP4_HLEN, &m, &ex);
}

static void
test_keepalived_v2_pass(void **state)
{
	(void)state;
	check_ipv4_capture(K1_V2_PASS, sizeof(K1_V2_PASS), "198.51.100.1",
	    "224.0.0.18", &K1_E, 100);
	check_ipv4_capture(K1_V2_PRIO0, sizeof(K1_V2_PRIO0), "198.51.100.1",
	    "224.0.0.18", &K1_E, 0);
}

static void
test_keepalived_v3_ipv4(void **state)
{
	(void)state;
	check_ipv4_capture(K2_V3_V4, sizeof(K2_V3_V4), "198.51.100.1",
	    "224.0.0.18", &K2_E, 150);
	check_ipv4_capture(K2_V3_V4_PRIO0, sizeof(K2_V3_V4_PRIO0),
	    "198.51.100.1", "224.0.0.18", &K2_E, 0);
}

static void
test_keepalived_v3_ipv6(void **state)
{
	struct vrrp_pkt_meta m = meta("fe80::ff:fe00:1", "ff02::12", 255,
	    VRRP_CKSUM_PSEUDO);
	struct expect e0 = K3_E;

	(void)state;
	check_vector(K3_V3_V6, sizeof(K3_V3_V6), &m, &K3_E);
	e0.priority = 0;
	check_vector(K3_V3_V6_PRIO0, sizeof(K3_V3_V6_PRIO0), &m, &e0);
}

static void
test_keepalived_v3_unicast(void **state)
{
	(void)state;
	/* keepalived's default: the real unicast destination is summed. */
	check_ipv4_capture(K4_V3_UNI, sizeof(K4_V3_UNI), "198.51.100.1",
	    "198.51.100.2", &K4_E, 200);
	check_ipv4_capture(K4_V3_UNI_PRIO0, sizeof(K4_V3_UNI_PRIO0),
	    "198.51.100.1", "198.51.100.2", &K4_E, 0);
}

static void
test_keepalived_old_unicast_checksum(void **state)
{
	struct vrrp_pkt_meta m;
	struct vrrp_pkt p;

	(void)state;
	/* As received (pseudo dst = the peer) it does not check out... */
	memset(&m, 0, sizeof(m));
	assert_int_equal(vrrp_pkt_decode_ipv4(K5_V3_UNI_OLD,
	    sizeof(K5_V3_UNI_OLD), &m, &p, NULL, 0), VRRP_DROP_CHECKSUM);
	m.cksum = VRRP_CKSUM_NO_PSEUDO;
	assert_int_equal(vrrp_pkt_decode_ipv4(K5_V3_UNI_OLD,
	    sizeof(K5_V3_UNI_OLD), &m, &p, NULL, 0), VRRP_DROP_CHECKSUM);
	/* ...but with the group as pseudo-header destination it does. */
	m = meta("198.51.100.1", "224.0.0.18", 255, VRRP_CKSUM_PSEUDO);
	check_vector(K5_V3_UNI_OLD + IP4_HLEN, sizeof(K5_V3_UNI_OLD) -
	    IP4_HLEN, &m, &K5_E);
}

/* ------------------------------------------------------ codec drop reasons */

static void
test_drop_ttl(void **state)
{
	static const int bad[] = { 0, 1, 64, 254, 256 };
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt_meta m6 = M6_GROUP(255);
	struct vrrp_pkt p;
	uint8_t pkt[sizeof(K2_V3_V4)];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.ttl = bad[i];
		check_drop(A3, sizeof(A3), &m, VRRP_DROP_TTL);
		m6.ttl = bad[i];
		check_drop(A5, sizeof(A5), &m6, VRRP_DROP_TTL);
	}
	/* -1: unknown, not checked. */
	m.ttl = -1;
	assert_int_equal(vrrp_pkt_decode(A3, sizeof(A3), &m, &p, NULL, 0),
	    VRRP_DROP_NONE);
	/* Through the IPv4 decoder: TTL 254 in the header. */
	memcpy(pkt, K2_V3_V4, sizeof(pkt));
	pkt[8] = 254;
	memset(&m, 0, sizeof(m));
	assert_int_equal(vrrp_pkt_decode_ipv4(pkt, sizeof(pkt), &m, &p, NULL,
	    0), VRRP_DROP_TTL);
	assert_int_equal(m.ttl, 254);
}

static void
test_drop_version(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt_meta m6 = M6_GROUP(255);
	uint8_t pkt[sizeof(A3)];
	int v;

	(void)state;
	check_drop(N5_VER1, sizeof(N5_VER1), &m, VRRP_DROP_VERSION);
	/* Every other version nibble, checked before the checksum. */
	for (v = 0; v < 16; v++) {
		if (v == 2 || v == 3)
			continue;
		memcpy(pkt, A3, sizeof(pkt));
		pkt[0] = (uint8_t)(v << 4 | 1);
		check_drop(pkt, sizeof(pkt), &m, VRRP_DROP_VERSION);
	}
	/* A well-formed v2 packet arriving over IPv6. */
	check_drop(A1, sizeof(A1), &m6, VRRP_DROP_VERSION);
}

static void
test_drop_length(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt_meta m6 = M6_GROUP(255);
	uint8_t big[sizeof(A2) + 1];
	size_t n;

	(void)state;
	/* Every truncation, down to nothing. */
	for (n = 0; n < sizeof(A2); n++)
		check_drop(A2, n, &m, VRRP_DROP_TRUNCATED);
	for (n = 0; n < sizeof(A3); n++)
		check_drop(A3, n, &m, VRRP_DROP_TRUNCATED);
	for (n = 0; n < sizeof(A5); n++)
		check_drop(A5, n, &m6, VRRP_DROP_TRUNCATED);
	/* The v2 auth data is part of the packet. */
	check_drop(A1, sizeof(A1) - VRRP_AUTH_LEN, &m, VRRP_DROP_TRUNCATED);
	/* An IPv4 packet read as IPv6 is too short for its address. */
	check_drop(A3, sizeof(A3), &m6, VRRP_DROP_TRUNCATED);
	/* Trailing bytes are refused as well. */
	memcpy(big, A2, sizeof(A2));
	big[sizeof(A2)] = 0;
	check_drop(big, sizeof(big), &m, VRRP_DROP_TRUNCATED);
}

static void
test_drop_checksum(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt_meta m6 = M6_GROUP(255);
	uint8_t pkt[64];
	size_t i;

	(void)state;
	/*
	 * One flipped bit anywhere past the version byte (a flip there may
	 * be a version error first, and a flipped count a length error).
	 */
	for (i = 1; i < sizeof(A2); i++) {
		if (i == 3)
			continue;
		memcpy(pkt, A2, sizeof(A2));
		pkt[i] ^= 0x10;
		check_drop(pkt, sizeof(A2), &m, VRRP_DROP_CHECKSUM);
	}
	for (i = 1; i < sizeof(A5); i++) {
		if (i == 3)
			continue;
		memcpy(pkt, A5, sizeof(A5));
		pkt[i] ^= 0x01;
		check_drop(pkt, sizeof(A5), &m6, VRRP_DROP_CHECKSUM);
	}
	/* The pseudo-header addresses count: another source or group. */
	m.src = addr("198.51.100.4");
	check_drop(A3, sizeof(A3), &m, VRRP_DROP_CHECKSUM);
	m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);
	m.dst = addr("198.51.100.2");
	check_drop(A3, sizeof(A3), &m, VRRP_DROP_CHECKSUM);
	m6.src = addr("fe80::2");
	check_drop(A5, sizeof(A5), &m6, VRRP_DROP_CHECKSUM);
}

static void
test_drop_checksum_wrong_mode(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt_meta n = M4_GROUP(255, VRRP_CKSUM_NO_PSEUDO);
	struct vrrp_pkt_meta k = meta("198.51.100.1", "224.0.0.18", 255,
	    VRRP_CKSUM_NO_PSEUDO);

	(void)state;
	check_drop(A4, sizeof(A4), &m, VRRP_DROP_CHECKSUM);
	check_drop(A3, sizeof(A3), &n, VRRP_DROP_CHECKSUM);
	/* keepalived's default packets are not pseudo-header-free. */
	check_drop(K2_V3_V4 + IP4_HLEN, sizeof(K2_V3_V4) - IP4_HLEN, &k,
	    VRRP_DROP_CHECKSUM);
}

static void
test_drop_type(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);

	(void)state;
	check_drop(N1_TYPE2, sizeof(N1_TYPE2), &m, VRRP_DROP_TYPE);
	check_drop(N6_TYPE0, sizeof(N6_TYPE0), &m, VRRP_DROP_TYPE);
}

static void
test_drop_vrid(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt_meta m6 = M6_GROUP(255);

	(void)state;
	check_drop(N2_VRID0, sizeof(N2_VRID0), &m, VRRP_DROP_VRID);
	check_drop(N7_VRID0_V6, sizeof(N7_VRID0_V6), &m6, VRRP_DROP_VRID);
}

static void
test_drop_interval(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);

	(void)state;
	check_drop(N3_INT0_V3, sizeof(N3_INT0_V3), &m, VRRP_DROP_INTERVAL);
	check_drop(N4_INT0_V2, sizeof(N4_INT0_V2), &m, VRRP_DROP_INTERVAL);
}

static void
test_drop_meta_family(void **state)
{
	struct vrrp_pkt_meta m;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.ttl = 255;
	check_drop(A1, sizeof(A1), &m, VRRP_DROP_IP_HDR);
	m = meta("198.51.100.3", "ff02::12", 255, VRRP_CKSUM_PSEUDO);
	check_drop(A1, sizeof(A1), &m, VRRP_DROP_IP_HDR);
}

/* Decode a modified copy of K2 as a whole datagram. */
static enum vrrp_drop
decode_k2_with(size_t off, uint8_t val, size_t len)
{
	uint8_t pkt[64];
	struct vrrp_pkt_meta m;
	struct vrrp_pkt p;
	char err[128];
	enum vrrp_drop r;

	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, K2_V3_V4, sizeof(K2_V3_V4));
	if (off < sizeof(pkt))
		pkt[off] = val;
	memset(&m, 0, sizeof(m));
	err[0] = '\0';
	r = vrrp_pkt_decode_ipv4(pkt, len, &m, &p, err, sizeof(err));
	if (r != VRRP_DROP_NONE)
		assert_true(strlen(err) > 0);
	return r;
}

static void
test_drop_ip_hdr(void **state)
{
	size_t n;

	(void)state;
	/* Sanity: unmodified it decodes, also with link padding after it. */
	assert_int_equal(decode_k2_with(64, 0, sizeof(K2_V3_V4)),
	    VRRP_DROP_NONE);
	assert_int_equal(decode_k2_with(64, 0, sizeof(K2_V3_V4) + 14),
	    VRRP_DROP_NONE);
	for (n = 0; n < IP4_HLEN; n++)
		assert_int_equal(decode_k2_with(64, 0, n), VRRP_DROP_IP_HDR);
	/* Version 6 in the first nibble. */
	assert_int_equal(decode_k2_with(0, 0x65, sizeof(K2_V3_V4)),
	    VRRP_DROP_IP_HDR);
	/* IHL 4 (too small) and 15 (past the buffer). */
	assert_int_equal(decode_k2_with(0, 0x44, sizeof(K2_V3_V4)),
	    VRRP_DROP_IP_HDR);
	assert_int_equal(decode_k2_with(0, 0x4f, sizeof(K2_V3_V4)),
	    VRRP_DROP_IP_HDR);
	/* Total length past the buffer, and shorter than the header. */
	assert_int_equal(decode_k2_with(3, 0x21, sizeof(K2_V3_V4)),
	    VRRP_DROP_IP_HDR);
	assert_int_equal(decode_k2_with(3, 0x13, sizeof(K2_V3_V4)),
	    VRRP_DROP_IP_HDR);
	/* Total length shorter than the VRRP packet: a VRRP length error. */
	assert_int_equal(decode_k2_with(3, 0x1f, sizeof(K2_V3_V4)),
	    VRRP_DROP_TRUNCATED);
	/* Protocol UDP, and AH (a v2 AH packet is not ours to read). */
	assert_int_equal(decode_k2_with(9, 17, sizeof(K2_V3_V4)),
	    VRRP_DROP_IP_HDR);
	assert_int_equal(decode_k2_with(9, 51, sizeof(K2_V3_V4)),
	    VRRP_DROP_IP_HDR);
	/* Fragments: more-fragments flag, then a fragment offset. */
	assert_int_equal(decode_k2_with(6, 0x20, sizeof(K2_V3_V4)),
	    VRRP_DROP_IP_HDR);
	assert_int_equal(decode_k2_with(7, 0x01, sizeof(K2_V3_V4)),
	    VRRP_DROP_IP_HDR);
	/* Don't-fragment is fine. */
	assert_int_equal(decode_k2_with(6, 0x40, sizeof(K2_V3_V4)),
	    VRRP_DROP_NONE);
}

static void
test_ipv4_options(void **state)
{
	/* K2 with IHL 6 and one 4-byte option (NOPs, then end of list). */
	uint8_t pkt[sizeof(K2_V3_V4) + 4];
	struct vrrp_pkt_meta m;
	struct vrrp_pkt p;

	(void)state;
	memcpy(pkt, K2_V3_V4, IP4_HLEN);
	pkt[0] = 0x46;
	pkt[3] = (uint8_t)sizeof(pkt);
	pkt[IP4_HLEN + 0] = 1;
	pkt[IP4_HLEN + 1] = 1;
	pkt[IP4_HLEN + 2] = 1;
	pkt[IP4_HLEN + 3] = 0;
	memcpy(pkt + IP4_HLEN + 4, K2_V3_V4 + IP4_HLEN,
	    sizeof(K2_V3_V4) - IP4_HLEN);
	memset(&m, 0, sizeof(m));
	assert_int_equal(vrrp_pkt_decode_ipv4(pkt, sizeof(pkt), &m, &p, NULL,
	    0), VRRP_DROP_NONE);
	check_fields(&p, &K2_E);
}

static void
test_err_optional(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(254, VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt p;
	char err[8];

	(void)state;
	/* No buffer, a zero-length one, and a short one that truncates. */
	assert_int_equal(vrrp_pkt_decode(A3, sizeof(A3), &m, &p, NULL, 0),
	    VRRP_DROP_TTL);
	err[0] = 'x';
	assert_int_equal(vrrp_pkt_decode(A3, sizeof(A3), &m, &p, err, 0),
	    VRRP_DROP_TTL);
	assert_int_equal(err[0], 'x');
	memset(err, 'x', sizeof(err));
	assert_int_equal(vrrp_pkt_decode(A3, sizeof(A3), &m, &p, err,
	    sizeof(err)), VRRP_DROP_TTL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

/* ------------------------------------------------------------ encode side */

static void
test_encode_errors(void **state)
{
	struct vrrp_pkt_meta m = M4_GROUP(255, VRRP_CKSUM_PSEUDO);
	struct vrrp_pkt_meta m6 = M6_GROUP(255);
	struct vrrp_pkt p;
	uint8_t buf[VRRP_PKT_MAX_LEN];

	(void)state;
	/* Buffer one byte short. */
	fill_pkt(&p, &A3_E);
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(A3) - 1), -1);
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, 0), -1);
	/* v2 interval: not whole seconds, zero, above 255 s. */
	fill_pkt(&p, &A1_E);
	p.adver_int_cs = 150;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	p.adver_int_cs = 0;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	p.adver_int_cs = 25600;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	p.adver_int_cs = 25500;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), 20);
	assert_int_equal(buf[5], 255);
	/* v2 auth type AH (2) is not spoken. */
	fill_pkt(&p, &A1_E);
	p.auth_type = 2;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	/* v2 over IPv6. */
	fill_pkt(&p, &A5_E);
	p.version = 2;
	p.adver_int_cs = 100;
	assert_int_equal(vrrp_pkt_encode(&p, &m6, buf, sizeof(buf)), -1);
	/* v3 interval: zero and above 4095 cs. */
	fill_pkt(&p, &A3_E);
	p.adver_int_cs = 0;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	p.adver_int_cs = VRRP_V3_MAX_INT_CS + 1;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	/* Versions other than 2 and 3, VRID 0, family unset. */
	fill_pkt(&p, &A3_E);
	p.version = 4;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	p.version = 1;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	fill_pkt(&p, &A3_E);
	p.vrid = 0;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	fill_pkt(&p, &A3_E);
	p.family = 0;
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	/* An IPv6 address in an IPv4 packet. */
	fill_pkt(&p, &A3_E);
	p.addrs[1] = addr("2001:db8::1");
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
	/* A pseudo-header needs meta addresses of the packet's family. */
	fill_pkt(&p, &A3_E);
	assert_int_equal(vrrp_pkt_encode(&p, &m6, buf, sizeof(buf)), -1);
	assert_int_equal(vrrp_pkt_encode(&p, NULL, buf, sizeof(buf)), -1);
	fill_pkt(&p, &A5_E);
	assert_int_equal(vrrp_pkt_encode(&p, &m, buf, sizeof(buf)), -1);
}

static void
test_encode_no_meta_needed(void **state)
{
	struct vrrp_pkt_meta n;
	struct vrrp_pkt p;
	uint8_t buf[64];

	(void)state;
	/* v2 needs no addresses: meta NULL works. */
	fill_pkt(&p, &A2_E);
	assert_int_equal(vrrp_pkt_encode(&p, NULL, buf, sizeof(buf)),
	    (ssize_t)sizeof(A2));
	assert_memory_equal(buf, A2, sizeof(A2));
	/* Neither does v3 over IPv4 without a pseudo-header. */
	memset(&n, 0, sizeof(n));
	n.cksum = VRRP_CKSUM_NO_PSEUDO;
	fill_pkt(&p, &A3_E);
	assert_int_equal(vrrp_pkt_encode(&p, &n, buf, sizeof(buf)),
	    (ssize_t)sizeof(A4));
	assert_memory_equal(buf, A4, sizeof(A4));
	/* v2 without authentication sends zeros, whatever auth_data holds. */
	fill_pkt(&p, &A1_E);
	memcpy(p.auth_data, "garbage!", VRRP_AUTH_LEN);
	assert_int_equal(vrrp_pkt_encode(&p, NULL, buf, sizeof(buf)),
	    (ssize_t)sizeof(A1));
	assert_memory_equal(buf, A1, sizeof(A1));
}

static void
test_encode_max_addrs(void **state)
{
	struct vrrp_pkt_meta m6 = M6_GROUP(255);
	static struct vrrp_pkt p, q;
	static uint8_t buf[VRRP_PKT_MAX_LEN];
	ssize_t n;
	int i;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.version = 3;
	p.vrid = 255;
	p.priority = 1;
	p.adver_int_cs = 1;
	p.family = AF_INET6;
	p.naddrs = VRRP_PKT_MAX_ADDRS;
	for (i = 0; i < VRRP_PKT_MAX_ADDRS; i++) {
		p.addrs[i] = addr("2001:db8::");
		p.addrs[i].bytes[15] = (uint8_t)i;
		p.addrs[i].bytes[14] = 0xa0;
	}
	n = vrrp_pkt_encode(&p, &m6, buf, sizeof(buf));
	assert_int_equal(n, VRRP_HDR_LEN + 16 * VRRP_PKT_MAX_ADDRS);
	assert_int_equal(vrrp_pkt_decode(buf, (size_t)n, &m6, &q, NULL, 0),
	    VRRP_DROP_NONE);
	assert_int_equal(q.naddrs, VRRP_PKT_MAX_ADDRS);
	for (i = 0; i < VRRP_PKT_MAX_ADDRS; i++)
		assert_true(ipaddr_eq(&p.addrs[i], &q.addrs[i]));
}

/* ------------------------------------------------------------ small bits */

static void
test_drop_names(void **state)
{
	const char *names[VRRP_DROP__MAX];
	int i, j;
	const char *c;

	(void)state;
	for (i = 0; i < VRRP_DROP__MAX; i++) {
		names[i] = vrrp_drop_name((enum vrrp_drop)i);
		assert_non_null(names[i]);
		assert_string_not_equal(names[i], "unknown");
		assert_true(strlen(names[i]) > 0);
		for (c = names[i]; *c != '\0'; c++)
			assert_true(islower((unsigned char)*c) || *c == '_');
		for (j = 0; j < i; j++)
			assert_string_not_equal(names[i], names[j]);
	}
	assert_string_equal(vrrp_drop_name(VRRP_DROP_TTL), "ttl");
	assert_string_equal(vrrp_drop_name(VRRP_DROP_CHECKSUM), "checksum");
	assert_string_equal(vrrp_drop_name(VRRP_DROP_NO_INSTANCE),
	    "no_instance");
	assert_string_equal(vrrp_drop_name(VRRP_DROP_COUNT), "addr_count");
	assert_string_equal(vrrp_drop_name(VRRP_DROP_DST), "destination");
	assert_string_equal(vrrp_drop_name(VRRP_DROP__MAX), "unknown");
	assert_string_equal(vrrp_drop_name((enum vrrp_drop)-1), "unknown");
}

static void
test_peek_vrid(void **state)
{
	(void)state;
	assert_int_equal(vrrp_pkt_peek_vrid(A3, sizeof(A3)), 7);
	assert_int_equal(vrrp_pkt_peek_vrid(A6, 2), 200);
	assert_int_equal(vrrp_pkt_peek_vrid(N2_VRID0, sizeof(N2_VRID0)), 0);
	assert_int_equal(vrrp_pkt_peek_vrid(A3, 1), -1);
	assert_int_equal(vrrp_pkt_peek_vrid(A3, 0), -1);
	assert_int_equal(vrrp_pkt_peek_vrid(NULL, 8), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_v2),
		cmocka_unit_test(test_rfc_v3_ipv4),
		cmocka_unit_test(test_rfc_v3_ipv6),
		cmocka_unit_test(test_rfc_reserved_bits),
		cmocka_unit_test(test_keepalived_v2_pass),
		cmocka_unit_test(test_keepalived_v3_ipv4),
		cmocka_unit_test(test_keepalived_v3_ipv6),
		cmocka_unit_test(test_keepalived_v3_unicast),
		cmocka_unit_test(test_keepalived_old_unicast_checksum),
		cmocka_unit_test(test_drop_ttl),
		cmocka_unit_test(test_drop_version),
		cmocka_unit_test(test_drop_length),
		cmocka_unit_test(test_drop_checksum),
		cmocka_unit_test(test_drop_checksum_wrong_mode),
		cmocka_unit_test(test_drop_type),
		cmocka_unit_test(test_drop_vrid),
		cmocka_unit_test(test_drop_interval),
		cmocka_unit_test(test_drop_meta_family),
		cmocka_unit_test(test_drop_ip_hdr),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_err_optional),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_encode_no_meta_needed),
		cmocka_unit_test(test_encode_max_addrs),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_peek_vrid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
