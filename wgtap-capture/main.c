// SPDX-License-Identifier: MIT
/*
 * wgtap-capture: capture packets on a WireGuard interface (or read a
 * pcap/pcapng file) and write one CSV row per IP packet into rotated,
 * compressed segments in the spool (SPEC sections 1, 2 and 4).
 *
 * This file owns the process: it hands the flags to options.c, sets up
 * the signals, drops privileges, opens the spool, puts the source and the
 * capture together and turns the outcome into the exit status (0 done,
 * 1 run-time failure, 2 usage). The packet source and its loops
 * (source.c), decoding, segment writing, rotation and recovery live in
 * their own modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "options.h"
#include "peersrc.h"
#include "recover.h"
#include "report.h"
#include "wgdump.h"
#include "source.h"
#include "wgtap.h"

#define STATUS_EVERY_NS	5000000000ULL	/* a status line every 5 s */
#define METRICS_EVERY_NS	5000000000ULL	/* the metrics file too */

static volatile sig_atomic_t got_term;
static volatile sig_atomic_t got_hup;

/* What the loops' turns report to the service manager and the file. */
struct turns {
	struct capture		*c;
	const struct options	*o;
	struct notify_dog	 dog;
	uint64_t		 next_status;	/* monotonic ns */
	uint64_t		 next_metrics;	/* monotonic ns */
	double			 start_s;	/* wall clock at start */
	bool			 metrics_failed;	/* logged once */
};

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/*
 * Keep CAP_NET_ADMIN alone, permitted and effective, after the uid change
 * that PR_SET_KEEPCAPS let it survive: the netlink query of a kernel
 * WireGuard's peers needs it.
 */
static int
keep_net_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[CAP_NET_ADMIN / 32].permitted = 1u << (CAP_NET_ADMIN % 32);
	d[CAP_NET_ADMIN / 32].effective = 1u << (CAP_NET_ADMIN % 32);
	if (syscall(SYS_capset, &h, d) == -1)
		return WGTAP_ESYS;
	return prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1 ? WGTAP_ESYS : WGTAP_OK;
}

/*
 * Become o->user for good: its groups, gid and uid, and prove that the
 * way back to root is closed. With net_admin, CAP_NET_ADMIN (and nothing
 * else) is kept, for a live peer table read through netlink.
 */
static int
drop_privileges(const char *user, bool net_admin)
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
	if ((net_admin && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) ||
	    initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1 ||
	    (net_admin && keep_net_admin() != WGTAP_OK)) {
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
	log_info("running as %s (uid %u, gid %u%s)", user, (unsigned)pw->pw_uid,
	    (unsigned)pw->pw_gid, net_admin ? ", keeping CAP_NET_ADMIN" : "");
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
 * --peers: the table from the dump file, or NULL (logged, one line
 * naming the file and, for a bad line, its number).
 */
static struct peertab *
load_peers(const char *path)
{
	struct peertab *t;
	size_t line;
	int r;

	r = wgdump_load(path, &t, &line);
	if (r == WGTAP_OK) {
		log_info("peers from %s: %zu peers, %zu allowed-ips", path,
		    peertab_npeers(t), peertab_nips(t));
		return t;
	}
	if (line)
		log_error("--peers %s: line %zu: not a line of 'wg show IFACE "
		    "dump' (%s)", path, line, wgtap_strerror(r));
	else
		log_error("--peers %s: %s", path, wgtap_strerror(r));
	return NULL;
}

/* The capture's configuration from the flags, the source and the spool. */
static void
make_capture_cfg(const struct options *o, struct source *src, int dirfd,
    struct capture_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->iface, o->iface, strlen(o->iface) + 1);
	cfg->dlt = source_dlt(src);
	cfg->max_rows = o->max_rows;
	cfg->interval_ns = o->interval_ns;
	cfg->sync_ns = o->sync_ns;
	cfg->wait_for_space = !src->live;
	cfg->seg.dirfd = dirfd;
	cfg->seg.gzip = o->gzip;
	cfg->seg.level = (int)o->level;
	cfg->seg.zstd = o->zstd;
	cfg->seg.zstd_level = (int)o->zstd_level;
	cfg->seg.threads = (int)o->threads;
	cfg->seg.drop_when_busy = src->live;	/* -r waits instead */
	cfg->seg.cap_bytes = o->cap;
	cfg->seg.format = o->format == 2 ? CSV_V2 : CSV_V1;
	if (src->live) {
		cfg->refresh_stats = source_stats;
		cfg->ctx = src;
	}
}

/*
 * Catch SIGTERM, SIGINT and SIGHUP, and hold them back for good: they are
 * let in only while the source waits for packets or input (ppoll() with
 * *wait_mask), so that none is lost between a check and a wait and none
 * breaks a read or a write. SIGPIPE is ignored.
 */
static void
signals_setup(sigset_t *wait_mask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, wait_mask);
}

/* Send the status line now. */
static void
send_status(struct capture *c)
{
	char line[NOTIFY_STATUS_MAX];

	if (c->cfg.refresh_stats)
		c->cfg.refresh_stats(c->cfg.ctx, &c->st);
	report_status(c, line, sizeof(line));
	notify_status("%s", line);
}

/* Rewrite --metrics-file (if given); a failure is logged once. */
static void
write_metrics(struct turns *t)
{
	struct metrics m;
	char host[256];
	int r;

	if (!t->o->metrics_file)
		return;
	if (t->c->cfg.refresh_stats)
		t->c->cfg.refresh_stats(t->c->cfg.ctx, &t->c->st);
	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	metrics_init(&m);
	metrics_label(&m, "iface", t->o->iface);
	metrics_label(&m, "host", host);
	report_metrics(t->c, t->start_s, &m);
	r = metrics_write(&m, t->o->metrics_file);
	metrics_free(&m);
	if (r != WGTAP_OK && !t->metrics_failed)
		log_warn("--metrics-file %s: %s (not said again)",
		    t->o->metrics_file, wgtap_strerror(r));
	t->metrics_failed = t->metrics_failed || r != WGTAP_OK;
}

/*
 * One turn of the source's loop: the loop is making progress, so feed the
 * watchdog; and every few seconds, the status line and the metrics file.
 */
static void
on_turn(void *arg)
{
	struct turns *t = arg;
	uint64_t now = wgtap_clock_ns(CLOCK_MONOTONIC);

	notify_dog_pet(&t->dog, now);
	if (now >= t->next_status) {
		t->next_status = now + STATUS_EVERY_NS;
		send_status(t->c);
	}
	if (now >= t->next_metrics) {
		t->next_metrics = now + METRICS_EVERY_NS;
		write_metrics(t);
	}
}

/*
 * Recovery is done and the source is capturing: tell the service manager
 * (READY=1), and set up the turns that keep it informed.
 */
static void
announce_ready(struct capture *c, struct turns *t, struct source_ctl *ctl)
{
	t->c = c;
	notify_dog_init(&t->dog);
	ctl->turn = on_turn;
	ctl->turn_arg = t;
	notify_send("READY=1");
	on_turn(t);
}

/*
 * Feed the capture from the source until the input ends or a stop; READY=1
 * once it has begun.
 */
static int
run(struct source *src, struct capture *c, const struct options *o,
    struct source_ctl *ctl, struct turns *t)
{
	if (src->live)
		log_info("capturing on %s%s (link type %s, %s timestamps, "
		    "format v%d) into %s", o->iface,
		    src->ifindex ? " through any" : "", source_dlt_name(src),
		    src->nano ? "nanosecond" : "microsecond", o->format,
		    o->spool_dir);
	announce_ready(c, t, ctl);
	if (!src->live)
		return source_run_file(src, c, ctl);
	return source_run_live(src, c, ctl);
}

int
main(int argc, char **argv)
{
	struct source_ctl ctl = { &got_term, &got_hup, NULL, NULL, NULL };
	struct turns turns;
	sigset_t wait_mask;
	struct options o;
	struct capture c;
	struct capture_cfg cfg;
	struct source src;
	struct peertab *peers = NULL;
	struct peersrc live_peers;
	bool cap_live = false, want_live_peers;
	int r, status = 1, dirfd = -1;

	memset(&turns, 0, sizeof(turns));
	turns.start_s = (double)wgtap_clock_ns(CLOCK_REALTIME) / 1e9;
	turns.o = &o;
	log_init(OPTIONS_PROG);
	r = options_parse(argc, argv, &o);
	if (r != OPTIONS_RUN)
		return r;
	if (o.verbose)
		log_set_level(LOG_LVL_DEBUG);
	umask(027);

	signals_setup(&wait_mask);
	ctl.wait_mask = &wait_mask;
	want_live_peers = !o.read_file && o.format == 2;
	memset(&live_peers, 0, sizeof(live_peers));
	memset(&src, 0, sizeof(src));
	if (o.peers) {
		peers = load_peers(o.peers);
		if (!peers) {
			status = 2;
			goto out;
		}
	}
	if (want_live_peers &&
	    peersrc_init(&live_peers, o.iface, NULL, 0) != WGTAP_OK) {
		log_error("--iface %s: too long for a WireGuard interface",
		    o.iface);
		status = 2;
		goto out;
	}

	if (o.read_file)
		r = source_open_file(&src, o.read_file, &ctl);
	else if (o.format == 2)
		r = source_open_live_any(&src, o.iface, o.snaplen, o.buffer);
	else
		r = source_open_live(&src, o.iface, o.snaplen, o.buffer);
	if (r != WGTAP_OK) {
		if (got_term)
			status = 0;	/* stopped before the input began */
		goto out;
	}
	if (source_check_dlt(&src) != WGTAP_OK)
		goto out;
	if (source_set_filter(&src, o.filter) != WGTAP_OK) {
		status = 2;
		goto out;
	}
	if (o.user && drop_privileges(o.user, want_live_peers) != WGTAP_OK)
		goto out;
	dirfd = open_spool(o.spool_dir);
	if (dirfd == -1)
		goto out;

	make_capture_cfg(&o, &src, dirfd, &cfg);
	cfg.peers_fixed = peers;
	cfg.peers_live = want_live_peers ? &live_peers : NULL;
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

	/* the first read of the live peers, before the first packet */
	r = capture_tick(&c, src.live ? wgtap_clock_ns(CLOCK_REALTIME) : 0,
	    wgtap_clock_ns(CLOCK_MONOTONIC));
	/* the later ones on their own thread, with the capabilities kept */
	if (r == WGTAP_OK && want_live_peers)
		(void)peersrc_start(&live_peers);
	if (r == WGTAP_OK)
		r = run(&src, &c, &o, &ctl, &turns);
	if (want_live_peers)
		peersrc_stop(&live_peers);
	notify_send("STOPPING=1");
	if (capture_finish(&c, got_term ? "exit" : "end of input") !=
	    WGTAP_OK)
		r = WGTAP_ESYS;
	status = r == WGTAP_OK ? 0 : 1;
	write_metrics(&turns);
 out:
	if (cap_live)
		capture_free(&c);
	peertab_free(peers);
	peersrc_free(&live_peers);
	source_close(&src);
	if (dirfd != -1)
		close(dirfd);
	return status;
}
