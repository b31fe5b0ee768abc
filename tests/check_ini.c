// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/ini.c: profiles, comments, whitespace, CRLF, the
 * byte-order mark, continuation lines, duplicates (refused, with the line
 * number), every kind of malformed line, the caps on line length, line
 * count and size, a valid file cut at every length, pseudo-random garbage,
 * and reading files: regular, linked, missing, a directory, a FIFO and
 * one over the size cap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "ini.h"
#include "wgtap.h"

/* Parse a NUL-terminated text; the code, with *ini and *err set. */
static int
parse(const char *text, struct ini **ini, struct ini_error *err)
{
	return ini_parse(text, strlen(text), ini, err);
}

/* Parse text that must be refused with code at line. */
static void
refused(const char *text, int code, unsigned line)
{
	struct ini_error err;
	struct ini *ini;

	ck_assert_int_eq(parse(text, &ini, &err), code);
	ck_assert_ptr_null(ini);
	ck_assert_uint_eq(err.line, line);
	ck_assert_ptr_nonnull(err.what);
	ck_assert_str_ne(err.what, "");
}

static const char two_profiles[] =
	"[default]\n"
	"aws_access_key_id = AKIDDEFAULT\n"
	"aws_secret_access_key = secret/default+key\n"
	"\n"
	"[gw]\n"
	"aws_access_key_id=AKIDGW\n"
	"aws_secret_access_key=gw-secret\n"
	"aws_session_token = token==\n";

START_TEST(test_ini_parse_profiles)
{
	struct ini_error err;
	struct ini *ini;

	ck_assert_int_eq(parse(two_profiles, &ini, &err), WGTAP_OK);
	ck_assert_str_eq(err.what, "");
	ck_assert_uint_eq(ini_nsections(ini), 2);
	ck_assert_str_eq(ini_section_name(ini, 0), "default");
	ck_assert_str_eq(ini_section_name(ini, 1), "gw");
	ck_assert_ptr_null(ini_section_name(ini, 2));
	ck_assert(ini_has_section(ini, "default"));
	ck_assert(ini_has_section(ini, "gw"));
	ck_assert(!ini_has_section(ini, "GW"));
	ck_assert(!ini_has_section(ini, "missing"));
	ck_assert_str_eq(ini_get(ini, "default", "aws_access_key_id"),
	    "AKIDDEFAULT");
	ck_assert_str_eq(ini_get(ini, "default", "aws_secret_access_key"),
	    "secret/default+key");
	ck_assert_ptr_null(ini_get(ini, "default", "aws_session_token"));
	ck_assert_str_eq(ini_get(ini, "gw", "aws_access_key_id"), "AKIDGW");
	ck_assert_str_eq(ini_get(ini, "gw", "aws_secret_access_key"),
	    "gw-secret");
	ck_assert_str_eq(ini_get(ini, "gw", "aws_session_token"), "token==");
	/* Keys are compared without regard to case; sections exactly. */
	ck_assert_str_eq(ini_get(ini, "gw", "AWS_Access_Key_ID"), "AKIDGW");
	ck_assert_ptr_null(ini_get(ini, "missing", "aws_access_key_id"));
	ck_assert_ptr_null(ini_get(ini, "Default", "aws_access_key_id"));
	ini_free(ini);
	ini_free(NULL);
}
END_TEST

START_TEST(test_ini_parse_comments)
{
	struct ini_error err;
	struct ini *ini;

	ck_assert_int_eq(parse(
	    "# a comment before anything\n"
	    "; another\n"
	    "[default] # after the header\n"
	    "   # indented comment\n"
	    "\t; indented too\n"
	    "aws_access_key_id = AKID\n"
	    "aws_secret_access_key = abc#def ;ghi\n"
	    "[x] ; comment\n"
	    "#k = v\n",
	    &ini, &err), WGTAP_OK);
	ck_assert_uint_eq(ini_nsections(ini), 2);
	ck_assert_str_eq(ini_get(ini, "default", "aws_access_key_id"), "AKID");
	/* No inline comments: they are part of the value. */
	ck_assert_str_eq(ini_get(ini, "default", "aws_secret_access_key"),
	    "abc#def ;ghi");
	ck_assert_ptr_null(ini_get(ini, "x", "#k"));
	ck_assert_ptr_null(ini_get(ini, "x", "k"));
	ini_free(ini);
}
END_TEST

START_TEST(test_ini_parse_whitespace)
{
	struct ini_error err;
	struct ini *ini;

	ck_assert_int_eq(parse(
	    "\n\n  [  spaced name  ]  \n"
	    "\tkey\t=\tvalue with  inner  spaces \t \n"
	    "empty =\n"
	    "also_empty=   \n"
	    "eq = a=b=c\n"
	    "last=nonl",
	    &ini, &err), WGTAP_OK);
	ck_assert(ini_has_section(ini, "spaced name"));
	ck_assert_str_eq(ini_get(ini, "spaced name", "key"),
	    "value with  inner  spaces");
	ck_assert_str_eq(ini_get(ini, "spaced name", "empty"), "");
	ck_assert_str_eq(ini_get(ini, "spaced name", "also_empty"), "");
	ck_assert_str_eq(ini_get(ini, "spaced name", "eq"), "a=b=c");
	ck_assert_str_eq(ini_get(ini, "spaced name", "last"), "nonl");
	ini_free(ini);

	/* Nothing at all, or only comments: valid, no sections. */
	ck_assert_int_eq(parse("", &ini, &err), WGTAP_OK);
	ck_assert_uint_eq(ini_nsections(ini), 0);
	ini_free(ini);
	ck_assert_int_eq(parse("  \n# x\n\n", &ini, &err), WGTAP_OK);
	ck_assert_uint_eq(ini_nsections(ini), 0);
	ini_free(ini);
}
END_TEST

START_TEST(test_ini_parse_crlf)
{
	struct ini_error err;
	struct ini *ini;

	ck_assert_int_eq(parse(
	    "\xef\xbb\xbf[default]\r\n"
	    "aws_access_key_id = AKID\r\n"
	    "aws_secret_access_key = s3cr3t\r\n"
	    "\r\n"
	    "[b]\r\n"
	    "k = v\r",
	    &ini, &err), WGTAP_OK);
	ck_assert_str_eq(ini_get(ini, "default", "aws_access_key_id"), "AKID");
	ck_assert_str_eq(ini_get(ini, "default", "aws_secret_access_key"),
	    "s3cr3t");
	ck_assert_str_eq(ini_get(ini, "b", "k"), "v");
	ini_free(ini);
	/* A CR that does not end a line is a control character. */
	refused("[a]\nk = v\rw\n", WGTAP_EFORMAT, 2);
	refused("[a]\r\r\n", WGTAP_EFORMAT, 1);
}
END_TEST

START_TEST(test_ini_parse_continuation)
{
	struct ini_error err;
	struct ini *ini;

	ck_assert_int_eq(parse(
	    "[p]\n"
	    "s3 =\n"
	    "  addressing_style = path\n"
	    "  max_concurrent_requests = 2\n"
	    "key = one\n"
	    "\ttwo\n"
	    "\n"
	    "  three = 3\n"
	    "  same = indent\n",
	    &ini, &err), WGTAP_OK);
	ck_assert_str_eq(ini_get(ini, "p", "s3"),
	    "\naddressing_style = path\nmax_concurrent_requests = 2");
	ck_assert_str_eq(ini_get(ini, "p", "key"), "one\ntwo");
	/* A blank line ends the value; equal indentation is a new setting. */
	ck_assert_str_eq(ini_get(ini, "p", "three"), "3");
	ck_assert_str_eq(ini_get(ini, "p", "same"), "indent");
	ck_assert_ptr_null(ini_get(ini, "p", "addressing_style"));
	ini_free(ini);
}
END_TEST

START_TEST(test_ini_parse_profile_form)
{
	struct ini_error err;
	struct ini *ini;

	/* The config-file form is just a section with that name. */
	ck_assert_int_eq(parse("[profile gw]\nk = v\n", &ini, &err), WGTAP_OK);
	ck_assert(ini_has_section(ini, "profile gw"));
	ck_assert(!ini_has_section(ini, "gw"));
	ck_assert_str_eq(ini_get(ini, "profile gw", "k"), "v");
	ini_free(ini);
}
END_TEST

START_TEST(test_ini_parse_duplicates)
{
	struct ini_error err;
	struct ini *ini;

	refused("[a]\nk = 1\nx = 2\nk = 3\n", WGTAP_EFORMAT, 4);
	refused("[a]\nAWS_ACCESS_KEY_ID = 1\naws_access_key_id = 2\n",
	    WGTAP_EFORMAT, 3);
	refused("[a]\nk = 1\n[b]\nk = 2\n[a]\nj = 3\n", WGTAP_EFORMAT, 5);
	refused("[a]\n[ a ]\n", WGTAP_EFORMAT, 2);
	/* The same key in two sections is fine. */
	ck_assert_int_eq(parse("[a]\nk = 1\n[b]\nk = 2\n", &ini, &err),
	    WGTAP_OK);
	ck_assert_str_eq(ini_get(ini, "a", "k"), "1");
	ck_assert_str_eq(ini_get(ini, "b", "k"), "2");
	ini_free(ini);
}
END_TEST

START_TEST(test_ini_parse_malformed)
{
	struct ini_error err;
	struct ini *ini;

	refused("k = v\n[a]\n", WGTAP_EFORMAT, 1);
	refused("# c\n\n  k = v\n", WGTAP_EFORMAT, 3);
	refused("[a]\njust words\n", WGTAP_EFORMAT, 2);
	refused("[a\nk = v\n", WGTAP_EFORMAT, 1);
	refused("[]\n", WGTAP_EFORMAT, 1);
	refused("[   ]\n", WGTAP_EFORMAT, 1);
	refused("[a] junk\n", WGTAP_EFORMAT, 1);
	refused("[a]\n= v\n", WGTAP_EFORMAT, 2);
	refused("[a]\n  \t= v\n", WGTAP_EFORMAT, 2);
	refused("[a]\nk = v\x01\n", WGTAP_EFORMAT, 2);
	refused("[a]\nk = v\x7f\n", WGTAP_EFORMAT, 2);
	refused("[a]\n\n\n\x1b[31m\n", WGTAP_EFORMAT, 4);
	/* A NUL byte inside the buffer. */
	ck_assert_int_eq(ini_parse("[a]\nk = v\0w\n", 12, &ini, &err),
	    WGTAP_EFORMAT);
	ck_assert_ptr_null(ini);
	ck_assert_uint_eq(err.line, 2);
	/* The sentence never quotes the line. */
	ck_assert_int_eq(parse("[a]\nsecret SECRETVALUE\n", &ini, &err),
	    WGTAP_EFORMAT);
	ck_assert_ptr_null(strstr(err.what, "SECRETVALUE"));
	ck_assert_ptr_null(strstr(err.what, "secret"));
}
END_TEST

START_TEST(test_ini_parse_caps)
{
	struct ini_error err;
	struct ini *ini;
	size_t n, i;
	char *buf;

	/* A line of exactly INI_MAX_LINE bytes is fine, one more is not. */
	buf = malloc(INI_MAX_LINE + 64);
	ck_assert_ptr_nonnull(buf);
	n = (size_t)snprintf(buf, 64, "[a]\r\nk = ");
	memset(buf + n, 'x', INI_MAX_LINE - 4);
	n += INI_MAX_LINE - 4;
	memcpy(buf + n, "\r\n", 2);
	ck_assert_int_eq(ini_parse(buf, n + 2, &ini, &err), WGTAP_OK);
	ck_assert_uint_eq(strlen(ini_get(ini, "a", "k")), INI_MAX_LINE - 4);
	ini_free(ini);
	buf[n] = 'x';
	ck_assert_int_eq(ini_parse(buf, n + 1, &ini, &err), WGTAP_ETOOBIG);
	ck_assert_ptr_null(ini);
	ck_assert_uint_eq(err.line, 2);
	free(buf);

	/* INI_MAX_LINES lines are fine, one more is not. */
	buf = malloc(2 * INI_MAX_LINES + 8);
	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < INI_MAX_LINES; i++) {
		buf[2 * i] = '#';
		buf[2 * i + 1] = '\n';
	}
	ck_assert_int_eq(ini_parse(buf, 2 * INI_MAX_LINES, &ini, &err),
	    WGTAP_OK);
	ini_free(ini);
	buf[2 * INI_MAX_LINES] = '#';
	ck_assert_int_eq(ini_parse(buf, 2 * INI_MAX_LINES + 1, &ini, &err),
	    WGTAP_ETOOBIG);
	ck_assert_uint_eq(err.line, INI_MAX_LINES + 1);
	free(buf);

	/* More than INI_MAX_FILE bytes, even of blanks. */
	buf = malloc(INI_MAX_FILE + 1);
	ck_assert_ptr_nonnull(buf);
	memset(buf, ' ', INI_MAX_FILE + 1);
	ck_assert_int_eq(ini_parse(buf, INI_MAX_FILE + 1, &ini, &err),
	    WGTAP_ETOOBIG);
	ck_assert_uint_eq(err.line, 0);
	free(buf);
}
END_TEST

/*
 * A valid file cut at every length: either it parses, and every value
 * found is a prefix of the full value, or it is refused with a line
 * number inside the cut text. The cut buffer is allocated to its exact
 * size so that the sanitizers catch a read past it.
 */
static const char cut_doc[] =
	"# wgtap\r\n"
	"[default]\r\n"
	"aws_access_key_id = AKIDEXAMPLE\r\n"
	"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\r\n"
	"[gw] ; second\n"
	"aws_access_key_id=AKIDGW\n"
	"aws_session_token = abc\n"
	"  def\n";

START_TEST(test_ini_parse_cut)
{
	static const char *const keys[][2] = {
		{ "default", "aws_access_key_id" },
		{ "default", "aws_secret_access_key" },
		{ "gw", "aws_access_key_id" },
		{ "gw", "aws_session_token" },
	};
	static const char *const full[] = {
		"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		"AKIDGW", "abc\ndef",
	};
	size_t len = (size_t)_i, i, lines = 0;
	struct ini_error err;
	struct ini *ini;
	const char *v;
	char *buf;
	int r;

	buf = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, cut_doc, len);
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	r = ini_parse(buf, len, &ini, &err);
	if (r == WGTAP_OK) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			v = ini_get(ini, keys[i][0], keys[i][1]);
			if (v)
				ck_assert(strncmp(full[i], v, strlen(v)) == 0);
		}
		ini_free(ini);
	} else {
		ck_assert_int_eq(r, WGTAP_EFORMAT);
		ck_assert_ptr_null(ini);
		ck_assert_uint_ge(err.line, 1);
		ck_assert_uint_le(err.line, lines + 1);
	}
	/* The whole document parses. */
	if (len == sizeof(cut_doc) - 1) {
		ck_assert_int_eq(r, WGTAP_OK);
	}
	free(buf);
}
END_TEST

/* Pseudo-random bytes, biased towards the ones the parser cares about. */
START_TEST(test_ini_parse_garbage)
{
	static const char alphabet[] = "[]=#; \t\r\nab\x01\xff";
	uint32_t x = 2463534242u;
	struct ini_error err;
	struct ini *ini;
	size_t len, i;
	char buf[512];
	int round, r;

	for (round = 0; round < 2000; round++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		len = x % sizeof(buf);
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		r = ini_parse(buf, len, &ini, &err);
		ck_assert(r == WGTAP_OK || r == WGTAP_EFORMAT);
		ck_assert_ptr_nonnull(err.what);
		if (r == WGTAP_OK) {
			for (i = 0; i < ini_nsections(ini); i++)
				ck_assert_ptr_nonnull(ini_section_name(ini, i));
			ini_free(ini);
		} else {
			ck_assert_ptr_null(ini);
			ck_assert_uint_ge(err.line, 1);
		}
	}
}
END_TEST

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_ini_load_file_cases)
{
	struct ini_error err;
	struct tdir t;
	struct ini *ini;
	struct stat st, want;
	char path[128], link[128], *big;
	FILE *f;

	tdir_make(&t);
	snprintf(path, sizeof(path), "%s/credentials", t.path);
	write_file(path, two_profiles);
	ck_assert_int_eq(ini_load_file(path, &ini, &st, &err), WGTAP_OK);
	ck_assert_int_eq(stat(path, &want), 0);
	ck_assert_uint_eq(st.st_ino, want.st_ino);
	ck_assert_int_eq(st.st_size, (off_t)strlen(two_profiles));
	ck_assert_str_eq(ini_get(ini, "gw", "aws_access_key_id"), "AKIDGW");
	ini_free(ini);

	/* A symbolic link is followed. */
	snprintf(link, sizeof(link), "%s/link", t.path);
	ck_assert_int_eq(symlink("credentials", link), 0);
	ck_assert_int_eq(ini_load_file(link, &ini, &st, &err), WGTAP_OK);
	ck_assert_uint_eq(st.st_ino, want.st_ino);
	ini_free(ini);

	/* Missing: ESYS with ENOENT, and an empty stat. */
	snprintf(path, sizeof(path), "%s/missing", t.path);
	errno = 0;
	ck_assert_int_eq(ini_load_file(path, &ini, &st, &err), WGTAP_ESYS);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(ini);
	ck_assert_uint_eq(st.st_ino, 0);

	/* A directory and a FIFO: not regular files (and no blocking). */
	ck_assert_int_eq(ini_load_file(t.path, &ini, NULL, &err),
	    WGTAP_EFORMAT);
	ck_assert_str_eq(err.what, "not a regular file");
	ck_assert_uint_eq(err.line, 0);
	snprintf(path, sizeof(path), "%s/fifo", t.path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(ini_load_file(path, &ini, &st, &err), WGTAP_EFORMAT);
	ck_assert_str_eq(err.what, "not a regular file");
	ck_assert(S_ISFIFO(st.st_mode));

	/* Over the cap, by size. */
	snprintf(path, sizeof(path), "%s/big", t.path);
	big = malloc(INI_MAX_FILE + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', INI_MAX_FILE + 1);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(big, 1, INI_MAX_FILE + 1, f),
	    INI_MAX_FILE + 1);
	ck_assert_int_eq(fclose(f), 0);
	free(big);
	ck_assert_int_eq(ini_load_file(path, &ini, NULL, &err),
	    WGTAP_ETOOBIG);
	ck_assert_ptr_null(ini);

	/* A parse error carries its line. */
	snprintf(path, sizeof(path), "%s/bad", t.path);
	write_file(path, "[a]\nk = 1\nnonsense\n");
	ck_assert_int_eq(ini_load_file(path, &ini, NULL, &err),
	    WGTAP_EFORMAT);
	ck_assert_uint_eq(err.line, 3);
	tdir_remove(&t);
}
END_TEST

Suite *
ini_suite(void)
{
	Suite *s = suite_create("ini");
	TCase *tc;

	tc = tcase_create("ini_parse");
	tcase_add_test(tc, test_ini_parse_profiles);
	tcase_add_test(tc, test_ini_parse_comments);
	tcase_add_test(tc, test_ini_parse_whitespace);
	tcase_add_test(tc, test_ini_parse_crlf);
	tcase_add_test(tc, test_ini_parse_continuation);
	tcase_add_test(tc, test_ini_parse_profile_form);
	tcase_add_test(tc, test_ini_parse_duplicates);
	tcase_add_test(tc, test_ini_parse_malformed);
	tcase_add_test(tc, test_ini_parse_caps);
	tcase_add_loop_test(tc, test_ini_parse_cut, 0,
	    (int)sizeof(cut_doc));
	tcase_add_test(tc, test_ini_parse_garbage);
	suite_add_tcase(s, tc);

	tc = tcase_create("ini_load_file");
	tcase_add_test(tc, test_ini_load_file_cases);
	suite_add_tcase(s, tc);
	return s;
}
