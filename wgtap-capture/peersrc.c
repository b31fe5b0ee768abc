// SPDX-License-Identifier: MIT
/*
 * The live peer table (see peersrc.h): backend choice, periodic re-read,
 * and the log lines when reading fails or recovers, and the handoff of
 * new tables from the thread that reads them to the packet thread. Each
 * read is bounded by PEERSRC_TIMEOUT_MS.
 *
 * The handoff: the reader publishes a table that differs from the last
 * (with a reference of its own to it) in pub and counts it in
 * published; the taker swaps pub for the one it had and drops that one.
 * An unchanged table is not published, so the taker's cache of lookups
 * (common/lpmcache.h) stays warm; only fresh_ns moves.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "peersrc.h"
#include "uapi.h"
#include "wgnl.h"
#include "wgtap.h"

/* The mutex and the condition variable (timed on CLOCK_MONOTONIC). */
static int
init_handoff(struct peersrc *s)
{
	pthread_condattr_t ca;
	int r;

	if (pthread_mutex_init(&s->mu, NULL) != 0)
		return -1;
	r = pthread_condattr_init(&ca);
	if (r == 0) {
		r = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		if (r == 0)
			r = pthread_cond_init(&s->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (r != 0) {
		pthread_mutex_destroy(&s->mu);
		errno = r;
		return -1;
	}
	atomic_init(&s->published, 0);
	return 0;
}

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
	if (init_handoff(s) != 0)
		return WGTAP_ESYS;
	s->ready = true;
	return WGTAP_OK;
}

void
peersrc_free(struct peersrc *s)
{
	if (!s->ready)
		return;
	peersrc_stop(s);
	peertab_free(s->t);
	peertab_free(s->pub);
	peertab_free(s->cur);
	s->t = s->pub = s->cur = NULL;
	s->digest.valid = false;
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mu);
	s->ready = false;
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
 * One backend's read. With dg, an answer that says what the last one
 * parsed did is not parsed again: WGTAP_OK with *out NULL. A digest of
 * the other backend's never matches (tabdigest.h).
 */
static int
try_backend(enum peersrc_backend b, const char *iface, const char *sockdir,
    int timeout_ms, struct tabdigest *dg, struct peertab **out,
    char *what, size_t cap)
{
	int r;

	if (b == PEERSRC_KERNEL)
		r = wgnl_read_if_changed(iface, timeout_ms, dg, out);
	else
		r = uapi_read_if_changed(sockdir, iface, timeout_ms, dg, out);
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
    enum peersrc_backend *backend, struct tabdigest *dg,
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

/*
 * A read that worked at mono_ns; t, when not NULL, is a new table for
 * the packet thread (the reader keeps its own reference).
 */
static void
publish(struct peersrc *s, struct peertab *t, uint64_t mono_ns)
{
	pthread_mutex_lock(&s->mu);
	s->fresh_ns = mono_ns;
	if (t) {
		peertab_free(s->pub);		/* never taken */
		s->pub = peertab_hold(t);
		atomic_fetch_add_explicit(&s->published, 1,
		    memory_order_release);
	}
	pthread_mutex_unlock(&s->mu);
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
		publish(s, NULL, mono_ns);
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
	/* the packet thread may use it before the line says so, not after */
	publish(s, changed || s->reads == 0 ? t : NULL, mono_ns);
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

const struct peertab *
peersrc_take(struct peersrc *s, uint64_t mono_ns)
{
	struct peertab *old = NULL;

	if (!s->running)
		peersrc_tick(s, mono_ns);
	pthread_mutex_lock(&s->mu);
	s->taken = atomic_load_explicit(&s->published, memory_order_relaxed);
	if (s->pub) {
		old = s->cur;
		s->cur = s->pub;
		s->pub = NULL;
	}
	s->cur_fresh_ns = s->fresh_ns;
	pthread_mutex_unlock(&s->mu);
	peertab_free(old);
	/* the reader's clock may be ahead of the caller's: that is fresh */
	if (!s->cur || (mono_ns > s->cur_fresh_ns &&
	    mono_ns - s->cur_fresh_ns > PEERSRC_MAX_AGE_NS))
		return NULL;
	return s->cur;
}

/* The reader thread: a read whenever one is due, until told to stop. */
static void *
reader_main(void *arg)
{
	struct peersrc *s = arg;
	struct timespec due;
	uint64_t now;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		now = wgtap_clock_ns(CLOCK_MONOTONIC);
		if (now >= s->next_ns) {
			pthread_mutex_unlock(&s->mu);
			peersrc_tick(s, now);
			pthread_mutex_lock(&s->mu);
			continue;
		}
		due.tv_sec = (time_t)(s->next_ns / 1000000000ULL);
		due.tv_nsec = (long)(s->next_ns % 1000000000ULL);
		pthread_cond_timedwait(&s->wake, &s->mu, &due);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int
peersrc_start(struct peersrc *s)
{
	sigset_t all, old;
	int r;

	if (s->running)
		return WGTAP_OK;
	s->stop = false;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&s->thread, NULL, reader_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		log_error("peers of %s: cannot start the thread that reads "
		    "them (%s); reading them on the packet thread", s->iface,
		    strerror(r));
		errno = r;
		return WGTAP_ESYS;
	}
	s->running = true;
	return WGTAP_OK;
}

void
peersrc_stop(struct peersrc *s)
{
	if (!s->running)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->running = false;
}
