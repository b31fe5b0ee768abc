// SPDX-License-Identifier: MIT
/*
 * --once and FILE...: each segment is shipped with up to --max-attempts
 * tries and a backoff between them, and outcome_decide() says after each
 * try whether it is done, retried or left. The one difference between the
 * two modes is in that policy (OUTCOME_SPOOL, OUTCOME_FILE); here they
 * differ only in how they find their segments: a spool scan, or the
 * directory and name of each FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "log.h"
#include "outcome.h"
#include "renew.h"
#include "shipstat.h"
#include "spool.h"
#include "wgtap.h"

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
		st = renew_ship(b->sc, dirfd, name, sn, &rep);
		t.failures = t.attempt;
		t.rnd = pace_random();
		outcome_decide(st, &rep, &t, &o);
		outcome_log(&o);
		shipstat_record(b->pace->stats, st, &rep, &o,
		    (int64_t)(wgtap_clock_ns(CLOCK_REALTIME) / 1000000000ULL));
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

bool
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

bool
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
