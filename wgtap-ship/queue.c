// SPDX-License-Identifier: MIT
/*
 * Pending segments, name sets and retry delays for the shipper. Both
 * containers are sorted arrays searched with a binary search, built on one
 * small core (struct sorted): a spool holds at most some thousands of
 * segments, and the shipper takes the oldest one far more often than it
 * adds one. No I/O, no logging.
 */
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "wgtap.h"

/*
 * The core both containers share: an array of n elements of size bytes,
 * kept sorted by a compare function that sees an element and a search key.
 */
struct sorted {
	size_t	size;		/* of one element */
	size_t	first_cap;	/* elements in the first allocation */
	int	(*cmp)(const void *elem, const void *key);
};

/* Index of the first element not less than key; *found if one equals it. */
static size_t
sorted_pos(const struct sorted *o, const void *v, size_t n, const void *key,
    bool *found)
{
	size_t lo = 0, hi = n, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = o->cmp((const char *)v + mid * o->size, key);
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

/*
 * Open a zeroed slot at index i of the array v of n elements with room
 * for *cap, growing it first when it is full. Returns the array, which
 * may have moved, or NULL when out of memory (v is unchanged then).
 */
static void *
sorted_open(const struct sorted *o, void *v, size_t n, size_t *cap, size_t i)
{
	char *p = v;

	if (n == *cap) {
		size_t ncap = *cap ? *cap * 2 : o->first_cap;

		p = reallocarray(v, ncap, o->size);
		if (!p)
			return NULL;
		*cap = ncap;
	}
	memmove(p + (i + 1) * o->size, p + i * o->size, (n - i) * o->size);
	memset(p + i * o->size, 0, o->size);
	return p;
}

/*
 * Put the len bytes at elem (the rest of its slot zeroed) where key sorts
 * in the array *vp of *n elements, unless an element equal to key is there
 * already. *vp may move. Returns WGTAP_OK, or WGTAP_ENOMEM (nothing
 * changed).
 */
static int
sorted_add(const struct sorted *o, void **vp, size_t *n, size_t *cap,
    const void *key, const void *elem, size_t len)
{
	size_t i;
	bool found;
	char *p;

	i = sorted_pos(o, *vp, *n, key, &found);
	if (found)
		return WGTAP_OK;
	p = sorted_open(o, *vp, *n, cap, i);
	if (!p)
		return WGTAP_ENOMEM;
	memcpy(p + i * o->size, elem, len);
	*vp = p;
	(*n)++;
	return WGTAP_OK;
}

/* Close the slot at index i of the array v of n elements. */
static void
sorted_close(const struct sorted *o, void *v, size_t n, size_t i)
{
	char *p = v;

	memmove(p + i * o->size, p + (i + 1) * o->size, (n - i - 1) * o->size);
}

/* A queue item's place: by age (spool_name_cmp()), then by name. */
static int
item_cmp(const void *elem, const void *key)
{
	const struct queue_item *a = elem, *b = key;
	int c;

	c = spool_name_cmp(&a->parsed, &b->parsed);
	return c != 0 ? c : strcmp(a->name, b->name);
}

static int
name_cmp(const void *elem, const void *key)
{
	return strcmp(elem, key);
}

static const struct sorted queue_items = {
	sizeof(struct queue_item), 64, item_cmp,
};

static const struct sorted queue_name_set = {
	SPOOL_MAX_NAME, 16, name_cmp,
};

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

int
queue_add(struct queue *q, const char *name, const struct spool_name *sn)
{
	struct queue_item key;
	size_t len = strnlen(name, SPOOL_MAX_NAME);
	void *v = q->v;
	int r;

	if (len >= SPOOL_MAX_NAME)
		return WGTAP_EFORMAT;
	memset(&key, 0, sizeof(key));
	memcpy(key.name, name, len + 1);
	key.parsed = *sn;
	r = sorted_add(&queue_items, &v, &q->n, &q->cap, &key, &key,
	    sizeof(key));
	q->v = v;
	return r;
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

	if (!it)
		return false;
	sorted_close(&queue_items, q->v, q->n, (size_t)(it - q->v));
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

int
queue_names_add(struct queue_names *s, const char *name)
{
	size_t len = strnlen(name, SPOOL_MAX_NAME);
	void *v = s->v;
	int r;

	if (len >= SPOOL_MAX_NAME)
		return WGTAP_EFORMAT;
	r = sorted_add(&queue_name_set, &v, &s->n, &s->cap, name, name,
	    len + 1);
	s->v = v;
	return r;
}

bool
queue_names_has(const struct queue_names *s, const char *name)
{
	bool found;

	if (strnlen(name, SPOOL_MAX_NAME) >= SPOOL_MAX_NAME)
		return false;
	sorted_pos(&queue_name_set, s->v, s->n, name, &found);
	return found;
}

bool
queue_names_remove(struct queue_names *s, const char *name)
{
	size_t i;
	bool found;

	if (strnlen(name, SPOOL_MAX_NAME) >= SPOOL_MAX_NAME)
		return false;
	i = sorted_pos(&queue_name_set, s->v, s->n, name, &found);
	if (!found)
		return false;
	sorted_close(&queue_name_set, s->v, s->n, i);
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
