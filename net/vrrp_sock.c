/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vrrp_sock: the raw protocol-112 socket of one interface and family.
 *
 * The kernel builds the IP header (no IP_HDRINCL): TTL / hop limit come from
 * socket options, the source from an IP_PKTINFO / IPV6_PKTINFO control
 * message per send.  That keeps one socket usable for several instances with
 * different source addresses, and lets the kernel fill in the IPv4 header
 * checksum, identification and fragmentation fields it knows best.
 */
#include "vrrp_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
setopt_int(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val));
}

void
vrrp_sock_group(int family, struct ipaddr *out)
{
	if (ipaddr_parse(family == AF_INET6 ? VRRP_MCAST_V6 : VRRP_MCAST_V4,
	    out) == -1)
		memset(out, 0, sizeof(*out));
}

static int
sock_setup_v4(struct vrrp_sock *s)
{
	struct ip_mreqn mr;

	/*
	 * RFC 5798 5.1.1.3 / 5.1.2.3: TTL 255 on every advert, unicast too
	 * (the receiver drops anything else, so a router cannot have
	 * forwarded it).
	 */
	if (setopt_int(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL) == -1 ||
	    setopt_int(s->fd, IPPROTO_IP, IP_TTL, VRRP_TTL) == -1)
		return -1;
	/* Our own adverts must not come back to us as a peer's. */
	if (setopt_int(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0) == -1)
		return -1;
	memset(&mr, 0, sizeof(mr));
	mr.imr_ifindex = s->ifindex;
	return setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
	    sizeof(mr));
}

static int
sock_setup_v6(struct vrrp_sock *s)
{
	/*
	 * -1 disables kernel checksumming, which is the default for raw
	 * sockets of protocols other than ICMPv6.  Set it anyway: the VRRP
	 * checksum is the codec's, and a kernel that wrote offset 6 would
	 * corrupt every advert silently.
	 */
	if (setopt_int(s->fd, IPPROTO_IPV6, IPV6_CHECKSUM, -1) == -1)
		return -1;
	if (setopt_int(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS,
	    VRRP_TTL) == -1 ||
	    setopt_int(s->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_TTL) == -1)
		return -1;
	if (setopt_int(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) == -1)
		return -1;
	if (setopt_int(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF,
	    s->ifindex) == -1)
		return -1;
	/*
	 * An IPv6 raw socket never shows the IP header: the hop limit (for
	 * the TTL check) and the destination (for the pseudo-header
	 * checksum) come as ancillary data.
	 */
	if (setopt_int(s->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) == -1 ||
	    setopt_int(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) == -1)
		return -1;
	return 0;
}

int
vrrp_sock_open(struct vrrp_sock *s, int family, const char *ifname,
    int join_mcast)
{
	size_t n;
	int saved;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (family != AF_INET && family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	n = strlen(ifname);
	if (n == 0 || n >= sizeof(s->ifname) || n >= IFNAMSIZ) {
		errno = EINVAL;
		return -1;
	}
	memcpy(s->ifname, ifname, n + 1);
	s->family = family;
	s->ifindex = (int)if_nametoindex(ifname);
	if (s->ifindex == 0)
		return -1;

	s->fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    VRRP_IPPROTO);
	if (s->fd == -1)
		return -1;
	/*
	 * Bound to the device, the socket only sees adverts that arrived on
	 * this interface: an advert from another segment carrying the same
	 * VRID must not reach this instance.
	 */
	if (setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, s->ifname,
	    (socklen_t)(n + 1)) == -1)
		goto fail;
	if ((family == AF_INET ? sock_setup_v4(s) : sock_setup_v6(s)) == -1)
		goto fail;
	if (join_mcast && vrrp_sock_join(s) == -1)
		goto fail;
	return 0;
fail:
	saved = errno;
	close(s->fd);
	s->fd = -1;
	errno = saved;
	return -1;
}

int
vrrp_sock_join(struct vrrp_sock *s)
{
	struct ipaddr g;
	int r;

	if (s->mcast_joined)
		return 0;
	vrrp_sock_group(s->family, &g);
	if (s->family == AF_INET) {
		struct ip_mreqn mr;

		memset(&mr, 0, sizeof(mr));
		mr.imr_multiaddr = g.v4;
		mr.imr_ifindex = s->ifindex;
		r = setsockopt(s->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
		    sizeof(mr));
	} else {
		struct ipv6_mreq mr6;

		memset(&mr6, 0, sizeof(mr6));
		mr6.ipv6mr_multiaddr = g.v6;
		mr6.ipv6mr_interface = (unsigned)s->ifindex;
		r = setsockopt(s->fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr6,
		    sizeof(mr6));
	}
	/* EADDRINUSE: this socket is already a member, which is the goal. */
	if (r == -1 && errno != EADDRINUSE)
		return -1;
	s->mcast_joined = 1;
	return 0;
}

void
vrrp_sock_close(struct vrrp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->mcast_joined = 0;
}

int
vrrp_sock_send(struct vrrp_sock *s, const struct ipaddr *src,
    const struct ipaddr *dst, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	union {
		char v4[CMSG_SPACE(sizeof(struct in_pktinfo))];
		char v6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	ssize_t r;

	if (dst == NULL || dst->family != s->family ||
	    (src != NULL && src->family != 0 && src->family != s->family)) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_name = &ss;
	msg.msg_namelen = (socklen_t)ipaddr_to_sockaddr(dst, s->ifindex, &ss);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cbuf;

	/*
	 * The pktinfo names both the source address the checksum was
	 * computed over and the outgoing interface; an unset src lets the
	 * kernel choose (only useful in tests: the codec needs to know it).
	 */
	if (s->family == AF_INET) {
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi_ifindex = s->ifindex;
		if (src != NULL && src->family == AF_INET)
			pi.ipi_spec_dst = src->v4;
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi6;

		memset(&pi6, 0, sizeof(pi6));
		pi6.ipi6_ifindex = (unsigned)s->ifindex;
		if (src != NULL && src->family == AF_INET6)
			pi6.ipi6_addr = src->v6;
		msg.msg_controllen = CMSG_SPACE(sizeof(pi6));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(CMSG_DATA(cm), &pi6, sizeof(pi6));
	}

	r = sendmsg(s->fd, &msg, MSG_DONTWAIT);
	if (r == -1)
		return -1;
	if ((size_t)r != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

static void
sockaddr_to_ipaddr(const struct sockaddr_storage *ss, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET6) {
		a->family = AF_INET6;
		a->v6 = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	} else if (ss->ss_family == AF_INET) {
		a->family = AF_INET;
		a->v4 = ((const struct sockaddr_in *)ss)->sin_addr;
	}
}

ssize_t
vrrp_sock_recv(struct vrrp_sock *s, uint8_t *buf, size_t len,
    struct vrrp_pkt_meta *meta)
{
	struct sockaddr_storage from;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		    CMSG_SPACE(sizeof(int)) + 64];
		struct cmsghdr align;
	} cbuf;
	ssize_t r;

	memset(&msg, 0, sizeof(msg));
	memset(&from, 0, sizeof(from));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cbuf;
	msg.msg_controllen = sizeof(cbuf);

	r = recvmsg(s->fd, &msg, MSG_DONTWAIT);
	if (r == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return -1;
	}
	/*
	 * A datagram larger than buf is gone either way; handing on its
	 * first bytes could pass the codec's checks on a packet we never
	 * saw whole.
	 */
	if (msg.msg_flags & MSG_TRUNC) {
		sockaddr_to_ipaddr(&from, &meta->src);
		errno = EMSGSIZE;
		return -1;
	}
	if (s->family == AF_INET)
		return r;

	sockaddr_to_ipaddr(&from, &meta->src);
	memset(&meta->dst, 0, sizeof(meta->dst));
	meta->ttl = -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != IPPROTO_IPV6)
			continue;
		if (cm->cmsg_type == IPV6_HOPLIMIT &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int hl;

			memcpy(&hl, CMSG_DATA(cm), sizeof(hl));
			meta->ttl = hl;
		} else if (cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi6;

			memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
			meta->dst.family = AF_INET6;
			meta->dst.v6 = pi6.ipi6_addr;
		}
	}
	return r;
}
