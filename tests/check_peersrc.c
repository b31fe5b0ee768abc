// SPDX-License-Identifier: MIT
/*
 * Tests for wgtap-capture/peersrc.c with a UAPI server in a child
 * process (this kernel's netlink answers "no such interface" or "no
 * WireGuard family" for the test's interface name, so the userspace
 * socket is used): the table and the backend chosen; the reason given
 * when neither backend answers; and the ticks: a read only when due, one
 * error line for a run of failures of one reason, a line on recovery, and
 * no table once it is older than PEERSRC_MAX_AGE_NS; and the reader
 * thread's handoff of new tables to the packet thread.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "log.h"
#include "peersrc.h"
#include "wgtap.h"

#define MS	1000000ULL

static char b64key[PEERTAB_B64_LEN + 1];

static void
make_reply(char *buf, size_t cap)
{
	uint8_t k[PEERTAB_KEY_LEN];
	char hex[65];
	size_t j;

	for (j = 0; j < PEERTAB_KEY_LEN; j++)
		k[j] = (uint8_t)(j * 19 + 3);
	check_ref_hex(k, PEERTAB_KEY_LEN, hex);
	check_ref_base64(k, PEERTAB_KEY_LEN, b64key);
	snprintf(buf, cap, "listen_port=1\npublic_key=%s\n"
	    "allowed_ip=192.0.2.9/32\nallowed_ip=2001:db8::9/128\n"
	    "errno=0\n\n", hex);
}

/* An interface name unique to this process. */
static void
ifname(char *buf, size_t cap, int n)
{
	snprintf(buf, cap, "wgt%x%d", (unsigned)getpid() & 0xfffff, n);
}

START_TEST(test_peersrc_read_uapi)
{
	enum peersrc_backend b = PEERSRC_NONE;
	char reply[512], why[256], name[16];
	struct peertab *t;
	struct tdir d;
	uint8_t a[4] = { 192, 0, 2, 9 };
	pid_t pid;

	make_reply(reply, sizeof(reply));
	tdir_make(&d);
	ifname(name, sizeof(name), 0);
	pid = uapi_fake_start(d.path, name, reply, 0);
	ck_assert_int_eq(peersrc_read(name, d.path, 5000, &b, &t, why,
	    sizeof(why)), WGTAP_OK);
	ck_assert_int_eq(b, PEERSRC_UAPI);
	ck_assert_str_eq(peertab_lookup(t, 4, a), b64key);
	ck_assert_uint_eq(peertab_nips(t), 2);
	peertab_free(t);
	ck_assert_int_eq(uapi_fake_reap(pid), 0);
	tdir_remove(&d);
}
END_TEST

START_TEST(test_peersrc_read_neither)
{
	enum peersrc_backend b = PEERSRC_NONE;
	char why[256], name[16], want[128];
	struct peertab *t;
	struct tdir d;

	tdir_make(&d);
	ifname(name, sizeof(name), 1);
	ck_assert_int_eq(peersrc_read(name, d.path, 500, &b, &t, why,
	    sizeof(why)), WGTAP_ESYS);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(b, PEERSRC_NONE);
	ck_assert_msg(strncmp(why, "netlink: ", 9) == 0, "%s", why);
	snprintf(want, sizeof(want), "; %s/%s.sock: No such file or directory",
	    d.path, name);
	ck_assert_msg(strstr(why, want) != NULL, "%s", why);
	tdir_remove(&d);
}
END_TEST

START_TEST(test_peersrc_tick_logs_once)
{
	struct peersrc s;
	struct errcap ec;
	char reply[512], name[16], *log;
	struct tdir d;
	pid_t pid;

	make_reply(reply, sizeof(reply));
	tdir_make(&d);
	ifname(name, sizeof(name), 2);
	ck_assert_int_eq(peersrc_init(&s, name, d.path, 500 * MS), WGTAP_OK);
	log_set_level(LOG_LVL_INFO);
	errcap_start(&ec);
	ck_assert(!peersrc_tick(&s, 1000 * MS));	/* fails, logs */
	ck_assert(!peersrc_tick(&s, 1200 * MS));	/* not due */
	ck_assert(!peersrc_tick(&s, 1500 * MS));	/* fails, quiet */
	log = errcap_end(&ec);
	ck_assert_uint_eq(check_count_lines(log), 1);
	ck_assert_msg(strstr(log, "cannot read the peer table") &&
	    strstr(log, "rows get an empty peer") &&
	    strstr(log, "retrying every 500 ms"), "%s", log);
	free(log);
	ck_assert_uint_eq(s.failures, 2);
	ck_assert_ptr_null(peersrc_table(&s, 1500 * MS));

	pid = uapi_fake_start(d.path, name, reply, 0);
	errcap_start(&ec);
	ck_assert(peersrc_tick(&s, 2000 * MS));
	log = errcap_end(&ec);
	ck_assert_msg(strstr(log, "1 peers, 2 allowed-ips, from the "
	    "userspace (UAPI socket) WireGuard"), "%s", log);
	ck_assert_uint_eq(check_count_lines(log), 1);
	free(log);
	ck_assert_int_eq(uapi_fake_reap(pid), 0);
	ck_assert_int_eq(s.backend, PEERSRC_UAPI);
	ck_assert_ptr_nonnull(peersrc_table(&s, 2000 * MS));
	ck_assert_ptr_nonnull(peersrc_table(&s, 3000 * MS));
	ck_assert_ptr_null(peersrc_table(&s, 3001 * MS));

	/* the server has exited: "connection refused", a new reason */
	errcap_start(&ec);
	ck_assert(!peersrc_tick(&s, 2500 * MS));
	log = errcap_end(&ec);
	ck_assert_uint_eq(check_count_lines(log), 1);
	free(log);
	log_set_level(LOG_LVL_ERROR);
	peersrc_free(&s);
	tdir_remove(&d);
}
END_TEST

/*
 * One tick of s at mono_ns against a server that answers reply once; the
 * server is reaped (it must exit 0) and its socket removed. The tick's
 * result.
 */
static bool
tick_served(struct peersrc *s, const struct tdir *d, const char *name,
    const char *reply, uint64_t mono_ns)
{
	char sock[32];
	pid_t pid;
	bool r;

	snprintf(sock, sizeof(sock), "%s.sock", name);
	pid = uapi_fake_start(d->path, name, reply, 0);
	r = peersrc_tick(s, mono_ns);
	ck_assert_int_eq(uapi_fake_reap(pid), 0);
	ck_assert_int_eq(unlinkat(d->fd, sock, 0), 0);
	return r;
}

/*
 * A reply that says what the last one did (only the counters moved) is
 * not parsed again: the table in hand stands, as fresh as the read, and
 * no change is counted; a changed one is parsed and counted.
 */
START_TEST(test_peersrc_tick_unchanged_reply)
{
	char r1[512], r2[512], r3[512], name[16];
	const struct peertab *t1;
	struct peersrc s;
	struct tdir d;

	make_reply(r1, sizeof(r1));
	snprintf(r2, sizeof(r2), "%.*stx_bytes=4096\nerrno=0\n\n",
	    (int)(strstr(r1, "errno=") - r1), r1);
	snprintf(r3, sizeof(r3), "%s", r1);
	memcpy(strstr(r3, "192.0.2.9/32"), "192.0.2.8/32", 12);
	tdir_make(&d);
	ifname(name, sizeof(name), 3);
	ck_assert_int_eq(peersrc_init(&s, name, d.path, 500 * MS), WGTAP_OK);

	ck_assert(tick_served(&s, &d, name, r1, 1000 * MS));
	t1 = peersrc_table(&s, 1000 * MS);
	ck_assert_ptr_nonnull(t1);
	ck_assert_uint_eq(s.unparsed, 0);

	ck_assert(tick_served(&s, &d, name, r2, 1600 * MS));
	ck_assert_uint_eq(s.reads, 2);
	ck_assert_uint_eq(s.unparsed, 1);
	ck_assert_uint_eq(s.changes, 0);
	/* the same table, and fresh from the second read on */
	ck_assert_ptr_eq(peersrc_table(&s, 1600 * MS), t1);
	ck_assert_ptr_eq(peersrc_table(&s, 2600 * MS), t1);
	ck_assert_ptr_null(peersrc_table(&s, 2601 * MS));

	ck_assert(tick_served(&s, &d, name, r3, 2200 * MS));
	ck_assert_uint_eq(s.reads, 3);
	ck_assert_uint_eq(s.unparsed, 1);
	ck_assert_uint_eq(s.changes, 1);
	ck_assert_str_eq(peertab_lookup(peersrc_table(&s, 2200 * MS), 4,
	    (const uint8_t *)"\xc0\x00\x02\x08"), b64key);
	ck_assert_str_eq(peertab_lookup(peersrc_table(&s, 2200 * MS), 4,
	    (const uint8_t *)"\xc0\x00\x02\x09"), "");
	peersrc_free(&s);
	tdir_remove(&d);
}
END_TEST

/* Write text to dir/file by a rename, as the server reads it whole. */
static void
put_reply(const struct tdir *d, const char *file, const char *text)
{
	int fd = openat(d->fd, "reply.tmp", O_WRONLY | O_CREAT | O_TRUNC,
	    0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(renameat(d->fd, "reply.tmp", d->fd, file), 0);
}

/* Wait (up to 10 s) for n answers of the server, told on fd. */
static void
wait_served(int fd, int n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	while (n-- > 0) {
		ck_assert_int_eq(poll(&p, 1, 10000), 1);
		ck_assert_int_eq(read(fd, &c, 1), 1);
	}
}

/* Read what the server has told so far (fd is non-blocking). */
static void
drain(int fd)
{
	char buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Wait (up to 10 s) until the taker has a table published for it. */
static void
wait_newer(const struct peersrc *s)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000 && !peersrc_newer(s); i++)
		nanosleep(&ms, NULL);
	ck_assert(peersrc_newer(s));
}

/* Wait (up to 10 s) until the captured log holds needle. */
static void
wait_logged(const struct errcap *c, const char *needle)
{
	struct timespec ms = { 0, 1000000 };
	char buf[8192];
	ssize_t n = 0;
	int i;

	for (i = 0; i < 10000; i++) {
		n = pread(c->fd, buf, sizeof(buf) - 1, 0);
		ck_assert_int_ge(n, 0);
		buf[n] = '\0';
		if (strstr(buf, needle))
			return;
		nanosleep(&ms, NULL);
	}
	ck_abort_msg("no \"%s\" in the log: %s", needle, buf);
}

static const uint8_t ip9[4] = { 192, 0, 2, 9 }, ip8[4] = { 192, 0, 2, 8 };

/*
 * The reader on its own thread: the taker gets the first table, nothing
 * new while the reply stays the same (the same table, so its lookup
 * cache stays), the changed table as soon as it is published; with the
 * server gone the table ages out exactly at PEERSRC_MAX_AGE_NS after the
 * last read that worked, and comes back (the same table) with it.
 */
START_TEST(test_peersrc_thread)
{
	char r1[512], r3[512], name[16], path[300], *log;
	const struct peertab *t1, *t3;
	struct errcap ec;
	struct peersrc s;
	struct tdir d;
	uint64_t now;
	int pfd[2];
	pid_t pid;

	make_reply(r1, sizeof(r1));
	snprintf(r3, sizeof(r3), "%s", r1);
	memcpy(strstr(r3, "192.0.2.9/32"), "192.0.2.8/32", 12);
	tdir_make(&d);
	ifname(name, sizeof(name), 5);
	snprintf(path, sizeof(path), "%s/reply", d.path);
	put_reply(&d, "reply", r1);
	ck_assert_int_eq(pipe2(pfd, O_NONBLOCK), 0);
	pid = uapi_fake_serve(d.path, name, path, pfd[1]);
	ck_assert_int_eq(peersrc_init(&s, name, d.path, 20 * MS), WGTAP_OK);
	log_set_level(LOG_LVL_INFO);
	errcap_start(&ec);
	ck_assert_int_eq(peersrc_start(&s), WGTAP_OK);

	wait_newer(&s);
	now = wgtap_clock_ns(CLOCK_MONOTONIC);
	t1 = peersrc_take(&s, now);
	ck_assert_ptr_nonnull(t1);
	ck_assert(!peersrc_newer(&s));
	ck_assert_str_eq(peertab_lookup(t1, 4, ip9), b64key);

	/* three more answers, the same: nothing is published */
	wait_served(pfd[0], 4);
	ck_assert(!peersrc_newer(&s));
	ck_assert_ptr_eq(peersrc_take(&s, wgtap_clock_ns(CLOCK_MONOTONIC)),
	    t1);

	put_reply(&d, "reply", r3);
	wait_newer(&s);
	t3 = peersrc_take(&s, wgtap_clock_ns(CLOCK_MONOTONIC));
	ck_assert_ptr_nonnull(t3);
	ck_assert_ptr_ne(t3, t1);
	ck_assert_str_eq(peertab_lookup(t3, 4, ip8), b64key);
	ck_assert_str_eq(peertab_lookup(t3, 4, ip9), "");
	wait_logged(&ec, "changed: 1 peers, 2 allowed-ips");

	/* the socket gone: after the first failure, nothing is fresher */
	ck_assert_int_eq(unlinkat(d.fd, strcat(strcpy(path, name), ".sock"),
	    0), 0);
	wait_logged(&ec, "cannot read the peer table");
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(uapi_fake_reap(pid), 128 + SIGTERM);
	drain(pfd[0]);
	ck_assert_ptr_eq(peersrc_take(&s, 0), t3);
	now = s.cur_fresh_ns;
	ck_assert_ptr_eq(peersrc_take(&s, now + PEERSRC_MAX_AGE_NS), t3);
	ck_assert_ptr_null(peersrc_take(&s, now + PEERSRC_MAX_AGE_NS + 1));
	ck_assert(!peersrc_newer(&s));

	/* back, with the same table: fresh again, not published again */
	snprintf(path, sizeof(path), "%s/reply", d.path);
	pid = uapi_fake_serve(d.path, name, path, pfd[1]);
	wait_served(pfd[0], 2);
	wait_logged(&ec, "2 allowed-ips, from the userspace");
	ck_assert(!peersrc_newer(&s));
	ck_assert_ptr_eq(peersrc_take(&s, wgtap_clock_ns(CLOCK_MONOTONIC)),
	    t3);
	peersrc_stop(&s);
	log = errcap_end(&ec);
	log_set_level(LOG_LVL_ERROR);
	ck_assert_int_eq(check_count_lines(log), 4);
	ck_assert_ptr_nonnull(strstr(log, "from the userspace"));
	free(log);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(uapi_fake_reap(pid), 128 + SIGTERM);
	peersrc_free(&s);
	close(pfd[0]);
	close(pfd[1]);
	tdir_remove(&d);
}
END_TEST

START_TEST(test_peersrc_init_names)
{
	struct peersrc s;

	ck_assert_int_eq(peersrc_init(&s, "", NULL, 0), WGTAP_EFORMAT);
	ck_assert_int_eq(peersrc_init(&s, "0123456789abcdef", NULL, 0),
	    WGTAP_EFORMAT);
	ck_assert_int_eq(peersrc_init(&s, "a/b", NULL, 0), WGTAP_EFORMAT);
	ck_assert_int_eq(peersrc_init(&s, "wg0", NULL, 0), WGTAP_OK);
	ck_assert_str_eq(s.sockdir, "/var/run/wireguard");
	ck_assert_uint_eq(s.interval_ns, PEERSRC_INTERVAL_NS);
	peersrc_free(&s);
}
END_TEST

Suite *
peersrc_suite(void)
{
	Suite *s = suite_create("peersrc");
	TCase *tc;

	tc = tcase_create("peersrc_read");
	tcase_add_test(tc, test_peersrc_read_uapi);
	tcase_add_test(tc, test_peersrc_read_neither);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("peersrc_tick");
	tcase_add_test(tc, test_peersrc_tick_logs_once);
	tcase_add_test(tc, test_peersrc_tick_unchanged_reply);
	tcase_add_test(tc, test_peersrc_thread);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("peersrc_init");
	tcase_add_test(tc, test_peersrc_init_names);
	suite_add_tcase(s, tc);
	return s;
}
