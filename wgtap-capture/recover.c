// SPDX-License-Identifier: MIT
/*
 * Recovery of leftover temporary segments; see recover.h for the protocol.
 * The leftover is untrusted input (it may end in garbage after a power
 * loss): inflate stops at the first error, each line is bounded, and a
 * row is kept only when it is complete and has the shape of a row of the
 * format its header names (v1 or v2; the copy keeps that header). A
 * zero byte ends the data: where fallocate is missing, the writer
 * reserves space by writing zeros past it (segment.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "atomicio.h"
#include "csv.h"
#include "log.h"
#include "recover.h"
#include "wgtap.h"

#define READ_CAP	(64 * 1024)
#define LINE_CAP	(CSV_ROW_MAX_V2 + 1)

/*
 * Splits bytes into lines and copies the good ones into the segment,
 * which is opened once the header has told its format.
 */
struct liner {
	struct segment	*seg;
	struct segment_cfg *cfg;	/* seg's; its format set from the header */
	const struct spool_name *name;
	enum csv_format	 format;
	char		*line;
	size_t		 len;
	bool		 overlong;	/* discarding up to the next newline */
	bool		 ended;		/* a zero byte: the data ended before */
	bool		 header_seen;
	bool		 bad_header;
	uint64_t	 torn;
	int		 err;		/* first write error */
};

static void
liner_line(struct liner *l)
{
	const char *p = l->line;
	size_t n = l->len;	/* newline included */
	int r;

	if (!l->header_seen) {
		l->header_seen = true;
		l->format = (enum csv_format)csv_header_format(p, n);
		if (l->format == 0) {
			l->bad_header = true;
			return;
		}
		l->cfg->format = l->format;
		r = segment_open(l->seg, l->name, true);
		if (r != WGTAP_OK)
			l->err = r;
		return;
	}
	if (l->bad_header || !csv_row_plausible(p, n - 1, l->format)) {
		l->torn++;
		return;
	}
	if (l->err != WGTAP_OK)
		return;
	r = segment_add_line(l->seg, p, n);
	if (r != WGTAP_OK)
		l->err = r;
}

static void
liner_feed(struct liner *l, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && !l->ended; i++) {
		/* Never in a row: zeros reserving space past the data. */
		if (buf[i] == '\0') {
			l->ended = true;
			break;
		}
		if (l->overlong) {
			if (buf[i] == '\n') {
				l->overlong = false;
				l->torn++;
			}
			continue;
		}
		if (l->len == LINE_CAP) {
			l->overlong = true;
			l->len = 0;
			i--;	/* look at this byte again */
			continue;
		}
		l->line[l->len++] = buf[i];
		if (buf[i] == '\n') {
			liner_line(l);
			l->len = 0;
		}
	}
}

/* Feed the leftover's bytes through inflate (gzip) or as they are. */
static int
read_leftover(int fd, bool gzip, struct liner *l)
{
	unsigned char *in = NULL, *out = NULL;
	z_stream zs;
	bool zs_live = false;
	int r = WGTAP_ENOMEM, zr;
	size_t got;

	in = malloc(READ_CAP);
	out = malloc(READ_CAP);
	if (!in || !out)
		goto out;
	if (gzip) {
		memset(&zs, 0, sizeof(zs));
		if (inflateInit2(&zs, 15 + 16) != Z_OK) {
			r = WGTAP_EZLIB;
			goto out;
		}
		zs_live = true;
	}
	for (;;) {
		r = atomicio_read(fd, in, READ_CAP, &got);
		if (r != WGTAP_OK)
			goto out;
		if (got == 0 || l->ended)
			break;
		if (!gzip) {
			liner_feed(l, (const char *)in, got);
			continue;
		}
		zs.next_in = in;
		zs.avail_in = (uInt)got;
		do {
			zs.next_out = out;
			zs.avail_out = READ_CAP;
			zr = inflate(&zs, Z_NO_FLUSH);
			liner_feed(l, (const char *)out, READ_CAP - zs.avail_out);
			if (zr == Z_STREAM_END)
				goto done;	/* complete: died before rename */
			if (zr != Z_OK && zr != Z_BUF_ERROR)
				goto done;	/* garbage past the last sync */
		} while (zs.avail_in > 0 || zs.avail_out == 0);
	}
 done:
	r = WGTAP_OK;
 out:
	if (zs_live)
		inflateEnd(&zs);
	free(in);
	free(out);
	return r;
}

/* What a file that is not a regular file is, for the log. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISLNK(mode))
		return "a symlink";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a regular file";
}

/*
 * Open the leftover name for reading when it is a regular file: *fd is the
 * descriptor, or -1 with *not_file saying what it is instead. Looked at
 * before the open, so that nothing else is opened (a FIFO would block, a
 * device could act), and again after it, through the descriptor, in case
 * the name changed in between: O_NOFOLLOW refuses a symlink, O_NONBLOCK
 * keeps a FIFO from blocking. Returns WGTAP_OK or WGTAP_ESYS.
 */
static int
open_leftover(int dirfd, const char *name, int *fd, const char **not_file)
{
	struct stat st;

	*fd = -1;
	*not_file = NULL;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return WGTAP_ESYS;
	if (!S_ISREG(st.st_mode)) {
		*not_file = file_kind(st.st_mode);
		return WGTAP_OK;
	}
	*fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (*fd == -1) {
		if (errno == ELOOP)
			*not_file = "a symlink";
		else if (errno == ENXIO)
			*not_file = "a socket";
		return *not_file ? WGTAP_OK : WGTAP_ESYS;
	}
	if (fstat(*fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		int saved_errno = errno;

		if (!S_ISREG(st.st_mode))
			*not_file = file_kind(st.st_mode);
		close(*fd);
		*fd = -1;
		errno = saved_errno;
		return *not_file ? WGTAP_OK : WGTAP_ESYS;
	}
	return WGTAP_OK;
}

/*
 * Open the leftover (or recovery's copy) name for reading and take its
 * lock without waiting. *fd is then the open, locked descriptor; or -1
 * when the file is to be left alone: res->not_file says what it is when
 * it is not a regular file, res->in_use is set when another process holds
 * its lock (its open segment, or a recovery under way) or its owner
 * published or removed it before the lock was taken. Returns WGTAP_OK, or
 * WGTAP_ESYS (errno ENOENT: there is no such file).
 */
static int
take_file(int dirfd, const char *name, int *fd, struct recover_result *res)
{
	struct stat a, b;
	int r, saved_errno;

	r = open_leftover(dirfd, name, fd, &res->not_file);
	if (r != WGTAP_OK || *fd == -1)
		return r;
	r = WGTAP_ESYS;
	while (flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			res->in_use = true;
		goto out;
	}
	if (fstat(*fd, &a) == -1)
		goto out;
	if (fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			res->in_use = true;	/* published or removed */
		goto out;
	}
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		res->in_use = true;	/* and another file took the name */
		goto out;
	}
	r = WGTAP_OK;
 out:
	if (res->in_use)
		r = WGTAP_OK;	/* left alone: not an error */
	if (r != WGTAP_OK || res->in_use) {
		saved_errno = errno;
		close(*fd);
		*fd = -1;
		errno = saved_errno;
	}
	return r;
}

/*
 * Remove recovery's copy name, left by a recovery that was interrupted,
 * unless a running recovery holds it (res->in_use) or it is not a regular
 * file (res->not_file). Returns WGTAP_OK (also when there is none) or
 * WGTAP_ESYS.
 */
static int
remove_copy(int dirfd, const char *name, struct recover_result *res)
{
	int fd, r, saved_errno;

	r = take_file(dirfd, name, &fd, res);
	if (r != WGTAP_OK)
		return errno == ENOENT ? WGTAP_OK : r;
	if (fd == -1)
		return WGTAP_OK;
	r = WGTAP_OK;
	if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT)
		r = WGTAP_ESYS;
	saved_errno = errno;
	close(fd);
	errno = saved_errno;
	return r;
}

int
recover_file(const struct segment_cfg *cfg, const char *tmpname,
    struct recover_result *res)
{
	struct segment_cfg rcfg = *cfg;
	struct liner l;
	struct spool_name n;
	struct segment seg;
	struct recover_result copy_res;
	struct stat st;
	char final[SPOOL_MAX_NAME], copy[SPOOL_MAX_NAME];
	bool seg_live = false;
	int fd = -1, r, saved_errno;

	memset(res, 0, sizeof(*res));
	memset(&l, 0, sizeof(l));
	r = spool_name_parse_temp(tmpname, &n);
	if (r != WGTAP_OK)
		return r;
	r = spool_name_format(&n, final);
	if (r == WGTAP_OK)
		r = spool_name_format_recovery(&n, copy);
	if (r != WGTAP_OK)
		return r;
	/* Held locked from here until the leftover is gone. */
	r = take_file(cfg->dirfd, tmpname, &fd, res);
	if (r != WGTAP_OK || fd == -1)
		goto out;
	/* Published already; only the deletion of the leftover was lost. */
	r = WGTAP_ESYS;
	if (fstatat(cfg->dirfd, final, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (unlinkat(cfg->dirfd, tmpname, 0) == -1)
			goto out;
		memcpy(res->final, final, sizeof(final));
		r = WGTAP_OK;
		goto out;
	}
	/* A copy from an interrupted recovery of this leftover. */
	memset(&copy_res, 0, sizeof(copy_res));
	r = remove_copy(cfg->dirfd, copy, &copy_res);
	if (r != WGTAP_OK)
		goto out;
	if (copy_res.not_file || copy_res.in_use) {
		errno = EEXIST;
		r = WGTAP_ESYS;
		goto out;
	}
	rcfg.gzip = n.gzip;
	rcfg.cap_bytes = 0;	/* the rows are on disk already */
	r = segment_init(&seg, &rcfg);
	if (r != WGTAP_OK)
		goto out;
	seg_live = true;
	r = WGTAP_ENOMEM;
	l.line = malloc(LINE_CAP);
	if (!l.line)
		goto out;
	l.seg = &seg;
	l.cfg = &rcfg;
	l.name = &n;
	r = read_leftover(fd, n.gzip, &l);
	if (r == WGTAP_OK)
		r = l.err;
	if (r != WGTAP_OK)
		goto out;
	if (l.len > 0 || l.overlong)
		l.torn++;	/* the last row, cut by the crash */
	res->rows = seg.rows;
	res->torn = l.torn;
	if (seg.rows > 0) {
		r = segment_close(&seg, res->final);
		if (r != WGTAP_OK)
			goto out;
	} else if (segment_is_open(&seg)) {
		segment_abort(&seg);
	}
	r = WGTAP_ESYS;
	if (unlinkat(cfg->dirfd, tmpname, 0) == -1)
		goto out;
	if (fsync(cfg->dirfd) == -1)
		goto out;
	r = WGTAP_OK;
 out:
	saved_errno = errno;
	if (seg_live)
		segment_free(&seg);	/* aborts an unfinished copy */
	free(l.line);
	if (fd != -1)
		close(fd);
	errno = saved_errno;
	return r;
}

/* An interrupted recovery's copy of a leftover of this interface. */
static bool
is_recovery_copy(const char *name, const char *iface)
{
	struct spool_name n;

	return spool_name_parse_recovery(name, &n) == WGTAP_OK &&
	    strcmp(n.iface, iface) == 0;
}

int
recover_spool(const struct segment_cfg *cfg, const char *iface)
{
	struct spool_list l = { 0 };
	struct recover_result res;
	size_t i;
	int r, failed = 0;

	r = spool_scan(cfg->dirfd, &l);
	if (r != WGTAP_OK) {
		log_error("scan spool for leftovers: %s", wgtap_strerror(r));
		return 1;
	}
	/*
	 * Copies first: their leftover is recovered again from scratch. One
	 * that is locked belongs to a recovery under way in another process.
	 */
	for (i = 0; i < l.n; i++) {
		const struct spool_entry *e = &l.v[i];

		if (e->kind != SPOOL_TEMP || !is_recovery_copy(e->name, iface))
			continue;
		memset(&res, 0, sizeof(res));
		r = remove_copy(cfg->dirfd, e->name, &res);
		if (r != WGTAP_OK)
			log_warn("remove interrupted recovery copy %s: %s",
			    e->name, wgtap_strerror(r));
		else if (res.not_file)
			log_warn("recovery copy %s is %s, not a regular file: "
			    "left alone", e->name, res.not_file);
		else if (res.in_use)
			log_debug("recovery copy %s is in use by a running "
			    "process: left alone", e->name);
	}
	for (i = 0; i < l.n; i++) {
		const struct spool_entry *e = &l.v[i];

		if (e->kind != SPOOL_TEMP || e->parsed.iface[0] == '\0' ||
		    strcmp(e->parsed.iface, iface) != 0)
			continue;
		r = recover_file(cfg, e->name, &res);
		if (r != WGTAP_OK) {
			log_error("recover %s: %s (left in place)", e->name,
			    wgtap_strerror(r));
			failed++;
		} else if (res.not_file) {
			log_warn("leftover %s is %s, not a regular file: left "
			    "alone", e->name, res.not_file);
		} else if (res.in_use) {
			log_debug("leftover %s is in use by a running process: "
			    "left alone", e->name);
		} else if (res.final[0] && res.rows == 0) {
			log_info("leftover %s was recovered before as %s; "
			    "removed", e->name, res.final);
		} else if (res.final[0]) {
			log_info("recovered %s as %s: %llu rows, %llu torn "
			    "rows dropped", e->name, res.final,
			    (unsigned long long)res.rows,
			    (unsigned long long)res.torn);
		} else {
			log_info("leftover %s held no complete row (%llu torn "
			    "rows dropped); removed", e->name,
			    (unsigned long long)res.torn);
		}
	}
	spool_list_free(&l);
	return failed;
}
