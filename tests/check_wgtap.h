/* SPDX-License-Identifier: MIT */
/*
 * The unit-test suites, one per module (tests/check_pkt.c tests
 * common/pkt.c, and so on), each listed by name in check_main.c.
 */
#ifndef CHECK_WGTAP_H
#define CHECK_WGTAP_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "creds.h"
#include "s3.h"
#include "ship.h"

#include "spool.h"

Suite *atomicio_suite(void);
Suite *log_suite(void);
Suite *dynbuf_suite(void);
Suite *pkt_suite(void);
Suite *csv_suite(void);
Suite *dnsname_suite(void);
Suite *spool_suite(void);
Suite *capture_suite(void);
Suite *attrib_suite(void);
Suite *options_suite(void);
Suite *source_suite(void);
Suite *segment_suite(void);
Suite *recover_suite(void);
Suite *report_suite(void);
Suite *handover_suite(void);
Suite *opt_suite(void);
Suite *chars_suite(void);
Suite *wgtap_suite(void);
Suite *notify_suite(void);
Suite *metrics_suite(void);
Suite *peertab_suite(void);
Suite *wgdump_suite(void);
Suite *tabdigest_suite(void);
Suite *uapi_suite(void);
Suite *wgnl_suite(void);
Suite *peersrc_suite(void);
Suite *lpm_suite(void);
Suite *lpmcache_suite(void);
Suite *sigv4_suite(void);
Suite *s3name_suite(void);
Suite *s3err_suite(void);
Suite *s3body_suite(void);
Suite *s3ca_suite(void);
Suite *s3_suite(void);
Suite *queue_suite(void);
Suite *ship_suite(void);
Suite *watch_suite(void);
Suite *config_suite(void);
Suite *pace_suite(void);
Suite *outcome_suite(void);
Suite *batch_suite(void);
Suite *daemon_suite(void);
Suite *ini_suite(void);
Suite *imds_suite(void);
Suite *imdsdoc_suite(void);
Suite *creds_suite(void);
Suite *renew_suite(void);
Suite *preflight_suite(void);
Suite *shipstat_suite(void);

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
 * A scratch file in /tmp, already unlinked, holding the len bytes at data;
 * returns its descriptor, open for reading and writing. Close it.
 */
int tfile_fd(const void *data, size_t len);

/*
 * What is written to stderr between errcap_start() and errcap_end(), such
 * as log lines: errcap_end() restores stderr and returns the text,
 * NUL-terminated (free it).
 */
struct errcap {
	int	fd;		/* the scratch file that stands in for stderr */
	int	saved;		/* the real stderr */
};

void errcap_start(struct errcap *c);
char *errcap_end(struct errcap *c);

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

/*
 * The text address a (IPv4 or IPv6) in out[0..16), zero-filled past its
 * 4 or 16 bytes; returns its family (4 or 6). A bad address fails the
 * test.
 */
int check_addr(const char *a, uint8_t out[16]);

struct lpm;

/* lpm_add() of the text prefix a/plen with value v; failing fails the test. */
void check_lpm_add(struct lpm *t, const char *a, unsigned plen, uint32_t v);

/*
 * Lowercase hex of n bytes, made with snprintf as the tests' reference:
 * out gets 2 * n digits and a NUL.
 */
void check_ref_hex(const uint8_t *in, size_t n, char *out);

/*
 * A UAPI server of a userspace WireGuard at dir/name.sock, in a child
 * process: it takes one connection, checks the request is "get=1\n\n",
 * then by mode sends reply in 100-byte pieces (0), only its first half
 * (1), or nothing, waiting for a signal (2). uapi_fake_reap() waits for
 * it: its exit status, or 128 + the signal that ended it.
 */
pid_t uapi_fake_start(const char *dir, const char *name, const char *reply,
    int mode);
int uapi_fake_reap(pid_t pid);

/*
 * A UAPI server at dir/name.sock that answers every connection, until a
 * signal ends it, with the file at path as it is then (the test replaces
 * it by rename), and after each answer writes one byte to notify_fd.
 * Reap it with uapi_fake_reap() after kill().
 */
pid_t uapi_fake_serve(const char *dir, const char *name, const char *path,
    int notify_fd);

/* The shipper's helpers (check_util_ship.c). */

/* Write text to a new or emptied file name in dirfd. */
void tfile_write(int dirfd, const char *name, const char *text);

/* Whether name is in dirfd (as any kind of entry, links not followed). */
bool tfile_exists(int dirfd, const char *name);

/* A gzip'd segment with the v1 header and one row; returns its size. */
off_t tseg_write(int dirfd, const char *name);

/*
 * Keys from the environment source of the credential chain: the three
 * variables are set (NULL: unset), creds_load() runs (the metadata
 * service turned off) and they are unset again. Free with creds_free().
 */
struct creds *tcreds_new(const char *id, const char *secret,
    const char *token);

/*
 * curl_global_init(), then an S3 client for the endpoint url (path style,
 * bucket "bucket", keys AKIDEXAMPLE and "secret", timeout 2 s);
 * tclient_free() undoes both.
 */
struct s3_client *tclient_new(const char *url);
void tclient_free(struct s3_client *c);

/* A ship_config for c: bucket "bucket", prefix "wgtap/", host "gw1". */
void tship_config(struct ship_config *sc, struct s3_client *c);

/*
 * A one-shot HTTP server on 127.0.0.1 (a child process): it takes one
 * request, sends response (NULL: nothing, a hung server) and exits.
 * fake_request() returns the request it got (free it); fake_stop() ends
 * the child.
 */
struct fake {
	pid_t	pid;
	int	port;
	int	reqfd;		/* read end: the request as received */
};

void fake_start(struct fake *f, const char *response);

/*
 * The same for n requests on n connections, one after the other: the
 * i-th gets responses[i], and hook(i, req, len, arg) (when not NULL) runs
 * in the server just before it is sent, with the request as received (it
 * may rewrite the response, which is the server's copy). A response that
 * is fake_accept_only takes a connection that sends nothing (libcurl's
 * CONNECT_ONLY) and leaves it open. fake_request() returns all the
 * requests, one after the other.
 */
typedef void fake_hook(size_t i, const char *req, size_t len, void *arg);

extern const char fake_accept_only[];

void fake_start_seq(struct fake *f, const char *const *responses, size_t n,
    fake_hook *hook, void *arg);
char *fake_request(struct fake *f);
void fake_stop(struct fake *f);

/*
 * A "200 OK" answer to the upload of name in dirfd: its ETag is the MD5 of
 * the file, as S3 says.
 */
void fake_ok_response(int dirfd, const char *name, char *buf, size_t cap);

#endif
