/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint: findings about a loaded configuration.  See lint.h for the list.
 *
 * Each check is a small function over one instance (or a pair); they share
 * lint_emit(), which prefixes "file:line: instance NAME: ".
 */
#include "lint.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../../net/vrrp_pkt.h"

#define LINT_MIN_ADVERT_CS	10	/* 0.1 s */

struct lint {
	const struct conf *c;
	void (*emit)(void *, bool, const char *);
	void *arg;
	int errors;
};

static void lint_emit(struct lint *, const struct conf_instance *, bool,
    const char *, ...) __attribute__((format(printf, 4, 5)));

static void
lint_emit(struct lint *l, const struct conf_instance *ci, bool error,
    const char *fmt, ...)
{
	char text[400], msg[800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s:%d: instance %s: %s", l->c->path,
	    ci->line, ci->name, text);
	if (error)
		l->errors++;
	l->emit(l->arg, error, msg);
}

static const char *
lint_family(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* The same vrid on one interface, against every instance before ci. */
static void
lint_vrid(struct lint *l, const struct conf_instance *ci)
{
	const struct conf_instance *o;

	for (o = l->c->inst; o < ci; o++) {
		if (strcmp(o->ifname, ci->ifname) != 0 || o->vrid != ci->vrid)
			continue;
		if (o->family == ci->family)
			lint_emit(l, ci, true, "vrid %u on %s is already used "
			    "by instance %s (line %d)", ci->vrid, ci->ifname,
			    o->name, o->line);
		else
			lint_emit(l, ci, false, "vrid %u on %s is also used by "
			    "instance %s (line %d) for %s: RFC 5798 allows "
			    "it, but keepalived setups and monitoring that "
			    "key a group by interface and vrid mix them up; "
			    "prefer distinct vrids", ci->vrid, ci->ifname,
			    o->name, o->line, lint_family(o->family));
	}
}

static void
lint_version(struct lint *l, const struct conf_instance *ci)
{
	unsigned cs = ci->advert_int_cs;

	if (ci->version == 2) {
		lint_emit(l, ci, false, "uses VRRPv2: every peer, keepalived "
		    "included, must run version 2 as well (keepalived's "
		    "default is 2, dbvip's is 3); v2 and v3 routers do not "
		    "see each other and both become master");
		if (cs == 0 || cs % 100 != 0 || cs > 255 * 100)
			lint_emit(l, ci, true, "advert_int %u.%02u cannot be "
			    "carried by VRRPv2 (whole seconds 1..255)",
			    cs / 100, cs % 100);
	} else if (cs == 0 || cs > VRRP_V3_MAX_INT_CS)
		lint_emit(l, ci, true, "advert_int %u.%02u cannot be carried "
		    "by VRRPv3 (0.01..40.95 s)", cs / 100, cs % 100);
	if (cs > 0 && cs < LINT_MIN_ADVERT_CS)
		lint_emit(l, ci, false, "advert_int %u.%02u is below 0.1 s: "
		    "it costs CPU on every router and a short scheduling "
		    "stall becomes a false failover", cs / 100, cs % 100);
}

/*
 * Priority 255 says "I own these addresses" (RFC 5798 section 5.2.4): the
 * owner takes over at once and never waits.  That is only right when the
 * addresses really are configured on the interface.
 */
static void
lint_owner(struct lint *l, const struct conf_instance *ci)
{
	struct ifaddrs *ifa, *a;
	char s[IPADDR_STRLEN];
	struct ipaddr x;
	bool found;
	int i;

	if (ci->priority != 255)
		return;
	if (getifaddrs(&ifa) == -1) {
		lint_emit(l, ci, false, "priority 255 (address owner): cannot "
		    "read the interface addresses to check it");
		return;
	}
	for (i = 0; i < ci->nvips; i++) {
		found = false;
		for (a = ifa; a != NULL && !found; a = a->ifa_next) {
			if (a->ifa_addr == NULL ||
			    a->ifa_addr->sa_family != ci->family ||
			    strcmp(a->ifa_name, ci->ifname) != 0)
				continue;
			memset(&x, 0, sizeof(x));
			x.family = ci->family;
			if (ci->family == AF_INET)
				x.v4 = ((struct sockaddr_in *)
				    (void *)a->ifa_addr)->sin_addr;
			else
				x.v6 = ((struct sockaddr_in6 *)
				    (void *)a->ifa_addr)->sin6_addr;
			found = ipaddr_eq(&x, &ci->vips[i].addr);
		}
		if (!found)
			lint_emit(l, ci, false, "priority 255 claims to own "
			    "%s, but %s does not hold it now; a non-owner "
			    "should use 254 or less", ipaddr_ntop(
			    &ci->vips[i].addr, s, sizeof(s)), ci->ifname);
	}
	freeifaddrs(ifa);
}

/* A unicast peer that is one of our own VIPs (of any instance). */
static void
lint_peers(struct lint *l, const struct conf_instance *ci)
{
	const struct conf_instance *o;
	char s[IPADDR_STRLEN];
	int i, j, k;

	for (i = 0; i < ci->npeers; i++)
		for (j = 0; j < l->c->ninst; j++) {
			o = &l->c->inst[j];
			for (k = 0; k < o->nvips; k++) {
				if (!ipaddr_eq(&ci->peers[i],
				    &o->vips[k].addr))
					continue;
				lint_emit(l, ci, true, "unicast_peer %s is a "
				    "vip of instance %s: list the other "
				    "hosts' own addresses, which do not move",
				    ipaddr_ntop(&ci->peers[i], s, sizeof(s)),
				    o->name);
			}
		}
}

static void
lint_preempt(struct lint *l, const struct conf_instance *ci)
{
	if (!ci->preempt && ci->preempt_delay_ms > 0)
		lint_emit(l, ci, false, "preempt_delay is ignored with "
		    "preempt = no");
}

/* keepalived's vrrp_strict refuses these, so strict peers cannot match. */
static void
lint_strict(struct lint *l, const struct conf_instance *ci)
{
	char list[64] = "";

	if (ci->auth_type != VRRP_AUTH_NONE)
		strcat(list, ", auth_pass");
	if (ci->npeers > 0)
		strcat(list, ", unicast_peer");
	if (ci->preempt_delay_ms > 0 && ci->preempt)
		strcat(list, ", preempt_delay");
	if (list[0] != '\0')
		lint_emit(l, ci, false, "uses %s: keepalived peers with "
		    "vrrp_strict cannot, so they would not match this "
		    "instance", list + 2);
}

int
lint_conf(const struct conf *c,
    void (*emit)(void *arg, bool error, const char *msg), void *arg)
{
	struct lint l = { .c = c, .emit = emit, .arg = arg };
	const struct conf_instance *ci;
	int i;

	for (i = 0; i < c->ninst; i++) {
		ci = &c->inst[i];
		lint_vrid(&l, ci);
		lint_version(&l, ci);
		lint_owner(&l, ci);
		lint_peers(&l, ci);
		lint_preempt(&l, ci);
		lint_strict(&l, ci);
	}
	return l.errors;
}
