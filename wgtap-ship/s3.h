/* SPDX-License-Identifier: MIT */
/*
 * S3 PutObject for one spool segment (SPEC section 3): the SigV4-signed
 * request sent with libcurl to the target s3name.h builds, the body
 * streamed from an open file, and the answer turned into a result (HTTP
 * status, S3 error code and message, ETag check). For wgtap-ship --check
 * also a bare connection (with the TLS handshake) and DeleteObject.
 * Nothing here prints, exits, deletes files or retries; the caller decides
 * what a result means. The keys are taken from the credential chain
 * (creds.h) at each signing, so renewed keys are used by the next request;
 * they only ever go into the signature and the x-amz-security-token
 * header, never into a result.
 */
#ifndef WGTAP_S3_H
#define WGTAP_S3_H

#include <stdbool.h>
#include <stdint.h>

#include "s3body.h"
#include "s3err.h"
#include "s3name.h"

#define S3_ERROR_SIZE		512	/* one-line description of a failure */
#define S3_BODY_MAX		16384	/* error body bytes kept for parsing */
#define S3_PEER_SIZE		80	/* "ADDRESS port N" of a connection */

struct creds;

/* What kind of transfer failure a result is, for explanations. */
enum s3_net {
	S3_NET_NONE,		/* none: success, or an HTTP answer */
	S3_NET_RESOLVE,		/* the host name did not resolve */
	S3_NET_CONNECT,		/* the connection was refused or unreachable */
	S3_NET_TIMEOUT,		/* no connection or no answer in time */
	S3_NET_CERT,		/* the server's certificate is not trusted */
	S3_NET_TLS,		/* the TLS handshake failed otherwise */
	S3_NET_OTHER,		/* anything else (reset, garbage, local) */
};

/* What the server (or the transfer) said about one request. */
struct s3_result {
	long		status;			/* HTTP status; 0 when none */
	char		code[S3_CODE_SIZE];	/* S3 error code, or "" */
	char		message[S3_MESSAGE_SIZE];	/* or "" */
	char		error[S3_ERROR_SIZE];	/* the failure in one line */
	enum s3_net	net;			/* for a transfer failure */
	bool		aborted;		/* the abort callback said so */
	double		secs;			/* time spent in the transfer */
};

/*
 * Describe a failure in one line: "what: detail", or what alone when
 * detail is NULL or "", cut to fit. Used for s3_result.error and by the
 * callers that report in the same size.
 */
void s3_describe(char line[static S3_ERROR_SIZE], const char *what,
    const char *detail);

/*
 * Everything a client needs; strings and creds are not copied and must
 * outlive it. The keys are read from creds (creds_get()) each time a
 * request is signed.
 */
struct s3_config {
	struct s3_endpoint	endpoint;
	enum s3_addressing	addressing;
	const char		*bucket;
	const char		*region;
	const struct creds	*creds;		/* NULL: requests fail */
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

/*
 * Delete the object key with one signed DeleteObject. Fills *res. Returns
 * WGTAP_OK on a 2xx answer (S3 says 204 also when there was no such
 * object), WGTAP_EHTTP for an error status, WGTAP_ENET when the transfer
 * failed, or another code for a local failure; res->error says which.
 */
int s3_delete_object(struct s3_client *c, const char *key,
    struct s3_result *res);

/*
 * Connect to the endpoint (the bucket's host name when virtual-hosted) and
 * do the TLS handshake, with the certificate checked, without sending a
 * request. Fills *res and peer ("ADDRESS port N" of the connection, or ""
 * when none was made). Returns WGTAP_OK or WGTAP_ENET (res->net says what
 * kind of failure).
 */
int s3_connect(struct s3_client *c, struct s3_result *res,
    char peer[static S3_PEER_SIZE]);

#endif
