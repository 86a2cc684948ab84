/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe: the lab's failover stopwatch, run in the client namespace.
 *
 *   probe -i IFACE -t VIP -s SRC [-o OLDMAC] [-p PERIOD_MS] [-w TIMEOUT_MS]
 *
 * It asks "who has VIP" with an ARP request every PERIOD_MS (default 5)
 * from an AF_PACKET socket on IFACE and watches every ARP packet whose
 * sender protocol address is VIP (replies to us and gratuitous ARPs alike).
 * Once set up it prints "ready" and waits for SIGUSR1, the harness's "the
 * fault happens now": that instant (CLOCK_MONOTONIC) is t0, taken in the
 * signal handler so the shell's fork/exec latency does not count.  It
 * then prints, and exits 0 on, the first ARP from VIP whose sender MAC is
 * not OLDMAC:
 *
 *   elapsed_ms=612.345 mac=02:00:00:00:00:0c kind=reply|garp
 *
 * Without -o it reports the first answer from any MAC right away (no
 * SIGUSR1 needed), which is how a test asks "who answers for the VIP".
 * Exit 2 with "timeout" when TIMEOUT_MS (default 20000) passes after t0
 * (or after start without -o, or 120 s without SIGUSR1); exit 1 on a
 * usage or socket error.  A reply from a new MAC that arrives before
 * SIGUSR1 is reported as "early mac=..." on stderr and ignored, since the
 * group was not in the steady state the measurement assumes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t fault_seen;
static struct timespec t_fault;

static void
on_usr1(int sig)
{
	(void)sig;
	/* clock_gettime is async-signal-safe; the flag is set after it. */
	clock_gettime(CLOCK_MONOTONIC, &t_fault);
	fault_seen = 1;
}

static double
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static int
parse_mac(const char *s, uint8_t mac[ETH_ALEN])
{
	unsigned int m[ETH_ALEN];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
	    &m[5]) != ETH_ALEN)
		return -1;
	for (i = 0; i < ETH_ALEN; i++) {
		if (m[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)m[i];
	}
	return 0;
}

static void
fmt_mac(const uint8_t *mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
}

static void
usage(void)
{
	fprintf(stderr, "usage: probe -i IFACE -t VIP -s SRC [-o OLDMAC] "
	    "[-p PERIOD_MS] [-w TIMEOUT_MS]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	const char *ifname = NULL, *vip_s = NULL, *src_s = NULL, *old_s = NULL;
	long period_ms = 5, timeout_ms = 20000;
	uint8_t old_mac[ETH_ALEN], my_mac[ETH_ALEN];
	struct in_addr vip, src;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	struct sigaction sa;
	struct timespec t_start, now, next_send;
	unsigned char req[sizeof(struct ether_header) +
	    sizeof(struct ether_arp)];
	struct ether_header *eh = (struct ether_header *)req;
	struct ether_arp *ea = (struct ether_arp *)(eh + 1);
	int c, fd, ifindex;

	while ((c = getopt(argc, argv, "i:t:s:o:p:w:")) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 't': vip_s = optarg; break;
		case 's': src_s = optarg; break;
		case 'o': old_s = optarg; break;
		case 'p': period_ms = strtol(optarg, NULL, 10); break;
		case 'w': timeout_ms = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (ifname == NULL || vip_s == NULL || src_s == NULL ||
	    inet_pton(AF_INET, vip_s, &vip) != 1 ||
	    inet_pton(AF_INET, src_s, &src) != 1 ||
	    (old_s != NULL && parse_mac(old_s, old_mac) == -1) ||
	    period_ms < 1 || timeout_ms < 1)
		usage();

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
	if (fd == -1) {
		perror("probe: socket");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) == -1) {
		perror("probe: SIOCGIFINDEX");
		return 1;
	}
	ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == -1) {
		perror("probe: SIOCGIFHWADDR");
		return 1;
	}
	memcpy(my_mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		perror("probe: bind");
		return 1;
	}

	/* A broadcast who-has, as a client with an empty cache sends it. */
	memset(req, 0, sizeof(req));
	memset(eh->ether_dhost, 0xff, ETH_ALEN);
	memcpy(eh->ether_shost, my_mac, ETH_ALEN);
	eh->ether_type = htons(ETHERTYPE_ARP);
	ea->arp_hrd = htons(ARPHRD_ETHER);
	ea->arp_pro = htons(ETHERTYPE_IP);
	ea->arp_hln = ETH_ALEN;
	ea->arp_pln = 4;
	ea->arp_op = htons(ARPOP_REQUEST);
	memcpy(ea->arp_sha, my_mac, ETH_ALEN);
	memcpy(ea->arp_spa, &src, 4);
	memcpy(ea->arp_tpa, &vip, 4);
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xff, ETH_ALEN);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	next_send = t_start;
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		const struct timespec *t_ref;
		double wait_ms, limit_ms;
		int n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		/* Without -o the clock starts at once; with it, at SIGUSR1. */
		if (old_s == NULL) {
			t_ref = &t_start;
			limit_ms = (double)timeout_ms;
		} else if (fault_seen) {
			t_ref = &t_fault;
			limit_ms = (double)timeout_ms;
		} else {
			t_ref = &t_start;
			limit_ms = 120000.0;
		}
		if (ms_between(t_ref, &now) > limit_ms) {
			printf("timeout\n");
			return 2;
		}
		if (ms_between(&next_send, &now) >= 0) {
			if (sendto(fd, req, sizeof(req), 0,
			    (struct sockaddr *)&sll, sizeof(sll)) == -1 &&
			    errno != ENOBUFS && errno != ENETDOWN)
				perror("probe: sendto");
			next_send.tv_nsec += period_ms * 1000000L;
			while (next_send.tv_nsec >= 1000000000L) {
				next_send.tv_nsec -= 1000000000L;
				next_send.tv_sec++;
			}
			/* After a stall, do not send a burst to catch up. */
			if (ms_between(&next_send, &now) > (double)period_ms)
				next_send = now;
		}
		wait_ms = -ms_between(&next_send, &now);
		if (wait_ms < 0)
			wait_ms = 0;
		n = poll(&pfd, 1, (int)wait_ms + 1);
		if (n == -1 && errno != EINTR) {
			perror("probe: poll");
			return 1;
		}
		if (n <= 0)
			continue;

		for (;;) {
			unsigned char buf[2048];
			struct ether_header *reh = (struct ether_header *)buf;
			struct ether_arp *rea = (struct ether_arp *)(reh + 1);
			char macs[32];
			ssize_t len;
			int garp;

			len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (len == -1)
				break;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((size_t)len < sizeof(*reh) + sizeof(*rea) ||
			    ntohs(rea->arp_pro) != ETHERTYPE_IP ||
			    memcmp(rea->arp_spa, &vip, 4) != 0 ||
			    memcmp(rea->arp_sha, my_mac, ETH_ALEN) == 0)
				continue;
			/* A gratuitous ARP asks for, or answers, itself. */
			garp = memcmp(rea->arp_tpa, &vip, 4) == 0;
			fmt_mac(rea->arp_sha, macs, sizeof(macs));
			if (old_s == NULL) {
				printf("elapsed_ms=%.3f mac=%s kind=%s\n",
				    ms_between(&t_start, &now), macs,
				    garp ? "garp" : "reply");
				return 0;
			}
			if (memcmp(rea->arp_sha, old_mac, ETH_ALEN) == 0)
				continue;
			if (!fault_seen) {
				fprintf(stderr, "early mac=%s\n", macs);
				continue;
			}
			printf("elapsed_ms=%.3f mac=%s kind=%s\n",
			    ms_between(&t_fault, &now), macs,
			    garp ? "garp" : "reply");
			return 0;
		}
	}
}
