// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/imds.c: the ISO 8601 expiry (checked against
 * glibc's timegm()), the credentials document (good, shuffled, escaped,
 * with every other JSON type around it, expired; and bad in each way the
 * parser refuses, cut at every length), the role name, the endpoint
 * checks and the environment, and imds_fetch() against a loopback port
 * that refuses connections and one that accepts but never answers: both
 * must end quickly, with one line that names the step.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check_wgtap.h"
#include "imds.h"
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

START_TEST(test_imds_endpoint_ok_cases)
{
	char url[IMDS_ENDPOINT_MAX + 2];

	ck_assert(imds_endpoint_ok("http://169.254.169.254"));
	ck_assert(imds_endpoint_ok("http://169.254.169.254/"));
	ck_assert(imds_endpoint_ok("http://127.0.0.1:8080"));
	ck_assert(imds_endpoint_ok("https://imds.example:65535/"));
	ck_assert(imds_endpoint_ok("http://[fd00:ec2::254]"));
	ck_assert(imds_endpoint_ok("http://[::1]:1338/"));
	ck_assert(!imds_endpoint_ok(""));
	ck_assert(!imds_endpoint_ok("169.254.169.254"));
	ck_assert(!imds_endpoint_ok("ftp://169.254.169.254"));
	ck_assert(!imds_endpoint_ok("http://"));
	ck_assert(!imds_endpoint_ok("http://:80"));
	ck_assert(!imds_endpoint_ok("http://h:0"));
	ck_assert(!imds_endpoint_ok("http://h:65536"));
	ck_assert(!imds_endpoint_ok("http://h:"));
	ck_assert(!imds_endpoint_ok("http://h:123456"));
	ck_assert(!imds_endpoint_ok("http://h/latest"));
	ck_assert(!imds_endpoint_ok("http://h//"));
	ck_assert(!imds_endpoint_ok("http://user@h"));
	ck_assert(!imds_endpoint_ok("http://h?x"));
	ck_assert(!imds_endpoint_ok("http://h x"));
	ck_assert(!imds_endpoint_ok("http://[::1"));
	ck_assert(!imds_endpoint_ok("http://[]"));
	ck_assert(!imds_endpoint_ok("http://h\n"));
	memset(url, 'a', sizeof(url));
	memcpy(url, "http://", 7);
	url[IMDS_ENDPOINT_MAX] = '\0';
	ck_assert(imds_endpoint_ok(url));
	url[IMDS_ENDPOINT_MAX] = 'a';
	url[IMDS_ENDPOINT_MAX + 1] = '\0';
	ck_assert(!imds_endpoint_ok(url));
}
END_TEST

static void
clear_imds_env(void)
{
	unsetenv("AWS_EC2_METADATA_DISABLED");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
}

START_TEST(test_imds_config_init_env)
{
	struct imds_config cfg;

	clear_imds_env();
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert_str_eq(cfg.endpoint, "http://169.254.169.254");
	ck_assert(!cfg.disabled && !cfg.endpoint_given);
	ck_assert_int_eq(cfg.connect_ms, IMDS_CONNECT_MS);
	ck_assert_int_eq(cfg.request_ms, IMDS_REQUEST_MS);
	ck_assert_uint_eq(cfg.token_ttl, IMDS_TOKEN_TTL);

	setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert(cfg.disabled);
	setenv("AWS_EC2_METADATA_DISABLED", "yes", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert(!cfg.disabled);
	setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert(!cfg.disabled);

	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv6", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert_str_eq(cfg.endpoint, "http://[fd00:ec2::254]");
	ck_assert(!cfg.endpoint_given);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert_str_eq(cfg.endpoint, "http://127.0.0.1:9");
	ck_assert(cfg.endpoint_given);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "127.0.0.1:9", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_EFORMAT);
	ck_assert_str_eq(cfg.endpoint, "http://169.254.169.254");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "", 1);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_EFORMAT);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv4", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert_str_eq(cfg.endpoint, "http://169.254.169.254");
	clear_imds_env();
}
END_TEST

/* What the firmware files of EC2 instances say, and of other machines. */
START_TEST(test_imds_looks_like_ec2_cases)
{
	/* Nitro: DMI */
	ck_assert(imds_looks_like_ec2("Amazon EC2\n", NULL));
	ck_assert(imds_looks_like_ec2("Amazon EC2", ""));
	ck_assert(imds_looks_like_ec2("Amazon EC2 \r\n", NULL));
	/* Xen: the hypervisor's UUID */
	ck_assert(imds_looks_like_ec2(NULL,
	    "ec2e1916-9099-7caf-fd21-012345abcdef\n"));
	ck_assert(imds_looks_like_ec2("Xen\n",
	    "EC2E1916-9099-7CAF-FD21-012345ABCDEF\n"));
	/* anything else */
	ck_assert(!imds_looks_like_ec2(NULL, NULL));
	ck_assert(!imds_looks_like_ec2("", ""));
	ck_assert(!imds_looks_like_ec2("QEMU\n", NULL));
	ck_assert(!imds_looks_like_ec2("Amazon EC2 Clone\n", NULL));
	ck_assert(!imds_looks_like_ec2("Amazon\n", "e2c0\n"));
	ck_assert(!imds_looks_like_ec2("Microsoft Corporation\n",
	    "4d2e8b1a-0000-0000-0000-000000000000\n"));
}
END_TEST

/*
 * A loopback TCP socket on a port of its own: listening (connections are
 * accepted by the kernel and never answered) or only bound (connections
 * are refused). Returns the fd; *port gets the port.
 */
static int
loopback_socket(bool listening, unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ne(fd, -1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening)
		ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static double
now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
curl_up(void)
{
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
}

static void
curl_down(void)
{
	curl_global_cleanup();
}

START_TEST(test_imds_fetch_refused)
{
	char role[IMDS_ROLE_SIZE], why[IMDS_ERROR_SIZE], want[64];
	struct imds_config cfg;
	struct imds_creds c;
	unsigned port;
	double t0, took;
	int fd;

	clear_imds_env();
	fd = loopback_socket(false, &port);
	snprintf(want, sizeof(want), "http://127.0.0.1:%u", port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", want, 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	t0 = now_secs();
	ck_assert_int_eq(imds_fetch(&cfg, &c, role, why), WGTAP_ENET);
	took = now_secs() - t0;
	ck_assert_msg(took < 0.5, "a refused connection took %.3f s", took);
	ck_assert_msg(strstr(why, want) && strstr(why, "token request"),
	    "%s", why);
	ck_assert_str_eq(c.access_key_id, "");
	ck_assert_str_eq(role, "");
	close(fd);
	clear_imds_env();
}
END_TEST

START_TEST(test_imds_fetch_silent)
{
	char role[IMDS_ROLE_SIZE], why[IMDS_ERROR_SIZE], url[64];
	struct imds_config cfg;
	struct imds_creds c;
	unsigned port;
	double t0, took;
	int fd;

	clear_imds_env();
	fd = loopback_socket(true, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	cfg.request_ms = 300;
	t0 = now_secs();
	ck_assert_int_eq(imds_fetch(&cfg, &c, role, why), WGTAP_ENET);
	took = now_secs() - t0;
	ck_assert_msg(took >= 0.25 && took < 1.0,
	    "a silent server took %.3f s", took);
	ck_assert_msg(strstr(why, "token request") != NULL, "%s", why);
	close(fd);
	clear_imds_env();
}
END_TEST

Suite *
imds_suite(void)
{
	Suite *s = suite_create("imds");
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

	tc = tcase_create("imds_config");
	tcase_add_test(tc, test_imds_endpoint_ok_cases);
	tcase_add_test(tc, test_imds_config_init_env);
	tcase_add_test(tc, test_imds_looks_like_ec2_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("imds_fetch");
	tcase_add_unchecked_fixture(tc, curl_up, curl_down);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_imds_fetch_refused);
	tcase_add_test(tc, test_imds_fetch_silent);
	suite_add_tcase(s, tc);
	return s;
}
