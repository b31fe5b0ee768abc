// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/recover.c: leftovers of a capture that died are
 * turned into completed segments with every complete row, under the name
 * the leftover would have had; torn rows are dropped and counted; a zero
 * tail ends the data; an interrupted recovery is redone without
 * duplicates; a FIFO, directory or symlink under a leftover's name and a
 * file locked by a running process are left alone.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/dlt.h>

#include "check_wgtap.h"
#include "csv.h"
#include "log.h"
#include "recover.h"
#include "segment.h"
#include "spool.h"
#include "wgtap.h"

#define T0	1764000000000000000ULL
#define ROW	"192.0.2.1,7,198.51.100.2,9,UDP,36,1764000000000000000,\n"
#define NAME	"wgt-20251124T160000.000000000Z-000003.csv"

static void
seg_cfg(struct segment_cfg *cfg, int dirfd, bool gzip)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dirfd = dirfd;
	cfg->gzip = gzip;
	cfg->level = 1;
}

/*
 * A leftover as a SIGKILL leaves it: rows rows written, synced, then
 * tail (raw bytes: more output that never got synced, or garbage)
 * appended, and the writer gone without closing.
 */
static void
make_leftover(int dirfd, bool gzip, int rows, const void *tail, size_t tlen)
{
	uint8_t pkt[CHECK_UDP4_LEN];
	struct segment_cfg cfg;
	struct spool_name n;
	struct pkt_row row;
	struct segment s;
	int i;

	seg_cfg(&cfg, dirfd, gzip);
	ck_assert_int_eq(segment_init(&s, &cfg), WGTAP_OK);
	ck_assert_int_eq(spool_name_parse(gzip ? NAME ".gz" : NAME, &n),
	    WGTAP_OK);
	ck_assert_int_eq(segment_open(&s, &n, false), WGTAP_OK);
	ck_assert_int_eq(check_udp4(pkt, 7), sizeof(pkt));
	ck_assert_int_eq(pkt_parse(DLT_RAW, pkt, sizeof(pkt), sizeof(pkt), T0,
	    &row), PKT_ROW);
	for (i = 0; i < rows; i++)
		ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
	ck_assert_int_eq(segment_sync(&s), WGTAP_OK);
	if (tlen)
		ck_assert_int_eq(pwrite(s.fd, tail, tlen, (off_t)s.written),
		    (ssize_t)tlen);
	/* the crash: no finish, no rename, no unlink */
	close(s.fd);
	s.fd = -1;
	segment_free(&s);
}

/* The spool holds exactly these names, in scan order. */
static void
assert_spool(int dirfd, const char *const *names, size_t n)
{
	struct spool_list l = { 0 };
	size_t i;

	ck_assert_int_eq(spool_scan(dirfd, &l), WGTAP_OK);
	ck_assert_uint_eq(l.n, n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(l.v[i].name, names[i]);
	spool_list_free(&l);
}

static void
assert_rows(int dirfd, const char *name, size_t rows)
{
	size_t len, i;
	char *text = slurp(dirfd, name, &len);

	ck_assert_uint_eq(len, CSV_HEADER_LEN + rows * strlen(ROW));
	ck_assert_int_eq(memcmp(text, CSV_HEADER, CSV_HEADER_LEN), 0);
	for (i = 0; i < rows; i++)
		ck_assert_int_eq(memcmp(text + CSV_HEADER_LEN + i * strlen(ROW),
		    ROW, strlen(ROW)), 0);
	free(text);
}

START_TEST(test_recover_file_gzip_with_garbage_tail)
{
	static const char *const after[] = { NAME ".gz" };
	struct segment_cfg cfg;
	struct recover_result res;
	struct tdir t;
	char garbage[3000];
	size_t i;

	tdir_make(&t);
	for (i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 131 + 7);
	make_leftover(t.fd, true, 5000, garbage, sizeof(garbage));
	seg_cfg(&cfg, t.fd, false);	/* the leftover's name decides */
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".gz.part", &res),
	    WGTAP_OK);
	ck_assert_uint_eq(res.rows, 5000);
	ck_assert_str_eq(res.final, NAME ".gz");
	assert_spool(t.fd, after, 1);
	assert_rows(t.fd, NAME ".gz", 5000);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_recover_file_plain_torn_row)
{
	static const char *const after[] = { NAME };
	static const char torn[] = "192.0.2.1,7,198.51.100.2,9,UD";
	struct segment_cfg cfg;
	struct recover_result res;
	struct tdir t;

	tdir_make(&t);
	make_leftover(t.fd, false, 77, torn, sizeof(torn) - 1);
	seg_cfg(&cfg, t.fd, true);
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".part", &res), WGTAP_OK);
	ck_assert_uint_eq(res.rows, 77);
	ck_assert_uint_eq(res.torn, 1);
	assert_spool(t.fd, after, 1);
	assert_rows(t.fd, NAME, 77);
	tdir_remove(&t);
}
END_TEST

/*
 * A leftover of a writer that reserved space with zeros (no fallocate on
 * its filesystem) ends in zeros: every row before them is kept, and none
 * is counted torn; a row cut by the crash before the zeros is.
 */
START_TEST(test_recover_file_zero_tail)
{
	static const char torn[] = "192.0.2.1,7,198.51.100.2,9,UD";
	struct segment_cfg cfg;
	struct recover_result res;
	struct tdir t;
	char tail[8192 + sizeof(torn)];
	bool gzip = _i & 1, cut = _i & 2;

	tdir_make(&t);
	memset(tail, 0, sizeof(tail));
	if (cut)
		memcpy(tail, torn, sizeof(torn) - 1);
	make_leftover(t.fd, gzip, 50, tail, sizeof(tail));
	seg_cfg(&cfg, t.fd, gzip);
	ck_assert_int_eq(recover_file(&cfg, gzip ? "." NAME ".gz.part" :
	    "." NAME ".part", &res), WGTAP_OK);
	ck_assert_uint_eq(res.rows, 50);
	ck_assert_uint_eq(res.torn, (cut && !gzip) ? 1 : 0);
	assert_rows(t.fd, gzip ? NAME ".gz" : NAME, 50);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_recover_file_bad_rows_dropped)
{
	static const char bad[] = "a,b\n\"x\",1,2,3,4,5,6,7\n" ROW "1,2,3\x01,4,5,6,7,8\n";
	struct segment_cfg cfg;
	struct recover_result res;
	struct tdir t;

	tdir_make(&t);
	make_leftover(t.fd, false, 2, bad, sizeof(bad) - 1);
	seg_cfg(&cfg, t.fd, false);
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".part", &res), WGTAP_OK);
	ck_assert_uint_eq(res.rows, 3);
	ck_assert_uint_eq(res.torn, 3);
	assert_rows(t.fd, NAME, 3);
	tdir_remove(&t);
}
END_TEST

/*
 * A leftover keeps its own format, whatever the running capture's: a v2
 * leftover is recovered as v2 (rows of v1's shape in it are torn), a v1
 * leftover as v1 (rows of v2's shape in it are torn).
 */
#define ROW2	"192.0.2.1,7,198.51.100.2,53,UDP,36,1764000000000000000," \
	"Kx0BAAABAAAAAAAAA2EuYgR0ZXN0AAABAAE=,,in,a\\.b.test,A,\n"
START_TEST(test_recover_file_keeps_format)
{
	static const char v2[] = CSV_HEADER_V2 ROW2 ROW2 ROW ROW2 "192.0.2.1,7";
	static const char v1[] = CSV_HEADER ROW ROW2 ROW;
	struct segment_cfg cfg;
	struct recover_result res;
	struct tdir t;
	size_t len;
	char *text;

	tdir_make(&t);
	tfile_write(t.fd, "." NAME ".part", v2);
	seg_cfg(&cfg, t.fd, false);
	cfg.format = CSV_V1;
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".part", &res), WGTAP_OK);
	ck_assert_uint_eq(res.rows, 3);
	ck_assert_uint_eq(res.torn, 2);
	text = slurp(t.fd, NAME, &len);
	ck_assert_str_eq(text, CSV_HEADER_V2 ROW2 ROW2 ROW2);
	free(text);
	ck_assert_int_eq(unlinkat(t.fd, NAME, 0), 0);

	tfile_write(t.fd, "." NAME ".part", v1);
	cfg.format = CSV_V2;
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".part", &res), WGTAP_OK);
	ck_assert_uint_eq(res.rows, 2);
	ck_assert_uint_eq(res.torn, 1);
	text = slurp(t.fd, NAME, &len);
	ck_assert_str_eq(text, CSV_HEADER ROW ROW);
	free(text);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_recover_file_empty_and_garbage)
{
	struct segment_cfg cfg;
	struct recover_result res;
	struct tdir t;
	int fd;

	tdir_make(&t);
	/* zero bytes: nothing to keep, the leftover goes */
	fd = openat(t.fd, "." NAME ".gz.part", O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ne(fd, -1);
	close(fd);
	seg_cfg(&cfg, t.fd, true);
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".gz.part", &res),
	    WGTAP_OK);
	ck_assert_uint_eq(res.rows, 0);
	ck_assert_str_eq(res.final, "");
	assert_spool(t.fd, NULL, 0);
	/* not gzip at all */
	fd = openat(t.fd, "." NAME ".gz.part", O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "hello, world\n", 13), 13);
	close(fd);
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".gz.part", &res),
	    WGTAP_OK);
	ck_assert_uint_eq(res.rows, 0);
	assert_spool(t.fd, NULL, 0);
	/* plain with a wrong header: every row is suspect */
	fd = openat(t.fd, "." NAME ".part", O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "a,b\n" ROW, 4 + strlen(ROW)),
	    (ssize_t)(4 + strlen(ROW)));
	close(fd);
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".part", &res), WGTAP_OK);
	ck_assert_uint_eq(res.rows, 0);
	ck_assert_uint_eq(res.torn, 1);
	assert_spool(t.fd, NULL, 0);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_recover_spool_interrupted_and_foreign)
{
	static const char *const after[] = {
		NAME ".gz",
		".wgother-20251124T160000.000000000Z-000000.csv.part",
	};
	struct segment_cfg cfg;
	struct tdir t;
	int fd;

	tdir_make(&t);
	make_leftover(t.fd, true, 100, NULL, 0);
	/* a half-written copy from a recovery that was itself killed */
	fd = openat(t.fd, "." NAME ".gz.rec.part", O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "junk", 4), 4);
	close(fd);
	/* another interface's leftover is not ours to touch */
	fd = openat(t.fd, ".wgother-20251124T160000.000000000Z-000000.csv.part",
	    O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, CSV_HEADER ROW, CSV_HEADER_LEN + strlen(ROW)),
	    (ssize_t)(CSV_HEADER_LEN + strlen(ROW)));
	close(fd);
	seg_cfg(&cfg, t.fd, true);
	ck_assert_int_eq(recover_spool(&cfg, "wgt"), 0);
	assert_spool(t.fd, after, 2);
	assert_rows(t.fd, NAME ".gz", 100);
	tdir_remove(&t);
}
END_TEST

/*
 * A FIFO (or a directory, or a symlink) named like a leftover is not
 * opened for reading, which would block until a writer comes: it is left
 * alone and reported once, and the real leftover beside it is recovered.
 */
START_TEST(test_recover_spool_not_regular_left_alone)
{
	static const char fifo[] =
	    ".wgt-20251124T150000.000000000Z-000001.csv.gz.part";
	static const char dir[] =
	    ".wgt-20251124T150000.000000000Z-000002.csv.gz.part";
	static const char link[] =
	    ".wgt-20251124T150000.000000000Z-000003.csv.gz.part";
	static const char *const after[] = { NAME ".gz", fifo, dir, link };
	struct segment_cfg cfg;
	struct errcap cap;
	struct tdir t;
	char *log;
	int r;

	tdir_make(&t);
	make_leftover(t.fd, true, 10, NULL, 0);
	ck_assert_int_eq(mkfifoat(t.fd, fifo, 0640), 0);
	ck_assert_int_eq(mkdirat(t.fd, dir, 0750), 0);
	ck_assert_int_eq(symlinkat("/dev/zero", t.fd, link), 0);
	seg_cfg(&cfg, t.fd, true);
	log_set_level(LOG_LVL_INFO);
	errcap_start(&cap);
	r = recover_spool(&cfg, "wgt");
	log = errcap_end(&cap);
	log_set_level(LOG_LVL_ERROR);
	ck_assert_int_eq(r, 0);
	assert_spool(t.fd, after, 4);
	assert_rows(t.fd, NAME ".gz", 10);
	ck_assert_str_eq(log,
	    "wgtap: warning: leftover .wgt-20251124T150000.000000000Z-000001"
	    ".csv.gz.part is a FIFO, not a regular file: left alone\n"
	    "wgtap: warning: leftover .wgt-20251124T150000.000000000Z-000002"
	    ".csv.gz.part is a directory, not a regular file: left alone\n"
	    "wgtap: warning: leftover .wgt-20251124T150000.000000000Z-000003"
	    ".csv.gz.part is a symlink, not a regular file: left alone\n"
	    "wgtap: info: recovered ." NAME ".gz.part as " NAME ".gz: 10 rows, "
	    "0 torn rows dropped\n");
	free(log);
	tdir_remove(&t);
}
END_TEST

/* Open name in dirfd and hold its lock, as a running process does. */
static int
hold_lock(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	return fd;
}

/*
 * A temporary file locked by a running process (its open segment, or its
 * recovery copy) is not a leftover: recovery leaves it alone. Once the
 * process is gone (the lock with it), the leftover is recovered and the
 * copy removed.
 */
START_TEST(test_recover_spool_locked_left_alone)
{
	static const char copy[] =
	    ".wgt-20251124T150000.000000000Z-000001.csv.gz.rec.part";
	static const char *const before[] = { copy, "." NAME ".gz.part" };
	static const char *const after[] = { NAME ".gz" };
	struct segment_cfg cfg;
	struct recover_result res;
	struct tdir t;
	int live, copying;

	tdir_make(&t);
	make_leftover(t.fd, true, 100, NULL, 0);
	tfile_write(t.fd, copy, "junk");
	live = hold_lock(t.fd, "." NAME ".gz.part");
	copying = hold_lock(t.fd, copy);
	seg_cfg(&cfg, t.fd, true);
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".gz.part", &res),
	    WGTAP_OK);
	ck_assert(res.in_use);
	ck_assert_str_eq(res.final, "");
	ck_assert_int_eq(recover_spool(&cfg, "wgt"), 0);
	assert_spool(t.fd, before, 2);
	close(live);
	close(copying);
	ck_assert_int_eq(recover_spool(&cfg, "wgt"), 0);
	assert_spool(t.fd, after, 1);
	assert_rows(t.fd, NAME ".gz", 100);
	tdir_remove(&t);
}
END_TEST

/*
 * A copy left by an interrupted recovery of this very leftover is removed
 * by recover_file() before it writes its own.
 */
START_TEST(test_recover_file_stale_copy)
{
	static const char *const after[] = { NAME ".gz" };
	struct segment_cfg cfg;
	struct recover_result res;
	struct tdir t;

	tdir_make(&t);
	make_leftover(t.fd, true, 7, NULL, 0);
	tfile_write(t.fd, "." NAME ".gz.rec.part", "half a copy");
	seg_cfg(&cfg, t.fd, true);
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".gz.part", &res),
	    WGTAP_OK);
	ck_assert_uint_eq(res.rows, 7);
	assert_spool(t.fd, after, 1);
	assert_rows(t.fd, NAME ".gz", 7);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_recover_file_already_published)
{
	static const char *const after[] = { NAME ".gz" };
	struct segment_cfg cfg;
	struct recover_result res;
	struct tdir t;
	int fd;

	tdir_make(&t);
	make_leftover(t.fd, true, 10, NULL, 0);
	/* killed between publishing the copy and deleting the leftover */
	ck_assert_int_eq(recover_file((seg_cfg(&cfg, t.fd, true), &cfg),
	    "." NAME ".gz.part", &res), WGTAP_OK);
	make_leftover(t.fd, true, 10, NULL, 0);
	ck_assert_int_eq(recover_file(&cfg, "." NAME ".gz.part", &res),
	    WGTAP_OK);
	ck_assert_uint_eq(res.rows, 0);
	ck_assert_str_eq(res.final, NAME ".gz");
	assert_spool(t.fd, after, 1);
	assert_rows(t.fd, NAME ".gz", 10);
	(void)fd;
	tdir_remove(&t);
}
END_TEST

/* Every prefix of a synced leftover recovers to whole rows only. */
START_TEST(test_recover_file_every_cut)
{
	struct segment_cfg cfg;
	struct recover_result res;
	struct tdir t;
	struct stat st;
	char *full;
	size_t len, got;
	int fd;
	off_t cut;

	tdir_make(&t);
	make_leftover(t.fd, true, 40, NULL, 0);
	fd = openat(t.fd, "." NAME ".gz.part", O_RDONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	full = malloc((size_t)st.st_size);
	ck_assert_int_eq(read(fd, full, (size_t)st.st_size), st.st_size);
	close(fd);
	len = (size_t)st.st_size;
	seg_cfg(&cfg, t.fd, true);
	for (cut = 0; cut <= (off_t)len; cut++) {
		fd = openat(t.fd, "." NAME ".gz.part", O_WRONLY | O_CREAT |
		    O_TRUNC, 0600);
		ck_assert_int_eq(write(fd, full, (size_t)cut), cut);
		close(fd);
		ck_assert_int_eq(recover_file(&cfg, "." NAME ".gz.part", &res),
		    WGTAP_OK);
		got = res.rows;
		ck_assert_uint_le(got, 40);
		if (cut == (off_t)len)
			ck_assert_uint_eq(got, 40);
		if (got) {
			assert_rows(t.fd, NAME ".gz", got);
			ck_assert_int_eq(unlinkat(t.fd, NAME ".gz", 0), 0);
		}
		assert_spool(t.fd, NULL, 0);
	}
	free(full);
	tdir_remove(&t);
}
END_TEST

Suite *
recover_suite(void)
{
	Suite *s = suite_create("recover");
	TCase *tc;

	tc = tcase_create("recover_file");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_recover_file_gzip_with_garbage_tail);
	tcase_add_test(tc, test_recover_file_plain_torn_row);
	tcase_add_loop_test(tc, test_recover_file_zero_tail, 0, 4);
	tcase_add_test(tc, test_recover_file_bad_rows_dropped);
	tcase_add_test(tc, test_recover_file_keeps_format);
	tcase_add_test(tc, test_recover_file_empty_and_garbage);
	tcase_add_test(tc, test_recover_file_already_published);
	tcase_add_test(tc, test_recover_file_every_cut);
	tcase_add_test(tc, test_recover_file_stale_copy);
	suite_add_tcase(s, tc);
	tc = tcase_create("recover_spool");
	tcase_add_test(tc, test_recover_spool_interrupted_and_foreign);
	tcase_add_test(tc, test_recover_spool_not_regular_left_alone);
	tcase_add_test(tc, test_recover_spool_locked_left_alone);
	suite_add_tcase(s, tc);
	return s;
}
