/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify: hooks run on state changes and dbvip events, compatible with
 * keepalived's notify scripts, run one at a time per instance, in order.
 *
 * On a state change to STATE (MASTER, BACKUP, FAULT, or STOP when the
 * instance shuts down), the instance queues, in this order:
 *   1. notify_master / notify_backup / notify_fault / notify_stop, run as
 *      `/bin/sh -c CMD` (so a command may carry its own arguments, as
 *      keepalived's quoted form does);
 *   2. notify, run with keepalived's arguments appended:
 *      `/bin/sh -c 'CMD "$@"' sh INSTANCE NAME STATE PRIORITY`
 *      (PRIORITY is the effective priority);
 *   3. event_script with {"event":"state",...} on stdin.
 * notify_event() queues event_script with any other event.  Every run gets
 * notify_timeout ([global], default 10 s): then SIGTERM to its process
 * group, SIGKILL a second later (checks/child.h).  A queue holds at most
 * NOTIFY_QUEUE_MAX runs; more are dropped and counted.  Failures (exit not
 * 0, timeout, a command that cannot run) are logged with the first line
 * the script wrote to stderr, counted, and shown in status.  The loop is
 * never blocked: the running child is a pidfd in the loop.  At shutdown
 * the queued runs (notify_stop included) get notify_timeout in total.
 *
 * Event JSON, one object on stdin, then EOF:
 *   {"event":"promote_done","instance":"db_vip","time":"2026-01-02T03:04:05.678Z",
 *    ...fields}
 * time is wall-clock UTC (for people; nothing times itself by it).
 */
#ifndef DBVIP_NOTIFY_H
#define DBVIP_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../../checks/child.h"
#include "../conf/conf.h"
#include "log.h"
#include "loop.h"
#include "vrrp.h"

#define NOTIFY_QUEUE_MAX	64
#define NOTIFY_ARGS_MAX		10

/* One queued run. */
struct notify_run {
	struct notify_run *next;
	const char *what;		/* "notify_master", "notify", ... */
	char cmd[CONF_CMD_MAX + 8];	/* the text for sh -c */
	char *argv[NOTIFY_ARGS_MAX];	/* points into cmd / args */
	char args[4][80];		/* notify: INSTANCE NAME STATE PRIO */
	size_t inlen;			/* event_script: stdin bytes */
	char input[];			/* event JSON */
};

/* Every queue of the process (the agent has one). */
struct notify {
	struct loop *loop;
	struct notify_q *qs;		/* every queue, also detached ones */
	uint32_t timeout_ms;		/* notify_timeout: bound of one run */
	bool stopping;			/* shutdown: the loop runs no more */
};

/* The FIFO of one instance; it outlives an instance removed by reload. */
struct notify_q {
	struct notify *n;
	const struct conf_instance *c;	/* the instance's hooks; NULL once
					   detached */
	struct notify_q **owner;	/* the instance's pointer to this
					   queue; NULL once detached */
	char tag[128];			/* the instance's log tag */
	struct notify_run *head, *tail;
	int len;			/* queued, not counting the running one */
	struct notify_run *cur;		/* running, or NULL */
	uint64_t t_start;
	struct child ch;
	int watched_fd;
	struct loop_timer t_wait;
	uint64_t runs, failures, dropped;
	struct log_rl rl_drop;
	char last_failure[320];		/* "notify_master: exit 1: ..." */
	struct notify_q *next;
};

/*
 * Pure helpers (unit-tested).
 *
 * notify_state_name: "MASTER", "BACKUP", "FAULT", and "STOP" for INIT.
 *
 * notify_build_notify: fill r (cmd, args, argv) for the generic `notify`
 * command cmd with keepalived's arguments.  -1 if cmd is too long.
 *
 * notify_build_plain: r runs cmd alone (notify_master, event_script...).
 *
 * notify_json_str: append s as a JSON string (sbuf_json_str's rules,
 * agent/core/sbuf.h) to buf at *off; returns -1 if it does not fit (buf
 * stays NUL-terminated).
 *
 * notify_json_field: append ,"key":"val" (no comma when *off is 0).
 *
 * notify_json_event: the whole event object into buf (with a trailing
 * newline): event, instance, time from wall, then fields (already JSON:
 * "k":v pairs without braces; NULL or "" for none).  Returns the length,
 * or -1 if it does not fit.
 */
const char *notify_state_name(enum vrrp_state s);
int notify_build_notify(struct notify_run *r, const char *cmd,
    const char *instance, const char *state, unsigned prio);
int notify_build_plain(struct notify_run *r, const char *cmd);
int notify_json_str(char *buf, size_t len, size_t *off, const char *s);
int notify_json_field(char *buf, size_t len, size_t *off, const char *key,
    const char *val);
int notify_json_event(char *buf, size_t len, const char *event,
    const char *instance, const struct timespec *wall, const char *fields);

/*
 * notify_hold: hooks are queued but not started until notify_release()
 * (called once the privileges are dropped, so that no hook runs as root or
 * with the start-up capabilities).  notify_release starts what waits.
 * Held runs still pending at exit are dropped, not run.
 */
void notify_hold(void);
void notify_release(struct notify *n);

/*
 * Give an instance its queue in n (at creation): *owner (the instance's
 * pointer) is set to it, and cleared when the queue is freed; c holds the
 * instance's hooks and must stay valid until notify_detach(); tag (its
 * log tag) is copied.  0, or -1 (out of memory).
 */
int notify_attach(struct notify *n, struct notify_q **owner,
    const struct conf_instance *c, const char *tag);

/*
 * The instance goes away (q may be NULL): its queue keeps running what is
 * queued, then frees itself.
 */
void notify_detach(struct notify_q *q);

/*
 * Queue the hooks of a state change (instance_exec's STATE action) on q
 * (NULL: nothing); prio is the instance's priority now.
 */
void notify_state(struct notify_q *q, enum vrrp_state from,
    enum vrrp_state to, const char *reason, unsigned prio);

/*
 * Queue event_script with event (e.g. "promote_done") and json_fields:
 * extra "key":value pairs, already JSON, without braces (NULL = none).
 * Nothing happens without an event_script.  Never blocks.
 */
void notify_event(struct notify_q *q, const char *event,
    const char *json_fields);

/*
 * Shutdown: run the loop (loop_run_until) until every queue ran what it
 * holds, for at most budget_ms in total; kill what is left; free every
 * queue.
 */
void notify_flush_all(struct notify *n, uint32_t budget_ms);

#endif
