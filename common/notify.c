// SPDX-License-Identifier: MIT
/*
 * The notification protocol of the service manager (see notify.h). The
 * protocol is a datagram of text on a Unix socket; writing it here keeps
 * both programs free of a libsystemd dependency for these few lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"
#include "wgtap.h"

/*
 * The address of addr in *sa; *len its length. An abstract name starts
 * with a NUL byte instead of the '@', and its length counts no trailing
 * NUL. WGTAP_OK or WGTAP_EFORMAT.
 */
static int
notify_address(const char *addr, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(addr);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n < 2 || n >= sizeof(sa->sun_path) ||
	    (addr[0] != '/' && addr[0] != '@'))
		return WGTAP_EFORMAT;
	memcpy(sa->sun_path, addr, n);
	if (addr[0] == '@') {
		sa->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
		    1);
	}
	return WGTAP_OK;
}

int
notify_send_to(const char *addr, const char *msg)
{
	struct sockaddr_un sa;
	socklen_t len;
	size_t n = strlen(msg);
	ssize_t w;
	int fd, r, saved;

	r = notify_address(addr, &sa, &len);
	if (r != WGTAP_OK)
		return r;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return WGTAP_ESYS;
	w = sendto(fd, msg, n, MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	saved = errno;
	close(fd);
	errno = saved;
	if (w == -1)
		return WGTAP_ESYS;
	if ((size_t)w != n) {
		errno = EMSGSIZE;
		return WGTAP_ESYS;
	}
	return WGTAP_OK;
}

int
notify_send(const char *msg)
{
	const char *addr = getenv("NOTIFY_SOCKET");

	if (!addr || !*addr)
		return WGTAP_OK;
	return notify_send_to(addr, msg);
}

int
notify_status(const char *fmt, ...)
{
	char buf[NOTIFY_STATUS_MAX];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	return notify_send(buf);
}

/* A positive decimal number without sign, blank or trailing text; else 0. */
static uint64_t
notify_number(const char *s)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return v;
}

uint64_t
notify_watchdog_ns(void)
{
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t usec = notify_number(getenv("WATCHDOG_USEC"));

	if (pid && notify_number(pid) != (uint64_t)getpid())
		return 0;
	if (usec == 0 || usec > UINT64_MAX / 1000)
		return 0;
	return usec * 1000;
}

void
notify_dog_init(struct notify_dog *d)
{
	memset(d, 0, sizeof(*d));
	d->period_ns = notify_watchdog_ns() / 2;
}

bool
notify_dog_pet(struct notify_dog *d, uint64_t mono_ns)
{
	if (d->period_ns == 0)
		return false;
	if (d->fed && mono_ns - d->last_ns < d->period_ns)
		return false;
	d->fed = true;
	d->last_ns = mono_ns;
	notify_send("WATCHDOG=1");
	return true;
}
