/* SPDX-License-Identifier: MIT */
/*
 * What wgtap-capture does with each packet and each clock tick, apart
 * from where the packets come from (a live interface or a file): decode,
 * count, rotate segments by row count, age and UTC hour (SPEC section 2),
 * make the open segment crash-safe at the sync interval, and keep to the
 * spool cap. Rotation by age follows capture time, so a file converts to
 * the same segments as the live run that captured it. Whatever order the
 * timestamps come in, a segment holds rows of one UTC hour only (the hour
 * of its name), and its rows span less than the interval.
 */
#ifndef WGTAP_CAPTURE_H
#define WGTAP_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "peersrc.h"
#include "peertab.h"
#include "pkt.h"
#include "segment.h"
#include "spool.h"

struct capture_stats;

struct capture_cfg {
	char		iface[SPOOL_IFACE_MAX];
	int		dlt;		/* link type of the source */
	uint64_t	max_rows;	/* --max-packets-per-log */
	uint64_t	interval_ns;	/* --packet-log-interval */
	uint64_t	sync_ns;	/* --sync-interval, 0 = off */
	bool		wait_for_space;	/* offline: wait at the cap, not drop */
	struct segment_cfg seg;		/* seg.format: the CSV format */
	/* Refreshes st->pcap_* before a counters line; may be NULL. */
	void		(*refresh_stats)(void *ctx, struct capture_stats *st);
	void		*ctx;
	/*
	 * Format v2's peers: a fixed table (-r with --peers; owned by the
	 * caller), or the live interface's, re-read at the ticks (owned by
	 * the caller; NULL: none). At most one of them.
	 */
	const struct peertab *peers_fixed;
	struct peersrc	*peers_live;
};

struct capture_stats {
	uint64_t	packets;		/* handed to capture_packet() */
	uint64_t	rows;			/* written to segments */
	uint64_t	skipped[PKT_NSTATUS];	/* by reason; [PKT_ROW] unused */
	uint64_t	dropped_full;		/* dropped at the spool cap */
	/* dropped because the writer thread's queue was full (live) */
	uint64_t	dropped_busy;
	bool		count_busy;		/* a live capture with a writer */
	uint64_t	segments;		/* published */
	uint64_t	bytes;			/* in them (file sizes) */
	uint64_t	no_peer;		/* v2 rows with an empty peer */
	bool		have_peer_stats;	/* format v2: no_peer counts */
	/* libpcap's counters, filled in by the live source */
	uint64_t	pcap_recv, pcap_drop, pcap_ifdrop;
	bool		have_pcap_stats;
};

struct capture {
	struct capture_cfg cfg;
	struct segment	seg;
	struct capture_stats st;
	uint32_t	next_seq;
	/* the earliest and latest capture time in the open segment */
	uint64_t	seg_min_ns, seg_max_ns;
	uint64_t	spool_used;	/* bytes in the spool but ours */
	uint64_t	last_sync_ns;	/* monotonic */
	bool		full;		/* at the cap: dropping */
	uint64_t	full_since_drop;	/* dropped in this episode */
	uint64_t	full_logged_ns;	/* monotonic */
	uint64_t	last_measure_ns;	/* monotonic */
	uint64_t	mono_now;	/* monotonic time of the last tick */
	uint64_t	drops_reported;	/* libpcap drops in the last line */
	uint64_t	waits_logged;	/* writer-thread waits logged */
	const struct peertab *peers;	/* the table rows are attributed by */
	struct lpm_cache peer_cache;	/* recent answers of peers (attrib.c) */
};

/*
 * Set up c with *cfg (copied); mono_ns is the monotonic clock now, from
 * which the first sync interval and spool measurement count. WGTAP_OK or
 * WGTAP_ENOMEM.
 */
int capture_init(struct capture *c, const struct capture_cfg *cfg,
    uint64_t mono_ns);

/* Close nothing; free memory. Call capture_finish() first. */
void capture_free(struct capture *c);

/*
 * One packet. Returns WGTAP_OK (the packet became a row, was skipped and
 * counted, or was dropped at the cap and counted) or a fatal I/O error,
 * which has been logged. With wait_for_space, a packet that meets a full
 * spool is not consumed: WGTAP_ENOSPACE asks the caller to wait (ticking)
 * until c->full clears and to hand the same packet in again.
 */
int capture_packet(struct capture *c, const uint8_t *data, uint32_t caplen,
    uint32_t len, uint64_t ts_ns);

/*
 * A packet that gives no row for a reason found before it is decoded (its
 * capture time out of range: PKT_SKIP_BAD_TIME): counted with the skips
 * of pkt_parse().
 */
void capture_skip(struct capture *c, enum pkt_status why);

/*
 * The clock: now_ns is wall-clock time (for age rotation of a live
 * capture; 0 to skip it), mono_ns a monotonic time for the sync interval.
 * Re-reads a live peer table when that is due (peersrc_tick()) and takes
 * the one to attribute rows by from it (none when it is too old).
 * Refreshes the spool usage, leaves the full state when there is room.
 * Returns WGTAP_OK or a fatal error (logged).
 */
int capture_tick(struct capture *c, uint64_t now_ns, uint64_t mono_ns);

/*
 * When the next tick is due, in wall-clock ns (the interval after the open
 * segment's earliest row, or the end of its hour), or UINT64_MAX when no
 * segment is open.
 */
uint64_t capture_deadline(const struct capture *c);

/*
 * How long a live source may wait for packets at wall-clock time now_ns
 * before it must tick: until the deadline, at most the sync interval, and
 * at most a second (the spool is measured every second), or 0.1 s while
 * a live peer table is kept fresh. In ns.
 */
uint64_t capture_wait_ns(const struct capture *c, uint64_t now_ns);

/*
 * How long a file source may wait for input at monotonic time mono_ns
 * before capture_tick() is due: until the next sync of the open segment,
 * or UINT64_MAX when no timed duty is pending (no segment open, or no
 * sync interval). In ns.
 */
uint64_t capture_file_wait_ns(const struct capture *c, uint64_t mono_ns);

/*
 * Close the open segment now (SIGHUP, exit). why goes in the log line.
 * Should the close meet a full filesystem, nothing is lost: the segment
 * stays open without taking rows, the capture is full, and a later tick
 * closes it; that is WGTAP_OK too. Other errors are logged and returned.
 */
int capture_rotate(struct capture *c, const char *why);

/* Re-read how much of the spool others use. WGTAP_OK or WGTAP_ESYS. */
int capture_measure_spool(struct capture *c);

/*
 * Close the open segment and log the summary line. A segment that still
 * cannot be closed for want of space is left for recovery at the next
 * start (logged): WGTAP_ENOSPACE.
 */
int capture_finish(struct capture *c, const char *why);

/* Format the counters as one line ("packets=N rows=N ..."). */
void capture_stats_line(const struct capture_stats *st, char *buf,
    size_t cap);

#endif
