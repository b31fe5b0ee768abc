/* SPDX-License-Identifier: MIT */
/*
 * Fresh keys for every upload: before each one, the credential chain
 * (creds.h) renews what is due (a credentials file that changed,
 * instance-role keys close to their expiry), and an upload the store
 * refused because the session token expired is renewed by force and sent
 * again at once. Used by the daemon and by --once and FILE...; the one
 * log line of each change or failure is written here.
 */
#ifndef WGTAP_RENEW_H
#define WGTAP_RENEW_H

#include <stdbool.h>

#include "creds.h"
#include "ship.h"
#include "spool.h"

/*
 * Renew the keys of c when creds_needs_refresh() says so, or now when
 * force is set. Logs "credentials from ORIGIN" when the keys changed and a
 * warning when renewing failed (the keys in hand stay in use). Returns
 * true when the keys changed.
 */
bool renew_keys(struct creds *c, bool force);

/*
 * Whether a failed upload's S3 error code says the session token has
 * expired (ExpiredToken, TokenRefreshRequired): new keys may fix it.
 */
bool renew_code_expired(const char *code);

/*
 * ship_file() with fresh keys (sc->creds; NULL: ship_file() alone):
 * renew_keys() first, and when the store answers that the token has
 * expired, renew by force and, if that brought new keys, ship again at
 * once. The caller sees one attempt: the last status and report.
 */
enum ship_status renew_ship(const struct ship_config *sc, int dirfd,
    const char *name, const struct spool_name *sn, struct ship_report *rep);

#endif
