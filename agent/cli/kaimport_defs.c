/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kaimport_defs: the values (numbers, seconds, names, INI-safe strings)
 * and the top-level blocks a vrrp_instance depends on (global_defs,
 * vrrp_script, vrrp_sync_group), and the [check] section each script
 * becomes.  kaimport.c translates the instances and drives the whole.
 */
#include "kaimport_int.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../conf/conf.h"

/* --- values -------------------------------------------------------------- */

/* Strict decimal integer in min..max (an optional '-'). */
int
ka_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == '\0' || *s == '+' || kai_blank(*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Seconds with up to 6 decimals into microseconds, at most max_us. */
int
ka_seconds(const char *s, int64_t max_us, int64_t *out)
{
	int64_t v = 0;
	int nint = 0, nfrac = 0;

	for (; *s >= '0' && *s <= '9'; s++, nint++)
		if ((v = v * 10 + (*s - '0')) > max_us)
			return -1;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++)
			if (nfrac < 6)
				v = v * 10 + (*s - '0');
	if (nint == 0 || *s != '\0')
		return -1;
	for (; nfrac < 6; nfrac++)
		v *= 10;
	if (v > max_us)
		return -1;
	*out = v;
	return 0;
}

/* Microseconds as seconds with no trailing zeros: "1", "0.5", "0.25". */
const char *
ka_fmt_secs(int64_t us, char *buf, size_t len)
{
	char *e;

	snprintf(buf, len, "%lld.%06lld", (long long)(us / 1000000),
	    (long long)(us % 1000000));
	e = buf + strlen(buf) - 1;
	while (*e == '0')
		*e-- = '\0';
	if (*e == '.')
		*e = '\0';
	return buf;
}

/*
 * dbvip's section names allow A-Z a-z 0-9 _ . - only: anything else
 * becomes '_'.  Returns true if the name had to change.
 */
bool
ka_name(const char *in, char *out, size_t len)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	size_t i;
	bool changed = strlen(in) >= len;

	for (i = 0; in[i] != '\0' && i + 1 < len; i++) {
		out[i] = strchr(ok, in[i]) != NULL ? in[i] : '_';
		changed |= out[i] != in[i];
	}
	out[i] = '\0';
	return changed;
}

/*
 * Can s be the value of key in dbvip's INI file?  inih strips blanks at
 * both ends, ends a value at " ;" (inline comment), knows no line
 * continuation and reads lines of at most KA_INI_LINE_MAX characters.
 */
const char *
ka_ini_unsafe(const char *key, const char *s)
{
	const char *c;

	if (*s == '\0')
		return "it is empty";
	if (strlen(key) + 3 + strlen(s) > KA_INI_LINE_MAX)
		return "the line would be longer than the 199 characters "
		    "dbvip's INI reader takes";
	if (strpbrk(s, "\n\r") != NULL)
		return "it contains a line break";
	if (kai_blank(*s) || kai_blank(s[strlen(s) - 1]))
		return "it starts or ends with a blank";
	for (c = strchr(s, ';'); c != NULL; c = strchr(c + 1, ';'))
		if (kai_blank(c[-1]))
			return "a ';' after a blank starts an INI comment";
	return NULL;
}

/*
 * A command line for /bin/sh -c from keepalived's words: keepalived runs
 * the words as argv, so each word that the shell would split or expand is
 * single-quoted.  A single quoted word holding blanks is keepalived's
 * `script "/path/to/x arg"` form: its text is the command line as is.
 * Returns true if that text holds shell syntax, which keepalived (no
 * shell) and /bin/sh read differently.
 */
static bool
ka_command(char **argv, int argc, struct sbuf *b)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,-";
	const char *c;
	int i;

	if (argc == 1) {
		sbuf_printf(b, "%s", argv[0]);
		return strpbrk(argv[0], "<>|&;$`*?~(){}[]\\\"#") != NULL;
	}
	for (i = 0; i < argc; i++) {
		if (i > 0)
			sbuf_printf(b, " ");
		if (argv[i][0] != '\0' && strspn(argv[i], safe) ==
		    strlen(argv[i])) {
			sbuf_printf(b, "%s", argv[i]);
			continue;
		}
		sbuf_printf(b, "'");
		for (c = argv[i]; *c != '\0'; c++)
			sbuf_printf(b, *c == '\'' ? "'\\''" : "%c", *c);
		sbuf_printf(b, "'");
	}
	return false;
}

/* --- global_defs, vrrp_script, vrrp_sync_group --------------------------- */

void
ka_global_defs(struct ka_parse *p, const struct ka_node *blk,
    struct sbuf *gw)
{
	const struct ka_node *n;
	const char *kw;
	long v;
	int64_t us;

	for (n = blk->child; n != NULL; n = n->next) {
		kw = n->argv[0];
		if (strcmp(kw, "vrrp_version") == 0) {
			if (n->argc == 2 && ka_int(n->argv[1], 2, 3, &v) == 0)
				p->version = (int)v;
			else
				kai_warn(p, gw, n->file, n->line, "vrrp_version "
				    "must be 2 or 3: ignored");
		} else if (strcmp(kw, "vrrp_strict") == 0) {
			p->strict = true;
			kai_warn(p, gw, n->file, n->line, "vrrp_strict is not "
			    "translated: dbvip does not enforce keepalived's "
			    "strict mode; to match strict peers use no "
			    "auth_pass, unicast_peer or preempt_delay");
		} else if (strcmp(kw, "vrrp_garp_master_repeat") == 0) {
			if (n->argc == 2 && ka_int(n->argv[1], 1, 100, &v) == 0)
				p->garp_repeat = (int)v;
			else
				kai_warn(p, gw, n->file, n->line, "%s: not a "
				    "count in 1..100: ignored", kw);
		} else if (strcmp(kw, "vrrp_garp_master_delay") == 0) {
			if (n->argc == 2 && ka_seconds(n->argv[1],
			    (int64_t)CONF_MAX_GARP_DELAY * 1000, &us) == 0)
				p->garp_delay_ms = us / 1000;
			else
				kai_warn(p, gw, n->file, n->line, "%s: not "
				    "0..60 seconds: ignored", kw);
		} else if (strcmp(kw, "vrrp_garp_master_refresh") == 0) {
			if (n->argc == 2 && ka_seconds(n->argv[1],
			    (int64_t)CONF_MAX_GARP_REFRESH * 1000, &us) == 0)
				p->garp_refresh_ms = us / 1000;
			else
				kai_warn(p, gw, n->file, n->line, "%s: not "
				    "0..86400 seconds: ignored", kw);
		} else
			kai_warn(p, gw, n->file, n->line, "global_defs %s is "
			    "not translated", kw);
	}
}

struct ka_script *
ka_find_script(struct ka_parse *p, const char *name)
{
	int i;

	for (i = 0; i < p->nscripts; i++)
		if (strcmp(p->scripts[i].n->argv[1], name) == 0)
			return &p->scripts[i];
	return NULL;
}

void
ka_add_script(struct ka_parse *p, const struct ka_node *n, struct sbuf *gw)
{
	struct ka_script *s;
	const struct ka_node *c;
	long v;

	if (n->argc != 2 || !n->block) {
		kai_warn(p, gw, n->file, n->line, "vrrp_script needs a name "
		    "and a block: ignored");
		return;
	}
	if (ka_find_script(p, n->argv[1]) != NULL) {
		kai_warn(p, gw, n->file, n->line, "vrrp_script %s is defined "
		    "twice: the second one is ignored", n->argv[1]);
		return;
	}
	s = reallocarray(p->scripts, (size_t)p->nscripts + 1, sizeof(*s));
	if (s == NULL) {
		kai_fail(p, -1, 0, "out of memory");
		return;
	}
	p->scripts = s;
	s = &p->scripts[p->nscripts++];
	memset(s, 0, sizeof(*s));
	s->n = n;
	for (c = n->child; c != NULL; c = c->next)
		if (strcmp(c->argv[0], "weight") == 0 && c->argc >= 2 &&
		    ka_int(c->argv[1], -253, 253, &v) == 0)
			s->weight = (int)v;
}

void
ka_sync_group(struct ka_parse *p, const struct ka_node *n, struct sbuf *gw)
{
	const struct ka_node *c, *m;
	struct sbuf names = { 0 };
	bool keep = false;
	char **ns;
	bool *nk;
	int first = p->nsynced, i;

	for (c = n->child; c != NULL; c = c->next)
		if (strcmp(c->argv[0], "sync_group_tracking_weight") == 0)
			keep = true;
	for (c = n->child; c != NULL; c = c->next) {
		if (strcmp(c->argv[0], "group") != 0 || !c->block)
			continue;
		for (m = c->child; m != NULL; m = m->next) {
			ns = reallocarray(p->synced, (size_t)p->nsynced + 1,
			    sizeof(*ns));
			if (ns == NULL) {
				kai_fail(p, -1, 0, "out of memory");
				return;
			}
			p->synced = ns;
			nk = reallocarray(p->synced_keep_weight,
			    (size_t)p->nsynced + 1, sizeof(*nk));
			if (nk == NULL) {
				kai_fail(p, -1, 0, "out of memory");
				return;
			}
			p->synced_keep_weight = nk;
			p->synced[p->nsynced] = m->argv[0];
			p->synced_keep_weight[p->nsynced++] = keep;
		}
	}
	for (i = first; i < p->nsynced; i++)
		sbuf_printf(&names, "%s%s", i > first ? ", " : "",
		    p->synced[i]);
	kai_warn(p, gw, n->file, n->line, "vrrp_sync_group %s (%s) is not "
	    "translated: dbvip has no sync groups, each instance fails over "
	    "on its own; the group's notify scripts and tracking are dropped "
	    "too", n->argc > 1 ? n->argv[1] : "?", names.s != NULL ?
	    names.s : "no instances");
	free(names.s);
}

/* -1 not in a sync group, 0 in one (weights zeroed), 1 in one (kept). */
int
ka_synced(const struct ka_parse *p, const char *name)
{
	int i;

	for (i = 0; i < p->nsynced; i++)
		if (strcmp(p->synced[i], name) == 0)
			return p->synced_keep_weight[i] ? 1 : 0;
	return -1;
}

/* The [check] name for script s with effective weight w. */
void
ka_check_name(const struct ka_script *s, int w, char *buf, size_t len)
{
	char base[CONF_NAME_MAX];

	ka_name(s->n->argv[1], base, sizeof(base));
	if (s->nweights == 0 || s->weights[0] == w)
		snprintf(buf, len, "%s", base);
	else
		snprintf(buf, len, "%.50s_w%d", base, w);
}

/* Write the [check] sections of one script, one per effective weight. */
void
ka_emit_script(struct ka_parse *p, struct ka_script *s, struct sbuf *out)
{
	const struct ka_node *c;
	struct sbuf cmd = { 0 }, warn = { 0 };
	char name[CONF_NAME_MAX], b[32];
	const char *why;
	int64_t interval = 1000000, timeout = 0;
	long rise = 1, fall = 1, v;
	int i;
	bool shell = false;

	for (c = s->n->child; c != NULL; c = c->next) {
		const char *kw = c->argv[0];

		if (strcmp(kw, "script") == 0 && c->argc >= 2) {
			cmd.len = 0;
			if ((shell = ka_command(c->argv + 1, c->argc - 1,
			    &cmd)))
				kai_warn(p, &warn, c->file, c->line, "script: "
				    "keepalived runs it without a shell, dbvip "
				    "with /bin/sh -c; check its shell syntax");
		} else if ((strcmp(kw, "interval") == 0 ||
		    strcmp(kw, "timeout") == 0) && c->argc == 2 &&
		    ka_int(c->argv[1], 1, 86400, &v) == 0) {
			*(kw[0] == 'i' ? &interval : &timeout) =
			    (int64_t)v * 1000000;
		} else if (strcmp(kw, "rise") == 0 && c->argc == 2 &&
		    ka_int(c->argv[1], 1, 1000, &v) == 0)
			rise = v;
		else if (strcmp(kw, "fall") == 0 && c->argc == 2 &&
		    ka_int(c->argv[1], 1, 1000, &v) == 0)
			fall = v;
		else if (strcmp(kw, "weight") == 0 && c->argc >= 2 &&
		    ka_int(c->argv[1], -253, 253, &v) == 0) {
			if (c->argc > 2)
				kai_warn(p, &warn, c->file, c->line, "weight "
				    "option %s is not translated", c->argv[2]);
		} else if (strcmp(kw, "user") == 0)
			kai_warn(p, &warn, c->file, c->line, "user is not "
			    "translated: dbvip runs checks as its own user");
		else if (strcmp(kw, "init_fail") == 0)
			kai_warn(p, &warn, c->file, c->line, "init_fail is not "
			    "translated");
		else
			kai_warn(p, &warn, c->file, c->line, "vrrp_script %s: "
			    "'%s' is not translated (or its value is "
			    "invalid)", s->n->argv[1], kw);
	}
	if (timeout == 0)
		timeout = interval;	/* keepalived's default */
	why = cmd.s != NULL ? ka_ini_unsafe("command", cmd.s) :
	    "there is no script";
	for (i = 0; i < s->nweights; i++) {
		ka_check_name(s, s->weights[i], name, sizeof(name));
		sbuf_printf(out, "\n[check %s]\n", name);
		if (i == 0)
			sbuf_append(out, &warn);
		if (i == 0 && strcmp(name, s->n->argv[1]) != 0)
			kai_warn(p, out, s->n->file, s->n->line, "vrrp_script "
			    "%s is named %s here", s->n->argv[1], name);
		sbuf_printf(out, "type = script\n");
		if (why != NULL) {
			if (i == 0)
				kai_warn(p, out, s->n->file, s->n->line,
				    "vrrp_script %s: the command cannot be "
				    "written: %s", s->n->argv[1], why);
			sbuf_printf(out, "# command = ?\n");
		} else
			sbuf_printf(out, "command = %s\n", cmd.s);
		sbuf_printf(out, "interval = %s\n", ka_fmt_secs(interval, b,
		    sizeof(b)));
		sbuf_printf(out, "timeout = %s\n", ka_fmt_secs(timeout, b,
		    sizeof(b)));
		sbuf_printf(out, "rise = %ld\nfall = %ld\n", rise, fall);
		if (s->weights[i] == 0)
			sbuf_printf(out, "# weight 0: a failing check puts the "
			    "instance in FAULT, as in keepalived\n");
		sbuf_printf(out, "weight = %d\n", s->weights[i]);
		p->r->nchecks++;
	}
	free(cmd.s);
	free(warn.s);
}

