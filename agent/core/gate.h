/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gate: turns health-check results into the instance's effective priority,
 * or FAULT, with keepalived's vrrp_script semantics so migrating users are
 * not surprised:
 *   weight > 0   added to the priority while the check succeeds;
 *   weight < 0   subtracted (its absolute value) while the check fails;
 *   weight = 0   the instance is in FAULT while the check fails.
 * A check's state moves to OK after `rise` consecutive successes and to
 * FAILING after `fall` consecutive failures (hysteresis).  Until its first
 * result a check is UNKNOWN, which counts as failing: a node whose
 * database health is not yet known can neither win nor hold the VIP.  The
 * first result decides at once (OK or FAILING), so an agent does not sit
 * in FAULT for `rise` intervals after it starts; rise and fall govern every
 * change after that.
 * The effective priority is clamped to 1..254; 255 (the address owner)
 * stays 255, but a weight-0 failure still puts it in FAULT.
 * Pure: no I/O, no clock.
 */
#ifndef DBVIP_GATE_H
#define DBVIP_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gate_state {
	GATE_UNKNOWN = 0,
	GATE_OK,
	GATE_FAILING,
};

struct gate_track {
	const char *name;		/* the check's name, for explanations */
	int weight;			/* -254..254 */
	unsigned rise, fall;		/* >= 1 */
	enum gate_state state;
	unsigned n_ok, n_fail;		/* consecutive results */
};

struct gate_out {
	uint8_t priority;		/* effective priority */
	bool fault;			/* a weight-0 check is not OK */
	char why[512];			/* "100 +10 repl -50 ping(failing) = 60" */
};

/* Initialise a track in UNKNOWN. */
void gate_track_init(struct gate_track *t, const char *name, int weight,
    unsigned rise, unsigned fall);

/* Feed one result.  Returns true if the track's state changed. */
bool gate_track_result(struct gate_track *t, bool ok);

/* Compute the effective priority of base given n tracks. */
void gate_compute(uint8_t base, const struct gate_track *t, int n,
    struct gate_out *out);

const char *gate_state_name(enum gate_state s);

#endif
