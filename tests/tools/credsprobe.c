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
 *
 * Uploads with renewed keys are tested through wgtap-ship itself
 * (tests/t-ship-creds.sh). Exit status: 0, 1 when loading failed, 2 for
 * bad arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "creds.h"
#include "sigv4.h"
#include "wgtap.h"

#define TICK_MS		100

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

static int
run(struct creds *c, double secs)
{
	char why[CREDS_ERROR_SIZE];
	unsigned refreshes = 0, failures = 0, expired = 0;
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
		tick();
	}
	printf("done generations=%u refreshes=%u failures=%u expired=%u\n",
	    creds_generation(c), refreshes, failures, expired);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: credsprobe load | watch SECONDS\n");
	return 2;
}

int
main(int argc, char **argv)
{
	char why[CREDS_ERROR_SIZE];
	struct creds *c = NULL;
	double secs = 0, t0;
	int r, rc = 1;

	if (argc == 2 && strcmp(argv[1], "load") == 0) {
		/* one load */
	} else if (argc == 3 && strcmp(argv[1], "watch") == 0) {
		secs = strtod(argv[2], NULL);
		if (secs <= 0 || secs > 600)
			return usage();
	} else {
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
	if (secs == 0) {
		print_keys(c, "keys");
		rc = 0;
	} else {
		rc = run(c, secs);
	}
 out:
	creds_free(c);
	curl_global_cleanup();
	return rc;
}
