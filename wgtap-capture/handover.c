// SPDX-License-Identifier: MIT
/*
 * The bounded queue of row buffers and the writer thread that drains it;
 * see handover.h. One mutex guards the queue; the callback runs without
 * it, on a buffer that only the writer touches while busy is set.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "handover.h"
#include "wgtap.h"

/* Drain slot[head] through the callback; pop it when it is done. */
static int
drain_head(struct handover *h)
{
	struct handover_slot *sl = &h->slot[h->head];
	size_t before = sl->len;
	int r;

	r = h->drain(h->ctx, sl->buf, &sl->len, &sl->meta);
	atomic_fetch_add(&h->consumed, before - sl->len);
	if (r == WGTAP_OK) {
		sl->len = 0;
		h->head = (h->head + 1) % HANDOVER_SLOTS;
		h->count--;
	}
	return r;
}

static void *
writer(void *arg)
{
	struct handover *h = arg;
	int r;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (!h->stop && (h->count == 0 || h->err != WGTAP_OK))
			pthread_cond_wait(&h->work, &h->mu);
		if (h->stop)
			break;
		h->busy = true;
		pthread_mutex_unlock(&h->mu);
		/* slot[head] and the callback's state are ours while busy */
		{
			struct handover_slot *sl = &h->slot[h->head];
			size_t before = sl->len;

			r = h->drain(h->ctx, sl->buf, &sl->len, &sl->meta);
			atomic_fetch_add(&h->consumed, before - sl->len);
		}
		pthread_mutex_lock(&h->mu);
		h->busy = false;
		if (r == WGTAP_OK) {
			h->slot[h->head].len = 0;
			h->head = (h->head + 1) % HANDOVER_SLOTS;
			h->count--;
		} else {
			h->err = r;	/* halted: the packet thread takes over */
		}
		pthread_cond_broadcast(&h->done);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

int
handover_init(struct handover *h, size_t cap, handover_drain_fn drain,
    void *ctx)
{
	sigset_t all, old;
	int i, e;

	memset(h, 0, sizeof(*h));
	h->drain = drain;
	h->ctx = ctx;
	h->err = WGTAP_OK;
	atomic_init(&h->consumed, 0);
	for (i = 0; i < HANDOVER_SLOTS; i++) {
		h->slot[i].buf = malloc(cap);
		if (!h->slot[i].buf) {
			handover_free(h);
			return WGTAP_ENOMEM;
		}
	}
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->work, NULL);
	pthread_cond_init(&h->done, NULL);
	/* Signals stay with the packet thread (its ppoll() lets them in). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&h->thread, NULL, writer, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		pthread_cond_destroy(&h->work);
		pthread_cond_destroy(&h->done);
		pthread_mutex_destroy(&h->mu);
		handover_free(h);
		errno = e;
		return WGTAP_ESYS;
	}
	h->live = true;
	return WGTAP_OK;
}

void
handover_free(struct handover *h)
{
	int i;

	if (h->live) {
		pthread_mutex_lock(&h->mu);
		h->stop = true;
		pthread_cond_broadcast(&h->work);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->thread, NULL);
		pthread_cond_destroy(&h->work);
		pthread_cond_destroy(&h->done);
		pthread_mutex_destroy(&h->mu);
		h->live = false;
	}
	for (i = 0; i < HANDOVER_SLOTS; i++) {
		free(h->slot[i].buf);
		h->slot[i].buf = NULL;
	}
}

/* With mu held: wait until the writer neither drains nor will. */
static void
wait_idle(struct handover *h)
{
	while (h->busy || (h->count > 0 && h->err == WGTAP_OK))
		pthread_cond_wait(&h->done, &h->mu);
}

/* With mu held and the writer idle: drain the queue on this thread. */
static int
drain_here(struct handover *h)
{
	int r = WGTAP_OK;

	while (h->count > 0) {
		r = drain_head(h);
		if (r != WGTAP_OK)
			break;
	}
	h->err = r;	/* still halted if it failed again */
	return r;
}

int
handover_settle(struct handover *h)
{
	int r;

	pthread_mutex_lock(&h->mu);
	wait_idle(h);
	r = drain_here(h);
	pthread_mutex_unlock(&h->mu);
	return r;
}

void
handover_discard(struct handover *h)
{
	pthread_mutex_lock(&h->mu);
	wait_idle(h);
	while (h->count > 0) {
		struct handover_slot *sl = &h->slot[h->head];

		atomic_fetch_add(&h->consumed, sl->len);
		sl->len = 0;
		h->head = (h->head + 1) % HANDOVER_SLOTS;
		h->count--;
	}
	h->err = WGTAP_OK;
	pthread_mutex_unlock(&h->mu);
}

int
handover_push(struct handover *h, char **buf, size_t *len,
    const struct handover_meta *meta, bool wait)
{
	static const struct handover_meta none;
	struct handover_slot *sl;
	unsigned tail;
	char *empty;
	int r = WGTAP_OK;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		if (h->err != WGTAP_OK) {
			wait_idle(h);
			r = drain_here(h);
			if (r != WGTAP_OK)
				goto out;
		}
		if (h->count < HANDOVER_SLOTS)
			break;
		if (!wait) {
			r = WGTAP_EBUSY;
			goto out;
		}
		h->waits++;
		pthread_cond_wait(&h->done, &h->mu);
	}
	tail = (h->head + h->count) % HANDOVER_SLOTS;
	sl = &h->slot[tail];
	empty = sl->buf;
	sl->buf = *buf;
	sl->len = *len;
	sl->meta = meta ? *meta : none;
	h->handed += *len;
	h->count++;
	*buf = empty;
	*len = 0;
	pthread_cond_signal(&h->work);
 out:
	pthread_mutex_unlock(&h->mu);
	return r;
}

unsigned
handover_backlog(struct handover *h)
{
	unsigned n;

	pthread_mutex_lock(&h->mu);
	n = h->err == WGTAP_OK ? h->count : 0;
	pthread_mutex_unlock(&h->mu);
	return n;
}

uint64_t
handover_pending(struct handover *h)
{
	return h->handed - atomic_load(&h->consumed);
}
