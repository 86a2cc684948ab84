/* SPDX-License-Identifier: Apache-2.0 */
/*
 * role_steps: the promotion (with the peers' freshness check) and the
 * demotion of the local database, as chains of non-blocking statements.
 * See role.h for the steps and role_int.h for the shared state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "role_int.h"

static void promote_run(struct role *r);
static void demote_run(struct role *r);

/* --- promotion ------------------------------------------------------------ */

static void
promote_end(struct role *r, bool ok, const char *why)
{
	uint64_t now = clock_now();
	bool cancelled = r->cancel;

	role_peers_close(r);
	r->cancel = false;
	r->info.last_promote_ms = (uint32_t)((now - r->job_start) / 1000);
	if (ok) {
		r->promoted = true;
		r->info.state = ROLE_ST_PRIMARY;
		r->info.promoted_at = now;
		r->info.promotions++;
		r->info.read_only = 0;
		r->info.last_error[0] = '\0';
		r->info.master_host[0] = '\0';
		r->hold_former = false;
		log_info("%s role: promoted to primary in %u ms", role_tag(r),
		    r->info.last_promote_ms);
		role_event(r, "promote_done", NULL);
	} else {
		r->info.promote_failures++;
		r->info.state = ROLE_ST_FENCED;
		role_error(r, "%s: %s", p_name[r->step], why);
		log_warnx("%s role: promotion failed at step '%s' after %u "
		    "ms: %s%s", role_tag(r), p_name[r->step],
		    r->info.last_promote_ms, why, cancelled ? "" :
		    "; releasing and backing off");
		role_event(r, "promote_failed", r->info.last_error);
	}
	role_report(r, ok, !ok && !cancelled);
}

static void promote_cb(struct rconn *c, bool ok);
static void peers_decide(struct role *r);

static void
stopper_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;

	if (!ok) {
		role_error(r, "background %s: %s", c->pstep == 0 ?
		    "STOP SLAVE" : "RESET SLAVE ALL", role_sql_error(r, c));
		log_warnx("%s role: %s after promotion failed: %s",
		    role_tag(r), c->pstep == 0 ? "STOP SLAVE" :
		    "RESET SLAVE ALL", role_sql_error(r, c));
		return;
	}
	if (c->pstep == 0) {
		log_info("%s role: STOP SLAVE returned after %llu ms",
		    role_tag(r), (unsigned long long)((clock_now() -
		    r->job_start) / 1000));
		c->pstep = 1;
		rconn_start(c, "RESET SLAVE ALL", ROLE_STMT_MS, stopper_cb);
	}
}

/* STOP SLAVE then RESET SLAVE ALL on their own connection. */
static void
stopper_start(struct role *r)
{
	struct rconn *c = &r->stopper;

	rconn_abort(c);
	if (c->m == NULL && (c->m = mdb_new(&r->db, 5)) == NULL) {
		log_warn("%s role: stop slave", role_tag(r));
		return;
	}
	c->pstep = 0;
	/* The semi-sync kill of the dump thread, measured in the lab: ~1 s. */
	rconn_start(c, "STOP SLAVE", ROLE_STMT_MS + 2000, stopper_cb);
}

static void
sqlstop_poll(void *arg)
{
	struct role *r = arg;

	rconn_start(&r->local, "SHOW SLAVE STATUS", ROLE_STMT_MS, promote_cb);
}

static void
promote_run(struct role *r)
{
	const char *sql = NULL;
	char pos[GTID_MAX * 32];
	uint32_t limit = ROLE_STMT_MS;

	if (r->cancel) {
		promote_end(r, false, "cancelled: the instance left MASTER");
		return;
	}
	role_step(r, p_name[r->step]);
	switch (r->step) {
	case P_SHOW:
		sql = "SHOW SLAVE STATUS";
		break;
	case P_PEERS:
		peers_start(r, false, peers_decide);
		return;
	case P_KILLTO:
		sql = "SET GLOBAL rpl_semi_sync_slave_kill_conn_timeout = 1";
		break;
	case P_SQLSTART:
		/*
		 * After a power cut (skip-slave-start) nothing applies the
		 * relay log: start the SQL thread, or the wait never ends.
		 */
		if (strcmp(r->sql_run, "Yes") == 0) {
			r->step++;
			promote_run(r);
			return;
		}
		sql = "START SLAVE SQL_THREAD";
		break;
	case P_WAIT:
		if (r->target.n == 0) {
			r->step++;
			promote_run(r);
			return;
		}
		gtid_format(&r->target, pos, sizeof(pos));
		snprintf(r->sql, sizeof(r->sql), "SELECT MASTER_GTID_WAIT("
		    "'%s', %u.%03u)", pos, r->c.promote_wait_ms / 1000,
		    r->c.promote_wait_ms % 1000);
		sql = r->sql;
		limit = r->c.promote_wait_ms + ROLE_STMT_MS;
		break;
	case P_STOP:
		stopper_start(r);
		r->sqlstop_until = clock_now() + ROLE_STMT_MS * 1000ULL;
		r->step++;
		promote_run(r);
		return;
	case P_SQLSTOP:
		sql = "SHOW SLAVE STATUS";
		break;
	case P_RW:
		sql = "SET GLOBAL read_only = OFF";
		break;
	case P_SQL:
		if (r->c.promote_sql[0] == '\0') {
			r->step++;
			promote_run(r);
			return;
		}
		sql = r->c.promote_sql;
		break;
	case P_CONFIRM:
		sql = "SELECT @@global.read_only";
		break;
	default:
		promote_end(r, true, NULL);
		return;
	}
	rconn_start(&r->local, sql, limit, promote_cb);
}

static void
promote_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	const char *v;
	char why[600], pos[256];

	if (!ok) {
		/* An older server without the variable: go on. */
		if (r->step == P_KILLTO) {
			log_debug(LOG_SQL, "%s role: %s", role_tag(r),
			    role_sql_error(r, c));
			r->step++;
			promote_run(r);
			return;
		}
		promote_end(r, false, role_sql_error(r, c));
		return;
	}
	switch (r->step) {
	case P_SHOW:
		role_read_slave_status(r, c->m);
		r->target = r->io_pos;
		r->step = r->replica ? P_PEERS : P_RW;
		break;
	case P_WAIT:
		v = mdb_value(c->m, 0, 0);
		if (v == NULL || strcmp(v, "0") != 0) {
			gtid_format(&r->target, pos, sizeof(pos));
			snprintf(why, sizeof(why), "relay log not applied up "
			    "to %s within promote_wait %u ms "
			    "(MASTER_GTID_WAIT returned %s)", pos,
			    r->c.promote_wait_ms, v ? v : "NULL");
			promote_end(r, false, why);
			return;
		}
		r->step++;
		break;
	case P_SQLSTOP:
		/*
		 * STOP SLAVE stops the SQL thread at once, then the IO thread,
		 * which with semi-sync first tries to kill its connection on
		 * the (dead) master: about 1 s.  Nothing is applied once the
		 * SQL thread is down, so the promotion goes on; RESET SLAVE
		 * ALL follows when STOP SLAVE returns.
		 */
		v = mdb_get(c->m, 0, "Slave_SQL_Running");
		if (mdb_nrows(c->m) > 0 && (v == NULL ||
		    strcmp(v, "No") != 0)) {
			if (clock_now() >= r->sqlstop_until) {
				promote_end(r, false, "the SQL thread did not "
				    "stop");
				return;
			}
			loop_timer_set(role_loop(r), &r->local.t_post,
			    clock_now() + 5000, sqlstop_poll, r,
			    "role poll");
			return;
		}
		r->step++;
		break;
	case P_CONFIRM:
		v = mdb_value(c->m, 0, 0);
		if (v == NULL || strcmp(v, "0") != 0) {
			snprintf(why, sizeof(why), "@@read_only is %s after "
			    "SET GLOBAL read_only = OFF", v ? v : "NULL");
			promote_end(r, false, why);
			return;
		}
		r->step++;
		break;
	default:
		r->step++;
		break;
	}
	promote_run(r);
}

/* --- freshness of the other replicas (promotion step "peers") ------------- */

static void peer_cb(struct rconn *c, bool ok);

static void
peers_decide(struct role *r)
{
	char ahead[64], ours[256], why[600];
	bool old_alive = false;
	int i;

	for (i = 0; i < r->npeer; i++)
		if (r->peer[i].old_master && r->peer[i].answered)
			old_alive = true;
	for (i = 0; i < r->npeer; i++) {
		struct rconn *p = &r->peer[i];

		if (!p->answered)
			continue;
		if (p->old_master) {
			if (p->writable) {
				snprintf(why, sizeof(why), "the old master "
				    "%s:%u is still writable (%s)", p->host,
				    p->port, role_agent_silent(r, p->host,
				    p->port) ? "its agent does not advertise" :
				    "after promote_wait");
				role_wait_for(r, p->host, p->port, why);
				promote_end(r, false, why);
				return;
			}
			gtid_pos_merge(&r->target, &p->pos);
			continue;
		}
		if (!p->replica && p->writable) {
			/* Never a second writable primary. */
			snprintf(why, sizeof(why), "%s:%u is a writable "
			    "primary and not the master we replicate from",
			    p->host, p->port);
			role_wait_for(r, p->host, p->port, why);
			promote_end(r, false, why);
			return;
		}
		if (!p->replica ||
		    !gtid_pos_ahead(&p->pos, &r->io_pos, ahead, sizeof(ahead)))
			continue;
		if (old_alive) {
			/* Our IO thread can still fetch it. */
			gtid_pos_merge(&r->target, &p->pos);
			continue;
		}
		gtid_format(&r->io_pos, ours, sizeof(ours));
		snprintf(why, sizeof(why), "replica %s:%u is fresher (it has "
		    "%s, our Gtid_IO_Pos is %s) and the old master is gone: "
		    "it must win", p->host, p->port, ahead,
		    ours[0] ? ours : "empty");
		promote_end(r, false, why);
		return;
	}
	role_peers_close(r);
	r->step++;
	promote_run(r);
}

static void
peer_one_done(struct role *r)
{
	if (--r->peers_left == 0)
		r->peers_done(r);
}

static void
peer_poll_timer(void *arg)
{
	struct rconn *c = arg;

	rconn_start(c, "SELECT @@global.read_only, @@global.gtid_binlog_pos",
	    c->r->c.peer_timeout_ms, peer_cb);
}

/*
 * Only a peer we cannot reach may be left out of the freshness check: it is
 * down, or on the far side of a partition.  A peer that answers with an
 * error (access denied, a missing grant, an authentication plugin or TLS
 * refused) may well be fresher, and skipping it would drop the guarantee
 * without a word, so the promotion refuses.  2006 is a connection that died
 * under the query; 2013 is also what our own timeout reports (mdb_abort).
 */
static bool
peer_unreachable(unsigned err)
{
	return err == 2002 || err == 2003 || err == 2006 || err == 2013;
}

static void
peer_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	struct gtid_list bin;
	const char *v;
	char why[600];

	if (!ok && !peer_unreachable(mdb_errno(c->m)) && !r->surveying) {
		snprintf(why, sizeof(why), "peer %s:%u answered: %s: cannot "
		    "verify it is not fresher; refusing", c->host, c->port,
		    role_sql_error(r, c));
		promote_end(r, false, why);
		return;
	}
	if (!ok) {
		/* The survey goes on without it; a promotion refused above. */
		if (peer_unreachable(mdb_errno(c->m)))
			log_info("%s role: peer database %s:%u: %s",
			    role_tag(r), c->host, c->port,
			    role_sql_error(r, c));
		else
			log_warnx("%s role: peer database %s:%u answered: %s",
			    role_tag(r), c->host, c->port,
			    role_sql_error(r, c));
		c->answered = false;
		peer_one_done(r);
		return;
	}
	if (c->pstep == 0) {
		c->replica = mdb_nrows(c->m) > 0;
		if (c->replica) {
			c->answered = gtid_parse(mdb_get(c->m, 0,
			    "Gtid_IO_Pos"), &c->pos) == 0;
			/* The freshness check needs no more of a replica. */
			if (!c->answered || !r->surveying) {
				peer_one_done(r);
				return;
			}
		}
		c->pstep = 1;
		c->poll_until = clock_now() +
		    (uint64_t)r->c.promote_wait_ms * 1000;
		peer_poll_timer(c);
		return;
	}
	v = mdb_value(c->m, 0, 0);
	c->writable = v != NULL && strcmp(v, "0") == 0;
	if (gtid_parse(mdb_value(c->m, 0, 1), &bin) == -1) {
		c->answered = false;
		peer_one_done(r);
		return;
	}
	gtid_pos_merge(&c->pos, &bin);
	/*
	 * The old master answers and still takes writes while its agent
	 * advertises: it demotes when it hears our adverts (a preemption);
	 * wait for that, so that its last writes are part of what we wait
	 * for.  An old master whose agent is silent does not demote: the
	 * promotion refuses at once (peers_decide).
	 */
	if (!r->surveying && c->old_master && c->writable &&
	    clock_now() < c->poll_until &&
	    !role_agent_silent(r, c->host, c->port)) {
		loop_timer_set(role_loop(r), &c->t_post, clock_now() +
		    ROLE_POLL_MS * 1000, peer_poll_timer, c, "role poll");
		return;
	}
	c->answered = true;
	peer_one_done(r);
}

static bool
peers_has(const struct role *r, const char *host, unsigned port)
{
	int i;

	for (i = 0; i < r->npeer; i++)
		if (role_same_host(r->peer[i].host, r->peer[i].port, host,
		    port))
			return true;
	return false;
}

static void
peers_add(struct role *r, const char *host, unsigned port)
{
	struct rconn *c;

	if (r->npeer == ROLE_NPEERS || peers_has(r, host, port))
		return;
	c = &r->peer[r->npeer];
	if (rconn_open_peer(c, r, host, port) == -1)
		return;
	c->old_master = r->replica && role_same_host(host, port, r->m_host,
	    r->m_port);
	r->npeer++;
}

/*
 * Ask every configured peer's database (db_peer, unicast_peer / peer on
 * port 3306, and our Master_Host if it is a numeric address) where it
 * stands; done(r) runs once all answered or failed.  survey: also read a
 * replica's read_only and binlog position, and never wait for an old
 * master to become read-only.
 */
void
peers_start(struct role *r, bool survey, void (*done)(struct role *))
{
	const struct ipaddr *self = r->ops.self(r->ops.arg), *up;
	char host[64];
	unsigned port;
	int i, n;

	role_peers_close(r);
	r->surveying = survey;
	r->peers_done = done;
	for (i = 0; i < r->c.npeers; i++)
		if (!ipaddr_eq(&r->c.peers[i].vrrp, self))
			peers_add(r, r->c.peers[i].host, r->c.peers[i].port);
	n = r->ops.peers(r->ops.arg, &up);
	for (i = 0; i < n; i++) {
		if (ipaddr_eq(&up[i], self) ||
		    role_map_peer(r, &up[i], host, sizeof(host), &port) == -1)
			continue;
		peers_add(r, host, port);
	}
	if (r->replica && r->m_host[0] != '\0')
		peers_add(r, r->m_host, r->m_port);
	if (r->npeer == 0) {
		done(r);
		return;
	}
	r->peers_left = r->npeer;
	for (i = 0; i < r->npeer; i++)
		rconn_start(&r->peer[i], "SHOW SLAVE STATUS",
		    r->c.peer_timeout_ms, peer_cb);
}

void
role_promote(struct role *r)
{
	if (r->job != JOB_NONE)
		role_abandon(r);
	r->job = JOB_PROMOTE;
	r->job_start = clock_now();
	r->cancel = false;
	if (r->promoted) {
		/* Resumed at start-up, or promoted and never demoted. */
		role_report(r, true, false);
		return;
	}
	r->info.state = ROLE_ST_PROMOTING;
	r->step = P_SHOW;
	r->target.n = 0;
	log_info("%s role: promoting the local database", role_tag(r));
	role_event(r, "promote_start", NULL);
	promote_run(r);
}

void
role_cancel(struct role *r)
{
	if (r->job == JOB_PROMOTE)
		r->cancel = true;
}

/* --- demotion ------------------------------------------------------------- */

static void demote_cb(struct rconn *c, bool ok);

static void
demote_end(struct role *r, bool ok, const char *why)
{
	uint32_t ms = (uint32_t)((clock_now() - r->job_start) / 1000);
	bool fence_only = r->fence_only;

	r->fence_only = false;
	r->info.state = ROLE_ST_FENCED;
	if (ok) {
		r->info.read_only = 1;
		log_info("%s role: database fenced (read_only=ON) in %u ms",
		    role_tag(r), ms);
	} else {
		r->info.read_only = -1;
		role_error(r, "%s: %s", d_name[r->step], why);
		log_warnx("%s role: %s failed at step '%s' after %u ms: %s%s",
		    role_tag(r), fence_only ? "fencing" : "demotion",
		    d_name[r->step], ms, why, fence_only ? "" : "; releasing "
		    "anyway (a server that does not answer takes no writes)");
	}
	if (!fence_only)
		role_event(r, "demote", ok ? "read_only=ON" : r->info.last_error);
	if (fence_only) {
		r->job = JOB_NONE;
		return;
	}
	r->promoted = r->standing = false;
	r->info.demotions++;
	r->info.promoted_at = 0;
	/*
	 * A former primary from now on: it stands again only once it has
	 * rejoined the next master and caught up (or hears no master).
	 */
	r->hold_former = true;
	r->no_master_since = 0;
	role_hold_later(r);
	/* The release goes on either way. */
	role_report(r, true, false);
}

static void
demote_run(struct role *r)
{
	char u1[140], u2[140], u3[140];
	uint64_t now = clock_now();
	uint32_t left;

	if (now >= r->deadline) {
		demote_end(r, false, "time limit reached");
		return;
	}
	left = (uint32_t)((r->deadline - now + 999) / 1000);
	role_step(r, d_name[r->step]);
	switch (r->step) {
	case D_RO:
		rconn_start(&r->local, "SET GLOBAL read_only = ON", left,
		    demote_cb);
		return;
	case D_LIST1:
	case D_LIST2:
		/*
		 * Kill first, then set read_only: a commit waiting for a
		 * semi-sync ack holds the commit lock that read_only=ON needs,
		 * for up to rpl_semi_sync_master_timeout.  Once more after:
		 * sessions that came in meanwhile.
		 */
		if (!r->c.kill_sessions) {
			r->step++;
			r->nkill = r->ikill = 0;
			demote_run(r);
			return;
		}
		sql_quote(u1, sizeof(u1), r->db.user);
		sql_quote(u2, sizeof(u2), r->check_user);
		sql_quote(u3, sizeof(u3), r->c.repl_user);
		snprintf(r->sql, sizeof(r->sql), "SELECT ID FROM "
		    "information_schema.PROCESSLIST WHERE ID <> "
		    "CONNECTION_ID() AND COMMAND NOT IN ('Binlog Dump', "
		    "'Binlog Dump GTID', 'Daemon', 'Slave_IO', 'Slave_SQL', "
		    "'Slave_worker') AND USER NOT IN ('system user', "
		    "'event_scheduler', '%s', '%s', '%s')", u1, u2, u3);
		rconn_start(&r->local, r->sql, left, demote_cb);
		return;
	case D_KILL1:
	case D_KILL2:
		if (r->ikill >= r->nkill) {
			r->step++;
			demote_run(r);
			return;
		}
		snprintf(r->sql, sizeof(r->sql), "KILL CONNECTION %ld",
		    r->kill_id[r->ikill++]);
		rconn_start(&r->local, r->sql, left, demote_cb);
		return;
	}
	demote_end(r, true, NULL);
}

static void
demote_cb(struct rconn *c, bool ok)
{
	struct role *r = c->r;
	const char *v;
	size_t i;

	if (!ok) {
		/* The session ended by itself meanwhile (unknown thread). */
		if ((r->step == D_KILL1 || r->step == D_KILL2) &&
		    mdb_errno(c->m) == 1094) {
			demote_run(r);
			return;
		}
		demote_end(r, false, role_sql_error(r, c));
		return;
	}
	switch (r->step) {
	case D_RO:
		r->step = D_LIST2;
		break;
	case D_LIST1:
	case D_LIST2:
		r->nkill = r->ikill = 0;
		for (i = 0; i < mdb_nrows(c->m) && r->nkill < ROLE_KILL_MAX;
		    i++)
			if ((v = mdb_value(c->m, i, 0)) != NULL)
				r->kill_id[r->nkill++] = strtol(v, NULL, 10);
		if (r->nkill > 0)
			log_info("%s role: killing %d client session(s)",
			    role_tag(r), r->nkill);
		r->step++;
		break;
	}
	demote_run(r);
}

void
demote_begin(struct role *r, uint32_t limit_ms)
{
	r->job = JOB_DEMOTE;
	r->job_start = clock_now();
	r->deadline = r->job_start + (uint64_t)limit_ms * 1000;
	r->info.state = ROLE_ST_FENCING;
	r->step = D_LIST1;
	demote_run(r);
}

void
role_demote(struct role *r)
{
	if (r->job != JOB_NONE)
		role_abandon(r);
	r->fence_only = false;
	r->resume_armed = false;
	loop_timer_cancel(role_loop(r), &r->t_resume);
	demote_begin(r, r->c.demote_timeout_ms);
}

static void
demote_sync_done(struct rconn *c, bool ok)
{
	if (ok)
		c->r->info.read_only = 1;
}

static bool
demote_sync_over(void *arg)
{
	return !((struct role *)arg)->local.busy;
}

/*
 * The shutdown fence runs in the loop like every statement, bounded by
 * demote_timeout (rconn's limit timer); the loop is run here until it
 * answered or gave up, so the VIP is removed only after that.
 */
void
role_demote_sync(struct role *r)
{
	uint64_t deadline;

	role_abandon(r);
	deadline = clock_now() + (uint64_t)r->c.demote_timeout_ms * 1000;
	r->info.read_only = -1;		/* unknown until it answers */
	rconn_start(&r->local, "SET GLOBAL read_only = ON",
	    r->c.demote_timeout_ms, demote_sync_done);
	(void)loop_run_until(role_loop(r), deadline + 1000, demote_sync_over,
	    r);
	if (r->local.busy)
		rconn_abort(&r->local);
	if (r->info.read_only == 1) {
		log_info("%s role: database fenced (read_only=ON) at shutdown",
		    role_tag(r));
	} else {
		log_warnx("%s role: read_only=ON at shutdown failed: %s (error "
		    "%u); the VIP is removed anyway", role_tag(r),
		    mdb_error(r->local.m), mdb_errno(r->local.m));
	}
	r->promoted = false;
}
