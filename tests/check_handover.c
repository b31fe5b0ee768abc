// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/handover.c: buffers handed over are drained in
 * order, each byte once; a full queue says WGTAP_EBUSY without waiting
 * (and changes nothing) or waits for room; an error of the callback halts
 * the writer and the packet thread's settle drains the rest itself, with
 * nothing written twice; discard forgets the queue; each buffer's meta
 * reaches the callback with that buffer. The callback appends what it
 * drains to a record and can be held (a slow disk) by the test.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check_wgtap.h"
#include "handover.h"
#include "wgtap.h"

#define CAP	64

struct rec {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	char		out[CAP * 64];
	size_t		len;
	int		calls;
	bool		hold;		/* the callback waits while set */
	int		fail_call;	/* this call (from 1) takes half, fails */
	char		meta[64];	/* per call: the meta's crc, a letter */
};

static int
drain_cb(void *ctx, char *buf, size_t *len, const struct handover_meta *m)
{
	struct rec *r = ctx;
	size_t take = *len;
	int ret = WGTAP_OK;

	pthread_mutex_lock(&r->mu);
	ck_assert_int_lt(r->calls, (int)sizeof(r->meta));
	r->meta[r->calls] = m->packed ? (char)m->crc : '-';
	r->calls++;
	while (r->hold)
		pthread_cond_wait(&r->cv, &r->mu);
	if (r->calls == r->fail_call) {
		take = *len / 2;
		ret = WGTAP_ENOSPACE;
	}
	ck_assert_uint_le(r->len + take, sizeof(r->out));
	memcpy(r->out + r->len, buf, take);
	r->len += take;
	memmove(buf, buf + take, *len - take);
	*len -= take;
	pthread_mutex_unlock(&r->mu);
	return ret;
}

static void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
}

static void
rec_hold(struct rec *r, bool on)
{
	pthread_mutex_lock(&r->mu);
	r->hold = on;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Fill *buf with CAP bytes of the letter c and push it. */
static int
push_letter(struct handover *h, char **buf, size_t *len, char c, bool wait)
{
	struct handover_meta m = { true, (uint32_t)c, CAP };

	memset(*buf, c, CAP);
	*len = CAP;
	return handover_push(h, buf, len, &m, wait);
}

/* The record starts with the letters from..to, CAP bytes each. */
static void
assert_prefix(struct rec *r, char from, char to)
{
	char c;
	size_t i;

	ck_assert_uint_ge(r->len, (size_t)(to - from + 1) * CAP);
	for (c = from; c <= to; c++)
		for (i = 0; i < CAP; i++)
			ck_assert_int_eq(r->out[(size_t)(c - from) * CAP + i], c);
}

/* The record is the letters from..to, CAP bytes each, in order. */
static void
assert_letters(struct rec *r, char from, char to)
{
	ck_assert_uint_eq(r->len, (size_t)(to - from + 1) * CAP);
	assert_prefix(r, from, to);
}

START_TEST(test_handover_order)
{
	struct handover h;
	struct rec r;
	char *buf = malloc(CAP);
	size_t len = 0;
	char c;

	rec_init(&r);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(handover_init(&h, CAP, drain_cb, &r), WGTAP_OK);
	for (c = 'a'; c <= 'z'; c++) {
		ck_assert_int_eq(push_letter(&h, &buf, &len, c, true), WGTAP_OK);
		ck_assert_uint_eq(len, 0);
	}
	ck_assert_int_eq(handover_settle(&h), WGTAP_OK);
	assert_letters(&r, 'a', 'z');
	ck_assert_str_eq(r.meta, "abcdefghijklmnopqrstuvwxyz");
	ck_assert_uint_eq(handover_pending(&h), 0);
	ck_assert_uint_eq(handover_backlog(&h), 0);
	handover_free(&h);
	free(buf);
}
END_TEST

/*
 * The writer held on the first buffer: HANDOVER_SLOTS buffers fill the
 * queue (the one being drained counts), then a push that may not wait is
 * refused and leaves the caller's buffer as it was; one that may wait
 * goes through once the writer moves on.
 */
START_TEST(test_handover_full)
{
	struct handover h;
	struct rec r;
	char *buf = malloc(CAP);
	size_t len = 0;
	int i;

	rec_init(&r);
	ck_assert_ptr_nonnull(buf);
	rec_hold(&r, true);
	ck_assert_int_eq(handover_init(&h, CAP, drain_cb, &r), WGTAP_OK);
	for (i = 0; i < HANDOVER_SLOTS; i++)
		ck_assert_int_eq(push_letter(&h, &buf, &len, (char)('a' + i),
		    false), WGTAP_OK);
	ck_assert_uint_eq(handover_pending(&h), HANDOVER_SLOTS * CAP);
	ck_assert_int_eq(push_letter(&h, &buf, &len, 'x', false), WGTAP_EBUSY);
	ck_assert_uint_eq(len, CAP);
	ck_assert_int_eq(buf[0], 'x');
	ck_assert_uint_eq(h.waits, 0);
	ck_assert_uint_eq(handover_backlog(&h), HANDOVER_SLOTS);
	rec_hold(&r, false);
	/* without meta: the callback sees zeros */
	ck_assert_int_eq(handover_push(&h, &buf, &len, NULL, true), WGTAP_OK);
	ck_assert_int_eq(handover_settle(&h), WGTAP_OK);
	ck_assert_uint_eq(r.len, (HANDOVER_SLOTS + 1) * CAP);
	assert_prefix(&r, 'a', (char)('a' + HANDOVER_SLOTS - 1));
	ck_assert_int_eq(r.out[HANDOVER_SLOTS * CAP], 'x');
	ck_assert_int_eq(r.calls, HANDOVER_SLOTS + 1);
	ck_assert_int_eq(r.meta[HANDOVER_SLOTS], '-');
	ck_assert_uint_eq(handover_backlog(&h), 0);
	handover_free(&h);
	free(buf);
}
END_TEST

/*
 * The first drain takes half its buffer and fails: the writer halts with
 * the rest queued; settle drains the rest on this thread, each byte once.
 */
START_TEST(test_handover_error_taken_over)
{
	struct handover h;
	struct rec r;
	char *buf = malloc(CAP);
	size_t len = 0;

	rec_init(&r);
	r.fail_call = 1;
	ck_assert_ptr_nonnull(buf);
	rec_hold(&r, true);
	ck_assert_int_eq(handover_init(&h, CAP, drain_cb, &r), WGTAP_OK);
	ck_assert_int_eq(push_letter(&h, &buf, &len, 'a', true), WGTAP_OK);
	ck_assert_int_eq(push_letter(&h, &buf, &len, 'b', true), WGTAP_OK);
	rec_hold(&r, false);
	ck_assert_int_eq(handover_settle(&h), WGTAP_OK);
	assert_letters(&r, 'a', 'b');
	ck_assert_int_ge(r.calls, 3);
	ck_assert_uint_eq(handover_pending(&h), 0);
	/* and the writer runs again */
	ck_assert_int_eq(push_letter(&h, &buf, &len, 'c', true), WGTAP_OK);
	ck_assert_int_eq(handover_settle(&h), WGTAP_OK);
	assert_letters(&r, 'a', 'c');
	handover_free(&h);
	free(buf);
}
END_TEST

/*
 * The writer's second drain fails halfway: settle finishes that buffer
 * alone. Then discard forgets what is queued and leaves the writer idle.
 */
START_TEST(test_handover_error_persists)
{
	struct handover h;
	struct rec r;
	char *buf = malloc(CAP);
	size_t len = 0;

	rec_init(&r);
	r.fail_call = 2;	/* the writer's first call takes it all */
	ck_assert_ptr_nonnull(buf);
	rec_hold(&r, true);
	ck_assert_int_eq(handover_init(&h, CAP, drain_cb, &r), WGTAP_OK);
	ck_assert_int_eq(push_letter(&h, &buf, &len, 'a', true), WGTAP_OK);
	ck_assert_int_eq(push_letter(&h, &buf, &len, 'b', true), WGTAP_OK);
	rec_hold(&r, false);
	ck_assert_int_eq(handover_settle(&h), WGTAP_OK);	/* 'b' retried */
	assert_letters(&r, 'a', 'b');
	/* discard: queued bytes are forgotten, the writer idle */
	rec_hold(&r, true);
	ck_assert_int_eq(push_letter(&h, &buf, &len, 'c', true), WGTAP_OK);
	ck_assert_int_eq(push_letter(&h, &buf, &len, 'd', true), WGTAP_OK);
	rec_hold(&r, false);
	handover_discard(&h);
	ck_assert_uint_eq(handover_pending(&h), 0);
	ck_assert_int_eq(handover_settle(&h), WGTAP_OK);
	ck_assert_uint_ge(r.len, 2 * CAP);
	ck_assert_uint_le(r.len, 4 * CAP);
	handover_free(&h);
	free(buf);
}
END_TEST

Suite *
handover_suite(void)
{
	Suite *s = suite_create("handover");
	TCase *tc;

	tc = tcase_create("handover");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_handover_order);
	tcase_add_test(tc, test_handover_full);
	tcase_add_test(tc, test_handover_error_taken_over);
	tcase_add_test(tc, test_handover_error_persists);
	suite_add_tcase(s, tc);
	return s;
}
