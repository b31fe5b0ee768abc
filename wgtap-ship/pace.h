/* SPDX-License-Identifier: MIT */
/*
 * How the run modes (daemon.c, batch.c) pass time: the monotonic clock in
 * milliseconds, a random number for retry jitter, the one wait (for a
 * descriptor, a delay or a signal), and the check whether to stop. main.c
 * fills struct pace: the signal mask that lets the termination signals in
 * during a wait, and the stop callback, passed the way s3_config.abort_cb
 * is. Nothing here prints.
 */
#ifndef WGTAP_PACE_H
#define WGTAP_PACE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct shipstat;

struct pace {
	const sigset_t	*waitmask;	/* mask while waiting; NULL: as is */
	int		(*stop_cb)(void *arg);	/* non-zero: stop now */
	void		*stop_arg;
	/*
	 * The books the modes keep (shipstat.h); NULL: none. And the
	 * daemon's turn callback, called once per turn of its loop (so
	 * only while the loop makes progress: the watchdog, the status
	 * line, the metrics file); with it, no wait of the daemon is longer
	 * than a second. NULL: none.
	 */
	struct shipstat	*stats;
	void		(*turn_cb)(void *arg);
	void		*turn_arg;
};

/* Milliseconds on the monotonic clock. */
uint64_t pace_now_ms(void);

/* A random number (getrandom, else the clock and the pid). */
uint32_t pace_random(void);

/* Whether the run must stop: stop_cb says so. A NULL stop_cb never does. */
bool pace_stop(const struct pace *p);

/*
 * Wait until fd (when not -1) is readable, ms have passed, or a signal
 * arrives, with p->waitmask as the signal mask meanwhile. Returns 1 when
 * fd is readable, 0 otherwise, or -1 with errno set when poll failed.
 */
int pace_wait(const struct pace *p, int fd, uint64_t ms);

/* Whole seconds of a delay in ms, rounded up, for log lines. */
unsigned long long pace_ms_to_s(uint64_t ms);

#endif
