// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/segment.c: no final name before a segment is
 * complete, never replacing a published segment, gzip identical in content
 * to plain CSV, sync points decodable, recovery's temporary name, a taken
 * temporary name (never truncated; the open file locked), abort, and the
 * cap: a row that does not fit is refused and the segment still closes
 * whole; space reserved with zeros where fallocate is missing; a failed
 * flush never published; a write that meets a full filesystem neither
 * lost nor doubled; gzip deflated on two threads at once still one gzip
 * member with the right CRC and length.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include <pcap/dlt.h>

#include "check_wgtap.h"
#include "csv.h"
#include "pkt.h"
#include "recover.h"
#include "segment.h"
#include "spool.h"
#include "wgtap.h"

#define NS	1000000000ULL
/* 2025-11-24T16:00:00Z */
#define HOUR0	(1764000000ULL * NS)
#define ROW7	"192.0.2.1,7,198.51.100.2,9,UDP,36,1764000000000000000,\n"

static void
seg_cfg(struct segment_cfg *cfg, int dirfd, bool gzip)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dirfd = dirfd;
	cfg->gzip = gzip;
	cfg->level = 1;
}

static void
name_at(struct spool_name *n, uint64_t ts)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->iface, sizeof(n->iface), "wgt");
	n->start_ns = (int64_t)ts;
}

/* The row of check_udp4(sport) captured at ts. */
static void
udp_row(struct pkt_row *row, uint16_t sport, uint64_t ts)
{
	uint8_t pkt[CHECK_UDP4_LEN];
	size_t len = check_udp4(pkt, sport);

	ck_assert_int_eq(pkt_parse(DLT_RAW, pkt, len, (uint32_t)len, ts, row),
	    PKT_ROW);
}

/* The spool holds exactly one entry, of this name and kind. */
static void
assert_only(int dirfd, const char *name, enum spool_kind kind)
{
	struct spool_list l = { 0 };

	ck_assert_int_eq(spool_scan(dirfd, &l), WGTAP_OK);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].kind, kind);
	ck_assert_str_eq(l.v[0].name, name);
	spool_list_free(&l);
}

/*
 * A scratch spool t and a segment s open in it (with the configuration
 * *cfg, which must outlive s), named for HOUR0, holding rows copies of
 * ROW7.
 */
static void
open_with_rows(struct tdir *t, struct segment_cfg *cfg, struct segment *s,
    bool gzip, int rows)
{
	struct spool_name n;
	struct pkt_row row;
	int i;

	tdir_make(t);
	seg_cfg(cfg, t->fd, gzip);
	ck_assert_int_eq(segment_init(s, cfg), WGTAP_OK);
	name_at(&n, HOUR0);
	ck_assert_int_eq(segment_open(s, &n, false), WGTAP_OK);
	udp_row(&row, 7, HOUR0);
	for (i = 0; i < rows; i++)
		ck_assert_int_eq(segment_add_row(s, &row), WGTAP_OK);
}

START_TEST(test_segment_close_no_final_name_before_complete)
{
	struct segment_cfg cfg;
	struct spool_name n;
	struct segment s;
	struct tdir t;
	char final[SPOOL_MAX_NAME];
	struct pkt_row row;
	int i;

	tdir_make(&t);
	seg_cfg(&cfg, t.fd, true);
	ck_assert_int_eq(segment_init(&s, &cfg), WGTAP_OK);
	name_at(&n, HOUR0);
	ck_assert_int_eq(segment_open(&s, &n, false), WGTAP_OK);
	udp_row(&row, 7, HOUR0);
	for (i = 0; i < 50000; i++) {
		ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
		if (i % 10000 == 0)
			assert_only(t.fd,
			    ".wgt-20251124T160000.000000000Z-000000.csv.gz.part",
			    SPOOL_TEMP);
	}
	ck_assert_int_eq(segment_close(&s, final), WGTAP_OK);
	ck_assert_str_eq(final, "wgt-20251124T160000.000000000Z-000000.csv.gz");
	assert_only(t.fd, final, SPOOL_SEGMENT);
	/* a second segment with the same name never replaces the first */
	ck_assert_int_eq(segment_open(&s, &n, false), WGTAP_OK);
	ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
	ck_assert_int_eq(segment_close(&s, final), WGTAP_OK);
	ck_assert_str_eq(final, "wgt-20251124T160000.000000000Z-000001.csv.gz");
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

/* Rows first .. first+count-1 into one segment, closed as final. */
static void
write_rows(struct segment *s, unsigned first, unsigned count,
    char final[static SPOOL_MAX_NAME])
{
	struct spool_name n;
	struct pkt_row row;
	unsigned i;

	name_at(&n, HOUR0 + (uint64_t)first * 1000003);
	ck_assert_int_eq(segment_open(s, &n, false), WGTAP_OK);
	for (i = first; i < first + count; i++) {
		udp_row(&row, (uint16_t)(i * 7919), HOUR0 + (uint64_t)i * 1000003);
		ck_assert_int_eq(segment_add_row(s, &row), WGTAP_OK);
	}
	ck_assert_uint_eq(s->rows, count);
	ck_assert_int_eq(segment_close(s, final), WGTAP_OK);
}

START_TEST(test_segment_close_gzip_equals_plain)
{
	static const unsigned first[2] = { 0, 100000 }, count[2] = { 100000,
	    50000 };
	char gz_name[SPOOL_MAX_NAME], plain_name[SPOOL_MAX_NAME];
	struct segment_cfg gcfg, pcfg;
	struct segment sg, sp;
	struct tdir tg, tp;
	size_t la, lb;
	char *a, *b;
	int i;

	tdir_make(&tg);
	tdir_make(&tp);
	seg_cfg(&gcfg, tg.fd, true);
	seg_cfg(&pcfg, tp.fd, false);
	ck_assert_int_eq(segment_init(&sg, &gcfg), WGTAP_OK);
	ck_assert_int_eq(segment_init(&sp, &pcfg), WGTAP_OK);
	for (i = 0; i < 2; i++) {
		write_rows(&sg, first[i], count[i], gz_name);
		write_rows(&sp, first[i], count[i], plain_name);
		ck_assert_uint_eq(strlen(gz_name), strlen(plain_name) + 3);
		ck_assert_int_eq(strncmp(gz_name, plain_name,
		    strlen(plain_name)), 0);
		a = slurp(tg.fd, gz_name, &la);
		b = slurp(tp.fd, plain_name, &lb);
		ck_assert_uint_eq(la, lb);
		ck_assert_int_eq(memcmp(a, b, la), 0);
		ck_assert_int_eq(strncmp(a, CSV_HEADER, CSV_HEADER_LEN), 0);
		ck_assert_uint_eq(check_count_lines(a), count[i] + 1);
		free(a);
		free(b);
	}
	segment_free(&sg);
	segment_free(&sp);
	tdir_remove(&tg);
	tdir_remove(&tp);
}
END_TEST

/* The bytes of the file name in dirfd, as they are. */
static char *
slurp_raw(int dirfd, const char *name, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t n = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	while (n < (size_t)st.st_size &&
	    (got = read(fd, buf + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)got;
	ck_assert_uint_eq(n, (size_t)st.st_size);
	close(fd);
	*len = n;
	return buf;
}

/*
 * The whole file name in dirfd inflated as one gzip member that must end
 * (CRC-32 and length checked by inflate) exactly at the end of the file;
 * NUL-terminated, *len without the NUL, *zlen the file's size.
 */
static char *
gunzip_strict(int dirfd, const char *name, size_t *len, size_t *zlen)
{
	size_t clen, cap = 1 << 20, n = 0;
	unsigned char *c;
	char *out = malloc(cap);
	z_stream zs;
	int zr;

	c = (unsigned char *)slurp_raw(dirfd, name, &clen);
	ck_assert_ptr_nonnull(out);
	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = c;
	zs.avail_in = (uInt)clen;
	do {
		if (cap - n < 65536) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		zs.next_out = (Bytef *)out + n;
		zs.avail_out = (uInt)(cap - n);
		zr = inflate(&zs, Z_NO_FLUSH);
		ck_assert_msg(zr == Z_OK || zr == Z_STREAM_END, "inflate: %d %s",
		    zr, zs.msg ? zs.msg : "");
		n = cap - zs.avail_out;
	} while (zr != Z_STREAM_END);
	ck_assert_uint_eq(zs.avail_in, 0);	/* one member, nothing after */
	inflateEnd(&zs);
	if (n == cap) {
		out = realloc(out, cap + 1);
		ck_assert_ptr_nonnull(out);
	}
	out[n] = '\0';
	free(c);
	*len = n;
	*zlen = clen;
	return out;
}

/* rows rows into a new segment of s, a sync after the first half. */
static void
write_synced(struct segment *s, unsigned rows, char final[static SPOOL_MAX_NAME])
{
	struct spool_name n;
	struct pkt_row row;
	unsigned i;

	name_at(&n, HOUR0);
	ck_assert_int_eq(segment_open(s, &n, false), WGTAP_OK);
	for (i = 0; i < rows; i++) {
		udp_row(&row, (uint16_t)(i * 7919), HOUR0 + (uint64_t)i * 1013);
		ck_assert_int_eq(segment_add_row(s, &row), WGTAP_OK);
		if (i == rows / 2) {
			size_t len;
			char *text;

			/* what a crash now leaves: every row so far */
			ck_assert_int_eq(segment_sync(s), WGTAP_OK);
			text = slurp(s->cfg->dirfd, s->tmpname, &len);
			ck_assert_uint_eq(check_count_lines(text), i + 2);
			free(text);
		}
	}
	ck_assert_int_eq(segment_close(s, final), WGTAP_OK);
}

/*
 * gzip with a writer thread, the row buffers deflated on the caller's
 * thread never, always, every second one, or while the writer is busy,
 * with a sync halfway (after which the temporary file decodes to every
 * row so far): one gzip member that ends with the right CRC-32
 * and length, the same CSV as the single-threaded writer's, at most 2 %
 * larger, and as many chunks deflated by the caller as the mode says.
 */
START_TEST(test_segment_close_gzip_split)
{
	static const enum segment_split mode[] = { SEGMENT_SPLIT_NEVER,
	    SEGMENT_SPLIT_ALWAYS, SEGMENT_SPLIT_ALTERNATE, SEGMENT_SPLIT_AUTO };
	const unsigned rows = 150000;
	char name1[SPOOL_MAX_NAME], name2[SPOOL_MAX_NAME];
	struct segment_cfg c1, c2;
	struct segment s1, s2;
	struct tdir t1, t2;
	size_t l1, l2, z1, z2;
	char *a, *b;

	tdir_make(&t1);
	tdir_make(&t2);
	seg_cfg(&c1, t1.fd, true);
	seg_cfg(&c2, t2.fd, true);
	c2.threads = 2;
	c2.split = mode[_i];
	ck_assert_int_eq(segment_init(&s1, &c1), WGTAP_OK);
	ck_assert_int_eq(segment_init(&s2, &c2), WGTAP_OK);
	write_synced(&s1, rows, name1);
	write_synced(&s2, rows, name2);
	ck_assert_str_eq(name1, name2);
	a = gunzip_strict(t1.fd, name1, &l1, &z1);
	b = gunzip_strict(t2.fd, name2, &l2, &z2);
	ck_assert_uint_eq(l1, l2);
	ck_assert_int_eq(memcmp(a, b, l1), 0);
	ck_assert_uint_eq(check_count_lines(a), rows + 1);
	ck_assert_uint_le(z2, z1 + z1 / 50);
	ck_assert_uint_ge(s2.bufs, 20);
	switch (mode[_i]) {
	case SEGMENT_SPLIT_NEVER:
		ck_assert_uint_eq(s2.chunks_here, 0);
		break;
	case SEGMENT_SPLIT_ALWAYS:
		ck_assert_uint_eq(s2.chunks_here, s2.bufs);
		break;
	case SEGMENT_SPLIT_ALTERNATE:
		ck_assert_uint_eq(s2.chunks_here, s2.bufs / 2);
		break;
	default:
		ck_assert_uint_le(s2.chunks_here, s2.bufs);
		break;
	}
	free(a);
	free(b);
	segment_free(&s1);
	segment_free(&s2);
	tdir_remove(&t1);
	tdir_remove(&t2);
}
END_TEST

/*
 * zstd: the same rows as plain CSV, under the name with ".zst", in one
 * frame that ends (slurp() checks the frame's end and its checksum), at
 * most 0.6 of the plain bytes on these rows; at level 1 and at 9.
 */
START_TEST(test_segment_close_zstd_equals_plain)
{
	char zname[SPOOL_MAX_NAME], pname[SPOOL_MAX_NAME];
	struct segment_cfg zcfg, pcfg;
	struct segment sz, sp;
	struct tdir tz, tp;
	struct stat stz, stp;
	size_t la, lb;
	char *a, *b;

	tdir_make(&tz);
	tdir_make(&tp);
	seg_cfg(&zcfg, tz.fd, true);	/* zstd wins over gzip */
	zcfg.zstd = true;
	zcfg.zstd_level = _i ? 9 : 1;
	seg_cfg(&pcfg, tp.fd, false);
	ck_assert_int_eq(segment_init(&sz, &zcfg), WGTAP_OK);
	ck_assert_int_eq(segment_init(&sp, &pcfg), WGTAP_OK);
	write_rows(&sz, 0, 60000, zname);
	write_rows(&sp, 0, 60000, pname);
	ck_assert_str_eq(zname, "wgt-20251124T160000.000000000Z-000000.csv.zst");
	a = slurp(tz.fd, zname, &la);
	b = slurp(tp.fd, pname, &lb);
	ck_assert_uint_eq(la, lb);
	ck_assert_int_eq(memcmp(a, b, la), 0);
	ck_assert_uint_eq(check_count_lines(a), 60001);
	ck_assert_int_eq(fstatat(tz.fd, zname, &stz, 0), 0);
	ck_assert_int_eq(fstatat(tp.fd, pname, &stp, 0), 0);
	ck_assert_int_lt(stz.st_size * 10, stp.st_size * 6);
	free(a);
	free(b);
	segment_free(&sz);
	segment_free(&sp);
	tdir_remove(&tz);
	tdir_remove(&tp);
}
END_TEST

/*
 * zstd: after each sync the temporary file decodes (without the frame's
 * end) to every row so far: the sync ends a block.
 */
START_TEST(test_segment_sync_decodable_zstd)
{
	struct segment_cfg cfg;
	struct spool_name n;
	struct pkt_row row;
	struct segment s;
	struct tdir t;
	char *buf, *out;
	size_t cap = 1 << 22, zr;
	ssize_t got;
	int fd, i, k;

	tdir_make(&t);
	seg_cfg(&cfg, t.fd, false);
	cfg.zstd = true;
	cfg.zstd_level = 1;
	ck_assert_int_eq(segment_init(&s, &cfg), WGTAP_OK);
	name_at(&n, HOUR0);
	ck_assert_int_eq(segment_open(&s, &n, false), WGTAP_OK);
	udp_row(&row, 7, HOUR0);
	buf = malloc(cap);
	out = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(out);
	for (k = 1; k <= 3; k++) {
		for (i = 0; i < 7000; i++)
			ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
		ck_assert_int_eq(segment_sync(&s), WGTAP_OK);
		fd = openat(t.fd,
		    ".wgt-20251124T160000.000000000Z-000000.csv.zst.part",
		    O_RDONLY);
		ck_assert_int_ne(fd, -1);
		got = pread(fd, buf, cap, 0);
		close(fd);
		ck_assert_int_eq(got, (ssize_t)s.written);
		{
			ZSTD_DCtx *dc = ZSTD_createDCtx();
			ZSTD_inBuffer ib = { buf, (size_t)got, 0 };
			ZSTD_outBuffer ob = { out, cap, 0 };

			zr = ZSTD_decompressStream(dc, &ob, &ib);
			ck_assert(!ZSTD_isError(zr));
			ck_assert_uint_ne(zr, 0);	/* the frame goes on */
			ck_assert_uint_eq(ib.pos, ib.size);
			ck_assert_uint_eq(ob.pos, CSV_HEADER_LEN +
			    (size_t)k * 7000 * strlen(ROW7));
			ck_assert_int_eq(memcmp(out, CSV_HEADER,
			    CSV_HEADER_LEN), 0);
			ck_assert_int_eq(memcmp(out + ob.pos - strlen(ROW7),
			    ROW7, strlen(ROW7)), 0);
			ZSTD_freeDCtx(dc);
		}
	}
	free(buf);
	free(out);
	segment_free(&s);	/* aborts */
	tdir_remove(&t);
}
END_TEST

/* After a sync the temporary file inflates to every row so far. */
START_TEST(test_segment_sync_decodable)
{
	struct segment_cfg cfg;
	struct segment s;
	struct tdir t;
	size_t tl;
	char *text;

	open_with_rows(&t, &cfg, &s, true, 1234);
	ck_assert_int_eq(segment_sync(&s), WGTAP_OK);
	/* gzread tolerates the missing trailer and returns what inflates */
	text = slurp(t.fd, s.tmpname, &tl);
	ck_assert_uint_eq(check_count_lines(text), 1235);
	ck_assert_uint_eq(tl, CSV_HEADER_LEN + 1234 * strlen(ROW7));
	free(text);
	segment_abort(&s);
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

/*
 * A flush that failed leaves the segment failed for good: no more rows,
 * and it is not published even though the next fsync succeeds (as Linux
 * reports a failed writeback to one call only). Here fdatasync() meets
 * /dev/null put in the file's place for that one sync (EINVAL).
 */
START_TEST(test_segment_sync_failed_never_published)
{
	char final[SPOOL_MAX_NAME];
	struct segment_cfg cfg;
	struct segment s;
	struct pkt_row row;
	struct tdir t;
	int null, file;

	open_with_rows(&t, &cfg, &s, true, 10);
	ck_assert_int_eq(segment_sync(&s), WGTAP_OK);
	udp_row(&row, 7, HOUR0);
	ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ne(null, -1);
	file = dup(s.fd);
	ck_assert_int_ne(file, -1);
	ck_assert_int_ne(dup2(null, s.fd), -1);
	ck_assert_int_eq(segment_sync(&s), WGTAP_ESYS);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_ne(dup2(file, s.fd), -1);
	close(file);
	close(null);
	ck_assert(s.failed);
	ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_ESYS);
	ck_assert_int_eq(segment_sync(&s), WGTAP_ESYS);
	errno = 0;
	ck_assert_int_eq(segment_close(&s, final), WGTAP_ESYS);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(final, "");
	ck_assert(!segment_is_open(&s));
	assert_only(t.fd, ".wgt-20251124T160000.000000000Z-000000.csv.gz.part",
	    SPOOL_TEMP);
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

/*
 * Where fallocate(FALLOC_FL_KEEP_SIZE) is missing (ext2), space is
 * reserved by writing zeros past the data: the file runs ahead of its
 * data with its blocks allocated, a leftover in that state recovers
 * every synced row, and the published segment is the data alone.
 */
START_TEST(test_segment_add_row_zero_fill)
{
	char final[SPOOL_MAX_NAME], *text;
	struct recover_result res;
	struct segment_cfg cfg;
	struct segment s;
	struct pkt_row row;
	struct tdir t, crash;
	struct stat st;
	size_t len, got;
	char *copy;
	int i, fd;

	open_with_rows(&t, &cfg, &s, _i, 0);
	/* As reserve() does when fallocate says EOPNOTSUPP. */
	s.zero_fill = true;
	s.reserved = s.written;
	udp_row(&row, 7, HOUR0);
	for (i = 0; i < 30000; i++)
		ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
	ck_assert_int_eq(segment_sync(&s), WGTAP_OK);
	ck_assert_int_eq(fstat(s.fd, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, s.reserved);
	ck_assert_uint_ge(s.reserved, s.written + (1u << 19));
	ck_assert_uint_ge((uint64_t)st.st_blocks * 512, s.reserved);

	/* A crash now: the leftover, zeros and all, recovers every row. */
	copy = malloc((size_t)st.st_size);
	ck_assert_ptr_nonnull(copy);
	fd = openat(t.fd, s.tmpname, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(read(fd, copy, (size_t)st.st_size), st.st_size);
	close(fd);
	ck_assert_int_eq(copy[st.st_size - 1], 0);
	tdir_make(&crash);
	fd = openat(crash.fd, s.tmpname, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, copy, (size_t)st.st_size), st.st_size);
	close(fd);
	free(copy);
	cfg.dirfd = crash.fd;
	ck_assert_int_eq(recover_file(&cfg, s.tmpname, &res), WGTAP_OK);
	cfg.dirfd = t.fd;
	ck_assert_uint_eq(res.rows, 30000);
	ck_assert_uint_eq(res.torn, 0);
	tdir_remove(&crash);

	for (i = 0; i < 20000; i++)
		ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
	ck_assert_int_eq(segment_close(&s, final), WGTAP_OK);
	ck_assert_int_eq(fstatat(t.fd, final, &st, 0), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, s.written);
	text = slurp(t.fd, final, &len);
	ck_assert_uint_eq(len, CSV_HEADER_LEN + 50000 * strlen(ROW7));
	got = check_count_lines(text);
	ck_assert_uint_eq(got, 50001);
	ck_assert_ptr_null(memchr(text, '\0', len));
	free(text);
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

/* A line of random bytes (no newline, no zero) of 100 to 399 bytes. */
static size_t
random_line(char *line, unsigned *seed)
{
	size_t len, i;

	*seed = *seed * 1103515245u + 12345u;
	len = 100 + (*seed >> 16) % 300;
	for (i = 0; i < len - 1; i++) {
		*seed = *seed * 1103515245u + 12345u;
		line[i] = (char)(1 + (*seed >> 16) % 254);
		if (line[i] == '\n')
			line[i] = 'n';
	}
	line[len - 1] = '\n';
	return len;
}

/* Add lines until about bytes more are in; they go to want too. */
static void
add_random(struct segment *s, size_t bytes, unsigned *seed, char *want,
    size_t *want_len)
{
	char line[400];
	size_t len, added = 0;

	while (added < bytes) {
		len = random_line(line, seed);
		ck_assert_int_eq(segment_add_line(s, line, len), WGTAP_OK);
		memcpy(want + *want_len, line, len);
		*want_len += len;
		added += len;
	}
}

/*
 * A write that meets a full filesystem (here /dev/full in the file's
 * place; on a real one, a block the reservation could not cover) loses
 * nothing and doubles nothing: the bytes wait in memory and go out at the
 * next try, and the segment is not failed. With gzip the write fails in
 * the middle of deflating, with input left over.
 */
START_TEST(test_segment_sync_full_then_room)
{
	char final[SPOOL_MAX_NAME], *text, *want;
	struct segment_cfg cfg;
	struct segment s;
	struct tdir t;
	size_t len, want_len = 0;
	unsigned seed = 1;
	int full, file;

	want = malloc(4u << 20);
	ck_assert_ptr_nonnull(want);
	memcpy(want, CSV_HEADER, CSV_HEADER_LEN);
	want_len = CSV_HEADER_LEN;
	full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ne(full, -1);
	open_with_rows(&t, &cfg, &s, _i, 0);
	file = dup(s.fd);
	ck_assert_int_ne(file, -1);

	add_random(&s, 200 * 1024, &seed, want, &want_len);
	ck_assert_int_ne(dup2(full, s.fd), -1);
	ck_assert_int_eq(segment_sync(&s), WGTAP_ENOSPACE);
	ck_assert(!s.failed);
	ck_assert_int_ne(dup2(file, s.fd), -1);
	/* More rows while the first ones still wait in memory. */
	add_random(&s, 200 * 1024, &seed, want, &want_len);
	ck_assert_int_ne(dup2(full, s.fd), -1);
	ck_assert_int_eq(segment_sync(&s), WGTAP_ENOSPACE);
	if (_i)
		ck_assert_uint_gt(s.in_len, 0);	/* deflate stopped half way */
	ck_assert_int_ne(dup2(file, s.fd), -1);
	ck_assert_int_eq(segment_sync(&s), WGTAP_OK);
	add_random(&s, 100 * 1024, &seed, want, &want_len);

	/* The close meets a full filesystem too: still open, then done. */
	ck_assert_int_ne(dup2(full, s.fd), -1);
	ck_assert_int_eq(segment_close(&s, final), WGTAP_ENOSPACE);
	ck_assert(segment_is_open(&s));
	ck_assert_int_eq(segment_add_line(&s, "x\n", 2), WGTAP_ENOSPACE);
	ck_assert_int_ne(dup2(file, s.fd), -1);
	ck_assert_int_eq(segment_close(&s, final), WGTAP_OK);
	text = slurp(t.fd, final, &len);
	ck_assert_uint_eq(len, want_len);
	ck_assert_int_eq(memcmp(text, want, len), 0);
	free(text);
	free(want);
	close(file);
	close(full);
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_segment_open_recovery_name)
{
	struct segment_cfg cfg;
	struct spool_name n;
	struct segment s;
	struct tdir t;
	char final[SPOOL_MAX_NAME], *text;
	size_t len;

	tdir_make(&t);
	seg_cfg(&cfg, t.fd, false);
	ck_assert_int_eq(segment_init(&s, &cfg), WGTAP_OK);
	name_at(&n, HOUR0);
	n.seq = 3;
	n.gzip = true;	/* the configuration decides */
	ck_assert_int_eq(segment_open(&s, &n, true), WGTAP_OK);
	ck_assert_str_eq(s.tmpname,
	    ".wgt-20251124T160000.000000000Z-000003.csv.rec.part");
	assert_only(t.fd, s.tmpname, SPOOL_TEMP);
	ck_assert_int_eq(segment_add_line(&s, ROW7, strlen(ROW7)), WGTAP_OK);
	ck_assert_int_eq(segment_close(&s, final), WGTAP_OK);
	ck_assert_str_eq(final, "wgt-20251124T160000.000000000Z-000003.csv");
	assert_only(t.fd, final, SPOOL_SEGMENT);
	text = slurp(t.fd, final, &len);
	ck_assert_str_eq(text, CSV_HEADER ROW7);
	free(text);
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

/* Whether another open of name in dirfd could take its lock now. */
static bool
lock_free(int dirfd, const char *name)
{
	int fd, r;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	r = flock(fd, LOCK_EX | LOCK_NB);
	if (r == -1)
		ck_assert_int_eq(errno, EWOULDBLOCK);
	close(fd);
	return r == 0;
}

/*
 * A temporary name that exists is another process's open segment: it is
 * neither truncated nor taken over; the sequence number moves on. The
 * segment's own file is locked while it is open.
 */
START_TEST(test_segment_open_temp_name_taken)
{
	static const char other[] =
	    ".wgt-20251124T160000.000000000Z-000000.csv.gz.part";
	static const char copy[] =
	    ".wgt-20251124T160000.000000000Z-000003.csv.gz.rec.part";
	char final[SPOOL_MAX_NAME], *text;
	struct segment_cfg cfg;
	struct spool_name n;
	struct segment s;
	struct pkt_row row;
	struct tdir t;
	size_t len;

	tdir_make(&t);
	tfile_write(t.fd, other, "another process's rows\n");
	seg_cfg(&cfg, t.fd, true);
	ck_assert_int_eq(segment_init(&s, &cfg), WGTAP_OK);
	name_at(&n, HOUR0);
	ck_assert_int_eq(segment_open(&s, &n, false), WGTAP_OK);
	ck_assert_str_eq(s.tmpname,
	    ".wgt-20251124T160000.000000000Z-000001.csv.gz.part");
	ck_assert_uint_eq(s.name.seq, 1);
	ck_assert(!lock_free(t.fd, s.tmpname));
	udp_row(&row, 7, HOUR0);
	ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
	ck_assert_int_eq(segment_close(&s, final), WGTAP_OK);
	ck_assert_str_eq(final, "wgt-20251124T160000.000000000Z-000001.csv.gz");
	ck_assert(lock_free(t.fd, final));
	text = slurp(t.fd, other, &len);
	ck_assert_str_eq(text, "another process's rows\n");
	free(text);

	/* Recovery's copy keeps its leftover's name: taken is an error. */
	tfile_write(t.fd, copy, "a copy being written\n");
	n.seq = 3;
	errno = 0;
	ck_assert_int_eq(segment_open(&s, &n, true), WGTAP_ESYS);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert(!segment_is_open(&s));
	text = slurp(t.fd, copy, &len);
	ck_assert_str_eq(text, "a copy being written\n");
	free(text);
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_segment_abort_leaves_nothing)
{
	struct segment_cfg cfg;
	struct spool_list l = { 0 };
	struct segment s;
	struct tdir t;

	open_with_rows(&t, &cfg, &s, true, 1);
	ck_assert_int_eq(segment_sync(&s), WGTAP_OK);
	segment_abort(&s);
	ck_assert(!segment_is_open(&s));
	ck_assert_int_eq(spool_scan(t.fd, &l), WGTAP_OK);
	ck_assert_uint_eq(l.n, 0);
	spool_list_free(&l);
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

/*
 * A row that would pass the cap is refused before anything is lost, and
 * the segment still closes whole within the cap; with too little room
 * left no segment starts and nothing is left behind.
 */
START_TEST(test_segment_add_row_cap)
{
	char final[SPOOL_MAX_NAME], *text;
	struct segment_cfg cfg;
	struct spool_list l = { 0 };
	struct spool_name n;
	struct segment s;
	struct pkt_row row;
	struct tdir t;
	struct stat st;
	uint64_t used = 0, rows;
	size_t len;
	int r;

	tdir_make(&t);
	seg_cfg(&cfg, t.fd, false);
	cfg.cap_bytes = SEGMENT_MIN_SPACE;
	cfg.spool_used = &used;
	ck_assert_int_eq(segment_init(&s, &cfg), WGTAP_OK);
	name_at(&n, HOUR0);
	ck_assert_int_eq(segment_open(&s, &n, false), WGTAP_OK);
	udp_row(&row, 7, HOUR0);
	do {
		r = segment_add_row(&s, &row);
	} while (r == WGTAP_OK);
	ck_assert_int_eq(r, WGTAP_ENOSPACE);
	rows = s.rows;
	ck_assert_uint_gt(rows, 10000);
	ck_assert_int_eq(segment_close(&s, final), WGTAP_OK);
	ck_assert_int_eq(fstatat(t.fd, final, &st, 0), 0);
	ck_assert_uint_eq((uint64_t)st.st_size,
	    CSV_HEADER_LEN + rows * strlen(ROW7));
	ck_assert_uint_le((uint64_t)st.st_size, cfg.cap_bytes);
	text = slurp(t.fd, final, &len);
	ck_assert_uint_eq(check_count_lines(text), rows + 1);
	ck_assert_int_eq(memcmp(text + len - strlen(ROW7), ROW7, strlen(ROW7)),
	    0);
	free(text);
	ck_assert_int_eq(unlinkat(t.fd, final, 0), 0);

	used = cfg.cap_bytes - 512 * 1024;
	ck_assert_int_eq(segment_open(&s, &n, false), WGTAP_ENOSPACE);
	ck_assert(!segment_is_open(&s));
	ck_assert_int_eq(spool_scan(t.fd, &l), WGTAP_OK);
	ck_assert_uint_eq(l.n, 0);
	spool_list_free(&l);
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

Suite *
segment_suite(void)
{
	Suite *s = suite_create("segment");
	TCase *tc;

	tc = tcase_create("segment_open");
	tcase_add_test(tc, test_segment_open_recovery_name);
	tcase_add_test(tc, test_segment_open_temp_name_taken);
	suite_add_tcase(s, tc);
	tc = tcase_create("segment_add_row");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_segment_add_row_cap);
	tcase_add_loop_test(tc, test_segment_add_row_zero_fill, 0, 2);
	suite_add_tcase(s, tc);
	tc = tcase_create("segment_sync");
	tcase_add_test(tc, test_segment_sync_decodable);
	tcase_add_test(tc, test_segment_sync_decodable_zstd);
	tcase_add_test(tc, test_segment_sync_failed_never_published);
	tcase_add_loop_test(tc, test_segment_sync_full_then_room, 0, 2);
	suite_add_tcase(s, tc);
	tc = tcase_create("segment_close");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_segment_close_no_final_name_before_complete);
	tcase_add_test(tc, test_segment_close_gzip_equals_plain);
	tcase_add_loop_test(tc, test_segment_close_gzip_split, 0, 4);
	tcase_add_loop_test(tc, test_segment_close_zstd_equals_plain, 0, 2);
	suite_add_tcase(s, tc);
	tc = tcase_create("segment_abort");
	tcase_add_test(tc, test_segment_abort_leaves_nothing);
	suite_add_tcase(s, tc);
	return s;
}
