/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_peer: the peer lists of an [instance]: `unicast_peer` (unicast mode,
 * where the peers are also the destinations) and `peer` (multicast mode:
 * the other routers of the group, a source filter only).
 */
#include <string.h>

#include "conf_int.h"

/*
 * Add val to one of an instance's peer lists (unicast_peer or peer, named
 * key): a unicast address, listed once, at most CONF_MAX_PEERS.
 */
int
conf_peer_add(struct conf_parse *p, const char *key, const char *val,
    struct ipaddr *list, int *n, int *lines)
{
	struct ipaddr a;
	char s[IPADDR_STRLEN];
	int i;

	if (ipaddr_parse(val, &a) == -1) {
		conf_fail(p, p->lineno, "%s: '%s' is not an address", key,
		    val);
		return -1;
	}
	if (!conf_addr_usable(&a)) {
		conf_fail(p, p->lineno, "%s: %s is not a unicast address",
		    key, ipaddr_ntop(&a, s, sizeof(s)));
		return -1;
	}
	for (i = 0; i < *n; i++) {
		if (ipaddr_eq(&list[i], &a)) {
			conf_fail(p, p->lineno, "%s: %s is already listed at "
			    "line %d", key, ipaddr_ntop(&a, s, sizeof(s)),
			    lines[i]);
			return -1;
		}
	}
	if (*n == CONF_MAX_PEERS) {
		conf_fail(p, p->lineno, "%s: more than %d peers", key,
		    CONF_MAX_PEERS);
		return -1;
	}
	lines[*n] = p->lineno;
	list[(*n)++] = a;
	return 0;
}

/*
 * A peer list against the instance's family; IPv6 adverts to the group
 * come from link-local addresses (RFC 5798 5.1.2.1), so a multicast peer
 * must be one to ever match.
 */
int
conf_peers_check(struct conf_parse *p, const char *key,
    const struct ipaddr *list, int n, const int *lines, bool linklocal)
{
	const struct conf_instance *ci = p->ci;
	char s[IPADDR_STRLEN];
	int i;

	for (i = 0; i < n; i++) {
		if (list[i].family != ci->family) {
			conf_fail(p, lines[i], "%s: %s is %s but the vips are "
			    "%s", key, ipaddr_ntop(&list[i], s, sizeof(s)),
			    conf_family_name(list[i].family),
			    conf_family_name(ci->family));
			return -1;
		}
		if (linklocal && ci->family == AF_INET6 &&
		    !IN6_IS_ADDR_LINKLOCAL(&list[i].v6)) {
			conf_fail(p, lines[i], "%s: %s is not link-local; "
			    "IPv6 adverts come from the link-local address "
			    "(RFC 5798 5.1.2.1)", key,
			    ipaddr_ntop(&list[i], s, sizeof(s)));
			return -1;
		}
	}
	return 0;
}
