/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_int: what the two halves of the config parser share.  conf.c holds
 * the framework (line reader, sections, key dispatch) and [global] /
 * [instance]; conf_checks.c holds [mariadb], [check NAME] and the
 * instance's `track`.  Not for use outside agent/conf*.c.
 */
#ifndef DBVIP_CONF_INT_H
#define DBVIP_CONF_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

#define CONF_DEFAULT_SOCKET	"/run/dbvip/dbvipd.sock"
#define CONF_DEFAULT_PRIORITY	100
#define CONF_DEFAULT_VERSION	3
#define CONF_DEFAULT_ADVERT_CS	100
#define CONF_DEFAULT_GARP_REPEAT 3
#define CONF_DEFAULT_GARP_DELAY	100	/* ms */

#define CONF_MAX_PREEMPT_DELAY	3600000	/* ms */
#define CONF_MAX_GARP_REPEAT	100
#define CONF_MAX_INSTANCES	1024

enum conf_sec {
	SEC_NONE = 0,
	SEC_GLOBAL,
	SEC_INSTANCE,
	SEC_MARIADB,
	SEC_CHECK,
};

/* Keys whose line a cross-check may need to report. */
enum conf_key_id {
	K_CONTROL_SOCKET,
	K_USER,
	K_INTERFACE,
	K_VRID,
	K_PRIORITY,
	K_VERSION,
	K_ADVERT_INT,
	K_VIP,
	K_UNICAST_PEER,
	K_PEER,
	K_PREEMPT,
	K_PREEMPT_DELAY,
	K_CHECKSUM,
	K_AUTH_PASS,
	K_GARP_REPEAT,
	K_GARP_DELAY,
	K_GARP_REFRESH,
	K_TRACK,
	/* [mariadb] */
	K_DB_SOCKET,
	K_DB_HOST,
	K_DB_PORT,
	K_DB_USER,
	K_DB_PASSWORD_FILE,
	K_DB_CONNECT_TIMEOUT,
	K_DB_SSL,
	K_DB_SSL_CA,
	K_DB_SSL_CERT,
	K_DB_SSL_KEY,
	K_DB_SSL_VERIFY,
	K_DB_ROLE,
	K_DB_ADMIN_USER,
	K_DB_ADMIN_PASSWORD_FILE,
	K_DB_REPL_USER,
	K_DB_REPL_PASSWORD_FILE,
	K_DB_PROMOTE_WAIT,
	K_DB_PROMOTE_BACKOFF,
	K_DB_DEMOTE_TIMEOUT,
	K_DB_ROLE_CHECK_INTERVAL,
	K_DB_PEER_TIMEOUT,
	K_DB_PROMOTE_SQL,
	K_DB_KILL_SESSIONS,
	K_DB_PEER,
	K_DATABASE,
	/* [check NAME] */
	K_CK_TYPE,
	K_CK_INTERVAL,
	K_CK_FAST_INTERVAL,
	K_CK_TIMEOUT,
	K_CK_RISE,
	K_CK_FALL,
	K_CK_WEIGHT,
	K_CK_QUERY,
	K_CK_EXPECT,
	K_CK_TABLE,
	K_CK_MAX_LAG,
	K_CK_MIN_CLUSTER_SIZE,
	K_CK_ALLOW_DONOR,
	K_CK_READ_ONLY,
	K_CK_COMMAND,
	/* conf_ops.c: operator guards and notify hooks */
	K_FAILOVER_BLOCK,
	K_LOCK_FILE,
	K_NOTIFY_TIMEOUT,
	K_EVENT_SCRIPT,
	K_NOTIFY_MASTER,
	K_NOTIFY_BACKUP,
	K_NOTIFY_FAULT,
	K_NOTIFY_STOP,
	K_NOTIFY,
	K__MAX
};

struct conf_parse {
	const char *path;
	FILE *fp;
	char *buf;			/* getline() buffer */
	size_t bufcap;
	int lineno;

	struct conf *c;
	enum conf_sec sec;
	int sec_line;
	bool seen_global;
	bool seen_mariadb;
	int failover_block_line;	/* [global] or [mariadb], once */
	struct conf_instance *ci;	/* current instance, if SEC_INSTANCE */
	struct conf_check *ck;		/* current check, if SEC_CHECK */
	int key_line[K__MAX];		/* 0 = not set in this section */
	int vip_line[CONF_MAX_VIPS];
	int peer_line[CONF_MAX_PEERS];
	int mpeer_line[CONF_MAX_PEERS];
	uint32_t advert_cs;		/* as written, checked at section end */
	bool advert_frac;

	bool failed;
	int err_line;
	char *err;
	size_t errlen;
};

struct conf_key {
	const char *name;
	enum conf_sec sec;
	enum conf_key_id id;
	bool repeatable;
	int (*set)(struct conf_parse *, const char *);
};

/* Record the first error as "file:line: message" (line 0: no line). */
void conf_fail(struct conf_parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Value parsers: 0, or -1 after conf_fail() naming key. */
int conf_uint_key(struct conf_parse *p, const char *key, const char *val,
    uint32_t min, uint32_t max, uint32_t *out);
int conf_ms_key(struct conf_parse *p, const char *key, const char *val,
    uint32_t max_ms, uint32_t *out);
int conf_bool_key(struct conf_parse *p, const char *key, const char *val,
    bool *out);
bool conf_valid_name(const char *s);
/* "IPv4" / "IPv6"; an address a router can have (not 0, loopback, group). */
const char *conf_family_name(int family);
bool conf_addr_usable(const struct ipaddr *a);

/* conf_peer.c: add val to a peer list named key (lines: where each is). */
int conf_peer_add(struct conf_parse *p, const char *key, const char *val,
    struct ipaddr *list, int *n, int *lines);
/* At the end of the instance: every peer of the instance's family and,
 * with linklocal, an IPv6 one link-local. */
int conf_peers_check(struct conf_parse *p, const char *key,
    const struct ipaddr *list, int n, const int *lines, bool linklocal);
/* conf_checks.c: a string that must fit dst; a 0600 secret file. */
int conf_str_key(struct conf_parse *p, const char *key, const char *val,
    char *dst, size_t n);
int conf_secret_file(struct conf_parse *p, const char *key, const char *val,
    char *path, size_t pathlen, char *dst, size_t dstlen);

/* conf_checks.c: its key table, section start/end and file-end checks. */
extern const struct conf_key conf_check_keys[];
extern const size_t conf_check_nkeys;
int conf_begin_mariadb(struct conf_parse *p);
int conf_begin_check(struct conf_parse *p, const char *name);
int conf_end_check(struct conf_parse *p);
/* Resolve every instance's `track` names; needs the whole file. */
int conf_resolve_tracks(struct conf_parse *p);
void conf_checks_free(struct conf *c);

/* conf_ops.c: failover guards and notify hooks. */
extern const struct conf_key conf_ops_keys[];
extern const size_t conf_ops_nkeys;
void conf_ops_defaults(struct conf *c);
/* After the whole file: instances inherit [global] event_script. */
int conf_ops_finish(struct conf_parse *p);

/* conf_role.c: the role keys of [mariadb] and `database` in [instance]. */
extern const struct conf_key conf_role_keys[];
extern const size_t conf_role_nkeys;
void conf_role_defaults(struct conf_role *r);
/* Needs the whole file: the role's instance, required keys. */
int conf_resolve_role(struct conf_parse *p);

#endif
