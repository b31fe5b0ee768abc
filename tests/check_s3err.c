// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/s3err.c: the Code and Message of S3 error documents,
 * entities, malformed and hostile bodies, sanitising, and a real document
 * cut at every length (the body is never NUL-terminated).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "s3err.h"
#include "wgtap.h"

static const char error_doc[] =
	"<?xml version='1.0' encoding='UTF-8'?>\n"
	"<Error><Code>SignatureDoesNotMatch</Code><Message>The request "
	"signature we calculated does not match the signature you provided. "
	"Check your key and signing method.</Message><RequestId>tx1"
	"</RequestId></Error>";

START_TEST(test_s3_parse_error_plain)
{
	char code[S3_CODE_SIZE], msg[S3_MESSAGE_SIZE];

	ck_assert_int_eq(s3_parse_error(error_doc, strlen(error_doc), code,
	    msg), WGTAP_OK);
	ck_assert_str_eq(code, "SignatureDoesNotMatch");
	ck_assert_str_eq(msg, "The request signature we calculated does not "
	    "match the signature you provided. Check your key and signing "
	    "method.");
}
END_TEST

START_TEST(test_s3_parse_error_entities)
{
	const char *doc = "<Error><Message>a &amp; b &lt;c&gt; &quot;d&quot; "
	    "&apos;e&apos; &#65;&#x42;&#X43; &#10; &#x1F600; &bogus; & &#; "
	    "&#x; &#12345678901234;</Message><Code>No&amp;Such</Code></Error>";
	char code[S3_CODE_SIZE], msg[S3_MESSAGE_SIZE];

	ck_assert_int_eq(s3_parse_error(doc, strlen(doc), code, msg),
	    WGTAP_OK);
	ck_assert_str_eq(code, "No&Such");
	ck_assert_str_eq(msg, "a & b <c> \"d\" 'e' ABC ? ? &bogus; & &#; "
	    "&#x; &#12345678901234;");
}
END_TEST

START_TEST(test_s3_parse_error_malformed)
{
	char code[S3_CODE_SIZE], msg[S3_MESSAGE_SIZE];
	const char *doc;

	ck_assert_int_eq(s3_parse_error(NULL, 0, code, msg), WGTAP_EFORMAT);
	ck_assert_int_eq(s3_parse_error("", 0, code, msg), WGTAP_EFORMAT);
	doc = "<html><body>503 Service Unavailable</body></html>";
	ck_assert_int_eq(s3_parse_error(doc, strlen(doc), code, msg),
	    WGTAP_EFORMAT);
	ck_assert_str_eq(code, "");
	ck_assert_str_eq(msg, "");
	doc = "<Error><Code>NoSuchBucket";
	ck_assert_int_eq(s3_parse_error(doc, strlen(doc), code, msg),
	    WGTAP_EFORMAT);
	doc = "<Error><Code></Code></Error>";
	ck_assert_int_eq(s3_parse_error(doc, strlen(doc), code, msg),
	    WGTAP_EFORMAT);
	doc = "</Code><Code>X</Code>";
	ck_assert_int_eq(s3_parse_error(doc, strlen(doc), code, msg),
	    WGTAP_OK);
	ck_assert_str_eq(code, "X");
	/* The length bounds the search, not a NUL. */
	doc = "<Code>AccessDenied</Code>";
	ck_assert_int_eq(s3_parse_error(doc, strlen(doc) - 1, code, msg),
	    WGTAP_EFORMAT);
}
END_TEST

START_TEST(test_s3_parse_error_sanitised)
{
	char code[S3_CODE_SIZE], msg[S3_MESSAGE_SIZE], doc[2048];
	size_t i;
	int n;

	/* Control bytes and non-ASCII become '?': nothing can forge a line. */
	n = snprintf(doc, sizeof(doc), "<Code>A\nB\x1b[1m</Code>"
	    "<Message>caf\xc3\xa9\r\n\tx\x7f</Message>");
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(s3_parse_error(doc, (size_t)n, code, msg), WGTAP_OK);
	ck_assert_str_eq(code, "A?B?[1m");
	ck_assert_str_eq(msg, "caf?????x?");

	/* Long texts are cut to fit. */
	memcpy(doc, "<Code>", 6);
	memset(doc + 6, 'C', 500);
	memcpy(doc + 506, "</Code><Message>", 16);
	memset(doc + 522, 'M', 1000);
	memcpy(doc + 1522, "</Message>", 10);
	ck_assert_int_eq(s3_parse_error(doc, 1532, code, msg), WGTAP_OK);
	ck_assert_uint_eq(strlen(code), S3_CODE_SIZE - 1);
	ck_assert_uint_eq(strlen(msg), S3_MESSAGE_SIZE - 1);
	for (i = 0; i < S3_CODE_SIZE - 1; i++)
		ck_assert_int_eq(code[i], 'C');
}
END_TEST

/* Cut a valid document at every length: never a read past len. */
START_TEST(test_s3_parse_error_cut)
{
	size_t len = (size_t)_i, need;
	char code[S3_CODE_SIZE], msg[S3_MESSAGE_SIZE];
	char *copy = malloc(len ? len : 1);
	int r;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, error_doc, len);
	r = s3_parse_error(copy, len, code, msg);
	/* the Code element is complete from this length on */
	need = (size_t)(strstr(error_doc, "</Code>") - error_doc) +
	    strlen("</Code>");
	if (len >= need) {
		ck_assert_int_eq(r, WGTAP_OK);
		ck_assert_str_eq(code, "SignatureDoesNotMatch");
	} else {
		ck_assert_int_eq(r, WGTAP_EFORMAT);
		ck_assert_str_eq(code, "");
	}
	free(copy);
}
END_TEST

Suite *
s3err_suite(void)
{
	Suite *s = suite_create("s3err");
	TCase *tc;

	tc = tcase_create("s3_parse_error");
	tcase_add_test(tc, test_s3_parse_error_plain);
	tcase_add_test(tc, test_s3_parse_error_entities);
	tcase_add_test(tc, test_s3_parse_error_malformed);
	tcase_add_test(tc, test_s3_parse_error_sanitised);
	tcase_add_loop_test(tc, test_s3_parse_error_cut, 0,
	    (int)sizeof(error_doc));
	suite_add_tcase(s, tc);
	return s;
}
