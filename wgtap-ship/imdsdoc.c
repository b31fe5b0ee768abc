// SPDX-License-Identifier: MIT
/*
 * The answers of the instance metadata service (see imdsdoc.h): the role
 * name, and the credentials document with its ISO 8601 expiry. The JSON
 * parser is small on purpose: it walks one object with a cursor that
 * checks every byte is there before reading it, decodes the five string
 * members it wants into fixed buffers, and skips any other member after
 * checking its grammar, with nesting bounded. Nothing here prints.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "chars.h"
#include "imdsdoc.h"
#include "wgtap.h"

#define IMDS_JSON_DEPTH		16	/* deepest nesting skipped */
#define IMDS_NAME_MAX		32	/* longer member names are not ours */

/* ---- time --------------------------------------------------------------- */

/* Read exactly n digits at s into *v. */
static bool
imds_num(const char *s, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!chars_is_digit((unsigned char)s[i]))
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
		for (i++; i < len && chars_is_digit((unsigned char)s[i]); i++)
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
		if (!chars_is_hex((unsigned char)ch))
			return false;
		*v = *v * 16 + (unsigned)chars_hex_value((unsigned char)ch);
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

/* Skip the digits at the cursor; how many there were. */
static size_t
imds_digits(struct imds_cur *c)
{
	size_t n = 0;

	while (c->left > 0 && chars_is_digit((unsigned char)*c->p)) {
		c->p++;
		c->left--;
		n++;
	}
	return n;
}

/* Skip ch if it is the next byte; whether it was. */
static bool
imds_skip_if(struct imds_cur *c, char ch)
{
	if (c->left == 0 || *c->p != ch)
		return false;
	c->p++;
	c->left--;
	return true;
}

/* A number (RFC 8259 section 6), checked and skipped. */
static bool
imds_number(struct imds_cur *c)
{
	imds_skip_if(c, '-');
	if (c->left == 0 || !chars_is_digit((unsigned char)*c->p))
		return false;
	if (!imds_skip_if(c, '0'))
		imds_digits(c);		/* no leading zero */
	if (imds_skip_if(c, '.') && imds_digits(c) == 0)
		return false;
	if (imds_skip_if(c, 'e') || imds_skip_if(c, 'E')) {
		if (!imds_skip_if(c, '+'))
			imds_skip_if(c, '-');
		if (imds_digits(c) == 0)
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
	    chars_is_digit((unsigned char)c) ||
	    (c != '\0' && strchr("+=,.@_-", c) != NULL);
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
