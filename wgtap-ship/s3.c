// SPDX-License-Identifier: MIT
/*
 * S3 PutObject with libcurl. This module builds object keys and request
 * targets, hashes a segment in one pass (MD5 for Content-MD5 and the ETag
 * check, SHA-256 for x-amz-content-sha256), signs the request with sigv4_
 * and streams the body from the open file with pread, so a segment is never
 * held in memory. It checks the answer (2xx and ETag == MD5) and parses S3
 * error documents with a small bounded scanner. It does not print, retry,
 * read the spool or delete anything.
 *
 * TLS is always verified. --ca-file adds certificates to the trust store of
 * each connection from a CURLOPT_SSL_CTX_FUNCTION callback, on top of the
 * system store; there is no way to turn verification off.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "chars.h"
#include "dynbuf.h"
#include "s3.h"
#include "sigv4.h"
#include "spool.h"
#include "wgtap.h"

#define S3_SERVICE	"s3"
#define S3_URL_MAX	8192
#define S3_HDR_MAX	(SIGV4_MAX_TEXT)
#define S3_ETAG_SIZE	80
#define S3_READ_CHUNK	(64 * 1024)
#define S3_EXPECT_MIN	(1024 * 1024)	/* smaller bodies go at once */
#define S3_USER_AGENT	"wgtap-ship/" WGTAP_VERSION

struct s3_client {
	CURL			*curl;
	struct s3_config	 cfg;
	STACK_OF(X509)		*cas;		/* from --ca-file, or NULL */
	bool			 virtual_hosted;
	char			 errbuf[CURL_ERROR_SIZE];
};

/* State of one request, seen by the libcurl callbacks. */
struct s3_xfer {
	struct s3_client	*c;
	const struct s3_body	*body;
	uint64_t		 off;		/* next body byte to send */
	int			 read_errno;	/* pread failed */
	bool			 short_read;	/* the file shrank */
	bool			 aborted;	/* abort_cb said stop */
	bool			 stalled;	/* nothing moved for timeout */
	curl_off_t		 moved;		/* bytes up and down so far */
	struct timespec		 last_move;	/* when moved last changed */
	struct dynbuf		 resp;		/* first S3_BODY_MAX bytes */
	char			 etag[S3_ETAG_SIZE];
	bool			 etag_bad;	/* too long to be ours */
	bool			 etag_not_md5;	/* SSE-KMS or SSE-C: no MD5 ETag */
};

/* True when s is four dot-separated groups of 1-3 digits. */
static bool
looks_like_ipv4(const char *s)
{
	int groups = 0, digits = 0;

	for (; *s; s++) {
		if (chars_is_digit(*s)) {
			if (++digits > 3)
				return false;
		} else if (*s == '.' && digits > 0) {
			groups++;
			digits = 0;
		} else {
			return false;
		}
	}
	return digits > 0 && groups == 3;
}

bool
s3_bucket_ok(const char *s)
{
	size_t i, len = strnlen(s, S3_BUCKET_MAX + 1);

	if (len < S3_BUCKET_MIN || len > S3_BUCKET_MAX)
		return false;
	if (!chars_is_lower_alnum(s[0]) || !chars_is_lower_alnum(s[len - 1]))
		return false;
	for (i = 0; i < len; i++) {
		if (!chars_is_lower_alnum(s[i]) && s[i] != '.' && s[i] != '-')
			return false;
		if (s[i] == '.' && s[i + 1] == '.')
			return false;
	}
	return !looks_like_ipv4(s);
}

bool
s3_host_label_ok(const char *s)
{
	size_t i, len = strnlen(s, S3_HOST_LABEL_MAX + 1);

	if (len < 1 || len > S3_HOST_LABEL_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (!chars_is_label(s[i]))
			return false;
	}
	return true;
}

int
s3_prefix_normalize(const char *in, char out[static S3_PREFIX_SIZE])
{
	size_t i, len, seg = 0;
	int r = WGTAP_EFORMAT;

	out[0] = '\0';
	len = strnlen(in, S3_PREFIX_MAX + 1);
	if (len == 0)
		return WGTAP_OK;
	if (len > S3_PREFIX_MAX || (len == S3_PREFIX_MAX && in[len - 1] != '/'))
		return WGTAP_ETOOBIG;
	if (in[0] == '/')
		goto out;
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (i < len && !chars_is_print(c))
			goto out;
		if (i < len && c != '/')
			continue;
		/* in[seg..i) is one path segment */
		if (i == len && i == seg)
			break;		/* ends in '/' */
		if (i == seg || (i - seg == 1 && in[seg] == '.') ||
		    (i - seg == 2 && in[seg] == '.' && in[seg + 1] == '.'))
			goto out;
		seg = i + 1;
	}
	memcpy(out, in, len);
	if (in[len - 1] != '/')
		out[len++] = '/';
	out[len] = '\0';
	r = WGTAP_OK;
 out:
	if (r != WGTAP_OK)
		out[0] = '\0';
	return r;
}

/* Parse a decimal port 1..65535 of exactly len digits. */
static bool
parse_port(const char *s, size_t len, unsigned *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (!chars_is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*port = (unsigned)v;
	return true;
}

int
s3_endpoint_parse(const char *url, struct s3_endpoint *ep)
{
	const char *p, *h;
	size_t hlen, i;

	memset(ep, 0, sizeof(*ep));
	if (strncasecmp(url, "https://", 8) == 0) {
		ep->https = true;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else {
		goto bad;
	}
	h = p;
	if (*p == '[') {
		/* RFC 3986 section 3.2.2: IP-literal = "[" IPv6address "]" */
		for (p++; chars_is_hex(*p) || *p == ':' || *p == '.'; p++)
			;
		if (*p != ']' || p == h + 1)
			goto bad;
		p++;
	} else {
		for (; chars_is_alnum(*p) || *p == '.' || *p == '-'; p++)
			;
		if (p == h || *h == '.' || *h == '-' || p[-1] == '-')
			goto bad;
	}
	hlen = (size_t)(p - h);
	if (hlen > S3_HOSTNAME_MAX)
		goto bad;
	for (i = 0; i < hlen; i++)
		ep->host[i] = (char)chars_to_lower(h[i]);
	ep->host[hlen] = '\0';
	if (*p == ':') {
		const char *port = ++p;

		while (chars_is_digit(*p))
			p++;
		if (!parse_port(port, (size_t)(p - port), &ep->port))
			goto bad;
	}
	if (*p == '/')
		p++;
	if (*p != '\0')
		goto bad;
	return WGTAP_OK;
 bad:
	memset(ep, 0, sizeof(*ep));
	return WGTAP_EFORMAT;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t len = strlen(s), slen = strlen(suffix);

	return len >= slen && strcmp(s + len - slen, suffix) == 0;
}

bool
s3_use_virtual(const struct s3_endpoint *ep, enum s3_addressing mode,
    const char *bucket)
{
	switch (mode) {
	case S3_ADDR_PATH:
		return false;
	case S3_ADDR_VIRTUAL:
		return true;
	case S3_ADDR_AUTO:
		break;
	}
	if (strcmp(ep->host, "amazonaws.com") != 0 &&
	    !ends_with(ep->host, ".amazonaws.com"))
		return false;
	return strchr(bucket, '.') == NULL;
}

int
s3_object_key(const char *prefix, const char *host, const char *segname,
    char key[static S3_KEY_SIZE])
{
	struct spool_name sn;
	struct tm tm;
	time_t secs;
	int n;

	key[0] = '\0';
	if (!s3_host_label_ok(host))
		return WGTAP_EFORMAT;
	if (spool_name_parse(segname, &sn) != WGTAP_OK)
		return WGTAP_EFORMAT;
	secs = (time_t)(sn.start_ns / 1000000000LL);
	if (!gmtime_r(&secs, &tm))
		return WGTAP_EFORMAT;
	n = snprintf(key, S3_KEY_SIZE,
	    "%shost=%s/dt=%04d-%02d-%02d/hour=%02d/%s", prefix, host,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, segname);
	if (n < 0 || (size_t)n >= S3_KEY_SIZE) {
		key[0] = '\0';
		return WGTAP_ETOOBIG;
	}
	return WGTAP_OK;
}

const char *
s3_content_type(const char *segname)
{
	if (ends_with(segname, ".gz"))
		return "application/gzip";
	return "text/csv; charset=utf-8";
}

void
s3_target_init(struct s3_target *t)
{
	dynbuf_init(&t->url, S3_URL_MAX);
	dynbuf_init(&t->host, S3_HOSTNAME_MAX + S3_BUCKET_MAX + 8);
	dynbuf_init(&t->path, S3_KEY_MAX + S3_BUCKET_MAX + 8);
}

void
s3_target_free(struct s3_target *t)
{
	dynbuf_free(&t->url);
	dynbuf_free(&t->host);
	dynbuf_free(&t->path);
}

int
s3_target_build(struct s3_target *t, const struct s3_endpoint *ep,
    bool virtual_hosted, const char *bucket, const char *key)
{
	unsigned defport = ep->https ? 443 : 80;
	int r;

	dynbuf_reset(&t->url);
	dynbuf_reset(&t->host);
	dynbuf_reset(&t->path);
	if (virtual_hosted)
		r = dynbuf_printf(&t->host, "%s.%s", bucket, ep->host);
	else
		r = dynbuf_addstr(&t->host, ep->host);
	if (r == WGTAP_OK && ep->port != 0 && ep->port != defport)
		r = dynbuf_printf(&t->host, ":%u", ep->port);
	if (r != WGTAP_OK)
		goto out;
	if (virtual_hosted)
		r = dynbuf_printf(&t->path, "/%s", key);
	else
		r = dynbuf_printf(&t->path, "/%s/%s", bucket, key);
	if (r != WGTAP_OK)
		goto out;
	/* The URL's path is exactly the canonical URI that is signed. */
	r = dynbuf_printf(&t->url, "%s://%s", ep->https ? "https" : "http",
	    dynbuf_str(&t->host));
	if (r == WGTAP_OK)
		r = sigv4_canonical_uri(&t->url, dynbuf_str(&t->path));
 out:
	if (r != WGTAP_OK) {
		dynbuf_free(&t->url);
		dynbuf_free(&t->host);
		dynbuf_free(&t->path);
	}
	return r;
}

/*
 * Find the text of the first <name>...</name> in body[0..len). Returns a
 * pointer to it and its length in *tlen, or NULL.
 */
static const char *
xml_element(const char *body, size_t len, const char *name, size_t *tlen)
{
	char open[32], close[32];
	const char *s, *e;
	int n, m;

	*tlen = 0;
	n = snprintf(open, sizeof(open), "<%s>", name);
	m = snprintf(close, sizeof(close), "</%s>", name);
	if (n < 0 || (size_t)n >= sizeof(open) || m < 0 ||
	    (size_t)m >= sizeof(close))
		return NULL;
	s = memmem(body, len, open, (size_t)n);
	if (!s)
		return NULL;
	s += n;
	e = memmem(s, len - (size_t)(s - body), close, (size_t)m);
	if (!e)
		return NULL;
	*tlen = (size_t)(e - s);
	return s;
}

/*
 * Decode one XML entity at s (s[0] == '&', len bytes available), per XML
 * 1.0 section 4.1 and 4.6. Returns the number of bytes consumed and the
 * character in *ch ('?' for a code point outside printable ASCII), or 0
 * when this is not an entity we know.
 */
static size_t
xml_entity(const char *s, size_t len, char *ch)
{
	static const struct {
		const char	*name;
		char		 ch;
	} named[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	unsigned long cp = 0;
	size_t i, nlen;
	bool hex;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		nlen = strlen(named[i].name);
		if (len >= nlen && memcmp(s, named[i].name, nlen) == 0) {
			*ch = named[i].ch;
			return nlen;
		}
	}
	if (len < 4 || s[1] != '#')
		return 0;
	hex = s[2] == 'x' || s[2] == 'X';
	for (i = hex ? 3 : 2; i < len && i < 12 && s[i] != ';'; i++) {
		if (hex && chars_is_hex(s[i]))
			cp = cp * 16 + (unsigned long)chars_hex_value(s[i]);
		else if (!hex && chars_is_digit(s[i]))
			cp = cp * 10 + (unsigned long)(s[i] - '0');
		else
			return 0;
	}
	if (i >= len || s[i] != ';' || i == (hex ? 3u : 2u))
		return 0;
	*ch = cp >= 0x20 && cp < 0x7f ? (char)cp : '?';
	return i + 1;
}

/* Copy text[0..len) into out (cap bytes), decoding entities, sanitised. */
static void
xml_text(const char *text, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0, used;
	char ch;

	while (i < len && o + 1 < cap) {
		ch = text[i];
		used = 1;
		if (ch == '&') {
			used = xml_entity(text + i, len - i, &ch);
			if (used == 0) {
				ch = '&';
				used = 1;
			}
		}
		if (!chars_is_print(ch))
			ch = '?';
		out[o++] = ch;
		i += used;
	}
	out[o] = '\0';
}

int
s3_parse_error(const char *body, size_t len, char code[static S3_CODE_SIZE],
    char msg[static S3_MESSAGE_SIZE])
{
	const char *t;
	size_t tlen;

	code[0] = '\0';
	msg[0] = '\0';
	if (!body)
		return WGTAP_EFORMAT;
	t = xml_element(body, len, "Message", &tlen);
	if (t)
		xml_text(t, tlen, msg, S3_MESSAGE_SIZE);
	t = xml_element(body, len, "Code", &tlen);
	if (!t || tlen == 0)
		return WGTAP_EFORMAT;
	xml_text(t, tlen, code, S3_CODE_SIZE);
	return WGTAP_OK;
}

int
s3_body_hash(int fd, struct s3_body *b)
{
	EVP_MD_CTX *md5 = NULL, *sha = NULL;
	unsigned char *buf = NULL;
	unsigned int mlen, slen;
	uint64_t off = 0;
	ssize_t n;
	int r = WGTAP_ENOMEM;

	memset(b, 0, sizeof(*b));
	b->fd = fd;
	buf = malloc(S3_READ_CHUNK);
	md5 = EVP_MD_CTX_new();
	sha = EVP_MD_CTX_new();
	if (!buf || !md5 || !sha)
		goto out;
	r = WGTAP_ECRYPTO;
	if (EVP_DigestInit_ex(md5, EVP_md5(), NULL) != 1 ||
	    EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		n = pread(fd, buf, S3_READ_CHUNK, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = WGTAP_ESYS;
			goto out;
		}
		if (n == 0)
			break;
		if (EVP_DigestUpdate(md5, buf, (size_t)n) != 1 ||
		    EVP_DigestUpdate(sha, buf, (size_t)n) != 1)
			goto out;
		off += (uint64_t)n;
	}
	if (EVP_DigestFinal_ex(md5, b->md5, &mlen) != 1 ||
	    EVP_DigestFinal_ex(sha, b->sha256, &slen) != 1 ||
	    mlen != S3_MD5_LEN || slen != S3_SHA256_LEN)
		goto out;
	b->size = off;
	r = WGTAP_OK;
 out:
	if (r == WGTAP_ECRYPTO)
		ERR_clear_error();
	EVP_MD_CTX_free(md5);
	EVP_MD_CTX_free(sha);
	free(buf);
	if (r != WGTAP_OK) {
		int saved_errno = errno;

		memset(b, 0, sizeof(*b));
		b->fd = fd;
		errno = saved_errno;
	}
	return r;
}

/* Read every certificate of a PEM file into *out. */
static int
load_cas(const char *path, STACK_OF(X509) **out)
{
	STACK_OF(X509) *sk = NULL;
	X509 *x = NULL;
	BIO *bio = NULL;
	int r = WGTAP_ENOMEM;

	*out = NULL;
	sk = sk_X509_new_null();
	if (!sk)
		goto out;
	errno = 0;
	bio = BIO_new_file(path, "r");
	if (!bio) {
		r = errno ? WGTAP_ESYS : WGTAP_EFORMAT;
		goto out;
	}
	for (;;) {
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (!x)
			break;	/* the end, or no more certificates */
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			goto out;
		}
	}
	if (sk_X509_num(sk) == 0) {
		r = WGTAP_EFORMAT;
		goto out;
	}
	*out = sk;
	sk = NULL;
	r = WGTAP_OK;
 out:
	ERR_clear_error();
	BIO_free(bio);
	sk_X509_pop_free(sk, X509_free);
	return r;
}

/* CURLOPT_SSL_CTX_FUNCTION: add the --ca-file certificates. */
static CURLcode
ssl_ctx_cb(CURL *curl, void *sslctx, void *arg)
{
	struct s3_client *c = arg;
	X509_STORE *store;
	int i;

	(void)curl;
	store = SSL_CTX_get_cert_store((SSL_CTX *)sslctx);
	if (!store)
		return CURLE_SSL_CERTPROBLEM;
	for (i = 0; i < sk_X509_num(c->cas); i++) {
		/* OpenSSL 1.1.1 and later accept a certificate twice. */
		if (X509_STORE_add_cert(store, sk_X509_value(c->cas, i)) != 1) {
			ERR_clear_error();
			return CURLE_SSL_CERTPROBLEM;
		}
	}
	return CURLE_OK;
}

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct s3_xfer *x = arg;
	uint64_t left = x->body->size - x->off;
	size_t want = size * nitems;
	ssize_t n;

	if (left == 0)
		return 0;
	if (want > left)
		want = (size_t)left;
	do {
		n = pread(x->body->fd, buf, want, (off_t)x->off);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		x->read_errno = errno;
		return CURL_READFUNC_ABORT;
	}
	if (n == 0) {
		x->short_read = true;
		return CURL_READFUNC_ABORT;
	}
	x->off += (uint64_t)n;
	return (size_t)n;
}

/* libcurl rewinds the body when it has to send it again. */
static int
seek_cb(void *arg, curl_off_t offset, int origin)
{
	struct s3_xfer *x = arg;

	if (origin != SEEK_SET || offset < 0 ||
	    (uint64_t)offset > x->body->size)
		return CURL_SEEKFUNC_FAIL;
	x->off = (uint64_t)offset;
	return CURL_SEEKFUNC_OK;
}

/* Keep the first S3_BODY_MAX bytes of the answer; drop the rest. */
static size_t
write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct s3_xfer *x = arg;
	size_t len = size * nmemb, room;

	room = S3_BODY_MAX - dynbuf_len(&x->resp);
	if (room > len)
		room = len;
	/* On failure the buffer is freed; the error then goes unparsed. */
	if (room > 0)
		(void)dynbuf_add(&x->resp, data, room);
	return len;
}

/* Remember the ETag of the final response (RFC 9110 section 8.8.3). */
static size_t
header_cb(char *data, size_t size, size_t nitems, void *arg)
{
	struct s3_xfer *x = arg;
	size_t len = size * nitems;
	const char *v;

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue): forget the old one */
		x->etag[0] = '\0';
		x->etag_bad = false;
		x->etag_not_md5 = false;
		dynbuf_reset(&x->resp);
		return len;
	}
	/*
	 * With SSE-KMS or SSE-C the ETag is not the MD5 of the body. The
	 * store has checked Content-MD5 then (a mismatch is 400 BadDigest),
	 * so the 2xx alone says the bytes arrived intact.
	 */
	if ((len >= 36 && strncasecmp(data,
	    "x-amz-server-side-encryption: aws:kms", 36) == 0) ||
	    (len >= 48 && strncasecmp(data,
	    "x-amz-server-side-encryption-customer-algorithm:", 48) == 0)) {
		x->etag_not_md5 = true;
		return len;
	}
	if (len < 5 || strncasecmp(data, "etag:", 5) != 0)
		return len;
	v = data + 5;
	len -= 5;
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v++;
		len -= 2;
	}
	if (len >= sizeof(x->etag)) {
		x->etag_bad = true;
		return size * nitems;
	}
	memcpy(x->etag, v, len);
	x->etag[len] = '\0';
	return size * nitems;
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Called at least once a second during a transfer. Besides the abort
 * callback, it ends a transfer on which no byte has moved for the whole
 * timeout: a stopped server accepts the connection (the kernel does) and
 * then says nothing, and libcurl's low-speed check averages over several
 * seconds, so it alone would notice only later.
 */
static int
xferinfo_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct s3_xfer *x = arg;

	(void)dltotal;
	(void)ultotal;
	if (x->c->cfg.abort_cb && x->c->cfg.abort_cb(x->c->cfg.abort_arg)) {
		x->aborted = true;
		return 1;
	}
	if (dlnow + ulnow != x->moved) {
		x->moved = dlnow + ulnow;
		clock_gettime(CLOCK_MONOTONIC, &x->last_move);
	} else if (elapsed(&x->last_move) >= (double)x->c->cfg.timeout) {
		x->stalled = true;
		return 1;
	}
	return 0;
}

/* curl_easy_setopt() for a long, unless an earlier option failed. */
static void
opt_long(CURL *h, CURLoption opt, long v, CURLcode *e)
{
	if (*e == CURLE_OK)
		*e = curl_easy_setopt(h, opt, v);
}

/* The same for a data pointer or a string (NULL clears it). */
static void
opt_ptr(CURL *h, CURLoption opt, const void *p, CURLcode *e)
{
	if (*e == CURLE_OK)
		*e = curl_easy_setopt(h, opt, p);
}

/* Set the options that stay the same for every request. */
static int
client_setup(struct s3_client *c)
{
	CURL *h = c->curl;
	CURLcode e = CURLE_OK;

	opt_long(h, CURLOPT_NOSIGNAL, 1L, &e);
	opt_long(h, CURLOPT_UPLOAD, 1L, &e);
	opt_ptr(h, CURLOPT_PROTOCOLS_STR, "http,https", &e);
	opt_long(h, CURLOPT_FOLLOWLOCATION, 0L, &e);
	opt_long(h, CURLOPT_PATH_AS_IS, 1L, &e);
	opt_long(h, CURLOPT_SSL_VERIFYPEER, 1L, &e);
	opt_long(h, CURLOPT_SSL_VERIFYHOST, 2L, &e);
	opt_long(h, CURLOPT_TCP_KEEPALIVE, 1L, &e);
	opt_ptr(h, CURLOPT_USERAGENT, S3_USER_AGENT, &e);
	opt_ptr(h, CURLOPT_ERRORBUFFER, c->errbuf, &e);
	opt_long(h, CURLOPT_CONNECTTIMEOUT, c->cfg.timeout, &e);
	/* A hung server: less than 1 byte/s for the whole window. */
	opt_long(h, CURLOPT_LOW_SPEED_LIMIT, 1L, &e);
	opt_long(h, CURLOPT_LOW_SPEED_TIME, c->cfg.timeout, &e);
	opt_long(h, CURLOPT_NOPROGRESS, 0L, &e);
	if (e == CURLE_OK)
		e = curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	if (e == CURLE_OK)
		e = curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_cb);
	if (e == CURLE_OK)
		e = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	if (e == CURLE_OK)
		e = curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	if (e == CURLE_OK)
		e = curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
	if (c->cas) {
		if (e == CURLE_OK)
			e = curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION,
			    ssl_ctx_cb);
		opt_ptr(h, CURLOPT_SSL_CTX_DATA, c, &e);
#if LIBCURL_VERSION_NUM >= 0x075700
		/* A cached store would skip the callback's additions. */
		opt_long(h, CURLOPT_CA_CACHE_TIMEOUT, 0L, &e);
#endif
	}
	return e == CURLE_OK ? WGTAP_OK : WGTAP_ENET;
}

int
s3_client_new(const struct s3_config *cfg, struct s3_client **out)
{
	struct s3_client *c;
	int r = WGTAP_ENOMEM, saved_errno;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto out;
	c->cfg = *cfg;
	if (c->cfg.timeout <= 0)
		c->cfg.timeout = 30;
	c->virtual_hosted = s3_use_virtual(&cfg->endpoint, cfg->addressing,
	    cfg->bucket);
	if (cfg->ca_file) {
		r = load_cas(cfg->ca_file, &c->cas);
		if (r != WGTAP_OK)
			goto out;
	}
	r = WGTAP_ENOMEM;
	c->curl = curl_easy_init();
	if (!c->curl)
		goto out;
	r = client_setup(c);
	if (r != WGTAP_OK)
		goto out;
	*out = c;
	c = NULL;
	r = WGTAP_OK;
 out:
	saved_errno = errno;
	s3_client_free(c);
	errno = saved_errno;
	return r;
}

void
s3_client_free(struct s3_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	sk_X509_pop_free(c->cas, X509_free);
	free(c);
}

/* Wipe and free a header list: it holds the Authorization value. */
static void
headers_free(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p; p = p->next)
		OPENSSL_cleanse(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/* Append "name: value" to *list. */
static int
header_add(struct curl_slist **list, const char *name, const char *value)
{
	struct curl_slist *l;
	struct dynbuf b;
	int r;

	dynbuf_init(&b, S3_HDR_MAX);
	r = dynbuf_printf(&b, "%s: %s", name, value);
	if (r != WGTAP_OK)
		goto out;
	r = WGTAP_ENOMEM;
	l = curl_slist_append(*list, dynbuf_str(&b));
	if (!l)
		goto out;
	*list = l;
	r = WGTAP_OK;
 out:
	if (b.buf)
		OPENSSL_cleanse(b.buf, b.len);
	dynbuf_free(&b);
	return r;
}

/*
 * Sign the request and build its header list. sigv4 sees exactly the
 * headers that are sent (Content-Length is left to libcurl and unsigned).
 */
static int
request_headers(struct s3_client *c, const struct s3_target *t,
    const char *content_type, const struct s3_body *body,
    struct curl_slist **out)
{
	struct sigv4_header h[6];
	struct sigv4_request req;
	struct sigv4_credentials cred;
	struct curl_slist *list = NULL, *l;
	struct dynbuf auth;
	char sha_hex[SIGV4_HEX_SIZE], amz_date[SIGV4_AMZ_DATE_SIZE];
	char md5_b64[32];
	size_t n = 0, i;
	int r;

	*out = NULL;
	dynbuf_init(&auth, S3_HDR_MAX);
	chars_hex_encode(body->sha256, S3_SHA256_LEN, sha_hex);
	r = WGTAP_ECRYPTO;
	if (EVP_EncodeBlock((unsigned char *)md5_b64, body->md5,
	    S3_MD5_LEN) != 24)
		goto out;
	r = sigv4_amz_date(time(NULL), amz_date);
	if (r != WGTAP_OK)
		goto out;
	h[n++] = (struct sigv4_header){ "Host", dynbuf_str(&t->host) };
	h[n++] = (struct sigv4_header){ "Content-Type", content_type };
	h[n++] = (struct sigv4_header){ "Content-MD5", md5_b64 };
	h[n++] = (struct sigv4_header){ "x-amz-content-sha256", sha_hex };
	h[n++] = (struct sigv4_header){ "x-amz-date", amz_date };
	if (c->cfg.session_token && c->cfg.session_token[0] != '\0')
		h[n++] = (struct sigv4_header){ "x-amz-security-token",
		    c->cfg.session_token };
	memset(&req, 0, sizeof(req));
	req.method = "PUT";
	req.path = dynbuf_str(&t->path);
	req.query = NULL;
	req.headers = h;
	req.nheaders = n;
	req.payload_hash = sha_hex;
	cred.access_key_id = c->cfg.access_key_id;
	cred.secret_access_key = c->cfg.secret_access_key;
	r = sigv4_sign(&auth, &req, &cred, c->cfg.region, S3_SERVICE,
	    amz_date);
	if (r != WGTAP_OK)
		goto out;
	for (i = 0; i < n; i++) {
		r = header_add(&list, h[i].name, h[i].value);
		if (r != WGTAP_OK)
			goto out;
	}
	r = header_add(&list, "Authorization", dynbuf_str(&auth));
	if (r != WGTAP_OK)
		goto out;
	if (body->size < S3_EXPECT_MIN) {
		/*
		 * libcurl 7 sends "Expect: 100-continue" with every PUT and
		 * then waits up to a second for a server that may never say
		 * 100. Only a large body is worth holding back until the
		 * server has accepted the headers; "Expect:" turns it off.
		 */
		r = WGTAP_ENOMEM;
		l = curl_slist_append(list, "Expect:");
		if (!l)
			goto out;
		list = l;
	}
	*out = list;
	list = NULL;
	r = WGTAP_OK;
 out:
	if (auth.buf)
		OPENSSL_cleanse(auth.buf, auth.len);
	dynbuf_free(&auth);
	headers_free(list);
	return r;
}

/* Describe a failure in res->error: fmt, then ": " and the S3 message. */
static void
result_describe(struct s3_result *res)
{
	int n;

	if (res->code[0] != '\0' && res->message[0] != '\0')
		n = snprintf(res->error, sizeof(res->error), "HTTP %ld %s: %s",
		    res->status, res->code, res->message);
	else if (res->code[0] != '\0')
		n = snprintf(res->error, sizeof(res->error), "HTTP %ld %s",
		    res->status, res->code);
	else
		n = snprintf(res->error, sizeof(res->error), "HTTP %ld",
		    res->status);
	if (n < 0)
		res->error[0] = '\0';
	/* a cut message is still one useful line */
}

static void
result_set(struct s3_result *res, const char *what, const char *detail)
{
	int n;

	if (detail && detail[0] != '\0')
		n = snprintf(res->error, sizeof(res->error), "%s: %s", what,
		    detail);
	else
		n = snprintf(res->error, sizeof(res->error), "%s", what);
	if (n < 0)
		res->error[0] = '\0';
}

/* Turn a finished transfer into a result; see s3_put_object(). */
static int
put_result(struct s3_client *c, struct s3_xfer *x, CURLcode e,
    struct s3_result *res)
{
	char md5_hex[2 * S3_MD5_LEN + 1];
	struct stat st;

	if (x->aborted) {
		res->aborted = true;
		result_set(res, "upload aborted", NULL);
		return WGTAP_ENET;
	}
	if (x->stalled) {
		int n = snprintf(res->error, sizeof(res->error),
		    "no data moved for %ld s: the server does not answer",
		    c->cfg.timeout);

		if (n < 0)
			res->error[0] = '\0';
		return WGTAP_ENET;
	}
	if (x->read_errno) {
		errno = x->read_errno;
		result_set(res, "read", strerror(x->read_errno));
		return WGTAP_ESYS;
	}
	if (x->short_read) {
		result_set(res, "the file shrank during the upload", NULL);
		return WGTAP_ETRUNC;
	}
	if (e != CURLE_OK) {
		result_set(res, c->errbuf[0] ? c->errbuf :
		    curl_easy_strerror(e), NULL);
		return WGTAP_ENET;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &res->status);
	if (res->status < 200 || res->status > 299) {
		s3_parse_error(dynbuf_str(&x->resp), dynbuf_len(&x->resp),
		    res->code, res->message);
		result_describe(res);
		return WGTAP_EHTTP;
	}
	if (fstat(x->body->fd, &st) == -1) {
		result_set(res, "fstat", strerror(errno));
		return WGTAP_ESYS;
	}
	if ((uint64_t)st.st_size != x->body->size) {
		result_set(res, "the file changed size during the upload",
		    NULL);
		return WGTAP_ETRUNC;
	}
	chars_hex_encode(x->body->md5, S3_MD5_LEN, md5_hex);
	if (x->etag_not_md5)
		return WGTAP_OK;
	if (x->etag_bad || strcasecmp(x->etag, md5_hex) != 0) {
		int n = snprintf(res->error, sizeof(res->error),
		    "HTTP %ld but ETag \"%s\" is not the MD5 %s of the body",
		    res->status, x->etag_bad ? "(too long)" : x->etag,
		    md5_hex);

		if (n < 0)
			res->error[0] = '\0';
		return WGTAP_EHTTP;
	}
	return WGTAP_OK;
}

int
s3_put_object(struct s3_client *c, const char *key, const char *content_type,
    const struct s3_body *body, struct s3_result *res)
{
	struct s3_target t;
	struct s3_xfer x;
	struct curl_slist *headers = NULL;
	struct timespec t0;
	CURLcode e = CURLE_OK;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.body = body;
	clock_gettime(CLOCK_MONOTONIC, &x.last_move);
	dynbuf_init(&x.resp, S3_BODY_MAX);
	s3_target_init(&t);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = s3_target_build(&t, &c->cfg.endpoint, c->virtual_hosted,
	    c->cfg.bucket, key);
	if (r != WGTAP_OK) {
		result_set(res, "request URL", wgtap_strerror(r));
		goto out;
	}
	r = request_headers(c, &t, content_type, body, &headers);
	if (r != WGTAP_OK) {
		result_set(res, "signing", wgtap_strerror(r));
		goto out;
	}
	c->errbuf[0] = '\0';
	opt_ptr(c->curl, CURLOPT_URL, dynbuf_str(&t.url), &e);
	opt_ptr(c->curl, CURLOPT_HTTPHEADER, headers, &e);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)body->size);
	opt_ptr(c->curl, CURLOPT_READDATA, &x, &e);
	opt_ptr(c->curl, CURLOPT_SEEKDATA, &x, &e);
	opt_ptr(c->curl, CURLOPT_WRITEDATA, &x, &e);
	opt_ptr(c->curl, CURLOPT_HEADERDATA, &x, &e);
	opt_ptr(c->curl, CURLOPT_XFERINFODATA, &x, &e);
	if (e == CURLE_OK)
		e = curl_easy_perform(c->curl);
	r = put_result(c, &x, e, res);
	/* Nothing may point at this stack frame or the freed headers. */
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->curl, CURLOPT_READDATA, NULL);
	curl_easy_setopt(c->curl, CURLOPT_SEEKDATA, NULL);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, NULL);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, NULL);
 out:
	res->secs = elapsed(&t0);
	headers_free(headers);
	dynbuf_free(&x.resp);
	s3_target_free(&t);
	return r;
}
