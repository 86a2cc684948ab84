/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard_wire: the operator guards (guard.h) applied to the instances: the
 * master each one follows, its fault bits (through instance_set_fault),
 * the lock_file tick and the control commands.  Declared in agent.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "clock.h"
#include "guard.h"

#define GUARD_TICK_MS	1000	/* lock_file stat and block expiry */

#define GUARD_FAULT_BITS	(VRRP_FAULT_OPERATOR | VRRP_FAULT_BLOCKED)

/*
 * Record the master the election accepts now (the state machine's record:
 * ourselves while MASTER, the master we follow while BACKUP); log a
 * failover.
 */
static void
guard_note_master(struct instance *in)
{
	struct guard_inst *gi = &in->guard;
	struct ipaddr old = gi->master, m = { 0 };
	uint32_t block_ms = in->a->guard.block_ms;
	char ob[IPADDR_STRLEN], nb[IPADDR_STRLEN];
	uint8_t prio = 0;

	(void)vrrp_fsm_accepted_master(&in->fsm, &m, &prio);
	if (!guard_master_seen(gi, &m, prio, vrrp_fsm_master_down_us(&in->fsm),
	    block_ms, clock_now()))
		return;
	ipaddr_ntop(&old, ob, sizeof(ob));
	ipaddr_ntop(&m, nb, sizeof(nb));
	if (block_ms > 0)
		log_warnx("%s failover: master %s -> %s; no other takeover "
		    "for %u.%03u s unless `dbvipctl ack`", in->tag, ob, nb,
		    block_ms / 1000, block_ms % 1000);
	else
		log_info("%s failover: master %s -> %s", in->tag, ob, nb);
}

void
guard_update(struct instance *in)
{
	struct agent *a = in->a;
	bool is_master = in->fsm.state == VRRP_ST_MASTER;
	unsigned want, have, set, clr;
	const char *why;

	if (a->stopping || in->fsm.state == VRRP_ST_INIT)
		return;
	guard_note_master(in);
	want = guard_bits(&a->guard, &in->guard, is_master, clock_now(), &why);
	have = in->fsm.fault & GUARD_FAULT_BITS;
	set = want & ~have;
	clr = have & ~want;
	/* Set before clearing, so a change of reason never passes BACKUP. */
	if (set & VRRP_FAULT_OPERATOR)
		instance_set_fault(in, VRRP_FAULT_OPERATOR, true,
		    "maintenance on");
	if (set & VRRP_FAULT_BLOCKED) {
		log_info("%s %s: this node will not take over", in->tag, why);
		instance_set_fault(in, VRRP_FAULT_BLOCKED, true, why);
	}
	if (clr & VRRP_FAULT_BLOCKED) {
		log_info("%s failover guard lifted", in->tag);
		instance_set_fault(in, VRRP_FAULT_BLOCKED, false,
		    "failover guard lifted");
	}
	if (clr & VRRP_FAULT_OPERATOR)
		instance_set_fault(in, VRRP_FAULT_OPERATOR, false,
		    "maintenance off");
}

static void
guard_deferred(void *arg)
{
	guard_update(arg);
}

void
guard_kick(struct instance *in)
{
	if (in->a->stopping)
		return;
	loop_timer_set(in->a->loop, &in->t_guard, clock_now(), guard_deferred,
	    in, "guard");
}

void
guard_instance_stop(struct instance *in)
{
	loop_timer_cancel(in->a->loop, &in->t_guard);
}

/*
 * stat() only: the lock is the file's existence.  A path that cannot be
 * looked at (permissions) counts as locked: the safe side of a lock.
 */
static void
guard_read_lock_file(struct agent *a)
{
	const char *path = a->conf.lock_file;
	struct stat st;
	bool present;
	unsigned supp;

	if (path[0] == '\0')
		present = false;
	else if (stat(path, &st) == 0)
		present = true;
	else if (errno == ENOENT || errno == ENOTDIR)
		present = false;
	else {
		present = true;
		if (log_rl_allow(&a->rl_guard, clock_now(), &supp))
			log_warn("lock_file %s: cannot look at it; treated as "
			    "set", path);
	}
	if (present != a->guard.lock_file_present)
		log_info("lock_file %s %s: automatic takeover %s", path,
		    present ? "appeared" : "is gone",
		    present ? "forbidden" : "allowed again");
	a->guard.lock_file_present = present;
}

static void
guard_all(struct agent *a)
{
	struct instance *in;

	for (in = a->inst; in != NULL; in = in->next)
		guard_update(in);
}

static void
guard_tick(void *arg)
{
	struct agent *a = arg;

	loop_timer_set(a->loop, &a->t_guard_tick,
	    clock_now() + GUARD_TICK_MS * USEC_PER_MSEC, guard_tick, a,
	    "guard tick");
	guard_read_lock_file(a);
	guard_all(a);
}

void
guard_apply(struct agent *a)
{
	a->guard.block_ms = a->conf.failover_block_ms;
	guard_read_lock_file(a);
	guard_all(a);
}

void
guard_start(struct agent *a)
{
	a->guard.block_ms = a->conf.failover_block_ms;
	guard_read_lock_file(a);
	loop_timer_set(a->loop, &a->t_guard_tick,
	    clock_now() + GUARD_TICK_MS * USEC_PER_MSEC, guard_tick, a,
	    "guard tick");
}

void
guard_stop(struct agent *a)
{
	loop_timer_cancel(a->loop, &a->t_guard_tick);
}

/* --- control commands ----------------------------------------------------- */

static char *
guard_reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
guard_reply(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	return s;
}

char *
guard_ctl_ack(struct agent *a)
{
	struct instance *in;
	uint64_t now = clock_now();
	int n = 0;

	for (in = a->inst; in != NULL; in = in->next) {
		if (guard_block_left_us(&a->guard, &in->guard, now) > 0)
			n++;
		guard_ack(&in->guard);
	}
	log_info("dbvipctl ack: failover block ended on %d instance(s)", n);
	guard_all(a);
	if (n == 0)
		return guard_reply("ok: no failover block was active\n");
	return guard_reply("ok: failover block ended on %d instance(s)%s\n", n,
	    guard_locked(&a->guard) ? "; the failover lock is still set" :
	    "");
}

char *
guard_ctl_lock(struct agent *a, bool on)
{
	a->guard.lock_cmd = on;
	log_info("dbvipctl %s: failover lock %s", on ? "lock" : "unlock",
	    on ? "set" : "cleared");
	guard_all(a);
	if (on)
		return guard_reply("ok: failover lock set: this node will not "
		    "take over automatically\n");
	if (a->guard.lock_file_present)
		return guard_reply("ok: failover lock cleared, but lock_file "
		    "%s exists: still locked\n", a->conf.lock_file);
	return guard_reply("ok: failover lock cleared\n");
}

char *
guard_ctl_maintenance(struct agent *a, bool on)
{
	bool was = a->guard.maintenance;

	a->guard.maintenance = on;
	if (was != on)
		log_info("dbvipctl maintenance %s", on ? "on" : "off");
	guard_all(a);
	if (on)
		return guard_reply("ok: maintenance on: this node gives up and "
		    "never takes the VIP\n");
	return guard_reply("ok: maintenance off\n");
}
