// SPDX-License-Identifier: MIT
/*
 * `wg show IFACE dump` into a peer table. The first line describes the
 * interface and must have four fields; every further line is a peer with
 * eight. Only the public key, the endpoint and the allowed-ips are kept;
 * the other fields are checked for presence, not read. The newline after
 * the last line is optional; an empty line, a missing or extra field, a
 * bad key or prefix, or a key seen before is an error naming its line. `wg show all dump` (an interface name before every line) is
 * refused: take the dump of the one interface being captured.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "dynbuf.h"
#include "wgdump.h"
#include "wgtap.h"

#define IFACE_FIELDS	4
#define PEER_FIELDS	8

struct field {
	const char	*p;
	size_t		 n;
};

/* Split line[0..n) at tabs into at most max fields; their count. */
static size_t
split(const char *line, size_t n, char sep, struct field *f, size_t max)
{
	size_t k = 0, start = 0, i;

	for (i = 0; i <= n; i++) {
		if (i < n && line[i] != sep)
			continue;
		if (k < max) {
			f[k].p = line + start;
			f[k].n = i - start;
		}
		k++;
		start = i + 1;
	}
	return k;
}

static int
is(const struct field *f, const char *s)
{
	return f->n == strlen(s) && memcmp(f->p, s, f->n) == 0;
}

/* "a/b,c/d" or "(none)" for peer idx. */
static int
add_ips(struct peertab *t, size_t idx, const struct field *f)
{
	size_t i, start = 0;
	uint8_t addr[16];
	unsigned plen;
	int fam, r;

	if (is(f, "(none)"))
		return WGTAP_OK;
	for (i = 0; i <= f->n; i++) {
		if (i < f->n && f->p[i] != ',')
			continue;
		r = peertab_prefix(f->p + start, i - start, &fam, addr, &plen);
		if (r == WGTAP_OK)
			r = peertab_add_ip(t, idx, fam, addr, plen);
		if (r != WGTAP_OK)
			return r;
		start = i + 1;
	}
	return WGTAP_OK;
}

/* The endpoint field: "(none)", or kept as text when it is plausible. */
static int
set_endpoint(struct peertab *t, size_t idx, const struct field *f)
{
	char text[PEERTAB_ENDPOINT_MAX];

	if (is(f, "(none)"))
		return WGTAP_OK;
	if (f->n == 0 || f->n >= sizeof(text) || memchr(f->p, '\0', f->n))
		return WGTAP_EFORMAT;
	memcpy(text, f->p, f->n);
	text[f->n] = '\0';
	return peertab_set_endpoint(t, idx, text);
}

static int
parse_peer(struct peertab *t, const char *line, size_t n)
{
	struct field f[PEER_FIELDS];
	uint8_t key[PEERTAB_KEY_LEN];
	size_t idx, prev = peertab_npeers(t);
	int r;

	if (split(line, n, '\t', f, PEER_FIELDS) != PEER_FIELDS)
		return WGTAP_EFORMAT;
	r = peertab_key_base64(f[0].p, f[0].n, key);
	if (r == WGTAP_OK)
		r = peertab_add_peer(t, key, &idx);
	if (r != WGTAP_OK)
		return r;
	/* the same key on two lines is not a dump */
	if (peertab_npeers(t) == prev)
		return WGTAP_EFORMAT;
	r = set_endpoint(t, idx, &f[2]);
	if (r == WGTAP_OK)
		r = add_ips(t, idx, &f[3]);
	return r;
}

int
wgdump_parse(const char *text, size_t len, struct peertab **out,
    size_t *line)
{
	struct peertab *t = NULL;
	struct field f[IFACE_FIELDS];
	size_t pos = 0, n;
	const char *nl;
	int r = WGTAP_ETOOBIG;

	*out = NULL;
	*line = 0;
	if (len > WGDUMP_MAX_BYTES)
		goto out;
	r = WGTAP_ENOMEM;
	t = peertab_new();
	if (!t)
		goto out;
	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		++*line;
		r = WGTAP_EFORMAT;
		if (*line == 1 && split(text + pos, n, '\t', f,
		    IFACE_FIELDS) != IFACE_FIELDS)
			goto out;
		if (*line > 1) {
			r = parse_peer(t, text + pos, n);
			if (r != WGTAP_OK)
				goto out;
		}
		pos += n + (nl != NULL);
	}
	r = *line == 0 ? WGTAP_EFORMAT : WGTAP_OK;
	if (r == WGTAP_EFORMAT)
		*line = 1;
 out:
	if (r != WGTAP_OK) {
		peertab_free(t);
		return r;
	}
	*line = 0;
	*out = t;
	return WGTAP_OK;
}

/*
 * Read in chunks rather than by the file's size, so that a pipe works as
 * well (`--peers <(ssh gw wg show wg0 dump)`).
 */
int
wgdump_load(const char *path, struct peertab **out, size_t *line)
{
	struct dynbuf b;
	char chunk[65536];
	size_t got;
	int fd, r, saved_errno;

	*out = NULL;
	*line = 0;
	dynbuf_init(&b, WGDUMP_MAX_BYTES);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return WGTAP_ESYS;
	do {
		r = atomicio_read(fd, chunk, sizeof(chunk), &got);
		if (r == WGTAP_OK)
			r = dynbuf_add(&b, chunk, got);
	} while (r == WGTAP_OK && got == sizeof(chunk));
	saved_errno = errno;
	if (r == WGTAP_OK)
		r = wgdump_parse(dynbuf_str(&b), dynbuf_len(&b), out, line);
	dynbuf_free(&b);
	close(fd);
	errno = saved_errno;
	return r;
}
