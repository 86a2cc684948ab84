/* SPDX-License-Identifier: Apache-2.0 */
/*
 * role: promote, fence, re-point and rejoin the local MariaDB in the
 * agent's loop.  See role.h for what happens and in which order.  This
 * part: life cycle, the FAULT hold, start-up (fence or resume), the
 * periodic check (re-assert, re-point, rejoin or refuse); role_steps.c
 * promotes and demotes, role_conn.c drives the connections.
 *
 * One job runs at a time (probe, promote, demote or the periodic check),
 * as a chain of steps; each step is one SQL statement on the role's own
 * connection, or a fan-out to the peers' databases.  Every statement is
 * bounded twice: by libmariadb's read/write timeouts and by our own limit
 * (mdb_abort), so a hung server never stalls a job.  Results reach the
 * instance (ops.done, the FAULT hold: role.h's struct role_ops) from
 * timers, never from inside a call the instance made, so the sequencer
 * (agent/core/seq.h) is never re-entered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "role_int.h"
#include "role_survey.h"

void
role_event(struct role *r, const char *event, const char *detail)
{
	r->ops.event(r->ops.arg, event, detail);
}

static void role_check_timer(void *arg);
static void probe_run(struct role *r);
static void check_run(struct role *r);

/* --- holding the instance in FAULT --------------------------------------- */

static void
role_hold_timer(void *arg)
{
	struct role *r = arg;
	bool on = true;

	if (r->hold_refused)
		snprintf(r->hold_why, sizeof(r->hold_why), "rejoin refused: "
		    "errant GTIDs %s; rebuild this node", r->info.errant);
	else if (r->hold_backoff)
		snprintf(r->hold_why, sizeof(r->hold_why), "promotion "
		    "failed: backing off for %u ms", r->c.promote_backoff_ms);
	else if (r->hold_probe)
		snprintf(r->hold_why, sizeof(r->hold_why), "probing the "
		    "databases at start-up");
	else if (r->hold_wait)
		snprintf(r->hold_why, sizeof(r->hold_why), "%s", r->wait_why);
	else if (r->hold_former)
		snprintf(r->hold_why, sizeof(r->hold_why), "not a replica "
		    "(former primary?): must rejoin and catch up first");
	else
		on = false;
	snprintf(r->info.hold, sizeof(r->info.hold), "%s",
	    on ? r->hold_why : "");
	if (on == r->held)
		return;
	r->held = on;
	r->ops.hold(r->ops.arg, on, on ? r->hold_why : "database role ok");
}

/* Apply the hold flags from the loop, outside any job's call chain. */
void
role_hold_later(struct role *r)
{
	loop_timer_set(role_loop(r), &r->t_hold, clock_now(),
	    role_hold_timer, r, "role hold");
}

static void
role_backoff_timer(void *arg)
{
	struct role *r = arg;

	r->hold_backoff = false;
	log_info("%s role: back-off over", role_tag(r));
	role_hold_later(r);
}

/* Out of the election for promote_backoff: FAULT sends priority 0. */
void
role_backoff(struct role *r)
{
	r->hold_backoff = true;
	loop_timer_set(role_loop(r), &r->t_backoff, clock_now() +
	    (uint64_t)r->c.promote_backoff_ms * 1000, role_backoff_timer, r,
	    "role backoff");
	role_hold_later(r);
}

/* --- reporting a queued step back to the instance ------------------------- */

static void
role_done_timer(void *arg)
{
	struct role *r = arg;

	r->ops.done(r->ops.arg, r->done_ok);
	if (r->done_wait) {
		r->done_wait = false;
		r->hold_wait = true;
		role_hold_later(r);
	} else if (r->done_backoff) {
		r->done_backoff = false;
		role_backoff(r);
	}
}

void
role_report(struct role *r, bool ok, bool backoff)
{
	r->job = JOB_NONE;
	r->done_ok = ok;
	r->done_backoff = backoff;
	loop_timer_set(role_loop(r), &r->t_done, clock_now(), role_done_timer,
	    r, "role done");
}

/* --- SHOW SLAVE STATUS ------------------------------------------------------ */

void
role_read_slave_status(struct role *r, const struct mdb *m)
{
	const char *v;

	r->replica = mdb_nrows(m) > 0;
	r->m_host[0] = r->io_run[0] = r->sql_run[0] = '\0';
	r->m_port = 0;
	r->sbm = -1;
	r->io_pos.n = 0;
	if (!r->replica)
		return;
	if ((v = mdb_get(m, 0, "Master_Host")) != NULL)
		snprintf(r->m_host, sizeof(r->m_host), "%s", v);
	if ((v = mdb_get(m, 0, "Master_Port")) != NULL)
		r->m_port = (unsigned)strtoul(v, NULL, 10);
	if ((v = mdb_get(m, 0, "Slave_IO_Running")) != NULL)
		snprintf(r->io_run, sizeof(r->io_run), "%s", v);
	if ((v = mdb_get(m, 0, "Slave_SQL_Running")) != NULL)
		snprintf(r->sql_run, sizeof(r->sql_run), "%s", v);
	if ((v = mdb_get(m, 0, "Seconds_Behind_Master")) != NULL)
		r->sbm = strtol(v, NULL, 10);
	if (gtid_parse(mdb_get(m, 0, "Gtid_IO_Pos"), &r->io_pos) == -1) {
		log_warnx("%s role: cannot parse Gtid_IO_Pos '%s'",
		    role_tag(r), mdb_get(m, 0, "Gtid_IO_Pos"));
		r->io_pos.n = 0;
	}
	snprintf(r->info.master_host, sizeof(r->info.master_host), "%s:%u",
	    r->m_host, r->m_port);
}

/* --- the group's masters and agents ----------------------------------------- */

/* Three advert intervals and a second: longer than any master-down. */
static uint64_t
role_silence_us(const struct role *r)
{
	return 3 * r->ops.advert_us(r->ops.arg) + USEC_PER_SEC;
}

/*
 * The group's master (ops.master), if it is a configured peer: 0 with
 * its database address in r->t_host / r->t_port, or -1.  A master that is
 * not a configured peer is reported (rate-limited) and not followed.
 */
static int
role_master_db(struct role *r)
{
	struct ipaddr m;
	char ab[IPADDR_STRLEN];
	unsigned supp;

	if (r->ops.master(r->ops.arg, role_silence_us(r), &m) == -1)
		return -1;
	if (role_map_peer(r, &m, r->t_host, sizeof(r->t_host),
	    &r->t_port) == 0)
		return 0;
	if (log_rl_allow(&r->rl, clock_now(), &supp))
		log_warnx("%s role: the master %s is not a configured peer "
		    "(unicast_peer, peer or db_peer): its database is not "
		    "followed", role_tag(r), ipaddr_ntop(&m, ab, sizeof(ab)));
	return -1;
}

bool
role_agent_silent(const struct role *r, const char *host, unsigned port)
{
	struct ipaddr v;
	uint64_t at;
	uint8_t prio;

	if (role_peer_vrrp(r, host, port, &v) == -1 ||
	    r->ops.heard_from(r->ops.arg, &v, &at, &prio) == -1)
		return true;
	return clock_now() - at > role_silence_us(r);
}

/* Has the agent of host:port advertised as master since `since`? */
static bool
role_agent_mastering(const struct role *r, const char *host, unsigned port,
    uint64_t since)
{
	struct ipaddr v;
	uint64_t at;
	uint8_t prio;

	return role_peer_vrrp(r, host, port, &v) == 0 &&
	    r->ops.heard_from(r->ops.arg, &v, &at, &prio) == 0 && prio > 0 &&
	    at >= since;
}

/* Has any configured peer advertised as master since `since`? */
static bool
role_any_master_since(const struct role *r, uint64_t since, char *host,
    size_t len)
{
	const struct ipaddr *up;
	unsigned port;
	int i, n;

	for (i = 0; i < r->c.npeers; i++)
		if (role_agent_mastering(r, r->c.peers[i].host,
		    r->c.peers[i].port, since)) {
			snprintf(host, len, "%s", r->c.peers[i].host);
			return true;
		}
	n = r->ops.peers(r->ops.arg, &up);
	for (i = 0; i < n; i++)
		if (role_map_peer(r, &up[i], host, len, &port) == 0 &&
		    role_agent_mastering(r, host, port, since))
			return true;
	return false;
}

void
role_wait_for(struct role *r, const char *host, unsigned port,
    const char *why)
{
	snprintf(r->wait_host, sizeof(r->wait_host), "%s", host);
	r->wait_port = port;
	if (r->job == JOB_PROMOTE) {
		/* Held once the sequencer has heard of the failure. */
		snprintf(r->wait_why, sizeof(r->wait_why), "promotion refused: "
		    "%s: waiting for that host's agent, or for its database "
		    "to stop being a writable primary", why);
		r->done_wait = true;
		return;
	}
	snprintf(r->wait_why, sizeof(r->wait_why), "%s", why);
	if (!r->hold_wait)
		log_warnx("%s role: %s", role_tag(r), r->wait_why);
	r->hold_wait = true;
	role_hold_later(r);
}

static void
role_wait_end(struct role *r, const char *why)
{
	if (!r->hold_wait)
		return;
	log_info("%s role: no longer waiting for %s:%u: %s", role_tag(r),
	    r->wait_host, r->wait_port, why);
	r->hold_wait = false;
	r->wait_host[0] = '\0';
	role_hold_later(r);
}

/* --- start-up and the survey --------------------------------------------- */

static void probe_cb(struct rconn *c, bool ok);

static void
role_resume_timer(void *arg)
{
	struct role *r = arg;
	char host[64];

	r->resume_armed = false;
	if (role_any_master_since(r, r->started_at, host, sizeof(host))) {
		log_warnx("%s role: %s advertises as master: not resuming; "
		    "fencing and removing the VIP", role_tag(r), host);
		r->promoted = r->standing = false;
		r->ops.drop_vips(r->ops.arg);
		return;
	}
	log_info("%s role: no other master for one advert interval: "
	    "resuming mastership (writes continue)", role_tag(r));
	r->info.state = ROLE_ST_PRIMARY;
	r->info.promoted_at = clock_now();
	r->ops.resume(r->ops.arg);
	if (!r->ops.is_master(r->ops.arg)) {
		/* In FAULT (a failing check): not a master after all. */
		log_warnx("%s role: cannot resume (instance not in BACKUP): "
		    "fencing", role_tag(r));
		r->promoted = r->standing = false;
		r->ops.drop_vips(r->ops.arg);
	}
}

static void
probe_end(struct role *r)
{
	bool probe = r->job == JOB_PROBE;

	role_peers_close(r);
	r->job = JOB_NONE;
	if (!probe)
		return;
	r->hold_probe = false;
	role_hold_later(r);
	if (r->vip_present && !r->resume_armed)
		r->ops.drop_vips(r->ops.arg);
	/* A first periodic check right away: re-point, rejoin. */
	loop_timer_set(role_loop(r), &r->t_check, clock_now(),
	    role_check_timer, r, "role check");
}

static void
probe_run(struct role *r)
{
	switch (r->step) {
	case S_RO:
		role_step(r, "survey: read our database");
		rconn_start(&r->local, "SELECT @@global.read_only, "
		    "@@global.gtid_binlog_pos", ROLE_STMT_MS, probe_cb);
		return;
	case S_SLAVE:
		role_step(r, "survey: show slave status");
		rconn_start(&r->local, "SHOW SLAVE STATUS", ROLE_STMT_MS,
		    probe_cb);
		return;
	case S_FENCE:
		role_step(r, "start-up: read_only=ON");
		rconn_start(&r->local, "SET GLOBAL read_only = ON",
		    ROLE_STMT_MS, probe_cb);
		return;
	}
	probe_end(r);
}

/* Start-up with the VIP still here and our database the primary. */
static void
probe_arm_resume(struct role *r)
{
	uint64_t wait = r->ops.advert_us(r->ops.arg);

	log_info("%s role: the VIP is still here and the database is "
	    "writable: resuming in %llu ms unless another master advertises",
	    role_tag(r), (unsigned long long)(wait / 1000));
	r->resume_armed = true;
	loop_timer_set(role_loop(r), &r->t_resume, clock_now() + wait,
	    role_resume_timer, r, "role resume");
}

/* Every peer answered or failed: what the group says, and what we do. */
static void
survey_done(struct role *r)
{
	struct survey_node self, peers[ROLE_NPEERS];
	struct survey_out o;
	int i;

	memset(&self, 0, sizeof(self));
	self.answered = true;
	self.replica = r->replica;
	self.writable = r->info.read_only == 0;
	self.pos = r->my_pos;
	gtid_pos_merge(&self.pos, &r->io_pos);
	for (i = 0; i < r->npeer; i++) {
		const struct rconn *c = &r->peer[i];

		memset(&peers[i], 0, sizeof(peers[i]));
		snprintf(peers[i].host, sizeof(peers[i].host), "%s", c->host);
		peers[i].port = c->port;
		peers[i].answered = c->answered;
		peers[i].replica = c->replica;
		peers[i].writable = c->writable;
		peers[i].pos = c->pos;
	}
	role_survey_decide(&self, peers, r->npeer, &o);
	/*
	 * The former primary goes first among equals, but only while it may
	 * still come: after three silences it has not stood (its agent is
	 * absent, or it is held), and we stand instead.
	 */
	if (!o.soft)
		r->soft_since = 0;
	else if (r->soft_since == 0)
		r->soft_since = clock_now();
	else if (clock_now() - r->soft_since > 3 * role_silence_us(r)) {
		o.verdict = SURVEY_STAND;
		snprintf(o.why, sizeof(o.why), "the former primary %s:%u, as "
		    "far as we are, did not stand within %llu s: standing",
		    peers[o.peer].host, peers[o.peer].port,
		    (unsigned long long)(3 * role_silence_us(r) /
		    USEC_PER_SEC));
	}
	log_info("%s role: survey of %d peer database(s): %s: %s", role_tag(r),
	    r->npeer, role_survey_name(o.verdict), o.why);
	switch (o.verdict) {
	case SURVEY_PRIMARY:
		role_wait_end(r, "our database is the primary");
		r->promoted = r->standing = true;
		r->info.state = ROLE_ST_PRIMARY;
		if (r->job == JOB_PROBE && r->vip_present)
			probe_arm_resume(r);
		r->step = S_DONE;
		break;
	case SURVEY_WAIT_PRIMARY:
	case SURVEY_WAIT_AHEAD:
		r->info.state = r->replica ? ROLE_ST_REPLICA : ROLE_ST_FENCED;
		role_wait_for(r, peers[o.peer].host, peers[o.peer].port, o.why);
		r->step = r->info.read_only == 1 ? S_DONE : S_FENCE;
		break;
	case SURVEY_STAND:
		role_wait_end(r, o.why);
		r->hold_former = false;
		r->info.state = r->replica ? ROLE_ST_REPLICA : ROLE_ST_FENCED;
		r->step = r->info.read_only == 1 ? S_DONE : S_FENCE;
		break;
	}
	if (r->step == S_FENCE)
		log_warnx("%s role: the database is writable but not the "
		    "group's primary: fencing it (read_only=ON)", role_tag(r));
	probe_run(r);
}

static void
probe_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	const char *v;

	if (!ok) {
		role_error(r, "%s: %s", r->info.last_step,
		    role_sql_error(r, c));
		log_warnx("%s role: %s failed: %s; fencing is retried by the "
		    "periodic check", role_tag(r), r->info.last_step,
		    role_sql_error(r, c));
		if (r->job == JOB_PROBE)
			r->info.state = ROLE_ST_FENCED;
		probe_end(r);
		return;
	}
	switch (r->step) {
	case S_RO:
		v = mdb_value(c->m, 0, 0);
		r->info.read_only = v == NULL ? -1 : strcmp(v, "0") != 0;
		if (gtid_parse(mdb_value(c->m, 0, 1), &r->my_pos) == -1)
			r->my_pos.n = 0;
		r->step = S_SLAVE;
		break;
	case S_SLAVE:
		role_read_slave_status(r, c->m);
		role_step(r, "survey: peers");
		peers_start(r, true, survey_done);
		return;
	case S_FENCE:
		r->info.read_only = 1;
		r->step = S_DONE;
		break;
	}
	probe_run(r);
}

void
role_start(struct role *r, bool vip_present)
{
	r->started_at = clock_now();
	r->no_master_since = r->started_at;
	r->vip_present = vip_present;
	r->job = JOB_PROBE;
	r->step = S_RO;
	r->info.state = ROLE_ST_STARTING;
	/* Resuming needs BACKUP; anything else waits for the probe. */
	r->hold_probe = !vip_present;
	if (r->hold_probe) {
		r->held = true;
		snprintf(r->hold_why, sizeof(r->hold_why), "probing the "
		    "databases at start-up");
		snprintf(r->info.hold, sizeof(r->info.hold), "%s",
		    r->hold_why);
		r->ops.hold(r->ops.arg, true, r->hold_why);
	}
	probe_run(r);
}

/* The survey again, while waiting or when a former primary is alone. */
static void
survey_run(struct role *r)
{
	r->survey_due = false;
	r->job = JOB_SURVEY;
	r->step = S_RO;
	probe_run(r);
}

/* --- the periodic check ---------------------------------------------------- */

static void check_cb(struct rconn *c, bool ok);
static void theirs_cb(struct rconn *c, bool ok);
static void check_end(struct role *r);

/* The master's @@read_only: re-point to it only once it is writable. */
static void
twritable_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	const char *v = ok ? mdb_value(c->m, 0, 0) : NULL;
	unsigned supp;

	if (v == NULL || strcmp(v, "0") != 0) {
		if (log_rl_allow(&r->rl, clock_now(), &supp))
			log_info("%s role: the master's database %s:%u is %s: "
			    "not re-pointing from %s yet", role_tag(r),
			    r->t_host, r->t_port, ok ? "read-only" :
			    role_sql_error(r, c), r->info.master_host);
		check_end(r);
		return;
	}
	role_peers_close(r);
	log_info("%s role: re-pointing replication from %s to the master's "
	    "database %s:%u", role_tag(r), r->info.master_host, r->t_host,
	    r->t_port);
	r->step = C_STOP;
	check_run(r);
}

static void
check_end(struct role *r)
{
	role_peers_close(r);
	r->job = JOB_NONE;
	explicit_bzero(r->sql, sizeof(r->sql));
	role_hold_later(r);
}

static void
check_fail(struct role *r, const char *what)
{
	unsigned supp;

	role_error(r, "%s: %s", c_name[r->step], what);
	if (log_rl_allow(&r->rl, clock_now(), &supp))
		log_warnx("%s role: %s failed: %s", role_tag(r),
		    c_name[r->step], what);
	check_end(r);
}

/*
 * After SHOW SLAVE STATUS: follow the master the election accepted (a
 * configured peer), rejoin it, or wait.  Sets the next step, or C_DONE.
 */
static void
check_replication(struct role *r)
{
	uint64_t now = clock_now();
	bool heard;

	heard = role_master_db(r) == 0;
	if (heard)
		r->no_master_since = 0;
	else if (r->no_master_since == 0)
		r->no_master_since = now;

	if (r->replica) {
		r->hold_former = false;
		r->info.state = ROLE_ST_REPLICA;
		if (r->rejoining) {
			/* Caught up: the hold of a former primary ends. */
			if (strcmp(r->io_run, "Yes") == 0 &&
			    strcmp(r->sql_run, "Yes") == 0 && r->sbm == 0) {
				r->rejoining = false;
				log_info("%s role: caught up with %s: eligible "
				    "again", role_tag(r), r->info.master_host);
			} else
				r->hold_former = true;
		}
		if (!heard || r->ops.is_master(r->ops.arg)) {
			r->step = C_DONE;
			return;
		}
		r->rejoin = false;
		if (!role_same_host(r->m_host, r->m_port, r->t_host,
		    r->t_port))
			r->step = C_TWRITABLE;
		else if (strcmp(r->io_run, "No") == 0 ||
		    strcmp(r->sql_run, "No") == 0)
			r->step = C_START;
		else
			r->step = C_DONE;
		return;
	}

	/* Not a replica. */
	r->info.master_host[0] = '\0';
	if (r->hold_refused) {
		r->step = C_DONE;
		return;
	}
	if (!heard) {
		/*
		 * Nobody leads: a former primary asks the group again once
		 * the silence outlasts any master-down interval (the survey
		 * lets the most advanced database stand).
		 */
		r->info.state = r->standing ? ROLE_ST_PRIMARY : ROLE_ST_FENCED;
		if (r->hold_former && now - r->no_master_since >
		    role_silence_us(r))
			r->survey_due = true;
		r->step = C_DONE;
		return;
	}
	if (r->ops.is_master(r->ops.arg)) {
		r->step = C_DONE;
		return;
	}
	if (r->standing)
		log_warnx("%s role: %s:%u is the master the election accepts: "
		    "our database is no longer the primary", role_tag(r),
		    r->t_host, r->t_port);
	r->standing = false;
	if (!r->hold_former)
		log_warnx("%s role: not a replica while %s:%u is master: "
		    "held out of the election until it has rejoined and "
		    "caught up", role_tag(r), r->t_host, r->t_port);
	r->hold_former = true;
	r->info.state = ROLE_ST_FENCED;
	r->rejoin = true;
	r->step = C_MYSTATE;
}

static void
check_run(struct role *r)
{
	char pw[260], user[140], host[140];
	const char *sql = NULL;

	role_step(r, c_name[r->step]);
	switch (r->step) {
	case C_RO:
		sql = "SELECT @@global.read_only";
		break;
	case C_SETRW:
		sql = "SET GLOBAL read_only = OFF";
		break;
	case C_SLAVE:
		sql = "SHOW SLAVE STATUS";
		break;
	case C_TWRITABLE:
		/* Re-point only to a master whose database is the primary. */
		role_peers_close(r);
		if (rconn_open_peer(&r->peer[0], r, r->t_host, r->t_port) ==
		    -1) {
			check_fail(r, "cannot reach the master's database");
			return;
		}
		r->npeer = 1;
		rconn_start(&r->peer[0], "SELECT @@global.read_only",
		    r->c.peer_timeout_ms, twritable_cb);
		return;
	case C_STOP:
		sql = "STOP SLAVE";
		break;
	case C_CHANGE:
		sql_quote(pw, sizeof(pw), r->c.repl_password);
		sql_quote(user, sizeof(user), r->c.repl_user);
		sql_quote(host, sizeof(host), r->t_host);
		snprintf(r->sql, sizeof(r->sql), "CHANGE MASTER TO "
		    "MASTER_HOST = '%s', MASTER_PORT = %u, MASTER_USER = '%s', "
		    "MASTER_PASSWORD = '%s', MASTER_USE_GTID = %s, "
		    "MASTER_CONNECT_RETRY = 1", host, r->t_port, user, pw,
		    r->rejoin ? "current_pos" : "slave_pos");
		explicit_bzero(pw, sizeof(pw));
		sql = r->sql;
		break;
	case C_START:
		sql = "START SLAVE";
		break;
	case C_MYSTATE:
		sql = "SELECT @@global.gtid_binlog_state";
		break;
	case C_THEIRS:
		role_peers_close(r);
		if (rconn_open_peer(&r->peer[0], r, r->t_host, r->t_port) ==
		    -1) {
			check_fail(r, "out of memory");
			return;
		}
		r->npeer = 1;
		rconn_start(&r->peer[0], "SELECT @@global.gtid_binlog_state",
		    r->c.peer_timeout_ms, theirs_cb);
		return;
	default:
		check_end(r);
		return;
	}
	rconn_start(&r->local, sql, ROLE_STMT_MS, check_cb);
}

static void
check_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	const char *v;

	if (!ok) {
		if (r->step == C_RO)
			r->info.read_only = -1;
		if (r->step == C_SETRW) {
			log_warnx("%s role: cannot set read_only=OFF on the "
			    "primary: %s; releasing", role_tag(r),
			    role_sql_error(r, c));
			role_backoff(r);
		}
		check_fail(r, role_sql_error(r, c));
		return;
	}
	switch (r->step) {
	case C_RO:
		v = mdb_value(c->m, 0, 0);
		r->info.read_only = v == NULL ? -1 : strcmp(v, "0") != 0;
		if (r->ops.is_master(r->ops.arg)) {
			if (r->info.read_only == 1) {
				log_warnx("%s role: read_only=ON on the "
				    "primary was set from outside: setting it "
				    "back to OFF", role_tag(r));
				r->step = C_SETRW;
			} else
				r->step = C_DONE;
			break;
		}
		if (r->info.read_only == 0 && r->standing) {
			/* Kept as the group's primary: see check_replication. */
			r->step = C_SLAVE;
		} else if (r->info.read_only == 0) {
			r->info.fences++;
			log_warnx("%s role: the database became writable "
			    "while this host is not the master: fencing it "
			    "again (read_only=ON)", role_tag(r));
			/* The next check goes on with replication. */
			r->fence_only = true;
			demote_begin(r, r->c.demote_timeout_ms > ROLE_STMT_MS ?
			    r->c.demote_timeout_ms : ROLE_STMT_MS);
			return;
		} else
			r->step = C_SLAVE;
		break;
	case C_SETRW:
		r->info.read_only = 0;
		r->step = C_DONE;
		break;
	case C_SLAVE:
		role_read_slave_status(r, c->m);
		check_replication(r);
		break;
	case C_STOP:
		r->step = C_CHANGE;
		break;
	case C_CHANGE:
		explicit_bzero(r->sql, sizeof(r->sql));
		r->step = C_START;
		break;
	case C_START:
		if (r->rejoin) {
			r->info.rejoins++;
			r->rejoining = true;
			log_info("%s role: rejoined %s:%u as a replica "
			    "(MASTER_USE_GTID=current_pos)", role_tag(r),
			    r->t_host, r->t_port);
			role_event(r, "rejoin", r->t_host);
		} else if (!role_same_host(r->m_host, r->m_port, r->t_host,
		    r->t_port)) {
			r->info.repoints++;
			log_info("%s role: replicating from %s:%u", role_tag(r),
			    r->t_host, r->t_port);
			role_event(r, "repoint", r->t_host);
		}
		r->info.state = ROLE_ST_REPLICA;
		r->step = C_DONE;
		break;
	case C_MYSTATE:
		if (gtid_parse(mdb_value(c->m, 0, 0), &r->my_state) == -1) {
			check_fail(r, "cannot parse gtid_binlog_state");
			return;
		}
		r->step = C_THEIRS;
		break;
	default:
		r->step = C_DONE;
		break;
	}
	check_run(r);
}

/* The master's gtid_binlog_state: rejoin, or refuse naming the errant. */
static void
theirs_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	struct gtid_list theirs, errant;
	int n;

	if (!ok) {
		check_fail(r, role_sql_error(r, c));
		return;
	}
	if (gtid_parse(mdb_value(c->m, 0, 0), &theirs) == -1) {
		check_fail(r, "cannot parse the master's gtid_binlog_state");
		return;
	}
	n = gtid_errant(&r->my_state, &theirs, &errant);
	if (n > 0) {
		gtid_format(&errant, r->info.errant, sizeof(r->info.errant));
		r->hold_refused = true;
		r->info.state = ROLE_ST_REJOIN_REFUSED;
		role_error(r, "rejoin refused: %d errant GTID(s) %s not on "
		    "the master %s:%u", n, r->info.errant, r->t_host,
		    r->t_port);
		log_warnx("%s role: rejoin_refused: this former primary holds "
		    "%d transaction(s) the master %s:%u lacks (errant GTIDs "
		    "%s); it stays in FAULT and needs a rebuild", role_tag(r),
		    n, r->t_host, r->t_port, r->info.errant);
		role_event(r, "rejoin_refused", r->info.last_error);
		check_end(r);
		return;
	}
	role_peers_close(r);
	r->step = C_CHANGE;
	check_run(r);
}

static void
role_check_timer(void *arg)
{
	struct role *r = arg;
	uint64_t iv = r->c.check_interval_ms > 0 ?
	    (uint64_t)r->c.check_interval_ms * 1000 :
	    r->ops.advert_us(r->ops.arg);

	/*
	 * Not the master and not known to be fenced (the server did not
	 * answer, or answered writable): look again soon, so a server that
	 * comes back (a thawed former master) is fenced within a fraction
	 * of a second, not an interval.
	 */
	if (!r->ops.is_master(r->ops.arg) && r->info.read_only != 1 &&
	    !r->standing && iv > ROLE_FAST_CHECK_MS * 1000)
		iv = ROLE_FAST_CHECK_MS * 1000;

	loop_timer_set(role_loop(r), &r->t_check, clock_now() + iv,
	    role_check_timer, r, "role check");
	/* The host we wait for leads now: follow it as a backup. */
	if (r->hold_wait && role_agent_mastering(r, r->wait_host,
	    r->wait_port, clock_now() - role_silence_us(r)))
		role_wait_end(r, "its agent advertises as master");
	if (r->job != JOB_NONE || r->resume_armed)
		return;
	/* A master not (yet) promoted has its promotion queued. */
	if (r->ops.is_master(r->ops.arg) && !r->promoted)
		return;
	if (r->hold_wait || r->survey_due) {
		survey_run(r);
		return;
	}
	r->job = JOB_CHECK;
	r->step = C_RO;
	check_run(r);
}

/* --- life cycle ------------------------------------------------------------- */

static void
role_set_conf(struct role *r, const struct conf *conf)
{
	r->c = conf->role;
	r->db = conf->db;
	snprintf(r->check_user, sizeof(r->check_user), "%s", conf->db.user);
	if (r->c.admin_user[0] != '\0') {
		snprintf(r->db.user, sizeof(r->db.user), "%s",
		    r->c.admin_user);
		snprintf(r->db.password, sizeof(r->db.password), "%s",
		    r->c.admin_password);
	}
	r->io_timeout_s = r->c.promote_wait_ms / 1000 + 3;
}

struct role *
role_new(struct loop *l, const char *tag, const struct role_ops *ops,
    const struct conf *conf)
{
	struct role *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		log_warn("%s role", tag);
		return NULL;
	}
	r->loop = l;
	snprintf(r->tag, sizeof(r->tag), "%s", tag);
	r->ops = *ops;
	role_set_conf(r, conf);
	rconn_init(&r->local, r);
	rconn_init(&r->stopper, r);
	r->local.m = mdb_new(&r->db, r->io_timeout_s);
	if (r->local.m == NULL) {
		log_warn("role");
		free(r);
		return NULL;
	}
	mdb_set_backoff_max(r->local.m, ROLE_BACKOFF_MS);
	r->info.read_only = -1;
	return r;
}

void
role_reconf(struct role *r, const struct conf *conf)
{
	struct mdb *m;
	bool same_db;

	same_db = strcmp(r->db.socket, conf->db.socket) == 0 &&
	    strcmp(r->db.host, conf->db.host) == 0 &&
	    r->db.port == conf->db.port;
	explicit_bzero(r->db.password, sizeof(r->db.password));
	role_set_conf(r, conf);
	if (same_db && r->job != JOB_NONE)
		return;		/* the running job keeps its connection */
	if (r->job == JOB_CHECK)
		role_abandon(r);
	if (r->job != JOB_NONE)
		return;
	if ((m = mdb_new(&r->db, r->io_timeout_s)) == NULL) {
		log_warn("%s role: reload keeps the old connection",
		    role_tag(r));
		return;
	}
	mdb_set_backoff_max(m, ROLE_BACKOFF_MS);
	mdb_free(r->local.m);
	r->local.m = m;
}

void
role_free(struct role *r)
{
	struct loop *l;

	if (r == NULL)
		return;
	l = role_loop(r);
	role_abandon(r);
	rconn_abort(&r->stopper);
	mdb_free(r->stopper.m);
	loop_timer_cancel(l, &r->t_resume);
	loop_timer_cancel(l, &r->t_check);
	loop_timer_cancel(l, &r->t_backoff);
	loop_timer_cancel(l, &r->t_hold);
	loop_timer_cancel(l, &r->t_done);
	mdb_free(r->local.m);
	explicit_bzero(r->c.repl_password, sizeof(r->c.repl_password));
	explicit_bzero(r->c.admin_password, sizeof(r->c.admin_password));
	explicit_bzero(r->db.password, sizeof(r->db.password));
	free(r);
}

bool
role_promoted(const struct role *r)
{
	return r->promoted;
}

const struct role_info *
role_get_info(const struct role *r)
{
	return &r->info;
}
