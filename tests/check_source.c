// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/source.c, offline: every fixture in
 * tests/data/pcap read through the source into a capture gives exactly
 * its .csv (pcap and pcapng, ns and us timestamps, both byte orders, each
 * link type, and stdin; times out of range counted, not written); an
 * Ethernet capture is refused by its link type;
 * a file cut inside a record keeps the rows before the cut; a filter keeps
 * what it matches and a bad one is refused; rotation by count splits a file
 * without losing or doubling a row; SIGHUP and SIGTERM flags are
 * obeyed between packets. A live interface needs root and a tunnel: the
 * integration tests cover it (t-capture-*.sh); here only a missing
 * interface and a capture without the privilege are.
 */
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "check_wgtap.h"
#include "csv.h"
#include "source.h"
#include "spool.h"
#include "wgtap.h"

#define NS	1000000000ULL
#define MAX_SEGS	16

static volatile sig_atomic_t term_flag, hup_flag;
/* The counters and the read(2) calls of the last convert(). */
static struct capture_stats last_st;
static uint64_t last_reads;
/* convert(): set term_flag between the open and the run. */
static bool term_before_run;
static const struct source_ctl ctl = { &term_flag, &hup_flag, NULL };

static const char *
fixture(const char *name)
{
	static char path[512];
	int n;

	n = snprintf(path, sizeof(path), "%s/pcap/%s", check_datadir(), name);
	ck_assert(n > 0 && (size_t)n < sizeof(path));
	return path;
}

/* The rows of a .csv fixture, header line removed. */
static char *
fixture_rows(const char *csv)
{
	size_t len;
	char *text = slurp(AT_FDCWD, fixture(csv), &len), *rows;

	ck_assert_int_eq(strncmp(text, CSV_HEADER, CSV_HEADER_LEN), 0);
	rows = strdup(text + CSV_HEADER_LEN);
	ck_assert_ptr_nonnull(rows);
	free(text);
	return rows;
}

/*
 * The rows of every final segment in the spool, oldest first, each
 * segment checked to start with the header; *nseg gets the count.
 */
static char *
spool_rows(int dirfd, size_t *nseg)
{
	char names[MAX_SEGS][SPOOL_MAX_NAME], *all = NULL, *text;
	size_t n, i, len, used = 0;

	n = check_finals(dirfd, names, MAX_SEGS);
	for (i = 0; i < n; i++) {
		text = slurp(dirfd, names[i], &len);
		ck_assert_uint_ge(len, CSV_HEADER_LEN);
		ck_assert_int_eq(memcmp(text, CSV_HEADER, CSV_HEADER_LEN), 0);
		all = realloc(all, used + len - CSV_HEADER_LEN + 1);
		ck_assert_ptr_nonnull(all);
		memcpy(all + used, text + CSV_HEADER_LEN, len - CSV_HEADER_LEN);
		used += len - CSV_HEADER_LEN;
		free(text);
	}
	if (!all)
		all = calloc(1, 1);
	ck_assert_ptr_nonnull(all);
	all[used] = '\0';
	*nseg = n;
	return all;
}

/*
 * Read the capture file path through the source into a plain-CSV capture
 * in the spool t, with filter (may be NULL) and at most max_rows a
 * segment. Returns what source_run_file() returned.
 */
static int
convert(struct tdir *t, const char *path, const char *filter,
    uint64_t max_rows)
{
	struct capture_cfg cfg;
	struct source src;
	struct capture c;
	int r;

	ck_assert_int_eq(source_open_file(&src, path, &ctl), WGTAP_OK);
	ck_assert(!src.live);
	ck_assert(src.nano);
	ck_assert_int_eq(source_check_dlt(&src), WGTAP_OK);
	ck_assert_int_eq(source_set_filter(&src, filter), WGTAP_OK);
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.iface, sizeof(cfg.iface), "t0");
	cfg.dlt = source_dlt(&src);
	cfg.max_rows = max_rows;
	cfg.interval_ns = 300 * NS;
	cfg.wait_for_space = true;
	cfg.seg.dirfd = t->fd;
	cfg.seg.level = 1;
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	if (term_before_run)
		term_flag = 1;
	r = source_run_file(&src, &c, &ctl);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	last_st = c.st;
	last_reads = src.reads;
	capture_free(&c);
	source_close(&src);
	ck_assert_ptr_null(src.p);
	return r;
}

/*
 * Each fixture with its rows, and how many of its packets have a time out
 * of range (bad-time: classic pcap seconds of 0x80000000 and 0xffffffff,
 * which libpcap sign-extends; ng-bad-time: pcapng at 2e10 s and at the
 * first second past 2262-04-11): those give no row and are counted as
 * bad_timestamp, and the conversion goes on to the end.
 */
static const struct {
	const char	*pcap, *csv;
	uint64_t	 bad_times;
} fixtures[] = {
	{ "raw-ns.pcap", "raw-ns.csv", 0 },
	{ "raw-us-le.pcap", "raw-us-le.csv", 0 },
	{ "raw-us-be.pcap", "raw-us-be.csv", 0 },
	{ "ipv4.pcap", "ipv4.csv", 0 },
	{ "ipv6.pcap", "ipv6.csv", 0 },
	{ "null.pcap", "null.csv", 0 },
	{ "loop.pcap", "loop.csv", 0 },
	{ "sll.pcap", "sll.csv", 0 },
	{ "sll2.pcap", "sll2.csv", 0 },
	{ "ng-ns.pcapng", "ng-ns.csv", 0 },
	{ "ng-us.pcapng", "ng-us.csv", 0 },
	{ "bad-time.pcap", "bad-time.csv", 2 },
	{ "ng-bad-time.pcapng", "ng-bad-time.csv", 2 },
};

START_TEST(test_source_run_file_fixtures)
{
	char *want, *got;
	struct tdir t;
	size_t nseg;

	tdir_make(&t);
	ck_assert_int_eq(convert(&t, fixture(fixtures[_i].pcap), NULL, 1000000),
	    WGTAP_OK);
	want = fixture_rows(fixtures[_i].csv);
	got = spool_rows(t.fd, &nseg);
	ck_assert_uint_eq(nseg, 1);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(last_st.rows, check_count_lines(want));
	ck_assert_uint_eq(last_st.skipped[PKT_SKIP_BAD_TIME],
	    fixtures[_i].bad_times);
	ck_assert_uint_eq(last_st.segments, 1);
	free(want);
	free(got);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_source_open_file_stdin)
{
	char *want, *got;
	struct tdir t;
	size_t nseg;
	int fd;

	fd = open(fixture("ng-ns.pcapng"), O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	tdir_make(&t);
	ck_assert_int_eq(convert(&t, "-", NULL, 1000000), WGTAP_OK);
	want = fixture_rows("ng-ns.csv");
	got = spool_rows(t.fd, &nseg);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_source_open_file_bad)
{
	char path[128];
	struct source src;
	struct tdir t;
	int fd;

	ck_assert_int_eq(source_open_file(&src, "/nonexistent/x.pcap", &ctl),
	    WGTAP_ESYS);
	ck_assert_ptr_null(src.p);
	source_close(&src);
	/* Not a capture file: refused at the header. */
	tdir_make(&t);
	fd = openat(t.fd, "garbage.pcap", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "GET / HTTP/1.1\r\n\r\n", 18), 18);
	close(fd);
	snprintf(path, sizeof(path), "%s/garbage.pcap", t.path);
	ck_assert_int_eq(source_open_file(&src, path, &ctl), WGTAP_EFORMAT);
	ck_assert_ptr_null(src.p);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_source_check_dlt_ethernet)
{
	struct source src;

	ck_assert_int_eq(source_open_file(&src, fixture("en10mb.pcap"), &ctl),
	    WGTAP_OK);
	ck_assert_str_eq(source_dlt_name(&src), "EN10MB");
	ck_assert_int_eq(source_check_dlt(&src), WGTAP_EFORMAT);
	source_close(&src);
	ck_assert_int_eq(source_open_file(&src, fixture("sll2.pcap"), &ctl),
	    WGTAP_OK);
	ck_assert_str_eq(source_dlt_name(&src), "LINUX_SLL2");
	ck_assert_int_eq(source_check_dlt(&src), WGTAP_OK);
	source_close(&src);
}
END_TEST

/* The rows before the cut are kept, in a completed segment. */
START_TEST(test_source_run_file_cut_record)
{
	char *want, *got;
	struct tdir t;
	size_t nseg;

	tdir_make(&t);
	ck_assert_int_eq(convert(&t, fixture("cut-record.pcap"), NULL, 1000000),
	    WGTAP_EFORMAT);
	want = fixture_rows("cut-record.csv");
	got = spool_rows(t.fd, &nseg);
	ck_assert_uint_eq(nseg, 1);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
	tdir_remove(&t);
}
END_TEST

/* Only the lines of want that contain needle, in order. */
static char *
lines_with(const char *want, const char *needle)
{
	char *out = calloc(1, strlen(want) + 1);
	const char *p = want, *nl;
	size_t o = 0;

	ck_assert_ptr_nonnull(out);
	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		if (memmem(p, (size_t)(nl - p), needle, strlen(needle))) {
			memcpy(out + o, p, (size_t)(nl - p) + 1);
			o += (size_t)(nl - p) + 1;
		}
	}
	return out;
}

START_TEST(test_source_set_filter)
{
	char *all, *want, *got;
	struct source src;
	struct tdir t;
	size_t nseg;

	tdir_make(&t);
	/* IPv6 only: the rows with a ':' in them */
	ck_assert_int_eq(convert(&t, fixture("raw-ns.pcap"), "ip6", 1000000),
	    WGTAP_OK);
	all = fixture_rows("raw-ns.csv");
	want = lines_with(all, ":");
	ck_assert_uint_gt(strlen(want), 0);
	ck_assert_uint_lt(strlen(want), strlen(all));
	got = spool_rows(t.fd, &nseg);
	ck_assert_str_eq(got, want);
	free(all);
	free(want);
	free(got);
	tdir_remove(&t);

	ck_assert_int_eq(source_open_file(&src, fixture("raw-ns.pcap"), &ctl),
	    WGTAP_OK);
	ck_assert_int_eq(source_set_filter(&src, "udp port"), WGTAP_EFORMAT);
	ck_assert_int_eq(source_set_filter(&src, NULL), WGTAP_OK);
	source_close(&src);
}
END_TEST

/* SIGHUP after the first packet: a segment of one row, the flag cleared. */
START_TEST(test_source_run_file_hup)
{
	char names[MAX_SEGS][SPOOL_MAX_NAME], *want, *got, *text;
	struct tdir t;
	size_t nseg, len;

	tdir_make(&t);
	hup_flag = 1;
	ck_assert_int_eq(convert(&t, fixture("ipv4.pcap"), NULL, 1000000),
	    WGTAP_OK);
	ck_assert_int_eq(hup_flag, 0);
	ck_assert_uint_eq(check_finals(t.fd, names, MAX_SEGS), 2);
	text = slurp(t.fd, names[0], &len);
	ck_assert_uint_eq(check_count_lines(text), 2);
	free(text);
	want = fixture_rows("ipv4.csv");
	got = spool_rows(t.fd, &nseg);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
	tdir_remove(&t);
}
END_TEST

/* SIGTERM before the first packet: nothing read, a clean end. */
START_TEST(test_source_run_file_term)
{
	char *got;
	struct tdir t;
	size_t nseg;

	tdir_make(&t);
	term_before_run = true;
	ck_assert_int_eq(convert(&t, fixture("ipv4.pcap"), NULL, 1000000),
	    WGTAP_OK);
	got = spool_rows(t.fd, &nseg);
	ck_assert_uint_eq(nseg, 0);
	ck_assert_str_eq(got, "");
	free(got);
	term_flag = 0;
	term_before_run = false;
	tdir_remove(&t);
}
END_TEST

/*
 * The file is read 1 MiB at a time: 3 MiB of records in 4 reads (the last
 * one finds the end), not one per 4 KiB or 8 KiB as with stdio's default
 * buffer. Every record gives its row.
 */
START_TEST(test_source_run_file_read_size)
{
	static const uint8_t rec[16 + 28] = {
		/* ts 2026-01-01T00:00:00Z, caplen 28, len 28 (little-endian) */
		0x00, 0xb9, 0x55, 0x69, 0, 0, 0, 0, 28, 0, 0, 0, 28, 0, 0, 0,
		/* IPv4 UDP 192.0.2.1:1 -> 192.0.2.2:2, no data */
		0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0,
		192, 0, 2, 1, 192, 0, 2, 2, 0, 1, 0, 2, 0, 8, 0, 0,
	};
	static const uint8_t hdr[24] = {
		0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 4, 0, 101, 0, 0, 0,
	};
	const size_t nrec = (3 << 20) / sizeof(rec);
	char path[256];
	struct tdir t, in;
	size_t i;
	FILE *f;

	tdir_make(&t);
	tdir_make(&in);
	snprintf(path, sizeof(path), "%s/3m.pcap", in.path);
	f = fopen(path, "wbe");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(hdr, sizeof(hdr), 1, f), 1);
	for (i = 0; i < nrec; i++)
		ck_assert_uint_eq(fwrite(rec, sizeof(rec), 1, f), 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(convert(&t, path, NULL, UINT32_MAX), WGTAP_OK);
	ck_assert_uint_eq(last_st.rows, nrec);
	ck_assert_uint_eq(last_reads, 4);
	ck_assert_int_eq(unlink(path), 0);
	tdir_remove(&in);
	tdir_remove(&t);
}
END_TEST

/* SIGTERM before the file header was read: the open fails, nothing read. */
START_TEST(test_source_open_file_term)
{
	struct source src;

	term_flag = 1;
	ck_assert_int_eq(source_open_file(&src, fixture("ipv4.pcap"), &ctl),
	    WGTAP_EFORMAT);
	ck_assert_ptr_null(src.p);
	ck_assert_uint_eq(src.bytes, 0);
	term_flag = 0;
	source_close(&src);
}
END_TEST

/* Rotation by count over a file: the rows split, none lost or doubled. */
START_TEST(test_source_run_file_rotates)
{
	char *want, *got;
	struct tdir t;
	size_t nseg, rows;

	tdir_make(&t);
	ck_assert_int_eq(convert(&t, fixture("raw-ns.pcap"), NULL, 10),
	    WGTAP_OK);
	want = fixture_rows("raw-ns.csv");
	rows = check_count_lines(want);
	got = spool_rows(t.fd, &nseg);
	ck_assert_uint_eq(nseg, (rows + 9) / 10);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_source_open_live_no_such_interface)
{
	struct source src;

	ck_assert_int_ne(source_open_live(&src, "wgtap-nonexist", 65535,
	    1 << 20), WGTAP_OK);
	ck_assert_ptr_null(src.p);
	ck_assert(src.live);
	ck_assert_str_eq(src.name, "wgtap-nonexist");
	source_close(&src);
}
END_TEST

START_TEST(test_source_open_live_any_no_such_interface)
{
	struct errcap ec;
	struct source src;
	char *err;

	errcap_start(&ec);
	ck_assert_int_eq(source_open_live_any(&src, "wgtap-nonexist", 65535,
	    1 << 20), WGTAP_ESYS);
	err = errcap_end(&ec);
	ck_assert_ptr_nonnull(strstr(err, "error: interface wgtap-nonexist: "
	    "no such interface\n"));
	free(err);
	ck_assert_ptr_null(src.p);
	source_close(&src);
}
END_TEST

/*
 * Through "any" (root only): link type LINUX_SLL2, the interface's index,
 * and a --filter expression combined with "ifindex N"; a bad one is
 * refused quoting only what was given.
 */
START_TEST(test_source_open_live_any_lo)
{
	struct errcap ec;
	struct source src;
	char *err;

	if (geteuid() != 0)
		return;		/* capturing needs the privilege */
	ck_assert_int_eq(source_open_live_any(&src, "lo", 65535, 1 << 20),
	    WGTAP_OK);
	ck_assert_int_eq(source_dlt(&src), DLT_LINUX_SLL2);
	ck_assert_uint_eq(src.ifindex, if_nametoindex("lo"));
	ck_assert_int_ne(src.fd, -1);
	ck_assert_int_eq(source_set_filter(&src, "udp port 53"), WGTAP_OK);
	ck_assert_int_eq(source_set_filter(&src, NULL), WGTAP_OK);
	errcap_start(&ec);
	ck_assert_int_eq(source_set_filter(&src, "udp port"), WGTAP_EFORMAT);
	err = errcap_end(&ec);
	ck_assert_ptr_nonnull(strstr(err, "bad value for --filter: "
	    "'udp port' ("));
	free(err);
	source_close(&src);
}
END_TEST

/*
 * Without the privilege to capture (as nobody, in a child process): one
 * line that says what is missing.
 */
START_TEST(test_source_open_live_permission_denied)
{
	char line[512];
	struct source src;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		if (geteuid() == 0 && (setgroups(0, NULL) == -1 ||
		    setresgid(65534, 65534, 65534) == -1 ||
		    setresuid(65534, 65534, 65534) == -1))
			_exit(3);
		_exit(source_open_live(&src, "lo", 65535, 1 << 20) ==
		    WGTAP_ESYS && !src.p ? 0 : 4);
	}
	close(p[1]);
	n = read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_gt(n, 0);
	line[n] = '\0';
	ck_assert_str_eq(strchr(line, ' ') + 1, "error: interface lo: "
	    "permission denied (run as root, or give the binary CAP_NET_RAW "
	    "and CAP_NET_ADMIN)\n");
}
END_TEST

Suite *
source_suite(void)
{
	Suite *s = suite_create("source");
	TCase *tc;

	tc = tcase_create("source_run_file");
	tcase_add_loop_test(tc, test_source_run_file_fixtures, 0,
	    (int)(sizeof(fixtures) / sizeof(fixtures[0])));
	tcase_add_test(tc, test_source_run_file_cut_record);
	tcase_add_test(tc, test_source_run_file_hup);
	tcase_add_test(tc, test_source_run_file_term);
	tcase_add_test(tc, test_source_run_file_rotates);
	tcase_add_test(tc, test_source_run_file_read_size);
	suite_add_tcase(s, tc);
	tc = tcase_create("source_open_file");
	tcase_add_test(tc, test_source_open_file_stdin);
	tcase_add_test(tc, test_source_open_file_bad);
	tcase_add_test(tc, test_source_open_file_term);
	suite_add_tcase(s, tc);
	tc = tcase_create("source_check_dlt");
	tcase_add_test(tc, test_source_check_dlt_ethernet);
	tcase_add_test(tc, test_source_open_live_any_no_such_interface);
	tcase_add_test(tc, test_source_open_live_any_lo);
	suite_add_tcase(s, tc);
	tc = tcase_create("source_set_filter");
	tcase_add_test(tc, test_source_set_filter);
	suite_add_tcase(s, tc);
	tc = tcase_create("source_open_live");
	tcase_add_test(tc, test_source_open_live_no_such_interface);
	tcase_add_test(tc, test_source_open_live_permission_denied);
	suite_add_tcase(s, tc);
	return s;
}
