// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/imdsdoc.c: the ISO 8601 expiry (checked against
 * glibc's timegm()), the credentials document (good, shuffled, escaped,
 * with every other JSON type around it, expired; and bad in each way the
 * parser refuses, cut at every length) and the role name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_wgtap.h"
#include "imdsdoc.h"
#include "wgtap.h"

/* The reference: glibc's timegm() on the same broken-down time. */
static time_t
ref_time(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static int
ptime(const char *s, time_t *t)
{
	return imds_parse_time(s, strlen(s), t);
}

START_TEST(test_imds_parse_time_good)
{
	time_t t;

	ck_assert_int_eq(ptime("2026-11-24T14:02:31Z", &t), WGTAP_OK);
	ck_assert_int_eq(t, ref_time(2026, 11, 24, 14, 2, 31));
	ck_assert_int_eq(ptime("2017-05-17T15:09:54Z", &t), WGTAP_OK);
	ck_assert_int_eq(t, 1495033794);
	ck_assert_int_eq(ptime("1970-01-01T00:00:00Z", &t), WGTAP_OK);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(ptime("2026-11-24T14:02:31.123456Z", &t), WGTAP_OK);
	ck_assert_int_eq(t, ref_time(2026, 11, 24, 14, 2, 31));
	ck_assert_int_eq(ptime("2026-11-24T15:02:31+01:00", &t), WGTAP_OK);
	ck_assert_int_eq(t, ref_time(2026, 11, 24, 14, 2, 31));
	ck_assert_int_eq(ptime("2026-11-24T08:32:31-05:30", &t), WGTAP_OK);
	ck_assert_int_eq(t, ref_time(2026, 11, 24, 14, 2, 31));
	ck_assert_int_eq(ptime("2024-02-29T23:59:59Z", &t), WGTAP_OK);
	ck_assert_int_eq(t, ref_time(2024, 2, 29, 23, 59, 59));
	ck_assert_int_eq(ptime("2000-02-29T00:00:00Z", &t), WGTAP_OK);
	ck_assert_int_eq(t, ref_time(2000, 2, 29, 0, 0, 0));
	ck_assert_int_eq(ptime("9999-12-31T23:59:59Z", &t), WGTAP_OK);
	ck_assert_int_eq(t, ref_time(9999, 12, 31, 23, 59, 59));
	/* Only len bytes are read: the rest of the buffer is not looked at. */
	ck_assert_int_eq(imds_parse_time("2026-11-24T14:02:31Zjunk", 20, &t),
	    WGTAP_OK);
	ck_assert_int_eq(t, ref_time(2026, 11, 24, 14, 2, 31));
}
END_TEST

START_TEST(test_imds_parse_time_bad)
{
	static const char *const bad[] = {
		"", "2026", "2026-11-24", "2026-11-24T14:02:31",
		"2026-11-24 14:02:31Z", "2026-11-24t14:02:31Z",
		"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-11-31T00:00:00Z", "2026-11-00T00:00:00Z",
		"2023-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
		"2026-11-24T24:00:00Z", "2026-11-24T14:60:00Z",
		"2026-11-24T14:02:61Z", "2026-11-24T14:02:31.Z",
		"2026-11-24T14:02:31Zjunk", "2026-11-24T14:02:31+0100",
		"2026-11-24T14:02:31+01", "2026-11-24T14:02:31+24:00",
		"1969-12-31T23:59:59Z", "1970-01-01T00:30:00+01:00",
		"+2026-11-24T14:02:31Z", "2026-1-24T14:02:31Z",
		"2026-11-24T14:02:3aZ", "２026-11-24T14:02:31Z",
	};
	size_t i;
	time_t t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 1;
		ck_assert_msg(ptime(bad[i], &t) == WGTAP_EFORMAT, "%s", bad[i]);
		ck_assert_int_eq(t, 0);
	}
	/* Cut short by len. */
	ck_assert_int_eq(imds_parse_time("2026-11-24T14:02:31Z", 19, &t),
	    WGTAP_EFORMAT);
}
END_TEST

/* A document as IMDS sends it. */
static const char good_doc[] =
	"{\n"
	"  \"Code\" : \"Success\",\n"
	"  \"LastUpdated\" : \"2026-11-24T13:47:12Z\",\n"
	"  \"Type\" : \"AWS-HMAC\",\n"
	"  \"AccessKeyId\" : \"ASIAEXAMPLEKEYID0001\",\n"
	"  \"SecretAccessKey\" : "
	    "\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\",\n"
	"  \"Token\" : \"IQoJb3JpZ2luX2VjEXAMPLETOKEN==\",\n"
	"  \"Expiration\" : \"2026-11-24T20:12:45Z\"\n"
	"}";

static int
pcreds(const char *doc, struct imds_creds *c)
{
	return imds_parse_creds(doc, strlen(doc), c);
}

START_TEST(test_imds_parse_creds_good)
{
	struct imds_creds c;

	ck_assert_int_eq(pcreds(good_doc, &c), WGTAP_OK);
	ck_assert_str_eq(c.code, "Success");
	ck_assert_str_eq(c.access_key_id, "ASIAEXAMPLEKEYID0001");
	ck_assert_str_eq(c.secret_access_key,
	    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
	ck_assert_str_eq(c.token, "IQoJb3JpZ2luX2VjEXAMPLETOKEN==");
	ck_assert_str_eq(c.expiration_text, "2026-11-24T20:12:45Z");
	ck_assert_int_eq(c.expiration, ref_time(2026, 11, 24, 20, 12, 45));
	imds_creds_wipe(&c);
	ck_assert_str_eq(c.access_key_id, "");
	ck_assert_str_eq(c.secret_access_key, "");
}
END_TEST

START_TEST(test_imds_parse_creds_shapes)
{
	struct imds_creds c;

	/* Any order, no whitespace, escapes, other members of every type. */
	ck_assert_int_eq(pcreds(
	    "{\"Expiration\":\"2026-11-24T20:12:45Z\",\"Token\":\"t\\/k\","
	    "\"n\":-12.5e+3,\"o\":{\"a\":[1,true,false,null,{\"b\":[]}]},"
	    "\"SecretAccessKey\":\"s\\u0041\\u00e9\\ud83d\\ude00\\\\\\\"x\","
	    "\"AccessKeyId\":\"AKID\",\"e\":[],\"z\":0,\"Code\":\"Success\"}",
	    &c), WGTAP_OK);
	ck_assert_str_eq(c.access_key_id, "AKID");
	ck_assert_str_eq(c.secret_access_key,
	    "sA\xc3\xa9\xf0\x9f\x98\x80\\\"x");
	ck_assert_str_eq(c.token, "t/k");
	/* Whitespace of all four kinds around everything. */
	ck_assert_int_eq(pcreds(
	    " \t\r\n{ \"Code\" :\t\"Success\" ,\r\n\"AccessKeyId\"\n:\"A\","
	    "\"SecretAccessKey\":\"S\",\"Token\":\"\",\"Expiration\":"
	    "\"2026-11-24T20:12:45Z\" } \n", &c), WGTAP_OK);
	ck_assert_str_eq(c.token, "");
	/* Nesting up to the bound is skipped. */
	ck_assert_int_eq(pcreds(
	    "{\"x\":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]],\"Code\":\"Success\","
	    "\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\","
	    "\"Expiration\":\"2026-11-24T20:12:45Z\"}", &c), WGTAP_OK);
	imds_creds_wipe(&c);
}
END_TEST

START_TEST(test_imds_parse_creds_expired)
{
	struct imds_creds c;

	/* The parser reports the time; deciding it is past is the caller's. */
	ck_assert_int_eq(pcreds(
	    "{\"Code\":\"Success\",\"AccessKeyId\":\"A\","
	    "\"SecretAccessKey\":\"S\",\"Token\":\"T\","
	    "\"Expiration\":\"2001-02-03T04:05:06Z\"}", &c), WGTAP_OK);
	ck_assert_int_eq(c.expiration, ref_time(2001, 2, 3, 4, 5, 6));
	ck_assert_int_lt(c.expiration, time(NULL));
	imds_creds_wipe(&c);
}
END_TEST

/* Build {"Code":..., ...} with one member replaced or added. */
static const char *const members[] = {
	"\"Code\":\"Success\"", "\"AccessKeyId\":\"AKID\"",
	"\"SecretAccessKey\":\"SECRET\"", "\"Token\":\"TOKEN\"",
	"\"Expiration\":\"2026-11-24T20:12:45Z\"",
};

static char *
doc_with(int replace, const char *member)
{
	static char buf[32768];
	size_t i, n = 0;

	buf[n++] = '{';
	for (i = 0; i < 5; i++) {
		const char *m = (int)i == replace ? member : members[i];

		if (!m)
			continue;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    n > 1 ? "," : "", m);
	}
	if (replace < 0)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",%s", member);
	snprintf(buf + n, sizeof(buf) - n, "}");
	return buf;
}

static void
bad_doc(const char *doc)
{
	struct imds_creds c;

	memset(&c, 'x', sizeof(c));
	ck_assert_msg(pcreds(doc, &c) == WGTAP_EFORMAT, "%s", doc);
	/* Nothing of the keys is left behind. */
	ck_assert_str_eq(c.access_key_id, "");
	ck_assert_str_eq(c.secret_access_key, "");
	ck_assert_str_eq(c.token, "");
	ck_assert_int_eq(c.expiration, 0);
}

START_TEST(test_imds_parse_creds_bad)
{
	struct imds_creds c;
	char *long_secret, *long_token, member[20000];

	/* The sound document with one thing wrong at a time. */
	ck_assert_int_eq(pcreds(doc_with(-1, "\"x\":1"), &c), WGTAP_OK);
	bad_doc(doc_with(0, NULL));			/* each one missing */
	bad_doc(doc_with(1, NULL));
	bad_doc(doc_with(2, NULL));
	bad_doc(doc_with(3, NULL));
	bad_doc(doc_with(4, NULL));
	bad_doc(doc_with(-1, "\"AccessKeyId\":\"AKID\""));	/* twice */
	bad_doc(doc_with(1, "\"AccessKeyId\":42"));	/* not a string */
	bad_doc(doc_with(3, "\"Token\":null"));
	bad_doc(doc_with(1, "\"AccessKeyId\":\"\""));	/* empty */
	bad_doc(doc_with(2, "\"SecretAccessKey\":\"\""));
	bad_doc(doc_with(1, "\"AccessKeyId\":\"A\\nB\""));	/* control */
	bad_doc(doc_with(2, "\"SecretAccessKey\":\"a\\u0001\""));
	bad_doc(doc_with(3, "\"Token\":\"a\tb\""));	/* raw control */
	bad_doc(doc_with(3, "\"Token\":\"a\\u007fb\""));
	bad_doc(doc_with(2, "\"SecretAccessKey\":\"a\\u0000b\""));
	bad_doc(doc_with(2, "\"SecretAccessKey\":\"\\ud800\""));
	bad_doc(doc_with(2, "\"SecretAccessKey\":\"\\udc00x\""));
	bad_doc(doc_with(2, "\"SecretAccessKey\":\"\\ud800\\u0041\""));
	bad_doc(doc_with(2, "\"SecretAccessKey\":\"\\x41\""));
	bad_doc(doc_with(2, "\"SecretAccessKey\":\"\\u12G4\""));
	bad_doc(doc_with(4, "\"Expiration\":\"tomorrow\""));
	bad_doc(doc_with(4, "\"Expiration\":\"2026-11-24T20:12:45\""));
	bad_doc(doc_with(-1, "\"x\":01"));		/* bad numbers */
	bad_doc(doc_with(-1, "\"x\":1."));
	bad_doc(doc_with(-1, "\"x\":.5"));
	bad_doc(doc_with(-1, "\"x\":1e"));
	bad_doc(doc_with(-1, "\"x\":-"));
	bad_doc(doc_with(-1, "\"x\":+1"));
	bad_doc(doc_with(-1, "\"x\":tru"));		/* bad literals */
	bad_doc(doc_with(-1, "\"x\":nul"));
	bad_doc(doc_with(-1, "\"x\":[1,]"));		/* bad containers */
	bad_doc(doc_with(-1, "\"x\":{\"a\"}"));
	bad_doc(doc_with(-1, "\"x\":{\"a\":1,}"));
	bad_doc(doc_with(-1, "\"x\":[1 2]"));
	bad_doc(doc_with(-1,
	    "\"x\":[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]"));	/* too deep */
	bad_doc(doc_with(-1, "x:1"));			/* unquoted name */

	/* Codes other than Success; the code is kept, sanitised. */
	ck_assert_int_eq(pcreds(doc_with(0,
	    "\"Code\":\"AssumeRoleUnauthorizedAccess\""), &c), WGTAP_EFORMAT);
	ck_assert_str_eq(c.code, "AssumeRoleUnauthorizedAccess");
	ck_assert_str_eq(c.access_key_id, "");
	ck_assert_int_eq(pcreds(doc_with(0, "\"Code\":\"Bad\\u001b[31m\""),
	    &c), WGTAP_EFORMAT);
	ck_assert_str_eq(c.code, "Bad?[31m");
	ck_assert_int_eq(pcreds(doc_with(0, "\"Code\":\"success\""), &c),
	    WGTAP_EFORMAT);

	/* Not one object. */
	bad_doc("");
	bad_doc("{}");
	bad_doc("[]");
	bad_doc("\"Success\"");
	bad_doc("null");
	bad_doc(doc_with(-1, "\"x\":1} {"));
	ck_assert_int_eq(pcreds(good_doc, &c), WGTAP_OK);
	{
		char two[sizeof(good_doc) + 4];

		snprintf(two, sizeof(two), "%s }", good_doc);
		bad_doc(two);
		snprintf(two, sizeof(two), "%sx", good_doc);
		bad_doc(two);
	}

	/* Size caps: the secret and the token. */
	long_secret = malloc(SIGV4_MAX_SECRET + 2);
	ck_assert_ptr_nonnull(long_secret);
	memset(long_secret, 's', SIGV4_MAX_SECRET);
	long_secret[SIGV4_MAX_SECRET] = '\0';
	snprintf(member, sizeof(member), "\"SecretAccessKey\":\"%s\"",
	    long_secret);
	ck_assert_int_eq(pcreds(doc_with(2, member), &c), WGTAP_OK);
	ck_assert_uint_eq(strlen(c.secret_access_key), SIGV4_MAX_SECRET);
	snprintf(member, sizeof(member), "\"SecretAccessKey\":\"%ss\"",
	    long_secret);
	bad_doc(doc_with(2, member));
	free(long_secret);
	long_token = malloc(IMDS_TOKEN_MAX + 2);
	ck_assert_ptr_nonnull(long_token);
	memset(long_token, 't', IMDS_TOKEN_MAX + 1);
	long_token[IMDS_TOKEN_MAX + 1] = '\0';
	snprintf(member, sizeof(member), "\"Token\":\"%s\"", long_token);
	bad_doc(doc_with(3, member));
	long_token[IMDS_TOKEN_MAX] = '\0';
	snprintf(member, sizeof(member), "\"Token\":\"%s\"", long_token);
	ck_assert_int_eq(pcreds(doc_with(3, member), &c), WGTAP_OK);
	ck_assert_uint_eq(strlen(c.token), IMDS_TOKEN_MAX);
	free(long_token);
	imds_creds_wipe(&c);
}
END_TEST

/* The good document cut at every length: only the whole one parses. */
START_TEST(test_imds_parse_creds_cut)
{
	size_t len = (size_t)_i;
	struct imds_creds c;
	char *buf = malloc(len ? len : 1);
	int r;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, good_doc, len);
	r = imds_parse_creds(buf, len, &c);
	if (len == sizeof(good_doc) - 1) {
		ck_assert_int_eq(r, WGTAP_OK);
		ck_assert_str_eq(c.access_key_id, "ASIAEXAMPLEKEYID0001");
	} else {
		ck_assert_int_eq(r, WGTAP_EFORMAT);
		ck_assert_str_eq(c.access_key_id, "");
		ck_assert_str_eq(c.secret_access_key, "");
		ck_assert_str_eq(c.token, "");
	}
	imds_creds_wipe(&c);
	free(buf);
}
END_TEST

START_TEST(test_imds_parse_role_cases)
{
	char role[IMDS_ROLE_SIZE], name[IMDS_ROLE_MAX + 2];

	ck_assert_int_eq(imds_parse_role("wgtap-ship\n", 11, role), WGTAP_OK);
	ck_assert_str_eq(role, "wgtap-ship");
	ck_assert_int_eq(imds_parse_role("a+=,.@_-Z9\r\nsecond\n", 19, role),
	    WGTAP_OK);
	ck_assert_str_eq(role, "a+=,.@_-Z9");
	ck_assert_int_eq(imds_parse_role("  gw \t", 6, role), WGTAP_OK);
	ck_assert_str_eq(role, "gw");
	ck_assert_int_eq(imds_parse_role("gwXXXX", 2, role), WGTAP_OK);
	ck_assert_str_eq(role, "gw");
	ck_assert_int_eq(imds_parse_role("", 0, role), WGTAP_EFORMAT);
	ck_assert_str_eq(role, "");
	ck_assert_int_eq(imds_parse_role("\nrole\n", 6, role), WGTAP_EFORMAT);
	ck_assert_int_eq(imds_parse_role("../x", 4, role), WGTAP_EFORMAT);
	ck_assert_int_eq(imds_parse_role("a/b", 3, role), WGTAP_EFORMAT);
	ck_assert_int_eq(imds_parse_role("a b", 3, role), WGTAP_EFORMAT);
	ck_assert_int_eq(imds_parse_role("a?b", 3, role), WGTAP_EFORMAT);
	ck_assert_int_eq(imds_parse_role("r\xc3\xa9", 3, role), WGTAP_EFORMAT);
	/* NUL bytes (found by fuzzing: strchr() matched the terminator). */
	ck_assert_int_eq(imds_parse_role("\t\0\0\0\0\0\0\0\n", 9, role),
	    WGTAP_EFORMAT);
	ck_assert_str_eq(role, "");
	ck_assert_int_eq(imds_parse_role("ro\0le", 5, role), WGTAP_EFORMAT);
	memset(name, 'r', sizeof(name));
	ck_assert_int_eq(imds_parse_role(name, IMDS_ROLE_MAX, role), WGTAP_OK);
	ck_assert_uint_eq(strlen(role), IMDS_ROLE_MAX);
	ck_assert_int_eq(imds_parse_role(name, IMDS_ROLE_MAX + 1, role),
	    WGTAP_EFORMAT);
}
END_TEST

Suite *
imdsdoc_suite(void)
{
	Suite *s = suite_create("imdsdoc");
	TCase *tc;

	tc = tcase_create("imds_parse_time");
	tcase_add_test(tc, test_imds_parse_time_good);
	tcase_add_test(tc, test_imds_parse_time_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("imds_parse_creds");
	tcase_add_test(tc, test_imds_parse_creds_good);
	tcase_add_test(tc, test_imds_parse_creds_shapes);
	tcase_add_test(tc, test_imds_parse_creds_expired);
	tcase_add_test(tc, test_imds_parse_creds_bad);
	tcase_add_loop_test(tc, test_imds_parse_creds_cut, 0,
	    (int)sizeof(good_doc));
	suite_add_tcase(s, tc);

	tc = tcase_create("imds_parse_role");
	tcase_add_test(tc, test_imds_parse_role_cases);
	suite_add_tcase(s, tc);
	return s;
}
