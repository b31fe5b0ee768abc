// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/watch.c against a real directory and inotify: a
 * name moved in and a file closed after writing are READY, a file created
 * in place is CREATED first, a new link is CREATED and a removed name
 * DELETED, a removed or moved-away directory is GONE,
 * a full kernel queue is OVERFLOW, and a callback can stop the reading.
 * inotify queues an event before the system call that caused it returns,
 * so each check reads right after the change; nothing waits on a clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "watch.h"
#include "wgtap.h"

#define MAX_SEEN	64

/* What the callback saw, as "KIND name" lines. */
struct seen {
	char	ev[MAX_SEEN][64];
	size_t	n;
	size_t	stop_after;	/* 0: never stop early */
	size_t	overflows;
};

static const char *
kind_name(enum watch_kind k)
{
	switch (k) {
	case WATCH_READY:
		return "READY";
	case WATCH_CREATED:
		return "CREATED";
	case WATCH_DELETED:
		return "DELETED";
	case WATCH_OVERFLOW:
		return "OVERFLOW";
	case WATCH_GONE:
		return "GONE";
	}
	return "?";
}

static int
record(void *arg, const struct watch_event *ev)
{
	struct seen *s = arg;

	if (ev->kind == WATCH_OVERFLOW)
		s->overflows++;
	if (s->n < MAX_SEEN) {
		snprintf(s->ev[s->n], sizeof(s->ev[0]), "%s %s",
		    kind_name(ev->kind), ev->name ? ev->name : "-");
		s->n++;
	}
	if (s->stop_after && s->n >= s->stop_after)
		return 7;
	return 0;
}

static void
seen_reset(struct seen *s)
{
	memset(s, 0, sizeof(*s));
}

START_TEST(test_watch_read_moved_in)
{
	struct watch w;
	struct seen s;
	struct tdir t;

	tdir_make(&t);
	ck_assert_int_eq(watch_open(&w, t.path), WGTAP_OK);
	ck_assert_int_ne(w.fd, -1);
	seen_reset(&s);
	/* nothing happened yet: nothing to read, and no blocking */
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.n, 0);
	/* the capture's way: write a temporary name, rename it */
	tfile_write(t.fd, ".seg.part", "x\n");
	ck_assert_int_eq(renameat(t.fd, ".seg.part", t.fd, "seg.csv"), 0);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.ev[0], "CREATED .seg.part");
	ck_assert_str_eq(s.ev[1], "READY .seg.part");	/* closed */
	ck_assert_str_eq(s.ev[2], "READY seg.csv");	/* moved in */
	/* read once: nothing is left */
	seen_reset(&s);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.n, 0);
	watch_close(&w);
	ck_assert_int_eq(w.fd, -1);
	watch_close(&w);	/* harmless twice */
	tdir_remove(&t);
}
END_TEST

/* Moved in from another directory of the same file system. */
START_TEST(test_watch_read_moved_from_elsewhere)
{
	struct tdir t, other;
	struct watch w;
	struct seen s;

	tdir_make(&t);
	tdir_make(&other);
	tfile_write(other.fd, "seg.csv.gz", "x\n");
	ck_assert_int_eq(watch_open(&w, t.path), WGTAP_OK);
	seen_reset(&s);
	ck_assert_int_eq(renameat(other.fd, "seg.csv.gz", t.fd, "seg.csv.gz"),
	    0);
	/* a name moved out is not an event for the shipper */
	tfile_write(t.fd, "gone", "");
	ck_assert_int_eq(renameat(t.fd, "gone", other.fd, "gone"), 0);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.ev[0], "READY seg.csv.gz");
	ck_assert_str_eq(s.ev[1], "CREATED gone");
	ck_assert_str_eq(s.ev[2], "READY gone");
	watch_close(&w);
	tdir_remove(&t);
	tdir_remove(&other);
}
END_TEST

/* A file created and still open is CREATED only, until it is closed. */
START_TEST(test_watch_read_created_then_closed)
{
	struct watch w;
	struct seen s;
	struct tdir t;
	int fd;

	tdir_make(&t);
	ck_assert_int_eq(watch_open(&w, t.path), WGTAP_OK);
	seen_reset(&s);
	fd = openat(t.fd, "writing", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.ev[0], "CREATED writing");
	close(fd);
	seen_reset(&s);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.ev[0], "READY writing");
	/* a directory made in the spool is CREATED too (the caller lstat()s) */
	seen_reset(&s);
	ck_assert_int_eq(mkdirat(t.fd, "subdir", 0755), 0);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.ev[0], "CREATED subdir");
	watch_close(&w);
	tdir_remove(&t);
}
END_TEST

/*
 * The capture's way where rename cannot refuse to replace: link the final
 * name to the temporary one, then unlink the temporary one. The link is
 * CREATED (the caller sees two links), the unlink DELETED.
 */
START_TEST(test_watch_read_linked_in)
{
	struct watch w;
	struct seen s;
	struct tdir t;

	tdir_make(&t);
	tfile_write(t.fd, ".seg.csv.gz.part", "x\n");
	ck_assert_int_eq(watch_open(&w, t.path), WGTAP_OK);
	seen_reset(&s);
	ck_assert_int_eq(linkat(t.fd, ".seg.csv.gz.part", t.fd, "seg.csv.gz",
	    0), 0);
	ck_assert_int_eq(unlinkat(t.fd, ".seg.csv.gz.part", 0), 0);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.ev[0], "CREATED seg.csv.gz");
	ck_assert_str_eq(s.ev[1], "DELETED .seg.csv.gz.part");
	/* any name removed is DELETED, whoever removes it */
	seen_reset(&s);
	ck_assert_int_eq(unlinkat(t.fd, "seg.csv.gz", 0), 0);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.ev[0], "DELETED seg.csv.gz");
	watch_close(&w);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_watch_read_dir_removed)
{
	struct watch w;
	struct seen s;
	struct tdir t;

	tdir_make(&t);
	ck_assert_int_eq(watch_open(&w, t.path), WGTAP_OK);
	/* IN_DELETE_SELF comes once the last reference is gone */
	close(t.fd);
	t.fd = -1;
	ck_assert_int_eq(rmdir(t.path), 0);
	seen_reset(&s);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_ge(s.n, 1);
	ck_assert_str_eq(s.ev[0], "GONE -");
	watch_close(&w);
}
END_TEST

START_TEST(test_watch_read_dir_moved)
{
	char moved[sizeof(((struct tdir *)0)->path) + 8];
	struct watch w;
	struct seen s;
	struct tdir t;

	tdir_make(&t);
	ck_assert_int_eq(watch_open(&w, t.path), WGTAP_OK);
	snprintf(moved, sizeof(moved), "%s.moved", t.path);
	ck_assert_int_eq(rename(t.path, moved), 0);
	seen_reset(&s);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.ev[0], "GONE -");
	watch_close(&w);
	ck_assert_int_eq(rename(moved, t.path), 0);
	tdir_remove(&t);
}
END_TEST

/* A non-zero return from the callback stops the reading and comes back. */
START_TEST(test_watch_read_callback_stops)
{
	struct watch w;
	struct seen s;
	struct tdir t;

	tdir_make(&t);
	ck_assert_int_eq(watch_open(&w, t.path), WGTAP_OK);
	tfile_write(t.fd, "a", "");
	tfile_write(t.fd, "b", "");
	seen_reset(&s);
	s.stop_after = 1;
	ck_assert_int_eq(watch_read(&w, record, &s), 7);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.ev[0], "CREATED a");
	watch_close(&w);
	tdir_remove(&t);
}
END_TEST

/* More events than the kernel queues: OVERFLOW, and the caller rescans. */
START_TEST(test_watch_read_overflow)
{
	unsigned long max = 0;
	struct watch w;
	struct seen s;
	struct tdir t;
	unsigned long i;
	FILE *f;
	int fd;

	f = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%lu", &max), 1);
	fclose(f);
	ck_assert_uint_gt(max, 0);
	ck_assert_uint_le(max, 1000000);
	tdir_make(&t);
	tfile_write(t.fd, "a", "");
	tfile_write(t.fd, "b", "");
	ck_assert_int_eq(watch_open(&w, t.path), WGTAP_OK);
	/* alternate names: the kernel folds only identical neighbours */
	for (i = 0; i < max + 2; i++) {
		fd = openat(t.fd, i % 2 ? "b" : "a", O_WRONLY | O_CLOEXEC);
		ck_assert_int_ne(fd, -1);
		close(fd);
	}
	seen_reset(&s);
	ck_assert_int_eq(watch_read(&w, record, &s), WGTAP_OK);
	ck_assert_uint_eq(s.overflows, 1);
	watch_close(&w);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_watch_open_missing)
{
	struct watch w;
	struct tdir t;
	char path[sizeof(t.path) + 8];

	tdir_make(&t);
	snprintf(path, sizeof(path), "%s/nope", t.path);
	ck_assert_int_eq(watch_open(&w, path), WGTAP_ESYS);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(w.fd, -1);
	/* not a directory (IN_ONLYDIR) */
	tfile_write(t.fd, "file", "");
	snprintf(path, sizeof(path), "%s/file", t.path);
	ck_assert_int_eq(watch_open(&w, path), WGTAP_ESYS);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_int_eq(w.fd, -1);
	tdir_remove(&t);
}
END_TEST

Suite *
watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc;

	tc = tcase_create("watch_open");
	tcase_add_test(tc, test_watch_open_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("watch_read");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_watch_read_moved_in);
	tcase_add_test(tc, test_watch_read_moved_from_elsewhere);
	tcase_add_test(tc, test_watch_read_created_then_closed);
	tcase_add_test(tc, test_watch_read_linked_in);
	tcase_add_test(tc, test_watch_read_dir_removed);
	tcase_add_test(tc, test_watch_read_dir_moved);
	tcase_add_test(tc, test_watch_read_callback_stops);
	tcase_add_test(tc, test_watch_read_overflow);
	suite_add_tcase(s, tc);
	return s;
}
