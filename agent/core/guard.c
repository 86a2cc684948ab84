/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard: failover block, failover lock and maintenance, the pure part.
 * See guard.h; guard_wire.c applies it to the instances.
 */
#include <string.h>

#include "guard.h"
#include "vrrp.h"

bool
guard_master_seen(struct guard_inst *gi, const struct ipaddr *m,
    uint8_t prio, uint64_t stable_us, uint32_t block_ms, uint64_t now)
{
	bool known = gi->master.family != 0, failover;

	if (m->family == 0) {
		memset(&gi->cand, 0, sizeof(gi->cand));
		return false;
	}
	if (!ipaddr_eq(&gi->cand, m)) {
		gi->cand = *m;
		gi->cand_since = now;
	}
	gi->cand_prio = prio;
	if (known && ipaddr_eq(&gi->master, m)) {
		gi->master_prio = prio;
		return false;
	}
	if (now - gi->cand_since < stable_us)
		return false;
	failover = known && prio <= gi->master_prio;
	gi->master = *m;
	gi->master_prio = prio;
	if (!failover)
		return false;	/* the initial election, or a preemption */
	gi->failovers++;
	gi->t_failover = now;
	gi->block_until = block_ms > 0 ? now + (uint64_t)block_ms * 1000 : 0;
	return true;
}

void
guard_ack(struct guard_inst *gi)
{
	gi->block_until = 0;
}

uint64_t
guard_block_left_us(const struct guard *g, const struct guard_inst *gi,
    uint64_t now)
{
	if (g->block_ms == 0 || gi->block_until <= now)
		return 0;
	return gi->block_until - now;
}

bool
guard_locked(const struct guard *g)
{
	return g->lock_cmd || g->lock_file_present;
}

unsigned
guard_bits(const struct guard *g, const struct guard_inst *gi,
    bool is_master, uint64_t now, const char **why)
{
	unsigned bits = 0;

	if (why != NULL)
		*why = NULL;
	if (g->maintenance)
		bits |= VRRP_FAULT_OPERATOR;
	/* The current master is never pushed out by a block or a lock. */
	if (is_master)
		return bits;
	if (guard_locked(g)) {
		bits |= VRRP_FAULT_BLOCKED;
		if (why != NULL)
			*why = "failover lock set";
	} else if (guard_block_left_us(g, gi, now) > 0) {
		bits |= VRRP_FAULT_BLOCKED;
		if (why != NULL)
			*why = "failover blocked (failover_block; "
			    "dbvipctl ack ends it)";
	}
	return bits;
}
