/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ndisc: unsolicited neighbour advertisements.  A raw ICMPv6 socket: the
 * kernel builds the IPv6 header and computes the ICMPv6 checksum (always on
 * for IPPROTO_ICMPV6 raw sockets, RFC 3542 section 3.1), we supply the
 * message.
 */
#include "ndisc.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ND_OPT_TLLA_TYPE	2
#define NA_FLAG_ROUTER		0x80
#define NA_FLAG_SOLICITED	0x40
#define NA_FLAG_OVERRIDE	0x20

static const struct in6_addr all_nodes = {
	.s6_addr = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
};

ssize_t
ndisc_build(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in6_addr *target)
{
	if (len < NDISC_NA_LEN)
		return -1;
	memset(buf, 0, NDISC_NA_LEN);
	buf[0] = ND_NEIGHBOR_ADVERT;
	buf[1] = 0;
	/* Bytes 2-3: checksum, left zero for the kernel. */
	/*
	 * Override so peers replace the old master's MAC at once; never
	 * Solicited: RFC 4861 7.2.6 forbids it in an unsolicited NA, and a
	 * receiver drops a multicast NA that carries it.
	 */
	buf[4] = NA_FLAG_OVERRIDE;
	memcpy(buf + 8, target, 16);
	buf[24] = ND_OPT_TLLA_TYPE;
	buf[25] = 1;			/* length in units of 8 octets */
	memcpy(buf + 26, mac, 6);
	return NDISC_NA_LEN;
}

static int
setopt_int(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val));
}

int
ndisc_open(void)
{
	struct icmp6_filter filt;
	int fd, saved;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMPV6);
	if (fd == -1)
		return -1;
	/* Receivers drop neighbour discovery with a hop limit below 255. */
	if (setopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255) == -1 ||
	    setopt_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255) == -1 ||
	    setopt_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) == -1)
		goto fail;
	/*
	 * A raw ICMPv6 socket otherwise gets a copy of every ICMPv6 message
	 * the host receives; nobody reads this one.
	 */
	ICMP6_FILTER_SETBLOCKALL(&filt);
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
	    sizeof(filt)) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
ndisc_send_una(int fd, int ifindex, const uint8_t mac[6],
    const struct in6_addr *target)
{
	uint8_t na[NDISC_NA_LEN];
	struct sockaddr_in6 sin6;
	struct in6_pktinfo pi6;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		    CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	int hops = 255;
	ssize_t n, r;

	n = ndisc_build(na, sizeof(na), mac, target);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = all_nodes;
	sin6.sin6_scope_id = (uint32_t)ifindex;

	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = na;
	iov.iov_len = (size_t)n;
	msg.msg_name = &sin6;
	msg.msg_namelen = sizeof(sin6);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cbuf;
	msg.msg_controllen = sizeof(cbuf);

	/*
	 * The socket serves every interface, so the interface and the hop
	 * limit travel with each packet rather than as socket state.
	 */
	memset(&pi6, 0, sizeof(pi6));
	pi6.ipi6_ifindex = (unsigned)ifindex;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi6));
	memcpy(CMSG_DATA(cm), &pi6, sizeof(pi6));
	cm = CMSG_NXTHDR(&msg, cm);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_HOPLIMIT;
	cm->cmsg_len = CMSG_LEN(sizeof(hops));
	memcpy(CMSG_DATA(cm), &hops, sizeof(hops));

	r = sendmsg(fd, &msg, MSG_DONTWAIT);
	if (r == -1)
		return -1;
	if (r != n) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}
