// SPDX-License-Identifier: MIT
/*
 * The error document of an S3 answer (<Error><Code>...</Code><Message>...
 * </Message></Error>): a small bounded scanner that finds the two elements
 * in at most the bytes it is given, decodes the XML entities and makes the
 * text safe to log. It is not an XML parser and needs none: anything it
 * does not recognise is left as it is or replaced by '?'. Outside bytes
 * only; tests/fuzz/fuzz_s3err.c runs it on anything.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "chars.h"
#include "s3err.h"
#include "wgtap.h"

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
	*ch = cp < 0x80 && chars_is_print((unsigned char)cp) ? (char)cp : '?';
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
