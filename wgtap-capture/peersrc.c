// SPDX-License-Identifier: MIT
/*
 * The live peer table (see peersrc.h): backend choice, periodic re-read,
 * and the log lines when reading fails or recovers. The reads are
 * synchronous and bounded by PEERSRC_TIMEOUT_MS; a read of 1,000 peers
 * takes a few milliseconds, which the capture's ring buffer absorbs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "peersrc.h"
#include "uapi.h"
#include "wgnl.h"
#include "wgtap.h"

const char *
peersrc_backend_name(enum peersrc_backend b)
{
	switch (b) {
	case PEERSRC_KERNEL:
		return "kernel (netlink)";
	case PEERSRC_UAPI:
		return "userspace (UAPI socket)";
	case PEERSRC_NONE:
		break;
	}
	return "none";
}

int
peersrc_init(struct peersrc *s, const char *iface, const char *sockdir,
    uint64_t interval_ns)
{
	size_t n = strlen(iface);

	memset(s, 0, sizeof(*s));
	if (n == 0 || n >= sizeof(s->iface) || strchr(iface, '/'))
		return WGTAP_EFORMAT;
	memcpy(s->iface, iface, n + 1);
	s->sockdir = sockdir ? sockdir : UAPI_SOCK_DIR;
	s->interval_ns = interval_ns ? interval_ns : PEERSRC_INTERVAL_NS;
	return WGTAP_OK;
}

void
peersrc_free(struct peersrc *s)
{
	peertab_free(s->t);
	s->t = NULL;
	s->digest.valid = false;
}

/* Whether a netlink error means "not a kernel WireGuard interface". */
static bool
not_kernel(int r, int err)
{
	return r == WGTAP_ESYS && (err == ENOENT || err == ENODEV ||
	    err == EOPNOTSUPP || err == EPROTONOSUPPORT ||
	    err == EAFNOSUPPORT);
}

/*
 * One backend's read. With dg, a userspace reply that says what the last
 * one parsed did is not parsed again: WGTAP_OK with *out NULL.
 */
static int
try_backend(enum peersrc_backend b, const char *iface, const char *sockdir,
    int timeout_ms, struct uapi_digest *dg, struct peertab **out,
    char *what, size_t cap)
{
	int r;

	if (b == PEERSRC_KERNEL) {
		r = wgnl_read(iface, timeout_ms, out);
		if (dg)
			dg->valid = false;
	} else {
		r = uapi_read_if_changed(sockdir, iface, timeout_ms, dg, out);
	}
	if (r == WGTAP_OK)
		what[0] = '\0';
	else if (b == PEERSRC_KERNEL)
		snprintf(what, cap, "netlink: %s", r == WGTAP_ESYS &&
		    errno == ENOENT ? "no WireGuard in this kernel" :
		    wgtap_strerror(r));
	else
		snprintf(what, cap, "%s/%s.sock: %s", sockdir, iface,
		    wgtap_strerror(r));
	return r;
}

static int
read_any(const char *iface, const char *sockdir, int timeout_ms,
    enum peersrc_backend *backend, struct uapi_digest *dg,
    struct peertab **out, char *why, size_t cap)
{
	enum peersrc_backend first = *backend == PEERSRC_UAPI ?
	    PEERSRC_UAPI : PEERSRC_KERNEL;
	enum peersrc_backend second = first == PEERSRC_UAPI ?
	    PEERSRC_KERNEL : PEERSRC_UAPI;
	char a[128], b[128];
	int r, err;

	*out = NULL;
	why[0] = '\0';
	if (!sockdir)
		sockdir = UAPI_SOCK_DIR;
	r = try_backend(first, iface, sockdir, timeout_ms, dg, out, a,
	    sizeof(a));
	if (r == WGTAP_OK) {
		*backend = first;
		return r;
	}
	err = errno;
	/* a kernel that answers about its own device has the last word */
	if (first == PEERSRC_KERNEL && !not_kernel(r, err)) {
		snprintf(why, cap, "%s", a);
		errno = err;
		return r;
	}
	r = try_backend(second, iface, sockdir, timeout_ms, dg, out, b,
	    sizeof(b));
	if (r == WGTAP_OK) {
		*backend = second;
		return r;
	}
	err = errno;
	snprintf(why, cap, "%s; %s", first == PEERSRC_KERNEL ? a : b,
	    first == PEERSRC_KERNEL ? b : a);
	errno = err;
	return r;
}

int
peersrc_read(const char *iface, const char *sockdir, int timeout_ms,
    enum peersrc_backend *backend, struct peertab **out, char *why,
    size_t cap)
{
	return read_any(iface, sockdir, timeout_ms, backend, NULL, out, why,
	    cap);
}

bool
peersrc_tick(struct peersrc *s, uint64_t mono_ns)
{
	struct peertab *t;
	char why[sizeof(s->why)];
	bool changed;
	int r;

	if (s->reads + s->failures > 0 && mono_ns < s->next_ns)
		return false;
	s->next_ns = mono_ns + s->interval_ns;
	r = read_any(s->iface, s->sockdir, PEERSRC_TIMEOUT_MS, &s->backend,
	    &s->digest, &t, why, sizeof(why));
	if (r == WGTAP_OK && !t) {
		/*
		 * The reply of the table in hand (a digest is valid only
		 * while s->t holds what was parsed from it): it stands.
		 */
		s->reads++;
		s->unparsed++;
		s->t_mono_ns = mono_ns;
		return true;
	}
	if (r != WGTAP_OK) {
		s->digest.valid = false;
		s->failures++;
		if (!s->failing || strcmp(why, s->why) != 0)
			log_error("peers of %s: cannot read the peer table "
			    "(%s); rows get an empty peer until it can be "
			    "read, retrying every %llu ms", s->iface, why,
			    (unsigned long long)(s->interval_ns / 1000000));
		s->failing = true;
		snprintf(s->why, sizeof(s->why), "%s", why);
		return false;
	}
	changed = s->reads > 0 && !peertab_same(s->t, t);
	s->changes += changed;
	if (s->failing || s->reads == 0)
		log_info("peers of %s: %zu peers, %zu allowed-ips, from the "
		    "%s WireGuard", s->iface, peertab_npeers(t),
		    peertab_nips(t), peersrc_backend_name(s->backend));
	else if (changed)
		log_info("peers of %s changed: %zu peers, %zu allowed-ips",
		    s->iface, peertab_npeers(t), peertab_nips(t));
	s->failing = false;
	s->why[0] = '\0';
	s->reads++;
	peertab_free(s->t);
	s->t = t;
	s->t_mono_ns = mono_ns;
	return true;
}

const struct peertab *
peersrc_table(const struct peersrc *s, uint64_t mono_ns)
{
	if (!s->t || mono_ns - s->t_mono_ns > PEERSRC_MAX_AGE_NS)
		return NULL;
	return s->t;
}
