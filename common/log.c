// SPDX-License-Identifier: MIT
/*
 * Logging: one line per event on stderr, "PROG: LEVEL: message". The line is
 * formatted once into a fixed buffer and handed to write(2) whole (by
 * atomicio_write(), which finishes a short write), so lines from
 * concurrent processes do not interleave. Control bytes (chars_is_cntrl())
 * are replaced. Nothing here ever sees a secret: callers log keys,
 * statuses and counts, never credentials or request headers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "chars.h"
#include "log.h"

static const char *log_progname = "wgtap";
static enum log_level log_max = LOG_LVL_INFO;

void
log_init(const char *prog)
{
	log_progname = prog;
}

void
log_set_level(enum log_level max)
{
	log_max = max;
}

const char *
log_prog(void)
{
	return log_progname;
}

void
log_format(char *buf, size_t cap, const char *prog, const char *lvl,
    const char *fmt, va_list ap)
{
	int n, m;
	size_t i, len;

	if (cap < 8) {
		if (cap > 0)
			buf[0] = '\0';
		return;
	}
	n = snprintf(buf, cap, "%s: %s: ", prog, lvl);
	if (n < 0 || (size_t)n >= cap)
		n = 0;
	m = vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
	len = strlen(buf);
	if (m >= 0 && (size_t)n + (size_t)m >= cap) {
		/* Cut: say so rather than end mid-word silently. */
		memcpy(buf + cap - 4, "...", 4);
		len = cap - 1;
	}
	for (i = 0; i < len; i++) {
		if (chars_is_cntrl(buf[i]))
			buf[i] = '?';
	}
}

static void
log_emit(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		[LOG_LVL_ERROR] = "error", [LOG_LVL_WARN] = "warning",
		[LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug",
	};
	char buf[LOG_LINE_MAX + 1];
	size_t len;
	int saved_errno = errno;

	if (level > log_max || (unsigned)level > LOG_LVL_DEBUG)
		goto out;
	log_format(buf, sizeof(buf) - 1, log_progname, names[level], fmt, ap);
	len = strlen(buf);
	buf[len++] = '\n';
	atomicio_write(STDERR_FILENO, buf, len, NULL);
 out:
	errno = saved_errno;
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_WARN, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_DEBUG, fmt, ap);
	va_end(ap);
}

void
log_at(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(level, fmt, ap);
	va_end(ap);
}
