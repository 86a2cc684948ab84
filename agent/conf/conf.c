/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf: the INI file into a validated struct conf.
 *
 * inih does the lexing (key = value, comments, whitespace), but Debian builds
 * it without INI_HANDLER_LINENO and without INI_CALL_HANDLER_ON_NEW_SECTION:
 * the handler sees neither line numbers nor section headers.  So the line
 * reader given to ini_parse_stream() is the line-aware half of the parser: it
 * counts lines, and it handles section headers itself (an empty section, or
 * two sections with the same name in a row, would otherwise be invisible).
 * The handler only dispatches keys through a table of small setters.
 *
 * Checks that depend on several keys (version against advert_int, checksum
 * and auth_pass; the family of the peers against the VIPs) run when a
 * section ends, because keys may come in any order; they report the line of
 * the offending key.
 */
#include "conf.h"
#include "conf_int.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/*
 * Record the first error as "file:line: message".  Later errors are
 * dropped: the first one is the one the user needs to fix.
 */
void
conf_fail(struct conf_parse *p, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	p->err_line = line;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->path, line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->path, msg);
}

/*
 * Strict unsigned decimal: digits only (no sign, no blanks, no junk),
 * at most max.  Returns 0, or -1 with errno EINVAL or ERANGE.
 */
static int
conf_parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (*s == '\0') {
		errno = EINVAL;
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			errno = EINVAL;
			return -1;
		}
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max) {
			errno = ERANGE;
			return -1;
		}
	}
	*out = (uint32_t)v;
	return 0;
}

/*
 * Strict fixed-point decimal "I" or "I.F" with at most decimals digits in F,
 * scaled by 10^decimals (so "1.5" with 2 decimals is 150).  *frac tells
 * whether a non-zero fraction was written.  Returns 0, or -1 with errno
 * EINVAL (not a number), EDOM (too many decimals) or ERANGE (above max).
 */
static int
conf_parse_fixed(const char *s, int decimals, uint32_t max, uint32_t *out,
    bool *frac)
{
	uint64_t v = 0;
	int nint = 0, nfrac = 0;

	*frac = false;
	for (; *s >= '0' && *s <= '9'; s++, nint++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max) {
			errno = ERANGE;
			return -1;
		}
	}
	if (nint == 0) {
		errno = EINVAL;
		return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++) {
			if (nfrac >= decimals) {
				errno = EDOM;
				return -1;
			}
			v = v * 10 + (uint64_t)(*s - '0');
			if (*s != '0')
				*frac = true;
		}
		if (nfrac == 0) {
			errno = EINVAL;
			return -1;
		}
	}
	if (*s != '\0') {
		errno = EINVAL;
		return -1;
	}
	for (; nfrac < decimals; nfrac++)
		v *= 10;
	if (v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* An integer key in min..max; errors say which key and why. */
int
conf_uint_key(struct conf_parse *p, const char *key, const char *val,
    uint32_t min, uint32_t max, uint32_t *out)
{
	if (conf_parse_uint(val, max, out) == -1 || *out < min) {
		if (errno == EINVAL)
			conf_fail(p, p->lineno, "%s: '%s' is not a whole "
			    "number", key, val);
		else
			conf_fail(p, p->lineno, "%s: %s is out of range "
			    "%u..%u", key, val, min, max);
		return -1;
	}
	return 0;
}

/*
 * A duration in seconds with up to 3 decimals, into milliseconds in
 * 0..max_ms.
 */
int
conf_ms_key(struct conf_parse *p, const char *key, const char *val,
    uint32_t max_ms, uint32_t *out)
{
	bool frac;

	if (conf_parse_fixed(val, 3, max_ms, out, &frac) == -1) {
		if (errno == EINVAL)
			conf_fail(p, p->lineno, "%s: '%s' is not a number of "
			    "seconds", key, val);
		else if (errno == EDOM)
			conf_fail(p, p->lineno, "%s: %s has more than 3 "
			    "decimals (the unit is the millisecond)", key,
			    val);
		else
			conf_fail(p, p->lineno, "%s: %s is out of range "
			    "0..%u seconds", key, val, max_ms / 1000);
		return -1;
	}
	return 0;
}

const char *
conf_family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

bool
conf_addr_usable(const struct ipaddr *a)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;
	uint8_t first = a->bytes[0];

	if (a->family == AF_INET)
		return a->v4.s_addr != 0 && first != 127 &&
		    (first & 0xf0) != 0xe0 && a->v4.s_addr != 0xffffffff;
	return memcmp(&a->v6, &any6, sizeof(any6)) != 0 &&
	    !IN6_IS_ADDR_LOOPBACK(&a->v6) && !IN6_IS_ADDR_MULTICAST(&a->v6);
}

/* --- [global] ----------------------------------------------------------- */

static int
set_control_socket(struct conf_parse *p, const char *val)
{
	if (val[0] != '/') {
		conf_fail(p, p->lineno, "control_socket: '%s' is not an "
		    "absolute path", val);
		return -1;
	}
	if (strlen(val) >= sizeof(p->c->control_socket)) {
		conf_fail(p, p->lineno, "control_socket: path longer than "
		    "%zu characters (the limit of a unix socket address)",
		    sizeof(p->c->control_socket) - 1);
		return -1;
	}
	strcpy(p->c->control_socket, val);
	return 0;
}

/*
 * The portable user name characters (POSIX 3.437) that useradd also
 * accepts; a leading '-' would read as an option to tools.
 */
static int
set_user(struct conf_parse *p, const char *val)
{
	size_t len = strlen(val);

	if (len == 0 || len >= sizeof(p->c->user) || val[0] == '-' ||
	    strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != len) {
		conf_fail(p, p->lineno, "user: '%s' is not a valid user name "
		    "(1..%zu of A-Z a-z 0-9 . _ -, not starting with '-')",
		    val, sizeof(p->c->user) - 1);
		return -1;
	}
	strcpy(p->c->user, val);
	return 0;
}

/* --- [instance NAME] ---------------------------------------------------- */

static int
set_interface(struct conf_parse *p, const char *val)
{
	size_t len = strlen(val);

	/* The kernel's own rules for a device name (dev_valid_name). */
	if (len == 0 || len >= IF_NAMESIZE || strcmp(val, ".") == 0 ||
	    strcmp(val, "..") == 0 || strpbrk(val, "/: \t") != NULL) {
		conf_fail(p, p->lineno, "interface: '%s' is not a valid "
		    "interface name", val);
		return -1;
	}
	strcpy(p->ci->ifname, val);
	return 0;
}

static int
set_vrid(struct conf_parse *p, const char *val)
{
	uint32_t v;

	if (conf_uint_key(p, "vrid", val, 1, 255, &v) == -1)
		return -1;
	p->ci->vrid = (uint8_t)v;
	return 0;
}

static int
set_priority(struct conf_parse *p, const char *val)
{
	uint32_t v;

	/* 0 is reserved on the wire for "master is leaving". */
	if (conf_uint_key(p, "priority", val, 1, 255, &v) == -1)
		return -1;
	p->ci->priority = (uint8_t)v;
	return 0;
}

static int
set_version(struct conf_parse *p, const char *val)
{
	if (strcmp(val, "2") == 0)
		p->ci->version = 2;
	else if (strcmp(val, "3") == 0)
		p->ci->version = 3;
	else {
		conf_fail(p, p->lineno, "version: '%s' is not 2 or 3", val);
		return -1;
	}
	return 0;
}

/* Centiseconds now; whether it fits the version is checked at the end. */
static int
set_advert_int(struct conf_parse *p, const char *val)
{
	uint32_t cs;

	if (conf_parse_fixed(val, 2, 255 * 100, &cs, &p->advert_frac) == -1) {
		if (errno == EINVAL)
			conf_fail(p, p->lineno, "advert_int: '%s' is not a "
			    "number of seconds", val);
		else if (errno == EDOM)
			conf_fail(p, p->lineno, "advert_int: %s has more "
			    "than 2 decimals (VRRPv3 counts centiseconds)",
			    val);
		else
			conf_fail(p, p->lineno, "advert_int: %s is out of "
			    "range (v2: 1..255, v3: 0.01..40.95 seconds)",
			    val);
		return -1;
	}
	if (cs == 0) {
		conf_fail(p, p->lineno, "advert_int: must be above 0");
		return -1;
	}
	p->advert_cs = cs;
	return 0;
}

static int
set_vip(struct conf_parse *p, const char *val)
{
	struct conf_instance *ci = p->ci;
	struct ipprefix pfx;
	char s[IPADDR_STRLEN];
	int i;

	if (ipprefix_parse(val, &pfx) == -1) {
		conf_fail(p, p->lineno, "vip: '%s' is not an address or "
		    "ADDRESS/PREFIXLEN", val);
		return -1;
	}
	if (!conf_addr_usable(&pfx.addr)) {
		conf_fail(p, p->lineno, "vip: %s is not a unicast address",
		    ipaddr_ntop(&pfx.addr, s, sizeof(s)));
		return -1;
	}
	if (ci->nvips > 0 && pfx.addr.family != ci->vips[0].addr.family) {
		conf_fail(p, p->lineno, "vip: %s is %s but the first vip "
		    "(line %d) is %s; one instance carries one family",
		    ipaddr_ntop(&pfx.addr, s, sizeof(s)),
		    conf_family_name(pfx.addr.family), p->vip_line[0],
		    conf_family_name(ci->vips[0].addr.family));
		return -1;
	}
	for (i = 0; i < ci->nvips; i++) {
		if (ipaddr_eq(&ci->vips[i].addr, &pfx.addr)) {
			conf_fail(p, p->lineno, "vip: %s is already listed "
			    "at line %d", ipaddr_ntop(&pfx.addr, s,
			    sizeof(s)), p->vip_line[i]);
			return -1;
		}
	}
	if (ci->nvips == CONF_MAX_VIPS) {
		conf_fail(p, p->lineno, "vip: more than %d vips",
		    CONF_MAX_VIPS);
		return -1;
	}
	p->vip_line[ci->nvips] = p->lineno;
	ci->vips[ci->nvips++] = pfx;
	return 0;
}

static int
set_unicast_peer(struct conf_parse *p, const char *val)
{
	return conf_peer_add(p, "unicast_peer", val, p->ci->peers,
	    &p->ci->npeers, p->peer_line);
}

static int
set_peer(struct conf_parse *p, const char *val)
{
	return conf_peer_add(p, "peer", val, p->ci->mpeers, &p->ci->nmpeers,
	    p->mpeer_line);
}

int
conf_bool_key(struct conf_parse *p, const char *key, const char *val,
    bool *out)
{
	if (strcasecmp(val, "yes") == 0 || strcasecmp(val, "true") == 0 ||
	    strcasecmp(val, "on") == 0)
		*out = true;
	else if (strcasecmp(val, "no") == 0 ||
	    strcasecmp(val, "false") == 0 || strcasecmp(val, "off") == 0)
		*out = false;
	else {
		conf_fail(p, p->lineno, "%s: '%s' is not yes/no, "
		    "true/false or on/off", key, val);
		return -1;
	}
	return 0;
}

static int
set_preempt(struct conf_parse *p, const char *val)
{
	return conf_bool_key(p, "preempt", val, &p->ci->preempt);
}

static int
set_preempt_delay(struct conf_parse *p, const char *val)
{
	return conf_ms_key(p, "preempt_delay", val, CONF_MAX_PREEMPT_DELAY,
	    &p->ci->preempt_delay_ms);
}

static int
set_checksum(struct conf_parse *p, const char *val)
{
	if (strcmp(val, "rfc") == 0)
		p->ci->cksum = VRRP_CKSUM_PSEUDO;
	else if (strcmp(val, "no_pseudo_header") == 0)
		p->ci->cksum = VRRP_CKSUM_NO_PSEUDO;
	else {
		conf_fail(p, p->lineno, "checksum: '%s' is not rfc or "
		    "no_pseudo_header", val);
		return -1;
	}
	return 0;
}

static int
set_auth_pass(struct conf_parse *p, const char *val)
{
	size_t len = strlen(val);

	if (len == 0 || len > VRRP_AUTH_LEN) {
		conf_fail(p, p->lineno, "auth_pass: must be 1..%d "
		    "characters", VRRP_AUTH_LEN);
		return -1;
	}
	memset(p->ci->auth_pass, 0, sizeof(p->ci->auth_pass));
	memcpy(p->ci->auth_pass, val, len);
	p->ci->auth_type = VRRP_AUTH_PASS;
	return 0;
}

static int
set_garp_repeat(struct conf_parse *p, const char *val)
{
	uint32_t v;

	if (conf_uint_key(p, "garp_repeat", val, 1, CONF_MAX_GARP_REPEAT,
	    &v) == -1)
		return -1;
	p->ci->garp_repeat = (int)v;
	return 0;
}

static int
set_garp_delay(struct conf_parse *p, const char *val)
{
	return conf_ms_key(p, "garp_delay", val, CONF_MAX_GARP_DELAY,
	    &p->ci->garp_delay_ms);
}

static int
set_garp_refresh(struct conf_parse *p, const char *val)
{
	return conf_ms_key(p, "garp_refresh", val, CONF_MAX_GARP_REFRESH,
	    &p->ci->garp_refresh_ms);
}

static const struct conf_key conf_keys[] = {
	{ "control_socket", SEC_GLOBAL, K_CONTROL_SOCKET, false,
	    set_control_socket },
	{ "user", SEC_GLOBAL, K_USER, false, set_user },
	{ "interface", SEC_INSTANCE, K_INTERFACE, false, set_interface },
	{ "vrid", SEC_INSTANCE, K_VRID, false, set_vrid },
	{ "priority", SEC_INSTANCE, K_PRIORITY, false, set_priority },
	{ "version", SEC_INSTANCE, K_VERSION, false, set_version },
	{ "advert_int", SEC_INSTANCE, K_ADVERT_INT, false, set_advert_int },
	{ "vip", SEC_INSTANCE, K_VIP, true, set_vip },
	{ "unicast_peer", SEC_INSTANCE, K_UNICAST_PEER, true,
	    set_unicast_peer },
	{ "peer", SEC_INSTANCE, K_PEER, true, set_peer },
	{ "preempt", SEC_INSTANCE, K_PREEMPT, false, set_preempt },
	{ "preempt_delay", SEC_INSTANCE, K_PREEMPT_DELAY, false,
	    set_preempt_delay },
	{ "checksum", SEC_INSTANCE, K_CHECKSUM, false, set_checksum },
	{ "auth_pass", SEC_INSTANCE, K_AUTH_PASS, false, set_auth_pass },
	{ "garp_repeat", SEC_INSTANCE, K_GARP_REPEAT, false,
	    set_garp_repeat },
	{ "garp_delay", SEC_INSTANCE, K_GARP_DELAY, false, set_garp_delay },
	{ "garp_refresh", SEC_INSTANCE, K_GARP_REFRESH, false,
	    set_garp_refresh },
};

/* --- sections ----------------------------------------------------------- */

static void
conf_instance_defaults(struct conf_instance *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->priority = CONF_DEFAULT_PRIORITY;
	ci->version = CONF_DEFAULT_VERSION;
	ci->advert_int_cs = CONF_DEFAULT_ADVERT_CS;
	ci->preempt = true;
	ci->cksum = VRRP_CKSUM_PSEUDO;
	ci->auth_type = VRRP_AUTH_NONE;
	ci->garp_repeat = CONF_DEFAULT_GARP_REPEAT;
	ci->garp_delay_ms = CONF_DEFAULT_GARP_DELAY;
	ci->database = -1;
}

/* Checks that need the whole instance section, then against the others. */
static int
conf_end_instance(struct conf_parse *p)
{
	struct conf_instance *ci = p->ci;
	const struct conf_instance *o;
	char s[IPADDR_STRLEN];
	int i, j;

	if (p->key_line[K_INTERFACE] == 0) {
		conf_fail(p, ci->line, "instance %s: interface is missing",
		    ci->name);
		return -1;
	}
	if (p->key_line[K_VRID] == 0) {
		conf_fail(p, ci->line, "instance %s: vrid is missing",
		    ci->name);
		return -1;
	}
	if (ci->nvips == 0) {
		conf_fail(p, ci->line, "instance %s: no vip", ci->name);
		return -1;
	}
	ci->family = ci->vips[0].addr.family;

	if (ci->version == 2 && ci->family == AF_INET6) {
		conf_fail(p, p->key_line[K_VERSION], "version 2 is IPv4 "
		    "only (RFC 3768) but the vips are IPv6; use version 3");
		return -1;
	}
	if (p->key_line[K_ADVERT_INT] != 0) {
		if (ci->version == 2 && p->advert_frac) {
			conf_fail(p, p->key_line[K_ADVERT_INT], "advert_int: "
			    "VRRPv2 carries whole seconds only; fractions "
			    "need version 3");
			return -1;
		}
		if (ci->version == 3 && p->advert_cs > VRRP_V3_MAX_INT_CS) {
			conf_fail(p, p->key_line[K_ADVERT_INT], "advert_int: "
			    "%u.%02u is above 40.95, the VRRPv3 maximum",
			    p->advert_cs / 100, p->advert_cs % 100);
			return -1;
		}
		ci->advert_int_cs = (uint16_t)p->advert_cs;
	}
	if (p->key_line[K_CHECKSUM] != 0 &&
	    (ci->version != 3 || ci->family != AF_INET)) {
		conf_fail(p, p->key_line[K_CHECKSUM], "checksum: only "
		    "VRRPv3 over IPv4 has a choice of checksum (this "
		    "instance is v%u over %s)", ci->version,
		    conf_family_name(ci->family));
		return -1;
	}
	if (p->key_line[K_AUTH_PASS] != 0 && ci->version != 2) {
		conf_fail(p, p->key_line[K_AUTH_PASS], "auth_pass: VRRPv3 "
		    "has no authentication (RFC 5798 removed it); use "
		    "version 2 or remove auth_pass");
		return -1;
	}
	if (ci->npeers > 0 && ci->nmpeers > 0) {
		conf_fail(p, p->key_line[K_PEER] > p->key_line[K_UNICAST_PEER] ?
		    p->key_line[K_PEER] : p->key_line[K_UNICAST_PEER],
		    "instance %s: peer (the routers of a multicast group) and "
		    "unicast_peer (unicast mode) exclude each other; in "
		    "unicast mode unicast_peer already filters", ci->name);
		return -1;
	}
	if (conf_peers_check(p, "unicast_peer", ci->peers, ci->npeers,
	    p->peer_line, false) == -1 ||
	    conf_peers_check(p, "peer", ci->mpeers, ci->nmpeers,
	    p->mpeer_line, true) == -1)
		return -1;

	for (o = p->c->inst; o < ci; o++) {
		if (strcmp(o->ifname, ci->ifname) == 0 &&
		    o->vrid == ci->vrid && o->family == ci->family) {
			conf_fail(p, ci->line, "instance %s: interface %s "
			    "vrid %u %s is already used by instance %s "
			    "(line %d)", ci->name, ci->ifname, ci->vrid,
			    conf_family_name(ci->family), o->name, o->line);
			return -1;
		}
		for (i = 0; i < ci->nvips; i++) {
			for (j = 0; j < o->nvips; j++) {
				if (!ipaddr_eq(&ci->vips[i].addr,
				    &o->vips[j].addr))
					continue;
				conf_fail(p, p->vip_line[i], "vip: %s is "
				    "already a vip of instance %s (line %d)",
				    ipaddr_ntop(&ci->vips[i].addr, s,
				    sizeof(s)), o->name, o->line);
				return -1;
			}
		}
	}
	return 0;
}

static int
conf_end_section(struct conf_parse *p)
{
	int rv = 0;

	if (p->sec == SEC_INSTANCE)
		rv = conf_end_instance(p);
	else if (p->sec == SEC_CHECK)
		rv = conf_end_check(p);
	p->sec = SEC_NONE;
	p->ci = NULL;
	p->ck = NULL;
	return rv;
}

bool
conf_valid_name(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len < CONF_NAME_MAX && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == len;
}

static int
conf_begin_instance(struct conf_parse *p, const char *name)
{
	struct conf *c = p->c;
	struct conf_instance *ni;
	int i;

	if (!conf_valid_name(name)) {
		conf_fail(p, p->lineno, "instance name '%s': use 1..%d of "
		    "A-Z a-z 0-9 _ . -", name, CONF_NAME_MAX - 1);
		return -1;
	}
	for (i = 0; i < c->ninst; i++) {
		if (strcmp(c->inst[i].name, name) == 0) {
			conf_fail(p, p->lineno, "instance %s is already "
			    "defined at line %d", name, c->inst[i].line);
			return -1;
		}
	}
	if (c->ninst == CONF_MAX_INSTANCES) {
		conf_fail(p, p->lineno, "more than %d instances",
		    CONF_MAX_INSTANCES);
		return -1;
	}
	ni = reallocarray(c->inst, (size_t)c->ninst + 1, sizeof(*ni));
	if (ni == NULL) {
		conf_fail(p, p->lineno, "out of memory");
		return -1;
	}
	c->inst = ni;
	p->ci = &c->inst[c->ninst++];
	conf_instance_defaults(p->ci);
	strcpy(p->ci->name, name);
	p->ci->line = p->lineno;
	p->sec = SEC_INSTANCE;
	p->advert_cs = 0;
	p->advert_frac = false;
	return 0;
}

/*
 * A section header line (s starts with '[').  Closes the previous section,
 * then opens [global] or [instance NAME].
 */
static int
conf_section(struct conf_parse *p, const char *line)
{
	char s[256];
	char *end, *name, *rest;

	/* Work on a copy: inih still has to see the header intact. */
	snprintf(s, sizeof(s), "%s", line);
	end = strchr(s, ']');
	if (end == NULL) {
		conf_fail(p, p->lineno, "section header without ']'");
		return -1;
	}
	rest = end + 1 + strspn(end + 1, " \t\r\n");
	if (*rest != '\0' && *rest != ';' && *rest != '#') {
		conf_fail(p, p->lineno, "text after the section header");
		return -1;
	}
	*end = '\0';
	name = s + 1 + strspn(s + 1, " \t");
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';

	if (conf_end_section(p) == -1)
		return -1;
	memset(p->key_line, 0, sizeof(p->key_line));
	p->sec_line = p->lineno;

	if (strcmp(name, "global") == 0) {
		if (p->seen_global) {
			conf_fail(p, p->lineno, "second [global] section");
			return -1;
		}
		p->seen_global = true;
		p->sec = SEC_GLOBAL;
		return 0;
	}
	if (strncmp(name, "instance", 8) == 0 &&
	    (name[8] == '\0' || name[8] == ' ' || name[8] == '\t')) {
		name += 8;
		name += strspn(name, " \t");
		if (*name == '\0') {
			conf_fail(p, p->lineno, "[instance] needs a name: "
			    "[instance NAME]");
			return -1;
		}
		return conf_begin_instance(p, name);
	}
	if (strcmp(name, "mariadb") == 0)
		return conf_begin_mariadb(p);
	if (strncmp(name, "check", 5) == 0 &&
	    (name[5] == '\0' || name[5] == ' ' || name[5] == '\t')) {
		name += 5;
		name += strspn(name, " \t");
		if (*name == '\0') {
			conf_fail(p, p->lineno, "[check] needs a name: "
			    "[check NAME]");
			return -1;
		}
		return conf_begin_check(p, name);
	}
	conf_fail(p, p->lineno, "unknown section [%s]", name);
	return -1;
}

/* --- inih callbacks ----------------------------------------------------- */

/*
 * inih's line reader.  Counts lines, handles section headers, and strips
 * leading blanks so that inih never takes an indented line for the
 * continuation of the previous value (its multi-line mode is on in
 * Debian's build, and would silently glue "  vrid = 5" onto the key
 * above).  Returns NULL to stop at the first error.
 */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_parse *p = stream;
	ssize_t n;
	size_t len;
	char *s;

	if (p->failed)
		return NULL;
	errno = 0;
	n = getline(&p->buf, &p->bufcap, p->fp);
	if (n == -1) {
		if (ferror(p->fp))
			conf_fail(p, p->lineno + 1, "read error: %s",
			    strerror(errno != 0 ? errno : EIO));
		return NULL;
	}
	p->lineno++;
	s = p->buf;
	if (memchr(s, '\0', (size_t)n) != NULL) {
		conf_fail(p, p->lineno, "NUL byte in line");
		return NULL;
	}
	if (p->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	s += strspn(s, " \t");
	len = strlen(s);
	/* inih's line buffer is fixed (num bytes, terminator included). */
	if (len + 1 > (size_t)num) {
		conf_fail(p, p->lineno, "line longer than %d characters",
		    num - 1);
		return NULL;
	}
	if (*s == '[' && conf_section(p, s) == -1)
		return NULL;
	memcpy(str, s, len + 1);
	return str;
}

static const char *const conf_sec_names[] = {
	[SEC_NONE] = "", [SEC_GLOBAL] = "global", [SEC_INSTANCE] = "instance",
	[SEC_MARIADB] = "mariadb", [SEC_CHECK] = "check",
};

static const struct conf_key *
conf_find_key(const struct conf_key *keys, size_t n, enum conf_sec sec,
    const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (keys[i].sec == sec && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct conf_parse *p = user;
	const struct conf_key *k;

	(void)section;	/* tracked by conf_reader, see the top comment */
	if (p->failed)
		return 0;
	if (p->sec == SEC_NONE) {
		conf_fail(p, p->lineno, "'%s' outside of a section", name);
		return 0;
	}
	k = conf_find_key(conf_keys, sizeof(conf_keys) / sizeof(conf_keys[0]),
	    p->sec, name);
	if (k == NULL)
		k = conf_find_key(conf_check_keys, conf_check_nkeys, p->sec,
		    name);
	if (k == NULL)
		k = conf_find_key(conf_ops_keys, conf_ops_nkeys, p->sec, name);
	if (k == NULL)
		k = conf_find_key(conf_role_keys, conf_role_nkeys, p->sec,
		    name);
	if (k == NULL) {
		conf_fail(p, p->lineno, "unknown key '%s' in [%s]", name,
		    conf_sec_names[p->sec]);
		return 0;
	}
	if (!k->repeatable && p->key_line[k->id] != 0) {
		conf_fail(p, p->lineno, "%s is already set at line %d",
		    name, p->key_line[k->id]);
		return 0;
	}
	if (*value == '\0') {
		conf_fail(p, p->lineno, "%s has no value", name);
		return 0;
	}
	if (k->set(p, value) == -1)
		return 0;
	if (p->key_line[k->id] == 0)
		p->key_line[k->id] = p->lineno;
	return 1;
}

/* --- API ---------------------------------------------------------------- */

int
conf_load(const char *path, struct conf *out, char *err, size_t errlen)
{
	return conf_load_opts(path, out, err, errlen, 0);
}

int
conf_load_opts(const char *path, struct conf *out, char *err, size_t errlen,
    unsigned flags)
{
	struct conf_parse p;
	struct conf c;
	int rv;

	memset(&c, 0, sizeof(c));
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.c = &c;
	p.err = err;
	p.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';

	if (strlen(path) >= sizeof(c.path)) {
		conf_fail(&p, 0, "path longer than %zu characters",
		    sizeof(c.path) - 1);
		return -1;
	}
	strcpy(c.path, path);
	strcpy(c.control_socket, CONF_DEFAULT_SOCKET);
	conf_ops_defaults(&c);
	conf_role_defaults(&c.role);

	p.fp = fopen(path, "re");
	if (p.fp == NULL) {
		conf_fail(&p, 0, "%s", strerror(errno));
		return -1;
	}
	rv = ini_parse_stream(conf_reader, &p, conf_handler, &p);
	fclose(p.fp);
	free(p.buf);

	/*
	 * inih's own syntax errors (a line that is neither key = value, a
	 * comment, nor a section) come back as a line number, and inih goes
	 * on reading: report whichever error comes first in the file.
	 */
	if (rv > 0 && (!p.failed || rv < p.err_line)) {
		p.failed = false;
		conf_fail(&p, rv, "syntax error: expected 'key = value', "
		    "'[section]' or a comment");
	} else if (rv < 0 && !p.failed)
		conf_fail(&p, 0, "inih failed (%d)", rv);
	if (!p.failed)
		conf_end_section(&p);
	if (!p.failed && c.ninst == 0 && !(flags & CONF_CHECKS_ONLY))
		conf_fail(&p, 0, "no [instance NAME] section");
	if (!p.failed)
		conf_resolve_tracks(&p);
	if (!p.failed)
		conf_resolve_role(&p);
	if (!p.failed)
		conf_ops_finish(&p);
	if (p.failed) {
		conf_free(&c);
		return -1;
	}
	*out = c;
	return 0;
}

void
conf_free(struct conf *c)
{
	free(c->inst);
	c->inst = NULL;
	c->ninst = 0;
	conf_checks_free(c);
}

const struct conf_instance *
conf_find(const struct conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->ninst; i++)
		if (strcmp(c->inst[i].name, name) == 0)
			return &c->inst[i];
	return NULL;
}
