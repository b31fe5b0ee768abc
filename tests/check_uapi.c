// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/uapi.c: a get=1 reply shaped like
 * wireguard-go's (interface keys, three peers, counters between) gives
 * the exact table in base64; errno=N becomes WGTAP_ESYS with errno N;
 * bad and cut replies are refused with their line; and uapi_read()
 * against a unix-socket server in a child process: a reply in pieces, a
 * missing socket, a server that hangs up early and one that never
 * answers; the digest of a reply sees what the table holds and not the
 * counters or the order of the peers, and a reply whose digest matches
 * the last table's is not parsed again.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "uapi.h"
#include "wgtap.h"

static char hexkey[4][65], b64key[4][PEERTAB_B64_LEN + 1];

static void
make_keys(void)
{
	uint8_t k[PEERTAB_KEY_LEN];
	size_t i, j;

	for (i = 0; i < 4; i++) {
		for (j = 0; j < PEERTAB_KEY_LEN; j++)
			k[j] = (uint8_t)(i * 71 + j * 13 + 5);
		check_ref_hex(k, PEERTAB_KEY_LEN, hexkey[i]);
		check_ref_base64(k, PEERTAB_KEY_LEN, b64key[i]);
	}
}

static void
make_reply(char *buf, size_t cap, const char *err)
{
	int n;

	make_keys();
	n = snprintf(buf, cap,
	    "private_key=%s\nlisten_port=51820\n"
	    "public_key=%s\npreshared_key=%064d\nprotocol_version=1\n"
	    "endpoint=198.51.100.2:51821\nlast_handshake_time_sec=0\n"
	    "last_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n"
	    "persistent_keepalive_interval=0\nallowed_ip=192.0.2.2/32\n"
	    "allowed_ip=2001:db8::2/128\n"
	    "public_key=%s\npreshared_key=%064d\nprotocol_version=1\n"
	    "endpoint=[2001:db8:ff::3]:40000\n"
	    "allowed_ip=192.0.2.3/32\nallowed_ip=203.0.113.0/24\n"
	    "allowed_ip=2001:db8:3::/64\n"
	    "public_key=%s\nprotocol_version=1\ntx_bytes=0\n"
	    "errno=%s\n\n",
	    hexkey[0], hexkey[1], 0, hexkey[2], 0, hexkey[3], err);
	ck_assert(n > 0 && (size_t)n < cap);
}

static char *
format(const struct peertab *t)
{
	struct dynbuf b;
	char *s;

	dynbuf_init(&b, 1 << 20);
	ck_assert_int_eq(peertab_format(t, &b), WGTAP_OK);
	s = strdup(dynbuf_str(&b));
	dynbuf_free(&b);
	return s;
}

static void
want_table(const struct peertab *t)
{
	char want[1024], *got;

	snprintf(want, sizeof(want),
	    "%s\t198.51.100.2:51821\t192.0.2.2/32,2001:db8::2/128\n"
	    "%s\t[2001:db8:ff::3]:40000\t192.0.2.3/32,203.0.113.0/24,"
	    "2001:db8:3::/64\n"
	    "%s\t(none)\t(none)\n", b64key[1], b64key[2], b64key[3]);
	got = format(t);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_uapi_parse_exact)
{
	char reply[4096];
	struct peertab *t;
	size_t line = 7;

	make_reply(reply, sizeof(reply), "0");
	ck_assert_int_eq(uapi_parse(reply, strlen(reply), &t, &line),
	    WGTAP_OK);
	ck_assert_uint_eq(line, 0);
	want_table(t);
	/* the private key is nowhere in the table */
	ck_assert_uint_eq(peertab_npeers(t), 3);
	peertab_free(t);
	/* without the empty line: the same */
	ck_assert_int_eq(uapi_parse(reply, strlen(reply) - 1, &t, &line),
	    WGTAP_OK);
	want_table(t);
	peertab_free(t);
}
END_TEST

START_TEST(test_uapi_parse_errno)
{
	char reply[4096];
	struct peertab *t;
	size_t line;

	make_reply(reply, sizeof(reply), "19");
	errno = 0;
	ck_assert_int_eq(uapi_parse(reply, strlen(reply), &t, &line),
	    WGTAP_ESYS);
	ck_assert_int_eq(errno, 19);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(uapi_parse("errno=0\n\n", 9, &t, &line), WGTAP_OK);
	ck_assert_uint_eq(peertab_npeers(t), 0);
	peertab_free(t);
}
END_TEST

struct bad_case {
	const char	*text;
	size_t		 line;
};

static const struct bad_case bad_cases[] = {
	{ "", 1 },
	{ "\n", 1 },
	{ "listen_port=1\n\n", 2 },
	{ "listen_port=1\n", 1 },
	{ "allowed_ip=192.0.2.1/32\nerrno=0\n\n", 1 },
	{ "endpoint=198.51.100.1:1\nerrno=0\n\n", 1 },
	{ "public_key=abc\nerrno=0\n\n", 1 },
	{ "noequals\nerrno=0\n\n", 1 },
	{ "=x\nerrno=0\n\n", 1 },
	{ "errno=0\nlisten_port=1\n\n", 2 },
	{ "errno=0\n\n\n", 2 },
	{ "errno=0\n\nx", 2 },
	{ "errno=-1\n\n", 1 },
	{ "errno=007\n\n", 1 },
	{ "errno=99999\n\n", 1 },
	{ "errno=\n\n", 1 },
};

START_TEST(test_uapi_parse_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	struct peertab *t = (struct peertab *)1;
	size_t line;

	ck_assert_int_eq(uapi_parse(c->text, strlen(c->text), &t, &line),
	    WGTAP_EFORMAT);
	ck_assert_msg(line == c->line, "'%s': line %zu", c->text, line);
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_uapi_parse_bad_peer_lines)
{
	char reply[4096], *p;
	struct peertab *t;
	size_t line;

	make_reply(reply, sizeof(reply), "0");
	p = strstr(reply, "203.0.113.0/24");
	memcpy(p, "203.0.113.0/44", 14);
	ck_assert_int_eq(uapi_parse(reply, strlen(reply), &t, &line),
	    WGTAP_EFORMAT);
	ck_assert_uint_eq(line, 19);
	make_reply(reply, sizeof(reply), "0");
	p = strstr(reply, hexkey[3]);
	p[10] = 'x';
	ck_assert_int_eq(uapi_parse(reply, strlen(reply), &t, &line),
	    WGTAP_EFORMAT);
	ck_assert_uint_eq(line, 21);
	/* a NUL inside a line */
	make_reply(reply, sizeof(reply), "0");
	p = strstr(reply, "[2001");
	*p = '\0';
	ck_assert_int_eq(uapi_parse(reply, 4096 > strlen(p + 1) ?
	    (size_t)(p - reply) + 1 + strlen(p + 1) : 0, &t, &line),
	    WGTAP_EFORMAT);
	ck_assert_uint_eq(line, 17);
}
END_TEST

/* A reply cut anywhere before its errno line is refused. */
START_TEST(test_uapi_parse_cut)
{
	char reply[4096];
	struct peertab *t;
	size_t n, i, line, end;

	make_reply(reply, sizeof(reply), "0");
	n = strlen(reply);
	end = (size_t)(strstr(reply, "errno=0") - reply) + 7;
	for (i = 0; i <= n; i++) {
		char *copy = malloc(i + 1);
		int r;

		memcpy(copy, reply, i);
		r = uapi_parse(copy, i, &t, &line);
		ck_assert_int_eq(r, i >= end ? WGTAP_OK : WGTAP_EFORMAT);
		ck_assert(r != WGTAP_OK || peertab_npeers(t) == 3);
		peertab_free(t);
		free(copy);
	}
}
END_TEST

START_TEST(test_uapi_reply_complete_forms)
{
	ck_assert(!uapi_reply_complete("", 0));
	ck_assert(uapi_reply_complete("\n", 1));
	ck_assert(!uapi_reply_complete("errno=0\n", 8));
	ck_assert(uapi_reply_complete("errno=0\n\n", 9));
	ck_assert(!uapi_reply_complete("\n\nx", 3));
}
END_TEST

START_TEST(test_uapi_read_server)
{
	char reply[4096];
	struct peertab *t;
	struct tdir d;
	pid_t pid;

	make_reply(reply, sizeof(reply), "0");
	tdir_make(&d);
	pid = uapi_fake_start(d.path, "wgt0", reply, 0);
	ck_assert_int_eq(uapi_read(d.path, "wgt0", 5000, &t), WGTAP_OK);
	want_table(t);
	peertab_free(t);
	ck_assert_int_eq(uapi_fake_reap(pid), 0);
	unlinkat(d.fd, "wgt0.sock", 0);

	errno = 0;
	ck_assert_int_eq(uapi_read(d.path, "wgt1", 5000, &t), WGTAP_ESYS);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(t);

	pid = uapi_fake_start(d.path, "wgt2", reply, 1);
	ck_assert_int_eq(uapi_read(d.path, "wgt2", 5000, &t), WGTAP_ESYS);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(uapi_fake_reap(pid), 0);
	unlinkat(d.fd, "wgt2.sock", 0);

	pid = uapi_fake_start(d.path, "wgt3", reply, 2);
	ck_assert_int_eq(uapi_read(d.path, "wgt3", 200, &t), WGTAP_ESYS);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_ptr_null(t);
	kill(pid, SIGTERM);
	ck_assert_int_eq(uapi_fake_reap(pid), 128 + SIGTERM);
	unlinkat(d.fd, "wgt3.sock", 0);
	tdir_remove(&d);
}
END_TEST

/*
 * A reply of two peers, A then B or B then A, with counters, A's
 * allowed-ip, A's endpoint, B's key and errno as given.
 */
static void
reply2(char *buf, size_t cap, bool b_first, int counter, const char *a_ip,
    const char *a_ep, int b_key, const char *err)
{
	char a[512], b[512];
	int n;

	make_keys();
	n = snprintf(a, sizeof(a), "public_key=%s\nendpoint=%s\n"
	    "last_handshake_time_sec=%d\nlast_handshake_time_nsec=%d\n"
	    "tx_bytes=%d\nrx_bytes=%d\nallowed_ip=%s\n"
	    "allowed_ip=2001:db8::2/128\n", hexkey[1], a_ep, counter,
	    counter * 7, counter * 3, counter * 5, a_ip);
	ck_assert(n > 0 && (size_t)n < sizeof(a));
	n = snprintf(b, sizeof(b), "public_key=%s\ntx_bytes=%d\n"
	    "allowed_ip=192.0.2.3/32\nallowed_ip=2001:db8:3::/64\n",
	    hexkey[b_key], counter * 11);
	ck_assert(n > 0 && (size_t)n < sizeof(b));
	n = snprintf(buf, cap, "private_key=%s\nlisten_port=51820\n%s%s"
	    "errno=%s\n\n", hexkey[0], b_first ? b : a, b_first ? a : b,
	    err);
	ck_assert(n > 0 && (size_t)n < cap);
}

static void
digest_of(const char *r, struct tabdigest *d)
{
	uapi_digest(r, strlen(r), d);
	ck_assert(!d->valid);
}

static bool
digests_equal(const struct tabdigest *x, const struct tabdigest *y)
{
	return tabdigest_same(x, y);
}

/*
 * The digest ignores the order of the peers and their counters, and
 * sees every change of a key, an endpoint, an allowed-ip (also one moved
 * to another peer), the interface and errno; replies with equal digests
 * parse to the same table.
 */
START_TEST(test_uapi_digest_what_counts)
{
	static const struct {
		bool	b_first;
		int	counter;
		const char *a_ip, *a_ep, *err;
		int	b_key;
		bool	same;
	} v[] = {
		{ true, 0, "192.0.2.2/32", "198.51.100.2:51821", "0", 2, true },
		{ false, 12345, "192.0.2.2/32", "198.51.100.2:51821", "0", 2,
		    true },
		{ true, 99, "192.0.2.2/32", "198.51.100.2:51821", "0", 2, true },
		{ false, 0, "192.0.2.4/32", "198.51.100.2:51821", "0", 2,
		    false },
		{ false, 0, "192.0.2.3/32", "198.51.100.2:51821", "0", 2,
		    false },
		{ false, 0, "192.0.2.2/32", "198.51.100.9:51821", "0", 2,
		    false },
		{ false, 0, "192.0.2.2/32", "198.51.100.2:51821", "0", 3,
		    false },
		{ false, 0, "192.0.2.2/32", "198.51.100.2:51821", "5", 2,
		    false },
	};
	char base[2048], r[2048], moved[2048];
	struct tabdigest d0, d;
	struct peertab *t0, *t;
	size_t i, line;

	reply2(base, sizeof(base), false, 0, "192.0.2.2/32",
	    "198.51.100.2:51821", 2, "0");
	digest_of(base, &d0);
	ck_assert_uint_gt(d0.items, 10);
	ck_assert_int_eq(uapi_parse(base, strlen(base), &t0, &line),
	    WGTAP_OK);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		reply2(r, sizeof(r), v[i].b_first, v[i].counter, v[i].a_ip,
		    v[i].a_ep, v[i].b_key, v[i].err);
		digest_of(r, &d);
		ck_assert_msg(digests_equal(&d0, &d) == v[i].same,
		    "variant %zu", i);
		if (v[i].same) {
			ck_assert_int_eq(uapi_parse(r, strlen(r), &t, &line),
			    WGTAP_OK);
			ck_assert(peertab_same(t0, t));
			peertab_free(t);
		}
	}
	/* an allowed-ip moved from one peer to the other */
	snprintf(moved, sizeof(moved), "private_key=%s\nlisten_port=51820\n"
	    "public_key=%s\nendpoint=198.51.100.2:51821\n"
	    "last_handshake_time_sec=0\nlast_handshake_time_nsec=0\n"
	    "tx_bytes=0\nrx_bytes=0\nallowed_ip=192.0.2.2/32\n"
	    "public_key=%s\ntx_bytes=0\nallowed_ip=2001:db8::2/128\n"
	    "allowed_ip=192.0.2.3/32\nallowed_ip=2001:db8:3::/64\n"
	    "errno=0\n\n", hexkey[0], hexkey[1], hexkey[2]);
	digest_of(moved, &d);
	ck_assert(!digests_equal(&d0, &d));
	/* the interface's own lines count too */
	snprintf(r, sizeof(r), "%s", base);
	memcpy(strstr(r, "51820"), "51821", 5);
	digest_of(r, &d);
	ck_assert(!digests_equal(&d0, &d));
	peertab_free(t0);
}
END_TEST

/*
 * uapi_read_if_changed() of interface wgt0 in d against a server that
 * answers reply once; the server is reaped (it must exit 0) and its
 * socket removed. The read's result.
 */
static int
read_served(const struct tdir *d, const char *reply,
    struct tabdigest *last, struct peertab **t)
{
	pid_t pid;
	int r;

	pid = uapi_fake_start(d->path, "wgt0", reply, 0);
	r = uapi_read_if_changed(d->path, "wgt0", 5000, last, t);
	ck_assert_int_eq(uapi_fake_reap(pid), 0);
	ck_assert_int_eq(unlinkat(d->fd, "wgt0.sock", 0), 0);
	return r;
}

/*
 * uapi_read_if_changed(): the first reply is parsed; one that differs
 * only in counters and order is not (WGTAP_OK, no table); a changed one
 * is, and becomes the one compared with; a failed read forgets it.
 */
START_TEST(test_uapi_read_if_changed)
{
	char r1[2048], r2[2048], r3[2048];
	struct tabdigest last = { 0 };
	struct peertab *t;
	struct tdir d;

	reply2(r1, sizeof(r1), false, 0, "192.0.2.2/32",
	    "198.51.100.2:51821", 2, "0");
	reply2(r2, sizeof(r2), true, 777, "192.0.2.2/32",
	    "198.51.100.2:51821", 2, "0");
	reply2(r3, sizeof(r3), true, 777, "192.0.2.9/32",
	    "198.51.100.2:51821", 2, "0");
	tdir_make(&d);
	ck_assert_int_eq(read_served(&d, r1, &last, &t), WGTAP_OK);
	ck_assert_ptr_nonnull(t);
	ck_assert(last.valid);
	peertab_free(t);

	ck_assert_int_eq(read_served(&d, r2, &last, &t), WGTAP_OK);
	ck_assert_ptr_null(t);
	ck_assert(last.valid);

	ck_assert_int_eq(read_served(&d, r3, &last, &t), WGTAP_OK);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(peertab_lookup(t, 4, (const uint8_t *)"\xc0\x00\x02\x09"),
	    b64key[1]);
	peertab_free(t);

	/* no server: the read fails, and the digest is forgotten */
	ck_assert_int_eq(uapi_read_if_changed(d.path, "wgt0", 5000, &last,
	    &t), WGTAP_ESYS);
	ck_assert(!last.valid);
	ck_assert_int_eq(read_served(&d, r3, &last, &t), WGTAP_OK);
	ck_assert_ptr_nonnull(t);
	peertab_free(t);
	tdir_remove(&d);
}
END_TEST

Suite *
uapi_suite(void)
{
	Suite *s = suite_create("uapi");
	TCase *tc;

	tc = tcase_create("uapi_parse");
	tcase_add_test(tc, test_uapi_parse_exact);
	tcase_add_test(tc, test_uapi_parse_errno);
	tcase_add_loop_test(tc, test_uapi_parse_bad, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_uapi_parse_bad_peer_lines);
	tcase_add_test(tc, test_uapi_parse_cut);
	suite_add_tcase(s, tc);
	tc = tcase_create("uapi_digest");
	tcase_add_test(tc, test_uapi_digest_what_counts);
	suite_add_tcase(s, tc);
	tc = tcase_create("uapi_reply_complete");
	tcase_add_test(tc, test_uapi_reply_complete_forms);
	suite_add_tcase(s, tc);
	tc = tcase_create("uapi_read");
	tcase_add_test(tc, test_uapi_read_server);
	tcase_add_test(tc, test_uapi_read_if_changed);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
