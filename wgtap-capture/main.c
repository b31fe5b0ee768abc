// SPDX-License-Identifier: MIT
/*
 * wgtap-capture: capture packets on a WireGuard interface (or read a
 * pcap/pcapng file) and write one CSV row per IP packet into rotated,
 * compressed segments in the spool (SPEC sections 1, 2 and 4).
 *
 * This file owns the process: flags, signals, privileges, exit status (0
 * done, 1 run-time failure, 2 usage). The packet source and its loops
 * (source.c), decoding, segment writing and rotation live in their own
 * modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"
#include "opt.h"
#include "recover.h"
#include "source.h"
#include "wgtap.h"

#define PROG			"wgtap-capture"
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

static volatile sig_atomic_t got_term;
static volatile sig_atomic_t got_hup;

struct options {
	const char	*iface;
	const char	*read_file;
	const char	*spool_dir;
	const char	*filter;
	const char	*user;
	uint64_t	 max_rows;
	uint64_t	 interval_ns;
	uint64_t	 sync_ns;
	uint64_t	 cap;
	uint64_t	 snaplen;
	uint64_t	 buffer;
	uint64_t	 level;
	bool		 gzip;
	bool		 verbose;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [options]\n"
"Capture IP packets on a WireGuard interface (or read a capture file) and\n"
"write one CSV row per packet into rotated segments in the spool.\n"
"\n"
"  -i, --iface NAME               interface to capture on (default wg0);\n"
"                                 with -r it only labels the segments\n"
"  -r, --read FILE                read a pcap or pcapng file ('-' = stdin)\n"
"  -d, --spool-dir DIR            the spool (default " DEFAULT_SPOOL ")\n"
"  -n, --max-packets-per-log N    rows per segment (default 1000000)\n"
"  -t, --packet-log-interval DUR  segment age limit: minutes, or with a unit\n"
"                                 (30s, 5m, 1h); default 5\n"
"      --compress gzip|none       segment compression (default gzip)\n"
"      --gzip-level N             zlib level 1-9 (default 1)\n"
"      --filter EXPR              a pcap filter expression\n"
"      --spool-max-bytes SIZE     spool cap (K, M, G suffixes; default 1G;\n"
"                                 0 = no cap but the filesystem's)\n"
"      --sync-interval DUR        make the open segment crash-safe this\n"
"                                 often: seconds or with a unit (default 1;\n"
"                                 0 = off)\n"
"      --user NAME                drop to this user once the capture is open\n"
"      --snaplen N                bytes kept per packet (default 65535)\n"
"      --buffer-size SIZE         kernel capture buffer (default 16M)\n"
"  -v, --verbose                  more log lines\n"
"  -h, --help                     this text\n"
"  -V, --version                  the version\n"
"\n"
"Exit status: 0 done (also after SIGTERM/SIGINT), 1 run-time failure,\n"
"2 usage or configuration error. SIGHUP closes the open segment now.\n");
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* One line about a bad flag value, exit 2. */
static void __attribute__((noreturn))
bad_value(const char *flag, const char *value, const char *what)
{
	log_error("bad value for %s: '%s' (%s)", flag, value, what);
	exit(2);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	enum {
		OPT_COMPRESS = 256, OPT_LEVEL, OPT_FILTER, OPT_CAP, OPT_SYNC,
		OPT_USER, OPT_SNAPLEN, OPT_BUFFER,
	};
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "spool-dir", required_argument, NULL, 'd' },
		{ "max-packets-per-log", required_argument, NULL, 'n' },
		{ "packet-log-interval", required_argument, NULL, 't' },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "gzip-level", required_argument, NULL, OPT_LEVEL },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "spool-max-bytes", required_argument, NULL, OPT_CAP },
		{ "sync-interval", required_argument, NULL, OPT_SYNC },
		{ "user", required_argument, NULL, OPT_USER },
		{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
		{ "buffer-size", required_argument, NULL, OPT_BUFFER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const compress_words[] = { "gzip", "none", NULL };
	int ch, w;

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
	o->gzip = true;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":i:r:d:n:t:vhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'i':
			o->iface = optarg;
			if (!spool_iface_ok(optarg))
				bad_value("--iface", optarg, "1 to 31 of "
				    "A-Z a-z 0-9 _ . -, not starting with . or -");
			break;
		case 'r':
			o->read_file = optarg;
			break;
		case 'd':
			o->spool_dir = optarg;
			break;
		case 'n':
			if (opt_u64(optarg, 1, UINT32_MAX, &o->max_rows))
				bad_value("--max-packets-per-log", optarg,
				    "a whole number from 1 to 4294967295");
			break;
		case 't':
			if (opt_duration(optarg, 'm', 24 * 3600 * NS_PER_S,
			    &o->interval_ns) || o->interval_ns < NS_PER_S)
				bad_value("--packet-log-interval", optarg,
				    "minutes, or a number with s, m or h, "
				    "from 1s to 24h");
			break;
		case OPT_COMPRESS:
			w = opt_word(optarg, compress_words);
			if (w < 0)
				bad_value("--compress", optarg, "gzip or none");
			o->gzip = w == 0;
			break;
		case OPT_LEVEL:
			if (opt_u64(optarg, 1, 9, &o->level))
				bad_value("--gzip-level", optarg, "1 to 9");
			break;
		case OPT_FILTER:
			o->filter = optarg;
			break;
		case OPT_CAP:
			if (opt_size(optarg, UINT64_MAX / 2, &o->cap) ||
			    (o->cap != 0 && o->cap < MIN_CAP))
				bad_value("--spool-max-bytes", optarg,
				    "0, or a size of at least 4M");
			break;
		case OPT_SYNC:
			if (opt_duration(optarg, 's', 3600 * NS_PER_S,
			    &o->sync_ns))
				bad_value("--sync-interval", optarg,
				    "seconds, or a number with ms, s or m, "
				    "up to 1h; 0 turns it off");
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_SNAPLEN:
			if (opt_u64(optarg, 128, 262144, &o->snaplen))
				bad_value("--snaplen", optarg, "128 to 262144");
			break;
		case OPT_BUFFER:
			if (opt_size(optarg, 1ULL << 31, &o->buffer) ||
			    o->buffer < (1 << 20))
				bad_value("--buffer-size", optarg,
				    "1M to 2G");
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf(PROG " " WGTAP_VERSION "\n");
			exit(0);
		case ':':
			log_error("option '%s' needs a value (see --help)",
			    argv[optind - 1]);
			exit(2);
		default:
			log_error("unknown option '%s' (see --help)",
			    argv[optind - 1]);
			exit(2);
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (see --help)", argv[optind]);
		exit(2);
	}
	if (o->user && !getpwnam(o->user))
		bad_value("--user", o->user, "no such user");
}

/*
 * Become o->user for good: its groups, gid and uid, and prove that the
 * way back to root is closed.
 */
static int
drop_privileges(const char *user)
{
	struct passwd *pw;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		log_error("--user %s: %s", user,
		    errno ? strerror(errno) : "no such user");
		return WGTAP_EFORMAT;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		log_error("drop privileges to %s: %s", user, strerror(errno));
		return WGTAP_ESYS;
	}
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 ||
	    ruid != pw->pw_uid || euid != pw->pw_uid || suid != pw->pw_uid ||
	    rgid != pw->pw_gid || egid != pw->pw_gid || sgid != pw->pw_gid ||
	    (pw->pw_uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))) {
		log_error("drop privileges to %s: could not be made permanent",
		    user);
		return WGTAP_ESYS;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	log_info("running as %s (uid %u, gid %u)", user, (unsigned)pw->pw_uid,
	    (unsigned)pw->pw_gid);
	return WGTAP_OK;
}

static int
open_spool(const char *dir)
{
	struct stat st;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		log_error("spool %s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & S_IWOTH))
		log_warn("spool %s is writable by every user; make it 0750 or "
		    "stricter", dir);
	if (faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) == -1) {
		log_error("spool %s: not writable: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Feed the capture from the source until the input ends or a signal says
 * stop. A live capture holds SIGTERM, SIGINT and SIGHUP back except while
 * it waits for packets, so that none is lost between a check and the wait.
 */
static int
run(struct source *src, struct capture *c, const struct options *o)
{
	struct source_ctl ctl = { &got_term, &got_hup, NULL };
	sigset_t block, orig;

	if (!src->live)
		return source_run_file(src, c, &ctl);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);
	ctl.wait_mask = &orig;
	log_info("capturing on %s (link type %s, %s timestamps) into %s",
	    o->iface, source_dlt_name(src),
	    src->nano ? "nanosecond" : "microsecond", o->spool_dir);
	return source_run_live(src, c, &ctl);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct options o;
	struct capture c;
	struct capture_cfg cfg;
	struct source src;
	bool cap_live = false;
	int r, status = 1, dirfd = -1;

	log_init(PROG);
	parse_args(argc, argv, &o);
	if (o.verbose)
		log_set_level(LOG_LVL_DEBUG);
	umask(027);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: wake blocking reads */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = o.read_file ? source_open_file(&src, o.read_file) :
	    source_open_live(&src, o.iface, o.snaplen, o.buffer);
	if (r != WGTAP_OK)
		goto out;
	if (source_check_dlt(&src) != WGTAP_OK)
		goto out;
	if (source_set_filter(&src, o.filter) != WGTAP_OK) {
		status = 2;
		goto out;
	}
	if (o.user && drop_privileges(o.user) != WGTAP_OK)
		goto out;
	dirfd = open_spool(o.spool_dir);
	if (dirfd == -1)
		goto out;

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.iface, o.iface, strlen(o.iface) + 1);
	cfg.dlt = source_dlt(&src);
	cfg.max_rows = o.max_rows;
	cfg.interval_ns = o.interval_ns;
	cfg.sync_ns = o.sync_ns;
	cfg.wait_for_space = o.read_file != NULL;
	cfg.seg.dirfd = dirfd;
	cfg.seg.gzip = o.gzip;
	cfg.seg.level = (int)o.level;
	cfg.seg.cap_bytes = o.cap;
	if (!o.read_file) {
		cfg.refresh_stats = source_stats;
		cfg.ctx = &src;
	}
	recover_spool(&cfg.seg, o.iface);
	if (capture_init(&c, &cfg, wgtap_clock_ns(CLOCK_MONOTONIC)) !=
	    WGTAP_OK) {
		log_error("out of memory");
		goto out;
	}
	cap_live = true;
	if (o.cap && capture_measure_spool(&c) != WGTAP_OK) {
		log_error("spool %s: %s", o.spool_dir, strerror(errno));
		goto out;
	}

	r = run(&src, &c, &o);
	if (capture_finish(&c, got_term ? "exit" : "end of input") !=
	    WGTAP_OK)
		r = WGTAP_ESYS;
	status = r == WGTAP_OK ? 0 : 1;
 out:
	if (cap_live)
		capture_free(&c);
	source_close(&src);
	if (dirfd != -1)
		close(dirfd);
	return status;
}
