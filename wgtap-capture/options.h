/* SPDX-License-Identifier: MIT */
/*
 * wgtap-capture's command line: the flags, their defaults and limits, and
 * --help and --version. Each bad value is refused with one line that
 * names the flag and quotes the value; main.c turns that into exit
 * status 2.
 */
#ifndef WGTAP_OPTIONS_H
#define WGTAP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define OPTIONS_PROG	"wgtap-capture"	/* the name in messages */
#define OPTIONS_RUN	(-1)		/* options_parse(): go on */

struct options {
	const char	*iface;		/* points into argv, or a default */
	const char	*read_file;	/* NULL: capture live */
	const char	*spool_dir;
	const char	*filter;	/* NULL: none */
	const char	*user;		/* NULL: stay who we are */
	const char	*metrics_file;	/* NULL: none */
	const char	*peers;		/* --peers: a wg dump file, or NULL */
	uint64_t	 max_rows;
	uint64_t	 interval_ns;
	uint64_t	 sync_ns;	/* 0: off */
	uint64_t	 cap;		/* 0: no cap */
	uint64_t	 snaplen;
	uint64_t	 buffer;
	uint64_t	 level;		/* zlib level, 1..9 */
	int		 format;	/* 1 or 2: CSV_V1, CSV_V2 */
	uint64_t	 zstd_level;	/* zstd level, 1..19 */
	uint64_t	 threads;	/* 1 or 2 (a writer thread) */
	uint64_t	 any_level;	/* --level, for the chosen codec */
	const char	*any_level_arg;	/* --level as given; NULL: none */
	bool		 gzip;		/* gzip, unless zstd */
	bool		 zstd;
	bool		 verbose;
};

/*
 * Fill *o from the defaults and argv. --help and --version print to
 * stdout; a bad flag, value or argument, or a --user that does not exist,
 * is logged in one line. Returns OPTIONS_RUN, or the exit status: 0
 * after --help or --version, 2 after a usage error.
 */
int options_parse(int argc, char **argv, struct options *o);

#endif
