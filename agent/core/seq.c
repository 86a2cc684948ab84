/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seq: the one sequencer of VIPs and database role.  See seq.h for the
 * contract and the orders it keeps.
 *
 * Shape (as agent/core/vrrp.c): every input becomes an event, and a table maps
 * {state, event} to a handler; a NULL entry means "this event means
 * nothing in this state".  Handlers emit the side-effect actions and end
 * with seq_set_state() when the state changes, the single place that
 * changes it and records the STATE action.
 *
 * Besides the state, two facts are kept because they outlive it: what the
 * VRRP state machine last asked for (want_up: a WANT_UP or WANT_DOWN that
 * arrives while a role step runs takes effect when the step ends) and
 * whether a priority 0 is owed (it may only go out once the VIP is down).
 */
#include <stddef.h>
#include <string.h>

#include "seq.h"

enum seq_ev {
	SEQ_EV_WANT_UP = 0,
	SEQ_EV_WANT_DOWN,
	SEQ_EV_RELEASE,
	SEQ_EV_DROP,
	SEQ_EV_ROLE_DONE,
	SEQ_EV_RELOAD,
	SEQ_EV_ADDR_REMOVED,
	SEQ_EV_LEFTOVER,
	SEQ_EV_SHUTDOWN,
	SEQ_EV__MAX
};

/* What an event carries; unused fields are false. */
struct seq_ctx {
	struct seq_out *out;
	bool promoted;		/* WANT_UP */
	bool ok;		/* ROLE_DONE */
	bool vips_changed;	/* RELOAD */
};

typedef void seq_handler(struct seq *, const struct seq_ctx *);

static void
seq_emit(const struct seq_ctx *c, enum seq_act_type type)
{
	struct seq_out *out = c->out;

	/* A full buffer is a caller bug; never write past the array. */
	if (out->n < 0 || out->n >= SEQ_OUT_MAX)
		return;
	memset(&out->act[out->n], 0, sizeof(out->act[out->n]));
	out->act[out->n++].type = type;
}

static void
seq_bug(const struct seq_ctx *c, const char *why)
{
	c->out->bug = why;
}

/* The one place that changes state; records the STATE action. */
static void
seq_set_state(struct seq *s, const struct seq_ctx *c, enum seq_state to,
    const char *reason)
{
	struct seq_out *out = c->out;

	if (out->n >= 0 && out->n < SEQ_OUT_MAX) {
		memset(&out->act[out->n], 0, sizeof(out->act[out->n]));
		out->act[out->n].type = SEQ_ACT_STATE;
		out->act[out->n].from = s->state;
		out->act[out->n].to = to;
		out->act[out->n].reason = reason;
		out->n++;
	}
	s->state = to;
	s->transitions++;
}

/* VIP up and announced: the last two steps of a takeover. */
static void
seq_vip_add(struct seq *s, const struct seq_ctx *c, const char *reason)
{
	seq_emit(c, SEQ_ACT_VIP_ADD);
	seq_emit(c, SEQ_ACT_ANNOUNCE);
	seq_set_state(s, c, SEQ_ST_UP, reason);
}

/* VIP down, then the priority 0 if one is owed. */
static void
seq_vip_del(struct seq *s, const struct seq_ctx *c)
{
	seq_emit(c, SEQ_ACT_STOP_ANNOUNCE);
	seq_emit(c, SEQ_ACT_VIP_DEL);
	if (s->owe_release) {
		s->owe_release = false;
		seq_emit(c, SEQ_ACT_SEND_ADVERT_0);
	}
}

/* Remember the last word of the state machine; a WANT_UP makes an owed
 * priority 0 stale (we are master again). */
static void
seq_note_want(struct seq *s, bool up)
{
	s->want_up = up;
	if (up)
		s->owe_release = false;
}

/* --- DOWN --- */

static void
seq_down_want_up(struct seq *s, const struct seq_ctx *c)
{
	seq_note_want(s, true);
	if (s->has_role && !c->promoted) {
		seq_emit(c, SEQ_ACT_PROMOTE);
		seq_set_state(s, c, SEQ_ST_PROMOTING, "master: promoting the "
		    "database before the VIP");
		return;
	}
	seq_vip_add(s, c, s->has_role ? "master, database already promoted: "
	    "VIP up" : "master: VIP up");
}

/*
 * Giving up with nothing held may still need a fence: a failed promotion
 * may have set the database writable, and VIPs a previous run left come
 * with a database that may be writable.
 */
static void
seq_down_want_down(struct seq *s, const struct seq_ctx *c)
{
	seq_note_want(s, false);
	if (s->has_role) {
		seq_emit(c, SEQ_ACT_DEMOTE);
		seq_set_state(s, c, SEQ_ST_FENCING, "giving up: fencing the "
		    "database");
		return;
	}
	seq_vip_del(s, c);
}

static void
seq_down_release(struct seq *s, const struct seq_ctx *c)
{
	(void)s;
	seq_emit(c, SEQ_ACT_SEND_ADVERT_0);
}

static void
seq_down_leftover(struct seq *s, const struct seq_ctx *c)
{
	if (!s->has_role)
		seq_vip_del(s, c);
}

static void
seq_no_step(struct seq *s, const struct seq_ctx *c)
{
	(void)s;
	seq_bug(c, "role step ended with no step running");
}

static void
seq_down_reload(struct seq *s, const struct seq_ctx *c)
{
	/* A master whose promotion failed, now without a role: plain VRRP. */
	if (s->want_up && !s->has_role)
		seq_vip_add(s, c, "database role removed: VIP up");
}

static void
seq_down_shutdown(struct seq *s, const struct seq_ctx *c)
{
	/* Master with a failed promotion: fence what it may have done. */
	if (s->want_up) {
		if (s->has_role)
			seq_emit(c, SEQ_ACT_DEMOTE_SYNC);
		seq_emit(c, SEQ_ACT_STOP_ANNOUNCE);
		seq_emit(c, SEQ_ACT_VIP_DEL);
	}
	s->want_up = false;
	seq_set_state(s, c, SEQ_ST_STOPPED, "shutdown");
}

/* --- PROMOTING --- */

static void
seq_promoting_want_down(struct seq *s, const struct seq_ctx *c)
{
	seq_note_want(s, false);
	seq_emit(c, SEQ_ACT_CANCEL_PROMOTE);
	seq_set_state(s, c, SEQ_ST_CANCELLING, "gave up while promoting: "
	    "cancelling, then fencing");
}

static void
seq_owe_release(struct seq *s, const struct seq_ctx *c)
{
	(void)c;
	s->owe_release = true;
}

static void
seq_promoting_done(struct seq *s, const struct seq_ctx *c)
{
	if (c->ok)
		seq_vip_add(s, c, "database promoted: VIP up");
	else
		seq_set_state(s, c, SEQ_ST_DOWN, "promotion failed: VIP "
		    "stays down");
}

/* Everything that is up or being brought up goes down, synchronously. */
static void
seq_busy_shutdown(struct seq *s, const struct seq_ctx *c)
{
	if (s->has_role)
		seq_emit(c, SEQ_ACT_DEMOTE_SYNC);
	seq_vip_del(s, c);
	s->want_up = false;
	seq_set_state(s, c, SEQ_ST_STOPPED, "shutdown");
}

/* --- UP --- */

static void
seq_up_want_down(struct seq *s, const struct seq_ctx *c)
{
	seq_note_want(s, false);
	if (s->has_role) {
		seq_emit(c, SEQ_ACT_DEMOTE);
		seq_set_state(s, c, SEQ_ST_FENCING, "giving up: fencing the "
		    "database before the VIP goes");
		return;
	}
	seq_vip_del(s, c);
	seq_set_state(s, c, SEQ_ST_DOWN, "gave up: VIP down");
}

static void
seq_up_release(struct seq *s, const struct seq_ctx *c)
{
	(void)s;
	seq_bug(c, "priority 0 while the VIP is up: not sent");
}

static void
seq_up_reload(struct seq *s, const struct seq_ctx *c)
{
	(void)s;
	if (!c->vips_changed)
		return;
	seq_emit(c, SEQ_ACT_STOP_ANNOUNCE);
	seq_emit(c, SEQ_ACT_VIP_DEL);
	seq_emit(c, SEQ_ACT_VIP_ADD);
	seq_emit(c, SEQ_ACT_ANNOUNCE);
}

static void
seq_up_addr_removed(struct seq *s, const struct seq_ctx *c)
{
	(void)s;
	seq_emit(c, SEQ_ACT_VIP_ADD);
	seq_emit(c, SEQ_ACT_ANNOUNCE);
}

/* --- CANCELLING and FENCING: a step runs; the last word waits --- */

static void
seq_note_up(struct seq *s, const struct seq_ctx *c)
{
	(void)c;
	seq_note_want(s, true);
}

static void
seq_note_down(struct seq *s, const struct seq_ctx *c)
{
	(void)c;
	seq_note_want(s, false);
}

/* The cancelled promotion ended, done or not: fence what it did. */
static void
seq_cancelling_done(struct seq *s, const struct seq_ctx *c)
{
	seq_emit(c, SEQ_ACT_DEMOTE);
	seq_set_state(s, c, SEQ_ST_FENCING, "cancelled promotion ended: "
	    "fencing the database");
}

/* Fenced (or the fence failed: a server that does not answer takes no
 * writes): the VIP goes; if we became master again meanwhile, promote. */
static void
seq_fencing_done(struct seq *s, const struct seq_ctx *c)
{
	seq_vip_del(s, c);
	if (s->want_up) {
		seq_emit(c, SEQ_ACT_PROMOTE);
		seq_set_state(s, c, SEQ_ST_PROMOTING, "fenced, master again: "
		    "promoting the database before the VIP");
		return;
	}
	seq_set_state(s, c, SEQ_ST_DOWN, "database fenced: VIP down");
}

/* --- STOPPED --- */

static void
seq_stopped_release(struct seq *s, const struct seq_ctx *c)
{
	(void)s;
	seq_emit(c, SEQ_ACT_SEND_ADVERT_0);
}

static seq_handler *const seq_table[SEQ_ST__MAX][SEQ_EV__MAX] = {
	[SEQ_ST_DOWN] = {
		[SEQ_EV_WANT_UP] = seq_down_want_up,
		[SEQ_EV_WANT_DOWN] = seq_down_want_down,
		[SEQ_EV_RELEASE] = seq_down_release,
		[SEQ_EV_DROP] = seq_down_want_down,
		[SEQ_EV_ROLE_DONE] = seq_no_step,
		[SEQ_EV_RELOAD] = seq_down_reload,
		[SEQ_EV_LEFTOVER] = seq_down_leftover,
		[SEQ_EV_SHUTDOWN] = seq_down_shutdown,
	},
	[SEQ_ST_PROMOTING] = {
		[SEQ_EV_WANT_DOWN] = seq_promoting_want_down,
		[SEQ_EV_RELEASE] = seq_owe_release,
		[SEQ_EV_DROP] = seq_promoting_want_down,
		[SEQ_EV_ROLE_DONE] = seq_promoting_done,
		[SEQ_EV_SHUTDOWN] = seq_busy_shutdown,
	},
	[SEQ_ST_UP] = {
		[SEQ_EV_WANT_DOWN] = seq_up_want_down,
		[SEQ_EV_RELEASE] = seq_up_release,
		[SEQ_EV_DROP] = seq_up_want_down,
		[SEQ_EV_ROLE_DONE] = seq_no_step,
		[SEQ_EV_RELOAD] = seq_up_reload,
		[SEQ_EV_ADDR_REMOVED] = seq_up_addr_removed,
		[SEQ_EV_SHUTDOWN] = seq_busy_shutdown,
	},
	[SEQ_ST_CANCELLING] = {
		[SEQ_EV_WANT_UP] = seq_note_up,
		[SEQ_EV_WANT_DOWN] = seq_note_down,
		[SEQ_EV_RELEASE] = seq_owe_release,
		[SEQ_EV_DROP] = seq_note_down,
		[SEQ_EV_ROLE_DONE] = seq_cancelling_done,
		[SEQ_EV_SHUTDOWN] = seq_busy_shutdown,
	},
	[SEQ_ST_FENCING] = {
		[SEQ_EV_WANT_UP] = seq_note_up,
		[SEQ_EV_WANT_DOWN] = seq_note_down,
		[SEQ_EV_RELEASE] = seq_owe_release,
		[SEQ_EV_DROP] = seq_note_down,
		[SEQ_EV_ROLE_DONE] = seq_fencing_done,
		[SEQ_EV_SHUTDOWN] = seq_busy_shutdown,
	},
	[SEQ_ST_STOPPED] = {
		[SEQ_EV_RELEASE] = seq_stopped_release,
	},
};

static void
seq_dispatch(struct seq *s, enum seq_ev ev, const struct seq_ctx *c)
{
	seq_handler *h;

	if ((unsigned)s->state >= SEQ_ST__MAX || (unsigned)ev >= SEQ_EV__MAX)
		return;
	h = seq_table[s->state][ev];
	if (h != NULL)
		h(s, c);
}

static void
seq_run(struct seq *s, enum seq_ev ev, struct seq_ctx *c,
    struct seq_out *out)
{
	c->out = out;
	seq_dispatch(s, ev, c);
}

void
seq_init(struct seq *s, bool has_role)
{
	memset(s, 0, sizeof(*s));
	s->state = SEQ_ST_DOWN;
	s->has_role = has_role;
}

void
seq_want_up(struct seq *s, bool promoted, struct seq_out *out)
{
	struct seq_ctx c = { .promoted = promoted };

	seq_run(s, SEQ_EV_WANT_UP, &c, out);
}

void
seq_want_down(struct seq *s, struct seq_out *out)
{
	struct seq_ctx c = { 0 };

	seq_run(s, SEQ_EV_WANT_DOWN, &c, out);
}

void
seq_release(struct seq *s, struct seq_out *out)
{
	struct seq_ctx c = { 0 };

	seq_run(s, SEQ_EV_RELEASE, &c, out);
}

void
seq_drop(struct seq *s, struct seq_out *out)
{
	struct seq_ctx c = { 0 };

	seq_run(s, SEQ_EV_DROP, &c, out);
}

void
seq_role_done(struct seq *s, bool ok, struct seq_out *out)
{
	struct seq_ctx c = { .ok = ok };

	seq_run(s, SEQ_EV_ROLE_DONE, &c, out);
}

void
seq_reload(struct seq *s, bool vips_changed, bool has_role,
    struct seq_out *out)
{
	struct seq_ctx c = { .vips_changed = vips_changed };

	/* A role cannot go while its step runs (seq.h); keep it then. */
	if (has_role || !seq_busy(s))
		s->has_role = has_role;
	seq_run(s, SEQ_EV_RELOAD, &c, out);
}

void
seq_addr_removed(struct seq *s, struct seq_out *out)
{
	struct seq_ctx c = { 0 };

	seq_run(s, SEQ_EV_ADDR_REMOVED, &c, out);
}

void
seq_leftover(struct seq *s, struct seq_out *out)
{
	struct seq_ctx c = { 0 };

	seq_run(s, SEQ_EV_LEFTOVER, &c, out);
}

void
seq_shutdown(struct seq *s, struct seq_out *out)
{
	struct seq_ctx c = { 0 };

	seq_run(s, SEQ_EV_SHUTDOWN, &c, out);
}

bool
seq_busy(const struct seq *s)
{
	return s->state == SEQ_ST_PROMOTING || s->state == SEQ_ST_CANCELLING ||
	    s->state == SEQ_ST_FENCING;
}

const char *
seq_state_name(enum seq_state s)
{
	switch (s) {
	case SEQ_ST_DOWN:
		return "DOWN";
	case SEQ_ST_PROMOTING:
		return "PROMOTING";
	case SEQ_ST_UP:
		return "UP";
	case SEQ_ST_CANCELLING:
		return "CANCELLING";
	case SEQ_ST_FENCING:
		return "FENCING";
	case SEQ_ST_STOPPED:
		return "STOPPED";
	case SEQ_ST__MAX:
		break;
	}
	return "?";
}
