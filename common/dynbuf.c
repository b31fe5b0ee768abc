// SPDX-License-Identifier: MIT
/*
 * dynbuf: a bounded growable byte buffer, after curl's lib/curlx/dynbuf.c.
 * The buffer doubles as it grows, never beyond its max (plus the NUL), and
 * any append that fails (too big, out of memory, unformattable) frees it.
 * It does no I/O and prints nothing. Data handed to an append must not
 * point into the same buffer, since growing it may move the contents.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "wgtap.h"

#define DYNBUF_MIN_CAP	64

void
dynbuf_init(struct dynbuf *b, size_t max)
{
	b->buf = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max > DYNBUF_MAX_LIMIT ? DYNBUF_MAX_LIMIT : max;
}

void
dynbuf_free(struct dynbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = 0;
	b->cap = 0;
}

void
dynbuf_reset(struct dynbuf *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

/*
 * Make room for add more bytes and the NUL. Returns WGTAP_OK, or
 * WGTAP_ETOOBIG / WGTAP_ENOMEM after freeing the buffer.
 */
static int
dynbuf_grow(struct dynbuf *b, size_t add)
{
	size_t need, cap;
	char *p;

	/* len <= max <= DYNBUF_MAX_LIMIT, so none of this can wrap. */
	if (add > b->max - b->len) {
		dynbuf_free(b);
		return WGTAP_ETOOBIG;
	}
	need = b->len + add + 1;
	if (need <= b->cap)
		return WGTAP_OK;
	cap = b->cap ? b->cap : DYNBUF_MIN_CAP;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->buf, cap);
	if (!p) {
		dynbuf_free(b);
		return WGTAP_ENOMEM;
	}
	b->buf = p;
	b->cap = cap;
	return WGTAP_OK;
}

int
dynbuf_add(struct dynbuf *b, const void *data, size_t len)
{
	int r;

	if (len == 0)
		return WGTAP_OK;
	r = dynbuf_grow(b, len);
	if (r != WGTAP_OK)
		return r;
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return WGTAP_OK;
}

int
dynbuf_addstr(struct dynbuf *b, const char *s)
{
	return dynbuf_add(b, s, strlen(s));
}

int
dynbuf_vprintf(struct dynbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n, m, r;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		dynbuf_free(b);
		return WGTAP_EFORMAT;
	}
	if (n == 0)
		return WGTAP_OK;
	r = dynbuf_grow(b, (size_t)n);
	if (r != WGTAP_OK)
		return r;
	m = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	if (m != n) {
		dynbuf_free(b);
		return WGTAP_EFORMAT;
	}
	b->len += (size_t)n;
	return WGTAP_OK;
}

int
dynbuf_printf(struct dynbuf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dynbuf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

const char *
dynbuf_str(const struct dynbuf *b)
{
	return b->buf ? b->buf : "";
}

size_t
dynbuf_len(const struct dynbuf *b)
{
	return b->len;
}
