/* SPDX-License-Identifier: Apache-2.0 */
/*
 * acct: the grants of the configured accounts.  See acct.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../checks/grants.h"
#include "../../checks/mdb.h"
#include "../core/clock.h"
#include "../core/loop.h"
#include "acct.h"

struct acct {
	const struct conf *c;
	unsigned limit_s;
	void (*emit)(void *, bool, const char *);
	void *arg;
	int errors;
};

static void acct_emit(struct acct *, bool, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
acct_emit(struct acct *a, bool error, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (error)
		a->errors++;
	a->emit(a->arg, error, msg);
}

/* Where db points, for messages. */
static void
acct_where(const struct check_db *db, char *buf, size_t len)
{
	if (db->socket[0] != '\0')
		snprintf(buf, len, "%s", db->socket);
	else if (strchr(db->host, ':') != NULL)
		snprintf(buf, len, "[%s]:%u", db->host, db->port);
	else
		snprintf(buf, len, "%s:%u", db->host, db->port);
}

/*
 * One statement on m, run to completion in a loop of its own (`dbvipd -t`
 * and start-up, before the daemon's loop runs), bounded by limit_ms: the
 * same loop and wait the daemon uses, no private poll.
 */
struct acct_query {
	struct mdb *m;
	struct loop_wait w;
	enum mdb_rc rc;
};

static void
acct_query_arm(struct acct_query *q)
{
	uint64_t deadline;
	uint32_t events;
	int fd;

	if (q->rc != MDB_WAIT)
		return;
	mdb_wait(q->m, &fd, &events, &deadline);
	if (loop_wait_arm(&q->w, fd, events, deadline) == -1) {
		mdb_abort(q->m, "cannot watch the connection", clock_update());
		q->rc = MDB_ERR;
	}
}

static void
acct_query_step(void *arg, uint32_t events)
{
	struct acct_query *q = arg;

	q->rc = mdb_step(q->m, events, clock_now());
	acct_query_arm(q);
}

static bool
acct_query_done(void *arg)
{
	return ((struct acct_query *)arg)->rc != MDB_WAIT;
}

static enum mdb_rc
acct_query(struct mdb *m, const char *sql, unsigned limit_ms)
{
	struct acct_query q = { .m = m, .rc = MDB_ERR };
	struct loop *l;
	char why[64];

	if ((l = loop_new()) == NULL)
		return MDB_ERR;
	loop_wait_init(&q.w, l, acct_query_step, &q, "acct sql");
	q.rc = mdb_query_start(m, sql, clock_update());
	acct_query_arm(&q);
	if (q.rc == MDB_WAIT && loop_run_until(l, clock_now() +
	    (uint64_t)limit_ms * 1000, acct_query_done, &q) == -1 &&
	    q.rc == MDB_WAIT) {
		snprintf(why, sizeof(why), "no answer within %u ms", limit_ms);
		mdb_abort(m, why, clock_update());
		q.rc = MDB_ERR;
	}
	loop_wait_cancel(&q.w);
	loop_free(l);
	return q.rc;
}

/*
 * Log in as db's account and read its grants into g.  0, or -1 after a
 * finding (a warning if the server cannot be reached, else an error).
 */
static int
acct_read(struct acct *a, const struct check_db *db, const char *who,
    struct grants *g)
{
	unsigned limit = db->connect_timeout_s < a->limit_s ?
	    db->connect_timeout_s : a->limit_s;
	char where[140];
	struct mdb *m;
	unsigned err;
	size_t i;

	acct_where(db, where, sizeof(where));
	if ((m = mdb_new(db, limit)) == NULL) {
		acct_emit(a, true, "%s %s on %s: out of memory", who, db->user,
		    where);
		return -1;
	}
	/* Plain SHOW GRANTS: it includes the active roles (grants.h). */
	if (acct_query(m, "SHOW GRANTS", limit * 1000 + 500) != MDB_OK) {
		err = mdb_errno(m);
		if (err == 2002 || err == 2003 || err == 2006 || err == 2013)
			acct_emit(a, false, "%s %s on %s: cannot check its "
			    "grants, the server does not answer: %s (error "
			    "%u)", who, db->user, where, mdb_error(m), err);
		else
			acct_emit(a, true, "%s %s on %s: %s (error %u)", who,
			    db->user, where, mdb_error(m), err);
		mdb_free(m);
		return -1;
	}
	grants_init(g);
	for (i = 0; i < mdb_nrows(m); i++)
		if (mdb_value(m, i, 0) != NULL)
			(void)grants_add_line(g, mdb_value(m, i, 0));
	if (g->skipped > 0)
		acct_emit(a, false, "%s %s on %s: %d SHOW GRANTS line(s) not "
		    "understood; ignored", who, db->user, where, g->skipped);
	mdb_free(m);
	return 0;
}

/* need (on *.*, or on db.table) missing from g: an error naming them. */
static void
acct_need(struct acct *a, const struct grants *g, const char *who,
    const struct check_db *db, uint32_t need, const char *obj_db,
    const char *obj_table, const char *why)
{
	char where[140], names[300];
	uint32_t miss = grants_missing(g, need, obj_db, obj_table);

	if (miss == 0)
		return;
	acct_where(db, where, sizeof(where));
	grants_names(miss, names, sizeof(names));
	if (obj_db != NULL)
		acct_emit(a, true, "%s %s on %s: missing %s ON `%s`.* (%s)",
		    who, db->user, where, names, obj_db, why);
	else
		acct_emit(a, true, "%s %s on %s: missing %s ON *.* (%s)", who,
		    db->user, where, names, why);
}

static void
acct_check_user(struct acct *a, bool is_admin)
{
	const struct conf *c = a->c;
	char dbn[65], tbl[65], why[120], names[200];
	struct grants g;
	uint32_t need, obj, excess;
	int i;

	if (acct_read(a, &c->db, "check user", &g) == -1)
		return;
	for (i = 0; i < c->nchecks; i++) {
		const struct check_conf *cc = &c->checks[i].cc;

		need = grants_need_check(cc, &obj, dbn, tbl);
		snprintf(why, sizeof(why), "check %s, type %s", cc->name,
		    check_type_name(cc->type));
		acct_need(a, &g, "check user", &c->db, need, NULL, NULL, why);
		if (obj != 0)
			acct_need(a, &g, "check user", &c->db, obj, dbn, tbl,
			    why);
	}
	if (is_admin) {
		acct_need(a, &g, "check user", &c->db, GR_NEED_ADMIN, NULL,
		    NULL, "role SQL: no admin_user is set");
		return;
	}
	excess = grants_excess_check(&g);
	if (excess != 0) {
		grants_names(excess, names, sizeof(names));
		acct_emit(a, false, "check user %s holds %s ON *.*: more than "
		    "checks need%s; give them an account without it",
		    c->db.user, names, excess & (GR_READ_ONLY_ADMIN | GR_ALL) ?
		    ", and it writes even while read_only=ON" : "");
	}
}

static void
acct_admin_user(struct acct *a)
{
	const struct conf *c = a->c;
	struct check_db db = c->db;
	struct grants g;

	snprintf(db.user, sizeof(db.user), "%s", c->role.admin_user);
	snprintf(db.password, sizeof(db.password), "%s",
	    c->role.admin_password);
	if (acct_read(a, &db, "admin user", &g) == 0)
		acct_need(a, &g, "admin user", &db, GR_NEED_ADMIN, NULL, NULL,
		    "role SQL");
	explicit_bzero(db.password, sizeof(db.password));
}

/* The repl user as the peers see it: over TCP, with [mariadb]'s TLS. */
static void
acct_repl_user(struct acct *a, const struct conf_db_peer *p)
{
	const struct conf *c = a->c;
	struct check_db db;
	struct grants g;

	memset(&db, 0, sizeof(db));
	snprintf(db.host, sizeof(db.host), "%s", p->host);
	db.port = p->port;
	snprintf(db.user, sizeof(db.user), "%s", c->role.repl_user);
	snprintf(db.password, sizeof(db.password), "%s",
	    c->role.repl_password);
	db.connect_timeout_s = c->db.connect_timeout_s;
	db.ssl = c->db.ssl;
	db.ssl_verify = c->db.ssl_verify;
	memcpy(db.ssl_ca, c->db.ssl_ca, sizeof(db.ssl_ca));
	memcpy(db.ssl_cert, c->db.ssl_cert, sizeof(db.ssl_cert));
	memcpy(db.ssl_key, c->db.ssl_key, sizeof(db.ssl_key));
	if (acct_read(a, &db, "repl user", &g) == 0)
		acct_need(a, &g, "repl user", &db, GR_NEED_REPL, NULL, NULL,
		    "replication and the peers' freshness");
	explicit_bzero(db.password, sizeof(db.password));
}

int
acct_check(const struct conf *c, bool peers, unsigned limit_s,
    void (*emit)(void *arg, bool error, const char *msg), void *arg)
{
	struct acct a = { c, limit_s ? limit_s : 1, emit, arg, 0 };
	bool repl = c->role.kind == CONF_ROLE_REPLICATION;
	int i;

	if (!c->have_db)
		return 0;
	acct_check_user(&a, repl && c->role.admin_user[0] == '\0');
	if (repl && c->role.admin_user[0] != '\0')
		acct_admin_user(&a);
	if (repl && peers)
		for (i = 0; i < c->role.npeers; i++)
			acct_repl_user(&a, &c->role.peers[i]);
	return a.errors;
}
