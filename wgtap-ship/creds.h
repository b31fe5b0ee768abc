/* SPDX-License-Identifier: MIT */
/*
 * Where the S3 keys come from: a chain of sources, tried in this order,
 * the first that yields keys winning:
 *
 *   1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, if
 *      set, AWS_SESSION_TOKEN (empty variables count as unset);
 *   2. a systemd credential: the file CREDS_SYSTEMD_NAME in
 *      $CREDENTIALS_DIRECTORY (LoadCredential=aws-credentials:PATH), in
 *      the shared-credentials format, profile as below;
 *   3. the shared credentials file: $AWS_SHARED_CREDENTIALS_FILE, else
 *      ~/.aws/credentials (from $HOME); profile $AWS_PROFILE or "default";
 *   4. the EC2 instance metadata service, IMDSv2 (imds.h), unless
 *      AWS_EC2_METADATA_DISABLED=true.
 *
 * A source that is simply absent passes to the next one: no variables, no
 * $CREDENTIALS_DIRECTORY, no aws-credentials file in it or one without
 * any profile (the template scripts/install puts there), no
 * ~/.aws/credentials or no "default" profile in it (when AWS_PROFILE is
 * not set). A source that is there but wrong stops the chain with its
 * error, so that a broken file is never silently replaced by another
 * source: half a key pair in the environment, a file that cannot be read
 * or does not parse, a missing AWS_SHARED_CREDENTIALS_FILE, a profile
 * named by AWS_PROFILE that is not there, a profile without keys, or keys
 * that fail the checks below.
 *
 * Checks (as for the environment before): the access key ID is 1-128
 * printable ASCII bytes without blanks, '/' or ','; the secret is 1 to
 * SIGV4_MAX_SECRET bytes without control bytes; the session token has no
 * control bytes and at most CREDS_TOKEN_MAX bytes. Error texts name the
 * source, the file, the line and the setting, never a value.
 *
 * The keys are kept in memory of their own, wiped (OPENSSL_cleanse) when
 * replaced or freed. Refreshing: keys from a file are read again when the
 * file's inode, size, mtime or ctime changed (so an edited or replaced
 * file is used for the next request, without a restart); instance-role
 * keys are fetched again ahead of their expiry, and on demand (after an
 * ExpiredToken answer). A failed refresh keeps the keys in use. Nothing
 * here prints.
 */
#ifndef WGTAP_CREDS_H
#define WGTAP_CREDS_H

#include <stdbool.h>
#include <time.h>

#define CREDS_SYSTEMD_NAME	"aws-credentials"
#define CREDS_DEFAULT_PROFILE	"default"
#define CREDS_KEY_ID_MAX	128
#define CREDS_TOKEN_MAX		16384
#define CREDS_PROFILE_MAX	128
#define CREDS_PATH_MAX		1024
#define CREDS_ORIGIN_SIZE	(CREDS_PATH_MAX + CREDS_PROFILE_MAX + 64)
#define CREDS_ERROR_SIZE	(CREDS_PATH_MAX + 512)
/* Instance-role keys are renewed this long before they expire, at most. */
#define CREDS_AHEAD_MAX		600
/* Most seconds between two tries to renew instance-role keys. */
#define CREDS_RETRY_MAX		60

enum creds_source {
	CREDS_SRC_ENV = 1,	/* the environment */
	CREDS_SRC_SYSTEMD,	/* $CREDENTIALS_DIRECTORY/aws-credentials */
	CREDS_SRC_FILE,		/* the shared credentials file */
	CREDS_SRC_IMDS,		/* the instance role */
};

/* Knobs for tests and --check; zero means the default. */
struct creds_options {
	long	imds_connect_ms;	/* IMDS_CONNECT_MS */
	long	imds_request_ms;	/* IMDS_REQUEST_MS */
};

/* The keys in use. The strings belong to the creds; see creds_get(). */
struct creds_keys {
	const char	*access_key_id;
	const char	*secret_access_key;
	const char	*session_token;		/* NULL when there is none */
};

struct creds;

/*
 * Walk the chain (reading the environment, files and maybe the metadata
 * service) and keep the first keys found. opt may be NULL. Returns
 * WGTAP_OK and *out (free with creds_free()); or an error code with *out
 * NULL and why holding one line: the broken source and what is wrong with
 * it, or, when no source yields keys, "no credentials found: " and what
 * each source lacked. Codes: WGTAP_EFORMAT (bad file, variable or keys,
 * and no keys anywhere; a metadata service that cannot be reached or has
 * no role counts as absent), WGTAP_ENET (no keys anywhere, and a metadata
 * service that should be there, named by AWS_EC2_METADATA_SERVICE_ENDPOINT
 * or on a machine whose firmware says EC2, could not be reached: a
 * passing trouble, worth trying again), WGTAP_ETOOBIG, WGTAP_ESYS (a file
 * could not be read), WGTAP_ENOMEM.
 */
int creds_load(const struct creds_options *opt, struct creds **out,
    char why[static CREDS_ERROR_SIZE]);

/* Wipe the keys and free everything; NULL is fine. */
void creds_free(struct creds *c);

/*
 * The keys in use. The pointers are valid until the next creds_refresh()
 * that reports a change, or creds_free(); take them again before each
 * request rather than keeping them.
 */
void creds_get(const struct creds *c, struct creds_keys *k);

/* Which source the keys came from. */
enum creds_source creds_source(const struct creds *c);

/*
 * The source for the log line "credentials from %s": "the environment",
 * "systemd credential aws-credentials profile P", "FILE profile P", or
 * "the instance role R, expiring at 2026-11-24T14:02:31Z". No secrets.
 */
const char *creds_origin(const struct creds *c);

/* When the keys expire (seconds since the epoch), or 0 if they do not. */
time_t creds_expiration(const struct creds *c);

/* Starts at 1 and goes up by one each time the keys change. */
unsigned creds_generation(const struct creds *c);

/*
 * Whether creds_refresh() has something to do at time now: a file source
 * whose file changed (this calls stat()), or instance-role keys inside the
 * renewal window (the smaller of CREDS_AHEAD_MAX and a quarter of their
 * lifetime, rounded up, before expiry) and not within the wait after a try that
 * brought nothing new. Never for the environment.
 */
bool creds_needs_refresh(const struct creds *c, time_t now);

/*
 * Renew the keys if creds_needs_refresh() says so, or unconditionally when
 * force is set (after the store answered ExpiredToken, say): read the
 * file again, or fetch from the metadata service. *changed tells whether
 * the keys are now different (creds_get() then has new pointers and
 * creds_origin() may have changed). Returns WGTAP_OK (also when there was
 * nothing to do, and for the environment, which never changes); or an
 * error code with why set as for creds_load(): the keys in use stay, and
 * a file is not read again until it changes once more.
 */
int creds_refresh(struct creds *c, time_t now, bool force, bool *changed,
    char why[static CREDS_ERROR_SIZE]);

#endif
