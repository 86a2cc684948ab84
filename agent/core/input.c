/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Receiving: every VRRP packet from the raw sockets is decoded by the codec,
 * matched to its instance by VRID, checked against that instance's
 * configuration (RFC 5798 / 3768 section 7.1, the parts the codec cannot
 * decide) and handed to the state machine.  Each drop is counted by reason
 * and logged at a limited rate.
 */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "guard.h"

static void
instance_drop(struct instance *in, enum vrrp_drop why, const struct ipaddr *src,
    const char *msg)
{
	char sb[IPADDR_STRLEN];
	unsigned supp;

	in->n.drops[why]++;
	if (log_rl_allow(&in->rl_drop[why], clock_now(), &supp))
		log_warnx("%s dropped advert from %s: %s: %s%s", in->tag,
		    ipaddr_ntop(src, sb, sizeof(sb)), vrrp_drop_name(why),
		    msg, supp ? " (similar lines suppressed)" : "");
}

static bool
vrrp_addrs_match(const struct instance *in, const struct vrrp_pkt *p)
{
	int i, j;

	if (p->naddrs != in->c.nvips)
		return false;
	for (i = 0; i < in->c.nvips; i++) {
		for (j = 0; j < p->naddrs; j++)
			if (ipaddr_eq(&in->c.vips[i].addr, &p->addrs[j]))
				break;
		if (j == p->naddrs)
			return false;
	}
	return true;
}

/*
 * The checks that need this instance's configuration (RFC 5798 / 3768
 * section 7.1, the parts the codec cannot decide).  Returns the drop reason
 * and sets *msg, or VRRP_DROP_NONE.
 */
static bool
addr_listed(const struct ipaddr *a, const struct ipaddr *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (ipaddr_eq(a, &list[i]))
			return true;
	return false;
}

/* Does the destination suit the instance's mode (multicast or unicast)? */
static bool
dst_ok(const struct instance *in, const struct ipaddr *dst)
{
	struct ipaddr group;

	if (in->c.npeers == 0) {
		vrrp_sock_group(in->c.family, &group);
		return ipaddr_eq(dst, &group);
	}
	if (dst->family == AF_INET)
		return (dst->bytes[0] & 0xf0) != 0xe0 &&
		    dst->v4.s_addr != 0xffffffff;
	return !IN6_IS_ADDR_MULTICAST(&dst->v6);
}

static enum vrrp_drop
instance_check(struct instance *in, const struct vrrp_pkt *p,
    const struct vrrp_pkt_meta *meta, const char **msg)
{
	if (ipaddr_eq(&meta->src, &in->fsm.self)) {
		*msg = "our own address";
		return VRRP_DROP_OWN;
	}
	/*
	 * RFC 5798 5.1.1.2 / 5.1.2.2: in multicast mode the destination MUST
	 * be the group (keepalived drops the rest too), so an advert aimed
	 * at one router cannot make it alone yield.  In unicast mode it is
	 * our address, never a group.
	 */
	if (!dst_ok(in, &meta->dst)) {
		*msg = in->c.npeers > 0 ? "unicast mode: sent to a multicast "
		    "or broadcast address" : "multicast mode: not sent to the "
		    "VRRP group";
		return VRRP_DROP_DST;
	}
	/* Only the listed routers may speak: unicast_peer, or peer. */
	if (in->c.npeers > 0 &&
	    !addr_listed(&meta->src, in->c.peers, in->c.npeers)) {
		*msg = "not a configured unicast_peer";
		return VRRP_DROP_PEER;
	}
	if (in->c.nmpeers > 0 &&
	    !addr_listed(&meta->src, in->c.mpeers, in->c.nmpeers)) {
		*msg = "not a configured peer";
		return VRRP_DROP_PEER;
	}
	/* MUST: the local router is not the address owner. */
	if (in->c.priority == 255) {
		*msg = "we are the address owner";
		return VRRP_DROP_OWNER;
	}
	if (p->version == 2) {
		/* RFC 3768 7.1: MUST verify auth type and data. */
		if (p->auth_type != in->c.auth_type ||
		    (in->c.auth_type == VRRP_AUTH_PASS &&
		    memcmp(p->auth_data, in->c.auth_pass, VRRP_AUTH_LEN) != 0)) {
			*msg = "authentication mismatch";
			return VRRP_DROP_AUTH;
		}
		/* MUST verify the Adver Interval matches ours. */
		if (p->adver_int_cs != in->c.advert_int_cs) {
			*msg = "advert_int differs from ours";
			return VRRP_DROP_INTERVAL_MISMATCH;
		}
		/* Address list mismatch: MUST drop unless sent by the owner. */
		if (!vrrp_addrs_match(in, p) && p->priority != 255) {
			*msg = "VIP list differs from ours";
			return VRRP_DROP_ADDR_LIST;
		}
	} else if (!vrrp_addrs_match(in, p)) {
		unsigned supp;

		/* v3: SHOULD log a misconfiguration, and go on. */
		if (log_rl_allow(&in->rl_warn, clock_now(), &supp))
			log_warnx("%s advert from peer lists other VIPs "
			    "(misconfiguration?)", in->tag);
	}
	return VRRP_DROP_NONE;
}

static void instance_seen_note(struct instance *in, const struct ipaddr *src,
    uint8_t prio, uint64_t now);

static void
instance_input(struct instance *in, const struct vrrp_pkt *p,
    const struct vrrp_pkt_meta *meta)
{
	struct vrrp_out out = { 0 };
	enum vrrp_drop why;
	const char *msg = NULL;

	if ((why = instance_check(in, p, meta, &msg)) != VRRP_DROP_NONE) {
		instance_drop(in, why, &meta->src, msg);
		return;
	}
	/* The state machine may refuse it too (vrrp.h: priority 0). */
	vrrp_fsm_advert(&in->fsm, clock_now(), p, &meta->src, &out);
	if (out.drop != VRRP_DROP_NONE) {
		instance_drop(in, out.drop, &meta->src, out.drop_msg);
		return;
	}
	in->n.adverts_received++;
	instance_seen_note(in, &meta->src, p->priority, clock_now());
	instance_exec(in, &out);
	/* The master the election accepts may have changed. */
	guard_kick(in);
}

/* Remember src's advert; the oldest entry makes room. */
static void
instance_seen_note(struct instance *in, const struct ipaddr *src,
    uint8_t prio, uint64_t now)
{
	struct instance_seen *e = &in->seen[0];
	int i;

	for (i = 0; i < INSTANCE_SEEN_MAX; i++) {
		if (ipaddr_eq(&in->seen[i].src, src)) {
			e = &in->seen[i];
			break;
		}
		if (in->seen[i].at < e->at)
			e = &in->seen[i];
	}
	e->src = *src;
	e->at = now;
	e->priority = prio;
}

int
instance_heard_from(const struct instance *in, const struct ipaddr *src,
    uint64_t *at, uint8_t *prio)
{
	int i;

	for (i = 0; i < INSTANCE_SEEN_MAX; i++) {
		if (in->seen[i].src.family == 0 ||
		    !ipaddr_eq(&in->seen[i].src, src))
			continue;
		*at = in->seen[i].at;
		*prio = in->seen[i].priority;
		return 0;
	}
	return -1;
}

int
instance_master(const struct instance *in, uint64_t max_age_us,
    struct ipaddr *m)
{
	const struct instance_seen *best = NULL;
	uint64_t now = clock_now();
	uint8_t prio;
	int i;

	if (in->fsm.state != VRRP_ST_BACKUP && in->fsm.state != VRRP_ST_FAULT)
		return -1;
	if (in->fsm.state == VRRP_ST_BACKUP &&
	    vrrp_fsm_accepted_master(&in->fsm, m, &prio))
		return 0;
	/*
	 * A lower master we are about to preempt, or (in FAULT, where the
	 * election takes no part) the router that advertises as master.
	 */
	for (i = 0; i < INSTANCE_SEEN_MAX; i++) {
		const struct instance_seen *e = &in->seen[i];

		if (e->src.family != 0 && e->priority > 0 &&
		    now - e->at <= max_age_us &&
		    (best == NULL || e->at > best->at))
			best = e;
	}
	if (best == NULL)
		return -1;
	*m = best->src;
	return 0;
}

static struct instance *
agent_find_instance(struct agent *a, const struct agent_sock *s, int vrid)
{
	struct instance *in;

	for (in = a->inst; in != NULL; in = in->next)
		if (in->sock == s && in->c.vrid == vrid)
			return in;
	return NULL;
}

static void
agent_unmatched(struct agent *a, enum vrrp_drop why, const char *ifname,
    const struct ipaddr *src, const char *msg)
{
	char sb[IPADDR_STRLEN];
	unsigned supp;

	a->unmatched[why]++;
	if (log_rl_allow(&a->rl_unmatched, clock_now(), &supp))
		log_debug(LOG_PKT, "[%s] dropped packet from %s: %s: %s",
		    ifname, ipaddr_ntop(src, sb, sizeof(sb)),
		    vrrp_drop_name(why), msg);
}

static void
agent_sock_packet(struct agent *a, struct agent_sock *s, const uint8_t *buf,
    size_t len, struct vrrp_pkt_meta *meta)
{
	static struct vrrp_pkt p;
	struct instance *in;
	const uint8_t *payload = buf;
	size_t plen = len;
	enum vrrp_drop why;
	char err[160];
	int vrid;

	/* Find the instance first: its checksum mode decides the decode. */
	if (s->vs.family == AF_INET) {
		size_t ihl = len > 0 ? (size_t)(buf[0] & 0x0f) * 4 : 0;

		if (ihl < 20 || ihl > len) {
			agent_unmatched(a, VRRP_DROP_IP_HDR, s->vs.ifname,
			    &meta->src, "bad IPv4 header");
			return;
		}
		payload = buf + ihl;
		plen = len - ihl;
	}
	vrid = vrrp_pkt_peek_vrid(payload, plen);
	in = vrid < 0 ? NULL : agent_find_instance(a, s, vrid);
	meta->cksum = in != NULL ? in->c.cksum : VRRP_CKSUM_PSEUDO;
	if (s->vs.family == AF_INET)
		why = vrrp_pkt_decode_ipv4(buf, len, meta, &p, err,
		    sizeof(err));
	else
		why = vrrp_pkt_decode(buf, len, meta, &p, err, sizeof(err));
	if (in == NULL) {
		if (why == VRRP_DROP_NONE) {
			why = VRRP_DROP_NO_INSTANCE;
			snprintf(err, sizeof(err), "VRID %d not configured",
			    p.vrid);
		}
		agent_unmatched(a, why, s->vs.ifname, &meta->src, err);
		return;
	}
	if (why == VRRP_DROP_NONE && p.version != in->c.version) {
		why = VRRP_DROP_VERSION;
		snprintf(err, sizeof(err), "version %u, we run %u",
		    p.version, in->c.version);
	}
	if (why != VRRP_DROP_NONE)
		instance_drop(in, why, &meta->src, err);
	else if (in->fsm.state != VRRP_ST_INIT)
		instance_input(in, &p, meta);
}

/*
 * A datagram too big for any VRRP packet (the kernel reassembles fragments
 * for raw sockets, so anyone on the link can send one).  Not tied to an
 * instance: counted with the unmatched drops, logged at a limited rate.
 */
static void
agent_oversize(struct agent *a, const struct agent_sock *s,
    const struct ipaddr *src)
{
	static struct log_rl rl;
	char sb[IPADDR_STRLEN];
	unsigned supp;

	a->unmatched[VRRP_DROP_OVERSIZE]++;
	if (log_rl_allow(&rl, clock_now(), &supp))
		log_warnx("[%s] dropped a protocol-112 datagram from %s "
		    "larger than any VRRP packet (%llu so far)%s",
		    s->vs.ifname, src->family != 0 ? ipaddr_ntop(src, sb,
		    sizeof(sb)) : "?",
		    (unsigned long long)a->unmatched[VRRP_DROP_OVERSIZE],
		    supp ? " (similar lines suppressed)" : "");
}

void
agent_sock_readable(void *arg, int fd, uint32_t events)
{
	struct agent *a = arg;
	struct agent_sock *s;
	uint8_t buf[VRRP_PKT_MAX_LEN + 64];
	struct vrrp_pkt_meta meta;
	static struct log_rl rl_recv;
	unsigned supp;
	ssize_t n;
	int i;

	(void)events;
	for (s = a->socks; s != NULL; s = s->next)
		if (s->vs.fd == fd)
			break;
	if (s == NULL)
		return;
	/* Bounded, so a flood cannot starve the timers. */
	for (i = 0; i < 64; i++) {
		memset(&meta, 0, sizeof(meta));
		n = vrrp_sock_recv(&s->vs, buf, sizeof(buf), &meta);
		if (n == -1 && errno == EMSGSIZE) {
			/* Gone already: count it and read on. */
			agent_oversize(a, s, &meta.src);
			continue;
		}
		if (n <= 0) {
			if (n == -1 && log_rl_allow(&rl_recv, clock_now(),
			    &supp))
				log_warn("[%s] receive%s", s->vs.ifname, supp ?
				    " (similar lines suppressed)" : "");
			return;
		}
		agent_sock_packet(a, s, buf, (size_t)n, &meta);
	}
}

