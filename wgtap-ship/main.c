// SPDX-License-Identifier: MIT
/*
 * wgtap-ship: uploads finished spool segments to S3 and deletes each one
 * after a verified upload (SPEC sections 3 and 4). This file owns the
 * process: the flags (parsed by config.c), signals, the three modes (the
 * watching daemon, --once, explicit files), their retry loops and every
 * log line about a segment. The work on one file is ship_file().
 *
 * Signals: SIGTERM and SIGINT are blocked except while waiting in ppoll(),
 * so the handler (which only sets a flag) cannot race the loop. During an
 * upload they stay blocked, and the transfer's progress callback looks at
 * the pending set to abort it promptly.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "log.h"
#include "queue.h"
#include "s3.h"
#include "ship.h"
#include "spool.h"
#include "watch.h"
#include "wgtap.h"

#define RESCAN_MS		(60 * 1000)	/* safety-net full scan */
#define BUSY_RESCAN_MS		(5 * 1000)	/* after a file was locked */

enum exit_code { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* State of the watching daemon. */
struct daemon {
	const struct config	*cfg;
	const struct ship_config *sc;
	int			 dirfd;
	struct watch		 watch;
	struct queue		 pending;
	struct queue_names	 foreign;	/* reported once each */
	struct queue_names	 unshippable;	/* local error, reported */
	struct queue_names	 shipped;	/* kept after upload */
	unsigned		 failures;	/* consecutive failed uploads */
	struct spool_name	 resume;	/* go on after this one ... */
	bool			 have_resume;	/* ... after a failure */
	uint64_t		 next_try;	/* monotonic ms */
	uint64_t		 next_scan;
	bool			 rescan;
	int			 fatal;		/* a run-time error: exit 1 */
};

static volatile sig_atomic_t got_term;

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* A termination signal was caught, or is pending while blocked. */
static bool
term_requested(void)
{
	sigset_t set;

	if (got_term)
		return true;
	if (sigpending(&set) == -1)
		return false;
	return sigismember(&set, SIGTERM) == 1 ||
	    sigismember(&set, SIGINT) == 1;
}

/* The s3 abort callback: stop a transfer when we are told to exit. */
static int
abort_cb(void *arg)
{
	(void)arg;
	return term_requested() ? 1 : 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t
random_u32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint32_t)now_ms() ^ (uint32_t)getpid();
	return v;
}

/* Whole seconds for a delay in a log line, rounded up. */
static unsigned long long
ms_to_s(uint64_t ms)
{
	return (unsigned long long)((ms + 999) / 1000);
}

/*
 * Wait until fd (if not -1) is readable, ms have passed, or a signal
 * arrives; the termination signals are unblocked only in here. Returns
 * 1 when fd is readable, 0 otherwise, -1 on a poll error.
 */
static int
wait_for(int fd, uint64_t ms, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts;
	int n;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	n = ppoll(fd == -1 ? NULL : &pfd, fd == -1 ? 0 : 1, &ts, waitmask);
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	return n > 0 && (pfd.revents & POLLIN) ? 1 : 0;
}

/* Log a verified upload. */
static void
log_uploaded(const struct config *cfg, const char *name,
    const struct ship_report *rep, unsigned attempt)
{
	log_info("uploaded %s to s3://%s/%s (%llu bytes, %.2f s, attempt %u)%s",
	    name, cfg->bucket, rep->key, (unsigned long long)rep->bytes,
	    rep->s3.secs, attempt, cfg->keep ? ", kept" : "");
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
			log_warn("leaving %s alone in the spool: %s", e->name,
			    e->why ? e->why : "not a segment");
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
	queue_names_free(&d->foreign);
	d->foreign = foreign;
	queue_names_init(&foreign);
	queue_names_free(&d->shipped);
	d->shipped = shipped;
	queue_names_init(&shipped);
	queue_names_free(&d->unshippable);
	d->unshippable = unshippable;
	queue_names_init(&unshippable);
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
		d->fatal = 1;
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

/* Daemon: try the oldest pending segment once. */
static void
daemon_ship_one(struct daemon *d)
{
	struct queue_item *it = d->have_resume ?
	    queue_after(&d->pending, &d->resume) : queue_first(&d->pending);
	struct ship_report rep;
	enum ship_status st;
	char name[SPOOL_MAX_NAME];
	uint64_t delay;

	memcpy(name, it->name, sizeof(name));
	st = ship_file(d->sc, d->dirfd, name, &it->parsed, &rep);
	switch (st) {
	case SHIP_DONE:
		log_uploaded(d->cfg, name, &rep, it->attempts + 1);
		d->failures = 0;
		d->have_resume = false;	/* back to the oldest */
		queue_names_remove(&d->unshippable, name);
		if (d->cfg->keep && queue_names_add(&d->shipped, name) !=
		    WGTAP_OK)
			log_warn("out of memory: %s may be shipped again",
			    name);
		queue_remove(&d->pending, name);
		break;
	case SHIP_GONE:
		log_debug("%s is gone: shipped by another process", name);
		queue_remove(&d->pending, name);
		break;
	case SHIP_BUSY:
		/* Another shipper has it; look again soon in case it fails. */
		log_debug("%s is being shipped by another process", name);
		queue_remove(&d->pending, name);
		if (d->next_scan > now_ms() + BUSY_RESCAN_MS)
			d->next_scan = now_ms() + BUSY_RESCAN_MS;
		break;
	case SHIP_FAILED:
		it->attempts++;
		d->failures++;
		/* Next time try the one after it: a file that keeps failing
		 * must not hold up the others. */
		d->resume = it->parsed;
		d->have_resume = true;
		delay = queue_backoff_ms(d->failures, d->cfg->backoff_max_ms,
		    random_u32());
		d->next_try = now_ms() + delay;
		log_error("upload %s: %s, retry in %llu s (attempt %u)", name,
		    rep.why, ms_to_s(delay), it->attempts);
		break;
	case SHIP_ABORTED:
		log_info("upload %s interrupted; it stays in the spool", name);
		break;
	case SHIP_LOCAL:
		if (!queue_names_has(&d->unshippable, name)) {
			log_error("cannot ship %s: %s; trying again at the "
			    "next scan", name, rep.why);
			(void)queue_names_add(&d->unshippable, name);
		}
		queue_remove(&d->pending, name);
		break;
	case SHIP_UNDELETED:
		log_error("%s: %s; it will not be shipped again until restart",
		    name, rep.why);
		(void)queue_names_add(&d->shipped, name);
		queue_remove(&d->pending, name);
		break;
	}
}

static int
run_daemon(const struct config *cfg, const struct ship_config *sc,
    const sigset_t *waitmask)
{
	struct daemon d;
	uint64_t now, wait;
	int r, ready, open_err, code = EXIT_FAIL;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.sc = sc;
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
	for (;;) {
		if (term_requested())
			break;
		now = now_ms();
		if (d.rescan || now >= d.next_scan) {
			d.rescan = false;
			d.next_scan = now + RESCAN_MS;
			if (!daemon_open_or_log(&d) ||
			    daemon_scan(&d) != WGTAP_OK)
				goto out;
			daemon_close(&d);
		}
		if (d.pending.n > 0 && now >= d.next_try) {
			if (!daemon_open_or_log(&d))
				goto out;
			daemon_ship_one(&d);
			daemon_close(&d);
			wait = 0;	/* read events, then ship the next */
		} else {
			wait = d.next_scan - now;
			if (d.pending.n > 0 && d.next_try - now < wait)
				wait = d.next_try - now;
		}
		ready = wait_for(d.watch.fd, wait, waitmask);
		if (ready == -1) {
			log_error("ppoll: %s", strerror(errno));
			goto out;
		}
		if (ready == 1) {
			/* If the spool is gone, the events say how. */
			open_err = daemon_open(&d);
			r = watch_read(&d.watch, daemon_event, &d);
			daemon_close(&d);
			if (r == WGTAP_ESYS) {
				log_error("inotify: %s", strerror(errno));
				goto out;
			}
			if (d.fatal)
				goto out;
			if (open_err != 0) {
				log_error("spool %s: %s", cfg->spool_dir,
				    strerror(open_err));
				goto out;
			}
		}
	}
	log_info("stopping on a signal");
	code = EXIT_OK;
 out:
	daemon_close(&d);
	watch_close(&d.watch);
	queue_free(&d.pending);
	queue_names_free(&d.foreign);
	queue_names_free(&d.unshippable);
	queue_names_free(&d.shipped);
	return code;
}

/* How a --once or FILE... run ended for one file. */
enum once_result {
	ONCE_SHIPPED,		/* uploaded by us */
	ONCE_ELSEWHERE,		/* shipped (or being shipped) by another */
	ONCE_FAILED,		/* left in place */
};

/*
 * --once and FILE...: ship name (parsed: sn) in dirfd, retrying failed
 * uploads up to --max-attempts times with backoff. shown is the name for
 * log lines. In
 * file mode (must_exist) a missing file is a failure, and a locked one is
 * waited for, since the user asked for exactly this file.
 */
static enum once_result
ship_with_retries(const struct config *cfg, const struct ship_config *sc,
    int dirfd, const char *name, const struct spool_name *sn,
    const char *shown, bool must_exist, const sigset_t *waitmask)
{
	struct ship_report rep;
	unsigned attempt;
	uint64_t delay;
	bool was_busy = false;
	int n;

	for (attempt = 1; ; attempt++) {
		if (term_requested())
			return ONCE_FAILED;
		switch (ship_file(sc, dirfd, name, sn, &rep)) {
		case SHIP_DONE:
			log_uploaded(cfg, shown, &rep, attempt);
			return ONCE_SHIPPED;
		case SHIP_GONE:
			if (must_exist && !was_busy) {
				log_error("cannot ship %s: no such file",
				    shown);
				return ONCE_FAILED;
			}
			log_debug("%s was shipped by another process", shown);
			return ONCE_ELSEWHERE;
		case SHIP_BUSY:
			if (!must_exist) {
				log_debug("%s is being shipped by another "
				    "process", shown);
				return ONCE_ELSEWHERE;
			}
			was_busy = true;
			n = snprintf(rep.why, sizeof(rep.why), "locked by "
			    "another shipper");
			if (n < 0)
				rep.why[0] = '\0';
			break;
		case SHIP_FAILED:
			break;
		case SHIP_ABORTED:
			log_info("upload %s interrupted; it stays in place",
			    shown);
			return ONCE_FAILED;
		case SHIP_LOCAL:
		case SHIP_UNDELETED:
			log_error("cannot ship %s: %s", shown, rep.why);
			return ONCE_FAILED;
		}
		if (attempt >= cfg->max_attempts) {
			log_error("upload %s: %s; giving up after %u attempts, "
			    "the file stays in place", shown, rep.why, attempt);
			return ONCE_FAILED;
		}
		delay = queue_backoff_ms(attempt, cfg->backoff_max_ms,
		    random_u32());
		log_error("upload %s: %s, retry in %llu s (attempt %u of %u)",
		    shown, rep.why, ms_to_s(delay), attempt, cfg->max_attempts);
		wait_for(-1, delay, waitmask);
	}
}

static int
run_once(const struct config *cfg, const struct ship_config *sc, int dirfd,
    const sigset_t *waitmask)
{
	struct spool_list list = { NULL, 0, 0 };
	size_t i, count[3] = { 0, 0, 0 };
	int r;

	r = spool_scan(dirfd, &list);
	if (r != WGTAP_OK) {
		log_error("scan %s: %s", cfg->spool_dir, wgtap_strerror(r));
		return EXIT_FAIL;
	}
	for (i = 0; i < list.n; i++) {
		const struct spool_entry *e = &list.v[i];

		if (e->kind == SPOOL_FOREIGN)
			log_warn("leaving %s alone in the spool: %s", e->name,
			    e->why ? e->why : "not a segment");
	}
	for (i = 0; i < list.n; i++) {
		const struct spool_entry *e = &list.v[i];

		if (e->kind != SPOOL_SEGMENT)
			continue;
		if (term_requested()) {
			count[ONCE_FAILED]++;
			continue;
		}
		count[ship_with_retries(cfg, sc, dirfd, e->name, &e->parsed,
		    e->name, false, waitmask)]++;
	}
	log_info("done: %zu segments shipped, %zu shipped by another process, "
	    "%zu left in the spool", count[ONCE_SHIPPED],
	    count[ONCE_ELSEWHERE], count[ONCE_FAILED]);
	spool_list_free(&list);
	return count[ONCE_FAILED] ? EXIT_FAIL : EXIT_OK;
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

static int
run_files(const struct config *cfg, const struct ship_config *sc,
    const sigset_t *waitmask)
{
	struct spool_name sn;
	const char *base;
	int i, dirfd, failed = 0;

	for (i = 0; i < cfg->nfiles && !term_requested(); i++) {
		dirfd = open_parent(cfg->files[i], &base);
		if (dirfd == -1) {
			log_error("cannot ship %s: %s", cfg->files[i],
			    strerror(errno));
			failed++;
			continue;
		}
		/* config_check() let only segment names through */
		if (spool_name_parse(base, &sn) != WGTAP_OK ||
		    ship_with_retries(cfg, sc, dirfd, base, &sn, cfg->files[i],
		    true, waitmask) == ONCE_FAILED)
			failed++;
		close(dirfd);
	}
	if (i < cfg->nfiles)
		failed++;
	return failed ? EXIT_FAIL : EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct s3_config s3cfg;
	struct ship_config sc;
	struct s3_client *s3 = NULL;
	struct sigaction sa;
	sigset_t block, waitmask;
	int code, r, dirfd = -1;
	bool curl_up = false;

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
	code = EXIT_USAGE;
	memset(&s3cfg, 0, sizeof(s3cfg));
	if (config_credentials(&s3cfg) != WGTAP_OK)
		goto out;
	s3cfg.endpoint = cfg.endpoint;
	s3cfg.addressing = cfg.addressing;
	s3cfg.bucket = cfg.bucket;
	s3cfg.region = cfg.region;
	s3cfg.ca_file = cfg.ca_file;
	s3cfg.timeout = cfg.timeout;
	s3cfg.abort_cb = abort_cb;

	/* Termination signals only reach us inside ppoll(). */
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
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	code = EXIT_FAIL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("libcurl initialisation failed");
		goto out;
	}
	curl_up = true;
	r = s3_client_new(&s3cfg, &s3);
	if (r != WGTAP_OK) {
		if (cfg.ca_file && (r == WGTAP_ESYS || r == WGTAP_EFORMAT)) {
			log_error("--ca-file %s: %s", cfg.ca_file,
			    r == WGTAP_ESYS ? strerror(errno) :
			    "no PEM certificate in it");
			code = EXIT_USAGE;
		} else {
			log_error("S3 client: %s", wgtap_strerror(r));
		}
		goto out;
	}
	sc.s3 = s3;
	sc.bucket = cfg.bucket;
	sc.prefix = cfg.prefix;
	sc.host = cfg.host;
	sc.keep = cfg.keep;
	if (cfg.nfiles > 0) {
		code = run_files(&cfg, &sc, &waitmask);
		goto out;
	}
	if (!cfg.once) {
		code = run_daemon(&cfg, &sc, &waitmask);
		goto out;
	}
	dirfd = open(cfg.spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1) {
		log_error("spool %s: %s", cfg.spool_dir, strerror(errno));
		goto out;
	}
	code = run_once(&cfg, &sc, dirfd, &waitmask);
 out:
	if (dirfd != -1)
		close(dirfd);
	s3_client_free(s3);
	if (curl_up)
		curl_global_cleanup();
	return code;
}
