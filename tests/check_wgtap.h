/* SPDX-License-Identifier: MIT */
/*
 * The unit-test suites, one per module (tests/check_pkt.c tests
 * common/pkt.c, and so on); check_main.c lists and runs them all.
 */
#ifndef CHECK_WGTAP_H
#define CHECK_WGTAP_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "spool.h"

Suite *atomicio_suite(void);
Suite *log_suite(void);
Suite *dynbuf_suite(void);
Suite *pkt_suite(void);
Suite *csv_suite(void);
Suite *spool_suite(void);
Suite *capture_suite(void);
Suite *options_suite(void);
Suite *source_suite(void);
Suite *segment_suite(void);
Suite *recover_suite(void);
Suite *opt_suite(void);
Suite *wgtap_suite(void);
Suite *sigv4_suite(void);
Suite *s3_suite(void);
Suite *queue_suite(void);

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
 * An IPv4/UDP packet 192.0.2.1:sport -> 198.51.100.2:9 with 8 zero bytes
 * of payload, into b (room for CHECK_UDP4_LEN bytes); returns its length.
 */
#define CHECK_UDP4_LEN	36
size_t check_udp4(uint8_t b[static CHECK_UDP4_LEN], uint16_t sport);

/*
 * The final segment names in the spool dirfd, oldest first, into names
 * (at most max of them); returns how many there are.
 */
size_t check_finals(int dirfd, char names[][SPOOL_MAX_NAME], size_t max);

/* How many newlines s holds. */
size_t check_count_lines(const char *s);

/*
 * Base64 (RFC 4648 section 4) written bit by bit, independently of
 * common/csv.c, as the tests' reference: out gets the text and a NUL;
 * returns the length without the NUL.
 */
size_t check_ref_base64(const uint8_t *in, size_t n, char *out);

#endif
