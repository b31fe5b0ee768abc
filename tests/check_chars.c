// SPDX-License-Identifier: MIT
/*
 * Tests for common/chars.h: every class against its members spelled out
 * as a string, for all 256 byte values (so nothing above 0x7f and no
 * control byte sneaks in), the hex digit values, lowercasing, and the hex
 * encoder against known text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "chars.h"
#include "check_wgtap.h"

#define DIGITS	"0123456789"
#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define PUNCT	"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

/* Whether byte c is one of the characters of set (NUL never is). */
static bool
member(const char *set, int c)
{
	return c != 0 && memchr(set, c, strlen(set)) != NULL;
}

/* One class and the exact set of its members. */
struct class_case {
	const char	*name;
	bool		(*fn)(unsigned char c);
	const char	*set;
};

static const struct class_case classes[] = {
	{ "digit", chars_is_digit, DIGITS },
	{ "upper", chars_is_upper, UPPER },
	{ "lower", chars_is_lower, LOWER },
	{ "alpha", chars_is_alpha, UPPER LOWER },
	{ "alnum", chars_is_alnum, UPPER LOWER DIGITS },
	{ "lower_alnum", chars_is_lower_alnum, LOWER DIGITS },
	{ "label", chars_is_label, UPPER LOWER DIGITS "._-" },
	{ "hex", chars_is_hex, DIGITS "ABCDEFabcdef" },
	{ "lower_hex", chars_is_lower_hex, DIGITS "abcdef" },
	{ "blank", chars_is_blank, " \t" },
	{ "graph", chars_is_graph, UPPER LOWER DIGITS PUNCT },
	{ "print", chars_is_print, " " UPPER LOWER DIGITS PUNCT },
};

START_TEST(test_chars_is_classes)
{
	const struct class_case *k = &classes[_i];
	size_t count = 0;
	int c;

	for (c = 0; c < 256; c++) {
		if (k->fn((unsigned char)c) != member(k->set, c))
			ck_abort_msg("chars_is_%s(0x%02x) is %d", k->name, c,
			    k->fn((unsigned char)c));
		count += k->fn((unsigned char)c);
	}
	ck_assert_uint_eq(count, strlen(k->set));
}
END_TEST

START_TEST(test_chars_is_cntrl_all)
{
	size_t count = 0;
	int c;

	for (c = 0; c < 256; c++) {
		ck_assert_int_eq(chars_is_cntrl((unsigned char)c),
		    c < 0x20 || c == 0x7f);
		/* a byte is a control byte, printable, or not ASCII */
		ck_assert_int_eq(chars_is_cntrl((unsigned char)c) +
		    chars_is_print((unsigned char)c), c < 0x80);
		count += chars_is_cntrl((unsigned char)c);
	}
	ck_assert_uint_eq(count, 33);
}
END_TEST

/* A plain char above 0x7f (negative where char is signed) is in no class. */
START_TEST(test_chars_is_signed_char)
{
	const char s[] = "\xe9\xff\x80";
	size_t i, k;

	for (i = 0; i < sizeof(s) - 1; i++) {
		for (k = 0; k < sizeof(classes) / sizeof(classes[0]); k++)
			ck_assert(!classes[k].fn(s[i]));
		ck_assert(!chars_is_cntrl(s[i]));
		ck_assert_int_eq(chars_hex_value(s[i]), -1);
		ck_assert_int_eq(chars_to_lower(s[i]), (unsigned char)s[i]);
	}
}
END_TEST

START_TEST(test_chars_hex_value_all)
{
	static const char lower[] = DIGITS "abcdef", upper[] = DIGITS "ABCDEF";
	int c, want;

	for (c = 0; c < 256; c++) {
		want = -1;
		if (member(lower, c))
			want = (int)(strchr(lower, c) - lower);
		else if (member(upper, c))
			want = (int)(strchr(upper, c) - upper);
		ck_assert_int_eq(chars_hex_value((unsigned char)c), want);
	}
}
END_TEST

START_TEST(test_chars_to_lower_all)
{
	int c;

	for (c = 0; c < 256; c++) {
		if (member(UPPER, c))
			ck_assert_int_eq(chars_to_lower((unsigned char)c),
			    LOWER[strchr(UPPER, c) - UPPER]);
		else
			ck_assert_int_eq(chars_to_lower((unsigned char)c), c);
	}
}
END_TEST

START_TEST(test_chars_hex_encode_bytes)
{
	static const uint8_t in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char out[2 * sizeof(in) + 2];

	memset(out, 'X', sizeof(out));
	chars_hex_encode(in, sizeof(in), out);
	ck_assert_str_eq(out, "00017f80abff");
	ck_assert_int_eq(out[sizeof(out) - 1], 'X');	/* nothing past NUL */
	chars_hex_encode(in, 0, out);
	ck_assert_str_eq(out, "");
}
END_TEST

Suite *
chars_suite(void)
{
	Suite *s = suite_create("chars");
	TCase *tc;

	tc = tcase_create("chars_is");
	tcase_add_loop_test(tc, test_chars_is_classes, 0,
	    sizeof(classes) / sizeof(classes[0]));
	tcase_add_test(tc, test_chars_is_cntrl_all);
	tcase_add_test(tc, test_chars_is_signed_char);
	suite_add_tcase(s, tc);

	tc = tcase_create("chars_hex_value");
	tcase_add_test(tc, test_chars_hex_value_all);
	suite_add_tcase(s, tc);

	tc = tcase_create("chars_to_lower");
	tcase_add_test(tc, test_chars_to_lower_all);
	suite_add_tcase(s, tc);

	tc = tcase_create("chars_hex_encode");
	tcase_add_test(tc, test_chars_hex_encode_bytes);
	suite_add_tcase(s, tc);
	return s;
}
