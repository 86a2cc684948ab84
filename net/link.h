/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link: link and address events from rtnetlink (libmnl), for the agent's
 * loop.  One non-blocking socket subscribed to RTMGRP_LINK and the IPv4/IPv6
 * address groups; link_mon_read() drains it and calls back per event.
 */
#ifndef DBVIP_LINK_H
#define DBVIP_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "ipaddr.h"

struct link_mon;

struct link_mon_cb {
	/*
	 * Interface ifindex is now usable (admin up and carrier) or not.  The
	 * kernel sends RTM_NEWLINK for many changes besides state, so the same
	 * state may be reported again: compare with the last one.  A deleted
	 * link reports down.
	 */
	void (*link)(void *arg, int ifindex, bool up);
	/*
	 * An address was added (added = true) or removed on ifindex.  The
	 * address is IFA_LOCAL when present, else IFA_ADDRESS.  IPv6
	 * addresses also report again when their flags change (e.g. DAD
	 * finishing) with added = true.
	 */
	void (*addr)(void *arg, int ifindex, const struct ipaddr *a,
	    bool added);
	void *arg;
};

/* Open and subscribe.  NULL with errno on failure. */
struct link_mon *link_mon_open(void);
void link_mon_close(struct link_mon *m);
int link_mon_fd(const struct link_mon *m);

/*
 * Read pending messages (at most 256 datagrams per call, so a flood cannot
 * starve the loop; the fd stays readable for the rest) and dispatch them to
 * cb; either callback may be NULL.  Returns 0, or -1 on a socket error
 * (ENOBUFS means events were lost: the caller re-queries link_is_up() for
 * every interface it watches, and its addresses).
 */
int link_mon_read(struct link_mon *m, const struct link_mon_cb *cb);

/*
 * Parse one rtnetlink datagram (as read from the socket) and call cb for
 * each RTM_NEWLINK / RTM_DELLINK / RTM_NEWADDR / RTM_DELADDR in it; other
 * messages and AF_BRIDGE link messages are ignored, and parsing stops at the
 * first message that is truncated.  Pure apart from the callbacks;
 * link_mon_read() uses it, unit tests feed it hand-built messages.
 */
void link_mon_dispatch(const void *buf, size_t len,
    const struct link_mon_cb *cb);

/*
 * One SIOCGIF* ioctl on ifname (ifr is cleared and named first).  0, or
 * -1 with errno (EINVAL for a name too long).
 */
struct ifreq;
int link_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr);

/* Current state: 1 up (IFF_UP and IFF_RUNNING), 0 down, -1 no such link. */
int link_is_up(const char *ifname);

#endif
