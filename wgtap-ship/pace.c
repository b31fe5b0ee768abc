// SPDX-License-Identifier: MIT
/*
 * Time for the run modes: the monotonic clock, retry jitter, and the one
 * place they wait. The wait is ppoll() with the caller's signal mask, so
 * that termination signals blocked everywhere else are delivered exactly
 * there and cannot race the loop (see main.c). No logging.
 */
#include <errno.h>
#include <poll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "pace.h"
#include "wgtap.h"

uint64_t
pace_now_ms(void)
{
	return wgtap_clock_ns(CLOCK_MONOTONIC) / 1000000;
}

uint32_t
pace_random(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint32_t)pace_now_ms() ^ (uint32_t)getpid();
	return v;
}

bool
pace_stop(const struct pace *p)
{
	return p->stop_cb && p->stop_cb(p->stop_arg) != 0;
}

int
pace_wait(const struct pace *p, int fd, uint64_t ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts;
	int n;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	n = ppoll(fd == -1 ? NULL : &pfd, fd == -1 ? 0 : 1, &ts, p->waitmask);
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	return n > 0 && (pfd.revents & POLLIN) ? 1 : 0;
}

unsigned long long
pace_ms_to_s(uint64_t ms)
{
	return (unsigned long long)((ms + 999) / 1000);
}
