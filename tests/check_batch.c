// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/batch.c, --once and FILE..., on a scratch spool:
 * an upload to a one-shot HTTP responder that answers like S3 (the file
 * is deleted and the request went to the segment's key), an endpoint that
 * refuses (the file stays, the run fails), a segment another shipper has
 * locked, foreign entries, a missing spool or file, and a stop request.
 * Each test checks the return value, what is left in the directory, and
 * the exact log lines. Retries are tested in check_outcome.c; here every
 * run has one attempt, so nothing waits.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "batch.h"
#include "check_wgtap.h"
#include "log.h"
#include "wgtap.h"

#define SEG	"wg0-20261124T140231.123456789Z-000001.csv.gz"
#define SEG2	"wg0-20261124T150000.000000000Z-000002.csv.gz"
#define PUT	"PUT /bucket/wgtap/host%3Dgw1/dt%3D2026-11-24/hour%3D14/" SEG \
	" HTTP/1.1\r\n"
#define REFUSED	"http://127.0.0.1:1"

/* One batch run: its configuration and what it logs. */
struct run {
	struct config		cfg;
	struct ship_config	sc;
	struct s3_client	*c;
	struct pace		pace;
	struct errcap		cap;
	char			*log;
};

static void
run_setup(struct run *r, const char *spool, const char *url)
{
	memset(r, 0, sizeof(*r));
	r->cfg.spool_dir = spool;
	r->cfg.max_attempts = 1;
	r->cfg.backoff_max_ms = 1000;
	r->c = tclient_new(url);
	tship_config(&r->sc, r->c);
}

/* Start catching the log at info level (no debug lines). */
static void
run_log_start(struct run *r)
{
	log_set_level(LOG_LVL_INFO);
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

static int
stop_now(void *arg)
{
	(void)arg;
	return 1;
}

START_TEST(test_batch_spool_ships)
{
	char resp[256], *req;
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
	run_log_start(&r);
	ck_assert(batch_spool(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert(!tfile_exists(t.fd, SEG));
	req = fake_request(&f);
	ck_assert_msg(starts_with(req, PUT), "%.120s", req);
	free(req);
	ck_assert_msg(starts_with(r.log, "wgtap: info: uploaded " SEG " to "
	    "s3://bucket/wgtap/host=gw1/dt=2026-11-24/hour=14/" SEG " ("),
	    "%s", r.log);
	ck_assert_ptr_nonnull(strstr(r.log, "attempt 1)\nwgtap: info: done: "
	    "1 segments shipped, 0 shipped by another process, 0 left in the "
	    "spool\n"));
	fake_stop(&f);
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_batch_spool_refused)
{
	struct run r;
	struct tdir t;

	tdir_make(&t);
	tseg_write(t.fd, SEG);
	run_setup(&r, t.path, REFUSED);
	run_log_start(&r);
	ck_assert(!batch_spool(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert(tfile_exists(t.fd, SEG));
	ck_assert_msg(starts_with(r.log, "wgtap: error: upload " SEG ": "),
	    "%s", r.log);
	ck_assert_ptr_nonnull(strstr(r.log, "; giving up after 1 attempts, "
	    "the file stays in place\nwgtap: info: done: 0 segments shipped, "
	    "0 shipped by another process, 1 left in the spool\n"));
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

/* Foreign entries are reported first, each once; temporary ones never. */
START_TEST(test_batch_spool_foreign)
{
	struct run r;
	struct tdir t;

	tdir_make(&t);
	tfile_write(t.fd, "notes.txt", "mine\n");
	tfile_write(t.fd, "." SEG ".part", "being written\n");
	ck_assert_int_eq(symlinkat("notes.txt", t.fd, SEG2), 0);
	run_setup(&r, t.path, REFUSED);
	run_log_start(&r);
	ck_assert(batch_spool(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert_str_eq(r.log,
	    "wgtap: warning: leaving notes.txt alone in the spool: not a "
	    "segment name\n"
	    "wgtap: warning: leaving " SEG2 " alone in the spool: symlink\n"
	    "wgtap: info: done: 0 segments shipped, 0 shipped by another "
	    "process, 0 left in the spool\n");
	ck_assert(tfile_exists(t.fd, "notes.txt"));
	ck_assert(tfile_exists(t.fd, "." SEG ".part"));
	ck_assert(tfile_exists(t.fd, SEG2));
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

/* A segment another shipper holds is its business: not a failure. */
START_TEST(test_batch_spool_locked)
{
	struct run r;
	struct tdir t;
	int fd;

	tdir_make(&t);
	tseg_write(t.fd, SEG);
	fd = openat(t.fd, SEG, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	run_setup(&r, t.path, REFUSED);
	run_log_start(&r);
	ck_assert(batch_spool(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert_str_eq(r.log, "wgtap: info: done: 0 segments shipped, 1 "
	    "shipped by another process, 0 left in the spool\n");
	ck_assert(tfile_exists(t.fd, SEG));
	close(fd);
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_batch_spool_stop)
{
	struct run r;
	struct tdir t;

	tdir_make(&t);
	tseg_write(t.fd, SEG);
	tseg_write(t.fd, SEG2);
	run_setup(&r, t.path, REFUSED);
	r.pace.stop_cb = stop_now;
	run_log_start(&r);
	ck_assert(!batch_spool(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	/* not even tried: no upload line, both left */
	ck_assert_str_eq(r.log, "wgtap: info: done: 0 segments shipped, 0 "
	    "shipped by another process, 2 left in the spool\n");
	ck_assert(tfile_exists(t.fd, SEG));
	ck_assert(tfile_exists(t.fd, SEG2));
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_batch_spool_missing)
{
	char path[80], want[160];
	struct run r;
	struct tdir t;

	tdir_make(&t);
	snprintf(path, sizeof(path), "%s/nope", t.path);
	run_setup(&r, path, REFUSED);
	run_log_start(&r);
	ck_assert(!batch_spool(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	snprintf(want, sizeof(want), "wgtap: error: spool %s: No such file "
	    "or directory\n", path);
	ck_assert_str_eq(r.log, want);
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_batch_files_ships)
{
	char resp[256], path[160], want[400], *files[1], *req;
	struct fake f;
	struct run r;
	struct tdir t;
	char url[64];

	tdir_make(&t);
	tseg_write(t.fd, SEG);
	fake_ok_response(t.fd, SEG, resp, sizeof(resp));
	fake_start(&f, resp);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
	snprintf(path, sizeof(path), "%s/" SEG, t.path);
	files[0] = path;
	run_setup(&r, "/nonexistent", url);
	r.cfg.files = files;
	r.cfg.nfiles = 1;
	run_log_start(&r);
	ck_assert(batch_files(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert(!tfile_exists(t.fd, SEG));
	req = fake_request(&f);
	ck_assert_msg(starts_with(req, PUT), "%.120s", req);
	free(req);
	/* the FILE as given is the name in the line */
	snprintf(want, sizeof(want), "wgtap: info: uploaded %s to s3://bucket/"
	    "wgtap/host=gw1/dt=2026-11-24/hour=14/" SEG " (", path);
	ck_assert_msg(starts_with(r.log, want), "%s", r.log);
	fake_stop(&f);
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

/* Every FILE is tried; one missing is a failure of the run. */
START_TEST(test_batch_files_missing)
{
	char missing[160], nodir[160], locked[160], want[800];
	char *files[3];
	struct run r;
	struct tdir t;
	int fd;

	tdir_make(&t);
	snprintf(missing, sizeof(missing), "%s/" SEG2, t.path);
	snprintf(nodir, sizeof(nodir), "%s/nodir/" SEG2, t.path);
	tseg_write(t.fd, SEG);
	snprintf(locked, sizeof(locked), "%s/" SEG, t.path);
	fd = openat(t.fd, SEG, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	files[0] = missing;
	files[1] = nodir;
	files[2] = locked;
	run_setup(&r, "/nonexistent", REFUSED);
	r.cfg.files = files;
	r.cfg.nfiles = 3;
	run_log_start(&r);
	ck_assert(!batch_files(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	/* a locked FILE is waited for, up to --max-attempts */
	snprintf(want, sizeof(want),
	    "wgtap: error: cannot ship %s: no such file\n"
	    "wgtap: error: cannot ship %s: No such file or directory\n"
	    "wgtap: error: upload %s: locked by another shipper; giving up "
	    "after 1 attempts, the file stays in place\n",
	    missing, nodir, locked);
	ck_assert_str_eq(r.log, want);
	ck_assert(tfile_exists(t.fd, SEG));
	close(fd);
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_batch_files_stop)
{
	char path[160], *files[1];
	struct run r;
	struct tdir t;

	tdir_make(&t);
	tseg_write(t.fd, SEG);
	snprintf(path, sizeof(path), "%s/" SEG, t.path);
	files[0] = path;
	run_setup(&r, "/nonexistent", REFUSED);
	r.cfg.files = files;
	r.cfg.nfiles = 1;
	r.pace.stop_cb = stop_now;
	run_log_start(&r);
	ck_assert(!batch_files(&r.cfg, &r.sc, &r.pace));
	run_log_end(&r);
	ck_assert_str_eq(r.log, "");
	ck_assert(tfile_exists(t.fd, SEG));
	/* and no FILE at all is nothing to fail */
	r.cfg.nfiles = 0;
	ck_assert(batch_files(&r.cfg, &r.sc, &r.pace));
	run_teardown(&r);
	tdir_remove(&t);
}
END_TEST

Suite *
batch_suite(void)
{
	Suite *s = suite_create("batch");
	TCase *tc;

	tc = tcase_create("batch_spool");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_batch_spool_ships);
	tcase_add_test(tc, test_batch_spool_refused);
	tcase_add_test(tc, test_batch_spool_foreign);
	tcase_add_test(tc, test_batch_spool_locked);
	tcase_add_test(tc, test_batch_spool_stop);
	tcase_add_test(tc, test_batch_spool_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("batch_files");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_batch_files_ships);
	tcase_add_test(tc, test_batch_files_missing);
	tcase_add_test(tc, test_batch_files_stop);
	suite_add_tcase(s, tc);
	return s;
}
