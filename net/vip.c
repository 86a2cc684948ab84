/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vip: address changes through libnl-route-3.  rtnl_addr_add() and
 * rtnl_addr_delete() send the request and wait for the kernel's ack on this
 * private socket, so a return of 0 means the address is (or is not) there
 * now, not that a request was queued.  Queries dump the addresses into a
 * throw-away cache: they are rare (start-up, periodic re-checks) and a dump
 * cannot go stale the way a long-lived cache without a listener would.
 */
#include "vip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/socket.h>

struct vip_nl {
	struct nl_sock *sk;
};

/* libnl reports its own NLE_* codes; map the ones callers can act on. */
static int
nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_PERM:
		return EPERM;
	case NLE_NODEV:
		return ENODEV;
	case NLE_INVAL:
		return EINVAL;
	case NLE_AF_NOSUPPORT:
		return EAFNOSUPPORT;
	case NLE_BUSY:
		return EBUSY;
	default:
		return EIO;
	}
}

static void
set_err(char *err, size_t errlen, const char *what, int nle)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, nl_geterror(nle));
}

struct vip_nl *
vip_open(void)
{
	struct vip_nl *h;
	int r;

	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->sk = nl_socket_alloc();
	if (h->sk == NULL) {
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	r = nl_connect(h->sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(h->sk);
		free(h);
		errno = nle_to_errno(r);
		return NULL;
	}
	return h;
}

void
vip_close(struct vip_nl *h)
{
	if (h == NULL)
		return;
	nl_socket_free(h->sk);
	free(h);
}

/* A request object for p on ifindex; NULL with err filled on failure. */
static struct rtnl_addr *
addr_build(int ifindex, const struct ipprefix *p, char *err, size_t errlen)
{
	struct rtnl_addr *ra;
	struct nl_addr *na;
	size_t alen;
	int r;

	alen = ipaddr_len(&p->addr);
	if (alen == 0 || ifindex <= 0) {
		set_err(err, errlen, "bad address or interface", -NLE_INVAL);
		return NULL;
	}
	ra = rtnl_addr_alloc();
	na = nl_addr_build(p->addr.family, p->addr.bytes, alen);
	if (ra == NULL || na == NULL) {
		set_err(err, errlen, "alloc", -NLE_NOMEM);
		goto fail;
	}
	nl_addr_set_prefixlen(na, p->plen);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, p->addr.family);
	rtnl_addr_set_prefixlen(ra, p->plen);
	r = rtnl_addr_set_local(ra, na);
	if (r < 0) {
		set_err(err, errlen, "set local", r);
		goto fail;
	}
	nl_addr_put(na);
	return ra;
fail:
	if (na != NULL)
		nl_addr_put(na);
	if (ra != NULL)
		rtnl_addr_put(ra);
	return NULL;
}

/* The address of ra as an ipaddr; -1 if it has none of a known family. */
static int
addr_of(struct rtnl_addr *ra, struct ipaddr *out)
{
	struct nl_addr *na;
	unsigned int len;

	na = rtnl_addr_get_local(ra);
	if (na == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->family = nl_addr_get_family(na);
	len = nl_addr_get_len(na);
	if ((out->family != AF_INET && out->family != AF_INET6) ||
	    len != ipaddr_len(out))
		return -1;
	memcpy(out->bytes, nl_addr_get_binary_addr(na), len);
	return 0;
}

/* Dump all addresses.  0, or a negative NLE_* code with errno set. */
static int
dump(struct vip_nl *h, struct nl_cache **cache)
{
	int r;

	r = rtnl_addr_alloc_cache(h->sk, cache);
	if (r < 0) {
		errno = nle_to_errno(r);
		return r;
	}
	return 0;
}

int
vip_add(struct vip_nl *h, int ifindex, const struct ipprefix *p,
    char *err, size_t errlen)
{
	struct rtnl_addr *ra;
	int r;

	ra = addr_build(ifindex, p, err, errlen);
	if (ra == NULL)
		return -1;
	/*
	 * A VIP that waited for DAD would be unusable (tentative) for a
	 * second after every takeover, and DAD would flag the old master,
	 * which may still hold it, as a duplicate.
	 */
	if (p->addr.family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	/*
	 * NLM_F_EXCL makes "already there" an explicit EEXIST for both
	 * families (IPv6 would otherwise rewrite the address's flags and
	 * lifetimes in place), which we then accept as success.
	 */
	r = rtnl_addr_add(h->sk, ra, NLM_F_EXCL);
	rtnl_addr_put(ra);
	if (r == 0 || r == -NLE_EXIST)
		return 0;
	set_err(err, errlen, "add address", r);
	errno = nle_to_errno(r);
	return -1;
}

/*
 * Delete every entry of address a on ifindex, whatever its prefix length:
 * the kernel matches deletions on address and length, so the VIP added by
 * hand (or by an older config) as /32 survives a delete of /24.
 */
static int
del_any_plen(struct vip_nl *h, int ifindex, const struct ipaddr *a,
    char *err, size_t errlen)
{
	struct nl_cache *cache;
	struct nl_object *o;
	struct ipaddr got;
	int r, ret = 0;

	if ((r = dump(h, &cache)) < 0) {
		set_err(err, errlen, "dump addresses", r);
		return -1;
	}
	for (o = nl_cache_get_first(cache); o != NULL;
	    o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;

		if (rtnl_addr_get_ifindex(ra) != ifindex ||
		    rtnl_addr_get_family(ra) != a->family ||
		    addr_of(ra, &got) == -1 || !ipaddr_eq(&got, a))
			continue;
		r = rtnl_addr_delete(h->sk, ra, 0);
		if (r < 0 && r != -NLE_NOADDR && r != -NLE_OBJ_NOTFOUND) {
			set_err(err, errlen, "delete address", r);
			errno = nle_to_errno(r);
			ret = -1;
		}
	}
	nl_cache_free(cache);
	return ret;
}

int
vip_del(struct vip_nl *h, int ifindex, const struct ipprefix *p,
    char *err, size_t errlen)
{
	struct rtnl_addr *ra;
	int r;

	ra = addr_build(ifindex, p, err, errlen);
	if (ra == NULL)
		return -1;
	r = rtnl_addr_delete(h->sk, ra, 0);
	rtnl_addr_put(ra);
	if (r == 0)
		return 0;
	/*
	 * EADDRNOTAVAIL (NLE_NOADDR) or ENOENT: no entry with this length.
	 * Usually the address is simply gone; make sure it is not there
	 * with another length.
	 */
	if (r == -NLE_NOADDR || r == -NLE_OBJ_NOTFOUND)
		return del_any_plen(h, ifindex, &p->addr, err, errlen);
	set_err(err, errlen, "delete address", r);
	errno = nle_to_errno(r);
	return -1;
}

int
vip_present(struct vip_nl *h, int ifindex, const struct ipaddr *a)
{
	struct nl_cache *cache;
	struct nl_object *o;
	struct ipaddr got;
	int found = 0;

	if (dump(h, &cache) < 0)
		return -1;
	for (o = nl_cache_get_first(cache); o != NULL && !found;
	    o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;

		if (rtnl_addr_get_ifindex(ra) != ifindex ||
		    rtnl_addr_get_family(ra) != a->family)
			continue;
		if (addr_of(ra, &got) == 0 && ipaddr_eq(&got, a))
			found = 1;
	}
	nl_cache_free(cache);
	return found;
}

static bool
in_skip(const struct ipaddr *a, const struct ipprefix *skip, int nskip)
{
	int i;

	for (i = 0; i < nskip; i++)
		if (ipaddr_eq(a, &skip[i].addr))
			return true;
	return false;
}

int
vip_primary_addr(struct vip_nl *h, int ifindex, int family,
    const struct ipprefix *skip, int nskip, struct ipaddr *out)
{
	struct nl_cache *cache;
	struct nl_object *o;
	struct ipaddr got;
	int found = 0;

	if (dump(h, &cache) < 0)
		return -1;
	/* The dump lists addresses in the kernel's order: primaries first. */
	for (o = nl_cache_get_first(cache); o != NULL && !found;
	    o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;
		unsigned int flags = rtnl_addr_get_flags(ra);

		if (rtnl_addr_get_ifindex(ra) != ifindex ||
		    rtnl_addr_get_family(ra) != family ||
		    addr_of(ra, &got) == -1 || in_skip(&got, skip, nskip))
			continue;
		if (family == AF_INET) {
			if ((flags & IFA_F_SECONDARY) ||
			    rtnl_addr_get_scope(ra) != RT_SCOPE_UNIVERSE)
				continue;
		} else {
			/*
			 * The kernel refuses a tentative source address, so
			 * a link-local still in DAD is no use yet.
			 */
			if (!IN6_IS_ADDR_LINKLOCAL(&got.v6) ||
			    (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
				continue;
		}
		*out = got;
		found = 1;
	}
	nl_cache_free(cache);
	if (!found) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return 0;
}
