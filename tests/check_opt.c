// SPDX-License-Identifier: MIT
/* Tests for common/opt.c: flag values. */
#include <stdint.h>

#include "check_wgtap.h"
#include "opt.h"
#include "wgtap.h"

START_TEST(test_opt_u64_cases)
{
	uint64_t v = 7;

	ck_assert_int_eq(opt_u64("0", 0, 10, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(opt_u64("10", 0, 10, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(opt_u64("18446744073709551615", 0, UINT64_MAX, &v),
	    WGTAP_OK);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(opt_u64("18446744073709551616", 0, UINT64_MAX, &v),
	    WGTAP_ETOOBIG);
	ck_assert_int_eq(opt_u64("11", 0, 10, &v), WGTAP_ETOOBIG);
	ck_assert_int_eq(opt_u64("0", 1, 10, &v), WGTAP_ETOOBIG);
	ck_assert_int_eq(opt_u64("", 0, 10, &v), WGTAP_EFORMAT);
	ck_assert_int_eq(opt_u64("-1", 0, 10, &v), WGTAP_EFORMAT);
	ck_assert_int_eq(opt_u64("+1", 0, 10, &v), WGTAP_EFORMAT);
	ck_assert_int_eq(opt_u64(" 1", 0, 10, &v), WGTAP_EFORMAT);
	ck_assert_int_eq(opt_u64("1 ", 0, 10, &v), WGTAP_EFORMAT);
	ck_assert_int_eq(opt_u64("0x1", 0, 10, &v), WGTAP_EFORMAT);
	ck_assert_int_eq(opt_u64("1e3", 0, 10000, &v), WGTAP_EFORMAT);
	ck_assert_int_eq(opt_u64(NULL, 0, 10, &v), WGTAP_EFORMAT);
}
END_TEST

START_TEST(test_opt_size_cases)
{
	uint64_t v;

	ck_assert_int_eq(opt_size("0", UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(opt_size("512", UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 512);
	ck_assert_int_eq(opt_size("4K", UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(opt_size("16MiB", UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 16ULL << 20);
	ck_assert_int_eq(opt_size("1G", UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 1ULL << 30);
	ck_assert_int_eq(opt_size("2T", UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 2ULL << 40);
	ck_assert_int_eq(opt_size("3G", 2ULL << 30, &v), WGTAP_ETOOBIG);
	ck_assert_int_eq(opt_size("99999999T", UINT64_MAX, &v), WGTAP_ETOOBIG);
	ck_assert_int_eq(opt_size("1k", UINT64_MAX, &v), WGTAP_EFORMAT);
	ck_assert_int_eq(opt_size("1 G", UINT64_MAX, &v), WGTAP_EFORMAT);
	ck_assert_int_eq(opt_size("G", UINT64_MAX, &v), WGTAP_EFORMAT);
	ck_assert_int_eq(opt_size("1.5G", UINT64_MAX, &v), WGTAP_EFORMAT);
}
END_TEST

START_TEST(test_opt_duration_cases)
{
	const uint64_t s = 1000000000ULL;
	uint64_t v;

	ck_assert_int_eq(opt_duration("5", 'm', UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 300 * s);
	ck_assert_int_eq(opt_duration("5", 's', UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 5 * s);
	ck_assert_int_eq(opt_duration("30s", 'm', UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 30 * s);
	ck_assert_int_eq(opt_duration("250ms", 's', UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 250000000ULL);
	ck_assert_int_eq(opt_duration("1h", 's', UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 3600 * s);
	ck_assert_int_eq(opt_duration("0", 's', UINT64_MAX, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(opt_duration("25h", 's', 24 * 3600 * s, &v),
	    WGTAP_ETOOBIG);
	ck_assert_int_eq(opt_duration("5d", 's', UINT64_MAX, &v),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(opt_duration("5M", 's', UINT64_MAX, &v),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(opt_duration("-5s", 's', UINT64_MAX, &v),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(opt_duration("s", 's', UINT64_MAX, &v),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(opt_duration("99999999999999h", 's', UINT64_MAX, &v),
	    WGTAP_ETOOBIG);
}
END_TEST

START_TEST(test_opt_word_cases)
{
	static const char *const words[] = { "gzip", "none", NULL };

	ck_assert_int_eq(opt_word("gzip", words), 0);
	ck_assert_int_eq(opt_word("none", words), 1);
	ck_assert_int_eq(opt_word("GZIP", words), -1);
	ck_assert_int_eq(opt_word("", words), -1);
}
END_TEST

Suite *
opt_suite(void)
{
	Suite *s = suite_create("opt");
	TCase *tc;

	tc = tcase_create("opt_u64");
	tcase_add_test(tc, test_opt_u64_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("opt_size");
	tcase_add_test(tc, test_opt_size_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("opt_duration");
	tcase_add_test(tc, test_opt_duration_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("opt_word");
	tcase_add_test(tc, test_opt_word_cases);
	suite_add_tcase(s, tc);
	return s;
}
