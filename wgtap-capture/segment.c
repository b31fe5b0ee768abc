// SPDX-License-Identifier: MIT
/*
 * Segment writer: temporary file, streaming zlib, sync points, publish.
 *
 * Rows are formatted into `in`; a full `in` goes through deflate (or
 * zstd) into `out` (for plain CSV, `in` is written directly); a full
 * `out` is written to the file. A sync (SPEC: at --sync-interval) is a
 * Z_SYNC_FLUSH, which ends the compressed data on a byte boundary so a
 * reader can inflate every row up to it (for zstd, ZSTD_e_flush, which
 * ends a block, so a reader decodes every row up to it), then
 * fdatasync(). The gzip trailer (the zstd frame's last block and
 * checksum) is written only at close; recovery copes with its absence.
 *
 * gzip is raw deflate inside a wrapper written here (header at open, CRC
 * and length at close), so that with a writer thread the deflate data can
 * be made on two threads at once, as pigz does: a row buffer that the
 * caller fills while the writer is still busy is compressed by the caller
 * as a chunk of its own (a fresh stream, ended by a sync flush on a byte
 * boundary), and the writer, before it writes such a chunk, ends its own
 * data the same way and starts its stream anew after it. The file is one
 * ordinary gzip member either way; each chunk's CRC is folded into the
 * whole one with crc32_combine().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicio.h"
#include "csv.h"
#include "handover.h"
#include "segment.h"
#include "wgtap.h"

#define IN_CAP		(256 * 1024)
#define OUT_CAP		(256 * 1024)
/* A row buffer's size: IN_CAP of rows, or a chunk of them deflated (its
 * bound, deflateBound(), is below IN_CAP + IN_CAP / 4096 + 16). */
#define BUF_CAP		(IN_CAP + IN_CAP / 256 + 64)
/* What finishing a segment may still write beyond the reserved mark. */
#define FINISH_RESERVE	(IN_CAP + OUT_CAP + 128 * 1024)
#define RESERVE_CHUNK	(1024 * 1024)
#define RAW_WBITS	(-15)	/* raw deflate, 32 KiB window */
#define GZIP_TRAILER	8	/* CRC-32 and length, little-endian */
#define NAME_TRIES	1000	/* names tried before giving up */
/*
 * SEGMENT_SPLIT_AUTO: the caller deflates a full row buffer itself when
 * the writer has this many before it (the one it drains counted): with
 * one, the writer could run dry while the caller deflates.
 */
#define SPLIT_BACKLOG	2

_Static_assert(FINISH_RESERVE + RESERVE_CHUNK <= SEGMENT_MIN_SPACE,
    "SEGMENT_MIN_SPACE must cover the first reservation");

static int drain_handed(void *ctx, char *buf, size_t *len,
    const struct handover_meta *meta);

/* gzip (zstd wins over it): the wrapper and the CRC are this file's. */
static bool
is_gzip(const struct segment_cfg *cfg)
{
	return cfg->gzip && !cfg->zstd;
}

/* A raw deflate stream at the configured level. */
static int
deflate_start(z_stream *zs, int level)
{
	memset(zs, 0, sizeof(*zs));
	return deflateInit2(zs, level, Z_DEFLATED, RAW_WBITS, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK ? WGTAP_OK : WGTAP_EZLIB;
}

int
segment_init(struct segment *s, const struct segment_cfg *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->fd = -1;
	atomic_init(&s->produced, 0);
	s->in = malloc(BUF_CAP);
	s->out = malloc(OUT_CAP);
	if (!s->in || !s->out) {
		segment_free(s);
		return WGTAP_ENOMEM;
	}
	if (cfg->threads > 1) {
		int r;

		s->ho = malloc(sizeof(*s->ho));
		if (!s->ho) {
			segment_free(s);
			return WGTAP_ENOMEM;
		}
		r = handover_init(s->ho, BUF_CAP, drain_handed, s);
		if (r != WGTAP_OK) {
			free(s->ho);
			s->ho = NULL;
			segment_free(s);
			return r;
		}
		if (is_gzip(cfg) && !cfg->drop_when_busy &&
		    cfg->split != SEGMENT_SPLIT_NEVER) {
			s->chunk = malloc(BUF_CAP);
			r = s->chunk ? deflate_start(&s->pzs, cfg->level) :
			    WGTAP_ENOMEM;
			s->pzs_live = r == WGTAP_OK;
			if (r != WGTAP_OK) {
				segment_free(s);
				return r;
			}
		}
	}
	return WGTAP_OK;
}

static void close_stream(struct segment *s);

void
segment_free(struct segment *s)
{
	if (segment_is_open(s))
		segment_abort(s);
	close_stream(s);
	if (s->ho) {
		handover_free(s->ho);
		free(s->ho);
		s->ho = NULL;
	}
	if (s->pzs_live)
		deflateEnd(&s->pzs);
	s->pzs_live = false;
	free(s->chunk);
	s->chunk = NULL;
	free(s->in);
	free(s->out);
	s->in = NULL;
	s->out = NULL;
}

/* For errno after a failed write or reservation: out of space? */
static bool
errno_is_full(void)
{
	return errno == ENOSPC || errno == EDQUOT;
}

/* Mark s failed with the error r (errno for WGTAP_ESYS); returns r. */
static int
fail(struct segment *s, int r)
{
	if (!s->failed) {
		s->fail_errno = r == WGTAP_ESYS ? errno : EIO;
		s->failed = true;	/* after fail_errno: read in that order */
	}
	return r;
}

/* The error of a failed segment, with its errno. */
static int
failure(const struct segment *s)
{
	errno = s->fail_errno;
	return WGTAP_ESYS;
}

static int settle(struct segment *s);

/*
 * Reserve the bytes from s->reserved to want by writing zeros there: the
 * way on a filesystem without fallocate(FALLOC_FL_KEEP_SIZE) (ext2, ...),
 * where a later write over allocated blocks cannot fail for space. The
 * file is then longer than its data, up to the reservation; close cuts it
 * to the data, and recovery stops at the first zero byte. On failure the
 * zeros that made it still count. WGTAP_OK, WGTAP_ENOSPACE or WGTAP_ESYS.
 */
static int
fill_zeros(struct segment *s, uint64_t want)
{
	static const char zeros[64 * 1024];
	size_t n, done;
	int r;

	while (s->reserved < want) {
		n = want - s->reserved < sizeof(zeros) ?
		    (size_t)(want - s->reserved) : sizeof(zeros);
		r = atomicio_pwrite(s->fd, zeros, n, (off_t)s->reserved,
		    &done);
		s->reserved += done;
		if (r != WGTAP_OK)
			return errno_is_full() ? WGTAP_ENOSPACE : r;
	}
	return WGTAP_OK;
}

/*
 * Count need more bytes against the cap and reserve them on disk, ahead of
 * the writes, so that the data written later always has its blocks:
 * fallocate(FALLOC_FL_KEEP_SIZE) where the filesystem has it, else zeros
 * (fill_zeros()). WGTAP_ENOSPACE when the cap or the filesystem says no;
 * the segment is intact then. WGTAP_ESYS for other errors.
 */
static int
reserve(struct segment *s, uint64_t need)
{
	const struct segment_cfg *cfg = s->cfg;
	uint64_t want;
	int r;

	if (need <= s->reserved)
		return WGTAP_OK;
	want = (need + RESERVE_CHUNK - 1) / RESERVE_CHUNK * RESERVE_CHUNK;
	if (cfg->cap_bytes &&
	    (cfg->spool_used ? *cfg->spool_used : 0) + want > cfg->cap_bytes) {
		/* Take what is left under the cap if that is enough. */
		uint64_t used = cfg->spool_used ? *cfg->spool_used : 0;

		if (used + need > cfg->cap_bytes)
			return WGTAP_ENOSPACE;
		want = cfg->cap_bytes - used;
	}
	while (!s->zero_fill && fallocate(s->fd, FALLOC_FL_KEEP_SIZE,
	    (off_t)s->reserved, (off_t)(want - s->reserved)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno_is_full())
			return WGTAP_ENOSPACE;
		if (errno != EOPNOTSUPP && errno != ENOSYS)
			return WGTAP_ESYS;
		/* Zeros from the end of the data; nothing is reserved yet. */
		if (s->ho && (r = settle(s)) != WGTAP_OK)
			return r;
		s->zero_fill = true;
		s->reserved = s->written;
	}
	if (s->zero_fill) {
		r = fill_zeros(s, want);
		if (r != WGTAP_OK)
			return r;
	}
	s->reserved = want;
	return WGTAP_OK;
}

/*
 * Write the *len bytes at buf (`in` or `out`) to the file at the end of
 * the data, and take them out of buf. A write cut short keeps the bytes
 * that did not make it, at the start of buf, and counts those that did,
 * so that nothing is written twice or lost when it is tried again. Out of
 * space (a block the reservation could not cover) is WGTAP_ENOSPACE and
 * may be tried again; any other error fails the segment.
 */
static int
write_buf(struct segment *s, char *buf, size_t *len)
{
	size_t done = 0;
	int r;

	r = atomicio_pwrite(s->fd, buf, *len, (off_t)s->written, &done);
	s->written += done;
	*len -= done;
	if (done > 0 && *len > 0)
		memmove(buf, buf + done, *len);
	if (r == WGTAP_OK)
		return WGTAP_OK;
	return errno_is_full() ? WGTAP_ENOSPACE : fail(s, r);
}

static int
flush_out(struct segment *s)
{
	return write_buf(s, (char *)s->out, &s->out_len);
}

/*
 * Compress (or, for plain CSV, move) the *len bytes at buf (`in`, or a
 * buffer handed over), with the given zlib flush mode, writing `out` to the file whenever it fills. After an
 * error, buf holds what deflate has not taken yet and `out` what was not
 * written, so that a later call goes on where this one stopped.
 */
/* The zstd directive for a zlib flush mode. */
static ZSTD_EndDirective
zstd_mode(int flush)
{
	if (flush == Z_FINISH)
		return ZSTD_e_end;
	return flush == Z_SYNC_FLUSH ? ZSTD_e_flush : ZSTD_e_continue;
}

/* drain_buf() for zstd: the same contract. */
static int
drain_buf_zstd(struct segment *s, char *buf, size_t *len, int flush)
{
	ZSTD_EndDirective mode = zstd_mode(flush);
	ZSTD_inBuffer ib = { buf, *len, 0 };
	ZSTD_outBuffer ob;
	size_t left;
	int r = WGTAP_OK;

	for (;;) {
		ob.dst = s->out;
		ob.size = OUT_CAP;
		ob.pos = s->out_len;
		left = ZSTD_compressStream2(s->zc, &ob, &ib, mode);
		if (ZSTD_isError(left)) {
			r = fail(s, WGTAP_EZLIB);
			break;
		}
		s->out_len = ob.pos;
		if (ob.pos == OUT_CAP) {
			r = flush_out(s);
			if (r != WGTAP_OK)
				break;
			continue;
		}
		/* Room left over: all input taken, and the flush done. */
		if (ib.pos == ib.size && (mode == ZSTD_e_continue || left == 0))
			break;
	}
	if (ib.pos > 0 && ib.pos < ib.size)
		memmove(buf, buf + ib.pos, ib.size - ib.pos);
	*len = ib.size - ib.pos;
	return r;
}

static int
drain_buf(struct segment *s, char *buf, size_t *len, int flush)
{
	z_stream *zs = &s->zs;
	int r = WGTAP_OK, zr;

	if (s->zc)
		return drain_buf_zstd(s, buf, len, flush);
	if (!s->cfg->gzip)
		return write_buf(s, buf, len);
	if (s->zs_fresh) {
		if (deflateReset(zs) != Z_OK)
			return fail(s, WGTAP_EZLIB);
		s->zs_fresh = false;
	}
	zs->next_in = (Bytef *)buf;
	zs->avail_in = (uInt)*len;
	for (;;) {
		const Bytef *from = zs->next_in;

		zs->next_out = s->out + s->out_len;
		zs->avail_out = (uInt)(OUT_CAP - s->out_len);
		zr = deflate(zs, flush);
		/* the gzip wrapper's sums, over what deflate took (never
		 * crc32() of NULL: that is 0, a fresh start) */
		if (zs->next_in != from) {
			s->crc = (uint32_t)crc32(s->crc, from,
			    (uInt)(zs->next_in - from));
			s->isize += (uint32_t)(zs->next_in - from);
		}
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			r = fail(s, WGTAP_EZLIB);
			break;
		}
		s->out_len = OUT_CAP - zs->avail_out;
		if (zs->avail_out == 0) {
			r = flush_out(s);
			if (r != WGTAP_OK)
				break;
			continue;
		}
		/* Room left over: deflate took all input and did the flush. */
		if (zs->avail_in == 0 && (flush != Z_FINISH || zr == Z_STREAM_END))
			break;
	}
	if (zs->avail_in > 0 && zs->next_in != (Bytef *)buf)
		memmove(buf, zs->next_in, zs->avail_in);
	*len = zs->avail_in;
	return r;
}

/* Drain `in`, with the given flush mode. */
static int
drain_in(struct segment *s, int flush)
{
	return drain_buf(s, s->in, &s->in_len, flush);
}

/*
 * Write a chunk that the caller's thread deflated on its own (meta: its
 * CRC and length): this stream's data is ended on a byte boundary first,
 * and the stream starts anew after the chunk, whose data a reader's window
 * then holds instead. The same contract as drain_buf(): tried again, it
 * goes on where it stopped (one more empty sync block at most).
 */
static int
write_chunk(struct segment *s, char *buf, size_t *len,
    const struct handover_meta *m)
{
	size_t none = 0;
	int r = WGTAP_OK;

	if (!s->zs_fresh)
		r = drain_buf(s, NULL, &none, Z_SYNC_FLUSH);
	if (r == WGTAP_OK)
		r = flush_out(s);
	if (r == WGTAP_OK)
		r = write_buf(s, buf, len);
	if (r != WGTAP_OK)
		return r;
	s->crc = (uint32_t)crc32_combine(s->crc, m->crc, (z_off_t)m->raw_len);
	s->isize += (uint32_t)m->raw_len;
	s->zs_fresh = true;
	return WGTAP_OK;
}

/*
 * The writer thread's drain of a full row buffer (handover.h): as the
 * caller's thread would have done it; or a chunk deflated already. A
 * failed segment takes no more.
 */
static int
drain_handed(void *ctx, char *buf, size_t *len,
    const struct handover_meta *meta)
{
	struct segment *s = ctx;
	int r;

	if (s->failed)
		return failure(s);
	if (meta->packed)
		r = write_chunk(s, buf, len, meta);
	else
		r = drain_buf(s, buf, len, Z_NO_FLUSH);
	atomic_store(&s->produced, s->written + s->out_len);
	return r;
}

/*
 * Deflate `in` on the caller's thread into s->chunk, as a chunk of its own
 * (a fresh stream, ended by a sync flush), with its CRC and length.
 */
static int
pack_in(struct segment *s)
{
	z_stream *p = &s->pzs;

	if (deflateReset(p) != Z_OK)
		return fail(s, WGTAP_EZLIB);
	p->next_in = (Bytef *)s->in;
	p->avail_in = (uInt)s->in_len;
	p->next_out = (Bytef *)s->chunk;
	p->avail_out = BUF_CAP;
	if (deflate(p, Z_SYNC_FLUSH) != Z_OK || p->avail_in != 0 ||
	    p->avail_out == 0)
		return fail(s, WGTAP_EZLIB);
	s->chunk_len = BUF_CAP - p->avail_out;
	s->chunk_meta.packed = true;
	s->chunk_meta.crc = (uint32_t)crc32(0, (const Bytef *)s->in,
	    (uInt)s->in_len);
	s->chunk_meta.raw_len = s->in_len;
	s->in_len = 0;
	s->chunks_here++;
	return WGTAP_OK;
}

/* Queue the chunk deflated here, if one waits; it goes before any row. */
static int
push_chunk(struct segment *s)
{
	if (s->chunk_len == 0)
		return WGTAP_OK;
	return handover_push(s->ho, &s->chunk, &s->chunk_len, &s->chunk_meta,
	    true);
}

/* Compress this full row buffer here rather than queue it raw? */
static bool
split_here(struct segment *s)
{
	if (!s->pzs_live)
		return false;
	switch (s->cfg->split) {
	case SEGMENT_SPLIT_ALWAYS:
		return true;
	case SEGMENT_SPLIT_ALTERNATE:
		return s->bufs % 2 == 1;
	case SEGMENT_SPLIT_NEVER:
		return false;
	default:
		return handover_backlog(s->ho) >= SPLIT_BACKLOG;
	}
}

/*
 * Hand the full `in` over to the writer thread: raw, or deflated here
 * first when the writer is behind (split_here()).
 */
static int
hand_over(struct segment *s)
{
	bool here;
	int r;

	r = push_chunk(s);
	if (r != WGTAP_OK)
		return r;
	here = split_here(s);
	s->bufs++;
	if (!here)
		return handover_push(s->ho, &s->in, &s->in_len, NULL,
		    !s->cfg->drop_when_busy);
	r = pack_in(s);
	return r == WGTAP_OK ? push_chunk(s) : r;
}

/*
 * Wait for the writer thread and drain what is queued here, a chunk not
 * queued yet first: then everything handed over is in the file or in
 * `out`, and the streams are this thread's until the next hand-over.
 */
static int
settle(struct segment *s)
{
	int r;

	r = push_chunk(s);
	return r == WGTAP_OK ? handover_settle(s->ho) : r;
}

/*
 * Where the data ends once everything handed over so far is written: an
 * estimate that is never short (the bytes still queued count as they are,
 * uncompressed).
 */
static uint64_t
data_end(struct segment *s)
{
	uint64_t queued;

	if (!s->ho)
		return s->written + s->out_len;
	queued = handover_pending(s->ho);	/* read before produced */
	return atomic_load(&s->produced) + queued + s->chunk_len;
}

/* Make room in `in` for len more bytes, reserving disk space first. */
static int
make_room(struct segment *s, size_t len)
{
	int r;

	r = reserve(s, data_end(s) + s->in_len + len + FINISH_RESERVE);
	if (r != WGTAP_OK)
		return r;
	if (s->in_len + len <= IN_CAP)
		return WGTAP_OK;
	if (s->ho)
		return hand_over(s);
	return drain_in(s, Z_NO_FLUSH);
}

int
segment_add_line(struct segment *s, const char *line, size_t len)
{
	int r;

	if (s->failed)
		return failure(s);
	if (s->closing)
		return WGTAP_ENOSPACE;
	if (len > IN_CAP)
		return WGTAP_ETOOBIG;
	r = make_room(s, len);
	if (r != WGTAP_OK)
		return r;
	memcpy(s->in + s->in_len, line, len);
	s->in_len += len;
	s->rows++;
	s->dirty = true;
	return WGTAP_OK;
}

int
segment_add_row(struct segment *s, const struct pkt_row *row)
{
	bool v2 = s->cfg->format == CSV_V2;
	/* The longest row of the format, with this row's base64. */
	size_t bound = CSV_ROW_BOUND(s->cfg->format,
	    row->dns ? row->dns_len : 0);
	int r;

	if (s->failed)
		return failure(s);
	if (s->closing)
		return WGTAP_ENOSPACE;
	r = make_room(s, bound);
	if (r != WGTAP_OK)
		return r;
	s->in_len += v2 ? csv_format_row_v2(row, s->in + s->in_len) :
	    csv_format_row(row, s->in + s->in_len);
	s->rows++;
	s->dirty = true;
	return WGTAP_OK;
}

/*
 * Create the temporary file name in dirfd, new (never an existing file: it
 * may be another process's open segment), and lock it for as long as it
 * is open, so that no other process's recovery takes it for a leftover.
 * Between the create and the lock such a recovery may just have taken it:
 * then the lock is refused or the name no longer leads to this file, and
 * it is given up as if the name had been taken. Returns the descriptor, or
 * -1 with errno set (EEXIST: the name is taken).
 */
static int
create_locked(int dirfd, const char *name)
{
	struct stat a, b;
	int fd, saved_errno;
	bool ok = false;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			errno = EEXIST;
		goto out;
	}
	if (fstat(fd, &a) == -1)
		goto out;
	if (fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		errno = EEXIST;
		goto out;
	}
	ok = true;
 out:
	if (!ok) {
		saved_errno = errno;
		close(fd);
		fd = -1;
		errno = saved_errno;
	}
	return fd;
}

/*
 * A zstd stream for a new segment: the configured level, a checksum of
 * the content at the end of the frame.
 */
static int
zstd_start(struct segment *s)
{
	s->zc = ZSTD_createCCtx();
	if (!s->zc)
		return WGTAP_ENOMEM;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(s->zc,
	    ZSTD_c_compressionLevel, s->cfg->zstd_level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(s->zc, ZSTD_c_checksumFlag,
	    1)))
		return WGTAP_EZLIB;
	return WGTAP_OK;
}

/*
 * The gzip header (RFC 1952) into `out`, as zlib writes it: no name, no
 * time, the level's hint in XFL, Unix as the system.
 */
static void
gzip_header(struct segment *s)
{
	unsigned char *h = s->out + s->out_len;
	int level = s->cfg->level;

	memset(h, 0, 10);
	h[0] = 0x1f;
	h[1] = 0x8b;
	h[2] = Z_DEFLATED;
	h[8] = level == 9 ? 2 : level < 2 ? 4 : 0;
	h[9] = 3;
	s->out_len += 10;
}

/* The gzip trailer into `out` once: the CRC-32 and the length. */
static int
gzip_trailer(struct segment *s)
{
	unsigned char *t;
	int i, r;

	if (s->trailer)
		return WGTAP_OK;
	if (OUT_CAP - s->out_len < GZIP_TRAILER &&
	    (r = flush_out(s)) != WGTAP_OK)
		return r;
	t = s->out + s->out_len;
	for (i = 0; i < 4; i++) {
		t[i] = (unsigned char)(s->crc >> (8 * i));
		t[4 + i] = (unsigned char)(s->isize >> (8 * i));
	}
	s->out_len += GZIP_TRAILER;
	s->trailer = true;
	return WGTAP_OK;
}

int
segment_open(struct segment *s, const struct spool_name *name, bool recovery)
{
	const struct segment_cfg *cfg = s->cfg;
	const char *header;
	size_t hlen;
	int i, r = WGTAP_ESYS;

	s->name = *name;
	s->name.zstd = cfg->zstd;
	s->name.gzip = cfg->gzip && !cfg->zstd;
	s->in_len = s->out_len = 0;
	s->rows = s->written = s->reserved = 0;
	atomic_store(&s->produced, 0);
	s->dirty = s->zero_fill = s->closing = s->finished = false;
	s->zs_fresh = s->trailer = false;
	s->crc = 0;
	s->isize = 0;
	s->chunk_len = 0;
	s->failed = false;
	s->fail_errno = 0;
	for (i = 0; i < NAME_TRIES; i++) {
		if (recovery)
			r = spool_name_format_recovery(&s->name, s->tmpname);
		else
			r = spool_name_format_temp(&s->name, s->tmpname);
		if (r != WGTAP_OK)
			return r;
		s->fd = create_locked(cfg->dirfd, s->tmpname);
		if (s->fd != -1)
			break;
		/* Recovery's copy has one name: the caller clears the way. */
		if (errno != EEXIST || recovery ||
		    s->name.seq >= SPOOL_SEQ_MAX)
			return WGTAP_ESYS;
		s->name.seq++;
	}
	r = WGTAP_ESYS;
	if (s->fd == -1)
		goto out;
	if (cfg->zstd) {
		r = zstd_start(s);
		if (r != WGTAP_OK)
			goto out;
	} else if (cfg->gzip) {
		r = deflate_start(&s->zs, cfg->level);
		if (r != WGTAP_OK)
			goto out;
		s->zs_live = true;
		gzip_header(s);
	}
	header = csv_header(cfg->format, &hlen);
	r = make_room(s, hlen);
	if (r != WGTAP_OK)
		goto out;
	memcpy(s->in, header, hlen);
	s->in_len = hlen;
	r = WGTAP_OK;
 out:
	if (r != WGTAP_OK)
		segment_abort(s);	/* keeps errno */
	return r;
}

int
segment_sync(struct segment *s)
{
	int r;

	if (!segment_is_open(s) || !s->dirty || s->closing)
		return WGTAP_OK;
	r = s->ho ? settle(s) : WGTAP_OK;
	if (s->failed)
		return failure(s);
	if (r == WGTAP_OK)
		r = drain_in(s, Z_SYNC_FLUSH);
	if (r == WGTAP_OK)
		r = flush_out(s);
	if (r == WGTAP_OK && fdatasync(s->fd) == -1)
		r = fail(s, WGTAP_ESYS);
	if (r == WGTAP_OK)
		s->dirty = false;
	return r;
}

/* Close the stream and the file; errno is kept. */
static void
close_stream(struct segment *s)
{
	int saved_errno = errno;

	if (s->ho)
		handover_discard(s->ho);	/* the writer is idle after */
	s->chunk_len = 0;
	if (s->zs_live)
		deflateEnd(&s->zs);
	s->zs_live = false;
	ZSTD_freeCCtx(s->zc);	/* NULL is fine */
	s->zc = NULL;
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	errno = saved_errno;
}

/*
 * Give blocks reserved past the end back, and cut reserving zeros off:
 * shrinking a file frees what lies beyond its new end on every
 * filesystem, while truncating to the same size does not (tmpfs).
 */
static int
release_reserve(struct segment *s)
{
	if (ftruncate(s->fd, (off_t)s->written + 1) == -1 ||
	    ftruncate(s->fd, (off_t)s->written) == -1)
		return errno_is_full() ? WGTAP_ENOSPACE : WGTAP_ESYS;
	return WGTAP_OK;
}

/* Rename tmp to the final name, never over an existing file. */
static int
publish(struct segment *s, char final[static SPOOL_MAX_NAME])
{
	int dirfd = s->cfg->dirfd, i, r;

	for (i = 0; i < NAME_TRIES; i++) {
		r = spool_name_format(&s->name, final);
		if (r != WGTAP_OK)
			return r;
		if (renameat2(dirfd, s->tmpname, dirfd, final,
		    RENAME_NOREPLACE) == 0)
			return WGTAP_OK;
		if (errno == EINVAL || errno == ENOSYS) {
			/* No RENAME_NOREPLACE here: link() never replaces. */
			if (linkat(dirfd, s->tmpname, dirfd, final, 0) == 0) {
				unlinkat(dirfd, s->tmpname, 0);
				return WGTAP_OK;
			}
		}
		if (errno != EEXIST || s->name.seq >= SPOOL_SEQ_MAX)
			return WGTAP_ESYS;
		s->name.seq++;
	}
	errno = EEXIST;
	return WGTAP_ESYS;
}

/*
 * The stream's end, the trailer, the cut to the data and the fsync: once
 * done (s->finished), only the rename is left.
 */
static int
finish(struct segment *s)
{
	int r;

	s->closing = true;
	r = s->ho ? settle(s) : WGTAP_OK;
	if (r == WGTAP_OK)
		r = drain_in(s, s->cfg->gzip || s->zc ? Z_FINISH : Z_NO_FLUSH);
	if (r == WGTAP_OK && s->zs_live)
		r = gzip_trailer(s);
	if (r == WGTAP_OK)
		r = flush_out(s);
	if (r == WGTAP_OK)
		r = release_reserve(s);
	if (r == WGTAP_OK && fsync(s->fd) == -1)
		r = fail(s, WGTAP_ESYS);
	if (r == WGTAP_OK)
		s->finished = true;
	return r;
}

int
segment_close(struct segment *s, char final[static SPOOL_MAX_NAME])
{
	int r;

	final[0] = '\0';
	if (!segment_is_open(s))
		return WGTAP_OK;
	segment_settle(s);
	r = s->failed ? failure(s) : WGTAP_OK;
	if (r == WGTAP_OK && !s->finished)
		r = finish(s);
	if (r == WGTAP_OK) {
		r = publish(s, final);
		if (r != WGTAP_OK)
			final[0] = '\0';	/* not published */
		if (r == WGTAP_ESYS && errno_is_full())
			r = WGTAP_ENOSPACE;	/* the directory cannot grow */
	}
	if (r == WGTAP_ENOSPACE)
		return r;	/* still open: once more when there is room */
	if (r == WGTAP_OK && fsync(s->cfg->dirfd) == -1)
		r = WGTAP_ESYS;
	close_stream(s);	/* keeps errno */
	return r;
}

void
segment_settle(struct segment *s)
{
	if (s->ho && !s->failed)
		(void)settle(s);	/* an error comes back later */
}

void
segment_leave(struct segment *s)
{
	close_stream(s);
}

void
segment_abort(struct segment *s)
{
	int saved_errno = errno;

	if (s->fd != -1)
		unlinkat(s->cfg->dirfd, s->tmpname, 0);
	close_stream(s);
	errno = saved_errno;
}
