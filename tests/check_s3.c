// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/s3.c: s3_client_new() with a bad CA file, and
 * s3_put_object(), s3_delete_object() and s3_connect() against a tiny
 * HTTP responder on loopback that records the requests it got and sends
 * canned answers: the wire format (headers, signed-header list, body),
 * ETag checking, S3 error codes, a refused connection, a server that
 * never answers, an abort, keys renewed between two requests (the second
 * is signed with the new ones) and no keys at all.
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
#include "creds.h"
#include "dynbuf.h"
#include "s3.h"
#include "wgtap.h"

#define SEG	"wg0-20261124T140231.123456789Z-000042.csv.gz"

static int abort_now;

static int
test_abort_cb(void *arg)
{
	(void)arg;
	return abort_now;
}

/* The keys of the client client_for() made; freed by client_free(). */
static struct creds *test_creds;

/* A client for port signing with keys (NULL: the usual test keys). */
static struct s3_client *
client_with(int port, struct creds *keys, long timeout)
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
	cfg.creds = keys;
	cfg.timeout = timeout;
	cfg.abort_cb = test_abort_cb;
	abort_now = 0;
	ck_assert_int_eq(s3_client_new(&cfg, &c), WGTAP_OK);
	return c;
}

static struct s3_client *
client_for(int port, const char *token, long timeout)
{
	test_creds = tcreds_new("AKIDEXAMPLE", "Sup3rS3cretDoNotPrint", token);
	return client_with(port, test_creds, timeout);
}

static void
client_free(struct s3_client *c)
{
	s3_client_free(c);
	creds_free(test_creds);
	test_creds = NULL;
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
	check_ref_hex(md, 16, h);
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

	fd = tfile_fd(BODY, strlen(BODY));
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
	client_free(c);
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

	fd = tfile_fd(BODY, strlen(BODY));
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
	client_free(c);
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

	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_EHTTP);
	ck_assert_int_eq(res.status, 200);
	ck_assert_ptr_nonnull(strstr(res.error, "ETag"));
	fake_stop(&f);
	client_free(c);
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

	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_OK);
	ck_assert_int_eq(res.status, 200);
	fake_stop(&f);
	client_free(c);
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

	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_EHTTP);
	fake_stop(&f);
	client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_describe_lines)
{
	char line[S3_ERROR_SIZE], big[2 * S3_ERROR_SIZE];

	s3_describe(line, "open", "Permission denied");
	ck_assert_str_eq(line, "open: Permission denied");
	s3_describe(line, "upload aborted", NULL);
	ck_assert_str_eq(line, "upload aborted");
	s3_describe(line, "upload aborted", "");
	ck_assert_str_eq(line, "upload aborted");
	/* cut to fit, NUL-terminated */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s3_describe(line, "read", big);
	ck_assert_uint_eq(strlen(line), S3_ERROR_SIZE - 1);
	ck_assert_mem_eq(line, "read: xxx", 9);
}
END_TEST

/* What S3 answers to a bad signature (s3err.c reads it). */
static const char error_doc[] =
	"<?xml version='1.0' encoding='UTF-8'?>\n"
	"<Error><Code>SignatureDoesNotMatch</Code><Message>The request "
	"signature we calculated does not match the signature you provided. "
	"Check your key and signing method.</Message><RequestId>tx1"
	"</RequestId></Error>";

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
	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_EHTTP);
	ck_assert_int_eq(res.status, 403);
	ck_assert_int_eq(res.net, S3_NET_NONE);
	ck_assert_str_eq(res.code, "SignatureDoesNotMatch");
	ck_assert_ptr_nonnull(strstr(res.message, "does not match"));
	ck_assert_msg(strncmp(res.error, "HTTP 403 SignatureDoesNotMatch: The "
	    "request signature", 50) == 0, "%s", res.error);
	fake_stop(&f);
	client_free(c);
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

	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_EHTTP);
	ck_assert_int_eq(res.status, 503);
	ck_assert_str_eq(res.code, "");
	ck_assert_str_eq(res.error, "HTTP 503");
	fake_stop(&f);
	client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_put_object_refused)
{
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	int fd;

	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	c = client_for(1, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_ENET);
	ck_assert_int_eq(res.status, 0);
	ck_assert_int_eq(res.net, S3_NET_CONNECT);
	/* libcurl's words, and the system's for why */
	ck_assert_msg(strstr(res.error, "127.0.0.1 port 1") &&
	    strstr(res.error, "(Connection refused)"), "%s", res.error);
	client_free(c);
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

	fd = tfile_fd(BODY, strlen(BODY));
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
	ck_assert_int_eq(res.net, S3_NET_TIMEOUT);
	ck_assert_str_ne(res.error, "");
	fake_stop(&f);
	client_free(c);
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

	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	fake_start(&f, NULL);
	c = client_for(f.port, NULL, 30);
	abort_now = 1;
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_ENET);
	ck_assert(res.aborted);
	ck_assert_double_lt(res.secs, 5.0);
	fake_stop(&f);
	client_free(c);
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

	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	ck_assert_int_eq(ftruncate(fd, 5), 0);
	fake_start(&f, ok_response());
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_ETRUNC);
	ck_assert_ptr_nonnull(strstr(res.error, "shrank"));
	fake_stop(&f);
	client_free(c);
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

/* 204, as S3 answers a DELETE. */
static const char no_content[] = "HTTP/1.1 204 No Content\r\n"
    "Connection: close\r\n\r\n";

START_TEST(test_s3_delete_object_wire)
{
	const char *responses[] = { no_content, NULL };
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct fake f;
	const char *line, *put;
	char *req, *auth;
	int fd;

	/* A DELETE, then an upload on the same client: still a PUT. */
	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	responses[1] = ok_response();
	fake_start_seq(&f, responses, 2, NULL, NULL);
	c = client_for(f.port, "TOKEN", 5);
	ck_assert_int_eq(s3_delete_object(c, "wgtap/wgtap-check/gw1", &res),
	    WGTAP_OK);
	ck_assert_int_eq(res.status, 204);
	ck_assert_str_eq(res.error, "");
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_OK);
	req = fake_request(&f);
	line = "DELETE /bkt/wgtap/wgtap-check/gw1 HTTP/1.1\r\n";
	ck_assert_msg(strncmp(req, line, strlen(line)) == 0,
	    "request line: %.200s", req);
	put = strstr(req, "PUT /bkt/wgtap/host%3Dgw1/");
	ck_assert_ptr_nonnull(put);
	/* the DELETE: the empty body's hash, no body headers */
	ck_assert_ptr_nonnull(strstr(req, "\r\nx-amz-content-sha256: "
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	    "\r\n"));
	auth = strstr(req, "\r\nAuthorization: AWS4-HMAC-SHA256 "
	    "Credential=AKIDEXAMPLE/");
	ck_assert(auth && auth < put);
	ck_assert_ptr_nonnull(strstr(auth, "SignedHeaders=host;"
	    "x-amz-content-sha256;x-amz-date;x-amz-security-token, "
	    "Signature="));
	ck_assert(strstr(req, "Content-MD5") > put);
	ck_assert(strstr(req, "Content-Type") > put);
	ck_assert_str_eq(strstr(put, "\r\n\r\n") + 4, BODY);
	free(req);
	fake_stop(&f);
	client_free(c);
	close(fd);
}
END_TEST

START_TEST(test_s3_delete_object_denied)
{
	static const char doc[] = "<Error><Code>AccessDenied</Code>"
	    "<Message>Access Denied</Message></Error>";
	static char resp[512];
	struct s3_client *c;
	struct s3_result res;
	struct fake f;

	snprintf(resp, sizeof(resp), "HTTP/1.1 403 Forbidden\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    strlen(doc), doc);
	fake_start(&f, resp);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_delete_object(c, "k", &res), WGTAP_EHTTP);
	ck_assert_int_eq(res.status, 403);
	ck_assert_str_eq(res.code, "AccessDenied");
	ck_assert_str_eq(res.error, "HTTP 403 AccessDenied: Access Denied");
	fake_stop(&f);
	client_free(c);
}
END_TEST

START_TEST(test_s3_connect)
{
	struct s3_client *c;
	struct s3_result res;
	struct fake f;
	char peer[S3_PEER_SIZE], want[S3_PEER_SIZE];

	/* The responder accepts; no request is sent, so it waits. */
	fake_start(&f, NULL);
	c = client_for(f.port, NULL, 5);
	ck_assert_int_eq(s3_connect(c, &res, peer), WGTAP_OK);
	snprintf(want, sizeof(want), "127.0.0.1 port %d", f.port);
	ck_assert_str_eq(peer, want);
	ck_assert_str_eq(res.error, "");
	ck_assert_int_eq(res.net, S3_NET_NONE);
	fake_stop(&f);
	client_free(c);
	/* Nothing listens on port 1. */
	c = client_for(1, NULL, 5);
	ck_assert_int_eq(s3_connect(c, &res, peer), WGTAP_ENET);
	ck_assert_str_eq(peer, "");
	ck_assert_int_eq(res.net, S3_NET_CONNECT);
	ck_assert_ptr_nonnull(strstr(res.error, "(Connection refused)"));
	client_free(c);
}
END_TEST

/* Rewrite path with a default profile of these keys. */
static void
keys_file(const char *path, const char *id, const char *secret)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "[default]\naws_access_key_id = %s\n"
	    "aws_secret_access_key = %s\n", id, secret);
	ck_assert_int_eq(fclose(f), 0);
}

/* Keys renewed between two requests are used by the second. */
START_TEST(test_s3_put_object_renewed_keys)
{
	const char *responses[2];
	char path[] = "/tmp/check_s3_keys.XXXXXX", why[CREDS_ERROR_SIZE];
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	struct creds *keys;
	struct fake f;
	char *req, *second;
	bool changed;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	close(fd);
	keys_file(path, "AKIDFIRST", "first-secret");
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	ck_assert_msg(creds_load(NULL, &keys, why) == WGTAP_OK, "%s", why);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	responses[0] = responses[1] = ok_response();
	fake_start_seq(&f, responses, 2, NULL, NULL);
	c = client_with(f.port, keys, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_OK);
	keys_file(path, "AKIDSECOND", "second-secret-longer");
	ck_assert_int_eq(creds_refresh(keys, time(NULL), false, &changed,
	    why), WGTAP_OK);
	ck_assert(changed);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_OK);
	req = fake_request(&f);
	second = strstr(req + 1, "PUT /bkt/");
	ck_assert_ptr_nonnull(second);
	ck_assert(strstr(req, "Credential=AKIDFIRST/") < second);
	ck_assert_ptr_nonnull(strstr(second, "Credential=AKIDSECOND/"));
	ck_assert_ptr_null(strstr(second, "AKIDFIRST"));
	ck_assert_ptr_null(strstr(req, "secret"));
	free(req);
	fake_stop(&f);
	s3_client_free(c);
	creds_free(keys);
	close(fd);
	unlink(path);
}
END_TEST

/* Without keys a request is not signed, and not sent. */
START_TEST(test_s3_put_object_no_keys)
{
	struct s3_client *c;
	struct s3_result res;
	struct s3_body b;
	int fd;

	fd = tfile_fd(BODY, strlen(BODY));
	ck_assert_int_eq(s3_body_hash(fd, &b), WGTAP_OK);
	c = client_with(1, NULL, 5);
	ck_assert_int_eq(s3_put_object(c, KEY, "application/gzip", &b, &res),
	    WGTAP_EFORMAT);
	ck_assert_str_eq(res.error, "signing: no credentials");
	s3_client_free(c);
	close(fd);
}
END_TEST

Suite *
s3_suite(void)
{
	Suite *s = suite_create("s3");
	TCase *tc;

	tc = tcase_create("s3_describe");
	tcase_add_test(tc, test_s3_describe_lines);
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
	tcase_add_test(tc, test_s3_put_object_renewed_keys);
	tcase_add_test(tc, test_s3_put_object_no_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("s3_delete_object");
	tcase_add_unchecked_fixture(tc, curl_up, curl_down);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_s3_delete_object_wire);
	tcase_add_test(tc, test_s3_delete_object_denied);
	suite_add_tcase(s, tc);

	tc = tcase_create("s3_connect");
	tcase_add_unchecked_fixture(tc, curl_up, curl_down);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_s3_connect);
	suite_add_tcase(s, tc);
	return s;
}
