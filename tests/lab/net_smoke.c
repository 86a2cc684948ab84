/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_smoke: drives the net/ modules one action at a time for
 * tests/lab/net_smoke.sh, which runs it inside lab network namespaces and
 * checks the results (and the wire, with tcpdump).  Not part of the product.
 *
 * Built by net_smoke.sh: this file plus every net/ source, with
 * pkg-config libnl-route-3.0 and libmnl.
 *
 * Commands (exit 0 on success, 1 on failure, 2 on usage):
 *   recv 4|6 IF mcast|ucast TIMEOUT_MS   print READY, then one RECV line
 *   send 4|6 IF SRC|- DST HEX            send HEX as one VRRP payload
 *   cksumopt IF                          IPV6_CHECKSUM of a VRRP v6 socket
 *   vip add|del IF PREFIX                IF may be @N: interface index N
 *   vip present IF ADDR                  prints 1 or 0
 *   vip primary IF 4|6 [SKIP...]         prints the primary address
 *   garp IF ADDR | una IF ADDR6          one announcement
 *   linkup IF                            prints link_is_up()
 *   linkmon IF TIMEOUT_MS EXPECT...      print READY, then wait for the
 *       events in order: up, down, +ADDR (added), -ADDR (removed)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../net/arp.h"
#include "../../net/link.h"
#include "../../net/ndisc.h"
#include "../../net/vip.h"
#include "../../net/vrrp_sock.h"
#include "lab_clock.h"

/* Wait until fd is readable or the deadline passes: 1, 0 on timeout. */
static int
wait_readable(int fd, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 1;
		if (r == -1 && errno != EINTR)
			return 0;
	}
}

static int
family_arg(const char *s)
{
	if (strcmp(s, "4") == 0)
		return AF_INET;
	if (strcmp(s, "6") == 0)
		return AF_INET6;
	return 0;
}

/* An interface name, or @N for the raw index N (to test bad indexes). */
static int
ifindex_arg(const char *ifname)
{
	int ifindex;

	if (ifname[0] == '@')
		return atoi(ifname + 1);
	ifindex = (int)if_nametoindex(ifname);

	if (ifindex == 0)
		fprintf(stderr, "no interface %s\n", ifname);
	return ifindex;
}

static void
print_hex(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static ssize_t
parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (s[0] != '\0' && s[1] != '\0') {
		if (n == max || sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return s[0] == '\0' ? (ssize_t)n : -1;
}

static int
cmd_recv(int argc, char **argv)
{
	struct vrrp_sock s;
	struct vrrp_pkt_meta meta;
	uint8_t buf[60 + VRRP_PKT_MAX_LEN];
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];
	long long deadline;
	ssize_t n;
	int fam;

	if (argc != 4 || (fam = family_arg(argv[0])) == 0)
		return 2;
	if (vrrp_sock_open(&s, fam, argv[1],
	    strcmp(argv[2], "mcast") == 0) == -1) {
		perror("vrrp_sock_open");
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	deadline = now_ms() + atol(argv[3]);
	for (;;) {
		if (!wait_readable(s.fd, deadline)) {
			printf("TIMEOUT\n");
			vrrp_sock_close(&s);
			return 1;
		}
		memset(&meta, 0, sizeof(meta));
		n = vrrp_sock_recv(&s, buf, sizeof(buf), &meta);
		if (n == -1) {
			perror("vrrp_sock_recv");
			vrrp_sock_close(&s);
			return 1;
		}
		if (n > 0)
			break;
	}
	if (fam == AF_INET) {
		size_t ihl;

		/* The whole datagram: pick out what the codec would. */
		if (n < 20 || (ihl = (size_t)(buf[0] & 0x0f) * 4) < 20 ||
		    (size_t)n < ihl) {
			printf("SHORT %zd\n", n);
			vrrp_sock_close(&s);
			return 1;
		}
		meta.src.family = meta.dst.family = AF_INET;
		memcpy(&meta.src.v4, buf + 12, 4);
		memcpy(&meta.dst.v4, buf + 16, 4);
		meta.ttl = buf[8];
		printf("RECV src=%s dst=%s ttl=%d proto=%u len=%zd data=",
		    ipaddr_ntop(&meta.src, a, sizeof(a)),
		    ipaddr_ntop(&meta.dst, b, sizeof(b)), meta.ttl, buf[9],
		    n - (ssize_t)ihl);
		print_hex(buf + ihl, (size_t)n - ihl);
	} else {
		printf("RECV src=%s dst=%s ttl=%d proto=112 len=%zd data=",
		    ipaddr_ntop(&meta.src, a, sizeof(a)),
		    ipaddr_ntop(&meta.dst, b, sizeof(b)), meta.ttl, n);
		print_hex(buf, (size_t)n);
	}
	printf("\n");
	vrrp_sock_close(&s);
	return 0;
}

static int
cmd_send(int argc, char **argv)
{
	struct vrrp_sock s;
	struct ipaddr src, dst;
	uint8_t buf[VRRP_PKT_MAX_LEN];
	ssize_t n;
	int fam, r;

	if (argc != 5 || (fam = family_arg(argv[0])) == 0)
		return 2;
	memset(&src, 0, sizeof(src));
	if ((strcmp(argv[2], "-") != 0 && ipaddr_parse(argv[2], &src) == -1) ||
	    ipaddr_parse(argv[3], &dst) == -1 ||
	    (n = parse_hex(argv[4], buf, sizeof(buf))) < 0)
		return 2;
	if (vrrp_sock_open(&s, fam, argv[1], 0) == -1) {
		perror("vrrp_sock_open");
		return 1;
	}
	r = vrrp_sock_send(&s, &src, &dst, buf, (size_t)n);
	if (r == -1)
		perror("vrrp_sock_send");
	vrrp_sock_close(&s);
	return r == 0 ? 0 : 1;
}

static int
cmd_cksumopt(int argc, char **argv)
{
	struct vrrp_sock s;
	socklen_t len;
	int v;

	if (argc != 1)
		return 2;
	if (vrrp_sock_open(&s, AF_INET6, argv[0], 0) == -1) {
		perror("vrrp_sock_open");
		return 1;
	}
	len = sizeof(v);
	if (getsockopt(s.fd, IPPROTO_IPV6, IPV6_CHECKSUM, &v, &len) == -1) {
		perror("getsockopt");
		vrrp_sock_close(&s);
		return 1;
	}
	printf("%d\n", v);
	vrrp_sock_close(&s);
	return 0;
}

static int
cmd_vip(int argc, char **argv)
{
	struct vip_nl *h;
	struct ipprefix p, skip[8];
	struct ipaddr a;
	char err[256], buf[IPADDR_STRLEN];
	int ifindex, r = 1, i, nskip;

	if (argc < 3 || (ifindex = ifindex_arg(argv[1])) == 0)
		return 2;
	if ((h = vip_open()) == NULL) {
		perror("vip_open");
		return 1;
	}
	if (strcmp(argv[0], "add") == 0 || strcmp(argv[0], "del") == 0) {
		if (argc != 3 || ipprefix_parse(argv[2], &p) == -1) {
			r = 2;
		} else if ((argv[0][0] == 'a' ?
		    vip_add(h, ifindex, &p, err, sizeof(err)) :
		    vip_del(h, ifindex, &p, err, sizeof(err))) == -1) {
			fprintf(stderr, "vip %s: %s\n", argv[0], err);
		} else {
			r = 0;
		}
	} else if (strcmp(argv[0], "present") == 0) {
		if (argc != 3 || ipaddr_parse(argv[2], &a) == -1) {
			r = 2;
		} else if ((i = vip_present(h, ifindex, &a)) == -1) {
			perror("vip_present");
		} else {
			printf("%d\n", i);
			r = 0;
		}
	} else if (strcmp(argv[0], "primary") == 0) {
		nskip = argc - 3;
		if (family_arg(argv[2]) == 0 || nskip > 8) {
			r = 2;
			goto out;
		}
		for (i = 0; i < nskip; i++)
			if (ipprefix_parse(argv[3 + i], &skip[i]) == -1) {
				r = 2;
				goto out;
			}
		if (vip_primary_addr(h, ifindex, family_arg(argv[2]), skip,
		    nskip, &a) == -1) {
			perror("vip_primary_addr");
		} else {
			printf("%s\n", ipaddr_ntop(&a, buf, sizeof(buf)));
			r = 0;
		}
	} else {
		r = 2;
	}
out:
	vip_close(h);
	return r;
}

static int
cmd_announce(int argc, char **argv, int v6)
{
	struct ipaddr a;
	uint8_t mac[6];
	int fd, ifindex, r;

	if (argc != 2 || (ifindex = ifindex_arg(argv[0])) == 0 ||
	    ipaddr_parse(argv[1], &a) == -1 ||
	    a.family != (v6 ? AF_INET6 : AF_INET))
		return 2;
	if (arp_ifmac(argv[0], mac) == -1) {
		perror("arp_ifmac");
		return 1;
	}
	fd = v6 ? ndisc_open() : arp_open();
	if (fd == -1) {
		perror(v6 ? "ndisc_open" : "arp_open");
		return 1;
	}
	r = v6 ? ndisc_send_una(fd, ifindex, mac, &a.v6) :
	    arp_send_garp(fd, ifindex, mac, a.v4);
	if (r == -1)
		perror("send");
	close(fd);
	return r == 0 ? 0 : 1;
}

static int
cmd_linkup(int argc, char **argv)
{
	int r;

	if (argc != 1)
		return 2;
	r = link_is_up(argv[0]);
	printf("%d\n", r);
	return r == -1 ? 1 : 0;
}

struct mon {
	int ifindex;
	char **expect;
	int nexpect;
	int next;
};

static void
mon_link(void *arg, int ifindex, bool up)
{
	struct mon *m = arg;

	if (ifindex != m->ifindex)
		return;
	printf("EVENT link %s\n", up ? "up" : "down");
	if (m->next < m->nexpect &&
	    strcmp(m->expect[m->next], up ? "up" : "down") == 0)
		m->next++;
}

static void
mon_addr(void *arg, int ifindex, const struct ipaddr *a, bool added)
{
	struct mon *m = arg;
	struct ipaddr want;
	const char *e;

	if (ifindex != m->ifindex)
		return;
	printf("EVENT addr %c%s\n", added ? '+' : '-',
	    ipaddr_ntop(a, (char[IPADDR_STRLEN]){ 0 }, IPADDR_STRLEN));
	if (m->next >= m->nexpect)
		return;
	e = m->expect[m->next];
	if ((e[0] == '+' || e[0] == '-') && (e[0] == '+') == added &&
	    ipaddr_parse(e + 1, &want) == 0 && ipaddr_eq(&want, a))
		m->next++;
}

static int
cmd_linkmon(int argc, char **argv)
{
	struct link_mon *lm;
	struct mon m;
	struct link_mon_cb cb = { mon_link, mon_addr, &m };
	long long deadline;

	if (argc < 3 || (m.ifindex = ifindex_arg(argv[0])) == 0)
		return 2;
	m.expect = argv + 2;
	m.nexpect = argc - 2;
	m.next = 0;
	if ((lm = link_mon_open()) == NULL) {
		perror("link_mon_open");
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	deadline = now_ms() + atol(argv[1]);
	while (m.next < m.nexpect) {
		if (!wait_readable(link_mon_fd(lm), deadline))
			break;
		if (link_mon_read(lm, &cb) == -1) {
			perror("link_mon_read");
			break;
		}
		fflush(stdout);
	}
	link_mon_close(lm);
	printf("%s %d/%d\n", m.next == m.nexpect ? "DONE" : "TIMEOUT",
	    m.next, m.nexpect);
	return m.next == m.nexpect ? 0 : 1;
}

int
main(int argc, char **argv)
{
	int r = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		goto usage;
	if (strcmp(argv[1], "recv") == 0)
		r = cmd_recv(argc - 2, argv + 2);
	else if (strcmp(argv[1], "send") == 0)
		r = cmd_send(argc - 2, argv + 2);
	else if (strcmp(argv[1], "cksumopt") == 0)
		r = cmd_cksumopt(argc - 2, argv + 2);
	else if (strcmp(argv[1], "vip") == 0)
		r = cmd_vip(argc - 2, argv + 2);
	else if (strcmp(argv[1], "garp") == 0)
		r = cmd_announce(argc - 2, argv + 2, 0);
	else if (strcmp(argv[1], "una") == 0)
		r = cmd_announce(argc - 2, argv + 2, 1);
	else if (strcmp(argv[1], "linkup") == 0)
		r = cmd_linkup(argc - 2, argv + 2);
	else if (strcmp(argv[1], "linkmon") == 0)
		r = cmd_linkmon(argc - 2, argv + 2);
	if (r != 2)
		return r;
usage:
	fprintf(stderr, "usage: see the comment at the top of net_smoke.c\n");
	return 2;
}
