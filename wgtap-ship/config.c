// SPDX-License-Identifier: MIT
/*
 * The command line of wgtap-ship, in the manner of wireguard-tools'
 * config.c: one check per value, each failure one line that quotes the
 * value. config_parse() is the option loop (defaults, then each flag and
 * its value); config_check() looks at the result as a whole and derives
 * the endpoint, key prefix and host label. The keys are not read here but
 * by the credential chain (creds.c). The caller exits 2 after a failure;
 * nothing here exits.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "opt.h"
#include "s3.h"
#include "s3ca.h"
#include "sigv4.h"
#include "spool.h"
#include "wgtap.h"

#define ENDPOINT_MAX	(S3_HOSTNAME_MAX + 32)

void
config_usage(FILE *f)
{
	fprintf(f,
"usage: " CONFIG_PROG " --storage-bucket NAME [options] [FILE...]\n"
"       " CONFIG_PROG " --storage-bucket NAME --check [options]\n"
"\n"
"Uploads finished wgtap segments from the spool to S3 (SigV4 PutObject) and\n"
"deletes each one after the store confirmed it.\n"
"\n"
"Modes:\n"
"  (default)                 watch the spool, ship segments as they appear,\n"
"                            retrying failed uploads for ever\n"
"  --once                    ship what is in the spool now, then exit\n"
"  FILE...                   ship exactly these segment files, then exit\n"
"  --check                   try the configuration, one line per step: the\n"
"                            credentials, the endpoint's address, a (TLS)\n"
"                            connection, the upload of a small object\n"
"                            PREFIX" CONFIG_CHECK_DIR "HOST and its deletion\n"
"\n"
"Options:\n"
"  --spool-dir DIR           the spool (default " CONFIG_DEFAULT_SPOOL ")\n"
"  --storage-bucket NAME     the bucket (required)\n"
"  --storage-endpoint URL    http:// or https:// endpoint\n"
"                            (default https://s3.REGION.amazonaws.com)\n"
"  --storage-region REGION   SigV4 region (default " CONFIG_DEFAULT_REGION ")\n"
"  --storage-addressing auto|path|virtual\n"
"                            bucket in the host name (virtual) or the path;\n"
"                            auto: virtual for amazonaws.com, else path\n"
"  --key-prefix PREFIX       prefix of every key (default \"" S3_DEFAULT_PREFIX
    "\"; '' for none)\n"
"  --host-label LABEL        host=LABEL partition (default: the host name)\n"
"  --keep                    do not delete segments after uploading them\n"
"  --ca-file PEM             also trust the CA certificates in PEM\n"
"  --max-attempts N          tries per file, --once and FILE... (default %d)\n"
"  --timeout SEC             connect timeout; a transfer on which no byte\n"
"                            moves for SEC seconds is aborted (default %d)\n"
"  --backoff-max SEC         longest wait between retries (default %d)\n"
"  --metrics-file PATH       write metrics (Prometheus text format) to PATH\n"
"                            every 5 s (daemon) and at exit\n"
"  -v, --verbose             debug lines\n"
"  -h, --help                this text\n"
"  -V, --version             the version\n"
"\n"
"Credentials: the first of these that has keys (never logged):\n"
"  1. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN\n"
"  2. $CREDENTIALS_DIRECTORY/aws-credentials (systemd's LoadCredential=)\n"
"  3. $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials\n"
"     (2 and 3: profile $AWS_PROFILE, else default)\n"
"  4. the EC2 instance role (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true\n"
"Keys from a file are read again when it changes; instance-role keys are\n"
"renewed before they expire.\n"
"\n"
"Keys: PREFIX host=HOST/dt=YYYY-MM-DD/hour=HH/SEGMENT, with the date and\n"
"hour (UTC) of the segment's start time.\n"
"Exit status: 0 done, 1 a file could not be shipped (--once, FILE...), a\n"
"run-time failure, or --check found a problem; 2 a usage or configuration\n"
"error (such as no credentials anywhere).\n",
	    CONFIG_DEFAULT_ATTEMPTS, CONFIG_DEFAULT_TIMEOUT,
	    CONFIG_DEFAULT_BACKOFF);
}

/* Parse a whole number of seconds or a count in [min, max]. */
static bool
parse_num(const char *flag, const char *s, uint64_t min, uint64_t max,
    uint64_t *v)
{
	if (opt_u64(s, min, max, v) != WGTAP_OK) {
		log_error("%s: \"%s\" is not a number from %llu to %llu", flag,
		    s, (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	return true;
}

/* A SigV4 scope part (region, key ID) of at most max bytes. */
static bool
scope_text_ok(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1);

	return len <= max && sigv4_scope_part_ok(s, len);
}

enum {
	OPT_SPOOL = 256, OPT_BUCKET, OPT_ENDPOINT, OPT_REGION, OPT_ADDRESSING,
	OPT_METRICS, OPT_PREFIX, OPT_HOST, OPT_ONCE, OPT_KEEP, OPT_CA, OPT_ATTEMPTS,
	OPT_TIMEOUT, OPT_BACKOFF, OPT_CHECK,
};

static const struct option long_opts[] = {
	{ "spool-dir", required_argument, NULL, OPT_SPOOL },
	{ "storage-bucket", required_argument, NULL, OPT_BUCKET },
	{ "storage-endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "storage-region", required_argument, NULL, OPT_REGION },
	{ "storage-addressing", required_argument, NULL, OPT_ADDRESSING },
	{ "key-prefix", required_argument, NULL, OPT_PREFIX },
	{ "host-label", required_argument, NULL, OPT_HOST },
	{ "metrics-file", required_argument, NULL, OPT_METRICS },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "ca-file", required_argument, NULL, OPT_CA },
	{ "max-attempts", required_argument, NULL, OPT_ATTEMPTS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "backoff-max", required_argument, NULL, OPT_BACKOFF },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->spool_dir = CONFIG_DEFAULT_SPOOL;
	cfg->region = CONFIG_DEFAULT_REGION;
	cfg->key_prefix = S3_DEFAULT_PREFIX;
	cfg->max_attempts = CONFIG_DEFAULT_ATTEMPTS;
	cfg->timeout = CONFIG_DEFAULT_TIMEOUT;
	cfg->backoff_max_ms = CONFIG_DEFAULT_BACKOFF * 1000;
}

/*
 * One flag c with its value arg (argv for the messages). Returns
 * CONFIG_RUN to go on with the next one.
 */
static enum config_action
one_flag(struct config *cfg, int c, const char *arg, char **argv)
{
	static const char *const modes[] = { "auto", "path", "virtual", NULL };
	uint64_t v;
	int i;

	switch (c) {
	case OPT_SPOOL:
		cfg->spool_dir = arg;
		break;
	case OPT_BUCKET:
		cfg->bucket = arg;
		break;
	case OPT_ENDPOINT:
		cfg->endpoint_url = arg;
		break;
	case OPT_REGION:
		cfg->region = arg;
		break;
	case OPT_ADDRESSING:
		i = opt_word(arg, modes);
		if (i < 0) {
			log_error("--storage-addressing: \"%s\" is not auto, "
			    "path or virtual", arg);
			return CONFIG_USAGE;
		}
		cfg->addressing = i == 1 ? S3_ADDR_PATH :
		    i == 2 ? S3_ADDR_VIRTUAL : S3_ADDR_AUTO;
		break;
	case OPT_PREFIX:
		cfg->key_prefix = arg;
		break;
	case OPT_HOST:
		cfg->host_label = arg;
		break;
	case OPT_METRICS:
		cfg->metrics_file = arg;
		break;
	case OPT_ONCE:
		cfg->once = true;
		break;
	case OPT_KEEP:
		cfg->keep = true;
		break;
	case OPT_CHECK:
		cfg->check = true;
		break;
	case OPT_CA:
		cfg->ca_file = arg;
		break;
	case OPT_ATTEMPTS:
		if (!parse_num("--max-attempts", arg, 1, 1000, &v))
			return CONFIG_USAGE;
		cfg->max_attempts = (unsigned)v;
		break;
	case OPT_TIMEOUT:
		if (!parse_num("--timeout", arg, 1, 3600, &v))
			return CONFIG_USAGE;
		cfg->timeout = (long)v;
		break;
	case OPT_BACKOFF:
		if (!parse_num("--backoff-max", arg, 1, 86400, &v))
			return CONFIG_USAGE;
		cfg->backoff_max_ms = v * 1000;
		break;
	case 'v':
		cfg->verbose = true;
		break;
	case 'h':
		return CONFIG_HELP;
	case 'V':
		return CONFIG_VERSION;
	case ':':
		log_error("%s needs a value (see --help)", argv[optind - 1]);
		return CONFIG_USAGE;
	default:
		if (optopt)
			log_error("unknown flag -%c (see --help)", optopt);
		else
			log_error("unknown flag %s (see --help)",
			    argv[optind - 1]);
		return CONFIG_USAGE;
	}
	return CONFIG_RUN;
}

enum config_action
config_parse(int argc, char **argv, struct config *cfg)
{
	enum config_action a;
	int c;

	defaults(cfg);
	opterr = 0;
	optind = 0;	/* GNU getopt: start afresh (the tests parse often) */
	while ((c = getopt_long(argc, argv, ":vhV", long_opts, NULL)) != -1) {
		a = one_flag(cfg, c, optarg, argv);
		if (a != CONFIG_RUN)
			return a;
	}
	cfg->files = argv + optind;
	cfg->nfiles = argc - optind;
	return CONFIG_RUN;
}

/* The mode: --once or FILE... (or neither), and FILE names of segments. */
static bool
check_files(const struct config *cfg)
{
	struct spool_name sn;
	const char *base;
	int i;

	if (cfg->once && cfg->nfiles > 0) {
		log_error("--once and FILE arguments do not go together");
		return false;
	}
	if (cfg->check && (cfg->once || cfg->nfiles > 0)) {
		log_error("--check goes with neither --once nor FILE arguments");
		return false;
	}
	for (i = 0; i < cfg->nfiles; i++) {
		base = strrchr(cfg->files[i], '/');
		base = base ? base + 1 : cfg->files[i];
		if (spool_name_parse(base, &sn) != WGTAP_OK) {
			log_error("%s: not a segment file name", cfg->files[i]);
			return false;
		}
	}
	return true;
}

/* The bucket and region, and the endpoint given or made from the region. */
static bool
check_store(struct config *cfg)
{
	char url[ENDPOINT_MAX];
	int n;

	if (!cfg->bucket) {
		log_error("--storage-bucket is required (see --help)");
		return false;
	}
	if (!s3_bucket_ok(cfg->bucket)) {
		log_error("--storage-bucket: \"%s\" is not a valid bucket name "
		    "(3-63 of a-z 0-9 . -)", cfg->bucket);
		return false;
	}
	if (!scope_text_ok(cfg->region, CONFIG_REGION_MAX)) {
		log_error("--storage-region: \"%s\" is not a region name",
		    cfg->region);
		return false;
	}
	if (cfg->endpoint_url) {
		if (s3_endpoint_parse(cfg->endpoint_url, &cfg->endpoint) !=
		    WGTAP_OK) {
			log_error("--storage-endpoint: \"%s\" is not an "
			    "http:// or https:// URL of a host",
			    cfg->endpoint_url);
			return false;
		}
		return true;
	}
	n = snprintf(url, sizeof(url), "https://s3.%s.amazonaws.com",
	    cfg->region);
	if (n < 0 || (size_t)n >= sizeof(url) ||
	    s3_endpoint_parse(url, &cfg->endpoint) != WGTAP_OK) {
		log_error("--storage-region: \"%s\" does not make an "
		    "endpoint host name", cfg->region);
		return false;
	}
	return true;
}

/*
 * The CA file, read as the S3 client will read it, so that a bad one is a
 * configuration error in every mode (--check included) before anything.
 */
static bool
check_ca(const struct config *cfg)
{
	STACK_OF(X509) *cas = NULL;
	int r;

	if (!cfg->ca_file)
		return true;
	r = s3_ca_load(cfg->ca_file, &cas);
	s3_ca_free(cas);
	if (r == WGTAP_OK)
		return true;
	log_error("--ca-file %s: %s", cfg->ca_file, r == WGTAP_ESYS ?
	    strerror(errno) : r == WGTAP_EFORMAT ?
	    "no PEM certificate in it" : wgtap_strerror(r));
	return false;
}

/* The key's prefix and host=LABEL (the host name when none was given). */
static bool
check_key(struct config *cfg)
{
	char hostname[HOST_NAME_MAX + 1];
	const char *host = cfg->host_label;
	int r;

	r = s3_prefix_normalize(cfg->key_prefix, cfg->prefix);
	if (r != WGTAP_OK) {
		log_error("--key-prefix: \"%s\" is %s", cfg->key_prefix,
		    r == WGTAP_ETOOBIG ? "too long" : "not usable (printable "
		    "ASCII, no leading '/', no empty, . or .. parts)");
		return false;
	}
	if (!host) {
		if (gethostname(hostname, sizeof(hostname)) == -1)
			hostname[0] = '\0';
		hostname[sizeof(hostname) - 1] = '\0';
		if (!s3_host_label_ok(hostname)) {
			log_error("the host name \"%s\" cannot be a key label; "
			    "use --host-label", hostname);
			return false;
		}
		host = hostname;
	} else if (!s3_host_label_ok(host)) {
		log_error("--host-label: \"%s\" is not 1-63 of "
		    "A-Z a-z 0-9 . _ -", host);
		return false;
	}
	memcpy(cfg->host, host, strlen(host) + 1);
	return true;
}

int
config_check(struct config *cfg)
{
	if (!check_files(cfg) || !check_store(cfg) || !check_ca(cfg) ||
	    !check_key(cfg))
		return WGTAP_EFORMAT;
	return WGTAP_OK;
}
