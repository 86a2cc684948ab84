/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_checks: the database side of the config file: [mariadb], [check
 * NAME] and an instance's `track = NAME`.  See conf.h for the keys and
 * conf_int.h for how this half plugs into the parser in conf.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_int.h"

#define CONF_DEFAULT_DB_TIMEOUT		2	/* s */
#define CONF_DEFAULT_CK_INTERVAL	1000	/* ms */
#define CONF_DEFAULT_CK_TIMEOUT		1000	/* ms */
#define CONF_DEFAULT_CK_FAST		200	/* ms, capped at interval */
#define CONF_DEFAULT_CK_RISE		2
#define CONF_DEFAULT_CK_FALL		2
#define CONF_DEFAULT_MAX_LAG		10	/* s */
#define CONF_DEFAULT_TABLE		"dbvip.heartbeat"

/* Copy a string value that must fit dst (size n) and be non-empty. */
int
conf_str_key(struct conf_parse *p, const char *key, const char *val,
    char *dst, size_t n)
{
	if (strlen(val) >= n) {
		conf_fail(p, p->lineno, "%s: longer than %zu characters", key,
		    n - 1);
		return -1;
	}
	strcpy(dst, val);
	return 0;
}

static int
conf_abs_path_key(struct conf_parse *p, const char *key, const char *val,
    char *dst, size_t n)
{
	if (val[0] != '/') {
		conf_fail(p, p->lineno, "%s: '%s' is not an absolute path",
		    key, val);
		return -1;
	}
	return conf_str_key(p, key, val, dst, n);
}

/* --- [mariadb] ------------------------------------------------------------ */

int
conf_begin_mariadb(struct conf_parse *p)
{
	struct conf *c = p->c;

	if (p->seen_mariadb) {
		conf_fail(p, p->lineno, "second [mariadb] section");
		return -1;
	}
	p->seen_mariadb = true;
	c->have_db = true;
	memset(&c->db, 0, sizeof(c->db));
	c->db.port = CHECK_DB_PORT;
	c->db.connect_timeout_s = CONF_DEFAULT_DB_TIMEOUT;
	p->sec = SEC_MARIADB;
	return 0;
}

static int
set_db_socket(struct conf_parse *p, const char *val)
{
	return conf_abs_path_key(p, "socket", val, p->c->db.socket,
	    sizeof(p->c->db.socket));
}

static int
set_db_host(struct conf_parse *p, const char *val)
{
	struct ipaddr a;

	/* Name resolution would block inside the non-blocking connect. */
	if (ipaddr_parse(val, &a) == -1) {
		conf_fail(p, p->lineno, "host: '%s' is not a numeric "
		    "address (names are not resolved: they would block)", val);
		return -1;
	}
	return conf_str_key(p, "host", val, p->c->db.host,
	    sizeof(p->c->db.host));
}

static int
set_db_port(struct conf_parse *p, const char *val)
{
	uint32_t v;

	if (conf_uint_key(p, "port", val, 1, 65535, &v) == -1)
		return -1;
	p->c->db.port = v;
	return 0;
}

static int
set_db_user(struct conf_parse *p, const char *val)
{
	return conf_str_key(p, "user", val, p->c->db.user,
	    sizeof(p->c->db.user));
}

/*
 * Read a secret from the file val now, so that a reload that cannot read
 * it is refused like any other error.  The file must belong to a trusted
 * reader only (no group or other bits).  key names the config key.
 */
int
conf_secret_file(struct conf_parse *p, const char *key, const char *val,
    char *path, size_t pathlen, char *dst, size_t dstlen)
{
	struct stat st;
	char buf[256];
	ssize_t n;
	int fd;

	if (conf_abs_path_key(p, key, val, path, pathlen) == -1)
		return -1;
	if ((fd = open(val, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		conf_fail(p, p->lineno, "%s: %s: %s", key, val,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		conf_fail(p, p->lineno, "%s: %s is not a regular file", key,
		    val);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		conf_fail(p, p->lineno, "%s: %s is readable by group or "
		    "others (mode %04o); chmod 600 it", key, val,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		conf_fail(p, p->lineno, "%s: %s: %s", key, val,
		    strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) >= dstlen) {
		conf_fail(p, p->lineno, "%s: the password is longer than %zu "
		    "characters", key, dstlen - 1);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	strcpy(dst, buf);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static int
set_db_password_file(struct conf_parse *p, const char *val)
{
	return conf_secret_file(p, "password_file", val,
	    p->c->password_file, sizeof(p->c->password_file),
	    p->c->db.password, sizeof(p->c->db.password));
}

static int
set_db_ssl(struct conf_parse *p, const char *val)
{
	return conf_bool_key(p, "ssl", val, &p->c->db.ssl);
}

/*
 * A TLS file: an absolute path to a regular file that exists now, so that
 * a typo is a file:line error.  private: the key, refused when group or
 * others may read it, like the password files.
 */
static int
conf_tls_file(struct conf_parse *p, const char *key, const char *val,
    char *dst, size_t n, bool private)
{
	struct stat st;

	if (conf_abs_path_key(p, key, val, dst, n) == -1)
		return -1;
	if (stat(val, &st) == -1) {
		conf_fail(p, p->lineno, "%s: %s: %s", key, val,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_fail(p, p->lineno, "%s: %s is not a regular file", key,
		    val);
		return -1;
	}
	if (private && (st.st_mode & 077) != 0) {
		conf_fail(p, p->lineno, "%s: %s is readable by group or "
		    "others (mode %04o); chmod 600 it", key, val,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

static int
set_db_ssl_ca(struct conf_parse *p, const char *val)
{
	if (conf_tls_file(p, "ssl_ca", val, p->c->db.ssl_ca,
	    sizeof(p->c->db.ssl_ca), false) == -1)
		return -1;
	/* A CA is given to be checked against, unless said otherwise. */
	if (p->key_line[K_DB_SSL_VERIFY] == 0)
		p->c->db.ssl_verify = true;
	return 0;
}

static int
set_db_ssl_cert(struct conf_parse *p, const char *val)
{
	return conf_tls_file(p, "ssl_cert", val, p->c->db.ssl_cert,
	    sizeof(p->c->db.ssl_cert), false);
}

static int
set_db_ssl_key(struct conf_parse *p, const char *val)
{
	return conf_tls_file(p, "ssl_key", val, p->c->db.ssl_key,
	    sizeof(p->c->db.ssl_key), true);
}

static int
set_db_ssl_verify(struct conf_parse *p, const char *val)
{
	return conf_bool_key(p, "ssl_verify_server_cert", val,
	    &p->c->db.ssl_verify);
}

/* The ssl keys together, once [mariadb] is complete. */
static int
conf_check_ssl(struct conf_parse *p)
{
	const struct check_db *db = &p->c->db;

	if (!db->ssl && (db->ssl_ca[0] != '\0' || db->ssl_cert[0] != '\0' ||
	    db->ssl_key[0] != '\0')) {
		conf_fail(p, 0, "[mariadb] ssl_ca, ssl_cert and ssl_key need "
		    "ssl = yes");
		return -1;
	}
	if ((db->ssl_cert[0] == '\0') != (db->ssl_key[0] == '\0')) {
		conf_fail(p, 0, "[mariadb] ssl_cert and ssl_key go together");
		return -1;
	}
	return 0;
}

static int
set_db_connect_timeout(struct conf_parse *p, const char *val)
{
	uint32_t v;

	if (conf_uint_key(p, "connect_timeout", val, 1, 60, &v) == -1)
		return -1;
	p->c->db.connect_timeout_s = v;
	return 0;
}

/* --- [check NAME] --------------------------------------------------------- */

int
conf_begin_check(struct conf_parse *p, const char *name)
{
	struct conf *c = p->c;
	struct conf_check *nc, *ck;
	int i;

	if (!conf_valid_name(name) || strlen(name) >= sizeof(ck->cc.name)) {
		conf_fail(p, p->lineno, "check name '%s': use 1..%d of "
		    "A-Z a-z 0-9 _ . -", name, CONF_NAME_MAX - 1);
		return -1;
	}
	for (i = 0; i < c->nchecks; i++) {
		if (strcmp(c->checks[i].cc.name, name) == 0) {
			conf_fail(p, p->lineno, "check %s is already defined "
			    "at line %d", name, c->checks[i].line);
			return -1;
		}
	}
	if (c->nchecks == CONF_MAX_CHECKS) {
		conf_fail(p, p->lineno, "more than %d checks",
		    CONF_MAX_CHECKS);
		return -1;
	}
	nc = reallocarray(c->checks, (size_t)c->nchecks + 1, sizeof(*nc));
	if (nc == NULL) {
		conf_fail(p, p->lineno, "out of memory");
		return -1;
	}
	c->checks = nc;
	ck = &c->checks[c->nchecks++];
	memset(ck, 0, sizeof(*ck));
	strcpy(ck->cc.name, name);
	ck->cc.interval_ms = CONF_DEFAULT_CK_INTERVAL;
	ck->cc.timeout_ms = CONF_DEFAULT_CK_TIMEOUT;
	ck->cc.max_lag_s = CONF_DEFAULT_MAX_LAG;
	ck->cc.min_cluster_size = 1;
	strcpy(ck->cc.table, CONF_DEFAULT_TABLE);
	ck->fast_interval_ms = CONF_DEFAULT_CK_FAST;
	ck->rise = CONF_DEFAULT_CK_RISE;
	ck->fall = CONF_DEFAULT_CK_FALL;
	ck->line = p->lineno;
	p->ck = ck;
	p->sec = SEC_CHECK;
	return 0;
}

static int
set_ck_type(struct conf_parse *p, const char *val)
{
	int t = check_type_parse(val);

	if (t < 0) {
		conf_fail(p, p->lineno, "type: '%s' is not ping, sql, write, "
		    "replication, galera, read_only or script", val);
		return -1;
	}
	p->ck->cc.type = (enum check_type)t;
	return 0;
}

static int
set_ck_interval(struct conf_parse *p, const char *val)
{
	if (conf_ms_key(p, "interval", val, 3600000, &p->ck->cc.interval_ms)
	    == -1)
		return -1;
	if (p->ck->cc.interval_ms < 10) {
		conf_fail(p, p->lineno, "interval: at least 0.01 seconds");
		return -1;
	}
	return 0;
}

static int
set_ck_fast_interval(struct conf_parse *p, const char *val)
{
	if (conf_ms_key(p, "fast_interval", val, 3600000,
	    &p->ck->fast_interval_ms) == -1)
		return -1;
	if (p->ck->fast_interval_ms < 10) {
		conf_fail(p, p->lineno, "fast_interval: at least 0.01 seconds");
		return -1;
	}
	return 0;
}

static int
set_ck_timeout(struct conf_parse *p, const char *val)
{
	if (conf_ms_key(p, "timeout", val, 600000, &p->ck->cc.timeout_ms)
	    == -1)
		return -1;
	if (p->ck->cc.timeout_ms < 10) {
		conf_fail(p, p->lineno, "timeout: at least 0.01 seconds");
		return -1;
	}
	return 0;
}

static int
set_ck_rise(struct conf_parse *p, const char *val)
{
	uint32_t v;

	if (conf_uint_key(p, "rise", val, 1, 100, &v) == -1)
		return -1;
	p->ck->rise = v;
	return 0;
}

static int
set_ck_fall(struct conf_parse *p, const char *val)
{
	uint32_t v;

	if (conf_uint_key(p, "fall", val, 1, 100, &v) == -1)
		return -1;
	p->ck->fall = v;
	return 0;
}

static int
set_ck_weight(struct conf_parse *p, const char *val)
{
	uint32_t v;
	bool neg = val[0] == '-';

	if (conf_uint_key(p, "weight", val + (neg || val[0] == '+'), 0, 254,
	    &v) == -1)
		return -1;
	p->ck->weight = neg ? -(int)v : (int)v;
	return 0;
}

static int
set_ck_query(struct conf_parse *p, const char *val)
{
	return conf_str_key(p, "query", val, p->ck->cc.query,
	    sizeof(p->ck->cc.query));
}

/* "=VALUE", "<NUMBER" or ">NUMBER". */
static int
set_ck_expect(struct conf_parse *p, const char *val)
{
	char *end;

	if (val[0] != '=' && val[0] != '<' && val[0] != '>') {
		conf_fail(p, p->lineno, "expect: '%s' must start with =, < "
		    "or >", val);
		return -1;
	}
	if (val[0] != '=') {
		errno = 0;
		(void)strtod(val + 1, &end);
		if (val[1] == '\0' || *end != '\0' || errno != 0) {
			conf_fail(p, p->lineno, "expect: '%s' compares with "
			    "%c, so it needs a number", val, val[0]);
			return -1;
		}
	}
	p->ck->cc.expect_op = val[0];
	return conf_str_key(p, "expect", val + 1, p->ck->cc.expect,
	    sizeof(p->ck->cc.expect));
}

/* DATABASE.TABLE of plain identifiers: it is pasted into SQL. */
static int
set_ck_table(struct conf_parse *p, const char *val)
{
	const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_";
	size_t db = strspn(val, ok);

	if (db == 0 || val[db] != '.' || val[db + 1] == '\0' ||
	    strspn(val + db + 1, ok) != strlen(val + db + 1)) {
		conf_fail(p, p->lineno, "table: '%s' is not DATABASE.TABLE "
		    "(letters, digits, _)", val);
		return -1;
	}
	return conf_str_key(p, "table", val, p->ck->cc.table,
	    sizeof(p->ck->cc.table));
}

static int
set_ck_max_lag(struct conf_parse *p, const char *val)
{
	return conf_uint_key(p, "max_lag", val, 0, 86400,
	    &p->ck->cc.max_lag_s);
}

static int
set_ck_min_cluster_size(struct conf_parse *p, const char *val)
{
	uint32_t v;

	if (conf_uint_key(p, "min_cluster_size", val, 1, 255, &v) == -1)
		return -1;
	p->ck->cc.min_cluster_size = v;
	return 0;
}

static int
set_ck_allow_donor(struct conf_parse *p, const char *val)
{
	return conf_bool_key(p, "allow_donor", val, &p->ck->cc.allow_donor);
}

static int
set_ck_read_only(struct conf_parse *p, const char *val)
{
	return conf_bool_key(p, "read_only", val,
	    &p->ck->cc.expect_read_only);
}

static int
set_ck_command(struct conf_parse *p, const char *val)
{
	return conf_str_key(p, "command", val, p->ck->cc.command,
	    sizeof(p->ck->cc.command));
}

/* --- track, in [instance NAME] -------------------------------------------- */

static int
set_track(struct conf_parse *p, const char *val)
{
	struct conf_instance *ci = p->ci;
	int i;

	if (!conf_valid_name(val)) {
		conf_fail(p, p->lineno, "track: '%s' is not a check name", val);
		return -1;
	}
	for (i = 0; i < ci->ntrack; i++) {
		if (strcmp(ci->track_name[i], val) == 0) {
			conf_fail(p, p->lineno, "track: %s is already tracked "
			    "at line %d", val, ci->track_line[i]);
			return -1;
		}
	}
	if (ci->ntrack == CONF_MAX_TRACK) {
		conf_fail(p, p->lineno, "track: more than %d", CONF_MAX_TRACK);
		return -1;
	}
	strcpy(ci->track_name[ci->ntrack], val);
	ci->track_line[ci->ntrack++] = p->lineno;
	return 0;
}

const struct conf_key conf_check_keys[] = {
	{ "socket", SEC_MARIADB, K_DB_SOCKET, false, set_db_socket },
	{ "host", SEC_MARIADB, K_DB_HOST, false, set_db_host },
	{ "port", SEC_MARIADB, K_DB_PORT, false, set_db_port },
	{ "user", SEC_MARIADB, K_DB_USER, false, set_db_user },
	{ "password_file", SEC_MARIADB, K_DB_PASSWORD_FILE, false,
	    set_db_password_file },
	{ "connect_timeout", SEC_MARIADB, K_DB_CONNECT_TIMEOUT, false,
	    set_db_connect_timeout },
	{ "ssl", SEC_MARIADB, K_DB_SSL, false, set_db_ssl },
	{ "ssl_ca", SEC_MARIADB, K_DB_SSL_CA, false, set_db_ssl_ca },
	{ "ssl_cert", SEC_MARIADB, K_DB_SSL_CERT, false, set_db_ssl_cert },
	{ "ssl_key", SEC_MARIADB, K_DB_SSL_KEY, false, set_db_ssl_key },
	{ "ssl_verify_server_cert", SEC_MARIADB, K_DB_SSL_VERIFY, false,
	    set_db_ssl_verify },
	{ "type", SEC_CHECK, K_CK_TYPE, false, set_ck_type },
	{ "interval", SEC_CHECK, K_CK_INTERVAL, false, set_ck_interval },
	{ "fast_interval", SEC_CHECK, K_CK_FAST_INTERVAL, false,
	    set_ck_fast_interval },
	{ "timeout", SEC_CHECK, K_CK_TIMEOUT, false, set_ck_timeout },
	{ "rise", SEC_CHECK, K_CK_RISE, false, set_ck_rise },
	{ "fall", SEC_CHECK, K_CK_FALL, false, set_ck_fall },
	{ "weight", SEC_CHECK, K_CK_WEIGHT, false, set_ck_weight },
	{ "query", SEC_CHECK, K_CK_QUERY, false, set_ck_query },
	{ "expect", SEC_CHECK, K_CK_EXPECT, false, set_ck_expect },
	{ "table", SEC_CHECK, K_CK_TABLE, false, set_ck_table },
	{ "max_lag", SEC_CHECK, K_CK_MAX_LAG, false, set_ck_max_lag },
	{ "min_cluster_size", SEC_CHECK, K_CK_MIN_CLUSTER_SIZE, false,
	    set_ck_min_cluster_size },
	{ "allow_donor", SEC_CHECK, K_CK_ALLOW_DONOR, false,
	    set_ck_allow_donor },
	{ "read_only", SEC_CHECK, K_CK_READ_ONLY, false, set_ck_read_only },
	{ "command", SEC_CHECK, K_CK_COMMAND, false, set_ck_command },
	{ "track", SEC_INSTANCE, K_TRACK, true, set_track },
};
const size_t conf_check_nkeys =
    sizeof(conf_check_keys) / sizeof(conf_check_keys[0]);

/* Which type-specific keys belong to which type. */
static const struct {
	enum conf_key_id key;
	const char *name;
	enum check_type type;
	bool required;
} conf_type_keys[] = {
	{ K_CK_QUERY, "query", CHECK_SQL, true },
	{ K_CK_EXPECT, "expect", CHECK_SQL, false },
	{ K_CK_TABLE, "table", CHECK_WRITE, false },
	{ K_CK_MAX_LAG, "max_lag", CHECK_REPLICATION, false },
	{ K_CK_MIN_CLUSTER_SIZE, "min_cluster_size", CHECK_GALERA, false },
	{ K_CK_ALLOW_DONOR, "allow_donor", CHECK_GALERA, false },
	{ K_CK_READ_ONLY, "read_only", CHECK_READ_ONLY, true },
	{ K_CK_COMMAND, "command", CHECK_SCRIPT, true },
};

int
conf_end_check(struct conf_parse *p)
{
	struct conf_check *ck = p->ck;
	size_t i;

	if (p->key_line[K_CK_TYPE] == 0) {
		conf_fail(p, ck->line, "check %s: type is missing",
		    ck->cc.name);
		return -1;
	}
	if (ck->fast_interval_ms > ck->cc.interval_ms) {
		if (p->key_line[K_CK_FAST_INTERVAL] != 0) {
			conf_fail(p, p->key_line[K_CK_FAST_INTERVAL],
			    "fast_interval: above interval");
			return -1;
		}
		ck->fast_interval_ms = ck->cc.interval_ms;
	}
	for (i = 0; i < sizeof(conf_type_keys) / sizeof(conf_type_keys[0]);
	    i++) {
		int line = p->key_line[conf_type_keys[i].key];

		if (line != 0 && conf_type_keys[i].type != ck->cc.type) {
			conf_fail(p, line, "%s: only for type %s, this check "
			    "is %s", conf_type_keys[i].name,
			    check_type_name(conf_type_keys[i].type),
			    check_type_name(ck->cc.type));
			return -1;
		}
		if (line == 0 && conf_type_keys[i].type == ck->cc.type &&
		    conf_type_keys[i].required) {
			conf_fail(p, ck->line, "check %s: type %s needs %s",
			    ck->cc.name, check_type_name(ck->cc.type),
			    conf_type_keys[i].name);
			return -1;
		}
	}
	return 0;
}

int
conf_resolve_tracks(struct conf_parse *p)
{
	struct conf *c = p->c;
	struct conf_instance *ci;
	char err[256];
	int i, j;

	for (j = 0; j < c->nchecks; j++) {
		if (c->checks[j].cc.type != CHECK_SCRIPT && !c->have_db) {
			conf_fail(p, c->checks[j].line, "check %s: type %s "
			    "needs a [mariadb] section", c->checks[j].cc.name,
			    check_type_name(c->checks[j].cc.type));
			return -1;
		}
	}
	if (c->have_db && c->db.socket[0] == '\0' && c->db.host[0] == '\0') {
		conf_fail(p, 0, "[mariadb] needs socket or host");
		return -1;
	}
	if (c->have_db && c->db.socket[0] != '\0' && c->db.host[0] != '\0') {
		conf_fail(p, 0, "[mariadb] has both socket and host; "
		    "choose one");
		return -1;
	}
	if (c->have_db && c->db.user[0] == '\0') {
		conf_fail(p, 0, "[mariadb] needs user");
		return -1;
	}
	if (c->have_db && conf_check_ssl(p) == -1)
		return -1;
	/* The module's own rules, as a last word (they also guard its API). */
	for (j = 0; j < c->nchecks; j++) {
		if (check_validate(&c->checks[j].cc, c->have_db ? &c->db : NULL,
		    err, sizeof(err)) == -1) {
			conf_fail(p, c->checks[j].line, "check %s: %s",
			    c->checks[j].cc.name, err);
			return -1;
		}
	}
	for (ci = c->inst; ci < c->inst + c->ninst; ci++) {
		for (i = 0; i < ci->ntrack; i++) {
			for (j = 0; j < c->nchecks; j++)
				if (strcmp(c->checks[j].cc.name,
				    ci->track_name[i]) == 0)
					break;
			if (j == c->nchecks) {
				conf_fail(p, ci->track_line[i], "track: no "
				    "[check %s] in this file",
				    ci->track_name[i]);
				return -1;
			}
			ci->track[i] = j;
		}
	}
	return 0;
}

void
conf_checks_free(struct conf *c)
{
	explicit_bzero(c->db.password, sizeof(c->db.password));
	explicit_bzero(c->role.admin_password, sizeof(c->role.admin_password));
	explicit_bzero(c->role.repl_password, sizeof(c->role.repl_password));
	free(c->checks);
	c->checks = NULL;
	c->nchecks = 0;
}
