// SPDX-License-Identifier: MIT
/*
 * slowwrite.so: an LD_PRELOAD shim for the tests that makes a slow disk:
 * each pwrite(2) to a file whose name ends in ".part" (a segment being
 * written) first sleeps WGTAP_SLOWWRITE_MS milliseconds (unset, empty or
 * not a number: no delay). Every call then goes to the kernel as it is.
 * The capture's writer thread falls behind the packet thread, so its
 * queue fills up: the hand-over tests (t-capture-handover.sh).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off);

/* The delay in ms, or 0. */
static long
delay_ms(void)
{
	const char *v = getenv("WGTAP_SLOWWRITE_MS");
	char *end;
	long ms;

	if (!v || *v < '0' || *v > '9')
		return 0;
	ms = strtol(v, &end, 10);
	return *end == '\0' && ms > 0 && ms < 60000 ? ms : 0;
}

/* Whether fd is a file named *.part. */
static int
is_part(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 5)
		return 0;
	path[n] = '\0';
	return strcmp(path + n - 5, ".part") == 0;
}

static ssize_t
slow_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	long ms = delay_ms();
	int saved = errno;

	if (ms && is_part(fd)) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	errno = saved;
	return (ssize_t)syscall(SYS_pwrite64, fd, buf, n, off);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return slow_pwrite(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return slow_pwrite(fd, buf, n, off);
}
