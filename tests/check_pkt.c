// SPDX-License-Identifier: MIT
/*
 * Tests for common/pkt.c (SPEC section 1, the decoder rules). Packets are
 * assembled here by small helpers (IPv4/IPv6 headers, extension headers,
 * transport headers, DNS messages), decoded by pkt_parse() and formatted
 * by csv_format_row(); every test compares the WHOLE row text with one
 * built independently (a reference base64 encoder lives in this file).
 *
 * Packets are copied into heap buffers of exactly caplen bytes before they
 * are parsed, so under ASan any read past the captured bytes fails the
 * test. The cut tests decode each packet shape at every caplen from 0 to
 * its full size and predict status and row from the cut alone.
 */
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "csv.h"
#include "pkt.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define PK_MAX		4096
#define ROW_CAP		8192
#define TS		1700000000123456789ULL

/* --- reference encoder and expected rows ---------------------------------- */


/*
 * The text of a row as SPEC section 1 describes it. A negative port means
 * no ports; dns NULL means an empty dns field.
 */
static void
want_row(char *out, const char *src, int sport, const char *dst, int dport,
    const char *proto, uint32_t size, uint64_t ts, const uint8_t *dns,
    size_t dns_len)
{
	char sp[12] = "", dp[12] = "", b64[ROW_CAP / 2] = "";
	int n;

	ck_assert_uint_lt(dns_len, sizeof(b64) * 3 / 4 - 4);
	if (sport >= 0)
		snprintf(sp, sizeof(sp), "%d", sport);
	if (dport >= 0)
		snprintf(dp, sizeof(dp), "%d", dport);
	if (dns)
		check_ref_base64(dns, dns_len, b64);
	n = snprintf(out, ROW_CAP, "%s,%s,%s,%s,%s,%u,%llu,%s\n", src, sp, dst,
	    dp, proto, size, (unsigned long long)ts, b64);
	ck_assert(n > 0 && n < ROW_CAP);
}

/* --- packet assembly ------------------------------------------------------ */

struct pk {
	uint8_t	b[PK_MAX];
	size_t	n;
};

/*
 * Check's asserts record a mark on every call, which is slow in loops:
 * the hot helpers test with a plain if and abort only on failure.
 */
static void
put(struct pk *p, const void *d, size_t n)
{
	if (p->n + n > PK_MAX)
		ck_abort_msg("packet buffer full");
	if (n)
		memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
put8(struct pk *p, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(p, &b, 1);
}

static void
put16(struct pk *p, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(p, b, 2);
}

static void
put32(struct pk *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static void
fill(struct pk *p, uint8_t v, size_t n)
{
	if (p->n + n > PK_MAX)
		ck_abort_msg("packet buffer full");
	memset(p->b + p->n, v, n);
	p->n += n;
}

static void
set16(struct pk *p, size_t off, unsigned v)
{
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

static void
put_addr(struct pk *p, const char *text)
{
	uint8_t a[16];
	int v6 = strchr(text, ':') != NULL;

	if (inet_pton(v6 ? AF_INET6 : AF_INET, text, a) != 1)
		ck_abort_msg("bad address %s", text);
	put(p, a, v6 ? 16 : 4);
}

/*
 * IPv4 header (RFC 791 3.1) with optlen bytes of options (NOPs ending in
 * End of Option List). Returns its offset; ip4_end() sets the total length.
 */
static size_t
ip4(struct pk *p, uint8_t proto, const char *src, const char *dst,
    size_t optlen, uint16_t frag)
{
	size_t off = p->n;

	ck_assert_uint_eq(optlen % 4, 0);
	put8(p, 0x40 | (unsigned)((20 + optlen) / 4));
	put8(p, 0);
	put16(p, 0);		/* total length, set by ip4_end() */
	put16(p, 0x1234);
	put16(p, frag);
	put8(p, 64);
	put8(p, proto);
	put16(p, 0);
	put_addr(p, src);
	put_addr(p, dst);
	if (optlen) {
		fill(p, 0x01, optlen - 1);
		put8(p, 0x00);
	}
	return off;
}

static void
ip4_end(struct pk *p, size_t off)
{
	set16(p, off + 2, (unsigned)(p->n - off));
}

/* IPv6 header (RFC 8200 3); ip6_end() sets the payload length. */
static size_t
ip6(struct pk *p, uint8_t nxt, const char *src, const char *dst)
{
	size_t off = p->n;

	put32(p, 0x60012345);
	put16(p, 0);
	put8(p, nxt);
	put8(p, 64);
	put_addr(p, src);
	put_addr(p, dst);
	return off;
}

static void
ip6_end(struct pk *p, size_t off)
{
	set16(p, off + 4, (unsigned)(p->n - off - 40));
}

/*
 * Hop-by-hop, routing or destination-options header (RFC 8200 4.3-4.6):
 * next header, length in 8-octet units past the first 8, then a PadN.
 */
static void
ext6(struct pk *p, uint8_t nxt, uint8_t len8)
{
	size_t total = ((size_t)len8 + 1) * 8;

	put8(p, nxt);
	put8(p, len8);
	put8(p, 1);		/* PadN */
	put8(p, (unsigned)(total - 4));
	fill(p, 0, total - 4);
}

/* Fragment header (RFC 8200 4.5); offset in 8-octet units. */
static void
frag6(struct pk *p, uint8_t nxt, uint16_t offset8, bool more)
{
	put8(p, nxt);
	put8(p, 0);
	put16(p, (unsigned)(offset8 << 3) | (more ? 1 : 0));
	put32(p, 0xdeadbeef);
}

/* UDP header (RFC 768); udp_end() sets the length. */
static size_t
udp(struct pk *p, uint16_t sport, uint16_t dport)
{
	size_t off = p->n;

	put16(p, sport);
	put16(p, dport);
	put16(p, 0);
	put16(p, 0);
	return off;
}

static void
udp_end(struct pk *p, size_t off)
{
	set16(p, off + 4, (unsigned)(p->n - off));
}

/* TCP header (RFC 9293 3.1) of doff 32-bit words, options NOPs. */
static void
tcp(struct pk *p, uint16_t sport, uint16_t dport, unsigned doff)
{
	put16(p, sport);
	put16(p, dport);
	put32(p, 0x01020304);
	put32(p, 0x05060708);
	put8(p, doff << 4);
	put8(p, 0x18);		/* PSH ACK */
	put16(p, 65535);
	put16(p, 0);
	put16(p, 0);
	if (doff > 5)
		fill(p, 0x01, (doff - 5) * 4);
}

/* Any other transport header: ports first, then n - 4 filler bytes. */
static void
ports_hdr(struct pk *p, uint16_t sport, uint16_t dport, size_t n)
{
	put16(p, sport);
	put16(p, dport);
	fill(p, 0xee, n - 4);
}

/* "www.example.com" in DNS wire form: 17 bytes with the root label. */
static const uint8_t qname[] = "\3www\7example\3com";

/*
 * A DNS query for www.example.com A (33 bytes), or its response with one
 * A record 198.51.100.80 (49 bytes). Returns the message's offset.
 */
static size_t
dns_msg(struct pk *p, uint16_t id, bool response)
{
	size_t off = p->n;

	put16(p, id);
	put16(p, response ? 0x8180 : 0x0100);
	put16(p, 1);
	put16(p, response ? 1 : 0);
	put16(p, 0);
	put16(p, 0);
	put(p, qname, sizeof(qname));
	put16(p, 1);
	put16(p, 1);
	if (response) {
		put16(p, 0xc00c);
		put16(p, 1);
		put16(p, 1);
		put32(p, 300);
		put16(p, 4);
		put_addr(p, "198.51.100.80");
	}
	return off;
}

#define DNS_QUERY_LEN		33
#define DNS_RESPONSE_LEN	49
/* SPEC: counts fit: 12 + 5 per question + 11 per resource record */
#define DNS_QUERY_NEED		17
#define DNS_RESPONSE_NEED	28

/* --- running the decoder -------------------------------------------------- */

struct res {
	enum pkt_status	st;
	char		line[ROW_CAP];
	size_t		n;
};

/*
 * Decode caplen bytes of b (copied to a heap buffer of exactly that size),
 * and format the row. The row is also checked to point inside the copy.
 */
static void
run(int dlt, const uint8_t *b, size_t caplen, uint32_t len, uint64_t ts,
    struct res *r)
{
	struct pkt_row row;
	uint8_t *d = malloc(caplen);
	char *line;

	if (!d && caplen)
		ck_abort_msg("out of memory");
	if (caplen)
		memcpy(d, b, caplen);
	memset(&row, 0xa5, sizeof(row));
	r->st = pkt_parse(dlt, d, caplen, len, ts, &row);
	r->n = 0;
	r->line[0] = '\0';
	if (r->st == PKT_ROW) {
		if (row.dns && (row.dns < d || row.dns_len > caplen ||
		    (size_t)(row.dns - d) > caplen - row.dns_len))
			ck_abort_msg("dns outside the captured bytes");
		line = malloc(CSV_ROW_MAX);
		if (!line)
			ck_abort_msg("out of memory");
		r->n = csv_format_row(&row, line);
		if (r->n >= sizeof(r->line))
			ck_abort_msg("row of %zu bytes", r->n);
		memcpy(r->line, line, r->n);
		r->line[r->n] = '\0';
		free(line);
	} else {
		struct pkt_row zero;

		memset(&zero, 0, sizeof(zero));
		if (memcmp(&row, &zero, sizeof(row)) != 0)
			ck_abort_msg("row not zeroed for status %s",
			    pkt_status_name(r->st));
	}
	free(d);
}

static void
expect_row_at(int dlt, const struct pk *p, size_t caplen, uint32_t len,
    uint64_t ts, const char *want)
{
	struct res r;

	run(dlt, p->b, caplen, len, ts, &r);
	ck_assert_msg(r.st == PKT_ROW, "caplen %zu: status %s, want a row %s",
	    caplen, pkt_status_name(r.st), want);
	ck_assert_str_eq(r.line, want);
}

/* The whole packet captured, size = its length, time TS. */
static void
expect_row(int dlt, const struct pk *p, const char *want)
{
	expect_row_at(dlt, p, p->n, (uint32_t)p->n, TS, want);
}

static void
expect_skip_at(int dlt, const struct pk *p, size_t caplen,
    enum pkt_status want)
{
	struct res r;

	run(dlt, p->b, caplen, (uint32_t)p->n, TS, &r);
	ck_assert_msg(r.st == want, "caplen %zu: status %s, want %s (row %s)",
	    caplen, pkt_status_name(r.st), pkt_status_name(want), r.line);
}

static void
expect_skip(int dlt, const struct pk *p, enum pkt_status want)
{
	expect_skip_at(dlt, p, p->n, want);
}

/* --- pkt_parse: basic shapes ---------------------------------------------- */

START_TEST(test_pkt_parse_ipv4_udp)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, u;

	ip = ip4(&p, 17, "192.0.2.1", "198.51.100.2", 0, 0x4000);
	u = udp(&p, 40000, 443);
	fill(&p, 0, 33);
	udp_end(&p, u);
	ip4_end(&p, ip);
	ck_assert_uint_eq(p.n, 61);
	want_row(want, "192.0.2.1", 40000, "198.51.100.2", 443, "UDP", 61, TS,
	    NULL, 0);
	/* the reference itself, once, against the literal text */
	ck_assert_str_eq(want, "192.0.2.1,40000,198.51.100.2,443,UDP,61,"
	    "1700000000123456789,\n");
	expect_row(DLT_RAW, &p, want);
}
END_TEST

START_TEST(test_pkt_parse_ipv4_tcp)
{
	struct pk p = { .n = 0 };
	size_t ip;

	ip = ip4(&p, 6, "203.0.113.200", "198.51.100.255", 0, 0);
	tcp(&p, 443, 65535, 5);
	fill(&p, 0x41, 100);
	ip4_end(&p, ip);
	expect_row(DLT_RAW, &p, "203.0.113.200,443,198.51.100.255,65535,TCP,"
	    "140,1700000000123456789,\n");
}
END_TEST

START_TEST(test_pkt_parse_ipv6_tcp)
{
	struct pk p = { .n = 0 };
	size_t ip;

	ip = ip6(&p, 6, "2001:db8::1", "2001:db8:ff00::443");
	tcp(&p, 50000, 443, 5);
	ip6_end(&p, ip);
	expect_row(DLT_RAW, &p, "2001:db8::1,50000,2001:db8:ff00::443,443,"
	    "TCP,60,1700000000123456789,\n");
}
END_TEST

/* size is the pcap len, not the captured length; time is taken as is */
START_TEST(test_pkt_parse_size_is_len)
{
	struct pk p = { .n = 0 };
	size_t ip;

	ip = ip4(&p, 6, "192.0.2.1", "192.0.2.2", 0, 0);
	tcp(&p, 1, 2, 5);
	fill(&p, 0, 1460);
	ip4_end(&p, ip);
	expect_row_at(DLT_RAW, &p, 64, 1500, TS,
	    "192.0.2.1,1,192.0.2.2,2,TCP,1500,1700000000123456789,\n");
	expect_row_at(DLT_RAW, &p, 40, 4294967295u, 1,
	    "192.0.2.1,1,192.0.2.2,2,TCP,4294967295,1,\n");
	expect_row_at(DLT_RAW, &p, 40, 0, UINT64_MAX,
	    "192.0.2.1,1,192.0.2.2,2,TCP,0,18446744073709551615,\n");
	expect_row_at(DLT_RAW, &p, 40, 40, 1000000000000000000ULL,
	    "192.0.2.1,1,192.0.2.2,2,TCP,40,1000000000000000000,\n");
}
END_TEST

/* --- pkt_parse: protocol names -------------------------------------------- */

static const struct {
	uint8_t		proto;
	const char	*name;
	bool		ports;
} protos[] = {
	{ 6, "TCP", true },
	{ 17, "UDP", true },
	{ 1, "ICMP", false },
	{ 58, "ICMPv6", false },
	{ 2, "IGMP", false },
	{ 47, "GRE", false },
	{ 50, "ESP", false },
	{ 51, "AH", false },
	{ 132, "SCTP", true },
	{ 136, "UDPLite", true },
	{ 33, "DCCP", true },
	{ 253, "253", false },
	{ 254, "254", false },
	{ 255, "255", false },
	{ 59, "59", false },	/* IPv6 No Next Header */
	{ 4, "4", false },	/* IPv4 in IP */
	{ 41, "41", false },	/* IPv6 in IP */
	{ 103, "103", false },	/* PIM */
};

START_TEST(test_pkt_parse_proto_ipv4)
{
	char want[ROW_CAP];
	size_t ip, k;

	for (k = 0; k < NELEM(protos); k++) {
		struct pk p = { .n = 0 };

		ip = ip4(&p, protos[k].proto, "192.0.2.10", "203.0.113.20", 0,
		    0);
		ports_hdr(&p, 33434, 7, 24);
		ip4_end(&p, ip);
		want_row(want, "192.0.2.10", protos[k].ports ? 33434 : -1,
		    "203.0.113.20", protos[k].ports ? 7 : -1, protos[k].name,
		    44, TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
		expect_row(DLT_IPV4, &p, want);
	}
}
END_TEST

START_TEST(test_pkt_parse_proto_ipv6)
{
	char want[ROW_CAP];
	size_t ip, k;

	for (k = 0; k < NELEM(protos); k++) {
		struct pk p = { .n = 0 };

		ip = ip6(&p, protos[k].proto, "2001:db8::a", "2001:db8::b");
		ports_hdr(&p, 33434, 7, 24);
		ip6_end(&p, ip);
		want_row(want, "2001:db8::a", protos[k].ports ? 33434 : -1,
		    "2001:db8::b", protos[k].ports ? 7 : -1, protos[k].name,
		    64, TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
		expect_row(DLT_IPV6, &p, want);
	}
}
END_TEST

/* Ports need all four bytes: 0..3 bytes of the transport header, none. */
START_TEST(test_pkt_parse_ports_cut)
{
	static const uint8_t pp[] = { 6, 17, 132, 136, 33 };
	size_t k, cut;

	for (k = 0; k < NELEM(pp); k++) {
		const char *name = pkt_proto_name(pp[k]);

		for (cut = 0; cut <= 4; cut++) {
			struct pk p = { .n = 0 }, q = { .n = 0 };
			char want[ROW_CAP];
			size_t ip;

			ip = ip4(&p, pp[k], "192.0.2.1", "192.0.2.2", 0, 0);
			fill(&p, 0x35, cut);	/* bytes of "53 53" */
			ip4_end(&p, ip);
			want_row(want, "192.0.2.1", cut == 4 ? 0x3535 : -1,
			    "192.0.2.2", cut == 4 ? 0x3535 : -1, name,
			    (uint32_t)p.n, TS, NULL, 0);
			expect_row(DLT_RAW, &p, want);

			ip = ip6(&q, pp[k], "2001:db8::1", "2001:db8::2");
			fill(&q, 0x35, cut);
			ip6_end(&q, ip);
			want_row(want, "2001:db8::1", cut == 4 ? 0x3535 : -1,
			    "2001:db8::2", cut == 4 ? 0x3535 : -1, name,
			    (uint32_t)q.n, TS, NULL, 0);
			expect_row(DLT_RAW, &q, want);
		}
	}
}
END_TEST

/* --- pkt_parse: IPv4 options, lengths, fragments -------------------------- */

/* IHL 6..15: the ports are found after the options. */
START_TEST(test_pkt_parse_ipv4_options)
{
	char want[ROW_CAP];
	size_t ip, u, ihl;

	for (ihl = 6; ihl <= 15; ihl++) {
		struct pk p = { .n = 0 };

		ip = ip4(&p, 17, "198.51.100.7", "192.0.2.99", (ihl - 5) * 4,
		    0);
		ck_assert_uint_eq(p.b[0], 0x40 | ihl);
		u = udp(&p, 5060, 5061);
		fill(&p, 0x01, 12);	/* NOPs: read as ports if misplaced */
		udp_end(&p, u);
		ip4_end(&p, ip);
		want_row(want, "198.51.100.7", 5060, "192.0.2.99", 5061, "UDP",
		    (uint32_t)p.n, TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
		/* options captured but the ports not: addresses only */
		want_row(want, "198.51.100.7", -1, "192.0.2.99", -1, "UDP",
		    (uint32_t)p.n, TS, NULL, 0);
		expect_row_at(DLT_RAW, &p, ihl * 4 + 3, (uint32_t)p.n, TS,
		    want);
		/* options cut: addresses only */
		expect_row_at(DLT_RAW, &p, ihl * 4 - 1, (uint32_t)p.n, TS,
		    want);
		expect_row_at(DLT_RAW, &p, 20, (uint32_t)p.n, TS, want);
	}
}
END_TEST

/* Padding after the total length is not parsed (Ethernet-style trailer). */
START_TEST(test_pkt_parse_ipv4_total_length_short)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, u, m;

	ip = ip4(&p, 17, "192.0.2.1", "198.51.100.53", 0, 0);
	u = udp(&p, 40000, 53);
	m = dns_msg(&p, 0x1234, false);
	ip4_end(&p, ip);
	fill(&p, 0x00, 6);	/* trailer; UDP length below claims it */
	udp_end(&p, u);
	want_row(want, "192.0.2.1", 40000, "198.51.100.53", 53, "UDP",
	    (uint32_t)p.n, TS, p.b + m, DNS_QUERY_LEN);
	expect_row(DLT_RAW, &p, want);

	/* total length = header only: the transport header is padding */
	p.n = 0;
	ip = ip4(&p, 6, "192.0.2.1", "198.51.100.53", 4, 0);
	ip4_end(&p, ip);
	tcp(&p, 1, 53, 5);
	want_row(want, "192.0.2.1", -1, "198.51.100.53", -1, "TCP",
	    (uint32_t)p.n, TS, NULL, 0);
	expect_row(DLT_RAW, &p, want);

	/* total length cuts the ports: none */
	set16(&p, 2, 27);
	expect_row(DLT_RAW, &p, want);
	set16(&p, 2, 28);
	want_row(want, "192.0.2.1", 1, "198.51.100.53", 53, "TCP",
	    (uint32_t)p.n, TS, NULL, 0);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

/* Total length larger than captured: the captured bytes are used. */
START_TEST(test_pkt_parse_ipv4_total_length_long)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, u, m;

	ip = ip4(&p, 17, "192.0.2.1", "198.51.100.53", 0, 0);
	u = udp(&p, 40000, 53);
	m = dns_msg(&p, 7, false);
	udp_end(&p, u);
	ip4_end(&p, ip);
	set16(&p, ip + 2, 1500);
	want_row(want, "192.0.2.1", 40000, "198.51.100.53", 53, "UDP",
	    (uint32_t)p.n, TS, p.b + m, DNS_QUERY_LEN);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

/* Total length 0 (TSO/GSO): the captured bytes are the packet. */
START_TEST(test_pkt_parse_ipv4_total_length_zero)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t u, m;

	ip4(&p, 17, "192.0.2.1", "198.51.100.53", 8, 0);
	u = udp(&p, 40000, 53);
	m = dns_msg(&p, 7, false);
	udp_end(&p, u);
	ck_assert_uint_eq(p.b[2] << 8 | p.b[3], 0);
	want_row(want, "192.0.2.1", 40000, "198.51.100.53", 53, "UDP",
	    (uint32_t)p.n, TS, p.b + m, DNS_QUERY_LEN);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

/* 0 < total length < IHL * 4: bad_total_length; = IHL * 4: a row. */
START_TEST(test_pkt_parse_ipv4_bad_total_length)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	unsigned ihl, tl;

	for (ihl = 5; ihl <= 15; ihl++) {
		p.n = 0;
		ip4(&p, 6, "192.0.2.1", "192.0.2.2", (ihl - 5) * 4, 0);
		tcp(&p, 1, 2, 5);
		for (tl = 1; tl < ihl * 4; tl++) {
			set16(&p, 2, tl);
			expect_skip(DLT_RAW, &p, PKT_SKIP_BAD_LEN);
		}
		set16(&p, 2, ihl * 4);
		want_row(want, "192.0.2.1", -1, "192.0.2.2", -1, "TCP",
		    (uint32_t)p.n, TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
	}
}
END_TEST

START_TEST(test_pkt_parse_ipv4_bad_header_length)
{
	struct pk p = { .n = 0 };
	unsigned ihl;

	ip4(&p, 6, "192.0.2.1", "192.0.2.2", 0, 0);
	tcp(&p, 1, 2, 5);
	ip4_end(&p, 0);
	for (ihl = 0; ihl < 5; ihl++) {
		p.b[0] = (uint8_t)(0x40 | ihl);
		expect_skip(DLT_RAW, &p, PKT_SKIP_BAD_HLEN);
		expect_skip(DLT_IPV4, &p, PKT_SKIP_BAD_HLEN);
	}
}
END_TEST

START_TEST(test_pkt_parse_bad_version)
{
	struct pk p = { .n = 0 };
	static const uint8_t v[] = { 0, 1, 2, 3, 5, 7, 8, 15 };
	size_t k;

	ip4(&p, 6, "192.0.2.1", "192.0.2.2", 0, 0);
	tcp(&p, 1, 2, 5);
	fill(&p, 0, 20);	/* long enough for an IPv6 header too */
	ip4_end(&p, 0);
	for (k = 0; k < NELEM(v); k++) {
		p.b[0] = (uint8_t)(v[k] << 4 | 5);
		expect_skip(DLT_RAW, &p, PKT_SKIP_BAD_VERSION);
		expect_skip(DLT_IPV4, &p, PKT_SKIP_BAD_VERSION);
		expect_skip(DLT_IPV6, &p, PKT_SKIP_BAD_VERSION);
		expect_skip_at(DLT_RAW, &p, 1, PKT_SKIP_BAD_VERSION);
	}
}
END_TEST

START_TEST(test_pkt_parse_ipv4_truncated)
{
	struct pk p = { .n = 0 };
	size_t cut;

	ip4(&p, 6, "192.0.2.1", "192.0.2.2", 0, 0);
	ip4_end(&p, 0);
	for (cut = 0; cut < 20; cut++) {
		expect_skip_at(DLT_RAW, &p, cut, PKT_SKIP_TRUNC);
		expect_skip_at(DLT_IPV4, &p, cut, PKT_SKIP_TRUNC);
	}
	expect_row(DLT_RAW, &p,
	    "192.0.2.1,,192.0.2.2,,TCP,20,1700000000123456789,\n");
}
END_TEST

/* The first fragment (MF, offset 0) has the ports; DF is not an offset. */
START_TEST(test_pkt_parse_ipv4_fragment_first)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, u;

	ip = ip4(&p, 17, "192.0.2.1", "198.51.100.2", 0, 0x2000);
	u = udp(&p, 4500, 4500);
	fill(&p, 0, 1472);
	udp_end(&p, u);
	set16(&p, u + 4, 3000);		/* the whole datagram */
	ip4_end(&p, ip);
	want_row(want, "192.0.2.1", 4500, "198.51.100.2", 4500, "UDP",
	    (uint32_t)p.n, TS, NULL, 0);
	expect_row(DLT_RAW, &p, want);
	set16(&p, 6, 0x4000);		/* DF, not a fragment */
	expect_row(DLT_RAW, &p, want);
}
END_TEST

/* A later fragment (offset != 0) has no ports and no DNS. */
START_TEST(test_pkt_parse_ipv4_fragment_later)
{
	static const uint16_t frag[] = { 0x0001, 0x2001, 0x00b9, 0x1fff,
	    0x3fff, 0x20b9, 0x1000, 0x3000, 0x5000, 0x0800 };
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, u, k;

	ip = ip4(&p, 17, "198.51.100.53", "192.0.2.1", 0, 0);
	u = udp(&p, 53, 40000);		/* looks like UDP + DNS */
	dns_msg(&p, 1, true);
	udp_end(&p, u);
	ip4_end(&p, ip);
	want_row(want, "198.51.100.53", -1, "192.0.2.1", -1, "UDP",
	    (uint32_t)p.n, TS, NULL, 0);
	for (k = 0; k < NELEM(frag); k++) {
		set16(&p, 6, frag[k]);
		expect_row(DLT_RAW, &p, want);
	}
}
END_TEST

/* --- pkt_parse: IPv6 extension headers and fragments ---------------------- */

START_TEST(test_pkt_parse_ipv6_hop_by_hop)
{
	struct pk p = { .n = 0 };
	size_t ip;

	ip = ip6(&p, 0, "2001:db8::1", "2001:db8::2");
	ext6(&p, 6, 0);
	tcp(&p, 1234, 80, 5);
	ip6_end(&p, ip);
	expect_row(DLT_RAW, &p, "2001:db8::1,1234,2001:db8::2,80,TCP,68,"
	    "1700000000123456789,\n");
}
END_TEST

START_TEST(test_pkt_parse_ipv6_routing)
{
	struct pk p = { .n = 0 };
	size_t ip, u;

	ip = ip6(&p, 43, "2001:db8::1", "2001:db8::2");
	ext6(&p, 17, 4);	/* 40 bytes */
	u = udp(&p, 1234, 443);
	udp_end(&p, u);
	ip6_end(&p, ip);
	expect_row(DLT_RAW, &p, "2001:db8::1,1234,2001:db8::2,443,UDP,88,"
	    "1700000000123456789,\n");
}
END_TEST

START_TEST(test_pkt_parse_ipv6_destination_options)
{
	struct pk p = { .n = 0 };
	size_t ip;

	ip = ip6(&p, 60, "2001:db8::1", "2001:db8::2");
	ext6(&p, 132, 255);	/* 2048 bytes, the largest */
	ports_hdr(&p, 2905, 2905, 12);
	ip6_end(&p, ip);
	expect_row(DLT_RAW, &p, "2001:db8::1,2905,2001:db8::2,2905,SCTP,2100,"
	    "1700000000123456789,\n");
}
END_TEST

/* Hop-by-hop, dstopts, routing, fragment, dstopts, then UDP/53 DNS. */
START_TEST(test_pkt_parse_ipv6_chain)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, u, m;

	ip = ip6(&p, 0, "2001:db8:100::1", "2001:db8::53");
	ext6(&p, 60, 1);
	ext6(&p, 43, 0);
	ext6(&p, 44, 2);
	frag6(&p, 60, 0, false);	/* atomic fragment */
	ext6(&p, 17, 0);
	u = udp(&p, 40000, 53);
	m = dns_msg(&p, 0xbeef, false);
	udp_end(&p, u);
	ip6_end(&p, ip);
	want_row(want, "2001:db8:100::1", 40000, "2001:db8::53", 53, "UDP",
	    (uint32_t)p.n, TS, p.b + m, DNS_QUERY_LEN);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

/* A longer chain: ports after 8 headers. */
START_TEST(test_pkt_parse_ipv6_long_chain)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, k;

	ip = ip6(&p, 60, "2001:db8::1", "2001:db8::2");
	for (k = 0; k < 7; k++)
		ext6(&p, 60, 0);
	ext6(&p, 6, 0);
	tcp(&p, 22, 2222, 5);
	ip6_end(&p, ip);
	want_row(want, "2001:db8::1", 22, "2001:db8::2", 2222, "TCP",
	    (uint32_t)p.n, TS, NULL, 0);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

/*
 * An IPv6 packet of nhdr 8-byte destination-options headers, then TCP
 * 22 -> 2222, on the heap (the longest chains do not fit struct pk).
 * *len gets its length.
 */
static uint8_t *
ipv6_chain(size_t nhdr, size_t *len)
{
	size_t n = 40 + nhdr * 8 + 20, k, o;
	uint8_t *b = calloc(1, n);

	ck_assert_ptr_nonnull(b);
	ck_assert_uint_le(n - 40, 65535);
	b[0] = 0x60;
	b[4] = (uint8_t)((n - 40) >> 8);
	b[5] = (uint8_t)(n - 40);
	b[6] = nhdr ? 60 : 6;
	b[7] = 64;
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", b + 8), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::2", b + 24), 1);
	for (k = 0, o = 40; k < nhdr; k++, o += 8) {
		b[o] = k + 1 < nhdr ? 60 : 6;	/* next header */
		b[o + 1] = 0;			/* 8 bytes */
		b[o + 2] = 1;			/* PadN of 4 */
		b[o + 3] = 4;
	}
	b[o] = 0;			/* source port 22 */
	b[o + 1] = 22;
	b[o + 2] = 2222 >> 8;		/* destination port 2222 */
	b[o + 3] = 2222 & 0xff;
	b[o + 12] = 5 << 4;		/* data offset */
	*len = n;
	return b;
}

/*
 * RFC 8200 sets no limit on the number of extension headers: chains of
 * 100 and 8000 (as many as a 64 KiB payload holds) are walked to the end,
 * and the row has the ports of the TCP header behind them.
 */
static const size_t chain_lens[] = { 100, 8000 };

START_TEST(test_pkt_parse_ipv6_chain_unbounded)
{
	char want[ROW_CAP];
	struct res r;
	uint8_t *b;
	size_t n;

	b = ipv6_chain(chain_lens[_i], &n);
	run(DLT_RAW, b, n, (uint32_t)n, TS, &r);
	want_row(want, "2001:db8::1", 22, "2001:db8::2", 2222, "TCP",
	    (uint32_t)n, TS, NULL, 0);
	ck_assert_int_eq(r.st, PKT_ROW);
	ck_assert_str_eq(r.line, want);
	/* the payload length ends the walk inside the chain: no ports */
	b[4] = (uint8_t)((n - 40 - 28) >> 8);
	b[5] = (uint8_t)(n - 40 - 28);
	run(DLT_RAW, b, n, (uint32_t)n, TS, &r);
	want_row(want, "2001:db8::1", -1, "2001:db8::2", -1, "60",
	    (uint32_t)n, TS, NULL, 0);
	ck_assert_int_eq(r.st, PKT_ROW);
	ck_assert_str_eq(r.line, want);
	free(b);
}
END_TEST

/*
 * The 100-header chain cut at every length: addresses from 40 bytes on,
 * "60" without ports until the TCP ports are captured, then the ports.
 */
START_TEST(test_pkt_parse_ipv6_chain_unbounded_cut)
{
	char ports[ROW_CAP], noports[ROW_CAP];
	size_t n, cut, chain_end;
	struct res r;
	uint8_t *b;

	b = ipv6_chain(100, &n);
	chain_end = 40 + 100 * 8;
	want_row(ports, "2001:db8::1", 22, "2001:db8::2", 2222, "TCP",
	    (uint32_t)n, TS, NULL, 0);
	for (cut = 0; cut <= n; cut++) {
		run(DLT_RAW, b, cut, (uint32_t)n, TS, &r);
		if (cut < 40) {
			if (r.st != PKT_SKIP_TRUNC)
				ck_abort_msg("caplen %zu: %s", cut,
				    pkt_status_name(r.st));
			continue;
		}
		if (cut < chain_end)
			want_row(noports, "2001:db8::1", -1, "2001:db8::2",
			    -1, "60", (uint32_t)n, TS, NULL, 0);
		else
			want_row(noports, "2001:db8::1", -1, "2001:db8::2",
			    -1, "TCP", (uint32_t)n, TS, NULL, 0);
		if (r.st != PKT_ROW || strcmp(r.line, cut >= chain_end + 4 ?
		    ports : noports) != 0)
			ck_abort_msg("caplen %zu: row %s", cut, r.line);
	}
	free(b);
}
END_TEST

/*
 * Chains of 1..40 headers, then TCP: the walk always reaches TCP, and the
 * row has its ports.
 */
START_TEST(test_pkt_parse_ipv6_chain_bound)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, k;

	for (k = 1; k <= 40; k++) {
		struct res r;
		size_t j;

		p.n = 0;
		ip = ip6(&p, 60, "2001:db8::1", "2001:db8::2");
		for (j = 0; j < k; j++)
			ext6(&p, j + 1 < k ? 60 : 6, 0);
		tcp(&p, 22, 2222, 5);
		ip6_end(&p, ip);
		run(DLT_RAW, p.b, p.n, (uint32_t)p.n, TS, &r);
		ck_assert_int_eq(r.st, PKT_ROW);
		want_row(want, "2001:db8::1", 22, "2001:db8::2", 2222, "TCP",
		    (uint32_t)p.n, TS, NULL, 0);
		ck_assert_msg(strcmp(r.line, want) == 0,
		    "%zu headers: row %s", k, r.line);
	}
}
END_TEST

/* An extension header cut off: its own number, no ports. */
START_TEST(test_pkt_parse_ipv6_ext_cut)
{
	static const uint8_t ext[] = { 0, 43, 60, 44 };
	char want[ROW_CAP], num[4];
	size_t k, cut;

	for (k = 0; k < NELEM(ext); k++) {
		struct pk p = { .n = 0 };
		size_t ip;

		ip = ip6(&p, ext[k], "2001:db8::1", "2001:db8::2");
		if (ext[k] == 44)
			frag6(&p, 17, 0, true);
		else
			ext6(&p, 17, 1);
		udp(&p, 1, 2);
		ip6_end(&p, ip);
		snprintf(num, sizeof(num), "%u", ext[k]);
		want_row(want, "2001:db8::1", -1, "2001:db8::2", -1, num,
		    (uint32_t)p.n, TS, NULL, 0);
		for (cut = 40; cut < p.n - 8; cut++)
			expect_row_at(DLT_RAW, &p, cut, (uint32_t)p.n, TS,
			    want);
		/* the payload length cuts it just the same */
		set16(&p, ip + 4, (unsigned)(p.n - 8 - 41));
		expect_row(DLT_RAW, &p, want);
	}
}
END_TEST

START_TEST(test_pkt_parse_ipv6_fragment_first)
{
	struct pk p = { .n = 0 };
	size_t ip, u;

	ip = ip6(&p, 44, "2001:db8::1", "2001:db8::2");
	frag6(&p, 17, 0, true);
	u = udp(&p, 4500, 4501);
	fill(&p, 0, 1000);
	udp_end(&p, u);
	set16(&p, u + 4, 3000);
	ip6_end(&p, ip);
	expect_row(DLT_RAW, &p, "2001:db8::1,4500,2001:db8::2,4501,UDP,1056,"
	    "1700000000123456789,\n");
}
END_TEST

START_TEST(test_pkt_parse_ipv6_fragment_later)
{
	static const uint16_t off8[] = { 1, 185, 8191 };
	char want[ROW_CAP];
	size_t k;

	for (k = 0; k < NELEM(off8) * 2; k++) {
		struct pk p = { .n = 0 };
		size_t ip, u;

		ip = ip6(&p, 0, "2001:db8::53", "2001:db8::1");
		ext6(&p, 44, 0);
		frag6(&p, 17, off8[k / 2], k % 2);
		u = udp(&p, 53, 40000);	/* looks like UDP + DNS */
		dns_msg(&p, 9, true);
		udp_end(&p, u);
		ip6_end(&p, ip);
		want_row(want, "2001:db8::53", -1, "2001:db8::1", -1, "UDP",
		    (uint32_t)p.n, TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
	}
}
END_TEST

/* AH (RFC 4302) is not walked: the row says AH, with no ports. */
START_TEST(test_pkt_parse_ipv6_ah_not_walked)
{
	struct pk p = { .n = 0 };
	size_t ip;

	ip = ip6(&p, 51, "2001:db8::1", "2001:db8::2");
	put8(&p, 6);		/* next header TCP */
	put8(&p, 4);		/* (4 + 2) * 4 = 24 bytes */
	fill(&p, 0, 22);
	tcp(&p, 179, 179, 5);
	ip6_end(&p, ip);
	expect_row(DLT_RAW, &p, "2001:db8::1,,2001:db8::2,,AH,84,"
	    "1700000000123456789,\n");

	p.n = 0;
	ip = ip4(&p, 51, "192.0.2.1", "192.0.2.2", 0, 0);
	put8(&p, 17);
	put8(&p, 4);
	fill(&p, 0, 22);
	udp(&p, 53, 53);
	ip4_end(&p, ip);
	expect_row(DLT_RAW, &p, "192.0.2.1,,192.0.2.2,,AH,52,"
	    "1700000000123456789,\n");
}
END_TEST

/* Payload length 0 (jumbogram, GSO): the captured bytes are used. */
START_TEST(test_pkt_parse_ipv6_payload_length)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, u, m;

	ip = ip6(&p, 17, "2001:db8::1", "2001:db8::53");
	u = udp(&p, 40000, 53);
	m = dns_msg(&p, 1, false);
	udp_end(&p, u);
	want_row(want, "2001:db8::1", 40000, "2001:db8::53", 53, "UDP",
	    (uint32_t)p.n + 7, TS, p.b + m, DNS_QUERY_LEN);
	set16(&p, ip + 4, 0);
	fill(&p, 0, 7);		/* trailing bytes: inside the UDP length? no */
	expect_row_at(DLT_RAW, &p, p.n, (uint32_t)p.n, TS, want);

	/* payload length shorter than captured: padding not parsed */
	set16(&p, u + 4, (unsigned)(p.n - u));	/* UDP length lies */
	set16(&p, ip + 4, (unsigned)(p.n - 7 - 40));
	expect_row_at(DLT_RAW, &p, p.n, (uint32_t)p.n, TS, want);

	/* payload length cuts the ports */
	set16(&p, ip + 4, 3);
	want_row(want, "2001:db8::1", -1, "2001:db8::53", -1, "UDP",
	    (uint32_t)p.n, TS, NULL, 0);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

START_TEST(test_pkt_parse_ipv6_truncated)
{
	struct pk p = { .n = 0 };
	size_t cut;

	ip6(&p, 6, "2001:db8::1", "2001:db8::2");
	for (cut = 0; cut < 40; cut++) {
		expect_skip_at(DLT_RAW, &p, cut, PKT_SKIP_TRUNC);
		expect_skip_at(DLT_IPV6, &p, cut, PKT_SKIP_TRUNC);
	}
	expect_row(DLT_RAW, &p,
	    "2001:db8::1,,2001:db8::2,,TCP,40,1700000000123456789,\n");
}
END_TEST

/* --- pkt_parse: DNS ------------------------------------------------------- */

static void
udp_dns(struct pk *p, bool v6, uint16_t sport, uint16_t dport, bool response,
    size_t *msg)
{
	size_t ip, u;

	if (v6)
		ip = ip6(p, 17, "2001:db8::1", "2001:db8::2");
	else
		ip = ip4(p, 17, "192.0.2.1", "192.0.2.2", 0, 0);
	u = udp(p, sport, dport);
	*msg = dns_msg(p, 0x4242, response);
	udp_end(p, u);
	if (v6)
		ip6_end(p, ip);
	else
		ip4_end(p, ip);
}

START_TEST(test_pkt_parse_dns_udp)
{
	static const struct {
		uint16_t	sport, dport;
		bool		response;
	} c[] = {
		{ 40000, 53, false }, { 53, 40000, true }, { 53, 53, false },
		{ 53, 53, true },
	};
	char want[ROW_CAP];
	size_t k, m;

	for (k = 0; k < NELEM(c) * 2; k++) {
		struct pk p = { .n = 0 };
		bool v6 = k >= NELEM(c);
		size_t i = k % NELEM(c);

		udp_dns(&p, v6, c[i].sport, c[i].dport, c[i].response, &m);
		want_row(want, v6 ? "2001:db8::1" : "192.0.2.1", c[i].sport,
		    v6 ? "2001:db8::2" : "192.0.2.2", c[i].dport, "UDP",
		    (uint32_t)p.n, TS, p.b + m, c[i].response ?
		    DNS_RESPONSE_LEN : DNS_QUERY_LEN);
		expect_row(DLT_RAW, &p, want);
	}
}
END_TEST

/* Literal expectations, independent of the reference encoder. */
START_TEST(test_pkt_parse_dns_udp_literal)
{
	struct pk p = { .n = 0 };
	size_t m;

	udp_dns(&p, false, 40000, 53, false, &m);
	expect_row(DLT_RAW, &p, "192.0.2.1,40000,192.0.2.2,53,UDP,61,"
	    "1700000000123456789,"
	    "QkIBAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB\n");
	p.n = 0;
	udp_dns(&p, false, 53, 40000, true, &m);
	expect_row(DLT_RAW, &p, "192.0.2.1,53,192.0.2.2,40000,UDP,77,"
	    "1700000000123456789,QkKBgAABAAEAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB"
	    "wAwAAQABAAABLAAExjNkUA==\n");
}
END_TEST

/* Not UDP or TCP, or not port 53: no DNS even for a perfect message. */
START_TEST(test_pkt_parse_dns_other_ports)
{
	static const uint16_t port[] = { 5353, 853, 5355, 54, 52, 0x3500 };
	static const uint8_t pp[] = { 136, 132, 33 };
	char want[ROW_CAP];
	size_t k, m;

	for (k = 0; k < NELEM(port); k++) {
		struct pk p = { .n = 0 };

		udp_dns(&p, false, 40000, port[k], false, &m);
		want_row(want, "192.0.2.1", 40000, "192.0.2.2", port[k],
		    "UDP", (uint32_t)p.n, TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
	}
	for (k = 0; k < NELEM(pp); k++) {
		struct pk p = { .n = 0 };
		size_t ip;

		ip = ip4(&p, pp[k], "192.0.2.1", "192.0.2.2", 0, 0);
		udp(&p, 40000, 53);
		dns_msg(&p, 1, false);
		ip4_end(&p, ip);
		want_row(want, "192.0.2.1", 40000, "192.0.2.2", 53,
		    pkt_proto_name(pp[k]), (uint32_t)p.n, TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
	}
}
END_TEST

/* Garbage on port 53: counts that cannot fit give an empty dns field. */
START_TEST(test_pkt_parse_dns_garbage)
{
	static const struct {
		uint16_t	qd, an, ns, ar;
		size_t		len;	/* message bytes */
		bool		dns;
	} c[] = {
		{ 0xffff, 0xffff, 0xffff, 0xffff, 12, false },
		{ 0, 0, 0, 0, 12, true },	/* 12 zero bytes: plausible */
		{ 0, 0, 0, 0, 11, false },
		{ 0, 0, 0, 0, 0, false },
		{ 1, 0, 0, 0, 16, false },
		{ 1, 0, 0, 0, 17, true },
		{ 0, 1, 0, 0, 22, false },
		{ 0, 1, 0, 0, 23, true },
		{ 0, 0, 1, 0, 23, true },
		{ 0, 0, 0, 1, 23, true },
		{ 2, 1, 1, 1, 12 + 10 + 33 - 1, false },
		{ 2, 1, 1, 1, 12 + 10 + 33, true },
		{ 0x100, 0, 0, 0, 1000, false },
		{ 0, 90, 0, 0, 1000, false },	/* 12 + 990 > 1000 */
		{ 0, 89, 0, 0, 1000, true },
	};
	char want[ROW_CAP];
	size_t k;

	for (k = 0; k < NELEM(c); k++) {
		struct pk p = { .n = 0 };
		size_t ip, u, m;

		ip = ip4(&p, 17, "192.0.2.1", "192.0.2.2", 0, 0);
		u = udp(&p, 53, 33333);
		m = p.n;
		if (c[k].len >= 12) {
			put32(&p, 0xabcd0000);
			put16(&p, c[k].qd);
			put16(&p, c[k].an);
			put16(&p, c[k].ns);
			put16(&p, c[k].ar);
			fill(&p, 0xc0, c[k].len - 12);
		} else {
			fill(&p, 0x7f, c[k].len);
		}
		udp_end(&p, u);
		ip4_end(&p, ip);
		want_row(want, "192.0.2.1", 53, "192.0.2.2", 33333, "UDP",
		    (uint32_t)p.n, TS, c[k].dns ? p.b + m : NULL, c[k].len);
		expect_row(DLT_RAW, &p, want);
	}
}
END_TEST

/*
 * Cut by the snaplen: counts that do not fit the captured bytes give no
 * DNS; when they do fit, the message as captured (SPEC: "base64 ... of
 * the DNS message as captured").
 */
START_TEST(test_pkt_parse_dns_snaplen)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t m, cut;

	udp_dns(&p, false, 53, 40000, true, &m);
	for (cut = m; cut <= p.n; cut++) {
		size_t got = cut - m;
		bool dns = got >= DNS_RESPONSE_NEED;

		want_row(want, "192.0.2.1", 53, "192.0.2.2", 40000, "UDP",
		    (uint32_t)p.n, TS, dns ? p.b + m : NULL, got);
		expect_row_at(DLT_RAW, &p, cut, (uint32_t)p.n, TS, want);
	}
}
END_TEST

/* The UDP length bounds the message: padding after it is not DNS. */
START_TEST(test_pkt_parse_dns_udp_length)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, u, m;

	ip = ip4(&p, 17, "192.0.2.1", "192.0.2.2", 0, 0);
	u = udp(&p, 40000, 53);
	m = dns_msg(&p, 5, false);
	udp_end(&p, u);
	fill(&p, 0x55, 5);
	ip4_end(&p, ip);
	want_row(want, "192.0.2.1", 40000, "192.0.2.2", 53, "UDP",
	    (uint32_t)p.n, TS, p.b + m, DNS_QUERY_LEN);
	expect_row(DLT_RAW, &p, want);

	/* UDP length too short for the counts: no DNS */
	set16(&p, u + 4, 8 + DNS_QUERY_NEED - 1);
	want_row(want, "192.0.2.1", 40000, "192.0.2.2", 53, "UDP",
	    (uint32_t)p.n, TS, NULL, 0);
	expect_row(DLT_RAW, &p, want);
	/* just enough for the counts: the message up to the UDP length */
	set16(&p, u + 4, 8 + DNS_QUERY_NEED);
	want_row(want, "192.0.2.1", 40000, "192.0.2.2", 53, "UDP",
	    (uint32_t)p.n, TS, p.b + m, DNS_QUERY_NEED);
	expect_row(DLT_RAW, &p, want);
	/* UDP length below 8 is invalid: ports, no DNS */
	want_row(want, "192.0.2.1", 40000, "192.0.2.2", 53, "UDP",
	    (uint32_t)p.n, TS, NULL, 0);
	set16(&p, u + 4, 7);
	expect_row(DLT_RAW, &p, want);
	set16(&p, u + 4, 0);
	expect_row(DLT_RAW, &p, want);
	/* UDP length past the captured bytes: the captured message */
	set16(&p, u + 4, 1400);
	want_row(want, "192.0.2.1", 40000, "192.0.2.2", 53, "UDP",
	    (uint32_t)p.n, TS, p.b + m, DNS_QUERY_LEN + 5);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

/* A TCP segment: header of doff words, then length-prefixed messages. */
static size_t
tcp_dns(struct pk *p, bool v6, unsigned doff, uint16_t sport, uint16_t dport)
{
	size_t ip;

	if (v6)
		ip = ip6(p, 6, "2001:db8::1", "2001:db8::53");
	else
		ip = ip4(p, 6, "192.0.2.1", "192.0.2.53", 0, 0);
	tcp(p, sport, dport, doff);
	return ip;
}

START_TEST(test_pkt_parse_dns_tcp)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, m;

	ip = tcp_dns(&p, false, 5, 40000, 53);
	put16(&p, DNS_QUERY_LEN);
	m = dns_msg(&p, 0x0101, false);
	ip4_end(&p, ip);
	want_row(want, "192.0.2.1", 40000, "192.0.2.53", 53, "TCP",
	    (uint32_t)p.n, TS, p.b + m, DNS_QUERY_LEN);
	expect_row(DLT_RAW, &p, want);
	expect_row(DLT_RAW, &p, "192.0.2.1,40000,192.0.2.53,53,TCP,75,"
	    "1700000000123456789,"
	    "AQEBAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB\n");

	/* a response, TCP options, IPv6, from port 53 */
	p.n = 0;
	ip = tcp_dns(&p, true, 15, 53, 40000);
	put16(&p, DNS_RESPONSE_LEN);
	m = dns_msg(&p, 0x0101, true);
	ip6_end(&p, ip);
	want_row(want, "2001:db8::1", 53, "2001:db8::53", 40000, "TCP",
	    (uint32_t)p.n, TS, p.b + m, DNS_RESPONSE_LEN);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

/* Pipelined messages: only the first is the row's DNS. */
START_TEST(test_pkt_parse_dns_tcp_pipelined)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, m;

	ip = tcp_dns(&p, false, 8, 40000, 53);
	put16(&p, DNS_QUERY_LEN);
	m = dns_msg(&p, 1, false);
	put16(&p, DNS_QUERY_LEN);
	dns_msg(&p, 2, false);
	ip4_end(&p, ip);
	want_row(want, "192.0.2.1", 40000, "192.0.2.53", 53, "TCP",
	    (uint32_t)p.n, TS, p.b + m, DNS_QUERY_LEN);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

START_TEST(test_pkt_parse_dns_tcp_bad)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, m, doff;
	unsigned len;

	/* length prefix below 12: no DNS, whatever follows */
	for (len = 0; len < 12; len++) {
		p.n = 0;
		ip = tcp_dns(&p, false, 5, 40000, 53);
		put16(&p, len);
		dns_msg(&p, 1, false);
		ip4_end(&p, ip);
		want_row(want, "192.0.2.1", 40000, "192.0.2.53", 53, "TCP",
		    (uint32_t)p.n, TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
	}
	/* length prefix too short for the counts */
	set16(&p, 40, DNS_QUERY_NEED - 1);
	expect_row(DLT_RAW, &p, want);
	/* a bare prefix, half a prefix, no payload */
	for (len = 40; len <= 42; len++) {
		set16(&p, 2, len);
		want_row(want, "192.0.2.1", 40000, "192.0.2.53", 53, "TCP",
		    (uint32_t)p.n, TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
	}
	/* data offset below 5, or past the captured bytes */
	for (doff = 0; doff < 16; doff++) {
		if (doff == 5)
			continue;
		p.n = 0;
		ip = tcp_dns(&p, false, 5, 40000, 53);
		put16(&p, DNS_QUERY_LEN);
		m = dns_msg(&p, 1, false);
		ip4_end(&p, ip);
		p.b[ip + 20 + 12] = (uint8_t)(doff << 4);
		if (doff > 5 && (doff - 5) * 4 + 2 + DNS_QUERY_NEED <=
		    DNS_QUERY_LEN + 2)
			continue;	/* would find a different "message" */
		want_row(want, "192.0.2.1", 40000, "192.0.2.53", 53, "TCP",
		    (uint32_t)p.n, TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
	}
	/*
	 * Data offset 4 (invalid): a prefix in the checksum field and a
	 * message from the urgent pointer on must not be taken as DNS.
	 */
	p.n = 0;
	ip = tcp_dns(&p, false, 5, 40000, 53);
	m = dns_msg(&p, 1, false);
	ip4_end(&p, ip);
	p.b[ip + 20 + 12] = 4 << 4;
	set16(&p, ip + 20 + 16, DNS_QUERY_LEN);
	memmove(p.b + ip + 20 + 18, p.b + m, DNS_QUERY_LEN);
	p.n -= 2;
	set16(&p, ip + 2, (unsigned)(p.n - ip));
	want_row(want, "192.0.2.1", 40000, "192.0.2.53", 53, "TCP",
	    (uint32_t)p.n, TS, NULL, 0);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

/* A message that continues in the next segment: the captured part. */
START_TEST(test_pkt_parse_dns_tcp_split)
{
	struct pk p = { .n = 0 };
	char want[ROW_CAP];
	size_t ip, m;

	ip = tcp_dns(&p, false, 5, 53, 40000);
	put16(&p, 1200);
	m = dns_msg(&p, 1, true);
	ip4_end(&p, ip);
	want_row(want, "192.0.2.1", 53, "192.0.2.53", 40000, "TCP",
	    (uint32_t)p.n, TS, p.b + m, DNS_RESPONSE_LEN);
	expect_row(DLT_RAW, &p, want);
}
END_TEST

/* --- pkt_parse: addresses ------------------------------------------------- */

START_TEST(test_pkt_parse_ipv6_text)
{
	static const struct {
		const char *in, *out;
	} c[] = {
		{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
		{ "2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::" },
		{ "2001:db8:0:0:0:1:0:0", "2001:db8::1:0:0" },
		{ "2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF",
		    "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff" },
		{ "2001:db8:0:0:0:0:0:0", "2001:db8::" },
		{ "0:0:0:0:0:0:0:0", "::" },
		{ "0:0:0:0:0:0:0:1", "::1" },
		{ "0:0:0:0:0:ffff:c000:201", "::ffff:192.0.2.1" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		{ "2001:db8:0:0:0200:5eff:fe00:5301",
		    "2001:db8::200:5eff:fe00:5301" },
	};
	char want[ROW_CAP];
	size_t k;

	for (k = 0; k < NELEM(c); k++) {
		struct pk p = { .n = 0 };
		size_t ip;

		ip = ip6(&p, 58, c[k].in, "2001:db8::2");
		fill(&p, 0, 8);
		ip6_end(&p, ip);
		want_row(want, c[k].out, -1, "2001:db8::2", -1, "ICMPv6", 48,
		    TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
		p.n = 0;
		ip = ip6(&p, 58, "2001:db8::2", c[k].in);
		fill(&p, 0, 8);
		ip6_end(&p, ip);
		want_row(want, "2001:db8::2", -1, c[k].out, -1, "ICMPv6", 48,
		    TS, NULL, 0);
		expect_row(DLT_RAW, &p, want);
	}
}
END_TEST

START_TEST(test_pkt_parse_ipv4_text)
{
	struct pk p = { .n = 0 };
	size_t ip;

	ip = ip4(&p, 1, "0.0.0.0", "255.255.255.255", 0, 0);
	fill(&p, 0, 8);
	ip4_end(&p, ip);
	expect_row(DLT_RAW, &p, "0.0.0.0,,255.255.255.255,,ICMP,28,"
	    "1700000000123456789,\n");
	p.n = 0;
	ip = ip4(&p, 2, "192.0.2.0", "233.252.0.100", 4, 0);
	fill(&p, 0, 8);
	ip4_end(&p, ip);
	expect_row(DLT_RAW, &p, "192.0.2.0,,233.252.0.100,,IGMP,32,"
	    "1700000000123456789,\n");
}
END_TEST

/* --- pkt_parse: link types ------------------------------------------------ */

/* An IPv4/UDP and an IPv6/TCP packet after link bytes lk. */
static void
v4_after(struct pk *p, const uint8_t *lk, size_t lklen)
{
	size_t ip, u;

	p->n = 0;
	put(p, lk, lklen);
	ip = ip4(p, 17, "192.0.2.1", "198.51.100.2", 0, 0);
	u = udp(p, 1000, 2000);
	udp_end(p, u);
	ip4_end(p, ip);
}

static void
v6_after(struct pk *p, const uint8_t *lk, size_t lklen)
{
	size_t ip;

	p->n = 0;
	put(p, lk, lklen);
	ip = ip6(p, 6, "2001:db8::1", "2001:db8::2");
	tcp(p, 3000, 4000, 5);
	ip6_end(p, ip);
}

static void
link_row(int dlt, const uint8_t *lk, size_t lklen, int family)
{
	struct pk p;
	char want[ROW_CAP];

	if (family == 4) {
		v4_after(&p, lk, lklen);
		want_row(want, "192.0.2.1", 1000, "198.51.100.2", 2000, "UDP",
		    (uint32_t)p.n, TS, NULL, 0);
	} else {
		v6_after(&p, lk, lklen);
		want_row(want, "2001:db8::1", 3000, "2001:db8::2", 4000, "TCP",
		    (uint32_t)p.n, TS, NULL, 0);
	}
	expect_row(dlt, &p, want);
}

static void
link_skip(int dlt, const uint8_t *lk, size_t lklen, int family,
    enum pkt_status st)
{
	struct pk p;

	if (family == 4)
		v4_after(&p, lk, lklen);
	else
		v6_after(&p, lk, lklen);
	expect_skip(dlt, &p, st);
}

START_TEST(test_pkt_parse_link_raw)
{
	link_row(DLT_RAW, NULL, 0, 4);
	link_row(DLT_RAW, NULL, 0, 6);
	link_row(DLT_IPV4, NULL, 0, 4);
	link_skip(DLT_IPV4, NULL, 0, 6, PKT_SKIP_BAD_VERSION);
	link_row(DLT_IPV6, NULL, 0, 6);
	link_skip(DLT_IPV6, NULL, 0, 4, PKT_SKIP_BAD_VERSION);
}
END_TEST

/* DLT_NULL: the family in the capturing host's order, either order. */
START_TEST(test_pkt_parse_link_null)
{
	static const uint32_t v6fam[] = { 10, 24, 28, 30 };
	uint8_t le[4] = { 2, 0, 0, 0 }, be[4] = { 0, 0, 0, 2 };
	size_t k;

	link_row(DLT_NULL, le, 4, 4);
	link_row(DLT_NULL, be, 4, 4);
	link_skip(DLT_NULL, le, 4, 6, PKT_SKIP_BAD_VERSION);
	for (k = 0; k < NELEM(v6fam); k++) {
		le[0] = (uint8_t)v6fam[k];
		be[3] = (uint8_t)v6fam[k];
		link_row(DLT_NULL, le, 4, 6);
		link_row(DLT_NULL, be, 4, 6);
		link_skip(DLT_NULL, be, 4, 4, PKT_SKIP_BAD_VERSION);
	}
	/* not IP: AF_UNSPEC, AF_APPLETALK-ish, garbage */
	le[0] = 0;
	link_skip(DLT_NULL, le, 4, 4, PKT_SKIP_NOT_IP);
	le[0] = 7;
	link_skip(DLT_NULL, le, 4, 4, PKT_SKIP_NOT_IP);
	memcpy(le, "\x08\x00\x45\x00", 4);
	link_skip(DLT_NULL, le, 4, 4, PKT_SKIP_NOT_IP);
	memcpy(le, "\x02\x00\x00\x02", 4);
	link_skip(DLT_NULL, le, 4, 4, PKT_SKIP_NOT_IP);
}
END_TEST

/* DLT_LOOP: network byte order. */
START_TEST(test_pkt_parse_link_loop)
{
	static const uint8_t v4[4] = { 0, 0, 0, 2 };
	static const uint8_t v6[][4] = {
		{ 0, 0, 0, 24 }, { 0, 0, 0, 28 }, { 0, 0, 0, 30 },
		{ 0, 0, 0, 10 },
	};
	size_t k;

	link_row(DLT_LOOP, v4, 4, 4);
	link_skip(DLT_LOOP, v4, 4, 6, PKT_SKIP_BAD_VERSION);
	for (k = 0; k < NELEM(v6); k++)
		link_row(DLT_LOOP, v6[k], 4, 6);
	link_skip(DLT_LOOP, (const uint8_t *)"\0\0\0\x1f", 4, 6,
	    PKT_SKIP_NOT_IP);
}
END_TEST

/* DLT_LINUX_SLL: 16 bytes, protocol at offset 14. */
START_TEST(test_pkt_parse_link_sll)
{
	uint8_t h[16] = { 0, 4, 0xff, 0xfe, 0, 0 };

	h[14] = 0x08;
	h[15] = 0x00;
	link_row(DLT_LINUX_SLL, h, 16, 4);
	link_skip(DLT_LINUX_SLL, h, 16, 6, PKT_SKIP_BAD_VERSION);
	h[14] = 0x86;
	h[15] = 0xdd;
	link_row(DLT_LINUX_SLL, h, 16, 6);
	h[14] = 0x08;
	h[15] = 0x06;		/* ARP */
	link_skip(DLT_LINUX_SLL, h, 16, 4, PKT_SKIP_NOT_IP);
	h[14] = 0x00;
	h[15] = 0x00;
	h[0] = 0x08;		/* the protocol is not at offset 0 */
	h[1] = 0x00;
	link_skip(DLT_LINUX_SLL, h, 16, 4, PKT_SKIP_NOT_IP);
}
END_TEST

/* DLT_LINUX_SLL2: 20 bytes, protocol at offset 0. */
START_TEST(test_pkt_parse_link_sll2)
{
	uint8_t h[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 7, 0xff, 0xfe, 0, 0 };

	link_row(DLT_LINUX_SLL2, h, 20, 4);
	h[0] = 0x86;
	h[1] = 0xdd;
	link_row(DLT_LINUX_SLL2, h, 20, 6);
	link_skip(DLT_LINUX_SLL2, h, 20, 4, PKT_SKIP_BAD_VERSION);
	h[0] = 0x08;
	h[1] = 0x06;
	link_skip(DLT_LINUX_SLL2, h, 20, 4, PKT_SKIP_NOT_IP);
	h[0] = 0x00;
	h[1] = 0x00;
	h[14] = 0x08;		/* SLL's offset means nothing here */
	link_skip(DLT_LINUX_SLL2, h, 20, 4, PKT_SKIP_NOT_IP);
}
END_TEST

/*
 * The direction from the Linux packet type: SLL's 16 bits at offset 0,
 * SLL2's byte at offset 10. Host, broadcast, multicast and other-host are
 * "in", outgoing is "out", anything else none; other link types say none.
 */
START_TEST(test_pkt_parse_direction)
{
	static const uint8_t ip[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1,
	    0, 0, 192, 0, 2, 1, 192, 0, 2, 2, 8, 0 };
	static const uint8_t want[] = { PKT_DIR_IN, PKT_DIR_IN, PKT_DIR_IN,
	    PKT_DIR_IN, PKT_DIR_OUT, PKT_DIR_NONE, PKT_DIR_NONE, PKT_DIR_NONE };
	uint8_t b[20 + sizeof(ip)];
	struct pkt_row row;
	unsigned t;

	for (t = 0; t < NELEM(want); t++) {
		memset(b, 0, sizeof(b));
		b[1] = (uint8_t)t;		/* SLL packet type */
		b[14] = 0x08;
		memcpy(b + 16, ip, sizeof(ip));
		ck_assert_int_eq(pkt_parse(DLT_LINUX_SLL, b, 16 + sizeof(ip),
		    16 + sizeof(ip), 1, &row), PKT_ROW);
		ck_assert_uint_eq(row.dir, want[t]);
		ck_assert_ptr_null(row.peer);
		memset(b, 0, sizeof(b));
		b[0] = 0x08;
		b[10] = (uint8_t)t;		/* SLL2 packet type */
		memcpy(b + 20, ip, sizeof(ip));
		ck_assert_int_eq(pkt_parse(DLT_LINUX_SLL2, b, sizeof(b),
		    sizeof(b), 1, &row), PKT_ROW);
		ck_assert_uint_eq(row.dir, want[t]);
	}
	/* SLL's type is 16 bits: 0x0104 is not "outgoing" */
	memset(b, 0, sizeof(b));
	b[0] = 1;
	b[1] = 4;
	b[14] = 0x08;
	memcpy(b + 16, ip, sizeof(ip));
	ck_assert_int_eq(pkt_parse(DLT_LINUX_SLL, b, 16 + sizeof(ip),
	    16 + sizeof(ip), 1, &row), PKT_ROW);
	ck_assert_uint_eq(row.dir, PKT_DIR_NONE);
	ck_assert_int_eq(pkt_parse(DLT_RAW, ip, sizeof(ip), sizeof(ip), 1,
	    &row), PKT_ROW);
	ck_assert_uint_eq(row.dir, PKT_DIR_NONE);
	/* a skipped packet says nothing either */
	memset(b, 0, sizeof(b));
	b[0] = 0x08;
	b[1] = 0x06;
	b[10] = 4;
	ck_assert_int_eq(pkt_parse(DLT_LINUX_SLL2, b, sizeof(b), sizeof(b), 1,
	    &row), PKT_SKIP_NOT_IP);
	ck_assert_uint_eq(row.dir, PKT_DIR_NONE);
}
END_TEST

/* Cut inside the link header: link_truncated; just after it: ip_truncated. */
START_TEST(test_pkt_parse_link_truncated)
{
	static const struct {
		int	dlt;
		size_t	hlen;
		uint8_t	h[20];
	} c[] = {
		{ DLT_NULL, 4, { 2 } },
		{ DLT_LOOP, 4, { 0, 0, 0, 2 } },
		{ DLT_LINUX_SLL, 16, { [14] = 0x08 } },
		{ DLT_LINUX_SLL2, 20, { 0x08 } },
	};
	char want[ROW_CAP];
	size_t k, cut;

	for (k = 0; k < NELEM(c); k++) {
		struct pk p;

		v4_after(&p, c[k].h, c[k].hlen);
		for (cut = 0; cut < c[k].hlen; cut++)
			expect_skip_at(c[k].dlt, &p, cut, PKT_SKIP_LINK_TRUNC);
		for (cut = c[k].hlen; cut < c[k].hlen + 20; cut++)
			expect_skip_at(c[k].dlt, &p, cut, PKT_SKIP_TRUNC);
		want_row(want, "192.0.2.1", -1, "198.51.100.2", -1, "UDP",
		    (uint32_t)p.n, TS, NULL, 0);
		expect_row_at(c[k].dlt, &p, cut, (uint32_t)p.n, TS, want);
	}
}
END_TEST

/* Ethernet and other link types: no rows (capture refuses them earlier). */
START_TEST(test_pkt_parse_link_unsupported)
{
	static const int dlt[] = { DLT_EN10MB, DLT_PPP, DLT_IEEE802_11,
	    DLT_USB_LINUX, -1, 1000 };
	uint8_t eth[14] = { 0 };
	size_t k;

	eth[12] = 0x08;
	for (k = 0; k < NELEM(dlt); k++) {
		link_skip(dlt[k], eth, 14, 4, PKT_SKIP_NOT_IP);
		link_skip(dlt[k], NULL, 0, 4, PKT_SKIP_NOT_IP);
	}
}
END_TEST

START_TEST(test_pkt_parse_null_data)
{
	static const int dlt[] = { DLT_RAW, DLT_IPV4, DLT_IPV6 };
	static const int lk[] = { DLT_NULL, DLT_LOOP, DLT_LINUX_SLL,
	    DLT_LINUX_SLL2 };
	struct pkt_row row;
	size_t k;

	for (k = 0; k < NELEM(dlt); k++) {
		ck_assert_int_eq(pkt_parse(dlt[k], NULL, 0, 0, TS, &row),
		    PKT_SKIP_TRUNC);
		ck_assert_int_eq(pkt_parse(dlt[k], NULL, 0, 1500, 0, &row),
		    PKT_SKIP_TRUNC);
	}
	for (k = 0; k < NELEM(lk); k++)
		ck_assert_int_eq(pkt_parse(lk[k], NULL, 0, 60, TS, &row),
		    PKT_SKIP_LINK_TRUNC);
	ck_assert_int_eq(pkt_parse(DLT_EN10MB, NULL, 0, 60, TS, &row),
	    PKT_SKIP_NOT_IP);
}
END_TEST

/* --- pkt_parse: every cut of a valid packet ------------------------------- */

struct shape {
	struct pk	p;
	int		dlt;
	size_t		l3;		/* IP header */
	size_t		ext[8];		/* IPv6 extension headers */
	uint8_t		ext_type[8];
	size_t		ext_len[8];
	size_t		next;
	size_t		l4;		/* transport header */
	size_t		msg;		/* DNS message, 0 when none */
	size_t		msg_len;	/* its length (TCP: from the prefix) */
	size_t		need;		/* bytes its counts need */
	const char	*src, *dst, *proto;
	int		sport, dport;
};

/* IPv4 with 4 bytes of options, TCP 40000 -> 443, 16 bytes of data. */
static void
shape_ipv4_tcp(struct shape *s)
{
	memset(s, 0, sizeof(*s));
	s->dlt = DLT_RAW;
	s->src = "192.0.2.1";
	s->dst = "198.51.100.2";
	s->proto = "TCP";
	s->sport = 40000;
	s->dport = 443;
	s->l3 = ip4(&s->p, 6, s->src, s->dst, 4, 0x4000);
	s->l4 = s->p.n;
	tcp(&s->p, 40000, 443, 5);
	fill(&s->p, 0x17, 16);
	ip4_end(&s->p, s->l3);
}

/* IPv4 UDP 53 -> 40000, a DNS response. */
static void
shape_ipv4_dns(struct shape *s)
{
	size_t u;

	memset(s, 0, sizeof(*s));
	s->dlt = DLT_RAW;
	s->src = "198.51.100.53";
	s->dst = "192.0.2.1";
	s->proto = "UDP";
	s->sport = 53;
	s->dport = 40000;
	s->l3 = ip4(&s->p, 17, s->src, s->dst, 0, 0);
	s->l4 = u = udp(&s->p, 53, 40000);
	s->msg = dns_msg(&s->p, 0x3131, true);
	s->msg_len = DNS_RESPONSE_LEN;
	s->need = DNS_RESPONSE_NEED;
	udp_end(&s->p, u);
	ip4_end(&s->p, s->l3);
}

/* IPv6, hop-by-hop, routing, fragment, dstopts, UDP 40000 -> 53 query. */
static void
shape_ipv6_chain_dns(struct shape *s)
{
	static const uint8_t type[] = { 0, 43, 44, 60 };
	static const uint8_t len8[] = { 0, 2, 0, 1 };
	size_t u, k;

	memset(s, 0, sizeof(*s));
	s->dlt = DLT_RAW;
	s->src = "2001:db8:100::7";
	s->dst = "2001:db8::53";
	s->proto = "UDP";
	s->sport = 40000;
	s->dport = 53;
	s->l3 = ip6(&s->p, 0, s->src, s->dst);
	for (k = 0; k < NELEM(type); k++) {
		uint8_t nxt = k + 1 < NELEM(type) ? type[k + 1] : 17;

		s->ext[k] = s->p.n;
		s->ext_type[k] = type[k];
		if (type[k] == 44) {
			frag6(&s->p, nxt, 0, false);
		} else {
			ext6(&s->p, nxt, len8[k]);
		}
		s->ext_len[k] = s->p.n - s->ext[k];
	}
	s->next = NELEM(type);
	s->l4 = u = udp(&s->p, 40000, 53);
	s->msg = dns_msg(&s->p, 0x2020, false);
	s->msg_len = DNS_QUERY_LEN;
	s->need = DNS_QUERY_NEED;
	udp_end(&s->p, u);
	ip6_end(&s->p, s->l3);
}

/* IPv6 TCP 53 -> 40000 with options, two pipelined DNS responses. */
static void
shape_ipv6_tcp_dns(struct shape *s)
{
	memset(s, 0, sizeof(*s));
	s->dlt = DLT_RAW;
	s->src = "2001:db8::53";
	s->dst = "2001:db8:100::7";
	s->proto = "TCP";
	s->sport = 53;
	s->dport = 40000;
	s->l3 = ip6(&s->p, 6, s->src, s->dst);
	s->l4 = s->p.n;
	tcp(&s->p, 53, 40000, 8);
	put16(&s->p, DNS_RESPONSE_LEN);
	s->msg = dns_msg(&s->p, 0x5151, true);
	s->msg_len = DNS_RESPONSE_LEN;
	s->need = DNS_RESPONSE_NEED;
	put16(&s->p, DNS_QUERY_LEN);
	dns_msg(&s->p, 0x5252, false);
	ip6_end(&s->p, s->l3);
}

/* SLL2, IPv4 UDP 51820 -> 51820 (WireGuard-ish payload). */
static void
shape_sll2_ipv4(struct shape *s)
{
	static const uint8_t h[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 9, 0xff,
	    0xfe, 4, 0 };
	size_t u;

	memset(s, 0, sizeof(*s));
	s->dlt = DLT_LINUX_SLL2;
	s->src = "203.0.113.9";
	s->dst = "192.0.2.77";
	s->proto = "UDP";
	s->sport = 51820;
	s->dport = 51820;
	put(&s->p, h, sizeof(h));
	s->l3 = ip4(&s->p, 17, s->src, s->dst, 0, 0);
	s->l4 = u = udp(&s->p, 51820, 51820);
	fill(&s->p, 0x04, 32);
	udp_end(&s->p, u);
	ip4_end(&s->p, s->l3);
}

static void (*const shapes[])(struct shape *) = {
	shape_ipv4_tcp, shape_ipv4_dns, shape_ipv6_chain_dns,
	shape_ipv6_tcp_dns, shape_sll2_ipv4,
};

/*
 * Their lengths, for the loop bounds (Check's asserts cannot run while
 * the suite is being built): 20 + 4 + 20 + 16; 20 + 8 + 49;
 * 40 + 8 + 24 + 8 + 16 + 8 + 33; 40 + 32 + 2 + 49 + 2 + 33; 20 + 20 + 8 + 32.
 */
static const size_t shape_len[] = { 60, 77, 137, 158, 80 };

/* What SPEC says a cut at caplen must give; returns the status. */
static enum pkt_status
shape_expect(const struct shape *s, size_t caplen, char *want)
{
	bool v6 = (s->p.b[s->l3] >> 4) == 6;
	size_t iphl = v6 ? 40 : 20, k, got = 0;
	const char *proto = s->proto;
	char num[4];
	bool ports = false;
	const uint8_t *dns = NULL;

	if (caplen < s->l3)
		return PKT_SKIP_LINK_TRUNC;
	if (caplen < s->l3 + iphl)
		return PKT_SKIP_TRUNC;
	for (k = 0; k < s->next; k++) {
		if (caplen < s->ext[k] + s->ext_len[k]) {
			snprintf(num, sizeof(num), "%u", s->ext_type[k]);
			proto = num;
			goto row;
		}
	}
	/* IPv4 options, if any, must be captured before the ports */
	ports = caplen >= s->l4 + 4;
	if (ports && s->msg) {
		got = caplen >= s->msg ? caplen - s->msg : 0;
		if (got > s->msg_len)
			got = s->msg_len;
		/* TCP: the prefix must be captured: s->msg - 2 <= caplen */
		if (caplen >= s->msg && got >= s->need)
			dns = s->p.b + s->msg;
		else
			got = 0;
	} else {
		got = 0;
	}
 row:
	want_row(want, s->src, ports ? s->sport : -1, s->dst,
	    ports ? s->dport : -1, proto, (uint32_t)s->p.n, TS, dns, got);
	return PKT_ROW;
}

/*
 * Each iteration of a cut test covers CUT_STEP consecutive caplens: a fork
 * per caplen costs too much under ASan. Failures name the caplen.
 */
#define CUT_STEP	32
#define CUT_ITERS(len)	((int)((len) / CUT_STEP + 1))

static void
cut_test(int shape, int iter)
{
	struct shape *s = malloc(sizeof(*s));
	char want[ROW_CAP];
	enum pkt_status st;
	size_t caplen;
	struct res r;

	ck_assert_ptr_nonnull(s);
	shapes[shape](s);
	ck_assert_uint_eq(s->p.n, shape_len[shape]);
	for (caplen = (size_t)iter * CUT_STEP; caplen < (size_t)(iter + 1) *
	    CUT_STEP && caplen <= s->p.n; caplen++) {
		st = shape_expect(s, caplen, want);
		run(s->dlt, s->p.b, caplen, (uint32_t)s->p.n, TS, &r);
		if (r.st != st)
			ck_abort_msg("caplen %zu: status %s, want %s", caplen,
			    pkt_status_name(r.st), pkt_status_name(st));
		if (st == PKT_ROW && strcmp(r.line, want) != 0)
			ck_abort_msg("caplen %zu: row %s, want %s", caplen,
			    r.line, want);
	}
	free(s);
}

START_TEST(test_pkt_parse_cut_ipv4_tcp)
{
	cut_test(0, _i);
}
END_TEST

START_TEST(test_pkt_parse_cut_ipv4_udp_dns)
{
	cut_test(1, _i);
}
END_TEST

START_TEST(test_pkt_parse_cut_ipv6_chain_udp_dns)
{
	cut_test(2, _i);
}
END_TEST

START_TEST(test_pkt_parse_cut_ipv6_tcp_dns)
{
	cut_test(3, _i);
}
END_TEST

START_TEST(test_pkt_parse_cut_sll2_ipv4)
{
	cut_test(4, _i);
}
END_TEST

/* The full packets: a sanity check of the shapes themselves. */
START_TEST(test_pkt_parse_cut_full)
{
	static const char *const want[] = {
		"192.0.2.1,40000,198.51.100.2,443,TCP,60,"
		    "1700000000123456789,\n",
		"198.51.100.53,53,192.0.2.1,40000,UDP,77,1700000000123456789,"
		    "MTGBgAABAAEAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQABwAwAAQABAAAB"
		    "LAAExjNkUA==\n",
		"2001:db8:100::7,40000,2001:db8::53,53,UDP,137,"
		    "1700000000123456789,"
		    "ICABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB\n",
		"2001:db8::53,53,2001:db8:100::7,40000,TCP,158,"
		    "1700000000123456789,UVGBgAABAAEAAAAAA3d3dwdleGFtcGxlA2Nv"
		    "bQAAAQABwAwAAQABAAABLAAExjNkUA==\n",
		"203.0.113.9,51820,192.0.2.77,51820,UDP,80,"
		    "1700000000123456789,\n",
	};
	struct shape *s = malloc(sizeof(*s));
	size_t k;

	ck_assert_ptr_nonnull(s);
	for (k = 0; k < NELEM(shapes); k++) {
		shapes[k](s);
		ck_assert_uint_eq(s->p.n, shape_len[k]);
		expect_row(s->dlt, &s->p, want[k]);
	}
	free(s);
}
END_TEST

/* --- pkt_parse: random packets never break a row -------------------------- */

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Random bytes with a plausible IPv4 or IPv6 header, ports often 53. */
static void
random_packet(uint64_t *rs, struct pk *p)
{
	static const uint8_t proto[] = { 6, 17, 136, 132, 33, 1, 58, 51, 0,
	    43, 44, 60, 59, 253 };
	size_t n = xorshift(rs) % 200, i, l4;

	p->n = n;
	for (i = 0; i < n; i++)
		p->b[i] = (uint8_t)xorshift(rs);
	if (n == 0 || xorshift(rs) % 8 == 0)
		return;		/* plain garbage */
	if (xorshift(rs) % 2) {
		p->b[0] = (uint8_t)(0x40 | (xorshift(rs) % 4 ? 5 +
		    xorshift(rs) % 11 : xorshift(rs) % 16));
		if (n > 3 && xorshift(rs) % 2) {
			p->b[2] = (uint8_t)(n >> 8);
			p->b[3] = (uint8_t)n;
		}
		if (n > 7 && xorshift(rs) % 4)
			p->b[6] = p->b[7] = 0;
		if (n > 9)
			p->b[9] = proto[xorshift(rs) % NELEM(proto)];
		l4 = (size_t)(p->b[0] & 15) * 4;
	} else {
		p->b[0] = 0x60;
		if (n > 5 && xorshift(rs) % 2) {
			p->b[4] = (uint8_t)((n - 40) >> 8);
			p->b[5] = (uint8_t)(n - 40);
		}
		if (n > 6)
			p->b[6] = proto[xorshift(rs) % NELEM(proto)];
		for (i = 40; i + 1 < n && i < 120; i += 8)
			if (xorshift(rs) % 2) {
				p->b[i] = proto[xorshift(rs) % NELEM(proto)];
				p->b[i + 1] = 0;
			}
		l4 = 40;
	}
	if (l4 + 4 <= n && xorshift(rs) % 2) {
		p->b[l4 + (xorshift(rs) % 2) * 2] = 0;
		p->b[l4 + 1 + (xorshift(rs) % 2) * 2] = 53;
	}
	if (l4 + 20 <= n && xorshift(rs) % 2) {
		p->b[l4 + 12] = 0x50;	/* TCP data offset 5 */
		p->b[l4 + 4] = 0;	/* UDP length */
		p->b[l4 + 5] = (uint8_t)(n - l4);
	}
}

/* Seven commas, one newline at the end, no quote, printable. */
static bool
row_shape_ok(const struct res *r)
{
	size_t i, commas = 0;

	if (r->n == 0 || r->line[r->n - 1] != '\n')
		return false;
	for (i = 0; i < r->n; i++) {
		if (r->line[i] == '"' || r->line[i] == '\r' ||
		    (r->line[i] == '\n' && i != r->n - 1))
			return false;
		if (r->line[i] == ',')
			commas++;
	}
	return commas == 7 && csv_row_plausible(r->line, r->n - 1, CSV_V1);
}

START_TEST(test_pkt_parse_random)
{
	static const int dlt[] = { DLT_RAW, DLT_IPV4, DLT_IPV6,
	    DLT_LINUX_SLL2 };
	uint64_t rs = 0x9e3779b97f4a7c15ULL;
	struct pk p, q;
	size_t k, d, rows = 0;
	struct res r;

	for (k = 0; k < 4000; k++) {
		random_packet(&rs, &p);
		for (d = 0; d < NELEM(dlt); d++) {
			const struct pk *in = &p;

			if (dlt[d] == DLT_LINUX_SLL2) {
				memset(q.b, 0, 20);
				q.b[0] = p.n && (p.b[0] >> 4) == 6 ?
				    0x86 : 0x08;
				q.b[1] = q.b[0] == 0x86 ? 0xdd : 0x00;
				memcpy(q.b + 20, p.b, p.n);
				q.n = p.n + 20;
				in = &q;
			}
			run(dlt[d], in->b, in->n, (uint32_t)in->n,
			    xorshift(&rs), &r);
			if (r.st >= PKT_NSTATUS)
				ck_abort_msg("status %d", (int)r.st);
			if (r.st != PKT_ROW)
				continue;
			if (!row_shape_ok(&r))
				ck_abort_msg("bad row %s", r.line);
			rows++;
		}
	}
	ck_assert_uint_gt(rows, 4000);	/* the generator makes rows */
}
END_TEST

/* --- the other public functions ------------------------------------------- */

START_TEST(test_pkt_dlt_supported_allowed)
{
	ck_assert(pkt_dlt_supported(DLT_RAW));
	ck_assert(pkt_dlt_supported(DLT_IPV4));
	ck_assert(pkt_dlt_supported(DLT_IPV6));
	ck_assert(pkt_dlt_supported(DLT_NULL));
	ck_assert(pkt_dlt_supported(DLT_LOOP));
	ck_assert(pkt_dlt_supported(DLT_LINUX_SLL));
	ck_assert(pkt_dlt_supported(DLT_LINUX_SLL2));
}
END_TEST

START_TEST(test_pkt_dlt_supported_refused)
{
	ck_assert(!pkt_dlt_supported(DLT_EN10MB));
	ck_assert(!pkt_dlt_supported(DLT_PPP));
	ck_assert(!pkt_dlt_supported(DLT_IEEE802_11));
	ck_assert(!pkt_dlt_supported(DLT_IEEE802_11_RADIO));
	ck_assert(!pkt_dlt_supported(-1));
	ck_assert(!pkt_dlt_supported(1 << 20));
}
END_TEST

/* --- pkt_time_ns ---------------------------------------------------------- */

/* The last second whose nanoseconds fit an int64_t (2262-04-11). */
#define LAST_S	9223372035LL

static const struct {
	int64_t		sec, frac;
	bool		nano;
	enum pkt_status	st;
	uint64_t	ns;
} times[] = {
	{ 0, 0, true, PKT_ROW, 0 },
	{ 0, 1, false, PKT_ROW, 1000 },
	{ 1767225600, 123456789, true, PKT_ROW, 1767225600123456789ULL },
	{ 1767225600, 123456, false, PKT_ROW, 1767225600123456000ULL },
	{ 1767225600, 999999999, true, PKT_ROW, 1767225600999999999ULL },
	{ 1767225600, 999999, false, PKT_ROW, 1767225600999999000ULL },
	{ 0x7fffffffLL, 0, false, PKT_ROW, 2147483647000000000ULL },
	{ 0x80000000LL, 0, false, PKT_ROW, 2147483648000000000ULL },
	{ LAST_S, 999999999, true, PKT_ROW, 9223372035999999999ULL },
	/* libpcap's sign-extended 32-bit seconds of 0x80000000, 0xffffffff */
	{ -2147483648LL, 0, false, PKT_SKIP_BAD_TIME, 0 },
	{ -1, 999999, false, PKT_SKIP_BAD_TIME, 0 },
	{ INT64_MIN, 0, true, PKT_SKIP_BAD_TIME, 0 },
	/* past 2262-04-11: pcapng's 64-bit time at 2e10 s */
	{ 20000000000LL, 0, false, PKT_SKIP_BAD_TIME, 0 },
	{ LAST_S + 1, 0, true, PKT_SKIP_BAD_TIME, 0 },
	{ INT64_MAX, 0, true, PKT_SKIP_BAD_TIME, 0 },
	/* a fraction that is not part of a second */
	{ 1767225600, 1000000000, true, PKT_SKIP_BAD_TIME, 0 },
	{ 1767225600, 1000000, false, PKT_SKIP_BAD_TIME, 0 },
	{ 1767225600, -1, true, PKT_SKIP_BAD_TIME, 0 },
	{ 1767225600, INT64_MAX, false, PKT_SKIP_BAD_TIME, 0 },
};

START_TEST(test_pkt_time_ns_range)
{
	uint64_t ns = 7;

	ck_assert_int_eq(pkt_time_ns(times[_i].sec, times[_i].frac,
	    times[_i].nano, &ns), times[_i].st);
	ck_assert_uint_eq(ns, times[_i].ns);
}
END_TEST

START_TEST(test_pkt_status_name_all)
{
	const char *seen[PKT_NSTATUS];
	int i, j;

	ck_assert_str_eq(pkt_status_name(PKT_ROW), "rows");
	ck_assert_str_eq(pkt_status_name(PKT_SKIP_NOT_IP), "not_ip");
	ck_assert_str_eq(pkt_status_name(PKT_SKIP_BAD_TIME), "bad_timestamp");
	ck_assert_str_eq(pkt_status_name(PKT_NSTATUS), "unknown");
	ck_assert_str_eq(pkt_status_name((enum pkt_status)99), "unknown");
	for (i = 0; i < PKT_NSTATUS; i++) {
		const char *s = pkt_status_name((enum pkt_status)i);

		ck_assert_ptr_nonnull(s);
		ck_assert_uint_gt(strlen(s), 0);
		/* a counter name for "key=value" log lines */
		ck_assert_uint_eq(strspn(s, "abcdefghijklmnopqrstuvwxyz_"),
		    strlen(s));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(s, seen[j]);
		seen[i] = s;
	}
}
END_TEST

START_TEST(test_pkt_proto_name_all)
{
	size_t k;
	int v, named = 0;

	for (k = 0; k < NELEM(protos); k++) {
		const char *s = pkt_proto_name(protos[k].proto);

		if (protos[k].name[0] >= '0' && protos[k].name[0] <= '9')
			ck_assert_ptr_null(s);
		else
			ck_assert_str_eq(s, protos[k].name);
	}
	for (v = 0; v < 256; v++)
		if (pkt_proto_name((uint8_t)v))
			named++;
	ck_assert_int_eq(named, 11);
}
END_TEST

Suite *
pkt_suite(void)
{
	Suite *s = suite_create("pkt");
	TCase *tc;
	size_t k;
	const TTest *cut[] = {
		test_pkt_parse_cut_ipv4_tcp,
		test_pkt_parse_cut_ipv4_udp_dns,
		test_pkt_parse_cut_ipv6_chain_udp_dns,
		test_pkt_parse_cut_ipv6_tcp_dns,
		test_pkt_parse_cut_sll2_ipv4,
	};

	tc = tcase_create("pkt_parse");
	tcase_add_test(tc, test_pkt_parse_ipv4_udp);
	tcase_add_test(tc, test_pkt_parse_ipv4_tcp);
	tcase_add_test(tc, test_pkt_parse_ipv6_tcp);
	tcase_add_test(tc, test_pkt_parse_size_is_len);
	tcase_add_test(tc, test_pkt_parse_proto_ipv4);
	tcase_add_test(tc, test_pkt_parse_proto_ipv6);
	tcase_add_test(tc, test_pkt_parse_ports_cut);
	tcase_add_test(tc, test_pkt_parse_ipv4_options);
	tcase_add_test(tc, test_pkt_parse_ipv4_total_length_short);
	tcase_add_test(tc, test_pkt_parse_ipv4_total_length_long);
	tcase_add_test(tc, test_pkt_parse_ipv4_total_length_zero);
	tcase_add_test(tc, test_pkt_parse_ipv4_bad_total_length);
	tcase_add_test(tc, test_pkt_parse_ipv4_bad_header_length);
	tcase_add_test(tc, test_pkt_parse_bad_version);
	tcase_add_test(tc, test_pkt_parse_ipv4_truncated);
	tcase_add_test(tc, test_pkt_parse_ipv4_fragment_first);
	tcase_add_test(tc, test_pkt_parse_ipv4_fragment_later);
	tcase_add_test(tc, test_pkt_parse_ipv6_hop_by_hop);
	tcase_add_test(tc, test_pkt_parse_ipv6_routing);
	tcase_add_test(tc, test_pkt_parse_ipv6_destination_options);
	tcase_add_test(tc, test_pkt_parse_ipv6_chain);
	tcase_add_test(tc, test_pkt_parse_ipv6_long_chain);
	tcase_add_test(tc, test_pkt_parse_ipv6_chain_bound);
	tcase_add_loop_test(tc, test_pkt_parse_ipv6_chain_unbounded, 0,
	    (int)NELEM(chain_lens));
	tcase_add_test(tc, test_pkt_parse_ipv6_chain_unbounded_cut);
	tcase_add_test(tc, test_pkt_parse_ipv6_ext_cut);
	tcase_add_test(tc, test_pkt_parse_ipv6_fragment_first);
	tcase_add_test(tc, test_pkt_parse_ipv6_fragment_later);
	tcase_add_test(tc, test_pkt_parse_ipv6_ah_not_walked);
	tcase_add_test(tc, test_pkt_parse_ipv6_payload_length);
	tcase_add_test(tc, test_pkt_parse_ipv6_truncated);
	tcase_add_test(tc, test_pkt_parse_dns_udp);
	tcase_add_test(tc, test_pkt_parse_dns_udp_literal);
	tcase_add_test(tc, test_pkt_parse_dns_other_ports);
	tcase_add_test(tc, test_pkt_parse_dns_garbage);
	tcase_add_test(tc, test_pkt_parse_dns_snaplen);
	tcase_add_test(tc, test_pkt_parse_dns_udp_length);
	tcase_add_test(tc, test_pkt_parse_dns_tcp);
	tcase_add_test(tc, test_pkt_parse_dns_tcp_pipelined);
	tcase_add_test(tc, test_pkt_parse_dns_tcp_bad);
	tcase_add_test(tc, test_pkt_parse_dns_tcp_split);
	tcase_add_test(tc, test_pkt_parse_ipv6_text);
	tcase_add_test(tc, test_pkt_parse_ipv4_text);
	tcase_add_test(tc, test_pkt_parse_link_raw);
	tcase_add_test(tc, test_pkt_parse_link_null);
	tcase_add_test(tc, test_pkt_parse_link_loop);
	tcase_add_test(tc, test_pkt_parse_link_sll);
	tcase_add_test(tc, test_pkt_parse_link_sll2);
	tcase_add_test(tc, test_pkt_parse_direction);
	tcase_add_test(tc, test_pkt_parse_link_truncated);
	tcase_add_test(tc, test_pkt_parse_link_unsupported);
	tcase_add_test(tc, test_pkt_parse_null_data);
	tcase_add_test(tc, test_pkt_parse_cut_full);
	for (k = 0; k < NELEM(cut); k++)
		tcase_add_loop_test(tc, cut[k], 0, CUT_ITERS(shape_len[k]));
	tcase_add_test(tc, test_pkt_parse_random);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("pkt_dlt_supported");
	tcase_add_test(tc, test_pkt_dlt_supported_allowed);
	tcase_add_test(tc, test_pkt_dlt_supported_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("pkt_time_ns");
	tcase_add_loop_test(tc, test_pkt_time_ns_range, 0, (int)NELEM(times));
	suite_add_tcase(s, tc);
	tc = tcase_create("pkt_status_name");
	tcase_add_test(tc, test_pkt_status_name_all);
	suite_add_tcase(s, tc);

	tc = tcase_create("pkt_proto_name");
	tcase_add_test(tc, test_pkt_proto_name_all);
	suite_add_tcase(s, tc);
	return s;
}
