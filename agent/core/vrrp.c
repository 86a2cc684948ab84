/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vrrp: the RFC 5798 section 6.4 state machine plus FAULT.  See vrrp.h for
 * the contract and the semantics decided beyond the RFC.
 *
 * Shape (after OpenBSD carp/ospfd): every input becomes an event, and a
 * table maps {state, event} to a handler; a NULL entry means "this event
 * means nothing in this state".  Handlers emit the side-effect actions and
 * end with vrrp_set_state(), the single place that changes state, records
 * the STATE action, counts it and arms or cancels the timers.
 */
#include <stddef.h>
#include <string.h>

#include "vrrp.h"

#define US_PER_CS	10000ULL
#define US_PER_SEC	1000000ULL
#define VRRP_PRIO_OWNER	255
#define VRRP_PRIO_STOP	0

enum vrrp_ev {
	VRRP_EV_STARTUP = 0,
	VRRP_EV_SHUTDOWN,
	VRRP_EV_ADVERT,
	VRRP_EV_ADVER_TIMER,
	VRRP_EV_DOWN_TIMER,
	VRRP_EV_FAULT,		/* first fault bit set */
	VRRP_EV_FAULT_CLEAR,	/* last fault bit cleared */
	VRRP_EV_PRIORITY,	/* effective priority changed */
	VRRP_EV_RESUME,		/* take over now (agent restart on master) */
	VRRP_EV__MAX
};

/* What an event carries; unused fields are NULL. */
struct vrrp_ctx {
	uint64_t now;
	struct vrrp_out *out;
	const struct vrrp_pkt *pkt;
	const struct ipaddr *src;
	uint16_t adver_int_cs;		/* ADVERT: the interval to learn */
	const char *reason;
};

typedef void vrrp_handler(struct vrrp_fsm *, const struct vrrp_ctx *);

static void
vrrp_push(struct vrrp_out *out, const struct vrrp_act *a)
{
	/* A full buffer is a caller bug; never write past the array. */
	if (out->n < 0 || out->n >= VRRP_OUT_MAX)
		return;
	out->act[out->n++] = *a;
}

static void
vrrp_emit(const struct vrrp_ctx *c, enum vrrp_act_type type, uint8_t prio)
{
	struct vrrp_act a;

	memset(&a, 0, sizeof(a));
	a.type = type;
	a.priority = prio;
	vrrp_push(c->out, &a);
}

static bool
vrrp_is_owner(const struct vrrp_fsm *f)
{
	return f->p.priority == VRRP_PRIO_OWNER;
}

/*
 * now + d as a deadline: saturates instead of wrapping, and is never 0
 * because 0 means "stopped".
 */
static uint64_t
vrrp_deadline(uint64_t now, uint64_t d)
{
	uint64_t t = now + d;

	if (t < now)
		return UINT64_MAX;
	return t == 0 ? 1 : t;
}

/* A configured interval of 0 would spin the master; treat it as 1 cs. */
static uint64_t
vrrp_adver_int_us(const struct vrrp_fsm *f)
{
	uint16_t cs = f->p.adver_int_cs ? f->p.adver_int_cs : 1;

	return cs * US_PER_CS;
}

/* Master_Adver_Interval in centiseconds: v2 has no such variable. */
static uint64_t
vrrp_master_int_cs(const struct vrrp_fsm *f)
{
	uint16_t cs;

	if (f->p.version == 2)
		cs = f->p.adver_int_cs;
	else
		cs = f->master_adver_int_cs;
	return cs ? cs : 1;
}

uint64_t
vrrp_fsm_skew_us(const struct vrrp_fsm *f)
{
	uint64_t weight = 256 - (uint64_t)f->priority;

	/*
	 * Multiply before dividing so that only the final microsecond is
	 * truncated: prio 100 gives 156 * 1 s / 256 = 609375 us exactly,
	 * where a centisecond Skew_Time would have said 60 cs.
	 * v2 (RFC 3768): (256 - Priority) / 256 seconds.
	 * v3 (RFC 5798): ((256 - Priority) * Master_Adver_Interval) / 256.
	 * At most 256 * 65535 * 10^4, far from overflowing 64 bits.
	 */
	if (f->p.version == 2)
		return weight * US_PER_SEC / 256;
	return weight * vrrp_master_int_cs(f) * US_PER_CS / 256;
}

uint64_t
vrrp_fsm_master_down_us(const struct vrrp_fsm *f)
{
	/* v2: 3 * Advertisement_Interval, which vrrp_master_int_cs gives. */
	return 3 * vrrp_master_int_cs(f) * US_PER_CS + vrrp_fsm_skew_us(f);
}

static bool
vrrp_entered_fresh(enum vrrp_state from)
{
	return from == VRRP_ST_INIT || from == VRRP_ST_FAULT;
}

/*
 * The one place that changes state.  The caller has emitted the actions the
 * change implies and, for BACKUP, set Master_Adver_Interval; this records
 * the STATE action last and puts the timers in the shape the new state
 * needs: MASTER runs Adver_Timer only, BACKUP Master_Down_Timer only, INIT
 * and FAULT nothing.
 */
static void
vrrp_set_state(struct vrrp_fsm *f, const struct vrrp_ctx *c,
    enum vrrp_state to, const char *reason)
{
	enum vrrp_state from = f->state;
	struct vrrp_act a;

	memset(&a, 0, sizeof(a));
	a.type = VRRP_ACT_STATE;
	a.from = from;
	a.to = to;
	a.reason = reason;
	vrrp_push(c->out, &a);

	f->state = to;
	f->transitions++;

	switch (to) {
	case VRRP_ST_MASTER:
		f->t_adver = vrrp_deadline(c->now, vrrp_adver_int_us(f));
		f->t_master_down = 0;
		f->t_preempt = 0;
		f->master = f->self;
		f->master_priority = f->priority;
		break;
	case VRRP_ST_BACKUP:
		f->t_adver = 0;
		f->t_master_down = vrrp_deadline(c->now,
		    vrrp_fsm_master_down_us(f));
		f->t_preempt = 0;
		/* "Seconds after startup until preemption" (vrrp.h). */
		if (vrrp_entered_fresh(from) && f->p.preempt &&
		    f->p.preempt_delay_ms > 0 && !vrrp_is_owner(f))
			f->t_preempt = vrrp_deadline(c->now,
			    (uint64_t)f->p.preempt_delay_ms * 1000);
		if (vrrp_entered_fresh(from)) {
			memset(&f->master, 0, sizeof(f->master));
			f->master_priority = 0;
		}
		break;
	case VRRP_ST_INIT:
	case VRRP_ST_FAULT:
		f->t_adver = 0;
		f->t_master_down = 0;
		f->t_preempt = 0;
		memset(&f->master, 0, sizeof(f->master));
		f->master_priority = 0;
		break;
	}
}

/* Sections 6.4.1 and 6.4.2: send, claim the addresses, announce, MASTER. */
static void
vrrp_take_over(struct vrrp_fsm *f, const struct vrrp_ctx *c,
    const char *reason)
{
	vrrp_emit(c, VRRP_ACT_SEND_ADVERT, f->priority);
	f->t_sent = c->now;
	vrrp_emit(c, VRRP_ACT_VIP_ADD, 0);
	vrrp_emit(c, VRRP_ACT_ANNOUNCE, 0);
	vrrp_set_state(f, c, VRRP_ST_MASTER, reason);
}

/* Enter BACKUP afresh (startup, end of FAULT): the configured interval. */
static void
vrrp_enter_backup(struct vrrp_fsm *f, const struct vrrp_ctx *c,
    const char *reason)
{
	f->master_adver_int_cs = f->p.adver_int_cs;
	vrrp_set_state(f, c, VRRP_ST_BACKUP, reason);
}

/*
 * Leave MASTER for FAULT or INIT: give the addresses up first, then tell
 * the backups with priority 0 so they take over after Skew_Time.
 */
static void
vrrp_release(struct vrrp_fsm *f, const struct vrrp_ctx *c,
    enum vrrp_state to, const char *reason)
{
	vrrp_emit(c, VRRP_ACT_VIP_DEL, 0);
	vrrp_emit(c, VRRP_ACT_SEND_ADVERT, VRRP_PRIO_STOP);
	vrrp_set_state(f, c, to, reason);
}

/* v3 learns the master's interval; a 0 (never valid) is not learned. */
static void
vrrp_learn_interval(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	if (f->p.version != 2 && c->adver_int_cs != 0)
		f->master_adver_int_cs = c->adver_int_cs;
}

/* --- INIT --- */

static void
vrrp_init_startup(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	if (f->fault)
		vrrp_set_state(f, c, VRRP_ST_FAULT, "startup in fault");
	else if (vrrp_is_owner(f))
		vrrp_take_over(f, c, "startup as address owner");
	else
		vrrp_enter_backup(f, c, "startup");
}

/* --- BACKUP (section 6.4.2) --- */

static void
vrrp_backup_down_timer(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	vrrp_take_over(f, c, "master down timer expired");
}

/*
 * Should a lower-priority advertisement be accepted (as with preempt off)?
 * See vrrp.h for the preempt_delay_ms semantics.
 */
static bool
vrrp_backup_tolerates_lower(struct vrrp_fsm *f, uint64_t now)
{
	if (vrrp_is_owner(f))
		return false;
	if (!f->p.preempt)
		return true;
	if (f->p.preempt_delay_ms == 0)
		return false;
	if (f->t_preempt == 0)
		f->t_preempt = vrrp_deadline(now,
		    (uint64_t)f->p.preempt_delay_ms * 1000);
	return now < f->t_preempt;
}

static void
vrrp_backup_advert(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	const struct vrrp_pkt *pkt = c->pkt;

	if (pkt->priority == VRRP_PRIO_STOP) {
		/* The master resigned: the backup with the least skew wins. */
		f->t_master_down = vrrp_deadline(c->now, vrrp_fsm_skew_us(f));
		f->master_priority = 0;
		return;
	}
	if (pkt->priority >= f->priority)
		f->t_preempt = 0;
	else if (!vrrp_backup_tolerates_lower(f, c->now))
		return;		/* preempt: let Master_Down_Timer run out */

	vrrp_learn_interval(f, c);
	f->t_master_down = vrrp_deadline(c->now, vrrp_fsm_master_down_us(f));
	f->master = *c->src;
	f->master_priority = pkt->priority;
}

static void
vrrp_backup_resume(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	vrrp_take_over(f, c, c->reason);
}

static void
vrrp_backup_fault(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	vrrp_set_state(f, c, VRRP_ST_FAULT, c->reason);
}

static void
vrrp_to_init(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	vrrp_set_state(f, c, VRRP_ST_INIT, "shutdown");
}

/* --- MASTER (section 6.4.3) --- */

static void
vrrp_master_adver_timer(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	vrrp_emit(c, VRRP_ACT_SEND_ADVERT, f->priority);
	f->t_sent = c->now;
	/* From now, not from the old deadline: a late loop must not burst. */
	f->t_adver = vrrp_deadline(c->now, vrrp_adver_int_us(f));
}

/*
 * Another router resigned (or claims to): reassert, as 6.4.3 says, but at
 * most once per Advertisement_Interval / VRRP_REFLECT_DIV (see vrrp.h).
 * Too soon after our last advert the answer is deferred, not dropped: the
 * Adver_Timer is brought forward to the first moment it is allowed, so a
 * flood of priority 0 costs at most VRRP_REFLECT_DIV adverts per interval
 * and a genuine one is still answered within a quarter interval.
 */
static void
vrrp_master_answer_stop(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	uint64_t ok;

	ok = vrrp_deadline(f->t_sent, vrrp_adver_int_us(f) / VRRP_REFLECT_DIV);
	if (f->t_sent == 0 || c->now >= ok) {
		vrrp_master_adver_timer(f, c);
		return;
	}
	if (f->t_adver == 0 || f->t_adver > ok)
		f->t_adver = ok;
}

static void
vrrp_master_advert(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	const struct vrrp_pkt *pkt = c->pkt;
	bool better;

	if (pkt->priority == VRRP_PRIO_STOP) {
		vrrp_master_answer_stop(f, c);
		return;
	}
	/*
	 * Equal priority: the higher primary address wins.  This is also how
	 * an owner loses, to another owner with a higher address.
	 */
	better = pkt->priority > f->priority ||
	    (pkt->priority == f->priority &&
	    ipaddr_cmp(c->src, &f->self) > 0);
	if (!better)
		return;		/* our next advertisement tells it */

	/* No priority 0 here: the winner already advertises (see vrrp.h). */
	vrrp_emit(c, VRRP_ACT_VIP_DEL, 0);
	vrrp_learn_interval(f, c);
	vrrp_set_state(f, c, VRRP_ST_BACKUP,
	    pkt->priority > f->priority ? "higher priority master" :
	    "equal priority master with higher address");
	f->master = *c->src;
	f->master_priority = pkt->priority;
}

static void
vrrp_master_fault(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	vrrp_release(f, c, VRRP_ST_FAULT, c->reason);
}

static void
vrrp_master_shutdown(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	vrrp_release(f, c, VRRP_ST_INIT, "shutdown");
}

static void
vrrp_master_priority(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	/* Let the backups re-decide preemption now, not in a second. */
	f->master_priority = f->priority;
	vrrp_master_adver_timer(f, c);
}

/* --- FAULT --- */

static void
vrrp_fault_clear(struct vrrp_fsm *f, const struct vrrp_ctx *c)
{
	if (vrrp_is_owner(f))
		vrrp_take_over(f, c, c->reason);
	else
		vrrp_enter_backup(f, c, c->reason);
}

static vrrp_handler *const vrrp_table[4][VRRP_EV__MAX] = {
	[VRRP_ST_INIT] = {
		[VRRP_EV_STARTUP] = vrrp_init_startup,
	},
	[VRRP_ST_BACKUP] = {
		[VRRP_EV_SHUTDOWN] = vrrp_to_init,
		[VRRP_EV_ADVERT] = vrrp_backup_advert,
		[VRRP_EV_DOWN_TIMER] = vrrp_backup_down_timer,
		[VRRP_EV_FAULT] = vrrp_backup_fault,
		[VRRP_EV_RESUME] = vrrp_backup_resume,
	},
	[VRRP_ST_MASTER] = {
		[VRRP_EV_SHUTDOWN] = vrrp_master_shutdown,
		[VRRP_EV_ADVERT] = vrrp_master_advert,
		[VRRP_EV_ADVER_TIMER] = vrrp_master_adver_timer,
		[VRRP_EV_FAULT] = vrrp_master_fault,
		[VRRP_EV_PRIORITY] = vrrp_master_priority,
	},
	[VRRP_ST_FAULT] = {
		[VRRP_EV_SHUTDOWN] = vrrp_to_init,
		[VRRP_EV_FAULT_CLEAR] = vrrp_fault_clear,
	},
};

static void
vrrp_dispatch(struct vrrp_fsm *f, enum vrrp_ev ev, const struct vrrp_ctx *c)
{
	vrrp_handler *h;

	if ((unsigned)f->state > VRRP_ST_FAULT || ev >= VRRP_EV__MAX)
		return;
	h = vrrp_table[f->state][ev];
	if (h != NULL)
		h(f, c);
}

static void
vrrp_ctx_init(struct vrrp_ctx *c, uint64_t now, struct vrrp_out *out)
{
	memset(c, 0, sizeof(*c));
	c->now = now;
	c->out = out;
}

static uint8_t
vrrp_clamp_priority(uint8_t prio)
{
	if (prio < 1)
		return 1;
	if (prio > 254)
		return 254;
	return prio;
}

static uint8_t
vrrp_effective_priority(const struct vrrp_fsm *f)
{
	if (vrrp_is_owner(f))
		return VRRP_PRIO_OWNER;
	if (f->gate_priority != 0)
		return f->gate_priority;
	return vrrp_clamp_priority(f->p.priority);
}

void
vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_params *p,
    const struct ipaddr *self)
{
	memset(f, 0, sizeof(*f));
	f->p = *p;
	f->state = VRRP_ST_INIT;
	f->self = *self;
	f->priority = vrrp_effective_priority(f);
	f->master_adver_int_cs = p->adver_int_cs;
}

void
vrrp_fsm_reconfigure(struct vrrp_fsm *f, const struct vrrp_params *p,
    uint64_t now, struct vrrp_out *out)
{
	struct vrrp_ctx c;
	uint8_t old = f->priority;

	vrrp_ctx_init(&c, now, out);
	f->p = *p;
	if (!p->preempt)
		f->t_preempt = 0;
	if (f->state != VRRP_ST_BACKUP)
		f->master_adver_int_cs = p->adver_int_cs;
	f->priority = vrrp_effective_priority(f);
	if (f->priority != old)
		vrrp_dispatch(f, VRRP_EV_PRIORITY, &c);
}

void
vrrp_fsm_startup(struct vrrp_fsm *f, uint64_t now, struct vrrp_out *out)
{
	struct vrrp_ctx c;

	vrrp_ctx_init(&c, now, out);
	vrrp_dispatch(f, VRRP_EV_STARTUP, &c);
}

void
vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now, struct vrrp_out *out)
{
	struct vrrp_ctx c;

	vrrp_ctx_init(&c, now, out);
	vrrp_dispatch(f, VRRP_EV_SHUTDOWN, &c);
}

void
vrrp_fsm_advert(struct vrrp_fsm *f, uint64_t now,
    const struct vrrp_pkt *pkt, const struct ipaddr *src,
    struct vrrp_out *out)
{
	struct vrrp_ctx c;

	vrrp_ctx_init(&c, now, out);
	/*
	 * A priority-0 advert makes backups take over after the skew time,
	 * so it is honoured only from the master we follow: a stray one from
	 * elsewhere must not make a healthy group flap.  A backup that has
	 * not heard a master yet follows none, and waits out its
	 * Master_Down_Timer instead.
	 */
	if (pkt->priority == VRRP_PRIO_STOP && f->state == VRRP_ST_BACKUP &&
	    (f->master.family == 0 || !ipaddr_eq(src, &f->master))) {
		out->drop = VRRP_DROP_NOT_MASTER;
		out->drop_msg = "priority 0 from a router that is not the "
		    "master";
		return;
	}
	/*
	 * A v3 interval different from the one we follow is learned only
	 * when two adverts in a row from the same source carry it, so one
	 * corrupt or stray advert cannot shrink the Master_Down_Timer to
	 * nothing.
	 */
	c.adver_int_cs = pkt->adver_int_cs;
	if (pkt->version == 3 &&
	    pkt->adver_int_cs != f->master_adver_int_cs &&
	    !(ipaddr_eq(src, &f->last_src) &&
	    f->last_int_cs == pkt->adver_int_cs))
		c.adver_int_cs = f->master_adver_int_cs;
	f->last_src = *src;
	f->last_int_cs = pkt->adver_int_cs;
	c.pkt = pkt;
	c.src = src;
	vrrp_dispatch(f, VRRP_EV_ADVERT, &c);
}

void
vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now, struct vrrp_out *out)
{
	struct vrrp_ctx c;

	vrrp_ctx_init(&c, now, out);
	/* Each state arms at most one of the two, so order does not matter. */
	if (f->t_adver != 0 && now >= f->t_adver)
		vrrp_dispatch(f, VRRP_EV_ADVER_TIMER, &c);
	if (f->t_master_down != 0 && now >= f->t_master_down)
		vrrp_dispatch(f, VRRP_EV_DOWN_TIMER, &c);
}

uint64_t
vrrp_fsm_next_deadline(const struct vrrp_fsm *f)
{
	if (f->t_adver == 0)
		return f->t_master_down;
	if (f->t_master_down == 0)
		return f->t_adver;
	return f->t_adver < f->t_master_down ? f->t_adver : f->t_master_down;
}

void
vrrp_fsm_set_priority(struct vrrp_fsm *f, uint8_t prio, uint64_t now,
    struct vrrp_out *out)
{
	struct vrrp_ctx c;
	uint8_t old = f->priority;

	vrrp_ctx_init(&c, now, out);
	f->gate_priority = vrrp_clamp_priority(prio);
	f->priority = vrrp_effective_priority(f);
	if (f->priority != old)
		vrrp_dispatch(f, VRRP_EV_PRIORITY, &c);
}

void
vrrp_fsm_set_fault(struct vrrp_fsm *f, unsigned bit, bool on,
    const char *reason, uint64_t now, struct vrrp_out *out)
{
	struct vrrp_ctx c;
	unsigned old = f->fault;

	vrrp_ctx_init(&c, now, out);
	if (on)
		f->fault |= bit;
	else
		f->fault &= ~bit;
	if (old == 0 && f->fault != 0) {
		c.reason = reason != NULL ? reason : "fault";
		vrrp_dispatch(f, VRRP_EV_FAULT, &c);
	} else if (old != 0 && f->fault == 0) {
		c.reason = reason != NULL ? reason : "fault cleared";
		vrrp_dispatch(f, VRRP_EV_FAULT_CLEAR, &c);
	}
}

void
vrrp_fsm_resume(struct vrrp_fsm *f, const char *reason, uint64_t now,
    struct vrrp_out *out)
{
	struct vrrp_ctx c;

	vrrp_ctx_init(&c, now, out);
	c.reason = reason != NULL ? reason : "resume";
	vrrp_dispatch(f, VRRP_EV_RESUME, &c);
}

bool
vrrp_fsm_accepted_master(const struct vrrp_fsm *f, struct ipaddr *m,
    uint8_t *prio)
{
	if (f->state == VRRP_ST_MASTER) {
		*m = f->self;
		*prio = f->priority;
		return true;
	}
	if (f->state != VRRP_ST_BACKUP || f->master.family == 0 ||
	    f->master_priority == 0)
		return false;
	*m = f->master;
	*prio = f->master_priority;
	return true;
}

const char *
vrrp_state_name(enum vrrp_state s)
{
	switch (s) {
	case VRRP_ST_INIT:
		return "INIT";
	case VRRP_ST_BACKUP:
		return "BACKUP";
	case VRRP_ST_MASTER:
		return "MASTER";
	case VRRP_ST_FAULT:
		return "FAULT";
	}
	return "?";
}
