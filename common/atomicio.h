/* SPDX-License-Identifier: MIT */
/*
 * Whole reads and writes, in the manner of OpenSSH's atomicio.c: one place
 * that loops over EINTR and short transfers until every byte has moved,
 * instead of a loop at each call site.
 *
 * Every function reports in *done (when not NULL) how many bytes moved,
 * on success and on failure alike, so a caller that meets an error part
 * way can remember where it stopped and never move a byte twice. A
 * non-blocking descriptor that would block ends the call with WGTAP_ESYS
 * and errno EAGAIN (or EWOULDBLOCK); the caller may poll() and go on from
 * *done.
 */
#ifndef WGTAP_ATOMICIO_H
#define WGTAP_ATOMICIO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Write all n bytes of buf to fd. Returns WGTAP_OK (*done == n), or
 * WGTAP_ESYS with errno set (EPIPE when write(2) moved nothing and
 * reported no error) and *done the bytes written before it.
 */
int atomicio_write(int fd, const void *buf, size_t n, size_t *done);

/*
 * The same as atomicio_write() at offset off of fd, without moving the
 * file offset (pwrite(2)): a caller that keeps its own offset and adds
 * *done to it never writes a byte twice, even after a failure part way.
 */
int atomicio_pwrite(int fd, const void *buf, size_t n, off_t off,
    size_t *done);

/*
 * Read from fd into buf until n bytes have arrived or the end of the file.
 * Returns WGTAP_OK (*done < n only at the end of the file), or WGTAP_ESYS
 * with errno set and *done the bytes read before it.
 */
int atomicio_read(int fd, void *buf, size_t n, size_t *done);

/*
 * The same as atomicio_read() from offset off of fd, without moving the
 * file offset (pread(2)).
 */
int atomicio_pread(int fd, void *buf, size_t n, off_t off, size_t *done);

#endif
