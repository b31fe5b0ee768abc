// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/preflight.c: the sentence preflight_cause() gives
 * for each S3 error code and each kind of transfer failure, and whole
 * runs of preflight_run() against a responder on loopback: everything
 * working (the exact lines, the object's key and body, the DELETE), a
 * wrong secret, a refused delete (a note, not a failure), a failed
 * delete, a refused connection and no credentials at all; the first
 * failing step ends the run, and no key appears in any line. The real
 * thing (Swift, TLS, a skewed clock, DNS) is tests/t-ship-check.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "check_wgtap.h"
#include "config.h"
#include "preflight.h"
#include "wgtap.h"

#define SECRET	"Sup3rS3cretDoNotPrint"

/* cfg for the endpoint url (path style, bucket bkt, host gw1). */
static void
config_for(const char *url, struct config *cfg)
{
	char *argv[] = { "wgtap-ship", "--check", "--storage-bucket", "bkt",
	    "--storage-endpoint", (char *)url, "--host-label", "gw1",
	    "--storage-region", "eu-west-1", "--timeout", "5", NULL };

	ck_assert_int_eq(config_parse(12, argv, cfg), CONFIG_RUN);
	ck_assert_int_eq(config_check(cfg), WGTAP_OK);
}

static void
cause_is(const char *code, enum s3_net net, enum preflight_step step,
    const char *want)
{
	struct s3_result res;
	struct config cfg;
	char cause[PREFLIGHT_CAUSE_SIZE];

	config_for("http://127.0.0.1:9000", &cfg);
	memset(&res, 0, sizeof(res));
	snprintf(res.code, sizeof(res.code), "%s", code);
	res.net = net;
	preflight_cause(&res, step, &cfg, cause);
	ck_assert_str_eq(cause, want);
}

START_TEST(test_preflight_cause_codes)
{
	cause_is("SignatureDoesNotMatch", S3_NET_NONE, PREFLIGHT_UPLOAD,
	    "the secret key is wrong, or the region is: the bucket must be "
	    "in --storage-region eu-west-1");
	cause_is("InvalidAccessKeyId", S3_NET_NONE, PREFLIGHT_UPLOAD,
	    "the store does not know this access key ID: a wrong or deleted "
	    "key, or keys for another store");
	cause_is("AccessDenied", S3_NET_NONE, PREFLIGHT_UPLOAD,
	    "the keys are valid but the IAM or bucket policy does not allow "
	    "s3:PutObject on bkt/wgtap/*");
	cause_is("AccessDenied", S3_NET_NONE, PREFLIGHT_DELETE,
	    "the keys are valid but the IAM or bucket policy does not allow "
	    "s3:DeleteObject on bkt/wgtap/*");
	cause_is("NoSuchBucket", S3_NET_NONE, PREFLIGHT_UPLOAD,
	    "there is no bucket bkt at this endpoint: check --storage-bucket "
	    "and --storage-endpoint");
	cause_is("RequestTimeTooSkewed", S3_NET_NONE, PREFLIGHT_UPLOAD,
	    "this host's clock is more than 15 minutes off: set it right "
	    "(NTP, timedatectl)");
	cause_is("ExpiredToken", S3_NET_NONE, PREFLIGHT_UPLOAD,
	    "the session token has expired: renew the temporary keys");
	cause_is("InvalidToken", S3_NET_NONE, PREFLIGHT_UPLOAD,
	    "the session token is malformed or does not go with the access "
	    "key ID");
	cause_is("AuthorizationHeaderMalformed", S3_NET_NONE,
	    PREFLIGHT_UPLOAD, "the bucket is in another region than "
	    "--storage-region eu-west-1");
	cause_is("PermanentRedirect", S3_NET_NONE, PREFLIGHT_UPLOAD,
	    "the bucket is in another region than --storage-region "
	    "eu-west-1");
	cause_is("AllAccessDisabled", S3_NET_NONE, PREFLIGHT_UPLOAD,
	    "the store has blocked this account or bucket");
	/* A code we do not know: the store's own message says it. */
	cause_is("SlowDown", S3_NET_NONE, PREFLIGHT_UPLOAD, "");
	cause_is("", S3_NET_NONE, PREFLIGHT_UPLOAD, "");
}
END_TEST

START_TEST(test_preflight_cause_transfer)
{
	cause_is("", S3_NET_RESOLVE, PREFLIGHT_CONNECT, "the host name does "
	    "not resolve: check --storage-endpoint and this host's DNS");
	cause_is("", S3_NET_CONNECT, PREFLIGHT_CONNECT, "nothing accepts "
	    "connections there: check the host and port of "
	    "--storage-endpoint, and firewalls");
	cause_is("", S3_NET_TIMEOUT, PREFLIGHT_UPLOAD, "no answer within "
	    "--timeout 5 s: a firewall may drop the packets, or the endpoint "
	    "is wrong");
	cause_is("", S3_NET_CERT, PREFLIGHT_CONNECT, "the server's "
	    "certificate is not trusted: give the CA that signed it with "
	    "--ca-file, or use the host name the certificate is for");
	{
		struct s3_result res;
		struct config cfg;
		char cause[PREFLIGHT_CAUSE_SIZE];

		/* A certificate outside its dates: the clock, most likely. */
		config_for("https://127.0.0.1:9000", &cfg);
		memset(&res, 0, sizeof(res));
		res.net = S3_NET_CERT;
		snprintf(res.error, sizeof(res.error), "SSL certificate "
		    "problem: certificate is not yet valid");
		preflight_cause(&res, PREFLIGHT_CONNECT, &cfg, cause);
		ck_assert_str_eq(cause, "the certificate is not valid at this "
		    "host's time: is the clock right (NTP, timedatectl)?");
		snprintf(res.error, sizeof(res.error), "SSL certificate "
		    "problem: certificate has expired");
		preflight_cause(&res, PREFLIGHT_CONNECT, &cfg, cause);
		ck_assert_str_eq(cause, "the certificate is not valid at this "
		    "host's time: is the clock right (NTP, timedatectl)?");
	}
	cause_is("", S3_NET_TLS, PREFLIGHT_CONNECT, "the TLS handshake "
	    "failed: does the endpoint speak https://, and on that port?");
	cause_is("", S3_NET_OTHER, PREFLIGHT_UPLOAD, "");
}
END_TEST

/*
 * In the responder: answer the upload (request 1, after the connect-only
 * connection) with the ETag the store would give, the MD5 of the body.
 */
static char put_answer[512];

static void
etag_hook(size_t i, const char *req, size_t len, void *arg)
{
	const char *body = memmem(req, len, "\r\n\r\n", 4);
	unsigned char md[16];
	unsigned int mdlen;
	char hex[33];

	(void)arg;
	if (i != 1 || !body)
		return;
	body += 4;
	EVP_Digest(body, len - (size_t)(body - req), md, &mdlen, EVP_md5(),
	    NULL);
	check_ref_hex(md, 16, hex);
	snprintf(put_answer, sizeof(put_answer), "HTTP/1.1 200 OK\r\n"
	    "ETag: \"%s\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	    hex);
}

static void
keys_env(void)
{
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("CREDENTIALS_DIRECTORY");
	setenv("HOME", "/nonexistent", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static void
setup(void)
{
	keys_env();
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
}

static void
teardown(void)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	curl_global_cleanup();
}

/* One run against responses (3: connect, upload, delete); its output. */
static char *
run(const char *const *responses, size_t n, bool want, char **reqs)
{
	struct config cfg;
	struct fake f;
	char url[64], *out = NULL;
	size_t len = 0;
	FILE *mem;

	fake_start_seq(&f, responses, n, etag_hook, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", f.port);
	config_for(url, &cfg);
	mem = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(preflight_run(&cfg, mem, NULL, NULL), want);
	ck_assert_int_eq(fclose(mem), 0);
	*reqs = fake_request(&f);
	fake_stop(&f);
	ck_assert_ptr_null(strstr(out, SECRET));
	return out;
}

/* "STEP: ..." line n (from 0) of out, without its newline. */
static const char *
line_of(const char *out, int n)
{
	static char line[1024];
	const char *p = out, *e;

	while (n-- > 0) {
		p = strchr(p, '\n');
		ck_assert_ptr_nonnull(p);
		p++;
	}
	e = strchr(p, '\n');
	ck_assert_ptr_nonnull(e);
	snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
	return line;
}

static const char no_content[] = "HTTP/1.1 204 No Content\r\n"
    "Connection: close\r\n\r\n";

START_TEST(test_preflight_run_good)
{
	const char *responses[3] = { fake_accept_only, put_answer,
	    no_content };
	char *out, *reqs, want[128], *body;
	const char *del;

	out = run(responses, 3, true, &reqs);
	ck_assert_uint_eq(check_count_lines(out), 5);
	ck_assert_str_eq(line_of(out, 0), "credentials: ok: the environment");
	ck_assert_msg(strncmp(line_of(out, 1), "endpoint: ok: 127.0.0.1 port ",
	    29) == 0 && strstr(line_of(out, 1), ", http (an address: "
	    "nothing to look up)"), "%s", out);
	snprintf(want, sizeof(want), "connect: ok: 127.0.0.1 port %s",
	    line_of(out, 1) + 29);
	*strchr(want, ',') = '\0';
	ck_assert_str_eq(line_of(out, 2), want);
	ck_assert_msg(strncmp(line_of(out, 3), "upload: ok: s3://bkt/wgtap/"
	    "wgtap-check/gw1 (HTTP 200, ", 50) == 0, "%s", out);
	ck_assert_str_eq(line_of(out, 4), "delete: ok: s3://bkt/wgtap/"
	    "wgtap-check/gw1 (HTTP 204)");
	/* the upload: that key, a small text saying who checked */
	ck_assert_msg(strncmp(reqs, "PUT /bkt/wgtap/wgtap-check/gw1 HTTP/1.1"
	    "\r\n", 40) == 0, "%.80s", reqs);
	ck_assert_ptr_nonnull(strstr(reqs, "\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\n"));
	body = strstr(reqs, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	ck_assert_msg(strncmp(body + 4, "wgtap-ship --check from gw1 at 20",
	    33) == 0, "%.80s", body + 4);
	/* then the DELETE of the same key */
	del = strstr(reqs, "DELETE /bkt/wgtap/wgtap-check/gw1 HTTP/1.1\r\n");
	ck_assert(del && del > body);
	free(reqs);
	free(out);
}
END_TEST

START_TEST(test_preflight_run_wrong_secret)
{
	static const char doc[] = "<Error><Code>SignatureDoesNotMatch</Code>"
	    "<Message>The request signature we calculated does not match"
	    "</Message></Error>";
	char denied[512], *out, *reqs;
	const char *responses[2] = { fake_accept_only, denied };

	snprintf(denied, sizeof(denied), "HTTP/1.1 403 Forbidden\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(doc),
	    doc);
	out = run(responses, 2, false, &reqs);
	ck_assert_uint_eq(check_count_lines(out), 4);
	ck_assert_str_eq(line_of(out, 3), "upload: FAILED: HTTP 403 "
	    "SignatureDoesNotMatch: the secret key is wrong, or the region "
	    "is: the bucket must be in --storage-region eu-west-1");
	ck_assert_ptr_null(strstr(reqs, "DELETE"));
	free(reqs);
	free(out);
}
END_TEST

START_TEST(test_preflight_run_delete_denied)
{
	static const char doc[] = "<Error><Code>AccessDenied</Code>"
	    "<Message>Access Denied</Message></Error>";
	char denied[512], *out, *reqs;
	const char *responses[3] = { fake_accept_only, put_answer, denied };

	snprintf(denied, sizeof(denied), "HTTP/1.1 403 Forbidden\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(doc),
	    doc);
	out = run(responses, 3, true, &reqs);
	ck_assert_uint_eq(check_count_lines(out), 5);
	ck_assert_str_eq(line_of(out, 4), "delete: note: HTTP 403 "
	    "AccessDenied: the policy does not allow s3:DeleteObject, which "
	    "shipping does not need; s3://bkt/wgtap/wgtap-check/gw1 stays "
	    "(the next check from this host overwrites it)");
	free(reqs);
	free(out);
}
END_TEST

START_TEST(test_preflight_run_delete_fails)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	const char *responses[3] = { fake_accept_only, put_answer, busy };
	char *out, *reqs;

	out = run(responses, 3, false, &reqs);
	ck_assert_uint_eq(check_count_lines(out), 5);
	ck_assert_str_eq(line_of(out, 4), "delete: FAILED: HTTP 503");
	free(reqs);
	free(out);
}
END_TEST

START_TEST(test_preflight_run_refused)
{
	struct config cfg;
	char *out = NULL;
	size_t len = 0;
	FILE *mem;

	config_for("http://127.0.0.1:1", &cfg);
	mem = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(mem);
	ck_assert(!preflight_run(&cfg, mem, NULL, NULL));
	ck_assert_int_eq(fclose(mem), 0);
	ck_assert_uint_eq(check_count_lines(out), 3);
	ck_assert_str_eq(line_of(out, 1), "endpoint: ok: 127.0.0.1 port 1, "
	    "http (an address: nothing to look up)");
	ck_assert_msg(strncmp(line_of(out, 2), "connect: FAILED: Failed to "
	    "connect to 127.0.0.1 port 1 ", 46) == 0 &&
	    strstr(line_of(out, 2), " (Connection refused): nothing accepts "
	    "connections there: check the host and port of "
	    "--storage-endpoint, and firewalls"), "%s", out);
	free(out);
}
END_TEST

START_TEST(test_preflight_run_no_credentials)
{
	struct config cfg;
	char *out = NULL;
	size_t len = 0;
	FILE *mem;

	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	config_for("http://127.0.0.1:1", &cfg);
	mem = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(mem);
	ck_assert(!preflight_run(&cfg, mem, NULL, NULL));
	ck_assert_int_eq(fclose(mem), 0);
	ck_assert_str_eq(out, "credentials: FAILED: no credentials found: "
	    "AWS_ACCESS_KEY_ID is not set; CREDENTIALS_DIRECTORY is not set; "
	    "/nonexistent/.aws/credentials does not exist; the instance "
	    "metadata service is turned off (AWS_EC2_METADATA_DISABLED)\n");
	free(out);
}
END_TEST

Suite *
preflight_suite(void)
{
	Suite *s = suite_create("preflight");
	TCase *tc;

	tc = tcase_create("preflight_cause");
	tcase_add_test(tc, test_preflight_cause_codes);
	tcase_add_test(tc, test_preflight_cause_transfer);
	suite_add_tcase(s, tc);

	tc = tcase_create("preflight_run");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_preflight_run_good);
	tcase_add_test(tc, test_preflight_run_wrong_secret);
	tcase_add_test(tc, test_preflight_run_delete_denied);
	tcase_add_test(tc, test_preflight_run_delete_fails);
	tcase_add_test(tc, test_preflight_run_refused);
	tcase_add_test(tc, test_preflight_run_no_credentials);
	suite_add_tcase(s, tc);
	return s;
}
