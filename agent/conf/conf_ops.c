/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_ops: the operator side of the config file: failover guards
 * (failover_block, lock_file) and notify hooks (notify_*, event_script,
 * notify_timeout).  See conf.h for the keys and conf_int.h for how this
 * part plugs into the parser in conf.c.
 */
#include <string.h>

#include "conf.h"
#include "conf_int.h"

#define CONF_DEFAULT_FAILOVER_BLOCK	600000		/* ms: 10 minutes */
#define CONF_MAX_FAILOVER_BLOCK		604800000	/* ms: a week */
#define CONF_DEFAULT_NOTIFY_TIMEOUT	10000		/* ms */
#define CONF_MAX_NOTIFY_TIMEOUT		3600000		/* ms */

void
conf_ops_defaults(struct conf *c)
{
	c->failover_block_ms = CONF_DEFAULT_FAILOVER_BLOCK;
	c->lock_file[0] = '\0';
	c->notify_timeout_ms = CONF_DEFAULT_NOTIFY_TIMEOUT;
	c->event_script[0] = '\0';
}

/*
 * failover_block is a group-wide promotion rule, so it may sit with the
 * database settings or with the global ones, but only once.
 */
static int
set_failover_block(struct conf_parse *p, const char *val)
{
	if (p->failover_block_line != 0) {
		conf_fail(p, p->lineno, "failover_block is already set at "
		    "line %d", p->failover_block_line);
		return -1;
	}
	if (conf_ms_key(p, "failover_block", val, CONF_MAX_FAILOVER_BLOCK,
	    &p->c->failover_block_ms) == -1)
		return -1;
	p->failover_block_line = p->lineno;
	return 0;
}

static int
set_lock_file(struct conf_parse *p, const char *val)
{
	if (val[0] != '/') {
		conf_fail(p, p->lineno, "lock_file: '%s' is not an absolute "
		    "path", val);
		return -1;
	}
	if (strlen(val) >= sizeof(p->c->lock_file)) {
		conf_fail(p, p->lineno, "lock_file: longer than %zu "
		    "characters", sizeof(p->c->lock_file) - 1);
		return -1;
	}
	strcpy(p->c->lock_file, val);
	return 0;
}

static int
set_notify_timeout(struct conf_parse *p, const char *val)
{
	uint32_t ms;

	if (conf_ms_key(p, "notify_timeout", val, CONF_MAX_NOTIFY_TIMEOUT,
	    &ms) == -1)
		return -1;
	if (ms == 0) {
		conf_fail(p, p->lineno, "notify_timeout: must be more than "
		    "0 seconds");
		return -1;
	}
	p->c->notify_timeout_ms = ms;
	return 0;
}

/* A command line for /bin/sh -c: anything printable that fits. */
static int
conf_cmd_key(struct conf_parse *p, const char *key, const char *val,
    char *dst)
{
	const char *s;

	if (strlen(val) >= CONF_CMD_MAX) {
		conf_fail(p, p->lineno, "%s: longer than %d characters", key,
		    CONF_CMD_MAX - 1);
		return -1;
	}
	for (s = val; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\t') {
			conf_fail(p, p->lineno, "%s: control character in the "
			    "command", key);
			return -1;
		}
	}
	strcpy(dst, val);
	return 0;
}

static int
set_event_script(struct conf_parse *p, const char *val)
{
	if (p->sec == SEC_GLOBAL)
		return conf_cmd_key(p, "event_script", val,
		    p->c->event_script);
	return conf_cmd_key(p, "event_script", val, p->ci->event_script);
}

static int
set_notify_master(struct conf_parse *p, const char *val)
{
	return conf_cmd_key(p, "notify_master", val, p->ci->notify_master);
}

static int
set_notify_backup(struct conf_parse *p, const char *val)
{
	return conf_cmd_key(p, "notify_backup", val, p->ci->notify_backup);
}

static int
set_notify_fault(struct conf_parse *p, const char *val)
{
	return conf_cmd_key(p, "notify_fault", val, p->ci->notify_fault);
}

static int
set_notify_stop(struct conf_parse *p, const char *val)
{
	return conf_cmd_key(p, "notify_stop", val, p->ci->notify_stop);
}

static int
set_notify(struct conf_parse *p, const char *val)
{
	return conf_cmd_key(p, "notify", val, p->ci->notify);
}

const struct conf_key conf_ops_keys[] = {
	{ "failover_block", SEC_GLOBAL, K_FAILOVER_BLOCK, false,
	    set_failover_block },
	{ "failover_block", SEC_MARIADB, K_FAILOVER_BLOCK, false,
	    set_failover_block },
	{ "lock_file", SEC_GLOBAL, K_LOCK_FILE, false, set_lock_file },
	{ "notify_timeout", SEC_GLOBAL, K_NOTIFY_TIMEOUT, false,
	    set_notify_timeout },
	{ "event_script", SEC_GLOBAL, K_EVENT_SCRIPT, false,
	    set_event_script },
	{ "event_script", SEC_INSTANCE, K_EVENT_SCRIPT, false,
	    set_event_script },
	{ "notify_master", SEC_INSTANCE, K_NOTIFY_MASTER, false,
	    set_notify_master },
	{ "notify_backup", SEC_INSTANCE, K_NOTIFY_BACKUP, false,
	    set_notify_backup },
	{ "notify_fault", SEC_INSTANCE, K_NOTIFY_FAULT, false,
	    set_notify_fault },
	{ "notify_stop", SEC_INSTANCE, K_NOTIFY_STOP, false,
	    set_notify_stop },
	{ "notify", SEC_INSTANCE, K_NOTIFY, false, set_notify },
};

const size_t conf_ops_nkeys = sizeof(conf_ops_keys) / sizeof(conf_ops_keys[0]);

int
conf_ops_finish(struct conf_parse *p)
{
	struct conf *c = p->c;
	int i;

	/*
	 * The block guards against promotion ping-pong, so by default it
	 * applies where the agent promotes a database (role = replication);
	 * a VIP-only or Galera group fails over as often as it must.
	 */
	if (p->failover_block_line == 0 &&
	    c->role.kind != CONF_ROLE_REPLICATION)
		c->failover_block_ms = 0;
	for (i = 0; i < c->ninst; i++)
		if (c->inst[i].event_script[0] == '\0')
			strcpy(c->inst[i].event_script, c->event_script);
	return 0;
}
