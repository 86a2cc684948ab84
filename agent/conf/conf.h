/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf: the INI configuration file (read with inih) into a fresh, validated
 * struct conf.  Errors name file:line.  Reload parses into a new struct and
 * the caller swaps it in only if conf_load() succeeded, so a bad file never
 * replaces a running configuration.
 *
 *   [global]
 *   control_socket = /run/dbvip/dbvipd.sock
 *   user = NAME               (default: none, stay the starting user)
 *
 *   [instance NAME]
 *   interface = eth0          vrid = 51           priority = 100
 *   version = 3               advert_int = 1      (v3: fractions, 0.01..40.95)
 *   vip = 198.51.100.100/24   (repeatable; one family per instance)
 *   unicast_peer = ADDR       (repeatable; empty = multicast)
 *   peer = ADDR               (repeatable, multicast mode only: the other
 *                             routers; adverts from others are dropped)
 *   preempt = yes             preempt_delay = 0   (seconds)
 *   checksum = rfc | no_pseudo_header            (v3 over IPv4)
 *   auth_pass = SECRET        (v2 only; up to 8 chars; type 1)
 *   garp_repeat = 3           garp_delay = 0.1    garp_refresh = 0 (off)
 *
 * The values shown are the defaults, except that interface, vrid and at
 * least one vip are required; [global] is optional, at least one instance
 * is not.  Ranges: vrid and priority 1..255 (255 = address owner);
 * advert_int v2 whole seconds 1..255, v3 0.01..40.95 (at most 2 decimals);
 * user: 1..32 characters of [A-Za-z0-9._-], not starting with '-' (whether
 * the user exists is checked at start-up, by priv_drop);
 * preempt_delay 0..3600 s, garp_delay 0..60 s, garp_refresh 0..86400 s
 * (durations take up to 3 decimals); garp_repeat 1..100.  preempt takes
 * yes/no, true/false, on/off.  Errors: unknown section or key, a
 * non-repeatable key twice, a value with trailing junk or out of range,
 * mixed vip families, a peer of another family, an IPv6 `peer` that is
 * not link-local, peer together with unicast_peer, version 2 with IPv6,
 * checksum set outside v3/IPv4, auth_pass with v3, a duplicate instance
 * name, the same (interface, vrid, family) twice, the same vip in two
 * instances.  A file-wide error ("no instance") has no line number.
 *
 *   [mariadb]                  how the checks reach the local database
 *   socket = PATH              (or host = NUMERIC-ADDRESS, port = 3306;
 *                              one of the two is required)
 *   user = NAME (required)     password_file = PATH
 *   connect_timeout = 2        (seconds)
 *   ssl = no                   (TLS on TCP connections, peers included)
 *   ssl_ca = PATH  ssl_cert = PATH  ssl_key = PATH  (cert and key go
 *                              together; the key 0600; all need ssl = yes)
 *   ssl_verify_server_cert = yes with ssl_ca, else no
 *   The password file must give group and others no access at all; its first
 *   line is the password.  The password never appears in logs or status.
 *
 *   [check NAME]
 *   type = ping | sql | write | replication | galera | read_only | script
 *   interval = 1  timeout = 1  (seconds, fractions allowed)
 *   rise = 2  fall = 2  weight = 0   (keepalived vrrp_script semantics)
 *   fast_interval = 0.2        (seconds; at most interval: the pace of
 *                              runs that confirm a change, HAProxy's
 *                              fastinter)
 *   query = SQL  expect = =VALUE | <NUMBER | >NUMBER        (sql)
 *   table = dbvip.heartbeat                                 (write)
 *   max_lag = 10                                            (replication)
 *   min_cluster_size = 1  allow_donor = no                  (galera)
 *   read_only = on | off                                    (read_only)
 *   command = /path/to/script args                          (script)
 *
 *   In [instance NAME]:  track = CHECK  (repeatable)
 *   Database checks need a [mariadb] section.
 *
 *   Operator guards and hooks (conf_ops.c):
 *   [global] or [mariadb]:  failover_block = 600  (seconds, 0 = off; in
 *                           one of the two sections only; the default is
 *                           600 with role = replication, else 0)
 *   [global]:  lock_file = /PATH   (absent = no lock file)
 *              notify_timeout = 10 (seconds, 0.001..3600)
 *              event_script = CMD  (default for every instance)
 *   [instance NAME]:  notify_master, notify_backup, notify_fault,
 *              notify_stop, notify, event_script = CMD  (what fits
 *              inih's 199-character line)
 *   The database role, in [mariadb] (see agent/role/role.h):
 *   role = none | replication | galera
 *   admin_user = NAME  admin_password_file = PATH   (role SQL; default:
 *                      the check user; needs READ ONLY ADMIN, so it must
 *                      not be the check user when a write check is used)
 *   repl_user = NAME   repl_password_file = PATH    (replication)
 *   promote_wait = 5   promote_backoff = 10   demote_timeout = 1
 *   role_check_interval = 0 (= advert_int)   peer_timeout = 0.3 (seconds)
 *   promote_sql = SQL  kill_sessions_on_demote = no
 *   db_peer = VRRP-ADDRESS DB-ADDRESS[:PORT]         (repeatable)
 *   In [instance NAME]:  database = yes | no  (which instance carries the
 *   role; default: the only instance)
 */
#ifndef DBVIP_CONF_H
#define DBVIP_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../checks/check.h"
#include "../../net/ipaddr.h"
#include "../../net/vrrp_pkt.h"

#define CONF_MAX_VIPS		32
#define CONF_MAX_PEERS		16
#define CONF_NAME_MAX		64
#define CONF_PATH_MAX		108	/* sun_path */
#define CONF_MAX_TRACK		16
#define CONF_MAX_GARP_DELAY	60000	/* ms */
#define CONF_MAX_GARP_REFRESH	86400000 /* ms, one day */
#define CONF_MAX_CHECKS		64
#define CONF_USER_MAX		33	/* 32 characters, like useradd */
#define CONF_CMD_MAX		256	/* a notify / event script command;
					   inih lines end at 199 anyway */
#define CONF_FILE_MAX		256	/* lock_file */

struct conf_instance {
	char name[CONF_NAME_MAX];
	char ifname[IF_NAMESIZE];
	int family;			/* AF_INET or AF_INET6, from the VIPs */
	uint8_t vrid;
	uint8_t priority;		/* 1..255 */
	uint8_t version;		/* 2 or 3 */
	uint16_t advert_int_cs;
	struct ipprefix vips[CONF_MAX_VIPS];
	int nvips;
	struct ipaddr peers[CONF_MAX_PEERS];
	int npeers;			/* 0 = multicast */
	struct ipaddr mpeers[CONF_MAX_PEERS];	/* peer = (multicast mode):
						   the group's other routers */
	int nmpeers;			/* 0 = accept any source */
	bool preempt;
	uint32_t preempt_delay_ms;
	enum vrrp_cksum_mode cksum;
	uint8_t auth_type;		/* VRRP_AUTH_NONE or VRRP_AUTH_PASS */
	uint8_t auth_pass[VRRP_AUTH_LEN]; /* zero padded */
	int garp_repeat;		/* announcements per takeover, >= 1 */
	uint32_t garp_delay_ms;		/* between repeats */
	uint32_t garp_refresh_ms;	/* re-announce while master, 0 = off */
	int track[CONF_MAX_TRACK];	/* indexes into conf.checks */
	int database;			/* database = yes|no; -1 = not set */
	int ntrack;
	/* Hooks ("" = none), run by /bin/sh -c; see notify.h. */
	char notify_master[CONF_CMD_MAX];
	char notify_backup[CONF_CMD_MAX];
	char notify_fault[CONF_CMD_MAX];
	char notify_stop[CONF_CMD_MAX];
	char notify[CONF_CMD_MAX];	/* + INSTANCE name STATE priority */
	char event_script[CONF_CMD_MAX];	/* JSON events on stdin */
	int line;			/* where the section starts */
	/* Internal to the parser: names until resolved at end of file. */
	char track_name[CONF_MAX_TRACK][CONF_NAME_MAX];
	int track_line[CONF_MAX_TRACK];
};

/* One [check NAME] section. */
struct conf_check {
	struct check_conf cc;		/* name, type, interval, type keys */
	int weight;			/* -254..254, 0 = FAULT while failing */
	uint32_t fast_interval_ms;	/* while confirming a change */
	unsigned rise, fall;		/* 1..100 */
	int line;
};

enum conf_role_kind {
	CONF_ROLE_NONE = 0,		/* health gating only, no role SQL */
	CONF_ROLE_REPLICATION,		/* GTID replication: promote, fence,
					   re-point, rejoin */
	CONF_ROLE_GALERA,		/* health gating only, no role SQL */
};

#define CONF_MAX_DB_PEERS	16

/* db_peer = VRRP-ADDRESS DB-ADDRESS[:PORT] */
struct conf_db_peer {
	struct ipaddr vrrp;		/* the peer's advertising address */
	char host[64];			/* numeric database address */
	unsigned port;
};

/* The [mariadb] keys of the database role (agent/role/role.c). */
struct conf_role {
	enum conf_role_kind kind;
	char admin_user[64];		/* "" = the check user */
	char admin_password[128];
	char admin_password_file[256];
	char repl_user[64];
	char repl_password[128];
	char repl_password_file[256];
	uint32_t promote_wait_ms;	/* relay log apply bound */
	uint32_t promote_backoff_ms;	/* FAULT after a failed promotion */
	uint32_t demote_timeout_ms;	/* bound of read_only=ON on release */
	uint32_t check_interval_ms;	/* re-assert period; 0 = advert_int */
	uint32_t peer_timeout_ms;	/* one peer database query */
	char promote_sql[512];		/* optional extra statement */
	bool kill_sessions;		/* kill_sessions_on_demote */
	struct conf_db_peer peers[CONF_MAX_DB_PEERS];
	int npeers;
	int inst;			/* index of the role's instance, or -1 */
};

struct conf {
	char path[256];
	char control_socket[CONF_PATH_MAX];
	char user[CONF_USER_MAX];	/* "" = do not switch users */
	struct conf_instance *inst;
	int ninst;
	bool have_db;			/* a [mariadb] section was given */
	struct check_db db;		/* password read from password_file */
	char password_file[256];
	struct conf_check *checks;
	int nchecks;
	/* Operator guards (guard.h) and notify defaults (notify.h). */
	uint32_t failover_block_ms;	/* 0 = off */
	char lock_file[CONF_FILE_MAX];	/* "" = none */
	uint32_t notify_timeout_ms;	/* > 0 */
	char event_script[CONF_CMD_MAX];	/* default for instances */
	struct conf_role role;
};

/*
 * Parse and validate path into *c (which the caller then owns and frees with
 * conf_free).  Returns 0, or -1 with a "file:line: message" in err.  On -1,
 * *c holds nothing that needs freeing.
 */
int conf_load(const char *path, struct conf *c, char *err, size_t errlen);

/*
 * conf_load with flags: CONF_CHECKS_ONLY accepts a file without instances
 * (dbvip-check needs only [mariadb] and [check] sections).
 */
#define CONF_CHECKS_ONLY	0x1
int conf_load_opts(const char *path, struct conf *c, char *err,
    size_t errlen, unsigned flags);

void conf_free(struct conf *c);

/* The instance named name, or NULL. */
const struct conf_instance *conf_find(const struct conf *c, const char *name);

#endif
