// SPDX-License-Identifier: MIT
/*
 * Keeping the keys fresh around ship_file(): a stat() of the credentials
 * file or a look at the expiry before each upload (creds_needs_refresh()),
 * the renewal when one is due, and one more try with renewed keys after
 * the store said ExpiredToken, so that a daemon running on temporary keys
 * for months never fails an upload because they ran out. The keys are
 * read by the S3 client at each signing, so nothing else needs telling
 * when they change. The log lines name the source, never a key.
 */
#include <string.h>
#include <time.h>

#include "log.h"
#include "renew.h"
#include "wgtap.h"

bool
renew_keys(struct creds *c, bool force)
{
	char why[CREDS_ERROR_SIZE];
	bool changed = false;
	time_t now = time(NULL);
	int r;

	if (!force && !creds_needs_refresh(c, now))
		return false;
	r = creds_refresh(c, now, force, &changed, why);
	if (r != WGTAP_OK) {
		log_warn("renewing the credentials: %s; going on with the keys "
		    "from %s", why, creds_origin(c));
		return false;
	}
	if (changed)
		log_info("credentials from %s", creds_origin(c));
	return changed;
}

bool
renew_code_expired(const char *code)
{
	return strcmp(code, "ExpiredToken") == 0 ||
	    strcmp(code, "TokenRefreshRequired") == 0;
}

enum ship_status
renew_ship(const struct ship_config *sc, int dirfd, const char *name,
    const struct spool_name *sn, struct ship_report *rep)
{
	enum ship_status st;

	if (sc->creds)
		(void)renew_keys(sc->creds, false);
	st = ship_file(sc, dirfd, name, sn, rep);
	if (st != SHIP_FAILED || !sc->creds ||
	    !renew_code_expired(rep->s3.code))
		return st;
	log_info("upload %s: HTTP %ld %s: renewing the credentials and "
	    "trying again at once", name, rep->s3.status, rep->s3.code);
	if (!renew_keys(sc->creds, true))
		return st;
	return ship_file(sc, dirfd, name, sn, rep);
}
