/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Status for dbvipctl: a table for people, JSON for scripts and tests.
 * Built into a growing buffer; the control socket frees it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/agent.h"
#include "../core/clock.h"
#include "../core/notify.h"
#include "../core/sbuf.h"

static void
status_json_addr(struct sbuf *b, const struct ipaddr *a)
{
	char ab[IPADDR_STRLEN];

	if (a->family == 0)
		sbuf_printf(b, "null");
	else
		sbuf_json_str(b, ipaddr_ntop(a, ab, sizeof(ab)));
}

static void
status_drops_json(struct sbuf *b, const uint64_t *drops)
{
	int d;

	sbuf_printf(b, "{");
	for (d = 1; d < VRRP_DROP__MAX; d++)
		sbuf_printf(b, "%s\"%s\":%llu", d > 1 ? "," : "",
		    vrrp_drop_name((enum vrrp_drop)d),
		    (unsigned long long)drops[d]);
	sbuf_printf(b, "}");
}

static const struct {
	unsigned bit;
	const char *name;
} fault_bits[] = {
	{ VRRP_FAULT_LINK, "link" },
	{ VRRP_FAULT_GATE, "gate" },
	{ VRRP_FAULT_OPERATOR, "maintenance" },
	{ VRRP_FAULT_BLOCKED, "guard" },
	{ VRRP_FAULT_ROLE, "role" },
};

#define NFAULT_BITS	(sizeof(fault_bits) / sizeof(fault_bits[0]))

/* Failover guard and notify queue of one instance. */
static void
status_guard_json(struct sbuf *b, const struct instance *in)
{
	const struct guard *g = &in->a->guard;
	const struct guard_inst *gi = &in->guard;
	const struct notify_q *q = in->nq;
	uint64_t now = clock_now();
	uint64_t left = guard_block_left_us(g, gi, now);

	sbuf_printf(b, ",\"guard\":{\"master_seen\":");
	status_json_addr(b, &gi->master);
	sbuf_printf(b, ",\"failovers\":%llu,\"blocked\":%s,"
	    "\"block_remaining_s\":%.1f,\"last_failover_ago_s\":",
	    (unsigned long long)gi->failovers,
	    (in->fsm.fault & VRRP_FAULT_BLOCKED) ? "true" : "false",
	    left / 1e6);
	if (gi->t_failover != 0 && now >= gi->t_failover)
		sbuf_printf(b, "%.1f", (now - gi->t_failover) / 1e6);
	else
		sbuf_printf(b, "null");
	sbuf_printf(b, "},\"notify\":{\"queued\":%d,\"running\":",
	    q != NULL ? q->len : 0);
	if (q != NULL && q->cur != NULL)
		sbuf_json_str(b, q->cur->what);
	else
		sbuf_printf(b, "null");
	sbuf_printf(b, ",\"runs\":%llu,\"failures\":%llu,\"dropped\":%llu,"
	    "\"last_failure\":",
	    (unsigned long long)(q != NULL ? q->runs : 0),
	    (unsigned long long)(q != NULL ? q->failures : 0),
	    (unsigned long long)(q != NULL ? q->dropped : 0));
	if (q != NULL && q->last_failure[0] != '\0')
		sbuf_json_str(b, q->last_failure);
	else
		sbuf_printf(b, "null");
	sbuf_printf(b, "}");
}

static void
status_guards_json(struct sbuf *b, const struct agent *a)
{
	const struct guard *g = &a->guard;

	sbuf_printf(b, ",\"guards\":{\"maintenance\":%s,\"lock\":%s,"
	    "\"lock_cmd\":%s,\"lock_file\":",
	    g->maintenance ? "true" : "false",
	    guard_locked(g) ? "true" : "false",
	    g->lock_cmd ? "true" : "false");
	if (a->conf.lock_file[0] != '\0')
		sbuf_json_str(b, a->conf.lock_file);
	else
		sbuf_printf(b, "null");
	sbuf_printf(b, ",\"lock_file_present\":%s,\"failover_block_s\":%u.%03u}",
	    g->lock_file_present ? "true" : "false", g->block_ms / 1000,
	    g->block_ms % 1000);
}

static void
status_json_str_or_null(struct sbuf *b, const char *s)
{
	if (s[0] == '\0')
		sbuf_printf(b, "null");
	else
		sbuf_json_str(b, s);
}

/* The database role of an instance, or null (none / galera). */
static void
status_role_json(struct sbuf *b, const struct instance *in)
{
	const struct role_info *ri;

	if (in->role == NULL) {
		sbuf_printf(b, "null");
		return;
	}
	ri = role_get_info(in->role);
	sbuf_printf(b, "{\"state\":\"%s\",\"last_step\":",
	    role_state_name(ri->state));
	status_json_str_or_null(b, ri->last_step);
	sbuf_printf(b, ",\"last_error\":");
	status_json_str_or_null(b, ri->last_error);
	if (ri->read_only < 0)
		sbuf_printf(b, ",\"read_only\":null");
	else
		sbuf_printf(b, ",\"read_only\":%s",
		    ri->read_only ? "true" : "false");
	sbuf_printf(b, ",\"master_host\":");
	status_json_str_or_null(b, ri->master_host);
	sbuf_printf(b, ",\"errant_gtids\":");
	status_json_str_or_null(b, ri->errant);
	sbuf_printf(b, ",\"hold\":");
	status_json_str_or_null(b, ri->hold);
	if (ri->promoted_at == 0)
		sbuf_printf(b, ",\"promoted_ago_s\":null");
	else
		sbuf_printf(b, ",\"promoted_ago_s\":%.1f",
		    (double)(clock_now() - ri->promoted_at) / 1e6);
	sbuf_printf(b, ",\"last_promote_ms\":%u,\"promotions\":%llu,"
	    "\"promote_failures\":%llu,\"demotions\":%llu,\"fences\":%llu,"
	    "\"repoints\":%llu,\"rejoins\":%llu}", ri->last_promote_ms,
	    (unsigned long long)ri->promotions,
	    (unsigned long long)ri->promote_failures,
	    (unsigned long long)ri->demotions,
	    (unsigned long long)ri->fences,
	    (unsigned long long)ri->repoints,
	    (unsigned long long)ri->rejoins);
}

static void
status_instance_json(struct sbuf *b, const struct instance *in)
{
	char ab[IPADDR_STRLEN];
	int i, n;

	sbuf_printf(b, "{\"name\":");
	sbuf_json_str(b, in->c.name);
	sbuf_printf(b, ",\"interface\":");
	sbuf_json_str(b, in->c.ifname);
	sbuf_printf(b, ",\"vrid\":%u,\"version\":%u,\"family\":\"%s\","
	    "\"mode\":\"%s\",\"state\":\"%s\",\"priority\":%u,"
	    "\"effective_priority\":%u,\"advert_int\":%u.%02u,"
	    "\"master_advert_int\":%u.%02u,\"preempt\":%s,\"address\":",
	    in->c.vrid, in->c.version,
	    in->c.family == AF_INET ? "inet" : "inet6",
	    in->c.npeers > 0 ? "unicast" : "multicast",
	    vrrp_state_name(in->fsm.state), in->c.priority,
	    in->fsm.priority, in->c.advert_int_cs / 100,
	    in->c.advert_int_cs % 100, in->fsm.master_adver_int_cs / 100,
	    in->fsm.master_adver_int_cs % 100,
	    in->c.preempt ? "true" : "false");
	status_json_addr(b, &in->fsm.self);
	sbuf_printf(b, ",\"vips\":[");
	for (i = 0; in->vips_held && i < in->c.nvips; i++)
		sbuf_printf(b, "%s\"%s/%u\"", i ? "," : "",
		    ipaddr_ntop(&in->c.vips[i].addr, ab, sizeof(ab)),
		    in->c.vips[i].plen);
	sbuf_printf(b, "],\"master\":");
	if (in->fsm.state == VRRP_ST_MASTER)
		status_json_addr(b, &in->fsm.self);
	else if (in->fsm.state == VRRP_ST_BACKUP)
		status_json_addr(b, &in->fsm.master);
	else
		sbuf_printf(b, "null");
	sbuf_printf(b, ",\"master_priority\":%u,\"fault\":[",
	    in->fsm.state == VRRP_ST_MASTER ? in->fsm.priority :
	    in->fsm.master_priority);
	for (i = 0, n = 0; i < (int)NFAULT_BITS; i++)
		if (in->fsm.fault & fault_bits[i].bit)
			sbuf_printf(b, "%s\"%s\"", n++ ? "," : "",
			    fault_bits[i].name);
	sbuf_printf(b, "]");
	status_guard_json(b, in);
	sbuf_printf(b, ",\"state_why\":");
	sbuf_json_str(b, in->state_why);
	sbuf_printf(b, ",\"state_for_s\":%.1f", in->state_since == 0 ? 0.0 :
	    (double)(clock_now() - in->state_since) / 1e6);
	sbuf_printf(b, ",\"priority_why\":");
	sbuf_json_str(b, in->gate.why);
	sbuf_printf(b, ",\"track\":[");
	for (i = 0; i < in->ntrack; i++) {
		sbuf_printf(b, "%s", i ? "," : "");
		sbuf_json_str(b, in->track[i]->cfg.cc.name);
	}
	sbuf_printf(b, "]");
	sbuf_printf(b, ",\"role\":");
	status_role_json(b, in);
	sbuf_printf(b, ",\"counters\":{\"adverts_sent\":%llu,"
	    "\"adverts_received\":%llu,\"transitions\":%llu,"
	    "\"send_errors\":%llu,\"vip_errors\":%llu,\"drops\":",
	    (unsigned long long)in->n.adverts_sent,
	    (unsigned long long)in->n.adverts_received,
	    (unsigned long long)in->fsm.transitions,
	    (unsigned long long)in->n.send_errors,
	    (unsigned long long)in->n.vip_errors);
	status_drops_json(b, in->n.drops);
	sbuf_printf(b, "}}");
}

static void
status_check_json(struct sbuf *b, const struct health *h)
{
	const struct check_result *r = check_last(h->chk);
	bool ran = h->track.state != GATE_UNKNOWN;

	sbuf_printf(b, "{\"name\":");
	sbuf_json_str(b, h->cfg.cc.name);
	sbuf_printf(b, ",\"type\":\"%s\",\"state\":\"%s\",\"weight\":%d,"
	    "\"rise\":%u,\"fall\":%u,\"running\":%s,\"last_ok\":%s,"
	    "\"last_error\":", check_type_name(h->cfg.cc.type),
	    gate_state_name(h->track.state), h->cfg.weight, h->cfg.rise,
	    h->cfg.fall, check_running(h->chk) ? "true" : "false",
	    !ran ? "null" : r->ok ? "true" : "false");
	if (ran && !r->ok)
		sbuf_json_str(b, r->msg);
	else
		sbuf_printf(b, "null");
	sbuf_printf(b, ",\"last_message\":");
	sbuf_json_str(b, r->msg);
	sbuf_printf(b, ",\"latency_ms\":%.3f,\"db_errno\":%d,"
	    "\"consecutive_ok\":%u,\"consecutive_fail\":%u,\"runs\":%llu,"
	    "\"missed\":%llu", r->latency_us / 1000.0, r->db_errno,
	    h->track.n_ok, h->track.n_fail, (unsigned long long)h->runs,
	    (unsigned long long)h->missed);
	if (h->cfg.cc.type == CHECK_REPLICATION)
		sbuf_printf(b, ",\"lag_s\":%ld,\"io_running\":%s,"
		    "\"sql_running\":%s", r->lag_s,
		    r->io_running ? "true" : "false",
		    r->sql_running ? "true" : "false");
	sbuf_printf(b, "}");
}

static void
status_checks_table(struct sbuf *b, const struct agent *a)
{
	int i;

	if (a->nhealth == 0)
		return;
	sbuf_printf(b, "\n%-16s %-11s %-8s %6s %5s %9s  %s\n", "CHECK", "TYPE",
	    "STATE", "WEIGHT", "OK/KO", "LATENCY", "LAST RESULT");
	for (i = 0; i < a->nhealth; i++) {
		const struct health *h = a->health[i];
		const struct check_result *r = check_last(h->chk);
		char okko[16];

		snprintf(okko, sizeof(okko), "%u/%u", h->track.n_ok,
		    h->track.n_fail);
		sbuf_printf(b, "%-16s %-11s %-8s %6d %5s %7.1fms  %s\n",
		    h->cfg.cc.name, check_type_name(h->cfg.cc.type),
		    gate_state_name(h->track.state), h->cfg.weight, okko,
		    r->latency_us / 1000.0, r->msg);
	}
}

/* One line per instance only when a guard or a notify hook has news. */
static void
status_guard_line(struct sbuf *b, const struct instance *in)
{
	const struct notify_q *q = in->nq;
	uint64_t left = guard_block_left_us(&in->a->guard, &in->guard,
	    clock_now());

	if (left > 0)
		sbuf_printf(b, "%-16s failover blocked: %.0f s left%s "
		    "(dbvipctl ack ends it)\n", "", left / 1e6,
		    in->fsm.state == VRRP_ST_MASTER ? ", not for the master" :
		    "");
	if (q != NULL && (q->len > 0 || q->cur != NULL))
		sbuf_printf(b, "%-16s notify: %s running, %d queued\n", "",
		    q->cur != NULL ? q->cur->what : "nothing", q->len);
	if (q != NULL && q->last_failure[0] != '\0')
		sbuf_printf(b, "%-16s notify: %llu of %llu runs failed, last: "
		    "%s\n", "", (unsigned long long)q->failures,
		    (unsigned long long)q->runs, q->last_failure);
}

static void
status_guards_line(struct sbuf *b, const struct agent *a)
{
	const struct guard *g = &a->guard;

	sbuf_printf(b, "\nmaintenance %s, failover lock %s, failover_block "
	    "%u s\n", g->maintenance ? "ON" : "off",
	    !guard_locked(g) ? "off" : g->lock_cmd && g->lock_file_present ?
	    "SET (command and lock_file)" : g->lock_cmd ? "SET (command)" :
	    "SET (lock_file)", g->block_ms / 1000);
}

static void
status_table(struct sbuf *b, const struct agent *a)
{
	const struct instance *in;
	char ab[IPADDR_STRLEN], mb[IPADDR_STRLEN];
	int i;

	sbuf_printf(b, "%-16s %-10s %4s %-7s %8s %-26s %-20s %s\n",
	    "INSTANCE", "INTERFACE", "VRID", "STATE", "PRIO/EFF",
	    "MASTER", "VIPS HELD", "ADV TX/RX");
	for (in = a->inst; in != NULL; in = in->next) {
		const struct ipaddr *m = in->fsm.state == VRRP_ST_MASTER ?
		    &in->fsm.self : in->fsm.state == VRRP_ST_BACKUP ?
		    &in->fsm.master : NULL;
		char prio[16];

		snprintf(prio, sizeof(prio), "%u/%u", in->c.priority,
		    in->fsm.priority);
		if (in->vips_held && in->c.nvips > 0)
			ipaddr_ntop(&in->c.vips[0].addr, ab, sizeof(ab));
		else
			snprintf(ab, sizeof(ab), "-");
		sbuf_printf(b, "%-16s %-10s %4u %-7s %8s %-26s %-20s %llu/%llu\n",
		    in->c.name, in->c.ifname, in->c.vrid,
		    vrrp_state_name(in->fsm.state), prio,
		    m ? ipaddr_ntop(m, mb, sizeof(mb)) : "-", ab,
		    (unsigned long long)in->n.adverts_sent,
		    (unsigned long long)in->n.adverts_received);
		for (i = 1; in->vips_held && i < in->c.nvips; i++)
			sbuf_printf(b, "%-16s %-10s %4s %-7s %8s %-26s %s\n", "",
			    "", "", "", "", "", ipaddr_ntop(&in->c.vips[i].addr,
			    ab, sizeof(ab)));
		sbuf_printf(b, "%-16s %s for %.0f s: %s\n", "",
		    vrrp_state_name(in->fsm.state), in->state_since == 0 ? 0.0 :
		    (double)(clock_now() - in->state_since) / 1e6,
		    in->state_why);
		if (in->ntrack > 0)
			sbuf_printf(b, "%-16s priority %s\n", "", in->gate.why);
		status_guard_line(b, in);
		if (in->role != NULL) {
			const struct role_info *ri = role_get_info(in->role);

			sbuf_printf(b, "%-16s database %s, read_only %s%s%s%s%s\n",
			    "", role_state_name(ri->state),
			    ri->read_only < 0 ? "?" : ri->read_only ? "ON" :
			    "OFF", ri->master_host[0] ? ", from " : "",
			    ri->master_host, ri->hold[0] ? "; held: " : "",
			    ri->hold);
			if (ri->errant[0] != '\0')
				sbuf_printf(b, "%-16s errant GTIDs %s: rebuild "
				    "this node\n", "", ri->errant);
			else if (ri->last_error[0] != '\0')
				sbuf_printf(b, "%-16s last role error: %s\n", "",
				    ri->last_error);
		}
	}
	status_guards_line(b, a);
	status_checks_table(b, a);
}

char *
status_render(const struct agent *a, bool json)
{
	struct sbuf b = { 0 };
	const struct instance *in;
	int i;

	if (!json)
		status_table(&b, a);
	else {
		sbuf_printf(&b, "{\"version\":\"%s\",\"instances\":[",
		    DBVIP_VERSION);
		for (in = a->inst; in != NULL; in = in->next) {
			status_instance_json(&b, in);
			if (in->next != NULL)
				sbuf_printf(&b, ",");
		}
		sbuf_printf(&b, "],\"checks\":[");
		for (i = 0; i < a->nhealth; i++) {
			sbuf_printf(&b, "%s", i ? "," : "");
			status_check_json(&b, a->health[i]);
		}
		sbuf_printf(&b, "]");
		status_guards_json(&b, a);
		sbuf_printf(&b, ",\"unmatched_drops\":");
		status_drops_json(&b, a->unmatched);
		sbuf_printf(&b, "}\n");
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

char *
agent_ctl(void *arg, const char *cmd)
{
	struct agent *a = arg;

	if (strcmp(cmd, "status") == 0)
		return status_render(a, false);
	if (strcmp(cmd, "status --json") == 0 || strcmp(cmd, "status json") == 0)
		return status_render(a, true);
	if (strcmp(cmd, "ack") == 0)
		return guard_ctl_ack(a);
	if (strcmp(cmd, "lock") == 0 || strcmp(cmd, "unlock") == 0)
		return guard_ctl_lock(a, cmd[0] == 'l');
	if (strcmp(cmd, "maintenance on") == 0)
		return guard_ctl_maintenance(a, true);
	if (strcmp(cmd, "maintenance off") == 0)
		return guard_ctl_maintenance(a, false);
	if (strncmp(cmd, "maintenance", 11) == 0)
		return strdup("error: usage: maintenance on|off\n");
	return strdup("error: unknown command (try: status, status --json, "
	    "ack, lock, unlock, maintenance on|off)\n");
}
