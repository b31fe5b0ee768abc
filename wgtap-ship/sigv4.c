// SPDX-License-Identifier: MIT
/*
 * AWS Signature Version 4, header form, as S3 wants it: canonical request,
 * string to sign, signing key, signature and Authorization header value,
 * each a separate step (the way curl's lib/http_aws_sigv4.c splits them),
 * chained by sigv4_sign(). SHA-256 and HMAC-SHA256 come from OpenSSL EVP.
 *
 * This module does not read the clock, send anything, log or print: the
 * timestamp is an argument and the caller (wgtap-ship/s3.c) sends the
 * headers. It never normalises the path, because S3 does not: a key such as
 * "a/./b" or "a//b" is signed exactly as it is, each byte URI-encoded once.
 *
 * Reference: "Create a signed AWS API request" and "Signature Calculations
 * for the Authorization Header" (Amazon S3 API reference); URI encoding per
 * RFC 3986 section 2; header syntax per RFC 7230 section 3.2.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "chars.h"
#include "dynbuf.h"
#include "sigv4.h"
#include "wgtap.h"

/* One header and its position in the caller's array, for a stable sort. */
struct sigv4_href {
	const struct sigv4_header	*h;
	size_t				 idx;
};

/* One query parameter, both halves already in canonical (encoded) form. */
struct sigv4_qparam {
	struct dynbuf	name;
	struct dynbuf	value;
};

/* RFC 3986 section 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~" */
static bool
is_unreserved(unsigned char c)
{
	return chars_is_alnum(c) || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* RFC 7230 section 3.2.6: tchar, the characters of a header name. */
static bool
is_tchar(unsigned char c)
{
	return chars_is_alnum(c) ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!is_tchar(*s))
			return false;
	return true;
}

/*
 * A header value may hold anything but control bytes (RFC 7230 section
 * 3.2: VCHAR, obs-text, SP, HTAB). Rejecting CR and LF keeps a value from
 * smuggling in another header.
 */
static bool
header_value_ok(const char *s)
{
	unsigned char c;

	if (!s)
		return false;
	for (; *s; s++) {
		c = (unsigned char)*s;
		if (chars_is_cntrl(c) && c != '\t')
			return false;
	}
	return true;
}

bool
sigv4_scope_part_ok(const char *s, size_t len)
{
	size_t i;

	if (!s || len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (!chars_is_graph(s[i]) || s[i] == '/' || s[i] == ',')
			return false;
	}
	return true;
}

static bool
cstr_scope_part_ok(const char *s)
{
	return s && sigv4_scope_part_ok(s, strlen(s));
}

static bool
digits_in_range(const char *s, size_t n, int lo, int hi)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (!chars_is_digit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	return v >= lo && v <= hi;
}

/* "YYYYMMDD" at s, not necessarily NUL-terminated after it. */
static bool
date_prefix_ok(const char *s)
{
	return digits_in_range(s, 4, 0, 9999) &&
	    digits_in_range(s + 4, 2, 1, 12) &&
	    digits_in_range(s + 6, 2, 1, 31);
}

static bool
date_ok(const char *s)
{
	return s && strlen(s) == SIGV4_DATE_LEN && date_prefix_ok(s);
}

/* "YYYYMMDDTHHMMSSZ" */
static bool
amz_date_ok(const char *s)
{
	return s && strlen(s) == SIGV4_AMZ_DATE_LEN && date_prefix_ok(s) &&
	    s[8] == 'T' && digits_in_range(s + 9, 2, 0, 23) &&
	    digits_in_range(s + 11, 2, 0, 59) &&
	    digits_in_range(s + 13, 2, 0, 60) && s[15] == 'Z';
}

/*
 * "YYYYMMDD/region/service/aws4_request"; when date is not NULL the scope
 * must start with its first SIGV4_DATE_LEN characters.
 */
static bool
scope_ok(const char *scope, const char *date)
{
	const char *region, *service, *term;

	if (!scope || strlen(scope) < SIGV4_DATE_LEN + 1 ||
	    !date_prefix_ok(scope) || scope[SIGV4_DATE_LEN] != '/')
		return false;
	if (date && memcmp(scope, date, SIGV4_DATE_LEN) != 0)
		return false;
	region = scope + SIGV4_DATE_LEN + 1;
	service = strchr(region, '/');
	if (!service ||
	    !sigv4_scope_part_ok(region, (size_t)(service - region)))
		return false;
	service++;
	term = strchr(service, '/');
	if (!term ||
	    !sigv4_scope_part_ok(service, (size_t)(term - service)))
		return false;
	return strcmp(term + 1, SIGV4_TERMINATOR) == 0;
}

/* ASCII case-insensitive comparison, in lowercase byte order. */
static int
name_cmp(const char *a, const char *b)
{
	unsigned char ca, cb;

	for (;; a++, b++) {
		ca = chars_to_lower(*a);
		cb = chars_to_lower(*b);
		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca == '\0')
			return 0;
	}
}

static int
href_cmp(const void *va, const void *vb)
{
	const struct sigv4_href *a = va, *b = vb;
	int c;

	c = name_cmp(a->h->name, b->h->name);
	if (c != 0)
		return c;
	/* Same name: keep the caller's order, values are joined in it. */
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Check the headers and sort references to them by lowercased name,
 * stable. Returns WGTAP_OK, WGTAP_ETOOBIG or WGTAP_EFORMAT.
 */
static int
sort_headers(const struct sigv4_header *headers, size_t n,
    struct sigv4_href refs[static SIGV4_MAX_HEADERS])
{
	size_t i;

	if (n > SIGV4_MAX_HEADERS)
		return WGTAP_ETOOBIG;
	if (n > 0 && !headers)
		return WGTAP_EFORMAT;
	for (i = 0; i < n; i++) {
		if (!is_token(headers[i].name) ||
		    !header_value_ok(headers[i].value))
			return WGTAP_EFORMAT;
		refs[i].h = &headers[i];
		refs[i].idx = i;
	}
	qsort(refs, n, sizeof(refs[0]), href_cmp);
	return WGTAP_OK;
}

static int
add_lower(struct dynbuf *out, const char *s)
{
	unsigned char c;
	int r = WGTAP_OK;

	for (; *s; s++) {
		c = chars_to_lower(*s);
		r = dynbuf_add(out, &c, 1);
		if (r != WGTAP_OK)
			break;
	}
	return r;
}

/* Append v without leading and trailing blanks, inner runs made one ' '. */
static int
add_trimmed(struct dynbuf *out, const char *v)
{
	const char *start;
	bool first = true;
	int r = WGTAP_OK;

	for (;;) {
		while (chars_is_blank(*v))
			v++;
		if (*v == '\0')
			break;
		start = v;
		while (*v && !chars_is_blank(*v))
			v++;
		if (!first) {
			r = dynbuf_add(out, " ", 1);
			if (r != WGTAP_OK)
				break;
		}
		r = dynbuf_add(out, start, (size_t)(v - start));
		if (r != WGTAP_OK)
			break;
		first = false;
	}
	return r;
}

/* Does v, without leading and trailing blanks, equal want? */
static bool
trimmed_eq(const char *v, const char *want)
{
	size_t n = strlen(want);

	while (chars_is_blank(*v))
		v++;
	if (strncmp(v, want, n) != 0)
		return false;
	for (v += n; *v; v++)
		if (!chars_is_blank(*v))
			return false;
	return true;
}

static int
hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
    uint8_t out[static SIGV4_SHA256_LEN])
{
	size_t outlen = 0;

	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen,
	    data ? data : "", len, out, SIGV4_SHA256_LEN, &outlen) ||
	    outlen != SIGV4_SHA256_LEN) {
		OPENSSL_cleanse(out, SIGV4_SHA256_LEN);
		ERR_clear_error();
		return WGTAP_ECRYPTO;
	}
	return WGTAP_OK;
}

int
sigv4_sha256_hex(const void *data, size_t len, char hex[static SIGV4_HEX_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int r = WGTAP_ECRYPTO;

	hex[0] = '\0';
	if (!EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(),
	    NULL) || mdlen != SIGV4_SHA256_LEN) {
		ERR_clear_error();
		goto out;
	}
	chars_hex_encode(md, SIGV4_SHA256_LEN, hex);
	r = WGTAP_OK;
 out:
	return r;
}

int
sigv4_amz_date(time_t t, char out[static SIGV4_AMZ_DATE_SIZE])
{
	struct tm tm;
	int n, r = WGTAP_EFORMAT;

	out[0] = '\0';
	if (!gmtime_r(&t, &tm))
		goto out;
	if (tm.tm_year < 1000 - 1900 || tm.tm_year > 9999 - 1900)
		goto out;
	n = snprintf(out, SIGV4_AMZ_DATE_SIZE, "%04d%02d%02dT%02d%02d%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (n != SIGV4_AMZ_DATE_LEN) {
		out[0] = '\0';
		goto out;
	}
	r = WGTAP_OK;
 out:
	return r;
}

int
sigv4_uri_encode(struct dynbuf *out, const void *data, size_t len,
    bool keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	const unsigned char *p = data;
	size_t i, run = 0;
	char esc[3];
	int r = WGTAP_OK;

	if (len == 0)
		return WGTAP_OK;
	for (i = 0; i < len; i++) {
		if (is_unreserved(p[i]) || (keep_slash && p[i] == '/'))
			continue;
		r = dynbuf_add(out, p + run, i - run);
		if (r != WGTAP_OK)
			goto out;
		esc[0] = '%';
		esc[1] = digits[p[i] >> 4];
		esc[2] = digits[p[i] & 0x0f];
		r = dynbuf_add(out, esc, sizeof(esc));
		if (r != WGTAP_OK)
			goto out;
		run = i + 1;
	}
	r = dynbuf_add(out, p + run, len - run);
 out:
	return r;
}

int
sigv4_canonical_uri(struct dynbuf *out, const char *path)
{
	int r = WGTAP_EFORMAT;

	if (!path)
		goto out;
	if (*path == '\0') {
		r = dynbuf_add(out, "/", 1);
		goto out;
	}
	if (*path != '/')
		goto out;
	/* S3: one encoding pass, '/' kept, no dot-segment removal. */
	r = sigv4_uri_encode(out, path, strlen(path), true);
 out:
	if (r != WGTAP_OK)
		dynbuf_free(out);
	return r;
}

/*
 * Append one query name or value, given as len encoded bytes at s: each
 * byte or %XX escape is decoded and encoded again the SigV4 way, so "%7e"
 * becomes "~", a raw UTF-8 byte becomes "%E1", and "%2F" stays "%2F".
 */
static int
add_query_part(struct dynbuf *out, const char *s, size_t len)
{
	unsigned char b;
	size_t i = 0;
	int hi, lo, r = WGTAP_OK;

	while (i < len) {
		if (s[i] == '%') {
			if (len - i < 3)
				return WGTAP_EFORMAT;
			hi = chars_hex_value(s[i + 1]);
			lo = chars_hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return WGTAP_EFORMAT;
			b = (unsigned char)(hi << 4 | lo);
			i += 3;
		} else {
			b = (unsigned char)s[i];
			i++;
		}
		r = sigv4_uri_encode(out, &b, 1, false);
		if (r != WGTAP_OK)
			break;
	}
	return r;
}

static int
qparam_cmp(const void *va, const void *vb)
{
	const struct sigv4_qparam *a = va, *b = vb;
	int c;

	c = strcmp(dynbuf_str(&a->name), dynbuf_str(&b->name));
	if (c != 0)
		return c;
	return strcmp(dynbuf_str(&a->value), dynbuf_str(&b->value));
}

int
sigv4_canonical_query(struct dynbuf *out, const char *query)
{
	struct sigv4_qparam *params = NULL, *qp;
	const char *p, *amp, *end, *eq;
	size_t nalloc = 1, nparams = 0, i;
	int r = WGTAP_OK;

	if (!query || *query == '\0')
		goto out;
	for (p = query; *p; p++)
		if (*p == '&')
			nalloc++;
	r = WGTAP_ENOMEM;
	params = calloc(nalloc, sizeof(*params));
	if (!params)
		goto out;
	for (p = query;; p = amp + 1) {
		amp = strchr(p, '&');
		end = amp ? amp : p + strlen(p);
		if (end > p) {
			qp = &params[nparams++];
			dynbuf_init(&qp->name, out->max);
			dynbuf_init(&qp->value, out->max);
			eq = memchr(p, '=', (size_t)(end - p));
			r = add_query_part(&qp->name, p,
			    (size_t)((eq ? eq : end) - p));
			if (r != WGTAP_OK)
				goto out;
			if (eq) {
				r = add_query_part(&qp->value, eq + 1,
				    (size_t)(end - eq - 1));
				if (r != WGTAP_OK)
					goto out;
			}
		}
		if (!amp)
			break;
	}
	qsort(params, nparams, sizeof(*params), qparam_cmp);
	r = WGTAP_OK;
	for (i = 0; i < nparams && r == WGTAP_OK; i++) {
		if (i > 0)
			r = dynbuf_add(out, "&", 1);
		if (r == WGTAP_OK)
			r = dynbuf_printf(out, "%s=%s",
			    dynbuf_str(&params[i].name),
			    dynbuf_str(&params[i].value));
	}
 out:
	for (i = 0; i < nparams; i++) {
		dynbuf_free(&params[i].name);
		dynbuf_free(&params[i].value);
	}
	free(params);
	if (r != WGTAP_OK)
		dynbuf_free(out);
	return r;
}

int
sigv4_canonical_headers(struct dynbuf *out, const struct sigv4_header *headers,
    size_t n)
{
	struct sigv4_href refs[SIGV4_MAX_HEADERS];
	size_t i;
	int r;

	r = sort_headers(headers, n, refs);
	if (r != WGTAP_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (i > 0 && name_cmp(refs[i - 1].h->name,
		    refs[i].h->name) == 0) {
			/* Repeated name: one line, values joined by ','. */
			r = dynbuf_add(out, ",", 1);
		} else {
			if (i > 0)
				r = dynbuf_add(out, "\n", 1);
			if (r == WGTAP_OK)
				r = add_lower(out, refs[i].h->name);
			if (r == WGTAP_OK)
				r = dynbuf_add(out, ":", 1);
		}
		if (r == WGTAP_OK)
			r = add_trimmed(out, refs[i].h->value);
		if (r != WGTAP_OK)
			goto out;
	}
	if (n > 0)
		r = dynbuf_add(out, "\n", 1);
 out:
	if (r != WGTAP_OK)
		dynbuf_free(out);
	return r;
}

int
sigv4_signed_headers(struct dynbuf *out, const struct sigv4_header *headers,
    size_t n)
{
	struct sigv4_href refs[SIGV4_MAX_HEADERS];
	size_t i;
	int r;

	r = sort_headers(headers, n, refs);
	if (r != WGTAP_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (i > 0 && name_cmp(refs[i - 1].h->name,
		    refs[i].h->name) == 0)
			continue;
		if (i > 0) {
			r = dynbuf_add(out, ";", 1);
			if (r != WGTAP_OK)
				goto out;
		}
		r = add_lower(out, refs[i].h->name);
		if (r != WGTAP_OK)
			goto out;
	}
 out:
	if (r != WGTAP_OK)
		dynbuf_free(out);
	return r;
}

/* A payload hash: 64 hex digits or a marker such as UNSIGNED-PAYLOAD. */
static bool
payload_hash_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!chars_is_graph(*s))
			return false;
	return true;
}

int
sigv4_canonical_request(struct dynbuf *out, const struct sigv4_request *req)
{
	int r = WGTAP_EFORMAT;

	if (!is_token(req->method) || !payload_hash_ok(req->payload_hash))
		goto out;
	/* HTTPRequestMethod '\n' */
	r = dynbuf_printf(out, "%s\n", req->method);
	if (r != WGTAP_OK)
		goto out;
	/* CanonicalURI '\n' */
	r = sigv4_canonical_uri(out, req->path);
	if (r == WGTAP_OK)
		r = dynbuf_add(out, "\n", 1);
	if (r != WGTAP_OK)
		goto out;
	/* CanonicalQueryString '\n' */
	r = sigv4_canonical_query(out, req->query);
	if (r == WGTAP_OK)
		r = dynbuf_add(out, "\n", 1);
	if (r != WGTAP_OK)
		goto out;
	/* CanonicalHeaders '\n' (each header line ends in '\n' too) */
	r = sigv4_canonical_headers(out, req->headers, req->nheaders);
	if (r == WGTAP_OK)
		r = dynbuf_add(out, "\n", 1);
	if (r != WGTAP_OK)
		goto out;
	/* SignedHeaders '\n' */
	r = sigv4_signed_headers(out, req->headers, req->nheaders);
	if (r == WGTAP_OK)
		r = dynbuf_add(out, "\n", 1);
	if (r != WGTAP_OK)
		goto out;
	/* HexEncode(Hash(RequestPayload)) */
	r = dynbuf_addstr(out, req->payload_hash);
 out:
	if (r != WGTAP_OK)
		dynbuf_free(out);
	return r;
}

int
sigv4_scope(struct dynbuf *out, const char *amz_date, const char *region,
    const char *service)
{
	int r = WGTAP_EFORMAT;

	if (!amz_date_ok(amz_date) || !cstr_scope_part_ok(region) ||
	    !cstr_scope_part_ok(service))
		goto out;
	r = dynbuf_printf(out, "%.*s/%s/%s/%s", SIGV4_DATE_LEN, amz_date,
	    region, service, SIGV4_TERMINATOR);
 out:
	if (r != WGTAP_OK)
		dynbuf_free(out);
	return r;
}

int
sigv4_string_to_sign(struct dynbuf *out, const char *amz_date,
    const char *scope, const char *creq, size_t creq_len)
{
	char hex[SIGV4_HEX_SIZE];
	int r = WGTAP_EFORMAT;

	if (!amz_date_ok(amz_date) || !scope_ok(scope, amz_date))
		goto out;
	r = sigv4_sha256_hex(creq, creq_len, hex);
	if (r != WGTAP_OK)
		goto out;
	/* Algorithm '\n' RequestDateTime '\n' CredentialScope '\n' hash */
	r = dynbuf_printf(out, "%s\n%s\n%s\n%s", SIGV4_ALGORITHM, amz_date,
	    scope, hex);
 out:
	if (r != WGTAP_OK)
		dynbuf_free(out);
	return r;
}

int
sigv4_signing_key(const char *secret, const char *date, const char *region,
    const char *service, uint8_t key[static SIGV4_KEY_LEN])
{
	uint8_t kbuf[4 + SIGV4_MAX_SECRET];
	uint8_t k1[SIGV4_SHA256_LEN], k2[SIGV4_SHA256_LEN];
	size_t slen;
	int r = WGTAP_EFORMAT;

	memset(key, 0, SIGV4_KEY_LEN);
	if (!secret || !date_ok(date) || !cstr_scope_part_ok(region) ||
	    !cstr_scope_part_ok(service))
		goto out;
	slen = strlen(secret);
	if (slen == 0)
		goto out;
	if (slen > SIGV4_MAX_SECRET) {
		r = WGTAP_ETOOBIG;
		goto out;
	}
	memcpy(kbuf, "AWS4", 4);
	memcpy(kbuf + 4, secret, slen);
	/* kDate = HMAC("AWS4" + secret, date) */
	r = hmac_sha256(kbuf, 4 + slen, date, SIGV4_DATE_LEN, k1);
	if (r != WGTAP_OK)
		goto out;
	/* kRegion = HMAC(kDate, region) */
	r = hmac_sha256(k1, sizeof(k1), region, strlen(region), k2);
	if (r != WGTAP_OK)
		goto out;
	/* kService = HMAC(kRegion, service) */
	r = hmac_sha256(k2, sizeof(k2), service, strlen(service), k1);
	if (r != WGTAP_OK)
		goto out;
	/* kSigning = HMAC(kService, "aws4_request") */
	r = hmac_sha256(k1, sizeof(k1), SIGV4_TERMINATOR,
	    strlen(SIGV4_TERMINATOR), key);
 out:
	OPENSSL_cleanse(kbuf, sizeof(kbuf));
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	if (r != WGTAP_OK)
		OPENSSL_cleanse(key, SIGV4_KEY_LEN);
	return r;
}

int
sigv4_signature(const uint8_t key[static SIGV4_KEY_LEN], const char *sts,
    size_t sts_len, char hex[static SIGV4_HEX_SIZE])
{
	uint8_t mac[SIGV4_SHA256_LEN];
	int r;

	hex[0] = '\0';
	r = hmac_sha256(key, SIGV4_KEY_LEN, sts, sts_len, mac);
	if (r != WGTAP_OK)
		goto out;
	chars_hex_encode(mac, sizeof(mac), hex);
 out:
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

static bool
signature_ok(const char *s)
{
	size_t i;

	for (i = 0; i < SIGV4_HEX_LEN; i++)
		if (!chars_is_lower_hex(s[i]))
			return false;
	return s[SIGV4_HEX_LEN] == '\0';
}

/* "a;b;c": lowercase header names separated by single ';'. */
static bool
signed_headers_ok(const char *s)
{
	bool want_name = true;

	if (!s)
		return false;
	for (; *s; s++) {
		if (*s == ';') {
			if (want_name)
				return false;
			want_name = true;
		} else if (is_tchar(*s) && !chars_is_upper(*s)) {
			want_name = false;
		} else {
			return false;
		}
	}
	return !want_name;
}

int
sigv4_authorization(struct dynbuf *out, const char *access_key_id,
    const char *scope, const char *signed_headers,
    const char signature[static SIGV4_HEX_SIZE])
{
	int r = WGTAP_EFORMAT;

	if (!cstr_scope_part_ok(access_key_id) || !scope_ok(scope, NULL) ||
	    !signed_headers_ok(signed_headers) || !signature_ok(signature))
		goto out;
	r = dynbuf_printf(out,
	    "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
	    SIGV4_ALGORITHM, access_key_id, scope, signed_headers, signature);
 out:
	if (r != WGTAP_OK)
		dynbuf_free(out);
	return r;
}

/*
 * Is there exactly one header called name (any case), and, when want is
 * not NULL, does its trimmed value equal want?
 */
static bool
header_once(const struct sigv4_request *req, const char *name,
    const char *want)
{
	const struct sigv4_header *found = NULL;
	size_t i;

	if (req->nheaders > 0 && !req->headers)
		return false;
	for (i = 0; i < req->nheaders; i++) {
		if (!req->headers[i].name ||
		    name_cmp(req->headers[i].name, name) != 0)
			continue;
		if (found)
			return false;
		found = &req->headers[i];
	}
	if (!found || !found->value)
		return false;
	return !want || trimmed_eq(found->value, want);
}

int
sigv4_sign(struct dynbuf *authorization, const struct sigv4_request *req,
    const struct sigv4_credentials *cred, const char *region,
    const char *service, const char *amz_date)
{
	struct dynbuf scope, creq, sts, signed_headers;
	uint8_t key[SIGV4_KEY_LEN];
	char date[SIGV4_DATE_SIZE], sig[SIGV4_HEX_SIZE];
	int r = WGTAP_EFORMAT;

	dynbuf_init(&scope, SIGV4_MAX_TEXT);
	dynbuf_init(&creq, SIGV4_MAX_TEXT);
	dynbuf_init(&sts, SIGV4_MAX_TEXT);
	dynbuf_init(&signed_headers, SIGV4_MAX_TEXT);
	memset(key, 0, sizeof(key));
	sig[0] = '\0';

	if (!amz_date_ok(amz_date) || !header_once(req, "host", NULL) ||
	    !header_once(req, "x-amz-date", amz_date))
		goto out;
	memcpy(date, amz_date, SIGV4_DATE_LEN);
	date[SIGV4_DATE_LEN] = '\0';

	r = sigv4_scope(&scope, amz_date, region, service);
	if (r != WGTAP_OK)
		goto out;
	r = sigv4_canonical_request(&creq, req);
	if (r != WGTAP_OK)
		goto out;
	r = sigv4_string_to_sign(&sts, amz_date, dynbuf_str(&scope),
	    dynbuf_str(&creq), dynbuf_len(&creq));
	if (r != WGTAP_OK)
		goto out;
	r = sigv4_signing_key(cred->secret_access_key, date, region, service,
	    key);
	if (r != WGTAP_OK)
		goto out;
	r = sigv4_signature(key, dynbuf_str(&sts), dynbuf_len(&sts), sig);
	if (r != WGTAP_OK)
		goto out;
	r = sigv4_signed_headers(&signed_headers, req->headers,
	    req->nheaders);
	if (r != WGTAP_OK)
		goto out;
	r = sigv4_authorization(authorization, cred->access_key_id,
	    dynbuf_str(&scope), dynbuf_str(&signed_headers), sig);
 out:
	OPENSSL_cleanse(key, sizeof(key));
	dynbuf_free(&scope);
	dynbuf_free(&creq);
	dynbuf_free(&sts);
	dynbuf_free(&signed_headers);
	if (r != WGTAP_OK)
		dynbuf_free(authorization);
	return r;
}
