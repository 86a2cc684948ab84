/* SPDX-License-Identifier: Apache-2.0 */
/*
 * grants: SHOW GRANTS lines into privilege bits.  See grants.h.
 *
 * A line is read with its quoting in mind: `...` identifiers (with ``
 * for a backquote) and '...' strings may hold anything, column lists sit
 * in parentheses, so the words ON and TO count only outside all three.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check_eval.h"
#include "grants.h"

static const struct {
	const char *name;	/* normalised: upper case, '_' as ' ' */
	uint32_t bit;
} gr_words[] = {
	{ "ALL", GR_ALL },
	{ "ALL PRIVILEGES", GR_ALL },
	{ "SUPER", GR_SUPER },
	{ "READ ONLY ADMIN", GR_READ_ONLY_ADMIN },
	{ "REPLICATION SLAVE ADMIN", GR_REPL_SLAVE_ADMIN },
	{ "REPLICATION REPLICA ADMIN", GR_REPL_SLAVE_ADMIN },
	{ "SLAVE MONITOR", GR_SLAVE_MONITOR },
	{ "REPLICA MONITOR", GR_SLAVE_MONITOR },
	{ "BINLOG MONITOR", GR_BINLOG_MONITOR },
	{ "REPLICATION CLIENT", GR_BINLOG_MONITOR },
	{ "CONNECTION ADMIN", GR_CONNECTION_ADMIN },
	{ "PROCESS", GR_PROCESS },
	{ "RELOAD", GR_RELOAD },
	{ "REPLICATION SLAVE", GR_REPL_SLAVE },
	{ "REPLICATION REPLICA", GR_REPL_SLAVE },
	{ "SELECT", GR_SELECT },
	{ "INSERT", GR_INSERT },
	{ "UPDATE", GR_UPDATE },
	{ "CREATE", GR_CREATE },
};

/* Names in bit order, as 10.11's SHOW GRANTS spells them. */
static const char *const gr_names[GR_NBITS] = {
	"READ_ONLY ADMIN", "REPLICATION SLAVE ADMIN", "SLAVE MONITOR",
	"BINLOG MONITOR", "CONNECTION ADMIN", "PROCESS", "RELOAD",
	"REPLICATION SLAVE", "SUPER", "ALL PRIVILEGES", "SELECT", "INSERT",
	"UPDATE", "CREATE",
};

#define GR_OBJECT_BITS	(GR_SELECT | GR_INSERT | GR_UPDATE | GR_CREATE)

void
grants_init(struct grants *g)
{
	memset(g, 0, sizeof(*g));
}

/*
 * The first occurrence of the word w (" ON ", " TO ") in s outside
 * quotes and parentheses, or NULL.
 */
static const char *
gr_find_word(const char *s, const char *w)
{
	size_t wl = strlen(w);
	int depth = 0;
	char q = 0;

	for (; *s != '\0'; s++) {
		if (q != 0) {
			if (*s == q) {
				if (s[1] == q)
					s++;	/* doubled: still quoted */
				else
					q = 0;
			}
			continue;
		}
		if (*s == '`' || *s == '\'' || *s == '"')
			q = *s;
		else if (*s == '(')
			depth++;
		else if (*s == ')' && depth > 0)
			depth--;
		else if (depth == 0 && strncasecmp(s, w, wl) == 0)
			return s;
	}
	return NULL;
}

/* One privilege word (from s, n bytes) into its bit, 0 if not ours. */
static uint32_t
gr_word(const char *s, size_t n)
{
	char w[48];
	size_t i, o = 0;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	/* A column list: a column-level grant does not cover a table. */
	if (memchr(s, '(', n) != NULL)
		return 0;
	for (i = 0; i < n && o + 1 < sizeof(w); i++) {
		char ch = s[i] == '_' ? ' ' : (char)toupper((unsigned char)s[i]);

		if (ch == ' ' && (o == 0 || w[o - 1] == ' '))
			continue;
		w[o++] = ch;
	}
	if (i < n)
		return 0;
	w[o] = '\0';
	for (i = 0; i < sizeof(gr_words) / sizeof(gr_words[0]); i++)
		if (strcmp(w, gr_words[i].name) == 0)
			return gr_words[i].bit;
	return 0;
}

static uint32_t
gr_privs(const char *s, const char *end)
{
	const char *start = s;
	uint32_t bits = 0;
	int depth = 0;
	char q = 0;

	for (; s <= end; s++) {
		if (s < end && q != 0) {
			if (*s == q)
				q = 0;
			continue;
		}
		if (s < end && (*s == '`' || *s == '\'')) {
			q = *s;
			continue;
		}
		if (s < end && *s == '(')
			depth++;
		else if (s < end && *s == ')' && depth > 0)
			depth--;
		else if (s == end || (*s == ',' && depth == 0)) {
			bits |= gr_word(start, (size_t)(s - start));
			start = s + 1;
		}
	}
	return bits;
}

/*
 * An identifier at *sp: `quoted` (`` is a backquote), * or a bare word;
 * into out (65 bytes).  Advances *sp.  -1 if malformed or too long.
 */
static int
gr_ident(const char **sp, char *out)
{
	const char *s = *sp;
	size_t o = 0;

	if (*s == '`') {
		for (s++; *s != '\0'; s++) {
			if (*s == '`') {
				if (s[1] != '`')
					break;
				s++;
			}
			if (o + 1 >= 65)
				return -1;
			out[o++] = *s;
		}
		if (*s != '`')
			return -1;
		s++;
	} else if (*s == '*') {
		out[o++] = *s++;
	} else {
		while (*s != '\0' && *s != '.' && !isspace((unsigned char)*s)) {
			if (o + 1 >= 65)
				return -1;
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
	*sp = s;
	return o == 0 ? -1 : 0;
}

int
grants_add_line(struct grants *g, const char *line)
{
	struct grants_entry e;
	const char *p = line, *on, *to, *obj;
	static const char *const routines[] = {
		"FUNCTION ", "PROCEDURE ", "PACKAGE ",
	};
	size_t i;

	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "GRANT ", 6) != 0)
		return 0;		/* SET DEFAULT ROLE ... */
	p += 6;
	while (isspace((unsigned char)*p))
		p++;
	on = gr_find_word(p, " ON ");
	to = gr_find_word(p, " TO ");
	/* Role membership: GRANT `r` TO ... (no ON before TO). */
	if (on == NULL || (to != NULL && to < on))
		return 0;
	if (to == NULL) {
		g->skipped++;
		return -1;
	}
	memset(&e, 0, sizeof(e));
	e.privs = gr_privs(p, on);
	obj = on + 4;
	while (isspace((unsigned char)*obj))
		obj++;
	if (strncasecmp(p, "PROXY", 5) == 0 &&
	    (p[5] == ' ' || p + 5 == on))
		return 0;
	for (i = 0; i < sizeof(routines) / sizeof(routines[0]); i++)
		if (strncasecmp(obj, routines[i], strlen(routines[i])) == 0)
			return 0;
	if (gr_ident(&obj, e.db) == -1 || *obj != '.') {
		g->skipped++;
		return -1;
	}
	obj++;
	if (gr_ident(&obj, e.table) == -1 || obj != to) {
		g->skipped++;
		return -1;
	}
	if (strcmp(e.db, "*") == 0 && strcmp(e.table, "*") == 0)
		e.level = 0;
	else if (strcmp(e.db, "*") == 0) {
		g->skipped++;
		return -1;
	} else
		e.level = strcmp(e.table, "*") == 0 ? 1 : 2;
	if (g->n == GRANTS_MAX) {
		g->skipped++;
		return -1;
	}
	g->e[g->n++] = e;
	return 1;
}

/* LIKE with % and _ and backslash escapes, as database grants match. */
static bool
gr_like(const char *pat, const char *s)
{
	for (; *pat != '\0'; pat++, s++) {
		if (*pat == '%') {
			for (;; s++) {
				if (gr_like(pat + 1, s))
					return true;
				if (*s == '\0')
					return false;
			}
		}
		if (*s == '\0')
			return false;
		if (*pat == '\\' && pat[1] != '\0') {
			pat++;
			if (*pat != *s)
				return false;
		} else if (*pat != '_' && *pat != *s)
			return false;
	}
	return *s == '\0';
}

/* An entry's bits with ALL and SUPER expanded for its level. */
static uint32_t
gr_expand(const struct grants_entry *e)
{
	uint32_t b = e->privs;

	if (b & GR_ALL)
		b |= e->level == 0 ? (1u << GR_NBITS) - 1 : GR_OBJECT_BITS;
	if ((b & GR_SUPER) && e->level == 0)
		b |= GR_SUPER_COVERS;
	return b;
}

uint32_t
grants_on(const struct grants *g, const char *db, const char *table)
{
	uint32_t bits = 0;
	int i;

	for (i = 0; i < g->n; i++) {
		const struct grants_entry *e = &g->e[i];

		if (e->level == 0 ||
		    (e->level == 1 && db != NULL && gr_like(e->db, db)) ||
		    (e->level == 2 && db != NULL && table != NULL &&
		    strcmp(e->db, db) == 0 && strcmp(e->table, table) == 0))
			bits |= gr_expand(e);
	}
	return bits;
}

uint32_t
grants_missing(const struct grants *g, uint32_t need, const char *db,
    const char *table)
{
	return need & ~grants_on(g, db, table);
}

uint32_t
grants_need_check(const struct check_conf *cc, uint32_t *obj, char *dbbuf,
    char *tblbuf)
{
	*obj = 0;
	dbbuf[0] = tblbuf[0] = '\0';
	switch (cc->type) {
	case CHECK_WRITE:
		if (check_eval_table(cc->table[0] ? cc->table : "heartbeat",
		    dbbuf, 65, tblbuf, 65) == 0)
			*obj = GR_NEED_WRITE;
		return 0;
	case CHECK_REPLICATION:
		return GR_SLAVE_MONITOR;
	default:
		return 0;
	}
}

uint32_t
grants_excess_check(const struct grants *g)
{
	uint32_t bits = 0;
	int i;

	for (i = 0; i < g->n; i++)
		if (g->e[i].level == 0)
			bits |= g->e[i].privs & GR_CHECK_EXCESS;
	return bits;
}

void
grants_names(uint32_t bits, char *buf, size_t len)
{
	size_t off = 0;
	int i, n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < GR_NBITS; i++) {
		if (!(bits & (1u << i)))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
		    gr_names[i]);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
}
