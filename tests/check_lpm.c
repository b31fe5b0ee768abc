// SPDX-License-Identifier: MIT
/*
 * Tests for common/lpm.c: exact answers for nested and overlapping
 * prefixes of both families, /0, /32 and /128, host bits past the length,
 * a prefix added twice, bad arguments; then 10,000 pseudo-random prefixes
 * of mixed lengths against a linear scan written here for reference, at
 * addresses inside, at the edges of and outside them; the lengths held,
 * in the order lookups try them, across the words of their bitmap; long
 * runs of host routes through many doublings of a table.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "lpm.h"
#include "wgtap.h"

static uint32_t
look(const struct lpm *t, const char *a)
{
	uint8_t b[16];
	int fam = check_addr(a, b);

	return lpm_lookup(t, fam, b);
}

START_TEST(test_lpm_lookup_empty)
{
	struct lpm *t = lpm_new();

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(look(t, "192.0.2.1"), LPM_NONE);
	ck_assert_uint_eq(look(t, "2001:db8::1"), LPM_NONE);
	ck_assert_uint_eq(look(t, "0.0.0.0"), LPM_NONE);
	ck_assert_uint_eq(lpm_count(t), 0);
	lpm_free(t);
	lpm_free(NULL);
}
END_TEST

START_TEST(test_lpm_lookup_nested_v4)
{
	struct lpm *t = lpm_new();

	check_lpm_add(t, "0.0.0.0", 0, 1);
	check_lpm_add(t, "192.0.2.0", 24, 2);
	check_lpm_add(t, "192.0.2.128", 25, 3);
	check_lpm_add(t, "192.0.2.7", 32, 4);
	check_lpm_add(t, "192.0.0.0", 16, 5);
	ck_assert_uint_eq(lpm_count(t), 5);
	ck_assert_uint_eq(look(t, "192.0.2.7"), 4);
	ck_assert_uint_eq(look(t, "192.0.2.6"), 2);
	ck_assert_uint_eq(look(t, "192.0.2.8"), 2);
	ck_assert_uint_eq(look(t, "192.0.2.0"), 2);
	ck_assert_uint_eq(look(t, "192.0.2.127"), 2);
	ck_assert_uint_eq(look(t, "192.0.2.128"), 3);
	ck_assert_uint_eq(look(t, "192.0.2.255"), 3);
	ck_assert_uint_eq(look(t, "192.0.3.0"), 5);
	ck_assert_uint_eq(look(t, "192.0.255.255"), 5);
	ck_assert_uint_eq(look(t, "192.1.0.0"), 1);
	ck_assert_uint_eq(look(t, "255.255.255.255"), 1);
	ck_assert_uint_eq(look(t, "0.0.0.0"), 1);
	/* the IPv4 table says nothing about IPv6 */
	ck_assert_uint_eq(look(t, "::"), LPM_NONE);
	ck_assert_uint_eq(look(t, "::ffff:192.0.2.7"), LPM_NONE);
	lpm_free(t);
}
END_TEST

START_TEST(test_lpm_lookup_nested_v6)
{
	struct lpm *t = lpm_new();

	check_lpm_add(t, "2001:db8::", 32, 10);
	check_lpm_add(t, "2001:db8:1::", 48, 11);
	check_lpm_add(t, "2001:db8:1::", 64, 12);
	check_lpm_add(t, "2001:db8:1::1", 128, 13);
	check_lpm_add(t, "2001:db8:1:0:8000::", 65, 14);
	check_lpm_add(t, "2001:db8:1:0:ffff:ffff:ffff:fffe", 127, 15);
	ck_assert_uint_eq(look(t, "2001:db8:1::1"), 13);
	ck_assert_uint_eq(look(t, "2001:db8:1::2"), 12);
	ck_assert_uint_eq(look(t, "2001:db8:1::"), 12);
	ck_assert_uint_eq(look(t, "2001:db8:1::7fff:ffff:ffff:ffff"), 12);
	ck_assert_uint_eq(look(t, "2001:db8:1::8000:0:0:0"), 14);
	ck_assert_uint_eq(look(t, "2001:db8:1:0:ffff:ffff:ffff:fffd"), 14);
	ck_assert_uint_eq(look(t, "2001:db8:1:0:ffff:ffff:ffff:fffe"), 15);
	ck_assert_uint_eq(look(t, "2001:db8:1:0:ffff:ffff:ffff:ffff"), 15);
	ck_assert_uint_eq(look(t, "2001:db8:1:1::"), 11);
	ck_assert_uint_eq(look(t, "2001:db8:1:ffff::1"), 11);
	ck_assert_uint_eq(look(t, "2001:db8:2::1"), 10);
	ck_assert_uint_eq(look(t, "2001:db9::1"), LPM_NONE);
	ck_assert_uint_eq(look(t, "::"), LPM_NONE);
	ck_assert_uint_eq(look(t, "192.0.2.1"), LPM_NONE);
	check_lpm_add(t, "::", 0, 16);
	ck_assert_uint_eq(look(t, "2001:db9::1"), 16);
	ck_assert_uint_eq(look(t, "::"), 16);
	ck_assert_uint_eq(look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	    16);
	ck_assert_uint_eq(look(t, "2001:db8:1::1"), 13);
	ck_assert_uint_eq(look(t, "192.0.2.1"), LPM_NONE);
	lpm_free(t);
}
END_TEST

/* /32 and /128 are exact: the neighbours on both sides do not match. */
START_TEST(test_lpm_lookup_host_routes)
{
	struct lpm *t = lpm_new();

	check_lpm_add(t, "198.51.100.10", 32, 1);
	check_lpm_add(t, "2001:db8::a", 128, 2);
	check_lpm_add(t, "0.0.0.0", 32, 3);
	check_lpm_add(t, "255.255.255.255", 32, 4);
	check_lpm_add(t, "::", 128, 5);
	check_lpm_add(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, 6);
	ck_assert_uint_eq(look(t, "198.51.100.10"), 1);
	ck_assert_uint_eq(look(t, "198.51.100.9"), LPM_NONE);
	ck_assert_uint_eq(look(t, "198.51.100.11"), LPM_NONE);
	ck_assert_uint_eq(look(t, "2001:db8::a"), 2);
	ck_assert_uint_eq(look(t, "2001:db8::9"), LPM_NONE);
	ck_assert_uint_eq(look(t, "2001:db8::b"), LPM_NONE);
	ck_assert_uint_eq(look(t, "0.0.0.0"), 3);
	ck_assert_uint_eq(look(t, "0.0.0.1"), LPM_NONE);
	ck_assert_uint_eq(look(t, "255.255.255.255"), 4);
	ck_assert_uint_eq(look(t, "255.255.255.254"), LPM_NONE);
	ck_assert_uint_eq(look(t, "::"), 5);
	ck_assert_uint_eq(look(t, "::1"), LPM_NONE);
	ck_assert_uint_eq(look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	    6);
	ck_assert_uint_eq(look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"),
	    LPM_NONE);
	ck_assert_uint_eq(look(t, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	    LPM_NONE);
	lpm_free(t);
}
END_TEST

/* Host bits past the length are ignored; a prefix added again re-maps. */
START_TEST(test_lpm_add_masks_and_replaces)
{
	struct lpm *t = lpm_new();

	check_lpm_add(t, "192.0.2.77", 24, 1);
	check_lpm_add(t, "192.0.2.0", 24, 2);
	check_lpm_add(t, "2001:db8::ffff", 64, 3);
	check_lpm_add(t, "2001:db8::", 64, 4);
	check_lpm_add(t, "203.0.113.9", 0, 5);
	ck_assert_uint_eq(lpm_count(t), 3);
	ck_assert_uint_eq(look(t, "192.0.2.200"), 2);
	ck_assert_uint_eq(look(t, "2001:db8::1"), 4);
	ck_assert_uint_eq(look(t, "198.51.100.1"), 5);
	lpm_free(t);
}
END_TEST

START_TEST(test_lpm_add_bad)
{
	struct lpm *t = lpm_new();
	uint8_t a[16] = { 192, 0, 2, 1 };

	ck_assert_int_eq(lpm_add(t, 4, a, 33, 1), WGTAP_EFORMAT);
	ck_assert_int_eq(lpm_add(t, 6, a, 129, 1), WGTAP_EFORMAT);
	ck_assert_int_eq(lpm_add(t, 5, a, 8, 1), WGTAP_EFORMAT);
	ck_assert_int_eq(lpm_add(t, 4, a, 8, LPM_NONE), WGTAP_EFORMAT);
	ck_assert_uint_eq(lpm_count(t), 0);
	ck_assert_uint_eq(lpm_lookup(t, 5, a), LPM_NONE);
	ck_assert_uint_eq(lpm_lookup(t, 0, a), LPM_NONE);
	lpm_free(t);
}
END_TEST

/* A deterministic generator (xorshift64*), so a failure repeats. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

struct ref_prefix {
	int		fam;
	uint8_t		addr[16];
	unsigned	plen;
	uint32_t	value;
};

/* Whether the first plen bits of a and b agree (bit by bit). */
static bool
ref_match(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned i;

	for (i = 0; i < plen; i++) {
		unsigned bit = 7 - i % 8;

		if (((a[i / 8] >> bit) & 1) != ((b[i / 8] >> bit) & 1))
			return false;
	}
	return true;
}

/* The reference: a scan of every prefix; the last added wins a tie. */
static uint32_t
ref_lookup(const struct ref_prefix *p, size_t n, int fam, const uint8_t *a)
{
	uint32_t v = LPM_NONE;
	int best = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i].fam != fam || (int)p[i].plen < best)
			continue;
		if (ref_match(p[i].addr, a, p[i].plen)) {
			best = (int)p[i].plen;
			v = p[i].value;
		}
	}
	return v;
}

/* The lengths held, longest first: the bitmap's order, across its words. */
START_TEST(test_lpm_lengths)
{
	static const uint8_t want6[] = { 128, 127, 65, 64, 63, 1, 0 };
	static const uint8_t want4[] = { 32, 31, 24, 1, 0 };
	struct lpm *t = lpm_new();
	uint8_t out[129];
	size_t n;

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(lpm_lengths(t, 4, out), 0);
	ck_assert_uint_eq(lpm_lengths(t, 6, out), 0);
	check_lpm_add(t, "2001:db8::", 64, 1);
	check_lpm_add(t, "::", 0, 2);
	check_lpm_add(t, "2001:db8::1", 128, 3);
	check_lpm_add(t, "2001:db8::", 63, 4);
	check_lpm_add(t, "2001:db8::8000:0:0:0", 65, 5);
	check_lpm_add(t, "2001:db8::", 127, 6);
	check_lpm_add(t, "8000::", 1, 7);
	check_lpm_add(t, "2001:db8::2", 128, 8);		/* a length again */
	check_lpm_add(t, "2001:db8::", 64, 9);		/* a prefix again */
	n = lpm_lengths(t, 6, out);
	ck_assert_uint_eq(n, sizeof(want6));
	ck_assert_mem_eq(out, want6, n);
	/* the other family */
	ck_assert_uint_eq(lpm_lengths(t, 4, out), 0);
	check_lpm_add(t, "192.0.2.0", 24, 10);
	check_lpm_add(t, "0.0.0.0", 0, 11);
	check_lpm_add(t, "192.0.2.1", 32, 12);
	check_lpm_add(t, "128.0.0.0", 1, 13);
	check_lpm_add(t, "192.0.2.0", 31, 14);
	n = lpm_lengths(t, 4, out);
	ck_assert_uint_eq(n, sizeof(want4));
	ck_assert_mem_eq(out, want4, n);
	ck_assert_uint_eq(lpm_lengths(t, 6, out), sizeof(want6));
	ck_assert_uint_eq(lpm_lengths(t, 5, out), 0);
	ck_assert_uint_eq(lpm_count(t), 13);
	lpm_free(t);
}
END_TEST

/* Nested IPv6 prefixes on both sides of the bitmap's 64-bit words. */
START_TEST(test_lpm_lookup_word_edges)
{
	struct lpm *t = lpm_new();

	check_lpm_add(t, "::", 0, 1);
	check_lpm_add(t, "2001:db8::", 63, 2);
	check_lpm_add(t, "2001:db8::", 64, 3);
	check_lpm_add(t, "2001:db8::", 65, 4);
	check_lpm_add(t, "2001:db8::", 127, 5);
	check_lpm_add(t, "2001:db8::1", 128, 6);
	ck_assert_uint_eq(look(t, "2001:db8::1"), 6);
	ck_assert_uint_eq(look(t, "2001:db8::"), 5);
	ck_assert_uint_eq(look(t, "2001:db8::2"), 4);
	ck_assert_uint_eq(look(t, "2001:db8::7fff:ffff:ffff:ffff"), 4);
	ck_assert_uint_eq(look(t, "2001:db8::8000:0:0:0"), 3);
	ck_assert_uint_eq(look(t, "2001:db8::ffff:ffff:ffff:ffff"), 3);
	ck_assert_uint_eq(look(t, "2001:db8:0:1::"), 2);
	ck_assert_uint_eq(look(t, "2001:db8:0:2::"), 1);
	ck_assert_uint_eq(look(t, "ffff::"), 1);
	ck_assert_uint_eq(look(t, "0.0.0.0"), LPM_NONE);
	lpm_free(t);
}
END_TEST

/*
 * Runs of consecutive host routes (what a gateway's allowed-ips are) in
 * one level each, through many doublings of its table: every one is
 * found with its own value, and the addresses just past the run are not.
 */
START_TEST(test_lpm_lookup_dense_runs)
{
	struct lpm *t = lpm_new();
	uint8_t a[16];
	uint32_t i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < 20000; i++) {
		uint8_t v4[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		    (uint8_t)i };

		memset(a, 0, 16);
		memcpy(a, "\x20\x01\x0d\xb8", 4);
		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		ck_assert_int_eq(lpm_add(t, 4, v4, 32, i), WGTAP_OK);
		ck_assert_int_eq(lpm_add(t, 6, a, 128, i + 20000), WGTAP_OK);
	}
	ck_assert_uint_eq(lpm_count(t), 40000);
	for (i = 0; i < 20100; i++) {
		uint8_t v4[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		    (uint8_t)i };

		memset(a, 0, 16);
		memcpy(a, "\x20\x01\x0d\xb8", 4);
		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		ck_assert_uint_eq(lpm_lookup(t, 4, v4),
		    i < 20000 ? i : LPM_NONE);
		ck_assert_uint_eq(lpm_lookup(t, 6, a),
		    i < 20000 ? i + 20000 : LPM_NONE);
	}
	lpm_free(t);
}
END_TEST

/*
 * Many host routes and far more addresses that are in none: a lookup is
 * answered by its key, not by the 16-bit tag that a probe reads first
 * (hundreds of thousands of misses meet keys whose tag is theirs). The
 * keys are i * M for i < N, M odd, so that i = a * M^-1 (mod 2^32) tells
 * whether a is one.
 */
#define SPARSE_N	65536u
#define SPARSE_M	0x2545f491u

START_TEST(test_lpm_lookup_sparse_misses)
{
	struct lpm *t = lpm_new();
	uint64_t s = 0x0badc0ffee0ddf00ULL;
	uint32_t inv = SPARSE_M, i, a, k, hits = 0;
	uint8_t b[4];
	int n;

	ck_assert_ptr_nonnull(t);
	for (n = 0; n < 5; n++)		/* Newton: inv = M^-1 mod 2^32 */
		inv *= 2u - SPARSE_M * inv;
	ck_assert_uint_eq(SPARSE_M * inv, 1);
	for (i = 0; i < SPARSE_N; i++) {
		k = i * SPARSE_M;
		b[0] = (uint8_t)(k >> 24);
		b[1] = (uint8_t)(k >> 16);
		b[2] = (uint8_t)(k >> 8);
		b[3] = (uint8_t)k;
		ck_assert_int_eq(lpm_add(t, 4, b, 32, i), WGTAP_OK);
	}
	for (n = 0; n < 400000; n++) {
		a = (uint32_t)rnd(&s);
		b[0] = (uint8_t)(a >> 24);
		b[1] = (uint8_t)(a >> 16);
		b[2] = (uint8_t)(a >> 8);
		b[3] = (uint8_t)a;
		i = a * inv;
		ck_assert_uint_eq(lpm_lookup(t, 4, b),
		    i < SPARSE_N ? i : LPM_NONE);
		hits += i < SPARSE_N;
	}
	/* every key is found too */
	for (i = 0; i < SPARSE_N; i += 7) {
		k = i * SPARSE_M;
		b[0] = (uint8_t)(k >> 24);
		b[1] = (uint8_t)(k >> 16);
		b[2] = (uint8_t)(k >> 8);
		b[3] = (uint8_t)k;
		ck_assert_uint_eq(lpm_lookup(t, 4, b), i);
	}
	ck_assert_uint_lt(hits, 100);
	lpm_free(t);
}
END_TEST

#define NREF	10000

START_TEST(test_lpm_lookup_against_scan)
{
	static const unsigned len4[] = { 8, 16, 20, 24, 28, 30, 32, 32, 32 };
	static const unsigned len6[] = { 32, 48, 56, 64, 96, 120, 128, 128 };
	struct ref_prefix *p = calloc(NREF, sizeof(*p));
	struct lpm *t = lpm_new();
	uint64_t s = 0x1234567887654321ULL, x;
	uint8_t a[16];
	size_t i, k, hits = 0;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < NREF; i++) {
		p[i].fam = rnd(&s) % 3 ? 4 : 6;
		x = rnd(&s);
		/* a narrow space, so prefixes nest and overlap often */
		if (p[i].fam == 4) {
			p[i].addr[0] = 198;
			p[i].addr[1] = 51;
			p[i].addr[2] = (uint8_t)(x % 8);
			p[i].addr[3] = (uint8_t)(x >> 8);
			p[i].plen = len4[(x >> 16) % 9];
		} else {
			memcpy(p[i].addr, "\x20\x01\x0d\xb8", 4);
			p[i].addr[4] = (uint8_t)(x % 4);
			p[i].addr[7] = (uint8_t)(x >> 8) % 4;
			p[i].addr[15] = (uint8_t)(x >> 16);
			p[i].addr[14] = (uint8_t)(x >> 24) % 4;
			p[i].plen = len6[(x >> 32) % 8];
		}
		p[i].value = (uint32_t)(rnd(&s) % 1000);
		ck_assert_int_eq(lpm_add(t, p[i].fam, p[i].addr, p[i].plen,
		    p[i].value), WGTAP_OK);
	}
	for (i = 0; i < 20000; i++) {
		int fam;

		k = rnd(&s) % NREF;
		fam = p[k].fam;
		memcpy(a, p[k].addr, 16);
		/* inside, near, or outside every prefix */
		x = rnd(&s);
		if (x % 4 == 1)
			a[fam == 4 ? 3 : 15] ^= (uint8_t)(x >> 8);
		else if (x % 4 == 2)
			a[fam == 4 ? 2 : 7] ^= (uint8_t)(x >> 16) % 16;
		else if (x % 4 == 3)
			a[0] ^= 1;
		ck_assert_uint_eq(lpm_lookup(t, fam, a),
		    ref_lookup(p, NREF, fam, a));
		hits += lpm_lookup(t, fam, a) != LPM_NONE;
	}
	/* both answers occur, so the comparison means something */
	ck_assert_uint_gt(hits, 1000);
	ck_assert_uint_lt(hits, 20000);
	lpm_free(t);
	free(p);
}
END_TEST

Suite *
lpm_suite(void)
{
	Suite *s = suite_create("lpm");
	TCase *tc;

	tc = tcase_create("lpm_lookup");
	tcase_add_test(tc, test_lpm_lookup_empty);
	tcase_add_test(tc, test_lpm_lookup_nested_v4);
	tcase_add_test(tc, test_lpm_lookup_nested_v6);
	tcase_add_test(tc, test_lpm_lookup_host_routes);
	tcase_add_test(tc, test_lpm_lookup_against_scan);
	tcase_add_test(tc, test_lpm_lookup_word_edges);
	tcase_add_test(tc, test_lpm_lookup_dense_runs);
	tcase_add_test(tc, test_lpm_lookup_sparse_misses);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("lpm_add");
	tcase_add_test(tc, test_lpm_add_masks_and_replaces);
	tcase_add_test(tc, test_lpm_add_bad);
	tcase_add_test(tc, test_lpm_lengths);
	suite_add_tcase(s, tc);
	return s;
}
