/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arp: gratuitous ARP.  We build the whole Ethernet frame ourselves
 * (SOCK_RAW) rather than let the kernel add the link header (SOCK_DGRAM):
 * then every byte on the wire comes from arp_build_frame(), which the unit
 * tests check against a hand-worked frame.
 */
#include "arp.h"
#include "link.h"

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_packet.h>

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

ssize_t
arp_build_frame(uint8_t *buf, size_t len, const uint8_t mac[6],
    struct in_addr ip)
{
	uint8_t *a;

	if (len < ARP_FRAME_LEN)
		return -1;
	/* Ethernet: broadcast, from us, ARP. */
	memset(buf, 0xff, 6);
	memcpy(buf + 6, mac, 6);
	put16(buf + 12, ETH_P_ARP);
	a = buf + 14;
	put16(a + 0, ARPHRD_ETHER);
	put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	/*
	 * A request, not a reply: RFC 5227 2.3 defines the announcement as
	 * an ARP request with sender and target IP both set to the address.
	 */
	put16(a + 6, ARPOP_REQUEST);
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, &ip, 4);
	/* RFC 5227 2.1.1: target hardware address SHOULD be zero. */
	memset(a + 18, 0, 6);
	memcpy(a + 24, &ip, 4);
	return ARP_FRAME_LEN;
}

int
arp_open(void)
{
	return socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int
arp_send_garp(int fd, int ifindex, const uint8_t mac[6], struct in_addr ip)
{
	struct sockaddr_ll sll;
	uint8_t frame[ARP_FRAME_LEN];
	ssize_t n, r;

	n = arp_build_frame(frame, sizeof(frame), mac, ip);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = ifindex;
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	r = sendto(fd, frame, (size_t)n, MSG_DONTWAIT,
	    (struct sockaddr *)&sll, sizeof(sll));
	if (r == -1)
		return -1;
	if (r != n) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int
arp_ifmac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;

	if (link_ioctl(ifname, SIOCGIFHWADDR, &ifr) == -1)
		return -1;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		errno = ENOTSUP;
		return -1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}
