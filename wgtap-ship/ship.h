/* SPDX-License-Identifier: MIT */
/*
 * Shipping one segment (SPEC section 3): open it without following links,
 * take an exclusive flock so that a daemon and a --once run never work on
 * the same file at once, make sure it is still linked under its name, hash
 * it, upload it with s3_put_object(), and delete it (unless told to keep
 * it) while still holding the lock. The outcome comes back as a status and
 * a report; nothing here prints or waits, so the callers decide on
 * retries and on the one log line.
 */
#ifndef WGTAP_SHIP_H
#define WGTAP_SHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "s3.h"
#include "spool.h"

enum ship_status {
	SHIP_DONE,		/* uploaded, verified, deleted (or kept) */
	SHIP_GONE,		/* not there (any more): nothing to do */
	SHIP_BUSY,		/* another shipper holds the lock right now */
	SHIP_FAILED,		/* the upload failed; the file is untouched */
	SHIP_ABORTED,		/* the abort callback stopped the upload */
	SHIP_LOCAL,		/* cannot be shipped as it is; see why */
	SHIP_UNDELETED,		/* uploaded and verified, but not deleted */
};

struct creds;

struct ship_config {
	struct s3_client	*s3;
	struct creds		*creds;		/* the client's keys, renewed
						 * by renew_ship(); or NULL */
	const char		*bucket;	/* for the report only */
	const char		*prefix;	/* s3_prefix_normalize()d */
	const char		*host;		/* s3_host_label_ok() */
	bool			 keep;		/* never delete */
};

struct ship_report {
	char		key[S3_KEY_SIZE];	/* the object key, once known */
	uint64_t	bytes;			/* body size */
	struct s3_result s3;			/* the upload's result */
	char		why[S3_ERROR_SIZE];	/* for every status but DONE */
};

/*
 * Ship the segment name in the directory dirfd, as described above; sn is
 * its parsed name (spool_name_parse()), which gives the key's date and the
 * compression. The file is left in place unless the status is SHIP_DONE
 * without keep. Fills *rep (why is "" for SHIP_DONE) and returns the
 * status.
 */
enum ship_status ship_file(const struct ship_config *cfg, int dirfd,
    const char *name, const struct spool_name *sn, struct ship_report *rep);

#endif
