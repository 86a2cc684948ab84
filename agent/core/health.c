/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health: runs the configured checks in the loop and feeds their verdicts
 * to the gate of every instance that tracks them.  A check never blocks the
 * loop: it says which fd and deadline it waits for (checks/check.h) and we
 * register exactly that.  A run that is still going when the next interval
 * comes is not started twice; the interval is counted as missed.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "clock.h"

static void health_after_step(struct health *h);
static void health_start_run(struct health *h);

/* Stop watching the check's fds: they may be closed inside check_step(). */
static void
health_unwatch(struct health *h)
{
	if (h->watched_fd != -1) {
		loop_del_fd(h->a->loop, h->watched_fd);
		h->watched_fd = -1;
	}
	loop_wait_cancel(&h->wait);
}

static void health_run(void *arg);

/* The server closed our idle connection: find out now, not next interval. */
static void
health_idle(void *arg, int fd, uint32_t events)
{
	struct health *h = arg;

	(void)fd;
	(void)events;
	health_unwatch(h);
	log_debug(LOG_SQL, "[check %s] server closed the idle connection",
	    h->cfg.cc.name);
	check_disconnect(h->chk);
	health_start_run(h);
}

static void
health_watch_idle(struct health *h)
{
	int fd = check_idle_fd(h->chk);

	if (fd == -1)
		return;
	if (loop_add_fd(h->a->loop, fd, EPOLLIN | EPOLLRDHUP, health_idle,
	    h) == 0)
		h->watched_fd = fd;
}

static void
health_done(struct health *h)
{
	const struct check_result *r = check_last(h->chk);
	enum gate_state old = h->track.state;
	struct instance *in;
	bool changed;
	int i;

	loop_wait_cancel(&h->wait);
	log_debug(LOG_SQL, "[check %s] %s in %u us: %s", h->cfg.cc.name,
	    r->ok ? "ok" : "failed", r->latency_us, r->msg);
	changed = gate_track_result(&h->track, r->ok);
	health_watch_idle(h);
	/*
	 * A result against the current state starts a count towards rise or
	 * fall: confirm it at fast_interval (HAProxy's fastinter), so a dead
	 * database is confirmed in fall x fast_interval, not fall x interval.
	 */
	if ((h->track.state == GATE_OK && h->track.n_fail > 0) ||
	    (h->track.state == GATE_FAILING && h->track.n_ok > 0)) {
		uint64_t soon = clock_now() +
		    h->cfg.fast_interval_ms * USEC_PER_MSEC;

		if (soon < h->t_run.deadline)
			loop_timer_set(h->a->loop, &h->t_run, soon, health_run,
			    h, "check interval");
	}
	if (!changed)
		return;
	if (h->track.state == GATE_OK)
		log_info("[check %s] %s -> ok: %s", h->cfg.cc.name,
		    gate_state_name(old), r->msg);
	else
		log_warnx("[check %s] %s -> failing: %s", h->cfg.cc.name,
		    gate_state_name(old), r->msg);
	for (in = h->a->inst; in != NULL; in = in->next)
		for (i = 0; i < in->ntrack; i++)
			if (in->track[i] == h)
				instance_gate_update(in);
}

/* The check's fd is ready (events) or its deadline came (0). */
static void
health_step(void *arg, uint32_t events)
{
	struct health *h = arg;

	health_unwatch(h);
	check_step(h->chk, events, clock_now());
	health_after_step(h);
}

/* After start or a step: finished, or register what the check waits for. */
static void
health_after_step(struct health *h)
{
	uint64_t deadline;
	uint32_t events;
	int fd;

	if (!check_running(h->chk)) {
		health_done(h);
		return;
	}
	check_wait(h->chk, &fd, &events, &deadline);
	if (loop_wait_arm(&h->wait, fd, events, deadline) == -1)
		log_warn("[check %s] watch fd", h->cfg.cc.name);
}

/* Start a run now, unless one is still going (then it counts as missed). */
static void
health_start_run(struct health *h)
{
	uint64_t now = clock_now();
	unsigned supp;

	health_unwatch(h);
	if (check_start(h->chk, now) == -1) {
		h->missed++;
		if (log_rl_allow(&h->rl, now, &supp))
			log_warnx("[check %s] still running after its interval; "
			    "not started twice", h->cfg.cc.name);
		return;
	}
	h->runs++;
	health_after_step(h);
}

static void
health_run(void *arg)
{
	struct health *h = arg;

	loop_timer_set(h->a->loop, &h->t_run,
	    clock_now() + h->cfg.cc.interval_ms * USEC_PER_MSEC, health_run, h,
	    "check interval");
	health_start_run(h);
}

static void
health_free(struct health *h)
{
	health_unwatch(h);
	loop_timer_cancel(h->a->loop, &h->t_run);
	check_free(h->chk);
	free(h);
}

static struct health *
health_new(struct agent *a, const struct conf *conf,
    const struct conf_check *cc)
{
	struct health *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->a = a;
	h->cfg = *cc;
	h->watched_fd = -1;
	loop_wait_init(&h->wait, a->loop, health_step, h, "check deadline");
	h->chk = check_new(&h->cfg.cc, conf->have_db ? &conf->db : NULL);
	if (h->chk == NULL) {
		free(h);
		return NULL;
	}
	gate_track_init(&h->track, h->cfg.cc.name, cc->weight, cc->rise,
	    cc->fall);
	/* First run at once: until then the check counts as failing. */
	loop_timer_set(a->loop, &h->t_run, clock_now(), health_run, h,
	    "check interval");
	return h;
}

int
health_apply(struct agent *a, const struct conf *conf)
{
	struct health **nh;
	int i, j;

	nh = calloc((size_t)conf->nchecks + 1, sizeof(*nh));
	if (nh == NULL)
		return -1;
	for (i = 0; i < conf->nchecks; i++) {
		const struct conf_check *cc = &conf->checks[i];

		/* An unchanged check keeps its connection and its verdict. */
		for (j = 0; j < a->nhealth; j++) {
			struct health *h = a->health[j];

			if (h != NULL && memcmp(&h->cfg, cc, sizeof(*cc)) == 0 &&
			    (!conf->have_db || cc->cc.type == CHECK_SCRIPT ||
			    memcmp(&a->conf.db, &conf->db,
			    sizeof(conf->db)) == 0)) {
				nh[i] = h;
				h->cfg.line = cc->line;
				a->health[j] = NULL;
				break;
			}
		}
		if (nh[i] == NULL && (nh[i] = health_new(a, conf, cc)) == NULL) {
			log_warn("[check %s] cannot start", cc->cc.name);
			while (i-- > 0)
				if (nh[i] != NULL)
					health_free(nh[i]);
			free(nh);
			return -1;
		}
	}
	health_stop(a);
	a->health = nh;
	a->nhealth = conf->nchecks;
	return 0;
}

void
health_stop(struct agent *a)
{
	int i;

	for (i = 0; i < a->nhealth; i++)
		if (a->health[i] != NULL)
			health_free(a->health[i]);
	free(a->health);
	a->health = NULL;
	a->nhealth = 0;
}

void
instance_gate_update(struct instance *in)
{
	struct gate_track t[CONF_MAX_TRACK];
	uint8_t old_prio = in->gate.priority;
	bool old_fault = in->gate.fault;
	int i;

	for (i = 0; i < in->ntrack; i++)
		t[i] = in->track[i]->track;
	gate_compute(in->c.priority, t, in->ntrack, &in->gate);
	if (in->gate.priority != old_prio || in->gate.fault != old_fault)
		log_info("%s priority %s", in->tag, in->gate.why);
	instance_set_priority(in, in->gate.priority);
	instance_set_fault(in, VRRP_FAULT_GATE, in->gate.fault,
	    in->gate.fault ? "health check failing" : "health checks ok");
}
