// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/imds.c: the endpoint checks and the environment,
 * and imds_fetch() against a loopback port
 * that refuses connections and one that accepts but never answers: both
 * must end quickly, with one line that names the step.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check_wgtap.h"
#include "imds.h"
#include "wgtap.h"

START_TEST(test_imds_endpoint_ok_cases)
{
	char url[IMDS_ENDPOINT_MAX + 2];

	ck_assert(imds_endpoint_ok("http://169.254.169.254"));
	ck_assert(imds_endpoint_ok("http://169.254.169.254/"));
	ck_assert(imds_endpoint_ok("http://127.0.0.1:8080"));
	ck_assert(imds_endpoint_ok("https://imds.example:65535/"));
	ck_assert(imds_endpoint_ok("http://[fd00:ec2::254]"));
	ck_assert(imds_endpoint_ok("http://[::1]:1338/"));
	ck_assert(!imds_endpoint_ok(""));
	ck_assert(!imds_endpoint_ok("169.254.169.254"));
	ck_assert(!imds_endpoint_ok("ftp://169.254.169.254"));
	ck_assert(!imds_endpoint_ok("http://"));
	ck_assert(!imds_endpoint_ok("http://:80"));
	ck_assert(!imds_endpoint_ok("http://h:0"));
	ck_assert(!imds_endpoint_ok("http://h:65536"));
	ck_assert(!imds_endpoint_ok("http://h:"));
	ck_assert(!imds_endpoint_ok("http://h:123456"));
	ck_assert(!imds_endpoint_ok("http://h/latest"));
	ck_assert(!imds_endpoint_ok("http://h//"));
	ck_assert(!imds_endpoint_ok("http://user@h"));
	ck_assert(!imds_endpoint_ok("http://h?x"));
	ck_assert(!imds_endpoint_ok("http://h x"));
	ck_assert(!imds_endpoint_ok("http://[::1"));
	ck_assert(!imds_endpoint_ok("http://[]"));
	ck_assert(!imds_endpoint_ok("http://h\n"));
	memset(url, 'a', sizeof(url));
	memcpy(url, "http://", 7);
	url[IMDS_ENDPOINT_MAX] = '\0';
	ck_assert(imds_endpoint_ok(url));
	url[IMDS_ENDPOINT_MAX] = 'a';
	url[IMDS_ENDPOINT_MAX + 1] = '\0';
	ck_assert(!imds_endpoint_ok(url));
}
END_TEST

static void
clear_imds_env(void)
{
	unsetenv("AWS_EC2_METADATA_DISABLED");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
}

START_TEST(test_imds_config_init_env)
{
	struct imds_config cfg;

	clear_imds_env();
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert_str_eq(cfg.endpoint, "http://169.254.169.254");
	ck_assert(!cfg.disabled && !cfg.endpoint_given);
	ck_assert_int_eq(cfg.connect_ms, IMDS_CONNECT_MS);
	ck_assert_int_eq(cfg.request_ms, IMDS_REQUEST_MS);
	ck_assert_uint_eq(cfg.token_ttl, IMDS_TOKEN_TTL);

	setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert(cfg.disabled);
	setenv("AWS_EC2_METADATA_DISABLED", "yes", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert(!cfg.disabled);
	setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert(!cfg.disabled);

	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv6", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert_str_eq(cfg.endpoint, "http://[fd00:ec2::254]");
	ck_assert(!cfg.endpoint_given);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert_str_eq(cfg.endpoint, "http://127.0.0.1:9");
	ck_assert(cfg.endpoint_given);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "127.0.0.1:9", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_EFORMAT);
	ck_assert_str_eq(cfg.endpoint, "http://169.254.169.254");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "", 1);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_EFORMAT);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv4", 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	ck_assert_str_eq(cfg.endpoint, "http://169.254.169.254");
	clear_imds_env();
}
END_TEST

/* What the firmware files of EC2 instances say, and of other machines. */
START_TEST(test_imds_looks_like_ec2_cases)
{
	/* Nitro: DMI */
	ck_assert(imds_looks_like_ec2("Amazon EC2\n", NULL));
	ck_assert(imds_looks_like_ec2("Amazon EC2", ""));
	ck_assert(imds_looks_like_ec2("Amazon EC2 \r\n", NULL));
	/* Xen: the hypervisor's UUID */
	ck_assert(imds_looks_like_ec2(NULL,
	    "ec2e1916-9099-7caf-fd21-012345abcdef\n"));
	ck_assert(imds_looks_like_ec2("Xen\n",
	    "EC2E1916-9099-7CAF-FD21-012345ABCDEF\n"));
	/* anything else */
	ck_assert(!imds_looks_like_ec2(NULL, NULL));
	ck_assert(!imds_looks_like_ec2("", ""));
	ck_assert(!imds_looks_like_ec2("QEMU\n", NULL));
	ck_assert(!imds_looks_like_ec2("Amazon EC2 Clone\n", NULL));
	ck_assert(!imds_looks_like_ec2("Amazon\n", "e2c0\n"));
	ck_assert(!imds_looks_like_ec2("Microsoft Corporation\n",
	    "4d2e8b1a-0000-0000-0000-000000000000\n"));
}
END_TEST

/*
 * A loopback TCP socket on a port of its own: listening (connections are
 * accepted by the kernel and never answered) or only bound (connections
 * are refused). Returns the fd; *port gets the port.
 */
static int
loopback_socket(bool listening, unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ne(fd, -1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening)
		ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static double
now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
curl_up(void)
{
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
}

static void
curl_down(void)
{
	curl_global_cleanup();
}

START_TEST(test_imds_fetch_refused)
{
	char role[IMDS_ROLE_SIZE], why[IMDS_ERROR_SIZE], want[64];
	struct imds_config cfg;
	struct imds_creds c;
	unsigned port;
	double t0, took;
	int fd;

	clear_imds_env();
	fd = loopback_socket(false, &port);
	snprintf(want, sizeof(want), "http://127.0.0.1:%u", port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", want, 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	t0 = now_secs();
	ck_assert_int_eq(imds_fetch(&cfg, &c, role, why), WGTAP_ENET);
	took = now_secs() - t0;
	ck_assert_msg(took < 0.5, "a refused connection took %.3f s", took);
	ck_assert_msg(strstr(why, want) && strstr(why, "token request"),
	    "%s", why);
	ck_assert_str_eq(c.access_key_id, "");
	ck_assert_str_eq(role, "");
	close(fd);
	clear_imds_env();
}
END_TEST

START_TEST(test_imds_fetch_silent)
{
	char role[IMDS_ROLE_SIZE], why[IMDS_ERROR_SIZE], url[64];
	struct imds_config cfg;
	struct imds_creds c;
	unsigned port;
	double t0, took;
	int fd;

	clear_imds_env();
	fd = loopback_socket(true, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	ck_assert_int_eq(imds_config_init(&cfg), WGTAP_OK);
	cfg.request_ms = 300;
	t0 = now_secs();
	ck_assert_int_eq(imds_fetch(&cfg, &c, role, why), WGTAP_ENET);
	took = now_secs() - t0;
	ck_assert_msg(took >= 0.25 && took < 1.0,
	    "a silent server took %.3f s", took);
	ck_assert_msg(strstr(why, "token request") != NULL, "%s", why);
	close(fd);
	clear_imds_env();
}
END_TEST

Suite *
imds_suite(void)
{
	Suite *s = suite_create("imds");
	TCase *tc;

	tc = tcase_create("imds_config");
	tcase_add_test(tc, test_imds_endpoint_ok_cases);
	tcase_add_test(tc, test_imds_config_init_env);
	tcase_add_test(tc, test_imds_looks_like_ec2_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("imds_fetch");
	tcase_add_unchecked_fixture(tc, curl_up, curl_down);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_imds_fetch_refused);
	tcase_add_test(tc, test_imds_fetch_silent);
	suite_add_tcase(s, tc);
	return s;
}
