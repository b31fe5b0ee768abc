// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/renew.c with keys from a real credentials file and
 * a responder on loopback: renew_keys() renews only what is due and says
 * so in one line (never a key), keeps the keys in hand when the file
 * turns bad; renew_ship() sends the upload again at once with renewed
 * keys after ExpiredToken (the file rewritten while the first upload was
 * under way), and not when renewing brings nothing new.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check_wgtap.h"
#include "creds.h"
#include "csv.h"
#include "log.h"
#include "renew.h"
#include "wgtap.h"

/* Plain CSV, so that the requests the responder saw are text. */
#define SEG	"wg0-20261124T140231.123456789Z-000042.csv"
#define ROWS	CSV_HEADER "192.0.2.1,,192.0.2.2,,ICMP,84,1795000000000000000,\n"

static char keyfile[64];

static void
write_keys(const char *path, const char *id, const char *secret)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "[default]\naws_access_key_id = %s\n"
	    "aws_secret_access_key = %s\n", id, secret);
	ck_assert_int_eq(fclose(f), 0);
}

static void
setup(void)
{
	int fd;

	snprintf(keyfile, sizeof(keyfile), "/tmp/check_renew.XXXXXX");
	fd = mkstemp(keyfile);
	ck_assert_int_ne(fd, -1);
	close(fd);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	unsetenv("CREDENTIALS_DIRECTORY");
	setenv("AWS_SHARED_CREDENTIALS_FILE", keyfile, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	log_set_level(LOG_LVL_INFO);
}

static void
teardown(void)
{
	log_set_level(LOG_LVL_ERROR);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unlink(keyfile);
	curl_global_cleanup();
}

static struct creds *
load(void)
{
	char why[CREDS_ERROR_SIZE];
	struct creds *c = NULL;

	ck_assert_msg(creds_load(NULL, &c, why) == WGTAP_OK, "%s", why);
	return c;
}

static void
keys_are(const struct creds *c, const char *id)
{
	struct creds_keys k;

	creds_get(c, &k);
	ck_assert_str_eq(k.access_key_id, id);
}

START_TEST(test_renew_code_expired_cases)
{
	ck_assert(renew_code_expired("ExpiredToken"));
	ck_assert(renew_code_expired("TokenRefreshRequired"));
	ck_assert(!renew_code_expired(""));
	ck_assert(!renew_code_expired("expiredtoken"));
	ck_assert(!renew_code_expired("InvalidToken"));
	ck_assert(!renew_code_expired("SignatureDoesNotMatch"));
	ck_assert(!renew_code_expired("ExpiredTokenX"));
}
END_TEST

START_TEST(test_renew_keys_file)
{
	struct errcap cap;
	struct creds *c;
	char *line, want[256];

	write_keys(keyfile, "AKIDONE", "one-secret");
	c = load();
	/* Nothing changed: nothing to do, nothing said. */
	errcap_start(&cap);
	ck_assert(!renew_keys(c, false));
	line = errcap_end(&cap);
	ck_assert_str_eq(line, "");
	free(line);
	/* The file rewritten: new keys, one line naming the source. */
	write_keys(keyfile, "AKIDTWO", "two-secret-longer");
	errcap_start(&cap);
	ck_assert(renew_keys(c, false));
	line = errcap_end(&cap);
	snprintf(want, sizeof(want), "wgtap: info: credentials from %s "
	    "profile default\n", keyfile);
	ck_assert_str_eq(line, want);
	free(line);
	keys_are(c, "AKIDTWO");
	/* Forced, but the same keys: no change, no line. */
	errcap_start(&cap);
	ck_assert(!renew_keys(c, true));
	line = errcap_end(&cap);
	ck_assert_str_eq(line, "");
	free(line);
	/* Broken: a warning, and the keys in hand stay. */
	write_keys(keyfile, "AKID THREE", "three-secret");
	errcap_start(&cap);
	ck_assert(!renew_keys(c, false));
	line = errcap_end(&cap);
	ck_assert_msg(strncmp(line, "wgtap: warning: renewing the "
	    "credentials: ", 40) == 0 && strstr(line, "aws_access_key_id is "
	    "empty, longer than 128 bytes or holds blanks") &&
	    strstr(line, "; going on with the keys from ") &&
	    check_count_lines(line) == 1, "%s", line);
	ck_assert_ptr_null(strstr(line, "secret"));
	ck_assert_ptr_null(strstr(line, "THREE"));
	free(line);
	keys_are(c, "AKIDTWO");
	/* Not read again until it changes once more. */
	errcap_start(&cap);
	ck_assert(!renew_keys(c, false));
	line = errcap_end(&cap);
	ck_assert_str_eq(line, "");
	free(line);
	creds_free(c);
}
END_TEST

/* The environment never changes: nothing to renew, even by force. */
START_TEST(test_renew_keys_env)
{
	struct errcap cap;
	struct creds *c = tcreds_new("AKIDENV", "env-secret", NULL);
	char *line;

	errcap_start(&cap);
	ck_assert(!renew_keys(c, false));
	ck_assert(!renew_keys(c, true));
	line = errcap_end(&cap);
	ck_assert_str_eq(line, "");
	free(line);
	creds_free(c);
}
END_TEST

static const char expired_doc[] = "<Error><Code>ExpiredToken</Code>"
    "<Message>The provided token has expired.</Message></Error>";

/*
 * In the responder, while the first upload waits for its answer: new keys
 * in the file (no assertion here, in the server process; a failure shows
 * as the old keys on the second request).
 */
static void
rotate_hook(size_t i, const char *req, size_t len, void *arg)
{
	FILE *f;

	(void)req;
	(void)len;
	(void)arg;
	if (i != 0)
		return;
	f = fopen(keyfile, "w");
	if (!f)
		return;
	fprintf(f, "[default]\naws_access_key_id = AKIDNEW\n"
	    "aws_secret_access_key = new-secret-after-rotation\n");
	fclose(f);
}

/* A client for port signing with c; *sc ships with it and renews c. */
static struct s3_client *
client(int port, struct creds *c, struct ship_config *sc)
{
	struct s3_config cfg;
	struct s3_client *s3 = NULL;
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(s3_endpoint_parse(url, &cfg.endpoint), WGTAP_OK);
	cfg.addressing = S3_ADDR_PATH;
	cfg.bucket = "bucket";
	cfg.region = "us-east-1";
	cfg.creds = c;
	cfg.timeout = 5;
	ck_assert_int_eq(s3_client_new(&cfg, &s3), WGTAP_OK);
	tship_config(sc, s3);
	sc->creds = c;
	return s3;
}

START_TEST(test_renew_ship_expired_token)
{
	char expired[512], ok[512], *req, *second, *line;
	const char *responses[2] = { expired, ok };
	struct ship_report rep;
	struct ship_config sc;
	struct spool_name sn;
	struct s3_client *s3;
	struct errcap cap;
	struct tdir d;
	struct fake f;
	struct creds *c;

	tdir_make(&d);
	tfile_write(d.fd, SEG, ROWS);
	ck_assert_int_eq(spool_name_parse(SEG, &sn), WGTAP_OK);
	snprintf(expired, sizeof(expired), "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    strlen(expired_doc), expired_doc);
	fake_ok_response(d.fd, SEG, ok, sizeof(ok));
	write_keys(keyfile, "AKIDOLD", "old-secret");
	c = load();
	fake_start_seq(&f, responses, 2, rotate_hook, NULL);
	s3 = client(f.port, c, &sc);
	errcap_start(&cap);
	ck_assert_int_eq(renew_ship(&sc, d.fd, SEG, &sn, &rep), SHIP_DONE);
	line = errcap_end(&cap);
	ck_assert(!tfile_exists(d.fd, SEG));
	req = fake_request(&f);
	second = strstr(req + 1, "PUT /bucket/");
	ck_assert_ptr_nonnull(second);
	ck_assert(strstr(req, "Credential=AKIDOLD/") < second);
	ck_assert_ptr_nonnull(strstr(second, "Credential=AKIDNEW/"));
	ck_assert_msg(strstr(line, "wgtap: info: upload " SEG ": HTTP 400 "
	    "ExpiredToken: renewing the credentials and trying again at "
	    "once\n") && strstr(line, "wgtap: info: credentials from ") &&
	    check_count_lines(line) == 2, "%s", line);
	ck_assert_ptr_null(strstr(line, "secret"));
	free(line);
	free(req);
	fake_stop(&f);
	s3_client_free(s3);
	creds_free(c);
	tdir_remove(&d);
}
END_TEST

/* ExpiredToken, but renewing brings the same keys: no second request. */
START_TEST(test_renew_ship_expired_no_new_keys)
{
	char expired[512], *req;
	const char *responses[1] = { expired };
	struct ship_report rep;
	struct ship_config sc;
	struct spool_name sn;
	struct s3_client *s3;
	struct errcap cap;
	struct tdir d;
	struct fake f;
	struct creds *c;

	tdir_make(&d);
	tfile_write(d.fd, SEG, ROWS);
	ck_assert_int_eq(spool_name_parse(SEG, &sn), WGTAP_OK);
	snprintf(expired, sizeof(expired), "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    strlen(expired_doc), expired_doc);
	write_keys(keyfile, "AKIDOLD", "old-secret");
	c = load();
	fake_start_seq(&f, responses, 1, NULL, NULL);
	s3 = client(f.port, c, &sc);
	errcap_start(&cap);
	ck_assert_int_eq(renew_ship(&sc, d.fd, SEG, &sn, &rep), SHIP_FAILED);
	free(errcap_end(&cap));
	ck_assert_str_eq(rep.s3.code, "ExpiredToken");
	ck_assert(tfile_exists(d.fd, SEG));
	req = fake_request(&f);
	ck_assert_ptr_null(strstr(req + 1, "PUT /bucket/"));
	free(req);
	fake_stop(&f);
	s3_client_free(s3);
	creds_free(c);
	tdir_remove(&d);
}
END_TEST

Suite *
renew_suite(void)
{
	Suite *s = suite_create("renew");
	TCase *tc;

	tc = tcase_create("renew_code_expired");
	tcase_add_test(tc, test_renew_code_expired_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("renew_keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_renew_keys_file);
	tcase_add_test(tc, test_renew_keys_env);
	suite_add_tcase(s, tc);

	tc = tcase_create("renew_ship");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_renew_ship_expired_token);
	tcase_add_test(tc, test_renew_ship_expired_no_new_keys);
	suite_add_tcase(s, tc);
	return s;
}
