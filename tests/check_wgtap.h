/* SPDX-License-Identifier: MIT */
/*
 * The unit-test suites, one per module (tests/check_pkt.c tests
 * common/pkt.c, and so on). check_main.c runs every suite that is linked in.
 */
#ifndef CHECK_WGTAP_H
#define CHECK_WGTAP_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

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
Suite *ini_suite(void);
Suite *imds_suite(void);
Suite *creds_suite(void);

/* Directory of test fixtures (tests/data), from WGTAP_TESTDATA or ".". */
const char *check_datadir(void);

/* A scratch directory in /tmp, opened; tdir_remove() empties and removes it. */
struct tdir {
	char	path[64];
	int	fd;
};

void tdir_make(struct tdir *t);
void tdir_remove(struct tdir *t);

/*
 * The whole content of name in dirfd, gunzipped if it is gzip (a missing
 * trailer is fine), NUL-terminated; *len is its length. Free it.
 */
char *slurp(int dirfd, const char *name, size_t *len);

/*
 * Base64 (RFC 4648 section 4) written bit by bit, independently of
 * common/csv.c, as the tests' reference: out gets the text and a NUL;
 * returns the length without the NUL.
 */
size_t check_ref_base64(const uint8_t *in, size_t n, char *out);

#endif
