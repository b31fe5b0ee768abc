/* SPDX-License-Identifier: MIT */
/*
 * AWS Signature Version 4 for S3 (header form, "AWS4-HMAC-SHA256"), as a
 * pipeline of steps that can each be tested on their own:
 *
 *	canonical request  sigv4_canonical_request()
 *	string to sign     sigv4_scope(), sigv4_string_to_sign()
 *	signing key        sigv4_signing_key()
 *	signature          sigv4_signature()
 *	header value       sigv4_authorization()
 *
 * sigv4_sign() chains them. The time is always an argument; nothing here
 * reads the clock, does I/O or prints. Functions that produce text append
 * it to a caller-owned struct dynbuf (common/dynbuf.h) and, on failure,
 * leave that buffer freed (empty). Return values are WGTAP_* codes from
 * common/wgtap.h.
 *
 * S3 rules (which differ from the generic SigV4 rules): the path is
 * URI-encoded once, '/' kept, and never normalised ("." and ".." segments
 * and "//" are signed as they are); and S3 wants the payload hash sent,
 * and signed, as x-amz-content-sha256.
 */
#ifndef WGTAP_SIGV4_H
#define WGTAP_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dynbuf.h"

#define SIGV4_ALGORITHM		"AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR	"aws4_request"

#define SIGV4_SHA256_LEN	32			/* raw SHA-256 */
#define SIGV4_HEX_LEN		(2 * SIGV4_SHA256_LEN)	/* lowercase hex */
#define SIGV4_HEX_SIZE		(SIGV4_HEX_LEN + 1)	/* hex and NUL */
#define SIGV4_KEY_LEN		SIGV4_SHA256_LEN	/* signing key */
#define SIGV4_DATE_LEN		8			/* YYYYMMDD */
#define SIGV4_DATE_SIZE		(SIGV4_DATE_LEN + 1)
#define SIGV4_AMZ_DATE_LEN	16			/* YYYYMMDDTHHMMSSZ */
#define SIGV4_AMZ_DATE_SIZE	(SIGV4_AMZ_DATE_LEN + 1)

/* Most headers one request may sign, and the longest secret key. */
#define SIGV4_MAX_HEADERS	64
#define SIGV4_MAX_SECRET	256
/* A suitable max for the dynbufs that hold requests and headers. */
#define SIGV4_MAX_TEXT		(64 * 1024)

/* SHA-256 of the empty string, and the marker for an unsigned body. */
#define SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SIGV4_UNSIGNED_PAYLOAD	"UNSIGNED-PAYLOAD"

/* One header to sign, as it will be sent. Neither string is copied. */
struct sigv4_header {
	const char	*name;	/* any case; an RFC 7230 token */
	const char	*value;	/* no CR, LF or other control bytes but HTAB */
};

/*
 * The parts of a request that are signed. Every header listed is signed,
 * so list exactly what will be sent and must be covered: at least host and
 * x-amz-date, for S3 also x-amz-content-sha256, and x-amz-security-token
 * when using temporary credentials. Headers with the same name are joined
 * in the order given.
 */
struct sigv4_request {
	const char		*method;	/* "PUT" */
	const char		*path;		/* decoded: "/a b/c" */
	const char		*query;		/* encoded, no '?'; or NULL */
	const struct sigv4_header *headers;
	size_t			 nheaders;
	const char		*payload_hash;	/* hex, or UNSIGNED-PAYLOAD */
};

/* Never copied; derived keys are wiped from our stack buffers. */
struct sigv4_credentials {
	const char	*access_key_id;
	const char	*secret_access_key;
};

/*
 * True when the len bytes at s can be a credential scope part (region,
 * service) or an access key ID: at least one byte, printable ASCII without
 * blanks, '/' (the scope separator) or ',' (the header field separator).
 */
bool sigv4_scope_part_ok(const char *s, size_t len);

/*
 * Lowercase hex SHA-256 of len bytes at data (data may be NULL if len is
 * 0). Returns WGTAP_OK or WGTAP_ECRYPTO; hex is "" on failure.
 */
int sigv4_sha256_hex(const void *data, size_t len,
    char hex[static SIGV4_HEX_SIZE]);

/*
 * Format t (seconds since the epoch) as the UTC timestamp SigV4 uses,
 * "YYYYMMDDTHHMMSSZ". Returns WGTAP_OK, or WGTAP_EFORMAT if t is not in the
 * years 1000 to 9999; out is "" on failure.
 */
int sigv4_amz_date(time_t t, char out[static SIGV4_AMZ_DATE_SIZE]);

/*
 * Append len bytes of data URI-encoded as SigV4 wants (RFC 3986 section
 * 2.3): unreserved characters A-Z a-z 0-9 - . _ ~ as they are, every other
 * byte as %XX with uppercase hex. '/' is kept when keep_slash is true (for
 * object key paths) and encoded as %2F otherwise (for query components).
 * Returns WGTAP_OK, WGTAP_ETOOBIG or WGTAP_ENOMEM.
 */
int sigv4_uri_encode(struct dynbuf *out, const void *data, size_t len,
    bool keep_slash);

/*
 * Append the canonical URI of a decoded absolute path, S3 style: encoded
 * once with '/' kept, no normalisation. "" signs as "/". Returns WGTAP_OK,
 * WGTAP_EFORMAT if path does not start with '/', WGTAP_ETOOBIG or
 * WGTAP_ENOMEM.
 */
int sigv4_canonical_uri(struct dynbuf *out, const char *path);

/*
 * Append the canonical form of query, an encoded query string as it
 * appears in the URL after '?' (NULL or "" for none): each name and value
 * is percent-decoded and encoded again with sigv4_uri_encode(), a
 * parameter without '=' gets an empty value, empty parameters ("a&&b") are
 * dropped, and the parameters are sorted by encoded name, then value. '+'
 * is a literal plus (%2B), not a space. Returns WGTAP_OK, WGTAP_EFORMAT on
 * a bad %-escape, WGTAP_ETOOBIG or WGTAP_ENOMEM.
 */
int sigv4_canonical_query(struct dynbuf *out, const char *query);

/*
 * Append the canonical headers: one "name:value\n" line per distinct name,
 * the name lowercased, the value with leading and trailing blanks removed
 * and each inner run of spaces and tabs made one space, values of
 * repeated names joined by ',' in the order given, lines sorted by name.
 * Returns WGTAP_OK, WGTAP_EFORMAT for a bad name or value, WGTAP_ETOOBIG
 * (also for more than SIGV4_MAX_HEADERS headers) or WGTAP_ENOMEM.
 */
int sigv4_canonical_headers(struct dynbuf *out,
    const struct sigv4_header *headers, size_t n);

/*
 * Append the signed-headers list: the distinct lowercased names, sorted,
 * joined by ';' ("host;x-amz-content-sha256;x-amz-date"). Errors as for
 * sigv4_canonical_headers().
 */
int sigv4_signed_headers(struct dynbuf *out,
    const struct sigv4_header *headers, size_t n);

/*
 * Append the canonical request:
 *	METHOD \n canonical URI \n canonical query \n canonical headers \n
 *	signed headers \n payload hash
 * Returns WGTAP_OK, WGTAP_EFORMAT for a bad method, path, query, header or
 * payload hash, WGTAP_ETOOBIG or WGTAP_ENOMEM.
 */
int sigv4_canonical_request(struct dynbuf *out,
    const struct sigv4_request *req);

/*
 * Append the credential scope "YYYYMMDD/region/service/aws4_request", the
 * date taken from amz_date ("YYYYMMDDTHHMMSSZ"). Returns WGTAP_OK,
 * WGTAP_EFORMAT for a bad timestamp, or a region or service that is empty
 * or holds '/', ',', blanks or control bytes, WGTAP_ETOOBIG or
 * WGTAP_ENOMEM.
 */
int sigv4_scope(struct dynbuf *out, const char *amz_date,
    const char *region, const char *service);

/*
 * Append the string to sign:
 *	AWS4-HMAC-SHA256 \n amz_date \n scope \n hex(SHA-256(creq))
 * for the creq_len bytes of canonical request at creq. Returns WGTAP_OK,
 * WGTAP_EFORMAT if amz_date is not "YYYYMMDDTHHMMSSZ" or scope is not
 * "<its date>/region/service/aws4_request", WGTAP_ECRYPTO, WGTAP_ETOOBIG
 * or WGTAP_ENOMEM.
 */
int sigv4_string_to_sign(struct dynbuf *out, const char *amz_date,
    const char *scope, const char *creq, size_t creq_len);

/*
 * Derive the signing key HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region),
 * service), "aws4_request") into key; date is "YYYYMMDD". The caller owns
 * key and should OPENSSL_cleanse() it after use; intermediate keys are
 * wiped here. Returns WGTAP_OK, WGTAP_EFORMAT (bad date, empty secret or
 * bad region or service), WGTAP_ETOOBIG (secret longer than
 * SIGV4_MAX_SECRET) or WGTAP_ECRYPTO; key is all zero on failure.
 */
int sigv4_signing_key(const char *secret, const char *date,
    const char *region, const char *service,
    uint8_t key[static SIGV4_KEY_LEN]);

/*
 * The signature: lowercase hex HMAC-SHA256 of the sts_len bytes of string
 * to sign at sts under key. Returns WGTAP_OK or WGTAP_ECRYPTO; hex is "" on
 * failure.
 */
int sigv4_signature(const uint8_t key[static SIGV4_KEY_LEN],
    const char *sts, size_t sts_len, char hex[static SIGV4_HEX_SIZE]);

/*
 * Append the Authorization header value:
 *	AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b,
 *	Signature=hex
 * Returns WGTAP_OK, WGTAP_EFORMAT for an empty or malformed access key ID,
 * scope, signed-headers list or signature, WGTAP_ETOOBIG or WGTAP_ENOMEM.
 */
int sigv4_authorization(struct dynbuf *out, const char *access_key_id,
    const char *scope, const char *signed_headers,
    const char signature[static SIGV4_HEX_SIZE]);

/*
 * Sign req at time amz_date ("YYYYMMDDTHHMMSSZ", see sigv4_amz_date())
 * and append the Authorization header value to authorization. req must
 * hold exactly one host header and exactly one x-amz-date header equal to
 * amz_date. The signing key is wiped before returning; intermediate text
 * is freed. Returns WGTAP_OK or the first step's error (WGTAP_EFORMAT,
 * WGTAP_ETOOBIG, WGTAP_ENOMEM, WGTAP_ECRYPTO).
 */
int sigv4_sign(struct dynbuf *authorization, const struct sigv4_request *req,
    const struct sigv4_credentials *cred, const char *region,
    const char *service, const char *amz_date);

#endif
