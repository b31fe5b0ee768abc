/* SPDX-License-Identifier: MIT */
/*
 * wgtap-ship's configuration: the command line (the option loop, then a
 * separate check of the whole) and the --help text. The keys are not
 * configuration: they come from the credential chain (creds.h). Each bad
 * value gets one error line that quotes it and the caller exits 2;
 * nothing here exits.
 */
#ifndef WGTAP_CONFIG_H
#define WGTAP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "s3.h"

#define CONFIG_PROG		"wgtap-ship"
#define CONFIG_DEFAULT_SPOOL	"/var/spool/wgtap"
#define CONFIG_DEFAULT_REGION	"us-east-1"
#define CONFIG_DEFAULT_ATTEMPTS	5
#define CONFIG_DEFAULT_TIMEOUT	30	/* seconds */
#define CONFIG_DEFAULT_BACKOFF	60	/* seconds */
#define CONFIG_REGION_MAX	63
/* --check uploads PREFIX CONFIG_CHECK_DIR HOST, never a segment's key. */
#define CONFIG_CHECK_DIR	"wgtap-check/"

struct config {
	const char		*spool_dir;
	const char		*bucket;
	const char		*region;
	const char		*endpoint_url;	/* as given, or NULL */
	const char		*key_prefix;	/* as given */
	const char		*host_label;	/* as given, or NULL */
	const char		*ca_file;
	const char		*metrics_file;	/* NULL: none */
	bool			 once, keep, verbose;
	bool			 check;		/* --check */
	unsigned		 max_attempts;
	long			 timeout;	/* seconds */
	uint64_t		 backoff_max_ms;
	char			**files;	/* FILE... */
	int			 nfiles;
	/* Filled by config_check(): */
	struct s3_endpoint	 endpoint;
	enum s3_addressing	 addressing;
	char			 prefix[S3_PREFIX_SIZE];	/* normalised */
	char			 host[S3_HOST_LABEL_MAX + 1];
};

/* What the command line asks for. */
enum config_action {
	CONFIG_RUN,		/* go on: config_check(), then run */
	CONFIG_HELP,		/* --help: config_usage(stdout), exit 0 */
	CONFIG_VERSION,		/* --version */
	CONFIG_USAGE,		/* a bad flag or value, logged: exit 2 */
};

/* The --help text, with the defaults. */
void config_usage(FILE *f);

/*
 * The option loop: the defaults, then each flag and its value into *cfg
 * (numbers and words checked here), and the FILE arguments. cfg points
 * into argv afterwards.
 */
enum config_action config_parse(int argc, char **argv, struct config *cfg);

/*
 * Check the parsed flags as a whole and fill in what follows from them:
 * the mode (--check, --once or FILE..., at most one), the FILE names, the
 * bucket, region and endpoint, the CA file (readable, with a certificate),
 * the key prefix and the host label (the host name when none was given).
 * Returns WGTAP_OK, or WGTAP_EFORMAT after one error line.
 */
int config_check(struct config *cfg);

#endif
