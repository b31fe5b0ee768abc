/* SPDX-License-Identifier: MIT */
/*
 * Character classes for parsing names, URLs, headers and numbers, in the
 * manner of wireguard-tools' src/ctype.h: ASCII only and independent of the
 * locale, so a parse does not change with LC_ALL, and a byte above 0x7f is
 * in no class. Every function takes the byte as an unsigned char; pass a
 * char and the conversion is the right one. Plus the one hex encoder.
 */
#ifndef WGTAP_CHARS_H
#define WGTAP_CHARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 0-9 */
static inline bool
chars_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A-Z */
static inline bool
chars_is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

/* a-z */
static inline bool
chars_is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

/* A-Z a-z */
static inline bool
chars_is_alpha(unsigned char c)
{
	return chars_is_upper(c) || chars_is_lower(c);
}

/* A-Z a-z 0-9 */
static inline bool
chars_is_alnum(unsigned char c)
{
	return chars_is_alpha(c) || chars_is_digit(c);
}

/* a-z 0-9 (S3 bucket names) */
static inline bool
chars_is_lower_alnum(unsigned char c)
{
	return chars_is_lower(c) || chars_is_digit(c);
}

/*
 * A-Z a-z 0-9 . _ - : a label that is safe in a file name and an object
 * key (interface labels of segment names, the host=LABEL of keys).
 */
static inline bool
chars_is_label(unsigned char c)
{
	return chars_is_alnum(c) || c == '.' || c == '_' || c == '-';
}

/* 0-9 A-F a-f */
static inline bool
chars_is_hex(unsigned char c)
{
	return chars_is_digit(c) || (c >= 'A' && c <= 'F') ||
	    (c >= 'a' && c <= 'f');
}

/* 0-9 a-f, as chars_hex_encode() writes them */
static inline bool
chars_is_lower_hex(unsigned char c)
{
	return chars_is_digit(c) || (c >= 'a' && c <= 'f');
}

/* The value 0-15 of a hex digit, or -1 when c is not one. */
static inline int
chars_hex_value(unsigned char c)
{
	if (chars_is_digit(c))
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Space or horizontal tab (RFC 7230's OWS). */
static inline bool
chars_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* A control byte: 0x00-0x1f and DEL. */
static inline bool
chars_is_cntrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Printable ASCII, space included: 0x20-0x7e. */
static inline bool
chars_is_print(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* Printable ASCII without the space: 0x21-0x7e. */
static inline bool
chars_is_graph(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* c with A-Z mapped to a-z; every other byte as it is. */
static inline unsigned char
chars_to_lower(unsigned char c)
{
	return chars_is_upper(c) ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
 * Lowercase hex of the len bytes at in, into out, which holds 2 * len + 1
 * bytes; out is NUL-terminated.
 */
static inline void
chars_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

#endif
