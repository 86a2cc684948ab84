/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forge: send hand-made (often malformed) VRRP packets, for t_hostile.sh.
 * Run in the client namespace.  It shares no code with the daemon: the
 * packet is laid out here from the RFC 5798 / RFC 3768 section 5.1
 * diagrams, so that a codec bug cannot hide itself.
 *
 *   forge -I IFACE -s SRC -d DST [-t TTL] [-v VER] [-T TYPE] [-r VRID]
 *         [-p PRIO] [-i INT] [-a ADDR]... [-c COUNT] [-A PASS | -Y AUTHTYPE]
 *         [-x] [-N] [-l LEN] [-O SIZE] [-n N] [-g GAP_US]
 *
 *   -s, -d   IP source and destination.  IPv4 goes out of an IPPROTO_RAW
 *            socket with our own IP header (any source, any TTL); IPv6
 *            (a ':' in DST) out of a raw protocol-112 socket bound to SRC,
 *            which must then be an address of this host.
 *   -t       TTL / hop limit (255)      -v  version (3)   -T  type (1)
 *   -r       VRID (51)                  -p  priority (100)
 *   -i       interval: centiseconds for v3 (100), seconds for v2 (1)
 *   -a       an address to list (repeatable); -c puts COUNT in the count
 *            field instead of the number of -a
 *   -A PASS  v2 auth type 1 with this password; -Y sets the type only
 *   -x       make the checksum wrong (the right one plus 1)
 *   -N       v3 over IPv4 without the pseudo-header in the checksum
 *   -l LEN   send only the first LEN bytes of the VRRP payload
 *   -O SIZE  instead, SIZE bytes of zeros to DST (IPv4) through a raw
 *            protocol-112 socket: the kernel fragments what the MTU cannot
 *            carry, the receiver reassembles it (oversized datagrams)
 *   -n N     send N times (1), GAP_US microseconds apart (1000)
 *
 * Prints "sent N" and exits 0, or 1 on a usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROTO_VRRP	112
#define MAX_ADDRS	16

struct opts {
	const char *ifname;
	int family;
	struct in_addr src4, dst4;
	struct in6_addr src6, dst6;
	int ttl, version, type, vrid, prio, interval, count;
	int naddrs;
	uint8_t addrs[MAX_ADDRS][16];
	int auth_type;
	char pass[9];
	int bad_cksum, no_pseudo, len, oversize, repeat, gap_us;
};

static void
usage(void)
{
	fprintf(stderr, "usage: forge -I IFACE -s SRC -d DST [-t TTL] "
	    "[-v VER] [-T TYPE] [-r VRID] [-p PRIO] [-i INT] [-a ADDR]... "
	    "[-c COUNT] [-A PASS | -Y TYPE] [-x] [-N] [-l LEN] [-O SIZE] "
	    "[-n N] [-g GAP_US]\n");
	exit(1);
}

/* RFC 1071: one's complement sum of big-endian 16-bit words. */
static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The VRRP payload into buf; returns its full length. */
static size_t
build(const struct opts *o, uint8_t *buf)
{
	size_t alen = o->family == AF_INET ? 4 : 16, n = 8;
	uint8_t ph[40];
	uint32_t sum = 0;
	uint16_t ck;
	int i;

	memset(buf, 0, 8);
	buf[0] = (uint8_t)(o->version << 4 | (o->type & 0x0f));
	buf[1] = (uint8_t)o->vrid;
	buf[2] = (uint8_t)o->prio;
	buf[3] = (uint8_t)(o->count >= 0 ? o->count : o->naddrs);
	if (o->version == 2) {
		buf[4] = (uint8_t)o->auth_type;
		buf[5] = (uint8_t)o->interval;
	} else {
		buf[4] = (uint8_t)(o->interval >> 8 & 0x0f);
		buf[5] = (uint8_t)o->interval;
	}
	for (i = 0; i < o->naddrs; i++, n += alen)
		memcpy(buf + n, o->addrs[i], alen);
	if (o->version == 2) {
		memset(buf + n, 0, 8);
		if (o->auth_type == 1)
			memcpy(buf + n, o->pass, strlen(o->pass));
		n += 8;
	}
	/* v3: the pseudo-header of RFC 5798 5.2.8 (v2 has none). */
	if (o->version != 2 && o->family == AF_INET6) {
		memcpy(ph, &o->src6, 16);
		memcpy(ph + 16, &o->dst6, 16);
		ph[32] = ph[33] = 0;
		ph[34] = (uint8_t)(n >> 8);
		ph[35] = (uint8_t)n;
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = PROTO_VRRP;
		sum = sum16(0, ph, 40);
	} else if (o->version != 2 && !o->no_pseudo) {
		memcpy(ph, &o->src4, 4);
		memcpy(ph + 4, &o->dst4, 4);
		ph[8] = 0;
		ph[9] = PROTO_VRRP;
		ph[10] = (uint8_t)(n >> 8);
		ph[11] = (uint8_t)n;
		sum = sum16(0, ph, 12);
	}
	ck = fold(sum16(sum, buf, n));
	if (o->bad_cksum)
		ck++;
	buf[6] = (uint8_t)(ck >> 8);
	buf[7] = (uint8_t)ck;
	return n;
}

static int
open_sock(const struct opts *o)
{
	int fd, one = 1, ttl = o->ttl;
	unsigned idx = if_nametoindex(o->ifname);

	if (idx == 0)
		return -1;
	if (o->family == AF_INET6) {
		struct sockaddr_in6 sa;

		fd = socket(AF_INET6, SOCK_RAW, PROTO_VRRP);
		if (fd == -1)
			return -1;
		memset(&sa, 0, sizeof(sa));
		sa.sin6_family = AF_INET6;
		sa.sin6_addr = o->src6;
		if (IN6_IS_ADDR_LINKLOCAL(&o->src6))
			sa.sin6_scope_id = idx;
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl,
		    sizeof(ttl)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx,
		    sizeof(idx)) == -1)
			return -1;
	} else if (o->oversize > 0) {
		fd = socket(AF_INET, SOCK_RAW, PROTO_VRRP);
		if (fd == -1 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
		    sizeof(ttl)) == -1 ||
		    setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) == -1)
			return -1;
	} else {
		/* IPPROTO_RAW: we write the IP header (IP_HDRINCL). */
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (fd == -1 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one,
		    sizeof(one)) == -1)
			return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->ifname,
	    (socklen_t)strlen(o->ifname) + 1) == -1)
		return -1;
	return fd;
}

static int
send_one(int fd, const struct opts *o, const uint8_t *pay, size_t n)
{
	static uint8_t pkt[65536];
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t tot;

	memset(&ss, 0, sizeof(ss));
	if (o->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = o->dst6;
		s6->sin6_scope_id = if_nametoindex(o->ifname);
		sl = sizeof(*s6);
		return sendto(fd, pay, n, 0, (struct sockaddr *)&ss, sl) ==
		    (ssize_t)n ? 0 : -1;
	}
	((struct sockaddr_in *)&ss)->sin_family = AF_INET;
	((struct sockaddr_in *)&ss)->sin_addr = o->dst4;
	sl = sizeof(struct sockaddr_in);
	if (o->oversize > 0)
		return sendto(fd, pay, n, 0, (struct sockaddr *)&ss, sl) ==
		    (ssize_t)n ? 0 : -1;
	/* RFC 791 header; the kernel fills the checksum and the id. */
	tot = 20 + n;
	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	pkt[1] = 0xc0;			/* precedence: network control */
	pkt[2] = (uint8_t)(tot >> 8);
	pkt[3] = (uint8_t)tot;
	pkt[8] = (uint8_t)o->ttl;
	pkt[9] = PROTO_VRRP;
	memcpy(pkt + 12, &o->src4, 4);
	memcpy(pkt + 16, &o->dst4, 4);
	memcpy(pkt + 20, pay, n);
	return sendto(fd, pkt, tot, 0, (struct sockaddr *)&ss, sl) ==
	    (ssize_t)tot ? 0 : -1;
}

static void
parse_addr(const char *s, int *family, void *v4, void *v6)
{
	if (inet_pton(AF_INET6, s, v6) == 1)
		*family = AF_INET6;
	else if (inet_pton(AF_INET, s, v4) == 1)
		*family = AF_INET;
	else
		usage();
}

int
main(int argc, char **argv)
{
	static uint8_t pay[65536];
	struct opts o;
	struct timespec ts;
	int c, fd, i, fam_s = 0, fam_d = 0, fam_a;
	size_t n;

	memset(&o, 0, sizeof(o));
	o.ttl = 255;
	o.version = 3;
	o.type = 1;
	o.vrid = 51;
	o.prio = 100;
	o.interval = -1;
	o.count = -1;
	o.len = -1;
	o.repeat = 1;
	o.gap_us = 1000;
	while ((c = getopt(argc, argv, "I:s:d:t:v:T:r:p:i:a:c:A:Y:xNl:O:n:g:"))
	    != -1) {
		switch (c) {
		case 'I': o.ifname = optarg; break;
		case 's': parse_addr(optarg, &fam_s, &o.src4, &o.src6); break;
		case 'd': parse_addr(optarg, &fam_d, &o.dst4, &o.dst6); break;
		case 't': o.ttl = atoi(optarg); break;
		case 'v': o.version = atoi(optarg); break;
		case 'T': o.type = atoi(optarg); break;
		case 'r': o.vrid = atoi(optarg); break;
		case 'p': o.prio = atoi(optarg); break;
		case 'i': o.interval = atoi(optarg); break;
		case 'a': {
			uint8_t a4[4];

			if (o.naddrs == MAX_ADDRS)
				usage();
			parse_addr(optarg, &fam_a, a4, o.addrs[o.naddrs]);
			if (fam_a == AF_INET)
				memcpy(o.addrs[o.naddrs], a4, 4);
			o.naddrs++;
			break;
		}
		case 'c': o.count = atoi(optarg); break;
		case 'A':
			o.auth_type = 1;
			snprintf(o.pass, sizeof(o.pass), "%s", optarg);
			break;
		case 'Y': o.auth_type = atoi(optarg); break;
		case 'x': o.bad_cksum = 1; break;
		case 'N': o.no_pseudo = 1; break;
		case 'l': o.len = atoi(optarg); break;
		case 'O': o.oversize = atoi(optarg); break;
		case 'n': o.repeat = atoi(optarg); break;
		case 'g': o.gap_us = atoi(optarg); break;
		default: usage();
		}
	}
	if (o.ifname == NULL || fam_s == 0 || fam_d != fam_s ||
	    o.repeat < 1 || o.oversize < 0 || o.oversize > 60000 ||
	    (o.oversize > 0 && fam_d != AF_INET))
		usage();
	o.family = fam_d;
	if (o.interval < 0)
		o.interval = o.version == 2 ? 1 : 100;

	if (o.oversize > 0) {
		memset(pay, 0, (size_t)o.oversize);
		n = (size_t)o.oversize;
	} else {
		n = build(&o, pay);
		if (o.len >= 0 && (size_t)o.len < n)
			n = (size_t)o.len;
	}
	if ((fd = open_sock(&o)) == -1) {
		perror("forge: socket");
		return 1;
	}
	for (i = 0; i < o.repeat; i++) {
		if (send_one(fd, &o, pay, n) == -1) {
			perror("forge: send");
			return 1;
		}
		if (i + 1 < o.repeat && o.gap_us > 0) {
			ts.tv_sec = o.gap_us / 1000000;
			ts.tv_nsec = (long)(o.gap_us % 1000000) * 1000;
			nanosleep(&ts, NULL);
		}
	}
	printf("sent %d\n", o.repeat);
	close(fd);
	return 0;
}
