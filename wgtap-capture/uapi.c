// SPDX-License-Identifier: MIT
/*
 * The UAPI "get" operation (wireguard.com/xplatform, "Configuration
 * Protocol"): the request, the bounded read of the reply from the unix
 * socket, and the parse of its key=value lines into a peer table. The
 * reply starts with the interface's keys (private_key, listen_port,
 * fwmark), then each peer from its public_key line on; the last line is
 * errno=N. Lines are read by length, never as C strings, so a NUL in the
 * reply is just a bad line.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "chars.h"
#include "dynbuf.h"
#include "uapi.h"
#include "wgtap.h"

#define ERRNO_MAX	4095

struct uapi_state {
	struct peertab	*t;
	size_t		 peer;
	bool		 have_peer;
	bool		 done;		/* errno= seen */
	int		 err;		/* its value */
};

static bool
key_is(const char *k, size_t kn, const char *want)
{
	return kn == strlen(want) && memcmp(k, want, kn) == 0;
}

/* "errno=N": decimal, no sign or leading zero, at most ERRNO_MAX. */
static int
parse_errno(const char *v, size_t n, int *err)
{
	size_t i;
	int x = 0;

	if (n == 0 || n > 4 || (v[0] == '0' && n > 1))
		return WGTAP_EFORMAT;
	for (i = 0; i < n; i++) {
		if (!chars_is_digit((unsigned char)v[i]))
			return WGTAP_EFORMAT;
		x = x * 10 + (v[i] - '0');
	}
	if (x > ERRNO_MAX)
		return WGTAP_EFORMAT;
	*err = x;
	return WGTAP_OK;
}

static int
set_endpoint(struct uapi_state *s, const char *v, size_t n)
{
	char text[PEERTAB_ENDPOINT_MAX];

	if (n == 0 || n >= sizeof(text) || memchr(v, '\0', n))
		return WGTAP_EFORMAT;
	memcpy(text, v, n);
	text[n] = '\0';
	return peertab_set_endpoint(s->t, s->peer, text);
}

static int
parse_line(struct uapi_state *s, const char *l, size_t n)
{
	const char *eq = memchr(l, '=', n);
	uint8_t key[PEERTAB_KEY_LEN], addr[16];
	const char *v;
	size_t kn, vn;
	unsigned plen;
	int r, fam;

	if (!eq || s->done)
		return WGTAP_EFORMAT;
	kn = (size_t)(eq - l);
	v = eq + 1;
	vn = n - kn - 1;
	if (key_is(l, kn, "public_key")) {
		r = peertab_key_hex(v, vn, key);
		if (r == WGTAP_OK)
			r = peertab_add_peer(s->t, key, &s->peer);
		s->have_peer = r == WGTAP_OK;
		return r;
	}
	if (key_is(l, kn, "errno")) {
		s->done = true;
		return parse_errno(v, vn, &s->err);
	}
	if (key_is(l, kn, "endpoint") || key_is(l, kn, "allowed_ip")) {
		if (!s->have_peer)
			return WGTAP_EFORMAT;
		if (key_is(l, kn, "endpoint"))
			return set_endpoint(s, v, vn);
		r = peertab_prefix(v, vn, &fam, addr, &plen);
		if (r == WGTAP_OK)
			r = peertab_add_ip(s->t, s->peer, fam, addr, plen);
		return r;
	}
	/* Other keys (the interface's, the peer's counters) are skipped. */
	return kn == 0 ? WGTAP_EFORMAT : WGTAP_OK;
}

int
uapi_parse(const char *text, size_t len, struct peertab **out,
    size_t *line)
{
	struct uapi_state s = { 0 };
	size_t pos = 0, n;
	const char *nl;
	int r = WGTAP_ETOOBIG;

	*out = NULL;
	*line = 0;
	if (len > UAPI_MAX_REPLY)
		goto out;
	r = WGTAP_ENOMEM;
	s.t = peertab_new();
	if (!s.t)
		goto out;
	r = WGTAP_OK;
	while (pos < len && r == WGTAP_OK) {
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		++*line;
		/* the empty line ends the reply, and must be last */
		if (n == 0)
			r = s.done && pos + 1 == len ? WGTAP_OK : WGTAP_EFORMAT;
		else
			r = parse_line(&s, text + pos, n);
		pos += n + (nl != NULL);
	}
	if (r == WGTAP_OK && !s.done) {
		r = WGTAP_EFORMAT;
		*line = *line ? *line : 1;
	}
	if (r == WGTAP_OK && s.err != 0) {
		r = WGTAP_ESYS;
		errno = s.err;
	}
 out:
	if (r != WGTAP_OK) {
		peertab_free(s.t);
		return r;
	}
	*line = 0;
	*out = s.t;
	return WGTAP_OK;
}

bool
uapi_reply_complete(const char *buf, size_t len)
{
	return (len == 1 && buf[0] == '\n') ||
	    (len >= 2 && buf[len - 1] == '\n' && buf[len - 2] == '\n');
}

/* Connect to sockdir/iface.sock; the descriptor, or -1 with errno set. */
static int
connect_sock(const char *sockdir, const char *iface)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, n, saved;

	n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock",
	    sockdir, iface);
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path) || strchr(iface, '/')) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Wait up to the deadline for fd to be ready for events. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	uint64_t now = wgtap_clock_ns(CLOCK_MONOTONIC);
	int r;

	if (now >= deadline) {
		errno = ETIMEDOUT;
		return WGTAP_ESYS;
	}
	r = poll(&p, 1, (int)((deadline - now + 999999) / 1000000));
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? WGTAP_OK : WGTAP_ESYS;
}

/* Send the request and gather the reply into b. */
static int
exchange(int fd, uint64_t deadline, struct dynbuf *b)
{
	static const char req[] = "get=1\n\n";
	char chunk[16384];
	ssize_t n;
	int r;

	r = wait_fd(fd, POLLOUT, deadline);
	if (r != WGTAP_OK)
		return r;
	n = send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != (ssize_t)sizeof(req) - 1) {
		if (n >= 0)
			errno = EPROTO;
		return WGTAP_ESYS;
	}
	while (!uapi_reply_complete(dynbuf_str(b), dynbuf_len(b))) {
		r = wait_fd(fd, POLLIN, deadline);
		if (r != WGTAP_OK)
			return r;
		n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EPROTO;
			return WGTAP_ESYS;
		}
		r = dynbuf_add(b, chunk, (size_t)n);
		if (r != WGTAP_OK)
			return r;
	}
	return WGTAP_OK;
}

/* The peers' counters: they change with traffic, not with the table. */
static bool
counter_key(const char *k, size_t kn)
{
	return key_is(k, kn, "rx_bytes") || key_is(k, kn, "tx_bytes") ||
	    key_is(k, kn, "last_handshake_time_sec") ||
	    key_is(k, kn, "last_handshake_time_nsec");
}

void
uapi_digest(const char *text, size_t len, struct tabdigest *d)
{
	uint64_t peer = 0, h;
	size_t pos = 0, n, kn;
	const char *l, *nl, *eq;

	tabdigest_init(d, TABDIGEST_UAPI);
	while (pos < len) {
		l = text + pos;
		nl = memchr(l, '\n', len - pos);
		n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl != NULL);
		eq = memchr(l, '=', n);
		kn = eq ? (size_t)(eq - l) : n;
		if (counter_key(l, kn))
			continue;
		h = tabdigest_hash(l, n);
		if (key_is(l, kn, "public_key"))
			peer = tabdigest_peer(h);
		else if (n == 0 || key_is(l, kn, "errno"))
			peer = 0;	/* after the last peer: none's */
		tabdigest_add(d, h, peer);
	}
}

int
uapi_read_if_changed(const char *sockdir, const char *iface,
    int timeout_ms, struct tabdigest *last, struct peertab **out)
{
	uint64_t deadline = wgtap_clock_ns(CLOCK_MONOTONIC) +
	    (uint64_t)timeout_ms * 1000000;
	struct tabdigest d;
	struct dynbuf b;
	size_t line;
	int fd, r, saved;

	*out = NULL;
	dynbuf_init(&b, UAPI_MAX_REPLY);
	fd = connect_sock(sockdir, iface);
	if (fd == -1) {
		if (last)
			last->valid = false;
		return WGTAP_ESYS;
	}
	r = exchange(fd, deadline, &b);
	if (r == WGTAP_OK && last) {
		uapi_digest(dynbuf_str(&b), dynbuf_len(&b), &d);
		if (last->valid && tabdigest_same(last, &d))
			goto out;
	}
	if (r == WGTAP_OK)
		r = uapi_parse(dynbuf_str(&b), dynbuf_len(&b), out, &line);
	if (last && r == WGTAP_OK) {
		*last = d;
		last->valid = true;
	} else if (last) {
		last->valid = false;
	}
 out:
	saved = errno;
	close(fd);
	dynbuf_free(&b);
	errno = saved;
	return r;
}

int
uapi_read(const char *sockdir, const char *iface, int timeout_ms,
    struct peertab **out)
{
	return uapi_read_if_changed(sockdir, iface, timeout_ms, NULL, out);
}
