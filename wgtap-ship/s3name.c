// SPDX-License-Identifier: MIT
/*
 * The names of S3: bucket names, host=LABEL partitions and key prefixes
 * checked the way S3 and HTTP want them, the --storage-endpoint URL parsed
 * (RFC 3986), path or virtual-hosted addressing chosen, the object key of
 * a segment laid out, and the URL, Host header and signed path of a
 * request put together. Pure string work: no I/O, no network, no logging.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "chars.h"
#include "dynbuf.h"
#include "s3name.h"
#include "sigv4.h"
#include "spool.h"
#include "wgtap.h"

#define S3_URL_MAX	8192

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
    const struct spool_name *sn, char key[static S3_KEY_SIZE])
{
	struct tm tm;
	time_t secs;
	int n;

	key[0] = '\0';
	if (!s3_host_label_ok(host))
		return WGTAP_EFORMAT;
	secs = (time_t)(sn->start_ns / 1000000000LL);
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
s3_content_type(const struct spool_name *sn)
{
	/* The rows are CSV; the compression of the file decides the type. */
	if (sn->gzip)
		return "application/gzip";
	if (sn->zstd)
		return "application/zstd";
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
