/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link: rtnetlink events through libmnl.  libnl-route-3 does the acked
 * address changes (vip.c); this listener only parses a few fixed messages,
 * which libmnl does without caches or callbacks of its own, and its socket
 * is a plain non-blocking fd that the agent's epoll loop can own.
 */
#include "link.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

/*
 * Large enough for any single rtnetlink notification; the kernel never
 * splits one message across datagrams.
 */
#define LINK_BUF_LEN		32768
/* Datagrams per link_mon_read(): the rest waits for the next loop pass. */
#define LINK_READ_MAX		256
/* A burst (many VIPs moving at once) should not overflow into ENOBUFS. */
#define LINK_RCVBUF		(1 << 20)

struct link_mon {
	struct mnl_socket *nl;
	uint8_t buf[LINK_BUF_LEN];
};

struct link_ctx {
	const struct link_mon_cb *cb;
};

struct link_mon *
link_mon_open(void)
{
	struct link_mon *m;
	int rcvbuf = LINK_RCVBUF, saved;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (m->nl == NULL)
		goto fail;
	/* Best effort: a smaller buffer only makes ENOBUFS likelier. */
	(void)setsockopt(mnl_socket_get_fd(m->nl), SOL_SOCKET, SO_RCVBUF,
	    &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_bind(m->nl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
	    RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) == -1)
		goto fail;
	return m;
fail:
	saved = errno;
	if (m->nl != NULL)
		mnl_socket_close(m->nl);
	free(m);
	errno = saved;
	return NULL;
}

void
link_mon_close(struct link_mon *m)
{
	if (m == NULL)
		return;
	mnl_socket_close(m->nl);
	free(m);
}

int
link_mon_fd(const struct link_mon *m)
{
	return mnl_socket_get_fd(m->nl);
}

static void
on_link(const struct nlmsghdr *nlh, const struct link_ctx *c)
{
	const struct ifinfomsg *ifi;
	bool up;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	ifi = mnl_nlmsg_get_payload(nlh);
	/*
	 * A bridge also reports its ports as AF_BRIDGE link messages; the
	 * plain (AF_UNSPEC) message for the same device carries the state.
	 */
	if (ifi->ifi_family == AF_BRIDGE)
		return;
	/*
	 * IFF_RUNNING is the operational state: admin up and carrier (and
	 * not dormant).  Either alone is not enough to carry adverts.
	 */
	up = nlh->nlmsg_type == RTM_NEWLINK &&
	    (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING);
	if (c->cb->link != NULL)
		c->cb->link(c->cb->arg, ifi->ifi_index, up);
}

static void
on_addr(const struct nlmsghdr *nlh, const struct link_ctx *c)
{
	const struct ifaddrmsg *ifa;
	const struct nlattr *attr;
	const void *local = NULL, *address = NULL, *p;
	struct ipaddr a;
	size_t alen;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return;
	ifa = mnl_nlmsg_get_payload(nlh);
	memset(&a, 0, sizeof(a));
	a.family = ifa->ifa_family;
	alen = ipaddr_len(&a);
	if (alen == 0)
		return;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_payload_len(attr) != alen)
			continue;
		if (mnl_attr_get_type(attr) == IFA_LOCAL)
			local = mnl_attr_get_payload(attr);
		else if (mnl_attr_get_type(attr) == IFA_ADDRESS)
			address = mnl_attr_get_payload(attr);
	}
	/*
	 * IFA_LOCAL is the interface's own address when present; IFA_ADDRESS
	 * is then the peer of a point-to-point link.  Without a peer the
	 * kernel sends IFA_ADDRESS alone (always so for plain IPv6).
	 */
	p = local != NULL ? local : address;
	if (p == NULL)
		return;
	memcpy(a.bytes, p, alen);
	if (c->cb->addr != NULL)
		c->cb->addr(c->cb->arg, (int)ifa->ifa_index, &a,
		    nlh->nlmsg_type == RTM_NEWADDR);
}

static int
on_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct link_ctx *c = data;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		on_link(nlh, c);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		on_addr(nlh, c);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

int
link_mon_read(struct link_mon *m, const struct link_mon_cb *cb)
{
	ssize_t n;
	int i;

	for (i = 0; i < LINK_READ_MAX; i++) {
		n = mnl_socket_recvfrom(m->nl, m->buf, sizeof(m->buf));
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			return -1;
		}
		link_mon_dispatch(m->buf, (size_t)n, cb);
	}
	return 0;
}

void
link_mon_dispatch(const void *buf, size_t len, const struct link_mon_cb *cb)
{
	struct link_ctx c = { .cb = cb };

	/*
	 * Sequence 0 and port 0 switch off libmnl's request/reply matching:
	 * these are notifications.  mnl_cb_run() stops at the first message
	 * that does not fit; the next datagram is independent.
	 */
	(void)mnl_cb_run(buf, len, 0, 0, on_msg, &c);
}

int
link_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd, r, saved;

	if (strlen(ifname) >= sizeof(ifr->ifr_name)) {
		errno = EINVAL;
		return -1;
	}
	memset(ifr, 0, sizeof(*ifr));
	strcpy(ifr->ifr_name, ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	r = ioctl(fd, req, ifr);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
link_is_up(const char *ifname)
{
	struct ifreq ifr;

	if (link_ioctl(ifname, SIOCGIFFLAGS, &ifr) == -1)
		return -1;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}
