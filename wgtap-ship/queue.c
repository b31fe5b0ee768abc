// SPDX-License-Identifier: MIT
/*
 * Pending segments, name sets and retry delays for the shipper. Both
 * containers are sorted arrays searched with a binary search: a spool
 * holds at most some thousands of segments, and the shipper takes the
 * oldest one far more often than it adds one. No I/O, no logging.
 */
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "wgtap.h"

void
queue_init(struct queue *q)
{
	q->v = NULL;
	q->n = q->cap = 0;
}

void
queue_free(struct queue *q)
{
	free(q->v);
	queue_init(q);
}

/* Index of the first item not older than (sn, name); *found if equal. */
static size_t
queue_pos(const struct queue *q, const char *name,
    const struct spool_name *sn, bool *found)
{
	size_t lo = 0, hi = q->n, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = spool_name_cmp(&q->v[mid].parsed, sn);
		if (c == 0)
			c = strcmp(q->v[mid].name, name);
		if (c < 0) {
			lo = mid + 1;
		} else {
			if (c == 0)
				*found = true;
			hi = mid;
		}
	}
	return lo;
}

int
queue_add(struct queue *q, const char *name, const struct spool_name *sn)
{
	size_t len = strnlen(name, SPOOL_MAX_NAME), i;
	bool found;

	if (len >= SPOOL_MAX_NAME)
		return WGTAP_EFORMAT;
	i = queue_pos(q, name, sn, &found);
	if (found)
		return WGTAP_OK;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		void *v = reallocarray(q->v, cap, sizeof(*q->v));

		if (!v)
			return WGTAP_ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	memmove(&q->v[i + 1], &q->v[i], (q->n - i) * sizeof(*q->v));
	memset(&q->v[i], 0, sizeof(q->v[i]));
	memcpy(q->v[i].name, name, len + 1);
	q->v[i].parsed = *sn;
	q->n++;
	return WGTAP_OK;
}

struct queue_item *
queue_first(struct queue *q)
{
	return q->n > 0 ? &q->v[0] : NULL;
}

struct queue_item *
queue_after(struct queue *q, const struct spool_name *after)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		if (spool_name_cmp(&q->v[i].parsed, after) > 0)
			return &q->v[i];
	}
	return queue_first(q);
}

struct queue_item *
queue_find(struct queue *q, const char *name)
{
	size_t i;

	/* Names do not sort like ages; a linear search is short enough. */
	for (i = 0; i < q->n; i++) {
		if (strcmp(q->v[i].name, name) == 0)
			return &q->v[i];
	}
	return NULL;
}

bool
queue_remove(struct queue *q, const char *name)
{
	struct queue_item *it = queue_find(q, name);
	size_t i;

	if (!it)
		return false;
	i = (size_t)(it - q->v);
	memmove(&q->v[i], &q->v[i + 1], (q->n - i - 1) * sizeof(*q->v));
	q->n--;
	return true;
}

void
queue_names_init(struct queue_names *s)
{
	s->v = NULL;
	s->n = s->cap = 0;
}

void
queue_names_free(struct queue_names *s)
{
	free(s->v);
	queue_names_init(s);
}

/* Index of the first name not less than name; *found if equal. */
static size_t
names_pos(const struct queue_names *s, const char *name, bool *found)
{
	size_t lo = 0, hi = s->n, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(s->v[mid], name);
		if (c < 0) {
			lo = mid + 1;
		} else {
			if (c == 0)
				*found = true;
			hi = mid;
		}
	}
	return lo;
}

int
queue_names_add(struct queue_names *s, const char *name)
{
	size_t len = strnlen(name, SPOOL_MAX_NAME), i;
	bool found;

	if (len >= SPOOL_MAX_NAME)
		return WGTAP_EFORMAT;
	i = names_pos(s, name, &found);
	if (found)
		return WGTAP_OK;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void *v = reallocarray(s->v, cap, sizeof(*s->v));

		if (!v)
			return WGTAP_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	memcpy(s->v[i], name, len + 1);
	s->n++;
	return WGTAP_OK;
}

bool
queue_names_has(const struct queue_names *s, const char *name)
{
	bool found;

	if (strnlen(name, SPOOL_MAX_NAME) >= SPOOL_MAX_NAME)
		return false;
	names_pos(s, name, &found);
	return found;
}

bool
queue_names_remove(struct queue_names *s, const char *name)
{
	size_t i;
	bool found;

	if (strnlen(name, SPOOL_MAX_NAME) >= SPOOL_MAX_NAME)
		return false;
	i = names_pos(s, name, &found);
	if (!found)
		return false;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
	return true;
}

uint64_t
queue_backoff_ms(unsigned failures, uint64_t max_ms, uint32_t rnd)
{
	uint64_t d = QUEUE_BACKOFF_FIRST_MS;
	unsigned i;

	if (failures == 0)
		return 0;
	/* Doubling stops at the cap, so d cannot overflow. */
	for (i = 1; i < failures && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	d -= rnd % (d / 4 + 1);
	return d > 0 ? d : 1;
}
