// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/s3.c: names and keys, endpoint URLs and request
 * targets, the S3 error-document parser (cut at every length), the one-pass
 * body hash, and s3_put_object() against a tiny HTTP responder on loopback
 * that records the request it got and sends one canned answer: the wire
 * format (headers, signed-header list, body), ETag checking, S3 error
 * codes, a refused connection, a server that never answers, and an abort.
 * Signatures themselves are checked by tests/check_sigv4.c and by a real
 * S3 server in tests/t-ship-*.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "check_wgtap.h"
#include "dynbuf.h"
#include "s3.h"
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

START_TEST(test_s3_object_key_layout)
{
	char key[S3_KEY_SIZE];

	ck_assert_int_eq(s3_object_key("wgtap/", "gw1", SEG, key), WGTAP_OK);
	ck_assert_str_eq(key,
	    "wgtap/host=gw1/dt=2026-11-24/hour=14/" SEG);
	ck_assert_int_eq(s3_object_key("", "gw1", SEG, key), WGTAP_OK);
	ck_assert_str_eq(key, "host=gw1/dt=2026-11-24/hour=14/" SEG);
	/* The partition is the start time's, in UTC, to the nanosecond. */
	ck_assert_int_eq(s3_object_key("p/", "h",
	    "wg0-20261231T235959.999999999Z-000001.csv", key), WGTAP_OK);
	ck_assert_str_eq(key,
	    "p/host=h/dt=2026-12-31/hour=23/"
	    "wg0-20261231T235959.999999999Z-000001.csv");
	ck_assert_int_eq(s3_object_key("p/", "h",
	    "wg0-20270101T000000.000000000Z-000002.csv.gz", key), WGTAP_OK);
	ck_assert_str_eq(key,
	    "p/host=h/dt=2027-01-01/hour=00/"
	    "wg0-20270101T000000.000000000Z-000002.csv.gz");
	/* Leap day. */
	ck_assert_int_eq(s3_object_key("", "h",
	    "wg0-20280229T070000.000000000Z-000002.csv.gz", key), WGTAP_OK);
	ck_assert_str_eq(key, "host=h/dt=2028-02-29/hour=07/"
	    "wg0-20280229T070000.000000000Z-000002.csv.gz");
}
END_TEST

START_TEST(test_s3_object_key_bad)
{
	char key[S3_KEY_SIZE];

	ck_assert_int_eq(s3_object_key("wgtap/", "gw1", "notes.txt", key),
	    WGTAP_EFORMAT);
	ck_assert_str_eq(key, "");
	ck_assert_int_eq(s3_object_key("wgtap/", "gw1", "." SEG ".part", key),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(s3_object_key("wgtap/", "gw/1", SEG, key),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(s3_object_key("wgtap/", "", SEG, key),
	    WGTAP_EFORMAT);
}
END_TEST

START_TEST(test_s3_content_type_names)
{
	ck_assert_str_eq(s3_content_type(SEG), "application/gzip");
	ck_assert_str_eq(s3_content_type(
	    "wg0-20261124T140231.123456789Z-000042.csv"),
	    "text/csv; charset=utf-8");
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

/* Write n bytes of a repeating pattern to a new temporary file. */
static int
temp_file(const void *data, size_t len)
{
	char path[] = "/tmp/check_s3.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ne(fd, -1);
	unlink(path);
	if (len > 0)
		ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void
hex(const uint8_t *p, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

START_TEST(test_s3_body_hash_known)
{
	const char *text = "Welcome to Amazon S3.";
	struct s3_body b;
	char h[65];
	int fd;

	fd = temp_file(text, strlen(text));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	ck_assert_int_eq(b.fd, fd);
	ck_assert_uint_eq(b.size, strlen(text));
	hex(b.sha256, 32, h);
	ck_assert_str_eq(h,
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	hex(b.md5, 16, h);
	ck_assert_str_eq(h, "d447d0e8f289f16a12ff6027ce77c258");
	close(fd);

	fd = temp_file(NULL, 0);
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	ck_assert_uint_eq(b.size, 0);
	hex(b.sha256, 32, h);
	ck_assert_str_eq(h,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex(b.md5, 16, h);
	ck_assert_str_eq(h, "d41d8cd98f00b204e9800998ecf8427e");
	close(fd);
}
END_TEST

START_TEST(test_s3_body_hash_large)
{
	size_t len = 3 * 65536 + 123, i;
	unsigned char *data = malloc(len), md[32];
	unsigned int mdlen;
	struct s3_body b;
	int fd;

	ck_assert_ptr_nonnull(data);
	for (i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 31 + i / 7);
	fd = temp_file(data, len);
	/* The read position does not matter: the hash uses pread. */
	ck_assert_int_eq(lseek(fd, 17, SEEK_SET), 17);
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	ck_assert_uint_eq(b.size, len);
	ck_assert_int_eq(EVP_Digest(data, len, md, &mdlen, EVP_sha256(),
	    NULL), 1);
	ck_assert_mem_eq(b.sha256, md, 32);
	ck_assert_int_eq(EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL),
	    1);
	ck_assert_mem_eq(b.md5, md, 16);
	close(fd);
	free(data);
}
END_TEST

START_TEST(test_s3_body_hash_bad_fd)
{
	struct s3_body b;

	ck_assert_int_eq(s3_body_hash(-1, &b), WGTAP_ESYS);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_uint_eq(b.size, 0);
}
END_TEST

/*
 * A one-shot HTTP responder: accepts one connection, reads one request
 * (headers and Content-Length bytes of body), writes the request to a
 * pipe, then sends `response` (or nothing at all when it is NULL, to play
 * a hung server) and exits.
 */
struct fake {
	pid_t	pid;
	int	port;
	int	reqfd;		/* read end: the request as received */
};

static void
fake_serve(int ls, int out, const char *response)
{
	char buf[65536];
	size_t len = 0, need = 0;
	const char *end, *cl;
	ssize_t n;
	int s;

	s = accept(ls, NULL, NULL);
	if (s == -1)
		_exit(1);
	for (;;) {
		n = read(s, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		cl = strcasestr(buf, "\r\nContent-Length:");
		need = (size_t)(end - buf) + 4;
		if (cl && cl < end)
			need += strtoul(cl + 17, NULL, 10);
		if (len >= need)
			break;
	}
	if (write(out, buf, len) != (ssize_t)len)
		_exit(1);
	close(out);
	if (!response) {
		pause();	/* hung: the connection stays open, silent */
		_exit(0);
	}
	if (write(s, response, strlen(response)) != (ssize_t)strlen(response))
		_exit(1);
	shutdown(s, SHUT_WR);
	while (read(s, buf, sizeof(buf)) > 0)
		;
	_exit(0);
}

static void
fake_start(struct fake *f, const char *response)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int ls, p[2];

	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(ls, -1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(ls, 4), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&sa, &salen), 0);
	f->port = ntohs(sa.sin_port);
	ck_assert_int_eq(pipe(p), 0);
	f->pid = fork();
	ck_assert_int_ne(f->pid, -1);
	if (f->pid == 0) {
		close(p[0]);
		fake_serve(ls, p[1], response);
	}
	close(p[1]);
	close(ls);
	f->reqfd = p[0];
}

/* The request the responder got, NUL-terminated; caller frees. */
static char *
fake_request(struct fake *f)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	while ((n = read(f->reqfd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

static void
fake_stop(struct fake *f)
{
	int status;

	kill(f->pid, SIGKILL);
	waitpid(f->pid, &status, 0);
	close(f->reqfd);
}

static int abort_now;

static int
test_abort_cb(void *arg)
{
	(void)arg;
	return abort_now;
}

static struct s3_client *
client_for(int port, const char *token, long timeout)
{
	struct s3_config cfg;
	struct s3_client *c = NULL;
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(s3_endpoint_parse(url, &cfg.endpoint), WGTAP_OK);
	cfg.addressing = S3_ADDR_AUTO;
	cfg.bucket = "bkt";
	cfg.region = "us-east-1";
	cfg.access_key_id = "AKIDEXAMPLE";
	cfg.secret_access_key = "Sup3rS3cretDoNotPrint";
	cfg.session_token = token;
	cfg.timeout = timeout;
	cfg.abort_cb = test_abort_cb;
	abort_now = 0;
	ck_assert_int_eq(s3_client_new(&cfg, &c), WGTAP_OK);
	return c;
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

#define BODY		"src,dst\n10.0.0.1,10.0.0.2\n"
#define KEY		"wgtap/host=gw1/dt=2026-11-24/hour=14/" SEG

static const char *
ok_response(void)
{
	static char buf[256];
	unsigned char md[16];
	unsigned int mdlen;
	char h[33];

	EVP_Digest(BODY, strlen(BODY), md, &mdlen, EVP_md5(), NULL);
	hex(md, 16, h);
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nETag: \"%s\"\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", h);
	return buf;
}

START_TEST(test_s3_put_object_wire)
{
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct fake f;
	const char *line;
	char *req, *auth;
	int fd;

	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, ok_response());
	c = client_for(f.port, "TOKEN/with+chars=", 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_OK);
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.error, "");
	ck_assert(!res.aborted);
	req = fake_request(&f);
	line = "PUT /bkt/wgtap/host%3Dgw1/dt%3D2026-11-24/hour%3D14/" SEG
	    " HTTP/1.1\r\n";
	ck_assert_msg(strncmp(req, line, strlen(line)) == 0,
	    "request line: %.200s", req);
	ck_assert_ptr_nonnull(strstr(req, "\r\nContent-Type: application/gzip"
	    "\r\n"));
	ck_assert_ptr_nonnull(strstr(req, "\r\nContent-Length: 26\r\n"));
	ck_assert_ptr_nonnull(strstr(req, "\r\nx-amz-security-token: "
	    "TOKEN/with+chars=\r\n"));
	ck_assert_ptr_nonnull(strstr(req, "\r\nx-amz-content-sha256: "));
	ck_assert_ptr_nonnull(strstr(req, "\r\nContent-MD5: "));
	ck_assert_ptr_nonnull(strstr(req, "\r\nx-amz-date: "));
	ck_assert_msg(strstr(req, "\r\nHost: 127.0.0.1:") != NULL, "%s", req);
	auth = strstr(req, "\r\nAuthorization: AWS4-HMAC-SHA256 "
	    "Credential=AKIDEXAMPLE/");
	ck_assert_ptr_nonnull(auth);
	ck_assert_ptr_nonnull(strstr(auth, "/us-east-1/s3/aws4_request, "
	    "SignedHeaders=content-md5;content-type;host;x-amz-content-sha256;"
	    "x-amz-date;x-amz-security-token, Signature="));
	ck_assert_ptr_null(strstr(req, "Sup3rS3cret"));
	/* The body went out as it is in the file. */
	ck_assert_str_eq(strstr(req, "\r\n\r\n") + 4, BODY);
	free(req);
	fake_stop(&f);
	s3_client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_put_object_no_token)
{
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct fake f;
	char *req;
	int fd;

	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, ok_response());
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "text/csv; charset=utf-8", &b,
	    &res), WGTAP_OK);
	req = fake_request(&f);
	ck_assert_ptr_null(strcasestr(req, "x-amz-security-token"));
	ck_assert_ptr_nonnull(strstr(req, "SignedHeaders=content-md5;"
	    "content-type;host;x-amz-content-sha256;x-amz-date, Signature="));
	ck_assert_ptr_nonnull(strstr(req, "\r\nContent-Type: text/csv; "
	    "charset=utf-8\r\n"));
	free(req);
	fake_stop(&f);
	s3_client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_put_object_etag_mismatch)
{
	const char *resp = "HTTP/1.1 200 OK\r\n"
	    "ETag: \"00000000000000000000000000000000\"\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct fake f;
	int fd;

	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_EHTTP);
	ck_assert_int_eq(res.status, 200);
	ck_assert_ptr_nonnull(strstr(res.error, "ETag"));
	fake_stop(&f);
	s3_client_free(c);
	close(fd);
}
END_TEST

/* SSE-KMS: the ETag is no MD5; the store checked Content-MD5 itself. */
START_TEST(test_s3_put_object_sse_kms_etag)
{
	const char *resp = "HTTP/1.1 200 OK\r\n"
	    "x-amz-server-side-encryption: aws:kms\r\n"
	    "ETag: \"7e5b0c0b4c3a4d8e9f1a2b3c4d5e6f70\"\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct fake f;
	int fd;

	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_OK);
	ck_assert_int_eq(res.status, 200);
	fake_stop(&f);
	s3_client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_put_object_no_etag)
{
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct fake f;
	int fd;

	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_EHTTP);
	fake_stop(&f);
	s3_client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_put_object_s3_error)
{
	static char resp[1024];
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct fake f;
	int fd;

	snprintf(resp, sizeof(resp), "HTTP/1.1 403 Forbidden\r\n"
	    "Content-Type: application/xml\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", strlen(error_doc), error_doc);
	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_EHTTP);
	ck_assert_int_eq(res.status, 403);
	ck_assert_str_eq(res.code, "SignatureDoesNotMatch");
	ck_assert_ptr_nonnull(strstr(res.message, "does not match"));
	ck_assert_msg(strncmp(res.error, "HTTP 403 SignatureDoesNotMatch: The "
	    "request signature", 50) == 0, "%s", res.error);
	fake_stop(&f);
	s3_client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_put_object_5xx_no_body)
{
	const char *resp = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct fake f;
	int fd;

	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_EHTTP);
	ck_assert_int_eq(res.status, 503);
	ck_assert_str_eq(res.code, "");
	ck_assert_str_eq(res.error, "HTTP 503");
	fake_stop(&f);
	s3_client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_put_object_refused)
{
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	int fd;

	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	c = client_for(1, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_ENET);
	ck_assert_int_eq(res.status, 0);
	ck_assert_str_ne(res.error, "");
	s3_client_free(c);
	close(fd);
}
END_TEST

/* A server that takes the request and never answers: the timeout fires. */
START_TEST(test_s3_put_object_hung)
{
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct timespec t0, t1;
	struct fake f;
	double secs;
	int fd;

	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, NULL);
	c = client_for(f.port, NULL, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_ENET);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_double_lt(secs, 5.0);
	ck_assert(!res.aborted);
	ck_assert_str_ne(res.error, "");
	fake_stop(&f);
	s3_client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_put_object_abort)
{
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct fake f;
	int fd;

	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, NULL);
	c = client_for(f.port, NULL, 30);
	abort_now = 1;
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_ENET);
	ck_assert(res.aborted);
	ck_assert_double_lt(res.secs, 5.0);
	fake_stop(&f);
	s3_client_free(c);
	close(fd);
}
END_TEST

/* The file shrinks after it was hashed: the upload must not pass. */
START_TEST(test_s3_put_object_file_shrank)
{
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct fake f;
	int fd;

	fd = temp_file(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	ck_assert_int_eq(ftruncate(fd, 5), 0);
	fake_start(&f, ok_response());
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_ETRUNC);
	ck_assert_ptr_nonnull(strstr(res.error, "shrank"));
	fake_stop(&f);
	s3_client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_client_new_ca_file)
{
	struct s3_config cfg;
	struct s3_client *c = NULL;
	char path[] = "/tmp/check_s3_ca.XXXXXX";
	int fd;

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(s3_endpoint_parse("https://127.0.0.1:1",
	    &cfg.endpoint), WGTAP_OK);
	cfg.bucket = "bkt";
	cfg.region = "us-east-1";
	cfg.access_key_id = "AKIDEXAMPLE";
	cfg.secret_access_key = "secret";
	cfg.timeout = 5;
	cfg.ca_file = "/nonexistent/ca.pem";
	ck_assert_int_eq(s3_client_new(&cfg, &c), WGTAP_ESYS);
	ck_assert_ptr_null(c);
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "not a certificate\n", 18), 18);
	close(fd);
	cfg.ca_file = path;
	ck_assert_int_eq(s3_client_new(&cfg, &c), WGTAP_EFORMAT);
	ck_assert_ptr_null(c);
	unlink(path);
}
END_TEST

Suite *
s3_suite(void)
{
	Suite *s = suite_create("s3");
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

	tc = tcase_create("s3_parse_error");
	tcase_add_test(tc, test_s3_parse_error_plain);
	tcase_add_test(tc, test_s3_parse_error_entities);
	tcase_add_test(tc, test_s3_parse_error_malformed);
	tcase_add_test(tc, test_s3_parse_error_sanitised);
	tcase_add_loop_test(tc, test_s3_parse_error_cut, 0,
	    (int)sizeof(error_doc));
	suite_add_tcase(s, tc);

	tc = tcase_create("s3_body_hash");
	tcase_add_test(tc, test_s3_body_hash_known);
	tcase_add_test(tc, test_s3_body_hash_large);
	tcase_add_test(tc, test_s3_body_hash_bad_fd);
	suite_add_tcase(s, tc);

	tc = tcase_create("s3_put_object");
	tcase_add_unchecked_fixture(tc, curl_up, curl_down);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_s3_put_object_wire);
	tcase_add_test(tc, test_s3_put_object_no_token);
	tcase_add_test(tc, test_s3_put_object_etag_mismatch);
	tcase_add_test(tc, test_s3_put_object_no_etag);
	tcase_add_test(tc, test_s3_put_object_sse_kms_etag);
	tcase_add_test(tc, test_s3_put_object_s3_error);
	tcase_add_test(tc, test_s3_put_object_5xx_no_body);
	tcase_add_test(tc, test_s3_put_object_refused);
	tcase_add_test(tc, test_s3_put_object_hung);
	tcase_add_test(tc, test_s3_put_object_abort);
	tcase_add_test(tc, test_s3_put_object_file_shrank);
	tcase_add_test(tc, test_s3_client_new_ca_file);
	suite_add_tcase(s, tc);
	return s;
}
