/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *log_prog = "dbvipd";
static unsigned log_debug_mask;

static const struct {
	const char *name;
	enum log_sub sub;
} log_subs[] = {
	{ "pkt", LOG_PKT }, { "fsm", LOG_FSM }, { "arp", LOG_ARP },
	{ "nl", LOG_NL }, { "sql", LOG_SQL }, { "ctl", LOG_CTL },
	{ "loop", LOG_LOOP }, { "all", LOG_ALL },
};

/* Rate limit: a burst of this many lines per window, then silence. */
#define LOG_RL_BURST	5
#define LOG_RL_WINDOW	(10ULL * 1000000ULL)

void
log_init(const char *progname)
{
	log_prog = progname;
	/* journald adds its own timestamps; a line per write keeps order. */
	setvbuf(stderr, NULL, _IOLBF, 0);
}

int
log_debug_enable(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(log_subs) / sizeof(log_subs[0]); i++) {
		if (strcasecmp(name, log_subs[i].name) == 0) {
			log_debug_mask |= log_subs[i].sub;
			return 0;
		}
	}
	return -1;
}

bool
log_debug_on(enum log_sub sub)
{
	return (log_debug_mask & sub) != 0;
}

static void
log_vline(const char *level, const char *fmt, va_list ap, int errnum)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0)
		fprintf(stderr, "%s: %s%s: %s\n", log_prog, level, msg,
		    strerror(errnum));
	else
		fprintf(stderr, "%s: %s%s\n", log_prog, level, msg);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("", fmt, ap, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline("warning: ", fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("warning: ", fmt, ap, 0);
	va_end(ap);
}

void
log_debug(enum log_sub sub, const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on(sub))
		return;
	va_start(ap, fmt);
	log_vline("debug: ", fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline("fatal: ", fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("fatal: ", fmt, ap, 0);
	va_end(ap);
	exit(1);
}

bool
log_rl_allow(struct log_rl *rl, uint64_t now, unsigned *suppressed)
{
	*suppressed = 0;
	if (rl->window_start == 0 || now - rl->window_start >= LOG_RL_WINDOW) {
		*suppressed = rl->suppressed;
		rl->window_start = now;
		rl->in_window = 0;
		rl->suppressed = 0;
	}
	if (rl->in_window < LOG_RL_BURST) {
		rl->in_window++;
		return true;
	}
	rl->suppressed++;
	return false;
}
