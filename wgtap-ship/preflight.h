/* SPDX-License-Identifier: MIT */
/*
 * wgtap-ship --check: tries the configuration the way shipping uses it
 * and says, one line per step, what works and where it stops:
 *
 *	credentials: ok: the environment
 *	endpoint: ok: 127.0.0.1 port 8080, http (an address: nothing to look up)
 *	connect: ok: 127.0.0.1 port 8080
 *	upload: ok: s3://logs/wgtap/wgtap-check/gw1 (HTTP 200, 0.02 s)
 *	delete: ok: s3://logs/wgtap/wgtap-check/gw1 (HTTP 204)
 *
 * A failed step is "STEP: FAILED: " with the store's error code or the
 * transfer error and one sentence on the usual cause, and the steps after
 * it are not tried. The object is PREFIX wgtap-check/HOST: never a
 * segment's key (those start with host=), one per host, overwritten by the
 * next check. Shipping needs only s3:PutObject, so a delete the policy
 * refuses (AccessDenied) is a note, not a failure: the object then stays.
 */
#ifndef WGTAP_PREFLIGHT_H
#define WGTAP_PREFLIGHT_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "s3.h"

#define PREFLIGHT_CAUSE_SIZE	256

enum preflight_step {
	PREFLIGHT_CONNECT,	/* the connection and TLS handshake */
	PREFLIGHT_UPLOAD,	/* PutObject */
	PREFLIGHT_DELETE,	/* DeleteObject */
};

/*
 * The usual cause of the failure res describes, at step, in one sentence
 * (naming the flag to look at) into cause; "" when there is nothing more
 * useful to say than the store's own message. Pure: no I/O.
 */
void preflight_cause(const struct s3_result *res, enum preflight_step step,
    const struct config *cfg, char cause[static PREFLIGHT_CAUSE_SIZE]);

/*
 * Run the steps for cfg (checked by config_check(); curl_global_init()
 * done), printing one line each to out. The S3 client stops a transfer
 * when abort_cb(abort_arg) says so (NULL: never). Returns true when every
 * step worked (a refused delete included), false after the first that
 * did not.
 */
bool preflight_run(const struct config *cfg, FILE *out,
    int (*abort_cb)(void *), void *abort_arg);

#endif
