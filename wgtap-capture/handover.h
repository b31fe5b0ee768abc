/* SPDX-License-Identifier: MIT */
/*
 * The hand-over of full row buffers from the packet thread to a writer
 * thread (issue: compression off the packet path). The packet thread
 * formats rows into a buffer; when it is full, handover_push() swaps it
 * for an empty one and queues it, and the writer thread drains the queue
 * in order through a callback (compress, write). The queue is bounded
 * (HANDOVER_SLOTS buffers): memory is fixed, and a full queue either
 * waits (back-pressure: a file conversion) or says WGTAP_EBUSY (a live
 * capture, which drops and counts instead).
 *
 * The packet thread owns everything the callback touches only when the
 * writer is idle: handover_settle() waits for that and drains what is
 * left itself, so that a sync or a close that follows covers every buffer
 * handed over before it. An error of the callback halts the writer with
 * the buffer it failed on still queued (the callback keeps what it did
 * not take at the start of the buffer); the packet thread's next push or
 * settle takes over and drains the queue itself, meeting the error again
 * if it persists. So nothing is written twice or lost, whichever thread
 * drains.
 */
#ifndef WGTAP_HANDOVER_H
#define WGTAP_HANDOVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HANDOVER_SLOTS	4	/* buffers in the queue, at most */

/*
 * What the pusher says about a buffer, for the drain callback only (the
 * queue does not look at it): for a segment, whether the buffer holds a
 * compressed chunk rather than rows, and that chunk's CRC and length.
 */
struct handover_meta {
	bool		 packed;
	uint32_t	 crc;
	uint64_t	 raw_len;
};

/* Drain *len bytes at buf; take what was drained out of buf (a cut-short
 * drain keeps the rest at the start of buf and *len says how much). */
typedef int (*handover_drain_fn)(void *ctx, char *buf, size_t *len,
    const struct handover_meta *meta);

struct handover_slot {
	char		*buf;
	size_t		 len;
	struct handover_meta meta;
};

struct handover {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;		/* to the writer: a buffer, or stop */
	pthread_cond_t	 done;		/* to the packet thread: room, idle */
	struct handover_slot slot[HANDOVER_SLOTS];
	unsigned	 head, count;	/* the queued buffers, in order */
	bool		 busy;		/* the writer is draining slot[head] */
	bool		 stop;
	int		 err;		/* != WGTAP_OK: the writer is halted */
	handover_drain_fn drain;
	void		*ctx;
	uint64_t	 handed;	/* bytes queued, ever (packet thread) */
	_Atomic uint64_t consumed;	/* of those, bytes drained */
	uint64_t	 waits;		/* pushes that waited for room */
	bool		 live;		/* the thread runs */
};

/*
 * Set up h with HANDOVER_SLOTS buffers of cap bytes and start the writer
 * thread, with every signal blocked. WGTAP_OK, WGTAP_ENOMEM or WGTAP_ESYS.
 */
int handover_init(struct handover *h, size_t cap, handover_drain_fn drain,
    void *ctx);

/* Stop and join the writer (after it drains nothing more), free. */
void handover_free(struct handover *h);

/*
 * Queue the *len bytes at *buf (the packet thread's full buffer), with
 * meta (NULL: all zero) for the callback, and give back an empty buffer of
 * the same size in *buf, *len 0. When the queue is full: wait for room, or
 * with !wait return WGTAP_EBUSY (nothing changed). After an error of the
 * writer, the queue is drained here first (see handover_settle()); its
 * error comes back and nothing is queued.
 */
int handover_push(struct handover *h, char **buf, size_t *len,
    const struct handover_meta *meta, bool wait);

/*
 * The writer's work: the buffers queued, the one being drained included
 * (0 after an error of the writer, which drains nothing then).
 */
unsigned handover_backlog(struct handover *h);

/*
 * Wait until the writer is idle, then drain what is still queued on this
 * thread, in order. WGTAP_OK: the queue is empty, and until the next push
 * everything the callback touches is this thread's. Else the callback's
 * error, with the rest still queued.
 */
int handover_settle(struct handover *h);

/* Wait until the writer is idle and forget the queued buffers. */
void handover_discard(struct handover *h);

/* Bytes queued and not drained yet (the packet thread). */
uint64_t handover_pending(struct handover *h);

#endif
