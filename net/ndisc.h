/*
 * ndisc: unsolicited neighbour advertisements for IPv6 VIPs (RFC 4861
 * section 7.2.6): ICMPv6 type 136 to ff02::1, hop limit 255, Override flag
 * set, Target Link-Layer Address option.
 */
#ifndef DBVIP_NDISC_H
#define DBVIP_NDISC_H

#include <netinet/in.h>
#include <stdint.h>

/* Open a raw ICMPv6 socket with hop limit 255.  fd or -1 with errno. */
int ndisc_open(void);

/* Send one unsolicited NA for target on ifindex with link address mac. */
int ndisc_send_una(int fd, int ifindex, const uint8_t mac[6],
    const struct in6_addr *target);

#endif
