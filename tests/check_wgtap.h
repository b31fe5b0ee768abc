/* SPDX-License-Identifier: MIT */
/*
 * The unit-test suites, one per module (tests/check_pkt.c tests
 * common/pkt.c, and so on). check_main.c runs every suite that is linked in.
 */
#ifndef CHECK_WGTAP_H
#define CHECK_WGTAP_H

#include <check.h>

Suite *log_suite(void);
Suite *dynbuf_suite(void);
Suite *pkt_suite(void);
Suite *csv_suite(void);
Suite *spool_suite(void);
Suite *segment_suite(void);
Suite *recover_suite(void);
Suite *opt_suite(void);
Suite *sigv4_suite(void);
Suite *s3_suite(void);
Suite *queue_suite(void);

/* Directory of test fixtures (tests/data), from WGTAP_TESTDATA or ".". */
const char *check_datadir(void);

#endif
