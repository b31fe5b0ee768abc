// SPDX-License-Identifier: MIT
/*
 * A thin layer over inotify(7) for one directory. It turns raw events into
 * the few kinds the shipper acts on; it does not look at the files, keep
 * state or print.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "watch.h"
#include "wgtap.h"

#define WATCH_MASK	(IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | \
	IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define WATCH_BUF	(64 * (sizeof(struct inotify_event) + NAME_MAX + 1))

int
watch_open(struct watch *w, const char *path)
{
	int saved_errno;

	w->wd = -1;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd == -1)
		return WGTAP_ESYS;
	w->wd = inotify_add_watch(w->fd, path, WATCH_MASK);
	if (w->wd == -1) {
		saved_errno = errno;
		close(w->fd);
		w->fd = -1;
		errno = saved_errno;
		return WGTAP_ESYS;
	}
	return WGTAP_OK;
}

void
watch_close(struct watch *w)
{
	if (w->fd != -1)
		close(w->fd);
	w->fd = -1;
	w->wd = -1;
}

/* Map one raw event to what the shipper needs, or return false to skip. */
static bool
watch_map(const struct inotify_event *ie, struct watch_event *ev)
{
	ev->name = NULL;
	if (ie->mask & IN_Q_OVERFLOW) {
		ev->kind = WATCH_OVERFLOW;
		return true;
	}
	if (ie->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED |
	    IN_UNMOUNT)) {
		ev->kind = WATCH_GONE;
		return true;
	}
	if (ie->len == 0 || ie->name[0] == '\0')
		return false;
	ev->name = ie->name;
	if (ie->mask & (IN_MOVED_TO | IN_CLOSE_WRITE))
		ev->kind = WATCH_READY;
	else if (ie->mask & IN_CREATE)
		ev->kind = WATCH_CREATED;
	else if (ie->mask & IN_DELETE)
		ev->kind = WATCH_DELETED;
	else
		return false;
	return true;
}

int
watch_read(struct watch *w,
    int (*fn)(void *arg, const struct watch_event *ev), void *arg)
{
	char buf[WATCH_BUF]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ie;
	struct watch_event ev;
	ssize_t n;
	size_t off;
	int r;

	for (;;) {
		n = read(w->fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return WGTAP_OK;
		if (n == -1)
			return WGTAP_ESYS;
		if (n == 0) {
			errno = EIO;
			return WGTAP_ESYS;
		}
		/* inotify(7): whole events only, each followed by len bytes */
		for (off = 0; off + sizeof(*ie) <= (size_t)n;
		    off += sizeof(*ie) + ie->len) {
			ie = (const struct inotify_event *)(buf + off);
			if (ie->len > (size_t)n - off - sizeof(*ie)) {
				errno = EIO;
				return WGTAP_ESYS;
			}
			if (!watch_map(ie, &ev))
				continue;
			r = fn(arg, &ev);
			if (r != 0)
				return r;
		}
	}
}
