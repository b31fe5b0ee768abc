// SPDX-License-Identifier: MIT
/*
 * Tests for common/metrics.c: the exact exposition text (HELP and TYPE
 * lines, common labels, a sample's own label, escaping of \, " and
 * newline, integers and numbers, NaN and infinities), a failed append
 * remembered, and the file replaced whole in its own directory (mode 0644,
 * no temporary file left, an old file replaced, an unwritable directory
 * failing without touching anything).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "metrics.h"
#include "wgtap.h"

START_TEST(test_metrics_text)
{
	struct metrics m;

	metrics_init(&m);
	ck_assert_str_eq(metrics_text(&m), "");
	metrics_family(&m, "x_up", "gauge", "Whether it is up.");
	metrics_u64(&m, "x_up", NULL, NULL, 1);
	metrics_label(&m, "iface", "wg0");
	metrics_label(&m, "host", "gw\"1\\\n");
	metrics_family(&m, "x_rows_total", "counter", "Rows written.");
	metrics_u64(&m, "x_rows_total", NULL, NULL, 18446744073709551615ULL);
	metrics_family(&m, "x_skipped_total", "counter", "Skipped, by reason.");
	metrics_u64(&m, "x_skipped_total", "reason", "not_ip", 3);
	metrics_u64(&m, "x_skipped_total", "reason", "a\"b", 0);
	metrics_family(&m, "x_time_seconds", "gauge", "A time.");
	metrics_double(&m, "x_time_seconds", NULL, NULL, 1764000000.125);
	metrics_double(&m, "x_time_seconds", "k", "whole", 42.0);
	metrics_double(&m, "x_time_seconds", "k", "nan", NAN);
	metrics_double(&m, "x_time_seconds", "k", "inf", INFINITY);
	metrics_double(&m, "x_time_seconds", "k", "-inf", -INFINITY);
	ck_assert_str_eq(metrics_text(&m),
	    "# HELP x_up Whether it is up.\n"
	    "# TYPE x_up gauge\n"
	    "x_up 1\n"
	    "# HELP x_rows_total Rows written.\n"
	    "# TYPE x_rows_total counter\n"
	    "x_rows_total{iface=\"wg0\",host=\"gw\\\"1\\\\\\n\"} "
	    "18446744073709551615\n"
	    "# HELP x_skipped_total Skipped, by reason.\n"
	    "# TYPE x_skipped_total counter\n"
	    "x_skipped_total{iface=\"wg0\",host=\"gw\\\"1\\\\\\n\","
	    "reason=\"not_ip\"} 3\n"
	    "x_skipped_total{iface=\"wg0\",host=\"gw\\\"1\\\\\\n\","
	    "reason=\"a\\\"b\"} 0\n"
	    "# HELP x_time_seconds A time.\n"
	    "# TYPE x_time_seconds gauge\n"
	    "x_time_seconds{iface=\"wg0\",host=\"gw\\\"1\\\\\\n\"} "
	    "1764000000.125\n"
	    "x_time_seconds{iface=\"wg0\",host=\"gw\\\"1\\\\\\n\",k=\"whole\"} 42\n"
	    "x_time_seconds{iface=\"wg0\",host=\"gw\\\"1\\\\\\n\",k=\"nan\"} NaN\n"
	    "x_time_seconds{iface=\"wg0\",host=\"gw\\\"1\\\\\\n\",k=\"inf\"} +Inf\n"
	    "x_time_seconds{iface=\"wg0\",host=\"gw\\\"1\\\\\\n\",k=\"-inf\"} "
	    "-Inf\n");
	metrics_free(&m);
}
END_TEST

START_TEST(test_metrics_own_label_only)
{
	struct metrics m;

	metrics_init(&m);
	metrics_u64(&m, "y_total", "reason", "x", 7);
	ck_assert_str_eq(metrics_text(&m), "y_total{reason=\"x\"} 7\n");
	metrics_free(&m);
}
END_TEST

START_TEST(test_metrics_too_big)
{
	struct metrics m;
	struct tdir t;
	char path[128], *big;
	size_t n = METRICS_LABELS_MAX;

	tdir_make(&t);
	snprintf(path, sizeof(path), "%s/m.prom", t.path);
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'v', n);
	big[n] = '\0';
	metrics_init(&m);
	metrics_label(&m, "host", big);
	ck_assert_int_eq(m.err, WGTAP_ETOOBIG);
	ck_assert_str_eq(m.labels, "");
	metrics_u64(&m, "z", NULL, NULL, 1);
	ck_assert_int_eq(metrics_write(&m, path), WGTAP_ETOOBIG);
	ck_assert_int_eq(access(path, F_OK), -1);
	metrics_free(&m);
	free(big);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_metrics_write)
{
	struct metrics m;
	struct tdir t;
	struct stat st;
	char path[128], *text;
	size_t len;
	int dfd;
	long names;
	FILE *ls;
	char line[256];

	tdir_make(&t);
	snprintf(path, sizeof(path), "%s/m.prom", t.path);
	/* An old file (mode 0600) is replaced. */
	dfd = openat(t.fd, "m.prom", O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ne(dfd, -1);
	ck_assert_int_eq(write(dfd, "old\n", 4), 4);
	close(dfd);
	umask(077);
	metrics_init(&m);
	metrics_label(&m, "iface", "wg0");
	metrics_family(&m, "a_total", "counter", "A.");
	metrics_u64(&m, "a_total", NULL, NULL, 5);
	ck_assert_int_eq(metrics_write(&m, path), WGTAP_OK);
	umask(022);
	text = slurp(t.fd, "m.prom", &len);
	ck_assert_str_eq(text, "# HELP a_total A.\n# TYPE a_total counter\n"
	    "a_total{iface=\"wg0\"} 5\n");
	free(text);
	ck_assert_int_eq(fstatat(t.fd, "m.prom", &st, 0), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	/* Nothing else in the directory: no temporary file left. */
	snprintf(line, sizeof(line), "ls -A '%s' | wc -l", t.path);
	ls = popen(line, "r");
	ck_assert_ptr_nonnull(ls);
	ck_assert(fgets(line, sizeof(line), ls) != NULL);
	pclose(ls);
	names = strtol(line, NULL, 10);
	ck_assert_int_eq(names, 1);
	/* A directory that is not there: fails, nothing written. */
	snprintf(path, sizeof(path), "%s/nodir/m.prom", t.path);
	errno = 0;
	ck_assert_int_eq(metrics_write(&m, path), WGTAP_ESYS);
	ck_assert_int_eq(errno, ENOENT);
	metrics_free(&m);
	tdir_remove(&t);
}
END_TEST

Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_metrics_text);
	tcase_add_test(tc, test_metrics_own_label_only);
	tcase_add_test(tc, test_metrics_too_big);
	tcase_add_test(tc, test_metrics_write);
	suite_add_tcase(s, tc);
	return s;
}
