// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/report.c: the status line of a real capture
 * writing into a scratch spool, with a segment open and after it closed,
 * with rows, libpcap drops and spool-full drops counted.
 */
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "check_wgtap.h"
#include "report.h"
#include "wgtap.h"

#define NS	1000000000ULL
#define HOUR0	(1764000000ULL * NS)	/* 2025-11-24T16:00:00Z */

START_TEST(test_report_status)
{
	struct capture_cfg cfg;
	struct capture c;
	struct tdir t;
	uint8_t pkt[CHECK_UDP4_LEN];
	size_t len = check_udp4(pkt, 1000);
	char line[256];
	int i;

	tdir_make(&t);
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.iface, sizeof(cfg.iface), "wgt");
	cfg.dlt = DLT_RAW;
	cfg.max_rows = 1000;
	cfg.interval_ns = 300 * NS;
	cfg.seg.dirfd = t.fd;
	cfg.seg.gzip = true;
	cfg.seg.level = 1;
	ck_assert_int_eq(capture_init(&c, &cfg, 0), WGTAP_OK);
	report_status(&c, line, sizeof(line));
	ck_assert_str_eq(line, "rows 0, drops 0 (kernel 0, spool full 0), "
	    "no segment open");
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(capture_packet(&c, pkt, (uint32_t)len,
		    (uint32_t)len, HOUR0 + (uint64_t)i * NS), WGTAP_OK);
	c.st.pcap_drop = 4;
	c.st.pcap_ifdrop = 1;
	c.st.dropped_full = 2;
	report_status(&c, line, sizeof(line));
	ck_assert_str_eq(line, "rows 3, drops 7 (kernel 5, spool full 2), "
	    "segment wgt-20251124T160000.000000000Z-000000.csv.gz open with "
	    "3 rows");
	/* Cut short, still terminated. */
	report_status(&c, line, 20);
	ck_assert_str_eq(line, "rows 3, drops 7 (ke");
	ck_assert_int_eq(capture_finish(&c, "test"), WGTAP_OK);
	report_status(&c, line, sizeof(line));
	ck_assert_str_eq(line, "rows 3, drops 7 (kernel 5, spool full 2), "
	    "no segment open");
	capture_free(&c);
	tdir_remove(&t);
}
END_TEST

Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report_status");

	tcase_add_test(tc, test_report_status);
	suite_add_tcase(s, tc);
	return s;
}
