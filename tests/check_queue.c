// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/queue.c (pending set order, name sets, retry
 * delays) and for the local outcomes of wgtap-ship/ship.c: what ship_file()
 * does with a file before any byte goes on the network (missing, locked by
 * another shipper, a symlink, a directory, a FIFO) and with a failed
 * upload (the file stays, untouched). Successful uploads are tested against
 * a real S3 server by tests/t-ship-*.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include <zlib.h>

#include "check_wgtap.h"
#include "csv.h"
#include "queue.h"
#include "s3.h"
#include "ship.h"
#include "spool.h"
#include "wgtap.h"

static void
add_name(struct queue *q, const char *name)
{
	struct spool_name sn;

	ck_assert_int_eq(spool_name_parse(name, &sn), WGTAP_OK);
	ck_assert_int_eq(queue_add(q, name, &sn), WGTAP_OK);
}

START_TEST(test_queue_add_oldest_first)
{
	/* Name order and age order differ: wg1's label sorts after wg0's. */
	static const char *const in[] = {
		"wg1-20261124T140231.123456789Z-000003.csv.gz",
		"wg0-20261124T150000.000000000Z-000001.csv.gz",
		"wg0-20261124T140231.123456789Z-000002.csv",
		"a-20261124T140231.123456790Z-000009.csv.gz",
		"wg0-20251231T235959.999999999Z-000001.csv.gz",
		"wg0-20261124T140231.123456789Z-000001.csv.gz",
	};
	static const char *const want[] = {
		"wg0-20251231T235959.999999999Z-000001.csv.gz",
		"wg0-20261124T140231.123456789Z-000001.csv.gz",
		"wg0-20261124T140231.123456789Z-000002.csv",
		"wg1-20261124T140231.123456789Z-000003.csv.gz",
		"a-20261124T140231.123456790Z-000009.csv.gz",
		"wg0-20261124T150000.000000000Z-000001.csv.gz",
	};
	struct queue q;
	size_t i;

	queue_init(&q);
	ck_assert_ptr_null(queue_first(&q));
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		add_name(&q, in[i]);
	ck_assert_uint_eq(q.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_str_eq(queue_first(&q)->name, want[i]);
		ck_assert(queue_remove(&q, want[i]));
	}
	ck_assert_uint_eq(q.n, 0);
	ck_assert_ptr_null(queue_first(&q));
	queue_free(&q);
}
END_TEST

START_TEST(test_queue_after_round_robin)
{
	static const char *const names[] = {
		"wg0-20261124T140000.000000000Z-000001.csv.gz",
		"wg0-20261124T140100.000000000Z-000002.csv.gz",
		"wg0-20261124T140200.000000000Z-000003.csv.gz",
	};
	struct spool_name sn;
	struct queue q;
	size_t i;

	queue_init(&q);
	ck_assert_int_eq(spool_name_parse(names[0], &sn), WGTAP_OK);
	ck_assert_ptr_null(queue_after(&q, &sn));
	for (i = 0; i < 3; i++)
		add_name(&q, names[i]);
	/* after each one comes the next; after the youngest, the oldest */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(spool_name_parse(names[i], &sn), WGTAP_OK);
		ck_assert_str_eq(queue_after(&q, &sn)->name, names[(i + 1) % 3]);
	}
	/* after a name no longer queued: the next younger one */
	ck_assert(queue_remove(&q, names[1]));
	ck_assert_int_eq(spool_name_parse(names[1], &sn), WGTAP_OK);
	ck_assert_str_eq(queue_after(&q, &sn)->name, names[2]);
	queue_free(&q);
}
END_TEST

START_TEST(test_queue_add_duplicate)
{
	const char *name = "wg0-20261124T140231.123456789Z-000001.csv.gz";
	struct queue q;

	queue_init(&q);
	add_name(&q, name);
	queue_first(&q)->attempts = 3;
	add_name(&q, name);
	ck_assert_uint_eq(q.n, 1);
	/* Adding it again keeps what the daemon knows about it. */
	ck_assert_uint_eq(queue_first(&q)->attempts, 3);
	queue_free(&q);
	ck_assert_uint_eq(q.n, 0);
	ck_assert_ptr_null(q.v);
}
END_TEST

START_TEST(test_queue_add_many)
{
	struct spool_name sn;
	struct queue q;
	char name[SPOOL_MAX_NAME];
	size_t i;
	unsigned seq;

	queue_init(&q);
	memset(&sn, 0, sizeof(sn));
	memcpy(sn.iface, "wg0", 4);
	sn.gzip = true;
	/* 500 names in a scrambled order (7 is coprime with 500). */
	for (i = 0; i < 500; i++) {
		seq = (unsigned)((i * 7) % 500);
		sn.start_ns = 1795000000000000000LL + (int64_t)seq * 1000;
		sn.seq = seq;
		ck_assert_int_eq(spool_name_format(&sn, name), WGTAP_OK);
		ck_assert_int_eq(queue_add(&q, name, &sn), WGTAP_OK);
	}
	ck_assert_uint_eq(q.n, 500);
	for (i = 1; i < q.n; i++)
		ck_assert_int_lt(spool_name_cmp(&q.v[i - 1].parsed,
		    &q.v[i].parsed), 0);
	queue_free(&q);
}
END_TEST

START_TEST(test_queue_add_too_long)
{
	struct spool_name sn;
	struct queue q;
	char name[SPOOL_MAX_NAME + 8];

	memset(&sn, 0, sizeof(sn));
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	queue_init(&q);
	ck_assert_int_eq(queue_add(&q, name, &sn), WGTAP_EFORMAT);
	ck_assert_uint_eq(q.n, 0);
	queue_free(&q);
}
END_TEST

START_TEST(test_queue_find_remove)
{
	const char *a = "wg0-20261124T140231.123456789Z-000001.csv.gz";
	const char *b = "wg0-20261124T140231.123456789Z-000002.csv.gz";
	const char *c = "wg0-20261124T140231.123456789Z-000003.csv.gz";
	struct queue q;

	queue_init(&q);
	add_name(&q, c);
	add_name(&q, a);
	add_name(&q, b);
	ck_assert_ptr_nonnull(queue_find(&q, b));
	ck_assert_str_eq(queue_find(&q, b)->name, b);
	ck_assert_ptr_null(queue_find(&q, "nope"));
	ck_assert(queue_remove(&q, b));
	ck_assert(!queue_remove(&q, b));
	ck_assert_uint_eq(q.n, 2);
	ck_assert_str_eq(q.v[0].name, a);
	ck_assert_str_eq(q.v[1].name, c);
	queue_free(&q);
}
END_TEST

START_TEST(test_queue_names_set)
{
	struct queue_names s;
	char big[SPOOL_MAX_NAME + 1];
	size_t i;

	queue_names_init(&s);
	ck_assert(!queue_names_has(&s, "x"));
	ck_assert_int_eq(queue_names_add(&s, "c"), WGTAP_OK);
	ck_assert_int_eq(queue_names_add(&s, "a"), WGTAP_OK);
	ck_assert_int_eq(queue_names_add(&s, "b"), WGTAP_OK);
	ck_assert_int_eq(queue_names_add(&s, "a"), WGTAP_OK);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.v[0], "a");
	ck_assert_str_eq(s.v[1], "b");
	ck_assert_str_eq(s.v[2], "c");
	ck_assert(queue_names_has(&s, "b"));
	ck_assert(queue_names_remove(&s, "b"));
	ck_assert(!queue_names_remove(&s, "b"));
	ck_assert(!queue_names_has(&s, "b"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(queue_names_add(&s, big), WGTAP_EFORMAT);
	ck_assert(!queue_names_has(&s, big));
	for (i = 0; i < 100; i++) {
		char n[16];

		snprintf(n, sizeof(n), "n%03zu", 99 - i);
		ck_assert_int_eq(queue_names_add(&s, n), WGTAP_OK);
	}
	ck_assert_uint_eq(s.n, 102);
	for (i = 1; i < s.n; i++)
		ck_assert_int_lt(strcmp(s.v[i - 1], s.v[i]), 0);
	queue_names_free(&s);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(test_queue_backoff_ms_sequence)
{
	/* rnd 0: no jitter, so the plain doubling shows. */
	ck_assert_uint_eq(queue_backoff_ms(0, 60000, 0), 0);
	ck_assert_uint_eq(queue_backoff_ms(1, 60000, 0), 1000);
	ck_assert_uint_eq(queue_backoff_ms(2, 60000, 0), 2000);
	ck_assert_uint_eq(queue_backoff_ms(3, 60000, 0), 4000);
	ck_assert_uint_eq(queue_backoff_ms(6, 60000, 0), 32000);
	ck_assert_uint_eq(queue_backoff_ms(7, 60000, 0), 60000);
	ck_assert_uint_eq(queue_backoff_ms(1000000, 60000, 0), 60000);
	ck_assert_uint_eq(queue_backoff_ms(UINT32_MAX, 86400000, 0),
	    86400000);
	/* A cap below the first step wins. */
	ck_assert_uint_eq(queue_backoff_ms(1, 300, 0), 300);
	ck_assert_uint_eq(queue_backoff_ms(1, 0, 12345), 1);
}
END_TEST

/* For every failure count and many rnd values: within [3/4 d, d]. */
START_TEST(test_queue_backoff_ms_jitter)
{
	static const uint32_t rnds[] = {
		0, 1, 249, 250, 251, 999, 12345, 0x7fffffff, 0xfffffffe,
		0xffffffff,
	};
	unsigned failures = (unsigned)_i + 1;
	uint64_t cap = 60000, d, got;
	size_t k;
	bool varies = false;

	d = queue_backoff_ms(failures, cap, 0);
	for (k = 0; k < sizeof(rnds) / sizeof(rnds[0]); k++) {
		got = queue_backoff_ms(failures, cap, rnds[k]);
		ck_assert_uint_ge(got, d - d / 4);
		ck_assert_uint_le(got, d);
		ck_assert_uint_le(got, cap);
		if (got != d)
			varies = true;
	}
	ck_assert(varies);
}
END_TEST

static void
write_file(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static bool
exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * A client whose uploads cannot connect: port 1 on loopback refuses. Every
 * local check in ship_file() happens before the network is used.
 */
static struct s3_client *
refused_client(void)
{
	struct s3_config cfg;
	struct s3_client *c = NULL;

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(s3_endpoint_parse("http://127.0.0.1:1",
	    &cfg.endpoint), WGTAP_OK);
	cfg.addressing = S3_ADDR_PATH;
	cfg.bucket = "bucket";
	cfg.region = "us-east-1";
	cfg.access_key_id = "AKIDEXAMPLE";
	cfg.secret_access_key = "secret";
	cfg.timeout = 2;
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	ck_assert_int_eq(s3_client_new(&cfg, &c), WGTAP_OK);
	return c;
}

static void
ship_setup(struct ship_config *sc, struct s3_client *c)
{
	memset(sc, 0, sizeof(*sc));
	sc->s3 = c;
	sc->bucket = "bucket";
	sc->prefix = "wgtap/";
	sc->host = "gw1";
}

static void
ship_teardown(struct s3_client *c)
{
	s3_client_free(c);
	curl_global_cleanup();
}

#define SEG	"wg0-20261124T140231.123456789Z-000001.csv.gz"
#define SEG_KEY	"wgtap/host=gw1/dt=2026-11-24/hour=14/" SEG

START_TEST(test_ship_file_gone)
{
	struct s3_client *c = refused_client();
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;

	tdir_make(&t);
	ship_setup(&sc, c);
	ck_assert_int_eq(ship_file(&sc, t.fd, SEG, &rep), SHIP_GONE);
	ck_assert_str_eq(rep.key, SEG_KEY);
	tdir_remove(&t);
	ship_teardown(c);
}
END_TEST

START_TEST(test_ship_file_busy)
{
	struct s3_client *c = refused_client();
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;
	int fd;

	tdir_make(&t);
	ship_setup(&sc, c);
	write_file(t.fd, SEG, "data\n");
	/* Another open file description holds the lock: another shipper. */
	fd = openat(t.fd, SEG, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	ck_assert_int_eq(ship_file(&sc, t.fd, SEG, &rep), SHIP_BUSY);
	ck_assert(exists(t.fd, SEG));
	close(fd);
	tdir_remove(&t);
	ship_teardown(c);
}
END_TEST

START_TEST(test_ship_file_not_regular)
{
	struct s3_client *c = refused_client();
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;
	const char *fifo = "wg0-20261124T140231.123456789Z-000002.csv.gz";
	const char *dir = "wg0-20261124T140231.123456789Z-000003.csv.gz";

	tdir_make(&t);
	ship_setup(&sc, c);
	write_file(t.fd, "target", "data\n");
	ck_assert_int_eq(symlinkat("target", t.fd, SEG), 0);
	ck_assert_int_eq(ship_file(&sc, t.fd, SEG, &rep), SHIP_LOCAL);
	ck_assert_ptr_nonnull(strstr(rep.why, "symlink"));
	ck_assert(exists(t.fd, SEG));
	ck_assert(exists(t.fd, "target"));

	/* A FIFO must not block the open. */
	ck_assert_int_eq(mkfifoat(t.fd, fifo, 0644), 0);
	ck_assert_int_eq(ship_file(&sc, t.fd, fifo, &rep), SHIP_LOCAL);
	ck_assert_ptr_nonnull(strstr(rep.why, "not a regular file"));
	ck_assert(exists(t.fd, fifo));

	ck_assert_int_eq(mkdirat(t.fd, dir, 0755), 0);
	ck_assert_int_eq(ship_file(&sc, t.fd, dir, &rep), SHIP_LOCAL);
	ck_assert_ptr_nonnull(strstr(rep.why, "not a regular file"));
	ck_assert(exists(t.fd, dir));
	tdir_remove(&t);
	ship_teardown(c);
}
END_TEST

START_TEST(test_ship_file_not_segment_name)
{
	struct s3_client *c = refused_client();
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;

	tdir_make(&t);
	ship_setup(&sc, c);
	write_file(t.fd, "notes.txt", "data\n");
	write_file(t.fd, "." SEG ".part", "data\n");
	ck_assert_int_eq(ship_file(&sc, t.fd, "notes.txt", &rep), SHIP_LOCAL);
	ck_assert_str_eq(rep.key, "");
	ck_assert_int_eq(ship_file(&sc, t.fd, "." SEG ".part", &rep),
	    SHIP_LOCAL);
	ck_assert(exists(t.fd, "notes.txt"));
	ck_assert(exists(t.fd, "." SEG ".part"));
	tdir_remove(&t);
	ship_teardown(c);
}
END_TEST

/* A gzip'd segment with the v1 header; returns its size in bytes. */
static off_t
write_segment(int dirfd, const char *name)
{
	struct stat st;
	gzFile gz;
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	ck_assert_int_ne(fd, -1);
	gz = gzdopen(fd, "wb");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_gt(gzputs(gz, CSV_HEADER
	    "192.0.2.1,,192.0.2.2,,ICMP,84,1795000000000000000,\n"), 0);
	ck_assert_int_eq(gzclose(gz), Z_OK);
	ck_assert_int_eq(fstatat(dirfd, name, &st, 0), 0);
	return st.st_size;
}

/* A final-looking name whose contents are not a segment stays put. */
START_TEST(test_ship_file_not_a_segment_inside)
{
	struct s3_client *c = refused_client();
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;

	tdir_make(&t);
	ship_setup(&sc, c);
	write_file(t.fd, SEG, "some bytes\n");
	ck_assert_int_eq(ship_file(&sc, t.fd, SEG, &rep), SHIP_LOCAL);
	ck_assert_ptr_nonnull(strstr(rep.why, "not a wgtap segment"));
	ck_assert(exists(t.fd, SEG));
	/* plain CSV with another header */
	write_file(t.fd, "wg0-20261124T140231.123456789Z-000002.csv",
	    "a,b,c\n1,2,3\n");
	ck_assert_int_eq(ship_file(&sc, t.fd,
	    "wg0-20261124T140231.123456789Z-000002.csv", &rep), SHIP_LOCAL);
	ck_assert_ptr_nonnull(strstr(rep.why, "not a wgtap segment"));
	/* an empty file */
	write_file(t.fd, "wg0-20261124T140231.123456789Z-000003.csv.gz", "");
	ck_assert_int_eq(ship_file(&sc, t.fd,
	    "wg0-20261124T140231.123456789Z-000003.csv.gz", &rep), SHIP_LOCAL);
	tdir_remove(&t);
	ship_teardown(c);
}
END_TEST

START_TEST(test_ship_file_failed_keeps_file)
{
	struct s3_client *c = refused_client();
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;
	struct stat st;
	off_t size;
	int fd;

	tdir_make(&t);
	ship_setup(&sc, c);
	size = write_segment(t.fd, SEG);
	ck_assert_int_eq(ship_file(&sc, t.fd, SEG, &rep), SHIP_FAILED);
	ck_assert_str_eq(rep.key, SEG_KEY);
	ck_assert_uint_eq(rep.bytes, (uint64_t)size);
	ck_assert_int_eq(rep.s3.status, 0);
	ck_assert_str_ne(rep.why, "");
	ck_assert_int_eq(fstatat(t.fd, SEG, &st, 0), 0);
	ck_assert_int_eq(st.st_size, size);
	/* and the lock was released */
	fd = openat(t.fd, SEG, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	tdir_remove(&t);
	ship_teardown(c);
}
END_TEST

Suite *
queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc;

	tc = tcase_create("queue_add");
	tcase_add_test(tc, test_queue_add_oldest_first);
	tcase_add_test(tc, test_queue_add_duplicate);
	tcase_add_test(tc, test_queue_add_many);
	tcase_add_test(tc, test_queue_add_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("queue_find");
	tcase_add_test(tc, test_queue_find_remove);
	tcase_add_test(tc, test_queue_after_round_robin);
	suite_add_tcase(s, tc);

	tc = tcase_create("queue_names");
	tcase_add_test(tc, test_queue_names_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("queue_backoff_ms");
	tcase_add_test(tc, test_queue_backoff_ms_sequence);
	tcase_add_loop_test(tc, test_queue_backoff_ms_jitter, 0, 40);
	suite_add_tcase(s, tc);

	tc = tcase_create("ship_file");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ship_file_gone);
	tcase_add_test(tc, test_ship_file_busy);
	tcase_add_test(tc, test_ship_file_not_regular);
	tcase_add_test(tc, test_ship_file_not_segment_name);
	tcase_add_test(tc, test_ship_file_failed_keeps_file);
	tcase_add_test(tc, test_ship_file_not_a_segment_inside);
	suite_add_tcase(s, tc);
	return s;
}
