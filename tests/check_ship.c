// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/ship.c: what ship_file() does with a file before
 * any byte goes on the network (missing, locked by another shipper, a
 * symlink, a directory, a FIFO, contents that are not a segment, a key
 * that cannot be built) and with a failed upload (the file stays,
 * untouched, and unlocked). The client connects to a closed port on
 * loopback; successful uploads are tested against a real S3 server by
 * tests/t-ship-*.sh.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check_wgtap.h"
#include "csv.h"
#include "s3.h"
#include "ship.h"
#include "spool.h"
#include "wgtap.h"

/* Ship name in dirfd, parsed here as the callers parse it. */
static enum ship_status
ship(const struct ship_config *sc, int dirfd, const char *name,
    struct ship_report *rep)
{
	struct spool_name sn;

	ck_assert_int_eq(spool_name_parse(name, &sn), WGTAP_OK);
	return ship_file(sc, dirfd, name, &sn, rep);
}

/*
 * A client whose uploads cannot connect: port 1 on loopback refuses. Every
 * local check in ship_file() happens before the network is used.
 */
#define REFUSED	"http://127.0.0.1:1"

#define SEG	"wg0-20261124T140231.123456789Z-000001.csv.gz"
#define SEG_KEY	"wgtap/host=gw1/dt=2026-11-24/hour=14/" SEG

START_TEST(test_ship_file_gone)
{
	struct s3_client *c = tclient_new(REFUSED);
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;

	tdir_make(&t);
	tship_config(&sc, c);
	ck_assert_int_eq(ship(&sc, t.fd, SEG, &rep), SHIP_GONE);
	ck_assert_str_eq(rep.key, SEG_KEY);
	tdir_remove(&t);
	tclient_free(c);
}
END_TEST

START_TEST(test_ship_file_busy)
{
	struct s3_client *c = tclient_new(REFUSED);
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;
	int fd;

	tdir_make(&t);
	tship_config(&sc, c);
	tfile_write(t.fd, SEG, "data\n");
	/* Another open file description holds the lock: another shipper. */
	fd = openat(t.fd, SEG, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	ck_assert_int_eq(ship(&sc, t.fd, SEG, &rep), SHIP_BUSY);
	ck_assert(tfile_exists(t.fd, SEG));
	close(fd);
	tdir_remove(&t);
	tclient_free(c);
}
END_TEST

START_TEST(test_ship_file_not_regular)
{
	struct s3_client *c = tclient_new(REFUSED);
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;
	const char *fifo = "wg0-20261124T140231.123456789Z-000002.csv.gz";
	const char *dir = "wg0-20261124T140231.123456789Z-000003.csv.gz";

	tdir_make(&t);
	tship_config(&sc, c);
	tfile_write(t.fd, "target", "data\n");
	ck_assert_int_eq(symlinkat("target", t.fd, SEG), 0);
	ck_assert_int_eq(ship(&sc, t.fd, SEG, &rep), SHIP_LOCAL);
	ck_assert_ptr_nonnull(strstr(rep.why, "symlink"));
	ck_assert(tfile_exists(t.fd, SEG));
	ck_assert(tfile_exists(t.fd, "target"));

	/* A FIFO must not block the open. */
	ck_assert_int_eq(mkfifoat(t.fd, fifo, 0644), 0);
	ck_assert_int_eq(ship(&sc, t.fd, fifo, &rep), SHIP_LOCAL);
	ck_assert_ptr_nonnull(strstr(rep.why, "not a regular file"));
	ck_assert(tfile_exists(t.fd, fifo));

	ck_assert_int_eq(mkdirat(t.fd, dir, 0755), 0);
	ck_assert_int_eq(ship(&sc, t.fd, dir, &rep), SHIP_LOCAL);
	ck_assert_ptr_nonnull(strstr(rep.why, "not a regular file"));
	ck_assert(tfile_exists(t.fd, dir));
	tdir_remove(&t);
	tclient_free(c);
}
END_TEST

/* No key, no upload: a host label that cannot be part of a key. */
START_TEST(test_ship_file_bad_key)
{
	struct s3_client *c = tclient_new(REFUSED);
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;

	tdir_make(&t);
	tship_config(&sc, c);
	sc.host = "gw/1";
	tseg_write(t.fd, SEG);
	ck_assert_int_eq(ship(&sc, t.fd, SEG, &rep), SHIP_LOCAL);
	ck_assert_str_eq(rep.key, "");
	ck_assert_str_eq(rep.why, "object key: input is malformed");
	ck_assert_uint_eq(rep.bytes, 0);
	ck_assert(tfile_exists(t.fd, SEG));
	tdir_remove(&t);
	tclient_free(c);
}
END_TEST

/* A final-looking name whose contents are not a segment stays put. */
START_TEST(test_ship_file_not_a_segment_inside)
{
	struct s3_client *c = tclient_new(REFUSED);
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;

	tdir_make(&t);
	tship_config(&sc, c);
	tfile_write(t.fd, SEG, "some bytes\n");
	ck_assert_int_eq(ship(&sc, t.fd, SEG, &rep), SHIP_LOCAL);
	ck_assert_ptr_nonnull(strstr(rep.why, "not a wgtap segment"));
	ck_assert(tfile_exists(t.fd, SEG));
	/* plain CSV with another header */
	tfile_write(t.fd, "wg0-20261124T140231.123456789Z-000002.csv",
	    "a,b,c\n1,2,3\n");
	ck_assert_int_eq(ship(&sc, t.fd,
	    "wg0-20261124T140231.123456789Z-000002.csv", &rep), SHIP_LOCAL);
	ck_assert_ptr_nonnull(strstr(rep.why, "not a wgtap segment"));
	/* an empty file */
	tfile_write(t.fd, "wg0-20261124T140231.123456789Z-000003.csv.gz", "");
	ck_assert_int_eq(ship(&sc, t.fd,
	    "wg0-20261124T140231.123456789Z-000003.csv.gz", &rep), SHIP_LOCAL);
	tdir_remove(&t);
	tclient_free(c);
}
END_TEST

START_TEST(test_ship_file_failed_keeps_file)
{
	struct s3_client *c = tclient_new(REFUSED);
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;
	struct stat st;
	off_t size;
	int fd;

	tdir_make(&t);
	tship_config(&sc, c);
	size = tseg_write(t.fd, SEG);
	ck_assert_int_eq(ship(&sc, t.fd, SEG, &rep), SHIP_FAILED);
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
	tclient_free(c);
}
END_TEST

/*
 * A plain .csv segment passes the header check without gunzip (the
 * compression comes from its parsed name) and gets its own key.
 */
START_TEST(test_ship_file_plain_csv)
{
	const char *name = "wg0-20261124T150000.000000000Z-000007.csv";
	const char *text = CSV_HEADER
	    "192.0.2.1,,192.0.2.2,,ICMP,84,1795000000000000000,\n";
	struct s3_client *c = tclient_new(REFUSED);
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;

	tdir_make(&t);
	tship_config(&sc, c);
	tfile_write(t.fd, name, text);
	ck_assert_int_eq(ship(&sc, t.fd, name, &rep), SHIP_FAILED);
	ck_assert_str_eq(rep.key, "wgtap/host=gw1/dt=2026-11-24/hour=15/"
	    "wg0-20261124T150000.000000000Z-000007.csv");
	ck_assert_uint_eq(rep.bytes, strlen(text));
	ck_assert(tfile_exists(t.fd, name));
	tdir_remove(&t);
	tclient_free(c);
}
END_TEST

/* A gzip'd file name in dirfd holding text. */
static void
gz_write(int dirfd, const char *name, const char *text)
{
	gzFile gz;
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640);
	ck_assert_int_ne(fd, -1);
	gz = gzdopen(fd, "wb");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_gt(gzputs(gz, text), 0);
	ck_assert_int_eq(gzclose(gz), Z_OK);
}

/*
 * Segments of format v2 pass the header check, gzip'd or plain, and go
 * under the same key as v1 ones; so does a v1 segment shorter than the v2
 * header. A header that is neither (v2's cut short, v1's with a column
 * more) is not a segment.
 */
START_TEST(test_ship_file_v2_header)
{
	static const char *const names[] = {
		"wg0-20261124T150000.000000000Z-000001.csv.gz",
		"wg0-20261124T150000.000000000Z-000002.csv",
		"wg0-20261124T150000.000000000Z-000003.csv.gz",
	};
	static const char *const texts[] = {
		CSV_HEADER_V2 "192.0.2.1,,192.0.2.2,,ICMP,84,"
		    "1795000000000000000,,,out,,,\n",
		CSV_HEADER_V2 "192.0.2.1,,192.0.2.2,,ICMP,84,"
		    "1795000000000000000,,,in,,,\n",
		CSV_HEADER "192.0.2.1,,192.0.2.2,,1,0,0,\n",
	};
	static const char *const not_seg[] = {
		"src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns,"
		    "peer,direction\n1,2,3,4,5,6,7,8,9,10\n",
		"src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns,"
		    "x\n1,2,3,4,5,6,7,8,9\n",
	};
	struct s3_client *c = tclient_new(REFUSED);
	struct ship_config sc;
	struct ship_report rep;
	struct tdir t;
	char key[256];
	size_t i;

	ck_assert_uint_lt(strlen(texts[2]), CSV_HEADER_V2_LEN);
	tdir_make(&t);
	tship_config(&sc, c);
	for (i = 0; i < 3; i++) {
		if (strstr(names[i], ".gz"))
			gz_write(t.fd, names[i], texts[i]);
		else
			tfile_write(t.fd, names[i], texts[i]);
		/* FAILED: the upload was tried, so the file was taken */
		ck_assert_int_eq(ship(&sc, t.fd, names[i], &rep), SHIP_FAILED);
		snprintf(key, sizeof(key), "wgtap/host=gw1/dt=2026-11-24/"
		    "hour=15/%s", names[i]);
		ck_assert_str_eq(rep.key, key);
		ck_assert(tfile_exists(t.fd, names[i]));
	}
	for (i = 0; i < 2; i++) {
		gz_write(t.fd, names[0], not_seg[i]);
		ck_assert_int_eq(ship(&sc, t.fd, names[0], &rep), SHIP_LOCAL);
		ck_assert_ptr_nonnull(strstr(rep.why, "not a wgtap segment"));
		tfile_write(t.fd, names[1], not_seg[i]);
		ck_assert_int_eq(ship(&sc, t.fd, names[1], &rep), SHIP_LOCAL);
		ck_assert_ptr_nonnull(strstr(rep.why, "not a wgtap segment"));
	}
	tdir_remove(&t);
	tclient_free(c);
}
END_TEST

Suite *
ship_suite(void)
{
	Suite *s = suite_create("ship");
	TCase *tc;

	tc = tcase_create("ship_file");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ship_file_gone);
	tcase_add_test(tc, test_ship_file_busy);
	tcase_add_test(tc, test_ship_file_not_regular);
	tcase_add_test(tc, test_ship_file_bad_key);
	tcase_add_test(tc, test_ship_file_failed_keeps_file);
	tcase_add_test(tc, test_ship_file_not_a_segment_inside);
	tcase_add_test(tc, test_ship_file_plain_csv);
	tcase_add_test(tc, test_ship_file_v2_header);
	suite_add_tcase(s, tc);
	return s;
}
