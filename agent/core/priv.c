/* SPDX-License-Identifier: Apache-2.0 */
/*
 * priv: drop to CAP_NET_RAW + CAP_NET_ADMIN, optionally as another user.
 * See priv.h for the contract.
 *
 * The order matters.  The bounding set can only shrink while CAP_SETPCAP is
 * effective, so it goes first, as root.  setuid() away from root clears the
 * permitted set unless PR_SET_KEEPCAPS is on; with it on, permitted survives
 * and effective is emptied, so the two capabilities are raised again from
 * permitted afterwards.  Finally the result is read back: a daemon that
 * believes it dropped privileges but did not is worse than one that stops.
 */
#include "priv.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"

static const cap_value_t priv_keep[] = { CAP_NET_ADMIN, CAP_NET_RAW };
#define PRIV_NKEEP	((int)(sizeof(priv_keep) / sizeof(priv_keep[0])))
_Static_assert(PRIV_KEEP_MASK ==
    ((1ULL << CAP_NET_ADMIN) | (1ULL << CAP_NET_RAW)), "PRIV_KEEP_MASK");

static void priv_fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
priv_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool
priv_kept(cap_value_t c)
{
	int i;

	for (i = 0; i < PRIV_NKEEP; i++)
		if (priv_keep[i] == c)
			return true;
	return false;
}

int
priv_user_ids(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		/* getpwnam leaves errno 0 (or ENOENT, ESRCH...) for "none". */
		if (errno == 0 || errno == ENOENT || errno == ESRCH ||
		    errno == EBADF || errno == EPERM)
			priv_fail(err, errlen, "user %s: no such user", user);
		else
			priv_fail(err, errlen, "user %s: lookup: %s", user,
			    strerror(errno));
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* Shrink the bounding set to the two capabilities (needs CAP_SETPCAP). */
static int
priv_bound(char *err, size_t errlen)
{
	int c, max = cap_max_bits();

	for (c = 0; c < max; c++) {
		if (priv_kept(c))
			continue;
		if (cap_drop_bound(c) == -1) {
			priv_fail(err, errlen, "drop capability %d from the "
			    "bounding set: %s", c, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Switch to uid/gid, keeping the permitted capabilities across setuid(). */
static int
priv_switch_user(const char *user, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) == -1) {
		priv_fail(err, errlen, "PR_SET_KEEPCAPS: %s", strerror(errno));
		return -1;
	}
	/* Groups first: after setuid() we could no longer change them. */
	if (initgroups(user, gid) == -1) {
		priv_fail(err, errlen, "user %s: initgroups: %s", user,
		    strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		priv_fail(err, errlen, "user %s: setresgid(%u): %s", user,
		    (unsigned)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		priv_fail(err, errlen, "user %s: setresuid(%u): %s", user,
		    (unsigned)uid, strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) == -1) {
		priv_fail(err, errlen, "PR_SET_KEEPCAPS off: %s",
		    strerror(errno));
		return -1;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid) {
		priv_fail(err, errlen, "user %s: uid/gid did not change", user);
		return -1;
	}
	return 0;
}

/*
 * Set effective = permitted = the kept capabilities that are permitted now
 * (all of them when we were root), inheritable empty.  *have returns the
 * mask that was set.
 */
static int
priv_set_caps(unsigned long long *have, char *err, size_t errlen)
{
	cap_t cur, want;
	cap_flag_value_t v;
	cap_value_t set[PRIV_NKEEP];
	int i, n = 0;

	*have = 0;
	if ((cur = cap_get_proc()) == NULL) {
		priv_fail(err, errlen, "cap_get_proc: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < PRIV_NKEEP; i++) {
		if (cap_get_flag(cur, priv_keep[i], CAP_PERMITTED, &v) == 0 &&
		    v == CAP_SET) {
			set[n++] = priv_keep[i];
			*have |= 1ULL << priv_keep[i];
		}
	}
	cap_free(cur);
	if ((want = cap_init()) == NULL) {
		priv_fail(err, errlen, "cap_init: %s", strerror(errno));
		return -1;
	}
	if (n > 0 && (cap_set_flag(want, CAP_PERMITTED, n, set, CAP_SET) ==
	    -1 || cap_set_flag(want, CAP_EFFECTIVE, n, set, CAP_SET) == -1)) {
		priv_fail(err, errlen, "cap_set_flag: %s", strerror(errno));
		cap_free(want);
		return -1;
	}
	if (cap_set_proc(want) == -1) {
		priv_fail(err, errlen, "cap_set_proc: %s", strerror(errno));
		cap_free(want);
		return -1;
	}
	cap_free(want);
	/*
	 * Ambient capabilities would pass CAP_NET_ADMIN to every program we
	 * start.  EINVAL: a kernel without ambient capabilities (< 4.3).
	 */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0L, 0L, 0L) ==
	    -1 && errno != EINVAL) {
		priv_fail(err, errlen, "clear ambient capabilities: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Read the result back: effective and permitted exactly "want". */
static int
priv_verify(unsigned long long want, bool bound, char *err, size_t errlen)
{
	cap_t cur;
	cap_flag_value_t e, p, in;
	int c, max = cap_max_bits();

	if ((cur = cap_get_proc()) == NULL) {
		priv_fail(err, errlen, "cap_get_proc: %s", strerror(errno));
		return -1;
	}
	for (c = 0; c < max; c++) {
		bool w = c < 64 && (want & (1ULL << c)) != 0;

		if (cap_get_flag(cur, c, CAP_EFFECTIVE, &e) == -1 ||
		    cap_get_flag(cur, c, CAP_PERMITTED, &p) == -1 ||
		    cap_get_flag(cur, c, CAP_INHERITABLE, &in) == -1 ||
		    (e == CAP_SET) != w || (p == CAP_SET) != w ||
		    in == CAP_SET) {
			cap_free(cur);
			priv_fail(err, errlen, "capability %d still held after "
			    "dropping privileges", c);
			return -1;
		}
		if (bound && !priv_kept(c) && cap_get_bound(c) != 0) {
			cap_free(cur);
			priv_fail(err, errlen, "capability %d still in the "
			    "bounding set", c);
			return -1;
		}
	}
	cap_free(cur);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L) != 1) {
		priv_fail(err, errlen, "no-new-privileges is not set");
		return -1;
	}
	return 0;
}

int
priv_drop(const char *user, char *err, size_t errlen)
{
	unsigned long long have;
	uid_t uid = 0;
	gid_t gid = 0;
	bool root = geteuid() == 0;
	bool named = user != NULL && user[0] != '\0';

	if (named && priv_user_ids(user, &uid, &gid, err, errlen) == -1)
		return -1;
	if (root) {
		if (priv_bound(err, errlen) == -1)
			return -1;
		if (named && priv_switch_user(user, uid, gid, err, errlen) ==
		    -1)
			return -1;
	} else if (named && getuid() != uid)
		log_warnx("user %s: running as uid %u, not root: staying this "
		    "user", user, (unsigned)getuid());
	if (priv_set_caps(&have, err, errlen) == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) == -1) {
		priv_fail(err, errlen, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -1;
	}
	if (root && have != PRIV_KEEP_MASK) {
		priv_fail(err, errlen, "root without CAP_NET_RAW and "
		    "CAP_NET_ADMIN");
		return -1;
	}
	if (priv_verify(have, root, err, errlen) == -1)
		return -1;
	if (have != PRIV_KEEP_MASK)
		log_warnx("running without some of CAP_NET_RAW, CAP_NET_ADMIN: "
		    "VRRP sockets or VIP changes may fail");
	log_info("privileges dropped: uid %u, gid %u, capabilities %s, "
	    "no-new-privileges", (unsigned)getuid(), (unsigned)getgid(),
	    have == PRIV_KEEP_MASK ? "CAP_NET_RAW CAP_NET_ADMIN" :
	    have == (1ULL << CAP_NET_RAW) ? "CAP_NET_RAW" :
	    have == (1ULL << CAP_NET_ADMIN) ? "CAP_NET_ADMIN" : "none");
	return 0;
}
