// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/segment.c and capture.c: rotation points by
 * count, capture-time age and UTC hour, names, a header per segment, no
 * final name before a segment is complete, gzip identical in content to
 * plain CSV, sync points decodable, the spool cap.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <pcap/dlt.h>

#include "capture.h"
#include "check_wgtap.h"
#include "csv.h"
#include "segment.h"
#include "spool.h"
#include "wgtap.h"

#define NS	1000000000ULL
/* 2025-11-24T16:00:00Z */
#define HOUR0	(1764000000ULL * NS)

/* IPv4/UDP 192.0.2.1:sport -> 198.51.100.2:9, 8 bytes of payload. */
static size_t
udp4(uint8_t *b, uint16_t sport)
{
	static const uint8_t hdr[28] = {
		0x45, 0, 0, 36, 0, 1, 0, 0, 64, 17, 0, 0,
		192, 0, 2, 1, 198, 51, 100, 2,
		0, 0, 0, 9, 0, 16, 0, 0,
	};

	memcpy(b, hdr, sizeof(hdr));
	b[20] = (uint8_t)(sport >> 8);
	b[21] = (uint8_t)sport;
	memset(b + 28, 0, 8);
	return 36;
}

static void
cfg_make(struct capture_cfg *cfg, int dirfd, bool gzip, uint64_t max_rows,
    uint64_t interval_ns)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->iface, sizeof(cfg->iface), "wgt");
	cfg->dlt = DLT_RAW;
	cfg->max_rows = max_rows;
	cfg->interval_ns = interval_ns;
	cfg->seg.dirfd = dirfd;
	cfg->seg.gzip = gzip;
	cfg->seg.level = 1;
}

/* Segment names in the spool, final names only, oldest first. */
static size_t
finals(int dirfd, char names[][SPOOL_MAX_NAME], size_t max)
{
	struct spool_list l = { 0 };
	size_t i, n = 0;

	ck_assert_int_eq(spool_scan(dirfd, &l), WGTAP_OK);
	for (i = 0; i < l.n; i++) {
		if (l.v[i].kind != SPOOL_SEGMENT)
			continue;
		ck_assert_uint_lt(n, max);
		memcpy(names[n++], l.v[i].name, SPOOL_MAX_NAME);
	}
	spool_list_free(&l);
	return n;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
feed(struct capture *c, uint16_t sport, uint64_t ts)
{
	uint8_t pkt[64];
	size_t len = udp4(pkt, sport);

	ck_assert_int_eq(capture_packet(c, pkt, (uint32_t)len, (uint32_t)len,
	    ts), WGTAP_OK);
}

START_TEST(test_capture_packet_rotate_by_count)
{
	char names[8][SPOOL_MAX_NAME], *text;
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;
	size_t n, len;
	int i;

	tdir_make(&t);
	cfg_make(&cfg, t.fd, true, 3, 300 * NS);
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	for (i = 0; i < 7; i++)
		feed(&c, (uint16_t)(1000 + i), HOUR0 + (uint64_t)i * NS);
	/* Two full segments are published; the third is still open. */
	n = finals(t.fd, names, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "wgt-20251124T160000.000000000Z-000000.csv.gz");
	ck_assert_str_eq(names[1], "wgt-20251124T160003.000000000Z-000001.csv.gz");
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	n = finals(t.fd, names, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(names[2], "wgt-20251124T160006.000000000Z-000002.csv.gz");
	text = slurp(t.fd, names[0], &len);
	ck_assert_str_eq(text, CSV_HEADER
	    "192.0.2.1,1000,198.51.100.2,9,UDP,36,1764000000000000000,\n"
	    "192.0.2.1,1001,198.51.100.2,9,UDP,36,1764000001000000000,\n"
	    "192.0.2.1,1002,198.51.100.2,9,UDP,36,1764000002000000000,\n");
	free(text);
	text = slurp(t.fd, names[2], &len);
	ck_assert_str_eq(text, CSV_HEADER
	    "192.0.2.1,1006,198.51.100.2,9,UDP,36,1764000006000000000,\n");
	free(text);
	ck_assert_uint_eq(c.st.packets, 7);
	ck_assert_uint_eq(c.st.rows, 7);
	ck_assert_uint_eq(c.st.segments, 3);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_capture_packet_rotate_by_capture_time)
{
	char names[8][SPOOL_MAX_NAME], *text;
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;
	size_t n, len;

	tdir_make(&t);
	cfg_make(&cfg, t.fd, false, 1000, 60 * NS);
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	feed(&c, 1, HOUR0 + 10 * NS);
	feed(&c, 2, HOUR0 + 69 * NS + NS - 1);	/* 59.999999999 s later */
	feed(&c, 3, HOUR0 + 70 * NS);		/* exactly 60 s: new segment */
	feed(&c, 4, HOUR0 + 129 * NS);
	/* a packet stamped earlier than the segment start stays in it */
	feed(&c, 5, HOUR0 + 65 * NS);
	feed(&c, 6, HOUR0 + 3599 * NS);		/* age */
	feed(&c, 7, HOUR0 + 3600 * NS);		/* the next UTC hour */
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	n = finals(t.fd, names, 8);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(names[0], "wgt-20251124T160010.000000000Z-000000.csv");
	ck_assert_str_eq(names[1], "wgt-20251124T160110.000000000Z-000001.csv");
	ck_assert_str_eq(names[2], "wgt-20251124T165959.000000000Z-000002.csv");
	ck_assert_str_eq(names[3], "wgt-20251124T170000.000000000Z-000003.csv");
	text = slurp(t.fd, names[1], &len);
	ck_assert_uint_eq(count_lines(text), 4);
	ck_assert_ptr_nonnull(strstr(text, ",1764000065000000000,\n"));
	free(text);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_capture_packet_hour_boundary)
{
	char names[8][SPOOL_MAX_NAME];
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;

	tdir_make(&t);
	/* 5-minute segments starting at 16:58 must still end at 17:00 */
	cfg_make(&cfg, t.fd, true, 1000, 300 * NS);
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	feed(&c, 1, HOUR0 + 3480 * NS);
	ck_assert_uint_eq(capture_deadline(&c), HOUR0 + 3600 * NS);
	feed(&c, 2, HOUR0 + 3599 * NS + 999999999);
	feed(&c, 3, HOUR0 + 3600 * NS);
	ck_assert_uint_eq(capture_deadline(&c), HOUR0 + 3900 * NS);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	ck_assert_uint_eq(finals(t.fd, names, 8), 2);
	ck_assert_str_eq(names[0], "wgt-20251124T165800.000000000Z-000000.csv.gz");
	ck_assert_str_eq(names[1], "wgt-20251124T170000.000000000Z-000001.csv.gz");
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_capture_tick_age_without_packets)
{
	char names[8][SPOOL_MAX_NAME];
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;

	tdir_make(&t);
	cfg_make(&cfg, t.fd, true, 1000, 30 * NS);
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	/* no packets, no segment, whatever the clock says */
	ck_assert_int_eq(capture_tick(&c, HOUR0 + 100 * NS, NS), WGTAP_OK);
	ck_assert_uint_eq(finals(t.fd, names, 8), 0);
	feed(&c, 1, HOUR0);
	ck_assert_int_eq(capture_tick(&c, HOUR0 + 29 * NS, 2 * NS), WGTAP_OK);
	ck_assert_uint_eq(finals(t.fd, names, 8), 0);
	ck_assert_int_eq(capture_tick(&c, HOUR0 + 30 * NS, 3 * NS), WGTAP_OK);
	ck_assert_uint_eq(finals(t.fd, names, 8), 1);
	ck_assert_int_eq(capture_tick(&c, HOUR0 + 90 * NS, 4 * NS), WGTAP_OK);
	ck_assert_uint_eq(finals(t.fd, names, 8), 1);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	ck_assert_uint_eq(finals(t.fd, names, 8), 1);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_segment_close_no_final_name_before_complete)
{
	struct segment_cfg cfg;
	struct spool_list l = { 0 };
	struct spool_name n;
	struct segment s;
	struct tdir t;
	char final[SPOOL_MAX_NAME];
	uint8_t pkt[64];
	struct pkt_row row;
	size_t len = udp4(pkt, 7);
	int i;

	tdir_make(&t);
	memset(&cfg, 0, sizeof(cfg));
	cfg.dirfd = t.fd;
	cfg.gzip = true;
	cfg.level = 1;
	ck_assert_int_eq(segment_init(&s, &cfg), WGTAP_OK);
	memset(&n, 0, sizeof(n));
	snprintf(n.iface, sizeof(n.iface), "wgt");
	n.start_ns = (int64_t)HOUR0;
	ck_assert_int_eq(segment_open(&s, &n, false), WGTAP_OK);
	ck_assert_int_eq(pkt_parse(DLT_RAW, pkt, len, (uint32_t)len, HOUR0,
	    &row), PKT_ROW);
	for (i = 0; i < 50000; i++) {
		ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
		if (i % 10000 == 0) {
			ck_assert_int_eq(spool_scan(t.fd, &l), WGTAP_OK);
			ck_assert_uint_eq(l.n, 1);
			ck_assert_int_eq(l.v[0].kind, SPOOL_TEMP);
			ck_assert_str_eq(l.v[0].name,
			    ".wgt-20251124T160000.000000000Z-000000.csv.gz.part");
			spool_list_free(&l);
		}
	}
	ck_assert_int_eq(segment_close(&s, final), WGTAP_OK);
	ck_assert_str_eq(final, "wgt-20251124T160000.000000000Z-000000.csv.gz");
	ck_assert_int_eq(spool_scan(t.fd, &l), WGTAP_OK);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_int_eq(l.v[0].kind, SPOOL_SEGMENT);
	spool_list_free(&l);
	/* a second segment with the same name never replaces the first */
	ck_assert_int_eq(segment_open(&s, &n, false), WGTAP_OK);
	ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
	ck_assert_int_eq(segment_close(&s, final), WGTAP_OK);
	ck_assert_str_eq(final, "wgt-20251124T160000.000000000Z-000001.csv.gz");
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_segment_close_gzip_equals_plain)
{
	char gz_names[4][SPOOL_MAX_NAME], plain_names[4][SPOOL_MAX_NAME];
	char *a, *b;
	struct capture_cfg cfg;
	struct capture cg, cp;
	struct tdir tg, tp;
	size_t la, lb, n;
	unsigned i;

	tdir_make(&tg);
	tdir_make(&tp);
	cfg_make(&cfg, tg.fd, true, 100000, 300 * NS);
	ck_assert_int_eq(capture_init(&cg, &cfg, 0), WGTAP_OK);
	cfg_make(&cfg, tp.fd, false, 100000, 300 * NS);
	ck_assert_int_eq(capture_init(&cp, &cfg, 0), WGTAP_OK);
	for (i = 0; i < 150000; i++) {
		uint64_t ts = HOUR0 + (uint64_t)i * 1000003;

		feed(&cg, (uint16_t)(i * 7919), ts);
		feed(&cp, (uint16_t)(i * 7919), ts);
	}
	ck_assert_int_eq(capture_finish(&cg, "test"), WGTAP_OK);
	ck_assert_int_eq(capture_finish(&cp, "test"), WGTAP_OK);
	n = finals(tg.fd, gz_names, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(finals(tp.fd, plain_names, 4), 2);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(strncmp(gz_names[i], plain_names[i],
		    strlen(plain_names[i])), 0);
		a = slurp(tg.fd, gz_names[i], &la);
		b = slurp(tp.fd, plain_names[i], &lb);
		ck_assert_uint_eq(la, lb);
		ck_assert_int_eq(memcmp(a, b, la), 0);
		ck_assert_int_eq(strncmp(a, CSV_HEADER, CSV_HEADER_LEN), 0);
		ck_assert_uint_eq(count_lines(a), i == 0 ? 100001 : 50001);
		free(a);
		free(b);
	}
	capture_free(&cg);
	capture_free(&cp);
	tdir_remove(&tg);
	tdir_remove(&tp);
}
END_TEST

/* After a sync the temporary file inflates to every row so far. */
START_TEST(test_segment_sync_decodable)
{
	struct segment_cfg cfg;
	struct spool_name n;
	struct segment s;
	struct pkt_row row;
	struct tdir t;
	uint8_t pkt[64];
	size_t len = udp4(pkt, 7), tl;
	char *text;
	int i;

	tdir_make(&t);
	memset(&cfg, 0, sizeof(cfg));
	cfg.dirfd = t.fd;
	cfg.gzip = true;
	cfg.level = 1;
	ck_assert_int_eq(segment_init(&s, &cfg), WGTAP_OK);
	memset(&n, 0, sizeof(n));
	snprintf(n.iface, sizeof(n.iface), "wgt");
	n.start_ns = (int64_t)HOUR0;
	ck_assert_int_eq(segment_open(&s, &n, false), WGTAP_OK);
	ck_assert_int_eq(pkt_parse(DLT_RAW, pkt, len, (uint32_t)len, HOUR0,
	    &row), PKT_ROW);
	for (i = 0; i < 1234; i++)
		ck_assert_int_eq(segment_add_row(&s, &row), WGTAP_OK);
	ck_assert_int_eq(segment_sync(&s), WGTAP_OK);
	/* gzread tolerates the missing trailer and returns what inflates */
	text = slurp(t.fd, s.tmpname, &tl);
	ck_assert_uint_eq(count_lines(text), 1235);
	ck_assert_uint_eq(tl, CSV_HEADER_LEN + 1234 * strlen(
	    "192.0.2.1,7,198.51.100.2,9,UDP,36,1764000000000000000,\n"));
	free(text);
	segment_abort(&s);
	segment_free(&s);
	tdir_remove(&t);
}
END_TEST

/* At the cap the open segment is closed whole, later packets counted. */
START_TEST(test_capture_packet_spool_cap)
{
	char names[64][SPOOL_MAX_NAME], *text;
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;
	size_t n, i, len, rows = 0;
	unsigned k;

	tdir_make(&t);
	cfg_make(&cfg, t.fd, false, 20000, 3600 * NS);
	cfg.seg.cap_bytes = 8u << 20;
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	ck_assert_int_eq(capture_measure_spool(&c), WGTAP_OK);
	for (k = 0; k < 400000; k++)
		feed(&c, (uint16_t)k, HOUR0 + k);
	ck_assert(c.full);
	ck_assert_uint_eq(c.st.packets, 400000);
	ck_assert_uint_gt(c.st.dropped_full, 0);
	ck_assert_uint_eq(c.st.rows + c.st.dropped_full, 400000);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	n = finals(t.fd, names, 64);
	for (i = 0; i < n; i++) {
		text = slurp(t.fd, names[i], &len);
		ck_assert_int_eq(strncmp(text, CSV_HEADER, CSV_HEADER_LEN), 0);
		ck_assert_int_eq(text[len - 1], '\n');
		rows += count_lines(text) - 1;
		free(text);
	}
	ck_assert_uint_eq(rows, c.st.rows);
	ck_assert_int_eq(capture_measure_spool(&c), WGTAP_OK);
	ck_assert_uint_le(c.spool_used, cfg.seg.cap_bytes);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

Suite *
segment_suite(void)
{
	Suite *s = suite_create("segment");
	TCase *tc;

	tc = tcase_create("capture_packet");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_capture_packet_rotate_by_count);
	tcase_add_test(tc, test_capture_packet_rotate_by_capture_time);
	tcase_add_test(tc, test_capture_packet_hour_boundary);
	tcase_add_test(tc, test_capture_packet_spool_cap);
	suite_add_tcase(s, tc);
	tc = tcase_create("capture_tick");
	tcase_add_test(tc, test_capture_tick_age_without_packets);
	suite_add_tcase(s, tc);
	tc = tcase_create("segment_close");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_segment_close_no_final_name_before_complete);
	tcase_add_test(tc, test_segment_close_gzip_equals_plain);
	suite_add_tcase(s, tc);
	tc = tcase_create("segment_sync");
	tcase_add_test(tc, test_segment_sync_decodable);
	suite_add_tcase(s, tc);
	return s;
}
