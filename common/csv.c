// SPDX-License-Identifier: MIT
/*
 * CSV rows (SPEC section 1). This is the per-packet hot path, so numbers,
 * addresses and base64 are formatted by hand rather than through printf:
 * glibc's inet_ntop() formats each IPv6 group with sprintf(), which cost
 * more than the rest of the row. SPEC asks for the RFC 5952 text that
 * inet_ntop() prints, and csv_ipv6() writes exactly that.
 */
#include <stdbool.h>
#include <string.h>

#include "csv.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
csv_base64(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];

		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	return o;
}

/* "00" to "99": two digits per division. */
static const char digits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* How many decimal digits v has. */
static inline size_t
count_digits(uint32_t v)
{
	return 1 + (v >= 10) + (v >= 100) + (v >= 1000) + (v >= 10000) +
	    (v >= 100000) + (v >= 1000000) + (v >= 10000000) +
	    (v >= 100000000) + (v >= 1000000000);
}

/* The decimal digits of v, ending just before end. */
static inline void
put_digits(uint32_t v, char *end)
{
	while (v >= 100) {
		end -= 2;
		memcpy(end, digits2 + v % 100 * 2, 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(end - 2, digits2 + v * 2, 2);
	else
		end[-1] = (char)('0' + v);
}

/* The nine decimal digits of v (below 10^9), zero-padded, at buf. */
static inline void
put_nine(uint32_t v, char *buf)
{
	int i;

	for (i = 7; i >= 1; i -= 2) {
		memcpy(buf + i, digits2 + v % 100 * 2, 2);
		v /= 100;
	}
	buf[0] = (char)('0' + v);
}

/*
 * Decimal text of v, written in place from the right, two digits per
 * division by 100 (its length is known first). A value of 10^9 or more
 * (a timestamp in nanoseconds) is split at 10^9, so that the two halves
 * are independent chains of divisions the processor runs side by side.
 */
size_t
csv_u64(uint64_t v, char *buf)
{
	uint64_t hi;
	uint32_t top;
	size_t n;

	if (v < 1000000000u) {
		n = count_digits((uint32_t)v);
		put_digits((uint32_t)v, buf + n);
		return n;
	}
	hi = v / 1000000000u;
	if (hi < 1000000000u) {
		n = count_digits((uint32_t)hi);
		put_digits((uint32_t)hi, buf + n);
	} else {	/* 10^18 and more: 19 or 20 digits */
		top = (uint32_t)(hi / 1000000000u);
		n = count_digits(top);
		put_digits(top, buf + n);
		put_nine((uint32_t)(hi % 1000000000u), buf + n);
		n += 9;
	}
	put_nine((uint32_t)(v % 1000000000u), buf + n);
	return n + 9;
}

size_t
csv_ipv4(const uint8_t a[4], char *buf)
{
	size_t o = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (i)
			buf[o++] = '.';
		if (v >= 100) {
			buf[o++] = (char)('0' + v / 100);
			v %= 100;
			memcpy(buf + o, digits2 + v * 2, 2);
			o += 2;
		} else if (v >= 10) {
			memcpy(buf + o, digits2 + v * 2, 2);
			o += 2;
		} else {
			buf[o++] = (char)('0' + v);
		}
	}
	return o;
}

/* A 16-bit group in lower-case hex without leading zeros. */
static size_t
fmt_hex16(unsigned v, char *buf)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;
	int shift = 12;

	while (shift > 0 && (v >> shift) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		buf[o++] = digits[(v >> shift) & 15];
	return o;
}

/*
 * The rules inet_ntop() follows (RFC 5952 section 4, and glibc's choice
 * for the embedded IPv4 forms): the longest run of two or more zero
 * groups, the first of equal runs, becomes "::"; the other groups are
 * lower-case hex without leading zeros; after six zero groups
 * (::a.b.c.d, unless the seventh group is zero too) or five and ffff
 * (::ffff:a.b.c.d), the last 32 bits are written as an IPv4 address.
 */
size_t
csv_ipv6(const uint8_t a[16], char *buf)
{
	unsigned w[8];
	int i, base = -1, len = 0, cur = -1;
	size_t o = 0;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] != 0) {
			cur = -1;
			continue;
		}
		if (cur < 0)
			cur = i;
		if (i + 1 - cur > len) {
			base = cur;
			len = i + 1 - cur;
		}
	}
	if (len < 2)
		base = -1;
	for (i = 0; i < 8; i++) {
		if (base >= 0 && i >= base && i < base + len) {
			if (i == base)
				buf[o++] = ':';
			continue;
		}
		if (i > 0)
			buf[o++] = ':';
		if (i == 6 && base == 0 &&
		    (len == 6 || (len == 5 && w[5] == 0xffff)))
			return o + csv_ipv4(a + 12, buf + o);
		o += fmt_hex16(w[i], buf + o);
	}
	if (base >= 0 && base + len == 8)
		buf[o++] = ':';
	return o;
}

static size_t
fmt_addr(uint8_t family, const uint8_t *a, char *buf)
{
	return family == 4 ? csv_ipv4(a, buf) : csv_ipv6(a, buf);
}

size_t
csv_format_row(const struct pkt_row *r, char *buf)
{
	const char *name;
	size_t o = 0;

	o += fmt_addr(r->family, r->src, buf + o);
	buf[o++] = ',';
	if (r->has_ports)
		o += csv_u64(r->sport, buf + o);
	buf[o++] = ',';
	o += fmt_addr(r->family, r->dst, buf + o);
	buf[o++] = ',';
	if (r->has_ports)
		o += csv_u64(r->dport, buf + o);
	buf[o++] = ',';
	name = pkt_proto_name(r->proto);
	if (name) {
		size_t n = strlen(name);

		memcpy(buf + o, name, n);
		o += n;
	} else {
		o += csv_u64(r->proto, buf + o);
	}
	buf[o++] = ',';
	o += csv_u64(r->size, buf + o);
	buf[o++] = ',';
	o += csv_u64(r->ts_ns, buf + o);
	buf[o++] = ',';
	if (r->dns && r->dns_len <= 65535)
		o += csv_base64(r->dns, r->dns_len, buf + o);
	buf[o++] = '\n';
	return o;
}

static size_t
put_text(char *buf, const char *s, size_t n)
{
	memcpy(buf, s, n);
	return n;
}

size_t
csv_format_row_v2(const struct pkt_row *r, char *buf)
{
	struct dnsname_q q;
	size_t o;

	o = csv_format_row(r, buf) - 1;		/* over the newline */
	buf[o++] = ',';
	if (r->peer && r->peer[0])	/* a key, checked where it was made */
		o += put_text(buf + o, r->peer, CSV_PEER_MAX);
	buf[o++] = ',';
	if (r->dir == PKT_DIR_IN)
		o += put_text(buf + o, "in", 2);
	else if (r->dir == PKT_DIR_OUT)
		o += put_text(buf + o, "out", 3);
	buf[o++] = ',';
	if (r->dns && r->dns_len <= 65535) {
		dnsname_question(r->dns, r->dns_len, &q);
		o += put_text(buf + o, q.name, q.name_len);
		buf[o++] = ',';
		o += put_text(buf + o, q.type, q.type_len);
		buf[o++] = ',';
		o += put_text(buf + o, q.rcode, q.rcode_len);
	} else {
		buf[o++] = ',';
		buf[o++] = ',';
	}
	buf[o++] = '\n';
	return o;
}

const char *
csv_header(enum csv_format f, size_t *len)
{
	if (f == CSV_V2) {
		*len = CSV_HEADER_V2_LEN;
		return CSV_HEADER_V2;
	}
	*len = CSV_HEADER_LEN;
	return CSV_HEADER;
}

int
csv_header_format(const char *line, size_t len)
{
	if (len == CSV_HEADER_LEN && memcmp(line, CSV_HEADER, len) == 0)
		return CSV_V1;
	if (len == CSV_HEADER_V2_LEN && memcmp(line, CSV_HEADER_V2, len) == 0)
		return CSV_V2;
	return 0;
}

int
csv_row_plausible(const char *line, size_t len, enum csv_format f)
{
	size_t i, commas = 0;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == ',')
			commas++;
		else if (c < 0x21 || c > 0x7e || c == '"')
			return 0;
	}
	return commas == (f == CSV_V2 ? CSV_FIELDS_V2 : CSV_FIELDS) - 1;
}
