// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/pace.c: the clock against clock_gettime(), the wait
 * on a readable pipe, on a silent one until the delay ends, and with a
 * signal that the wait mask lets in; the stop callback and its argument;
 * and the seconds shown in log lines.
 */
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "pace.h"

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

START_TEST(test_pace_now_ms_monotonic)
{
	uint64_t a, b, c;

	a = mono_ms();
	b = pace_now_ms();
	c = mono_ms();
	ck_assert_uint_le(a, b);
	ck_assert_uint_le(b, c);
}
END_TEST

START_TEST(test_pace_wait_readable)
{
	const struct pace p = { NULL, NULL, NULL, NULL, NULL, NULL };
	uint64_t t0;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	t0 = mono_ms();
	ck_assert_int_eq(pace_wait(&p, fds[0], 10000), 1);
	ck_assert_uint_lt(mono_ms() - t0, 5000);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_pace_wait_timeout)
{
	const struct pace p = { NULL, NULL, NULL, NULL, NULL, NULL };
	uint64_t t0;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	t0 = mono_ms();
	ck_assert_int_eq(pace_wait(&p, fds[0], 50), 0);
	ck_assert_uint_ge(mono_ms() - t0, 50);
	/* no descriptor: a plain sleep */
	t0 = mono_ms();
	ck_assert_int_eq(pace_wait(&p, -1, 30), 0);
	ck_assert_uint_ge(mono_ms() - t0, 30);
	ck_assert_int_eq(pace_wait(&p, -1, 0), 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

static volatile sig_atomic_t got_usr1;

static void
on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

/*
 * A signal blocked outside the wait is delivered in it (the mask lets it
 * in), and ends it at once; after the wait it is blocked again.
 */
START_TEST(test_pace_wait_signal)
{
	struct sigaction sa, old_sa;
	sigset_t block, old, waitmask, now;
	struct pace p = { &waitmask, NULL, NULL, NULL, NULL, NULL };
	uint64_t t0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, &old_sa), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &block, &old), 0);
	waitmask = old;
	sigdelset(&waitmask, SIGUSR1);
	got_usr1 = 0;
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(got_usr1, 0);		/* blocked: pending */
	t0 = mono_ms();
	ck_assert_int_eq(pace_wait(&p, -1, 10000), 0);
	ck_assert_uint_lt(mono_ms() - t0, 5000);
	ck_assert_int_eq(got_usr1, 1);
	ck_assert_int_eq(sigprocmask(SIG_SETMASK, NULL, &now), 0);
	ck_assert_int_eq(sigismember(&now, SIGUSR1), 1);
	ck_assert_int_eq(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	ck_assert_int_eq(sigaction(SIGUSR1, &old_sa, NULL), 0);
}
END_TEST

static int
count_cb(void *arg)
{
	int *calls = arg;

	return ++*calls >= 3;
}

START_TEST(test_pace_stop_callback)
{
	int calls = 0;
	const struct pace none = { NULL, NULL, NULL, NULL, NULL, NULL };
	const struct pace p = { NULL, count_cb, &calls, NULL, NULL, NULL };

	ck_assert(!pace_stop(&none));
	ck_assert(!pace_stop(&p));
	ck_assert(!pace_stop(&p));
	ck_assert(pace_stop(&p));
	ck_assert_int_eq(calls, 3);
}
END_TEST

START_TEST(test_pace_ms_to_s_rounding)
{
	ck_assert_uint_eq(pace_ms_to_s(0), 0);
	ck_assert_uint_eq(pace_ms_to_s(1), 1);
	ck_assert_uint_eq(pace_ms_to_s(999), 1);
	ck_assert_uint_eq(pace_ms_to_s(1000), 1);
	ck_assert_uint_eq(pace_ms_to_s(1001), 2);
	ck_assert_uint_eq(pace_ms_to_s(86400000), 86400);
}
END_TEST

Suite *
pace_suite(void)
{
	Suite *s = suite_create("pace");
	TCase *tc;

	tc = tcase_create("pace_now_ms");
	tcase_add_test(tc, test_pace_now_ms_monotonic);
	suite_add_tcase(s, tc);

	tc = tcase_create("pace_wait");
	tcase_add_test(tc, test_pace_wait_readable);
	tcase_add_test(tc, test_pace_wait_timeout);
	tcase_add_test(tc, test_pace_wait_signal);
	suite_add_tcase(s, tc);

	tc = tcase_create("pace_stop");
	tcase_add_test(tc, test_pace_stop_callback);
	suite_add_tcase(s, tc);

	tc = tcase_create("pace_ms_to_s");
	tcase_add_test(tc, test_pace_ms_to_s_rounding);
	suite_add_tcase(s, tc);
	return s;
}
