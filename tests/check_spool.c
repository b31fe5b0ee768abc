// SPDX-License-Identifier: MIT
/*
 * Tests for common/spool.c: segment names, temporary names, the names of
 * recovery's copies, the scan.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "spool.h"
#include "wgtap.h"

#define T0 1764000151123456789LL	/* 2025-11-24T16:02:31.123456789Z */

static struct spool_name
mkname(const char *iface, int64_t ns, uint32_t seq, bool gz)
{
	struct spool_name n;

	memset(&n, 0, sizeof(n));
	snprintf(n.iface, sizeof(n.iface), "%s", iface);
	n.start_ns = ns;
	n.seq = seq;
	n.gzip = gz;
	return n;
}

START_TEST(test_spool_name_format_example)
{
	struct spool_name n = mkname("wg0", T0, 42, true);
	char buf[SPOOL_MAX_NAME];

	ck_assert_int_eq(spool_name_format(&n, buf), WGTAP_OK);
	ck_assert_str_eq(buf, "wg0-20251124T160231.123456789Z-000042.csv.gz");
	n.gzip = false;
	ck_assert_int_eq(spool_name_format_temp(&n, buf), WGTAP_OK);
	ck_assert_str_eq(buf, ".wg0-20251124T160231.123456789Z-000042.csv.part");
}
END_TEST

/* zstd: ".csv.zst" in every form, parsed back; never with ".gz". */
START_TEST(test_spool_name_zstd)
{
	static const char *const bad[] = {
		"wg0-20251124T160231.123456789Z-000042.csv.zs",
		"wg0-20251124T160231.123456789Z-000042.csv.gz.zst",
		"wg0-20251124T160231.123456789Z-000042.zst",
		"wg0-20251124T160231.123456789Z-000042.csv.zstd",
	};
	struct spool_name n = mkname("wg0", T0, 42, false), p;
	char buf[SPOOL_MAX_NAME];
	size_t i;

	n.zstd = true;
	ck_assert_int_eq(spool_name_format(&n, buf), WGTAP_OK);
	ck_assert_str_eq(buf, "wg0-20251124T160231.123456789Z-000042.csv.zst");
	ck_assert_str_eq(spool_name_ext(&n), ".zst");
	ck_assert_int_eq(spool_name_parse(buf, &p), WGTAP_OK);
	ck_assert(p.zstd);
	ck_assert(!p.gzip);
	ck_assert_uint_eq(p.seq, 42);
	ck_assert_int_eq(p.start_ns, T0);
	ck_assert_int_eq(spool_name_cmp(&n, &p), 0);
	ck_assert_int_eq(spool_name_format_temp(&n, buf), WGTAP_OK);
	ck_assert_str_eq(buf,
	    ".wg0-20251124T160231.123456789Z-000042.csv.zst.part");
	ck_assert_int_eq(spool_name_parse_temp(buf, &p), WGTAP_OK);
	ck_assert(p.zstd);
	ck_assert_int_eq(spool_name_format_recovery(&n, buf), WGTAP_OK);
	ck_assert_str_eq(buf,
	    ".wg0-20251124T160231.123456789Z-000042.csv.zst.rec.part");
	ck_assert_int_eq(spool_name_parse_recovery(buf, &p), WGTAP_OK);
	ck_assert(p.zstd);
	/* the same name but gzip sorts apart from it */
	p.zstd = false;
	p.gzip = true;
	ck_assert_int_ne(spool_name_cmp(&n, &p), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(spool_name_parse(bad[i], &p), WGTAP_EFORMAT);
}
END_TEST

START_TEST(test_spool_name_format_recovery_example)
{
	struct spool_name n = mkname("wg0", T0, 42, true);
	char buf[SPOOL_MAX_NAME];

	ck_assert_int_eq(spool_name_format_recovery(&n, buf), WGTAP_OK);
	ck_assert_str_eq(buf,
	    ".wg0-20251124T160231.123456789Z-000042.csv.gz.rec.part");
	n.gzip = false;
	n.seq = 0;
	ck_assert_int_eq(spool_name_format_recovery(&n, buf), WGTAP_OK);
	ck_assert_str_eq(buf,
	    ".wg0-20251124T160231.123456789Z-000000.csv.rec.part");
	/* the same checks as for a final name; nothing is left in buf */
	n = mkname("wg/0", T0, 1, true);
	ck_assert_int_eq(spool_name_format_recovery(&n, buf), WGTAP_EFORMAT);
	ck_assert_str_eq(buf, "");
	n = mkname("wg0", T0, SPOOL_SEQ_MAX + 1, true);
	ck_assert_int_eq(spool_name_format_recovery(&n, buf), WGTAP_EFORMAT);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_spool_name_format_bad)
{
	struct spool_name n = mkname("wg0", T0, SPOOL_SEQ_MAX + 1, true);
	char buf[SPOOL_MAX_NAME];

	ck_assert_int_eq(spool_name_format(&n, buf), WGTAP_EFORMAT);
	n = mkname("wg/0", T0, 1, true);
	ck_assert_int_eq(spool_name_format(&n, buf), WGTAP_EFORMAT);
	n = mkname("", T0, 1, true);
	ck_assert_int_eq(spool_name_format(&n, buf), WGTAP_EFORMAT);
	n = mkname("wg0", -1, 1, true);
	ck_assert_int_eq(spool_name_format(&n, buf), WGTAP_EFORMAT);
}
END_TEST

START_TEST(test_spool_name_parse_roundtrip)
{
	static const int64_t times[] = { 0, 1, T0, 4102444799999999999LL,
	    951782400000000000LL /* 2000-02-29 */ };
	static const char *ifaces[] = { "wg0", "a", "wg-home.1_x",
	    "wg-20251124T1602" };
	char buf[SPOOL_MAX_NAME];
	struct spool_name n, p;
	size_t i, j;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		for (j = 0; j < sizeof(ifaces) / sizeof(ifaces[0]); j++) {
			n = mkname(ifaces[j], times[i], (uint32_t)(i * 7), j & 1);
			ck_assert_int_eq(spool_name_format(&n, buf), WGTAP_OK);
			ck_assert_int_eq(spool_name_parse(buf, &p), WGTAP_OK);
			ck_assert_str_eq(p.iface, n.iface);
			ck_assert_int_eq(p.start_ns, n.start_ns);
			ck_assert_uint_eq(p.seq, n.seq);
			ck_assert_int_eq(p.gzip, n.gzip);
			ck_assert_int_eq(spool_name_parse_temp(buf, &p),
			    WGTAP_EFORMAT);
			ck_assert_int_eq(spool_name_format_temp(&n, buf),
			    WGTAP_OK);
			ck_assert_int_eq(spool_name_parse_temp(buf, &p),
			    WGTAP_OK);
			ck_assert_int_eq(p.start_ns, n.start_ns);
			ck_assert_int_eq(spool_name_parse(buf, &p),
			    WGTAP_EFORMAT);
			ck_assert_int_eq(spool_name_parse_recovery(buf, &p),
			    WGTAP_EFORMAT);
			ck_assert_int_eq(spool_name_format_recovery(&n, buf),
			    WGTAP_OK);
			ck_assert_int_eq(spool_name_parse_recovery(buf, &p),
			    WGTAP_OK);
			ck_assert_str_eq(p.iface, n.iface);
			ck_assert_int_eq(p.start_ns, n.start_ns);
			ck_assert_uint_eq(p.seq, n.seq);
			ck_assert_int_eq(p.gzip, n.gzip);
			ck_assert_int_eq(spool_name_parse_temp(buf, &p),
			    WGTAP_EFORMAT);
			ck_assert_int_eq(spool_name_parse(buf, &p),
			    WGTAP_EFORMAT);
		}
	}
}
END_TEST

static const char *bad_names[] = {
	"",
	"wg0",
	".csv.gz",
	"-20251124T160231.123456789Z-000042.csv.gz",
	"wg0-20251124T160231.123456789Z-000042.csv.gz.part",
	".wg0-20251124T160231.123456789Z-000042.csv.gz",
	"wg0-20251124T160231.123456789Z-00042.csv.gz",
	"wg0-20251124T160231.123456789Z-0000042.csv.gz",
	"wg0-20251124T160231.12345678Z-000042.csv.gz",
	"wg0-20251124T160231.123456789-000042.csv.gz",
	"wg0-20251124t160231.123456789Z-000042.csv.gz",
	"wg0-20251324T160231.123456789Z-000042.csv.gz",
	"wg0-20250230T160231.123456789Z-000042.csv.gz",
	"wg0-20251124T240231.123456789Z-000042.csv.gz",
	"wg0-20251124T166031.123456789Z-000042.csv.gz",
	"wg0-19691231T235959.000000000Z-000042.csv.gz",
	"wg0-2025112XT160231.123456789Z-000042.csv.gz",
	"wg0-20251124T160231.123456789Z-00004x.csv.gz",
	"wg0-20251124T160231.123456789Z-000042.csv.bz2",
	"wg0-20251124T160231.123456789Z-000042.gz",
	"wg 0-20251124T160231.123456789Z-000042.csv.gz",
	"wg0/x-20251124T160231.123456789Z-000042.csv.gz",
	"../x-20251124T160231.123456789Z-000042.csv.gz",
	"wg0_20251124T160231.123456789Z-000042.csv.gz",
	"abcdefghijabcdefghijabcdefghijabc-20251124T160231.123456789Z-000042.csv",
	/* nanoseconds past int64_t (found by fuzzing) */
	"wg0-22621014T140231.123456789Z-000042.csv.gz",
	"wg0-99991231T235959.999999999Z-000042.csv.gz",
};

START_TEST(test_spool_name_parse_bad)
{
	struct spool_name n;

	ck_assert_int_eq(spool_name_parse(bad_names[_i], &n), WGTAP_EFORMAT);
	ck_assert_str_eq(n.iface, "");
	ck_assert_int_eq(n.start_ns, 0);
}
END_TEST

static const char *bad_recovery_names[] = {
	"",
	".rec.part",
	"..rec.part",
	".wg0-20251124T160231.123456789Z-000042.csv.gz.part",
	"wg0-20251124T160231.123456789Z-000042.csv.gz.rec.part",
	".wg0-20251124T160231.123456789Z-000042.csv.gz.rec",
	".wg0-20251124T160231.123456789Z-000042.csv.gz.rec.part.part",
	".wg0-20251124T160231.123456789Z-000042.csv.gz.part.rec.part",
	"..wg0-20251124T160231.123456789Z-000042.csv.gz.rec.part",
	".wg0-20251124T160231.123456789Z-000042.rec.part",
	".wg0-20251124T160231.123456789Z-000042.csv.gzrec.part",
	".wg0-20250230T160231.123456789Z-000042.csv.gz.rec.part",
	".wg/0-20251124T160231.123456789Z-000042.csv.gz.rec.part",
	/* a label of 40 bytes; then a name of more than SPOOL_MAX_NAME */
	".abcdefghijabcdefghijabcdefghijabcdefghij-20251124T160231.123456789Z"
	    "-000042.csv.gz.rec.part",
	".abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij-20251124T160231"
	    ".123456789Z-000042.csv.gz.rec.part",
};

START_TEST(test_spool_name_parse_recovery_bad)
{
	struct spool_name n;

	memset(&n, 0xa5, sizeof(n));
	ck_assert_int_eq(spool_name_parse_recovery(bad_recovery_names[_i], &n),
	    WGTAP_EFORMAT);
	ck_assert_str_eq(n.iface, "");
	ck_assert_int_eq(n.start_ns, 0);
	ck_assert_uint_eq(n.seq, 0);
	ck_assert(!n.gzip);
}
END_TEST

START_TEST(test_spool_name_cmp_time_order)
{
	struct spool_name a = mkname("wg1", T0, 5, true);
	struct spool_name b = mkname("wg0", T0 + 1, 0, true);
	struct spool_name c = mkname("wg0", T0 + 1, 1, true);
	char na[SPOOL_MAX_NAME], nb[SPOOL_MAX_NAME];

	ck_assert_int_lt(spool_name_cmp(&a, &b), 0);
	ck_assert_int_lt(spool_name_cmp(&b, &c), 0);
	ck_assert_int_gt(spool_name_cmp(&c, &a), 0);
	ck_assert_int_eq(spool_name_cmp(&a, &a), 0);
	/* the names of one interface also sort by time as plain strings */
	a = mkname("wg0", T0, 999999, true);
	ck_assert_int_eq(spool_name_format(&a, na), WGTAP_OK);
	ck_assert_int_eq(spool_name_format(&b, nb), WGTAP_OK);
	ck_assert_int_lt(strcmp(na, nb), 0);
}
END_TEST

static void
touch(int dfd, const char *name, const char *content)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, content, strlen(content)),
	    (ssize_t)strlen(content));
	close(fd);
}

START_TEST(test_spool_scan_kinds_and_order)
{
	char dir[] = "/tmp/wgtap-spool-XXXXXX";
	struct spool_list l = { 0 };
	int dfd;
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ne(dfd, -1);
	touch(dfd, "wg0-20251124T160231.000000002Z-000001.csv.gz", "b");
	touch(dfd, "wg0-20251124T160231.000000001Z-000000.csv.gz", "a");
	touch(dfd, "wg1-20251124T150000.000000000Z-000000.csv", "0");
	touch(dfd, ".wg0-20251124T170000.000000000Z-000002.csv.gz.part", "t");
	touch(dfd, "notes.txt", "x");
	ck_assert_int_eq(mkdirat(dfd, "wg0-20251124T160000.000000000Z-000000.csv",
	    0700), 0);
	ck_assert_int_eq(symlinkat("/etc/passwd", dfd,
	    "wg0-20251124T100000.000000000Z-000000.csv"), 0);
	ck_assert_int_eq(spool_scan(dfd, &l), WGTAP_OK);
	ck_assert_uint_eq(l.n, 7);
	ck_assert_str_eq(l.v[0].name, "wg1-20251124T150000.000000000Z-000000.csv");
	ck_assert_str_eq(l.v[1].name,
	    "wg0-20251124T160231.000000001Z-000000.csv.gz");
	ck_assert_str_eq(l.v[2].name,
	    "wg0-20251124T160231.000000002Z-000001.csv.gz");
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(l.v[i].kind, SPOOL_SEGMENT);
		ck_assert_uint_eq(l.v[i].bytes, 1);
	}
	ck_assert_int_eq(l.v[3].kind, SPOOL_TEMP);
	ck_assert_str_eq(l.v[3].parsed.iface, "wg0");
	for (i = 4; i < 7; i++) {
		ck_assert_int_eq(l.v[i].kind, SPOOL_FOREIGN);
		ck_assert_ptr_nonnull(l.v[i].why);
	}
	ck_assert_str_eq(l.v[4].name, "notes.txt");
	ck_assert_str_eq(l.v[4].why, "not a segment name");
	ck_assert_str_eq(l.v[5].why, "symlink");
	ck_assert_str_eq(l.v[6].why, "directory");
	spool_list_free(&l);
	ck_assert_ptr_null(l.v);
	for (i = 0; i < 7; i++) {
		static const char *names[] = {
			"wg0-20251124T160231.000000002Z-000001.csv.gz",
			"wg0-20251124T160231.000000001Z-000000.csv.gz",
			"wg1-20251124T150000.000000000Z-000000.csv",
			".wg0-20251124T170000.000000000Z-000002.csv.gz.part",
			"notes.txt",
			"wg0-20251124T100000.000000000Z-000000.csv",
		};
		if (i < 6)
			unlinkat(dfd, names[i], 0);
	}
	unlinkat(dfd, "wg0-20251124T160000.000000000Z-000000.csv",
	    AT_REMOVEDIR);
	close(dfd);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* What a foreign entry is matters more than its name. */
START_TEST(test_spool_classify_type_first)
{
	struct spool_entry e;
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFDIR | 0755;
	spool_classify("newdir", &st, &e);
	ck_assert_int_eq(e.kind, SPOOL_FOREIGN);
	ck_assert_str_eq(e.why, "directory");
	st.st_mode = S_IFIFO | 0600;
	spool_classify("wg0-20251124T160231.000000001Z-000000.csv.gz", &st, &e);
	ck_assert_int_eq(e.kind, SPOOL_FOREIGN);
	ck_assert_str_eq(e.why, "not a regular file");
	st.st_mode = S_IFREG | 0640;
	st.st_size = 10;
	spool_classify("notes.txt", &st, &e);
	ck_assert_str_eq(e.why, "not a segment name");
	ck_assert_uint_eq(e.bytes, 10);
	spool_classify("wg0-20251124T160231.000000001Z-000000.csv.gz", &st, &e);
	ck_assert_int_eq(e.kind, SPOOL_SEGMENT);
	ck_assert_ptr_null(e.why);
	spool_classify(".x.part", &st, &e);
	ck_assert_int_eq(e.kind, SPOOL_TEMP);
	/* recovery's copy: temporary, and not a leftover to recover */
	spool_classify(".wg0-20251124T160231.000000001Z-000000.csv.gz.rec.part",
	    &st, &e);
	ck_assert_int_eq(e.kind, SPOOL_TEMP);
	ck_assert_str_eq(e.parsed.iface, "");
}
END_TEST

START_TEST(test_spool_iface_ok_cases)
{
	ck_assert(spool_iface_ok("wg0"));
	ck_assert(spool_iface_ok("wg_home-1.a"));
	ck_assert(!spool_iface_ok(""));
	ck_assert(!spool_iface_ok(".wg0"));
	ck_assert(!spool_iface_ok("-wg0"));
	ck_assert(!spool_iface_ok("wg/0"));
	ck_assert(!spool_iface_ok("wg 0"));
	ck_assert(!spool_iface_ok("wg0\n"));
	ck_assert(spool_iface_ok("abcdefghijabcdefghijabcdefghija"));
	ck_assert(!spool_iface_ok("abcdefghijabcdefghijabcdefghijab"));
}
END_TEST

Suite *
spool_suite(void)
{
	Suite *s = suite_create("spool");
	TCase *tc;

	tc = tcase_create("spool_name_format");
	tcase_add_test(tc, test_spool_name_format_example);
	tcase_add_test(tc, test_spool_name_format_bad);
	suite_add_tcase(s, tc);
	tc = tcase_create("spool_name_format_recovery");
	tcase_add_test(tc, test_spool_name_format_recovery_example);
	tcase_add_test(tc, test_spool_name_zstd);
	suite_add_tcase(s, tc);
	tc = tcase_create("spool_name_parse");
	tcase_add_test(tc, test_spool_name_parse_roundtrip);
	tcase_add_loop_test(tc, test_spool_name_parse_bad, 0,
	    (int)(sizeof(bad_names) / sizeof(bad_names[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("spool_name_parse_recovery");
	tcase_add_loop_test(tc, test_spool_name_parse_recovery_bad, 0,
	    (int)(sizeof(bad_recovery_names) / sizeof(bad_recovery_names[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("spool_name_cmp");
	tcase_add_test(tc, test_spool_name_cmp_time_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("spool_scan");
	tcase_add_test(tc, test_spool_scan_kinds_and_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("spool_classify");
	tcase_add_test(tc, test_spool_classify_type_first);
	suite_add_tcase(s, tc);
	tc = tcase_create("spool_iface_ok");
	tcase_add_test(tc, test_spool_iface_ok_cases);
	suite_add_tcase(s, tc);
	return s;
}
