/* SPDX-License-Identifier: MIT */
/*
 * One-line logging to stderr, where journald picks it up:
 *   wgtap-ship: error: upload wg0-...csv.gz: HTTP 503, retry in 32s
 * Each call writes exactly one line. Control bytes in the message (from
 * interface names, file names, server bodies) are replaced by '?', so
 * nothing from outside can forge a line. errno is preserved.
 */
#ifndef WGTAP_LOG_H
#define WGTAP_LOG_H

#include <stdarg.h>
#include <stddef.h>

#define LOG_LINE_MAX 1024

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Set the program name printed first on every line; call once. */
void log_init(const char *prog);

/* Lines above this level are not printed (default LOG_LVL_INFO). */
void log_set_level(enum log_level max);

/* The program name given to log_init(). */
const char *log_prog(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * One line at a level chosen at run time: the same as log_error(),
 * log_warn(), log_info() or log_debug() for that level.
 */
void log_at(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Format into buf (always NUL-terminated), replacing control bytes with
 * '?' and marking a cut line with "...". Exposed for tests.
 */
void log_format(char *buf, size_t cap, const char *prog, const char *lvl,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

#endif
