// SPDX-License-Identifier: MIT
/*
 * Tests for common/notify.c against real sockets: a datagram socket bound
 * to a path and one bound to an abstract name receive exactly the bytes
 * sent, through the address given and through $NOTIFY_SOCKET; a bad
 * address is refused; a missing receiver is an error; no $NOTIFY_SOCKET
 * sends nothing and succeeds. The watchdog interval from $WATCHDOG_USEC
 * and $WATCHDOG_PID, and the pings at half of it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_wgtap.h"
#include "notify.h"
#include "wgtap.h"

/* A datagram socket bound to addr ("/path" or "@abstract"). */
static int
bound(const char *addr)
{
	struct sockaddr_un sa;
	size_t n = strlen(addr);
	socklen_t len;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	ck_assert_uint_lt(n, sizeof(sa.sun_path));
	memcpy(sa.sun_path, addr, n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if (addr[0] == '@')
		sa.sun_path[0] = '\0';
	else
		len++;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, len), 0);
	return fd;
}

/* The next datagram on fd, without waiting; "" when there is none. */
static void
next_datagram(int fd, char *buf, size_t cap)
{
	ssize_t n = recv(fd, buf, cap - 1, MSG_DONTWAIT);

	if (n == -1) {
		ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
		n = 0;
	}
	buf[n] = '\0';
}

static void
abstract_name(char *buf, size_t cap)
{
	snprintf(buf, cap, "@wgtap-check-notify-%ld", (long)getpid());
}

START_TEST(test_notify_path)
{
	struct tdir t;
	char addr[128], got[512];
	int fd;

	tdir_make(&t);
	snprintf(addr, sizeof(addr), "%s/notify", t.path);
	fd = bound(addr);
	ck_assert_int_eq(notify_send_to(addr, "READY=1\nSTATUS=up"), WGTAP_OK);
	next_datagram(fd, got, sizeof(got));
	ck_assert_str_eq(got, "READY=1\nSTATUS=up");
	next_datagram(fd, got, sizeof(got));
	ck_assert_str_eq(got, "");		/* one datagram, not two */
	close(fd);
	unlink(addr);
	/* Nobody listening any more. */
	ck_assert_int_eq(notify_send_to(addr, "READY=1"), WGTAP_ESYS);
	ck_assert_int_eq(errno, ENOENT);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_notify_abstract)
{
	char addr[108], got[512];
	int fd;

	abstract_name(addr, sizeof(addr));
	fd = bound(addr);
	ck_assert_int_eq(notify_send_to(addr, "WATCHDOG=1"), WGTAP_OK);
	next_datagram(fd, got, sizeof(got));
	ck_assert_str_eq(got, "WATCHDOG=1");
	close(fd);
	ck_assert_int_eq(notify_send_to(addr, "WATCHDOG=1"), WGTAP_ESYS);
	ck_assert_int_eq(errno, ECONNREFUSED);
}
END_TEST

START_TEST(test_notify_env)
{
	struct tdir t;
	char addr[128], abs[108], got[512];
	int fd, afd;

	tdir_make(&t);
	snprintf(addr, sizeof(addr), "%s/notify", t.path);
	abstract_name(abs, sizeof(abs));
	fd = bound(addr);
	afd = bound(abs);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", addr, 1), 0);
	ck_assert_int_eq(notify_status("rows=%d drops=%d", 12, 0), WGTAP_OK);
	next_datagram(fd, got, sizeof(got));
	ck_assert_str_eq(got, "STATUS=rows=12 drops=0");
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", abs, 1), 0);
	ck_assert_int_eq(notify_send("READY=1"), WGTAP_OK);
	next_datagram(afd, got, sizeof(got));
	ck_assert_str_eq(got, "READY=1");
	next_datagram(fd, got, sizeof(got));
	ck_assert_str_eq(got, "");
	/* Unset: nothing sent, no error. */
	ck_assert_int_eq(unsetenv("NOTIFY_SOCKET"), 0);
	ck_assert_int_eq(notify_send("READY=1"), WGTAP_OK);
	next_datagram(afd, got, sizeof(got));
	ck_assert_str_eq(got, "");
	close(fd);
	close(afd);
	tdir_remove(&t);
}
END_TEST

START_TEST(test_notify_status_cut)
{
	char abs[108], got[1024], big[600];
	int fd;

	abstract_name(abs, sizeof(abs));
	fd = bound(abs);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", abs, 1), 0);
	ck_assert_int_eq(notify_status("%s", big), WGTAP_OK);
	next_datagram(fd, got, sizeof(got));
	ck_assert_uint_eq(strlen(got), NOTIFY_STATUS_MAX - 1);
	ck_assert(strncmp(got, "STATUS=xxx", 10) == 0);
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}
END_TEST

START_TEST(test_notify_bad_address)
{
	char longname[200];

	ck_assert_int_eq(notify_send_to("relative/sock", "x"), WGTAP_EFORMAT);
	ck_assert_int_eq(notify_send_to("@", "x"), WGTAP_EFORMAT);
	ck_assert_int_eq(notify_send_to("", "x"), WGTAP_EFORMAT);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(notify_send_to(longname, "x"), WGTAP_EFORMAT);
}
END_TEST

START_TEST(test_notify_watchdog_env)
{
	char pid[32];

	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	ck_assert_uint_eq(notify_watchdog_ns(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	ck_assert_uint_eq(notify_watchdog_ns(), 30000000000ULL);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_ns(), 30000000000ULL);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_ns(), 0);	/* meant for another */
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "0", 1);
	ck_assert_uint_eq(notify_watchdog_ns(), 0);
	setenv("WATCHDOG_USEC", "-5", 1);
	ck_assert_uint_eq(notify_watchdog_ns(), 0);
	setenv("WATCHDOG_USEC", "12x", 1);
	ck_assert_uint_eq(notify_watchdog_ns(), 0);
	setenv("WATCHDOG_USEC", "99999999999999999999999", 1);
	ck_assert_uint_eq(notify_watchdog_ns(), 0);
	unsetenv("WATCHDOG_USEC");
}
END_TEST

START_TEST(test_notify_dog_pet)
{
	struct notify_dog d;
	char abs[108], got[64];
	uint64_t t0 = 5000000000ULL;
	int fd;

	abstract_name(abs, sizeof(abs));
	fd = bound(abs);
	setenv("NOTIFY_SOCKET", abs, 1);
	unsetenv("WATCHDOG_USEC");
	notify_dog_init(&d);
	ck_assert(!notify_dog_pet(&d, t0));	/* no watchdog: never */
	next_datagram(fd, got, sizeof(got));
	ck_assert_str_eq(got, "");

	setenv("WATCHDOG_USEC", "2000000", 1);	/* 2 s: ping every 1 s */
	notify_dog_init(&d);
	ck_assert_uint_eq(d.period_ns, 1000000000ULL);
	ck_assert(notify_dog_pet(&d, t0));	/* the first one at once */
	next_datagram(fd, got, sizeof(got));
	ck_assert_str_eq(got, "WATCHDOG=1");
	ck_assert(!notify_dog_pet(&d, t0 + 999999999ULL));
	next_datagram(fd, got, sizeof(got));
	ck_assert_str_eq(got, "");
	ck_assert(notify_dog_pet(&d, t0 + 1000000000ULL));
	next_datagram(fd, got, sizeof(got));
	ck_assert_str_eq(got, "WATCHDOG=1");
	unsetenv("WATCHDOG_USEC");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}
END_TEST

Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");

	tcase_add_test(tc, test_notify_path);
	tcase_add_test(tc, test_notify_abstract);
	tcase_add_test(tc, test_notify_env);
	tcase_add_test(tc, test_notify_status_cut);
	tcase_add_test(tc, test_notify_bad_address);
	tcase_add_test(tc, test_notify_watchdog_env);
	tcase_add_test(tc, test_notify_dog_pet);
	suite_add_tcase(s, tc);
	return s;
}
