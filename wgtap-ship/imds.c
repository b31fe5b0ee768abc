// SPDX-License-Identifier: MIT
/*
 * The EC2 instance metadata service (IMDSv2) as a source of temporary
 * keys: the endpoint from the environment, three short requests with
 * libcurl, and two parsers for what comes back: the role name, and the
 * credentials document (a JSON object, RFC 8259) with its ISO 8601
 * expiry. The JSON parser is small on purpose: it walks one object with a
 * cursor that checks every byte is there before reading it, decodes the
 * five string members it wants into fixed buffers, and skips any other
 * member after checking its grammar, with nesting bounded. Answers are
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

#include "imds.h"
#include "wgtap.h"

#define IMDS_TOKEN_PATH		"/latest/api/token"
#define IMDS_ROLE_PATH		"/latest/meta-data/iam/security-credentials/"
#define IMDS_TTL_HEADER		"X-aws-ec2-metadata-token-ttl-seconds"
#define IMDS_TOKEN_HEADER	"X-aws-ec2-metadata-token"
#define IMDS_USER_AGENT		"wgtap-ship/" WGTAP_VERSION
#define IMDS_JSON_DEPTH		16	/* deepest nesting skipped */
#define IMDS_NAME_MAX		32	/* longer member names are not ours */
#define IMDS_URL_SIZE		(IMDS_ENDPOINT_SIZE + sizeof(IMDS_ROLE_PATH) + \
				 IMDS_ROLE_SIZE)
#define IMDS_HDR_SIZE		(sizeof(IMDS_TOKEN_HEADER) + 2 + \
				 IMDS_API_TOKEN_MAX + 1)

/* ---- configuration ------------------------------------------------------ */

static bool
imds_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
imds_hostchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    imds_digit(c) || c == '.' || c == '-';
}

static bool
imds_hexdigit(char c)
{
	return imds_digit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
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
		for (p++; imds_hexdigit(*p) || *p == ':' || *p == '.'; p++)
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
		if (!imds_digit(*p))
			return false;
		for (n = 0; imds_digit(*p); p++, n++) {
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

/* ---- time --------------------------------------------------------------- */

/* Read exactly n digits at s into *v. */
static bool
imds_num(const char *s, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!imds_digit(s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

static bool
imds_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
imds_days(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * RFC 3339 section 5.6 date-time, the profile of ISO 8601 that IMDS uses:
 * full-date "T" full-time, with time-secfrac and time-offset.
 */
int
imds_parse_time(const char *s, size_t len, time_t *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, dim;
	size_t i = 19;
	int64_t v, off = 0;

	*t = 0;
	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return WGTAP_EFORMAT;
	if (!imds_num(s, 4, &y) || !imds_num(s + 5, 2, &mo) ||
	    !imds_num(s + 8, 2, &d) || !imds_num(s + 11, 2, &h) ||
	    !imds_num(s + 14, 2, &mi) || !imds_num(s + 17, 2, &sec))
		return WGTAP_EFORMAT;
	if (y < 1970 || mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 60)
		return WGTAP_EFORMAT;
	dim = mdays[mo - 1] + (mo == 2 && imds_leap(y));
	if (d < 1 || d > dim)
		return WGTAP_EFORMAT;
	if (s[i] == '.') {
		for (i++; i < len && imds_digit(s[i]); i++)
			;
		if (i == 20)
			return WGTAP_EFORMAT;
	}
	if (i < len && s[i] == 'Z') {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		if (len - i < 6 || s[i + 3] != ':' ||
		    !imds_num(s + i + 1, 2, &oh) ||
		    !imds_num(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return WGTAP_EFORMAT;
		off = (int64_t)oh * 3600 + om * 60;
		if (s[i] == '+')
			off = -off;
		i += 6;
	} else {
		return WGTAP_EFORMAT;
	}
	if (i != len)
		return WGTAP_EFORMAT;
	v = imds_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec + off;
	if (v < 0)
		return WGTAP_EFORMAT;
	*t = (time_t)v;
	return WGTAP_OK;
}

/* ---- JSON --------------------------------------------------------------- */

struct imds_cur {
	const char	*p;	/* next unread byte */
	size_t		 left;	/* bytes from p on */
};

static void
imds_ws(struct imds_cur *c)
{
	while (c->left > 0 && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r')) {
		c->p++;
		c->left--;
	}
}

/* Consume the byte ch (after whitespace); false if it is not next. */
static bool
imds_eat(struct imds_cur *c, char ch)
{
	imds_ws(c);
	if (c->left == 0 || *c->p != ch)
		return false;
	c->p++;
	c->left--;
	return true;
}

/* Four hex digits of a \u escape. */
static bool
imds_hex4(struct imds_cur *c, unsigned *v)
{
	size_t i;
	char ch;

	if (c->left < 4)
		return false;
	*v = 0;
	for (i = 0; i < 4; i++) {
		ch = c->p[i];
		if (!imds_hexdigit(ch))
			return false;
		*v = *v * 16 + (unsigned)(imds_digit(ch) ? ch - '0' :
		    (ch | 0x20) - 'a' + 10);
	}
	c->p += 4;
	c->left -= 4;
	return true;
}

/* Append n bytes to out (cap bytes with the NUL); note an overflow. */
static void
imds_emit(char *out, size_t cap, size_t *len, bool *over, const char *b,
    size_t n)
{
	if (!out)
		return;
	if (n > cap - 1 - *len) {
		*over = true;
		return;
	}
	memcpy(out + *len, b, n);
	*len += n;
	out[*len] = '\0';
}

/* The UTF-8 form of code point cp (at most U+10FFFF) into b; its length. */
static size_t
imds_utf8(unsigned cp, char b[static 4])
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | cp >> 18);
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	b[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* One escape after the backslash (RFC 8259 section 7) into b; its length. */
static size_t
imds_escape(struct imds_cur *c, char b[static 4])
{
	unsigned cp, lo;
	char e;

	if (c->left == 0)
		return 0;
	e = *c->p;
	c->p++;
	c->left--;
	switch (e) {
	case '"': case '\\': case '/':
		b[0] = e;
		return 1;
	case 'b': b[0] = '\b'; return 1;
	case 'f': b[0] = '\f'; return 1;
	case 'n': b[0] = '\n'; return 1;
	case 'r': b[0] = '\r'; return 1;
	case 't': b[0] = '\t'; return 1;
	case 'u':
		break;
	default:
		return 0;
	}
	if (!imds_hex4(c, &cp) || cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
		return 0;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		/* A high surrogate: a low one must follow. */
		if (c->left < 2 || c->p[0] != '\\' || c->p[1] != 'u')
			return 0;
		c->p += 2;
		c->left -= 2;
		if (!imds_hex4(c, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return 0;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return imds_utf8(cp, b);
}

/*
 * A string (RFC 8259 section 7), decoded into out (cap bytes with the
 * NUL; out may be NULL to only check it). Returns WGTAP_OK, WGTAP_ETOOBIG
 * when it did not fit (the whole string is still consumed) or
 * WGTAP_EFORMAT.
 */
static int
imds_string(struct imds_cur *c, char *out, size_t cap)
{
	size_t len = 0, n;
	bool over = false;
	char b[4];

	if (out)
		out[0] = '\0';
	if (!imds_eat(c, '"'))
		return WGTAP_EFORMAT;
	for (;;) {
		if (c->left == 0)
			return WGTAP_EFORMAT;
		b[0] = *c->p;
		c->p++;
		c->left--;
		if (b[0] == '"')
			break;
		if ((unsigned char)b[0] < 0x20)
			return WGTAP_EFORMAT;
		n = 1;
		if (b[0] == '\\') {
			n = imds_escape(c, b);
			if (n == 0)
				return WGTAP_EFORMAT;
		}
		imds_emit(out, cap, &len, &over, b, n);
	}
	return over ? WGTAP_ETOOBIG : WGTAP_OK;
}

/* A number (RFC 8259 section 6), checked and skipped. */
static bool
imds_number(struct imds_cur *c)
{
	size_t n;

	if (c->left > 0 && *c->p == '-') {
		c->p++;
		c->left--;
	}
	if (c->left == 0 || !imds_digit(*c->p))
		return false;
	if (*c->p == '0') {
		c->p++;
		c->left--;
	} else {
		while (c->left > 0 && imds_digit(*c->p)) {
			c->p++;
			c->left--;
		}
	}
	if (c->left > 0 && *c->p == '.') {
		c->p++;
		c->left--;
		for (n = 0; c->left > 0 && imds_digit(*c->p); n++) {
			c->p++;
			c->left--;
		}
		if (n == 0)
			return false;
	}
	if (c->left > 0 && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		c->left--;
		if (c->left > 0 && (*c->p == '+' || *c->p == '-')) {
			c->p++;
			c->left--;
		}
		for (n = 0; c->left > 0 && imds_digit(*c->p); n++) {
			c->p++;
			c->left--;
		}
		if (n == 0)
			return false;
	}
	return true;
}

static bool
imds_literal(struct imds_cur *c, const char *word)
{
	size_t n = strlen(word);

	if (c->left < n || memcmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	c->left -= n;
	return true;
}

static bool imds_skip_value(struct imds_cur *c, unsigned depth);

/* The rest of an array or object after its opening bracket. */
static bool
imds_skip_container(struct imds_cur *c, unsigned depth, bool object)
{
	char close = object ? '}' : ']';

	if (imds_eat(c, close))
		return true;
	for (;;) {
		if (object && (imds_string(c, NULL, 0) != WGTAP_OK ||
		    !imds_eat(c, ':')))
			return false;
		if (!imds_skip_value(c, depth + 1))
			return false;
		if (imds_eat(c, close))
			return true;
		if (!imds_eat(c, ','))
			return false;
	}
}

/* Any value (RFC 8259 section 3), checked and skipped. */
static bool
imds_skip_value(struct imds_cur *c, unsigned depth)
{
	if (depth > IMDS_JSON_DEPTH)
		return false;
	imds_ws(c);
	if (c->left == 0)
		return false;
	switch (*c->p) {
	case '"':
		return imds_string(c, NULL, 0) == WGTAP_OK;
	case '{':
	case '[':
		c->p++;
		c->left--;
		return imds_skip_container(c, depth, c->p[-1] == '{');
	case 't':
		return imds_literal(c, "true");
	case 'f':
		return imds_literal(c, "false");
	case 'n':
		return imds_literal(c, "null");
	default:
		return imds_number(c);
	}
}

/* The members we take: name, where it goes, its size. */
struct imds_field {
	const char	*name;
	char		*out;
	size_t		 cap;
	bool		 seen;
};

/* No control bytes: the values go into HTTP headers and the signature. */
static bool
imds_text_ok(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	}
	return true;
}

/* Replace every byte of code that is not printable ASCII with '?'. */
static void
imds_sanitize(char *code)
{
	for (; *code; code++) {
		if ((unsigned char)*code < 0x20 || (unsigned char)*code > 0x7e)
			*code = '?';
	}
}

static int
imds_members(struct imds_cur *c, struct imds_field *f, size_t nf)
{
	char name[IMDS_NAME_MAX];
	size_t i;
	int r;

	if (!imds_eat(c, '{'))
		return WGTAP_EFORMAT;
	if (imds_eat(c, '}'))
		return WGTAP_OK;
	for (;;) {
		r = imds_string(c, name, sizeof(name));
		if (r == WGTAP_EFORMAT || !imds_eat(c, ':'))
			return WGTAP_EFORMAT;
		for (i = 0; r == WGTAP_OK && i < nf; i++) {
			if (strcmp(name, f[i].name) == 0)
				break;
		}
		if (r == WGTAP_OK && i < nf) {
			if (f[i].seen)
				return WGTAP_EFORMAT;
			f[i].seen = true;
			imds_ws(c);
			if (imds_string(c, f[i].out, f[i].cap) != WGTAP_OK)
				return WGTAP_EFORMAT;
		} else if (!imds_skip_value(c, 1)) {
			return WGTAP_EFORMAT;
		}
		if (imds_eat(c, '}'))
			break;
		if (!imds_eat(c, ','))
			return WGTAP_EFORMAT;
	}
	imds_ws(c);
	return c->left == 0 ? WGTAP_OK : WGTAP_EFORMAT;
}

int
imds_parse_creds(const char *doc, size_t len, struct imds_creds *out)
{
	struct imds_cur c = { doc, len };
	struct imds_field f[] = {
		{ "Code", out->code, sizeof(out->code), false },
		{ "AccessKeyId", out->access_key_id,
		    sizeof(out->access_key_id), false },
		{ "SecretAccessKey", out->secret_access_key,
		    sizeof(out->secret_access_key), false },
		{ "Token", out->token, sizeof(out->token), false },
		{ "Expiration", out->expiration_text,
		    sizeof(out->expiration_text), false },
	};
	char code[IMDS_CODE_SIZE];
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	r = imds_members(&c, f, sizeof(f) / sizeof(f[0]));
	imds_sanitize(out->code);
	if (r != WGTAP_OK)
		goto out;
	r = WGTAP_EFORMAT;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i].seen)
			goto out;
	}
	if (strcmp(out->code, "Success") != 0 || out->access_key_id[0] == '\0'
	    || out->secret_access_key[0] == '\0' ||
	    !imds_text_ok(out->access_key_id) ||
	    !imds_text_ok(out->secret_access_key) ||
	    !imds_text_ok(out->token))
		goto out;
	r = imds_parse_time(out->expiration_text,
	    strlen(out->expiration_text), &out->expiration);
	if (r != WGTAP_OK)
		goto out;
	r = WGTAP_OK;
 out:
	if (r != WGTAP_OK) {
		memcpy(code, out->code, sizeof(code));
		imds_creds_wipe(out);
		memcpy(out->code, code, sizeof(code));
	}
	return r;
}

void
imds_creds_wipe(struct imds_creds *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
}

/* ---- role name ---------------------------------------------------------- */

static bool
imds_role_char(char c)
{
	/* strchr() finds the terminator too: NUL must not get that far. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    imds_digit(c) || (c != '\0' && strchr("+=,.@_-", c) != NULL);
}

int
imds_parse_role(const char *body, size_t len, char role[static IMDS_ROLE_SIZE])
{
	const char *nl = memchr(body, '\n', len);
	size_t a = 0, b = nl ? (size_t)(nl - body) : len, i;

	role[0] = '\0';
	while (a < b && (body[a] == ' ' || body[a] == '\t'))
		a++;
	while (b > a && (body[b - 1] == ' ' || body[b - 1] == '\t' ||
	    body[b - 1] == '\r'))
		b--;
	if (a == b || b - a > IMDS_ROLE_MAX)
		return WGTAP_EFORMAT;
	for (i = a; i < b; i++) {
		if (!imds_role_char(body[i]))
			return WGTAP_EFORMAT;
	}
	memcpy(role, body + a, b - a);
	role[b - a] = '\0';
	return WGTAP_OK;
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
