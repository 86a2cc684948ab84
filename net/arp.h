/*
 * arp: gratuitous ARP for IPv4 VIPs over an AF_PACKET socket (RFC 5227
 * announcement form: ARP request, sender = target = VIP, broadcast).
 */
#ifndef DBVIP_ARP_H
#define DBVIP_ARP_H

#include <netinet/in.h>
#include <stdint.h>

/* Open an AF_PACKET socket for ARP.  Returns fd or -1 with errno. */
int arp_open(void);

/*
 * Send one gratuitous ARP for ip from interface ifindex whose hardware
 * address is mac.  Returns 0 or -1 with errno.
 */
int arp_send_garp(int fd, int ifindex, const uint8_t mac[6],
    struct in_addr ip);

/* Hardware address of ifname into mac.  0 or -1 with errno. */
int arp_ifmac(const char *ifname, uint8_t mac[6]);

#endif
