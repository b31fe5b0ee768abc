// SPDX-License-Identifier: MIT
/*
 * wgtap-capture's command line. The option loop (options_parse) deals
 * with getopt: help, version, unknown flags, missing values, stray
 * arguments. Each value is checked as it is met (take_text, take_number,
 * with the number parsers of opt.c), so the first bad flag on the line is
 * the one reported; what needs the whole line or the system is checked
 * after the loop (check_options). Nothing here exits the process.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "opt.h"
#include "options.h"
#include "segment.h"
#include "spool.h"
#include "wgtap.h"

#define NS_PER_S		1000000000ULL
#define DEFAULT_SPOOL		"/var/spool/wgtap"
#define DEFAULT_MAX_ROWS	1000000ULL
#define DEFAULT_INTERVAL_NS	(5 * 60 * NS_PER_S)
#define DEFAULT_SYNC_NS		NS_PER_S
#define DEFAULT_CAP		(1ULL << 30)
#define MIN_CAP			(4ULL << 20)
#define DEFAULT_SNAPLEN		65535
#define DEFAULT_BUFFER		(16ULL << 20)
#define DEFAULT_LEVEL		1
#define DEFAULT_ZSTD_LEVEL	SEGMENT_ZSTD_LEVEL

enum {
	OPT_COMPRESS = 256, OPT_LEVEL, OPT_FILTER, OPT_CAP, OPT_SYNC,
	OPT_USER, OPT_SNAPLEN, OPT_BUFFER, OPT_FORMAT, OPT_METRICS,
	OPT_ANY_LEVEL, OPT_THREADS, OPT_PEERS,
};

static const struct option longopts[] = {
	{ "iface", required_argument, NULL, 'i' },
	{ "read", required_argument, NULL, 'r' },
	{ "spool-dir", required_argument, NULL, 'd' },
	{ "max-packets-per-log", required_argument, NULL, 'n' },
	{ "packet-log-interval", required_argument, NULL, 't' },
	{ "compress", required_argument, NULL, OPT_COMPRESS },
	{ "gzip-level", required_argument, NULL, OPT_LEVEL },
	{ "level", required_argument, NULL, OPT_ANY_LEVEL },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "spool-max-bytes", required_argument, NULL, OPT_CAP },
	{ "sync-interval", required_argument, NULL, OPT_SYNC },
	{ "user", required_argument, NULL, OPT_USER },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "buffer-size", required_argument, NULL, OPT_BUFFER },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "metrics-file", required_argument, NULL, OPT_METRICS },
	{ "peers", required_argument, NULL, OPT_PEERS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: " OPTIONS_PROG " [options]\n"
"Capture IP packets on a WireGuard interface (or read a capture file) and\n"
"write one CSV row per packet into rotated segments in the spool.\n"
"\n"
"  -i, --iface NAME               interface to capture on (default wg0);\n"
"                                 with -r it only labels the segments\n"
"  -r, --read FILE                read a pcap or pcapng file ('-' = stdin)\n"
"  -d, --spool-dir DIR            the spool (default " DEFAULT_SPOOL ")\n"
"  -n, --max-packets-per-log N    rows per segment (default 1000000)\n"
"  -t, --packet-log-interval DUR  segment age limit: minutes (2.5), or with\n"
"                                 a unit ms, s, m, h (90s, 1.5h); default 5\n"
"      --compress gzip|zstd|none  segment compression (default gzip)\n"
"      --level N                  level of the chosen compression: gzip\n"
"                                 1-9 (default 1), zstd 1-19 (default 1)\n"
"      --gzip-level N             zlib level 1-9 (default 1)\n"
"      --threads 1|2              2 (default): compression and writes on a\n"
"                                 thread of their own; 1: on the packet\n"
"                                 thread\n"
"      --filter EXPR              a pcap filter expression\n"
"      --spool-max-bytes SIZE     spool cap (K, M, G suffixes; default 1G;\n"
"                                 0 = no cap but the filesystem's)\n"
"      --sync-interval DUR        make the open segment crash-safe this\n"
"                                 often: seconds (0.5), or with a unit ms,\n"
"                                 s, m, h (250ms, 1.5s); default 1; 0 = off\n"
"      --user NAME                drop to this user once the capture is open\n"
"      --snaplen N                bytes kept per packet (default 65535)\n"
"      --buffer-size SIZE         kernel capture buffer (default 16M)\n"
"      --format v1|v2             CSV format (default v1); v2 adds peer,\n"
"                                 direction, dns_qname, dns_qtype, dns_rcode\n"
"                                 and captures live through the 'any' device\n"
"                                 to learn each packet's direction; live, the\n"
"                                 peers come from the interface's WireGuard\n"
"      --peers FILE               with -r and --format v2: the peer table, the\n"
"                                 output of 'wg show IFACE dump'\n"
"      --metrics-file PATH        write metrics (Prometheus text format)\n"
"                                 to PATH every 5 s and at exit\n"
"  -v, --verbose                  more log lines\n"
"  -h, --help                     this text\n"
"  -V, --version                  the version\n"
"\n"
"Exit status: 0 done (also after SIGTERM/SIGINT), 1 run-time failure,\n"
"2 usage or configuration error. SIGHUP closes the open segment now.\n");
}

static void
set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->iface = "wg0";
	o->spool_dir = DEFAULT_SPOOL;
	o->max_rows = DEFAULT_MAX_ROWS;
	o->interval_ns = DEFAULT_INTERVAL_NS;
	o->sync_ns = DEFAULT_SYNC_NS;
	o->cap = DEFAULT_CAP;
	o->snaplen = DEFAULT_SNAPLEN;
	o->buffer = DEFAULT_BUFFER;
	o->level = DEFAULT_LEVEL;
	o->zstd_level = DEFAULT_ZSTD_LEVEL;
	o->threads = 2;
	o->gzip = true;
	o->format = 1;
}

/* One line about a bad flag value; false. */
static bool
bad_value(const char *flag, const char *value, const char *what)
{
	log_error("bad value for %s: '%s' (%s)", flag, value, what);
	return false;
}

/* The numeric flag ch with value arg; false (logged) if it is bad. */
static bool
take_number(struct options *o, int ch, const char *arg)
{
	switch (ch) {
	case 'n':
		if (opt_u64(arg, 1, UINT32_MAX, &o->max_rows))
			return bad_value("--max-packets-per-log", arg,
			    "a whole number from 1 to 4294967295");
		return true;
	case 't':
		if (opt_duration(arg, 'm', 24 * 3600 * NS_PER_S,
		    &o->interval_ns) || o->interval_ns < NS_PER_S)
			return bad_value("--packet-log-interval", arg,
			    "minutes, or a number with ms, s, m or h such as "
			    "2.5, 90s or 1.5h, from 1s to 24h");
		return true;
	case OPT_LEVEL:
		if (opt_u64(arg, 1, 9, &o->level))
			return bad_value("--gzip-level", arg, "1 to 9");
		return true;
	case OPT_ANY_LEVEL:
		/* The range depends on --compress: see check_options(). */
		if (opt_u64(arg, 1, 19, &o->any_level))
			return bad_value("--level", arg, "1 to 9 for gzip, "
			    "1 to 19 for zstd");
		o->any_level_arg = arg;
		return true;
	case OPT_THREADS:
		if (opt_u64(arg, 1, 2, &o->threads))
			return bad_value("--threads", arg, "1 or 2");
		return true;
	case OPT_CAP:
		if (opt_size(arg, UINT64_MAX / 2, &o->cap) ||
		    (o->cap != 0 && o->cap < MIN_CAP))
			return bad_value("--spool-max-bytes", arg,
			    "0, or a size of at least 4M");
		return true;
	case OPT_SYNC:
		if (opt_duration(arg, 's', 3600 * NS_PER_S, &o->sync_ns))
			return bad_value("--sync-interval", arg,
			    "seconds, or a number with ms, s, m or h such as "
			    "0.5, 250ms or 1.5s, up to 1h; 0 turns it off");
		return true;
	case OPT_SNAPLEN:
		if (opt_u64(arg, 128, 262144, &o->snaplen))
			return bad_value("--snaplen", arg, "128 to 262144");
		return true;
	case OPT_BUFFER:
		if (opt_size(arg, 1ULL << 31, &o->buffer) ||
		    o->buffer < (1 << 20))
			return bad_value("--buffer-size", arg, "1M to 2G");
		return true;
	}
	return false;	/* not reached: longopts has no other flag */
}

/* Any other flag ch with value arg (NULL for -v); false if it is bad. */
static bool
take_value(struct options *o, int ch, const char *arg)
{
	static const char *const compress_words[] = { "gzip", "none", "zstd",
	    NULL };
	static const char *const format_words[] = { "v1", "v2", NULL };
	int w;

	switch (ch) {
	case 'i':
		o->iface = arg;
		if (!spool_iface_ok(arg))
			return bad_value("--iface", arg, "1 to 31 of "
			    "A-Z a-z 0-9 _ . -, not starting with . or -");
		return true;
	case 'r':
		o->read_file = arg;
		return true;
	case 'd':
		o->spool_dir = arg;
		return true;
	case OPT_COMPRESS:
		w = opt_word(arg, compress_words);
		if (w < 0)
			return bad_value("--compress", arg, "gzip, zstd or "
			    "none");
		o->gzip = w == 0;
		o->zstd = w == 2;
		return true;
	case OPT_FORMAT:
		w = opt_word(arg, format_words);
		if (w < 0)
			return bad_value("--format", arg, "v1 or v2");
		o->format = w + 1;
		return true;
	case OPT_FILTER:
		o->filter = arg;
		return true;
	case OPT_METRICS:
		if (!*arg)
			return bad_value("--metrics-file", arg, "empty path");
		o->metrics_file = arg;
		return true;
	case OPT_USER:
		o->user = arg;
		return true;
	case OPT_PEERS:
		o->peers = arg;
		return true;
	case 'v':
		o->verbose = true;
		return true;
	}
	return take_number(o, ch, arg);
}

/* What can only be checked once the whole line is read. */
static bool
check_options(struct options *o)
{
	if (o->any_level_arg) {
		if (o->zstd)
			o->zstd_level = o->any_level;
		else if (!o->gzip)
			return bad_value("--level", o->any_level_arg,
			    "no level with --compress none");
		else if (o->any_level > 9)
			return bad_value("--level", o->any_level_arg,
			    "1 to 9 for gzip");
		else
			o->level = o->any_level;
	}
	if (o->user && !getpwnam(o->user))
		return bad_value("--user", o->user, "no such user");
	if (o->peers && (!o->read_file || o->format != 2))
		return bad_value("--peers", o->peers, "only with -r and "
		    "--format v2; a live capture reads the interface's peers");
	return true;
}

int
options_parse(int argc, char **argv, struct options *o)
{
	int ch;

	set_defaults(o);
	opterr = 0;
	optind = 0;	/* glibc: a fresh scan, also when called again */
	while ((ch = getopt_long(argc, argv, ":i:r:d:n:t:vhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(OPTIONS_PROG " " WGTAP_VERSION "\n");
			return 0;
		case ':':
			log_error("option '%s' needs a value (see --help)",
			    argv[optind - 1]);
			return 2;
		case '?':
			log_error("unknown option '%s' (see --help)",
			    argv[optind - 1]);
			return 2;
		default:
			if (!take_value(o, ch, optarg))
				return 2;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (see --help)", argv[optind]);
		return 2;
	}
	return check_options(o) ? OPTIONS_RUN : 2;
}
