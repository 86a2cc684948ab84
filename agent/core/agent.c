/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent: executes what the state machines ask for, feeds them packets,
 * link events and timers, and owns the sockets.  See agent.h.
 */
#include "agent.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../../net/arp.h"
#include "../../net/link.h"
#include "../../net/ndisc.h"
#include "../../net/vip.h"
#include "clock.h"
#include "guard.h"


/* --- sockets shared by instances on one interface and family ---------- */


static struct agent_sock *
agent_sock_get(struct agent *a, const struct conf_instance *c)
{
	struct agent_sock *s;
	bool mcast = c->npeers == 0;

	for (s = a->socks; s != NULL; s = s->next) {
		if (s->vs.family == c->family &&
		    strcmp(s->vs.ifname, c->ifname) == 0) {
			if (mcast && !s->vs.mcast_joined &&
			    vrrp_sock_join(&s->vs) == -1)
				log_warn("%s: join VRRP group", c->ifname);
			s->users++;
			return s;
		}
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (vrrp_sock_open(&s->vs, c->family, c->ifname, mcast) == -1) {
		log_warn("%s: VRRP socket", c->ifname);
		free(s);
		return NULL;
	}
	if (loop_add_fd(a->loop, s->vs.fd, EPOLLIN, agent_sock_readable,
	    a) == -1) {
		log_warn("%s: loop", c->ifname);
		vrrp_sock_close(&s->vs);
		free(s);
		return NULL;
	}
	s->users = 1;
	s->next = a->socks;
	a->socks = s;
	return s;
}

static void
agent_sock_put(struct agent *a, struct agent_sock *s)
{
	struct agent_sock **pp;

	if (s == NULL || --s->users > 0)
		return;
	for (pp = &a->socks; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	loop_del_fd(a->loop, s->vs.fd);
	vrrp_sock_close(&s->vs);
	free(s);
}

/* --- actions ------------------------------------------------------------ */

static void
instance_fill_pkt(const struct instance *in, uint8_t prio, struct vrrp_pkt *p)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->version = in->c.version;
	p->type = VRRP_TYPE_ADVERT;
	p->vrid = in->c.vrid;
	p->priority = prio;
	p->adver_int_cs = in->c.advert_int_cs;
	p->family = in->c.family;
	p->naddrs = (uint8_t)in->c.nvips;
	for (i = 0; i < in->c.nvips; i++)
		p->addrs[i] = in->c.vips[i].addr;
	if (in->c.version == 2) {
		p->auth_type = in->c.auth_type;
		memcpy(p->auth_data, in->c.auth_pass, VRRP_AUTH_LEN);
	}
}

/*
 * Send one advertisement to the group, or to every unicast peer.  The
 * checksum covers the destination, so each peer gets its own encoding.
 */
static void
instance_send_advert(struct instance *in, uint8_t prio)
{
	static struct vrrp_pkt p;
	uint8_t buf[VRRP_PKT_MAX_LEN];
	struct vrrp_pkt_meta meta;
	struct ipaddr group;
	const struct ipaddr *dst;
	int i, ndst;
	ssize_t len;

	if (in->sock == NULL || in->fsm.self.family == 0)
		return;
	instance_fill_pkt(in, prio, &p);
	vrrp_sock_group(in->c.family, &group);
	ndst = in->c.npeers > 0 ? in->c.npeers : 1;
	for (i = 0; i < ndst; i++) {
		dst = in->c.npeers > 0 ? &in->c.peers[i] : &group;
		memset(&meta, 0, sizeof(meta));
		meta.src = in->fsm.self;
		meta.dst = *dst;
		meta.ttl = VRRP_TTL;
		meta.cksum = in->c.cksum;
		len = vrrp_pkt_encode(&p, &meta, buf, sizeof(buf));
		if (len == -1) {
			log_warnx("%s bug: cannot encode advertisement",
			    in->tag);
			return;
		}
		if (vrrp_sock_send(&in->sock->vs, &in->fsm.self, dst, buf,
		    (size_t)len) == -1) {
			unsigned supp;

			in->n.send_errors++;
			if (log_rl_allow(&in->rl_warn, clock_now(), &supp))
				log_warn("%s send advert", in->tag);
			continue;
		}
		in->n.adverts_sent++;
	}
	log_debug(LOG_PKT, "%s sent advert priority %u", in->tag, prio);
}

/*
 * Add the configured VIPs (and remember them as held), or remove the held
 * ones: after a reload changed the set, the old addresses are the ones on
 * the interface.  With nothing held (VIPs a previous run left, a failed
 * promotion) the configured set is removed; removing an absent address
 * is not an error.
 */
static void
instance_vips(struct instance *in, bool add)
{
	const struct ipprefix *set = in->c.vips;
	char err[256], ab[IPADDR_STRLEN];
	int i, n = in->c.nvips, rc;

	if (!add && in->vips_held) {
		set = in->held;
		n = in->nheld;
	}
	for (i = 0; i < n; i++) {
		if (add)
			rc = vip_add(in->a->nl, in->ifindex, &set[i], err,
			    sizeof(err));
		else
			rc = vip_del(in->a->nl, in->ifindex, &set[i], err,
			    sizeof(err));
		if (rc == -1) {
			in->n.vip_errors++;
			log_warnx("%s %s VIP %s: %s", in->tag,
			    add ? "add" : "remove",
			    ipaddr_ntop(&set[i].addr, ab, sizeof(ab)), err);
		} else {
			log_debug(LOG_NL, "%s %s VIP %s", in->tag,
			    add ? "added" : "removed",
			    ipaddr_ntop(&set[i].addr, ab, sizeof(ab)));
		}
	}
	if (add) {
		memcpy(in->held, in->c.vips, sizeof(in->held));
		in->nheld = in->c.nvips;
	} else
		in->nheld = 0;
	in->vips_held = add;
}

/* One gratuitous ARP / unsolicited NA per VIP. */
static void
instance_announce_once(struct instance *in)
{
	int i, rc;

	for (i = 0; i < in->c.nvips; i++) {
		const struct ipaddr *v = &in->c.vips[i].addr;

		if (v->family == AF_INET)
			rc = arp_send_garp(in->a->arp_fd, in->ifindex,
			    in->mac, v->v4);
		else
			rc = ndisc_send_una(in->a->ndisc_fd, in->ifindex,
			    in->mac, &v->v6);
		if (rc == -1) {
			unsigned supp;

			if (log_rl_allow(&in->rl_warn, clock_now(), &supp))
				log_warn("%s announce", in->tag);
		}
	}
	log_debug(LOG_ARP, "%s announced %d VIP(s)", in->tag, in->c.nvips);
}

static void
instance_garp_timer(void *arg)
{
	struct instance *in = arg;

	if (!in->vips_held)
		return;
	instance_announce_once(in);
	if (--in->garp_left > 0)
		loop_timer_set(in->a->loop, &in->t_garp,
		    clock_now() + in->c.garp_delay_ms * USEC_PER_MSEC,
		    instance_garp_timer, in, "garp");
}

static void
instance_refresh_timer(void *arg)
{
	struct instance *in = arg;

	if (!in->vips_held || in->c.garp_refresh_ms == 0)
		return;
	instance_announce_once(in);
	loop_timer_set(in->a->loop, &in->t_refresh,
	    clock_now() + in->c.garp_refresh_ms * USEC_PER_MSEC,
	    instance_refresh_timer, in, "garp_refresh");
}

static void
instance_announce(struct instance *in)
{
	in->garp_left = in->c.garp_repeat;
	instance_garp_timer(in);
	if (in->c.garp_refresh_ms > 0)
		loop_timer_set(in->a->loop, &in->t_refresh,
		    clock_now() + in->c.garp_refresh_ms * USEC_PER_MSEC,
		    instance_refresh_timer, in, "garp_refresh");
}

static void instance_fsm_timer(void *arg);

static void
instance_stop_announce(struct instance *in)
{
	loop_timer_cancel(in->a->loop, &in->t_garp);
	loop_timer_cancel(in->a->loop, &in->t_refresh);
}

static void instance_claim_update(struct instance *in);

/*
 * The sequencer's executor (seq.h): the only caller of vip_add / vip_del
 * and of the role's promote, cancel and demote steps.  Role steps end
 * later, from the loop (role_wire.c), never inside these calls, so the
 * sequencer is never re-entered.
 */
void
instance_seq_exec(struct instance *in, struct seq_out *so)
{
	int i;

	for (i = 0; i < so->n; i++) {
		const struct seq_act *act = &so->act[i];

		switch (act->type) {
		case SEQ_ACT_STATE:
			log_info("%s sequencer %s -> %s (%s)", in->tag,
			    seq_state_name(act->from), seq_state_name(act->to),
			    act->reason ? act->reason : "-");
			break;
		case SEQ_ACT_PROMOTE:
		case SEQ_ACT_CANCEL_PROMOTE:
		case SEQ_ACT_DEMOTE:
		case SEQ_ACT_DEMOTE_SYNC:
			if (in->role == NULL) {
				log_warnx("%s bug: sequencer role step %d "
				    "without a role", in->tag, act->type);
				break;
			}
			if (act->type == SEQ_ACT_PROMOTE)
				role_promote(in->role);
			else if (act->type == SEQ_ACT_CANCEL_PROMOTE)
				role_cancel(in->role);
			else if (act->type == SEQ_ACT_DEMOTE)
				role_demote(in->role);
			else
				role_demote_sync(in->role);
			break;
		case SEQ_ACT_VIP_ADD:
			instance_vips(in, true);
			break;
		case SEQ_ACT_VIP_DEL:
			instance_vips(in, false);
			break;
		case SEQ_ACT_ANNOUNCE:
			instance_announce(in);
			break;
		case SEQ_ACT_STOP_ANNOUNCE:
			instance_stop_announce(in);
			break;
		case SEQ_ACT_SEND_ADVERT_0:
			instance_send_advert(in, 0);
			break;
		}
	}
	if (so->bug != NULL)
		log_warnx("%s bug: sequencer in %s: %s", in->tag,
		    seq_state_name(in->seq.state), so->bug);
	so->n = 0;
	so->bug = NULL;
	instance_claim_update(in);
}

uint64_t
instance_advert_us(const struct instance *in)
{
	return (uint64_t)in->c.advert_int_cs * 10000;
}

/*
 * A master that leaves MASTER (FAULT, maintenance) still holds the VIP
 * while its database is fenced, and owes the priority 0 until then: it
 * keeps advertising at its interval meanwhile, so the backups do not time
 * it out and find a writable old primary whose agent went silent (they
 * would wait for it rather than promote).  The VIP goes, then the
 * priority 0 tells them to take over after their skew time.
 */
static void
instance_claim_timer(void *arg)
{
	struct instance *in = arg;

	if (in->seq.state != SEQ_ST_FENCING ||
	    in->fsm.state == VRRP_ST_MASTER)
		return;
	instance_send_advert(in, in->fsm.priority);
	loop_timer_set(in->a->loop, &in->t_claim, clock_now() +
	    instance_advert_us(in), instance_claim_timer, in, "claim");
}

static void
instance_claim_update(struct instance *in)
{
	if (in->seq.state == SEQ_ST_FENCING &&
	    in->fsm.state != VRRP_ST_MASTER) {
		if (in->t_claim.deadline == 0)
			loop_timer_set(in->a->loop, &in->t_claim, clock_now() +
			    instance_advert_us(in), instance_claim_timer, in,
			    "claim");
	} else
		loop_timer_cancel(in->a->loop, &in->t_claim);
}

/*
 * Perform the state machine's actions in the order it gave them, then
 * re-arm its timer.  Every state change is logged here, once.  Adverts
 * with a priority above 0 go out at once ("claim on the wire" while the
 * database is promoted); VIP_ADD, VIP_DEL and the priority 0 become the
 * sequencer's WANT_UP, WANT_DOWN and RELEASE.  ANNOUNCE is the
 * sequencer's own step after VIP_ADD.
 */
void
instance_exec(struct instance *in, struct vrrp_out *out)
{
	struct seq_out so = { 0 };
	uint64_t next;
	int i;

	for (i = 0; i < out->n; i++) {
		const struct vrrp_act *act = &out->act[i];

		switch (act->type) {
		case VRRP_ACT_STATE:
			log_info("%s %s -> %s (%s)", in->tag,
			    vrrp_state_name(act->from),
			    vrrp_state_name(act->to),
			    act->reason ? act->reason : "-");
			notify_state(in->nq, act->from, act->to, act->reason,
			    in->fsm.priority);
			snprintf(in->state_why, sizeof(in->state_why), "%s",
			    act->reason ? act->reason : "-");
			in->state_since = clock_now();
			guard_kick(in);
			break;
		case VRRP_ACT_SEND_ADVERT:
			if (act->priority > 0)
				instance_send_advert(in, act->priority);
			else
				seq_release(&in->seq, &so);
			break;
		case VRRP_ACT_VIP_ADD:
			seq_want_up(&in->seq, in->role != NULL &&
			    role_promoted(in->role), &so);
			break;
		case VRRP_ACT_VIP_DEL:
			seq_want_down(&in->seq, &so);
			break;
		case VRRP_ACT_ANNOUNCE:
			break;
		}
		instance_seq_exec(in, &so);
	}
	out->n = 0;
	next = vrrp_fsm_next_deadline(&in->fsm);
	if (next != 0)
		loop_timer_set(in->a->loop, &in->t_fsm, next,
		    instance_fsm_timer, in, "vrrp");
	else
		loop_timer_cancel(in->a->loop, &in->t_fsm);
}

/* --- changing an instance from outside ----------------------------------- */

void
instance_set_fault(struct instance *in, unsigned bit, bool on,
    const char *why)
{
	struct vrrp_out out = { 0 };

	vrrp_fsm_set_fault(&in->fsm, bit, on, why, clock_now(), &out);
	instance_exec(in, &out);
}

void
instance_set_priority(struct instance *in, uint8_t prio)
{
	struct vrrp_out out = { 0 };

	vrrp_fsm_set_priority(&in->fsm, prio, clock_now(), &out);
	instance_exec(in, &out);
}

static void
instance_fsm_timer(void *arg)
{
	struct instance *in = arg;
	struct vrrp_out out = { 0 };

	vrrp_fsm_timer(&in->fsm, clock_now(), &out);
	instance_exec(in, &out);
}

/* --- link and address events -------------------------------------------- */

/* Re-read our primary address (the source of adverts).  0, or -1 if none. */
static int
instance_refresh_self(struct instance *in)
{
	struct ipaddr self;
	char ab[IPADDR_STRLEN];

	if (vip_primary_addr(in->a->nl, in->ifindex, in->c.family,
	    in->c.vips, in->c.nvips, &self) == -1)
		return -1;
	if (!ipaddr_eq(&self, &in->fsm.self)) {
		in->fsm.self = self;
		log_info("%s primary address %s", in->tag,
		    ipaddr_ntop(&self, ab, sizeof(ab)));
	}
	if (arp_ifmac(in->c.ifname, in->mac) == -1)
		log_warn("%s hardware address", in->tag);
	return 0;
}

/*
 * The interface went up or down, or its addresses changed: an instance is
 * usable only with the link up and a primary address to send from.
 */
static void
instance_link(struct instance *in, bool up)
{
	const char *why = up ? "link up" : "link down";

	if (up && instance_refresh_self(in) == -1) {
		up = false;
		why = "no usable address on interface";
	}
	instance_set_fault(in, VRRP_FAULT_LINK, !up, why);
}

static void
agent_link_cb(void *arg, int ifindex, bool up)
{
	struct agent *a = arg;
	struct instance *in;

	for (in = a->inst; in != NULL; in = in->next)
		if (in->ifindex == ifindex)
			instance_link(in, up);
}

static void
agent_addr_cb(void *arg, int ifindex, const struct ipaddr *addr, bool added)
{
	struct agent *a = arg;
	struct instance *in;
	struct seq_out so = { 0 };
	char ab[IPADDR_STRLEN];
	int i;

	for (in = a->inst; in != NULL; in = in->next) {
		if (in->ifindex != ifindex || addr->family != in->c.family)
			continue;
		for (i = 0; i < in->c.nvips; i++)
			if (ipaddr_eq(&in->c.vips[i].addr, addr))
				break;
		if (i == in->c.nvips) {
			/* Our primary address may have changed. */
			instance_link(in, link_is_up(in->c.ifname) == 1);
			continue;
		}
		/* A VIP removed by hand while we are master comes back. */
		if (added)
			continue;
		if (in->seq.state == SEQ_ST_UP)
			log_warnx("%s VIP %s removed from outside; re-adding",
			    in->tag, ipaddr_ntop(addr, ab, sizeof(ab)));
		seq_addr_removed(&in->seq, &so);
		instance_seq_exec(in, &so);
	}
}

static void
agent_lm_readable(void *arg, int fd, uint32_t events)
{
	struct agent *a = arg;
	struct link_mon_cb cb = { agent_link_cb, agent_addr_cb, a };
	struct instance *in;

	(void)fd;
	(void)events;
	if (link_mon_read(a->lm, &cb) == -1) {
		/* Events were lost (ENOBUFS): re-read the truth. */
		log_warn("netlink events lost; re-reading link state");
		for (in = a->inst; in != NULL; in = in->next)
			instance_link(in, link_is_up(in->c.ifname) == 1);
	}
}

/* --- instance life cycle --------------------------------------------------- */

static void
instance_params(const struct conf_instance *c, struct vrrp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->version = c->version;
	p->priority = c->priority;
	p->adver_int_cs = c->advert_int_cs;
	p->preempt = c->preempt;
	p->preempt_delay_ms = c->preempt_delay_ms;
}

/* Point the instance at the health checks its config tracks. */
static void
instance_link_tracks(struct instance *in)
{
	int i;

	in->ntrack = in->c.ntrack;
	for (i = 0; i < in->ntrack; i++)
		in->track[i] = in->a->health[in->c.track[i]];
}

static struct instance *
instance_new(struct agent *a, const struct conf_instance *c)
{
	struct instance *in, **pp;
	struct vrrp_params p;
	struct ipaddr none = { 0 };

	if ((in = calloc(1, sizeof(*in))) == NULL) {
		log_warn("instance %s", c->name);
		return NULL;
	}
	in->c = *c;
	in->a = a;
	snprintf(in->tag, sizeof(in->tag), "[%s vrid %u %s]", c->name,
	    c->vrid, c->ifname);
	instance_params(c, &p);
	vrrp_fsm_init(&in->fsm, &p, &none);
	if ((in->ifindex = (int)if_nametoindex(c->ifname)) == 0) {
		log_warn("%s interface %s", in->tag, c->ifname);
		free(in);
		return NULL;
	}
	if ((in->sock = agent_sock_get(a, c)) == NULL) {
		free(in);
		return NULL;
	}
	instance_link_tracks(in);
	if (notify_attach(&a->notify, &in->nq, &in->c, in->tag) == -1)
		log_warn("%s notify queue", in->tag);
	/* Appended, so status lists instances in config order. */
	for (pp = &a->inst; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = in;
	return in;
}

static void
instance_start(struct instance *in)
{
	struct vrrp_out out = { 0 };
	struct seq_out so = { 0 };
	char ab[IPADDR_STRLEN];
	bool left = false;
	int i;

	seq_init(&in->seq, in->role != NULL);
	/*
	 * A VIP still on the interface was left by a previous run that died
	 * without cleaning up; we start as backup, so it must go.  With a
	 * database role it stays while the role decides: the agent may have
	 * been restarted on the master, whose writes must not stop.
	 */
	for (i = 0; i < in->c.nvips; i++) {
		if (vip_present(in->a->nl, in->ifindex,
		    &in->c.vips[i].addr) != 1)
			continue;
		left = true;
		log_warnx("%s VIP %s left by a previous run%s", in->tag,
		    ipaddr_ntop(&in->c.vips[i].addr, ab, sizeof(ab)),
		    in->role != NULL ? ": the database role decides" :
		    ": removing it");
	}
	if (left) {
		seq_leftover(&in->seq, &so);
		instance_seq_exec(in, &so);
	}
	/* An owner sends at startup: know the source address first. */
	(void)instance_refresh_self(in);
	/* Before the election starts: the role may hold it in FAULT. */
	if (in->role != NULL)
		role_start(in->role, left);
	/* Checks have no verdict yet: a tracked weight-0 check means FAULT. */
	instance_gate_update(in);
	vrrp_fsm_startup(&in->fsm, clock_now(), &out);
	instance_exec(in, &out);
	instance_link(in, link_is_up(in->c.ifname) == 1);
	log_info("%s started: priority %u, version %u, advert_int %u.%02us, "
	    "%s", in->tag, in->c.priority, in->c.version,
	    in->c.advert_int_cs / 100, in->c.advert_int_cs % 100,
	    in->c.npeers > 0 ? "unicast" : "multicast");
}

static void
instance_free(struct instance *in)
{
	struct vrrp_out out = { 0 };
	struct seq_out so = { 0 };
	struct agent *a = in->a;
	struct instance **pp;

	/*
	 * The loop may not run again: the sequencer abandons a step in
	 * progress and fences synchronously (bounded), then the state
	 * machine's priority 0 goes out.
	 */
	if (!a->keep_on_exit) {
		seq_shutdown(&in->seq, &so);
		instance_seq_exec(in, &so);
		vrrp_fsm_shutdown(&in->fsm, clock_now(), &out);
		instance_exec(in, &out);
	} else if (in->vips_held)
		log_info("%s exiting for a restart: VIPs kept", in->tag);
	role_free(in->role);
	in->role = NULL;
	loop_timer_cancel(a->loop, &in->t_fsm);
	loop_timer_cancel(a->loop, &in->t_garp);
	loop_timer_cancel(a->loop, &in->t_refresh);
	loop_timer_cancel(a->loop, &in->t_claim);
	guard_instance_stop(in);
	notify_detach(in->nq);
	for (pp = &a->inst; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == in) {
			*pp = in->next;
			break;
		}
	}
	agent_sock_put(a, in->sock);
	free(in);
}

int
agent_start(struct agent *a, struct loop *l, struct conf *conf)
{
	struct instance *in;
	int i;

	a->loop = l;
	a->conf = *conf;
	a->notify.loop = l;
	a->notify.timeout_ms = a->conf.notify_timeout_ms;
	a->arp_fd = a->ndisc_fd = -1;
	if ((a->nl = vip_open()) == NULL) {
		log_warn("netlink route socket");
		return -1;
	}
	if ((a->lm = link_mon_open()) == NULL) {
		log_warn("netlink event socket");
		return -1;
	}
	if (loop_add_fd(l, link_mon_fd(a->lm), EPOLLIN, agent_lm_readable,
	    a) == -1) {
		log_warn("loop");
		return -1;
	}
	if ((a->arp_fd = arp_open()) == -1) {
		log_warn("ARP socket");
		return -1;
	}
	if ((a->ndisc_fd = ndisc_open()) == -1) {
		log_warn("ICMPv6 socket");
		return -1;
	}
	if (health_apply(a, &a->conf) == -1)
		return -1;
	guard_start(a);
	for (i = 0; i < a->conf.ninst; i++) {
		if ((in = instance_new(a, &a->conf.inst[i])) == NULL)
			return -1;
		if (instance_role_attach(in, &a->conf, i) == -1)
			return -1;
		instance_start(in);
	}
	return 0;
}

/* Same interface, VRID, family and version: the instance can keep running. */
static bool
instance_same_identity(const struct conf_instance *x,
    const struct conf_instance *y)
{
	return strcmp(x->name, y->name) == 0 &&
	    strcmp(x->ifname, y->ifname) == 0 && x->vrid == y->vrid &&
	    x->family == y->family && x->version == y->version &&
	    (x->npeers == 0) == (y->npeers == 0);
}

void
agent_reload(struct agent *a, struct conf *conf)
{
	struct instance *in, *next;
	struct vrrp_params p;
	struct vrrp_out out = { 0 };
	struct seq_out so = { 0 };
	bool *kept, changed, added;
	int i;

	kept = calloc((size_t)conf->ninst + 1, sizeof(*kept));
	if (kept == NULL || health_apply(a, conf) == -1) {
		log_warn("reload refused");
		free(kept);
		conf_free(conf);
		return;
	}
	for (in = a->inst; in != NULL; in = next) {
		next = in->next;
		for (i = 0; i < conf->ninst; i++)
			if (!kept[i] &&
			    instance_same_identity(&in->c, &conf->inst[i]))
				break;
		if (i == conf->ninst) {
			log_info("%s removed by reload", in->tag);
			instance_free(in);
			continue;
		}
		kept[i] = true;
		changed = in->c.nvips != conf->inst[i].nvips ||
		    memcmp(in->c.vips, conf->inst[i].vips,
		    sizeof(in->c.vips)) != 0;
		in->c = conf->inst[i];
		instance_link_tracks(in);
		added = false;
		if (in->role != NULL) {
			if (conf->role.kind == CONF_ROLE_REPLICATION &&
			    conf->role.inst == i)
				role_reconf(in->role, conf);
			else if (!seq_busy(&in->seq)) {
				log_info("%s database role removed by reload",
				    in->tag);
				role_free(in->role);
				in->role = NULL;
			} else
				log_warnx("%s a role step runs: the role stays "
				    "until the next reload", in->tag);
		} else if (conf->role.kind == CONF_ROLE_REPLICATION &&
		    conf->role.inst == i &&
		    instance_role_attach(in, conf, i) == 0 &&
		    in->role != NULL) {
			log_info("%s database role added by reload", in->tag);
			added = true;
		}
		/*
		 * The sequencer swaps a changed VIP set if it holds one; a
		 * promotion or demotion in progress is left alone (the VIP
		 * follows it, with the new set).
		 */
		seq_reload(&in->seq, changed, in->role != NULL, &so);
		instance_seq_exec(in, &so);
		if (added)
			role_start(in->role, in->vips_held);
		instance_params(&in->c, &p);
		vrrp_fsm_reconfigure(&in->fsm, &p, clock_now(), &out);
		instance_exec(in, &out);
		instance_gate_update(in);
	}
	for (i = 0; i < conf->ninst; i++)
		if (!kept[i] && (in = instance_new(a, &conf->inst[i])) != NULL) {
			if (instance_role_attach(in, conf, i) == -1)
				log_warnx("%s no database role (out of memory)",
				    in->tag);
			instance_start(in);
		}
	free(kept);
	conf_free(&a->conf);
	a->conf = *conf;
	a->notify.timeout_ms = a->conf.notify_timeout_ms;
	guard_apply(a);
	log_info("configuration reloaded: %d instance(s)", a->conf.ninst);
}

void
agent_shutdown(struct agent *a)
{
	a->stopping = true;
	a->notify.stopping = true;
	guard_stop(a);
	while (a->inst != NULL)
		instance_free(a->inst);
	health_stop(a);
	notify_flush_all(&a->notify, a->conf.notify_timeout_ms);
}

void
agent_free(struct agent *a)
{
	agent_shutdown(a);
	if (a->lm != NULL) {
		loop_del_fd(a->loop, link_mon_fd(a->lm));
		link_mon_close(a->lm);
	}
	if (a->nl != NULL)
		vip_close(a->nl);
	if (a->arp_fd != -1)
		close(a->arp_fd);
	if (a->ndisc_fd != -1)
		close(a->ndisc_fd);
	conf_free(&a->conf);
}
