// SPDX-License-Identifier: MIT
/*
 * Tests for common/dynbuf.c: appends, NUL termination, growth, and the cap:
 * an append that would pass max frees the buffer and fails with
 * WGTAP_ETOOBIG, and the buffer is usable again afterwards.
 */
#include <stdint.h>
#include <string.h>

#include "check_wgtap.h"
#include "dynbuf.h"
#include "wgtap.h"

/* Until check_wgtap.h lists it. */
Suite *dynbuf_suite(void);

START_TEST(test_dynbuf_init_empty)
{
	struct dynbuf b;

	dynbuf_init(&b, 16);
	ck_assert_ptr_null(b.buf);
	ck_assert_uint_eq(dynbuf_len(&b), 0);
	ck_assert_uint_eq(b.max, 16);
	ck_assert_str_eq(dynbuf_str(&b), "");
	dynbuf_free(&b);
	dynbuf_free(&b);	/* twice is harmless */
	ck_assert_str_eq(dynbuf_str(&b), "");
}
END_TEST

START_TEST(test_dynbuf_init_clamp)
{
	struct dynbuf b;

	dynbuf_init(&b, SIZE_MAX);
	ck_assert_uint_eq(b.max, DYNBUF_MAX_LIMIT);
	/* a length that would wrap len + add + 1 is refused, not wrapped */
	ck_assert_int_eq(dynbuf_add(&b, "x", 1), WGTAP_OK);
	ck_assert_int_eq(dynbuf_add(&b, "x", SIZE_MAX), WGTAP_ETOOBIG);
	ck_assert_ptr_null(b.buf);
}
END_TEST

START_TEST(test_dynbuf_add_appends)
{
	struct dynbuf b;

	dynbuf_init(&b, 64);
	ck_assert_int_eq(dynbuf_add(&b, "abc", 3), WGTAP_OK);
	ck_assert_int_eq(dynbuf_add(&b, NULL, 0), WGTAP_OK);
	ck_assert_int_eq(dynbuf_add(&b, "de\0f", 4), WGTAP_OK);
	ck_assert_uint_eq(dynbuf_len(&b), 7);
	ck_assert_mem_eq(b.buf, "abcde\0f", 8);	/* and the final NUL */
	dynbuf_free(&b);
}
END_TEST

START_TEST(test_dynbuf_add_grows)
{
	struct dynbuf b;
	char want[1000];
	size_t i;

	dynbuf_init(&b, sizeof(want));
	for (i = 0; i < sizeof(want); i++) {
		want[i] = (char)('a' + i % 26);
		ck_assert_int_eq(dynbuf_add(&b, &want[i], 1), WGTAP_OK);
		ck_assert_uint_eq(dynbuf_len(&b), i + 1);
		ck_assert_int_eq(b.buf[i + 1], '\0');
		ck_assert_uint_le(b.cap, b.max + 1);
	}
	ck_assert_mem_eq(b.buf, want, sizeof(want));
	/* full to the byte: the NUL still fits, nothing more does */
	ck_assert_uint_eq(b.cap, sizeof(want) + 1);
	ck_assert_int_eq(dynbuf_add(&b, "x", 1), WGTAP_ETOOBIG);
	dynbuf_free(&b);
}
END_TEST

START_TEST(test_dynbuf_add_cap)
{
	struct dynbuf b;

	dynbuf_init(&b, 8);
	ck_assert_int_eq(dynbuf_add(&b, "12345678", 8), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "12345678");
	ck_assert_int_eq(dynbuf_add(&b, "9", 1), WGTAP_ETOOBIG);
	/* freed, not truncated */
	ck_assert_ptr_null(b.buf);
	ck_assert_uint_eq(dynbuf_len(&b), 0);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert_str_eq(dynbuf_str(&b), "");
	/* and usable again, with the same cap */
	ck_assert_int_eq(dynbuf_addstr(&b, "again"), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "again");
	ck_assert_int_eq(dynbuf_addstr(&b, "12345"), WGTAP_ETOOBIG);
	ck_assert_ptr_null(b.buf);

	dynbuf_init(&b, 0);
	ck_assert_int_eq(dynbuf_add(&b, NULL, 0), WGTAP_OK);
	ck_assert_int_eq(dynbuf_add(&b, "x", 1), WGTAP_ETOOBIG);
	ck_assert_ptr_null(b.buf);
}
END_TEST

START_TEST(test_dynbuf_addstr_plain)
{
	struct dynbuf b;

	dynbuf_init(&b, 64);
	ck_assert_int_eq(dynbuf_addstr(&b, ""), WGTAP_OK);
	ck_assert_int_eq(dynbuf_addstr(&b, "host"), WGTAP_OK);
	ck_assert_int_eq(dynbuf_addstr(&b, ";x-amz-date"), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "host;x-amz-date");
	dynbuf_free(&b);
}
END_TEST

START_TEST(test_dynbuf_printf_appends)
{
	struct dynbuf b;

	dynbuf_init(&b, 256);
	ck_assert_int_eq(dynbuf_printf(&b, "%s:%d", "a", 1), WGTAP_OK);
	ck_assert_int_eq(dynbuf_printf(&b, "%s", ""), WGTAP_OK);
	ck_assert_int_eq(dynbuf_printf(&b, ",%03u", 7u), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "a:1,007");
	ck_assert_uint_eq(dynbuf_len(&b), 7);
	dynbuf_free(&b);
}
END_TEST

START_TEST(test_dynbuf_printf_grows)
{
	struct dynbuf b;
	char big[300];

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	dynbuf_init(&b, 1024);
	ck_assert_int_eq(dynbuf_addstr(&b, "<"), WGTAP_OK);
	ck_assert_int_eq(dynbuf_printf(&b, "%s>", big), WGTAP_OK);
	ck_assert_uint_eq(dynbuf_len(&b), sizeof(big) + 1);
	ck_assert_int_eq(b.buf[0], '<');
	ck_assert_int_eq(b.buf[sizeof(big) - 1], 'z');
	ck_assert_int_eq(b.buf[sizeof(big)], '>');
	ck_assert_int_eq(b.buf[sizeof(big) + 1], '\0');
	dynbuf_free(&b);
}
END_TEST

/* Every cap short of the text fails and frees; the exact cap fits. */
START_TEST(test_dynbuf_printf_cap)
{
	const char want[] = "x-amz-date:20150830T123600Z";
	struct dynbuf b;
	size_t cap;

	for (cap = 0; cap < strlen(want); cap++) {
		dynbuf_init(&b, cap);
		ck_assert_int_eq(dynbuf_printf(&b, "%s:%s", "x-amz-date",
		    "20150830T123600Z"), WGTAP_ETOOBIG);
		ck_assert_ptr_null(b.buf);
		ck_assert_uint_eq(dynbuf_len(&b), 0);
	}
	dynbuf_init(&b, strlen(want));
	ck_assert_int_eq(dynbuf_printf(&b, "%s:%s", "x-amz-date",
	    "20150830T123600Z"), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), want);
	dynbuf_free(&b);
}
END_TEST

START_TEST(test_dynbuf_reset_keeps_memory)
{
	struct dynbuf b;
	char *p;

	dynbuf_init(&b, 64);
	ck_assert_int_eq(dynbuf_addstr(&b, "hello"), WGTAP_OK);
	p = b.buf;
	dynbuf_reset(&b);
	ck_assert_uint_eq(dynbuf_len(&b), 0);
	ck_assert_str_eq(dynbuf_str(&b), "");
	ck_assert_ptr_eq(b.buf, p);
	ck_assert_int_eq(dynbuf_addstr(&b, "hi"), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "hi");
	ck_assert_ptr_eq(b.buf, p);
	dynbuf_free(&b);
	dynbuf_reset(&b);	/* on an empty buffer too */
	ck_assert_str_eq(dynbuf_str(&b), "");
}
END_TEST

Suite *
dynbuf_suite(void)
{
	Suite *s = suite_create("dynbuf");
	TCase *tc;

	tc = tcase_create("dynbuf_init");
	tcase_add_test(tc, test_dynbuf_init_empty);
	tcase_add_test(tc, test_dynbuf_init_clamp);
	suite_add_tcase(s, tc);

	tc = tcase_create("dynbuf_add");
	tcase_add_test(tc, test_dynbuf_add_appends);
	tcase_add_test(tc, test_dynbuf_add_grows);
	tcase_add_test(tc, test_dynbuf_add_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("dynbuf_addstr");
	tcase_add_test(tc, test_dynbuf_addstr_plain);
	suite_add_tcase(s, tc);

	tc = tcase_create("dynbuf_printf");
	tcase_add_test(tc, test_dynbuf_printf_appends);
	tcase_add_test(tc, test_dynbuf_printf_grows);
	tcase_add_test(tc, test_dynbuf_printf_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("dynbuf_reset");
	tcase_add_test(tc, test_dynbuf_reset_keeps_memory);
	suite_add_tcase(s, tc);

	return s;
}
