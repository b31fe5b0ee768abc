// SPDX-License-Identifier: MIT
/*
 * Tests for common/atomicio.c on real files and pipes: whole transfers
 * through short writes (a one-page pipe drained slowly, the writer hit by
 * signals without SA_RESTART), EINTR in a blocked read, short reads, the
 * end of a file, EAGAIN on a full non-blocking pipe with the count to go
 * on from, EPIPE and EBADF; pwrite at an offset, and cut short by the
 * file size limit with the count of what made it. Each signal test first
 * shows that a bare system call in the same setup does come back short or
 * with EINTR.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "check_wgtap.h"
#include "wgtap.h"

#define PIPE_PAGE	4096
#define BIG		(256 * 1024)
#define WAIT_TRIES	5000	/* of 1 ms: how long a thread may take */

static volatile sig_atomic_t signals_seen;

static void
on_usr1(int sig)
{
	(void)sig;
	signals_seen++;
}

/* SIGUSR1 interrupts system calls (no SA_RESTART) and is counted. */
static void
catch_usr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	signals_seen = 0;
}

static void
pause_1ms(void)
{
	struct timespec ts = { 0, 1000000L };

	nanosleep(&ts, NULL);
}

/* A pipe of one page, so that a larger write has to wait for the reader. */
static void
small_pipe(int p[2])
{
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(fcntl(p[1], F_SETPIPE_SZ, PIPE_PAGE), PIPE_PAGE);
}

static void
fill_pattern(char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (char)(i * 7 + i / 251);
}

/* A scratch file holding n bytes of the pattern, open for reading. */
static int
pattern_file(struct tdir *t, const char *name, size_t n)
{
	char *buf = malloc(n ? n : 1);
	int fd;

	ck_assert_ptr_nonnull(buf);
	fill_pattern(buf, n);
	fd = openat(t->fd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	free(buf);
	return fd;
}

/*
 * The slow reader: reads at most 1000 bytes at a time until the end of
 * the pipe, and after each read sends SIGUSR1 to the writing thread.
 */
struct slow_reader {
	pthread_t	 writer;
	int		 fd;
	char		*got;
	size_t		 len, cap;
};

static void *
slow_reader_main(void *arg)
{
	struct slow_reader *sr = arg;
	ssize_t n;

	for (;;) {
		size_t want = sr->cap - sr->len < 1000 ? sr->cap - sr->len : 1000;

		n = read(sr->fd, sr->got + sr->len, want);
		if (n <= 0)
			break;
		sr->len += (size_t)n;
		pthread_kill(sr->writer, SIGUSR1);
	}
	return NULL;
}

static void
slow_reader_start(struct slow_reader *sr, pthread_t *tid, int fd, size_t cap)
{
	memset(sr, 0, sizeof(*sr));
	sr->writer = pthread_self();
	sr->fd = fd;
	sr->cap = cap;
	sr->got = malloc(cap);
	ck_assert_ptr_nonnull(sr->got);
	ck_assert_int_eq(pthread_create(tid, NULL, slow_reader_main, sr), 0);
}

START_TEST(test_atomicio_write_short_writes)
{
	struct slow_reader sr;
	pthread_t tid;
	char *buf = malloc(BIG);
	size_t done = 0;
	ssize_t w;
	int p[2];

	ck_assert_ptr_nonnull(buf);
	fill_pattern(buf, BIG);
	catch_usr1();

	/* The control: one bare write(2) here comes back short. */
	small_pipe(p);
	slow_reader_start(&sr, &tid, p[0], BIG);
	w = write(p[1], buf, BIG);
	ck_assert_int_gt(w, 0);
	ck_assert_int_lt(w, BIG);
	close(p[1]);
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	ck_assert_uint_eq(sr.len, (size_t)w);
	close(p[0]);
	free(sr.got);

	/* The same setup: atomicio_write() moves every byte, in order. */
	small_pipe(p);
	slow_reader_start(&sr, &tid, p[0], BIG);
	signals_seen = 0;
	ck_assert_int_eq(atomicio_write(p[1], buf, BIG, &done), WGTAP_OK);
	ck_assert_uint_eq(done, BIG);
	close(p[1]);
	ck_assert_int_eq(pthread_join(tid, NULL), 0);
	ck_assert_int_gt(signals_seen, 0);
	ck_assert_uint_eq(sr.len, BIG);
	ck_assert_int_eq(memcmp(sr.got, buf, BIG), 0);
	close(p[0]);
	free(sr.got);
	free(buf);
}
END_TEST

/*
 * Read every byte that is in the non-blocking pipe now; cap leaves room
 * for one byte more than expected, so a surplus would show.
 */
static size_t
drain_nonblocking(int fd, char *to, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, to + len, cap - len);
		if (n == -1 && errno == EAGAIN)
			break;
		ck_assert_int_gt(n, 0);
		len += (size_t)n;
	}
	return len;
}

START_TEST(test_atomicio_write_nonblocking_resume)
{
	char *buf = malloc(BIG), *got = malloc(BIG + 1);
	size_t pos = 0, len = 0, done;
	int p[2], r, rounds = 0;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(got);
	fill_pattern(buf, BIG);
	small_pipe(p);
	ck_assert_int_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);

	/* A full pipe: EAGAIN, and the count says one page went in. */
	done = 12345;
	r = atomicio_write(p[1], buf, BIG, &done);
	ck_assert_int_eq(r, WGTAP_ESYS);
	ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
	ck_assert_uint_eq(done, PIPE_PAGE);
	ck_assert_uint_eq(drain_nonblocking(p[0], got, BIG + 1), PIPE_PAGE);
	ck_assert_int_eq(memcmp(got, buf, PIPE_PAGE), 0);
	len = pos = PIPE_PAGE;

	/* Going on from the count: every byte arrives once, in order. */
	for (;;) {
		r = atomicio_write(p[1], buf + pos, BIG - pos, &done);
		pos += done;
		len += drain_nonblocking(p[0], got + len, BIG + 1 - len);
		rounds++;
		if (r == WGTAP_OK)
			break;
		ck_assert_int_eq(r, WGTAP_ESYS);
		ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
		ck_assert_uint_eq(len, pos);
	}
	ck_assert_uint_eq(pos, BIG);
	ck_assert_uint_eq(len, BIG);
	ck_assert_int_eq(memcmp(got, buf, BIG), 0);
	ck_assert_int_eq(rounds, BIG / PIPE_PAGE - 1);
	close(p[0]);
	close(p[1]);
	free(buf);
	free(got);
}
END_TEST

START_TEST(test_atomicio_write_file)
{
	char *buf = malloc(BIG), *back = malloc(BIG);
	struct tdir t;
	size_t done = 0;
	int fd;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(back);
	fill_pattern(buf, BIG);
	tdir_make(&t);
	fd = openat(t.fd, "f", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(atomicio_write(fd, buf, BIG, &done), WGTAP_OK);
	ck_assert_uint_eq(done, BIG);
	/* done may be NULL; nothing to write is a success. */
	ck_assert_int_eq(atomicio_write(fd, "tail", 4, NULL), WGTAP_OK);
	ck_assert_int_eq(atomicio_write(fd, buf, 0, &done), WGTAP_OK);
	ck_assert_uint_eq(done, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END), BIG + 4);
	ck_assert_int_eq(pread(fd, back, BIG, 0), BIG);
	ck_assert_int_eq(memcmp(back, buf, BIG), 0);
	ck_assert_int_eq(pread(fd, back, 4, BIG), 4);
	ck_assert_int_eq(memcmp(back, "tail", 4), 0);
	close(fd);
	tdir_remove(&t);
	free(buf);
	free(back);
}
END_TEST

START_TEST(test_atomicio_write_errors)
{
	struct sigaction sa, old;
	size_t done = 99;
	int p[2], fd;

	/* The reader is gone: EPIPE (SIGPIPE ignored, as both programs do). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	ck_assert_int_eq(sigaction(SIGPIPE, &sa, &old), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	ck_assert_int_eq(atomicio_write(p[1], "x", 1, &done), WGTAP_ESYS);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_uint_eq(done, 0);
	close(p[1]);
	sigaction(SIGPIPE, &old, NULL);

	/* A descriptor open for reading only. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	done = 99;
	ck_assert_int_eq(atomicio_write(fd, "x", 1, &done), WGTAP_ESYS);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_uint_eq(done, 0);
	close(fd);
}
END_TEST

/* The blocked reader: a bare read(2), then atomicio_read(), on one pipe. */
struct blocked_reader {
	int		 fd;
	_Atomic pid_t	 tid;
	ssize_t		 bare;		/* what the bare read returned */
	int		 bare_errno;
	int		 r;		/* what atomicio_read returned */
	size_t		 done;
	char		 got[64];
};

static void *
blocked_reader_main(void *arg)
{
	struct blocked_reader *br = arg;
	char c;

	br->tid = gettid();
	br->bare = read(br->fd, &c, 1);
	br->bare_errno = errno;
	br->r = atomicio_read(br->fd, br->got, sizeof(br->got), &br->done);
	return NULL;
}

/*
 * Wait until thread tid sleeps in read(2): /proc names the system call a
 * blocked thread is in.
 */
static void
wait_blocked_in_read(pid_t tid)
{
	char path[64], text[64];
	int i, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	for (i = 0; i < WAIT_TRIES; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ck_assert_int_ne(fd, -1);
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		ck_assert_int_gt(n, 0);
		text[n] = '\0';
		if (strtol(text, NULL, 10) == SYS_read &&
		    strncmp(text, "running", 7) != 0)
			return;
		pause_1ms();
	}
	ck_abort_msg("thread %d never blocked in read(2): %s", (int)tid, text);
}

/* Wait until the reader took everything written so far and blocks again. */
static void
wait_consumed(int fd, pid_t tid)
{
	int i, left = -1;

	for (i = 0; i < WAIT_TRIES; i++) {
		ck_assert_int_eq(ioctl(fd, FIONREAD, &left), 0);
		if (left == 0)
			break;
		pause_1ms();
	}
	ck_assert_int_eq(left, 0);
	wait_blocked_in_read(tid);
}

static void
wait_signals(int n)
{
	int i;

	for (i = 0; i < WAIT_TRIES && signals_seen < n; i++)
		pause_1ms();
	ck_assert_int_eq(signals_seen, n);
}

START_TEST(test_atomicio_read_eintr_and_short_reads)
{
	struct blocked_reader br;
	pthread_t th;
	char want[64];
	int p[2];

	fill_pattern(want, sizeof(want));
	catch_usr1();
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	memset(&br, 0, sizeof(br));
	br.fd = p[0];
	ck_assert_int_eq(pthread_create(&th, NULL, blocked_reader_main, &br), 0);
	while (br.tid == 0)
		pause_1ms();

	/* The control: a signal makes the bare read(2) fail with EINTR. */
	wait_blocked_in_read(br.tid);
	pthread_kill(th, SIGUSR1);
	wait_signals(1);
	/* Now in atomicio_read(): the same signal is absorbed. */
	wait_blocked_in_read(br.tid);
	pthread_kill(th, SIGUSR1);
	wait_signals(2);
	/* Three short pieces, each read(2) by itself: one whole result. */
	wait_blocked_in_read(br.tid);
	ck_assert_int_eq(write(p[1], want, 10), 10);
	wait_consumed(p[0], br.tid);
	ck_assert_int_eq(write(p[1], want + 10, 1), 1);
	wait_consumed(p[0], br.tid);
	pthread_kill(th, SIGUSR1);
	wait_signals(3);
	wait_blocked_in_read(br.tid);
	ck_assert_int_eq(write(p[1], want + 11, sizeof(want) - 11),
	    (ssize_t)(sizeof(want) - 11));
	ck_assert_int_eq(pthread_join(th, NULL), 0);

	ck_assert_int_eq(br.bare, -1);
	ck_assert_int_eq(br.bare_errno, EINTR);
	ck_assert_int_eq(br.r, WGTAP_OK);
	ck_assert_uint_eq(br.done, sizeof(want));
	ck_assert_int_eq(memcmp(br.got, want, sizeof(want)), 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_atomicio_read_end_of_file)
{
	char want[100], got[200];
	struct tdir t;
	size_t done = 99;
	int fd;

	fill_pattern(want, sizeof(want));
	tdir_make(&t);
	fd = pattern_file(&t, "f", sizeof(want));
	/* Asked for more than there is: all of it, then the end. */
	ck_assert_int_eq(atomicio_read(fd, got, sizeof(got), &done), WGTAP_OK);
	ck_assert_uint_eq(done, sizeof(want));
	ck_assert_int_eq(memcmp(got, want, sizeof(want)), 0);
	ck_assert_int_eq(atomicio_read(fd, got, sizeof(got), &done), WGTAP_OK);
	ck_assert_uint_eq(done, 0);
	/* Exactly what there is, in two calls. */
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(atomicio_read(fd, got, 60, &done), WGTAP_OK);
	ck_assert_uint_eq(done, 60);
	ck_assert_int_eq(atomicio_read(fd, got + 60, 40, NULL), WGTAP_OK);
	ck_assert_int_eq(memcmp(got, want, sizeof(want)), 0);
	close(fd);
	/* A descriptor open for writing only. */
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	done = 99;
	ck_assert_int_eq(atomicio_read(fd, got, 1, &done), WGTAP_ESYS);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_uint_eq(done, 0);
	close(fd);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_atomicio_pread_offset)
{
	char want[300], got[300];
	struct tdir t;
	size_t done = 0;
	int fd, p[2];

	fill_pattern(want, sizeof(want));
	tdir_make(&t);
	fd = pattern_file(&t, "f", sizeof(want));
	ck_assert_int_eq(atomicio_pread(fd, got, 50, 200, &done), WGTAP_OK);
	ck_assert_uint_eq(done, 50);
	ck_assert_int_eq(memcmp(got, want + 200, 50), 0);
	/* Past the end: what there is. The file offset never moves. */
	ck_assert_int_eq(atomicio_pread(fd, got, 100, 250, &done), WGTAP_OK);
	ck_assert_uint_eq(done, 50);
	ck_assert_int_eq(memcmp(got, want + 250, 50), 0);
	ck_assert_int_eq(atomicio_pread(fd, got, 10, 400, &done), WGTAP_OK);
	ck_assert_uint_eq(done, 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
	/* A pipe has no offsets. */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(write(p[1], "abc", 3), 3);
	done = 99;
	ck_assert_int_eq(atomicio_pread(p[0], got, 3, 0, &done), WGTAP_ESYS);
	ck_assert_int_eq(errno, ESPIPE);
	ck_assert_uint_eq(done, 0);
	close(p[0]);
	close(p[1]);
	tdir_remove(&t);
}
END_TEST

/*
 * pwrite at an offset, and a write cut short by the file size limit: the
 * bytes that made it are counted, so the caller can go on from there.
 */
START_TEST(test_atomicio_pwrite_offset_and_partial)
{
	char want[300], got[600];
	struct rlimit saved, lim;
	struct tdir t;
	size_t done = 0;
	int fd, p[2];

	fill_pattern(want, sizeof(want));
	tdir_make(&t);
	fd = openat(t.fd, "f", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(atomicio_pwrite(fd, want, 100, 200, &done), WGTAP_OK);
	ck_assert_uint_eq(done, 100);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
	ck_assert_int_eq(pread(fd, got, sizeof(got), 0), 300);
	ck_assert_int_eq(memcmp(got + 200, want, 100), 0);
	ck_assert_int_eq(got[0], 0);
	/* At most 350 bytes a file: 50 of the 300 at offset 300 fit. */
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
	lim = saved;
	lim.rlim_cur = 350;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	done = 0;
	ck_assert_int_eq(atomicio_pwrite(fd, want, 300, 300, &done),
	    WGTAP_ESYS);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_uint_eq(done, 50);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, SIG_DFL);
	ck_assert_int_eq(atomicio_pwrite(fd, want + done, 300 - done,
	    300 + (off_t)done, &done), WGTAP_OK);
	ck_assert_uint_eq(done, 250);
	ck_assert_int_eq(pread(fd, got, sizeof(got), 0), 600);
	ck_assert_int_eq(memcmp(got + 300, want, 300), 0);
	close(fd);
	/* A pipe has no offsets. */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	done = 99;
	ck_assert_int_eq(atomicio_pwrite(p[1], "abc", 3, 0, &done),
	    WGTAP_ESYS);
	ck_assert_int_eq(errno, ESPIPE);
	ck_assert_uint_eq(done, 0);
	close(p[0]);
	close(p[1]);
	tdir_remove(&t);
}
END_TEST

Suite *
atomicio_suite(void)
{
	Suite *s = suite_create("atomicio");
	TCase *tc;

	tc = tcase_create("atomicio_write");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_atomicio_write_short_writes);
	tcase_add_test(tc, test_atomicio_write_nonblocking_resume);
	tcase_add_test(tc, test_atomicio_write_file);
	tcase_add_test(tc, test_atomicio_write_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("atomicio_read");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_atomicio_read_eintr_and_short_reads);
	tcase_add_test(tc, test_atomicio_read_end_of_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("atomicio_pread");
	tcase_add_test(tc, test_atomicio_pread_offset);
	suite_add_tcase(s, tc);
	tc = tcase_create("atomicio_pwrite");
	tcase_add_test(tc, test_atomicio_pwrite_offset_and_partial);
	suite_add_tcase(s, tc);
	return s;
}
