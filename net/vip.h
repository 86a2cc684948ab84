/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vip: add, remove and query addresses on an interface through rtnetlink
 * (libnl-route-3), waiting for the kernel's acknowledgement.  Idempotent:
 * adding an address that is present, or removing one that is absent, is not
 * an error.  IPv6 addresses are added with IFA_F_NODAD so they are usable at
 * once.  These calls talk to the local kernel only and return in
 * microseconds; they never wait on the network.
 */
#ifndef DBVIP_VIP_H
#define DBVIP_VIP_H

#include <stdbool.h>

#include "ipaddr.h"

struct vip_nl;

/* Open a netlink route socket.  NULL with errno on failure. */
struct vip_nl *vip_open(void);
void vip_close(struct vip_nl *h);

/*
 * Add p on ifindex.  Returns 0 (added or already there with this prefix
 * length) or -1; on -1 err holds the kernel's reason.  IPv4 keeps the same
 * address with two prefix lengths as two entries.
 */
int vip_add(struct vip_nl *h, int ifindex, const struct ipprefix *p,
    char *err, size_t errlen);

/*
 * Remove p's address from ifindex: the entry with p's prefix length, or, if
 * there is none, every entry of that address with any other length (the
 * kernel matches deletions on address and length; the address must be gone
 * either way, as vip_present() sees it).  0 (removed or absent) or -1 with
 * err.
 */
int vip_del(struct vip_nl *h, int ifindex, const struct ipprefix *p,
    char *err, size_t errlen);

/* 1 if the address is on ifindex (any prefix length), 0 if not, -1 error. */
int vip_present(struct vip_nl *h, int ifindex, const struct ipaddr *a);

/*
 * The first non-secondary global address of family on ifindex (IPv4), or the
 * link-local address (IPv6): the VRRP "primary address" used as the source
 * of adverts.  Addresses listed in skip (the VIPs) are never chosen.  An
 * IPv6 link-local that is still tentative (DAD running) or failed DAD is not
 * usable as a source and is not returned.  Returns 0, or -1 with errno
 * EADDRNOTAVAIL if none (retry after the next address event), or another
 * errno if the dump failed.
 */
int vip_primary_addr(struct vip_nl *h, int ifindex, int family,
    const struct ipprefix *skip, int nskip, struct ipaddr *out);

#endif
