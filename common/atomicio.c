// SPDX-License-Identifier: MIT
/*
 * Whole reads and writes: one loop over EINTR and short transfers for
 * every read(2), pread(2), write(2) and pwrite(2) that must move a known
 * number of bytes (OpenSSH's atomicio.c). A signal without SA_RESTART
 * that lands before any byte moved gives EINTR and the call is made again;
 * one that lands after gives a short count and the loop goes on from
 * there.
 *
 * This module moves bytes only; it does not wait for a non-blocking
 * descriptor (EAGAIN goes back to the caller with the count so far) and
 * does not open, close or seek anything.
 */
#include <errno.h>
#include <unistd.h>

#include "atomicio.h"
#include "wgtap.h"

enum op { OP_READ, OP_PREAD, OP_WRITE, OP_PWRITE };

/* One system call for the left bytes at p (file offset off for pread). */
static ssize_t
once(enum op op, int fd, char *p, size_t left, off_t off)
{
	if (op == OP_READ)
		return read(fd, p, left);
	if (op == OP_PREAD)
		return pread(fd, p, left, off);
	if (op == OP_PWRITE)
		return pwrite(fd, p, left, off);
	return write(fd, p, left);
}

static int
move(enum op op, int fd, char *buf, size_t n, off_t off, size_t *done)
{
	size_t pos = 0;
	ssize_t got;
	int r = WGTAP_ESYS;

	while (pos < n) {
		got = once(op, fd, buf + pos, n - pos, off + (off_t)pos);
		if (got == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (got == 0) {
			if (op == OP_READ || op == OP_PREAD)
				break;	/* end of file */
			errno = EPIPE;	/* no progress and no reason: give up */
			goto out;
		}
		pos += (size_t)got;
	}
	r = WGTAP_OK;
 out:
	if (done)
		*done = pos;
	return r;
}

int
atomicio_write(int fd, const void *buf, size_t n, size_t *done)
{
	/* write(2) only reads the buffer; one core serves all three calls. */
	return move(OP_WRITE, fd, (char *)buf, n, 0, done);
}

int
atomicio_pwrite(int fd, const void *buf, size_t n, off_t off, size_t *done)
{
	return move(OP_PWRITE, fd, (char *)buf, n, off, done);
}

int
atomicio_read(int fd, void *buf, size_t n, size_t *done)
{
	return move(OP_READ, fd, buf, n, 0, done);
}

int
atomicio_pread(int fd, void *buf, size_t n, off_t off, size_t *done)
{
	return move(OP_PREAD, fd, buf, n, off, done);
}
