/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint: the second opinion of `dbvipd -t`.  conf_load() refuses what cannot
 * work; lint_conf() looks at a configuration that loaded and reports what
 * probably does not do what its author meant, above all next to keepalived
 * peers.
 *
 * Warnings (do not fail -t): the same vrid on one interface for IPv4 and
 * IPv6; VRRPv2 in use (keepalived peers must run the same version); priority
 * 255 for addresses the interface does not hold right now (this check reads
 * the interface's addresses with getifaddrs); preempt_delay with preempt
 * off (ignored); advert_int below 0.1 s; auth_pass, unicast_peer or
 * preempt_delay next to keepalived peers in strict mode (vrrp_strict
 * forbids them).  Errors (fail -t): advert_int that the version cannot
 * carry, the same (interface, vrid, family) twice, a unicast_peer that is
 * one of our own VIPs.  The errors repeat checks conf_load() already makes
 * where a struct conf could come from elsewhere; they cost nothing.
 */
#ifndef DBVIP_LINT_H
#define DBVIP_LINT_H

#include <stdbool.h>

#include "conf.h"

/*
 * Call emit once per finding, in instance order, with error set for
 * errors and msg as "FILE:LINE: instance NAME: text" (LINE is the
 * instance's section line).  Returns the number of errors.
 */
int lint_conf(const struct conf *c,
    void (*emit)(void *arg, bool error, const char *msg), void *arg);

#endif
