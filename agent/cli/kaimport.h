/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kaimport: translate the vrrp_instance blocks of a keepalived.conf into a
 * dbvip INI configuration (the format conf_load() reads), for
 * `dbvipctl import-keepalived FILE`.
 *
 * keepalived's syntax as its keepalived.conf(5) describes it: keywords with
 * arguments, nested '{' '}' blocks (a brace is a token of its own, also
 * without blanks around it), comments from '#' or '!' to the end of the
 * line, strings quoted with " or ' (quotes removed, blanks kept, shell-like
 * escapes inside quotes), and `include GLOB` (also includer, includem,
 * includew, includeb, includea) with a path relative to the directory of
 * the file that holds the include line.
 *
 * The translation is a pure function of the files read: no other I/O, no
 * clock, no logging.  Everything that has no dbvip equivalent (sync groups,
 * virtual_server, VMAC, SMTP alerts, strict mode, unknown keywords, ...)
 * becomes a warning: a `# WARNING line N: ...` comment in the output (`line
 * N of FILE` for an included file) and an entry in the result, so that the
 * caller can also print it on stderr.  Nothing is dropped silently.
 *
 * keepalived facts the translation relies on (keepalived 2.2.x):
 *   - the VRRP version is 2 unless global_defs vrrp_version or the
 *     instance's version says otherwise; IPv6 instances always use 3.
 *   - a vrrp_script runs every 1 s, its timeout defaults to its interval,
 *     rise and fall to 1, weight to 0 (0 = a failure means FAULT).
 *   - nopreempt and preempt_delay are cleared with state MASTER, and
 *     nopreempt also with priority 255.
 *   - auth_pass uses its first 8 characters.
 *
 * The output always starts with a [global] section holding control_socket,
 * then one [check NAME] section (type = script) per tracked vrrp_script,
 * then one [instance NAME] section per translatable vrrp_instance; the
 * whole output loads with conf_load().
 */
#ifndef DBVIP_KAIMPORT_H
#define DBVIP_KAIMPORT_H

#include <stddef.h>

#define KAIMPORT_MAX_DEPTH	8	/* include nesting, also stops loops */

struct kaimport_warning {
	char file[256];		/* the file as named (top file or include) */
	int line;
	char msg[256];
};

struct kaimport_result {
	char *text;		/* the dbvip configuration, NUL terminated */
	size_t len;
	struct kaimport_warning *warn;
	int nwarn;
	int ninstances;		/* [instance] sections written */
	int nchecks;		/* [check] sections written */
};

/*
 * Translate the keepalived configuration in path (and the files it
 * includes) into *r, which the caller frees with kaimport_free().
 * control_socket is written into [global].  Returns 0, or -1 with a
 * message in err when nothing useful can be produced: a file cannot be
 * read, a quote or a brace does not close, includes nest deeper than
 * KAIMPORT_MAX_DEPTH, out of memory, or no vrrp_instance translates.  On
 * -1, r->text is NULL but r->warn may hold the warnings that explain why;
 * the caller calls kaimport_free() in both cases.
 */
int kaimport_file(const char *path, const char *control_socket,
    struct kaimport_result *r, char *err, size_t errlen);

/*
 * The same for text already in memory; name is used in messages and
 * relative includes are looked up in basedir (NULL = the current
 * directory).
 */
int kaimport_text(const char *text, const char *name, const char *basedir,
    const char *control_socket, struct kaimport_result *r, char *err,
    size_t errlen);

void kaimport_free(struct kaimport_result *r);

#endif
