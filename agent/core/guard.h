/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard: operator guards against flapping, as fault bits on the state
 * machine (the FSM treats them like any other fault: a node in FAULT never
 * wins and a master entering FAULT releases the VIP with a priority-0
 * advertisement).
 *
 * - failover_block: each instance follows the master its election
 *   accepted (the state machine's record, or itself while MASTER; never
 *   the source of a raw packet).  A master counts once it has been the
 *   same for a master-down interval (a brief claim that gave up again, or
 *   a flapping forged advert, is not a master).  A failover is a change of
 *   that master to one advertising no higher a priority than the old one
 *   did: the old one was lost or resigned.  A change to a higher priority
 *   is a preemption; the first master after start is the initial
 *   election; a master that resumes after an agent restart is the same
 *   master.  None of those is a failover.  For failover_block after a
 *   failover, an instance that is not the current master carries
 *   VRRP_FAULT_BLOCKED, so no other node takes over if the new master dies
 *   too.  `dbvipctl ack` ends the block on this node.
 * - lock: `dbvipctl lock` or an existing lock_file: the same bit, for as
 *   long as the lock is set (the master keeps the VIP; backups never win).
 * - maintenance: VRRP_FAULT_OPERATOR on every instance, master included, so
 *   a master gives the VIP up through the normal release path.
 *
 * The functions here are pure (time comes in as `now`, monotonic µs) and
 * unit-tested with a fake clock; guard_wire.c (declared in agent.h) wires
 * them to the instances.
 */
#ifndef DBVIP_GUARD_H
#define DBVIP_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "../../net/ipaddr.h"

/* Agent-wide operator state. */
struct guard {
	uint32_t block_ms;		/* failover_block, 0 = off */
	bool lock_cmd;			/* dbvipctl lock */
	bool lock_file_present;		/* lock_file existed at the last look */
	bool maintenance;		/* dbvipctl maintenance on */
};

/* Per instance: the master it follows and the last failover it saw. */
struct guard_inst {
	struct ipaddr master;		/* unset until a master is known */
	uint8_t master_prio;		/* its priority when last seen */
	struct ipaddr cand;		/* the accepted master now, or unset */
	uint8_t cand_prio;
	uint64_t cand_since;		/* µs, when cand became it */
	uint64_t t_failover;		/* µs of the last failover, 0 = none */
	uint64_t block_until;		/* µs; 0 = no block (or acked) */
	uint64_t failovers;		/* master changes seen */
};

/*
 * The election accepts m as master now (our own address while we are
 * MASTER; unset when none is), advertising priority prio.  m becomes the
 * known master once it has been accepted without a break for stable_us.
 * Returns true when that is a failover: another master was known and m
 * does not advertise a higher priority than it did.  Then t_failover =
 * now and, if block_ms > 0, block_until = now + block_ms.
 */
bool guard_master_seen(struct guard_inst *gi, const struct ipaddr *m,
    uint8_t prio, uint64_t stable_us, uint32_t block_ms, uint64_t now);

/* dbvipctl ack: end the block (the known master stays). */
void guard_ack(struct guard_inst *gi);

/* Microseconds the block still runs (0 = none; block_ms 0 = off). */
uint64_t guard_block_left_us(const struct guard *g,
    const struct guard_inst *gi, uint64_t now);

/* The lock is set (command or file). */
bool guard_locked(const struct guard *g);

/*
 * The guard fault bits (VRRP_FAULT_OPERATOR, VRRP_FAULT_BLOCKED) the
 * instance must carry now; is_master: its state machine is MASTER.  *why
 * (may be NULL) gets a static reason for the BLOCKED bit.
 */
unsigned guard_bits(const struct guard *g, const struct guard_inst *gi,
    bool is_master, uint64_t now, const char **why);

#endif
