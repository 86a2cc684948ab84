/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkt_test: helpers for the codec unit tests (test_vrrp_pkt*.c).  Include
 * after <cmocka.h> and net/vrrp_pkt.h.
 */
#ifndef DBVIP_TEST_PKT_TEST_H
#define DBVIP_TEST_PKT_TEST_H

#include <string.h>

static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static struct vrrp_pkt_meta
meta(const char *src, const char *dst, int ttl, enum vrrp_cksum_mode mode)
{
	struct vrrp_pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.src = addr(src);
	m.dst = addr(dst);
	m.ttl = ttl;
	m.cksum = mode;
	return m;
}

/* Decode and expect a drop with a non-empty message. */
static void
check_drop(const uint8_t *buf, size_t len, const struct vrrp_pkt_meta *m,
    enum vrrp_drop want)
{
	struct vrrp_pkt p;
	char err[128];
	enum vrrp_drop got;

	err[0] = '\0';
	got = vrrp_pkt_decode(buf, len, m, &p, err, sizeof(err));
	if (got != want)
		fail_msg("want drop %s, got %s (%s)", vrrp_drop_name(want),
		    vrrp_drop_name(got), err);
	assert_true(strlen(err) > 0);
}

#endif
