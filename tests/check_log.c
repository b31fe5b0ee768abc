// SPDX-License-Identifier: MIT
/*
 * Tests for common/log.c: one line, control bytes replaced, cut marked;
 * log_at() prints each level by its name and nothing above the level.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "log.h"

static void
fmt(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	log_format(buf, cap, "prog", "info", f, ap);
	va_end(ap);
}

START_TEST(test_log_format_plain)
{
	char buf[64];

	fmt(buf, sizeof(buf), "rotated %s: %d rows", "wg0", 42);
	ck_assert_str_eq(buf, "prog: info: rotated wg0: 42 rows");
}
END_TEST

START_TEST(test_log_format_control_bytes)
{
	char buf[64];

	fmt(buf, sizeof(buf), "name %s", "a\nb\rc\x1b[31m\x7f");
	ck_assert_str_eq(buf, "prog: info: name a?b?c?[31m?");
}
END_TEST

START_TEST(test_log_format_cut)
{
	char buf[24];

	fmt(buf, sizeof(buf), "%s", "0123456789abcdefghijklmnop");
	ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
	ck_assert_str_eq(buf, "prog: info: 01234567...");
}
END_TEST

START_TEST(test_log_at_levels)
{
	struct errcap cap;
	char *text;

	log_set_level(LOG_LVL_INFO);
	errcap_start(&cap);
	log_at(LOG_LVL_ERROR, "e %d", 1);
	log_at(LOG_LVL_WARN, "w");
	log_at(LOG_LVL_INFO, "i");
	log_at(LOG_LVL_DEBUG, "d");	/* above the level: not printed */
	log_at((enum log_level)99, "x");	/* no such level: nothing */
	log_set_level(LOG_LVL_DEBUG);
	log_at(LOG_LVL_DEBUG, "d");
	text = errcap_end(&cap);
	log_set_level(LOG_LVL_ERROR);
	ck_assert_str_eq(text, "wgtap: error: e 1\n"
	    "wgtap: warning: w\n"
	    "wgtap: info: i\n"
	    "wgtap: debug: d\n");
	free(text);
}
END_TEST

Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log_format");

	tcase_add_test(tc, test_log_format_plain);
	tcase_add_test(tc, test_log_format_control_bytes);
	tcase_add_test(tc, test_log_format_cut);
	suite_add_tcase(s, tc);

	tc = tcase_create("log_at");
	tcase_add_test(tc, test_log_at_levels);
	suite_add_tcase(s, tc);
	return s;
}
