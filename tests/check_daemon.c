// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/daemon.c on a scratch spool with real inotify: a
 * segment there at start is shipped by the first scan; one that arrives
 * later (after the scan, as its log line proves) is shipped on its event,
 * also when it is published by link(2) and unlink(2) of the temporary name;
 * a failed upload and a locked segment leave the file; removing the spool
 * ends the daemon with a failure; a missing spool fails at once. The stop
 * callback ends each run at a point the test chooses, by a condition
 * (the responder got its request, a number of turns), never by a clock.
 * Each test checks the return value, the directory and the log lines.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "daemon.h"
#include "log.h"
#include "wgtap.h"

#define SEG	"wg0-20261124T140231.123456789Z-000001.csv.gz"
#define PUT	"PUT /bucket/wgtap/host%3Dgw1/dt%3D2026-11-24/hour%3D14/" SEG \
	" HTTP/1.1\r\n"
#define REFUSED	"http://127.0.0.1:1"

/* One daemon run: its configuration, its stop rule, what it logs. */
struct run {
	struct config		cfg;
	struct ship_config	sc;
	struct s3_client	*c;
	struct pace		pace;
	struct errcap		cap;
	char			*log;
	int			reqfd;	/* stop once this is readable */
	int			turns;	/* or after this many checks */
	int			calls;
	struct tdir		*remove;	/* remove it at the 2nd check */
	int			 linkfd;	/* publish SEG by link() here */
	bool			 unlink_temp;	/* ... then unlink .SEG.part */
};

static int
stop_cb(void *arg)
{
	struct run *r = arg;
	struct pollfd pfd = { .fd = r->reqfd, .events = POLLIN };

	r->calls++;
	/*
	 * Before the first scan: a temporary name, which the scan leaves
	 * alone; its events end the first wait at once. Before the second
	 * turn: the final name as a link to it, and maybe the temporary
	 * name's unlink, so that the daemon reads all the events together.
	 */
	if (r->linkfd != -1 && r->calls == 1)
		tseg_write(r->linkfd, "." SEG ".part");
	if (r->linkfd != -1 && r->calls == 2) {
		ck_assert_int_eq(linkat(r->linkfd, "." SEG ".part", r->linkfd,
		    SEG, 0), 0);
		if (r->unlink_temp)
			ck_assert_int_eq(unlinkat(r->linkfd, "." SEG ".part",
			    0), 0);
	}
	if (r->remove && r->calls == 2) {
		ck_assert_int_eq(unlinkat(r->remove->fd, SEG, 0), 0);
		close(r->remove->fd);
		r->remove->fd = -1;
		ck_assert_int_eq(rmdir(r->remove->path), 0);
	}
	if (r->reqfd != -1 && poll(&pfd, 1, 0) == 1)
		return 1;
	return r->turns > 0 && r->calls >= r->turns;
}

static void
run_setup(struct run *r, const char *spool, const char *url)
{
	memset(r, 0, sizeof(*r));
	r->cfg.spool_dir = spool;
	r->cfg.bucket = "bucket";
	memcpy(r->cfg.prefix, "wgtap/", 7);
	r->cfg.backoff_max_ms = 60000;
	r->c = tclient_new(url);
	tship_config(&r->sc, r->c);
	r->pace.stop_cb = stop_cb;
	r->pace.stop_arg = r;
	r->reqfd = -1;
	r->linkfd = -1;
}

static void
run_log_start(struct run *r)
{
	log_set_level(LOG_LVL_DEBUG);
	errcap_start(&r->cap);
}

static void
run_log_end(struct run *r)
{
	r->log = errcap_end(&r->cap);
	log_set_level(LOG_LVL_ERROR);
}

static void
run_teardown(struct run *r)
{
	free(r->log);
	tclient_free(r->c);
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The line after the one that starts with prefix, or NULL. */
static const char *
line_after(const char *log, const char *prefix)
{
	const char *p = log;

	while (p && *p) {
		if (starts_with(p, prefix)) {
			p = strchr(p, '\n');
			return p ? p + 1 : NULL;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

START_TEST(test_daemon_run_ships_at_start)
{
	char resp[256], want[400], *req;
	const char *l;
	struct fake f;
	struct run r;
	struct tdir t;
	char url[64];

	tdir_make(&t);
	tseg_write(t.fd, SEG);
	fake_ok_response(t.fd, SEG, resp, sizeof(resp));
	fake_start(&f, resp);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
	run_setup(&r, t.path, url);
	r.reqfd = f.reqfd;
	run_log_start(&r);
	ck_assert(daemon_run(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert(!tfile_exists(t.fd, SEG));
	req = fake_request(&f);
	ck_assert_msg(starts_with(req, PUT), "%.120s", req);
	free(req);
	snprintf(want, sizeof(want), "wgtap: info: watching %s, shipping to "
	    "s3://bucket/wgtap/\n", t.path);
	ck_assert_msg(starts_with(r.log, want), "%s", r.log);
	l = line_after(r.log, want);
	ck_assert_msg(l && starts_with(l, "wgtap: debug: scan: 1 segments "
	    "waiting\nwgtap: info: uploaded " SEG " to s3://bucket/wgtap/"
	    "host=gw1/dt=2026-11-24/hour=14/" SEG " ("), "%s", r.log);
	l = line_after(l, "wgtap: info: uploaded ");
	ck_assert_msg(l && strcmp(l, "wgtap: info: stopping on a signal\n") ==
	    0, "%s", r.log);
	fake_stop(&f);
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

/*
 * The child: wait until the daemon's first scan is over (its debug line
 * is in the log), then publish a segment the capture's way.
 */
static void
publish_after_scan(int logfd, int dirfd)
{
	char buf[4096];
	ssize_t n;
	int i;

	/* up to 2 minutes: a bound against a hang, not a time the daemon
	 * must meet (under valgrind on a busy machine it starts slowly) */
	for (i = 0; i < 24000; i++) {
		n = pread(logfd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			if (strstr(buf, "scan: 0 segments waiting\n"))
				break;
		}
		usleep(5000);	/* poll the condition */
	}
	if (i == 24000)
		_exit(2);
	tseg_write(dirfd, "." SEG ".part");
	if (renameat(dirfd, "." SEG ".part", dirfd, SEG) == -1)
		_exit(3);
	_exit(0);
}

START_TEST(test_daemon_run_ships_on_event)
{
	char resp[256], *req;
	const char *l;
	struct fake f;
	struct run r;
	struct tdir t;
	char url[64];
	pid_t pid;
	int status;

	tdir_make(&t);
	/* the answer must carry this segment's MD5: make it, then remove */
	tseg_write(t.fd, SEG);
	fake_ok_response(t.fd, SEG, resp, sizeof(resp));
	ck_assert_int_eq(unlinkat(t.fd, SEG, 0), 0);
	fake_start(&f, resp);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
	run_setup(&r, t.path, url);
	r.reqfd = f.reqfd;
	run_log_start(&r);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		publish_after_scan(r.cap.fd, t.fd);
	ck_assert(daemon_run(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert(!tfile_exists(t.fd, SEG));
	req = fake_request(&f);
	ck_assert_msg(starts_with(req, PUT), "%.120s", req);
	free(req);
	/* an empty scan, then the event, then the upload */
	l = line_after(r.log, "wgtap: info: watching ");
	ck_assert_msg(l && starts_with(l, "wgtap: debug: scan: 0 segments "
	    "waiting\nwgtap: debug: " SEG " appeared\nwgtap: info: uploaded "
	    SEG " to "), "%s", r.log);
	fake_stop(&f);
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

/*
 * A segment published by link(2): with the temporary name still there (a
 * second link: complete), and with it unlinked before the daemon reads the
 * events (one link left when the link's event is read: its temporary
 * name's deletion says it is complete). Either is shipped on the events,
 * long before the rescan a minute later.
 */
static void
ships_linked(bool unlink_temp)
{
	char resp[256], *req;
	const char *l;
	struct fake f;
	struct run r;
	struct tdir t;
	char url[64];

	tdir_make(&t);
	/* the answer must carry this segment's MD5: make it, then remove */
	tseg_write(t.fd, SEG);
	fake_ok_response(t.fd, SEG, resp, sizeof(resp));
	ck_assert_int_eq(unlinkat(t.fd, SEG, 0), 0);
	fake_start(&f, resp);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
	run_setup(&r, t.path, url);
	r.reqfd = f.reqfd;
	r.linkfd = t.fd;
	r.unlink_temp = unlink_temp;
	run_log_start(&r);
	ck_assert(daemon_run(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert(!tfile_exists(t.fd, SEG));
	ck_assert(tfile_exists(t.fd, "." SEG ".part") == !unlink_temp);
	req = fake_request(&f);
	ck_assert_msg(starts_with(req, PUT), "%.120s", req);
	free(req);
	l = line_after(r.log, "wgtap: info: watching ");
	ck_assert_msg(l && starts_with(l, "wgtap: debug: scan: 0 segments "
	    "waiting\nwgtap: debug: " SEG " appeared\nwgtap: info: uploaded "
	    SEG " to "), "%s", r.log);
	ck_assert_int_eq(r.calls, 4);	/* scan, events, upload, stop */
	fake_stop(&f);
	run_teardown(&r);
	tdir_remove(&t);
}

START_TEST(test_daemon_run_ships_linked)
{
	ships_linked(false);
}
END_TEST

START_TEST(test_daemon_run_ships_linked_temp_gone)
{
	ships_linked(true);
}
END_TEST

/* A failed upload: retried later, the file stays; the turn goes on. */
START_TEST(test_daemon_run_failed_upload)
{
	const char *l;
	struct run r;
	struct tdir t;

	tdir_make(&t);
	tseg_write(t.fd, SEG);
	tfile_write(t.fd, "notes.txt", "mine\n");
	run_setup(&r, t.path, REFUSED);
	r.turns = 2;
	run_log_start(&r);
	ck_assert(daemon_run(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert(tfile_exists(t.fd, SEG));
	ck_assert(tfile_exists(t.fd, "notes.txt"));
	l = line_after(r.log, "wgtap: info: watching ");
	ck_assert_msg(l && starts_with(l, "wgtap: warning: leaving notes.txt "
	    "alone in the spool: not a segment name\nwgtap: debug: scan: 1 "
	    "segments waiting\nwgtap: error: upload " SEG ": "), "%s", r.log);
	ck_assert_ptr_nonnull(strstr(l, ", retry in 1 s (attempt 1)\n"
	    "wgtap: info: stopping on a signal\n"));
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

/* A segment another shipper holds is left to it, and looked at again. */
START_TEST(test_daemon_run_locked)
{
	const char *l;
	struct run r;
	struct tdir t;
	int fd;

	tdir_make(&t);
	tseg_write(t.fd, SEG);
	fd = openat(t.fd, SEG, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	run_setup(&r, t.path, REFUSED);
	r.turns = 2;
	run_log_start(&r);
	ck_assert(daemon_run(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert(tfile_exists(t.fd, SEG));
	l = line_after(r.log, "wgtap: debug: scan: 1 segments waiting");
	ck_assert_msg(l && strcmp(l, "wgtap: debug: " SEG " is being shipped "
	    "by another process\nwgtap: info: stopping on a signal\n") == 0,
	    "%s", r.log);
	close(fd);
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

/* The spool removed under the daemon: exit with a failure, and say why. */
START_TEST(test_daemon_run_spool_removed)
{
	char want[160];
	struct run r;
	struct tdir t;

	tdir_make(&t);
	tseg_write(t.fd, SEG);
	run_setup(&r, t.path, REFUSED);
	r.remove = &t;		/* after the first turn's failed upload */
	run_log_start(&r);
	ck_assert(!daemon_run(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	snprintf(want, sizeof(want), "wgtap: error: the spool %s was removed "
	    "or moved away\n", t.path);
	ck_assert_msg(strstr(r.log, want), "%s", r.log);
	ck_assert_ptr_null(strstr(r.log, "stopping on a signal"));
	run_teardown(&r);
}
END_TEST

START_TEST(test_daemon_run_no_spool)
{
	char path[80], want[200];
	struct run r;
	struct tdir t;

	tdir_make(&t);
	snprintf(path, sizeof(path), "%s/nope", t.path);
	run_setup(&r, path, REFUSED);
	run_log_start(&r);
	ck_assert(!daemon_run(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	snprintf(want, sizeof(want), "wgtap: error: inotify on %s: No such "
	    "file or directory\n", path);
	ck_assert_str_eq(r.log, want);
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

Suite *
daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc;

	tc = tcase_create("daemon_run");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_daemon_run_ships_at_start);
	tcase_add_test(tc, test_daemon_run_ships_on_event);
	tcase_add_test(tc, test_daemon_run_ships_linked);
	tcase_add_test(tc, test_daemon_run_ships_linked_temp_gone);
	tcase_add_test(tc, test_daemon_run_failed_upload);
	tcase_add_test(tc, test_daemon_run_locked);
	tcase_add_test(tc, test_daemon_run_spool_removed);
	tcase_add_test(tc, test_daemon_run_no_spool);
	suite_add_tcase(s, tc);
	return s;
}
