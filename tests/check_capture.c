// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/capture.c: rotation by count, capture-time age
 * and UTC hour, capture time stepping back or a little out of order, a
 * temporary name taken by another process, the age deadline without
 * packets, how long a live source may wait, rotation on demand and a close
 * that meets a full filesystem, the sync interval counted from the start,
 * the spool cap, the counters line.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/dlt.h>

#include "capture.h"
#include "check_wgtap.h"
#include "csv.h"
#include "spool.h"
#include "wgtap.h"

#define NS	1000000000ULL
/* 2025-11-24T16:00:00Z */
#define HOUR0	(1764000000ULL * NS)

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

static void
feed(struct capture *c, uint16_t sport, uint64_t ts)
{
	uint8_t pkt[CHECK_UDP4_LEN];
	size_t len = check_udp4(pkt, sport);

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
	n = check_finals(t.fd, names, 8);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "wgt-20251124T160000.000000000Z-000000.csv.gz");
	ck_assert_str_eq(names[1], "wgt-20251124T160003.000000000Z-000001.csv.gz");
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	n = check_finals(t.fd, names, 8);
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

/* A LINUX_SLL2 frame of packet type pkttype around the UDP packet. */
static size_t
sll2_udp4(uint8_t *b, uint8_t pkttype, uint16_t sport)
{
	memset(b, 0, 20);
	b[0] = 0x08;		/* IPv4 */
	b[7] = 5;		/* ifindex */
	b[10] = pkttype;
	return 20 + check_udp4(b + 20, sport);
}

/*
 * Format v2: the v2 header; each row's direction from the frame's packet
 * type (host in, outgoing out, loopback none), an empty peer (no peer
 * table), no DNS columns for a packet without DNS. The same frames in v1
 * give v1's rows.
 */
START_TEST(test_capture_packet_format_v2)
{
	static const uint8_t types[] = { 0, 4, 5, 3 };
	uint8_t b[20 + CHECK_UDP4_LEN];
	char names[2][SPOOL_MAX_NAME], *text;
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;
	size_t i, len;
	int v;

	for (v = 1; v <= 2; v++) {
		tdir_make(&t);
		cfg_make(&cfg, t.fd, v == 2, 100, 300 * NS);
		cfg.dlt = DLT_LINUX_SLL2;
		cfg.seg.format = v == 2 ? CSV_V2 : CSV_V1;
		ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
		for (i = 0; i < sizeof(types); i++) {
			len = sll2_udp4(b, types[i], (uint16_t)(1000 + i));
			ck_assert_int_eq(capture_packet(&c, b, (uint32_t)len,
			    (uint32_t)len, HOUR0 + i), WGTAP_OK);
		}
		ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
		ck_assert_uint_eq(check_finals(t.fd, names, 2), 1);
		text = slurp(t.fd, names[0], &len);
		if (v == 2)
			ck_assert_str_eq(text, CSV_HEADER_V2
			    "192.0.2.1,1000,198.51.100.2,9,UDP,56,"
			    "1764000000000000000,,,in,,,\n"
			    "192.0.2.1,1001,198.51.100.2,9,UDP,56,"
			    "1764000000000000001,,,out,,,\n"
			    "192.0.2.1,1002,198.51.100.2,9,UDP,56,"
			    "1764000000000000002,,,,,,\n"
			    "192.0.2.1,1003,198.51.100.2,9,UDP,56,"
			    "1764000000000000003,,,in,,,\n");
		else
			ck_assert_str_eq(text, CSV_HEADER
			    "192.0.2.1,1000,198.51.100.2,9,UDP,56,"
			    "1764000000000000000,\n"
			    "192.0.2.1,1001,198.51.100.2,9,UDP,56,"
			    "1764000000000000001,\n"
			    "192.0.2.1,1002,198.51.100.2,9,UDP,56,"
			    "1764000000000000002,\n"
			    "192.0.2.1,1003,198.51.100.2,9,UDP,56,"
			    "1764000000000000003,\n");
		free(text);
		capture_free(&c);
		tdir_remove(&t);
	}
}
END_TEST

/*
 * Format v2 with a fixed peer table: "in" rows name the source's peer,
 * "out" rows the destination's, rows without a direction the source's
 * and else the destination's; rows with no peer are counted.
 */
START_TEST(test_capture_packet_peers)
{
	static const uint8_t types[] = { 0, 4, 5, 3 };
	uint8_t b[20 + CHECK_UDP4_LEN], k[PEERTAB_KEY_LEN];
	uint8_t a1[16] = { 192, 0, 2, 1 }, a2[16] = { 198, 51, 100, 0 };
	char names[2][SPOOL_MAX_NAME], key[2][PEERTAB_B64_LEN + 1];
	char want[1024], line[512], *text;
	struct capture_cfg cfg;
	struct peertab *t;
	struct capture c;
	struct tdir d;
	size_t i, len, idx;
	int round;

	for (round = 0; round < 2; round++) {
		t = peertab_new();
		for (i = 0; i < 2; i++) {
			memset(k, (int)(0x40 + i), sizeof(k));
			check_ref_base64(k, PEERTAB_KEY_LEN, key[i]);
			ck_assert_int_eq(peertab_add_peer(t, k, &idx), WGTAP_OK);
		}
		/* round 1: the source's peer is gone */
		if (round == 0)
			ck_assert_int_eq(peertab_add_ip(t, 0, 4, a1, 32),
			    WGTAP_OK);
		ck_assert_int_eq(peertab_add_ip(t, 1, 4, a2, 24), WGTAP_OK);
		tdir_make(&d);
		cfg_make(&cfg, d.fd, false, 100, 300 * NS);
		cfg.dlt = DLT_LINUX_SLL2;
		cfg.seg.format = CSV_V2;
		cfg.peers_fixed = t;
		ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
		for (i = 0; i < sizeof(types); i++) {
			len = sll2_udp4(b, types[i], (uint16_t)(1000 + i));
			ck_assert_int_eq(capture_packet(&c, b, (uint32_t)len,
			    (uint32_t)len, HOUR0 + i), WGTAP_OK);
		}
		ck_assert_uint_eq(c.st.no_peer, round == 0 ? 0 : 2);
		capture_stats_line(&c.st, line, sizeof(line));
		ck_assert_ptr_nonnull(strstr(line, round == 0 ?
		    " spool_full=0 no_peer=0" : " spool_full=0 no_peer=2"));
		ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
		ck_assert_uint_eq(check_finals(d.fd, names, 2), 1);
		text = slurp(d.fd, names[0], &len);
		snprintf(want, sizeof(want), CSV_HEADER_V2
		    "192.0.2.1,1000,198.51.100.2,9,UDP,56,"
		    "1764000000000000000,,%s,in,,,\n"
		    "192.0.2.1,1001,198.51.100.2,9,UDP,56,"
		    "1764000000000000001,,%s,out,,,\n"
		    "192.0.2.1,1002,198.51.100.2,9,UDP,56,"
		    "1764000000000000002,,%s,,,,\n"
		    "192.0.2.1,1003,198.51.100.2,9,UDP,56,"
		    "1764000000000000003,,%s,in,,,\n",
		    round == 0 ? key[0] : "", key[1], key[round],
		    round == 0 ? key[0] : "");
		ck_assert_str_eq(text, want);
		free(text);
		capture_free(&c);
		peertab_free(t);
		tdir_remove(&d);
	}
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
	/* a packet stamped a little before the segment start stays in it */
	feed(&c, 5, HOUR0 + 69 * NS + NS / 2);
	feed(&c, 6, HOUR0 + 3599 * NS);		/* age */
	feed(&c, 7, HOUR0 + 3600 * NS);		/* the next UTC hour */
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	n = check_finals(t.fd, names, 8);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(names[0], "wgt-20251124T160010.000000000Z-000000.csv");
	ck_assert_str_eq(names[1], "wgt-20251124T160110.000000000Z-000001.csv");
	ck_assert_str_eq(names[2], "wgt-20251124T165959.000000000Z-000002.csv");
	ck_assert_str_eq(names[3], "wgt-20251124T170000.000000000Z-000003.csv");
	text = slurp(t.fd, names[1], &len);
	ck_assert_uint_eq(check_count_lines(text), 4);
	ck_assert_ptr_nonnull(strstr(text, ",1764000069500000000,\n"));
	free(text);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

/*
 * Every final segment in dirfd is whole and sane: each row's capture time
 * lies in the UTC hour of the segment's name, and the rows span less than
 * interval. Returns the rows counted.
 */
static size_t
assert_segments_in_bounds(int dirfd, uint64_t interval)
{
	char names[64][SPOOL_MAX_NAME], *text, *line, *end;
	struct spool_name n;
	size_t i, k, len, rows = 0;
	uint64_t ts, lo, hi;

	k = check_finals(dirfd, names, 64);
	for (i = 0; i < k; i++) {
		ck_assert_int_eq(spool_name_parse(names[i], &n), WGTAP_OK);
		text = slurp(dirfd, names[i], &len);
		ck_assert_int_eq(strncmp(text, CSV_HEADER, CSV_HEADER_LEN), 0);
		lo = UINT64_MAX;
		hi = 0;
		for (line = text + CSV_HEADER_LEN; *line; line = end + 1) {
			const char *f = line;
			int comma;

			end = strchr(line, '\n');
			ck_assert_ptr_nonnull(end);
			for (comma = 0; comma < 6; comma++) {
				f = strchr(f, ',');
				ck_assert_ptr_nonnull(f);
				f++;
			}
			ts = strtoull(f, NULL, 10);
			ck_assert_msg(ts / (3600 * NS) ==
			    (uint64_t)n.start_ns / (3600 * NS),
			    "%s holds a row of another hour: %llu", names[i],
			    (unsigned long long)ts);
			lo = ts < lo ? ts : lo;
			hi = ts > hi ? ts : hi;
			rows++;
		}
		ck_assert_msg(hi - lo < interval, "%s spans %llu ns", names[i],
		    (unsigned long long)(hi - lo));
		free(text);
	}
	return rows;
}

/*
 * The clock steps back 20 minutes in the middle of a 5-minute segment:
 * no segment may then hold rows from both sides of the step.
 */
START_TEST(test_capture_packet_time_backwards)
{
	char names[64][SPOOL_MAX_NAME];
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;
	uint64_t m;
	size_t n;

	tdir_make(&t);
	cfg_make(&cfg, t.fd, true, 1000, 300 * NS);
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	/* 16:30, 16:31, 16:32, then back to 16:10 and on to 16:34 */
	for (m = 30; m <= 32; m++)
		feed(&c, (uint16_t)m, HOUR0 + m * 60 * NS);
	for (m = 10; m <= 34; m++)
		feed(&c, (uint16_t)(100 + m), HOUR0 + m * 60 * NS + NS / 2);
	/* and back over the hour: 17:00:05, then 16:59:58 */
	feed(&c, 200, HOUR0 + 3605 * NS);
	feed(&c, 201, HOUR0 + 3598 * NS);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	ck_assert_uint_eq(assert_segments_in_bounds(t.fd, 300 * NS), 30);
	ck_assert_uint_eq(c.st.rows, 30);
	n = check_finals(t.fd, names, 64);
	/* 16:30-16:32; 16:10-16:14, ..., 16:30-16:34; 17:00:05; 16:59:58 */
	ck_assert_uint_eq(n, 1 + 5 + 2);
	ck_assert_str_eq(names[0], "wgt-20251124T161000.500000000Z-000001.csv.gz");
	ck_assert_str_eq(names[3], "wgt-20251124T162500.500000000Z-000004.csv.gz");
	ck_assert_str_eq(names[4], "wgt-20251124T163000.000000000Z-000000.csv.gz");
	ck_assert_str_eq(names[5], "wgt-20251124T163000.500000000Z-000005.csv.gz");
	ck_assert_str_eq(names[6], "wgt-20251124T165958.000000000Z-000007.csv.gz");
	ck_assert_str_eq(names[7], "wgt-20251124T170005.000000000Z-000006.csv.gz");
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

/*
 * Timestamps a little out of order (packets from several CPUs) neither
 * rotate nor leave the segment.
 */
START_TEST(test_capture_packet_jitter_stays)
{
	char names[8][SPOOL_MAX_NAME], *text;
	static const int64_t step_us[] = { 0, 1000, -50, 2000, -1999, 3000,
	    2999, 120000000, 119999000 };
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;
	size_t i, len;

	tdir_make(&t);
	cfg_make(&cfg, t.fd, false, 1000, 300 * NS);
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	for (i = 0; i < sizeof(step_us) / sizeof(step_us[0]); i++)
		feed(&c, (uint16_t)i,
		    HOUR0 + 100 * NS + (uint64_t)(step_us[i] * 1000));
	ck_assert_uint_eq(c.st.segments, 0);
	/* the age counts from the earliest row */
	ck_assert_uint_eq(capture_deadline(&c), HOUR0 + 400 * NS - 1999000);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 1);
	ck_assert_str_eq(names[0], "wgt-20251124T160140.000000000Z-000000.csv");
	text = slurp(t.fd, names[0], &len);
	ck_assert_uint_eq(check_count_lines(text), 1 + 9);
	ck_assert_ptr_nonnull(strstr(text, ",1764000099999950000,\n"));
	free(text);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

/*
 * Another process (the same label) has a segment open under the name this
 * capture would use next: it takes the next sequence number, and the
 * numbers go on from there.
 */
START_TEST(test_capture_packet_temp_name_taken)
{
	static const char other[] =
	    ".wgt-20251124T160000.000000000Z-000000.csv.part";
	char names[8][SPOOL_MAX_NAME];
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;

	tdir_make(&t);
	tfile_write(t.fd, other, "");
	cfg_make(&cfg, t.fd, false, 1, 300 * NS);
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	feed(&c, 1, HOUR0);
	feed(&c, 2, HOUR0 + NS);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 2);
	ck_assert_str_eq(names[0], "wgt-20251124T160000.000000000Z-000001.csv");
	ck_assert_str_eq(names[1], "wgt-20251124T160001.000000000Z-000002.csv");
	ck_assert(tfile_exists(t.fd, other));
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
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 2);
	ck_assert_str_eq(names[0], "wgt-20251124T165800.000000000Z-000000.csv.gz");
	ck_assert_str_eq(names[1], "wgt-20251124T170000.000000000Z-000001.csv.gz");
	capture_free(&c);
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
	n = check_finals(t.fd, names, 64);
	for (i = 0; i < n; i++) {
		text = slurp(t.fd, names[i], &len);
		ck_assert_int_eq(strncmp(text, CSV_HEADER, CSV_HEADER_LEN), 0);
		ck_assert_int_eq(text[len - 1], '\n');
		rows += check_count_lines(text) - 1;
		free(text);
	}
	ck_assert_uint_eq(rows, c.st.rows);
	ck_assert_int_eq(capture_measure_spool(&c), WGTAP_OK);
	ck_assert_uint_le(c.spool_used, cfg.seg.cap_bytes);
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
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 0);
	feed(&c, 1, HOUR0);
	ck_assert_int_eq(capture_tick(&c, HOUR0 + 29 * NS, 2 * NS), WGTAP_OK);
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 0);
	ck_assert_int_eq(capture_tick(&c, HOUR0 + 30 * NS, 3 * NS), WGTAP_OK);
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 1);
	ck_assert_int_eq(capture_tick(&c, HOUR0 + 90 * NS, 4 * NS), WGTAP_OK);
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 1);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 1);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

/* The sync interval and the spool measurement count from init's clock. */
START_TEST(test_capture_init_clock_start)
{
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;
	struct stat st;
	char *text;
	size_t len;
	int fd;

	tdir_make(&t);
	cfg_make(&cfg, t.fd, false, 1000, 300 * NS);
	cfg.sync_ns = NS;
	cfg.seg.cap_bytes = 64u << 20;
	ck_assert_int_eq(capture_init(&c, &cfg, 100 * NS), WGTAP_OK);
	feed(&c, 1, HOUR0);
	fd = openat(t.fd, "other", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(ftruncate(fd, 10000), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	close(fd);

	/* Half a second after the start: no sync, no measurement yet. */
	ck_assert_int_eq(capture_tick(&c, 0, 100 * NS + NS / 2), WGTAP_OK);
	ck_assert_int_eq(fstatat(t.fd, c.seg.tmpname, &st, 0), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_uint_eq(c.spool_used, 0);

	/* A second after it: the row is on disk and the spool measured. */
	ck_assert_int_eq(capture_tick(&c, 0, 101 * NS), WGTAP_OK);
	text = slurp(t.fd, c.seg.tmpname, &len);
	ck_assert_str_eq(text, CSV_HEADER
	    "192.0.2.1,1,198.51.100.2,9,UDP,36,1764000000000000000,\n");
	free(text);
	ck_assert_int_eq(fstatat(t.fd, "other", &st, 0), 0);
	ck_assert_uint_eq(c.spool_used, (uint64_t)st.st_blocks * 512 > 10000 ?
	    (uint64_t)st.st_blocks * 512 : 10000);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_capture_rotate_now)
{
	char names[8][SPOOL_MAX_NAME], *text;
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;
	size_t len;

	tdir_make(&t);
	cfg_make(&cfg, t.fd, true, 1000, 300 * NS);
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	/* Nothing open: nothing to do. */
	ck_assert_int_eq(capture_rotate(&c, "SIGHUP"), WGTAP_OK);
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 0);
	feed(&c, 1, HOUR0);
	feed(&c, 2, HOUR0 + 1);
	ck_assert_int_eq(capture_rotate(&c, "SIGHUP"), WGTAP_OK);
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 1);
	ck_assert_str_eq(names[0], "wgt-20251124T160000.000000000Z-000000.csv.gz");
	text = slurp(t.fd, names[0], &len);
	ck_assert_str_eq(text, CSV_HEADER
	    "192.0.2.1,1,198.51.100.2,9,UDP,36,1764000000000000000,\n"
	    "192.0.2.1,2,198.51.100.2,9,UDP,36,1764000000000000001,\n");
	free(text);
	ck_assert_uint_eq(capture_deadline(&c), UINT64_MAX);
	/* The next packet opens the next segment in sequence. */
	feed(&c, 3, HOUR0 + 2);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 2);
	ck_assert_str_eq(names[1], "wgt-20251124T160000.000000002Z-000001.csv.gz");
	ck_assert_uint_eq(c.st.segments, 2);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

/*
 * A close that meets a full filesystem (/dev/full in the file's place)
 * keeps the segment: packets are dropped and counted meanwhile, and the
 * next tick with room closes it with every row. At exit, a close that
 * still cannot happen leaves the segment for recovery.
 */
START_TEST(test_capture_rotate_full_then_room)
{
	char names[8][SPOOL_MAX_NAME], *text, *log;
	struct capture_cfg cfg;
	struct errcap cap;
	struct capture c;
	struct tdir t;
	size_t len;
	int full, file;

	full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	ck_assert_int_ne(full, -1);
	tdir_make(&t);
	cfg_make(&cfg, t.fd, true, 1000, 300 * NS);
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	feed(&c, 1, HOUR0);
	feed(&c, 2, HOUR0 + 1);
	file = dup(c.seg.fd);
	ck_assert_int_ne(dup2(full, c.seg.fd), -1);
	ck_assert_int_eq(capture_rotate(&c, "SIGHUP"), WGTAP_OK);
	ck_assert(segment_is_open(&c.seg));
	ck_assert(c.full);
	feed(&c, 3, HOUR0 + 2);
	ck_assert_uint_eq(c.st.dropped_full, 1);
	ck_assert_int_eq(capture_tick(&c, 0, NS), WGTAP_OK);
	ck_assert(segment_is_open(&c.seg));
	ck_assert_int_ne(dup2(file, c.seg.fd), -1);
	ck_assert_int_eq(capture_tick(&c, 0, 2 * NS), WGTAP_OK);
	ck_assert(!segment_is_open(&c.seg));
	ck_assert(!c.full);
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 1);
	text = slurp(t.fd, names[0], &len);
	ck_assert_str_eq(text, CSV_HEADER
	    "192.0.2.1,1,198.51.100.2,9,UDP,36,1764000000000000000,\n"
	    "192.0.2.1,2,198.51.100.2,9,UDP,36,1764000000000000001,\n");
	free(text);
	ck_assert_uint_eq(c.st.rows, 2);
	ck_assert_uint_eq(c.st.segments, 1);

	/* At exit: left under its temporary name, for recovery. */
	feed(&c, 4, HOUR0 + 3);
	ck_assert_int_ne(dup2(full, c.seg.fd), -1);
	errcap_start(&cap);
	ck_assert_int_eq(capture_finish(&c, "exit"), WGTAP_ENOSPACE);
	log = errcap_end(&cap);
	ck_assert_str_eq(log, "wgtap: error: spool full: segment "
	    ".wgt-20251124T160000.000000003Z-000001.csv.gz.part (1 rows) could "
	    "not be finished; left for recovery at the next start\n");
	free(log);
	ck_assert(!segment_is_open(&c.seg));
	ck_assert_uint_eq(check_finals(t.fd, names, 8), 1);
	ck_assert(tfile_exists(t.fd,
	    ".wgt-20251124T160000.000000003Z-000001.csv.gz.part"));
	close(file);
	close(full);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_capture_wait_ns_bounds)
{
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;

	tdir_make(&t);
	cfg_make(&cfg, t.fd, false, 1000, 300 * NS);
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	/* No segment open: a second, for the spool measurement. */
	ck_assert_uint_eq(capture_wait_ns(&c, HOUR0), NS);
	feed(&c, 1, HOUR0);
	ck_assert_uint_eq(capture_wait_ns(&c, HOUR0 + 100 * NS), NS);
	ck_assert_uint_eq(capture_wait_ns(&c, HOUR0 + 299 * NS + NS / 4),
	    3 * NS / 4);
	ck_assert_uint_eq(capture_wait_ns(&c, HOUR0 + 300 * NS), 0);
	ck_assert_uint_eq(capture_wait_ns(&c, HOUR0 + 301 * NS), 0);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	capture_free(&c);

	/* A shorter sync interval wins over the second and the deadline. */
	cfg.sync_ns = NS / 10;
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	ck_assert_uint_eq(capture_wait_ns(&c, HOUR0), NS / 10);
	feed(&c, 1, HOUR0 + 3500 * NS);	/* the hour ends 100 s later */
	ck_assert_uint_eq(capture_deadline(&c), HOUR0 + 3600 * NS);
	ck_assert_uint_eq(capture_wait_ns(&c, HOUR0 + 3550 * NS), NS / 10);
	ck_assert_uint_eq(capture_wait_ns(&c, HOUR0 + 3600 * NS - NS / 20),
	    NS / 20);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

/*
 * A file source waits until the next sync of the open segment, whatever
 * the capture time of its rows; with nothing to sync it has no deadline.
 */
START_TEST(test_capture_file_wait_ns_sync)
{
	const uint64_t mono0 = 5000 * NS;
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;

	tdir_make(&t);
	cfg_make(&cfg, t.fd, true, 1000, 300 * NS);
	cfg.sync_ns = NS;
	ck_assert_int_eq(capture_init(&c, &cfg, mono0), WGTAP_OK);
	/* no segment open: nothing due */
	ck_assert_uint_eq(capture_file_wait_ns(&c, mono0), UINT64_MAX);
	feed(&c, 1, HOUR0 - 7 * 24 * 3600 * NS);	/* a week-old row */
	ck_assert_uint_eq(capture_file_wait_ns(&c, mono0 + 3 * NS / 10),
	    7 * NS / 10);
	ck_assert_uint_eq(capture_file_wait_ns(&c, mono0 + NS), 0);
	ck_assert_uint_eq(capture_file_wait_ns(&c, mono0 + 9 * NS), 0);
	/* the tick syncs; the next one is due a sync interval later */
	ck_assert_int_eq(capture_tick(&c, 0, mono0 + 9 * NS), WGTAP_OK);
	ck_assert(!c.seg.dirty);
	ck_assert_uint_eq(capture_file_wait_ns(&c, mono0 + 9 * NS + NS / 4),
	    3 * NS / 4);
	ck_assert_int_eq(capture_rotate(&c, "test"), WGTAP_OK);
	ck_assert_uint_eq(capture_file_wait_ns(&c, mono0 + 10 * NS),
	    UINT64_MAX);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	capture_free(&c);

	/* no sync interval: nothing due, even with a segment open */
	cfg.sync_ns = 0;
	ck_assert_int_eq(capture_init(&c, &cfg, mono0), WGTAP_OK);
	feed(&c, 1, HOUR0);
	ck_assert_uint_eq(capture_file_wait_ns(&c, mono0 + 60 * NS),
	    UINT64_MAX);
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

static void
fake_pcap_stats(void *ctx, struct capture_stats *st)
{
	ck_assert_str_eq(ctx, "ctx");
	st->pcap_recv = 10;
	st->pcap_drop = 2;
	st->pcap_ifdrop = 1;
	st->have_pcap_stats = true;
}

START_TEST(test_capture_stats_line_counts)
{
	static const uint8_t bad_version[1] = { 0x00 };
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;
	char line[512], ctx[] = "ctx";

	tdir_make(&t);
	cfg_make(&cfg, t.fd, false, 1000, 300 * NS);
	cfg.refresh_stats = fake_pcap_stats;
	cfg.ctx = ctx;
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	feed(&c, 1, HOUR0);
	feed(&c, 2, HOUR0);
	feed(&c, 3, HOUR0);
	ck_assert_int_eq(capture_packet(&c, bad_version, 1, 1, HOUR0),
	    WGTAP_OK);
	ck_assert_int_eq(capture_packet(&c, bad_version, 0, 40, HOUR0),
	    WGTAP_OK);
	/* a time out of range, found by the source */
	capture_skip(&c, PKT_SKIP_BAD_TIME);
	capture_stats_line(&c.st, line, sizeof(line));
	ck_assert_str_eq(line, "packets=6 rows=3 segments=0 not_ip=0 "
	    "link_truncated=0 bad_version=1 ip_truncated=1 bad_header_length=0 "
	    "bad_total_length=0 bad_timestamp=1 spool_full=0");
	/* The summary asks the source for libpcap's counters. */
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	capture_stats_line(&c.st, line, sizeof(line));
	ck_assert_str_eq(line, "packets=6 rows=3 segments=1 not_ip=0 "
	    "link_truncated=0 bad_version=1 ip_truncated=1 bad_header_length=0 "
	    "bad_total_length=0 bad_timestamp=1 spool_full=0 pcap_received=10 "
	    "pcap_dropped=2 pcap_ifdropped=1");
	/* A short buffer: cut, but terminated. */
	capture_stats_line(&c.st, line, 20);
	ck_assert_str_eq(line, "packets=6 rows=3 se");
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

Suite *
capture_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc;

	tc = tcase_create("capture_init");
	tcase_add_test(tc, test_capture_init_clock_start);
	suite_add_tcase(s, tc);
	tc = tcase_create("capture_packet");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_capture_packet_rotate_by_count);
	tcase_add_test(tc, test_capture_packet_format_v2);
	tcase_add_test(tc, test_capture_packet_peers);
	tcase_add_test(tc, test_capture_packet_rotate_by_capture_time);
	tcase_add_test(tc, test_capture_packet_hour_boundary);
	tcase_add_test(tc, test_capture_packet_time_backwards);
	tcase_add_test(tc, test_capture_packet_jitter_stays);
	tcase_add_test(tc, test_capture_packet_temp_name_taken);
	tcase_add_test(tc, test_capture_packet_spool_cap);
	suite_add_tcase(s, tc);
	tc = tcase_create("capture_tick");
	tcase_add_test(tc, test_capture_tick_age_without_packets);
	suite_add_tcase(s, tc);
	tc = tcase_create("capture_wait_ns");
	tcase_add_test(tc, test_capture_wait_ns_bounds);
	suite_add_tcase(s, tc);
	tc = tcase_create("capture_file_wait_ns");
	tcase_add_test(tc, test_capture_file_wait_ns_sync);
	suite_add_tcase(s, tc);
	tc = tcase_create("capture_rotate");
	tcase_add_test(tc, test_capture_rotate_now);
	tcase_add_test(tc, test_capture_rotate_full_then_room);
	suite_add_tcase(s, tc);
	tc = tcase_create("capture_stats_line");
	tcase_add_test(tc, test_capture_stats_line_counts);
	suite_add_tcase(s, tc);
	return s;
}
