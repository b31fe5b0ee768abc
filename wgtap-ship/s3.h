/* SPDX-License-Identifier: MIT */
/*
 * S3 PutObject for one spool segment (SPEC section 3): the object key, the
 * request URL in path or virtual-hosted style, the SigV4-signed request
 * sent with libcurl with the body streamed from an open file, and the
 * answer turned into a result (HTTP status, S3 error code and message,
 * ETag check). Nothing here prints, exits, deletes files or retries; the
 * caller decides what a result means. Credentials are only ever put into
 * the signature and the x-amz-security-token header, never into a result.
 */
#ifndef WGTAP_S3_H
#define WGTAP_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dynbuf.h"

#define S3_KEY_MAX		1024	/* S3's limit on a key, in bytes */
#define S3_KEY_SIZE		(S3_KEY_MAX + 1)
#define S3_PREFIX_MAX		512	/* longest --key-prefix, with its '/' */
#define S3_PREFIX_SIZE		(S3_PREFIX_MAX + 1)
#define S3_HOST_LABEL_MAX	63	/* longest host=LABEL */
#define S3_BUCKET_MIN		3
#define S3_BUCKET_MAX		63
#define S3_HOSTNAME_MAX		253	/* DNS name or IP literal */
#define S3_HOST_SIZE		(S3_HOSTNAME_MAX + 1)
#define S3_CODE_SIZE		64	/* S3 error code, sanitised, with NUL */
#define S3_MESSAGE_SIZE		256	/* S3 error message, sanitised */
#define S3_ERROR_SIZE		512	/* one-line description of a failure */
#define S3_BODY_MAX		16384	/* error body bytes kept for parsing */
#define S3_MD5_LEN		16
#define S3_SHA256_LEN		32
#define S3_DEFAULT_PREFIX	"wgtap/"

enum s3_addressing {
	S3_ADDR_AUTO,		/* virtual-hosted for AWS, path for others */
	S3_ADDR_PATH,		/* https://host/bucket/key */
	S3_ADDR_VIRTUAL,	/* https://bucket.host/key */
};

/* A parsed --storage-endpoint: scheme, host and optional port. */
struct s3_endpoint {
	bool		https;
	char		host[S3_HOST_SIZE];	/* IPv6 literals in brackets */
	unsigned	port;			/* 0 when not given */
};

/*
 * True when s is a bucket name S3 accepts for new buckets: 3 to 63 bytes of
 * [a-z0-9.-], starting and ending with a letter or digit, no "..", and not
 * an IPv4 address.
 */
bool s3_bucket_ok(const char *s);

/*
 * True when s can be a host=LABEL partition: 1 to 63 bytes of
 * [A-Za-z0-9._-].
 */
bool s3_host_label_ok(const char *s);

/*
 * Normalise a --key-prefix into out: "" stays "" (no prefix), anything else
 * gets a trailing '/' when it has none. Returns WGTAP_OK, WGTAP_ETOOBIG
 * when the result would be longer than S3_PREFIX_MAX, or WGTAP_EFORMAT for
 * control bytes, a leading '/', an empty, "." or ".." path segment (which
 * HTTP clients and servers may rewrite); out is "" on failure.
 */
int s3_prefix_normalize(const char *in, char out[static S3_PREFIX_SIZE]);

/*
 * Parse an endpoint URL: "http://" or "https://", a host name, IPv4 or
 * bracketed IPv6 literal, an optional ":PORT" (1-65535), and nothing after
 * but an optional '/'. Returns WGTAP_OK, or WGTAP_EFORMAT (and *ep zeroed)
 * for anything else, such as another scheme, user info, a path or a query.
 */
int s3_endpoint_parse(const char *url, struct s3_endpoint *ep);

/*
 * Whether requests go virtual-hosted style: for S3_ADDR_AUTO, when the
 * endpoint host is amazonaws.com or ends in ".amazonaws.com" and the bucket
 * has no '.' (a dotted bucket does not match the wildcard certificate).
 */
bool s3_use_virtual(const struct s3_endpoint *ep, enum s3_addressing mode,
    const char *bucket);

/*
 * Build the object key of a segment: prefix (already normalised), then
 * "host=HOST/dt=YYYY-MM-DD/hour=HH/", then the segment name; the date and
 * hour are the segment's start time in UTC, from its name. Returns
 * WGTAP_OK, WGTAP_EFORMAT when segname is not a final segment name or host
 * is not s3_host_label_ok(), or WGTAP_ETOOBIG; key is "" on failure.
 */
int s3_object_key(const char *prefix, const char *host, const char *segname,
    char key[static S3_KEY_SIZE]);

/* The Content-Type for a segment name: gzip for ".gz", else CSV. */
const char *s3_content_type(const char *segname);

/*
 * The pieces of one request: the URL to fetch, the Host header, and the
 * decoded path that is signed (its URI-encoded form is the URL's path).
 */
struct s3_target {
	struct dynbuf	url;		/* "https://bucket.host:port/KEY" */
	struct dynbuf	host;		/* "bucket.host:port" */
	struct dynbuf	path;		/* decoded: "/bucket/KEY" or "/KEY" */
};

/* Set up the buffers of t; call before s3_target_build(). */
void s3_target_init(struct s3_target *t);

/* Free the buffers of t. */
void s3_target_free(struct s3_target *t);

/*
 * Fill t for key in bucket at ep: path style puts the bucket in the path,
 * virtual-hosted style in the host. The port is in the Host header only
 * when it is not the scheme's default. Returns WGTAP_OK, WGTAP_ETOOBIG or
 * WGTAP_ENOMEM; t is emptied first.
 */
int s3_target_build(struct s3_target *t, const struct s3_endpoint *ep,
    bool virtual_hosted, const char *bucket, const char *key);

/*
 * Find the <Code> and <Message> of an S3 error document in the first len
 * bytes of body (not NUL-terminated), decode the XML entities &amp; &lt;
 * &gt; &quot; &apos; and &#N; / &#xN; and copy them, with anything that is
 * not printable ASCII replaced by '?' and cut to fit, into code and msg.
 * Returns WGTAP_OK when a Code was found, else WGTAP_EFORMAT; both outputs
 * are "" when missing.
 */
int s3_parse_error(const char *body, size_t len, char code[static S3_CODE_SIZE],
    char msg[static S3_MESSAGE_SIZE]);

/* The body of one upload: an open file and its digests (s3_body_hash()). */
struct s3_body {
	int		fd;		/* read with pread; not owned */
	uint64_t	size;
	uint8_t		md5[S3_MD5_LEN];
	uint8_t		sha256[S3_SHA256_LEN];
};

/*
 * Read the whole of fd once with pread and fill *b with its size, MD5 and
 * SHA-256. Returns WGTAP_OK, WGTAP_ESYS (errno set) or WGTAP_ECRYPTO.
 */
int s3_body_hash(int fd, struct s3_body *b);

/* What the server (or the transfer) said about one request. */
struct s3_result {
	long		status;			/* HTTP status; 0 when none */
	char		code[S3_CODE_SIZE];	/* S3 error code, or "" */
	char		message[S3_MESSAGE_SIZE];	/* or "" */
	char		error[S3_ERROR_SIZE];	/* the failure in one line */
	bool		aborted;		/* the abort callback said so */
	double		secs;			/* time spent in the transfer */
};

/* Everything a client needs; strings are not copied and must outlive it. */
struct s3_config {
	struct s3_endpoint	endpoint;
	enum s3_addressing	addressing;
	const char		*bucket;
	const char		*region;
	const char		*access_key_id;
	const char		*secret_access_key;
	const char		*session_token;	/* NULL or "" for none */
	const char		*ca_file;	/* extra trusted CAs; or NULL */
	long			 timeout;	/* seconds, > 0 */
	/* Called during transfers; non-zero aborts the request. */
	int			(*abort_cb)(void *arg);
	void			*abort_arg;
};

struct s3_client;

/*
 * Create a client (one libcurl handle, reused so connections are kept
 * alive). Call curl_global_init() first. The CA file, if any, is read here
 * and its certificates are added to the system trust store of every TLS
 * connection. Returns WGTAP_OK and *out (free with s3_client_free()),
 * WGTAP_ESYS when the CA file cannot be read, WGTAP_EFORMAT when it holds
 * no certificate, WGTAP_ENOMEM or WGTAP_ENET (libcurl refused an option).
 */
int s3_client_new(const struct s3_config *cfg, struct s3_client **out);

/* Free a client; NULL is fine. */
void s3_client_free(struct s3_client *c);

/*
 * Upload body under key with one signed PutObject and check the answer: a
 * 2xx status and an ETag equal to the body's MD5. The body is streamed from
 * body->fd; its size must not change during the upload. Fills *res.
 * Returns WGTAP_OK on a verified upload; WGTAP_EHTTP when the server
 * answered with an error status or a wrong ETag; WGTAP_ENET when the
 * transfer failed (connect, TLS, timeout) or was aborted; WGTAP_ESYS,
 * WGTAP_ETRUNC (the file changed size) or other codes for local failures.
 * res->error describes every failure in one line.
 */
int s3_put_object(struct s3_client *c, const char *key,
    const char *content_type, const struct s3_body *body,
    struct s3_result *res);

#endif
