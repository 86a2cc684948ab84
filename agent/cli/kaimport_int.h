/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kaimport internals shared by kaimport_lex.c (the growing string,
 * messages, the lexer with includes, the statement tree) and kaimport.c
 * (the translation).  Not a public interface: see kaimport.h.
 */
#ifndef DBVIP_KAIMPORT_INT_H
#define DBVIP_KAIMPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../conf/conf.h"
#include "kaimport.h"
#include "../core/sbuf.h"

#define KA_MAX_WEIGHTS		16	/* distinct weights of one script */
#define KA_COMMENT_WIDTH	78
#define KA_INI_LINE_MAX		199	/* inih's line buffer, less the NUL */

struct ka_tok {
	char *s;
	int file, line;
	bool brace;		/* an unquoted '{' or '}' */
};

struct ka_node {
	char **argv;		/* argv[0] is the keyword */
	int argc;
	int file, line;
	bool block;
	struct ka_node *child, *next;
};

struct ka_script {
	const struct ka_node *n;
	char name[CONF_NAME_MAX];
	int weight;			/* the script's own */
	int weights[KA_MAX_WEIGHTS];	/* effective weights of its users */
	int nweights;
};

struct ka_parse {
	char **files;
	int nfiles;
	struct ka_tok *tok;
	int ntok, captok;
	int depth;

	struct kaimport_result *r;
	bool failed;
	char *err;
	size_t errlen;

	/* global_defs */
	int version;			/* 0 = keepalived's default, 2 */
	int garp_repeat;		/* -1 = unset */
	int64_t garp_delay_ms, garp_refresh_ms;
	bool strict;

	struct ka_script *scripts;
	int nscripts;
	char **synced;			/* instances in a vrrp_sync_group */
	bool *synced_keep_weight;
	int nsynced;

	struct sbuf lexwarn;		/* warnings about lines, for [global] */
	const char *textdir;		/* kaimport_text's basedir */
};

/* Output is built in growing sbufs (../core/sbuf.h). */
/* text as "# " comment lines wrapped at KA_COMMENT_WIDTH. */
void kai_sb_comment(struct sbuf *b, const char *text);

/* The first fatal error into p->err ("file:line: msg"); file -1 = none. */
void kai_fail(struct ka_parse *p, int file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A warning: into p->r->warn, and as a wrapped comment into out. */
void kai_warn(struct ka_parse *p, struct sbuf *out, int file, int line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

bool kai_blank(char c);

/*
 * Append the tokens of path (included from line from_line of file
 * from_file, or -1) or of text (already registered as file) to p->tok,
 * following includes.  0, or -1 after kai_fail().
 */
int kai_lex_file(struct ka_parse *p, const char *path, int from_file,
    int from_line);
int kai_lex_text(struct ka_parse *p, const char *text, int file,
    struct sbuf *gw);

/*
 * Statements from token *i to the '}' closing token open_tok (-1: to the
 * end).  NULL with p->failed set on error; free with kai_free_nodes().
 */
struct ka_node *kai_tree(struct ka_parse *p, int *i, int open_tok);
void kai_free_nodes(struct ka_node *n);

/* Register a file name; its index, or -1 when out of memory. */
int kai_add_file(struct ka_parse *p, const char *name);

/*
 * kaimport_defs.c: values, and the blocks instances depend on (each
 * function's comment there says what it returns).  ka_name: a dbvip
 * section name from a keepalived one, true when it had to change;
 * ka_ini_unsafe: why s cannot stand as the INI value of key, or NULL;
 * ka_synced: -1 not in a sync group, 0 in one (weights zeroed), 1 in one
 * (weights kept).
 */
int ka_int(const char *s, long min, long max, long *out);
int ka_seconds(const char *s, int64_t max_us, int64_t *out);
const char *ka_fmt_secs(int64_t us, char *buf, size_t len);
bool ka_name(const char *in, char *out, size_t len);
const char *ka_ini_unsafe(const char *key, const char *s);
void ka_global_defs(struct ka_parse *p, const struct ka_node *blk,
    struct sbuf *gw);
struct ka_script *ka_find_script(struct ka_parse *p, const char *name);
void ka_add_script(struct ka_parse *p, const struct ka_node *n, struct sbuf *gw);
void ka_sync_group(struct ka_parse *p, const struct ka_node *n, struct sbuf *gw);
int ka_synced(const struct ka_parse *p, const char *name);
void ka_check_name(const struct ka_script *s, int w, char *buf, size_t len);
void ka_emit_script(struct ka_parse *p, struct ka_script *s, struct sbuf *out);

#endif
