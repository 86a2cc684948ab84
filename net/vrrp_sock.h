/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vrrp_sock: one raw IP socket (protocol 112) per interface and family.
 * Multicast mode joins 224.0.0.18 / ff02::12 on the interface; unicast mode
 * sends to each configured peer instead.  Sends with TTL / hop limit 255 and
 * no multicast loopback; receives the TTL / hop limit and destination of
 * every packet so the codec can enforce TTL 255 and compute checksums.
 * Non-blocking; the agent's loop polls vrrp_sock_fd().
 */
#ifndef DBVIP_VRRP_SOCK_H
#define DBVIP_VRRP_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipaddr.h"
#include "vrrp_pkt.h"

struct vrrp_sock {
	int fd;
	int family;
	int ifindex;
	char ifname[16];
	int mcast_joined;		/* 1 if the group was joined */
};

/*
 * Open a raw socket for family on ifname: bound to the device, TTL 255,
 * multicast loopback off, receive TTL/hop limit and packet info on.  Joins
 * the VRRP group when join_mcast is non-zero.  Returns 0 or -1 with errno
 * set; on failure nothing stays open.
 */
int vrrp_sock_open(struct vrrp_sock *s, int family, const char *ifname,
    int join_mcast);

/* Join the group later (e.g. an instance in multicast mode added on reload). */
int vrrp_sock_join(struct vrrp_sock *s);

void vrrp_sock_close(struct vrrp_sock *s);

/*
 * Send one VRRP payload (already encoded for this src/dst) to dst, with
 * source address src (IPv4: via IP_PKTINFO; IPv6: link-local, via
 * IPV6_PKTINFO), out of this socket's interface.  src must be an address
 * of the host (EINVAL / EADDRNOTAVAIL otherwise); NULL or an unset src lets
 * the kernel choose.  The kernel never touches the VRRP checksum (IPv6
 * raw sockets have IPV6_CHECKSUM off; it is set off explicitly).
 * Returns 0 or -1 with errno (EAGAIN if the send buffer is full).
 */
int vrrp_sock_send(struct vrrp_sock *s, const struct ipaddr *src,
    const struct ipaddr *dst, const uint8_t *buf, size_t len);

/*
 * Receive one packet into buf.  For AF_INET the whole datagram including
 * the IP header is returned and *meta is not touched: vrrp_pkt_decode_ipv4
 * fills it from the header.  For AF_INET6 the VRRP payload is returned and
 * meta->src (sender), meta->dst (pktinfo) and meta->ttl (hop limit, -1 if
 * the kernel sent none) are filled; meta->cksum is left alone.
 * Returns the length, 0 when nothing is pending (EAGAIN/EINTR; an empty
 * datagram also reads as 0), or -1 on error.  A datagram longer than len
 * is discarded and reported as -1 with errno EMSGSIZE and its sender in
 * meta->src (both families): count it and carry on reading (a buffer of
 * 60 + VRRP_PKT_MAX_LEN bytes only sees this from a forged datagram).
 */
ssize_t vrrp_sock_recv(struct vrrp_sock *s, uint8_t *buf, size_t len,
    struct vrrp_pkt_meta *meta);

/* The VRRP multicast group for family. */
void vrrp_sock_group(int family, struct ipaddr *out);

#endif
