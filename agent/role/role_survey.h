/* SPDX-License-Identifier: Apache-2.0 */
/*
 * role_survey: what the group's databases say, and whether this host may
 * stand for election.  A pure function: the role (role.c) asks the local
 * server and every configured peer's server the same questions (a replica?
 * writable?  how far?) and feeds the answers here.
 *
 * The group's existing state wins: a cold start, a restart of every agent
 * or of the primary's agent is not a failover.
 *   PRIMARY        our database is writable and not a replica: it is the
 *                  primary and stays so (not fenced); we stand, and our
 *                  takeover promotes nothing.
 *   WAIT_PRIMARY   another host's database is writable and not a replica:
 *                  it is the primary; we do not stand (no promotion, no
 *                  re-point away from it) until its agent advertises or
 *                  its database stops being a writable primary.
 *   WAIT_AHEAD     no writable primary, and another database is ahead of
 *                  ours (GTID): it must become the primary (a power cut
 *                  of the whole group); we wait for it the same way.  Or
 *                  (soft) we are a replica and a non-replica, the former
 *                  primary, is as far as we are: it goes first, a
 *                  preference the role gives up after a while (nothing is
 *                  lost if we stand instead).
 *   STAND          none of the above: we stand like any VRRP router.
 * A peer that did not answer tells nothing and is left out.
 */
#ifndef DBVIP_ROLE_SURVEY_H
#define DBVIP_ROLE_SURVEY_H

#include <stdbool.h>

#include "gtid.h"

/* One server's answers: the local one, or a peer's. */
struct survey_node {
	char host[64];			/* the peer's database address */
	unsigned port;
	bool answered;
	bool replica;			/* SHOW SLAVE STATUS has a row */
	bool writable;			/* @@read_only = 0 */
	struct gtid_list pos;		/* how far: Gtid_IO_Pos merged with
					   @@gtid_binlog_pos */
};

enum survey_verdict {
	SURVEY_STAND = 0,
	SURVEY_PRIMARY,
	SURVEY_WAIT_PRIMARY,
	SURVEY_WAIT_AHEAD,
};

struct survey_out {
	enum survey_verdict verdict;
	int peer;			/* WAIT_*: index into peers, else -1 */
	bool soft;			/* WAIT_AHEAD on a tie: a preference */
	char why[400];			/* one sentence for status and logs */
};

/*
 * Decide for self given the answers of n peers.  self->answered must be
 * true (without an answer from the local server the role decides nothing).
 * Never fails; out->why is always set.
 */
void role_survey_decide(const struct survey_node *self,
    const struct survey_node *peers, int n, struct survey_out *out);

const char *role_survey_name(enum survey_verdict v);

#endif
