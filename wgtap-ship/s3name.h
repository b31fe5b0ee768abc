/* SPDX-License-Identifier: MIT */
/*
 * The names of S3 (SPEC section 3): which bucket names, host labels and
 * key prefixes are usable, the --storage-endpoint URL, path or
 * virtual-hosted addressing, the object key of a segment, and the URL,
 * Host header and signed path of one request. Pure string work: nothing
 * here does I/O or prints.
 */
#ifndef WGTAP_S3NAME_H
#define WGTAP_S3NAME_H

#include <stdbool.h>

#include "dynbuf.h"

struct spool_name;

#define S3_KEY_MAX		1024	/* S3's limit on a key, in bytes */
#define S3_KEY_SIZE		(S3_KEY_MAX + 1)
#define S3_PREFIX_MAX		512	/* longest --key-prefix, with its '/' */
#define S3_PREFIX_SIZE		(S3_PREFIX_MAX + 1)
#define S3_HOST_LABEL_MAX	63	/* longest host=LABEL */
#define S3_BUCKET_MIN		3
#define S3_BUCKET_MAX		63
#define S3_HOSTNAME_MAX		253	/* DNS name or IP literal */
#define S3_HOST_SIZE		(S3_HOSTNAME_MAX + 1)
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
 * Build the object key of the segment segname, whose parsed name is *sn:
 * prefix (already normalised), then "host=HOST/dt=YYYY-MM-DD/hour=HH/",
 * then segname; the date and hour are the segment's start time in UTC.
 * Returns WGTAP_OK, WGTAP_EFORMAT when host is not s3_host_label_ok(), or
 * WGTAP_ETOOBIG; key is "" on failure.
 */
int s3_object_key(const char *prefix, const char *host, const char *segname,
    const struct spool_name *sn, char key[static S3_KEY_SIZE]);

/*
 * The Content-Type of a segment, from the compression of its parsed name:
 * "application/gzip" for .csv.gz, "text/csv; charset=utf-8" for .csv.
 */
const char *s3_content_type(const struct spool_name *sn);

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

#endif
