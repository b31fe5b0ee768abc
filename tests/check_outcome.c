// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/outcome.c: for every ship_file() status in every
 * mode, and at the edges (the last attempt, a FILE that was locked, a
 * failure reported already, --keep), the decision, the retry delay, what
 * the daemon must remember, and the exact line at its level. The jitter
 * is 0 (rnd = 0), so the delays are the plain doubling.
 */
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "outcome.h"
#include "ship.h"

#define NAME	"wg0-20261124T140231.123456789Z-000042.csv.gz"
#define KEY	"wgtap/host=gw1/dt=2026-11-24/hour=14/" NAME

struct outcome_case {
	const char		*what;
	enum ship_status	 st;
	enum outcome_mode	 mode;
	unsigned		 attempt, max_attempts, failures;
	bool			 was_busy, reported, keep;
	/* expected */
	enum outcome_next	 next;
	uint64_t		 delay_ms;
	bool			 in_bucket, look_again;
	enum log_level		 level;
	const char		*line;
};

static const struct outcome_case cases[] = {
	/* SHIP_DONE: shipped, in every mode; --keep is remembered */
	{ "done, daemon", SHIP_DONE, OUTCOME_DAEMON, 3, 0, 1, false, false,
	    false, OUTCOME_SHIPPED, 0, false, false, LOG_LVL_INFO,
	    "uploaded " NAME " to s3://bkt/" KEY " (2048 bytes, 0.25 s, "
	    "attempt 3)" },
	{ "done, kept", SHIP_DONE, OUTCOME_DAEMON, 1, 0, 1, false, false,
	    true, OUTCOME_SHIPPED, 0, true, false, LOG_LVL_INFO,
	    "uploaded " NAME " to s3://bkt/" KEY " (2048 bytes, 0.25 s, "
	    "attempt 1), kept" },
	{ "done, once", SHIP_DONE, OUTCOME_SPOOL, 2, 5, 2, false, false,
	    false, OUTCOME_SHIPPED, 0, false, false, LOG_LVL_INFO,
	    "uploaded " NAME " to s3://bkt/" KEY " (2048 bytes, 0.25 s, "
	    "attempt 2)" },
	{ "done, file", SHIP_DONE, OUTCOME_FILE, 1, 5, 1, false, false,
	    true, OUTCOME_SHIPPED, 0, true, false, LOG_LVL_INFO,
	    "uploaded " NAME " to s3://bkt/" KEY " (2048 bytes, 0.25 s, "
	    "attempt 1), kept" },
	/* SHIP_GONE: someone else shipped it, unless a FILE never was */
	{ "gone, daemon", SHIP_GONE, OUTCOME_DAEMON, 1, 0, 1, false, false,
	    false, OUTCOME_ELSEWHERE, 0, false, false, LOG_LVL_DEBUG,
	    NAME " is gone: shipped by another process" },
	{ "gone, once", SHIP_GONE, OUTCOME_SPOOL, 1, 5, 1, false, false,
	    false, OUTCOME_ELSEWHERE, 0, false, false, LOG_LVL_DEBUG,
	    NAME " was shipped by another process" },
	{ "gone, file", SHIP_GONE, OUTCOME_FILE, 1, 5, 1, false, false,
	    false, OUTCOME_LEFT, 0, false, false, LOG_LVL_ERROR,
	    "cannot ship " NAME ": no such file" },
	{ "gone, file locked before", SHIP_GONE, OUTCOME_FILE, 2, 5, 2, true,
	    false, false, OUTCOME_ELSEWHERE, 0, false, false, LOG_LVL_DEBUG,
	    NAME " was shipped by another process" },
	/* SHIP_BUSY: left to the other shipper, but a FILE is waited for */
	{ "busy, daemon", SHIP_BUSY, OUTCOME_DAEMON, 1, 0, 1, false, false,
	    false, OUTCOME_ELSEWHERE, 0, false, true, LOG_LVL_DEBUG,
	    NAME " is being shipped by another process" },
	{ "busy, once", SHIP_BUSY, OUTCOME_SPOOL, 1, 5, 1, false, false,
	    false, OUTCOME_ELSEWHERE, 0, false, false, LOG_LVL_DEBUG,
	    NAME " is being shipped by another process" },
	{ "busy, file", SHIP_BUSY, OUTCOME_FILE, 2, 5, 2, false, false,
	    false, OUTCOME_RETRY, 2000, false, false, LOG_LVL_ERROR,
	    "upload " NAME ": locked by another shipper, retry in 2 s "
	    "(attempt 2 of 5)" },
	{ "busy, file, last try", SHIP_BUSY, OUTCOME_FILE, 5, 5, 5, true,
	    false, false, OUTCOME_LEFT, 0, false, false, LOG_LVL_ERROR,
	    "upload " NAME ": locked by another shipper; giving up after 5 "
	    "attempts, the file stays in place" },
	/* SHIP_FAILED: backoff by the failures in a row, up to the cap */
	{ "failed, daemon", SHIP_FAILED, OUTCOME_DAEMON, 4, 0, 6, false,
	    false, false, OUTCOME_RETRY, 32000, false, false, LOG_LVL_ERROR,
	    "upload " NAME ": HTTP 503 SlowDown, retry in 32 s (attempt 4)" },
	{ "failed, daemon, capped", SHIP_FAILED, OUTCOME_DAEMON, 1000, 0,
	    1000, false, false, false, OUTCOME_RETRY, 60000, false, false,
	    LOG_LVL_ERROR, "upload " NAME ": HTTP 503 SlowDown, retry in 60 s "
	    "(attempt 1000)" },
	{ "failed, once", SHIP_FAILED, OUTCOME_SPOOL, 1, 3, 1, false, false,
	    false, OUTCOME_RETRY, 1000, false, false, LOG_LVL_ERROR,
	    "upload " NAME ": HTTP 503 SlowDown, retry in 1 s "
	    "(attempt 1 of 3)" },
	{ "failed, once, last try", SHIP_FAILED, OUTCOME_SPOOL, 3, 3, 3,
	    false, false, false, OUTCOME_LEFT, 0, false, false, LOG_LVL_ERROR,
	    "upload " NAME ": HTTP 503 SlowDown; giving up after 3 attempts, "
	    "the file stays in place" },
	{ "failed, file, one try", SHIP_FAILED, OUTCOME_FILE, 1, 1, 1, false,
	    false, false, OUTCOME_LEFT, 0, false, false, LOG_LVL_ERROR,
	    "upload " NAME ": HTTP 503 SlowDown; giving up after 1 attempts, "
	    "the file stays in place" },
	/* SHIP_ABORTED: stop, the file stays */
	{ "aborted, daemon", SHIP_ABORTED, OUTCOME_DAEMON, 1, 0, 1, false,
	    false, false, OUTCOME_STOPPED, 0, false, false, LOG_LVL_INFO,
	    "upload " NAME " interrupted; it stays in the spool" },
	{ "aborted, once", SHIP_ABORTED, OUTCOME_SPOOL, 1, 5, 1, false, false,
	    false, OUTCOME_STOPPED, 0, false, false, LOG_LVL_INFO,
	    "upload " NAME " interrupted; it stays in place" },
	{ "aborted, file", SHIP_ABORTED, OUTCOME_FILE, 1, 5, 1, false, false,
	    false, OUTCOME_STOPPED, 0, false, false, LOG_LVL_INFO,
	    "upload " NAME " interrupted; it stays in place" },
	/* SHIP_LOCAL: left; the daemon says so once */
	{ "local, daemon", SHIP_LOCAL, OUTCOME_DAEMON, 1, 0, 1, false, false,
	    false, OUTCOME_LEFT, 0, false, false, LOG_LVL_ERROR,
	    "cannot ship " NAME ": HTTP 503 SlowDown; trying again at the "
	    "next scan" },
	{ "local, daemon, reported", SHIP_LOCAL, OUTCOME_DAEMON, 1, 0, 1,
	    false, true, false, OUTCOME_LEFT, 0, false, false, LOG_LVL_ERROR,
	    "" },
	{ "local, once", SHIP_LOCAL, OUTCOME_SPOOL, 1, 5, 1, false, false,
	    false, OUTCOME_LEFT, 0, false, false, LOG_LVL_ERROR,
	    "cannot ship " NAME ": HTTP 503 SlowDown" },
	{ "local, file", SHIP_LOCAL, OUTCOME_FILE, 1, 5, 1, false, false,
	    false, OUTCOME_LEFT, 0, false, false, LOG_LVL_ERROR,
	    "cannot ship " NAME ": HTTP 503 SlowDown" },
	/* SHIP_UNDELETED: stored; the daemon must not ship it again */
	{ "undeleted, daemon", SHIP_UNDELETED, OUTCOME_DAEMON, 1, 0, 1, false,
	    false, false, OUTCOME_LEFT, 0, true, false, LOG_LVL_ERROR,
	    NAME ": HTTP 503 SlowDown; it will not be shipped again until "
	    "restart" },
	{ "undeleted, once", SHIP_UNDELETED, OUTCOME_SPOOL, 1, 5, 1, false,
	    false, false, OUTCOME_LEFT, 0, true, false, LOG_LVL_ERROR,
	    "cannot ship " NAME ": HTTP 503 SlowDown" },
};

START_TEST(test_outcome_decide_cases)
{
	const struct outcome_case *k = &cases[_i];
	struct ship_report rep;
	struct outcome_try t;
	struct outcome o;

	memset(&rep, 0, sizeof(rep));
	memcpy(rep.key, KEY, sizeof(KEY));
	rep.bytes = 2048;
	rep.s3.secs = 0.25;
	/* the reason ship_file() gives for every status but DONE */
	if (k->st != SHIP_DONE)
		memcpy(rep.why, "HTTP 503 SlowDown", 18);
	memset(&t, 0, sizeof(t));
	t.mode = k->mode;
	t.shown = NAME;
	t.bucket = "bkt";
	t.keep = k->keep;
	t.attempt = k->attempt;
	t.max_attempts = k->max_attempts;
	t.failures = k->failures;
	t.backoff_max_ms = 60000;
	t.rnd = 0;
	t.was_busy = k->was_busy;
	t.reported = k->reported;
	outcome_decide(k->st, &rep, &t, &o);
	ck_assert_msg(o.next == k->next, "%s: next %d", k->what, o.next);
	ck_assert_msg(o.delay_ms == k->delay_ms, "%s: delay %llu", k->what,
	    (unsigned long long)o.delay_ms);
	ck_assert_msg(o.in_bucket == k->in_bucket, "%s: in_bucket", k->what);
	ck_assert_msg(o.look_again == k->look_again, "%s: look_again",
	    k->what);
	ck_assert_msg(strcmp(o.line, k->line) == 0, "%s: line \"%s\"",
	    k->what, o.line);
	if (k->line[0] != '\0')
		ck_assert_msg(o.level == k->level, "%s: level %d", k->what,
		    o.level);
}
END_TEST

/* The jitter takes up to a quarter off, never more, never adds. */
START_TEST(test_outcome_decide_jitter)
{
	struct ship_report rep;
	struct outcome_try t;
	struct outcome o;

	memset(&rep, 0, sizeof(rep));
	memset(&t, 0, sizeof(t));
	t.mode = OUTCOME_DAEMON;
	t.shown = NAME;
	t.attempt = 1;
	t.failures = 3;		/* 4 s before the jitter */
	t.backoff_max_ms = 60000;
	t.rnd = 999;		/* 999 % (4000 / 4 + 1) = 999 */
	outcome_decide(SHIP_FAILED, &rep, &t, &o);
	ck_assert_int_eq(o.next, OUTCOME_RETRY);
	ck_assert_uint_eq(o.delay_ms, 3001);
	ck_assert_str_eq(o.line, "upload " NAME ": , retry in 4 s (attempt 1)");
}
END_TEST

/* A line longer than a log line is kept whole here; log_*() cuts it. */
START_TEST(test_outcome_decide_long_name)
{
	char shown[LOG_LINE_MAX + 100];
	struct ship_report rep;
	struct outcome_try t;
	struct outcome o;

	memset(shown, 'd', sizeof(shown) - 1);
	shown[sizeof(shown) - 1] = '\0';
	memset(&rep, 0, sizeof(rep));
	memset(&t, 0, sizeof(t));
	t.mode = OUTCOME_FILE;
	t.shown = shown;
	t.attempt = 1;
	outcome_decide(SHIP_GONE, &rep, &t, &o);
	ck_assert_uint_eq(strlen(o.line), strlen("cannot ship : no such file") +
	    sizeof(shown) - 1);
}
END_TEST

START_TEST(test_outcome_log_lines)
{
	struct spool_entry e;
	struct outcome o;
	struct errcap cap;
	char *text;

	memset(&o, 0, sizeof(o));
	log_set_level(LOG_LVL_DEBUG);
	errcap_start(&cap);
	o.level = LOG_LVL_INFO;
	memcpy(o.line, "one", 4);
	outcome_log(&o);
	o.level = LOG_LVL_ERROR;
	o.line[0] = '\0';		/* nothing to say: no line */
	outcome_log(&o);
	o.level = LOG_LVL_DEBUG;
	memcpy(o.line, "two", 4);
	outcome_log(&o);
	memset(&e, 0, sizeof(e));
	memcpy(e.name, "notes.txt", 10);
	e.kind = SPOOL_FOREIGN;
	outcome_log_foreign(&e);
	e.why = "symlink";
	outcome_log_foreign(&e);
	text = errcap_end(&cap);
	log_set_level(LOG_LVL_ERROR);
	ck_assert_str_eq(text, "wgtap: info: one\n"
	    "wgtap: debug: two\n"
	    "wgtap: warning: leaving notes.txt alone in the spool: not a "
	    "segment\n"
	    "wgtap: warning: leaving notes.txt alone in the spool: symlink\n");
	free(text);
}
END_TEST

Suite *
outcome_suite(void)
{
	Suite *s = suite_create("outcome");
	TCase *tc;

	tc = tcase_create("outcome_decide");
	tcase_add_loop_test(tc, test_outcome_decide_cases, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_outcome_decide_jitter);
	tcase_add_test(tc, test_outcome_decide_long_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("outcome_log");
	tcase_add_test(tc, test_outcome_log_lines);
	suite_add_tcase(s, tc);
	return s;
}
