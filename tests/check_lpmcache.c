// SPDX-License-Identifier: MIT
/*
 * Tests for common/lpmcache.c: every answer equals the table's own
 * (lpm_lookup) over 200,000 lookups of both families with the repeats of
 * real traffic; a repeat is answered from the cache, and two addresses
 * that share a slot evict each other without a wrong answer; a lookup
 * through another table, or through a new table at the freed address of
 * the old one, never gets the old table's answers; the generation number
 * wrapping; a family neither 4 nor 6.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "lpmcache.h"
#include "wgtap.h"

static uint32_t
look(struct lpm_cache *c, const struct lpm *t, const char *a)
{
	uint8_t b[16];
	int fam = check_addr(a, b);

	return lpm_cache_lookup(c, t, fam, b);
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

START_TEST(test_lpmcache_same_answers)
{
	static struct lpm_cache c;
	struct lpm *t = lpm_new();
	static uint8_t pool[3000][16];
	static int fam[3000];
	uint64_t s = 7, hits0;
	uint8_t a[16];
	uint32_t want, got;
	size_t i, k;

	/* 2,000 prefixes: /32 /24 /28 and /128 /64 /96 of 500 "peers" */
	for (i = 0; i < 500; i++) {
		memset(a, 0, sizeof(a));
		a[0] = 198;
		a[1] = 51;
		a[2] = (uint8_t)(i / 2);
		a[3] = (uint8_t)(i % 2 * 128 + 7);
		ck_assert_int_eq(lpm_add(t, 4, a, 32, (uint32_t)i), WGTAP_OK);
		ck_assert_int_eq(lpm_add(t, 4, a, i % 3 ? 24 : 28,
		    (uint32_t)i), WGTAP_OK);
		memcpy(a, "\x20\x01\x0d\xb8\x01\x00", 6);
		a[6] = (uint8_t)(i >> 8);
		a[7] = (uint8_t)i;
		a[15] = 1;
		ck_assert_int_eq(lpm_add(t, 6, a, 128, (uint32_t)i), WGTAP_OK);
		ck_assert_int_eq(lpm_add(t, 6, a, i % 2 ? 64 : 96,
		    (uint32_t)i), WGTAP_OK);
	}
	/* addresses in, near and outside those prefixes */
	for (k = 0; k < 3000; k++) {
		memset(pool[k], 0, 16);
		if (k % 2) {
			fam[k] = 4;
			pool[k][0] = 198;
			pool[k][1] = (uint8_t)(k % 7 ? 51 : 52);
			pool[k][2] = (uint8_t)(rnd(&s) % 256);
			pool[k][3] = (uint8_t)rnd(&s);
		} else {
			fam[k] = 6;
			memcpy(pool[k], "\x20\x01\x0d\xb8\x01\x00", 6);
			pool[k][6] = (uint8_t)(rnd(&s) % 2);
			pool[k][7] = (uint8_t)rnd(&s);
			pool[k][8] = (uint8_t)(k % 5 ? 0 : 1);
			pool[k][15] = (uint8_t)(k % 3 ? 1 : rnd(&s));
		}
	}
	for (i = 0; i < 200000; i++) {
		/* a few addresses often, the rest now and then */
		k = rnd(&s) % 4 ? rnd(&s) % 40 : rnd(&s) % 3000;
		want = lpm_lookup(t, fam[k], pool[k]);
		got = lpm_cache_lookup(&c, t, fam[k], pool[k]);
		ck_assert_msg(got == want, "lookup %zu of pool[%zu]: %u, want %u",
		    i, k, got, want);
	}
	ck_assert_uint_eq(c.hits + c.misses, 200000);
	ck_assert_uint_gt(c.hits, 140000);	/* the 40 stay cached */
	/* a repeat right after a lookup is a hit, and the same answer */
	hits0 = c.hits;
	want = lpm_lookup(t, fam[2999], pool[2999]);
	ck_assert_uint_eq(lpm_cache_lookup(&c, t, fam[2999], pool[2999]), want);
	ck_assert_uint_eq(lpm_cache_lookup(&c, t, fam[2999], pool[2999]), want);
	ck_assert_uint_eq(c.hits, hits0 + 1);
	lpm_free(t);
}
END_TEST

START_TEST(test_lpmcache_collisions)
{
	static struct lpm_cache c;
	struct lpm *t = lpm_new();
	uint8_t a[16] = { 192, 0, 2, 10 }, b[16] = { 0 };
	uint64_t m;
	unsigned n, found = 0;

	check_lpm_add(t, "192.0.2.0", 24, 1);
	check_lpm_add(t, "198.51.100.0", 24, 2);
	/* addresses b that take a's slot: a, b, then a again misses */
	for (n = 0; n < 65536 && found < 5; n++) {
		b[0] = 198;
		b[1] = 51;
		b[2] = (uint8_t)(n >> 8);
		b[3] = (uint8_t)n;
		ck_assert_uint_eq(lpm_cache_lookup(&c, t, 4, a), 1);
		m = c.misses;
		ck_assert_uint_eq(lpm_cache_lookup(&c, t, 4, b),
		    b[2] == 100 ? 2 : LPM_NONE);
		ck_assert_uint_eq(c.misses, m + 1);
		m = c.misses;
		ck_assert_uint_eq(lpm_cache_lookup(&c, t, 4, a), 1);
		if (c.misses == m + 1) {
			found++;
			/* and b, evicted by a, is looked up again */
			ck_assert_uint_eq(lpm_cache_lookup(&c, t, 4, b),
			    b[2] == 100 ? 2 : LPM_NONE);
			ck_assert_uint_eq(c.misses, m + 2);
		}
	}
	ck_assert_uint_eq(found, 5);
	/* IPv6: addresses differing in either half keep their own answers */
	check_lpm_add(t, "2001:db8::", 64, 3);
	ck_assert_uint_eq(look(&c, t, "2001:db8::1"), 3);
	ck_assert_uint_eq(look(&c, t, "2001:db8:0:1::1"), LPM_NONE);
	ck_assert_uint_eq(look(&c, t, "2001:db8::1"), 3);
	ck_assert_uint_eq(look(&c, t, "2001:db9::1"), LPM_NONE);
	lpm_free(t);
}
END_TEST

START_TEST(test_lpmcache_follows_table)
{
	static struct lpm_cache c;
	struct lpm *t1 = lpm_new(), *t2 = lpm_new(), *t3;
	uint64_t s1;

	ck_assert_uint_ne(lpm_serial(t1), 0);
	ck_assert_uint_ne(lpm_serial(t1), lpm_serial(t2));
	check_lpm_add(t1, "192.0.2.1", 32, 1);
	check_lpm_add(t1, "2001:db8::1", 128, 1);
	check_lpm_add(t2, "192.0.2.2", 32, 2);
	check_lpm_add(t2, "2001:db8::2", 128, 2);
	ck_assert_uint_eq(look(&c, t1, "192.0.2.1"), 1);
	ck_assert_uint_eq(look(&c, t1, "192.0.2.2"), LPM_NONE);
	ck_assert_uint_eq(look(&c, t1, "2001:db8::1"), 1);
	ck_assert_uint_eq(look(&c, t1, "2001:db8::2"), LPM_NONE);
	/* another table: none of t1's answers, the hit or the misses */
	ck_assert_uint_eq(look(&c, t2, "192.0.2.1"), LPM_NONE);
	ck_assert_uint_eq(look(&c, t2, "192.0.2.2"), 2);
	ck_assert_uint_eq(look(&c, t2, "2001:db8::1"), LPM_NONE);
	ck_assert_uint_eq(look(&c, t2, "2001:db8::2"), 2);
	/* and back */
	ck_assert_uint_eq(look(&c, t1, "192.0.2.1"), 1);
	ck_assert_uint_eq(look(&c, t1, "192.0.2.2"), LPM_NONE);
	ck_assert_uint_eq(look(&c, t1, "2001:db8::2"), LPM_NONE);
	/* a new table where the old one was: a new serial, new answers */
	s1 = lpm_serial(t1);
	lpm_free(t1);
	t3 = lpm_new();
	ck_assert_uint_gt(lpm_serial(t3), s1);
	check_lpm_add(t3, "192.0.2.1", 32, 7);
	check_lpm_add(t3, "192.0.2.2", 32, 8);
	ck_assert_uint_eq(look(&c, t3, "192.0.2.1"), 7);
	ck_assert_uint_eq(look(&c, t3, "192.0.2.2"), 8);
	ck_assert_uint_eq(look(&c, t3, "2001:db8::1"), LPM_NONE);
	lpm_free(t2);
	lpm_free(t3);
}
END_TEST

START_TEST(test_lpmcache_generation_wraps)
{
	static struct lpm_cache c;
	struct lpm *t1 = lpm_new(), *t2 = lpm_new();
	unsigned i;

	check_lpm_add(t1, "192.0.2.0", 24, 1);
	check_lpm_add(t1, "2001:db8::", 32, 1);
	check_lpm_add(t2, "198.51.100.0", 24, 2);
	c.gen = UINT32_MAX - 2;
	for (i = 0; i < 6; i++) {
		/* the generation runs UINT32_MAX - 1, UINT32_MAX, 1, 2, ... */
		ck_assert_uint_eq(look(&c, t1, "192.0.2.9"), 1);
		ck_assert_uint_eq(look(&c, t1, "2001:db8::9"), 1);
		ck_assert_uint_eq(look(&c, t1, "198.51.100.9"), LPM_NONE);
		ck_assert_uint_ne(c.gen, 0);
		ck_assert_uint_eq(look(&c, t2, "192.0.2.9"), LPM_NONE);
		ck_assert_uint_eq(look(&c, t2, "2001:db8::9"), LPM_NONE);
		ck_assert_uint_eq(look(&c, t2, "198.51.100.9"), 2);
		ck_assert_uint_ne(c.gen, 0);
	}
	ck_assert_uint_lt(c.gen, 20);
	lpm_free(t1);
	lpm_free(t2);
}
END_TEST

START_TEST(test_lpmcache_bad_family)
{
	static struct lpm_cache c;
	struct lpm *t = lpm_new();
	uint8_t a[16] = { 0 };

	ck_assert_int_eq(lpm_add(t, 4, a, 0, 5), WGTAP_OK);
	ck_assert_uint_eq(lpm_cache_lookup(&c, t, 0, a), LPM_NONE);
	ck_assert_uint_eq(lpm_cache_lookup(&c, t, 10, a), LPM_NONE);
	ck_assert_uint_eq(c.hits + c.misses, 0);
	ck_assert_uint_eq(lpm_cache_lookup(&c, t, 4, a), 5);
	lpm_free(t);
}
END_TEST

Suite *
lpmcache_suite(void)
{
	Suite *s = suite_create("lpmcache");
	TCase *tc = tcase_create("lpm_cache_lookup");

	tcase_add_test(tc, test_lpmcache_same_answers);
	tcase_add_test(tc, test_lpmcache_collisions);
	tcase_add_test(tc, test_lpmcache_follows_table);
	tcase_add_test(tc, test_lpmcache_generation_wraps);
	tcase_add_test(tc, test_lpmcache_bad_family);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
