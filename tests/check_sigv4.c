// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/sigv4.c: each public step on its own, the AWS SigV4
 * test suite (tests/data/sigv4/v4, read at test time), and the two S3
 * examples from the Amazon S3 API reference (tests/data/sigv4/README.md).
 *
 * Which AWS suite cases apply to S3. S3 signs the object path as it is,
 * URI-encoded once with '/' kept, and never normalises it. The suite's
 * request.txt paths are decoded (raw space, raw UTF-8), and encoding such a
 * path once is exactly what the generic rule produces for them: double
 * encoding would only show on a path holding '%', and no case has one. So
 * the only cases that do not apply are those whose expectations come from
 * RFC 3986 dot-segment removal and "//" merging (normalize=true on a path
 * that normalisation changes). They are excluded, and instead checked to
 * sign like their *-unnormalized twin, which is the S3 answer:
 *
 *	get-relative-normalized             /example/..              -> /
 *	get-relative-relative-normalized    /example1/example2/../.. -> /
 *	get-slash-dot-slash-normalized      /./                      -> /
 *	get-slash-normalized                //                       -> /
 *	get-slash-pointless-dot-normalized  /./example        -> /example
 *	get-slashes-normalized              //example//       -> /example/
 *
 * Every other case applies and must pass, including:
 *	get-space-normalized: normalize=true, but normalising "/example space/"
 *	changes nothing and the expected "/example%20space/" is the single
 *	encoding S3 uses (identical to get-space-unnormalized);
 *	get-utf8, get-unreserved: normalize=true with no dot segments or "//";
 *	post-sts-header-after: omit_session_token=true, the token is sent but
 *	not signed; the signing steps are the same, the caller just leaves
 *	x-amz-security-token out of the signed headers (wgtap signs it);
 *	sign_body=false cases: the generic suite does not send
 *	x-amz-content-sha256 (S3 requires it), but which headers are signed is
 *	the caller's choice and the steps are identical; sign_body=true adds
 *	it, as wgtap does.
 * The test also asserts that no applied case with normalize=true has a
 * path that normalisation would change, so a new case cannot slip in.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "dynbuf.h"
#include "sigv4.h"
#include "wgtap.h"

#define CASE_FILE_MAX	(64 * 1024)
#define VALUE_MAX	4096
#define EXTRA_HEADERS	3	/* x-amz-date, security token, content hash */

static const char *const aws_cases[] = {
	"get-header-key-duplicate",
	"get-header-value-multiline",
	"get-header-value-order",
	"get-header-value-trim",
	"get-relative-relative-unnormalized",
	"get-relative-unnormalized",
	"get-slash-dot-slash-unnormalized",
	"get-slash-pointless-dot-unnormalized",
	"get-slash-unnormalized",
	"get-slashes-unnormalized",
	"get-space-normalized",
	"get-space-unnormalized",
	"get-unreserved",
	"get-utf8",
	"get-vanilla",
	"get-vanilla-empty-query-key",
	"get-vanilla-query",
	"get-vanilla-query-order-encoded",
	"get-vanilla-query-order-key-case",
	"get-vanilla-query-unreserved",
	"get-vanilla-utf8-query",
	"get-vanilla-with-session-token",
	"post-header-key-case",
	"post-header-key-sort",
	"post-header-value-case",
	"post-sts-header-after",
	"post-sts-header-before",
	"post-vanilla",
	"post-vanilla-empty-query-value",
	"post-vanilla-query",
	"post-x-www-form-urlencoded",
	"post-x-www-form-urlencoded-parameters",
};

/* Excluded (normalising) cases and the twin whose answer S3 gives. */
static const char *const aws_excluded[][2] = {
	{ "get-relative-normalized", "get-relative-unnormalized" },
	{ "get-relative-relative-normalized",
	    "get-relative-relative-unnormalized" },
	{ "get-slash-dot-slash-normalized",
	    "get-slash-dot-slash-unnormalized" },
	{ "get-slash-normalized", "get-slash-unnormalized" },
	{ "get-slash-pointless-dot-normalized",
	    "get-slash-pointless-dot-unnormalized" },
	{ "get-slashes-normalized", "get-slashes-unnormalized" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The fields of a case's context.json that the tests use. */
struct aws_context {
	char	access_key_id[64];
	char	secret[128];
	char	token[1024];
	char	region[32];
	char	service[32];
	char	amz_date[SIGV4_AMZ_DATE_SIZE];
	bool	has_token;
	bool	omit_token;
	bool	normalize;
	bool	sign_body;
};

/* A parsed request.txt; strings point into raw or into values. */
struct aws_request {
	struct dynbuf		 raw;
	const char		*method;
	const char		*path;
	const char		*query;		/* NULL when none */
	struct sigv4_header	 h[SIGV4_MAX_HEADERS];
	struct dynbuf		 values[SIGV4_MAX_HEADERS];
	size_t			 nh;
	const char		*body;
	size_t			 body_len;
	char			 payload_hash[SIGV4_HEX_SIZE];
};

/* Read tests/data/sigv4/v4/<name>/<file> into out. */
static int
read_case_file(const char *name, const char *file, struct dynbuf *out)
{
	char path[1024], chunk[4096];
	FILE *f = NULL;
	size_t n;
	int len, r = WGTAP_ETOOBIG;

	dynbuf_init(out, CASE_FILE_MAX);
	len = snprintf(path, sizeof(path), "%s/sigv4/v4/%s/%s",
	    check_datadir(), name, file);
	if (len < 0 || (size_t)len >= sizeof(path))
		goto out;
	r = WGTAP_ESYS;
	f = fopen(path, "rb");
	if (!f)
		goto out;
	for (;;) {
		n = fread(chunk, 1, sizeof(chunk), f);
		if (n == 0)
			break;
		r = dynbuf_add(out, chunk, n);
		if (r != WGTAP_OK)
			goto out;
	}
	r = ferror(f) ? WGTAP_ESYS : WGTAP_OK;
 out:
	if (f)
		fclose(f);
	return r;
}

static void
must_read(const char *name, const char *file, struct dynbuf *out)
{
	int r;

	r = read_case_file(name, file, out);
	ck_assert_msg(r == WGTAP_OK, "read %s/%s (datadir %s): %s", name,
	    file, check_datadir(), wgtap_strerror(r));
}

/*
 * A small JSON value extractor, enough for the suite's context.json and
 * nothing more (tests only). Every loop is bounded by the NUL of the text
 * or by the output's size.
 */
static bool
json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *
json_skip_ws(const char *p)
{
	while (json_ws(*p))
		p++;
	return p;
}

/* p is at '"'; returns the byte after the closing '"', NULL if bad. */
static const char *
json_string(const char *p, char *out, size_t cap, bool *fits)
{
	size_t n = 0;
	char c;

	*fits = true;
	for (p++; *p != '"'; ) {
		if (*p == '\0' || (unsigned char)*p < 0x20)
			return NULL;
		c = *p++;
		if (c == '\\') {
			switch (*p) {
			case '"':
			case '\\':
			case '/':
				c = *p;
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			default:
				return NULL;
			}
			p++;
		}
		if (n + 1 < cap)
			out[n++] = c;
		else
			*fits = false;
	}
	out[n] = '\0';
	return p + 1;
}

/*
 * Find the first member called key at any depth (the suite's keys are
 * unique) and copy its value into out: strings unescaped (only \" \\ \/
 * \n \t are accepted), true, false and numbers as written. Returns false
 * if the key is missing, malformed or its value does not fit in cap.
 */
static bool
json_get(const char *json, const char *key, char *out, size_t cap)
{
	const char *p = json;
	char name[64];
	bool fits;
	size_t n;

	while (*p) {
		if (*p != '"') {
			p++;
			continue;
		}
		p = json_string(p, name, sizeof(name), &fits);
		if (!p)
			return false;
		p = json_skip_ws(p);
		if (*p != ':')
			continue;	/* a string value, not a key */
		p = json_skip_ws(p + 1);
		if (!fits || strcmp(name, key) != 0)
			continue;
		if (*p == '"')
			return json_string(p, out, cap, &fits) && fits;
		for (n = 0; p[n] && p[n] != ',' && p[n] != '}' &&
		    p[n] != ']' && !json_ws(p[n]); n++)
			;
		if (n == 0 || n >= cap)
			return false;
		memcpy(out, p, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

static bool
json_get_bool(const char *json, const char *key, bool dflt)
{
	char v[8];

	if (!json_get(json, key, v, sizeof(v)))
		return dflt;
	return strcmp(v, "true") == 0;
}

/* "2015-08-30T12:36:00Z" -> "20150830T123600Z" */
static bool
iso_to_amz_date(const char *iso, char out[static SIGV4_AMZ_DATE_SIZE])
{
	size_t n = 0;

	for (; *iso; iso++) {
		if (*iso == '-' || *iso == ':')
			continue;
		if (n == SIGV4_AMZ_DATE_LEN)
			return false;
		out[n++] = *iso;
	}
	out[n] = '\0';
	return n == SIGV4_AMZ_DATE_LEN;
}

static void
load_context(const char *name, struct aws_context *ctx)
{
	struct dynbuf json;
	char ts[32];
	const char *j;

	memset(ctx, 0, sizeof(*ctx));
	must_read(name, "context.json", &json);
	j = dynbuf_str(&json);
	ck_assert(json_get(j, "access_key_id", ctx->access_key_id,
	    sizeof(ctx->access_key_id)));
	ck_assert(json_get(j, "secret_access_key", ctx->secret,
	    sizeof(ctx->secret)));
	ctx->has_token = json_get(j, "token", ctx->token, sizeof(ctx->token));
	ck_assert(json_get(j, "region", ctx->region, sizeof(ctx->region)));
	ck_assert(json_get(j, "service", ctx->service, sizeof(ctx->service)));
	ck_assert(json_get(j, "timestamp", ts, sizeof(ts)));
	ck_assert_msg(iso_to_amz_date(ts, ctx->amz_date), "timestamp %s", ts);
	ctx->normalize = json_get_bool(j, "normalize", true);
	ctx->sign_body = json_get_bool(j, "sign_body", false);
	ctx->omit_token = json_get_bool(j, "omit_session_token", false);
	dynbuf_free(&json);
}

static void
request_free(struct aws_request *req)
{
	size_t i;

	for (i = 0; i < req->nh; i++)
		dynbuf_free(&req->values[i]);
	dynbuf_free(&req->raw);
}

static int
request_add_header(struct aws_request *req, const char *name,
    const char *value)
{
	if (req->nh == SIGV4_MAX_HEADERS)
		return WGTAP_ETOOBIG;
	req->h[req->nh].name = name;
	dynbuf_init(&req->values[req->nh], VALUE_MAX);
	req->nh++;
	return dynbuf_addstr(&req->values[req->nh - 1], value);
}

/*
 * Parse request.txt in place: "METHOD target HTTP/1.1" (the target may
 * hold spaces, so the method ends at the first space and the version
 * starts after the last), header lines "Name:value" up to an empty line,
 * a line starting with a blank continuing the header before it (RFC 7230
 * section 3.2.4 obs-fold, replaced by a space), then the body.
 */
static int
parse_request(struct aws_request *req)
{
	char *p = req->raw.buf, *end, *line, *nl, *sp1, *sp2, *colon, *q;
	int r = WGTAP_EFORMAT;

	if (!p)
		goto out;
	end = p + req->raw.len;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		goto out;
	*nl = '\0';
	line = p;
	p = nl + 1;
	sp1 = strchr(line, ' ');
	sp2 = strrchr(line, ' ');
	if (!sp1 || sp1 == sp2 || strcmp(sp2 + 1, "HTTP/1.1") != 0)
		goto out;
	*sp1 = '\0';
	*sp2 = '\0';
	req->method = line;
	req->path = sp1 + 1;
	q = strchr(sp1 + 1, '?');
	if (q) {
		*q = '\0';
		req->query = q + 1;
	}
	while (p < end) {
		line = p;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl) {
			*nl = '\0';
			p = nl + 1;
		} else {
			p = end;	/* raw is NUL-terminated */
		}
		if (*line == '\0')
			break;
		if (*line == ' ' || *line == '\t') {
			r = WGTAP_EFORMAT;
			if (req->nh == 0)
				goto out;
			r = dynbuf_printf(&req->values[req->nh - 1], " %s",
			    line);
		} else {
			r = WGTAP_EFORMAT;
			colon = strchr(line, ':');
			if (!colon)
				goto out;
			*colon = '\0';
			r = WGTAP_ETOOBIG;
			if (req->nh >= SIGV4_MAX_HEADERS - EXTRA_HEADERS)
				goto out;
			r = request_add_header(req, line, colon + 1);
		}
		if (r != WGTAP_OK)
			goto out;
	}
	req->body = p;
	req->body_len = (size_t)(end - p);
	r = WGTAP_OK;
 out:
	return r;
}

/* Point the header values at their (now final) buffers. */
static void
request_fix_values(struct aws_request *req)
{
	size_t i;

	for (i = 0; i < req->nh; i++)
		req->h[i].value = dynbuf_str(&req->values[i]);
}

/*
 * Load a case's request and add what the suite's signer adds: X-Amz-Date,
 * the session token unless the case omits it, and x-amz-content-sha256
 * when the body is signed.
 */
static void
load_request(const char *name, const struct aws_context *ctx,
    struct aws_request *req)
{
	int r;

	memset(req, 0, sizeof(*req));
	must_read(name, "request.txt", &req->raw);
	r = parse_request(req);
	ck_assert_msg(r == WGTAP_OK, "%s/request.txt: %s", name,
	    wgtap_strerror(r));
	r = sigv4_sha256_hex(req->body, req->body_len, req->payload_hash);
	ck_assert_int_eq(r, WGTAP_OK);
	r = request_add_header(req, "X-Amz-Date", ctx->amz_date);
	ck_assert_int_eq(r, WGTAP_OK);
	if (ctx->has_token && !ctx->omit_token) {
		r = request_add_header(req, "X-Amz-Security-Token",
		    ctx->token);
		ck_assert_int_eq(r, WGTAP_OK);
	}
	if (ctx->sign_body) {
		r = request_add_header(req, "x-amz-content-sha256",
		    req->payload_hash);
		ck_assert_int_eq(r, WGTAP_OK);
	}
	request_fix_values(req);
}

/* Would RFC 3986 normalisation ("." / ".." segments, "//") change path? */
static bool
path_needs_normalising(const char *path)
{
	const char *seg = path + 1, *slash;
	size_t n;

	if (*path != '/')
		return true;
	for (;;) {
		slash = strchr(seg, '/');
		n = slash ? (size_t)(slash - seg) : strlen(seg);
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return true;
		if (n == 0 && slash)
			return true;	/* "//" */
		if (!slash)
			return false;
		seg = slash + 1;
	}
}

/* The value of the Authorization line in header-signed-request.txt. */
static void
expected_authorization(const char *name, struct dynbuf *out)
{
	struct dynbuf signed_req;
	const char *line, *nl;

	must_read(name, "header-signed-request.txt", &signed_req);
	line = strstr(dynbuf_str(&signed_req), "\nAuthorization:");
	ck_assert_ptr_nonnull(line);
	line += strlen("\nAuthorization:");
	nl = strchr(line, '\n');
	ck_assert_ptr_nonnull(nl);
	dynbuf_init(out, CASE_FILE_MAX);
	ck_assert_int_eq(dynbuf_add(out, line, (size_t)(nl - line)),
	    WGTAP_OK);
	dynbuf_free(&signed_req);
}

static void
assert_buf_eq(const struct dynbuf *got, const struct dynbuf *want,
    const char *name, const char *what)
{
	ck_assert_msg(dynbuf_len(got) == dynbuf_len(want) &&
	    memcmp(dynbuf_str(got), dynbuf_str(want), dynbuf_len(got)) == 0,
	    "%s: %s differs:\n--- got\n%s\n--- want\n%s", name, what,
	    dynbuf_str(got), dynbuf_str(want));
}

/*
 * Sign case name's request and check every step against the expected
 * files of case expect (the same case, or an excluded case's twin). Each
 * step is fed the expected output of the step before it, so one broken
 * step fails only its own check.
 */
static void
check_case(const char *name, const char *expect)
{
	struct aws_context ctx;
	struct aws_request req;
	struct sigv4_request sreq;
	struct sigv4_credentials cred;
	struct dynbuf want_creq, want_sts, want_sig, want_auth;
	struct dynbuf creq, scope, sts, auth;
	uint8_t key[SIGV4_KEY_LEN];
	char date[SIGV4_DATE_SIZE], sig[SIGV4_HEX_SIZE];
	int r;

	load_context(name, &ctx);
	load_request(name, &ctx, &req);
	must_read(expect, "header-canonical-request.txt", &want_creq);
	must_read(expect, "header-string-to-sign.txt", &want_sts);
	must_read(expect, "header-signature.txt", &want_sig);
	expected_authorization(expect, &want_auth);

	sreq.method = req.method;
	sreq.path = req.path;
	sreq.query = req.query;
	sreq.headers = req.h;
	sreq.nheaders = req.nh;
	sreq.payload_hash = req.payload_hash;
	cred.access_key_id = ctx.access_key_id;
	cred.secret_access_key = ctx.secret;

	/* 1. canonical request */
	dynbuf_init(&creq, SIGV4_MAX_TEXT);
	r = sigv4_canonical_request(&creq, &sreq);
	ck_assert_msg(r == WGTAP_OK, "%s: canonical request: %s", name,
	    wgtap_strerror(r));
	assert_buf_eq(&creq, &want_creq, name, "canonical request");

	/* 2. string to sign, from the expected canonical request */
	dynbuf_init(&scope, SIGV4_MAX_TEXT);
	r = sigv4_scope(&scope, ctx.amz_date, ctx.region, ctx.service);
	ck_assert_int_eq(r, WGTAP_OK);
	dynbuf_init(&sts, SIGV4_MAX_TEXT);
	r = sigv4_string_to_sign(&sts, ctx.amz_date, dynbuf_str(&scope),
	    dynbuf_str(&want_creq), dynbuf_len(&want_creq));
	ck_assert_int_eq(r, WGTAP_OK);
	assert_buf_eq(&sts, &want_sts, name, "string to sign");

	/* 3. signature, from the expected string to sign */
	memcpy(date, ctx.amz_date, SIGV4_DATE_LEN);
	date[SIGV4_DATE_LEN] = '\0';
	r = sigv4_signing_key(ctx.secret, date, ctx.region, ctx.service, key);
	ck_assert_int_eq(r, WGTAP_OK);
	r = sigv4_signature(key, dynbuf_str(&want_sts), dynbuf_len(&want_sts),
	    sig);
	ck_assert_int_eq(r, WGTAP_OK);
	ck_assert_uint_eq(dynbuf_len(&want_sig), SIGV4_HEX_LEN);
	ck_assert_str_eq(sig, dynbuf_str(&want_sig));

	/* 4. the whole chain, as wgtap-ship calls it */
	dynbuf_init(&auth, SIGV4_MAX_TEXT);
	r = sigv4_sign(&auth, &sreq, &cred, ctx.region, ctx.service,
	    ctx.amz_date);
	ck_assert_int_eq(r, WGTAP_OK);
	assert_buf_eq(&auth, &want_auth, name, "Authorization");

	dynbuf_free(&creq);
	dynbuf_free(&scope);
	dynbuf_free(&sts);
	dynbuf_free(&auth);
	dynbuf_free(&want_creq);
	dynbuf_free(&want_sts);
	dynbuf_free(&want_sig);
	dynbuf_free(&want_auth);
	request_free(&req);
}

START_TEST(test_sigv4_aws_suite)
{
	const char *name = aws_cases[_i];
	struct aws_context ctx;
	struct aws_request req;

	/* A normalising case must not sneak into the applied list. */
	load_context(name, &ctx);
	load_request(name, &ctx, &req);
	ck_assert_msg(!ctx.normalize || !path_needs_normalising(req.path),
	    "%s: expectations depend on path normalisation", name);
	request_free(&req);

	check_case(name, name);
}
END_TEST

START_TEST(test_sigv4_aws_suite_not_normalised)
{
	const char *name = aws_excluded[_i][0];
	const char *twin = aws_excluded[_i][1];
	struct aws_context ctx;
	struct aws_request req;
	struct dynbuf creq, want;
	struct sigv4_request sreq;
	int r;

	/* Why it is excluded: the generic answer normalises the path... */
	load_context(name, &ctx);
	ck_assert(ctx.normalize);
	load_request(name, &ctx, &req);
	ck_assert(path_needs_normalising(req.path));
	memset(&sreq, 0, sizeof(sreq));
	sreq.method = req.method;
	sreq.path = req.path;
	sreq.query = req.query;
	sreq.headers = req.h;
	sreq.nheaders = req.nh;
	sreq.payload_hash = req.payload_hash;
	dynbuf_init(&creq, SIGV4_MAX_TEXT);
	r = sigv4_canonical_request(&creq, &sreq);
	ck_assert_int_eq(r, WGTAP_OK);
	must_read(name, "header-canonical-request.txt", &want);
	ck_assert_str_ne(dynbuf_str(&creq), dynbuf_str(&want));
	dynbuf_free(&creq);
	dynbuf_free(&want);
	request_free(&req);

	/* ...and S3 signs the path as it is, like the unnormalised twin. */
	check_case(name, twin);
}
END_TEST

/* The two S3 examples ("single chunk") of tests/data/sigv4/README.md. */
#define S3_AKID		"AKIAIOSFODNN7EXAMPLE"
#define S3_SECRET	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define S3_DATE		"20130524T000000Z"
#define S3_HOST		"examplebucket.s3.amazonaws.com"

START_TEST(test_sigv4_sign_s3_get_range)
{
	const struct sigv4_header h[] = {
		{ "Host", S3_HOST },
		{ "Range", "bytes=0-9" },
		{ "x-amz-content-sha256", SIGV4_EMPTY_SHA256 },
		{ "x-amz-date", S3_DATE },
	};
	const struct sigv4_request req = {
		"GET", "/test.txt", NULL, h, NELEM(h), SIGV4_EMPTY_SHA256,
	};
	const struct sigv4_credentials cred = { S3_AKID, S3_SECRET };
	struct dynbuf auth;
	int r;

	dynbuf_init(&auth, SIGV4_MAX_TEXT);
	r = sigv4_sign(&auth, &req, &cred, "us-east-1", "s3", S3_DATE);
	ck_assert_int_eq(r, WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&auth), "AWS4-HMAC-SHA256 "
	    "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
	    "aws4_request, "
	    "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
	    "Signature="
	    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	dynbuf_free(&auth);
}
END_TEST

START_TEST(test_sigv4_sign_s3_put_dollar)
{
	const char body[] = "Welcome to Amazon S3.";
	char hash[SIGV4_HEX_SIZE];
	struct sigv4_header h[] = {
		{ "Date", "Fri, 24 May 2013 00:00:00 GMT" },
		{ "Host", S3_HOST },
		{ "x-amz-date", S3_DATE },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", NULL },
	};
	struct sigv4_request req = {
		"PUT", "/test$file.text", NULL, h, NELEM(h), NULL,
	};
	const struct sigv4_credentials cred = { S3_AKID, S3_SECRET };
	struct dynbuf creq, auth;
	int r;

	r = sigv4_sha256_hex(body, strlen(body), hash);
	ck_assert_int_eq(r, WGTAP_OK);
	ck_assert_str_eq(hash,
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	h[4].value = hash;
	req.payload_hash = hash;

	dynbuf_init(&creq, SIGV4_MAX_TEXT);
	r = sigv4_canonical_request(&creq, &req);
	ck_assert_int_eq(r, WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&creq),
	    "PUT\n"
	    "/test%24file.text\n"
	    "\n"
	    "date:Fri, 24 May 2013 00:00:00 GMT\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "x-amz-content-sha256:"
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
	    "x-amz-date:20130524T000000Z\n"
	    "x-amz-storage-class:REDUCED_REDUNDANCY\n"
	    "\n"
	    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
	dynbuf_free(&creq);

	dynbuf_init(&auth, SIGV4_MAX_TEXT);
	r = sigv4_sign(&auth, &req, &cred, "us-east-1", "s3", S3_DATE);
	ck_assert_int_eq(r, WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&auth), "AWS4-HMAC-SHA256 "
	    "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
	    "aws4_request, SignedHeaders="
	    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
	    "Signature="
	    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
	dynbuf_free(&auth);
}
END_TEST

/* A session token is one more signed header, x-amz-security-token. */
START_TEST(test_sigv4_sign_session_token)
{
	const struct sigv4_header h[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
		{ "X-Amz-Security-Token", "6e86291e8372ff2a2260956d9b8aae1d"
		    "763fbf315fa00fa31553b73ebf194267" },
	};
	const struct sigv4_request req = {
		"GET", "/", NULL, h, NELEM(h), SIGV4_EMPTY_SHA256,
	};
	const struct sigv4_credentials cred = {
		"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	};
	struct dynbuf auth;
	int r;

	/* Same as get-vanilla-with-session-token, without the files. */
	dynbuf_init(&auth, SIGV4_MAX_TEXT);
	r = sigv4_sign(&auth, &req, &cred, "us-east-1", "service",
	    "20150830T123600Z");
	ck_assert_int_eq(r, WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&auth), "AWS4-HMAC-SHA256 "
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	    "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="
	    "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
	dynbuf_free(&auth);
}
END_TEST

static const struct sigv4_header sign_h_ok[] = {
	{ "host", "h" },
	{ "x-amz-date", "20150830T123600Z" },
};

static int
sign_with(const struct sigv4_header *h, size_t n, const char *amz_date,
    const char *akid, const char *secret, struct dynbuf *auth)
{
	const struct sigv4_request req = {
		"PUT", "/k", NULL, h, n, SIGV4_EMPTY_SHA256,
	};
	const struct sigv4_credentials cred = { akid, secret };

	dynbuf_init(auth, SIGV4_MAX_TEXT);
	/* Something already in the buffer must be gone after a failure. */
	ck_assert_int_eq(dynbuf_addstr(auth, "stale"), WGTAP_OK);
	return sigv4_sign(auth, &req, &cred, "us-east-1", "s3", amz_date);
}

START_TEST(test_sigv4_sign_rejects)
{
	const struct sigv4_header no_host[] = {
		{ "x-amz-date", "20150830T123600Z" },
	};
	const struct sigv4_header two_dates[] = {
		{ "host", "h" },
		{ "x-amz-date", "20150830T123600Z" },
		{ "X-Amz-Date", "20150830T123600Z" },
	};
	const struct sigv4_header padded[] = {
		{ "HOST", "h" },
		{ "X-AMZ-DATE", "  20150830T123600Z\t" },
	};
	struct dynbuf auth;

	ck_assert_int_eq(sign_with(sign_h_ok, NELEM(sign_h_ok),
	    "20150830T123600Z", "AKID", "secret", &auth), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&auth), "staleAWS4-HMAC-SHA256 "
	    "Credential=AKID/20150830/us-east-1/s3/aws4_request, "
	    "SignedHeaders=host;x-amz-date, Signature="
	    "02f79eb02f069e2d83f54424be53e0996e8084481cc2cc0f778b64f72a3496e1");
	dynbuf_free(&auth);
	ck_assert_int_eq(sign_with(padded, NELEM(padded),
	    "20150830T123600Z", "AKID", "secret", &auth), WGTAP_OK);
	dynbuf_free(&auth);

	ck_assert_int_eq(sign_with(no_host, NELEM(no_host),
	    "20150830T123600Z", "AKID", "secret", &auth), WGTAP_EFORMAT);
	ck_assert_ptr_null(auth.buf);
	ck_assert_uint_eq(dynbuf_len(&auth), 0);
	ck_assert_int_eq(sign_with(two_dates, NELEM(two_dates),
	    "20150830T123600Z", "AKID", "secret", &auth), WGTAP_EFORMAT);
	ck_assert_ptr_null(auth.buf);
	/* x-amz-date must be the time that is signed */
	ck_assert_int_eq(sign_with(sign_h_ok, NELEM(sign_h_ok),
	    "20150830T123601Z", "AKID", "secret", &auth), WGTAP_EFORMAT);
	ck_assert_ptr_null(auth.buf);
	ck_assert_int_eq(sign_with(sign_h_ok, NELEM(sign_h_ok),
	    "2015-08-30T12:36:00Z", "AKID", "secret", &auth), WGTAP_EFORMAT);
	ck_assert_int_eq(sign_with(sign_h_ok, NELEM(sign_h_ok),
	    "20150830T123600Z", "", "secret", &auth), WGTAP_EFORMAT);
	ck_assert_int_eq(sign_with(sign_h_ok, NELEM(sign_h_ok),
	    "20150830T123600Z", "AK/ID", "secret", &auth), WGTAP_EFORMAT);
	ck_assert_int_eq(sign_with(sign_h_ok, NELEM(sign_h_ok),
	    "20150830T123600Z", "AKID", "", &auth), WGTAP_EFORMAT);
	ck_assert_ptr_null(auth.buf);
}
END_TEST

START_TEST(test_sigv4_sha256_hex_vectors)
{
	char hex[SIGV4_HEX_SIZE];

	ck_assert_int_eq(sigv4_sha256_hex(NULL, 0, hex), WGTAP_OK);
	ck_assert_str_eq(hex, SIGV4_EMPTY_SHA256);
	ck_assert_int_eq(sigv4_sha256_hex("abc", 3, hex), WGTAP_OK);
	ck_assert_str_eq(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* Bytes, not a string: an embedded NUL counts (sha256sum). */
	ck_assert_int_eq(sigv4_sha256_hex("a\0b", 3, hex), WGTAP_OK);
	ck_assert_str_eq(hex,
	    "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
}
END_TEST

START_TEST(test_sigv4_amz_date_format)
{
	char out[SIGV4_AMZ_DATE_SIZE];

	ck_assert_int_eq(sigv4_amz_date(1440938160, out), WGTAP_OK);
	ck_assert_str_eq(out, "20150830T123600Z");
	ck_assert_int_eq(sigv4_amz_date(1369353600, out), WGTAP_OK);
	ck_assert_str_eq(out, "20130524T000000Z");
	ck_assert_int_eq(sigv4_amz_date(0, out), WGTAP_OK);
	ck_assert_str_eq(out, "19700101T000000Z");
	/* 9999-12-31T23:59:59Z is the last time that fits. */
	ck_assert_int_eq(sigv4_amz_date(253402300799, out), WGTAP_OK);
	ck_assert_str_eq(out, "99991231T235959Z");
	ck_assert_int_eq(sigv4_amz_date(253402300800, out), WGTAP_EFORMAT);
	ck_assert_str_eq(out, "");
}
END_TEST

static void
assert_encode(const char *in, size_t len, bool keep_slash, const char *want)
{
	struct dynbuf b;

	dynbuf_init(&b, 1024);
	ck_assert_int_eq(sigv4_uri_encode(&b, in, len, keep_slash), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), want);
	ck_assert_uint_eq(dynbuf_len(&b), strlen(want));
	dynbuf_free(&b);
}

START_TEST(test_sigv4_uri_encode_edges)
{
	const char unreserved[] = "-._~0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	assert_encode("", 0, false, "");
	assert_encode(NULL, 0, true, "");
	assert_encode(unreserved, strlen(unreserved), false, unreserved);
	assert_encode("=", 1, false, "%3D");
	assert_encode("+", 1, false, "%2B");
	assert_encode(" ", 1, false, "%20");
	assert_encode("~", 1, false, "~");
	assert_encode("%", 1, false, "%25");
	assert_encode("%20", 3, true, "%2520");	/* never decodes */
	assert_encode("\xe1\x88\xb4", 3, false, "%E1%88%B4");
	assert_encode("\xff\x80", 2, true, "%FF%80");
	assert_encode("a\0b", 3, false, "a%00b");
	assert_encode("/", 1, true, "/");
	assert_encode("/", 1, false, "%2F");
	assert_encode("/a b/c=d+e", 10, true, "/a%20b/c%3Dd%2Be");
	assert_encode("/a b/c=d+e", 10, false, "%2Fa%20b%2Fc%3Dd%2Be");
	assert_encode("!*'();:@&$,?#[]", 15, false,
	    "%21%2A%27%28%29%3B%3A%40%26%24%2C%3F%23%5B%5D");
}
END_TEST

START_TEST(test_sigv4_uri_encode_appends)
{
	struct dynbuf b;

	dynbuf_init(&b, 1024);
	ck_assert_int_eq(dynbuf_addstr(&b, "x="), WGTAP_OK);
	ck_assert_int_eq(sigv4_uri_encode(&b, "a b", 3, false), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "x=a%20b");
	dynbuf_free(&b);
}
END_TEST

/* Each cap short of the result fails cleanly; the exact size fits. */
START_TEST(test_sigv4_uri_encode_cap)
{
	const char in[] = "/a b/\xe1\x88\xb4";
	const char want[] = "/a%20b/%E1%88%B4";
	struct dynbuf b;
	size_t cap;

	for (cap = 0; cap < strlen(want); cap++) {
		dynbuf_init(&b, cap);
		ck_assert_int_eq(sigv4_uri_encode(&b, in, strlen(in), true),
		    WGTAP_ETOOBIG);
		ck_assert_ptr_null(b.buf);
		ck_assert_uint_eq(b.len, 0);
	}
	dynbuf_init(&b, strlen(want));
	ck_assert_int_eq(sigv4_uri_encode(&b, in, strlen(in), true),
	    WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), want);
	dynbuf_free(&b);
}
END_TEST

static int
canon_uri(const char *path, struct dynbuf *b)
{
	dynbuf_init(b, 1024);
	return sigv4_canonical_uri(b, path);
}

START_TEST(test_sigv4_canonical_uri_s3)
{
	struct dynbuf b;

	ck_assert_int_eq(canon_uri("", &b), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "/");
	dynbuf_free(&b);
	ck_assert_int_eq(canon_uri("/", &b), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "/");
	dynbuf_free(&b);
	/* No normalisation: dot segments and empty segments stay. */
	ck_assert_int_eq(canon_uri("/a/./b/../c//d/.", &b), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "/a/./b/../c//d/.");
	dynbuf_free(&b);
	/* Encoded once: '%' is a literal byte of the key. */
	ck_assert_int_eq(canon_uri("/a b/c%2Fd", &b), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "/a%20b/c%252Fd");
	dynbuf_free(&b);
	ck_assert_int_eq(canon_uri("/test$file.text", &b), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "/test%24file.text");
	dynbuf_free(&b);
	ck_assert_int_eq(canon_uri("/logs/host=gw1/dt=2026-11-24/"
	    "wg0-20261124T140231.123456789Z-000042.csv.gz", &b), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "/logs/host%3Dgw1/dt%3D2026-11-24/"
	    "wg0-20261124T140231.123456789Z-000042.csv.gz");
	dynbuf_free(&b);
	ck_assert_int_eq(canon_uri("relative", &b), WGTAP_EFORMAT);
	ck_assert_ptr_null(b.buf);
	ck_assert_int_eq(canon_uri(NULL, &b), WGTAP_EFORMAT);
}
END_TEST

static void
assert_query(const char *query, int want_r, const char *want)
{
	struct dynbuf b;
	int r;

	dynbuf_init(&b, 1024);
	r = sigv4_canonical_query(&b, query);
	ck_assert_msg(r == want_r, "query \"%s\": %s", query ? query : "(null)",
	    wgtap_strerror(r));
	ck_assert_str_eq(dynbuf_str(&b), want);
	dynbuf_free(&b);
}

START_TEST(test_sigv4_canonical_query_forms)
{
	assert_query(NULL, WGTAP_OK, "");
	assert_query("", WGTAP_OK, "");
	assert_query("a=1", WGTAP_OK, "a=1");
	assert_query("b=2&a=1", WGTAP_OK, "a=1&b=2");
	assert_query("a=2&a=1&a=10", WGTAP_OK, "a=1&a=10&a=2");
	assert_query("B=1&a=1", WGTAP_OK, "B=1&a=1");	/* byte order */
	/* by name first: "a" < "a-b", although '-' < '=' */
	assert_query("a-b=1&a=2", WGTAP_OK, "a=2&a-b=1");
	assert_query("acl", WGTAP_OK, "acl=");
	assert_query("uploads&prefix=x", WGTAP_OK, "prefix=x&uploads=");
	assert_query("a=", WGTAP_OK, "a=");
	assert_query("=v", WGTAP_OK, "=v");
	assert_query("&a=1&&b=2&", WGTAP_OK, "a=1&b=2");
	assert_query("&", WGTAP_OK, "");
	assert_query("k=v=w", WGTAP_OK, "k=v%3Dw");
	/* decoded, then encoded the SigV4 way */
	assert_query("%7e=%7E&x=%41", WGTAP_OK, "x=A&~=~");
	assert_query("x=a%2fb", WGTAP_OK, "x=a%2Fb");
	assert_query("x=a/b", WGTAP_OK, "x=a%2Fb");
	assert_query("x=a b", WGTAP_OK, "x=a%20b");
	assert_query("x=a+b", WGTAP_OK, "x=a%2Bb");	/* '+' is a plus */
	assert_query("x=a%20b", WGTAP_OK, "x=a%20b");
	assert_query("x=%25", WGTAP_OK, "x=%25");
	assert_query("\xe1\x88\xb4=bar", WGTAP_OK, "%E1%88%B4=bar");
	assert_query("%E1%88%B4=bar", WGTAP_OK, "%E1%88%B4=bar");
	assert_query("x=%00", WGTAP_OK, "x=%00");
	/* bad escapes */
	assert_query("x=%", WGTAP_EFORMAT, "");
	assert_query("x=%4", WGTAP_EFORMAT, "");
	assert_query("x=%zz", WGTAP_EFORMAT, "");
	assert_query("%g1=x", WGTAP_EFORMAT, "");
}
END_TEST

START_TEST(test_sigv4_canonical_query_cap)
{
	struct dynbuf b;

	dynbuf_init(&b, 7);
	ck_assert_int_eq(sigv4_canonical_query(&b, "b=2&a=1"), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "a=1&b=2");
	dynbuf_free(&b);
	dynbuf_init(&b, 6);
	ck_assert_int_eq(sigv4_canonical_query(&b, "b=2&a=1"),
	    WGTAP_ETOOBIG);
	ck_assert_ptr_null(b.buf);
	/* one parameter alone can be too big too */
	dynbuf_init(&b, 4);
	ck_assert_int_eq(sigv4_canonical_query(&b, "x=a b"), WGTAP_ETOOBIG);
	ck_assert_ptr_null(b.buf);
}
END_TEST

static int
canon_headers(const struct sigv4_header *h, size_t n, struct dynbuf *c,
    struct dynbuf *s)
{
	int r;

	dynbuf_init(c, 4096);
	dynbuf_init(s, 4096);
	r = sigv4_canonical_headers(c, h, n);
	if (r == WGTAP_OK)
		r = sigv4_signed_headers(s, h, n);
	return r;
}

START_TEST(test_sigv4_canonical_headers_forms)
{
	const struct sigv4_header h[] = {
		{ "X-Amz-Meta-B", "  two  words \t here  " },
		{ "host", "example.com" },
		{ "x-amz-meta-a", "\t\t" },
		{ "X-AMZ-META-B", "second" },
		{ "Content-Type", "text/csv; charset=\"utf-8\"" },
		{ "x-amz-meta-b", "  third\t" },
		{ "x-amz-meta-c", "\xc3\xa9t\xc3\xa9" },
	};
	struct dynbuf c, s;

	ck_assert_int_eq(canon_headers(h, NELEM(h), &c, &s), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&c),
	    "content-type:text/csv; charset=\"utf-8\"\n"
	    "host:example.com\n"
	    "x-amz-meta-a:\n"
	    "x-amz-meta-b:two words here,second,third\n"
	    "x-amz-meta-c:\xc3\xa9t\xc3\xa9\n");
	ck_assert_str_eq(dynbuf_str(&s),
	    "content-type;host;x-amz-meta-a;x-amz-meta-b;x-amz-meta-c");
	dynbuf_free(&c);
	dynbuf_free(&s);

	ck_assert_int_eq(canon_headers(NULL, 0, &c, &s), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&c), "");
	ck_assert_str_eq(dynbuf_str(&s), "");
	dynbuf_free(&c);
	dynbuf_free(&s);
}
END_TEST

START_TEST(test_sigv4_canonical_headers_sort)
{
	/* "x-a" < "x-a-b" < "x-ab": lowercase byte order, '-' < 'b' */
	const struct sigv4_header h[] = {
		{ "X-Ab", "3" }, { "x-a-b", "2" }, { "X-A", "1" },
		{ "x_a", "4" },
	};
	struct dynbuf c, s;

	ck_assert_int_eq(canon_headers(h, NELEM(h), &c, &s), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&c), "x-a:1\nx-a-b:2\nx-ab:3\nx_a:4\n");
	ck_assert_str_eq(dynbuf_str(&s), "x-a;x-a-b;x-ab;x_a");
	dynbuf_free(&c);
	dynbuf_free(&s);
}
END_TEST

START_TEST(test_sigv4_canonical_headers_rejects)
{
	const struct sigv4_header bad_name[] = { { "bad name", "v" } };
	const struct sigv4_header colon[] = { { "a:b", "v" } };
	const struct sigv4_header empty[] = { { "", "v" } };
	const struct sigv4_header null_name[] = { { NULL, "v" } };
	const struct sigv4_header null_value[] = { { "a", NULL } };
	const struct sigv4_header crlf[] = {
		{ "x-amz-meta-a", "v\r\nx-amz-acl: public-read" },
	};
	const struct sigv4_header lf[] = { { "a", "v\nw" } };
	const struct sigv4_header del[] = { { "a", "v\x7f" } };
	const struct sigv4_header utf8_name[] = { { "\xc3\xa9", "v" } };
	struct sigv4_header many[SIGV4_MAX_HEADERS + 1];
	struct dynbuf c, s;
	size_t i;

	ck_assert_int_eq(canon_headers(bad_name, 1, &c, &s), WGTAP_EFORMAT);
	ck_assert_ptr_null(c.buf);
	ck_assert_int_eq(canon_headers(colon, 1, &c, &s), WGTAP_EFORMAT);
	ck_assert_int_eq(canon_headers(empty, 1, &c, &s), WGTAP_EFORMAT);
	ck_assert_int_eq(canon_headers(null_name, 1, &c, &s), WGTAP_EFORMAT);
	ck_assert_int_eq(canon_headers(null_value, 1, &c, &s), WGTAP_EFORMAT);
	ck_assert_int_eq(canon_headers(crlf, 1, &c, &s), WGTAP_EFORMAT);
	ck_assert_int_eq(canon_headers(lf, 1, &c, &s), WGTAP_EFORMAT);
	ck_assert_int_eq(canon_headers(del, 1, &c, &s), WGTAP_EFORMAT);
	ck_assert_int_eq(canon_headers(utf8_name, 1, &c, &s), WGTAP_EFORMAT);
	ck_assert_int_eq(canon_headers(NULL, 1, &c, &s), WGTAP_EFORMAT);

	for (i = 0; i < NELEM(many); i++) {
		many[i].name = "x-amz-meta-n";
		many[i].value = "v";
	}
	ck_assert_int_eq(canon_headers(many, SIGV4_MAX_HEADERS, &c, &s),
	    WGTAP_OK);
	dynbuf_free(&c);
	dynbuf_free(&s);
	ck_assert_int_eq(canon_headers(many, NELEM(many), &c, &s),
	    WGTAP_ETOOBIG);
	ck_assert_ptr_null(c.buf);
	dynbuf_init(&s, 4096);
	ck_assert_int_eq(sigv4_signed_headers(&s, many, NELEM(many)),
	    WGTAP_ETOOBIG);
	ck_assert_ptr_null(s.buf);
}
END_TEST

static const struct sigv4_header creq_h[] = {
	{ "Host", "bucket.s3.eu-west-1.amazonaws.com" },
	{ "x-amz-content-sha256", SIGV4_EMPTY_SHA256 },
	{ "x-amz-date", "20261124T140231Z" },
};

static const char creq_want[] =
	"PUT\n"
	"/logs/a%20b/./c\n"
	"x-id=PutObject\n"
	"host:bucket.s3.eu-west-1.amazonaws.com\n"
	"x-amz-content-sha256:" SIGV4_EMPTY_SHA256 "\n"
	"x-amz-date:20261124T140231Z\n"
	"\n"
	"host;x-amz-content-sha256;x-amz-date\n"
	SIGV4_EMPTY_SHA256;

START_TEST(test_sigv4_canonical_request_layout)
{
	const struct sigv4_request req = {
		"PUT", "/logs/a b/./c", "x-id=PutObject", creq_h,
		NELEM(creq_h), SIGV4_EMPTY_SHA256,
	};
	struct dynbuf b;

	dynbuf_init(&b, SIGV4_MAX_TEXT);
	ck_assert_int_eq(sigv4_canonical_request(&b, &req), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), creq_want);
	dynbuf_free(&b);
}
END_TEST

/* Every cap from 0 to one short fails with the buffer freed. */
START_TEST(test_sigv4_canonical_request_cap)
{
	const struct sigv4_request req = {
		"PUT", "/logs/a b/./c", "x-id=PutObject", creq_h,
		NELEM(creq_h), SIGV4_EMPTY_SHA256,
	};
	const size_t len = strlen(creq_want);
	struct dynbuf b;
	size_t cap;

	for (cap = 0; cap < len; cap++) {
		dynbuf_init(&b, cap);
		ck_assert_int_eq(sigv4_canonical_request(&b, &req),
		    WGTAP_ETOOBIG);
		ck_assert_ptr_null(b.buf);
		ck_assert_uint_eq(b.len, 0);
	}
	dynbuf_init(&b, len);
	ck_assert_int_eq(sigv4_canonical_request(&b, &req), WGTAP_OK);
	ck_assert_uint_eq(dynbuf_len(&b), len);
	ck_assert_str_eq(dynbuf_str(&b), creq_want);
	dynbuf_free(&b);
}
END_TEST

START_TEST(test_sigv4_canonical_request_rejects)
{
	struct sigv4_request req = {
		"PUT", "/k", NULL, creq_h, NELEM(creq_h), SIGV4_EMPTY_SHA256,
	};
	struct dynbuf b;

	dynbuf_init(&b, SIGV4_MAX_TEXT);
	req.method = "";
	ck_assert_int_eq(sigv4_canonical_request(&b, &req), WGTAP_EFORMAT);
	req.method = "P UT";
	ck_assert_int_eq(sigv4_canonical_request(&b, &req), WGTAP_EFORMAT);
	req.method = "PUT";
	req.payload_hash = "";
	ck_assert_int_eq(sigv4_canonical_request(&b, &req), WGTAP_EFORMAT);
	req.payload_hash = "abc def";
	ck_assert_int_eq(sigv4_canonical_request(&b, &req), WGTAP_EFORMAT);
	req.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	req.path = "k";
	ck_assert_int_eq(sigv4_canonical_request(&b, &req), WGTAP_EFORMAT);
	ck_assert_ptr_null(b.buf);
	req.path = "/k";
	req.query = "a=%x";
	ck_assert_int_eq(sigv4_canonical_request(&b, &req), WGTAP_EFORMAT);
	ck_assert_ptr_null(b.buf);
	req.query = NULL;
	ck_assert_int_eq(sigv4_canonical_request(&b, &req), WGTAP_OK);
	ck_assert_ptr_nonnull(strstr(dynbuf_str(&b), "\nUNSIGNED-PAYLOAD"));
	dynbuf_free(&b);
}
END_TEST

START_TEST(test_sigv4_scope_forms)
{
	struct dynbuf b;

	dynbuf_init(&b, 256);
	ck_assert_int_eq(sigv4_scope(&b, "20150830T123600Z", "us-east-1",
	    "s3"), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "20150830/us-east-1/s3/aws4_request");
	dynbuf_free(&b);
	ck_assert_int_eq(sigv4_scope(&b, "20150830", "us-east-1", "s3"),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_scope(&b, "20151330T123600Z", "us-east-1",
	    "s3"), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_scope(&b, "20150830T246000Z", "us-east-1",
	    "s3"), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_scope(&b, "20150830T123600Z", "", "s3"),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_scope(&b, "20150830T123600Z", "us/east",
	    "s3"), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_scope(&b, "20150830T123600Z", "us-east-1",
	    "s 3"), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_scope(&b, "20150830T123600Z", "us-east-1",
	    NULL), WGTAP_EFORMAT);
	ck_assert_ptr_null(b.buf);
}
END_TEST

START_TEST(test_sigv4_scope_part_ok_cases)
{
	static const char *const good[] = {
		"us-east-1", "s3", "AKIDEXAMPLE", "a", "~!@#$%^&*()_+=:;.<>?",
	};
	static const char *const bad[] = {
		"", "us east", "us/east", "us,east", "tab\there", "nl\n",
		"del\x7f", "caf\xc3\xa9",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(sigv4_scope_part_ok(good[i], strlen(good[i])),
		    "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!sigv4_scope_part_ok(bad[i], strlen(bad[i])),
		    "%s", bad[i]);
	/* Only len bytes count: the '/' after them is not looked at. */
	ck_assert(sigv4_scope_part_ok("us-east-1/s3", 9));
	ck_assert(!sigv4_scope_part_ok("us-east-1/s3", 10));
	ck_assert(!sigv4_scope_part_ok(NULL, 0));
}
END_TEST

START_TEST(test_sigv4_string_to_sign_layout)
{
	struct dynbuf b;
	const char creq[] = "GET\n/\n\nhost:example.amazonaws.com\n"
	    "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
	    SIGV4_EMPTY_SHA256;

	dynbuf_init(&b, 1024);
	ck_assert_int_eq(sigv4_string_to_sign(&b, "20150830T123600Z",
	    "20150830/us-east-1/service/aws4_request", creq, strlen(creq)),
	    WGTAP_OK);
	/* get-vanilla's string to sign */
	ck_assert_str_eq(dynbuf_str(&b), "AWS4-HMAC-SHA256\n"
	    "20150830T123600Z\n"
	    "20150830/us-east-1/service/aws4_request\n"
	    "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
	dynbuf_free(&b);
}
END_TEST

START_TEST(test_sigv4_string_to_sign_rejects)
{
	struct dynbuf b;

	dynbuf_init(&b, 1024);
	ck_assert_int_eq(sigv4_string_to_sign(&b, "20150830T123600",
	    "20150830/us-east-1/s3/aws4_request", "x", 1), WGTAP_EFORMAT);
	/* the scope's date must be the timestamp's */
	ck_assert_int_eq(sigv4_string_to_sign(&b, "20150830T123600Z",
	    "20150831/us-east-1/s3/aws4_request", "x", 1), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_string_to_sign(&b, "20150830T123600Z",
	    "20150830/us-east-1/s3/aws4_reques", "x", 1), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_string_to_sign(&b, "20150830T123600Z",
	    "20150830//s3/aws4_request", "x", 1), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_string_to_sign(&b, "20150830T123600Z",
	    "20150830/us-east-1/aws4_request", "x", 1), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_string_to_sign(&b, "20150830T123600Z",
	    "20150830", "x", 1), WGTAP_EFORMAT);
	ck_assert_ptr_null(b.buf);
}
END_TEST

/*
 * Key derivation: the AWS documentation's example (secret
 * wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam),
 * cross-checked with four "openssl dgst -sha256 -mac HMAC" runs.
 */
START_TEST(test_sigv4_signing_key_vector)
{
	static const uint8_t want[SIGV4_KEY_LEN] = {
		0xf4, 0x78, 0x0e, 0x2d, 0x9f, 0x65, 0xfa, 0x89,
		0x5f, 0x9c, 0x67, 0xb3, 0x2c, 0xe1, 0xba, 0xf0,
		0xb0, 0xd8, 0xa4, 0x35, 0x05, 0xa0, 0x00, 0xa1,
		0xa9, 0xe0, 0x90, 0xd4, 0x14, 0xdb, 0x40, 0x4d,
	};
	uint8_t key[SIGV4_KEY_LEN];

	ck_assert_int_eq(sigv4_signing_key(
	    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
	    "us-east-1", "iam", key), WGTAP_OK);
	ck_assert_mem_eq(key, want, sizeof(want));
}
END_TEST

START_TEST(test_sigv4_signing_key_rejects)
{
	static const uint8_t zero[SIGV4_KEY_LEN];
	char secret[SIGV4_MAX_SECRET + 2];
	uint8_t key[SIGV4_KEY_LEN];

	memset(key, 0xaa, sizeof(key));
	ck_assert_int_eq(sigv4_signing_key("", "20120215", "us-east-1", "s3",
	    key), WGTAP_EFORMAT);
	ck_assert_mem_eq(key, zero, sizeof(zero));
	ck_assert_int_eq(sigv4_signing_key(NULL, "20120215", "us-east-1",
	    "s3", key), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_signing_key("s", "2012021", "us-east-1", "s3",
	    key), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_signing_key("s", "20120215T000000Z",
	    "us-east-1", "s3", key), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_signing_key("s", "20120215", "", "s3", key),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_signing_key("s", "20120215", "us-east-1",
	    "s3/x", key), WGTAP_EFORMAT);

	memset(secret, 'k', sizeof(secret));
	secret[SIGV4_MAX_SECRET] = '\0';
	ck_assert_int_eq(sigv4_signing_key(secret, "20120215", "us-east-1",
	    "s3", key), WGTAP_OK);
	secret[SIGV4_MAX_SECRET] = 'k';
	secret[SIGV4_MAX_SECRET + 1] = '\0';
	memset(key, 0xaa, sizeof(key));
	ck_assert_int_eq(sigv4_signing_key(secret, "20120215", "us-east-1",
	    "s3", key), WGTAP_ETOOBIG);
	ck_assert_mem_eq(key, zero, sizeof(zero));
}
END_TEST

START_TEST(test_sigv4_signature_vanilla)
{
	const char sts[] = "AWS4-HMAC-SHA256\n20150830T123600Z\n"
	    "20150830/us-east-1/service/aws4_request\n"
	    "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
	uint8_t key[SIGV4_KEY_LEN];
	char sig[SIGV4_HEX_SIZE];

	ck_assert_int_eq(sigv4_signing_key(
	    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830",
	    "us-east-1", "service", key), WGTAP_OK);
	ck_assert_int_eq(sigv4_signature(key, sts, strlen(sts), sig),
	    WGTAP_OK);
	ck_assert_str_eq(sig,
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}
END_TEST

START_TEST(test_sigv4_authorization_forms)
{
	const char sig[SIGV4_HEX_SIZE] =
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
	const char upper[SIGV4_HEX_SIZE] =
	    "5FA00FA31553B73EBF1942676E86291E8372FF2A2260956D9B8AAE1D763FBF31";
	const char short_sig[SIGV4_HEX_SIZE] = "5fa00fa3";
	const char scope[] = "20150830/us-east-1/service/aws4_request";
	struct dynbuf b;

	dynbuf_init(&b, 1024);
	ck_assert_int_eq(sigv4_authorization(&b, "AKIDEXAMPLE", scope,
	    "host;x-amz-date", sig), WGTAP_OK);
	ck_assert_str_eq(dynbuf_str(&b), "AWS4-HMAC-SHA256 "
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	    "SignedHeaders=host;x-amz-date, Signature="
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	dynbuf_free(&b);

	ck_assert_int_eq(sigv4_authorization(&b, "", scope, "host", sig),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_authorization(&b, "AK ID", scope, "host", sig),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_authorization(&b, "AKID", "20150830/x",
	    "host", sig), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_authorization(&b, "AKID", scope, "", sig),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_authorization(&b, "AKID", scope, "host;",
	    sig), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_authorization(&b, "AKID", scope, "a;;b", sig),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_authorization(&b, "AKID", scope, "Host", sig),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_authorization(&b, "AKID", scope, "host",
	    upper), WGTAP_EFORMAT);
	ck_assert_int_eq(sigv4_authorization(&b, "AKID", scope, "host",
	    short_sig), WGTAP_EFORMAT);
	ck_assert_ptr_null(b.buf);
}
END_TEST

Suite *
sigv4_suite(void)
{
	Suite *s = suite_create("sigv4");
	TCase *tc;

	tc = tcase_create("aws_suite");
	tcase_add_loop_test(tc, test_sigv4_aws_suite, 0, (int)NELEM(aws_cases));
	tcase_add_loop_test(tc, test_sigv4_aws_suite_not_normalised, 0,
	    (int)NELEM(aws_excluded));
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_sign");
	tcase_add_test(tc, test_sigv4_sign_s3_get_range);
	tcase_add_test(tc, test_sigv4_sign_s3_put_dollar);
	tcase_add_test(tc, test_sigv4_sign_session_token);
	tcase_add_test(tc, test_sigv4_sign_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_sha256_hex");
	tcase_add_test(tc, test_sigv4_sha256_hex_vectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_amz_date");
	tcase_add_test(tc, test_sigv4_amz_date_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_uri_encode");
	tcase_add_test(tc, test_sigv4_uri_encode_edges);
	tcase_add_test(tc, test_sigv4_uri_encode_appends);
	tcase_add_test(tc, test_sigv4_uri_encode_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_canonical_uri");
	tcase_add_test(tc, test_sigv4_canonical_uri_s3);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_canonical_query");
	tcase_add_test(tc, test_sigv4_canonical_query_forms);
	tcase_add_test(tc, test_sigv4_canonical_query_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_canonical_headers");
	tcase_add_test(tc, test_sigv4_canonical_headers_forms);
	tcase_add_test(tc, test_sigv4_canonical_headers_sort);
	tcase_add_test(tc, test_sigv4_canonical_headers_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_canonical_request");
	tcase_add_test(tc, test_sigv4_canonical_request_layout);
	tcase_add_test(tc, test_sigv4_canonical_request_cap);
	tcase_add_test(tc, test_sigv4_canonical_request_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_scope");
	tcase_add_test(tc, test_sigv4_scope_forms);
	tcase_add_test(tc, test_sigv4_scope_part_ok_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_string_to_sign");
	tcase_add_test(tc, test_sigv4_string_to_sign_layout);
	tcase_add_test(tc, test_sigv4_string_to_sign_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_signing_key");
	tcase_add_test(tc, test_sigv4_signing_key_vector);
	tcase_add_test(tc, test_sigv4_signing_key_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_signature");
	tcase_add_test(tc, test_sigv4_signature_vanilla);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigv4_authorization");
	tcase_add_test(tc, test_sigv4_authorization_forms);
	suite_add_tcase(s, tc);

	return s;
}
