// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/queue.c: the pending queue's order (by age, not by
 * name) and where it goes on after a failure, the name sets, and the retry
 * delays with their jitter.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_wgtap.h"
#include "queue.h"
#include "spool.h"
#include "wgtap.h"

static void
add_name(struct queue *q, const char *name)
{
	struct spool_name sn;

	ck_assert_int_eq(spool_name_parse(name, &sn), WGTAP_OK);
	ck_assert_int_eq(queue_add(q, name, &sn), WGTAP_OK);
}

START_TEST(test_queue_add_oldest_first)
{
	/* Name order and age order differ: wg1's label sorts after wg0's. */
	static const char *const in[] = {
		"wg1-20261124T140231.123456789Z-000003.csv.gz",
		"wg0-20261124T150000.000000000Z-000001.csv.gz",
		"wg0-20261124T140231.123456789Z-000002.csv",
		"a-20261124T140231.123456790Z-000009.csv.gz",
		"wg0-20251231T235959.999999999Z-000001.csv.gz",
		"wg0-20261124T140231.123456789Z-000001.csv.gz",
	};
	static const char *const want[] = {
		"wg0-20251231T235959.999999999Z-000001.csv.gz",
		"wg0-20261124T140231.123456789Z-000001.csv.gz",
		"wg0-20261124T140231.123456789Z-000002.csv",
		"wg1-20261124T140231.123456789Z-000003.csv.gz",
		"a-20261124T140231.123456790Z-000009.csv.gz",
		"wg0-20261124T150000.000000000Z-000001.csv.gz",
	};
	struct queue q;
	size_t i;

	queue_init(&q);
	ck_assert_ptr_null(queue_first(&q));
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		add_name(&q, in[i]);
	ck_assert_uint_eq(q.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_str_eq(queue_first(&q)->name, want[i]);
		ck_assert(queue_remove(&q, want[i]));
	}
	ck_assert_uint_eq(q.n, 0);
	ck_assert_ptr_null(queue_first(&q));
	queue_free(&q);
}
END_TEST

START_TEST(test_queue_after_round_robin)
{
	static const char *const names[] = {
		"wg0-20261124T140000.000000000Z-000001.csv.gz",
		"wg0-20261124T140100.000000000Z-000002.csv.gz",
		"wg0-20261124T140200.000000000Z-000003.csv.gz",
	};
	struct spool_name sn;
	struct queue q;
	size_t i;

	queue_init(&q);
	ck_assert_int_eq(spool_name_parse(names[0], &sn), WGTAP_OK);
	ck_assert_ptr_null(queue_after(&q, &sn));
	for (i = 0; i < 3; i++)
		add_name(&q, names[i]);
	/* after each one comes the next; after the youngest, the oldest */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(spool_name_parse(names[i], &sn), WGTAP_OK);
		ck_assert_str_eq(queue_after(&q, &sn)->name, names[(i + 1) % 3]);
	}
	/* after a name no longer queued: the next younger one */
	ck_assert(queue_remove(&q, names[1]));
	ck_assert_int_eq(spool_name_parse(names[1], &sn), WGTAP_OK);
	ck_assert_str_eq(queue_after(&q, &sn)->name, names[2]);
	queue_free(&q);
}
END_TEST

START_TEST(test_queue_add_duplicate)
{
	const char *name = "wg0-20261124T140231.123456789Z-000001.csv.gz";
	struct queue q;

	queue_init(&q);
	add_name(&q, name);
	queue_first(&q)->attempts = 3;
	add_name(&q, name);
	ck_assert_uint_eq(q.n, 1);
	/* Adding it again keeps what the daemon knows about it. */
	ck_assert_uint_eq(queue_first(&q)->attempts, 3);
	queue_free(&q);
	ck_assert_uint_eq(q.n, 0);
	ck_assert_ptr_null(q.v);
}
END_TEST

START_TEST(test_queue_add_many)
{
	struct spool_name sn;
	struct queue q;
	char name[SPOOL_MAX_NAME];
	size_t i;
	unsigned seq;

	queue_init(&q);
	memset(&sn, 0, sizeof(sn));
	memcpy(sn.iface, "wg0", 4);
	sn.gzip = true;
	/* 500 names in a scrambled order (7 is coprime with 500). */
	for (i = 0; i < 500; i++) {
		seq = (unsigned)((i * 7) % 500);
		sn.start_ns = 1795000000000000000LL + (int64_t)seq * 1000;
		sn.seq = seq;
		ck_assert_int_eq(spool_name_format(&sn, name), WGTAP_OK);
		ck_assert_int_eq(queue_add(&q, name, &sn), WGTAP_OK);
	}
	ck_assert_uint_eq(q.n, 500);
	for (i = 1; i < q.n; i++)
		ck_assert_int_lt(spool_name_cmp(&q.v[i - 1].parsed,
		    &q.v[i].parsed), 0);
	queue_free(&q);
}
END_TEST

START_TEST(test_queue_add_too_long)
{
	struct spool_name sn;
	struct queue q;
	char name[SPOOL_MAX_NAME + 8];

	memset(&sn, 0, sizeof(sn));
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	queue_init(&q);
	ck_assert_int_eq(queue_add(&q, name, &sn), WGTAP_EFORMAT);
	ck_assert_uint_eq(q.n, 0);
	queue_free(&q);
}
END_TEST

START_TEST(test_queue_find_remove)
{
	const char *a = "wg0-20261124T140231.123456789Z-000001.csv.gz";
	const char *b = "wg0-20261124T140231.123456789Z-000002.csv.gz";
	const char *c = "wg0-20261124T140231.123456789Z-000003.csv.gz";
	struct queue q;

	queue_init(&q);
	add_name(&q, c);
	add_name(&q, a);
	add_name(&q, b);
	ck_assert_ptr_nonnull(queue_find(&q, b));
	ck_assert_str_eq(queue_find(&q, b)->name, b);
	ck_assert_ptr_null(queue_find(&q, "nope"));
	ck_assert(queue_remove(&q, b));
	ck_assert(!queue_remove(&q, b));
	ck_assert_uint_eq(q.n, 2);
	ck_assert_str_eq(q.v[0].name, a);
	ck_assert_str_eq(q.v[1].name, c);
	queue_free(&q);
}
END_TEST

START_TEST(test_queue_names_set)
{
	struct queue_names s;
	char big[SPOOL_MAX_NAME + 1];
	size_t i;

	queue_names_init(&s);
	ck_assert(!queue_names_has(&s, "x"));
	ck_assert_int_eq(queue_names_add(&s, "c"), WGTAP_OK);
	ck_assert_int_eq(queue_names_add(&s, "a"), WGTAP_OK);
	ck_assert_int_eq(queue_names_add(&s, "b"), WGTAP_OK);
	ck_assert_int_eq(queue_names_add(&s, "a"), WGTAP_OK);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.v[0], "a");
	ck_assert_str_eq(s.v[1], "b");
	ck_assert_str_eq(s.v[2], "c");
	ck_assert(queue_names_has(&s, "b"));
	ck_assert(queue_names_remove(&s, "b"));
	ck_assert(!queue_names_remove(&s, "b"));
	ck_assert(!queue_names_has(&s, "b"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(queue_names_add(&s, big), WGTAP_EFORMAT);
	ck_assert(!queue_names_has(&s, big));
	for (i = 0; i < 100; i++) {
		char n[16];

		snprintf(n, sizeof(n), "n%03zu", 99 - i);
		ck_assert_int_eq(queue_names_add(&s, n), WGTAP_OK);
	}
	ck_assert_uint_eq(s.n, 102);
	for (i = 1; i < s.n; i++)
		ck_assert_int_lt(strcmp(s.v[i - 1], s.v[i]), 0);
	queue_names_free(&s);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(test_queue_backoff_ms_sequence)
{
	/* rnd 0: no jitter, so the plain doubling shows. */
	ck_assert_uint_eq(queue_backoff_ms(0, 60000, 0), 0);
	ck_assert_uint_eq(queue_backoff_ms(1, 60000, 0), 1000);
	ck_assert_uint_eq(queue_backoff_ms(2, 60000, 0), 2000);
	ck_assert_uint_eq(queue_backoff_ms(3, 60000, 0), 4000);
	ck_assert_uint_eq(queue_backoff_ms(6, 60000, 0), 32000);
	ck_assert_uint_eq(queue_backoff_ms(7, 60000, 0), 60000);
	ck_assert_uint_eq(queue_backoff_ms(1000000, 60000, 0), 60000);
	ck_assert_uint_eq(queue_backoff_ms(UINT32_MAX, 86400000, 0),
	    86400000);
	/* A cap below the first step wins. */
	ck_assert_uint_eq(queue_backoff_ms(1, 300, 0), 300);
	ck_assert_uint_eq(queue_backoff_ms(1, 0, 12345), 1);
}
END_TEST

/* For every failure count and many rnd values: within [3/4 d, d]. */
START_TEST(test_queue_backoff_ms_jitter)
{
	static const uint32_t rnds[] = {
		0, 1, 249, 250, 251, 999, 12345, 0x7fffffff, 0xfffffffe,
		0xffffffff,
	};
	unsigned failures = (unsigned)_i + 1;
	uint64_t cap = 60000, d, got;
	size_t k;
	bool varies = false;

	d = queue_backoff_ms(failures, cap, 0);
	for (k = 0; k < sizeof(rnds) / sizeof(rnds[0]); k++) {
		got = queue_backoff_ms(failures, cap, rnds[k]);
		ck_assert_uint_ge(got, d - d / 4);
		ck_assert_uint_le(got, d);
		ck_assert_uint_le(got, cap);
		if (got != d)
			varies = true;
	}
	ck_assert(varies);
}
END_TEST

Suite *
queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc;

	tc = tcase_create("queue_add");
	tcase_add_test(tc, test_queue_add_oldest_first);
	tcase_add_test(tc, test_queue_add_duplicate);
	tcase_add_test(tc, test_queue_add_many);
	tcase_add_test(tc, test_queue_add_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("queue_find");
	tcase_add_test(tc, test_queue_find_remove);
	tcase_add_test(tc, test_queue_after_round_robin);
	suite_add_tcase(s, tc);

	tc = tcase_create("queue_names");
	tcase_add_test(tc, test_queue_names_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("queue_backoff_ms");
	tcase_add_test(tc, test_queue_backoff_ms_sequence);
	tcase_add_loop_test(tc, test_queue_backoff_ms_jitter, 0, 40);
	suite_add_tcase(s, tc);

	return s;
}
