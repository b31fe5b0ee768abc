// SPDX-License-Identifier: MIT
/*
 * failsync.so: an LD_PRELOAD shim for the tests that makes one fsync(2) or
 * fdatasync(2) fail with EIO, as the kernel reports a failed writeback:
 * once, after which the next call succeeds. WGTAP_FAILSYNC=N fails the
 * Nth call of the two (counted together, from 1); unset, empty or not a
 * number, nothing fails. Every other call goes to the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int fsync(int fd);
int fdatasync(int fd);

static unsigned long calls;

/* Whether this call is the one to fail. */
static int
fail_now(void)
{
	const char *v = getenv("WGTAP_FAILSYNC");
	unsigned long n;
	char *end;

	if (!v || *v < '0' || *v > '9')
		return 0;
	n = strtoul(v, &end, 10);
	return *end == '\0' && ++calls == n;
}

/* The system call nr on fd, unless this is the call to fail. */
static int
sync_call(long nr, int fd)
{
	if (fail_now()) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(nr, fd);
}

int
fsync(int fd)
{
	return sync_call(SYS_fsync, fd);
}

int
fdatasync(int fd)
{
	return sync_call(SYS_fdatasync, fd);
}
