// SPDX-License-Identifier: MIT
/*
 * credsprobe: drives wgtap-ship/creds.c the way the shipper does, for
 * tests/t-creds-imds.sh. It prints the access key ID and a SHA-256 of the
 * secret (never the secret or the token) so that a test can tell which
 * keys are in use.
 *
 *   credsprobe load
 *	walk the chain once: origin, key ID, secret digest, whether there is
 *	a session token, expiry; or the error line and exit 1. Every command
 *	first prints load_ms=N, the time creds_load() took
 *   credsprobe watch SECONDS
 *	load, then every 100 ms for SECONDS refresh when creds_needs_refresh()
 *	says so, as the shipper does before each upload: one line per key
 *	change, one per failed refresh, and one if the keys in hand were ever
 *	past their expiry at a check
 *   credsprobe put SECONDS ENDPOINT BUCKET REGION
 *	as watch, and upload one small object every 200 ms with the keys in
 *	hand (s3_put_object(), path style): one line per upload with its
 *	key ID and outcome; after an ExpiredToken answer, refresh by force
 *	and try once more
 *
 * Exit status: 0, 1 when loading failed (or, for put, an upload failed),
 * 2 for bad arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "creds.h"
#include "s3.h"
#include "s3body.h"
#include "sigv4.h"
#include "wgtap.h"

#define TICK_MS		100
#define PUT_EVERY	2	/* ticks */

static void
print_keys(const struct creds *c, const char *what)
{
	char hex[SIGV4_HEX_SIZE];
	struct creds_keys k;

	creds_get(c, &k);
	if (sigv4_sha256_hex(k.secret_access_key,
	    strlen(k.secret_access_key), hex) != WGTAP_OK)
		hex[0] = '\0';
	printf("%s generation=%u access_key_id=%s secret_sha256=%.16s "
	    "session_token=%s expiration=%lld now=%lld origin=%s\n", what,
	    creds_generation(c), k.access_key_id, hex,
	    k.session_token ? "yes" : "no",
	    (long long)creds_expiration(c), (long long)time(NULL),
	    creds_origin(c));
	fflush(stdout);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
tick(void)
{
	struct timespec ts = { 0, TICK_MS * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* One upload target, and a client made for the keys in hand. */
struct put {
	struct s3_config	 cfg;
	struct s3_client	*client;
	unsigned		 generation;	/* of the client's keys */
	unsigned		 n;
	unsigned		 failed;
};

static int
put_client(struct put *p, const struct creds *c)
{
	struct creds_keys k;

	if (p->client && p->generation == creds_generation(c))
		return WGTAP_OK;
	s3_client_free(p->client);
	p->client = NULL;
	creds_get(c, &k);
	p->cfg.access_key_id = k.access_key_id;
	p->cfg.secret_access_key = k.secret_access_key;
	p->cfg.session_token = k.session_token;
	p->generation = creds_generation(c);
	return s3_client_new(&p->cfg, &p->client);
}

static int
put_once(struct put *p, const struct creds *c, struct s3_result *res)
{
	struct s3_body body;
	char key[64], text[64];
	int fd, n, r;

	r = put_client(p, c);
	if (r != WGTAP_OK)
		return r;
	n = snprintf(text, sizeof(text), "probe %u generation %u\n", p->n,
	    creds_generation(c));
	snprintf(key, sizeof(key), "probe/%06u", p->n);
	fd = memfd_create("credsprobe", MFD_CLOEXEC);
	if (fd == -1)
		return WGTAP_ESYS;
	r = WGTAP_ESYS;
	if (write(fd, text, (size_t)n) != n)
		goto out;
	r = s3_body_hash(fd, &body);
	if (r != WGTAP_OK)
		goto out;
	r = s3_put_object(p->client, key, "text/plain", &body, res);
 out:
	close(fd);
	return r;
}

/* Upload one object; after ExpiredToken, refresh by force and retry. */
static void
put_one(struct put *p, struct creds *c)
{
	char why[CREDS_ERROR_SIZE];
	struct s3_result res;
	struct creds_keys k;
	bool changed;
	int r;

	memset(&res, 0, sizeof(res));
	r = put_once(p, c, &res);
	if (r == WGTAP_EHTTP && strcmp(res.code, "ExpiredToken") == 0 &&
	    creds_refresh(c, time(NULL), true, &changed, why) == WGTAP_OK &&
	    changed)
		r = put_once(p, c, &res);
	creds_get(c, &k);
	printf("put n=%u generation=%u access_key_id=%s status=%ld code=%s "
	    "result=%s\n", p->n, creds_generation(c), k.access_key_id,
	    res.status, res.code[0] ? res.code : "-",
	    r == WGTAP_OK ? "ok" : "failed");
	fflush(stdout);
	if (r != WGTAP_OK)
		p->failed++;
	p->n++;
}

static int
run(struct creds *c, double secs, struct put *p)
{
	char why[CREDS_ERROR_SIZE];
	unsigned refreshes = 0, failures = 0, expired = 0, t = 0;
	double end = mono() + secs;
	bool changed, was_expired = false;
	time_t now;

	print_keys(c, "keys");
	while (mono() < end) {
		now = time(NULL);
		if (creds_needs_refresh(c, now)) {
			refreshes++;
			if (creds_refresh(c, now, false, &changed, why) !=
			    WGTAP_OK) {
				failures++;
				printf("refresh failed: %s\n", why);
				fflush(stdout);
			} else if (changed) {
				print_keys(c, "keys");
				was_expired = false;
			}
		}
		if (creds_expiration(c) != 0 && now >= creds_expiration(c) &&
		    !was_expired) {
			expired++;
			was_expired = true;
			printf("expired generation=%u now=%lld\n",
			    creds_generation(c), (long long)now);
			fflush(stdout);
		}
		if (p && t % PUT_EVERY == 0)
			put_one(p, c);
		t++;
		tick();
	}
	printf("done generations=%u refreshes=%u failures=%u expired=%u "
	    "puts=%u put_failures=%u\n", creds_generation(c), refreshes,
	    failures, expired, p ? p->n : 0, p ? p->failed : 0);
	return p && p->failed ? 1 : 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: credsprobe load | watch SECONDS | "
	    "put SECONDS ENDPOINT BUCKET REGION\n");
	return 2;
}

int
main(int argc, char **argv)
{
	char why[CREDS_ERROR_SIZE];
	struct creds *c = NULL;
	struct put p;
	double secs = 0, t0;
	int r, rc = 1;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "load") != 0) {
		if (argc < 3)
			return usage();
		secs = strtod(argv[2], NULL);
		if (secs <= 0 || secs > 600)
			return usage();
	}
	memset(&p, 0, sizeof(p));
	if (strcmp(argv[1], "put") == 0) {
		if (argc != 6 ||
		    s3_endpoint_parse(argv[3], &p.cfg.endpoint) != WGTAP_OK)
			return usage();
		p.cfg.addressing = S3_ADDR_PATH;
		p.cfg.bucket = argv[4];
		p.cfg.region = argv[5];
		p.cfg.timeout = 10;
	} else if (strcmp(argv[1], "load") != 0 &&
	    strcmp(argv[1], "watch") != 0) {
		return usage();
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	t0 = mono();
	r = creds_load(NULL, &c, why);
	printf("load_ms=%.0f\n", (mono() - t0) * 1000);
	if (r != WGTAP_OK) {
		printf("error: %s\n", why);
		goto out;
	}
	if (strcmp(argv[1], "load") == 0) {
		print_keys(c, "keys");
		rc = 0;
	} else {
		rc = run(c, secs, strcmp(argv[1], "put") == 0 ? &p : NULL);
	}
 out:
	s3_client_free(p.client);
	creds_free(c);
	curl_global_cleanup();
	return rc;
}
