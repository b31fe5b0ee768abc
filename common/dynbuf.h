/* SPDX-License-Identifier: MIT */
/*
 * A bounded, growable byte buffer in the spirit of curl's dynbuf. Each
 * buffer gets its maximum length when it is initialised; an append that
 * would go past it frees the buffer and fails with WGTAP_ETOOBIG instead of
 * truncating. Every failed append frees the buffer, so a caller never goes
 * on with half-built contents. The contents are always NUL-terminated.
 *
 *	struct dynbuf b;
 *
 *	dynbuf_init(&b, 8192);
 *	r = dynbuf_printf(&b, "%s:%s\n", name, value);
 *	if (r != WGTAP_OK)
 *		goto out;		(b is already empty)
 *	...use dynbuf_str(&b), dynbuf_len(&b)...
 * out:
 *	dynbuf_free(&b);
 *
 * The struct is public so that it can live on the stack; change it only
 * through these functions.
 */
#ifndef WGTAP_DYNBUF_H
#define WGTAP_DYNBUF_H

#include <stdarg.h>
#include <stddef.h>

/* Largest max a buffer can be given; larger values are clamped to it. */
#define DYNBUF_MAX_LIMIT	((size_t)1 << 30)

struct dynbuf {
	char	*buf;	/* NULL until the first append, then NUL-terminated */
	size_t	 len;	/* bytes in use, not counting the NUL */
	size_t	 cap;	/* bytes allocated, including room for the NUL */
	size_t	 max;	/* len never exceeds this */
};

/*
 * Set up an empty buffer whose contents may grow to max bytes (not counting
 * the terminating NUL; clamped to DYNBUF_MAX_LIMIT). Allocates nothing.
 */
void dynbuf_init(struct dynbuf *b, size_t max);

/*
 * Append len bytes from data (which may be NULL when len is 0). Returns
 * WGTAP_OK, WGTAP_ETOOBIG if the result would be longer than max, or
 * WGTAP_ENOMEM. On failure the buffer has been freed (as by dynbuf_free).
 */
int dynbuf_add(struct dynbuf *b, const void *data, size_t len);

/* Append the NUL-terminated string s; as dynbuf_add. */
int dynbuf_addstr(struct dynbuf *b, const char *s);

/*
 * Append formatted text; as dynbuf_add, and WGTAP_EFORMAT if the C library
 * cannot format it. On failure the buffer has been freed.
 */
int dynbuf_printf(struct dynbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int dynbuf_vprintf(struct dynbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Empty the buffer but keep its memory for reuse. */
void dynbuf_reset(struct dynbuf *b);

/*
 * Release the memory and empty the buffer. The buffer keeps its max and
 * may be used again; calling dynbuf_free twice is harmless.
 */
void dynbuf_free(struct dynbuf *b);

/*
 * The contents as a NUL-terminated string: "" while the buffer is empty.
 * The pointer belongs to the buffer and is valid until the next append,
 * reset or free.
 */
const char *dynbuf_str(const struct dynbuf *b);

/* Number of bytes in the buffer, not counting the NUL. */
size_t dynbuf_len(const struct dynbuf *b);

#endif
