/* SPDX-License-Identifier: MIT */
/*
 * What a run does after each ship_file() result, for all three modes, and
 * the one log line that says so (SPEC section 3). The modes differ in a
 * few places only: the daemon retries for ever and keeps books on names; a
 * --once run leaves a locked segment to the shipper that holds it; a FILE
 * the user named must exist, and is waited for while another shipper has
 * it. outcome_decide() is pure (no I/O, no clock, no randomness of its
 * own), so every case can be tested; the caller logs the line with
 * outcome_log() and keeps its own books by the decision.
 */
#ifndef WGTAP_OUTCOME_H
#define WGTAP_OUTCOME_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "ship.h"
#include "spool.h"

/* Longer than a log line, so that log_*() does the cutting. */
#define OUTCOME_LINE_SIZE	(2 * LOG_LINE_MAX)

enum outcome_mode {
	OUTCOME_DAEMON,		/* the watching daemon */
	OUTCOME_SPOOL,		/* --once: the spool as it is now */
	OUTCOME_FILE,		/* FILE...: exactly this file */
};

enum outcome_next {
	OUTCOME_SHIPPED,	/* uploaded by this run */
	OUTCOME_ELSEWHERE,	/* gone, or another shipper has it: done */
	OUTCOME_RETRY,		/* upload again after delay_ms */
	OUTCOME_STOPPED,	/* the upload was interrupted; it stays */
	OUTCOME_LEFT,		/* it stays where it is, as the line says */
};

/* What the caller knows about the try that just ended. */
struct outcome_try {
	enum outcome_mode	 mode;
	const char		*shown;		/* the name in log lines */
	const char		*bucket;	/* for "uploaded ... s3://" */
	bool			 keep;		/* --keep */
	unsigned		 attempt;	/* of this file, from 1 */
	unsigned		 max_attempts;	/* SPOOL, FILE: the last one */
	unsigned		 failures;	/* in a row, this one counted:
						 * the backoff step */
	uint64_t		 backoff_max_ms;
	uint32_t		 rnd;		/* any random number: jitter */
	bool			 was_busy;	/* FILE: locked before */
	bool			 reported;	/* DAEMON: its local failure was
						 * logged already */
};

/* The decision, and the one line (level and text) that reports it. */
struct outcome {
	enum outcome_next	 next;
	uint64_t		 delay_ms;	/* RETRY: until the next try */
	bool			 in_bucket;	/* stored, but kept or not
						 * deleted: DAEMON, do not ship
						 * it again */
	bool			 look_again;	/* DAEMON: another shipper has
						 * it; rescan soon */
	enum log_level		 level;
	char			 line[OUTCOME_LINE_SIZE];	/* or "" */
};

/*
 * Decide what follows status st of ship_file() (rep is its report) for
 * the try described by *t, and fill *o with the decision and its line.
 */
void outcome_decide(enum ship_status st, const struct ship_report *rep,
    const struct outcome_try *t, struct outcome *o);

/* Log o->line at o->level; nothing when the line is "". */
void outcome_log(const struct outcome *o);

/*
 * The warning for a spool entry that is not ours (SPOOL_FOREIGN): it is
 * left alone, and said so once, with why.
 */
void outcome_log_foreign(const struct spool_entry *e);

#endif
