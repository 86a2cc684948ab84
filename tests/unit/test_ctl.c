/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl: a real unix socket in /tmp and the real loop.  The test's client
 * lives in the same loop (its fd is watched like any other), so nothing
 * blocks and every run is bounded by a deadline timer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../agent/core/clock.h"
#include "../../agent/ctl/ctl.h"
#include "../../agent/core/loop.h"

#define BIG_REPLY	(1024 * 1024)

struct fix {
	char dir[64];
	char path[96];
	struct loop *l;
	struct ctl *ctl;
	char last_cmd[8192];
	int ncmds;
	size_t reply_size;		/* 0: echo, else a reply this big */
	bool reply_null;
	/* the test's client */
	int cfd;
	char *got;
	size_t gotlen;
	bool closed;
	bool timed_out;
	struct loop_timer deadline;
};

static uint64_t clock_offset;

static uint64_t
fake_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC +
	    (uint64_t)ts.tv_nsec / 1000 + clock_offset;
}

static char *
handler(void *arg, const char *cmd)
{
	struct fix *f = arg;
	char *r;

	snprintf(f->last_cmd, sizeof(f->last_cmd), "%s", cmd);
	f->ncmds++;
	if (f->reply_null)
		return NULL;
	if (f->reply_size > 0) {
		r = malloc(f->reply_size + 1);
		assert_non_null(r);
		memset(r, 'x', f->reply_size);
		r[f->reply_size] = '\0';
		return r;
	}
	if (asprintf(&r, "ok: %s\n", cmd) == -1)
		return NULL;
	return r;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/dbvip-test-ctl-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->dir);
	clock_offset = 0;
	clock_set_source(fake_clock);
	f->l = loop_new();
	assert_non_null(f->l);
	f->ctl = ctl_open(f->l, f->path, handler, f, err, sizeof(err));
	if (f->ctl == NULL)
		fail_msg("ctl_open: %s", err);
	f->cfd = -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	ctl_close(f->ctl);
	if (f->cfd != -1) {
		loop_del_fd(f->l, f->cfd);
		close(f->cfd);
	}
	loop_timer_cancel(f->l, &f->deadline);
	loop_free(f->l);
	unlink(f->path);
	rmdir(f->dir);
	free(f->got);
	free(f);
	clock_set_source(NULL);
	return 0;
}

/* The client side: collect the reply until the agent closes. */
static void
client_cb(void *arg, int fd, uint32_t events)
{
	struct fix *f = arg;
	char buf[65536];
	ssize_t n;

	(void)events;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n > 0) {
		f->got = realloc(f->got, f->gotlen + (size_t)n + 1);
		assert_non_null(f->got);
		memcpy(f->got + f->gotlen, buf, (size_t)n);
		f->gotlen += (size_t)n;
		f->got[f->gotlen] = '\0';
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF, or ECONNRESET when the agent closed with our extra input
	 * unread: either way the conversation is over. */
	f->closed = true;
	loop_stop(f->l);
}

static void
deadline_cb(void *arg)
{
	struct fix *f = arg;

	f->timed_out = true;
	loop_stop(f->l);
}

static int
client_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Connect, send len bytes of msg, optionally half-close, run the loop until
 * the agent closes or 5 s (of the test clock) pass. */
static void
converse(struct fix *f, const char *msg, size_t len, bool half_close)
{
	f->cfd = client_connect(f->path);
	assert_true(f->cfd >= 0);
	if (len > 0)
		assert_int_equal(send(f->cfd, msg, len, MSG_NOSIGNAL),
		    (ssize_t)len);
	if (half_close)
		assert_int_equal(shutdown(f->cfd, SHUT_WR), 0);
	assert_int_equal(loop_add_fd(f->l, f->cfd, EPOLLIN, client_cb, f), 0);
	loop_timer_set(f->l, &f->deadline, clock_read() + 5 * USEC_PER_SEC,
	    deadline_cb, f, "test deadline");
	assert_int_equal(loop_run(f->l), 0);
	assert_false(f->timed_out);
	assert_true(f->closed);
}

static void
test_command_reply(void **state)
{
	struct fix *f = *state;

	converse(f, "status --json\n", 14, false);
	assert_string_equal(f->last_cmd, "status --json");
	assert_string_equal(f->got, "ok: status --json\n");
	assert_int_equal(f->ncmds, 1);
}

static void
test_crlf(void **state)
{
	struct fix *f = *state;

	converse(f, "status\r\n", 8, false);
	assert_string_equal(f->last_cmd, "status");
}

static void
test_only_first_line(void **state)
{
	struct fix *f = *state;

	converse(f, "one\ntwo\n", 8, false);
	assert_string_equal(f->last_cmd, "one");
	assert_int_equal(f->ncmds, 1);
}

static void
test_eof_without_newline(void **state)
{
	struct fix *f = *state;

	converse(f, "status", 6, true);
	assert_string_equal(f->last_cmd, "status");
	assert_string_equal(f->got, "ok: status\n");
}

static void
test_empty_command(void **state)
{
	struct fix *f = *state;

	converse(f, "\n", 1, false);
	assert_int_equal(f->ncmds, 0);
	assert_string_equal(f->got, "error: empty command\n");
}

static void
test_silent_client_closing(void **state)
{
	struct fix *f = *state;

	converse(f, "", 0, true);
	assert_int_equal(f->ncmds, 0);
	assert_int_equal(f->gotlen, 0);
}

static void
test_command_too_long(void **state)
{
	struct fix *f = *state;
	char msg[5000];

	memset(msg, 'a', sizeof(msg));
	converse(f, msg, sizeof(msg), false);
	assert_int_equal(f->ncmds, 0);
	assert_string_equal(f->got, "error: command too long\n");
}

static void
test_longest_command(void **state)
{
	struct fix *f = *state;
	char msg[4096];

	/* 4095 characters and the newline: the most that fits. */
	memset(msg, 'b', sizeof(msg));
	msg[sizeof(msg) - 1] = '\n';
	converse(f, msg, sizeof(msg), false);
	assert_int_equal(f->ncmds, 1);
	assert_int_equal(strlen(f->last_cmd), 4095);
}

static void
test_big_reply(void **state)
{
	struct fix *f = *state;
	size_t i;

	/* Far more than a socket buffer: the agent must wait for EPOLLOUT. */
	f->reply_size = BIG_REPLY;
	converse(f, "dump\n", 5, false);
	assert_int_equal(f->gotlen, BIG_REPLY);
	for (i = 0; i < f->gotlen; i++)
		if (f->got[i] != 'x')
			fail_msg("byte %zu is %d", i, f->got[i]);
}

static void
test_handler_null(void **state)
{
	struct fix *f = *state;

	f->reply_null = true;
	converse(f, "status\n", 7, false);
	assert_string_equal(f->got, "error: out of memory\n");
}

static void
jump_cb(void *arg)
{
	(void)arg;
	clock_offset += 3 * USEC_PER_SEC;
}

static void
test_idle_client_dropped(void **state)
{
	struct fix *f = *state;
	struct loop_timer jump = { 0 };

	/* Half a line, then silence: after 2 s of test clock it is cut. */
	loop_timer_set(f->l, &jump, clock_read() + 20 * USEC_PER_MSEC,
	    jump_cb, NULL, "test clock jump");
	converse(f, "sta", 3, false);
	assert_int_equal(f->ncmds, 0);
	assert_int_equal(f->gotlen, 0);
	loop_timer_cancel(f->l, &jump);
}

static void
test_mode_0660(void **state)
{
	struct fix *f = *state;
	struct stat st;

	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
}

static void
test_live_socket_refused(void **state)
{
	struct fix *f = *state;
	char err[256];
	struct ctl *c2;

	c2 = ctl_open(f->l, f->path, handler, f, err, sizeof(err));
	assert_null(c2);
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(err, "another agent is listening"));
	/* The first agent is untouched and still answers. */
	converse(f, "status\n", 7, false);
	assert_string_equal(f->got, "ok: status\n");
}

static void
test_stale_socket_replaced(void **state)
{
	struct fix *f = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char err[256];
	int fd;

	/* A socket file nobody listens on, as a killed agent leaves it. */
	ctl_close(f->ctl);
	f->ctl = NULL;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(client_connect(f->path), -1);

	f->ctl = ctl_open(f->l, f->path, handler, f, err, sizeof(err));
	if (f->ctl == NULL)
		fail_msg("%s", err);
	converse(f, "status\n", 7, false);
	assert_string_equal(f->got, "ok: status\n");
}

static void
test_not_a_socket(void **state)
{
	struct fix *f = *state;
	char path[128], err[256];
	struct stat st;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/file", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_null(ctl_open(f->l, path, handler, f, err, sizeof(err)));
	assert_non_null(strstr(err, "is not a socket"));
	/* Not ours: left alone. */
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);
}

static void
test_close_unlinks(void **state)
{
	struct fix *f = *state;
	struct stat st;
	int fd;

	/* A client still connected when the agent stops is dropped too. */
	fd = client_connect(f->path);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "st", 2, 0), 2);
	ctl_close(f->ctl);
	f->ctl = NULL;
	assert_int_equal(lstat(f->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_command_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_first_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_eof_without_newline,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_command, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_silent_client_closing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_too_long, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_longest_command, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_big_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_handler_null, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_idle_client_dropped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_0660, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_live_socket_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_replaced,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_socket, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_close_unlinks, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
