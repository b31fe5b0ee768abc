// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/peertab.c: keys come out as the base64 `wg`
 * prints (checked against the tests' own encoder), lookups name the peer
 * of the longest prefix across peers, a repeated last key continues its
 * peer, host bits are cleared, bad arguments are refused, the text
 * form is exact, and each key starts a cache line of its own.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "check_wgtap.h"
#include "peertab.h"
#include "wgtap.h"

static void
key_of(uint8_t k[PEERTAB_KEY_LEN], uint8_t seed)
{
	size_t i;

	for (i = 0; i < PEERTAB_KEY_LEN; i++)
		k[i] = (uint8_t)(seed * 31 + i * 7);
}

static void
add_ip(struct peertab *t, size_t idx, const char *a, unsigned plen)
{
	uint8_t b[16];
	int fam = check_addr(a, b);

	ck_assert_int_eq(peertab_add_ip(t, idx, fam, b, plen), WGTAP_OK);
}

static const char *
look(const struct peertab *t, const char *a)
{
	uint8_t b[16];
	int fam = check_addr(a, b);

	return peertab_lookup(t, fam, b);
}

START_TEST(test_peertab_lookup_peers)
{
	struct peertab *t = peertab_new();
	uint8_t k[3][PEERTAB_KEY_LEN];
	char ref[3][PEERTAB_B64_LEN + 1];
	size_t idx[3], i;

	for (i = 0; i < 3; i++) {
		key_of(k[i], (uint8_t)i);
		ck_assert_uint_eq(check_ref_base64(k[i], PEERTAB_KEY_LEN,
		    ref[i]), PEERTAB_B64_LEN);
		ck_assert_int_eq(peertab_add_peer(t, k[i], &idx[i]), WGTAP_OK);
		ck_assert_uint_eq(idx[i], i);
	}
	add_ip(t, 0, "0.0.0.0", 0);
	add_ip(t, 1, "192.0.2.0", 24);
	add_ip(t, 2, "192.0.2.9", 32);
	add_ip(t, 2, "2001:db8::", 64);
	add_ip(t, 1, "2001:db8::9", 128);
	ck_assert_str_eq(look(t, "192.0.2.9"), ref[2]);
	ck_assert_str_eq(look(t, "192.0.2.10"), ref[1]);
	ck_assert_str_eq(look(t, "203.0.113.1"), ref[0]);
	ck_assert_str_eq(look(t, "2001:db8::9"), ref[1]);
	ck_assert_str_eq(look(t, "2001:db8::a"), ref[2]);
	ck_assert_str_eq(look(t, "2001:db8:0:1::a"), "");
	ck_assert_str_eq(peertab_lookup(NULL, 4, (const uint8_t *)"\1\2\3\4"),
	    "");
	ck_assert_uint_eq(peertab_npeers(t), 3);
	ck_assert_uint_eq(peertab_nips(t), 5);
	ck_assert_uint_eq(peertab_peer(t, 1)->nips, 2);
	ck_assert_uint_eq(peertab_peer(t, 2)->nips, 2);
	ck_assert_ptr_null(peertab_peer(t, 3));
	ck_assert_ptr_null(peertab_ip(t, 5));
	peertab_free(t);
	peertab_free(NULL);
}
END_TEST

/* The same key again right away continues the peer; later it is new. */
START_TEST(test_peertab_add_peer_continues)
{
	struct peertab *t = peertab_new();
	uint8_t a[PEERTAB_KEY_LEN], b[PEERTAB_KEY_LEN];
	size_t i;

	key_of(a, 1);
	key_of(b, 2);
	ck_assert_int_eq(peertab_add_peer(t, a, &i), WGTAP_OK);
	ck_assert_uint_eq(i, 0);
	add_ip(t, i, "192.0.2.1", 32);
	ck_assert_int_eq(peertab_add_peer(t, a, &i), WGTAP_OK);
	ck_assert_uint_eq(i, 0);
	add_ip(t, i, "192.0.2.2", 32);
	ck_assert_int_eq(peertab_add_peer(t, b, &i), WGTAP_OK);
	ck_assert_uint_eq(i, 1);
	ck_assert_uint_eq(peertab_npeers(t), 2);
	ck_assert_uint_eq(peertab_peer(t, 0)->nips, 2);
	ck_assert_str_eq(look(t, "192.0.2.2"), peertab_key(t, 0));
	peertab_free(t);
}
END_TEST

START_TEST(test_peertab_add_ip_bad)
{
	struct peertab *t = peertab_new();
	uint8_t k[PEERTAB_KEY_LEN], a[16] = { 192, 0, 2, 1 };
	size_t i;

	ck_assert_int_eq(peertab_add_ip(t, 0, 4, a, 32), WGTAP_EFORMAT);
	key_of(k, 9);
	ck_assert_int_eq(peertab_add_peer(t, k, &i), WGTAP_OK);
	ck_assert_int_eq(peertab_add_ip(t, 1, 4, a, 32), WGTAP_EFORMAT);
	ck_assert_int_eq(peertab_add_ip(t, 0, 4, a, 33), WGTAP_EFORMAT);
	ck_assert_int_eq(peertab_add_ip(t, 0, 6, a, 129), WGTAP_EFORMAT);
	ck_assert_int_eq(peertab_add_ip(t, 0, 2, a, 8), WGTAP_EFORMAT);
	ck_assert_int_eq(peertab_set_endpoint(t, 1, "x"), WGTAP_EFORMAT);
	ck_assert_int_eq(peertab_set_endpoint(t, 0, "a b"), WGTAP_EFORMAT);
	ck_assert_int_eq(peertab_set_endpoint(t, 0, "a\n"), WGTAP_EFORMAT);
	ck_assert_uint_eq(peertab_nips(t), 0);
	ck_assert_str_eq(peertab_peer(t, 0)->endpoint, "");
	peertab_free(t);
}
END_TEST

START_TEST(test_peertab_format_exact)
{
	struct peertab *t = peertab_new();
	uint8_t k[PEERTAB_KEY_LEN];
	char ref[2][PEERTAB_B64_LEN + 1], want[512];
	struct dynbuf out;
	size_t i;

	dynbuf_init(&out, 4096);
	key_of(k, 4);
	check_ref_base64(k, PEERTAB_KEY_LEN, ref[0]);
	ck_assert_int_eq(peertab_add_peer(t, k, &i), WGTAP_OK);
	ck_assert_int_eq(peertab_set_endpoint(t, i, "[2001:db8::5]:51820"),
	    WGTAP_OK);
	add_ip(t, i, "192.0.2.77", 24);
	add_ip(t, i, "2001:db8:1::ff", 48);
	add_ip(t, i, "198.51.100.3", 32);
	key_of(k, 5);
	check_ref_base64(k, PEERTAB_KEY_LEN, ref[1]);
	ck_assert_int_eq(peertab_add_peer(t, k, &i), WGTAP_OK);
	ck_assert_int_eq(peertab_format(t, &out), WGTAP_OK);
	snprintf(want, sizeof(want), "%s\t[2001:db8::5]:51820\t192.0.2.0/24,"
	    "2001:db8:1::/48,198.51.100.3/32\n%s\t(none)\t(none)\n", ref[0],
	    ref[1]);
	ck_assert_str_eq(dynbuf_str(&out), want);
	ck_assert_uint_eq(peertab_ip(t, 0)->addr[3], 0);
	dynbuf_free(&out);
	peertab_free(t);
}
END_TEST

START_TEST(test_peertab_prefix_forms)
{
	static const char *const bad[] = {
		"", "/", "192.0.2.1", "192.0.2.1/", "/24", "192.0.2.1/33",
		"2001:db8::/129", "192.0.2.1/024", "192.0.2.1/2a",
		"192.0.2.1/1000", "192.0.2.1 /24", "2001:db8::1/-1",
		"192.0.2/24",
	};
	uint8_t a[16], want[16];
	unsigned plen;
	size_t i;
	int fam;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(peertab_prefix(bad[i], strlen(bad[i]), &fam, a,
		    &plen) == WGTAP_EFORMAT, "%s", bad[i]);
	ck_assert_int_eq(peertab_prefix("192.0.2.1\0/24", 12, &fam, a, &plen),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(peertab_prefix("192.0.2.9/0", 11, &fam, a, &plen),
	    WGTAP_OK);
	ck_assert_int_eq(fam, 4);
	ck_assert_uint_eq(plen, 0);
	ck_assert_int_eq(check_addr("192.0.2.9", want), 4);
	ck_assert_mem_eq(a, want, 16);
	ck_assert_int_eq(peertab_prefix("2001:db8::7/128", 15, &fam, a,
	    &plen), WGTAP_OK);
	ck_assert_int_eq(fam, 6);
	ck_assert_uint_eq(plen, 128);
	check_addr("2001:db8::7", want);
	ck_assert_mem_eq(a, want, 16);
	/* only the n bytes given are read */
	ck_assert_int_eq(peertab_prefix("192.0.2.9/24xyz", 12, &fam, a,
	    &plen), WGTAP_OK);
	ck_assert_uint_eq(plen, 24);
}
END_TEST

START_TEST(test_peertab_key_forms)
{
	uint8_t k[PEERTAB_KEY_LEN], got[PEERTAB_KEY_LEN];
	char b64[PEERTAB_B64_LEN + 1], hex[2 * PEERTAB_KEY_LEN + 1];
	size_t i;

	for (i = 0; i < PEERTAB_KEY_LEN; i++)
		k[i] = (uint8_t)(0xf0 + i * 37);
	check_ref_base64(k, PEERTAB_KEY_LEN, b64);
	check_ref_hex(k, PEERTAB_KEY_LEN, hex);
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(peertab_key_base64(b64, PEERTAB_B64_LEN, got),
	    WGTAP_OK);
	ck_assert_mem_eq(got, k, PEERTAB_KEY_LEN);
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(peertab_key_hex(hex, 64, got), WGTAP_OK);
	ck_assert_mem_eq(got, k, PEERTAB_KEY_LEN);
	/* uppercase hex is hex too */
	for (i = 0; i < 64; i++)
		if (hex[i] >= 'a' && hex[i] <= 'f')
			hex[i] = (char)(hex[i] - 'a' + 'A');
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(peertab_key_hex(hex, 64, got), WGTAP_OK);
	ck_assert_mem_eq(got, k, PEERTAB_KEY_LEN);
	ck_assert_int_eq(peertab_key_hex(hex, 63, got), WGTAP_EFORMAT);
	hex[10] = 'g';
	ck_assert_int_eq(peertab_key_hex(hex, 64, got), WGTAP_EFORMAT);
	ck_assert_int_eq(peertab_key_base64(b64, 43, got), WGTAP_EFORMAT);
	b64[43] = 'A';
	ck_assert_int_eq(peertab_key_base64(b64, 44, got), WGTAP_EFORMAT);
	b64[43] = '=';
	b64[0] = '-';
	ck_assert_int_eq(peertab_key_base64(b64, 44, got), WGTAP_EFORMAT);
}
END_TEST

START_TEST(test_peertab_same_cases)
{
	struct peertab *a = peertab_new(), *b = peertab_new();
	uint8_t k[PEERTAB_KEY_LEN];
	size_t i;

	ck_assert(peertab_same(NULL, NULL));
	ck_assert(!peertab_same(a, NULL));
	ck_assert(peertab_same(a, b));
	key_of(k, 1);
	peertab_add_peer(a, k, &i);
	peertab_add_peer(b, k, &i);
	add_ip(a, 0, "192.0.2.0", 24);
	add_ip(b, 0, "192.0.2.77", 24);	/* the same prefix */
	ck_assert_int_eq(peertab_set_endpoint(b, 0, "198.51.100.1:1"),
	    WGTAP_OK);
	ck_assert(peertab_same(a, b));	/* endpoints do not count */
	add_ip(b, 0, "2001:db8::", 64);
	ck_assert(!peertab_same(a, b));
	add_ip(a, 0, "2001:db8::", 63);
	ck_assert(!peertab_same(a, b));
	peertab_free(a);
	peertab_free(b);

	/* the same peers and allowed-ips in another order are the same */
	a = peertab_new();
	b = peertab_new();
	for (i = 0; i < 3; i++) {
		size_t idx;

		key_of(k, (uint8_t)i);
		peertab_add_peer(a, k, &idx);
		key_of(k, (uint8_t)(2 - i));
		peertab_add_peer(b, k, &idx);
	}
	add_ip(a, 0, "192.0.2.10", 32);
	add_ip(a, 2, "192.0.2.12", 32);
	add_ip(a, 2, "2001:db8::12", 128);
	add_ip(b, 0, "2001:db8::12", 128);
	add_ip(b, 2, "192.0.2.10", 32);
	add_ip(b, 0, "192.0.2.12", 32);
	ck_assert(peertab_same(a, b));
	add_ip(a, 1, "192.0.2.11", 32);
	add_ip(b, 2, "192.0.2.11", 32);	/* another peer's */
	ck_assert(!peertab_same(a, b));
	peertab_free(a);
	peertab_free(b);
}
END_TEST

/*
 * 1,000 peers, their arrays grown (copied) six times on the way: each
 * key starts a line of its own (PEERTAB_KEY_STRIDE), and each is still
 * the key its peer was added with, found by its own allowed-ip.
 */
START_TEST(test_peertab_key_lines)
{
	struct peertab *t = peertab_new();
	uint8_t k[PEERTAB_KEY_LEN], a[16];
	char ref[PEERTAB_B64_LEN + 1];
	const char *key;
	size_t i, idx;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(check_addr("2001:db8::", a), 6);
	for (i = 0; i < 1000; i++) {
		key_of(k, (uint8_t)i);
		k[0] = (uint8_t)(i >> 8);
		k[1] = (uint8_t)i;
		ck_assert_int_eq(peertab_add_peer(t, k, &idx), WGTAP_OK);
		ck_assert_uint_eq(idx, i);
		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		ck_assert_int_eq(peertab_add_ip(t, idx, 6, a, 128), WGTAP_OK);
	}
	for (i = 0; i < 1000; i++) {
		key_of(k, (uint8_t)i);
		k[0] = (uint8_t)(i >> 8);
		k[1] = (uint8_t)i;
		ck_assert_uint_eq(check_ref_base64(k, PEERTAB_KEY_LEN, ref),
		    PEERTAB_B64_LEN);
		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		key = peertab_lookup(t, 6, a);
		ck_assert_ptr_eq(key, peertab_key(t, i));
		ck_assert_str_eq(key, ref);
		ck_assert_uint_eq((uintptr_t)key % PEERTAB_KEY_STRIDE, 0);
	}
	ck_assert_ptr_null(peertab_key(t, 1000));
	peertab_free(t);
}
END_TEST

Suite *
peertab_suite(void)
{
	Suite *s = suite_create("peertab");
	TCase *tc;

	tc = tcase_create("peertab_lookup");
	tcase_add_test(tc, test_peertab_lookup_peers);
	suite_add_tcase(s, tc);
	tc = tcase_create("peertab_add_peer");
	tcase_add_test(tc, test_peertab_add_peer_continues);
	tcase_add_test(tc, test_peertab_key_lines);
	suite_add_tcase(s, tc);
	tc = tcase_create("peertab_add_ip");
	tcase_add_test(tc, test_peertab_add_ip_bad);
	suite_add_tcase(s, tc);
	tc = tcase_create("peertab_forms");
	tcase_add_test(tc, test_peertab_prefix_forms);
	tcase_add_test(tc, test_peertab_key_forms);
	suite_add_tcase(s, tc);
	tc = tcase_create("peertab_same");
	tcase_add_test(tc, test_peertab_same_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("peertab_format");
	tcase_add_test(tc, test_peertab_format_exact);
	suite_add_tcase(s, tc);
	return s;
}
