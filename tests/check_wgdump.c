// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/wgdump.c: a dump of four peers (several
 * allowed-ips of both families, none, IPv6 endpoint) gives the exact
 * table; each kind of bad line is refused with its line number; a dump
 * cut at every length parses or fails cleanly; the file and a pipe load
 * alike.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "wgdump.h"
#include "wgtap.h"

static char keys[5][PEERTAB_B64_LEN + 1];

static void
make_keys(void)
{
	uint8_t k[PEERTAB_KEY_LEN];
	size_t i, j;

	for (i = 0; i < 5; i++) {
		for (j = 0; j < PEERTAB_KEY_LEN; j++)
			k[j] = (uint8_t)(i * 53 + j * 11 + 1);
		check_ref_base64(k, PEERTAB_KEY_LEN, keys[i]);
	}
}

/* A dump as `wg show IFACE dump` prints it; keys[0] is the interface. */
static void
make_dump(char *buf, size_t cap)
{
	int n;

	make_keys();
	n = snprintf(buf, cap,
	    "%s\t%s\t51820\toff\n"
	    "%s\t(none)\t198.51.100.2:51821\t192.0.2.2/32,2001:db8::2/128\t"
	    "1764700000\t1184\t1400\toff\n"
	    "%s\t%s\t[2001:db8:ff::3]:40000\t192.0.2.3/32,203.0.113.0/24,"
	    "2001:db8:3::/64\t0\t0\t0\t25\n"
	    "%s\t(none)\t(none)\t(none)\t0\t0\t0\toff\n"
	    "%s\t(none)\t(none)\t0.0.0.0/0\t0\t0\t0\toff\n",
	    keys[0], keys[0], keys[1], keys[2], keys[0], keys[3], keys[4]);
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

START_TEST(test_wgdump_parse_exact)
{
	char dump[2048], want[2048], *got;
	struct peertab *t;
	size_t line = 99;
	uint8_t a[16] = { 203, 0, 113, 77 };

	make_dump(dump, sizeof(dump));
	ck_assert_int_eq(wgdump_parse(dump, strlen(dump), &t, &line),
	    WGTAP_OK);
	ck_assert_uint_eq(line, 0);
	snprintf(want, sizeof(want),
	    "%s\t198.51.100.2:51821\t192.0.2.2/32,2001:db8::2/128\n"
	    "%s\t[2001:db8:ff::3]:40000\t192.0.2.3/32,203.0.113.0/24,"
	    "2001:db8:3::/64\n"
	    "%s\t(none)\t(none)\n"
	    "%s\t(none)\t0.0.0.0/0\n", keys[1], keys[2], keys[3], keys[4]);
	got = format(t);
	ck_assert_str_eq(got, want);
	ck_assert_str_eq(peertab_lookup(t, 4, a), keys[2]);
	a[0] = 8;
	ck_assert_str_eq(peertab_lookup(t, 4, a), keys[4]);
	free(got);
	peertab_free(t);
	/* no final newline: the same table */
	ck_assert_int_eq(wgdump_parse(dump, strlen(dump) - 1, &t, &line),
	    WGTAP_OK);
	ck_assert_uint_eq(peertab_npeers(t), 4);
	peertab_free(t);
}
END_TEST

/* The interface line alone: no peers. */
START_TEST(test_wgdump_parse_no_peers)
{
	char dump[256];
	struct peertab *t;
	size_t line;

	make_keys();
	snprintf(dump, sizeof(dump), "(none)\t%s\t0\t0x1234\n", keys[0]);
	ck_assert_int_eq(wgdump_parse(dump, strlen(dump), &t, &line),
	    WGTAP_OK);
	ck_assert_uint_eq(peertab_npeers(t), 0);
	peertab_free(t);
	ck_assert_int_eq(wgdump_parse("", 0, &t, &line), WGTAP_EFORMAT);
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(line, 1);
}
END_TEST

struct bad_case {
	const char	*what;
	const char	*find, *replace;	/* applied to the good dump */
	size_t		 line;
};

static const struct bad_case bad_cases[] = {
	{ "seven fields", "\t25\n", "\n", 3 },
	{ "nine fields", "\t25\n", "\t25\tx\n", 3 },
	{ "bad prefix", "203.0.113.0/24", "203.0.113.0/33", 3 },
	{ "leading zero length", "203.0.113.0/24", "203.0.113.0/024", 3 },
	{ "no length", "203.0.113.0/24", "203.0.113.0", 3 },
	{ "empty in list", ",203.0.113.0/24", ",,203.0.113.0/24", 3 },
	{ "bad address", "192.0.2.2/32", "192.0.2.256/32", 2 },
	{ "space in endpoint", "198.51.100.2:51821", "198.51.100.2 51821", 2 },
	{ "empty line", "off\n\n", "off\n\n\n", 6 },
	{ "interface line", "\t51820\toff\n", "\t51820\n", 1 },
};

static void
replace(char *s, size_t cap, const char *find, const char *rep)
{
	char *p = strstr(s, find), tail[2048];

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_lt(strlen(p + strlen(find)), sizeof(tail));
	strcpy(tail, p + strlen(find));
	ck_assert_uint_lt((size_t)(p - s) + strlen(rep) + strlen(tail), cap);
	memcpy(p, rep, strlen(rep));
	memcpy(p + strlen(rep), tail, strlen(tail) + 1);
}

START_TEST(test_wgdump_parse_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	char dump[2048];
	struct peertab *t = (struct peertab *)1;
	size_t line;

	make_dump(dump, sizeof(dump));
	/* the empty-line case needs the dump to end in "off\n\n" */
	if (c->line == 6)
		strcat(dump, "\n");
	replace(dump, sizeof(dump), c->find, c->replace);
	ck_assert_int_eq(wgdump_parse(dump, strlen(dump), &t, &line),
	    WGTAP_EFORMAT);
	ck_assert_msg(line == c->line, "%s: line %zu", c->what, line);
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_wgdump_parse_bad_keys)
{
	char dump[2048], key[PEERTAB_B64_LEN + 1];
	struct peertab *t;
	size_t line;

	/* a key one character short, one with a bad character, one whose
	 * padding bits are set, and a key twice */
	make_dump(dump, sizeof(dump));
	memcpy(key, keys[2], sizeof(key));
	key[PEERTAB_B64_LEN - 2] = '\0';
	replace(dump, sizeof(dump), keys[2], key);
	ck_assert_int_eq(wgdump_parse(dump, strlen(dump), &t, &line),
	    WGTAP_EFORMAT);
	ck_assert_uint_eq(line, 3);
	make_dump(dump, sizeof(dump));
	memcpy(key, keys[3], sizeof(key));
	key[5] = '*';
	replace(dump, sizeof(dump), keys[3], key);
	ck_assert_int_eq(wgdump_parse(dump, strlen(dump), &t, &line),
	    WGTAP_EFORMAT);
	ck_assert_uint_eq(line, 4);
	make_dump(dump, sizeof(dump));
	memcpy(key, keys[1], sizeof(key));
	key[PEERTAB_B64_LEN - 2] = key[PEERTAB_B64_LEN - 2] == 'B' ? 'C' :
	    'B';
	replace(dump, sizeof(dump), keys[1], key);
	ck_assert_int_eq(wgdump_parse(dump, strlen(dump), &t, &line),
	    WGTAP_EFORMAT);
	ck_assert_uint_eq(line, 2);
	make_dump(dump, sizeof(dump));
	replace(dump, sizeof(dump), keys[4], keys[3]);
	ck_assert_int_eq(wgdump_parse(dump, strlen(dump), &t, &line),
	    WGTAP_EFORMAT);
	ck_assert_uint_eq(line, 5);
}
END_TEST

/* Every cut parses or is refused; a cut at a line end keeps its peers. */
START_TEST(test_wgdump_parse_cut)
{
	char dump[2048];
	size_t n, line, lines = 0, i;
	struct peertab *t;
	int r;

	make_dump(dump, sizeof(dump));
	n = strlen(dump);
	for (i = 0; i <= n; i++) {
		char *copy = malloc(i + 1);

		memcpy(copy, dump, i);
		r = wgdump_parse(copy, i, &t, &line);
		if (i > 0 && dump[i - 1] == '\n') {
			lines++;
			ck_assert_int_eq(r, WGTAP_OK);
			ck_assert_uint_eq(peertab_npeers(t), lines - 1);
		}
		ck_assert(r == WGTAP_OK || r == WGTAP_EFORMAT);
		ck_assert(r != WGTAP_OK || t != NULL);
		ck_assert(r == WGTAP_OK || (t == NULL && line >= 1 &&
		    line <= lines + 1));
		peertab_free(t);
		free(copy);
	}
	ck_assert_uint_eq(lines, 5);
}
END_TEST

START_TEST(test_wgdump_load_file_and_pipe)
{
	char dump[2048], path[128];
	struct peertab *t;
	struct tdir d;
	size_t line;
	int p[2];

	make_dump(dump, sizeof(dump));
	tdir_make(&d);
	tfile_write(d.fd, "dump", dump);
	snprintf(path, sizeof(path), "%s/dump", d.path);
	ck_assert_int_eq(wgdump_load(path, &t, &line), WGTAP_OK);
	ck_assert_uint_eq(peertab_nips(t), 6);
	peertab_free(t);
	snprintf(path, sizeof(path), "%s/missing", d.path);
	ck_assert_int_eq(wgdump_load(path, &t, &line), WGTAP_ESYS);
	ck_assert_ptr_null(t);
	tdir_remove(&d);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], dump, strlen(dump)), (int)strlen(dump));
	close(p[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	ck_assert_int_eq(wgdump_load(path, &t, &line), WGTAP_OK);
	ck_assert_uint_eq(peertab_npeers(t), 4);
	peertab_free(t);
	close(p[0]);
}
END_TEST

Suite *
wgdump_suite(void)
{
	Suite *s = suite_create("wgdump");
	TCase *tc;

	tc = tcase_create("wgdump_parse");
	tcase_add_test(tc, test_wgdump_parse_exact);
	tcase_add_test(tc, test_wgdump_parse_no_peers);
	tcase_add_loop_test(tc, test_wgdump_parse_bad, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_wgdump_parse_bad_keys);
	tcase_add_test(tc, test_wgdump_parse_cut);
	suite_add_tcase(s, tc);
	tc = tcase_create("wgdump_load");
	tcase_add_test(tc, test_wgdump_load_file_and_pipe);
	suite_add_tcase(s, tc);
	return s;
}
