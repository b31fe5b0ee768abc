// SPDX-License-Identifier: MIT
/*
 * The capture pipeline between a packet source and the segment writer:
 * decoding and counting, rotation (count, capture-time age, UTC hour,
 * a step back of the clock, SIGHUP), periodic sync, and the spool cap.
 *
 * At the cap (--spool-max-bytes) or on a full filesystem the open segment
 * is closed cleanly and published, and later packets are dropped and
 * counted as spool_full until the shipper has freed room for a new segment
 * (checked every second). A live capture cannot pause the kernel, so
 * dropping and counting is the honest choice; a file conversion instead
 * waits for room (wait_for_space) and loses nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "attrib.h"
#include "capture.h"
#include "handover.h"
#include "log.h"
#include "wgtap.h"

#define NS_PER_S	1000000000ULL
#define NS_PER_HOUR	(3600 * NS_PER_S)
#define MEASURE_EVERY	NS_PER_S
#define FULL_LOG_EVERY	(60 * NS_PER_S)
/* Ticks this often while a live peer table is kept fresh. */
#define PEERS_TICK_NS	(NS_PER_S / 10)

int
capture_init(struct capture *c, const struct capture_cfg *cfg,
    uint64_t mono_ns)
{
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	c->last_sync_ns = c->last_measure_ns = mono_ns;
	c->cfg.seg.spool_used = &c->spool_used;
	c->st.count_busy = cfg->seg.threads > 1 && cfg->seg.drop_when_busy;
	c->peers = cfg->peers_fixed;
	c->st.have_peer_stats = cfg->seg.format == CSV_V2;
	return segment_init(&c->seg, &c->cfg.seg);
}

void
capture_free(struct capture *c)
{
	segment_free(&c->seg);
}

void
capture_stats_line(const struct capture_stats *st, char *buf, size_t cap)
{
	size_t o = 0;
	int n, i;

	n = snprintf(buf, cap, "packets=%llu rows=%llu segments=%llu",
	    (unsigned long long)st->packets, (unsigned long long)st->rows,
	    (unsigned long long)st->segments);
	if (n < 0 || (size_t)n >= cap)
		return;
	o = (size_t)n;
	for (i = PKT_ROW + 1; i < PKT_NSTATUS; i++) {
		n = snprintf(buf + o, cap - o, " %s=%llu",
		    pkt_status_name((enum pkt_status)i),
		    (unsigned long long)st->skipped[i]);
		if (n < 0 || (size_t)n >= cap - o)
			return;
		o += (size_t)n;
	}
	n = snprintf(buf + o, cap - o, " spool_full=%llu",
	    (unsigned long long)st->dropped_full);
	if (n < 0 || (size_t)n >= cap - o)
		return;
	o += (size_t)n;
	if (st->count_busy) {
		n = snprintf(buf + o, cap - o, " queue_full=%llu",
		    (unsigned long long)st->dropped_busy);
		if (n < 0 || (size_t)n >= cap - o)
			return;
		o += (size_t)n;
	}
	if (st->have_peer_stats) {
		n = snprintf(buf + o, cap - o, " no_peer=%llu",
		    (unsigned long long)st->no_peer);
		if (n < 0 || (size_t)n >= cap - o)
			return;
		o += (size_t)n;
	}
	if (st->have_pcap_stats) {
		n = snprintf(buf + o, cap - o,
		    " pcap_received=%llu pcap_dropped=%llu pcap_ifdropped=%llu",
		    (unsigned long long)st->pcap_recv,
		    (unsigned long long)st->pcap_drop,
		    (unsigned long long)st->pcap_ifdrop);
		if (n < 0 || (size_t)n >= cap - o)
			return;
	}
}

/* One line with the counters; a warning when libpcap dropped more. */
static void
log_counters(struct capture *c, const char *what)
{
	char line[512];
	uint64_t drops;

	if (c->cfg.refresh_stats)
		c->cfg.refresh_stats(c->cfg.ctx, &c->st);
	capture_stats_line(&c->st, line, sizeof(line));
	drops = c->st.pcap_drop + c->st.pcap_ifdrop;
	if (drops > c->drops_reported) {
		log_warn("%s; %s (%llu packets dropped before wgtap-capture "
		    "saw them)", what, line,
		    (unsigned long long)(drops - c->drops_reported));
		c->drops_reported = drops;
	} else {
		log_info("%s; %s", what, line);
	}
}

static void
enter_full(struct capture *c, uint64_t mono_ns)
{
	if (c->full)
		return;
	c->full = true;
	c->full_since_drop = 0;
	c->full_logged_ns = mono_ns;
	log_warn("spool %s: %s (used %llu bytes, cap %llu)",
	    c->cfg.seg.cap_bytes ? "at its cap" : "filesystem full",
	    c->cfg.wait_for_space ? "waiting for the shipper to free space" :
	    "dropping packets until the shipper frees space",
	    (unsigned long long)c->spool_used,
	    (unsigned long long)c->cfg.seg.cap_bytes);
}

int
capture_rotate(struct capture *c, const char *why)
{
	char final[SPOOL_MAX_NAME], what[SPOOL_MAX_NAME + 96];
	uint64_t rows = c->seg.rows;
	bool failed_before;
	int r;

	if (!segment_is_open(&c->seg))
		return WGTAP_OK;
	segment_settle(&c->seg);	/* a writer thread's error shows now */
	failed_before = c->seg.failed;
	if (c->seg.ho && c->seg.ho->waits > c->waits_logged) {
		log_debug("segment %s: rows waited %llu times for the writer "
		    "thread", c->seg.tmpname,
		    (unsigned long long)(c->seg.ho->waits - c->waits_logged));
		c->waits_logged = c->seg.ho->waits;
	}
	r = segment_close(&c->seg, final);
	if (r == WGTAP_ENOSPACE) {
		/* Still open, nothing lost: a tick closes it given room. */
		enter_full(c, c->mono_now);
		log_debug("close segment %s: %s; once more when there is room",
		    c->seg.tmpname, wgtap_strerror(r));
		return WGTAP_OK;
	}
	if (r != WGTAP_OK && final[0]) {
		log_error("published %s, but syncing the spool directory "
		    "failed: %s", final, wgtap_strerror(r));
	} else if (r != WGTAP_OK && failed_before) {
		log_error("segment %s not published: writing it failed "
		    "before (%s); left for recovery at the next start",
		    c->seg.tmpname, wgtap_strerror(r));
		return r;
	} else if (r != WGTAP_OK) {
		log_error("close segment %s: %s (not published; left for "
		    "recovery at the next start)", c->seg.tmpname,
		    wgtap_strerror(r));
		return r;
	}
	c->st.segments++;
	c->st.bytes += c->seg.written;
	c->spool_used += c->seg.written;
	snprintf(what, sizeof(what), "closed %s: %llu rows (%s)", final,
	    (unsigned long long)rows, why);
	log_counters(c, what);
	return r;
}

/*
 * Why the open segment must close before a row captured at ts goes in, or
 * NULL. The span of its rows (earliest to latest, whatever order they came
 * in) stays below the interval, so a clock that steps back starts a new
 * segment, while rows a little out of order (from several CPUs) stay.
 */
static const char *
rotate_reason(const struct capture *c, uint64_t ts)
{
	uint64_t start = (uint64_t)c->seg.name.start_ns;
	uint64_t lo = ts < c->seg_min_ns ? ts : c->seg_min_ns;
	uint64_t hi = ts > c->seg_max_ns ? ts : c->seg_max_ns;

	if (c->seg.rows >= c->cfg.max_rows)
		return "count";
	if (hi - lo >= c->cfg.interval_ns)
		return ts < c->seg_min_ns ? "time step" : "age";
	if (ts / NS_PER_HOUR != start / NS_PER_HOUR)
		return "hour";
	return NULL;
}

/* A row for the packet at ts: open a segment or rotate as needed. */
static int
place_row(struct capture *c, const struct pkt_row *row)
{
	struct segment *s = &c->seg;
	uint64_t ts = row->ts_ns;
	int r;

	if (segment_is_open(s)) {
		const char *why = rotate_reason(c, ts);

		if (why) {
			r = capture_rotate(c, why);
			if (r != WGTAP_OK)
				return r;
		}
	}
	if (!segment_is_open(s)) {
		struct spool_name n;

		memset(&n, 0, sizeof(n));
		memcpy(n.iface, c->cfg.iface, sizeof(n.iface));
		n.start_ns = (int64_t)ts;
		n.seq = c->next_seq;
		r = segment_open(s, &n, false);
		if (r == WGTAP_ENOSPACE)
			return r;
		if (r != WGTAP_OK) {
			log_error("create segment in spool: %s",
			    wgtap_strerror(r));
			return r;
		}
		/* Names taken by another process moved the number on. */
		c->next_seq = s->name.seq >= SPOOL_SEQ_MAX ? 0 :
		    s->name.seq + 1;
		c->seg_min_ns = c->seg_max_ns = ts;
	}
	r = segment_add_row(s, row);
	if (r == WGTAP_EBUSY)
		return r;	/* the writer is behind: the caller counts it */
	if (r == WGTAP_ENOSPACE) {
		int r2 = capture_rotate(c, "spool full");

		return r2 != WGTAP_OK ? r2 : r;
	}
	if (r != WGTAP_OK) {
		log_error("write segment %s: %s", s->tmpname, wgtap_strerror(r));
		return r;
	}
	c->st.rows++;
	if (ts < c->seg_min_ns)
		c->seg_min_ns = ts;
	if (ts > c->seg_max_ns)
		c->seg_max_ns = ts;
	return WGTAP_OK;
}

int
capture_packet(struct capture *c, const uint8_t *data, uint32_t caplen,
    uint32_t len, uint64_t ts_ns)
{
	struct pkt_row row;
	enum pkt_status st;
	int r;

	if (c->full && c->cfg.wait_for_space)
		return WGTAP_ENOSPACE;
	st = pkt_parse(c->cfg.dlt, data, caplen, len, ts_ns, &row);
	if (st != PKT_ROW) {
		c->st.packets++;
		c->st.skipped[st]++;
		return WGTAP_OK;
	}
	if (c->full) {
		c->st.packets++;
		c->st.dropped_full++;
		c->full_since_drop++;
		return WGTAP_OK;
	}
	if (c->cfg.peers_live && peersrc_newer(c->cfg.peers_live))
		c->peers = peersrc_take(c->cfg.peers_live, c->mono_now);
	if (c->cfg.seg.format == CSV_V2)
		row.peer = attrib_peer(c, &row, (enum pkt_dir)row.dir);
	r = place_row(c, &row);
	if (r == WGTAP_EBUSY) {
		c->st.packets++;
		c->st.dropped_busy++;
		return WGTAP_OK;
	}
	if (r == WGTAP_ENOSPACE) {
		enter_full(c, c->mono_now);
		if (c->cfg.wait_for_space)
			return WGTAP_ENOSPACE;
		c->st.packets++;
		c->st.dropped_full++;
		c->full_since_drop++;
		return WGTAP_OK;
	}
	if (r == WGTAP_OK) {
		c->st.packets++;
		if (row.peer && !row.peer[0])
			c->st.no_peer++;
	}
	return r;
}

void
capture_skip(struct capture *c, enum pkt_status why)
{
	c->st.packets++;
	c->st.skipped[why]++;
}

int
capture_measure_spool(struct capture *c)
{
	struct spool_list l = { 0 };
	uint64_t used = 0;
	size_t i;
	int r;

	r = spool_scan(c->cfg.seg.dirfd, &l);
	if (r != WGTAP_OK)
		return r;
	for (i = 0; i < l.n; i++) {
		const struct spool_entry *e = &l.v[i];

		if (segment_is_open(&c->seg) &&
		    strcmp(e->name, c->seg.tmpname) == 0)
			continue;	/* counted by its reservation */
		used += e->alloc > e->bytes ? e->alloc : e->bytes;
	}
	spool_list_free(&l);
	c->spool_used = used;
	return WGTAP_OK;
}

/* Room for a new segment: under the cap and on the filesystem. */
static bool
have_room(struct capture *c)
{
	const struct segment_cfg *sc = &c->cfg.seg;
	struct statvfs vfs;

	if (sc->cap_bytes && c->spool_used + SEGMENT_MIN_SPACE > sc->cap_bytes)
		return false;
	if (fstatvfs(sc->dirfd, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < SEGMENT_MIN_SPACE)
		return false;
	return true;
}

int
capture_tick(struct capture *c, uint64_t now_ns, uint64_t mono_ns)
{
	struct segment *s = &c->seg;
	int r;

	c->mono_now = mono_ns;
	if (c->cfg.peers_live)
		c->peers = peersrc_take(c->cfg.peers_live, mono_ns);
	if (c->cfg.sync_ns && mono_ns - c->last_sync_ns >= c->cfg.sync_ns) {
		c->last_sync_ns = mono_ns;
		r = segment_sync(s);
		if (r == WGTAP_ENOSPACE)	/* a full filesystem */
			r = capture_rotate(c, "spool full");
		else if (r != WGTAP_OK)
			log_error("sync segment %s: %s; it will not be "
			    "published", s->tmpname, wgtap_strerror(r));
		if (r != WGTAP_OK)
			return r;
	}
	if ((c->cfg.seg.cap_bytes || c->full) &&
	    mono_ns - c->last_measure_ns >= MEASURE_EVERY) {
		c->last_measure_ns = mono_ns;
		r = capture_measure_spool(c);
		if (r != WGTAP_OK) {
			log_error("measure spool: %s", wgtap_strerror(r));
			return r;
		}
	}
	if (c->full && segment_is_open(s)) {
		/* A close that met a full filesystem: try it again. */
		r = capture_rotate(c, "spool full");
		if (r != WGTAP_OK)
			return r;
	}
	if (c->full && !segment_is_open(s) && have_room(c)) {
		c->full = false;
		log_info("spool has room again (used %llu bytes): resumed "
		    "after dropping %llu packets",
		    (unsigned long long)c->spool_used,
		    (unsigned long long)c->full_since_drop);
	} else if (c->full && mono_ns - c->full_logged_ns >= FULL_LOG_EVERY) {
		c->full_logged_ns = mono_ns;
		log_warn("spool still full (used %llu bytes): %llu packets "
		    "dropped so far", (unsigned long long)c->spool_used,
		    (unsigned long long)c->full_since_drop);
	}
	if (now_ns && segment_is_open(s) && now_ns >= capture_deadline(c))
		return capture_rotate(c, now_ns - c->seg_min_ns >=
		    c->cfg.interval_ns ? "age" : "hour");
	return WGTAP_OK;
}

uint64_t
capture_deadline(const struct capture *c)
{
	uint64_t start, age, hour;

	if (!segment_is_open(&c->seg))
		return UINT64_MAX;
	start = (uint64_t)c->seg.name.start_ns;
	age = c->seg_min_ns + c->cfg.interval_ns;
	hour = (start / NS_PER_HOUR + 1) * NS_PER_HOUR;
	return age < hour ? age : hour;
}

uint64_t
capture_wait_ns(const struct capture *c, uint64_t now_ns)
{
	uint64_t deadline = capture_deadline(c), wait = NS_PER_S;

	if (deadline != UINT64_MAX)
		wait = deadline > now_ns ? deadline - now_ns : 0;
	if (c->cfg.sync_ns && c->cfg.sync_ns < wait)
		wait = c->cfg.sync_ns;
	if (wait > NS_PER_S)
		wait = NS_PER_S;
	if (c->cfg.peers_live && wait > PEERS_TICK_NS)
		wait = PEERS_TICK_NS;
	return wait;
}

uint64_t
capture_file_wait_ns(const struct capture *c, uint64_t mono_ns)
{
	uint64_t due;

	if (!c->cfg.sync_ns || !segment_is_open(&c->seg))
		return UINT64_MAX;
	due = c->last_sync_ns + c->cfg.sync_ns;
	return due > mono_ns ? due - mono_ns : 0;
}

int
capture_finish(struct capture *c, const char *why)
{
	int r;

	r = capture_rotate(c, why);
	if (r == WGTAP_OK && segment_is_open(&c->seg)) {
		log_error("spool full: segment %s (%llu rows) could not be "
		    "finished; left for recovery at the next start",
		    c->seg.tmpname, (unsigned long long)c->seg.rows);
		segment_leave(&c->seg);
		r = WGTAP_ENOSPACE;
	}
	log_counters(c, "summary");
	return r;
}
