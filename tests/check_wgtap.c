// SPDX-License-Identifier: MIT
/*
 * Tests for common/wgtap.c: one fixed sentence per error code, errno's
 * text for WGTAP_ESYS, and the clock in nanoseconds.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "check_wgtap.h"
#include "wgtap.h"

#define NS	1000000000ULL

START_TEST(test_wgtap_strerror_codes)
{
	ck_assert_str_eq(wgtap_strerror(WGTAP_OK), "success");
	ck_assert_str_eq(wgtap_strerror(WGTAP_ENOMEM), "out of memory");
	ck_assert_str_eq(wgtap_strerror(WGTAP_ETRUNC), "input is truncated");
	ck_assert_str_eq(wgtap_strerror(WGTAP_EFORMAT), "input is malformed");
	ck_assert_str_eq(wgtap_strerror(WGTAP_ETOOBIG), "value too large");
	ck_assert_str_eq(wgtap_strerror(WGTAP_EHTTP),
	    "server returned an error");
	ck_assert_str_eq(wgtap_strerror(WGTAP_ECRYPTO),
	    "cryptographic operation failed");
	ck_assert_str_eq(wgtap_strerror(WGTAP_ENET), "network transfer failed");
	ck_assert_str_eq(wgtap_strerror(WGTAP_EZLIB), "compression failed");
	ck_assert_str_eq(wgtap_strerror(WGTAP_ENOSPACE),
	    "no space left in the spool");
	ck_assert_str_eq(wgtap_strerror(-99), "unknown error");
	ck_assert_str_eq(wgtap_strerror(1), "unknown error");
}
END_TEST

START_TEST(test_wgtap_strerror_esys)
{
	errno = ENOENT;
	ck_assert_str_eq(wgtap_strerror(WGTAP_ESYS), strerror(ENOENT));
	errno = ENOSPC;
	ck_assert_str_eq(wgtap_strerror(WGTAP_ESYS), strerror(ENOSPC));
	errno = 0;
	ck_assert_str_eq(wgtap_strerror(WGTAP_ESYS), "system error");
}
END_TEST

START_TEST(test_wgtap_clock_ns_clocks)
{
	struct timespec a, b;
	uint64_t m1, m2, real;

	/* the realtime clock, between two readings of clock_gettime() */
	clock_gettime(CLOCK_REALTIME, &a);
	real = wgtap_clock_ns(CLOCK_REALTIME);
	clock_gettime(CLOCK_REALTIME, &b);
	ck_assert_uint_ge(real, (uint64_t)a.tv_sec * NS + (uint64_t)a.tv_nsec);
	ck_assert_uint_le(real, (uint64_t)b.tv_sec * NS + (uint64_t)b.tv_nsec);
	/* the monotonic clock never goes back */
	m1 = wgtap_clock_ns(CLOCK_MONOTONIC);
	m2 = wgtap_clock_ns(CLOCK_MONOTONIC);
	ck_assert_uint_le(m1, m2);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_uint_le(m2, (uint64_t)a.tv_sec * NS + (uint64_t)a.tv_nsec);
}
END_TEST

Suite *
wgtap_suite(void)
{
	Suite *s = suite_create("wgtap");
	TCase *tc;

	tc = tcase_create("wgtap_strerror");
	tcase_add_test(tc, test_wgtap_strerror_codes);
	tcase_add_test(tc, test_wgtap_strerror_esys);
	suite_add_tcase(s, tc);
	tc = tcase_create("wgtap_clock_ns");
	tcase_add_test(tc, test_wgtap_clock_ns_clocks);
	suite_add_tcase(s, tc);
	return s;
}
