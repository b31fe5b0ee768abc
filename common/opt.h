/* SPDX-License-Identifier: MIT */
/*
 * Parsers for command-line values shared by both programs. Each returns
 * WGTAP_OK, or WGTAP_EFORMAT (not a number of that form) / WGTAP_ETOOBIG
 * (out of range); the caller prints the one message that names the flag
 * and quotes the value. Locale-independent; no strtol surprises (signs,
 * spaces, hex, empty strings are all refused).
 */
#ifndef WGTAP_OPT_H
#define WGTAP_OPT_H

#include <stdint.h>

/* A plain decimal integer in [min, max]. */
int opt_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v);

/*
 * A byte count: a decimal integer with an optional binary suffix K, M, G
 * or T (also KiB, MiB, GiB, TiB), at most max bytes.
 */
int opt_size(const char *s, uint64_t max, uint64_t *v);

/*
 * A duration: a decimal number (digits, optionally a point and more
 * digits: "2", "0.5", "1.25") with an optional unit ms, s, m or h; a bare
 * number is in default_unit ('s' or 'm'). The result is in whole
 * nanoseconds (a value finer than that is WGTAP_EFORMAT) and at most
 * max_ns.
 */
int opt_duration(const char *s, char default_unit, uint64_t max_ns,
    uint64_t *ns);

/* One of the words in a NULL-terminated list: its index, or -1. */
int opt_word(const char *s, const char *const *words);

#endif
