/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl: the control socket.  A unix stream socket at the path from the
 * config; a client sends one command line ("status", "status --json", ...)
 * terminated by '\n', the agent answers with text and closes.  A reply that
 * starts with "error:" means the command failed.  Non-blocking, in the loop.
 */
#ifndef DBVIP_CTL_H
#define DBVIP_CTL_H

#include <stddef.h>

#include "../core/loop.h"

struct ctl;

/*
 * Handle one command (without the newline).  Returns a malloc'd reply that
 * ctl sends and frees, or NULL for out of memory.
 */
typedef char *ctl_handler(void *arg, const char *cmd);

/*
 * Listen on path (mode 0660).  A stale socket left by a dead agent is
 * replaced; a path where another agent still listens, or that is not a
 * socket, is an error.  NULL with errno/err on failure.
 */
struct ctl *ctl_open(struct loop *l, const char *path, ctl_handler *h,
    void *arg, char *err, size_t errlen);

/* Stop listening, drop clients, unlink the path. */
void ctl_close(struct ctl *c);

#endif
