// SPDX-License-Identifier: MIT
/*
 * The watching daemon (SPEC section 3): inotify on the spool and a full
 * scan at start, after a lost event and once a minute. A segment is taken
 * up when it is renamed in, closed after writing, linked in (a second link
 * to a complete file), or when its temporary name goes away after a link
 * (the capture's way where rename cannot refuse to replace). The segments
 * found wait in a queue, oldest first, and are shipped one at a time; a
 * failed upload is retried with backoff, going on with the next segment
 * meanwhile so that one bad file does not hold up the others. What each result
 * means is outcome_decide()'s call; here are the books: the queue, the
 * names reported once, and the names stored but kept (--keep) or not
 * deleted, which are not shipped again until a restart.
 *
 * The spool is opened for each round of work and closed while waiting, or
 * inotify would not report its removal (see watch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "outcome.h"
#include "queue.h"
#include "renew.h"
#include "shipstat.h"
#include "spool.h"
#include "watch.h"
#include "wgtap.h"

#define RESCAN_MS		(60 * 1000)	/* safety-net full scan */
#define BUSY_RESCAN_MS		(5 * 1000)	/* after a file was locked */
#define TURN_MS			1000	/* longest wait with a turn_cb */

/* State of the watching daemon. */
struct daemon {
	const struct config	*cfg;
	const struct ship_config *sc;
	const struct pace	*pace;
	int			 dirfd;
	struct watch		 watch;
	struct queue		 pending;
	struct queue_names	 foreign;	/* reported once each */
	struct queue_names	 unshippable;	/* local error, reported */
	struct queue_names	 shipped;	/* stored, not to ship again */
	unsigned		 failures;	/* consecutive failed uploads */
	struct spool_name	 resume;	/* go on after this one ... */
	bool			 have_resume;	/* ... after a failure */
	uint64_t		 next_try;	/* monotonic ms */
	uint64_t		 next_scan;
	bool			 rescan;
	bool			 fatal;		/* a run-time error: exit 1 */
};

/* Free *old and move *new into it; *new is empty afterwards. */
static void
names_replace(struct queue_names *old, struct queue_names *new)
{
	queue_names_free(old);
	*old = *new;
	queue_names_init(new);
}

/* Daemon: act on one classified spool entry found by a scan or event. */
static int
daemon_consider(struct daemon *d, const struct spool_entry *e,
    struct queue_names *foreign)
{
	switch (e->kind) {
	case SPOOL_TEMP:
		return WGTAP_OK;
	case SPOOL_FOREIGN:
		if (!queue_names_has(&d->foreign, e->name))
			outcome_log_foreign(e);
		return queue_names_add(foreign, e->name);
	case SPOOL_SEGMENT:
		if (queue_names_has(&d->shipped, e->name))
			return WGTAP_OK;
		return queue_add(&d->pending, e->name, &e->parsed);
	}
	return WGTAP_OK;
}

/*
 * Daemon: scan the whole spool, queue every segment, report new foreign
 * entries, and forget remembered names that are gone.
 */
static int
daemon_scan(struct daemon *d)
{
	struct spool_list list = { NULL, 0, 0 };
	struct queue_names foreign, shipped, unshippable;
	size_t i;
	int r;

	queue_names_init(&foreign);
	queue_names_init(&shipped);
	queue_names_init(&unshippable);
	r = spool_scan(d->dirfd, &list);
	if (r != WGTAP_OK) {
		log_error("scan %s: %s", d->cfg->spool_dir, wgtap_strerror(r));
		goto out;
	}
	for (i = 0; i < list.n && r == WGTAP_OK; i++) {
		const struct spool_entry *e = &list.v[i];

		r = daemon_consider(d, e, &foreign);
		if (r == WGTAP_OK && e->kind == SPOOL_SEGMENT &&
		    queue_names_has(&d->shipped, e->name))
			r = queue_names_add(&shipped, e->name);
		if (r == WGTAP_OK && e->kind == SPOOL_SEGMENT &&
		    queue_names_has(&d->unshippable, e->name))
			r = queue_names_add(&unshippable, e->name);
	}
	if (r != WGTAP_OK) {
		log_error("scan %s: %s", d->cfg->spool_dir, wgtap_strerror(r));
		goto out;
	}
	log_debug("scan: %zu segments waiting", d->pending.n);
	/* keep only names that still exist */
	names_replace(&d->foreign, &foreign);
	names_replace(&d->shipped, &shipped);
	names_replace(&d->unshippable, &unshippable);
 out:
	queue_names_free(&foreign);
	queue_names_free(&shipped);
	queue_names_free(&unshippable);
	spool_list_free(&list);
	return r;
}

/*
 * Daemon: open the spool for one round of work. It is not kept open while
 * the daemon waits, or inotify would not report its removal (see watch.h).
 * Returns 0, or the errno of the failure (nothing is logged).
 */
static int
daemon_open(struct daemon *d)
{
	d->dirfd = open(d->cfg->spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return d->dirfd == -1 ? errno : 0;
}

/* Daemon: open the spool, or log why not and return false. */
static bool
daemon_open_or_log(struct daemon *d)
{
	int e = daemon_open(d);

	if (e != 0)
		log_error("spool %s: %s", d->cfg->spool_dir, strerror(e));
	return e == 0;
}

static void
daemon_close(struct daemon *d)
{
	if (d->dirfd != -1)
		close(d->dirfd);
	d->dirfd = -1;
}

/*
 * Daemon: look at name, which an event says is new. created: it was
 * created in place, so a segment is complete only when it is a further
 * link to a file (link(2) publishes a complete one; a file opened under a
 * final name may still be being written, and its close comes later).
 */
static void
daemon_look(struct daemon *d, const char *name, bool created)
{
	struct spool_entry e;
	struct stat st;

	if (fstatat(d->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return;		/* gone again (or shipped already) */
	spool_classify(name, &st, &e);
	if (created && e.kind == SPOOL_SEGMENT && st.st_nlink < 2)
		return;
	if (e.kind == SPOOL_SEGMENT && !queue_find(&d->pending, e.name))
		log_debug("%s appeared", e.name);
	if (daemon_consider(d, &e, &d->foreign) != WGTAP_OK) {
		/* out of memory: a later scan picks the name up again */
		d->rescan = true;
	}
}

/*
 * Daemon: name was deleted. Where rename(2) cannot refuse to replace, the
 * capture publishes a segment by linking the final name and unlinking the
 * temporary one; by the time the link's event is read the temporary name
 * may be gone already (one link left), and the close that follows is
 * reported under the temporary name. So a temporary name (or recovery's
 * copy) going away is the sign that its final name may be complete.
 */
static void
daemon_deleted(struct daemon *d, const char *name)
{
	struct spool_name n;
	char final[SPOOL_MAX_NAME];

	if (spool_name_parse_temp(name, &n) != WGTAP_OK &&
	    spool_name_parse_recovery(name, &n) != WGTAP_OK)
		return;
	if (spool_name_format(&n, final) != WGTAP_OK)
		return;
	daemon_look(d, final, false);
}

/* Daemon: one inotify event. */
static int
daemon_event(void *arg, const struct watch_event *ev)
{
	struct daemon *d = arg;

	switch (ev->kind) {
	case WATCH_OVERFLOW:
		log_warn("inotify queue overflow: rescanning %s",
		    d->cfg->spool_dir);
		d->rescan = true;
		return 0;
	case WATCH_GONE:
		log_error("the spool %s was removed or moved away",
		    d->cfg->spool_dir);
		d->fatal = true;
		return 1;
	case WATCH_READY:
	case WATCH_CREATED:
	case WATCH_DELETED:
		break;
	}
	if (d->dirfd == -1)
		return 0;	/* the spool could not be opened */
	if (ev->kind == WATCH_DELETED)
		daemon_deleted(d, ev->name);
	else
		daemon_look(d, ev->name, ev->kind == WATCH_CREATED);
	return 0;
}

/* Daemon: try the oldest pending segment once, and keep the books. */
static void
daemon_ship_one(struct daemon *d)
{
	struct queue_item *it = d->have_resume ?
	    queue_after(&d->pending, &d->resume) : queue_first(&d->pending);
	struct ship_report rep;
	struct outcome_try t;
	struct outcome o;
	enum ship_status st;
	char name[SPOOL_MAX_NAME];

	memcpy(name, it->name, sizeof(name));
	st = renew_ship(d->sc, d->dirfd, name, &it->parsed, &rep);
	memset(&t, 0, sizeof(t));
	t.mode = OUTCOME_DAEMON;
	t.shown = name;
	t.bucket = d->sc->bucket;
	t.keep = d->sc->keep;
	t.attempt = it->attempts + 1;
	t.failures = d->failures + 1;
	t.backoff_max_ms = d->cfg->backoff_max_ms;
	t.rnd = pace_random();
	t.reported = queue_names_has(&d->unshippable, name);
	outcome_decide(st, &rep, &t, &o);
	outcome_log(&o);
	shipstat_record(d->pace->stats, st, &rep, &o,
	    (int64_t)(wgtap_clock_ns(CLOCK_REALTIME) / 1000000000ULL));
	switch (o.next) {
	case OUTCOME_SHIPPED:
		d->failures = 0;
		d->have_resume = false;	/* back to the oldest */
		queue_names_remove(&d->unshippable, name);
		if (o.in_bucket && queue_names_add(&d->shipped, name) !=
		    WGTAP_OK)
			log_warn("out of memory: %s may be shipped again",
			    name);
		queue_remove(&d->pending, name);
		break;
	case OUTCOME_ELSEWHERE:
		queue_remove(&d->pending, name);
		if (o.look_again &&
		    d->next_scan > pace_now_ms() + BUSY_RESCAN_MS)
			d->next_scan = pace_now_ms() + BUSY_RESCAN_MS;
		break;
	case OUTCOME_RETRY:
		it->attempts++;
		d->failures++;
		/* Next time try the one after it: a file that keeps failing
		 * must not hold up the others. */
		d->resume = it->parsed;
		d->have_resume = true;
		d->next_try = pace_now_ms() + o.delay_ms;
		break;
	case OUTCOME_STOPPED:
		break;
	case OUTCOME_LEFT:
		/* Stored: not again until restart; else until the next scan
		 * finds it, and reported once. */
		(void)queue_names_add(o.in_bucket ? &d->shipped :
		    &d->unshippable, name);
		queue_remove(&d->pending, name);
		break;
	}
}

/*
 * Daemon: read the inotify events that are waiting. False after a failure
 * (logged): inotify failed, or the spool is gone or cannot be opened.
 */
static bool
daemon_events(struct daemon *d)
{
	int r, open_err;

	/* If the spool is gone, the events say how. */
	open_err = daemon_open(d);
	r = watch_read(&d->watch, daemon_event, d);
	daemon_close(d);
	if (r == WGTAP_ESYS) {
		log_error("inotify: %s", strerror(errno));
		return false;
	}
	if (d->fatal)
		return false;
	if (open_err != 0) {
		log_error("spool %s: %s", d->cfg->spool_dir,
		    strerror(open_err));
		return false;
	}
	return true;
}

/*
 * Daemon: one turn of the loop: a scan when one is due, one upload when
 * one is due, then wait for events or the next due time. False after a
 * failure (logged).
 */
static bool
daemon_turn(struct daemon *d)
{
	uint64_t now = pace_now_ms(), wait;
	int ready;

	if (d->rescan || now >= d->next_scan) {
		d->rescan = false;
		d->next_scan = now + RESCAN_MS;
		if (!daemon_open_or_log(d) || daemon_scan(d) != WGTAP_OK)
			return false;
		daemon_close(d);
		if (d->pace->stats)
			d->pace->stats->ready = true;	/* watching, scanned */
	}
	if (d->pending.n > 0 && now >= d->next_try) {
		if (!daemon_open_or_log(d))
			return false;
		daemon_ship_one(d);
		daemon_close(d);
		wait = 0;	/* read events, then ship the next */
	} else {
		wait = d->next_scan - now;
		if (d->pending.n > 0 && d->next_try - now < wait)
			wait = d->next_try - now;
	}
	if (d->pace->stats)
		d->pace->stats->queued = d->pending.n;
	if (d->pace->turn_cb) {
		d->pace->turn_cb(d->pace->turn_arg);
		if (wait > TURN_MS)
			wait = TURN_MS;
	}
	ready = pace_wait(d->pace, d->watch.fd, wait);
	if (ready == -1) {
		log_error("ppoll: %s", strerror(errno));
		return false;
	}
	return ready == 0 || daemon_events(d);
}

bool
daemon_run(const struct config *cfg, const struct ship_config *sc,
    const struct pace *p)
{
	struct daemon d;
	bool ok = false;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.sc = sc;
	d.pace = p;
	d.dirfd = -1;
	queue_init(&d.pending);
	queue_names_init(&d.foreign);
	queue_names_init(&d.unshippable);
	queue_names_init(&d.shipped);
	/* Watch first, then scan, so that nothing falls in between. */
	if (watch_open(&d.watch, cfg->spool_dir) != WGTAP_OK) {
		log_error("inotify on %s: %s", cfg->spool_dir, strerror(errno));
		goto out;
	}
	log_info("watching %s, shipping to s3://%s/%s", cfg->spool_dir,
	    cfg->bucket, cfg->prefix);
	d.rescan = true;
	while (!pace_stop(p)) {
		if (!daemon_turn(&d))
			goto out;
	}
	log_info("stopping on a signal");
	ok = true;
 out:
	daemon_close(&d);
	watch_close(&d.watch);
	queue_free(&d.pending);
	queue_names_free(&d.foreign);
	queue_names_free(&d.unshippable);
	queue_names_free(&d.shipped);
	return ok;
}
