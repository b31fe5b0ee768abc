// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/config.c: the option loop (defaults, every flag,
 * numbers at and past their bounds, words, unknown and value-less flags,
 * --help and --version), the check of the whole (mode and FILE names,
 * bucket, region, endpoint, CA file, key prefix, host label, --check) with
 * the one line each failure logs. The keys are creds.c's (check_creds.c).
 * main.c turns
 * CONFIG_USAGE and every failed check into exit status 2; t-ship-cli.sh
 * runs the program for that.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "config.h"
#include "wgtap.h"

static enum config_action
parse(char **argv, struct config *cfg)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return config_parse(argc, argv, cfg);
}

/* config_parse(), then config_check() with the line it logs in *line. */
static int
parse_check(char **argv, struct config *cfg, char **line)
{
	struct errcap cap;
	int r;

	ck_assert_int_eq(parse(argv, cfg), CONFIG_RUN);
	errcap_start(&cap);
	r = config_check(cfg);
	*line = errcap_end(&cap);
	return r;
}

START_TEST(test_config_parse_defaults)
{
	char *argv[] = { "wgtap-ship", NULL };
	struct config cfg;

	ck_assert_int_eq(parse(argv, &cfg), CONFIG_RUN);
	ck_assert_str_eq(cfg.spool_dir, "/var/spool/wgtap");
	ck_assert_ptr_null(cfg.bucket);
	ck_assert_str_eq(cfg.region, "us-east-1");
	ck_assert_ptr_null(cfg.endpoint_url);
	ck_assert_str_eq(cfg.key_prefix, "wgtap/");
	ck_assert_ptr_null(cfg.host_label);
	ck_assert_ptr_null(cfg.ca_file);
	ck_assert(!cfg.once && !cfg.keep && !cfg.verbose && !cfg.check);
	ck_assert_uint_eq(cfg.max_attempts, 5);
	ck_assert_int_eq(cfg.timeout, 30);
	ck_assert_uint_eq(cfg.backoff_max_ms, 60000);
	ck_assert_int_eq(cfg.addressing, S3_ADDR_AUTO);
	ck_assert_int_eq(cfg.nfiles, 0);
}
END_TEST

START_TEST(test_config_parse_every_flag)
{
	char *argv[] = { "wgtap-ship", "--spool-dir", "/s", "--storage-bucket",
	    "bkt", "--storage-endpoint", "http://127.0.0.1:9000",
	    "--storage-region", "eu-west-1", "--storage-addressing", "virtual",
	    "--key-prefix", "p", "--host-label", "gw1", "--keep", "--ca-file",
	    "/ca.pem", "--max-attempts", "1000", "--timeout", "3600",
	    "--backoff-max", "86400", "-v", "--check", "/a/b", "c", NULL };
	struct config cfg;

	ck_assert_int_eq(parse(argv, &cfg), CONFIG_RUN);
	ck_assert_str_eq(cfg.spool_dir, "/s");
	ck_assert_str_eq(cfg.bucket, "bkt");
	ck_assert_str_eq(cfg.endpoint_url, "http://127.0.0.1:9000");
	ck_assert_str_eq(cfg.region, "eu-west-1");
	ck_assert_int_eq(cfg.addressing, S3_ADDR_VIRTUAL);
	ck_assert_str_eq(cfg.key_prefix, "p");
	ck_assert_str_eq(cfg.host_label, "gw1");
	ck_assert(cfg.keep && cfg.verbose && cfg.check && !cfg.once);
	ck_assert_str_eq(cfg.ca_file, "/ca.pem");
	ck_assert_uint_eq(cfg.max_attempts, 1000);
	ck_assert_int_eq(cfg.timeout, 3600);
	ck_assert_uint_eq(cfg.backoff_max_ms, 86400000);
	ck_assert_int_eq(cfg.nfiles, 2);
	ck_assert_str_eq(cfg.files[0], "/a/b");
	ck_assert_str_eq(cfg.files[1], "c");
}
END_TEST

START_TEST(test_config_parse_addressing)
{
	char *path[] = { "x", "--storage-addressing", "path", NULL };
	char *aut[] = { "x", "--storage-addressing=auto", "--once", NULL };
	struct config cfg;

	ck_assert_int_eq(parse(path, &cfg), CONFIG_RUN);
	ck_assert_int_eq(cfg.addressing, S3_ADDR_PATH);
	ck_assert_int_eq(parse(aut, &cfg), CONFIG_RUN);
	ck_assert_int_eq(cfg.addressing, S3_ADDR_AUTO);
	ck_assert(cfg.once);
}
END_TEST

/* Each of these stops the loop with one line and CONFIG_USAGE. */
static const struct {
	const char	*args[4];
	const char	*line;
} bad_flags[] = {
	{ { "--bogus" }, "unknown flag --bogus (see --help)" },
	{ { "-x" }, "unknown flag -x (see --help)" },
	{ { "--timeout" }, "--timeout needs a value (see --help)" },
	{ { "--storage-addressing", "dns" }, "--storage-addressing: \"dns\" "
	    "is not auto, path or virtual" },
	{ { "--max-attempts", "0" },
	    "--max-attempts: \"0\" is not a number from 1 to 1000" },
	{ { "--max-attempts", "1001" },
	    "--max-attempts: \"1001\" is not a number from 1 to 1000" },
	{ { "--max-attempts", "x" },
	    "--max-attempts: \"x\" is not a number from 1 to 1000" },
	{ { "--timeout", "-5" },
	    "--timeout: \"-5\" is not a number from 1 to 3600" },
	{ { "--timeout", "3601" },
	    "--timeout: \"3601\" is not a number from 1 to 3600" },
	{ { "--backoff-max", "1.5" },
	    "--backoff-max: \"1.5\" is not a number from 1 to 86400" },
	/* the first bad flag ends the loop, before --help */
	{ { "--timeout", "0", "--help" },
	    "--timeout: \"0\" is not a number from 1 to 3600" },
};

START_TEST(test_config_parse_bad)
{
	char *argv[8] = { "wgtap-ship" };
	struct errcap cap;
	struct config cfg;
	char *line, want[256];
	int i;

	for (i = 0; i < 4 && bad_flags[_i].args[i]; i++)
		argv[1 + i] = (char *)bad_flags[_i].args[i];
	argv[1 + i] = NULL;
	errcap_start(&cap);
	ck_assert_int_eq(parse(argv, &cfg), CONFIG_USAGE);
	line = errcap_end(&cap);
	snprintf(want, sizeof(want), "wgtap: error: %s\n", bad_flags[_i].line);
	ck_assert_str_eq(line, want);
	free(line);
}
END_TEST

START_TEST(test_config_parse_help_version)
{
	char *help[] = { "x", "--storage-bucket", "b", "--help", "--bogus",
	    NULL };
	char *h[] = { "x", "-h", NULL };
	char *version[] = { "x", "--version", NULL };
	char *v[] = { "x", "-V", NULL };
	struct config cfg;

	ck_assert_int_eq(parse(help, &cfg), CONFIG_HELP);
	ck_assert_int_eq(parse(h, &cfg), CONFIG_HELP);
	ck_assert_int_eq(parse(version, &cfg), CONFIG_VERSION);
	ck_assert_int_eq(parse(v, &cfg), CONFIG_VERSION);
}
END_TEST

START_TEST(test_config_usage_text)
{
	static const char *const flags[] = {
		"--spool-dir", "--storage-bucket", "--storage-endpoint",
		"--storage-region", "--storage-addressing", "--key-prefix",
		"--host-label", "--once", "--keep", "--ca-file",
		"--max-attempts", "--timeout", "--backoff-max", "--verbose",
		"--help", "--version", "--check", "AWS_ACCESS_KEY_ID",
		"CREDENTIALS_DIRECTORY", "AWS_SHARED_CREDENTIALS_FILE",
		"AWS_PROFILE", "AWS_EC2_METADATA_DISABLED",
	};
	char buf[8192];
	size_t i, n;
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	ck_assert_ptr_nonnull(f);
	config_usage(f);
	n = (size_t)ftell(f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_msg(strncmp(buf, "usage: wgtap-ship --storage-bucket NAME "
	    "[options] [FILE...]\n", 60) == 0, "%.80s", buf);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		ck_assert_msg(strstr(buf, flags[i]), "%s", flags[i]);
	/* the defaults are filled in */
	ck_assert_ptr_nonnull(strstr(buf, "tries per file, --once and "
	    "FILE... (default 5)"));
	ck_assert_ptr_nonnull(strstr(buf, "(default 30)"));
	ck_assert_ptr_nonnull(strstr(buf, "longest wait between retries "
	    "(default 60)"));
	ck_assert_ptr_nonnull(strstr(buf, "host=HOST/dt=YYYY-MM-DD/hour=HH/"));
}
END_TEST

START_TEST(test_config_check_derived)
{
	char *argv[] = { "x", "--storage-bucket", "bkt", "--storage-region",
	    "eu-west-1", "--key-prefix", "logs/gw", "--host-label", "gw-1",
	    NULL };
	char *endpoint[] = { "x", "--storage-bucket", "bkt",
	    "--storage-endpoint", "HTTP://[2001:db8::1]:8080/", "--key-prefix",
	    "", "--host-label", "h", NULL };
	struct config cfg;
	char *line;

	ck_assert_int_eq(parse_check(argv, &cfg, &line), WGTAP_OK);
	ck_assert_str_eq(line, "");
	free(line);
	/* no endpoint: AWS for the region, https, default port */
	ck_assert(cfg.endpoint.https);
	ck_assert_str_eq(cfg.endpoint.host, "s3.eu-west-1.amazonaws.com");
	ck_assert_uint_eq(cfg.endpoint.port, 0);
	ck_assert_str_eq(cfg.prefix, "logs/gw/");
	ck_assert_str_eq(cfg.host, "gw-1");

	ck_assert_int_eq(parse_check(endpoint, &cfg, &line), WGTAP_OK);
	free(line);
	ck_assert(!cfg.endpoint.https);
	ck_assert_str_eq(cfg.endpoint.host, "[2001:db8::1]");
	ck_assert_uint_eq(cfg.endpoint.port, 8080);
	ck_assert_str_eq(cfg.prefix, "");
	ck_assert_str_eq(cfg.host, "h");
}
END_TEST

/* Without --host-label, the host name is the label, when it can be one. */
START_TEST(test_config_check_hostname)
{
	char *argv[] = { "x", "--storage-bucket", "bkt", NULL };
	char hostname[256] = "";
	struct config cfg;
	char *line;
	int r;

	ck_assert_int_eq(gethostname(hostname, sizeof(hostname) - 1), 0);
	r = parse_check(argv, &cfg, &line);
	if (s3_host_label_ok(hostname)) {
		ck_assert_int_eq(r, WGTAP_OK);
		ck_assert_str_eq(cfg.host, hostname);
	} else {
		ck_assert_int_eq(r, WGTAP_EFORMAT);
		ck_assert_ptr_nonnull(strstr(line, "use --host-label"));
	}
	free(line);
}
END_TEST

/* Each of these fails config_check() with this one line. */
static const struct {
	const char	*args[6];
	const char	*line;
} bad_configs[] = {
	{ { "--once", "--storage-bucket", "bkt", "wg0.csv" },
	    "--once and FILE arguments do not go together" },
	{ { "--check", "--once", "--storage-bucket", "bkt" },
	    "--check goes with neither --once nor FILE arguments" },
	{ { "--check", "--storage-bucket", "bkt",
	    "wg0-20261124T140231.123456789Z-000001.csv" },
	    "--check goes with neither --once nor FILE arguments" },
	{ { "--storage-bucket", "bkt", "/spool/notes.txt" },
	    "/spool/notes.txt: not a segment file name" },
	{ { "--storage-bucket", "bkt",
	    "/s/.wg0-20261124T140231.123456789Z-000001.csv.part" },
	    "/s/.wg0-20261124T140231.123456789Z-000001.csv.part: not a "
	    "segment file name" },
	{ { "--once" }, "--storage-bucket is required (see --help)" },
	{ { "--storage-bucket", "Bad_Bucket" }, "--storage-bucket: "
	    "\"Bad_Bucket\" is not a valid bucket name (3-63 of a-z 0-9 . -)" },
	{ { "--storage-bucket", "bkt", "--storage-region", "us east" },
	    "--storage-region: \"us east\" is not a region name" },
	{ { "--storage-bucket", "bkt", "--storage-endpoint",
	    "ftp://127.0.0.1/" }, "--storage-endpoint: \"ftp://127.0.0.1/\" "
	    "is not an http:// or https:// URL of a host" },
	{ { "--storage-bucket", "bkt", "--storage-region", "a:b" },
	    "--storage-region: \"a:b\" does not make an endpoint host name" },
	{ { "--storage-bucket", "bkt", "--key-prefix", "a/../b" },
	    "--key-prefix: \"a/../b\" is not usable (printable ASCII, no "
	    "leading '/', no empty, . or .. parts)" },
	{ { "--storage-bucket", "bkt", "--host-label", "gw/1" },
	    "--host-label: \"gw/1\" is not 1-63 of A-Z a-z 0-9 . _ -" },
};

START_TEST(test_config_check_bad)
{
	char *argv[8] = { "wgtap-ship" };
	struct config cfg;
	char *line, want[256];
	int i;

	for (i = 0; i < 6 && bad_configs[_i].args[i]; i++)
		argv[1 + i] = (char *)bad_configs[_i].args[i];
	argv[1 + i] = NULL;
	ck_assert_int_eq(parse_check(argv, &cfg, &line), WGTAP_EFORMAT);
	snprintf(want, sizeof(want), "wgtap: error: %s\n",
	    bad_configs[_i].line);
	ck_assert_str_eq(line, want);
	free(line);
}
END_TEST

/* A region is at most CONFIG_REGION_MAX bytes (a SigV4 scope part). */
START_TEST(test_config_check_region_length)
{
	char region[CONFIG_REGION_MAX + 2];
	char *argv[] = { "x", "--storage-bucket", "bkt", "--storage-region",
	    region, "--host-label", "h", NULL };
	struct config cfg;
	char *line;

	memset(region, 'r', sizeof(region) - 1);
	region[sizeof(region) - 1] = '\0';
	ck_assert_int_eq(parse_check(argv, &cfg, &line), WGTAP_EFORMAT);
	ck_assert_ptr_nonnull(strstr(line, "is not a region name"));
	free(line);
	region[CONFIG_REGION_MAX] = '\0';
	ck_assert_int_eq(parse_check(argv, &cfg, &line), WGTAP_OK);
	free(line);
}
END_TEST

/* --check parses, and goes with neither --once nor FILE... */
START_TEST(test_config_check_mode)
{
	char *argv[] = { "x", "--storage-bucket", "bkt", "--check",
	    "--host-label", "h", NULL };
	struct config cfg;
	char *line;

	ck_assert_int_eq(parse_check(argv, &cfg, &line), WGTAP_OK);
	ck_assert_str_eq(line, "");
	free(line);
	ck_assert(cfg.check && !cfg.once);
	ck_assert_int_eq(cfg.nfiles, 0);
}
END_TEST

/* A CA file is read at the check: missing or without certificates. */
START_TEST(test_config_check_ca_file)
{
	char path[] = "/tmp/check_config_ca.XXXXXX";
	char *argv[] = { "x", "--storage-bucket", "bkt", "--host-label", "h",
	    "--ca-file", path, NULL };
	char *missing[] = { "x", "--storage-bucket", "bkt", "--host-label",
	    "h", "--check", "--ca-file", "/nonexistent/ca.pem", NULL };
	struct config cfg;
	char *line;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "not a certificate\n", 18), 18);
	close(fd);
	ck_assert_int_eq(parse_check(argv, &cfg, &line), WGTAP_EFORMAT);
	ck_assert_ptr_nonnull(strstr(line, "wgtap: error: --ca-file "));
	ck_assert_ptr_nonnull(strstr(line, ": no PEM certificate in it\n"));
	ck_assert_uint_eq(check_count_lines(line), 1);
	free(line);
	unlink(path);
	ck_assert_int_eq(parse_check(missing, &cfg, &line), WGTAP_EFORMAT);
	ck_assert_str_eq(line, "wgtap: error: --ca-file /nonexistent/ca.pem: "
	    "No such file or directory\n");
	free(line);
}
END_TEST

Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("config_parse");
	tcase_add_test(tc, test_config_parse_defaults);
	tcase_add_test(tc, test_config_parse_every_flag);
	tcase_add_test(tc, test_config_parse_addressing);
	tcase_add_loop_test(tc, test_config_parse_bad, 0,
	    sizeof(bad_flags) / sizeof(bad_flags[0]));
	tcase_add_test(tc, test_config_parse_help_version);
	tcase_add_test(tc, test_config_usage_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("config_check");
	tcase_add_test(tc, test_config_check_derived);
	tcase_add_test(tc, test_config_check_hostname);
	tcase_add_test(tc, test_config_check_region_length);
	tcase_add_loop_test(tc, test_config_check_bad, 0,
	    sizeof(bad_configs) / sizeof(bad_configs[0]));
	suite_add_tcase(s, tc);

	tcase_add_test(tc, test_config_check_mode);
	tcase_add_test(tc, test_config_check_ca_file);
	suite_add_tcase(s, tc);
	return s;
}
