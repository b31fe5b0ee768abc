// SPDX-License-Identifier: MIT
/*
 * One segment from the spool to the bucket. The order of the steps is the
 * point of this file:
 *
 *   open (O_NOFOLLOW), fstat: a regular file
 *   flock(LOCK_EX | LOCK_NB): nobody else is shipping it
 *   still linked under the name: nobody shipped and deleted it meanwhile
 *   hash, upload, verify (s3_put_object)
 *   unlink and fsync the directory, still under the lock
 *   close, which drops the lock
 *
 * A second shipper that opened the file before the unlink gets the lock
 * only after it, sees st_nlink == 0 (or another inode under the name) and
 * leaves it: so no file is uploaded twice at once, nor deleted twice. A
 * crash between upload and unlink leaves the file, and the next attempt
 * writes the same bytes under the same key.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "atomicio.h"
#include "csv.h"
#include "ship.h"
#include "wgtap.h"

/* Whether fd is still the file linked under name in dirfd. */
static enum ship_status
still_linked(int dirfd, const char *name, int fd, struct ship_report *rep)
{
	struct stat a, b;

	if (fstat(fd, &a) == -1) {
		s3_describe(rep->why, "fstat", strerror(errno));
		return SHIP_LOCAL;
	}
	if (a.st_nlink == 0)
		return SHIP_GONE;
	if (fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return SHIP_GONE;
		s3_describe(rep->why, "stat", strerror(errno));
		return SHIP_LOCAL;
	}
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return SHIP_GONE;
	return SHIP_DONE;
}

/* Open name for shipping; SHIP_DONE means *fdp is open and locked. */
static enum ship_status
open_locked(int dirfd, const char *name, int *fdp, struct ship_report *rep)
{
	enum ship_status st = SHIP_LOCAL;
	struct stat sb;
	int fd;

	*fdp = -1;
	/* O_NONBLOCK: a FIFO under a segment name must not hang us. */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK | O_NOCTTY);
	if (fd == -1) {
		if (errno == ENOENT)
			st = SHIP_GONE;
		else if (errno == ELOOP)
			s3_describe(rep->why, "a symlink, not shipped", NULL);
		else
			s3_describe(rep->why, "open", strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) == -1) {
		s3_describe(rep->why, "fstat", strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		s3_describe(rep->why, "not a regular file, not shipped", NULL);
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			st = SHIP_BUSY;
		else
			s3_describe(rep->why, "flock", strerror(errno));
		goto out;
	}
	st = still_linked(dirfd, name, fd, rep);
	if (st != SHIP_DONE)
		goto out;
	*fdp = fd;
	fd = -1;
 out:
	if (fd != -1)
		close(fd);
	return st;
}

/* Whether the n bytes at p begin with the v1 or the v2 header line. */
static bool
starts_with_header(const char *p, size_t n)
{
	return (n >= CSV_HEADER_LEN &&
	    memcmp(p, CSV_HEADER, CSV_HEADER_LEN) == 0) ||
	    (n >= CSV_HEADER_V2_LEN &&
	    memcmp(p, CSV_HEADER_V2, CSV_HEADER_V2_LEN) == 0);
}

/*
 * Whether fd starts like a wgtap segment: its first line (after gunzip for
 * a .csv.gz name) is the CSV header of format v1 or v2. The capture is the
 * only writer of final names, so anything else is someone's file that only
 * looks like a segment, and shipping it would put unreadable rows into the
 * bucket. Only the first bytes are read.
 */
static bool
looks_like_segment(int fd, bool gzip)
{
	unsigned char in[4096];
	char out[CSV_HEADER_V2_LEN];
	z_stream zs;
	size_t n;
	bool ok = false;
	int zr;

	if (atomicio_pread(fd, in, sizeof(in), 0, &n) != WGTAP_OK || n == 0)
		return false;
	if (!gzip)
		return starts_with_header((const char *)in, n);
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return false;
	zs.next_in = in;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)out;
	zs.avail_out = sizeof(out);
	zr = inflate(&zs, Z_SYNC_FLUSH);
	if (zr == Z_OK || zr == Z_STREAM_END || zr == Z_BUF_ERROR)
		ok = starts_with_header(out, sizeof(out) - zs.avail_out);
	inflateEnd(&zs);
	return ok;
}

enum ship_status
ship_file(const struct ship_config *cfg, int dirfd, const char *name,
    const struct spool_name *sn, struct ship_report *rep)
{
	enum ship_status st = SHIP_LOCAL;
	struct s3_body body;
	int fd = -1, r;

	memset(rep, 0, sizeof(*rep));
	r = s3_object_key(cfg->prefix, cfg->host, name, sn, rep->key);
	if (r != WGTAP_OK) {
		s3_describe(rep->why, "object key", wgtap_strerror(r));
		goto out;
	}
	st = open_locked(dirfd, name, &fd, rep);
	if (st != SHIP_DONE)
		goto out;
	st = SHIP_LOCAL;
	if (!looks_like_segment(fd, sn->gzip)) {
		s3_describe(rep->why, "not a wgtap segment (its first line is "
		    "not the CSV header), not shipped", NULL);
		goto out;
	}
	r = s3_body_hash(fd, &body);
	if (r != WGTAP_OK) {
		s3_describe(rep->why, "read", wgtap_strerror(r));
		goto out;
	}
	rep->bytes = body.size;
	r = s3_put_object(cfg->s3, rep->key, s3_content_type(sn), &body,
	    &rep->s3);
	if (r != WGTAP_OK) {
		s3_describe(rep->why, rep->s3.error, NULL);
		if (rep->s3.aborted)
			st = SHIP_ABORTED;
		else if (r == WGTAP_EHTTP || r == WGTAP_ENET)
			st = SHIP_FAILED;
		goto out;
	}
	st = SHIP_DONE;
	if (cfg->keep)
		goto out;
	if (unlinkat(dirfd, name, 0) == -1) {
		s3_describe(rep->why, "uploaded, but not deleted",
		    strerror(errno));
		st = SHIP_UNDELETED;
		goto out;
	}
	/*
	 * Make the delete durable. If this fails the worst case is that the
	 * segment comes back after a power loss and is uploaded again, to
	 * the same key with the same bytes, so it is not worth failing over.
	 */
	(void)fsync(dirfd);
 out:
	if (fd != -1)
		close(fd);
	return st;
}
