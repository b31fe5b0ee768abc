/* SPDX-License-Identifier: MIT */
/*
 * The service manager's notification protocol (sd_notify(3)), written out
 * in a few lines instead of linking libsystemd: each message is one
 * datagram of "NAME=value" lines sent to the AF_UNIX socket named in
 * $NOTIFY_SOCKET, a path ("/run/systemd/notify") or an abstract name
 * written with a leading '@'. Without $NOTIFY_SOCKET (not started by
 * systemd with Type=notify) every call does nothing and succeeds.
 *
 * The watchdog (WatchdogSec=): systemd sets $WATCHDOG_USEC (and
 * $WATCHDOG_PID, the process meant); the program sends WATCHDOG=1 from its
 * main loop at half that interval (notify_dog_pet()), so that a loop that
 * stops turning gets the process killed and restarted.
 */
#ifndef WGTAP_NOTIFY_H
#define WGTAP_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/* The longest message notify_status() builds, with "STATUS=". */
#define NOTIFY_STATUS_MAX	256

/*
 * Send msg as one datagram to the socket addr ("/path" or "@abstract").
 * Returns WGTAP_OK, WGTAP_EFORMAT (addr is neither, or too long) or
 * WGTAP_ESYS (errno set). Prints nothing.
 */
int notify_send_to(const char *addr, const char *msg);

/* Send msg to $NOTIFY_SOCKET; WGTAP_OK without sending when it is unset. */
int notify_send(const char *msg);

/* "STATUS=" and the formatted text, cut to NOTIFY_STATUS_MAX; notify_send(). */
int notify_status(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * The watchdog interval systemd asks for, in ns: $WATCHDOG_USEC when it is
 * a positive decimal number and $WATCHDOG_PID is unset or this process;
 * otherwise 0 (no watchdog).
 */
uint64_t notify_watchdog_ns(void);

/* When the watchdog was last fed, and how often it must be. */
struct notify_dog {
	uint64_t	period_ns;	/* half the interval; 0: off */
	uint64_t	last_ns;	/* monotonic time of the last ping */
	bool		fed;		/* a ping was sent */
};

/* Set up d from the environment (notify_watchdog_ns()). */
void notify_dog_init(struct notify_dog *d);

/*
 * The main loop made progress at monotonic time mono_ns: send WATCHDOG=1
 * when half the interval has passed since the last ping (or none was sent
 * yet). Returns whether a ping was sent.
 */
bool notify_dog_pet(struct notify_dog *d, uint64_t mono_ns);

#endif
