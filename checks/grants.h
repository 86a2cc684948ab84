/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grants: what the privileges of a MariaDB account are, read from the
 * lines of SHOW GRANTS, and what dbvip's accounts need.  Pure: strings in,
 * bits and messages out; the connecting is done by the agent (agent/conf/acct.c).
 *
 * The agent runs plain SHOW GRANTS, not SHOW GRANTS FOR CURRENT_USER():
 * on MariaDB 10.11 only the former lists the privileges of the roles
 * active in the session (the default role), which are the privileges the
 * agent's own connections get.  Lines read (10.11 format):
 *   GRANT priv, priv ON *.* TO `u`@`h` [IDENTIFIED BY PASSWORD '...'] [WITH GRANT OPTION]
 *   GRANT ALL PRIVILEGES ON `db`.* TO ...
 *   GRANT SELECT (`c`), INSERT ON `db`.`t` TO ...  (column grants ignored)
 *   GRANT READ_ONLY ADMIN, SLAVE MONITOR ON *.* TO `role`   (an active role)
 * Lines ignored: role membership (GRANT `r` TO ...), SET DEFAULT ROLE,
 * PROXY, routine grants (ON FUNCTION / PROCEDURE / PACKAGE).  The grantee
 * is not compared: every line SHOW GRANTS prints applies to the session.
 * Database patterns (`db\_%`.*) are matched like LIKE.  Lines may hold a
 * password hash: nothing here copies a line into a message.
 *
 * What MariaDB 10.11 lets SUPER stand for (measured on 10.11.19): SHOW
 * SLAVE STATUS, STOP SLAVE / CHANGE MASTER, SHOW BINLOG STATUS and KILL of
 * other users' connections work with SUPER alone, SET GLOBAL read_only and
 * FLUSH do not; REPLICATION CLIENT (an alias of BINLOG MONITOR) does not
 * allow SHOW SLAVE STATUS.  ALL PRIVILEGES covers everything.
 */
#ifndef DBVIP_GRANTS_H
#define DBVIP_GRANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check_types.h"

/* Privileges dbvip needs or warns about, as bits. */
#define GR_READ_ONLY_ADMIN	(1u << 0)
#define GR_REPL_SLAVE_ADMIN	(1u << 1)
#define GR_SLAVE_MONITOR	(1u << 2)
#define GR_BINLOG_MONITOR	(1u << 3)
#define GR_CONNECTION_ADMIN	(1u << 4)
#define GR_PROCESS		(1u << 5)
#define GR_RELOAD		(1u << 6)
#define GR_REPL_SLAVE		(1u << 7)
#define GR_SUPER		(1u << 8)
#define GR_ALL			(1u << 9)	/* ALL PRIVILEGES */
#define GR_SELECT		(1u << 10)
#define GR_INSERT		(1u << 11)
#define GR_UPDATE		(1u << 12)
#define GR_CREATE		(1u << 13)
#define GR_NBITS		14

/* What SUPER stands for on 10.11 (see above). */
#define GR_SUPER_COVERS	(GR_REPL_SLAVE_ADMIN | GR_SLAVE_MONITOR | \
	GR_BINLOG_MONITOR | GR_CONNECTION_ADMIN)

/* The jobs.  A check user must not be able to write while read_only=ON. */
#define GR_NEED_ADMIN	(GR_READ_ONLY_ADMIN | GR_REPL_SLAVE_ADMIN | \
	GR_SLAVE_MONITOR | GR_BINLOG_MONITOR | GR_CONNECTION_ADMIN | \
	GR_PROCESS | GR_RELOAD)
#define GR_NEED_REPL	(GR_REPL_SLAVE | GR_SLAVE_MONITOR)
#define GR_NEED_WRITE	(GR_CREATE | GR_INSERT | GR_UPDATE)
#define GR_CHECK_EXCESS	(GR_READ_ONLY_ADMIN | GR_SUPER | GR_ALL)

#define GRANTS_MAX	64	/* lines kept; more are counted, not kept */

struct grants_entry {
	int level;		/* 0 *.*, 1 db.*, 2 db.table */
	char db[65];		/* unquoted; a LIKE pattern at level 1 */
	char table[65];
	uint32_t privs;		/* GR_* as granted (not expanded) */
};

struct grants {
	struct grants_entry e[GRANTS_MAX];
	int n;
	int skipped;		/* lines not understood or not kept */
};

void grants_init(struct grants *g);

/*
 * Read one line of SHOW GRANTS into g.  Returns 1 if it granted
 * privileges on a database object, 0 if it is a line of another kind
 * (role membership, SET DEFAULT ROLE, PROXY, a routine), -1 if it could
 * not be read (counted in g->skipped).
 */
int grants_add_line(struct grants *g, const char *line);

/*
 * The GR_* bits held on db.table (db NULL: on *.* only), with ALL and
 * SUPER expanded to what they stand for (the GR_ALL / GR_SUPER bits stay
 * set).
 */
uint32_t grants_on(const struct grants *g, const char *db, const char *table);

/* need minus what is held on db.table (db NULL: *.*). */
uint32_t grants_missing(const struct grants *g, uint32_t need,
    const char *db, const char *table);

/*
 * The global privileges a check of type cc needs (replication: SLAVE
 * MONITOR), and for a write check *obj the ones on its table (CREATE,
 * INSERT, UPDATE) with db/table split from cc->table ("db.name", default
 * dbvip.heartbeat) into dbbuf/tblbuf (65 bytes each).
 */
uint32_t grants_need_check(const struct check_conf *cc, uint32_t *obj,
    char *dbbuf, char *tblbuf);

/*
 * The check user's privileges it should not have (GR_CHECK_EXCESS held on
 * *.*, unexpanded: READ_ONLY ADMIN lets it write while read_only=ON, ALL
 * includes that, SUPER is more than a check needs).
 */
uint32_t grants_excess_check(const struct grants *g);

/* "READ_ONLY ADMIN, RELOAD": the names of bits, as SHOW GRANTS spells
 * them, comma separated, into buf ("" for none). */
void grants_names(uint32_t bits, char *buf, size_t len);

#endif
