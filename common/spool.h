/* SPDX-License-Identifier: MIT */
/*
 * The spool protocol shared by both programs (SPEC section 2): segment
 * names, the temporary names the shipper never touches, and the
 * oldest-first scan.
 *
 * A final name is  IFACE-YYYYMMDDTHHMMSS.NNNNNNNNNZ-SEQ.csv[.gz|.zst]
 * e.g. wg0-20261124T140231.123456789Z-000042.csv.gz: the capture time of
 * the segment's first row (UTC, nanoseconds) and a sequence number, so
 * names sort by time and are unique across restarts. A temporary name is
 * the final name with a leading '.' and a trailing ".part"; the copy that
 * recovery writes of a leftover ends in ".rec.part" instead, so the two
 * never collide. Every name is formatted and parsed in spool.c only.
 */
#ifndef WGTAP_SPOOL_H
#define WGTAP_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_IFACE_MAX	32	/* longest interface label, with its NUL */
#define SPOOL_MAX_NAME	96	/* longest segment name, with its NUL */
#define SPOOL_SEQ_MAX	999999u
#define SPOOL_TEMP_SUFFIX ".part"
#define SPOOL_RECOVERY_SUFFIX ".rec.part"

struct spool_name {
	char		iface[SPOOL_IFACE_MAX];
	int64_t		start_ns;	/* capture time of the first row */
	uint32_t	seq;		/* 0..SPOOL_SEQ_MAX */
	bool		gzip;		/* ".csv.gz" rather than ".csv" */
	bool		zstd;		/* ".csv.zst" (never with gzip) */
};

/*
 * True when s is usable as the interface label of a segment name: 1 to 31
 * bytes of [A-Za-z0-9_.-], not starting with '.' or '-'.
 */
bool spool_iface_ok(const char *s);

/* The compression suffix after ".csv": "", ".gz" or ".zst". */
const char *spool_name_ext(const struct spool_name *n);

/*
 * Write the final name of n into buf. Returns WGTAP_OK, or WGTAP_EFORMAT
 * when the label is not spool_iface_ok(), the time is before 1970, or the
 * sequence number is above SPOOL_SEQ_MAX. Names carry times up to
 * 2262-04-11, the end of int64_t nanoseconds.
 */
int spool_name_format(const struct spool_name *n,
    char buf[static SPOOL_MAX_NAME]);

/* The same as spool_name_format(), as a temporary name. */
int spool_name_format_temp(const struct spool_name *n,
    char buf[static SPOOL_MAX_NAME]);

/*
 * The same as spool_name_format(), as the name of recovery's copy
 * (".FINAL.rec.part").
 */
int spool_name_format_recovery(const struct spool_name *n,
    char buf[static SPOOL_MAX_NAME]);

/*
 * Parse a final name. Returns WGTAP_OK and fills *n, or WGTAP_EFORMAT (and
 * *n is zeroed) for anything else, including temporary names.
 */
int spool_name_parse(const char *s, struct spool_name *n);

/*
 * Parse a temporary name (".FINAL.part"). Returns WGTAP_OK or
 * WGTAP_EFORMAT (and *n is zeroed).
 */
int spool_name_parse_temp(const char *s, struct spool_name *n);

/*
 * Parse the name of recovery's copy (".FINAL.rec.part"). Returns WGTAP_OK
 * or WGTAP_EFORMAT (and *n is zeroed).
 */
int spool_name_parse_recovery(const char *s, struct spool_name *n);

/* Order of two parsed names: by start time, then label, then sequence. */
int spool_name_cmp(const struct spool_name *a, const struct spool_name *b);

/* What spool_scan() found at a name. */
enum spool_kind {
	SPOOL_SEGMENT,		/* a regular file with a final name */
	SPOOL_TEMP,		/* a temporary name: being written, never shipped */
	SPOOL_FOREIGN,		/* anything else: left alone and reported */
};

struct spool_entry {
	char		name[SPOOL_MAX_NAME];
	struct spool_name parsed;	/* valid for SPOOL_SEGMENT, SPOOL_TEMP */
	enum spool_kind	kind;
	const char	*why;	/* for SPOOL_FOREIGN: "symlink", "directory", ... */
	uint64_t	bytes;	/* st_size of regular files */
	uint64_t	alloc;	/* st_blocks * 512 */
};

struct spool_list {
	struct spool_entry *v;
	size_t		n, cap;
};

/*
 * Read the directory dirfd (lstat, never following links) into *out, with
 * SPOOL_SEGMENT entries first, oldest first, then temporary and foreign
 * ones by name. Names too long to be ours are listed as SPOOL_FOREIGN with
 * a truncated name. Returns WGTAP_OK, WGTAP_ENOMEM or WGTAP_ESYS; *out is
 * emptied first and owned by the caller (spool_list_free()).
 */
int spool_scan(int dirfd, struct spool_list *out);

void spool_list_free(struct spool_list *l);

/*
 * Classify one directory entry by name and lstat result; used by the scan
 * and by the shipper for inotify events. st may be NULL when the name
 * alone decides (a temporary or unparseable name).
 */
struct stat;
void spool_classify(const char *name, const struct stat *st,
    struct spool_entry *e);

#endif
