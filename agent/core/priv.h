/* SPDX-License-Identifier: Apache-2.0 */
/*
 * priv: least privilege.  The agent needs exactly two capabilities after
 * start-up: CAP_NET_RAW (VRRP raw sockets, ARP/NA packet sockets, reopened
 * on reload) and CAP_NET_ADMIN (adding and removing VIPs).  Everything else
 * is given up once the sockets exist.
 */
#ifndef DBVIP_PRIV_H
#define DBVIP_PRIV_H

#include <stddef.h>
#include <sys/types.h>

/* The capabilities kept, as a mask of 1 << CAP_x (what /proc shows). */
#define PRIV_KEEP_MASK	((1ULL << 12) | (1ULL << 13))	/* NET_ADMIN, RAW */

/*
 * Look up user (a name) in the passwd database.  0 with *uid and *gid set,
 * or -1 with "user NAME: ..." in err (no such user, or a lookup error).
 */
int priv_user_ids(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen);

/*
 * Give up privileges for good.  user may be NULL or "" (stay the same user).
 *
 * Started as root (euid 0): drops every capability but CAP_NET_RAW and
 * CAP_NET_ADMIN from the bounding set; with a user, switches groups
 * (initgroups), gid and uid to it while keeping capabilities across the
 * switch (PR_SET_KEEPCAPS); then sets effective = permitted = exactly the two,
 * inheritable and ambient empty, and no-new-privileges.  The result is
 * verified; any failure is -1 with a message in err (the caller should
 * exit: a half-dropped process must not run).
 *
 * Started as another user (e.g. by systemd with User= and
 * AmbientCapabilities=): it cannot switch users or shrink the bounding set,
 * and does not try.  It still trims effective/permitted to at most the two
 * capabilities, empties inheritable and ambient, and sets no-new-privileges;
 * a configured user that differs from the running one is only logged.
 * A configured user that does not exist is an error in both cases.
 *
 * Ambient capabilities are cleared on purpose: programs the agent starts
 * (health-check scripts) must not inherit CAP_NET_ADMIN.
 */
int priv_drop(const char *user, char *err, size_t errlen);

#endif
