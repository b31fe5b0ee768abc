// SPDX-License-Identifier: MIT
/*
 * The EC2 instance metadata service (IMDSv2) as a source of temporary
 * keys: the endpoint from the environment and three short requests with
 * libcurl (what comes back is parsed in imdsdoc.c). Answers are
 * collected into one buffer of fixed size, so the document (which holds
 * the secret key) is never reallocated, and it is wiped before it is
 * freed. Also here: whether the firmware says this is an EC2 instance,
 * where a metadata service that cannot be reached is only late. Nothing
 * here prints; no error text holds a key or a token.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "chars.h"
#include "imds.h"
#include "wgtap.h"

#define IMDS_TOKEN_PATH		"/latest/api/token"
#define IMDS_ROLE_PATH		"/latest/meta-data/iam/security-credentials/"
#define IMDS_TTL_HEADER		"X-aws-ec2-metadata-token-ttl-seconds"
#define IMDS_TOKEN_HEADER	"X-aws-ec2-metadata-token"
#define IMDS_USER_AGENT		"wgtap-ship/" WGTAP_VERSION
#define IMDS_URL_SIZE		(IMDS_ENDPOINT_SIZE + sizeof(IMDS_ROLE_PATH) + \
				 IMDS_ROLE_SIZE)
#define IMDS_HDR_SIZE		(sizeof(IMDS_TOKEN_HEADER) + 2 + \
				 IMDS_API_TOKEN_MAX + 1)

/* ---- configuration ------------------------------------------------------ */

static bool
imds_hostchar(char c)
{
	return chars_is_alnum((unsigned char)c) || c == '.' || c == '-';
}

bool
imds_endpoint_ok(const char *url)
{
	const char *p;
	unsigned long port = 0;
	size_t n = 0;

	if (strnlen(url, IMDS_ENDPOINT_MAX + 1) > IMDS_ENDPOINT_MAX)
		return false;
	if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return false;
	if (*p == '[') {
		for (p++; chars_is_hex((unsigned char)*p) || *p == ':' || *p == '.'; p++)
			n++;
		if (*p != ']' || n < 2)
			return false;
		p++;
	} else {
		for (; imds_hostchar(*p); p++)
			n++;
		if (n == 0)
			return false;
	}
	if (*p == ':') {
		p++;
		if (!chars_is_digit((unsigned char)*p))
			return false;
		for (n = 0; chars_is_digit((unsigned char)*p); p++, n++) {
			port = port * 10 + (unsigned long)(*p - '0');
			if (n >= 5)
				return false;
		}
		if (port == 0 || port > 65535)
			return false;
	}
	if (*p == '/')
		p++;
	return *p == '\0';
}

static void
imds_config_defaults(struct imds_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->endpoint, IMDS_DEFAULT_ENDPOINT,
	    sizeof(IMDS_DEFAULT_ENDPOINT));
	cfg->connect_ms = IMDS_CONNECT_MS;
	cfg->request_ms = IMDS_REQUEST_MS;
	cfg->token_ttl = IMDS_TOKEN_TTL;
}

int
imds_config_init(struct imds_config *cfg)
{
	const char *disabled = getenv("AWS_EC2_METADATA_DISABLED");
	const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	size_t len;

	imds_config_defaults(cfg);
	cfg->disabled = disabled && strcasecmp(disabled, "true") == 0;
	if (ep && ep[0] != '\0') {
		if (!imds_endpoint_ok(ep))
			return WGTAP_EFORMAT;
		len = strlen(ep);
		if (ep[len - 1] == '/')
			len--;
		memcpy(cfg->endpoint, ep, len);
		cfg->endpoint[len] = '\0';
		cfg->endpoint_given = true;
	} else if (mode && strcasecmp(mode, "IPv6") == 0) {
		memcpy(cfg->endpoint, IMDS_IPV6_ENDPOINT,
		    sizeof(IMDS_IPV6_ENDPOINT));
	} else if (mode && mode[0] != '\0' && strcasecmp(mode, "IPv4") != 0) {
		return WGTAP_EFORMAT;
	}
	return WGTAP_OK;
}

/* s without trailing blanks and line ends equals word. */
static bool
imds_is_word(const char *s, const char *word)
{
	size_t n = strlen(s), w = strlen(word);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n == w && memcmp(s, word, w) == 0;
}

bool
imds_looks_like_ec2(const char *sys_vendor, const char *hv_uuid)
{
	if (sys_vendor && imds_is_word(sys_vendor, "Amazon EC2"))
		return true;
	return hv_uuid && strncasecmp(hv_uuid, "ec2", 3) == 0;
}

/* The first line of a small file into buf, or "" when it cannot be read. */
static const char *
imds_read_line(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return buf;
	if (!fgets(buf, (int)cap, f))
		buf[0] = '\0';
	fclose(f);
	return buf;
}

bool
imds_on_ec2(void)
{
	char vendor[64], uuid[64];

	return imds_looks_like_ec2(imds_read_line(
	    "/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor)),
	    imds_read_line("/sys/hypervisor/uuid", uuid, sizeof(uuid)));
}

/* ---- the requests ------------------------------------------------------- */

/* One answer, in a buffer of fixed size that is never reallocated. */
struct imds_body {
	char	*p;
	size_t	 len;
	size_t	 cap;
	bool	 over;
};

static size_t
imds_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct imds_body *b = arg;
	size_t n = size * nmemb;

	if (n > b->cap - b->len) {
		b->over = true;
		return 0;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return n;
}

/* The token PUT has an empty body. */
static size_t
imds_read_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)size;
	(void)nmemb;
	(void)arg;
	return 0;
}

static void
imds_headers_free(struct curl_slist *h)
{
	struct curl_slist *l;

	for (l = h; l; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(h);
}

/* curl_easy_setopt() for a long, unless an earlier option failed. */
static void
imds_opt_long(CURL *h, CURLoption opt, long v, CURLcode *e)
{
	if (*e == CURLE_OK)
		*e = curl_easy_setopt(h, opt, v);
}

/* The same for a data pointer or a string. */
static void
imds_opt_ptr(CURL *h, CURLoption opt, const void *p, CURLcode *e)
{
	if (*e == CURLE_OK)
		*e = curl_easy_setopt(h, opt, p);
}

/* Options set once per handle. */
static int
imds_setup(CURL *h, const struct imds_config *cfg, char *errbuf)
{
	CURLcode e = CURLE_OK;

	imds_opt_ptr(h, CURLOPT_ERRORBUFFER, errbuf, &e);
	imds_opt_long(h, CURLOPT_NOSIGNAL, 1L, &e);
	/* The metadata service is link-local: never through a proxy. */
	imds_opt_ptr(h, CURLOPT_PROXY, "", &e);
	imds_opt_long(h, CURLOPT_FOLLOWLOCATION, 0L, &e);
	imds_opt_ptr(h, CURLOPT_PROTOCOLS_STR, "http,https", &e);
	imds_opt_long(h, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_ms, &e);
	imds_opt_long(h, CURLOPT_TIMEOUT_MS, cfg->request_ms, &e);
	imds_opt_ptr(h, CURLOPT_USERAGENT, IMDS_USER_AGENT, &e);
	if (e == CURLE_OK)
		e = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, imds_write_cb);
	if (e == CURLE_OK)
		e = curl_easy_setopt(h, CURLOPT_READFUNCTION, imds_read_cb);
	return e == CURLE_OK ? WGTAP_OK : WGTAP_ENET;
}

/*
 * One request: PUT (empty body) or GET of url with headers, the answer in
 * *b. Returns WGTAP_OK and *status, WGTAP_ENET (why says what failed) or
 * WGTAP_ETOOBIG (answer over the buffer).
 */
static int
imds_request(CURL *h, const char *url, bool put, struct curl_slist *headers,
    struct imds_body *b, long *status, char *errbuf)
{
	CURLcode e = CURLE_OK;

	b->len = 0;
	b->over = false;
	*status = 0;
	imds_opt_ptr(h, CURLOPT_URL, url, &e);
	imds_opt_ptr(h, CURLOPT_HTTPHEADER, headers, &e);
	imds_opt_ptr(h, CURLOPT_WRITEDATA, b, &e);
	if (put) {
		imds_opt_long(h, CURLOPT_UPLOAD, 1L, &e);
		if (e == CURLE_OK)
			e = curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)0);
	} else {
		imds_opt_long(h, CURLOPT_HTTPGET, 1L, &e);
	}
	if (e != CURLE_OK)
		return WGTAP_ENET;
	errbuf[0] = '\0';
	e = curl_easy_perform(h);
	if (b->over)
		return WGTAP_ETOOBIG;
	if (e != CURLE_OK)
		return WGTAP_ENET;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	return WGTAP_OK;
}

/* why = "instance metadata at ENDPOINT: " + the formatted rest. */
static void __attribute__((format(printf, 3, 4)))
imds_why(char why[static IMDS_ERROR_SIZE], const struct imds_config *cfg,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(why, IMDS_ERROR_SIZE, "instance metadata at %s: ",
	    cfg->endpoint);
	if (n < 0 || (size_t)n >= IMDS_ERROR_SIZE)
		return;		/* cut: still one terminated line */
	va_start(ap, fmt);
	(void)vsnprintf(why + n, IMDS_ERROR_SIZE - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * The text of a failed transfer into errbuf: libcurl's message, and the
 * system's word for the socket error when there was one ("Connection
 * refused", "Network is unreachable"), which libcurl leaves out.
 */
static const char *
imds_curl_text(CURL *h, char *errbuf)
{
	size_t n = strnlen(errbuf, CURL_ERROR_SIZE);
	long os_errno = 0;

	if (n == 0)
		n = (size_t)snprintf(errbuf, CURL_ERROR_SIZE,
		    "the transfer failed");
	if (curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK &&
	    os_errno > 0 && n < CURL_ERROR_SIZE)
		(void)snprintf(errbuf + n, CURL_ERROR_SIZE - n, " (%s)",
		    strerror((int)os_errno));
	return errbuf;
}

/* url = endpoint path [role]; false if it would not fit (it always does). */
static bool
imds_url(char url[static IMDS_URL_SIZE], const struct imds_config *cfg,
    const char *path, const char *role)
{
	int n = snprintf(url, IMDS_URL_SIZE, "%s%s%s", cfg->endpoint, path,
	    role);

	return n >= 0 && (size_t)n < IMDS_URL_SIZE;
}

/* A metadata token: printable ASCII, no blanks. */
static bool
imds_api_token_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > IMDS_API_TOKEN_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	}
	return true;
}

/* PUT the token request; the token goes into *hdrs as a header. */
static int
imds_get_token(CURL *h, const struct imds_config *cfg, struct imds_body *b,
    struct curl_slist **hdrs, char *errbuf, char why[static IMDS_ERROR_SIZE])
{
	struct curl_slist *put = NULL, *l;
	char url[IMDS_URL_SIZE], hdr[IMDS_HDR_SIZE];
	long status;
	size_t n;
	int r = WGTAP_ENOMEM;

	*hdrs = NULL;
	n = (size_t)snprintf(hdr, sizeof(hdr), "%s: %u", IMDS_TTL_HEADER,
	    cfg->token_ttl);
	if (!imds_url(url, cfg, IMDS_TOKEN_PATH, "") || n >= sizeof(hdr)) {
		r = WGTAP_ETOOBIG;
		imds_why(why, cfg, "the endpoint is too long");
		goto out;
	}
	l = curl_slist_append(put, hdr);
	if (!l)
		goto out;
	put = l;
	/* libcurl would send "Expect: 100-continue" with a PUT. */
	l = curl_slist_append(put, "Expect:");
	if (!l)
		goto out;
	put = l;
	r = imds_request(h, url, true, put, b, &status, errbuf);
	if (r == WGTAP_ENET) {
		imds_why(why, cfg, "token request: %s",
		    imds_curl_text(h, errbuf));
		goto out;
	}
	if (r == WGTAP_ETOOBIG) {
		r = WGTAP_EFORMAT;
		imds_why(why, cfg, "token request: the answer is too long");
		goto out;
	}
	if (status != 200) {
		r = WGTAP_EHTTP;
		imds_why(why, cfg, "token request: HTTP %ld%s", status,
		    status == 403 ? " (the metadata service is turned off "
		    "for this instance)" : status == 404 || status == 405 ?
		    " (no IMDSv2 here)" : "");
		goto out;
	}
	r = WGTAP_EFORMAT;
	n = b->len;
	while (n > 0 && (b->p[n - 1] == '\n' || b->p[n - 1] == '\r'))
		n--;
	if (!imds_api_token_ok(b->p, n)) {
		imds_why(why, cfg, "token request: the token is not usable");
		goto out;
	}
	r = WGTAP_ENOMEM;
	memcpy(hdr, IMDS_TOKEN_HEADER ": ", sizeof(IMDS_TOKEN_HEADER) + 1);
	memcpy(hdr + sizeof(IMDS_TOKEN_HEADER) + 1, b->p, n);
	hdr[sizeof(IMDS_TOKEN_HEADER) + 1 + n] = '\0';
	l = curl_slist_append(NULL, hdr);
	if (!l)
		goto out;
	*hdrs = l;
	r = WGTAP_OK;
 out:
	OPENSSL_cleanse(hdr, sizeof(hdr));
	OPENSSL_cleanse(b->p, b->cap);
	curl_slist_free_all(put);
	if (r == WGTAP_ENOMEM)
		imds_why(why, cfg, "out of memory");
	return r;
}

/* GET url with the token; anything but 200 is an error for step. */
static int
imds_get(CURL *h, const struct imds_config *cfg, const char *url,
    struct curl_slist *hdrs, struct imds_body *b, const char *step,
    char *errbuf, char why[static IMDS_ERROR_SIZE])
{
	long status;
	int r;

	r = imds_request(h, url, false, hdrs, b, &status, errbuf);
	if (r == WGTAP_ENET) {
		imds_why(why, cfg, "%s: %s", step, imds_curl_text(h, errbuf));
		return r;
	}
	if (r == WGTAP_ETOOBIG) {
		imds_why(why, cfg, "%s: the answer is larger than 64 KiB",
		    step);
		return WGTAP_EFORMAT;
	}
	if (status != 200) {
		imds_why(why, cfg, "%s: HTTP %ld%s", step, status,
		    status == 404 && strcmp(step, "role name") == 0 ?
		    " (no instance role is attached)" : "");
		return WGTAP_EHTTP;
	}
	return WGTAP_OK;
}

int
imds_fetch(const struct imds_config *cfg, struct imds_creds *out,
    char role[static IMDS_ROLE_SIZE], char why[static IMDS_ERROR_SIZE])
{
	struct curl_slist *hdrs = NULL;
	struct imds_body b = { NULL, 0, IMDS_DOC_MAX, false };
	char url[IMDS_URL_SIZE], errbuf[CURL_ERROR_SIZE];
	char step[IMDS_ROLE_SIZE + 32];
	CURL *h = NULL;
	int r = WGTAP_ENOMEM;

	memset(out, 0, sizeof(*out));
	role[0] = '\0';
	why[0] = '\0';
	errbuf[0] = '\0';
	b.p = malloc(b.cap);
	h = curl_easy_init();
	if (!b.p || !h) {
		imds_why(why, cfg, "out of memory");
		goto out;
	}
	r = imds_setup(h, cfg, errbuf);
	if (r != WGTAP_OK) {
		imds_why(why, cfg, "libcurl refused an option");
		goto out;
	}
	r = imds_get_token(h, cfg, &b, &hdrs, errbuf, why);
	if (r != WGTAP_OK)
		goto out;
	r = WGTAP_ETOOBIG;
	if (!imds_url(url, cfg, IMDS_ROLE_PATH, "")) {
		imds_why(why, cfg, "the endpoint is too long");
		goto out;
	}
	r = imds_get(h, cfg, url, hdrs, &b, "role name", errbuf, why);
	if (r != WGTAP_OK)
		goto out;
	r = imds_parse_role(b.p, b.len, role);
	if (r != WGTAP_OK) {
		imds_why(why, cfg, "role name: not an IAM role name");
		goto out;
	}
	r = WGTAP_ETOOBIG;
	if (!imds_url(url, cfg, IMDS_ROLE_PATH, role)) {
		imds_why(why, cfg, "the endpoint is too long");
		goto out;
	}
	/* A role name is at most IMDS_ROLE_MAX bytes: this always fits. */
	(void)snprintf(step, sizeof(step), "credentials of role %s", role);
	r = imds_get(h, cfg, url, hdrs, &b, step, errbuf, why);
	if (r != WGTAP_OK)
		goto out;
	r = imds_parse_creds(b.p, b.len, out);
	if (r != WGTAP_OK) {
		if (out->code[0] != '\0' && strcmp(out->code, "Success") != 0)
			imds_why(why, cfg, "%s: Code %s", step, out->code);
		else
			imds_why(why, cfg, "%s: not a usable credentials "
			    "document", step);
		goto out;
	}
	r = WGTAP_OK;
 out:
	if (b.p) {
		OPENSSL_cleanse(b.p, b.cap);
		free(b.p);
	}
	imds_headers_free(hdrs);
	if (h)
		curl_easy_cleanup(h);
	if (r != WGTAP_OK)
		imds_creds_wipe(out);
	return r;
}
