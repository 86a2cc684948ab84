/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ndisc: unsolicited neighbour advertisements for IPv6 VIPs (RFC 4861
 * section 7.2.6): ICMPv6 type 136 to ff02::1, hop limit 255, Override flag
 * set, Target Link-Layer Address option.
 */
#ifndef DBVIP_NDISC_H
#define DBVIP_NDISC_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* NA header (24) + one Target Link-Layer Address option for Ethernet (8). */
#define NDISC_NA_LEN	32

/*
 * Open a raw ICMPv6 socket with hop limit 255, multicast loopback off and
 * an ICMPv6 filter that blocks every incoming type (the socket only sends).
 * Not bound to an interface: ndisc_send_una() picks it per packet.
 * fd or -1 with errno.
 */
int ndisc_open(void);

/*
 * Build the ICMPv6 part of an unsolicited NA for target with link address
 * mac into buf: type 136, code 0, checksum 0 (the kernel fills it in on a
 * raw ICMPv6 socket), flags Override only (not Router, not Solicited),
 * target, then option type 2 (Target Link-Layer Address), length 1, mac.
 * A pure function.  Returns NDISC_NA_LEN, or -1 if len is too small.
 */
ssize_t ndisc_build(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in6_addr *target);

/*
 * Send one unsolicited NA for target on ifindex with link address mac, to
 * ff02::1 with hop limit 255; the kernel picks the source address (the
 * link-local one, for a link-local destination).  0 or -1 with errno.
 */
int ndisc_send_una(int fd, int ifindex, const uint8_t mac[6],
    const struct in6_addr *target);

#endif
