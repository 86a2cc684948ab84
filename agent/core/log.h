/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log: OpenBSD-style logging to stderr (systemd/journald picks it up).
 * log_warn appends strerror(errno), log_warnx does not.  fatal/fatalx exit.
 * Debug output is switched per subsystem with -d SUBSYS (pkt, fsm, arp,
 * nl, sql, ctl, loop, all).
 */
#ifndef DBVIP_LOG_H
#define DBVIP_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_sub {
	LOG_PKT = 0x01, LOG_FSM = 0x02, LOG_ARP = 0x04, LOG_NL = 0x08,
	LOG_SQL = 0x10, LOG_CTL = 0x20, LOG_LOOP = 0x40, LOG_ALL = 0xff,
};

void log_init(const char *progname);
/* Enable debug for a subsystem by name; -1 if the name is unknown. */
int log_debug_enable(const char *name);
bool log_debug_on(enum log_sub sub);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(enum log_sub sub, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * A rate limit for one log line (per drop reason, per instance): allows a
 * burst, then one line per interval, and counts what it suppressed.
 */
struct log_rl {
	uint64_t window_start;
	unsigned in_window;
	unsigned suppressed;
};

/* True if a line may be logged at now (microseconds).  When it returns true
 * after suppressing, *suppressed says how many were left out. */
bool log_rl_allow(struct log_rl *rl, uint64_t now, unsigned *suppressed);

#endif
