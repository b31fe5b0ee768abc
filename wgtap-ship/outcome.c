// SPDX-License-Identifier: MIT
/*
 * The policy after each upload attempt, in one place for the daemon, --once
 * and FILE...: which results are final, which are retried and after how
 * long, what the daemon must remember, and the one line each result gets.
 * The decision is pure; the line is formatted here and logged by the
 * caller through outcome_log(), so the wording of every case lives in this
 * file and can be tested.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "outcome.h"
#include "pace.h"
#include "queue.h"

static void say(struct outcome *o, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set the line; a cut one is still one useful line. */
static void
say(struct outcome *o, enum log_level level, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->line, sizeof(o->line), fmt, ap);
	va_end(ap);
	if (n < 0)
		o->line[0] = '\0';
	o->level = level;
}

/*
 * An upload that may work next time (why says what went wrong): the
 * daemon retries for ever, the other modes up to max_attempts.
 */
static void
retry(struct outcome *o, const struct outcome_try *t, const char *why)
{
	if (t->mode != OUTCOME_DAEMON && t->attempt >= t->max_attempts) {
		o->next = OUTCOME_LEFT;
		say(o, LOG_LVL_ERROR, "upload %s: %s; giving up after %u "
		    "attempts, the file stays in place", t->shown, why,
		    t->attempt);
		return;
	}
	o->next = OUTCOME_RETRY;
	o->delay_ms = queue_backoff_ms(t->failures, t->backoff_max_ms, t->rnd);
	if (t->mode == OUTCOME_DAEMON)
		say(o, LOG_LVL_ERROR, "upload %s: %s, retry in %llu s "
		    "(attempt %u)", t->shown, why, pace_ms_to_s(o->delay_ms),
		    t->attempt);
	else
		say(o, LOG_LVL_ERROR, "upload %s: %s, retry in %llu s "
		    "(attempt %u of %u)", t->shown, why,
		    pace_ms_to_s(o->delay_ms), t->attempt, t->max_attempts);
}

void
outcome_decide(enum ship_status st, const struct ship_report *rep,
    const struct outcome_try *t, struct outcome *o)
{
	bool daemon = t->mode == OUTCOME_DAEMON;

	memset(o, 0, sizeof(*o));
	o->next = OUTCOME_LEFT;
	switch (st) {
	case SHIP_DONE:
		o->next = OUTCOME_SHIPPED;
		o->in_bucket = t->keep;
		say(o, LOG_LVL_INFO, "uploaded %s to s3://%s/%s (%llu bytes, "
		    "%.2f s, attempt %u)%s", t->shown, t->bucket, rep->key,
		    (unsigned long long)rep->bytes, rep->s3.secs, t->attempt,
		    t->keep ? ", kept" : "");
		break;
	case SHIP_GONE:
		/* A FILE that was locked and is now gone was shipped. */
		if (t->mode == OUTCOME_FILE && !t->was_busy) {
			say(o, LOG_LVL_ERROR, "cannot ship %s: no such file",
			    t->shown);
			break;
		}
		o->next = OUTCOME_ELSEWHERE;
		say(o, LOG_LVL_DEBUG, daemon ? "%s is gone: shipped by "
		    "another process" : "%s was shipped by another process",
		    t->shown);
		break;
	case SHIP_BUSY:
		/* The user asked for exactly this FILE: wait for it. */
		if (t->mode == OUTCOME_FILE) {
			retry(o, t, "locked by another shipper");
			break;
		}
		/* Another shipper has it; look again soon in case it fails. */
		o->next = OUTCOME_ELSEWHERE;
		o->look_again = daemon;
		say(o, LOG_LVL_DEBUG, "%s is being shipped by another process",
		    t->shown);
		break;
	case SHIP_FAILED:
		retry(o, t, rep->why);
		break;
	case SHIP_ABORTED:
		o->next = OUTCOME_STOPPED;
		say(o, LOG_LVL_INFO, "upload %s interrupted; it stays %s",
		    t->shown, daemon ? "in the spool" : "in place");
		break;
	case SHIP_LOCAL:
		if (!daemon)
			say(o, LOG_LVL_ERROR, "cannot ship %s: %s", t->shown,
			    rep->why);
		else if (!t->reported)
			say(o, LOG_LVL_ERROR, "cannot ship %s: %s; trying "
			    "again at the next scan", t->shown, rep->why);
		break;
	case SHIP_UNDELETED:
		o->in_bucket = true;
		if (daemon)
			say(o, LOG_LVL_ERROR, "%s: %s; it will not be shipped "
			    "again until restart", t->shown, rep->why);
		else
			say(o, LOG_LVL_ERROR, "cannot ship %s: %s", t->shown,
			    rep->why);
		break;
	}
}

void
outcome_log(const struct outcome *o)
{
	if (o->line[0] != '\0')
		log_at(o->level, "%s", o->line);
}

void
outcome_log_foreign(const struct spool_entry *e)
{
	log_warn("leaving %s alone in the spool: %s", e->name,
	    e->why ? e->why : "not a segment");
}
