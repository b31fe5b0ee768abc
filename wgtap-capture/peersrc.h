/* SPDX-License-Identifier: MIT */
/*
 * Where a live capture's peer table comes from, and keeping it fresh.
 * The WireGuard implementation behind the interface is found at run time:
 * the kernel's, through generic netlink (wgnl.c), when the kernel has the
 * wireguard family and the interface is one of its devices; otherwise a
 * userspace one (wireguard-go, boringtun) through its UAPI socket
 * (uapi.c). The one that worked is asked first next time.
 *
 * peersrc_tick() re-reads the table every interval (0.7 s by default),
 * so that a peer added, removed or given new allowed-ips is attributed
 * from at most about one interval later. 0.7 s keeps that under 1 s with
 * room to spare, while re-reading 1,000 peers with one or two
 * allowed-ips each from wireguard-go costs under 1 % of a core, its work
 * and ours together (with ten each, 1.1 %, ours 0.3 %: BENCHMARKS.md).
 *
 * An answer that says what the last one parsed did (the same peers,
 * endpoints and allowed-ips; a userspace reply or a netlink dump alike)
 * costs the read and a hash, not a parse. A table that differs from the
 * one before in its peers or allowed-ips is logged in one info line.
 * When the table cannot be read, one error line is logged (and one more
 * when the reason changes, and an info line when it can be read again),
 * the failures are counted, reading is retried at every interval, and a
 * table older than PEERSRC_MAX_AGE_NS is no longer used: rows then get
 * an empty peer rather than one from a stale table.
 *
 * In a live capture the reads run on a thread of their own
 * (peersrc_start()), so that the packet thread never waits for
 * wireguard-go's reply or pays for its parse. The reader publishes each
 * table that differs from the one before, and does so before it logs
 * the change; the packet thread takes the newest one with
 * peersrc_take() at each tick and, through peersrc_newer() (one atomic
 * load a packet), at the first packet after a publication. Without the
 * thread, peersrc_take() reads inline, as the tests and the first read
 * of a capture do.
 */
#ifndef WGTAP_PEERSRC_H
#define WGTAP_PEERSRC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "peertab.h"
#include "uapi.h"

#define PEERSRC_INTERVAL_NS	700000000ULL	/* re-read every 0.7 s */
#define PEERSRC_MAX_AGE_NS	1000000000ULL	/* use a table up to 1 s */
#define PEERSRC_TIMEOUT_MS	400		/* per read */

enum peersrc_backend {
	PEERSRC_NONE = 0,
	PEERSRC_KERNEL,		/* generic netlink */
	PEERSRC_UAPI,		/* the userspace socket */
};

struct peersrc {
	char		 iface[16];
	const char	*sockdir;	/* UAPI sockets; UAPI_SOCK_DIR */
	uint64_t	 interval_ns;
	struct peertab	*t;		/* the last table read, or NULL */
	uint64_t	 t_mono_ns;	/* when it was read */
	uint64_t	 next_ns;	/* the next read is due */
	enum peersrc_backend backend;	/* the last that worked */
	bool		 failing;	/* the last read failed (logged) */
	char		 why[160];	/* its reason, as logged */
	uint64_t	 reads, failures;
	uint64_t	 changes;	/* reads whose table differed */
	/* the last answer parsed, and the reads that matched it */
	struct tabdigest digest;
	uint64_t	 unparsed;

	/* the handoff to the packet thread; pub and fresh_ns under mu */
	bool		 ready;		/* peersrc_init() succeeded */
	bool		 running;	/* the reader thread runs */
	bool		 stop;		/* under mu: the reader is to end */
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 wake;		/* to the reader: stop */
	struct peertab	*pub;		/* a new table not taken yet */
	uint64_t	 fresh_ns;	/* the last read that worked */
	atomic_uint_fast64_t published;	/* tables published so far */
	/* the packet thread's own */
	uint64_t	 taken;		/* publications it has seen */
	struct peertab	*cur;		/* the table it attributes with */
	uint64_t	 cur_fresh_ns;	/* fresh_ns when it last looked */
};

/*
 * Set up s for interface iface (at most 15 bytes), reading every
 * interval_ns (0: PEERSRC_INTERVAL_NS) with sockets in sockdir (NULL:
 * UAPI_SOCK_DIR). Reads nothing yet. WGTAP_OK or WGTAP_EFORMAT.
 */
int peersrc_init(struct peersrc *s, const char *iface, const char *sockdir,
    uint64_t interval_ns);

/* Stop the reader thread if it runs, and free the tables. */
void peersrc_free(struct peersrc *s);

/*
 * Run the reads on a thread of their own from now on, every signal
 * blocked in it (it keeps the capabilities the caller has now: start it
 * after dropping privileges). WGTAP_OK, or WGTAP_ESYS (logged) when the
 * thread cannot be made: the reads then stay inline.
 */
int peersrc_start(struct peersrc *s);

/* End the reader thread, if it runs, and wait for it. */
void peersrc_stop(struct peersrc *s);

/*
 * The packet thread's table at monotonic time mono_ns: the newest one
 * published (read inline first when no thread runs), or NULL when none
 * has been read or the last read that worked is older than
 * PEERSRC_MAX_AGE_NS. The table stays valid until the next call.
 */
const struct peertab *peersrc_take(struct peersrc *s, uint64_t mono_ns);

/* Whether a table was published since the packet thread's last take. */
static inline bool
peersrc_newer(const struct peersrc *s)
{
	return atomic_load_explicit(&s->published, memory_order_acquire) !=
	    s->taken;
}

/*
 * Read the table now if a read is due at monotonic time mono_ns (the
 * first call always reads), and log as described above. Returns true
 * when the table was read. An answer that says what the one before did
 * (a userspace reply or a netlink dump with the same digest: the same
 * peers, endpoints and allowed-ips, whatever the counters) is not parsed
 * again: the table in hand stands, as fresh as the read.
 */
bool peersrc_tick(struct peersrc *s, uint64_t mono_ns);

/*
 * The reader's view of the table at mono_ns: the last one read, or NULL
 * when there is none or it is older than PEERSRC_MAX_AGE_NS. Only for
 * the reader's thread (or when none runs).
 */
const struct peertab *peersrc_table(const struct peersrc *s,
    uint64_t mono_ns);

/*
 * One read of iface's table (UAPI sockets in sockdir; NULL:
 * UAPI_SOCK_DIR), trying first the backend *backend (if not
 * PEERSRC_NONE) and then the other as described above; *backend is set
 * to the one that worked. Returns WGTAP_OK with *out set, or the error
 * of the last attempt, with why (cap bytes) saying what each backend
 * answered.
 */
int peersrc_read(const char *iface, const char *sockdir, int timeout_ms,
    enum peersrc_backend *backend, struct peertab **out, char *why,
    size_t cap);

/* "kernel (netlink)", "userspace (UAPI socket)" or "none". */
const char *peersrc_backend_name(enum peersrc_backend b);

#endif
