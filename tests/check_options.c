// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/options.c: the defaults, every flag in its long
 * and short form, each bad value refused with exit status 2 and one line
 * naming the flag and quoting the value, the first bad flag on the line
 * being the one reported, --help and --version on stdout with status 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "log.h"
#include "options.h"
#include "segment.h"
#include "wgtap.h"

#define NS	1000000000ULL
#define MAX_ARGS	40

/* The argument vector of the last parse: *o points into it. */
static char *kept_argv[MAX_ARGS + 2];

/*
 * options_parse() on "wgtap-capture" and the NULL-terminated args, with
 * what it writes to fd (STDOUT_FILENO or STDERR_FILENO) in out.
 */
static int
parse(const char *const *args, int fd, char *out, size_t cap,
    struct options *o)
{
	int argc = 0, saved, r, i;
	FILE *tmp;
	size_t n;

	for (i = 0; kept_argv[i]; i++) {
		free(kept_argv[i]);
		kept_argv[i] = NULL;
	}
	kept_argv[argc++] = strdup(OPTIONS_PROG);
	for (i = 0; args[i]; i++) {
		ck_assert_int_lt(argc, MAX_ARGS);
		kept_argv[argc++] = strdup(args[i]);
	}
	kept_argv[argc] = NULL;
	fflush(stdout);
	tmp = tmpfile();
	ck_assert_ptr_nonnull(tmp);
	saved = dup(fd);
	ck_assert_int_ne(saved, -1);
	ck_assert_int_eq(dup2(fileno(tmp), fd), fd);
	r = options_parse(argc, kept_argv, o);
	fflush(stdout);
	ck_assert_int_eq(dup2(saved, fd), fd);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, cap - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return r;
}

START_TEST(test_options_parse_defaults)
{
	static const char *const args[] = { NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(args, STDERR_FILENO, err, sizeof(err), &o),
	    OPTIONS_RUN);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(o.iface, "wg0");
	ck_assert_ptr_null(o.read_file);
	ck_assert_str_eq(o.spool_dir, "/var/spool/wgtap");
	ck_assert_ptr_null(o.filter);
	ck_assert_ptr_null(o.user);
	ck_assert_uint_eq(o.max_rows, 1000000);
	ck_assert_uint_eq(o.interval_ns, 300 * NS);
	ck_assert_uint_eq(o.sync_ns, NS);
	ck_assert_uint_eq(o.cap, 1ULL << 30);
	ck_assert_uint_eq(o.snaplen, 65535);
	ck_assert_uint_eq(o.buffer, 16ULL << 20);
	ck_assert_uint_eq(o.level, 1);
	ck_assert(o.gzip);
	ck_assert(!o.verbose);
	ck_assert_int_eq(o.format, 1);
}
END_TEST

START_TEST(test_options_parse_long_flags)
{
	static const char *const args[] = {
		"--iface", "wg-home.1", "--read", "in.pcap", "--spool-dir",
		"/srv/spool", "--max-packets-per-log", "4294967295",
		"--packet-log-interval", "90s", "--compress", "none",
		"--gzip-level", "9", "--filter", "udp port 53",
		"--spool-max-bytes", "4M", "--sync-interval", "0",
		"--user", "root", "--snaplen", "128", "--buffer-size", "2G",
		"--format", "v2", "--verbose", "--peers", "wg0.dump", NULL,
	};
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(args, STDERR_FILENO, err, sizeof(err), &o),
	    OPTIONS_RUN);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(o.iface, "wg-home.1");
	ck_assert_str_eq(o.read_file, "in.pcap");
	ck_assert_str_eq(o.spool_dir, "/srv/spool");
	ck_assert_str_eq(o.filter, "udp port 53");
	ck_assert_str_eq(o.user, "root");
	ck_assert_uint_eq(o.max_rows, 4294967295ULL);
	ck_assert_uint_eq(o.interval_ns, 90 * NS);
	ck_assert_uint_eq(o.sync_ns, 0);
	ck_assert_uint_eq(o.cap, 4ULL << 20);
	ck_assert_uint_eq(o.snaplen, 128);
	ck_assert_uint_eq(o.buffer, 2ULL << 30);
	ck_assert_uint_eq(o.level, 9);
	ck_assert(!o.gzip);
	ck_assert(o.verbose);
	ck_assert_int_eq(o.format, 2);
	ck_assert_str_eq(o.peers, "wg0.dump");
}
END_TEST

START_TEST(test_options_parse_short_flags)
{
	static const char *const args[] = {
		"-i", "t0", "-r", "-", "-d", "spool", "-n", "7", "-t", "2",
		"-v", "--spool-max-bytes=0", "--sync-interval=250ms", NULL,
	};
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(args, STDERR_FILENO, err, sizeof(err), &o),
	    OPTIONS_RUN);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(o.iface, "t0");
	ck_assert_str_eq(o.read_file, "-");
	ck_assert_str_eq(o.spool_dir, "spool");
	ck_assert_uint_eq(o.max_rows, 7);
	ck_assert_uint_eq(o.interval_ns, 120 * NS);	/* minutes */
	ck_assert_uint_eq(o.cap, 0);
	ck_assert_uint_eq(o.sync_ns, NS / 4);
	ck_assert(o.verbose);
	ck_assert(o.gzip);
}
END_TEST

/* --compress zstd with --level; --level for gzip; the defaults. */
START_TEST(test_options_parse_levels)
{
	static const char *const zstd[] = { "--level", "12", "--compress",
	    "zstd", NULL };
	static const char *const gz[] = { "--compress", "gzip", "--level",
	    "6", NULL };
	static const char *const zdef[] = { "--compress", "zstd", NULL };
	struct options o;
	char err[256];

	ck_assert_int_eq(parse(zstd, STDERR_FILENO, err, sizeof(err), &o),
	    OPTIONS_RUN);
	ck_assert_str_eq(err, "");
	ck_assert(o.zstd);
	ck_assert(!o.gzip);
	ck_assert_uint_eq(o.zstd_level, 12);
	ck_assert_uint_eq(o.level, 1);
	ck_assert_int_eq(parse(gz, STDERR_FILENO, err, sizeof(err), &o),
	    OPTIONS_RUN);
	ck_assert(o.gzip);
	ck_assert(!o.zstd);
	ck_assert_uint_eq(o.level, 6);
	ck_assert_int_eq(parse(zdef, STDERR_FILENO, err, sizeof(err), &o),
	    OPTIONS_RUN);
	ck_assert(o.zstd);
	ck_assert_uint_eq(o.zstd_level, SEGMENT_ZSTD_LEVEL);
}
END_TEST

#define INTERVAL_WHAT	"(minutes, or a number with ms, s, m or h such as " \
	"2.5, 90s or 1.5h, from 1s to 24h)"
#define SYNC_WHAT	"(seconds, or a number with ms, s, m or h such as " \
	"0.5, 250ms or 1.5s, up to 1h; 0 turns it off)"

/*
 * Durations with a fraction or a unit, in nanoseconds: a bare number is
 * in seconds for --sync-interval and in minutes for -t.
 */
static const struct {
	const char	*flag, *value;
	uint64_t	 ns;
} durations[] = {
	{ "--sync-interval", "1.0", NS },
	{ "--sync-interval", "0.5", NS / 2 },
	{ "--sync-interval", "1.5s", 3 * NS / 2 },
	{ "--sync-interval", "250ms", NS / 4 },
	{ "--sync-interval", "2", 2 * NS },
	{ "--sync-interval", "0.0", 0 },
	{ "--sync-interval", "1h", 3600 * NS },
	{ "--packet-log-interval", "2.5", 150 * NS },
	{ "--packet-log-interval", "90s", 90 * NS },
	{ "--packet-log-interval", "1.5h", 5400 * NS },
	{ "--packet-log-interval", "2", 120 * NS },
	{ "--packet-log-interval", "1500ms", 3 * NS / 2 },
	{ "--packet-log-interval", "0.5", 30 * NS },
	{ "-t", "24.0h", 24 * 3600 * NS },
};

START_TEST(test_options_parse_durations)
{
	const char *args[3] = { durations[_i].flag, durations[_i].value, NULL };
	struct options o;
	char err[256];
	uint64_t got;

	ck_assert_int_eq(parse(args, STDERR_FILENO, err, sizeof(err), &o),
	    OPTIONS_RUN);
	ck_assert_str_eq(err, "");
	got = strcmp(durations[_i].flag, "--sync-interval") == 0 ? o.sync_ns :
	    o.interval_ns;
	ck_assert_msg(got == durations[_i].ns, "%s %s: %llu ns, want %llu",
	    durations[_i].flag, durations[_i].value, (unsigned long long)got,
	    (unsigned long long)durations[_i].ns);
}
END_TEST

/* args, then the message after "PROG: error: " */
static const char *const bad[][5] = {
	{ "--iface", ".wg0", NULL, NULL,
	    "bad value for --iface: '.wg0' (1 to 31 of A-Z a-z 0-9 _ . -, "
	    "not starting with . or -)" },
	{ "-i", "abcdefghijabcdefghijabcdefghijab", NULL, NULL,
	    "bad value for --iface: 'abcdefghijabcdefghijabcdefghijab' (1 to "
	    "31 of A-Z a-z 0-9 _ . -, not starting with . or -)" },
	{ "-n", "0", NULL, NULL, "bad value for --max-packets-per-log: '0' "
	    "(a whole number from 1 to 4294967295)" },
	{ "-n", "4294967296", NULL, NULL, "bad value for "
	    "--max-packets-per-log: '4294967296' (a whole number from 1 to "
	    "4294967295)" },
	{ "-t", "500ms", NULL, NULL, "bad value for --packet-log-interval: "
	    "'500ms' " INTERVAL_WHAT },
	{ "-t", "25h", NULL, NULL, "bad value for --packet-log-interval: "
	    "'25h' " INTERVAL_WHAT },
	{ "-t", "24.01h", NULL, NULL, "bad value for --packet-log-interval: "
	    "'24.01h' " INTERVAL_WHAT },
	{ "-t", "0.01", NULL, NULL, "bad value for --packet-log-interval: "
	    "'0.01' " INTERVAL_WHAT },
	{ "-t", "1.5.5", NULL, NULL, "bad value for --packet-log-interval: "
	    "'1.5.5' " INTERVAL_WHAT },
	{ "-t", "1e3", NULL, NULL, "bad value for --packet-log-interval: "
	    "'1e3' " INTERVAL_WHAT },
	{ "-t", "-1", NULL, NULL, "bad value for --packet-log-interval: "
	    "'-1' " INTERVAL_WHAT },
	{ "-t", "5x", NULL, NULL, "bad value for --packet-log-interval: "
	    "'5x' " INTERVAL_WHAT },
	{ "-t", ".", NULL, NULL, "bad value for --packet-log-interval: "
	    "'.' " INTERVAL_WHAT },
	{ "-t", "", NULL, NULL, "bad value for --packet-log-interval: "
	    "'' " INTERVAL_WHAT },
	{ "-t", "99999999999999999999", NULL, NULL, "bad value for "
	    "--packet-log-interval: '99999999999999999999' " INTERVAL_WHAT },
	{ "--compress", "bz2", NULL, NULL,
	    "bad value for --compress: 'bz2' (gzip, zstd or none)" },
	{ "--gzip-level", "10", NULL, NULL,
	    "bad value for --gzip-level: '10' (1 to 9)" },
	{ "--gzip-level", "0", NULL, NULL,
	    "bad value for --gzip-level: '0' (1 to 9)" },
	{ "--spool-max-bytes", "1M", NULL, NULL, "bad value for "
	    "--spool-max-bytes: '1M' (0, or a size of at least 4M)" },
	{ "--spool-max-bytes", "-1", NULL, NULL, "bad value for "
	    "--spool-max-bytes: '-1' (0, or a size of at least 4M)" },
	{ "--sync-interval", "2h", NULL, NULL, "bad value for "
	    "--sync-interval: '2h' " SYNC_WHAT },
	{ "--sync-interval", "1.5.5", NULL, NULL, "bad value for "
	    "--sync-interval: '1.5.5' " SYNC_WHAT },
	{ "--sync-interval", "1e3", NULL, NULL, "bad value for "
	    "--sync-interval: '1e3' " SYNC_WHAT },
	{ "--sync-interval", "-1", NULL, NULL, "bad value for "
	    "--sync-interval: '-1' " SYNC_WHAT },
	{ "--sync-interval", "5x", NULL, NULL, "bad value for "
	    "--sync-interval: '5x' " SYNC_WHAT },
	{ "--sync-interval", ".", NULL, NULL, "bad value for "
	    "--sync-interval: '.' " SYNC_WHAT },
	{ "--sync-interval", "", NULL, NULL, "bad value for "
	    "--sync-interval: '' " SYNC_WHAT },
	{ "--sync-interval", "18446744074", NULL, NULL, "bad value for "
	    "--sync-interval: '18446744074' " SYNC_WHAT },
	{ "--sync-interval", "3600.5", NULL, NULL, "bad value for "
	    "--sync-interval: '3600.5' " SYNC_WHAT },
	{ "--snaplen", "127", NULL, NULL,
	    "bad value for --snaplen: '127' (128 to 262144)" },
	{ "--buffer-size", "512K", NULL, NULL,
	    "bad value for --buffer-size: '512K' (1M to 2G)" },
	{ "--buffer-size", "3G", NULL, NULL,
	    "bad value for --buffer-size: '3G' (1M to 2G)" },
	{ "--format", "v3", NULL, NULL,
	    "bad value for --format: 'v3' (v1 or v2)" },
	{ "--format", "2", NULL, NULL,
	    "bad value for --format: '2' (v1 or v2)" },
	{ "--format", "", NULL, NULL,
	    "bad value for --format: '' (v1 or v2)" },
	{ "--peers", "d", NULL, NULL, "bad value for --peers: 'd' (only with "
	    "-r and --format v2; a live capture reads the interface's peers)" },
	{ "--peers", "d", "-r", "f", "bad value for --peers: 'd' (only with "
	    "-r and --format v2; a live capture reads the interface's peers)" },
	{ "--user", "wgtap-no-such-user", NULL, NULL, "bad value for --user: "
	    "'wgtap-no-such-user' (no such user)" },
	{ "--bogus", NULL, NULL, NULL,
	    "unknown option '--bogus' (see --help)" },
	{ "-x", NULL, NULL, NULL, "unknown option '-x' (see --help)" },
	{ "-n", NULL, NULL, NULL, "option '-n' needs a value (see --help)" },
	{ "--filter", NULL, NULL, NULL,
	    "option '--filter' needs a value (see --help)" },
	{ "wg0", NULL, NULL, NULL, "unexpected argument 'wg0' (see --help)" },
	/* the first bad flag on the line is the one reported */
	{ "-n", "5", "-n", "x", "bad value for --max-packets-per-log: 'x' "
	    "(a whole number from 1 to 4294967295)" },
	{ "--snaplen", "1", "--help", NULL,
	    "bad value for --snaplen: '1' (128 to 262144)" },
	{ "--gzip-level", "0", "--compress", "zip",
	    "bad value for --gzip-level: '0' (1 to 9)" },
	/* --level: the range is the chosen compression's */
	{ "--level", "20", "--compress", "zstd", "bad value for --level: "
	    "'20' (1 to 9 for gzip, 1 to 19 for zstd)" },
	{ "--level", "0", NULL, NULL, "bad value for --level: "
	    "'0' (1 to 9 for gzip, 1 to 19 for zstd)" },
	{ "--level", "10", NULL, NULL,
	    "bad value for --level: '10' (1 to 9 for gzip)" },
	{ "--level", "3", "--compress", "none",
	    "bad value for --level: '3' (no level with --compress none)" },
};

START_TEST(test_options_parse_bad)
{
	const char *args[5];
	char err[512], want[512];
	struct options o;
	int i;

	for (i = 0; i < 4 && bad[_i][i]; i++)
		args[i] = bad[_i][i];
	args[i] = NULL;
	ck_assert_int_eq(parse(args, STDERR_FILENO, err, sizeof(err), &o), 2);
	snprintf(want, sizeof(want), "%s: error: %s\n", log_prog(),
	    bad[_i][4]);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_options_parse_help_and_version)
{
	static const char *const help[] = { "--help", "--bogus", NULL };
	static const char *const version[] = { "-V", NULL };
	struct options o;
	char out[4096];

	/* --help wins over what follows it */
	ck_assert_int_eq(parse(help, STDOUT_FILENO, out, sizeof(out), &o), 0);
	ck_assert_int_eq(strncmp(out, "usage: wgtap-capture [options]\n",
	    31), 0);
	ck_assert_ptr_nonnull(strstr(out,
	    "  -d, --spool-dir DIR            the spool (default "
	    "/var/spool/wgtap)\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nExit status: 0 done"));
	/* durations: decimals and units */
	ck_assert_ptr_nonnull(strstr(out,
	    "  -t, --packet-log-interval DUR  segment age limit: minutes (2.5), "
	    "or with\n"
	    "                                 a unit ms, s, m, h (90s, 1.5h); "
	    "default 5\n"));
	ck_assert_ptr_nonnull(strstr(out,
	    "often: seconds (0.5), or with a unit ms,\n"
	    "                                 s, m, h (250ms, 1.5s); default 1; "
	    "0 = off\n"));
	ck_assert_int_eq(out[strlen(out) - 1], '\n');
	ck_assert_int_eq(parse(version, STDOUT_FILENO, out, sizeof(out), &o),
	    0);
	ck_assert_str_eq(out, "wgtap-capture " WGTAP_VERSION "\n");
}
END_TEST

Suite *
options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("options_parse");

	tcase_add_test(tc, test_options_parse_defaults);
	tcase_add_test(tc, test_options_parse_long_flags);
	tcase_add_test(tc, test_options_parse_short_flags);
	tcase_add_test(tc, test_options_parse_levels);
	tcase_add_loop_test(tc, test_options_parse_durations, 0,
	    (int)(sizeof(durations) / sizeof(durations[0])));
	tcase_add_loop_test(tc, test_options_parse_bad, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_options_parse_help_and_version);
	suite_add_tcase(s, tc);
	return s;
}
