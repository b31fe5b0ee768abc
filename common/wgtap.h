/* SPDX-License-Identifier: MIT */
/*
 * Definitions shared by every wgtap module: the version, the one error
 * enum and its strings, and a clock in nanoseconds. Leaf functions return
 * these codes and print nothing; the caller that knows the file, object or
 * interface builds the one message.
 */
#ifndef WGTAP_H
#define WGTAP_H

#include <stdint.h>
#include <time.h>

#define WGTAP_VERSION "1.0.0"

enum wgtap_err {
	WGTAP_OK = 0,
	WGTAP_ESYS = -1,	/* see errno */
	WGTAP_ENOMEM = -2,	/* out of memory */
	WGTAP_ETRUNC = -3,	/* input ends before the field */
	WGTAP_EFORMAT = -4,	/* input does not have the expected form */
	WGTAP_ETOOBIG = -5,	/* result would not fit its buffer or cap */
	WGTAP_EHTTP = -6,	/* the server answered with an error */
	WGTAP_ECRYPTO = -7,	/* OpenSSL failed */
	WGTAP_ENET = -8,	/* the transfer failed (connect, TLS, timeout) */
	WGTAP_EZLIB = -9,	/* the compressor (zlib, zstd) failed */
	WGTAP_ENOSPACE = -10,	/* spool cap reached or filesystem full */
	WGTAP_EBUSY = -11,	/* the writer thread's queue is full */
};

/*
 * A fixed sentence for an error code; never NULL. For WGTAP_ESYS it is
 * strerror(errno), so call it before errno can change.
 */
const char *wgtap_strerror(int err);

/* The clock id (CLOCK_REALTIME, CLOCK_MONOTONIC) now, in nanoseconds. */
uint64_t wgtap_clock_ns(clockid_t id);

#endif
