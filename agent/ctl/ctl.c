/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl: the control socket.  One command per connection: read a line, answer,
 * close.  Everything is non-blocking and driven by the loop; a client that
 * stalls (does not finish its line, or does not read the reply) is dropped
 * after CTL_IDLE_US without progress, so it can neither hold memory nor make
 * the agent wait.
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/log.h"

#define CTL_LINE_MAX	4096		/* command line, newline included */
#define CTL_IDLE_US	(2 * USEC_PER_SEC)
#define CTL_MAX_CLIENTS	16
#define CTL_ACCEPT_BURST 16		/* accepts per wake-up */

struct ctl_client {
	struct ctl *ctl;
	int fd;
	char in[CTL_LINE_MAX + 1];	/* + NUL */
	size_t inlen;
	char *out;			/* reply, malloc'd; NULL while reading */
	size_t outlen;
	size_t outoff;
	struct loop_timer idle;
	struct ctl_client *next;
};

struct ctl {
	struct loop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;			/* of the socket we bound, so that */
	ino_t ino;			/* close unlinks only our own */
	ctl_handler *handler;
	void *arg;
	struct ctl_client *clients;
	int nclients;
};

static void ctl_client_cb(void *, int, uint32_t);

static void
ctl_client_free(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;
	struct ctl_client **pp;

	for (pp = &c->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	c->nclients--;
	loop_timer_cancel(c->loop, &cl->idle);
	loop_del_fd(c->loop, cl->fd);
	close(cl->fd);
	free(cl->out);
	free(cl);
}

static void
ctl_client_idle(void *arg)
{
	struct ctl_client *cl = arg;

	log_debug(LOG_CTL, "ctl: client fd %d idle for %llu s, dropped",
	    cl->fd, (unsigned long long)(CTL_IDLE_US / USEC_PER_SEC));
	ctl_client_free(cl);
}

/* Progress was made: push the idle deadline back. */
static void
ctl_client_touch(struct ctl_client *cl)
{
	loop_timer_set(cl->ctl->loop, &cl->idle, clock_now() + CTL_IDLE_US,
	    ctl_client_idle, cl, "ctl idle");
}

/*
 * Send what the socket takes now.  Returns 1 when the whole reply is out,
 * 0 if the rest waits for EPOLLOUT, -1 if the client is gone.
 */
static int
ctl_client_flush(struct ctl_client *cl)
{
	ssize_t n;

	while (cl->outoff < cl->outlen) {
		/* MSG_NOSIGNAL: a client that hung up must not SIGPIPE us. */
		n = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			log_debug(LOG_CTL, "ctl: send: %s", strerror(errno));
			return -1;
		}
		cl->outoff += (size_t)n;
	}
	return 1;
}

/* Take reply (malloc'd, or NULL) as the answer and start sending it. */
static void
ctl_client_reply(struct ctl_client *cl, char *reply)
{
	int rv;

	if (reply == NULL)
		reply = strdup("error: out of memory\n");
	if (reply == NULL) {
		ctl_client_free(cl);
		return;
	}
	cl->out = reply;
	cl->outlen = strlen(reply);
	cl->outoff = 0;
	rv = ctl_client_flush(cl);
	if (rv != 0) {
		ctl_client_free(cl);
		return;
	}
	if (loop_mod_fd(cl->ctl->loop, cl->fd, EPOLLOUT) == -1) {
		log_warn("ctl: epoll");
		ctl_client_free(cl);
		return;
	}
	ctl_client_touch(cl);
}

/* A whole command is in cl->in (NUL-terminated, newline removed). */
static void
ctl_client_command(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;
	size_t len = strlen(cl->in);

	if (len > 0 && cl->in[len - 1] == '\r')
		cl->in[--len] = '\0';
	log_debug(LOG_CTL, "ctl: command \"%s\"", cl->in);
	if (len == 0) {
		ctl_client_reply(cl, strdup("error: empty command\n"));
		return;
	}
	ctl_client_reply(cl, c->handler(c->arg, cl->in));
}

static void
ctl_client_read(struct ctl_client *cl)
{
	char *nl;
	ssize_t n;

	for (;;) {
		n = recv(cl->fd, cl->in + cl->inlen,
		    CTL_LINE_MAX - cl->inlen, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			log_debug(LOG_CTL, "ctl: recv: %s", strerror(errno));
			ctl_client_free(cl);
			return;
		}
		if (n == 0) {
			/*
			 * The client closed its side without a newline:
			 * take what it sent as the command (so that
			 * "printf status | socat" works), or just drop it.
			 */
			if (cl->inlen == 0) {
				ctl_client_free(cl);
				return;
			}
			cl->in[cl->inlen] = '\0';
			ctl_client_command(cl);
			return;
		}
		nl = memchr(cl->in + cl->inlen, '\n', (size_t)n);
		cl->inlen += (size_t)n;
		if (nl != NULL) {
			/* Anything after the first line is ignored. */
			*nl = '\0';
			ctl_client_command(cl);
			return;
		}
		if (cl->inlen == CTL_LINE_MAX) {
			ctl_client_reply(cl,
			    strdup("error: command too long\n"));
			return;
		}
	}
	ctl_client_touch(cl);
}

static void
ctl_client_cb(void *arg, int fd, uint32_t events)
{
	struct ctl_client *cl = arg;
	int rv;

	(void)fd;
	if (cl->out == NULL) {
		/* EPOLLHUP/EPOLLERR show up as a failing or empty recv. */
		ctl_client_read(cl);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP)) {
		ctl_client_free(cl);
		return;
	}
	rv = ctl_client_flush(cl);
	if (rv != 0)
		ctl_client_free(cl);
	else
		ctl_client_touch(cl);
}

static void
ctl_accept_cb(void *arg, int fd, uint32_t events)
{
	struct ctl *c = arg;
	struct ctl_client *cl;
	int i, cfd;

	(void)events;
	for (i = 0; i < CTL_ACCEPT_BURST; i++) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("ctl: accept");
			return;
		}
		if (c->nclients >= CTL_MAX_CLIENTS) {
			log_warnx("ctl: more than %d clients, connection "
			    "refused", CTL_MAX_CLIENTS);
			close(cfd);
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (cl == NULL) {
			log_warn("ctl: client");
			close(cfd);
			continue;
		}
		cl->ctl = c;
		cl->fd = cfd;
		if (loop_add_fd(c->loop, cfd, EPOLLIN, ctl_client_cb, cl) ==
		    -1) {
			log_warn("ctl: epoll");
			close(cfd);
			free(cl);
			continue;
		}
		cl->next = c->clients;
		c->clients = cl;
		c->nclients++;
		ctl_client_touch(cl);
		log_debug(LOG_CTL, "ctl: client fd %d", cfd);
	}
}

static int
ctl_fail(char *err, size_t errlen, int saved, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
ctl_fail(char *err, size_t errlen, int saved, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

/*
 * Make path free for bind(): nothing there, or a socket nobody listens on
 * (left by an agent that died), which is removed.  Anything else, or a live
 * listener, is an error: two agents must never share a socket path.
 */
static int
ctl_clear_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rv, saved;

	if (lstat(sun->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		return ctl_fail(err, errlen, errno, "%s: %s", sun->sun_path,
		    strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return ctl_fail(err, errlen, EEXIST, "%s: exists and is not "
		    "a socket", sun->sun_path);

	/* Non-blocking, so a full backlog (EAGAIN) cannot stall start-up;
	 * it also means someone is listening. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return ctl_fail(err, errlen, errno, "socket: %s",
		    strerror(errno));
	rv = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	saved = errno;
	close(fd);
	if (rv == 0 || saved == EAGAIN || saved == EINPROGRESS)
		return ctl_fail(err, errlen, EADDRINUSE, "%s: another agent "
		    "is listening there", sun->sun_path);
	if (saved != ECONNREFUSED)
		return ctl_fail(err, errlen, saved, "%s: %s", sun->sun_path,
		    strerror(saved));
	if (unlink(sun->sun_path) == -1 && errno != ENOENT)
		return ctl_fail(err, errlen, errno, "%s: removing stale "
		    "socket: %s", sun->sun_path, strerror(errno));
	log_info("ctl: removed stale socket %s", sun->sun_path);
	return 0;
}

struct ctl *
ctl_open(struct loop *l, const char *path, ctl_handler *h, void *arg,
    char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	struct ctl *c;
	mode_t old;
	int saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ctl_fail(err, errlen, ENAMETOOLONG, "%s: path too long for a "
		    "unix socket", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if (ctl_clear_stale(&sun, err, errlen) == -1)
		return NULL;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		ctl_fail(err, errlen, errno, "%s", strerror(errno));
		return NULL;
	}
	c->loop = l;
	c->handler = h;
	c->arg = arg;
	strcpy(c->path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		ctl_fail(err, errlen, errno, "socket: %s", strerror(errno));
		free(c);
		return NULL;
	}
	/*
	 * The umask makes the socket 0660 from the moment it exists (a
	 * chmod after bind leaves a window); the process is single-threaded,
	 * so changing it briefly is safe.  chmod then makes the mode exact
	 * whatever umask bits were already set.
	 */
	old = umask(0117);
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		umask(old);
		ctl_fail(err, errlen, saved, "%s: bind: %s", path,
		    strerror(saved));
		goto fail_close;
	}
	umask(old);
	if (chmod(path, 0660) == -1 || lstat(path, &st) == -1) {
		ctl_fail(err, errlen, errno, "%s: %s", path, strerror(errno));
		goto fail_unlink;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (listen(c->fd, 16) == -1) {
		ctl_fail(err, errlen, errno, "%s: listen: %s", path,
		    strerror(errno));
		goto fail_unlink;
	}
	if (loop_add_fd(l, c->fd, EPOLLIN, ctl_accept_cb, c) == -1) {
		ctl_fail(err, errlen, errno, "epoll: %s", strerror(errno));
		goto fail_unlink;
	}
	return c;

fail_unlink:
	saved = errno;
	unlink(path);
	errno = saved;
fail_close:
	saved = errno;
	close(c->fd);
	free(c);
	errno = saved;
	return NULL;
}

void
ctl_close(struct ctl *c)
{
	struct stat st;

	if (c == NULL)
		return;
	while (c->clients != NULL)
		ctl_client_free(c->clients);
	loop_del_fd(c->loop, c->fd);
	close(c->fd);
	/* Unlink only the socket we made, not one a successor put there. */
	if (lstat(c->path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->path);
	free(c);
}
