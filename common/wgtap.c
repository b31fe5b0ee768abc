// SPDX-License-Identifier: MIT
/*
 * wgtap_strerror(): one fixed sentence per error code. WGTAP_ESYS means
 * "see errno", so for it the text of the current errno is returned: call it
 * before anything else can change errno. wgtap_clock_ns(): a clock read
 * as one number.
 */
#include <errno.h>
#include <string.h>

#include "wgtap.h"

const char *
wgtap_strerror(int err)
{
	switch (err) {
	case WGTAP_OK:
		return "success";
	case WGTAP_ESYS:
		return errno ? strerror(errno) : "system error";
	case WGTAP_ENOMEM:
		return "out of memory";
	case WGTAP_ETRUNC:
		return "input is truncated";
	case WGTAP_EFORMAT:
		return "input is malformed";
	case WGTAP_ETOOBIG:
		return "value too large";
	case WGTAP_EHTTP:
		return "server returned an error";
	case WGTAP_ECRYPTO:
		return "cryptographic operation failed";
	case WGTAP_ENET:
		return "network transfer failed";
	case WGTAP_EZLIB:
		return "compression failed";
	case WGTAP_ENOSPACE:
		return "no space left in the spool";
	case WGTAP_EBUSY:
		return "the writer thread is behind";
	}
	return "unknown error";
}

uint64_t
wgtap_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
