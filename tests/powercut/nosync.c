// SPDX-License-Identifier: MIT
/*
 * nosync.so: an LD_PRELOAD shim that turns fsync(2), fdatasync(2) and
 * syncfs(2) into no-ops that report success. tests/t-powercut.sh loads it
 * into the capture with WGTAP_POWERCUT_NOSYNC=1 to show what the test
 * catches: every row still goes through write(2), so a SIGKILL of the
 * capture loses nothing more than with the real calls (the page cache
 * keeps it), but a power cut does. Test tool only; never installed.
 */
#define _GNU_SOURCE
#include <unistd.h>

int
fsync(int fd)
{
	(void)fd;
	return 0;
}

int
fdatasync(int fd)
{
	(void)fd;
	return 0;
}

int
syncfs(int fd)
{
	(void)fd;
	return 0;
}
