// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/wgnl.c against netlink messages built here by
 * hand: the two requests byte by byte; the family reply and its error; a
 * WG_CMD_GET_DEVICE dump of four peers in three NLM_F_MULTI messages,
 * one peer split across two of them, fed one message per recv(), all in
 * one, and in every two-way split of the bytes, each giving the exact
 * table; kernel errors in NLMSG_ERROR and NLMSG_DONE; malformed
 * messages and attributes refused, with every cut of the dump; and the
 * dump's digest, the same with or without the table, blind to the
 * counters and the device's attributes and not to a key, an endpoint or
 * an allowed-ip.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "wgnl.h"
#include "wgtap.h"

#define FAM	0x1d
#define SEQ	2

/* A message builder with nested attributes. */
struct nb {
	uint8_t	buf[8192];
	size_t	len;
	size_t	msg;		/* where the open message starts */
	size_t	nest[8];
	int	depth;
};

static void
nb_put(struct nb *b, const void *p, size_t n)
{
	ck_assert_uint_le(b->len + n, sizeof(b->buf));
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void
nb_pad(struct nb *b)
{
	static const uint8_t zero[4];

	nb_put(b, zero, (4 - b->len % 4) % 4);
}

static void
nb_msg(struct nb *b, uint16_t type, uint16_t flags, uint32_t seq, int genl)
{
	struct nlmsghdr h = { 0, type, flags, seq, 0 };
	struct genlmsghdr g = { WG_CMD_GET_DEVICE, WG_GENL_VERSION, 0 };

	b->msg = b->len;
	nb_put(b, &h, sizeof(h));
	if (genl)
		nb_put(b, &g, sizeof(g));
}

static void
nb_end(struct nb *b)
{
	uint32_t len = (uint32_t)(b->len - b->msg);

	memcpy(b->buf + b->msg, &len, 4);
	nb_pad(b);
}

static void
nb_attr(struct nb *b, uint16_t type, const void *p, size_t n)
{
	struct nlattr a = { (uint16_t)(NLA_HDRLEN + n), type };

	nb_put(b, &a, sizeof(a));
	nb_put(b, p, n);
	nb_pad(b);
}

static void
nb_open(struct nb *b, uint16_t type)
{
	struct nlattr a = { 0, (uint16_t)(type | NLA_F_NESTED) };

	b->nest[b->depth++] = b->len;
	nb_put(b, &a, sizeof(a));
}

static void
nb_close(struct nb *b)
{
	size_t at = b->nest[--b->depth];
	uint16_t len = (uint16_t)(b->len - at);

	memcpy(b->buf + at, &len, 2);
}

static void
nb_u16(struct nb *b, uint16_t type, uint16_t v)
{
	nb_attr(b, type, &v, 2);
}

static void
nb_u8(struct nb *b, uint16_t type, uint8_t v)
{
	nb_attr(b, type, &v, 1);
}

static void
nb_ip(struct nb *b, uint16_t idx, const char *a, uint8_t plen)
{
	uint8_t addr[16];
	int v6 = strchr(a, ':') != NULL;

	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, a, addr), 1);
	nb_open(b, idx);
	nb_u16(b, WGALLOWEDIP_A_FAMILY, v6 ? AF_INET6 : AF_INET);
	nb_attr(b, WGALLOWEDIP_A_IPADDR, addr, v6 ? 16 : 4);
	nb_u8(b, WGALLOWEDIP_A_CIDR_MASK, plen);
	nb_close(b);
}

static uint8_t keys[4][32];
static char b64[4][PEERTAB_B64_LEN + 1];

static void
make_keys(void)
{
	size_t i, j;

	for (i = 0; i < 4; i++) {
		for (j = 0; j < 32; j++)
			keys[i][j] = (uint8_t)(i * 97 + j * 3 + 11);
		check_ref_base64(keys[i], 32, b64[i]);
	}
}

static void
nb_key(struct nb *b, int k)
{
	nb_attr(b, WGPEER_A_PUBLIC_KEY, keys[k], 32);
}

/*
 * The dump: message 1 has the device and peers 0 and 1 (the first part
 * of 1's allowed-ips), message 2 the rest of peer 1 and peer 2 (no
 * allowed-ips), message 3 peer 3; then NLMSG_DONE. ends[] gets where
 * each message ends.
 */
static void
make_dump(struct nb *b, size_t ends[4], int32_t done_err)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(51821) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
	    .sin6_port = htons(40000) };
	uint32_t ifindex = 7;
	uint64_t bytes = 1184;

	make_keys();
	memset(b, 0, sizeof(*b));
	inet_pton(AF_INET, "198.51.100.2", &sin.sin_addr);
	inet_pton(AF_INET6, "2001:db8:ff::3", &sin6.sin6_addr);
	nb_msg(b, FAM, NLM_F_MULTI, SEQ, 1);
	nb_attr(b, WGDEVICE_A_IFINDEX, &ifindex, 4);
	nb_attr(b, WGDEVICE_A_IFNAME, "wg0", 4);
	nb_attr(b, WGDEVICE_A_PUBLIC_KEY, keys[3], 32);
	nb_u16(b, WGDEVICE_A_LISTEN_PORT, 51820);
	nb_open(b, WGDEVICE_A_PEERS);
	nb_open(b, 0);
	nb_key(b, 0);
	nb_attr(b, WGPEER_A_ENDPOINT, &sin, sizeof(sin));
	nb_attr(b, WGPEER_A_RX_BYTES, &bytes, 8);
	nb_open(b, WGPEER_A_ALLOWEDIPS);
	nb_ip(b, 0, "192.0.2.2", 32);
	nb_ip(b, 0, "2001:db8::2", 128);
	nb_close(b);
	nb_u8(b, 99, 1);	/* an attribute from the future */
	nb_close(b);
	nb_open(b, 0);
	nb_key(b, 1);
	nb_attr(b, WGPEER_A_ENDPOINT, &sin6, sizeof(sin6));
	nb_open(b, WGPEER_A_ALLOWEDIPS);
	nb_ip(b, 0, "192.0.2.3", 32);
	nb_ip(b, 0, "203.0.113.77", 24);
	nb_close(b);
	nb_close(b);
	nb_close(b);
	nb_end(b);
	ends[0] = b->len;
	nb_msg(b, FAM, NLM_F_MULTI, SEQ, 1);
	nb_attr(b, WGDEVICE_A_IFNAME, "wg0", 4);
	nb_open(b, WGDEVICE_A_PEERS);
	nb_open(b, 0);
	nb_key(b, 1);
	nb_open(b, WGPEER_A_ALLOWEDIPS);
	nb_ip(b, 0, "2001:db8:3::", 64);
	nb_close(b);
	nb_close(b);
	nb_open(b, 1);
	nb_key(b, 2);
	nb_close(b);
	nb_close(b);
	nb_end(b);
	ends[1] = b->len;
	nb_msg(b, FAM, NLM_F_MULTI, SEQ, 1);
	nb_attr(b, WGDEVICE_A_IFNAME, "wg0", 4);
	nb_open(b, WGDEVICE_A_PEERS);
	nb_open(b, 0);
	nb_key(b, 3);
	nb_open(b, WGPEER_A_ALLOWEDIPS);
	nb_ip(b, 0, "0.0.0.0", 0);
	nb_ip(b, 1, "::", 0);
	nb_close(b);
	nb_close(b);
	nb_close(b);
	nb_end(b);
	ends[2] = b->len;
	nb_msg(b, NLMSG_DONE, NLM_F_MULTI, SEQ, 0);
	nb_put(b, &done_err, 4);
	nb_end(b);
	ends[3] = b->len;
}

static void
want_table(const struct peertab *t)
{
	char want[1024];
	struct dynbuf out;

	dynbuf_init(&out, 1 << 16);
	ck_assert_int_eq(peertab_format(t, &out), WGTAP_OK);
	snprintf(want, sizeof(want),
	    "%s\t198.51.100.2:51821\t192.0.2.2/32,2001:db8::2/128\n"
	    "%s\t[2001:db8:ff::3]:40000\t192.0.2.3/32,203.0.113.0/24,"
	    "2001:db8:3::/64\n"
	    "%s\t(none)\t(none)\n"
	    "%s\t(none)\t0.0.0.0/0,::/0\n", b64[0], b64[1], b64[2], b64[3]);
	ck_assert_str_eq(dynbuf_str(&out), want);
	dynbuf_free(&out);
}

/* Feed b in the pieces that end at cuts[0..n); the result. */
static int
feed_as(const struct nb *b, const size_t *cuts, size_t n, struct wgnl_dump *d,
    bool table)
{
	size_t i, at = 0;
	int r = WGTAP_OK;

	ck_assert_int_eq(wgnl_dump_init(d, FAM, SEQ, table), WGTAP_OK);
	for (i = 0; i < n && r == WGTAP_OK; i++) {
		r = wgnl_dump_feed(d, b->buf + at, cuts[i] - at);
		at = cuts[i];
	}
	return r;
}

static int
feed(const struct nb *b, const size_t *cuts, size_t n, struct wgnl_dump *d)
{
	return feed_as(b, cuts, n, d, true);
}

START_TEST(test_wgnl_dump_feed_messages)
{
	static struct nb b;
	struct wgnl_dump d;
	size_t ends[4], all;

	make_dump(&b, ends, 0);
	ck_assert_int_eq(feed(&b, ends, 4, &d), WGTAP_OK);
	ck_assert(d.done);
	want_table(d.t);
	ck_assert_uint_eq(peertab_npeers(d.t), 4);
	wgnl_dump_free(&d);
	all = b.len;
	ck_assert_int_eq(feed(&b, &all, 1, &d), WGTAP_OK);
	ck_assert(d.done);
	want_table(d.t);
	wgnl_dump_free(&d);
	/* not done before NLMSG_DONE */
	ck_assert_int_eq(feed(&b, ends, 3, &d), WGTAP_OK);
	ck_assert(!d.done);
	wgnl_dump_free(&d);
}
END_TEST

/* Split at every message boundary pair: the same table each time. */
START_TEST(test_wgnl_dump_feed_pairs)
{
	static struct nb b;
	struct wgnl_dump d;
	size_t ends[4], cuts[2];

	make_dump(&b, ends, 0);
	for (size_t i = 0; i < 3; i++) {
		cuts[0] = ends[i];
		cuts[1] = b.len;
		ck_assert_int_eq(feed(&b, cuts, 2, &d), WGTAP_OK);
		ck_assert(d.done);
		want_table(d.t);
		wgnl_dump_free(&d);
	}
}
END_TEST

START_TEST(test_wgnl_dump_feed_kernel_errors)
{
	static struct nb b;
	struct wgnl_dump d;
	size_t ends[4];
	int32_t e = -EPERM;

	make_dump(&b, ends, -ENODEV);
	errno = 0;
	ck_assert_int_eq(feed(&b, ends, 4, &d), WGTAP_ESYS);
	ck_assert_int_eq(errno, ENODEV);
	wgnl_dump_free(&d);
	memset(&b, 0, sizeof(b));
	nb_msg(&b, NLMSG_ERROR, 0, SEQ, 0);
	nb_put(&b, &e, 4);
	nb_put(&b, b.buf, 16);	/* the request's header, as the kernel does */
	nb_end(&b);
	ends[0] = b.len;
	errno = 0;
	ck_assert_int_eq(feed(&b, ends, 1, &d), WGTAP_ESYS);
	ck_assert_int_eq(errno, EPERM);
	wgnl_dump_free(&d);
}
END_TEST

/* Bytes of the good dump changed at an offset found by a search. */
struct bad_case {
	const char	*what;
	int		 kind;
};

static size_t
find(const struct nb *b, const void *p, size_t n)
{
	size_t i;

	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->buf + i, p, n) == 0)
			return i;
	ck_abort_msg("pattern not found");
	return 0;
}

START_TEST(test_wgnl_dump_feed_malformed)
{
	static struct nb b;
	struct wgnl_dump d;
	size_t ends[4], at;
	uint8_t v4[4] = { 192, 0, 2, 3 };
	uint32_t bad;
	int kind;

	for (kind = 0; kind < 7; kind++) {
		make_dump(&b, ends, 0);
		switch (kind) {
		case 0:	/* message length past the end */
			bad = (uint32_t)b.len + 4;
			memcpy(b.buf, &bad, 4);
			break;
		case 1:	/* message length below the header */
			bad = 8;
			memcpy(b.buf + ends[0], &bad, 4);
			break;
		case 2:	/* another sequence number */
			bad = SEQ + 1;
			memcpy(b.buf + ends[1] + 8, &bad, 4);
			break;
		case 3:	/* an IPv4 allowed-ip with the family of IPv6 */
			at = find(&b, v4, 4);
			/* family attribute: 8 bytes before the address attr */
			b.buf[at - 4 - 8 + 4] = AF_INET6;
			break;
		case 4:	/* an attribute longer than its nest */
			at = find(&b, v4, 4);
			b.buf[at - 4] = 200;
			break;
		case 5:	/* the public key one byte short */
			at = find(&b, keys[2], 32);
			b.buf[at - 4] = 35;
			break;
		case 6:	/* a message of a type that is neither */
			b.buf[ends[1] + 4] = FAM + 1;
			break;
		}
		ck_assert_msg(feed(&b, ends + 3, 1, &d) == WGTAP_EFORMAT,
		    "kind %d", kind);
		wgnl_dump_free(&d);
	}
	/* anything after NLMSG_DONE */
	make_dump(&b, ends, 0);
	memcpy(b.buf + b.len, b.buf, ends[0]);
	b.len += ends[0];
	at = b.len;
	ck_assert_int_eq(feed(&b, &at, 1, &d), WGTAP_EFORMAT);
	wgnl_dump_free(&d);
}
END_TEST

/* Every cut of the dump: no crash, and never a finished dump. */
START_TEST(test_wgnl_dump_feed_cut)
{
	static struct nb b;
	struct wgnl_dump d;
	size_t ends[4], i;
	int r;

	make_dump(&b, ends, 0);
	for (i = 0; i < b.len; i++) {
		uint8_t *copy = malloc(i + 1);

		memcpy(copy, b.buf, i);
		ck_assert_int_eq(wgnl_dump_init(&d, FAM, SEQ, true), WGTAP_OK);
		r = wgnl_dump_feed(&d, copy, i);
		ck_assert(r == WGTAP_OK || r == WGTAP_EFORMAT);
		ck_assert(!d.done);
		wgnl_dump_free(&d);
		free(copy);
	}
}
END_TEST

START_TEST(test_wgnl_req_bytes)
{
	uint8_t buf[WGNL_REQ_MAX];
	struct nlmsghdr h;
	struct nlattr a;
	size_t n;

	n = wgnl_req_family(buf, 9);
	ck_assert_uint_eq(n, 16 + 4 + 4 + 12);
	memcpy(&h, buf, sizeof(h));
	ck_assert_uint_eq(h.nlmsg_len, n);
	ck_assert_uint_eq(h.nlmsg_type, GENL_ID_CTRL);
	ck_assert_uint_eq(h.nlmsg_flags, NLM_F_REQUEST);
	ck_assert_uint_eq(h.nlmsg_seq, 9);
	ck_assert_uint_eq(buf[16], CTRL_CMD_GETFAMILY);
	memcpy(&a, buf + 20, sizeof(a));
	ck_assert_uint_eq(a.nla_len, 4 + 10);
	ck_assert_uint_eq(a.nla_type, CTRL_ATTR_FAMILY_NAME);
	ck_assert_mem_eq(buf + 24, "wireguard\0\0\0", 12);

	n = wgnl_req_device(buf, FAM, 3, "wg-hub0");
	ck_assert_uint_eq(n, 16 + 4 + 4 + 8);
	memcpy(&h, buf, sizeof(h));
	ck_assert_uint_eq(h.nlmsg_len, n);
	ck_assert_uint_eq(h.nlmsg_type, FAM);
	ck_assert_uint_eq(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK |
	    NLM_F_DUMP);
	ck_assert_uint_eq(buf[16], WG_CMD_GET_DEVICE);
	ck_assert_uint_eq(buf[17], WG_GENL_VERSION);
	memcpy(&a, buf + 20, sizeof(a));
	ck_assert_uint_eq(a.nla_len, 4 + 8);
	ck_assert_uint_eq(a.nla_type, WGDEVICE_A_IFNAME);
	ck_assert_mem_eq(buf + 24, "wg-hub0\0", 8);
	ck_assert_uint_eq(wgnl_req_device(buf, FAM, 3, ""), 0);
	ck_assert_uint_eq(wgnl_req_device(buf, FAM, 3, "0123456789abcdef"),
	    0);
	ck_assert_uint_eq(wgnl_req_device(buf, FAM, 3, "0123456789abcde"),
	    16 + 4 + 4 + 16);
}
END_TEST

START_TEST(test_wgnl_parse_family_forms)
{
	static struct nb b;
	uint16_t id = 0, fam = 0x1d;
	int32_t e = -ENOENT;

	memset(&b, 0, sizeof(b));
	nb_msg(&b, GENL_ID_CTRL, 0, 1, 1);
	nb_attr(&b, CTRL_ATTR_FAMILY_NAME, "wireguard", 10);
	nb_u16(&b, CTRL_ATTR_FAMILY_ID, fam);
	nb_end(&b);
	ck_assert_int_eq(wgnl_parse_family(b.buf, b.len, 1, &id), WGTAP_OK);
	ck_assert_uint_eq(id, fam);
	ck_assert_int_eq(wgnl_parse_family(b.buf, b.len, 2, &id),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(wgnl_parse_family(b.buf, b.len - 8, 1, &id),
	    WGTAP_EFORMAT);
	memset(&b, 0, sizeof(b));
	nb_msg(&b, NLMSG_ERROR, 0, 1, 0);
	nb_put(&b, &e, 4);
	nb_end(&b);
	errno = 0;
	ck_assert_int_eq(wgnl_parse_family(b.buf, b.len, 1, &id), WGTAP_ESYS);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* The digest of b, fed as one piece, with the table or without. */
static struct tabdigest
digest_of(const struct nb *b, bool table)
{
	struct wgnl_dump d;
	struct tabdigest dg;
	size_t all = b->len;

	ck_assert_int_eq(feed_as(b, &all, 1, &d, table), WGTAP_OK);
	ck_assert(d.done);
	ck_assert(table ? d.t != NULL : d.t == NULL);
	dg = d.dg;
	wgnl_dump_free(&d);
	return dg;
}

/*
 * Both modes, in any pieces, give one digest: of 14 items (five keys,
 * peer 1's twice as it spans two messages; two endpoints; seven
 * allowed-ips), none valid.
 */
START_TEST(test_wgnl_digest_modes)
{
	static struct nb b;
	struct wgnl_dump d;
	struct tabdigest full, only;
	size_t ends[4];

	make_dump(&b, ends, 0);
	full = digest_of(&b, true);
	only = digest_of(&b, false);
	ck_assert(tabdigest_same(&full, &only));
	ck_assert_int_eq(full.source, TABDIGEST_NETLINK);
	ck_assert_uint_eq(full.items, 14);
	ck_assert(!full.valid && !only.valid);
	ck_assert_int_eq(feed_as(&b, ends, 4, &d, false), WGTAP_OK);
	ck_assert(d.done && !d.t);
	ck_assert(tabdigest_same(&full, &d.dg));
	wgnl_dump_free(&d);
}
END_TEST

/* Bytes of the dump changed: whether the digest must see it. */
START_TEST(test_wgnl_digest_what_counts)
{
	static struct nb b;
	struct tabdigest d0, d;
	const uint8_t rx[8] = { 0xa0, 0x04 };	/* 1184, little-endian */
	const uint8_t port[2] = { 0x9c, 0x40 };	/* 40000, peer 1's port */
	const uint8_t ip[4] = { 203, 0, 113, 77 };
	const uint8_t future[8] = { 5, 0, 99, 0, 1 };
	const uint16_t listen = 51820;
	const struct {
		const char	*what;
		const void	*p;
		size_t		 n, at;		/* at: which byte of p */
		bool		 same;
	} v[] = {
		{ "a peer's rx_bytes", rx, 8, 0, true },
		{ "the device's listen port", &listen, 2, 0, true },
		{ "an attribute from the future", future, 8, 4, true },
		{ "an endpoint's port", port, 2, 1, false },
		{ "an allowed-ip's address", ip, 4, 3, false },
		{ "peer 2's key", keys[2], 32, 31, false },
	};
	size_t ends[4], i, o;

	make_dump(&b, ends, 0);
	d0 = digest_of(&b, false);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		o = find(&b, v[i].p, v[i].n) + v[i].at;
		b.buf[o] ^= 0x40;
		d = digest_of(&b, false);
		ck_assert_msg(tabdigest_same(&d0, &d) == v[i].same, "%s",
		    v[i].what);
		b.buf[o] ^= 0x40;
	}
	d = digest_of(&b, false);
	ck_assert(tabdigest_same(&d0, &d));
}
END_TEST

Suite *
wgnl_suite(void)
{
	Suite *s = suite_create("wgnl");
	TCase *tc;

	tc = tcase_create("wgnl_dump_feed");
	tcase_add_test(tc, test_wgnl_dump_feed_messages);
	tcase_add_test(tc, test_wgnl_dump_feed_pairs);
	tcase_add_test(tc, test_wgnl_dump_feed_kernel_errors);
	tcase_add_test(tc, test_wgnl_dump_feed_malformed);
	tcase_add_test(tc, test_wgnl_dump_feed_cut);
	suite_add_tcase(s, tc);
	tc = tcase_create("wgnl_digest");
	tcase_add_test(tc, test_wgnl_digest_modes);
	tcase_add_test(tc, test_wgnl_digest_what_counts);
	suite_add_tcase(s, tc);
	tc = tcase_create("wgnl_req");
	tcase_add_test(tc, test_wgnl_req_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("wgnl_parse_family");
	tcase_add_test(tc, test_wgnl_parse_family_forms);
	suite_add_tcase(s, tc);
	return s;
}
