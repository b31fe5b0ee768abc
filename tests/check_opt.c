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

/* Decimal values, computed exactly; bare numbers keep their unit. */
static const struct {
	const char	*s;
	char		 unit;
	uint64_t	 ns;
} durations_ok[] = {
	{ "1.0", 's', 1000000000ULL },
	{ "0.5", 's', 500000000ULL },
	{ "1.5s", 's', 1500000000ULL },
	{ "250ms", 's', 250000000ULL },
	{ "0.25", 's', 250000000ULL },
	{ "2.5", 'm', 150000000000ULL },
	{ "90s", 'm', 90000000000ULL },
	{ "1.5h", 'm', 5400000000000ULL },
	{ "1.5h", 's', 5400000000000ULL },
	{ "0.1m", 's', 6000000000ULL },
	{ "1.5ms", 's', 1500000ULL },
	{ "0.000001ms", 's', 1ULL },
	{ "0.000000001", 's', 1ULL },
	{ "1.123456789s", 'm', 1123456789ULL },
	{ "2.50000000000000000000", 'm', 150000000000ULL },
	{ "0.0", 's', 0 },
	{ "00.50", 's', 500000000ULL },
	{ "5", 'm', 300000000000ULL },
	{ "5", 's', 5000000000ULL },
	{ "18446744073.709551615", 's', UINT64_MAX },
};

START_TEST(test_opt_duration_decimal)
{
	uint64_t v = 7;

	ck_assert_msg(opt_duration(durations_ok[_i].s, durations_ok[_i].unit,
	    UINT64_MAX, &v) == WGTAP_OK, "'%s' refused", durations_ok[_i].s);
	ck_assert_msg(v == durations_ok[_i].ns, "'%s' gave %llu, want %llu",
	    durations_ok[_i].s, (unsigned long long)v,
	    (unsigned long long)durations_ok[_i].ns);
}
END_TEST

/* Anything else is refused, and *ns is left alone. */
static const struct {
	const char	*s;
	int		 r;
} durations_bad[] = {
	{ "1.5.5", WGTAP_EFORMAT },
	{ "1e3", WGTAP_EFORMAT },
	{ "1E3", WGTAP_EFORMAT },
	{ "-1", WGTAP_EFORMAT },
	{ "-0.5", WGTAP_EFORMAT },
	{ "+1", WGTAP_EFORMAT },
	{ "5x", WGTAP_EFORMAT },
	{ ".", WGTAP_EFORMAT },
	{ ".5", WGTAP_EFORMAT },
	{ "5.", WGTAP_EFORMAT },
	{ "5.s", WGTAP_EFORMAT },
	{ "", WGTAP_EFORMAT },
	{ "1,5", WGTAP_EFORMAT },
	{ "1.5 s", WGTAP_EFORMAT },
	{ " 1.5", WGTAP_EFORMAT },
	{ "1.5S", WGTAP_EFORMAT },
	{ "1.5d", WGTAP_EFORMAT },
	{ "0x1.5", WGTAP_EFORMAT },
	{ "0.0000000001", WGTAP_EFORMAT },	/* below a nanosecond */
	{ "0.0000001ms", WGTAP_EFORMAT },
	{ "18446744073.709551616", WGTAP_ETOOBIG },
	{ "18446744074", WGTAP_ETOOBIG },
	{ "307445734.6m", WGTAP_ETOOBIG },
	{ "99999999999999999999", WGTAP_ETOOBIG },
	{ "5124095.6h", WGTAP_ETOOBIG },
};

START_TEST(test_opt_duration_bad)
{
	uint64_t v = 7;

	ck_assert_msg(opt_duration(durations_bad[_i].s, 's', UINT64_MAX, &v) ==
	    durations_bad[_i].r, "'%s' not refused as it should be",
	    durations_bad[_i].s);
	ck_assert_uint_eq(v, 7);
}
END_TEST

/* The cap applies to the exact value. */
START_TEST(test_opt_duration_max)
{
	const uint64_t h = 3600000000000ULL;
	uint64_t v;

	ck_assert_int_eq(opt_duration("1.0h", 's', h, &v), WGTAP_OK);
	ck_assert_uint_eq(v, h);
	ck_assert_int_eq(opt_duration("3600.000000001", 's', h, &v),
	    WGTAP_ETOOBIG);
	ck_assert_int_eq(opt_duration("60.5", 'm', h, &v), WGTAP_ETOOBIG);
	ck_assert_int_eq(opt_duration("59.99", 'm', h, &v), WGTAP_OK);
	ck_assert_uint_eq(v, 3599400000000ULL);
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
	tcase_add_loop_test(tc, test_opt_duration_decimal, 0,
	    (int)(sizeof(durations_ok) / sizeof(durations_ok[0])));
	tcase_add_loop_test(tc, test_opt_duration_bad, 0,
	    (int)(sizeof(durations_bad) / sizeof(durations_bad[0])));
	tcase_add_test(tc, test_opt_duration_max);
	suite_add_tcase(s, tc);
	tc = tcase_create("opt_word");
	tcase_add_test(tc, test_opt_word_cases);
	suite_add_tcase(s, tc);
	return s;
}
