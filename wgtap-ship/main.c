// SPDX-License-Identifier: MIT
/*
 * wgtap-ship: uploads finished spool segments to S3 and deletes each one
 * after a verified upload (SPEC sections 3 and 4). This file owns the
 * process: the flags (parsed by config.c) and what they ask for, the
 * termination signals, the S3 client, the three modes (the watching
 * daemon, --once, explicit files) and the exit status: 0 done, 1 a file
 * could not be shipped or a run-time failure, 2 a usage or configuration
 * error. What each upload result means is outcome_decide()'s call.
 *
 * Signals: SIGTERM and SIGINT are blocked except while waiting in ppoll()
 * (pace_wait()), so the handler, which only sets a flag, cannot race the
 * loops. During an upload they stay blocked, and the transfer's progress
 * callback looks at the pending set to abort it promptly. The modes get
 * the same check as a callback, stop_cb(), the way the S3 client does.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "log.h"
#include "outcome.h"
#include "pace.h"
#include "queue.h"
#include "s3.h"
#include "ship.h"
#include "spool.h"
#include "watch.h"
#include "wgtap.h"

enum exit_code { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static volatile sig_atomic_t got_term;

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/*
 * The stop check of the modes and the S3 abort callback: a termination
 * signal was caught, or is pending while blocked.
 */
static int
stop_cb(void *arg)
{
	sigset_t set;

	(void)arg;
	if (got_term)
		return 1;
	if (sigpending(&set) == -1)
		return 0;
	return sigismember(&set, SIGTERM) == 1 ||
	    sigismember(&set, SIGINT) == 1;
}

/*
 * Catch SIGTERM and SIGINT but block them; *waitmask is the mask that lets
 * them in, for ppoll(). SIGPIPE is ignored.
 */
static void
signals_setup(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
}

/*
 * The S3 client for cfg and the credentials in *s3cfg. Returns EXIT_OK
 * and *out, or the exit status after one error line.
 */
static int
client_open(const struct config *cfg, struct s3_config *s3cfg,
    struct s3_client **out)
{
	int r;

	s3cfg->endpoint = cfg->endpoint;
	s3cfg->addressing = cfg->addressing;
	s3cfg->bucket = cfg->bucket;
	s3cfg->region = cfg->region;
	s3cfg->ca_file = cfg->ca_file;
	s3cfg->timeout = cfg->timeout;
	s3cfg->abort_cb = stop_cb;
	s3cfg->abort_arg = NULL;
	r = s3_client_new(s3cfg, out);
	if (r == WGTAP_OK)
		return EXIT_OK;
	if (cfg->ca_file && (r == WGTAP_ESYS || r == WGTAP_EFORMAT)) {
		log_error("--ca-file %s: %s", cfg->ca_file,
		    r == WGTAP_ESYS ? strerror(errno) :
		    "no PEM certificate in it");
		return EXIT_USAGE;
	}
	log_error("S3 client: %s", wgtap_strerror(r));
	return EXIT_FAIL;
}

#define RESCAN_MS		(60 * 1000)	/* safety-net full scan */
#define BUSY_RESCAN_MS		(5 * 1000)	/* after a file was locked */

/* State of the watching daemon (see daemon_run()). */
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

/* Daemon: one inotify event. */
static int
daemon_event(void *arg, const struct watch_event *ev)
{
	struct daemon *d = arg;
	struct spool_entry e;
	struct stat st;

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
		break;
	}
	if (d->dirfd == -1)
		return 0;	/* the spool could not be opened */
	if (fstatat(d->dirfd, ev->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;	/* gone again (or shipped already) */
	spool_classify(ev->name, &st, &e);
	/* A regular file just created may still be being written. */
	if (ev->kind == WATCH_CREATED && e.kind == SPOOL_SEGMENT)
		return 0;
	if (e.kind == SPOOL_SEGMENT)
		log_debug("%s appeared", e.name);
	if (daemon_consider(d, &e, &d->foreign) != WGTAP_OK) {
		/* out of memory: a later scan picks the name up again */
		d->rescan = true;
	}
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
	st = ship_file(d->sc, d->dirfd, name, &it->parsed, &rep);
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
	ready = pace_wait(d->pace, d->watch.fd, wait);
	if (ready == -1) {
		log_error("ppoll: %s", strerror(errno));
		return false;
	}
	return ready == 0 || daemon_events(d);
}

/*
 * The watching daemon: ship each segment as it appears, oldest first,
 * retrying failed uploads for ever, until p says stop. True after a stop
 * request; false after a run-time failure (logged).
 */
static bool
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

/* What every step of a batch run needs. */
struct batch {
	const struct config	*cfg;
	const struct ship_config *sc;
	const struct pace	*pace;
};

/*
 * Ship name (parsed: sn) in dirfd in the given mode until the policy says
 * it is done or left; shown is the name for log lines. Returns the last
 * decision: SHIPPED, ELSEWHERE, STOPPED or LEFT.
 */
static enum outcome_next
batch_ship(const struct batch *b, int dirfd, const char *name,
    const struct spool_name *sn, const char *shown, enum outcome_mode mode)
{
	struct ship_report rep;
	struct outcome_try t;
	struct outcome o;
	enum ship_status st;

	memset(&t, 0, sizeof(t));
	t.mode = mode;
	t.shown = shown;
	t.bucket = b->sc->bucket;
	t.keep = b->sc->keep;
	t.max_attempts = b->cfg->max_attempts;
	t.backoff_max_ms = b->cfg->backoff_max_ms;
	for (t.attempt = 1; ; t.attempt++) {
		if (pace_stop(b->pace))
			return OUTCOME_STOPPED;
		st = ship_file(b->sc, dirfd, name, sn, &rep);
		t.failures = t.attempt;
		t.rnd = pace_random();
		outcome_decide(st, &rep, &t, &o);
		outcome_log(&o);
		if (o.next != OUTCOME_RETRY)
			return o.next;
		if (st == SHIP_BUSY)
			t.was_busy = true;
		(void)pace_wait(b->pace, -1, o.delay_ms);
	}
}

/* The segments of list, shipped in its order (oldest first); summary. */
static bool
batch_list(const struct batch *b, int dirfd, const struct spool_list *list)
{
	size_t i, shipped = 0, elsewhere = 0, left = 0;

	for (i = 0; i < list->n; i++) {
		if (list->v[i].kind == SPOOL_FOREIGN)
			outcome_log_foreign(&list->v[i]);
	}
	for (i = 0; i < list->n; i++) {
		const struct spool_entry *e = &list->v[i];

		if (e->kind != SPOOL_SEGMENT)
			continue;
		switch (batch_ship(b, dirfd, e->name, &e->parsed, e->name,
		    OUTCOME_SPOOL)) {
		case OUTCOME_SHIPPED:
			shipped++;
			break;
		case OUTCOME_ELSEWHERE:
			elsewhere++;
			break;
		default:
			left++;
			break;
		}
	}
	log_info("done: %zu segments shipped, %zu shipped by another process, "
	    "%zu left in the spool", shipped, elsewhere, left);
	return left == 0;
}

/*
 * --once: ship every segment of the spool. True when none was left
 * behind; false when one stays, p said stop, or the spool cannot be read.
 */
static bool
batch_spool(const struct config *cfg, const struct ship_config *sc,
    const struct pace *p)
{
	const struct batch b = { cfg, sc, p };
	struct spool_list list = { NULL, 0, 0 };
	bool ok = false;
	int dirfd, r;

	dirfd = open(cfg->spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1) {
		log_error("spool %s: %s", cfg->spool_dir, strerror(errno));
		return false;
	}
	r = spool_scan(dirfd, &list);
	if (r != WGTAP_OK)
		log_error("scan %s: %s", cfg->spool_dir, wgtap_strerror(r));
	else
		ok = batch_list(&b, dirfd, &list);
	spool_list_free(&list);
	close(dirfd);
	return ok;
}

/* Open the directory part of path; *base points at the file name part. */
static int
open_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	size_t len;

	*base = slash ? slash + 1 : path;
	if (!slash)
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* One FILE: whether it was shipped, here or by another process. */
static bool
batch_file(const struct batch *b, const char *path)
{
	struct spool_name sn;
	enum outcome_next next;
	const char *base;
	int dirfd;

	dirfd = open_parent(path, &base);
	if (dirfd == -1) {
		log_error("cannot ship %s: %s", path, strerror(errno));
		return false;
	}
	if (spool_name_parse(base, &sn) != WGTAP_OK) {
		/* config_check() lets only segment names through */
		log_error("%s: not a segment file name", path);
		close(dirfd);
		return false;
	}
	next = batch_ship(b, dirfd, base, &sn, path, OUTCOME_FILE);
	close(dirfd);
	return next == OUTCOME_SHIPPED || next == OUTCOME_ELSEWHERE;
}

/* FILE...: ship each file. True when every one was shipped. */
static bool
batch_files(const struct config *cfg, const struct ship_config *sc,
    const struct pace *p)
{
	const struct batch b = { cfg, sc, p };
	bool ok = true;
	int i;

	for (i = 0; i < cfg->nfiles; i++) {
		if (pace_stop(p))
			return false;
		if (!batch_file(&b, cfg->files[i]))
			ok = false;
	}
	return ok;
}

/* Run the mode the flags ask for; the exit status. */
static int
run(const struct config *cfg, struct s3_client *s3, const sigset_t *waitmask)
{
	const struct pace p = { waitmask, stop_cb, NULL };
	struct ship_config sc;
	bool ok;

	sc.s3 = s3;
	sc.bucket = cfg->bucket;
	sc.prefix = cfg->prefix;
	sc.host = cfg->host;
	sc.keep = cfg->keep;
	if (cfg->nfiles > 0)
		ok = batch_files(cfg, &sc, &p);
	else if (cfg->once)
		ok = batch_spool(cfg, &sc, &p);
	else
		ok = daemon_run(cfg, &sc, &p);
	return ok ? EXIT_OK : EXIT_FAIL;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct s3_config s3cfg;
	struct s3_client *s3 = NULL;
	sigset_t waitmask;
	int code;

	log_init(CONFIG_PROG);
	/*
	 * The secret key is in our environment and, once read, in our heap:
	 * no core dump, and no ptrace by other processes of the same user.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		log_error("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
		return EXIT_FAIL;
	}
	switch (config_parse(argc, argv, &cfg)) {
	case CONFIG_HELP:
		config_usage(stdout);
		return EXIT_OK;
	case CONFIG_VERSION:
		printf("%s %s\n", CONFIG_PROG, WGTAP_VERSION);
		return EXIT_OK;
	case CONFIG_USAGE:
		return EXIT_USAGE;
	case CONFIG_RUN:
		break;
	}
	if (config_check(&cfg) != WGTAP_OK)
		return EXIT_USAGE;
	if (cfg.verbose)
		log_set_level(LOG_LVL_DEBUG);
	memset(&s3cfg, 0, sizeof(s3cfg));
	if (config_credentials(&s3cfg) != WGTAP_OK)
		return EXIT_USAGE;
	/* Termination signals only reach us inside ppoll(). */
	signals_setup(&waitmask);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("libcurl initialisation failed");
		return EXIT_FAIL;
	}
	code = client_open(&cfg, &s3cfg, &s3);
	if (code == EXIT_OK)
		code = run(&cfg, s3, &waitmask);
	s3_client_free(s3);
	curl_global_cleanup();
	return code;
}
