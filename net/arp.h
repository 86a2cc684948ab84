/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arp: gratuitous ARP for IPv4 VIPs over an AF_PACKET socket (RFC 5227
 * announcement form: ARP request, sender = target = VIP, broadcast).
 */
#ifndef DBVIP_ARP_H
#define DBVIP_ARP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Ethernet header (14) + ARP for IPv4 over Ethernet (28). */
#define ARP_FRAME_LEN	42

/*
 * Open an AF_PACKET socket for sending ARP.  It is opened with protocol 0,
 * so it never receives (nothing piles up in its buffer), and it is not
 * bound: the interface is chosen per send.  Returns fd or -1 with errno.
 */
int arp_open(void);

/*
 * Build the gratuitous ARP Ethernet frame for ip from mac into buf:
 * destination ff:ff:ff:ff:ff:ff, source mac, ethertype 0x0806, then an ARP
 * request (htype 1, ptype 0x0800, hlen 6, plen 4, op 1) with sender =
 * (mac, ip), target hardware 00:00:00:00:00:00 and target protocol ip.
 * A pure function.  Returns ARP_FRAME_LEN, or -1 if len is too small.
 */
ssize_t arp_build_frame(uint8_t *buf, size_t len, const uint8_t mac[6],
    struct in_addr ip);

/*
 * Send one gratuitous ARP for ip from interface ifindex whose hardware
 * address is mac.  Returns 0 or -1 with errno.
 */
int arp_send_garp(int fd, int ifindex, const uint8_t mac[6],
    struct in_addr ip);

/*
 * Hardware address of ifname into mac.  0, or -1 with errno (ENOTSUP if the
 * interface is not Ethernet-like).
 */
int arp_ifmac(const char *ifname, uint8_t mac[6]);

#endif
