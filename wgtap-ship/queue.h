/* SPDX-License-Identifier: MIT */
/*
 * The shipper's bookkeeping, kept apart from I/O so it can be tested: the
 * set of segments waiting to be shipped, ordered oldest first by their
 * parsed names; a plain set of names (for "reported once" and "already
 * shipped with --keep"); and the retry delay after failed uploads.
 */
#ifndef WGTAP_QUEUE_H
#define WGTAP_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spool.h"

/* One segment waiting to be shipped. */
struct queue_item {
	char		name[SPOOL_MAX_NAME];
	struct spool_name parsed;
	unsigned	attempts;	/* failed uploads so far */
};

/* Segments waiting, oldest first (spool_name_cmp()), each name once. */
struct queue {
	struct queue_item *v;
	size_t		n, cap;
};

/* A set of names, each at most SPOOL_MAX_NAME - 1 bytes. */
struct queue_names {
	char		(*v)[SPOOL_MAX_NAME];	/* sorted by strcmp() */
	size_t		n, cap;
};

/* Retry delays: start at 1 s, double per failure, capped, with jitter. */
#define QUEUE_BACKOFF_FIRST_MS	1000u

/* Set up an empty queue; allocates nothing. */
void queue_init(struct queue *q);

/* Free everything the queue holds; it is empty and usable afterwards. */
void queue_free(struct queue *q);

/*
 * Add a segment in its place by age. Adding a name that is already there
 * changes nothing. Returns WGTAP_OK, WGTAP_EFORMAT for a name that does
 * not fit SPOOL_MAX_NAME, or WGTAP_ENOMEM.
 */
int queue_add(struct queue *q, const char *name, const struct spool_name *sn);

/* The oldest segment, or NULL when the queue is empty; owned by q. */
struct queue_item *queue_first(struct queue *q);

/*
 * The oldest segment younger than *after (by spool_name_cmp()), or the
 * oldest of all when there is none: where to go on after a failed upload,
 * so that one file that keeps failing does not hold up the others. NULL
 * when the queue is empty; owned by q.
 */
struct queue_item *queue_after(struct queue *q, const struct spool_name *after);

/* The item for name, or NULL; owned by q and valid until the next change. */
struct queue_item *queue_find(struct queue *q, const char *name);

/* Remove name; returns whether it was there. */
bool queue_remove(struct queue *q, const char *name);

/* Set up an empty set; allocates nothing. */
void queue_names_init(struct queue_names *s);

/* Free everything the set holds; it is empty and usable afterwards. */
void queue_names_free(struct queue_names *s);

/*
 * Add name. Returns WGTAP_OK (also when it was there already),
 * WGTAP_EFORMAT when it does not fit SPOOL_MAX_NAME, or WGTAP_ENOMEM.
 */
int queue_names_add(struct queue_names *s, const char *name);

/* Whether name is in the set. */
bool queue_names_has(const struct queue_names *s, const char *name);

/* Remove name; returns whether it was there. */
bool queue_names_remove(struct queue_names *s, const char *name);

/*
 * Delay in milliseconds before the next attempt after `failures`
 * consecutive failed uploads (1 for the first): 1 s doubled per further
 * failure and capped at max_ms, then reduced by up to a quarter using rnd
 * (any random number), so that many shippers do not retry in step. The
 * result is in [3/4 of the uncapped-or-capped delay, that delay] and never
 * 0. failures == 0 gives 0.
 */
uint64_t queue_backoff_ms(unsigned failures, uint64_t max_ms, uint32_t rnd);

#endif
