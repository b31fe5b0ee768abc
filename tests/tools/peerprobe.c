// SPDX-License-Identifier: MIT
/*
 * peerprobe: reads a WireGuard interface's peer table the way
 * wgtap-capture does (wgtap-capture/peersrc.c), for the peer tests
 * (tests/t-peers-table.sh) and the refresh benchmark. Run it in the
 * interface's network namespace.
 *
 *   peerprobe read IFACE
 *	one read: the table on stdout, one line per peer,
 *	"KEY<TAB>ENDPOINT<TAB>IP/LEN,..." ("(none)" for none), and the
 *	backend on stderr ("backend: userspace (UAPI socket)"); or the
 *	reason on stderr and exit 1
 *   peerprobe watch DIR IFACE
 *	tick every 20 ms (a read every 0.7 s, as the capture does) until
 *	SIGTERM or SIGINT; after the first read, and after each read whose
 *	table differs from the one before (peersrc.c's count of changes:
 *	peers or allowed-ips, in any order), write the table to
 *	DIR/table.N (N = 1, 2, ...; written to a temporary name and
 *	renamed), its first line "# NS" with the CLOCK_REALTIME time of the
 *	read in ns
 *   peerprobe cost SECONDS IFACE
 *	tick as watch does for SECONDS and print "reads=N failures=N
 *	unparsed=N cpu_ms=N wall_ms=N core_pct=P peers=N": the CPU time
 *	this process used (user + system), as a share of one core;
 *	unparsed: the reads whose reply matched the table in hand
 *   peerprobe cost-full SECONDS IFACE
 *	the same, but every read is parsed, as if no answer matched the
 *	last one: what the digest saves
 *
 * Exit status: 0, 1 when reading failed (read) or never worked (cost),
 * 2 for bad arguments.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "dynbuf.h"
#include "log.h"
#include "peersrc.h"
#include "wgtap.h"

static volatile sig_atomic_t got_term;

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static int
do_read(const char *iface)
{
	enum peersrc_backend b = PEERSRC_NONE;
	struct peertab *t;
	struct dynbuf out;
	char why[256];
	int r;

	r = peersrc_read(iface, NULL, 2000, &b, &t, why, sizeof(why));
	if (r != WGTAP_OK) {
		fprintf(stderr, "peerprobe: %s: %s\n", iface, why);
		return 1;
	}
	dynbuf_init(&out, 64u << 20);
	r = peertab_format(t, &out);
	if (r == WGTAP_OK)
		fputs(dynbuf_str(&out), stdout);
	fprintf(stderr, "backend: %s\n", peersrc_backend_name(b));
	dynbuf_free(&out);
	peertab_free(t);
	return r == WGTAP_OK ? 0 : 1;
}

static int
write_table(const char *dir, unsigned n, const char *text)
{
	char tmp[4096], final[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/.table.%u", dir, n);
	snprintf(final, sizeof(final), "%s/table.%u", dir, n);
	f = fopen(tmp, "w");
	if (!f)
		return 1;
	fprintf(f, "# %llu\n%s",
	    (unsigned long long)wgtap_clock_ns(CLOCK_REALTIME), text);
	if (fclose(f) != 0 || rename(tmp, final) != 0)
		return 1;
	return 0;
}

static void
nap(void)
{
	struct timespec ts = { 0, 20000000 };

	nanosleep(&ts, NULL);
}

static int
do_watch(const char *dir, const char *iface)
{
	struct dynbuf cur;
	struct peersrc s;
	uint64_t seen = 0;
	unsigned n = 0;
	int rc = 0;

	if (peersrc_init(&s, iface, NULL, 0) != WGTAP_OK)
		return 2;
	dynbuf_init(&cur, 64u << 20);
	while (!got_term && rc == 0) {
		if (peersrc_tick(&s, wgtap_clock_ns(CLOCK_MONOTONIC)) &&
		    (n == 0 || s.changes != seen)) {
			seen = s.changes;
			dynbuf_reset(&cur);
			rc = peertab_format(s.t, &cur) != WGTAP_OK ||
			    write_table(dir, ++n, dynbuf_str(&cur));
		}
		nap();
	}
	dynbuf_free(&cur);
	peersrc_free(&s);
	return rc;
}

static uint64_t
cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000ULL + (uint64_t)(ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec) * 1000ULL;
}

static int
do_cost(const char *secs, const char *iface, bool full)
{
	char *end;
	double d = strtod(secs, &end);
	uint64_t t0, c0, until, wall, cpu;
	struct peersrc s;

	if (*end || d <= 0 || d > 3600 ||
	    peersrc_init(&s, iface, NULL, 0) != WGTAP_OK)
		return 2;
	t0 = wgtap_clock_ns(CLOCK_MONOTONIC);
	c0 = cpu_ns();
	until = t0 + (uint64_t)(d * 1e9);
	while (!got_term && wgtap_clock_ns(CLOCK_MONOTONIC) < until) {
		if (full)
			s.digest.valid = false;
		peersrc_tick(&s, wgtap_clock_ns(CLOCK_MONOTONIC));
		nap();
	}
	wall = wgtap_clock_ns(CLOCK_MONOTONIC) - t0;
	cpu = cpu_ns() - c0;
	printf("reads=%llu failures=%llu unparsed=%llu cpu_ms=%.1f "
	    "wall_ms=%.1f core_pct=%.3f peers=%zu\n",
	    (unsigned long long)s.reads, (unsigned long long)s.failures,
	    (unsigned long long)s.unparsed, (double)cpu / 1e6,
	    (double)wall / 1e6, 100.0 * (double)cpu / (double)wall,
	    s.t ? peertab_npeers(s.t) : 0);
	peersrc_free(&s);
	return s.reads > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;

	log_init("peerprobe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return do_read(argv[2]);
	if (argc == 4 && strcmp(argv[1], "watch") == 0)
		return do_watch(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "cost") == 0)
		return do_cost(argv[2], argv[3], false);
	if (argc == 4 && strcmp(argv[1], "cost-full") == 0)
		return do_cost(argv[2], argv[3], true);
	fprintf(stderr, "usage: peerprobe read IFACE | watch DIR IFACE | "
	    "cost SECONDS IFACE | cost-full SECONDS IFACE\n");
	return 2;
}
