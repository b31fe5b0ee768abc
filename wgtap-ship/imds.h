/* SPDX-License-Identifier: MIT */
/*
 * Temporary keys of an EC2 instance role from the instance metadata
 * service, IMDSv2 only (session-oriented; there is no fallback to the
 * token-less IMDSv1):
 *
 *	PUT /latest/api/token                               -> token
 *	GET /latest/meta-data/iam/security-credentials/     -> role name
 *	GET /latest/meta-data/iam/security-credentials/ROLE -> JSON
 *
 * the PUT with X-aws-ec2-metadata-token-ttl-seconds, both GETs with the
 * token in X-aws-ec2-metadata-token. What comes back is parsed by
 * imdsdoc.c. Timeouts are short, so that off EC2 the attempt ends quickly. Nothing
 * here prints; errors never hold the keys, the session token or the
 * metadata token.
 */
#ifndef WGTAP_IMDS_H
#define WGTAP_IMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "imdsdoc.h"

#define IMDS_DEFAULT_ENDPOINT	"http://169.254.169.254"
#define IMDS_IPV6_ENDPOINT	"http://[fd00:ec2::254]"
#define IMDS_ENDPOINT_MAX	256
#define IMDS_ENDPOINT_SIZE	(IMDS_ENDPOINT_MAX + 1)
#define IMDS_CONNECT_MS		250	/* per request, to connect */
#define IMDS_REQUEST_MS		1000	/* per request, in all */
#define IMDS_TOKEN_TTL		300	/* seconds the metadata token lives */
#define IMDS_DOC_MAX		(64 * 1024)	/* bytes of any answer */
#define IMDS_API_TOKEN_MAX	4096	/* the metadata session token */
#define IMDS_ERROR_SIZE		512

struct imds_config {
	char		endpoint[IMDS_ENDPOINT_SIZE];	/* no trailing '/' */
	bool		endpoint_given;	/* from the environment */
	bool		disabled;	/* AWS_EC2_METADATA_DISABLED=true */
	long		connect_ms;
	long		request_ms;
	unsigned	token_ttl;	/* seconds, 1 to 21600 */
};

/*
 * Fill *cfg with the defaults and what the environment says:
 * AWS_EC2_METADATA_DISABLED ("true" in any case turns the source off),
 * AWS_EC2_METADATA_SERVICE_ENDPOINT (an http:// or https:// URL of a host,
 * with an optional port and a trailing '/'), else
 * AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE ("IPv4" or "IPv6", any case).
 * Returns WGTAP_OK, or WGTAP_EFORMAT when the endpoint or the mode is not
 * usable; *cfg then holds the defaults.
 */
int imds_config_init(struct imds_config *cfg);

/*
 * Whether the firmware says this machine is an EC2 instance: sys_vendor
 * (the contents of /sys/class/dmi/id/sys_vendor, Nitro instances) is
 * "Amazon EC2", or hv_uuid (/sys/hypervisor/uuid, Xen instances) starts
 * with "ec2". Either may be NULL (not readable); trailing blanks and line
 * ends do not count.
 */
bool imds_looks_like_ec2(const char *sys_vendor, const char *hv_uuid);

/*
 * imds_looks_like_ec2() of this machine's files: whether a metadata
 * service should be here, so that not reaching it is a passing trouble
 * (the network is not up yet) rather than a sign of being elsewhere.
 */
bool imds_on_ec2(void);

/*
 * True when url can be the metadata endpoint: "http://" or "https://", a
 * host name, IPv4 or bracketed IPv6 literal, an optional ":PORT", and at
 * most a '/' after it; at most IMDS_ENDPOINT_MAX bytes.
 */
bool imds_endpoint_ok(const char *url);

/*
 * Fetch the instance role's keys: token, role name, document, as above,
 * with a new libcurl handle (call curl_global_init() first) that never
 * uses a proxy or follows a redirect. Returns WGTAP_OK with *out and role
 * filled in; WGTAP_ENET when a request failed (refused, unreachable,
 * timed out); WGTAP_EHTTP for an error status (a 404 on the role list
 * means no role is attached); WGTAP_EFORMAT for an answer that does not
 * parse or a Code other than "Success"; WGTAP_ENOMEM. why describes any
 * failure in one line, naming the step; *out is wiped on failure. The
 * caller wipes *out when done (imds_creds_wipe()).
 */
int imds_fetch(const struct imds_config *cfg, struct imds_creds *out,
    char role[static IMDS_ROLE_SIZE], char why[static IMDS_ERROR_SIZE]);

#endif
