/* SPDX-License-Identifier: MIT */
/*
 * The segment being written (SPEC section 2): a temporary file in the
 * spool that receives the header and CSV rows through a streaming gzip
 * or zstd (or plain) writer, is made crash-safe at each sync, and is published
 * under its final name by an fsync and an atomic rename. Memory use is
 * fixed (two buffers and one zlib or zstd stream) whatever the segment size.
 *
 * Disk space is reserved ahead of the writes and counted against the
 * spool cap, always keeping enough headroom to finish the open segment:
 * with fallocate(FALLOC_FL_KEEP_SIZE) where the filesystem has it, else
 * by writing zeros past the data (the file is then longer than its data
 * until it is closed; recovery stops at the first zero byte). Data is
 * written at its offset with pwrite, and a write cut short is remembered,
 * so no byte is ever written twice or skipped. So at the cap, or on a full
 * filesystem, the writer returns WGTAP_ENOSPACE before a row is lost, and
 * the caller can still close the segment cleanly. Should a write still
 * meet a full filesystem (metadata the reservation cannot cover), nothing
 * is lost either: the bytes wait in memory, and segment_close() says
 * WGTAP_ENOSPACE and keeps the segment open to be closed again later.
 */
#ifndef WGTAP_SEGMENT_H
#define WGTAP_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>
#include <stdatomic.h>
#include <zstd.h>

#include "csv.h"
#include "pkt.h"
#include "handover.h"
#include "spool.h"

/* Free space a segment needs to start: its first reservation. */
#define SEGMENT_MIN_SPACE	(2u * 1024 * 1024)
/* zstd's level when none is configured (--level): see BENCHMARKS.md. */
#define SEGMENT_ZSTD_LEVEL	1

struct segment_cfg {
	int		dirfd;		/* the spool directory */
	bool		gzip;		/* else plain CSV (unless zstd) */
	bool		zstd;		/* zstd; wins over gzip */
	int		level;		/* zlib level, 1..9 */
	int		zstd_level;	/* zstd level, 1..19 */
	/*
	 * 2: compression and writes on a thread of their own, fed full row
	 * buffers through a bounded queue (handover.h); 0 or 1: all on the
	 * caller's thread. With a full queue a row waits for room, or with
	 * drop_when_busy is refused (WGTAP_EBUSY).
	 */
	int		threads;
	bool		drop_when_busy;
	/*
	 * gzip with a writer thread and no drop_when_busy: which full row
	 * buffers the caller's thread compresses itself, as chunks of their
	 * own, rather than queue them raw. AUTO (0): those it fills while
	 * the writer is behind (a buffer waits beside the one it drains), so
	 * that both cores compress and the writer does not run dry. The others
	 * are for tests: NEVER, ALWAYS, every second one (ALTERNATE).
	 */
	enum segment_split {
		SEGMENT_SPLIT_AUTO = 0,
		SEGMENT_SPLIT_NEVER,
		SEGMENT_SPLIT_ALWAYS,
		SEGMENT_SPLIT_ALTERNATE,
	}		split;
	uint64_t	cap_bytes;	/* spool cap, 0 = none */
	enum csv_format	format;		/* CSV_V1 (also when 0) or CSV_V2 */
	/* bytes used in the spool by everything but the open segment */
	const uint64_t	*spool_used;
};

struct segment {
	const struct segment_cfg *cfg;
	struct spool_name name;
	char		tmpname[SPOOL_MAX_NAME];
	int		fd;		/* -1: no segment open */
	z_stream	zs;		/* gzip: raw deflate; the wrapper is ours */
	bool		zs_live;
	bool		zs_fresh;	/* zs starts anew before its next input */
	bool		trailer;	/* gzip: the trailer is in `out` */
	uint32_t	crc;		/* gzip: CRC-32 of the CSV so far */
	uint32_t	isize;		/* gzip: its length, modulo 2^32 */
	/*
	 * gzip with a writer thread: the caller's own stream for the chunks
	 * it compresses (cfg->split), and the one compressed but not queued
	 * yet (a push that failed), with its CRC and length.
	 */
	z_stream	pzs;
	bool		pzs_live;
	char		*chunk;
	size_t		chunk_len;
	struct handover_meta chunk_meta;
	uint64_t	bufs;		/* row buffers handed over, ever */
	uint64_t	chunks_here;	/* of those, compressed by the caller */
	ZSTD_CCtx	*zc;		/* the zstd stream, NULL: none */
	struct handover	*ho;		/* the writer thread, NULL: none */
	/* written + out_len, as the writer thread last left them */
	_Atomic uint64_t produced;
	char		*in;		/* CSV text not yet compressed */
	size_t		in_len;
	unsigned char	*out;		/* file bytes not yet written */
	size_t		out_len;
	uint64_t	rows;
	uint64_t	written;	/* bytes of data in the file */
	uint64_t	reserved;	/* bytes secured on disk and counted */
	bool		zero_fill;	/* reserved by zeros: no fallocate */
	bool		dirty;		/* rows since the last sync */
	bool		closing;	/* being closed: takes no more rows */
	bool		finished;	/* synced whole; only the rename left */
	/*
	 * A write or a flush to disk failed: what the file holds is not
	 * known to be what was written, so it is never published; recovery
	 * takes what decodes. fail_errno is the error.
	 */
	_Atomic bool	failed;		/* set by the writer thread too */
	int		fail_errno;
};

/* Set up s (no file yet). Returns WGTAP_OK or WGTAP_ENOMEM. */
int segment_init(struct segment *s, const struct segment_cfg *cfg);

/* Free what segment_init() took; an open segment is aborted. */
void segment_free(struct segment *s);

static inline bool
segment_is_open(const struct segment *s)
{
	return s->fd != -1;
}

/*
 * Create the temporary file for a segment named *name (its gzip flag is
 * set from the configuration) and write the header (of the configured
 * format). The file is created new, never over an existing one, and holds
 * an exclusive flock(2) for as long as it is open, so that recovery in
 * another process leaves it alone (recover.h). A temporary name already
 * taken moves the sequence number on: s->name.seq is the one used. Returns
 * WGTAP_OK, WGTAP_ENOSPACE (cap or full filesystem: nothing is left
 * behind), or WGTAP_ESYS / WGTAP_EZLIB. A recovery segment is written
 * under spool_name_format_recovery() instead, so that it never collides
 * with the leftover it is made from; that name taken is an error (EEXIST),
 * since the copy must keep the leftover's name.
 */
int segment_open(struct segment *s, const struct spool_name *name,
    bool recovery);

/*
 * Append one row. WGTAP_ENOSPACE means the row was not written because the
 * spool is at its cap or the filesystem is full (or the segment is being
 * closed); the segment is intact and should be closed. Other errors are
 * WGTAP_ESYS or WGTAP_EZLIB, and leave the segment failed (s->failed): it
 * takes no more rows and is never published.
 */
int segment_add_row(struct segment *s, const struct pkt_row *row);

/*
 * Append one complete line (with its newline) as it is; used by recovery.
 * Same results as segment_add_row().
 */
int segment_add_line(struct segment *s, const char *line, size_t len);

/*
 * Make every row so far durable and decodable: a zlib sync flush (for
 * zstd, the end of a block: ZSTD_e_flush), the
 * write, fdatasync. A no-op when nothing changed, or once segment_close()
 * began. WGTAP_OK, WGTAP_ENOSPACE (the write met a full filesystem;
 * nothing is lost, the segment should be closed), or an error;
 * after an error the segment is failed. (Linux reports a failed writeback
 * to one fsync only and may drop the pages, so a later fsync that
 * succeeds proves nothing: a failed segment stays failed.)
 */
int segment_sync(struct segment *s);

/*
 * Finish the stream, fsync, and rename the file to its final name without
 * ever replacing an existing file (the sequence number is raised past a
 * name already taken), then fsync the directory. final receives the name.
 * A failed segment (an earlier write or flush failed) is not published,
 * nor is one whose last flush fails: the temporary file is left in place
 * for recovery, s is closed, and WGTAP_ESYS comes back with errno the
 * error. WGTAP_ENOSPACE: a write or the rename met a full filesystem;
 * nothing is lost, s is still open (and takes no more rows): call again
 * when there is room, or segment_leave() it. Returns WGTAP_OK or
 * WGTAP_ESYS / WGTAP_EZLIB; final is not empty when the segment was
 * published even so (only the directory's fsync failed).
 */
int segment_close(struct segment *s, char final[static SPOOL_MAX_NAME]);

/*
 * With a writer thread: wait for it to write everything handed over so
 * far (an error of that shows in s->failed, or comes back from the next
 * call). A no-op without one.
 */
void segment_settle(struct segment *s);

/*
 * Close the file and leave it under its temporary name for recovery at
 * the next start: for a segment that could not be closed before exit.
 */
void segment_leave(struct segment *s);

/* Close and delete the temporary file; for errors and tests. */
void segment_abort(struct segment *s);

#endif
