/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify: keepalived-compatible notify hooks and dbvip events, one child at
 * a time per instance.  See notify.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "clock.h"
#include "sbuf.h"
#include "notify.h"

#define NOTIFY_RETRY_MS		1000	/* a stuck child: look again */

/* --- pure helpers --------------------------------------------------------- */

const char *
notify_state_name(enum vrrp_state s)
{
	switch (s) {
	case VRRP_ST_MASTER:
		return "MASTER";
	case VRRP_ST_BACKUP:
		return "BACKUP";
	case VRRP_ST_FAULT:
		return "FAULT";
	case VRRP_ST_INIT:
	default:
		return "STOP";
	}
}

static char arg_sh[] = "sh";
static char arg_c[] = "-c";

int
notify_build_plain(struct notify_run *r, const char *cmd)
{
	if (strlen(cmd) >= sizeof(r->cmd))
		return -1;
	strcpy(r->cmd, cmd);
	r->argv[0] = arg_sh;
	r->argv[1] = arg_c;
	r->argv[2] = r->cmd;
	r->argv[3] = NULL;
	return 0;
}

/*
 * keepalived appends its arguments to the command's own; "$@" after the
 * command text does the same through the shell, and keeps each argument
 * one word whatever it contains.
 */
int
notify_build_notify(struct notify_run *r, const char *cmd,
    const char *instance, const char *state, unsigned prio)
{
	int n;

	n = snprintf(r->cmd, sizeof(r->cmd), "%s \"$@\"", cmd);
	if (n < 0 || (size_t)n >= sizeof(r->cmd) ||
	    strlen(instance) >= sizeof(r->args[1]))
		return -1;
	snprintf(r->args[0], sizeof(r->args[0]), "INSTANCE");
	snprintf(r->args[1], sizeof(r->args[1]), "%s", instance);
	snprintf(r->args[2], sizeof(r->args[2]), "%s", state);
	snprintf(r->args[3], sizeof(r->args[3]), "%u", prio);
	r->argv[0] = arg_sh;
	r->argv[1] = arg_c;
	r->argv[2] = r->cmd;
	r->argv[3] = arg_sh;		/* $0 of the -c text */
	r->argv[4] = r->args[0];
	r->argv[5] = r->args[1];
	r->argv[6] = r->args[2];
	r->argv[7] = r->args[3];
	r->argv[8] = NULL;
	return 0;
}

/*
 * The JSON helpers write into the caller's array through a fixed sbuf:
 * at *off, and on overflow nothing is appended (buf stays NUL-terminated
 * at *off) and they return -1.
 */
static int
json_done(struct sbuf *b, size_t *off)
{
	if (b->oom) {
		sbuf_truncate(b, *off);
		return -1;
	}
	*off = b->len;
	return 0;
}

/* Append printf output at *off; -1 (and nothing appended) if too long. */
static int
json_put(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
json_put(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	struct sbuf b;
	va_list ap;

	sbuf_fixed(&b, buf, len, *off);
	va_start(ap, fmt);
	sbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	return json_done(&b, off);
}

int
notify_json_str(char *buf, size_t len, size_t *off, const char *s)
{
	struct sbuf b;

	sbuf_fixed(&b, buf, len, *off);
	sbuf_json_str(&b, s);
	return json_done(&b, off);
}

int
notify_json_field(char *buf, size_t len, size_t *off, const char *key,
    const char *val)
{
	size_t start = *off;

	if ((start > 0 && json_put(buf, len, off, ",") == -1) ||
	    notify_json_str(buf, len, off, key) == -1 ||
	    json_put(buf, len, off, ":") == -1 ||
	    notify_json_str(buf, len, off, val) == -1) {
		*off = start;
		if (start < len)
			buf[start] = '\0';
		return -1;
	}
	return 0;
}

int
notify_json_event(char *buf, size_t len, const char *event,
    const char *instance, const struct timespec *wall, const char *fields)
{
	struct tm tm;
	char ts[40];
	size_t off = 0;

	if (gmtime_r(&wall->tv_sec, &tm) == NULL)
		return -1;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	if (json_put(buf, len, &off, "{\"event\":") == -1 ||
	    notify_json_str(buf, len, &off, event) == -1 ||
	    json_put(buf, len, &off, ",\"instance\":") == -1 ||
	    notify_json_str(buf, len, &off, instance) == -1 ||
	    json_put(buf, len, &off, ",\"time\":\"%s.%03ldZ\"", ts,
	    wall->tv_nsec / 1000000) == -1)
		return -1;
	if (fields != NULL && fields[0] != '\0' &&
	    json_put(buf, len, &off, ",%s", fields) == -1)
		return -1;
	if (json_put(buf, len, &off, "}\n") == -1)
		return -1;
	return (int)off;
}

/* --- the queue ------------------------------------------------------------ */

static void nq_next(struct notify_q *q);

static void
nq_unwatch(struct notify_q *q)
{
	if (q->watched_fd != -1) {
		loop_del_fd(q->n->loop, q->watched_fd);
		q->watched_fd = -1;
	}
	loop_timer_cancel(q->n->loop, &q->t_wait);
}

static void
nq_free(struct notify_q *q)
{
	struct notify_q **pp;
	struct notify_run *r;

	nq_unwatch(q);
	child_abort(&q->ch);
	free(q->cur);
	while ((r = q->head) != NULL) {
		q->head = r->next;
		free(r);
	}
	for (pp = &q->n->qs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	}
	if (q->owner != NULL)
		*q->owner = NULL;
	free(q);
}

static void
nq_fail(struct notify_q *q, const char *what, const char *msg, uint64_t ms)
{
	q->failures++;
	snprintf(q->last_failure, sizeof(q->last_failure), "%s: %s", what,
	    msg);
	log_warnx("%s %s failed after %llu ms: %s", q->tag, what,
	    (unsigned long long)ms, msg);
}

static void
nq_finish(struct notify_q *q, enum child_rc rc)
{
	uint64_t ms = (clock_now() - q->t_start) / USEC_PER_MSEC;
	char msg[300];

	child_describe(&q->ch, rc, msg, sizeof(msg));
	q->runs++;
	if (rc == CHILD_EXITED && child_ok(&q->ch))
		log_info("%s %s done in %llu ms", q->tag, q->cur->what,
		    (unsigned long long)ms);
	else
		nq_fail(q, q->cur->what, msg, ms);
	free(q->cur);
	q->cur = NULL;
}

static void nq_timer(void *arg);

static void
nq_step(struct notify_q *q)
{
	enum child_rc rc;

	if (q->cur == NULL)
		return;
	rc = child_step(&q->ch, clock_now());
	if (rc == CHILD_RUNNING) {
		loop_timer_set(q->n->loop, &q->t_wait, child_deadline(&q->ch),
		    nq_timer, q, "notify deadline");
		return;
	}
	nq_unwatch(q);
	nq_finish(q, rc);
	nq_next(q);
}

static void
nq_fd(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	nq_step(arg);
}

static void
nq_timer(void *arg)
{
	nq_step(arg);
}

static void
nq_retry(void *arg)
{
	nq_next(arg);
}

/*
 * Until the privileges are dropped (main.c: priv_drop after the sockets
 * exist) the process may be root with every capability, and a hook would
 * inherit that.  Hooks queued before then wait; if the drop fails they
 * never run.  Process-wide, like the privileges themselves.
 */
static bool nq_held;

void
notify_hold(void)
{
	nq_held = true;
}

void
notify_release(struct notify *n)
{
	struct notify_q *q, *next;

	nq_held = false;
	for (q = n->qs; q != NULL; q = next) {
		next = q->next;		/* nq_next may free a detached q */
		nq_next(q);
	}
}

/* Start the next queued run unless one is running; never blocks. */
static void
nq_next(struct notify_q *q)
{
	struct notify_run *r;
	char err[160];
	uint64_t now = clock_now();

	if (nq_held)
		return;

	while (q->cur == NULL && q->head != NULL) {
		if (child_busy(&q->ch)) {
			/* A child survived SIGKILL: the next waits for it. */
			loop_timer_set(q->n->loop, &q->t_wait,
			    now + NOTIFY_RETRY_MS * USEC_PER_MSEC, nq_retry, q,
			    "notify retry");
			return;
		}
		r = q->head;
		q->head = r->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->len--;
		if (child_spawn(&q->ch, "/bin/sh", r->argv,
		    r->inlen > 0 ? r->input : NULL, r->inlen,
		    CHILD_CAPTURE_STDERR, q->n->timeout_ms, now,
		    err, sizeof(err)) == -1) {
			q->runs++;
			nq_fail(q, r->what, err, 0);
			free(r);
			continue;
		}
		q->cur = r;
		q->t_start = now;
		log_debug(LOG_FSM, "%s %s started (pid %d)", q->tag, r->what,
		    (int)q->ch.pid);
		if (loop_add_fd(q->n->loop, child_fd(&q->ch), EPOLLIN, nq_fd,
		    q) == 0)
			q->watched_fd = child_fd(&q->ch);
		else
			log_warn("%s %s: watch child", q->tag, r->what);
		loop_timer_set(q->n->loop, &q->t_wait, child_deadline(&q->ch),
		    nq_timer, q, "notify deadline");
	}
	/* A detached queue ends with its last run. */
	if (q->cur == NULL && q->head == NULL && q->c == NULL)
		nq_free(q);
}

static void
nq_push(struct notify_q *q, struct notify_run *r)
{
	unsigned supp;

	if (q->len >= NOTIFY_QUEUE_MAX) {
		q->dropped++;
		if (log_rl_allow(&q->rl_drop, clock_now(), &supp))
			log_warnx("%s %s dropped: %d runs already queued%s",
			    q->tag, r->what, q->len,
			    supp ? " (similar lines suppressed)" : "");
		free(r);
		return;
	}
	r->next = NULL;
	if (q->tail != NULL)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	q->len++;
	nq_next(q);
}

static struct notify_run *
nq_run_new(const char *what, size_t inlen)
{
	struct notify_run *r;

	if ((r = calloc(1, sizeof(*r) + inlen + 1)) == NULL) {
		log_warn("notify %s", what);
		return NULL;
	}
	r->what = what;
	r->inlen = inlen;
	return r;
}

static void
nq_plain(struct notify_q *q, const char *what, const char *cmd)
{
	struct notify_run *r;

	if (cmd[0] == '\0' || (r = nq_run_new(what, 0)) == NULL)
		return;
	if (notify_build_plain(r, cmd) == -1) {
		nq_fail(q, what, "command too long", 0);
		free(r);
		return;
	}
	nq_push(q, r);
}

static void
nq_event(struct notify_q *q, const char *event, const char *fields)
{
	const struct conf_instance *c = q->c;
	struct notify_run *r;
	struct timespec wall;
	char buf[CHILD_INPUT_MAX];
	int n;

	if (c == NULL || c->event_script[0] == '\0')
		return;
	/* A timestamp for the reader, not for timing. */
	clock_gettime(CLOCK_REALTIME, &wall);
	n = notify_json_event(buf, sizeof(buf), event, c->name, &wall,
	    fields);
	if (n < 0) {
		nq_fail(q, "event_script", "event larger than 4 kB; dropped",
		    0);
		return;
	}
	if ((r = nq_run_new("event_script", (size_t)n)) == NULL)
		return;
	memcpy(r->input, buf, (size_t)n);
	if (notify_build_plain(r, c->event_script) == -1) {
		nq_fail(q, "event_script", "command too long", 0);
		free(r);
		return;
	}
	nq_push(q, r);
}

/* --- instance side -------------------------------------------------------- */

int
notify_attach(struct notify *n, struct notify_q **owner,
    const struct conf_instance *c, const char *tag)
{
	struct notify_q *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	q->n = n;
	q->c = c;
	q->owner = owner;
	snprintf(q->tag, sizeof(q->tag), "%s", tag);
	child_init(&q->ch);
	q->watched_fd = -1;
	q->next = n->qs;
	n->qs = q;
	*owner = q;
	return 0;
}

void
notify_detach(struct notify_q *q)
{
	if (q == NULL)
		return;
	*q->owner = NULL;
	q->owner = NULL;
	q->c = NULL;
	if (!q->n->stopping && q->cur == NULL && q->head == NULL)
		nq_free(q);
}

void
notify_state(struct notify_q *q, enum vrrp_state from, enum vrrp_state to,
    const char *reason, unsigned prio)
{
	const struct conf_instance *c;
	struct notify_run *r;
	const char *st = notify_state_name(to);
	char fields[512];
	size_t off = 0;

	if (q == NULL || (c = q->c) == NULL)
		return;
	switch (to) {
	case VRRP_ST_MASTER:
		nq_plain(q, "notify_master", c->notify_master);
		break;
	case VRRP_ST_BACKUP:
		nq_plain(q, "notify_backup", c->notify_backup);
		break;
	case VRRP_ST_FAULT:
		nq_plain(q, "notify_fault", c->notify_fault);
		break;
	case VRRP_ST_INIT:
	default:
		nq_plain(q, "notify_stop", c->notify_stop);
		break;
	}
	if (c->notify[0] != '\0' && (r = nq_run_new("notify", 0)) != NULL) {
		if (notify_build_notify(r, c->notify, c->name, st,
		    prio) == -1) {
			nq_fail(q, "notify", "command too long", 0);
			free(r);
		} else
			nq_push(q, r);
	}
	if (c->event_script[0] == '\0')
		return;
	if (notify_json_field(fields, sizeof(fields), &off, "from",
	    notify_state_name(from)) == 0 &&
	    notify_json_field(fields, sizeof(fields), &off, "to", st) == 0 &&
	    json_put(fields, sizeof(fields), &off, ",\"priority\":%u",
	    prio) == 0)
		(void)notify_json_field(fields, sizeof(fields), &off,
		    "reason", reason != NULL ? reason : "");
	nq_event(q, "state", fields);
}

void
notify_event(struct notify_q *q, const char *event, const char *json_fields)
{
	if (q != NULL)
		nq_event(q, event, json_fields);
}

/* --- shutdown --------------------------------------------------------------- */

/* Every queue is idle, or held (hooks that will never run). */
static bool
nq_all_idle(void *arg)
{
	struct notify *nt = arg;
	struct notify_q *q;

	for (q = nt->qs; q != NULL; q = q->next)
		if (q->cur != NULL || (q->head != NULL && !nq_held))
			return false;
	return true;
}

void
notify_flush_all(struct notify *nt, uint32_t budget_ms)
{
	struct notify_q *q;

	(void)loop_run_until(nt->loop, clock_now() +
	    (uint64_t)budget_ms * USEC_PER_MSEC, nq_all_idle, nt);
	while ((q = nt->qs) != NULL) {
		if (q->cur != NULL)
			log_warnx("%s %s still running at exit; killed",
			    q->tag, q->cur->what);
		if (q->len > 0)
			log_warnx("%s %d notify run(s) not started at exit",
			    q->tag, q->len);
		nq_free(q);
	}
}
