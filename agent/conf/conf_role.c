/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_role: the database role keys of [mariadb] (role, admin and
 * replication accounts, promotion bounds, peer database addresses) and
 * `database = yes|no` in [instance NAME].  See conf.h for the keys and
 * agent/role/role.h for what they do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_int.h"

#define CONF_DEFAULT_PROMOTE_WAIT	5000	/* ms */
#define CONF_DEFAULT_PROMOTE_BACKOFF	10000	/* ms */
#define CONF_DEFAULT_DEMOTE_TIMEOUT	1000	/* ms */
#define CONF_DEFAULT_PEER_TIMEOUT	300	/* ms */

void
conf_role_defaults(struct conf_role *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = CONF_ROLE_NONE;
	r->promote_wait_ms = CONF_DEFAULT_PROMOTE_WAIT;
	r->promote_backoff_ms = CONF_DEFAULT_PROMOTE_BACKOFF;
	r->demote_timeout_ms = CONF_DEFAULT_DEMOTE_TIMEOUT;
	r->peer_timeout_ms = CONF_DEFAULT_PEER_TIMEOUT;
	r->inst = -1;
}

static int
set_role(struct conf_parse *p, const char *val)
{
	if (strcmp(val, "none") == 0)
		p->c->role.kind = CONF_ROLE_NONE;
	else if (strcmp(val, "replication") == 0)
		p->c->role.kind = CONF_ROLE_REPLICATION;
	else if (strcmp(val, "galera") == 0)
		p->c->role.kind = CONF_ROLE_GALERA;
	else {
		conf_fail(p, p->lineno, "role: '%s' is not none, replication "
		    "or galera", val);
		return -1;
	}
	return 0;
}

static int
set_admin_user(struct conf_parse *p, const char *val)
{
	return conf_str_key(p, "admin_user", val, p->c->role.admin_user,
	    sizeof(p->c->role.admin_user));
}

static int
set_admin_password_file(struct conf_parse *p, const char *val)
{
	struct conf_role *r = &p->c->role;

	return conf_secret_file(p, "admin_password_file", val,
	    r->admin_password_file, sizeof(r->admin_password_file),
	    r->admin_password, sizeof(r->admin_password));
}

static int
set_repl_user(struct conf_parse *p, const char *val)
{
	/* Pasted into CHANGE MASTER TO between quotes. */
	if (strpbrk(val, "'\\\"") != NULL) {
		conf_fail(p, p->lineno, "repl_user: quotes and backslashes "
		    "are not allowed");
		return -1;
	}
	return conf_str_key(p, "repl_user", val, p->c->role.repl_user,
	    sizeof(p->c->role.repl_user));
}

static int
set_repl_password_file(struct conf_parse *p, const char *val)
{
	struct conf_role *r = &p->c->role;

	if (conf_secret_file(p, "repl_password_file", val,
	    r->repl_password_file, sizeof(r->repl_password_file),
	    r->repl_password, sizeof(r->repl_password)) == -1)
		return -1;
	if (strpbrk(r->repl_password, "'\\") != NULL) {
		explicit_bzero(r->repl_password, sizeof(r->repl_password));
		conf_fail(p, p->lineno, "repl_password_file: the password "
		    "must not contain quotes or backslashes (it is sent in "
		    "CHANGE MASTER TO)");
		return -1;
	}
	return 0;
}

static int
set_ms(struct conf_parse *p, const char *key, const char *val,
    uint32_t min_ms, uint32_t max_ms, uint32_t *out)
{
	if (conf_ms_key(p, key, val, max_ms, out) == -1)
		return -1;
	if (*out < min_ms) {
		conf_fail(p, p->lineno, "%s: at least %u.%03u seconds", key,
		    min_ms / 1000, min_ms % 1000);
		return -1;
	}
	return 0;
}

static int
set_promote_wait(struct conf_parse *p, const char *val)
{
	/* MASTER_GTID_WAIT takes whole seconds or fractions: keep ms. */
	return set_ms(p, "promote_wait", val, 0, 3600000,
	    &p->c->role.promote_wait_ms);
}

static int
set_promote_backoff(struct conf_parse *p, const char *val)
{
	return set_ms(p, "promote_backoff", val, 100, 3600000,
	    &p->c->role.promote_backoff_ms);
}

static int
set_demote_timeout(struct conf_parse *p, const char *val)
{
	return set_ms(p, "demote_timeout", val, 10, 60000,
	    &p->c->role.demote_timeout_ms);
}

static int
set_role_check_interval(struct conf_parse *p, const char *val)
{
	return set_ms(p, "role_check_interval", val, 0, 3600000,
	    &p->c->role.check_interval_ms);
}

static int
set_peer_timeout(struct conf_parse *p, const char *val)
{
	return set_ms(p, "peer_timeout", val, 10, 60000,
	    &p->c->role.peer_timeout_ms);
}

static int
set_promote_sql(struct conf_parse *p, const char *val)
{
	return conf_str_key(p, "promote_sql", val, p->c->role.promote_sql,
	    sizeof(p->c->role.promote_sql));
}

static int
set_kill_sessions(struct conf_parse *p, const char *val)
{
	return conf_bool_key(p, "kill_sessions_on_demote", val,
	    &p->c->role.kill_sessions);
}

/*
 * "VRRP-ADDRESS DB-ADDRESS[:PORT]"; an IPv6 database address with a port
 * is written [ADDR]:PORT.  Both addresses numeric: a name would block.
 */
static int
set_db_peer(struct conf_parse *p, const char *val)
{
	struct conf_role *r = &p->c->role;
	struct conf_db_peer dp;
	struct ipaddr a;
	char v[160], *sp, *db, *port = NULL, *end;
	unsigned long n;
	int i;

	memset(&dp, 0, sizeof(dp));
	dp.port = CHECK_DB_PORT;
	snprintf(v, sizeof(v), "%s", val);
	sp = strpbrk(v, " \t");
	if (sp == NULL) {
		conf_fail(p, p->lineno, "db_peer: '%s' is not 'VRRP-ADDRESS "
		    "DB-ADDRESS[:PORT]'", val);
		return -1;
	}
	*sp = '\0';
	db = sp + 1 + strspn(sp + 1, " \t");
	if (ipaddr_parse(v, &dp.vrrp) == -1) {
		conf_fail(p, p->lineno, "db_peer: '%s' is not a numeric "
		    "address", v);
		return -1;
	}
	if (db[0] == '[') {
		end = strchr(db, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':')) {
			conf_fail(p, p->lineno, "db_peer: '%s': use "
			    "[ADDRESS]:PORT", db);
			return -1;
		}
		*end = '\0';
		if (end[1] == ':')
			port = end + 2;
		db++;
	} else if (strchr(db, ':') != NULL && strchr(db, '.') != NULL) {
		port = strchr(db, ':');
		*port++ = '\0';
	}
	if (ipaddr_parse(db, &a) == -1 || strlen(db) >= sizeof(dp.host)) {
		conf_fail(p, p->lineno, "db_peer: '%s' is not a numeric "
		    "address (names are not resolved: they would block)", db);
		return -1;
	}
	strcpy(dp.host, db);
	if (port != NULL) {
		n = strtoul(port, &end, 10);
		if (*port == '\0' || *end != '\0' || n < 1 || n > 65535) {
			conf_fail(p, p->lineno, "db_peer: port '%s' is not "
			    "1..65535", port);
			return -1;
		}
		dp.port = (unsigned)n;
	}
	for (i = 0; i < r->npeers; i++) {
		if (ipaddr_eq(&r->peers[i].vrrp, &dp.vrrp)) {
			conf_fail(p, p->lineno, "db_peer: %s is already "
			    "mapped", v);
			return -1;
		}
	}
	if (r->npeers == CONF_MAX_DB_PEERS) {
		conf_fail(p, p->lineno, "db_peer: more than %d",
		    CONF_MAX_DB_PEERS);
		return -1;
	}
	r->peers[r->npeers++] = dp;
	return 0;
}

static int
set_database(struct conf_parse *p, const char *val)
{
	bool b;

	if (conf_bool_key(p, "database", val, &b) == -1)
		return -1;
	p->ci->database = b ? 1 : 0;
	return 0;
}

const struct conf_key conf_role_keys[] = {
	{ "role", SEC_MARIADB, K_DB_ROLE, false, set_role },
	{ "admin_user", SEC_MARIADB, K_DB_ADMIN_USER, false, set_admin_user },
	{ "admin_password_file", SEC_MARIADB, K_DB_ADMIN_PASSWORD_FILE, false,
	    set_admin_password_file },
	{ "repl_user", SEC_MARIADB, K_DB_REPL_USER, false, set_repl_user },
	{ "repl_password_file", SEC_MARIADB, K_DB_REPL_PASSWORD_FILE, false,
	    set_repl_password_file },
	{ "promote_wait", SEC_MARIADB, K_DB_PROMOTE_WAIT, false,
	    set_promote_wait },
	{ "promote_backoff", SEC_MARIADB, K_DB_PROMOTE_BACKOFF, false,
	    set_promote_backoff },
	{ "demote_timeout", SEC_MARIADB, K_DB_DEMOTE_TIMEOUT, false,
	    set_demote_timeout },
	{ "role_check_interval", SEC_MARIADB, K_DB_ROLE_CHECK_INTERVAL, false,
	    set_role_check_interval },
	{ "peer_timeout", SEC_MARIADB, K_DB_PEER_TIMEOUT, false,
	    set_peer_timeout },
	{ "promote_sql", SEC_MARIADB, K_DB_PROMOTE_SQL, false,
	    set_promote_sql },
	{ "kill_sessions_on_demote", SEC_MARIADB, K_DB_KILL_SESSIONS, false,
	    set_kill_sessions },
	{ "db_peer", SEC_MARIADB, K_DB_PEER, true, set_db_peer },
	{ "database", SEC_INSTANCE, K_DATABASE, false, set_database },
};
const size_t conf_role_nkeys = sizeof(conf_role_keys) /
    sizeof(conf_role_keys[0]);

int
conf_resolve_role(struct conf_parse *p)
{
	struct conf *c = p->c;
	struct conf_role *r = &c->role;
	struct conf_instance *ci;
	int i, marked = -1;

	for (i = 0; i < c->ninst; i++) {
		if (c->inst[i].database != 1)
			continue;
		if (marked != -1) {
			conf_fail(p, c->inst[i].line, "instance %s: database "
			    "= yes, but instance %s already carries the "
			    "database role", c->inst[i].name,
			    c->inst[marked].name);
			return -1;
		}
		marked = i;
	}
	if (r->kind == CONF_ROLE_NONE) {
		if (marked != -1) {
			conf_fail(p, c->inst[marked].line, "instance %s: "
			    "database = yes needs role = replication or "
			    "galera in [mariadb]", c->inst[marked].name);
			return -1;
		}
		return 0;
	}
	if (!c->have_db) {
		conf_fail(p, 0, "role needs a [mariadb] section");
		return -1;
	}
	if (marked == -1 && c->ninst == 1 && c->inst[0].database != 0)
		marked = 0;
	if (marked == -1) {
		conf_fail(p, 0, "role = %s with several instances: set "
		    "database = yes in the one that carries it",
		    r->kind == CONF_ROLE_GALERA ? "galera" : "replication");
		return -1;
	}
	r->inst = marked;
	if (r->kind != CONF_ROLE_REPLICATION)
		return 0;
	if (r->repl_user[0] == '\0' || r->repl_password_file[0] == '\0') {
		conf_fail(p, 0, "role = replication needs repl_user and "
		    "repl_password_file in [mariadb]");
		return -1;
	}
	/*
	 * The role follows, waits for and asks only configured peers: an
	 * advert from an address it does not know never moves the database.
	 */
	ci = &c->inst[marked];
	if (r->npeers == 0 && ci->npeers == 0 && ci->nmpeers == 0) {
		conf_fail(p, 0, "role = replication needs the other hosts: "
		    "db_peer in [mariadb], or unicast_peer / peer in "
		    "[instance %s]", ci->name);
		return -1;
	}
	/*
	 * A multicast group without a peer list: the db_peer addresses are
	 * the group (every host of a replication group runs the role), so
	 * adverts from anywhere else are dropped like with peer =, and a
	 * forged advert cannot take the VIP from the primary.
	 */
	if (ci->npeers == 0 && ci->nmpeers == 0)
		for (i = 0; i < r->npeers && ci->nmpeers < CONF_MAX_PEERS; i++)
			if (r->peers[i].vrrp.family == ci->family)
				ci->mpeers[ci->nmpeers++] = r->peers[i].vrrp;
	if ((r->admin_user[0] == '\0') != (r->admin_password_file[0] ==
	    '\0')) {
		conf_fail(p, 0, "admin_user and admin_password_file go "
		    "together");
		return -1;
	}
	return 0;
}
