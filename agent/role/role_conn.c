/* SPDX-License-Identifier: Apache-2.0 */
/*
 * role_conn: one MariaDB connection of the database role driven by the
 * agent's loop (the local server's, or a peer's), and small helpers.  See
 * role_int.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "role_int.h"

const char *const p_name[] = {
	"show slave status", "peer freshness", "semi-sync kill timeout",
	"start sql thread", "master_gtid_wait", "stop slave", "sql thread stopped",
	"read_only=OFF", "promote_sql", "confirm read_only=0", "done",
};
const char *const d_name[] = {
	"list sessions", "kill sessions", "read_only=ON", "list sessions",
	"kill sessions", "done",
};
const char *const c_name[] = {
	"read @@read_only", "restore read_only=OFF", "show slave status",
	"master writable?", "stop slave", "change master", "start slave",
	"read gtid_binlog_state", "master gtid_binlog_state", "done",
};

const char *
role_state_name(enum role_state s)
{
	switch (s) {
	case ROLE_ST_STARTING:
		return "starting";
	case ROLE_ST_PROMOTING:
		return "promoting";
	case ROLE_ST_PRIMARY:
		return "primary";
	case ROLE_ST_FENCING:
		return "fencing";
	case ROLE_ST_REPLICA:
		return "replica";
	case ROLE_ST_FENCED:
		return "fenced";
	case ROLE_ST_REJOIN_REFUSED:
		return "rejoin_refused";
	}
	return "?";
}

struct loop *
role_loop(const struct role *r)
{
	return r->loop;
}

const char *
role_tag(const struct role *r)
{
	return r->tag;
}

void
role_step(struct role *r, const char *name)
{
	snprintf(r->info.last_step, sizeof(r->info.last_step), "%s", name);
}

void
role_error(struct role *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->info.last_error, sizeof(r->info.last_error), fmt, ap);
	va_end(ap);
}

/* Single quotes and backslashes doubled / escaped for a '...' literal. */
void
sql_quote(char *dst, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == '\'' || *s == '\\')
			dst[o++] = *s == '\'' ? '\'' : '\\';
		dst[o++] = *s;
	}
	dst[o] = '\0';
}

/* --- one connection in the loop ------------------------------------------- */

static void rconn_after(struct rconn *c, enum mdb_rc rc);

static void
rconn_unwatch(struct rconn *c)
{
	loop_wait_cancel(&c->wait);
}

static void
rconn_finish(struct rconn *c, bool ok)
{
	struct loop *l = role_loop(c->r);

	rconn_unwatch(c);
	loop_timer_cancel(l, &c->t_limit);
	loop_timer_cancel(l, &c->t_post);
	c->busy = false;
	c->cb(c, ok);
}

/* The fd is ready (events) or libmariadb's timeout came (0). */
static void
rconn_step(void *arg, uint32_t events)
{
	struct rconn *c = arg;

	rconn_after(c, mdb_step(c->m, events, clock_now()));
}

static void
rconn_limit_timer(void *arg)
{
	struct rconn *c = arg;
	char why[64];

	rconn_unwatch(c);
	snprintf(why, sizeof(why), "no answer within %u ms", c->limit_ms);
	mdb_abort(c->m, why, clock_now());
	rconn_finish(c, false);
}

static void
rconn_post_timer(void *arg)
{
	struct rconn *c = arg;

	rconn_finish(c, c->posted_ok);
}

static void rconn_send(struct rconn *c);

static void
rconn_after(struct rconn *c, enum mdb_rc rc)
{
	uint64_t deadline;
	uint32_t events;
	int fd;

	/*
	 * An idle connection the server dropped (restart, wait_timeout)
	 * fails the next statement with 2006 before sending it; every role
	 * statement is idempotent, so send it once more on a new one.
	 */
	if (rc == MDB_ERR && mdb_errno(c->m) == 2006 && !c->retried) {
		c->retried = true;
		rconn_unwatch(c);
		rconn_send(c);
		return;
	}
	if (rc != MDB_WAIT) {
		rconn_finish(c, rc == MDB_OK);
		return;
	}
	mdb_wait(c->m, &fd, &events, &deadline);
	if (loop_wait_arm(&c->wait, fd, events, deadline) == -1)
		log_warn("%s role: watch fd", role_tag(c->r));
}

static void
rconn_send(struct rconn *c)
{
	struct loop *l = role_loop(c->r);
	uint64_t now = clock_now();
	enum mdb_rc rc;

	rc = mdb_query_start(c->m, c->sql, now);
	if (rc == MDB_ERR && mdb_errno(c->m) == 2006 && !c->retried) {
		c->retried = true;
		rc = mdb_query_start(c->m, c->sql, now);
	}
	if (rc != MDB_WAIT) {
		loop_timer_cancel(l, &c->t_limit);
		c->posted_ok = rc == MDB_OK;
		loop_timer_set(l, &c->t_post, now, rconn_post_timer, c,
		    "role sql");
		return;
	}
	rconn_after(c, MDB_WAIT);
}

void
rconn_start(struct rconn *c, const char *sql, uint32_t limit_ms, rconn_cb *cb)
{
	c->cb = cb;
	c->busy = true;
	c->retried = false;
	c->limit_ms = limit_ms;
	c->sql = sql;
	log_debug(LOG_SQL, "%s role: %s", role_tag(c->r),
	    strncmp(sql, "CHANGE MASTER", 13) == 0 ? "CHANGE MASTER TO ..." :
	    sql);
	loop_timer_set(role_loop(c->r), &c->t_limit, clock_now() +
	    (uint64_t)limit_ms * 1000, rconn_limit_timer, c, "role sql limit");
	rconn_send(c);
}

/* Drop whatever runs on c, without a callback. */
void
rconn_abort(struct rconn *c)
{
	struct loop *l;

	if (c->r == NULL)
		return;
	l = role_loop(c->r);
	rconn_unwatch(c);
	loop_timer_cancel(l, &c->t_limit);
	loop_timer_cancel(l, &c->t_post);
	if (c->m != NULL && mdb_busy(c->m))
		mdb_abort(c->m, "abandoned", clock_now());
	c->busy = false;
}

void
rconn_init(struct rconn *c, struct role *r)
{
	memset(c, 0, sizeof(*c));
	c->r = r;
	loop_wait_init(&c->wait, role_loop(r), rconn_step, c, "role sql");
}

/* A connection to another host's database with the replication account. */
int
rconn_open_peer(struct rconn *c, struct role *r, const char *host,
    unsigned port)
{
	struct check_db db;
	struct ipaddr a;

	rconn_init(c, r);
	/* Names are not resolved: that would block the loop. */
	if (ipaddr_parse(host, &a) == -1) {
		log_warnx("%s role: database address '%s' is not numeric: not "
		    "resolved (name lookups would block); configure db_peer "
		    "with an address", role_tag(r), host);
		return -1;
	}
	/*
	 * The local server's TLS settings ([mariadb] ssl*) go with it; over
	 * TCP, mdb also restricts the authentication plugins (mdb.h), so a
	 * host posing as a peer cannot ask for the password in clear.
	 */
	memset(&db, 0, sizeof(db));
	db.ssl = r->db.ssl;
	db.ssl_verify = r->db.ssl_verify;
	memcpy(db.ssl_ca, r->db.ssl_ca, sizeof(db.ssl_ca));
	memcpy(db.ssl_cert, r->db.ssl_cert, sizeof(db.ssl_cert));
	memcpy(db.ssl_key, r->db.ssl_key, sizeof(db.ssl_key));
	snprintf(db.host, sizeof(db.host), "%s", host);
	db.port = port;
	snprintf(db.user, sizeof(db.user), "%s", r->c.repl_user);
	snprintf(db.password, sizeof(db.password), "%s", r->c.repl_password);
	db.connect_timeout_s = 1;
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->port = port;
	c->m = mdb_new(&db, 1);
	explicit_bzero(db.password, sizeof(db.password));
	if (c->m == NULL) {
		log_warn("%s role: peer %s", role_tag(r), host);
		return -1;
	}
	return 0;
}

void
rconn_close_peer(struct rconn *c)
{
	rconn_abort(c);
	mdb_free(c->m);
	c->m = NULL;
}

void
role_peers_close(struct role *r)
{
	int i;

	for (i = 0; i < r->npeer; i++)
		rconn_close_peer(&r->peer[i]);
	r->npeer = 0;
}

/* Stop the job in progress (a periodic check), sending nothing more. */
void
role_abandon(struct role *r)
{
	rconn_abort(&r->local);
	role_peers_close(r);
	r->job = JOB_NONE;
}

const char *
role_sql_error(const struct role *r, const struct rconn *c)
{
	static char buf[300];

	(void)r;
	snprintf(buf, sizeof(buf), "%s (error %u)", mdb_error(c->m),
	    mdb_errno(c->m));
	return buf;
}

/* --- addresses ------------------------------------------------------------ */

/*
 * The database address of the router advertising from vrrp: its db_peer
 * entry, or, for a configured unicast_peer / peer, the same address on
 * port 3306.  0, or -1 for an address that is not a configured peer (an
 * advert from elsewhere never leads to CHANGE MASTER, rejoin or a wait).
 */
int
role_map_peer(const struct role *r, const struct ipaddr *vrrp, char *host,
    size_t len, unsigned *port)
{
	const struct ipaddr *up;
	int i, n;

	for (i = 0; i < r->c.npeers; i++) {
		if (ipaddr_eq(&r->c.peers[i].vrrp, vrrp)) {
			snprintf(host, len, "%s", r->c.peers[i].host);
			*port = r->c.peers[i].port;
			return 0;
		}
	}
	n = r->ops.peers(r->ops.arg, &up);
	for (i = 0; i < n; i++) {
		if (ipaddr_eq(&up[i], vrrp)) {
			ipaddr_ntop(vrrp, host, len);
			*port = CHECK_DB_PORT;
			return 0;
		}
	}
	return -1;
}

/* The reverse: the advertising address of the database host:port. */
int
role_peer_vrrp(const struct role *r, const char *host, unsigned port,
    struct ipaddr *vrrp)
{
	const struct ipaddr *up;
	char ab[IPADDR_STRLEN];
	int i, n;

	for (i = 0; i < r->c.npeers; i++) {
		if (role_same_host(r->c.peers[i].host, r->c.peers[i].port,
		    host, port)) {
			*vrrp = r->c.peers[i].vrrp;
			return 0;
		}
	}
	n = r->ops.peers(r->ops.arg, &up);
	for (i = 0; i < n; i++) {
		ipaddr_ntop(&up[i], ab, sizeof(ab));
		if (role_same_host(ab, CHECK_DB_PORT, host, port)) {
			*vrrp = up[i];
			return 0;
		}
	}
	return -1;
}

/* Same database address, whatever the spelling. */
bool
role_same_host(const char *a, unsigned ap, const char *b, unsigned bp)
{
	struct ipaddr x, y;

	if (ap != bp)
		return false;
	if (ipaddr_parse(a, &x) == 0 && ipaddr_parse(b, &y) == 0)
		return ipaddr_eq(&x, &y);
	return strcmp(a, b) == 0;
}
