/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link_mon_dispatch against rtnetlink messages built here byte by byte
 * (struct nlmsghdr / ifinfomsg / ifaddrmsg and attributes laid out as
 * rtnetlink(7) describes), without libmnl.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "../../net/link.h"

/* In linux/if.h, which clashes with net/if.h. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000
#endif

#define MAXEV	8

struct seen {
	int n;
	char ev[MAXEV][80];
};

static void
cb_link(void *arg, int ifindex, bool up)
{
	struct seen *s = arg;

	if (s->n < MAXEV)
		snprintf(s->ev[s->n], sizeof(s->ev[0]), "link %d %s", ifindex,
		    up ? "up" : "down");
	s->n++;
}

static void
cb_addr(void *arg, int ifindex, const struct ipaddr *a, bool added)
{
	struct seen *s = arg;
	char buf[IPADDR_STRLEN];

	if (s->n < MAXEV)
		snprintf(s->ev[s->n], sizeof(s->ev[0]), "addr %d %c%s",
		    ifindex, added ? '+' : '-', ipaddr_ntop(a, buf,
		    sizeof(buf)));
	s->n++;
}

/* A datagram under construction. */
struct dg {
	uint8_t b[1024] __attribute__((aligned(4)));
	size_t len;
	size_t msg;		/* start of the current message */
};

static void
msg_begin(struct dg *d, uint16_t type, const void *hdr, size_t hlen)
{
	struct nlmsghdr nh;

	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_type = type;
	d->msg = d->len;
	memcpy(d->b + d->len, &nh, sizeof(nh));
	d->len += NLMSG_HDRLEN;
	memcpy(d->b + d->len, hdr, hlen);
	d->len += NLMSG_ALIGN(hlen);
}

static void
msg_attr(struct dg *d, uint16_t type, const void *data, size_t len)
{
	struct nlattr na;

	na.nla_len = (uint16_t)(NLA_HDRLEN + len);
	na.nla_type = type;
	memcpy(d->b + d->len, &na, sizeof(na));
	memcpy(d->b + d->len + NLA_HDRLEN, data, len);
	d->len += NLA_ALIGN(NLA_HDRLEN + len);
}

static void
msg_end(struct dg *d)
{
	uint32_t len = (uint32_t)(d->len - d->msg);

	memcpy(d->b + d->msg, &len, sizeof(len));	/* nlmsg_len */
}

static void
add_link(struct dg *d, uint16_t type, int family, int ifindex,
    unsigned flags)
{
	struct ifinfomsg ifi;

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = (unsigned char)family;
	ifi.ifi_index = ifindex;
	ifi.ifi_flags = flags;
	msg_begin(d, type, &ifi, sizeof(ifi));
	msg_attr(d, IFLA_IFNAME, "lan0", 5);
	msg_end(d);
}

static void
addr_begin(struct dg *d, uint16_t type, int family, int ifindex)
{
	struct ifaddrmsg ifa;

	memset(&ifa, 0, sizeof(ifa));
	ifa.ifa_family = (unsigned char)family;
	ifa.ifa_prefixlen = family == AF_INET ? 24 : 64;
	ifa.ifa_index = (unsigned)ifindex;
	msg_begin(d, type, &ifa, sizeof(ifa));
}

static void
attr_ip(struct dg *d, uint16_t type, int family, const char *s)
{
	uint8_t b[16];

	assert_int_equal(inet_pton(family, s, b), 1);
	msg_attr(d, type, b, family == AF_INET ? 4 : 16);
}

static const struct link_mon_cb cb_tmpl = { cb_link, cb_addr, NULL };

static void
run(struct dg *d, struct seen *s)
{
	struct link_mon_cb cb = cb_tmpl;

	memset(s, 0, sizeof(*s));
	cb.arg = s;
	link_mon_dispatch(d->b, d->len, &cb);
}

static void
test_link_states(void **state)
{
	struct dg d = { .len = 0 };
	struct seen s;

	(void)state;
	add_link(&d, RTM_NEWLINK, AF_UNSPEC, 7, IFF_UP | IFF_RUNNING |
	    IFF_LOWER_UP);
	add_link(&d, RTM_NEWLINK, AF_UNSPEC, 7, IFF_UP);	/* no carrier */
	add_link(&d, RTM_NEWLINK, AF_UNSPEC, 7, IFF_RUNNING);	/* admin down */
	add_link(&d, RTM_DELLINK, AF_UNSPEC, 7, IFF_UP | IFF_RUNNING);
	run(&d, &s);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.ev[0], "link 7 up");
	assert_string_equal(s.ev[1], "link 7 down");
	assert_string_equal(s.ev[2], "link 7 down");
	assert_string_equal(s.ev[3], "link 7 down");
}

static void
test_bridge_and_other_ignored(void **state)
{
	struct dg d = { .len = 0 };
	struct rtmsg rtm;
	struct seen s;

	(void)state;
	add_link(&d, RTM_NEWLINK, AF_BRIDGE, 4, 0);
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = AF_INET;
	msg_begin(&d, RTM_NEWROUTE, &rtm, sizeof(rtm));
	msg_end(&d);
	add_link(&d, RTM_NEWLINK, AF_UNSPEC, 4, IFF_UP | IFF_RUNNING);
	run(&d, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ev[0], "link 4 up");
}

static void
test_addr_v4_local_not_peer(void **state)
{
	struct dg d = { .len = 0 };
	struct seen s;

	(void)state;
	/* Point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL is ours. */
	addr_begin(&d, RTM_NEWADDR, AF_INET, 3);
	attr_ip(&d, IFA_ADDRESS, AF_INET, "198.51.100.9");
	attr_ip(&d, IFA_LOCAL, AF_INET, "198.51.100.1");
	msg_end(&d);
	/* The usual case: both the same. */
	addr_begin(&d, RTM_DELADDR, AF_INET, 3);
	attr_ip(&d, IFA_LOCAL, AF_INET, "198.51.100.100");
	attr_ip(&d, IFA_ADDRESS, AF_INET, "198.51.100.100");
	msg_end(&d);
	run(&d, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ev[0], "addr 3 +198.51.100.1");
	assert_string_equal(s.ev[1], "addr 3 -198.51.100.100");
}

static void
test_addr_v6_address_only(void **state)
{
	struct dg d = { .len = 0 };
	struct seen s;
	uint32_t flags = IFA_F_NODAD;

	(void)state;
	addr_begin(&d, RTM_NEWADDR, AF_INET6, 12);
	msg_attr(&d, IFA_FLAGS, &flags, sizeof(flags));
	attr_ip(&d, IFA_ADDRESS, AF_INET6, "2001:db8:51::100");
	msg_end(&d);
	addr_begin(&d, RTM_DELADDR, AF_INET6, 12);
	attr_ip(&d, IFA_ADDRESS, AF_INET6, "fe80::1");
	msg_end(&d);
	run(&d, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ev[0], "addr 12 +2001:db8:51::100");
	assert_string_equal(s.ev[1], "addr 12 -fe80::1");
}

static void
test_addr_bad_length_or_family(void **state)
{
	struct dg d = { .len = 0 };
	struct seen s;
	uint8_t six[6] = { 1, 2, 3, 4, 5, 6 };

	(void)state;
	/* A 6-byte "IPv4 address" is not one. */
	addr_begin(&d, RTM_NEWADDR, AF_INET, 3);
	msg_attr(&d, IFA_LOCAL, six, sizeof(six));
	msg_end(&d);
	/* An IPv4 length in an IPv6 message. */
	addr_begin(&d, RTM_NEWADDR, AF_INET6, 3);
	attr_ip(&d, IFA_ADDRESS, AF_INET, "198.51.100.1");
	msg_end(&d);
	/* A family we do not know. */
	addr_begin(&d, RTM_NEWADDR, AF_PACKET, 3);
	attr_ip(&d, IFA_ADDRESS, AF_INET, "198.51.100.1");
	msg_end(&d);
	/* No address at all. */
	addr_begin(&d, RTM_NEWADDR, AF_INET, 3);
	msg_end(&d);
	run(&d, &s);
	assert_int_equal(s.n, 0);
}

static void
test_truncated(void **state)
{
	struct dg d = { .len = 0 };
	struct seen s;
	size_t first;

	(void)state;
	add_link(&d, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP | IFF_RUNNING);
	first = d.len;
	add_link(&d, RTM_NEWLINK, AF_UNSPEC, 5, IFF_UP | IFF_RUNNING);
	/* The second message claims more than the datagram holds. */
	d.len -= 4;
	run(&d, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ev[0], "link 2 up");
	/* A header too short for its ifinfomsg is skipped. */
	d.len = first;
	{
		struct nlmsghdr nh;

		memset(&nh, 0, sizeof(nh));
		nh.nlmsg_type = RTM_NEWLINK;
		nh.nlmsg_len = NLMSG_HDRLEN + 4;
		memcpy(d.b + d.len, &nh, sizeof(nh));
		memset(d.b + d.len + NLMSG_HDRLEN, 0xff, 4);
		d.len += NLMSG_HDRLEN + 4;
	}
	run(&d, &s);
	assert_int_equal(s.n, 1);
}

static void
test_null_callbacks(void **state)
{
	struct dg d = { .len = 0 };
	struct link_mon_cb none = { NULL, NULL, NULL };

	(void)state;
	add_link(&d, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP | IFF_RUNNING);
	addr_begin(&d, RTM_NEWADDR, AF_INET, 2);
	attr_ip(&d, IFA_LOCAL, AF_INET, "198.51.100.1");
	msg_end(&d);
	link_mon_dispatch(d.b, d.len, &none);
}

static void
test_link_is_up_missing(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(link_is_up("nosuch-hn1"), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(link_is_up("a-name-far-too-long-for-ifnamsiz"), -1);
	assert_int_equal(errno, EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_states),
		cmocka_unit_test(test_bridge_and_other_ignored),
		cmocka_unit_test(test_addr_v4_local_not_peer),
		cmocka_unit_test(test_addr_v6_address_only),
		cmocka_unit_test(test_addr_bad_length_or_family),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_null_callbacks),
		cmocka_unit_test(test_link_is_up_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
