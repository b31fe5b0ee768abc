// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/creds.c with real files and a real environment:
 * each source on its own (the environment, a systemd credential, the
 * shared credentials file by $HOME and by AWS_SHARED_CREDENTIALS_FILE),
 * the precedence between them, the profile selection, half key pairs and
 * keys that fail the checks (the error never holds the value), a
 * malformed file and an unreadable one, a file rewritten, replaced,
 * broken and deleted while in use, and that the metadata service is not
 * contacted when an earlier source has keys (a listening loopback socket
 * shows whether anything connected). The instance-role source is tested
 * end to end against a local stand-in by tests/t-creds-imds.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check_wgtap.h"
#include "creds.h"
#include "sigv4.h"
#include "wgtap.h"

static char top[64];		/* scratch directory, also $HOME */

static const char *const env_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "CREDENTIALS_DIRECTORY",
	"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "HOME",
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

static void
setup(void)
{
	size_t i;

	snprintf(top, sizeof(top), "/tmp/wgtap-creds-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	for (i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	setenv("HOME", top, 1);
	/* No test here may reach for 169.254.169.254. */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
}

static void
teardown(void)
{
	chmod(top, 0700);
	ck_assert_int_eq(nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	curl_global_cleanup();
}

/* top/rel, with its directories made. */
static const char *
at(const char *rel)
{
	static char path[256];
	char *slash;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	for (slash = strchr(path + strlen(top) + 1, '/'); slash;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) == -1)
			ck_assert_int_eq(errno, EEXIST);
		*slash = '/';
	}
	return path;
}

static void
write_text(const char *rel, const char *text)
{
	FILE *f = fopen(at(rel), "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* Load, expecting success; the keys must be exactly these. */
static struct creds *
load_ok(const char *id, const char *secret, const char *token)
{
	char why[CREDS_ERROR_SIZE];
	struct creds_keys k;
	struct creds *c;

	ck_assert_msg(creds_load(NULL, &c, why) == WGTAP_OK, "%s", why);
	ck_assert_str_eq(why, "");
	creds_get(c, &k);
	ck_assert_str_eq(k.access_key_id, id);
	ck_assert_str_eq(k.secret_access_key, secret);
	if (token)
		ck_assert_str_eq(k.session_token, token);
	else
		ck_assert_ptr_null(k.session_token);
	ck_assert_uint_eq(creds_generation(c), 1);
	return c;
}

/* Load, expecting code; why must hold want and none of the secrets. */
static void
load_fails(int code, const char *want, const char *secret)
{
	char why[CREDS_ERROR_SIZE];
	struct creds *c = (struct creds *)1;

	ck_assert_int_eq(creds_load(NULL, &c, why), code);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(why, want) != NULL, "\"%s\" lacks \"%s\"", why,
	    want);
	ck_assert_ptr_null(strchr(why, '\n'));
	if (secret)
		ck_assert_msg(strstr(why, secret) == NULL, "%s", why);
}

static const char profiles[] =
	"[default]\n"
	"aws_access_key_id = AKIDFILEDEFAULT\n"
	"aws_secret_access_key = file-default-secret\n"
	"\n"
	"[gw]\n"
	"aws_access_key_id = AKIDFILEGW\n"
	"aws_secret_access_key = file-gw-secret\n"
	"aws_session_token = file-gw-token\n";

static const char systemd_profiles[] =
	"[default]\n"
	"aws_access_key_id = AKIDSYSTEMD\n"
	"aws_secret_access_key = systemd-secret\n"
	"[gw]\n"
	"aws_access_key_id = AKIDSYSTEMDGW\n"
	"aws_secret_access_key = systemd-gw-secret\n";

static void
set_env_keys(void)
{
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
	setenv("AWS_SESSION_TOKEN", "env-token", 1);
}

START_TEST(test_creds_load_env)
{
	char why[CREDS_ERROR_SIZE];
	struct creds_keys k;
	struct creds *c;
	bool changed = true;

	set_env_keys();
	c = load_ok("AKIDENV", "env-secret", "env-token");
	ck_assert_int_eq(creds_source(c), CREDS_SRC_ENV);
	ck_assert_str_eq(creds_origin(c), "the environment");
	ck_assert_int_eq(creds_expiration(c), 0);
	ck_assert(!creds_needs_refresh(c, time(NULL)));
	ck_assert_int_eq(creds_refresh(c, time(NULL), true, &changed, why),
	    WGTAP_OK);
	ck_assert(!changed);
	creds_get(c, &k);
	ck_assert_str_eq(k.access_key_id, "AKIDENV");
	creds_free(c);
	creds_free(NULL);

	/* Without a token; an empty token is none. */
	unsetenv("AWS_SESSION_TOKEN");
	creds_free(load_ok("AKIDENV", "env-secret", NULL));
	setenv("AWS_SESSION_TOKEN", "", 1);
	creds_free(load_ok("AKIDENV", "env-secret", NULL));
}
END_TEST

START_TEST(test_creds_load_env_partial)
{
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	load_fails(WGTAP_EFORMAT,
	    "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not", NULL);
	/* Even with a file that has keys: half a pair stops the chain. */
	write_text(".aws/credentials", profiles);
	load_fails(WGTAP_EFORMAT, "AWS_SECRET_ACCESS_KEY is not", NULL);
	unsetenv("AWS_ACCESS_KEY_ID");
	setenv("AWS_SECRET_ACCESS_KEY", "only-the-secret", 1);
	load_fails(WGTAP_EFORMAT,
	    "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not",
	    "only-the-secret");
	/* Empty variables count as unset; a lone token is ignored. */
	setenv("AWS_ACCESS_KEY_ID", "", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "", 1);
	setenv("AWS_SESSION_TOKEN", "lone-token", 1);
	creds_free(load_ok("AKIDFILEDEFAULT", "file-default-secret", NULL));
}
END_TEST

START_TEST(test_creds_load_env_bad_keys)
{
	char secret[SIGV4_MAX_SECRET + 2];

	setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKID WITH BLANK", 1);
	load_fails(WGTAP_EFORMAT, "the environment: AWS_ACCESS_KEY_ID",
	    "AKID WITH");
	setenv("AWS_ACCESS_KEY_ID", "AKID/SLASH", 1);
	load_fails(WGTAP_EFORMAT, "AWS_ACCESS_KEY_ID", "SLASH");
	setenv("AWS_ACCESS_KEY_ID", "AKID,COMMA", 1);
	load_fails(WGTAP_EFORMAT, "AWS_ACCESS_KEY_ID", "COMMA");
	setenv("AWS_ACCESS_KEY_ID", "AKID\xc3\xa9", 1);
	load_fails(WGTAP_EFORMAT, "AWS_ACCESS_KEY_ID", "AKID");
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	memset(secret, 's', sizeof(secret) - 1);
	secret[SIGV4_MAX_SECRET + 1] = '\0';
	setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
	load_fails(WGTAP_EFORMAT, "AWS_SECRET_ACCESS_KEY is empty or longer "
	    "than 256 bytes", "ssssssss");
	secret[SIGV4_MAX_SECRET] = '\0';
	setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
	creds_free(load_ok("AKIDENV", secret, NULL));
	setenv("AWS_SECRET_ACCESS_KEY", "env\tsecret", 1);
	load_fails(WGTAP_EFORMAT, "AWS_SECRET_ACCESS_KEY holds control",
	    "secret");
	setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
	setenv("AWS_SESSION_TOKEN", "tok\nen-value", 1);
	load_fails(WGTAP_EFORMAT, "AWS_SESSION_TOKEN holds control",
	    "en-value");
	setenv("AWS_SESSION_TOKEN", "token", 1);
	setenv("AWS_PROFILE", "bad\x01profile", 1);
	load_fails(WGTAP_EFORMAT, "AWS_PROFILE", NULL);
}
END_TEST

START_TEST(test_creds_load_systemd)
{
	struct creds *c;

	setenv("CREDENTIALS_DIRECTORY", at("run/credentials"), 1);
	write_text("run/credentials/" CREDS_SYSTEMD_NAME, systemd_profiles);
	c = load_ok("AKIDSYSTEMD", "systemd-secret", NULL);
	ck_assert_int_eq(creds_source(c), CREDS_SRC_SYSTEMD);
	ck_assert_str_eq(creds_origin(c),
	    "systemd credential aws-credentials profile default");
	ck_assert_int_eq(creds_expiration(c), 0);
	ck_assert(!creds_needs_refresh(c, time(NULL)));
	creds_free(c);
	setenv("AWS_PROFILE", "gw", 1);
	c = load_ok("AKIDSYSTEMDGW", "systemd-gw-secret", NULL);
	ck_assert_str_eq(creds_origin(c),
	    "systemd credential aws-credentials profile gw");
	creds_free(c);
	/* The credential was passed for us: a missing profile is an error. */
	setenv("AWS_PROFILE", "other", 1);
	write_text(".aws/credentials", "[other]\naws_access_key_id = A\n"
	    "aws_secret_access_key = B\n");
	load_fails(WGTAP_EFORMAT, "systemd credential aws-credentials (", NULL);
	load_fails(WGTAP_EFORMAT, "/run/credentials/aws-credentials): no "
	    "profile [other]", NULL);
	unsetenv("AWS_PROFILE");
	write_text("run/credentials/" CREDS_SYSTEMD_NAME, "[gw]\n"
	    "aws_access_key_id = A\naws_secret_access_key = B\n");
	load_fails(WGTAP_EFORMAT, "no profile [default]", NULL);
}
END_TEST

/*
 * The template scripts/install puts into /etc/wgtap/aws-credentials holds
 * comments only: passed as a systemd credential, it is an absent source,
 * so that an instance role (or a file further down) is used.
 */
START_TEST(test_creds_load_systemd_template)
{
	static const char tmpl[] =
	    "# wgtap-ship's S3 keys (LoadCredential=aws-credentials:...)\n"
	    "#[default]\n"
	    "#aws_access_key_id = AKIDEXAMPLE\n"
	    "#aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n";
	char want[512];
	struct creds *c;

	setenv("CREDENTIALS_DIRECTORY", at("run/credentials"), 1);
	write_text("run/credentials/" CREDS_SYSTEMD_NAME, tmpl);
	snprintf(want, sizeof(want), "no credentials found: AWS_ACCESS_KEY_ID "
	    "is not set; systemd credential aws-credentials "
	    "(%s/run/credentials/aws-credentials) holds no profile; "
	    "%s/.aws/credentials does not exist; the instance metadata service "
	    "is turned off (AWS_EC2_METADATA_DISABLED)", top, top);
	load_fails(WGTAP_EFORMAT, want, NULL);
	write_text(".aws/credentials", profiles);
	c = load_ok("AKIDFILEDEFAULT", "file-default-secret", NULL);
	ck_assert_int_eq(creds_source(c), CREDS_SRC_FILE);
	creds_free(c);
	/* A profile section makes it a credential that must hold keys. */
	write_text("run/credentials/" CREDS_SYSTEMD_NAME, "[default]\n"
	    "#aws_access_key_id =\n");
	load_fails(WGTAP_EFORMAT, "profile default: no aws_access_key_id and "
	    "aws_secret_access_key", NULL);
}
END_TEST

START_TEST(test_creds_load_shared_home)
{
	char want[256];
	struct creds *c;

	write_text(".aws/credentials", profiles);
	c = load_ok("AKIDFILEDEFAULT", "file-default-secret", NULL);
	ck_assert_int_eq(creds_source(c), CREDS_SRC_FILE);
	snprintf(want, sizeof(want), "%s/.aws/credentials profile default",
	    top);
	ck_assert_str_eq(creds_origin(c), want);
	creds_free(c);
	/* A CREDENTIALS_DIRECTORY without our file: on to the next. */
	setenv("CREDENTIALS_DIRECTORY", at("run/credentials"), 1);
	mkdir(at("run/credentials"), 0700);
	creds_free(load_ok("AKIDFILEDEFAULT", "file-default-secret", NULL));
}
END_TEST

START_TEST(test_creds_load_shared_named)
{
	char want[256];
	struct creds *c;

	write_text("etc/wgtap/keys", profiles);
	setenv("AWS_SHARED_CREDENTIALS_FILE", at("etc/wgtap/keys"), 1);
	setenv("AWS_PROFILE", "gw", 1);
	c = load_ok("AKIDFILEGW", "file-gw-secret", "file-gw-token");
	snprintf(want, sizeof(want), "%s/etc/wgtap/keys profile gw", top);
	ck_assert_str_eq(creds_origin(c), want);
	creds_free(c);
	/* "~/" is $HOME. */
	setenv("AWS_SHARED_CREDENTIALS_FILE", "~/etc/wgtap/keys", 1);
	creds_free(load_ok("AKIDFILEGW", "file-gw-secret", "file-gw-token"));
	/* A named file must exist, even with ~/.aws/credentials there. */
	write_text(".aws/credentials", profiles);
	setenv("AWS_SHARED_CREDENTIALS_FILE", at("etc/wgtap/missing"), 1);
	load_fails(WGTAP_ESYS, "/etc/wgtap/missing: No such file or directory",
	    NULL);
}
END_TEST

START_TEST(test_creds_load_profiles)
{
	write_text(".aws/credentials", profiles);
	setenv("AWS_PROFILE", "gw", 1);
	creds_free(load_ok("AKIDFILEGW", "file-gw-secret", "file-gw-token"));
	setenv("AWS_PROFILE", "default", 1);
	creds_free(load_ok("AKIDFILEDEFAULT", "file-default-secret", NULL));
	/* A profile asked for by name must be there. */
	setenv("AWS_PROFILE", "nosuch", 1);
	load_fails(WGTAP_EFORMAT, "/.aws/credentials: no profile [nosuch]",
	    NULL);
	/* The config-file form gets a hint. */
	write_text(".aws/credentials", "[profile gw]\n"
	    "aws_access_key_id = A\naws_secret_access_key = B\n");
	setenv("AWS_PROFILE", "gw", 1);
	load_fails(WGTAP_EFORMAT, "without the word \"profile\"", NULL);
	/* Without AWS_PROFILE, a file without [default] is passed over. */
	unsetenv("AWS_PROFILE");
	write_text(".aws/credentials", "[gw]\n"
	    "aws_access_key_id = A\naws_secret_access_key = B\n");
	load_fails(WGTAP_EFORMAT, "/.aws/credentials has no profile "
	    "[default]", NULL);
	/* The legacy name of the token. */
	write_text(".aws/credentials", "[default]\n"
	    "aws_access_key_id = A\naws_secret_access_key = B\n"
	    "aws_security_token = legacy\n");
	creds_free(load_ok("A", "B", "legacy"));
}
END_TEST

START_TEST(test_creds_load_profile_contents)
{
	write_text(".aws/credentials", "[default]\nregion = eu-west-1\n");
	load_fails(WGTAP_EFORMAT, "profile default: no aws_access_key_id and "
	    "aws_secret_access_key", NULL);
	write_text(".aws/credentials", "[default]\n"
	    "role_arn = arn:aws:iam::123456789012:role/x\n"
	    "source_profile = base\n");
	load_fails(WGTAP_EFORMAT, "the profile uses role_arn, which "
	    "wgtap-ship does not support", NULL);
	write_text(".aws/credentials", "[default]\n"
	    "aws_access_key_id = AKIDHALF\n");
	load_fails(WGTAP_EFORMAT, "aws_access_key_id is set but "
	    "aws_secret_access_key is not", NULL);
	write_text(".aws/credentials", "[default]\n"
	    "aws_secret_access_key = half-secret\n");
	load_fails(WGTAP_EFORMAT, "aws_secret_access_key is set but "
	    "aws_access_key_id is not", "half-secret");
	write_text(".aws/credentials", "[default]\n"
	    "aws_access_key_id = AKID # comment\n"
	    "aws_secret_access_key = s\n");
	load_fails(WGTAP_EFORMAT, "profile default: aws_access_key_id is "
	    "empty, longer than 128 bytes or holds blanks", "comment");
	/* An indented line continues the value above it. */
	write_text(".aws/credentials", "[default]\n"
	    "aws_secret_access_key = top-secret\n"
	    "  aws_access_key_id = AKID\n");
	load_fails(WGTAP_EFORMAT, "aws_secret_access_key is set but "
	    "aws_access_key_id is not", "top-secret");
	write_text(".aws/credentials", "[default]\n"
	    "aws_access_key_id = AKID\n"
	    "aws_secret_access_key = top-secret\n"
	    "   more\n");
	load_fails(WGTAP_EFORMAT, "aws_secret_access_key holds control "
	    "characters or line breaks", "top-secret");
}
END_TEST

START_TEST(test_creds_load_malformed)
{
	write_text(".aws/credentials", "[default]\n"
	    "aws_access_key_id = AKID\n"
	    "aws_secret_access_key wJalrXUtnFEMI\n");
	load_fails(WGTAP_EFORMAT, "/.aws/credentials: line 3: a line that is "
	    "not [section], name = value or a comment", "wJalrXUtnFEMI");
	/* A broken file stops the chain, even with IMDS on. */
	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
	write_text(".aws/credentials", "[default]\n"
	    "aws_access_key_id = AKID\n"
	    "aws_access_key_id = AKID2\n");
	load_fails(WGTAP_EFORMAT, "line 3: a setting that is given twice in "
	    "one section", NULL);
}
END_TEST

START_TEST(test_creds_load_unreadable)
{
	/* A directory where the file should be, and a FIFO: never read. */
	mkdir(at(".aws"), 0700);
	ck_assert_int_eq(mkdir(at(".aws/credentials"), 0700), 0);
	load_fails(WGTAP_EFORMAT, "/.aws/credentials: not a regular file",
	    NULL);
	ck_assert_int_eq(rmdir(at(".aws/credentials")), 0);
	ck_assert_int_eq(mkfifo(at(".aws/credentials"), 0600), 0);
	load_fails(WGTAP_EFORMAT, "/.aws/credentials: not a regular file",
	    NULL);
	ck_assert_int_eq(unlink(at(".aws/credentials")), 0);
	write_text(".aws/credentials", profiles);
	if (geteuid() != 0) {
		/* Root reads anything; everyone else is refused this. */
		ck_assert_int_eq(chmod(at(".aws/credentials"), 0), 0);
		load_fails(WGTAP_ESYS, "/.aws/credentials: Permission denied",
		    NULL);
	}
}
END_TEST

START_TEST(test_creds_load_precedence)
{
	struct creds *c;

	write_text(".aws/credentials", profiles);
	write_text("run/credentials/" CREDS_SYSTEMD_NAME, systemd_profiles);
	setenv("CREDENTIALS_DIRECTORY", at("run/credentials"), 1);
	set_env_keys();
	c = load_ok("AKIDENV", "env-secret", "env-token");
	ck_assert_int_eq(creds_source(c), CREDS_SRC_ENV);
	creds_free(c);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	c = load_ok("AKIDSYSTEMD", "systemd-secret", NULL);
	ck_assert_int_eq(creds_source(c), CREDS_SRC_SYSTEMD);
	creds_free(c);
	unsetenv("CREDENTIALS_DIRECTORY");
	c = load_ok("AKIDFILEDEFAULT", "file-default-secret", NULL);
	ck_assert_int_eq(creds_source(c), CREDS_SRC_FILE);
	creds_free(c);
	/* Nothing anywhere: one line on what each source lacked. */
	ck_assert_int_eq(unlink(at(".aws/credentials")), 0);
	load_fails(WGTAP_EFORMAT, "no credentials found: AWS_ACCESS_KEY_ID is "
	    "not set; CREDENTIALS_DIRECTORY is not set; ", NULL);
	load_fails(WGTAP_EFORMAT, "/.aws/credentials does not exist; the "
	    "instance metadata service is turned off "
	    "(AWS_EC2_METADATA_DISABLED)", NULL);
}
END_TEST

/*
 * A loopback socket on a port of its own: listening (connections queue
 * and are never answered) or only bound (connections are refused).
 */
static int
listener(char url[static 64], bool listening)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	/* Non-blocking, so that accept() can tell "nobody came". */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);

	ck_assert_int_ne(fd, -1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening)
		ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(url, 64, "http://127.0.0.1:%u", ntohs(sa.sin_port));
	return fd;
}

/* Whether anyone has connected to the listener. */
static bool
connected(int fd)
{
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (c == -1) {
		ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
		return false;
	}
	close(c);
	return true;
}

START_TEST(test_creds_load_no_imds_when_found)
{
	char url[64], why[CREDS_ERROR_SIZE];
	struct creds_options opt = { 1000, 1500 };
	struct creds *c;
	int fd = listener(url, true);

	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	set_env_keys();
	creds_free(load_ok("AKIDENV", "env-secret", "env-token"));
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	write_text(".aws/credentials", profiles);
	creds_free(load_ok("AKIDFILEDEFAULT", "file-default-secret", NULL));
	ck_assert(!connected(fd));
	/*
	 * The same listener does see the metadata client when it is used.
	 * It never answers; the endpoint was named, so a service should be
	 * there: that is a passing trouble (WGTAP_ENET), not configuration.
	 */
	ck_assert_int_eq(unlink(at(".aws/credentials")), 0);
	ck_assert_int_eq(creds_load(&opt, &c, why), WGTAP_ENET);
	ck_assert_msg(strstr(why, "no credentials found: ") &&
	    strstr(why, url) && strstr(why, "token request"), "%s", why);
	ck_assert(connected(fd));
	close(fd);
}
END_TEST

START_TEST(test_creds_load_imds_refused)
{
	char url[64], why[CREDS_ERROR_SIZE];
	struct timespec t0, t1;
	struct creds *c;
	double took;
	int fd = listener(url, false);

	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Named by the environment but not reached: WGTAP_ENET. */
	ck_assert_int_eq(creds_load(NULL, &c, why), WGTAP_ENET);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(took < 0.5, "%.3f s", took);
	ck_assert_msg(strstr(why, "; instance metadata at ") != NULL, "%s",
	    why);
	/* A bad endpoint is a configuration error of its own. */
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254", 1);
	load_fails(WGTAP_EFORMAT, "AWS_EC2_METADATA_SERVICE_ENDPOINT is not",
	    NULL);
	close(fd);
}
END_TEST

/* Rewrite rel so that size and mtime both change, in place. */
static void
rewrite(const char *rel, const char *text)
{
	int fd = open(at(rel), O_WRONLY | O_TRUNC | O_CLOEXEC);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

static void
refresh_ok(struct creds *c, bool want_changed)
{
	char why[CREDS_ERROR_SIZE];
	bool changed = !want_changed;

	ck_assert_msg(creds_refresh(c, time(NULL), false, &changed, why) ==
	    WGTAP_OK, "%s", why);
	ck_assert_int_eq(changed, want_changed);
	ck_assert_str_eq(why, "");
}

static void
keys_are(const struct creds *c, const char *id, const char *secret)
{
	struct creds_keys k;

	creds_get(c, &k);
	ck_assert_str_eq(k.access_key_id, id);
	ck_assert_str_eq(k.secret_access_key, secret);
}

START_TEST(test_creds_refresh_file)
{
	char why[CREDS_ERROR_SIZE], next[256];
	struct creds *c;
	bool changed;

	write_text(".aws/credentials", profiles);
	c = load_ok("AKIDFILEDEFAULT", "file-default-secret", NULL);
	ck_assert(!creds_needs_refresh(c, time(NULL)));
	refresh_ok(c, false);

	/* Rewritten in place with new keys: used at once. */
	rewrite(".aws/credentials", "[default]\naws_access_key_id = AKIDNEW\n"
	    "aws_secret_access_key = new-secret\n");
	ck_assert(creds_needs_refresh(c, time(NULL)));
	refresh_ok(c, true);
	keys_are(c, "AKIDNEW", "new-secret");
	ck_assert_uint_eq(creds_generation(c), 2);
	ck_assert(!creds_needs_refresh(c, time(NULL)));

	/* Replaced by rename (a new inode), as editors and tools do. */
	write_text(".aws/next", "[default]\naws_access_key_id = AKIDRENAMED\n"
	    "aws_secret_access_key = renamed-secret\n"
	    "aws_session_token = renamed-token\n");
	snprintf(next, sizeof(next), "%s", at(".aws/next"));
	ck_assert_int_eq(rename(next, at(".aws/credentials")), 0);
	ck_assert(creds_needs_refresh(c, time(NULL)));
	refresh_ok(c, true);
	keys_are(c, "AKIDRENAMED", "renamed-secret");
	ck_assert_uint_eq(creds_generation(c), 3);

	/* Touched but the same keys: read, and nothing changes. */
	rewrite(".aws/credentials", "[default]\n"
	    "aws_access_key_id = AKIDRENAMED\n"
	    "aws_secret_access_key = renamed-secret\n"
	    "aws_session_token = renamed-token\n\n");
	ck_assert(creds_needs_refresh(c, time(NULL)));
	refresh_ok(c, false);
	ck_assert_uint_eq(creds_generation(c), 3);

	/* Broken: an error, the keys stay, and no retry until it changes. */
	rewrite(".aws/credentials", "[default]\naws_access_key_id = X\n"
	    "garbage\n");
	ck_assert(creds_needs_refresh(c, time(NULL)));
	ck_assert_int_eq(creds_refresh(c, time(NULL), false, &changed, why),
	    WGTAP_EFORMAT);
	ck_assert(!changed);
	ck_assert_msg(strstr(why, "line 3") != NULL, "%s", why);
	keys_are(c, "AKIDRENAMED", "renamed-secret");
	ck_assert(!creds_needs_refresh(c, time(NULL)));
	refresh_ok(c, false);

	/* Mended: picked up. */
	rewrite(".aws/credentials", profiles);
	refresh_ok(c, true);
	keys_are(c, "AKIDFILEDEFAULT", "file-default-secret");

	/* The profile gone: an error, not a fall to another source. */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
	rewrite(".aws/credentials", "[gw]\naws_access_key_id = G\n"
	    "aws_secret_access_key = g\n");
	ck_assert_int_eq(creds_refresh(c, time(NULL), false, &changed, why),
	    WGTAP_EFORMAT);
	ck_assert_msg(strstr(why, "no profile [default]") != NULL, "%s", why);
	keys_are(c, "AKIDFILEDEFAULT", "file-default-secret");

	/* Deleted: an error, the keys stay; back again: picked up. */
	ck_assert_int_eq(unlink(at(".aws/credentials")), 0);
	ck_assert(creds_needs_refresh(c, time(NULL)));
	ck_assert_int_eq(creds_refresh(c, time(NULL), false, &changed, why),
	    WGTAP_ESYS);
	ck_assert_msg(strstr(why, "No such file") != NULL, "%s", why);
	ck_assert(!creds_needs_refresh(c, time(NULL)));
	keys_are(c, "AKIDFILEDEFAULT", "file-default-secret");
	write_text(".aws/credentials", "[default]\n"
	    "aws_access_key_id = AKIDBACK\n"
	    "aws_secret_access_key = back-secret\n");
	refresh_ok(c, true);
	keys_are(c, "AKIDBACK", "back-secret");

	/* Forced (an ExpiredToken answer): read even though unchanged. */
	ck_assert(!creds_needs_refresh(c, time(NULL)));
	ck_assert_int_eq(creds_refresh(c, time(NULL), true, &changed, why),
	    WGTAP_OK);
	ck_assert(!changed);
	creds_free(c);
}
END_TEST

START_TEST(test_creds_refresh_systemd)
{
	struct creds *c;

	setenv("CREDENTIALS_DIRECTORY", at("run/credentials"), 1);
	write_text("run/credentials/" CREDS_SYSTEMD_NAME, systemd_profiles);
	c = load_ok("AKIDSYSTEMD", "systemd-secret", NULL);
	rewrite("run/credentials/" CREDS_SYSTEMD_NAME, "[default]\n"
	    "aws_access_key_id = AKIDSYSTEMD2\n"
	    "aws_secret_access_key = systemd-secret-2\n");
	ck_assert(creds_needs_refresh(c, time(NULL)));
	refresh_ok(c, true);
	keys_are(c, "AKIDSYSTEMD2", "systemd-secret-2");
	ck_assert_int_eq(creds_source(c), CREDS_SRC_SYSTEMD);
	creds_free(c);
}
END_TEST

Suite *
creds_suite(void)
{
	Suite *s = suite_create("creds");
	TCase *tc;

	tc = tcase_create("creds_load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_creds_load_env);
	tcase_add_test(tc, test_creds_load_env_partial);
	tcase_add_test(tc, test_creds_load_env_bad_keys);
	tcase_add_test(tc, test_creds_load_systemd);
	tcase_add_test(tc, test_creds_load_systemd_template);
	tcase_add_test(tc, test_creds_load_shared_home);
	tcase_add_test(tc, test_creds_load_shared_named);
	tcase_add_test(tc, test_creds_load_profiles);
	tcase_add_test(tc, test_creds_load_profile_contents);
	tcase_add_test(tc, test_creds_load_malformed);
	tcase_add_test(tc, test_creds_load_unreadable);
	tcase_add_test(tc, test_creds_load_precedence);
	tcase_add_test(tc, test_creds_load_no_imds_when_found);
	tcase_add_test(tc, test_creds_load_imds_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("creds_refresh");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_creds_refresh_file);
	tcase_add_test(tc, test_creds_refresh_systemd);
	suite_add_tcase(s, tc);
	return s;
}
