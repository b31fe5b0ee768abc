// SPDX-License-Identifier: MIT
/*
 * Tests for common/csv.c (SPEC section 1, the CSV record): base64 against
 * the RFC 4648 vectors and an independent encoder, decimal numbers
 * against snprintf(), IPv4 and IPv6 text against glibc's inet_ntop(), whole
 * rows (the longest one must fit CSV_ROW_MAX: the buffers here are heap
 * blocks of exactly the documented size, so ASan catches an overrun), and
 * the shape check used by segment recovery.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "csv.h"
#include "pkt.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))


/* Decode standard base64 with padding; returns the length or -1. */
static long
ref_unbase64(const char *in, size_t n, uint8_t *out)
{
	unsigned acc = 0, bits = 0;
	size_t i, pad = 0;
	long o = 0;

	if (n % 4)
		return -1;
	for (i = 0; i < n; i++) {
		const char c = in[i];
		int v;

		if (c == '=') {
			pad++;
			continue;
		}
		if (pad)
			return -1;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else
			return -1;
		acc = (acc << 6 | (unsigned)v) & 0xffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return pad > 2 ? -1 : o;
}

/* --- csv_base64 ----------------------------------------------------------- */

/* Encode into a heap block of exactly CSV_B64_LEN(n) bytes. */
static void
b64_eq(const void *in, size_t n, const char *want)
{
	char *out = malloc(CSV_B64_LEN(n));
	size_t got;

	ck_assert(out || n == 0);
	got = csv_base64(in, n, out);
	ck_assert_uint_eq(got, CSV_B64_LEN(n));
	ck_assert_uint_eq(got, strlen(want));
	if (got && memcmp(out, want, got) != 0)
		ck_abort_msg("base64 of %zu bytes: %.*s, want %s", n, (int)got,
		    out, want);
	free(out);
}

START_TEST(test_csv_base64_rfc4648)
{
	b64_eq("", 0, "");
	b64_eq("f", 1, "Zg==");
	b64_eq("fo", 2, "Zm8=");
	b64_eq("foo", 3, "Zm9v");
	b64_eq("foob", 4, "Zm9vYg==");
	b64_eq("fooba", 5, "Zm9vYmE=");
	b64_eq("foobar", 6, "Zm9vYmFy");
	b64_eq(NULL, 0, "");
}
END_TEST

START_TEST(test_csv_base64_all_bytes)
{
	uint8_t up[256], down[256];
	int i;

	for (i = 0; i < 256; i++) {
		up[i] = (uint8_t)i;
		down[i] = (uint8_t)(255 - i);
	}
	b64_eq(up, sizeof(up), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
	    "ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9Q"
	    "UVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+A"
	    "gYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+w"
	    "sbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g"
	    "4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==");
	b64_eq(down, sizeof(down), "//79/Pv6+fj39vX08/Lx8O/u7ezr6uno5+bl5OPi"
	    "4eDf3t3c29rZ2NfW1dTT0tHQz87NzMvKycjHxsXEw8LBwL++vby7urm4t7a1tLOy"
	    "sbCvrq2sq6qpqKempaSjoqGgn56dnJuamZiXlpWUk5KRkI+OjYyLiomIh4aFhIOC"
	    "gYB/fn18e3p5eHd2dXRzcnFwb25tbGtqaWhnZmVkY2JhYF9eXVxbWllYV1ZVVFNS"
	    "UVBPTk1MS0pJSEdGRURDQkFAPz49PDs6OTg3NjU0MzIxMC8uLSwrKikoJyYlJCMi"
	    "ISAfHh0cGxoZGBcWFRQTEhEQDw4NDAsKCQgHBgUEAwIBAA==");
}
END_TEST

/* Every length 0..300 at every start offset mod 3, against both refs. */
START_TEST(test_csv_base64_lengths)
{
	uint8_t in[303], back[303];
	char want[404];
	size_t n, off, i;
	uint32_t x = 12345;

	for (i = 0; i < sizeof(in); i++) {
		x = x * 1103515245 + 12345;
		in[i] = (uint8_t)(x >> 16);
	}
	for (n = 0; n <= 300; n++) {
		for (off = 0; off < 3; off++) {
			char *out = malloc(CSV_B64_LEN(n));
			size_t got, w;

			if (!out && n)
				ck_abort_msg("out of memory");
			got = csv_base64(in + off, n, out);
			w = check_ref_base64(in + off, n, want);
			if (got != w || (got && memcmp(out, want, got) != 0))
				ck_abort_msg("length %zu offset %zu", n, off);
			if (ref_unbase64(out, got, back) != (long)n ||
			    (n && memcmp(back, in + off, n) != 0))
				ck_abort_msg("round trip of %zu bytes", n);
			free(out);
		}
	}
	ck_assert_uint_eq(CSV_B64_LEN(0), 0);
	ck_assert_uint_eq(CSV_B64_LEN(1), 4);
	ck_assert_uint_eq(CSV_B64_LEN(3), 4);
	ck_assert_uint_eq(CSV_B64_LEN(4), 8);
	ck_assert_uint_eq(CSV_B64_LEN(65535), 87380);
}
END_TEST

/* --- csv_u64 -------------------------------------------------------------- */

START_TEST(test_csv_u64_values)
{
	static const struct {
		uint64_t	v;
		const char	*s;
	} c[] = {
		{ 0, "0" }, { 9, "9" }, { 10, "10" }, { 99, "99" },
		{ 100, "100" }, { 65535, "65535" },
		{ 4294967295u, "4294967295" },
		{ 1700000000123456789ULL, "1700000000123456789" },
		{ 9999999999999999999ULL, "9999999999999999999" },
		{ 10000000000000000000ULL, "10000000000000000000" },
		{ UINT64_MAX, "18446744073709551615" },
	};
	size_t k;

	for (k = 0; k < NELEM(c); k++) {
		char *buf = malloc(20);	/* the documented room */
		size_t n;

		ck_assert_ptr_nonnull(buf);
		n = csv_u64(c[k].v, buf);
		ck_assert_uint_eq(n, strlen(c[k].s));
		ck_assert_mem_eq(buf, c[k].s, n);
		free(buf);
	}
}
END_TEST

/* Nothing is written past the digits (no NUL). */
/*
 * Against snprintf(): every power of ten and its neighbours, the
 * boundaries where the value is split at 10^9 and 10^18, and 100,000
 * pseudo-random values of every width.
 */
START_TEST(test_csv_u64_against_printf)
{
	uint64_t p = 1, s = 0x9e3779b97f4a7c15ULL, v;
	char want[24], got[24];
	size_t n;
	int k;

	for (k = 0; k < 100020; k++) {
		if (k < 20) {
			v = p - 1;		/* 0, 9, 99, ... */
		} else if (k < 40) {
			v = p;
		} else if (k < 60) {
			v = p + 1;
		} else {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			v = s >> (s & 63);
		}
		if (k == 19 || k == 39 || k == 59)
			p = 1;
		else if (k < 60)
			p *= 10;
		snprintf(want, sizeof(want), "%" PRIu64, v);
		memset(got, 'x', sizeof(got));
		n = csv_u64(v, got);
		ck_assert_uint_eq(n, strlen(want));
		ck_assert_mem_eq(got, want, n);
		ck_assert_int_eq(got[n], 'x');
	}
	n = csv_u64(UINT64_MAX, got);
	ck_assert_mem_eq(got, "18446744073709551615", n);
}
END_TEST

START_TEST(test_csv_u64_no_terminator)
{
	char buf[24];

	memset(buf, 'x', sizeof(buf));
	ck_assert_uint_eq(csv_u64(42, buf), 2);
	ck_assert_mem_eq(buf, "42xx", 4);
}
END_TEST

/* --- csv_format_row ------------------------------------------------------- */

static void
set_addr(uint8_t *a, const char *text)
{
	int v6 = strchr(text, ':') != NULL;

	memset(a, 0, 16);
	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, text, a), 1);
}

/* Format into a heap block of exactly CSV_ROW_MAX bytes; NUL-terminate. */
static char *
format(const struct pkt_row *r, size_t *len)
{
	char *buf = malloc(CSV_ROW_MAX), *s;
	size_t n;

	ck_assert_ptr_nonnull(buf);
	memset(buf, 'Z', CSV_ROW_MAX);
	n = csv_format_row(r, buf);
	ck_assert_uint_le(n, CSV_ROW_MAX);
	if (n < CSV_ROW_MAX)
		ck_assert_int_eq(buf[n], 'Z');	/* no NUL written */
	s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, buf, n);
	s[n] = '\0';
	free(buf);
	*len = n;
	return s;
}

/*
 * IPv4 text against inet_ntop(): every value of every byte (the others
 * changing with it) and 100,000 pseudo-random addresses; nothing is
 * written past the length returned.
 */
START_TEST(test_csv_ipv4_against_inet_ntop)
{
	uint32_t s = 0x2545f491u;
	char want[INET_ADDRSTRLEN], got[24];
	uint8_t a[4];
	unsigned k, i;
	size_t n;

	for (k = 0; k < 1024 + 100000; k++) {
		if (k < 1024) {
			for (i = 0; i < 4; i++)
				a[i] = (uint8_t)(k % 256 * (i + 1) + k / 256 * 7);
			a[k / 256] = (uint8_t)(k % 256);
		} else {
			s ^= s << 13;
			s ^= s >> 17;
			s ^= s << 5;
			memcpy(a, &s, 4);
		}
		ck_assert_ptr_nonnull(inet_ntop(AF_INET, a, want, sizeof(want)));
		memset(got, 'x', sizeof(got));
		n = csv_ipv4(a, got);
		ck_assert_uint_le(n, 15);
		ck_assert_int_eq(got[n], 'x');
		got[n] = '\0';
		ck_assert_str_eq(got, want);
	}
}
END_TEST

/* csv_ipv6() of a and inet_ntop()'s text must be the same bytes. */
static void
same_as_ntop(const uint8_t a[16])
{
	char want[INET6_ADDRSTRLEN], got[64];
	size_t n;

	ck_assert_ptr_nonnull(inet_ntop(AF_INET6, a, want, sizeof(want)));
	memset(got, 0x5a, sizeof(got));
	n = csv_ipv6(a, got);
	ck_assert_uint_le(n, 45);
	ck_assert_int_eq(got[n], 0x5a);		/* nothing past its length */
	got[n] = '\0';
	ck_assert_str_eq(got, want);
}

static void
set_group(uint8_t a[16], int i, unsigned v)
{
	a[2 * i] = (uint8_t)(v >> 8);
	a[2 * i + 1] = (uint8_t)v;
}

/*
 * IPv6 text against glibc's inet_ntop(): every pattern of zero groups
 * (256) with several values in the others, the embedded IPv4 forms and
 * their near misses, and 200,000 pseudo-random addresses.
 */
START_TEST(test_csv_ipv6_against_inet_ntop)
{
	static const unsigned vals[] = { 1, 0xffff, 0xabc, 0x10, 0xf00,
	    0x8000, 0x2001 };
	static const unsigned near[] = { 0, 1, 0xffff, 0xfffe, 0x102 };
	uint64_t s = 0x0123456789abcdefULL;
	uint8_t a[16];
	unsigned pat, v, i, j, k, l;

	for (pat = 0; pat < 256; pat++)
		for (v = 0; v < NELEM(vals); v++) {
			for (i = 0; i < 8; i++)
				set_group(a, (int)i, pat >> i & 1 ? 0 :
				    vals[(v + i) % NELEM(vals)]);
			same_as_ntop(a);
		}
	/* ::a.b.c.d, ::ffff:a.b.c.d and what is close to them */
	for (i = 0; i < NELEM(near); i++)
		for (j = 0; j < NELEM(near); j++)
			for (k = 0; k < NELEM(near); k++)
				for (l = 0; l < NELEM(near); l++) {
					memset(a, 0, sizeof(a));
					set_group(a, 4, near[i]);
					set_group(a, 5, near[j]);
					set_group(a, 6, near[k]);
					set_group(a, 7, near[l]);
					same_as_ntop(a);
				}
	for (k = 0; k < 200000; k++) {
		for (i = 0; i < 8; i++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			/* half the groups zero; the others of any width */
			v = (unsigned)(s >> 33);
			set_group(a, (int)i, v & 1 ? 0 :
			    (v >> 1 & 0xffff) >> (v >> 17 & 15));
		}
		same_as_ntop(a);
	}
}
END_TEST

START_TEST(test_csv_format_row_ipv4)
{
	static const uint8_t dns[] = "foobar";
	struct pkt_row r;
	size_t n;
	char *s;

	memset(&r, 0, sizeof(r));
	r.family = 4;
	r.proto = 17;
	r.has_ports = true;
	r.sport = 40000;
	r.dport = 53;
	set_addr(r.src, "192.0.2.1");
	set_addr(r.dst, "198.51.100.2");
	r.size = 61;
	r.ts_ns = 1700000000123456789ULL;
	r.dns = dns;
	r.dns_len = 6;
	s = format(&r, &n);
	ck_assert_str_eq(s, "192.0.2.1,40000,198.51.100.2,53,UDP,61,"
	    "1700000000123456789,Zm9vYmFy\n");
	ck_assert_uint_eq(n, strlen(s));
	free(s);

	/* no ports, an unnamed protocol, no DNS, zeros */
	memset(&r, 0, sizeof(r));
	r.family = 4;
	r.proto = 253;
	set_addr(r.dst, "255.255.255.255");
	s = format(&r, &n);
	ck_assert_str_eq(s, "0.0.0.0,,255.255.255.255,,253,0,0,\n");
	free(s);

	/* ports 0 are printed: has_ports decides, not the value */
	r.has_ports = true;
	r.proto = 0;
	s = format(&r, &n);
	ck_assert_str_eq(s, "0.0.0.0,0,255.255.255.255,0,0,0,0,\n");
	free(s);

	/* a DNS pointer with no bytes: an empty field */
	r.dns = dns;
	r.dns_len = 0;
	s = format(&r, &n);
	ck_assert_str_eq(s, "0.0.0.0,0,255.255.255.255,0,0,0,0,\n");
	free(s);
}
END_TEST

START_TEST(test_csv_format_row_ipv6)
{
	struct pkt_row r;
	size_t n;
	char *s;

	memset(&r, 0, sizeof(r));
	r.family = 6;
	r.proto = 58;
	set_addr(r.src, "2001:db8::1");
	set_addr(r.dst, "::ffff:192.0.2.1");
	r.size = 1280;
	r.ts_ns = 1767225600000000001ULL;
	s = format(&r, &n);
	ck_assert_str_eq(s, "2001:db8::1,,::ffff:192.0.2.1,,ICMPv6,1280,"
	    "1767225600000000001,\n");
	free(s);
	memset(r.src, 0, 16);
	set_addr(r.dst, "2001:db8:0:0:1:0:0:1");
	s = format(&r, &n);
	ck_assert_str_eq(s, "::,,2001:db8::1:0:0:1,,ICMPv6,1280,"
	    "1767225600000000001,\n");
	free(s);
}
END_TEST

/* Every field at its longest; a 65535-byte DNS message. */
START_TEST(test_csv_format_row_maximal)
{
	static const char *const addr[][2] = {
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		{ "::ffff:255.255.255.255", "::ffff:192.0.2.255" },
	};
	uint8_t *dns = malloc(65535), *back = malloc(65535);
	char *want = malloc(CSV_ROW_MAX + 1);
	struct pkt_row r;
	size_t n, k, i, off;
	char *s;

	ck_assert(dns && back && want);
	for (i = 0; i < 65535; i++)
		dns[i] = (uint8_t)(i * 7 + (i >> 8));
	for (k = 0; k < NELEM(addr); k++) {
		memset(&r, 0, sizeof(r));
		r.family = 6;
		r.proto = 136;
		r.has_ports = true;
		r.sport = 65535;
		r.dport = 65535;
		set_addr(r.src, addr[k][0]);
		set_addr(r.dst, addr[k][1]);
		r.size = UINT32_MAX;
		r.ts_ns = UINT64_MAX;
		r.dns = dns;
		r.dns_len = 65535;
		s = format(&r, &n);
		off = (size_t)snprintf(want, CSV_ROW_MAX, "%s,65535,%s,65535,"
		    "UDPLite,4294967295,18446744073709551615,", addr[k][0],
		    addr[k][1]);
		off += check_ref_base64(dns, 65535, want + off);
		want[off++] = '\n';
		want[off] = '\0';
		ck_assert_uint_eq(n, off);
		ck_assert(strcmp(s, want) == 0);
		ck_assert_int_eq(ref_unbase64(strrchr(s, ',') + 1, 87380, back),
		    65535);
		ck_assert(memcmp(back, dns, 65535) == 0);
		if (k == 0)	/* the longest row there can be */
			ck_assert_uint_eq(n, 2 * 39 + 2 * 5 + 7 + 10 + 20 +
			    87380 + 8);
		free(s);
	}
	free(dns);
	free(back);
	free(want);
}
END_TEST

/* A DNS length past 65535 (impossible on the wire) is left out. */
START_TEST(test_csv_format_row_dns_too_long)
{
	uint8_t *dns = calloc(1, 65536);
	struct pkt_row r;
	size_t n;
	char *s;

	ck_assert_ptr_nonnull(dns);
	memset(&r, 0, sizeof(r));
	r.family = 4;
	r.proto = 6;
	r.has_ports = true;
	r.sport = 53;
	r.dport = 1;
	r.dns = dns;
	r.dns_len = 65536;
	s = format(&r, &n);
	ck_assert_str_eq(s, "0.0.0.0,53,0.0.0.0,1,TCP,0,0,\n");
	free(s);
	free(dns);
}
END_TEST

START_TEST(test_csv_format_row_names)
{
	static const struct {
		uint8_t		proto;
		const char	*name;
	} c[] = {
		{ 6, "TCP" }, { 17, "UDP" }, { 1, "ICMP" }, { 58, "ICMPv6" },
		{ 2, "IGMP" }, { 47, "GRE" }, { 50, "ESP" }, { 51, "AH" },
		{ 132, "SCTP" }, { 136, "UDPLite" }, { 33, "DCCP" },
		{ 0, "0" }, { 9, "9" }, { 99, "99" }, { 255, "255" },
	};
	char want[96];
	struct pkt_row r;
	size_t k, n;
	char *s;

	for (k = 0; k < NELEM(c); k++) {
		memset(&r, 0, sizeof(r));
		r.family = 4;
		r.proto = c[k].proto;
		s = format(&r, &n);
		snprintf(want, sizeof(want), "0.0.0.0,,0.0.0.0,,%s,0,0,\n",
		    c[k].name);
		ck_assert_str_eq(s, want);
		free(s);
	}
}
END_TEST

START_TEST(test_csv_format_row_header)
{
	ck_assert_str_eq(CSV_HEADER,
	    "src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns\n");
	ck_assert_uint_eq(CSV_HEADER_LEN, strlen(CSV_HEADER));
	ck_assert_int_eq(CSV_FIELDS, 8);
}
END_TEST

/* --- format v2 ------------------------------------------------------------ */

#define KEY "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="

/* Format v2 into a heap block of exactly CSV_ROW_MAX_V2 bytes. */
static char *
format_v2(const struct pkt_row *r, size_t *len)
{
	char *buf = malloc(CSV_ROW_MAX_V2), *s;
	size_t n;

	ck_assert_ptr_nonnull(buf);
	memset(buf, 'Z', CSV_ROW_MAX_V2);
	n = csv_format_row_v2(r, buf);
	ck_assert_uint_le(n, CSV_ROW_MAX_V2);
	if (n < CSV_ROW_MAX_V2)
		ck_assert_int_eq(buf[n], 'Z');	/* no NUL written */
	s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, buf, n);
	s[n] = '\0';
	free(buf);
	*len = n;
	return s;
}

/* A query (flags 0x0100) or response for labels "a.b", "test", type A. */
static const uint8_t dns_query[] = {
	0x2b, 0x1d, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	3, 'a', '.', 'b', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
};

START_TEST(test_csv_format_row_v2_fields)
{
	uint8_t resp[sizeof(dns_query)];
	struct pkt_row r;
	size_t n;
	char *s;

	memset(&r, 0, sizeof(r));
	r.family = 4;
	r.proto = 17;
	r.has_ports = true;
	r.sport = 40000;
	r.dport = 53;
	set_addr(r.src, "192.0.2.2");
	set_addr(r.dst, "192.0.2.1");
	r.size = 54;
	r.ts_ns = 1700000000123456789ULL;
	r.dns = dns_query;
	r.dns_len = sizeof(dns_query);
	r.dir = PKT_DIR_IN;
	r.peer = KEY;
	s = format_v2(&r, &n);
	ck_assert_str_eq(s, "192.0.2.2,40000,192.0.2.1,53,UDP,54,"
	    "1700000000123456789,Kx0BAAABAAAAAAAAA2EuYgR0ZXN0AAABAAE=,"
	    KEY ",in,a\\.b.test,A,\n");
	ck_assert_uint_eq(n, strlen(s));
	free(s);

	/* the answer, NXDOMAIN, going out; no peer */
	memcpy(resp, dns_query, sizeof(resp));
	resp[2] = 0x81;
	resp[3] = 0x83;
	r.dns = resp;
	r.dir = PKT_DIR_OUT;
	r.peer = "";
	s = format_v2(&r, &n);
	ck_assert_str_eq(s, "192.0.2.2,40000,192.0.2.1,53,UDP,54,"
	    "1700000000123456789,Kx2BgwABAAAAAAAAA2EuYgR0ZXN0AAABAAE=,"
	    ",out,a\\.b.test,A,NXDOMAIN\n");
	free(s);

	/* no DNS, no direction, no peer: five empty fields */
	r.dns = NULL;
	r.dns_len = 0;
	r.dir = PKT_DIR_NONE;
	r.peer = NULL;
	s = format_v2(&r, &n);
	ck_assert_str_eq(s, "192.0.2.2,40000,192.0.2.1,53,UDP,54,"
	    "1700000000123456789,,,,,,\n");
	free(s);
	ck_assert(csv_row_plausible("1,2,3,4,5,6,7,,,,,,", 19, CSV_V2));
}
END_TEST

/*
 * The peer field is the key's 44 characters as they are, whatever the
 * 32 bytes were: the first CSV_PEER_MAX characters of r->peer, and
 * nothing when it is "".
 */
START_TEST(test_csv_format_row_v2_peer_copied)
{
	static const uint8_t fill[] = { 0x00, 0xff, 0xfb, 0x3e };
	uint8_t key[32];
	char b64[CSV_PEER_MAX + 1], want[128];
	struct pkt_row r;
	size_t n, k, i;
	char *s;

	memset(&r, 0, sizeof(r));
	r.family = 4;
	r.proto = 1;
	r.dir = PKT_DIR_OUT;
	for (k = 0; k < NELEM(fill); k++) {
		for (i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)(fill[k] ^ (k ? i : 0));
		ck_assert_uint_eq(csv_base64(key, sizeof(key), b64),
		    CSV_PEER_MAX);
		b64[CSV_PEER_MAX] = '\0';
		r.peer = b64;
		s = format_v2(&r, &n);
		snprintf(want, sizeof(want),
		    "0.0.0.0,,0.0.0.0,,ICMP,0,0,,%s,out,,,\n", b64);
		ck_assert_str_eq(s, want);
		ck_assert_uint_eq(n, strlen(want));
		free(s);
	}
	ck_assert_str_eq(b64, "Pj88PTo7ODk2NzQ1MjMwMS4vLC0qKygpJickJSIjICE=");
	r.peer = KEY "tail,\"";		/* only the key's 44 are read */
	s = format_v2(&r, &n);
	ck_assert_str_eq(s, "0.0.0.0,,0.0.0.0,,ICMP,0,0,," KEY ",out,,,\n");
	free(s);
	r.peer = "";
	s = format_v2(&r, &n);
	ck_assert_str_eq(s, "0.0.0.0,,0.0.0.0,,ICMP,0,0,,,out,,,\n");
	free(s);
}
END_TEST

/*
 * The longest v2 row: v1's longest, a key, "out", and a 65535-byte
 * response whose question name escapes every byte (\000) and whose type
 * and rcode have no mnemonic.
 */
START_TEST(test_csv_format_row_v2_maximal)
{
	uint8_t *dns = calloc(1, 65535);
	struct pkt_row r;
	size_t n, i, o = 12;
	const char *tail;
	char *s;

	ck_assert_ptr_nonnull(dns);
	dns[2] = 0x80;
	dns[3] = 0x0f;
	dns[5] = 1;
	for (i = 0; i < 4; i++) {
		dns[o] = i < 3 ? 63 : 61;	/* 255 bytes on the wire */
		o += (size_t)dns[o] + 1;
	}
	o++;				/* the root */
	dns[o] = 0xff;
	dns[o + 1] = 0xff;
	memset(&r, 0, sizeof(r));
	r.family = 6;
	r.proto = 136;
	r.has_ports = true;
	r.sport = r.dport = 65535;
	set_addr(r.src, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	set_addr(r.dst, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	r.size = UINT32_MAX;
	r.ts_ns = UINT64_MAX;
	r.dns = dns;
	r.dns_len = 65535;
	r.peer = KEY;
	r.dir = PKT_DIR_OUT;
	s = format_v2(&r, &n);
	ck_assert_uint_eq(n, 2 * 39 + 2 * 5 + 7 + 10 + 20 + 87380 + 8 +
	    5 + 44 + 3 + (250 * 4 + 3) + 9 + 7);
	tail = strstr(s, "," KEY ",out,");
	ck_assert_ptr_nonnull(tail);
	tail += strlen("," KEY ",out,");
	for (i = 0; i < 250; i++) {
		if (i == 63 || i == 126 || i == 189)
			ck_assert_int_eq(*tail++, '.');
		ck_assert_int_eq(strncmp(tail, "\\000", 4), 0);
		tail += 4;
	}
	ck_assert_str_eq(tail, ",TYPE65535,RCODE15\n");
	free(s);
	free(dns);
}
END_TEST

START_TEST(test_csv_header_formats)
{
	size_t len;

	ck_assert_str_eq(CSV_HEADER_V2, "src,src_port,dst,dst_port,"
	    "l3_protocol,size,timestamp,dns,peer,direction,dns_qname,"
	    "dns_qtype,dns_rcode\n");
	ck_assert_int_eq(CSV_FIELDS_V2, 13);
	ck_assert_str_eq(csv_header(CSV_V1, &len), CSV_HEADER);
	ck_assert_uint_eq(len, CSV_HEADER_LEN);
	ck_assert_str_eq(csv_header(CSV_V2, &len), CSV_HEADER_V2);
	ck_assert_uint_eq(len, CSV_HEADER_V2_LEN);
	/* v2's header begins with v1's, less its newline */
	ck_assert_int_eq(memcmp(CSV_HEADER, CSV_HEADER_V2,
	    CSV_HEADER_LEN - 1), 0);
	ck_assert_int_eq(csv_header_format(CSV_HEADER, CSV_HEADER_LEN),
	    CSV_V1);
	ck_assert_int_eq(csv_header_format(CSV_HEADER_V2, CSV_HEADER_V2_LEN),
	    CSV_V2);
	ck_assert_int_eq(csv_header_format(CSV_HEADER, CSV_HEADER_LEN - 1), 0);
	ck_assert_int_eq(csv_header_format(CSV_HEADER_V2,
	    CSV_HEADER_V2_LEN - 1), 0);
	ck_assert_int_eq(csv_header_format(CSV_HEADER_V2, CSV_HEADER_LEN), 0);
	ck_assert_int_eq(csv_header_format("", 0), 0);
}
END_TEST

START_TEST(test_csv_row_plausible_v2)
{
	const char *v1 = "1,2,3,4,5,6,7,8";
	const char *v2 = "1,2,3,4,5,6,7,8,k,in,a\\.b,A,NOERROR";

	ck_assert_int_eq(csv_row_plausible(v1, strlen(v1), CSV_V1), 1);
	ck_assert_int_eq(csv_row_plausible(v1, strlen(v1), CSV_V2), 0);
	ck_assert_int_eq(csv_row_plausible(v2, strlen(v2), CSV_V2), 1);
	ck_assert_int_eq(csv_row_plausible(v2, strlen(v2), CSV_V1), 0);
	ck_assert_int_eq(csv_row_plausible(",,,,,,,,,,,,", 12, CSV_V2), 1);
	ck_assert_int_eq(csv_row_plausible(",,,,,,,,,,,,,", 13, CSV_V2), 0);
	ck_assert_int_eq(csv_row_plausible(",,,,,,,,,,,\"", 12, CSV_V2), 0);
}
END_TEST

/* --- csv_row_plausible ---------------------------------------------------- */

/* Check a line held in a heap block of exactly its length. */
static int
plausible(const char *line, size_t len)
{
	char *b = malloc(len ? len : 1);
	int r;

	ck_assert_ptr_nonnull(b);
	memcpy(b, line, len);
	r = csv_row_plausible(b, len, CSV_V1);
	free(b);
	return r;
}

static int
plausible_str(const char *line)
{
	return plausible(line, strlen(line));
}

START_TEST(test_csv_row_plausible_good)
{
	ck_assert_int_eq(plausible_str("192.0.2.1,40000,198.51.100.2,53,UDP,"
	    "61,1700000000123456789,QkIBAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAA"
	    "AQAB"), 1);
	ck_assert_int_eq(plausible_str("2001:db8::1,,::ffff:192.0.2.1,,"
	    "ICMPv6,1280,1767225600000000001,"), 1);
	ck_assert_int_eq(plausible_str("0.0.0.0,,0.0.0.0,,253,0,0,"), 1);
	ck_assert_int_eq(plausible_str(",,,,,,,"), 1);	/* shape only */
	ck_assert_int_eq(plausible_str("a+/=,b,c,d,e,f,g,h~!"), 1);
}
END_TEST

START_TEST(test_csv_row_plausible_fields)
{
	ck_assert_int_eq(plausible_str("192.0.2.1,1,192.0.2.2,2,UDP,61"), 0);
	ck_assert_int_eq(plausible_str("192.0.2.1,1,192.0.2.2,2,UDP,61,1"), 0);
	ck_assert_int_eq(plausible_str("192.0.2.1,1,192.0.2.2,2,UDP,61,1,,"),
	    0);
	ck_assert_int_eq(plausible_str(",,,,,,"), 0);
	ck_assert_int_eq(plausible_str(",,,,,,,,"), 0);
	ck_assert_int_eq(plausible_str("x"), 0);
	/* a torn row: the first part of a valid one */
	ck_assert_int_eq(plausible_str("192.0.2.1,40000,198.51.1"), 0);
}
END_TEST

START_TEST(test_csv_row_plausible_bytes)
{
	static const char *const bad[] = {
		"\"192.0.2.1\",1,192.0.2.2,2,UDP,61,1,",
		"192.0.2.1,1,192.0.2.2,2,UDP,61,1,\"",
		"192.0.2.1,1,192.0.2.2,2,UDP,61,1,\n",
		"192.0.2.1,1,192.0.2.2,2,UDP,61,1,\r",
		"192.0.2.1,1,192.0.2.2,2,\tUDP,61,1,",
		"192.0.2.1,1,192.0.2.2,2,UDP,61,1,\x7f",
		"192.0.2.1,1,192.0.2.2,2,UDP,61,1,\x80",
		"192.0.2.1,1,192.0.2.2,2,UDP,61,1,\xff",
		"192.0.2.1,1,192.0.2.2,2,UDP,61,1,\x1b[31m",
		"192.0.2.1,1,192.0.2.2,2,UDP,61,1, ",
		"192.0.2.1,1,192.0.2.2,2,UDP\x01,61,1,",
	};
	size_t k;

	for (k = 0; k < NELEM(bad); k++)
		ck_assert_msg(plausible_str(bad[k]) == 0, "case %zu", k);
	/* a NUL inside the given length */
	ck_assert_int_eq(plausible("1,2,3,4,5,6,7,\0008", 16), 0);
	/* only len bytes count: a newline after them is not read */
	ck_assert_int_eq(plausible("0.0.0.0,,0.0.0.0,,253,0,0,\n", 26), 1);
}
END_TEST

START_TEST(test_csv_row_plausible_empty)
{
	ck_assert_int_eq(plausible("", 0), 0);
	ck_assert_int_eq(csv_row_plausible("1,2,3,4,5,6,7,8", 0, CSV_V1), 0);
}
END_TEST

Suite *
csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc;

	tc = tcase_create("csv_base64");
	tcase_add_test(tc, test_csv_base64_rfc4648);
	tcase_add_test(tc, test_csv_base64_all_bytes);
	tcase_add_test(tc, test_csv_base64_lengths);
	suite_add_tcase(s, tc);

	tc = tcase_create("csv_u64");
	tcase_add_test(tc, test_csv_u64_values);
	tcase_add_test(tc, test_csv_u64_no_terminator);
	tcase_add_test(tc, test_csv_u64_against_printf);
	suite_add_tcase(s, tc);

	tc = tcase_create("csv_format_row");
	tcase_add_test(tc, test_csv_ipv4_against_inet_ntop);
	tcase_add_test(tc, test_csv_ipv6_against_inet_ntop);
	tcase_add_test(tc, test_csv_format_row_ipv4);
	tcase_add_test(tc, test_csv_format_row_ipv6);
	tcase_add_test(tc, test_csv_format_row_maximal);
	tcase_add_test(tc, test_csv_format_row_dns_too_long);
	tcase_add_test(tc, test_csv_format_row_names);
	tcase_add_test(tc, test_csv_format_row_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("csv_format_row_v2");
	tcase_add_test(tc, test_csv_format_row_v2_fields);
	tcase_add_test(tc, test_csv_format_row_v2_peer_copied);
	tcase_add_test(tc, test_csv_format_row_v2_maximal);
	tcase_add_test(tc, test_csv_header_formats);
	tcase_add_test(tc, test_csv_row_plausible_v2);
	suite_add_tcase(s, tc);

	tc = tcase_create("csv_row_plausible");
	tcase_add_test(tc, test_csv_row_plausible_good);
	tcase_add_test(tc, test_csv_row_plausible_fields);
	tcase_add_test(tc, test_csv_row_plausible_bytes);
	tcase_add_test(tc, test_csv_row_plausible_empty);
	suite_add_tcase(s, tc);
	return s;
}
