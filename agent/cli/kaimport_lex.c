/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kaimport_lex: keepalived.conf's syntax.  The lexer turns every file (the
 * top one and, in place of each include line, the files it names) into one
 * stream of tokens that remember their file and line; the tree builder
 * groups the stream into statements (a keyword, the arguments on its line,
 * and an optional block of statements).  Also the growing string and the
 * error/warning recorders that kaimport.c shares.
 */
#include "kaimport_int.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KA_MAX_FILE_SIZE	(4 * 1024 * 1024)

/* --- growing string ------------------------------------------------------ */

/*
 * A comment, wrapped at blanks so that no line comes near inih's line
 * limit; continuation lines are indented.
 */
void
kai_sb_comment(struct sbuf *b, const char *text)
{
	const char *s = text, *brk;
	size_t room, n;
	bool first = true;

	while (*s != '\0') {
		room = KA_COMMENT_WIDTH - (first ? 2 : 4);
		n = strlen(s);
		if (n > room) {
			for (brk = s + room; brk > s && *brk != ' '; brk--)
				;
			n = brk > s ? (size_t)(brk - s) : room;
		}
		sbuf_printf(b, "%s%.*s\n", first ? "# " : "#   ", (int)n, s);
		s += n;
		while (*s == ' ')
			s++;
		first = false;
	}
}

/* --- messages ------------------------------------------------------- */

/* The first fatal error, as "file:line: message" when a place is known. */
void
kai_fail(struct ka_parse *p, int file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (file >= 0 && line > 0)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->files[file], line,
		    msg);
	else if (file >= 0)
		snprintf(p->err, p->errlen, "%s: %s", p->files[file], msg);
	else
		snprintf(p->err, p->errlen, "%s", msg);
}

/*
 * A warning: recorded in the result for the caller's stderr, and written
 * as a comment into out, the section it concerns.
 */
void
kai_warn(struct ka_parse *p, struct sbuf *out, int file, int line,
    const char *fmt, ...)
{
	struct kaimport_result *r = p->r;
	struct kaimport_warning *w;
	char text[600];
	va_list ap;

	w = reallocarray(r->warn, (size_t)r->nwarn + 1, sizeof(*w));
	if (w == NULL) {
		out->oom = true;
		return;
	}
	r->warn = w;
	w = &r->warn[r->nwarn++];
	snprintf(w->file, sizeof(w->file), "%s", p->files[file]);
	w->line = line;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
	if (file == 0)
		snprintf(text, sizeof(text), "WARNING line %d: %s", line,
		    w->msg);
	else
		snprintf(text, sizeof(text), "WARNING line %d of %s: %s", line,
		    w->file, w->msg);
	kai_sb_comment(out, text);
}

/* --- lexer --------------------------------------------------------------- */

int
kai_add_file(struct ka_parse *p, const char *name)
{
	char **nf, *s;

	if ((s = strdup(name)) == NULL)
		return -1;
	nf = reallocarray(p->files, (size_t)p->nfiles + 1, sizeof(*nf));
	if (nf == NULL) {
		free(s);
		return -1;
	}
	p->files = nf;
	p->files[p->nfiles] = s;
	return p->nfiles++;
}

static int
ka_push(struct ka_parse *p, const char *s, size_t len, int file, int line,
    bool brace)
{
	struct ka_tok *nt;
	int ncap;

	if (p->ntok == p->captok) {
		ncap = p->captok == 0 ? 256 : p->captok * 2;
		nt = reallocarray(p->tok, (size_t)ncap, sizeof(*nt));
		if (nt == NULL)
			return -1;
		p->tok = nt;
		p->captok = ncap;
	}
	if ((p->tok[p->ntok].s = strndup(s, len)) == NULL)
		return -1;
	p->tok[p->ntok].file = file;
	p->tok[p->ntok].line = line;
	p->tok[p->ntok].brace = brace;
	p->ntok++;
	return 0;
}

bool
kai_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * One escape inside quotes at *sp (just after the backslash), as the
 * shell-like escapes keepalived.conf(5) lists; advances *sp.
 */
static char
ka_escape(const char **sp)
{
	const char *s = *sp;
	unsigned v = 0;
	int n;

	switch (*s) {
	case 'a': *sp = s + 1; return '\a';
	case 'b': *sp = s + 1; return '\b';
	case 'E': *sp = s + 1; return '\033';
	case 'f': *sp = s + 1; return '\f';
	case 'n': *sp = s + 1; return '\n';
	case 'r': *sp = s + 1; return '\r';
	case 't': *sp = s + 1; return '\t';
	case 'v': *sp = s + 1; return '\v';
	case 'c':
		if (s[1] != '\0') {
			*sp = s + 2;
			return (char)(s[1] & 0x1f);
		}
		break;
	case 'x':
		for (n = 0, s++; n < 2 && strchr("0123456789abcdefABCDEF",
		    *s) != NULL && *s != '\0'; n++, s++)
			v = v * 16 + (unsigned)(*s <= '9' ? *s - '0' :
			    (*s | 0x20) - 'a' + 10);
		if (n > 0) {
			*sp = s;
			return (char)v;
		}
		s = *sp;
		break;
	default:
		if (*s >= '0' && *s <= '7') {
			for (n = 0; n < 3 && *s >= '0' && *s <= '7'; n++, s++)
				v = v * 8 + (unsigned)(*s - '0');
			*sp = s;
			return (char)v;
		}
		break;
	}
	*sp = s + 1;
	return *s;
}

/*
 * Read one word at *sp: quoted parts lose their quotes and keep their
 * blanks and escapes; an unquoted blank, brace or comment ends the word.
 * *quoted tells whether any of it was quoted.
 */
static int
ka_word(struct ka_parse *p, const char **sp, struct sbuf *w, bool *quoted,
    int file, int line, bool include)
{
	const char *s = *sp;
	char q;

	w->len = 0;
	sbuf_printf(w, "%s", "");
	*quoted = false;
	while (*s != '\0' && !kai_blank(*s) && *s != '#' && *s != '!' &&
	    (include || (*s != '{' && *s != '}'))) {
		if (*s != '"' && *s != '\'') {
			sbuf_printf(w, "%c", *s++);
			continue;
		}
		*quoted = true;
		q = *s++;
		while (*s != '\0' && *s != q) {
			if (*s == '\\' && s[1] != '\0') {
				s++;
				sbuf_printf(w, "%c", ka_escape(&s));
			} else
				sbuf_printf(w, "%c", *s++);
		}
		if (*s != q) {
			kai_fail(p, file, line, "unterminated %c quote", q);
			return -1;
		}
		s++;
	}
	*sp = s;
	return w->oom ? -1 : 0;
}

static bool
ka_is_include(const char *s)
{
	return strcmp(s, "include") == 0 || strcmp(s, "includer") == 0 ||
	    strcmp(s, "includem") == 0 || strcmp(s, "includew") == 0 ||
	    strcmp(s, "includeb") == 0 || strcmp(s, "includea") == 0;
}

/* The directory part of path ("." when there is none), into buf. */
static void
ka_dirname(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

/*
 * An include line: the pattern is relative to the directory of the file
 * holding the line.  Every match is lexed in place, in glob's order.
 */
static int
ka_include(struct ka_parse *p, const char *pattern, int file, int line,
    struct sbuf *gw)
{
	char dir[PATH_MAX], full[PATH_MAX];
	glob_t g;
	size_t i;
	int rv;

	if (pattern[0] == '/')
		snprintf(full, sizeof(full), "%s", pattern);
	else {
		if (file == 0 && p->textdir != NULL)
			snprintf(dir, sizeof(dir), "%s", p->textdir);
		else
			ka_dirname(p->files[file], dir, sizeof(dir));
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir,
		    pattern) >= sizeof(full)) {
			kai_fail(p, file, line, "include path too long");
			return -1;
		}
	}
	memset(&g, 0, sizeof(g));
	rv = glob(full, GLOB_BRACE | GLOB_TILDE, NULL, &g);
	if (rv == GLOB_NOMATCH) {
		kai_warn(p, gw, file, line, "include %s matches no file",
		    pattern);
		globfree(&g);
		return 0;
	}
	if (rv != 0) {
		kai_fail(p, file, line, "include %s: glob failed", pattern);
		globfree(&g);
		return -1;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		if (kai_lex_file(p, g.gl_pathv[i], file, line) == -1) {
			globfree(&g);
			return -1;
		}
	}
	globfree(&g);
	return 0;
}

/* Tokens of one line.  gw collects warnings about the line itself. */
static int
ka_lex_line(struct ka_parse *p, const char *s, int file, int line,
    struct sbuf *gw)
{
	struct sbuf w = { 0 };
	bool quoted, first = true;
	int rv = -1;

	s += strspn(s, " \t\r\v\f");
	if (*s == '@' || *s == '$') {
		kai_warn(p, gw, file, line, "conditional configuration and "
		    "parameter substitution ('%c') are not supported: line "
		    "skipped", *s);
		return 0;
	}
	for (;;) {
		while (kai_blank(*s))
			s++;
		if (*s == '\0' || *s == '#' || *s == '!')
			break;
		if (*s == '{' || *s == '}') {
			if (ka_push(p, s, 1, file, line, true) == -1)
				goto oom;
			s++;
			first = false;
			continue;
		}
		if (ka_word(p, &s, &w, &quoted, file, line, false) == -1)
			goto out;
		if (first && !quoted && ka_is_include(w.s)) {
			while (kai_blank(*s))
				s++;
			if (ka_word(p, &s, &w, &quoted, file, line, true) ==
			    -1)
				goto out;
			if (w.len == 0) {
				kai_warn(p, gw, file, line, "include without "
				    "a file name");
				rv = 0;
				goto out;
			}
			rv = ka_include(p, w.s, file, line, gw);
			goto out;
		}
		if (ka_push(p, w.s, w.len, file, line, false) == -1)
			goto oom;
		first = false;
	}
	rv = 0;
	goto out;
oom:
	kai_fail(p, -1, 0, "out of memory");
out:
	free(w.s);
	return rv;
}

int
kai_lex_text(struct ka_parse *p, const char *text, int file, struct sbuf *gw)
{
	const char *s = text, *nl;
	char *line = NULL;
	int lineno = 0, rv = 0;
	size_t len;

	if (strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (*s != '\0' && rv == 0) {
		lineno++;
		nl = strchr(s, '\n');
		len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		free(line);
		if ((line = strndup(s, len)) == NULL) {
			kai_fail(p, -1, 0, "out of memory");
			return -1;
		}
		rv = ka_lex_line(p, line, file, lineno, gw);
		s += len + (nl != NULL);
	}
	free(line);
	return rv;
}

/* Lex path, included from line from_line of file from_file (or -1). */
int
kai_lex_file(struct ka_parse *p, const char *path, int from_file,
    int from_line)
{
	FILE *fp;
	char *text;
	size_t n;
	long size;
	int file, rv;

	if (p->depth >= KAIMPORT_MAX_DEPTH) {
		kai_fail(p, from_file, from_line, "includes nested deeper "
		    "than %d (a loop?) at %s", KAIMPORT_MAX_DEPTH, path);
		return -1;
	}
	if ((file = kai_add_file(p, path)) == -1) {
		kai_fail(p, -1, 0, "out of memory");
		return -1;
	}
	if ((fp = fopen(path, "re")) == NULL) {
		kai_fail(p, file, 0, "%s", strerror(errno));
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) == -1 || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) == -1) {
		kai_fail(p, file, 0, "%s", strerror(errno));
		fclose(fp);
		return -1;
	}
	if (size > KA_MAX_FILE_SIZE) {
		kai_fail(p, file, 0, "larger than %d bytes", KA_MAX_FILE_SIZE);
		fclose(fp);
		return -1;
	}
	if ((text = malloc((size_t)size + 1)) == NULL) {
		kai_fail(p, -1, 0, "out of memory");
		fclose(fp);
		return -1;
	}
	n = fread(text, 1, (size_t)size, fp);
	text[n] = '\0';
	if (ferror(fp)) {
		kai_fail(p, file, 0, "read error");
		fclose(fp);
		free(text);
		return -1;
	}
	fclose(fp);
	p->depth++;
	rv = kai_lex_text(p, text, file, &p->lexwarn);
	p->depth--;
	free(text);
	return rv;
}

/* --- tree ---------------------------------------------------------------- */

void
kai_free_nodes(struct ka_node *n)
{
	struct ka_node *next;

	for (; n != NULL; n = next) {
		next = n->next;
		kai_free_nodes(n->child);
		free(n->argv);
		free(n);
	}
}

/*
 * Statements from *i up to the '}' that closes the block opened at
 * open_tok (or to the end when open_tok is -1).  Arguments are the words
 * on the keyword's line; a '{' after them, on that line or the next ones,
 * opens the statement's block.  The argv strings point into the tokens.
 */
struct ka_node *
kai_tree(struct ka_parse *p, int *i, int open_tok)
{
	struct ka_node *head = NULL, **tail = &head, *n;
	struct ka_tok *t, *k;
	char **av;

	while (*i < p->ntok && !p->failed) {
		t = &p->tok[*i];
		if (t->brace && t->s[0] == '}') {
			if (open_tok == -1) {
				kai_fail(p, t->file, t->line, "'}' without a "
				    "matching '{'");
				break;
			}
			(*i)++;
			return head;
		}
		if (t->brace) {
			kai_fail(p, t->file, t->line, "'{' without a keyword");
			break;
		}
		if ((n = calloc(1, sizeof(*n))) == NULL) {
			kai_fail(p, -1, 0, "out of memory");
			break;
		}
		*tail = n;
		tail = &n->next;
		n->file = t->file;
		n->line = t->line;
		for (k = t; *i < p->ntok && !k->brace && k->file == t->file &&
		    k->line == t->line; k = &p->tok[++(*i)]) {
			av = reallocarray(n->argv, (size_t)n->argc + 2,
			    sizeof(*av));
			if (av == NULL) {
				kai_fail(p, -1, 0, "out of memory");
				goto out;
			}
			n->argv = av;
			n->argv[n->argc++] = k->s;
			n->argv[n->argc] = NULL;
		}
		if (*i < p->ntok && p->tok[*i].brace &&
		    p->tok[*i].s[0] == '{') {
			int open = (*i)++;

			n->block = true;
			n->child = kai_tree(p, i, open);
		}
	}
	if (open_tok != -1 && !p->failed)
		kai_fail(p, p->tok[open_tok].file, p->tok[open_tok].line,
		    "'{' is never closed");
out:
	return head;
}

