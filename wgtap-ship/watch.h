/* SPDX-License-Identifier: MIT */
/*
 * inotify on the spool directory (SPEC section 3): names that may have
 * become shippable (moved in, or closed after writing), names that were
 * created (to report foreign entries early, and for links to a complete
 * file), names that were deleted (a temporary name gone may mean its final
 * name is complete), a queue overflow (the caller must rescan), and the
 * spool itself going away. Nothing here decides what a name is; the
 * caller classifies it with spool_classify().
 *
 * Removing the directory raises IN_DELETE_SELF only once the last
 * reference to it is gone: a caller that wants to hear of it must not keep
 * the directory open between events.
 */
#ifndef WGTAP_WATCH_H
#define WGTAP_WATCH_H

#include <stdbool.h>

enum watch_kind {
	WATCH_READY,		/* moved in, or closed after writing */
	WATCH_CREATED,		/* created in place (maybe still written),
				 * or a new link to a file */
	WATCH_DELETED,		/* removed from the directory */
	WATCH_OVERFLOW,		/* events were lost: rescan */
	WATCH_GONE,		/* the directory was deleted or moved */
};

struct watch_event {
	enum watch_kind	 kind;
	const char	*name;	/* for READY, CREATED and DELETED; valid in
				 * the call */
};

struct watch {
	int	fd;	/* the inotify descriptor, for poll(); -1 when closed */
	int	wd;
};

/*
 * Start watching the directory path. Returns WGTAP_OK, or WGTAP_ESYS with
 * errno set (w->fd is -1 then).
 */
int watch_open(struct watch *w, const char *path);

/* Stop watching; harmless on a closed watch. */
void watch_close(struct watch *w);

/*
 * Read every event that is waiting (the descriptor is non-blocking) and
 * call fn for each in order; a non-zero return from fn stops early and is
 * returned. Returns WGTAP_OK or WGTAP_ESYS with errno set.
 */
int watch_read(struct watch *w,
    int (*fn)(void *arg, const struct watch_event *ev), void *arg);

#endif
