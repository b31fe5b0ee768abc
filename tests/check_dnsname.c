// SPDX-License-Identifier: MIT
/*
 * Tests for common/dnsname.c: the first question of DNS messages built
 * here byte by byte, compared with the exact text expected (RFC 1035
 * section 5.1 escapes, RFC 3597 unknown types); compression pointers,
 * their loops and bounds; names at and past 255 bytes; and every message
 * cut at every length, each in a heap block of exactly that size so that
 * ASan sees any read past it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "dnsname.h"

/* A message under construction. */
struct msg {
	uint8_t	b[2048];
	size_t	n;
};

/* Header: id 0x1234, flags, qdcount 1, other counts 0. */
static void
msg_header(struct msg *m, uint8_t flags_hi, uint8_t flags_lo, uint16_t qd)
{
	static const uint8_t id[2] = { 0x12, 0x34 };

	memset(m, 0, sizeof(*m));
	memcpy(m->b, id, 2);
	m->b[2] = flags_hi;
	m->b[3] = flags_lo;
	m->b[4] = (uint8_t)(qd >> 8);
	m->b[5] = (uint8_t)qd;
	m->n = 12;
}

static void
msg_bytes(struct msg *m, const void *p, size_t n)
{
	ck_assert_uint_le(m->n + n, sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
msg_label(struct msg *m, const void *p, size_t n)
{
	uint8_t l = (uint8_t)n;

	msg_bytes(m, &l, 1);
	msg_bytes(m, p, n);
}

/* Dotted text as labels (no escapes), then the root. */
static void
msg_name(struct msg *m, const char *dotted)
{
	const char *p = dotted, *dot;

	while (*p) {
		dot = strchr(p, '.');
		if (!dot)
			dot = p + strlen(p);
		msg_label(m, p, (size_t)(dot - p));
		p = *dot ? dot + 1 : dot;
	}
	msg_bytes(m, "", 1);
}

static void
msg_u16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	msg_bytes(m, b, 2);
}

/* The three fields of m's question as "name|type|rcode". */
static char *
fields(const uint8_t *b, size_t n)
{
	struct dnsname_q *q = malloc(sizeof(*q));
	uint8_t *copy = malloc(n ? n : 1);
	char *s;

	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, b, n);
	dnsname_question(copy, n, q);
	s = malloc(q->name_len + q->type_len + q->rcode_len + 3);
	ck_assert_ptr_nonnull(s);
	sprintf(s, "%.*s|%.*s|%.*s", (int)q->name_len, q->name,
	    (int)q->type_len, q->type, (int)q->rcode_len, q->rcode);
	free(copy);
	free(q);
	return s;
}

static void
assert_fields(const struct msg *m, const char *want)
{
	char *got = fields(m->b, m->n);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_dnsname_query_a)
{
	struct msg m;

	msg_header(&m, 0x01, 0x00, 1);
	msg_name(&m, "www.example.com");
	msg_u16(&m, 1);
	msg_u16(&m, 1);
	assert_fields(&m, "www.example.com|A|");
}
END_TEST

START_TEST(test_dnsname_response_rcodes)
{
	static const char *const want[16] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE", "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14",
		"RCODE15",
	};
	char buf[64];
	struct msg m;
	unsigned rc;

	for (rc = 0; rc < 16; rc++) {
		/* QR, opcode 0, RD; RA and the rcode */
		msg_header(&m, 0x81, (uint8_t)(0x80 | rc), 1);
		msg_name(&m, "Example.ORG");
		msg_u16(&m, 28);
		msg_u16(&m, 1);
		snprintf(buf, sizeof(buf), "Example.ORG|AAAA|%s", want[rc]);
		assert_fields(&m, buf);
	}
}
END_TEST

START_TEST(test_dnsname_types)
{
	static const struct { uint16_t t; const char *s; } v[] = {
		{ 0, "TYPE0" }, { 1, "A" }, { 2, "NS" }, { 5, "CNAME" },
		{ 6, "SOA" }, { 12, "PTR" }, { 15, "MX" }, { 16, "TXT" },
		{ 23, "NSAP-PTR" }, { 28, "AAAA" }, { 33, "SRV" },
		{ 41, "OPT" }, { 43, "DS" }, { 51, "NSEC3PARAM" },
		{ 54, "TYPE54" }, { 64, "SVCB" }, { 65, "HTTPS" },
		{ 66, "TYPE66" }, { 99, "SPF" }, { 252, "AXFR" },
		{ 255, "ANY" }, { 257, "CAA" }, { 261, "RESINFO" },
		{ 262, "TYPE262" }, { 32768, "TA" }, { 32769, "DLV" },
		{ 65280, "TYPE65280" }, { 65535, "TYPE65535" },
	};
	char buf[64];
	struct msg m;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		msg_header(&m, 0x00, 0x00, 1);
		msg_name(&m, "t.example");
		msg_u16(&m, v[i].t);
		msg_u16(&m, 1);
		snprintf(buf, sizeof(buf), "t.example|%s|", v[i].s);
		assert_fields(&m, buf);
	}
}
END_TEST

/* Every type the binary search must find, and its neighbours. */
START_TEST(test_dnsname_type_table)
{
	unsigned t, known = 0;

	for (t = 0; t <= 65535; t++) {
		const char *s = dnsname_type_mnemonic((uint16_t)t);

		if (s) {
			known++;
			ck_assert_uint_le(strlen(s), DNSNAME_TYPE_MAX);
			ck_assert(strchr(s, ',') == NULL);
		}
	}
	ck_assert_uint_eq(known, 90);
	ck_assert_str_eq(dnsname_type_mnemonic(1), "A");
	ck_assert_str_eq(dnsname_type_mnemonic(32769), "DLV");
	ck_assert_ptr_null(dnsname_rcode_mnemonic(16));
}
END_TEST

START_TEST(test_dnsname_root)
{
	struct msg m;

	msg_header(&m, 0x80, 0x00, 1);
	msg_bytes(&m, "", 1);
	msg_u16(&m, 2);
	msg_u16(&m, 1);
	assert_fields(&m, ".|NS|NOERROR");
}
END_TEST

/* The escapes: a dot, comma, quote, backslash, space, controls, high. */
START_TEST(test_dnsname_escapes)
{
	static const uint8_t weird[] = { 'a', '.', 'b', ',', 'c', '"', 'd',
	    '\\', ' ', 0x00, 0x1f, 0x7f, 0x80, 0xff, '~', '!', ';', '(' };
	struct msg m;

	msg_header(&m, 0x01, 0x00, 1);
	msg_label(&m, weird, sizeof(weird));
	msg_label(&m, "dot.in", 6);
	msg_label(&m, "com", 3);
	msg_bytes(&m, "", 1);
	msg_u16(&m, 16);
	msg_u16(&m, 1);
	assert_fields(&m, "a\\.b\\044c\\034d\\092\\032\\000\\031\\127\\128"
	    "\\255~!;(.dot\\.in.com|TXT|");
}
END_TEST

/* Labels followed by a pointer to a name after the question. */
START_TEST(test_dnsname_pointer)
{
	struct msg m;
	size_t at;

	msg_header(&m, 0x81, 0x83, 1);
	msg_label(&m, "www", 3);
	at = m.n;
	msg_u16(&m, 0);		/* the pointer, filled in below */
	msg_u16(&m, 65);
	msg_u16(&m, 1);
	m.b[at] = (uint8_t)(0xc0 | (m.n >> 8));
	m.b[at + 1] = (uint8_t)m.n;
	msg_name(&m, "example.net");
	assert_fields(&m, "www.example.net|HTTPS|NXDOMAIN");
}
END_TEST

/* A chain of pointers: allowed up to the bound, refused past it. */
START_TEST(test_dnsname_pointer_chain)
{
	struct msg m;
	size_t hops, i;

	for (hops = 1; hops <= DNSNAME_MAX_HOPS + 1; hops++) {
		msg_header(&m, 0x00, 0x00, 1);
		/* the question: a pointer to offset 18, type A, class IN */
		msg_bytes(&m, "\xc0\x12\x00\x01\x00\x01", 6);
		/* hops - 1 more pointers, each to the one after it */
		for (i = 1; i < hops; i++)
			msg_u16(&m, (uint16_t)(0xc000 | (m.n + 2)));
		msg_name(&m, "end.example");
		assert_fields(&m, hops <= DNSNAME_MAX_HOPS ?
		    "end.example|A|" : "||");
	}
}
END_TEST

START_TEST(test_dnsname_pointer_loops)
{
	struct msg m;

	/* a pointer to itself */
	msg_header(&m, 0x00, 0x00, 1);
	msg_bytes(&m, "\xc0\x0c", 2);
	msg_u16(&m, 1);
	msg_u16(&m, 1);
	assert_fields(&m, "||");
	/* two pointers to each other */
	msg_header(&m, 0x00, 0x00, 1);
	msg_bytes(&m, "\xc0\x12\x00\x01\x00\x01\xc0\x0c", 8);
	assert_fields(&m, "||");
	/* a label, then a pointer back to it: grows past 255 bytes */
	msg_header(&m, 0x80, 0x00, 1);
	msg_label(&m, "loop", 4);
	msg_bytes(&m, "\xc0\x0c", 2);
	msg_u16(&m, 1);
	msg_u16(&m, 1);
	assert_fields(&m, "||NOERROR");
	/* a pointer past the end, and one cut in half */
	msg_header(&m, 0x00, 0x00, 1);
	msg_bytes(&m, "\xc0\xff\x00\x01\x00\x01", 6);
	assert_fields(&m, "||");
	msg_header(&m, 0x00, 0x00, 1);
	msg_bytes(&m, "\xc0", 1);
	assert_fields(&m, "||");
	/* the largest offset a pointer holds */
	msg_header(&m, 0x00, 0x00, 1);
	msg_bytes(&m, "\xff\xff\x00\x01\x00\x01", 6);
	assert_fields(&m, "||");
}
END_TEST

/* Label types 01 and 10 (RFC 6891 extended, reserved) are refused. */
START_TEST(test_dnsname_label_types)
{
	struct msg m;

	msg_header(&m, 0x00, 0x00, 1);
	msg_bytes(&m, "\x41\x00\x00\x00\x01\x00\x01", 7);
	assert_fields(&m, "||");
	msg_header(&m, 0x00, 0x00, 1);
	msg_bytes(&m, "\x81\x00\x00\x00\x01\x00\x01", 7);
	assert_fields(&m, "||");
	/* no question at all: no name and no type */
	msg_header(&m, 0x81, 0x82, 0);
	assert_fields(&m, "||SERVFAIL");
}
END_TEST

/* 255 bytes on the wire is the most; one more is refused. */
START_TEST(test_dnsname_max_length)
{
	uint8_t label[63];
	struct msg m;
	char *got, *want, *o;
	size_t last, i;

	for (last = 61; last <= 62; last++) {
		memset(label, 0, sizeof(label));
		msg_header(&m, 0x00, 0x00, 1);
		msg_label(&m, label, 63);
		msg_label(&m, label, 63);
		msg_label(&m, label, 63);
		msg_label(&m, label, last);
		msg_bytes(&m, "", 1);
		msg_u16(&m, 1);
		msg_u16(&m, 1);
		got = fields(m.b, m.n);
		if (last == 62) {
			ck_assert_str_eq(got, "||");
			free(got);
			continue;
		}
		want = malloc(DNSNAME_TEXT_MAX + 8);
		ck_assert_ptr_nonnull(want);
		o = want;
		for (i = 0; i < 3 * 63 + last; i++) {
			if (i == 63 || i == 126 || i == 189)
				*o++ = '.';
			memcpy(o, "\\000", 4);
			o += 4;
		}
		strcpy(o, "|A|");
		ck_assert_uint_le((size_t)(o - want), DNSNAME_TEXT_MAX);
		ck_assert_str_eq(got, want);
		free(want);
		free(got);
	}
}
END_TEST

/* dnsname_name() into a block of exactly DNSNAME_TEXT_MAX bytes. */
START_TEST(test_dnsname_name_buffer)
{
	uint8_t label[63];
	struct msg m;
	char *out = malloc(DNSNAME_TEXT_MAX);
	size_t end, n;

	ck_assert_ptr_nonnull(out);
	memset(label, 0xff, sizeof(label));
	msg_header(&m, 0x00, 0x00, 1);
	msg_label(&m, label, 63);
	msg_label(&m, label, 63);
	msg_label(&m, label, 63);
	msg_label(&m, label, 61);
	msg_bytes(&m, "", 1);
	n = dnsname_name(m.b, m.n, 12, out, &end);
	ck_assert_uint_eq(n, 250 * 4 + 3);
	ck_assert_uint_eq(end, m.n);
	free(out);
}
END_TEST

/*
 * Each message cut at every length: below 12 bytes nothing; the name is
 * whole or empty, the type there only with both of its bytes.
 */
START_TEST(test_dnsname_cut_everywhere)
{
	struct msg m;
	size_t cut, name_end;
	char *got;

	msg_header(&m, 0x81, 0x80, 1);
	msg_label(&m, "a,b", 3);
	msg_label(&m, "example", 7);
	msg_bytes(&m, "\x03org\x00", 5);
	name_end = m.n;
	msg_u16(&m, 65);
	msg_u16(&m, 1);
	for (cut = 0; cut <= m.n; cut++) {
		got = fields(m.b, cut);
		if (cut < 12)
			ck_assert_str_eq(got, "||");
		else if (cut < name_end)
			ck_assert_str_eq(got, "||NOERROR");
		else if (cut < name_end + 2)
			ck_assert_str_eq(got, "a\\044b.example.org||NOERROR");
		else
			ck_assert_str_eq(got,
			    "a\\044b.example.org|HTTPS|NOERROR");
		free(got);
	}
}
END_TEST

/* Cut inside a compressed name: whole only once the target is there. */
START_TEST(test_dnsname_cut_pointer)
{
	struct msg m;
	size_t cut;
	char *got;

	msg_header(&m, 0x01, 0x00, 1);
	msg_label(&m, "mail", 4);
	msg_bytes(&m, "\xc0\x17", 2);	/* to offset 23, after the question */
	msg_u16(&m, 15);
	msg_u16(&m, 1);
	ck_assert_uint_eq(m.n, 23);
	msg_name(&m, "q.test");
	for (cut = 0; cut <= m.n; cut++) {
		got = fields(m.b, cut);
		ck_assert_str_eq(got, cut < m.n ? "||" : "mail.q.test|MX|");
		free(got);
	}
}
END_TEST

Suite *
dnsname_suite(void)
{
	Suite *s = suite_create("dnsname");
	TCase *tc;

	tc = tcase_create("dnsname_question");
	tcase_add_test(tc, test_dnsname_query_a);
	tcase_add_test(tc, test_dnsname_response_rcodes);
	tcase_add_test(tc, test_dnsname_types);
	tcase_add_test(tc, test_dnsname_type_table);
	tcase_add_test(tc, test_dnsname_root);
	tcase_add_test(tc, test_dnsname_escapes);
	tcase_add_test(tc, test_dnsname_label_types);
	suite_add_tcase(s, tc);

	tc = tcase_create("dnsname_pointers");
	tcase_add_test(tc, test_dnsname_pointer);
	tcase_add_test(tc, test_dnsname_pointer_chain);
	tcase_add_test(tc, test_dnsname_pointer_loops);
	suite_add_tcase(s, tc);

	tc = tcase_create("dnsname_bounds");
	tcase_add_test(tc, test_dnsname_max_length);
	tcase_add_test(tc, test_dnsname_name_buffer);
	tcase_add_test(tc, test_dnsname_cut_everywhere);
	tcase_add_test(tc, test_dnsname_cut_pointer);
	suite_add_tcase(s, tc);
	return s;
}
