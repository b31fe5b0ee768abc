// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/s3name.c: bucket names, host labels and key
 * prefixes, endpoint URLs and the choice of addressing, the object key
 * layout and content type of a segment, and request targets (URL, Host
 * header, signed path) in both addressing styles.
 */
#include <string.h>

#include "check_wgtap.h"
#include "dynbuf.h"
#include "s3name.h"
#include "spool.h"
#include "wgtap.h"

#define SEG	"wg0-20261124T140231.123456789Z-000042.csv.gz"

START_TEST(test_s3_bucket_ok_cases)
{
	ck_assert(s3_bucket_ok("abc"));
	ck_assert(s3_bucket_ok("wgtap-logs.example"));
	ck_assert(s3_bucket_ok("0bucket9"));
	ck_assert(s3_bucket_ok(
	    "a23456789012345678901234567890123456789012345678901234567890123"));
	ck_assert(!s3_bucket_ok(
	    "a2345678901234567890123456789012"
	    "34567890123456789012345678901234"));
	ck_assert(!s3_bucket_ok(""));
	ck_assert(!s3_bucket_ok("ab"));
	ck_assert(!s3_bucket_ok("Bucket"));
	ck_assert(!s3_bucket_ok("bu_cket"));
	ck_assert(!s3_bucket_ok("-bucket"));
	ck_assert(!s3_bucket_ok("bucket-"));
	ck_assert(!s3_bucket_ok(".bucket"));
	ck_assert(!s3_bucket_ok("buck..et"));
	ck_assert(!s3_bucket_ok("192.168.1.1"));
	ck_assert(s3_bucket_ok("192.168.1.1a"));
	ck_assert(!s3_bucket_ok("buc ket"));
}
END_TEST

START_TEST(test_s3_host_label_ok_cases)
{
	ck_assert(s3_host_label_ok("gw1"));
	ck_assert(s3_host_label_ok("gw-1.example_org"));
	ck_assert(s3_host_label_ok("G"));
	ck_assert(s3_host_label_ok(
	    "a23456789012345678901234567890123456789012345678901234567890123"));
	ck_assert(!s3_host_label_ok(
	    "a2345678901234567890123456789012"
	    "34567890123456789012345678901234"));
	ck_assert(!s3_host_label_ok(""));
	ck_assert(!s3_host_label_ok("a/b"));
	ck_assert(!s3_host_label_ok("a=b"));
	ck_assert(!s3_host_label_ok("a b"));
	ck_assert(!s3_host_label_ok("h\xc3\xa9"));
}
END_TEST

START_TEST(test_s3_prefix_normalize_cases)
{
	char out[S3_PREFIX_SIZE], in[S3_PREFIX_MAX + 2];

	ck_assert_int_eq(s3_prefix_normalize("", out), WGTAP_OK);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(s3_prefix_normalize("wgtap", out), WGTAP_OK);
	ck_assert_str_eq(out, "wgtap/");
	ck_assert_int_eq(s3_prefix_normalize("wgtap/", out), WGTAP_OK);
	ck_assert_str_eq(out, "wgtap/");
	ck_assert_int_eq(s3_prefix_normalize("logs/wg.v1/x", out), WGTAP_OK);
	ck_assert_str_eq(out, "logs/wg.v1/x/");
	ck_assert_int_eq(s3_prefix_normalize("a..b/...", out), WGTAP_OK);
	ck_assert_str_eq(out, "a..b/.../");

	ck_assert_int_eq(s3_prefix_normalize("/abs", out), WGTAP_EFORMAT);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(s3_prefix_normalize("a//b", out), WGTAP_EFORMAT);
	ck_assert_int_eq(s3_prefix_normalize("a/./b", out), WGTAP_EFORMAT);
	ck_assert_int_eq(s3_prefix_normalize("a/..", out), WGTAP_EFORMAT);
	ck_assert_int_eq(s3_prefix_normalize("../a", out), WGTAP_EFORMAT);
	ck_assert_int_eq(s3_prefix_normalize(".", out), WGTAP_EFORMAT);
	ck_assert_int_eq(s3_prefix_normalize("a\nb", out), WGTAP_EFORMAT);
	ck_assert_int_eq(s3_prefix_normalize("a\x7f", out), WGTAP_EFORMAT);
	ck_assert_int_eq(s3_prefix_normalize("caf\xc3\xa9", out),
	    WGTAP_EFORMAT);

	/* S3_PREFIX_MAX bytes fit only if the last one is the '/'. */
	memset(in, 'p', S3_PREFIX_MAX);
	in[S3_PREFIX_MAX] = '\0';
	ck_assert_int_eq(s3_prefix_normalize(in, out), WGTAP_ETOOBIG);
	in[S3_PREFIX_MAX - 1] = '/';
	ck_assert_int_eq(s3_prefix_normalize(in, out), WGTAP_OK);
	ck_assert_uint_eq(strlen(out), S3_PREFIX_MAX);
	in[S3_PREFIX_MAX - 1] = 'p';
	in[S3_PREFIX_MAX - 1] = '\0';
	ck_assert_int_eq(s3_prefix_normalize(in, out), WGTAP_OK);
	ck_assert_uint_eq(strlen(out), S3_PREFIX_MAX);
	memset(in, 'p', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	ck_assert_int_eq(s3_prefix_normalize(in, out), WGTAP_ETOOBIG);
}
END_TEST

START_TEST(test_s3_endpoint_parse_good)
{
	struct s3_endpoint ep;

	ck_assert_int_eq(s3_endpoint_parse("http://127.0.0.1:8080", &ep),
	    WGTAP_OK);
	ck_assert(!ep.https);
	ck_assert_str_eq(ep.host, "127.0.0.1");
	ck_assert_uint_eq(ep.port, 8080);

	ck_assert_int_eq(s3_endpoint_parse(
	    "https://S3.EU-West-1.amazonaws.com/", &ep), WGTAP_OK);
	ck_assert(ep.https);
	ck_assert_str_eq(ep.host, "s3.eu-west-1.amazonaws.com");
	ck_assert_uint_eq(ep.port, 0);

	ck_assert_int_eq(s3_endpoint_parse("HTTPS://[::1]:9000", &ep),
	    WGTAP_OK);
	ck_assert(ep.https);
	ck_assert_str_eq(ep.host, "[::1]");
	ck_assert_uint_eq(ep.port, 9000);

	ck_assert_int_eq(s3_endpoint_parse("http://minio:65535/", &ep),
	    WGTAP_OK);
	ck_assert_uint_eq(ep.port, 65535);
}
END_TEST

START_TEST(test_s3_endpoint_parse_bad)
{
	static const char *const bad[] = {
		"", "127.0.0.1:9000", "ftp://host", "http://", "https:///x",
		"http://host/path", "http://host/?x", "http://host?x",
		"http://user@host", "http://user:pw@host", "http://host:",
		"http://host:0", "http://host:65536", "http://host:123456",
		"http://host:-1", "http://host:80x", "http://ho st",
		"http://-host", "http://host-", "http://.host", "http://[::1",
		"http://[]", "http://[zz]", "http://host#frag",
		"http://host\n", "file:///etc/passwd",
	};
	struct s3_endpoint ep;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&ep, 0xa5, sizeof(ep));
		ck_assert_msg(s3_endpoint_parse(bad[i], &ep) == WGTAP_EFORMAT,
		    "accepted \"%s\"", bad[i]);
		ck_assert_str_eq(ep.host, "");
		ck_assert_uint_eq(ep.port, 0);
	}
}
END_TEST

START_TEST(test_s3_use_virtual_modes)
{
	struct s3_endpoint aws, other;

	ck_assert_int_eq(s3_endpoint_parse("https://s3.us-east-1.amazonaws.com",
	    &aws), WGTAP_OK);
	ck_assert_int_eq(s3_endpoint_parse("http://127.0.0.1:8080", &other),
	    WGTAP_OK);
	ck_assert(s3_use_virtual(&aws, S3_ADDR_AUTO, "bucket"));
	ck_assert(!s3_use_virtual(&aws, S3_ADDR_AUTO, "my.bucket"));
	ck_assert(!s3_use_virtual(&aws, S3_ADDR_PATH, "bucket"));
	ck_assert(!s3_use_virtual(&other, S3_ADDR_AUTO, "bucket"));
	ck_assert(s3_use_virtual(&other, S3_ADDR_VIRTUAL, "bucket"));
	ck_assert_int_eq(s3_endpoint_parse("https://notamazonaws.com", &other),
	    WGTAP_OK);
	ck_assert(!s3_use_virtual(&other, S3_ADDR_AUTO, "bucket"));
}
END_TEST

/* The key of segname, parsed here as the callers parse it. */
static int
object_key(const char *prefix, const char *host, const char *segname,
    char key[static S3_KEY_SIZE])
{
	struct spool_name sn;

	ck_assert_int_eq(spool_name_parse(segname, &sn), WGTAP_OK);
	return s3_object_key(prefix, host, segname, &sn, key);
}

START_TEST(test_s3_object_key_layout)
{
	char key[S3_KEY_SIZE];

	ck_assert_int_eq(object_key("wgtap/", "gw1", SEG, key), WGTAP_OK);
	ck_assert_str_eq(key,
	    "wgtap/host=gw1/dt=2026-11-24/hour=14/" SEG);
	ck_assert_int_eq(object_key("", "gw1", SEG, key), WGTAP_OK);
	ck_assert_str_eq(key, "host=gw1/dt=2026-11-24/hour=14/" SEG);
	/* The partition is the start time's, in UTC, to the nanosecond. */
	ck_assert_int_eq(object_key("p/", "h",
	    "wg0-20261231T235959.999999999Z-000001.csv", key), WGTAP_OK);
	ck_assert_str_eq(key,
	    "p/host=h/dt=2026-12-31/hour=23/"
	    "wg0-20261231T235959.999999999Z-000001.csv");
	ck_assert_int_eq(object_key("p/", "h",
	    "wg0-20270101T000000.000000000Z-000002.csv.gz", key), WGTAP_OK);
	ck_assert_str_eq(key,
	    "p/host=h/dt=2027-01-01/hour=00/"
	    "wg0-20270101T000000.000000000Z-000002.csv.gz");
	/* Leap day. */
	ck_assert_int_eq(object_key("", "h",
	    "wg0-20280229T070000.000000000Z-000002.csv.gz", key), WGTAP_OK);
	ck_assert_str_eq(key, "host=h/dt=2028-02-29/hour=07/"
	    "wg0-20280229T070000.000000000Z-000002.csv.gz");
}
END_TEST

START_TEST(test_s3_object_key_bad)
{
	char key[S3_KEY_SIZE], prefix[S3_PREFIX_SIZE];

	ck_assert_int_eq(object_key("wgtap/", "gw/1", SEG, key),
	    WGTAP_EFORMAT);
	ck_assert_str_eq(key, "");
	ck_assert_int_eq(object_key("wgtap/", "", SEG, key), WGTAP_EFORMAT);
	ck_assert_str_eq(key, "");
	/* The longest prefix and label still leave room for a name... */
	memset(prefix, 'p', S3_PREFIX_MAX - 1);
	prefix[S3_PREFIX_MAX - 1] = '/';
	prefix[S3_PREFIX_MAX] = '\0';
	ck_assert_int_eq(object_key(prefix, "h", SEG, key), WGTAP_OK);
	ck_assert_uint_eq(strlen(key), S3_PREFIX_MAX +
	    strlen("host=h/dt=2026-11-24/hour=14/" SEG));
}
END_TEST

START_TEST(test_s3_content_type_names)
{
	struct spool_name sn;

	ck_assert_int_eq(spool_name_parse(SEG, &sn), WGTAP_OK);
	ck_assert_str_eq(s3_content_type(&sn), "application/gzip");
	ck_assert_int_eq(spool_name_parse(
	    "wg0-20261124T140231.123456789Z-000042.csv", &sn), WGTAP_OK);
	ck_assert_str_eq(s3_content_type(&sn), "text/csv; charset=utf-8");
	ck_assert_int_eq(spool_name_parse(
	    "wg0-20261124T140231.123456789Z-000042.csv.zst", &sn), WGTAP_OK);
	ck_assert_str_eq(s3_content_type(&sn), "application/zstd");
}
END_TEST

START_TEST(test_s3_target_build_path)
{
	struct s3_endpoint ep;
	struct s3_target t;

	s3_target_init(&t);
	ck_assert_int_eq(s3_endpoint_parse("http://127.0.0.1:8080", &ep),
	    WGTAP_OK);
	ck_assert_int_eq(s3_target_build(&t, &ep, false, "bkt",
	    "wgtap/host=gw1/dt=2026-11-24/hour=14/" SEG), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&t.host), "127.0.0.1:8080");
	ck_assert_str_eq(dynbuf_str(&t.path),
	    "/bkt/wgtap/host=gw1/dt=2026-11-24/hour=14/" SEG);
	/* '=' is encoded in the URL exactly as in the canonical request. */
	ck_assert_str_eq(dynbuf_str(&t.url),
	    "http://127.0.0.1:8080/bkt/wgtap/host%3Dgw1/dt%3D2026-11-24/"
	    "hour%3D14/" SEG);
	/* Keys with bytes outside the unreserved set. */
	ck_assert_int_eq(s3_target_build(&t, &ep, false, "bkt", "a b+c~d"),
	    WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&t.url),
	    "http://127.0.0.1:8080/bkt/a%20b%2Bc~d");
	s3_target_free(&t);
}
END_TEST

START_TEST(test_s3_target_build_virtual)
{
	struct s3_endpoint ep;
	struct s3_target t;

	s3_target_init(&t);
	/* The scheme's default port is left out of the Host header. */
	ck_assert_int_eq(s3_endpoint_parse(
	    "https://s3.us-east-1.amazonaws.com:443", &ep), WGTAP_OK);
	ck_assert_int_eq(s3_target_build(&t, &ep, true, "bkt", "k/x=1"),
	    WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&t.host),
	    "bkt.s3.us-east-1.amazonaws.com");
	ck_assert_str_eq(dynbuf_str(&t.path), "/k/x=1");
	ck_assert_str_eq(dynbuf_str(&t.url),
	    "https://bkt.s3.us-east-1.amazonaws.com/k/x%3D1");
	ck_assert_int_eq(s3_endpoint_parse("http://minio:9000", &ep),
	    WGTAP_OK);
	ck_assert_int_eq(s3_target_build(&t, &ep, true, "bkt", "k"), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&t.host), "bkt.minio:9000");
	ck_assert_str_eq(dynbuf_str(&t.url), "http://bkt.minio:9000/k");
	s3_target_free(&t);
}
END_TEST

Suite *
s3name_suite(void)
{
	Suite *s = suite_create("s3name");
	TCase *tc;

	tc = tcase_create("names");
	tcase_add_test(tc, test_s3_bucket_ok_cases);
	tcase_add_test(tc, test_s3_host_label_ok_cases);
	tcase_add_test(tc, test_s3_prefix_normalize_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("s3_endpoint_parse");
	tcase_add_test(tc, test_s3_endpoint_parse_good);
	tcase_add_test(tc, test_s3_endpoint_parse_bad);
	tcase_add_test(tc, test_s3_use_virtual_modes);
	suite_add_tcase(s, tc);

	tc = tcase_create("s3_object_key");
	tcase_add_test(tc, test_s3_object_key_layout);
	tcase_add_test(tc, test_s3_object_key_bad);
	tcase_add_test(tc, test_s3_content_type_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("s3_target_build");
	tcase_add_test(tc, test_s3_target_build_path);
	tcase_add_test(tc, test_s3_target_build_virtual);
	suite_add_tcase(s, tc);
	return s;
}
