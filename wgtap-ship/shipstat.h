/* SPDX-License-Identifier: MIT */
/*
 * What wgtap-ship tells an operator while it runs, apart from the log:
 * the books of the uploads (counted by their result, failures by their
 * reason), kept by the run modes through struct pace, and the STATUS=
 * line systemctl status shows (queue length, the last upload, the last
 * error), and the metrics for --metrics-file (Prometheus text format).
 * Nothing here prints or reads the clock.
 */
#ifndef WGTAP_SHIPSTAT_H
#define WGTAP_SHIPSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "outcome.h"
#include "s3.h"
#include "ship.h"
#include "spool.h"

/* Distinct failure reasons counted; later ones count as "other". */
#define SHIPSTAT_REASONS	16
#define SHIPSTAT_REASON_SIZE	48

struct shipstat_reason {
	char		reason[SHIPSTAT_REASON_SIZE];
	uint64_t	n;
};

struct shipstat {
	bool		ready;		/* daemon: first scan done, watching */
	size_t		queued;		/* daemon: segments in its queue */
	uint64_t	uploads;	/* stored by the bucket */
	uint64_t	bytes;		/* in those uploads */
	uint64_t	failures;	/* failed uploads (and unshippable) */
	uint64_t	retries;	/* failed uploads to be tried again */
	int64_t		last_ok_s;	/* wall clock; 0: none yet */
	char		last_ok_name[S3_KEY_SIZE];	/* its key */
	char		last_error[S3_ERROR_SIZE];	/* "" : none yet */
	struct shipstat_reason why[SHIPSTAT_REASONS];
	size_t		nwhy;
};

/*
 * The reason label of a failed upload: the S3 error code ("SlowDown"),
 * else the HTTP status ("http_503"), else the kind of transfer failure
 * ("transport_connect", "transport_timeout", ...); "local" for a file that
 * cannot be shipped as it is. Only [A-Za-z0-9_] in it.
 */
void shipstat_reason(enum ship_status st, const struct s3_result *res,
    char out[static SHIPSTAT_REASON_SIZE]);

/*
 * Book one result of ship_file() (st, rep) and the decision o taken on
 * it, at wall-clock time now_s, into s (NULL: nothing). Uploaded (also
 * when not deleted): uploads, bytes, last success. Failed or unshippable:
 * failures by reason, the last error, and a retry when o says so.
 * Stopped, gone or busy: nothing.
 */
void shipstat_record(struct shipstat *s, enum ship_status st,
    const struct ship_report *rep, const struct outcome *o, int64_t now_s);

/*
 * The status line: "N segments queued; last upload NAME at ISO-TIME;
 * last error: TEXT" (with "none yet" where nothing happened). Cut to cap.
 */
void shipstat_status(const struct shipstat *s, char *buf, size_t cap);

/*
 * The shipper's metrics into m, whose common labels are set: uploads,
 * bytes uploaded, failures by reason, retries, the last success, the
 * segments and bytes waiting in the spool and the age of the oldest of
 * them (from the scan l, at wall-clock time now_s; without l, none of
 * these three), build information and start_s, the process's start time.
 */
void shipstat_metrics(const struct shipstat *s, const struct spool_list *l,
    double now_s, double start_s, struct metrics *m);

#endif
