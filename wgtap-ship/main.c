// SPDX-License-Identifier: MIT
/*
 * wgtap-ship: uploads finished spool segments to S3 and deletes each one
 * after a verified upload (SPEC sections 3 and 4). This file owns the
 * process: the flags (parsed by config.c) and what they ask for, the
 * termination signals, the credentials (creds.c) and the S3 client, the
 * choice of mode (daemon.c, batch.c for --once and FILE..., preflight.c
 * for --check) and the exit status: 0 done, 1 a file could not be shipped,
 * a run-time failure or --check found a problem, 2 a usage or
 * configuration error.
 *
 * Credentials found nowhere are a configuration error (2: the unit does
 * not restart for ever), except when a metadata service that should
 * answer could not be reached: on EC2 at boot the network may come up
 * later, so that is a run-time failure (1) and systemd tries again.
 *
 * Signals: SIGTERM and SIGINT are blocked except while waiting in ppoll()
 * (pace_wait()), so the handler, which only sets a flag, cannot race the
 * loops. During an upload they stay blocked, and the transfer's progress
 * callback looks at the pending set to abort it promptly. The modes get
 * the same check as a callback, stop_cb(), the way the S3 client does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <curl/curl.h>

#include "batch.h"
#include "config.h"
#include "creds.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "pace.h"
#include "preflight.h"
#include "s3.h"
#include "ship.h"
#include "shipstat.h"
#include "spool.h"
#include "wgtap.h"

enum exit_code { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define STATUS_EVERY_NS	5000000000ULL	/* a status line every 5 s */
#define METRICS_EVERY_NS	5000000000ULL	/* the metrics file too */

static volatile sig_atomic_t got_term;

/* What the daemon's turns report to the service manager. */
struct turns {
	struct shipstat		 stats;
	struct notify_dog	 dog;
	bool			 ready_sent;
	uint64_t		 next_status;	/* monotonic ns */
	uint64_t		 next_metrics;	/* monotonic ns */
	const struct config	*cfg;
	double			 start_s;	/* wall clock at start */
	bool			 metrics_failed;	/* logged once */
};

static struct turns turns;

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/*
 * The stop check of the modes and the S3 abort callback: a termination
 * signal was caught, or is pending while blocked.
 */
static int
stop_cb(void *arg)
{
	sigset_t set;

	(void)arg;
	if (got_term)
		return 1;
	if (sigpending(&set) == -1)
		return 0;
	return sigismember(&set, SIGTERM) == 1 ||
	    sigismember(&set, SIGINT) == 1;
}

/*
 * The S3 client's abort callback: a transfer that is still running (curl
 * calls this at least once a second, and ends a transfer on which no byte
 * moves for --timeout) feeds the watchdog; then the stop check.
 */
static int
abort_cb(void *arg)
{
	notify_dog_pet(&turns.dog, wgtap_clock_ns(CLOCK_MONOTONIC));
	return stop_cb(arg);
}

/*
 * Rewrite --metrics-file (if given), with the spool scanned for the
 * segments waiting; a failure is logged once.
 */
static void
write_metrics(struct turns *t)
{
	const struct config *cfg = t->cfg;
	struct spool_list list = { NULL, 0, 0 };
	struct metrics m;
	bool scanned = false;
	int r, dirfd;

	if (!cfg || !cfg->metrics_file)
		return;
	dirfd = open(cfg->spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd != -1) {
		scanned = spool_scan(dirfd, &list) == WGTAP_OK;
		close(dirfd);
	}
	metrics_init(&m);
	metrics_label(&m, "host", cfg->host);
	shipstat_metrics(&t->stats, scanned ? &list : NULL,
	    (double)wgtap_clock_ns(CLOCK_REALTIME) / 1e9, t->start_s, &m);
	r = metrics_write(&m, cfg->metrics_file);
	metrics_free(&m);
	spool_list_free(&list);
	if (r != WGTAP_OK && !t->metrics_failed)
		log_warn("--metrics-file %s: %s (not said again)",
		    cfg->metrics_file, wgtap_strerror(r));
	t->metrics_failed = t->metrics_failed || r != WGTAP_OK;
}

/*
 * One turn of the daemon's loop: feed the watchdog; READY=1 once the first
 * scan is done with the inotify watch in place; every few seconds, the
 * status line and the metrics file.
 */
static void
on_turn(void *arg)
{
	struct turns *t = arg;
	char line[NOTIFY_STATUS_MAX];
	uint64_t now = wgtap_clock_ns(CLOCK_MONOTONIC);

	notify_dog_pet(&t->dog, now);
	if (t->stats.ready && !t->ready_sent) {
		t->ready_sent = true;
		notify_send("READY=1");
		t->next_status = 0;
	}
	if (now >= t->next_status) {
		t->next_status = now + STATUS_EVERY_NS;
		shipstat_status(&t->stats, line, sizeof(line));
		notify_status("%s", line);
	}
	if (now >= t->next_metrics) {
		t->next_metrics = now + METRICS_EVERY_NS;
		write_metrics(t);
	}
}

/*
 * Catch SIGTERM and SIGINT but block them; *waitmask is the mask that lets
 * them in, for ppoll(). SIGPIPE is ignored.
 */
static void
signals_setup(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
}

/*
 * Walk the credential chain. Returns EXIT_OK and *out, or the exit status
 * after one error line (which names the source, never a key).
 */
static int
credentials_load(struct creds **out)
{
	char why[CREDS_ERROR_SIZE];
	int r;

	r = creds_load(NULL, out, why);
	if (r == WGTAP_OK) {
		log_info("credentials from %s", creds_origin(*out));
		return EXIT_OK;
	}
	log_error("%s", why);
	return r == WGTAP_ENET || r == WGTAP_ENOMEM ? EXIT_FAIL : EXIT_USAGE;
}

/*
 * The S3 client for cfg, signing with the keys of creds. Returns EXIT_OK
 * and *out, or the exit status after one error line.
 */
static int
client_open(const struct config *cfg, const struct creds *creds,
    struct s3_client **out)
{
	struct s3_config cf;
	int r;

	memset(&cf, 0, sizeof(cf));
	cf.creds = creds;
	cf.endpoint = cfg->endpoint;
	cf.addressing = cfg->addressing;
	cf.bucket = cfg->bucket;
	cf.region = cfg->region;
	cf.ca_file = cfg->ca_file;
	cf.timeout = cfg->timeout;
	cf.abort_cb = abort_cb;
	cf.abort_arg = NULL;
	r = s3_client_new(&cf, out);
	if (r == WGTAP_OK)
		return EXIT_OK;
	if (cfg->ca_file && (r == WGTAP_ESYS || r == WGTAP_EFORMAT)) {
		log_error("--ca-file %s: %s", cfg->ca_file,
		    r == WGTAP_ESYS ? strerror(errno) :
		    "no PEM certificate in it");
		return EXIT_USAGE;
	}
	log_error("S3 client: %s", wgtap_strerror(r));
	return EXIT_FAIL;
}

/* Run the mode the flags ask for; the exit status. */
static int
run(const struct config *cfg, struct s3_client *s3, struct creds *creds,
    const sigset_t *waitmask)
{
	struct pace p = { waitmask, stop_cb, NULL, &turns.stats, NULL, NULL };
	struct ship_config sc;
	bool ok;

	notify_dog_init(&turns.dog);
	if (!cfg->once && cfg->nfiles == 0) {
		p.turn_cb = on_turn;
		p.turn_arg = &turns;
	}

	memset(&sc, 0, sizeof(sc));
	sc.s3 = s3;
	sc.creds = creds;
	sc.bucket = cfg->bucket;
	sc.prefix = cfg->prefix;
	sc.host = cfg->host;
	sc.keep = cfg->keep;
	if (cfg->nfiles > 0)
		ok = batch_files(cfg, &sc, &p);
	else if (cfg->once)
		ok = batch_spool(cfg, &sc, &p);
	else
		ok = daemon_run(cfg, &sc, &p);
	notify_send("STOPPING=1");
	write_metrics(&turns);
	return ok ? EXIT_OK : EXIT_FAIL;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct creds *creds = NULL;
	struct s3_client *s3 = NULL;
	sigset_t waitmask;
	int code;

	turns.start_s = (double)wgtap_clock_ns(CLOCK_REALTIME) / 1e9;
	turns.cfg = &cfg;
	log_init(CONFIG_PROG);
	/*
	 * The secret key may be in our environment and, once read, is in our
	 * heap: no core dump, and no ptrace by other processes of the same
	 * user.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		log_error("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
		return EXIT_FAIL;
	}
	switch (config_parse(argc, argv, &cfg)) {
	case CONFIG_HELP:
		config_usage(stdout);
		return EXIT_OK;
	case CONFIG_VERSION:
		printf("%s %s\n", CONFIG_PROG, WGTAP_VERSION);
		return EXIT_OK;
	case CONFIG_USAGE:
		return EXIT_USAGE;
	case CONFIG_RUN:
		break;
	}
	if (config_check(&cfg) != WGTAP_OK)
		return EXIT_USAGE;
	if (cfg.verbose)
		log_set_level(LOG_LVL_DEBUG);
	/* The metadata service is asked with libcurl. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("libcurl initialisation failed");
		return EXIT_FAIL;
	}
	if (cfg.check) {
		/* Interactive: the default signal actions are right. */
		code = preflight_run(&cfg, stdout, NULL, NULL) ? EXIT_OK :
		    EXIT_FAIL;
		curl_global_cleanup();
		return code;
	}
	code = credentials_load(&creds);
	if (code == EXIT_OK) {
		/* Termination signals only reach us inside ppoll(). */
		signals_setup(&waitmask);
		code = client_open(&cfg, creds, &s3);
	}
	if (code == EXIT_OK)
		code = run(&cfg, s3, creds, &waitmask);
	s3_client_free(s3);
	creds_free(creds);
	curl_global_cleanup();
	return code;
}
