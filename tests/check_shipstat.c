// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-ship/shipstat.c: the failure reason of each kind of
 * result (S3 code, HTTP status, transport failure, local), the books after
 * a sequence of results (uploads and bytes, failures by reason, retries,
 * the last success and error; gone, busy and aborted not counted), the
 * table of reasons full ("other"), and the status line.
 */
#include <stdio.h>
#include <string.h>

#include "check_wgtap.h"
#include "shipstat.h"

static void
report(struct ship_report *rep, long status, const char *code,
    enum s3_net net, const char *why)
{
	memset(rep, 0, sizeof(*rep));
	rep->s3.status = status;
	snprintf(rep->s3.code, sizeof(rep->s3.code), "%s", code);
	rep->s3.net = net;
	snprintf(rep->why, sizeof(rep->why), "%s", why);
}

START_TEST(test_shipstat_reason)
{
	struct ship_report rep;
	char r[SHIPSTAT_REASON_SIZE];

	report(&rep, 403, "AccessDenied", S3_NET_NONE, "");
	shipstat_reason(SHIP_FAILED, &rep.s3, r);
	ck_assert_str_eq(r, "AccessDenied");
	report(&rep, 503, "", S3_NET_NONE, "");
	shipstat_reason(SHIP_FAILED, &rep.s3, r);
	ck_assert_str_eq(r, "http_503");
	report(&rep, 0, "", S3_NET_CONNECT, "");
	shipstat_reason(SHIP_FAILED, &rep.s3, r);
	ck_assert_str_eq(r, "transport_connect");
	report(&rep, 0, "", S3_NET_TIMEOUT, "");
	shipstat_reason(SHIP_FAILED, &rep.s3, r);
	ck_assert_str_eq(r, "transport_timeout");
	report(&rep, 0, "", S3_NET_OTHER, "");
	shipstat_reason(SHIP_FAILED, &rep.s3, r);
	ck_assert_str_eq(r, "transport_other");
	report(&rep, 0, "", S3_NET_NONE, "");
	shipstat_reason(SHIP_LOCAL, &rep.s3, r);
	ck_assert_str_eq(r, "local");
	/* A code from the server never brings quotes or blanks along. */
	report(&rep, 400, "Bad\"Code }\n", S3_NET_NONE, "");
	shipstat_reason(SHIP_FAILED, &rep.s3, r);
	ck_assert_str_eq(r, "BadCode");
	report(&rep, 400, "\"{}", S3_NET_NONE, "");
	shipstat_reason(SHIP_FAILED, &rep.s3, r);
	ck_assert_str_eq(r, "other");
}
END_TEST

START_TEST(test_shipstat_record)
{
	struct shipstat s;
	struct ship_report rep;
	struct outcome o;
	char line[512];

	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	shipstat_status(&s, line, sizeof(line));
	ck_assert_str_eq(line, "0 segments queued; no upload yet; "
	    "last error: none");
	report(&rep, 0, "", S3_NET_CONNECT, "connection refused");
	o.next = OUTCOME_RETRY;
	shipstat_record(&s, SHIP_FAILED, &rep, &o, 100);
	shipstat_record(&s, SHIP_FAILED, &rep, &o, 101);
	report(&rep, 503, "SlowDown", S3_NET_NONE, "503 SlowDown");
	o.next = OUTCOME_LEFT;
	shipstat_record(&s, SHIP_FAILED, &rep, &o, 102);
	report(&rep, 200, "", S3_NET_NONE, "");
	rep.bytes = 1234;
	snprintf(rep.key, sizeof(rep.key), "wgtap/2025/11/24/a.csv.gz");
	o.next = OUTCOME_SHIPPED;
	shipstat_record(&s, SHIP_DONE, &rep, &o, 1764000000);
	rep.bytes = 66;
	shipstat_record(&s, SHIP_UNDELETED, &rep, &o, 1764000001);
	shipstat_record(&s, SHIP_GONE, &rep, &o, 1764000002);
	shipstat_record(&s, SHIP_BUSY, &rep, &o, 1764000002);
	shipstat_record(&s, SHIP_ABORTED, &rep, &o, 1764000002);
	shipstat_record(NULL, SHIP_DONE, &rep, &o, 1764000002);
	ck_assert_uint_eq(s.uploads, 2);
	ck_assert_uint_eq(s.bytes, 1300);
	ck_assert_uint_eq(s.failures, 3);
	ck_assert_uint_eq(s.retries, 2);
	ck_assert_int_eq(s.last_ok_s, 1764000001);
	ck_assert_uint_eq(s.nwhy, 2);
	ck_assert_str_eq(s.why[0].reason, "transport_connect");
	ck_assert_uint_eq(s.why[0].n, 2);
	ck_assert_str_eq(s.why[1].reason, "SlowDown");
	ck_assert_uint_eq(s.why[1].n, 1);
	s.queued = 4;
	shipstat_status(&s, line, sizeof(line));
	ck_assert_str_eq(line, "4 segments queued; last upload "
	    "wgtap/2025/11/24/a.csv.gz at 2025-11-24T16:00:01Z; "
	    "last error: 503 SlowDown");
}
END_TEST

START_TEST(test_shipstat_reasons_full)
{
	struct shipstat s;
	struct ship_report rep;
	struct outcome o;
	char code[16];
	int i;

	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	for (i = 0; i < SHIPSTAT_REASONS + 5; i++) {
		snprintf(code, sizeof(code), "Code%d", i);
		report(&rep, 400, code, S3_NET_NONE, code);
		shipstat_record(&s, SHIP_FAILED, &rep, &o, 1);
	}
	ck_assert_uint_eq(s.nwhy, SHIPSTAT_REASONS);
	ck_assert_str_eq(s.why[SHIPSTAT_REASONS - 2].reason, "Code14");
	ck_assert_str_eq(s.why[SHIPSTAT_REASONS - 1].reason, "other");
	ck_assert_uint_eq(s.why[SHIPSTAT_REASONS - 1].n, 6);
	ck_assert_uint_eq(s.failures, SHIPSTAT_REASONS + 5);
	/* A known reason is still counted under its own name. */
	report(&rep, 400, "Code3", S3_NET_NONE, "");
	shipstat_record(&s, SHIP_FAILED, &rep, &o, 1);
	ck_assert_uint_eq(s.why[3].n, 2);
}
END_TEST

Suite *
shipstat_suite(void)
{
	Suite *s = suite_create("shipstat");
	TCase *tc = tcase_create("shipstat");

	tcase_add_test(tc, test_shipstat_reason);
	tcase_add_test(tc, test_shipstat_record);
	tcase_add_test(tc, test_shipstat_reasons_full);
	suite_add_tcase(s, tc);
	return s;
}
