/* SPDX-License-Identifier: MIT */
/*
 * What the instance metadata service answers (see imds.h for the
 * requests): the role name, and the role's credentials document, a JSON
 * object (RFC 8259) read by a small bounded parser that takes exactly the
 * string members Code, AccessKeyId, SecretAccessKey, Token and Expiration
 * and skips the rest, with the expiry in ISO 8601. Bytes from the network:
 * every read is checked against the length given.
 */
#ifndef WGTAP_IMDSDOC_H
#define WGTAP_IMDSDOC_H

#include <stddef.h>
#include <time.h>

#include "sigv4.h"

#define IMDS_ROLE_MAX		128	/* IAM allows 64; leave room */
#define IMDS_ROLE_SIZE		(IMDS_ROLE_MAX + 1)
#define IMDS_KEY_ID_MAX		128
#define IMDS_TOKEN_MAX		8192	/* the role's session token */
#define IMDS_CODE_SIZE		64
#define IMDS_TIME_SIZE		32

/* What the role's credentials document holds (secrets: wipe it). */
struct imds_creds {
	char		access_key_id[IMDS_KEY_ID_MAX + 1];
	char		secret_access_key[SIGV4_MAX_SECRET + 1];
	char		token[IMDS_TOKEN_MAX + 1];
	char		code[IMDS_CODE_SIZE];	/* printable ASCII */
	char		expiration_text[IMDS_TIME_SIZE];	/* as sent */
	time_t		expiration;
};

/*
 * Parse an ISO 8601 UTC time as IMDS sends it, "2026-11-24T14:02:31Z",
 * also with a fraction of a second (dropped) or a "+HH:MM"/"-HH:MM" offset
 * instead of 'Z'. Returns WGTAP_OK and *t, or WGTAP_EFORMAT (*t = 0) for
 * anything else, including a date that does not exist.
 */
int imds_parse_time(const char *s, size_t len, time_t *t);

/*
 * Parse the role's credentials document, the len bytes at doc (not
 * NUL-terminated): a JSON object whose members Code, AccessKeyId,
 * SecretAccessKey, Token and Expiration are strings (other members, of
 * any type, are skipped; nesting is bounded). Returns WGTAP_OK when all
 * five are there, once each, within their size caps, and Code is
 * "Success"; WGTAP_EFORMAT for anything else, with *out zeroed except
 * out->code (the Code, sanitised, when there was one). Control bytes in
 * the values are refused; escapes are decoded.
 */
int imds_parse_creds(const char *doc, size_t len, struct imds_creds *out);

/*
 * The role name from the answer to .../security-credentials/: the first
 * line, trimmed, which must be 1 to IMDS_ROLE_MAX of A-Z a-z 0-9 + = , .
 * @ _ -. Returns WGTAP_OK, or WGTAP_EFORMAT with role "".
 */
int imds_parse_role(const char *body, size_t len,
    char role[static IMDS_ROLE_SIZE]);

/* Wipe *c (OPENSSL_cleanse). */
void imds_creds_wipe(struct imds_creds *c);

#endif
