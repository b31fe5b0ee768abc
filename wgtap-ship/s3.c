// SPDX-License-Identifier: MIT
/*
 * S3 PutObject with libcurl: the client (one handle, kept alive), the
 * request signed with sigv4_ for the target s3name.c builds, the body
 * streamed from the open file with pread so a segment is never held in
 * memory, and the answer checked (2xx and ETag == MD5, the error document
 * read by s3err.c); for wgtap-ship --check also DeleteObject and a bare
 * connection. The keys come from the credential chain at each signing.
 * It does not print, retry, read the spool or delete files.
 *
 * TLS is always verified. --ca-file adds certificates (s3ca.c) to the
 * trust store of each connection from a CURLOPT_SSL_CTX_FUNCTION callback,
 * on top of the system store; there is no way to turn verification off.
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
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "atomicio.h"
#include "chars.h"
#include "creds.h"
#include "dynbuf.h"
#include "s3.h"
#include "s3ca.h"
#include "sigv4.h"
#include "wgtap.h"

#define S3_SERVICE	"s3"
#define S3_HDR_MAX	(SIGV4_MAX_TEXT)
#define S3_ETAG_SIZE	80
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
	uint64_t		 last_move;	/* ns: moved last changed */
	struct dynbuf		 resp;		/* first S3_BODY_MAX bytes */
	char			 etag[S3_ETAG_SIZE];
	bool			 etag_bad;	/* too long to be ours */
	bool			 etag_not_md5;	/* SSE-KMS/SSE-C: no MD5 ETag */
};

/* CURLOPT_SSL_CTX_FUNCTION: add the --ca-file certificates. */
static CURLcode
ssl_ctx_cb(CURL *curl, void *sslctx, void *arg)
{
	struct s3_client *c = arg;
	X509_STORE *store;

	(void)curl;
	store = SSL_CTX_get_cert_store((SSL_CTX *)sslctx);
	if (!store || s3_ca_add(store, c->cas) != WGTAP_OK)
		return CURLE_SSL_CERTPROBLEM;
	return CURLE_OK;
}

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct s3_xfer *x = arg;
	uint64_t left = x->body->size - x->off;
	size_t want = size * nitems, n;

	if (left == 0)
		return 0;
	if (want > left)
		want = (size_t)left;
	if (atomicio_pread(x->body->fd, buf, want, (off_t)x->off, &n) !=
	    WGTAP_OK) {
		x->read_errno = errno;
		return CURL_READFUNC_ABORT;
	}
	if (n < want) {
		x->short_read = true;	/* shrank since it was hashed */
		return CURL_READFUNC_ABORT;
	}
	x->off += n;
	return n;
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
	while (len > 0 && chars_is_blank(*v)) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    chars_is_blank(v[len - 1])))
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

/* Seconds on the monotonic clock since t0_ns. */
static double
elapsed(uint64_t t0_ns)
{
	return (double)(wgtap_clock_ns(CLOCK_MONOTONIC) - t0_ns) / 1e9;
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
		x->last_move = wgtap_clock_ns(CLOCK_MONOTONIC);
	} else if (elapsed(x->last_move) >= (double)x->c->cfg.timeout) {
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
		r = s3_ca_load(cfg->ca_file, &c->cas);
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
	s3_ca_free(c->cas);
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

/* What is being asked of the store, for request_headers(). */
struct s3_request {
	const char		*method;	/* "PUT" or "DELETE" */
	const char		*content_type;	/* PUT only; else NULL */
	const struct s3_body	*body;		/* PUT only; else NULL */
};

/*
 * Sign the request and build its header list, with the keys in c's
 * credentials now. sigv4 sees exactly the headers that are sent
 * (Content-Length is left to libcurl and unsigned).
 */
static int
request_headers(struct s3_client *c, const struct s3_target *t,
    const struct s3_request *rq, struct curl_slist **out)
{
	struct sigv4_header h[6];
	struct sigv4_request req;
	struct sigv4_credentials cred;
	struct creds_keys keys;
	struct curl_slist *list = NULL, *l;
	struct dynbuf auth;
	char sha_hex[SIGV4_HEX_SIZE], amz_date[SIGV4_AMZ_DATE_SIZE];
	char md5_b64[32];
	size_t n = 0, i;
	int r;

	*out = NULL;
	dynbuf_init(&auth, S3_HDR_MAX);
	r = WGTAP_EFORMAT;
	if (!c->cfg.creds)
		goto out;
	creds_get(c->cfg.creds, &keys);
	if (rq->body) {
		chars_hex_encode(rq->body->sha256, S3_SHA256_LEN, sha_hex);
		r = WGTAP_ECRYPTO;
		if (EVP_EncodeBlock((unsigned char *)md5_b64, rq->body->md5,
		    S3_MD5_LEN) != 24)
			goto out;
	} else {
		memcpy(sha_hex, SIGV4_EMPTY_SHA256, sizeof(sha_hex));
	}
	r = sigv4_amz_date(time(NULL), amz_date);
	if (r != WGTAP_OK)
		goto out;
	h[n++] = (struct sigv4_header){ "Host", dynbuf_str(&t->host) };
	if (rq->body) {
		h[n++] = (struct sigv4_header){ "Content-Type",
		    rq->content_type };
		h[n++] = (struct sigv4_header){ "Content-MD5", md5_b64 };
	}
	h[n++] = (struct sigv4_header){ "x-amz-content-sha256", sha_hex };
	h[n++] = (struct sigv4_header){ "x-amz-date", amz_date };
	if (keys.session_token && keys.session_token[0] != '\0')
		h[n++] = (struct sigv4_header){ "x-amz-security-token",
		    keys.session_token };
	memset(&req, 0, sizeof(req));
	req.method = rq->method;
	req.path = dynbuf_str(&t->path);
	req.query = NULL;
	req.headers = h;
	req.nheaders = n;
	req.payload_hash = sha_hex;
	cred.access_key_id = keys.access_key_id;
	cred.secret_access_key = keys.secret_access_key;
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
	if (!rq->body || rq->body->size < S3_EXPECT_MIN) {
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

void
s3_describe(char line[static S3_ERROR_SIZE], const char *what,
    const char *detail)
{
	int n;

	if (detail && detail[0] != '\0')
		n = snprintf(line, S3_ERROR_SIZE, "%s: %s", what, detail);
	else
		n = snprintf(line, S3_ERROR_SIZE, "%s", what);
	if (n < 0)
		line[0] = '\0';
	/* a cut line is still one useful line */
}

/* The kind of a libcurl failure, for the explanations of --check. */
static enum s3_net
net_kind(CURLcode e)
{
	switch (e) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return S3_NET_RESOLVE;
	case CURLE_COULDNT_CONNECT:
		return S3_NET_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return S3_NET_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CERTPROBLEM:
		return S3_NET_CERT;
	case CURLE_SSL_CONNECT_ERROR:
		return S3_NET_TLS;
	default:
		return S3_NET_OTHER;
	}
}

/*
 * Describe a failed transfer in res->error: libcurl's message and, when a
 * connect failed, the system's word for why ("Connection refused"), which
 * libcurl 7.88 leaves out.
 */
static void
transfer_describe(struct s3_client *c, CURLcode e, struct s3_result *res)
{
	const char *msg = c->errbuf[0] ? c->errbuf : curl_easy_strerror(e);
	long os_errno = 0;
	int n;

	res->net = net_kind(e);
	if (e == CURLE_COULDNT_CONNECT &&
	    curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os_errno) ==
	    CURLE_OK && os_errno > 0 &&
	    !strstr(msg, strerror((int)os_errno))) {
		n = snprintf(res->error, sizeof(res->error), "%s (%s)", msg,
		    strerror((int)os_errno));
		if (n < 0)
			res->error[0] = '\0';
		return;
	}
	s3_describe(res->error, msg, NULL);
}

/*
 * The outcome of a finished transfer up to the HTTP status: aborted,
 * stalled, the body could not be read, the transfer failed, or the
 * status is not 2xx (the error document parsed). WGTAP_OK for a 2xx.
 */
static int
transfer_result(struct s3_client *c, struct s3_xfer *x, CURLcode e,
    struct s3_result *res)
{
	if (x->aborted) {
		res->aborted = true;
		s3_describe(res->error, "upload aborted", NULL);
		return WGTAP_ENET;
	}
	if (x->stalled) {
		int n = snprintf(res->error, sizeof(res->error),
		    "no data moved for %ld s: the server does not answer",
		    c->cfg.timeout);

		if (n < 0)
			res->error[0] = '\0';
		res->net = S3_NET_TIMEOUT;
		return WGTAP_ENET;
	}
	if (x->read_errno) {
		errno = x->read_errno;
		s3_describe(res->error, "read", strerror(x->read_errno));
		return WGTAP_ESYS;
	}
	if (x->short_read) {
		s3_describe(res->error, "the file shrank during the upload",
		    NULL);
		return WGTAP_ETRUNC;
	}
	if (e != CURLE_OK) {
		transfer_describe(c, e, res);
		return WGTAP_ENET;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &res->status);
	if (res->status < 200 || res->status > 299) {
		s3_parse_error(dynbuf_str(&x->resp), dynbuf_len(&x->resp),
		    res->code, res->message);
		result_describe(res);
		return WGTAP_EHTTP;
	}
	return WGTAP_OK;
}

/* Turn a finished upload into a result; see s3_put_object(). */
static int
put_result(struct s3_client *c, struct s3_xfer *x, CURLcode e,
    struct s3_result *res)
{
	char md5_hex[2 * S3_MD5_LEN + 1];
	struct stat st;
	int r;

	r = transfer_result(c, x, e, res);
	if (r != WGTAP_OK)
		return r;
	if (fstat(x->body->fd, &st) == -1) {
		s3_describe(res->error, "fstat", strerror(errno));
		return WGTAP_ESYS;
	}
	if ((uint64_t)st.st_size != x->body->size) {
		s3_describe(res->error, "the file changed size during the "
		    "upload", NULL);
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

/* Start the state of one transfer. */
static void
xfer_init(struct s3_xfer *x, struct s3_client *c, const struct s3_body *body)
{
	memset(x, 0, sizeof(*x));
	x->c = c;
	x->body = body;
	x->last_move = wgtap_clock_ns(CLOCK_MONOTONIC);
	dynbuf_init(&x->resp, S3_BODY_MAX);
}

/*
 * Run one transfer of url with headers on the client's handle, the
 * callbacks pointed at x; afterwards nothing points at x or headers.
 */
static CURLcode
xfer_perform(struct s3_client *c, struct s3_xfer *x, const char *url,
    struct curl_slist *headers)
{
	CURLcode e = CURLE_OK;

	c->errbuf[0] = '\0';
	opt_ptr(c->curl, CURLOPT_URL, url, &e);
	opt_ptr(c->curl, CURLOPT_HTTPHEADER, headers, &e);
	opt_ptr(c->curl, CURLOPT_READDATA, x, &e);
	opt_ptr(c->curl, CURLOPT_SEEKDATA, x, &e);
	opt_ptr(c->curl, CURLOPT_WRITEDATA, x, &e);
	opt_ptr(c->curl, CURLOPT_HEADERDATA, x, &e);
	opt_ptr(c->curl, CURLOPT_XFERINFODATA, x, &e);
	if (e == CURLE_OK)
		e = curl_easy_perform(c->curl);
	/* Nothing may point at the caller's frame or the freed headers. */
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->curl, CURLOPT_READDATA, NULL);
	curl_easy_setopt(c->curl, CURLOPT_SEEKDATA, NULL);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, NULL);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, NULL);
	return e;
}

/*
 * The URL of KEY and the signed headers of RQ; on failure, the step that
 * failed is described in RES.
 */
static int
request_prepare(struct s3_client *c, const char *key,
    const struct s3_request *rq, struct s3_target *t,
    struct curl_slist **headers, struct s3_result *res)
{
	int r;

	r = s3_target_build(t, &c->cfg.endpoint, c->virtual_hosted,
	    c->cfg.bucket, key);
	if (r != WGTAP_OK) {
		s3_describe(res->error, "request URL", wgtap_strerror(r));
		return r;
	}
	r = request_headers(c, t, rq, headers);
	if (r != WGTAP_OK)
		s3_describe(res->error, "signing", c->cfg.creds ?
		    wgtap_strerror(r) : "no credentials");
	return r;
}

int
s3_put_object(struct s3_client *c, const char *key, const char *content_type,
    const struct s3_body *body, struct s3_result *res)
{
	const struct s3_request rq = { "PUT", content_type, body };
	struct s3_target t;
	struct s3_xfer x;
	struct curl_slist *headers = NULL;
	uint64_t t0;
	CURLcode e = CURLE_OK;
	int r;

	memset(res, 0, sizeof(*res));
	xfer_init(&x, c, body);
	t0 = x.last_move;
	s3_target_init(&t);
	r = request_prepare(c, key, &rq, &t, &headers, res);
	if (r != WGTAP_OK)
		goto out;
	if (e == CURLE_OK)
		e = curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)body->size);
	if (e == CURLE_OK)
		e = xfer_perform(c, &x, dynbuf_str(&t.url), headers);
	r = put_result(c, &x, e, res);
 out:
	res->secs = elapsed(t0);
	headers_free(headers);
	dynbuf_free(&x.resp);
	s3_target_free(&t);
	return r;
}

int
s3_delete_object(struct s3_client *c, const char *key, struct s3_result *res)
{
	const struct s3_request rq = { "DELETE", NULL, NULL };
	struct s3_target t;
	struct s3_xfer x;
	struct curl_slist *headers = NULL;
	uint64_t t0;
	CURLcode e = CURLE_OK;
	int r;

	memset(res, 0, sizeof(*res));
	xfer_init(&x, c, NULL);
	s3_target_init(&t);
	t0 = wgtap_clock_ns(CLOCK_MONOTONIC);
	r = request_prepare(c, key, &rq, &t, &headers, res);
	if (r != WGTAP_OK)
		goto out;
	/* HTTPGET undoes UPLOAD; the method is then renamed. */
	opt_long(c->curl, CURLOPT_HTTPGET, 1L, &e);
	opt_ptr(c->curl, CURLOPT_CUSTOMREQUEST, "DELETE", &e);
	if (e == CURLE_OK)
		e = xfer_perform(c, &x, dynbuf_str(&t.url), headers);
	r = transfer_result(c, &x, e, res);
	/* Back to what every upload expects. */
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 1L);
 out:
	res->secs = elapsed(t0);
	headers_free(headers);
	dynbuf_free(&x.resp);
	s3_target_free(&t);
	return r;
}

int
s3_connect(struct s3_client *c, struct s3_result *res,
    char peer[static S3_PEER_SIZE])
{
	struct s3_target t;
	struct s3_xfer x;
	uint64_t t0;
	const char *ip = NULL;
	long port = 0;
	CURLcode e = CURLE_OK;
	int r, n;

	memset(res, 0, sizeof(*res));
	peer[0] = '\0';
	xfer_init(&x, c, NULL);
	s3_target_init(&t);
	t0 = wgtap_clock_ns(CLOCK_MONOTONIC);
	r = s3_target_build(&t, &c->cfg.endpoint, c->virtual_hosted,
	    c->cfg.bucket, "");
	if (r != WGTAP_OK) {
		s3_describe(res->error, "request URL", wgtap_strerror(r));
		goto out;
	}
	opt_long(c->curl, CURLOPT_CONNECT_ONLY, 1L, &e);
	if (e == CURLE_OK)
		e = xfer_perform(c, &x, dynbuf_str(&t.url), NULL);
	/* There is no answer to look at: connected is all it says. */
	r = e == CURLE_OK ? WGTAP_OK : transfer_result(c, &x, e, res);
	if (e == CURLE_OK &&
	    curl_easy_getinfo(c->curl, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
	    ip && curl_easy_getinfo(c->curl, CURLINFO_PRIMARY_PORT, &port) ==
	    CURLE_OK) {
		n = snprintf(peer, S3_PEER_SIZE, "%s port %ld", ip, port);
		if (n < 0 || n >= S3_PEER_SIZE)
			peer[0] = '\0';
	}
	/* libcurl never reuses a connect-only connection for a request. */
	curl_easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 0L);
 out:
	res->secs = elapsed(t0);
	dynbuf_free(&x.resp);
	s3_target_free(&t);
	return r;
}
