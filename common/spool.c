// SPDX-License-Identifier: MIT
/*
 * Segment names and the spool scan (SPEC section 2). Names are built and
 * parsed here only, so the capture, the shipper and the tests agree on
 * them. This module reads directories; it never opens, writes or deletes a
 * segment.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chars.h"
#include "spool.h"
#include "wgtap.h"

#define TS_LEN		26	/* YYYYMMDDTHHMMSS.NNNNNNNNNZ */
#define SEQ_LEN		6
#define NS_PER_S	1000000000LL
/* The last second whose nanoseconds fit an int64_t: 2262-04-11. */
#define MAX_EPOCH_S	((INT64_MAX - (NS_PER_S - 1)) / NS_PER_S)

bool
spool_iface_ok(const char *s)
{
	size_t i;

	if (!s || s[0] == '\0' || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= SPOOL_IFACE_MAX - 1 || !chars_is_label(s[i]))
			return false;
	}
	return true;
}

const char *
spool_name_ext(const struct spool_name *n)
{
	if (n->zstd)
		return ".zst";
	return n->gzip ? ".gz" : "";
}

/*
 * The final name of n; with a suffix, a hidden name: '.', the final name,
 * the suffix.
 */
static int
name_format(const struct spool_name *n, const char *suffix,
    char buf[static SPOOL_MAX_NAME])
{
	struct tm tm;
	time_t secs;
	int len;

	buf[0] = '\0';
	if (!spool_iface_ok(n->iface) || n->start_ns < 0 ||
	    n->start_ns / NS_PER_S > MAX_EPOCH_S || n->seq > SPOOL_SEQ_MAX)
		return WGTAP_EFORMAT;
	secs = (time_t)(n->start_ns / NS_PER_S);
	if (!gmtime_r(&secs, &tm))
		return WGTAP_EFORMAT;
	len = snprintf(buf, SPOOL_MAX_NAME,
	    "%s%s-%04d%02d%02dT%02d%02d%02d.%09lldZ-%06u.csv%s%s",
	    suffix ? "." : "", n->iface, tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (long long)(n->start_ns % NS_PER_S), (unsigned)n->seq,
	    spool_name_ext(n), suffix ? suffix : "");
	if (len < 0 || len >= SPOOL_MAX_NAME) {
		buf[0] = '\0';
		return WGTAP_ETOOBIG;
	}
	return WGTAP_OK;
}

int
spool_name_format(const struct spool_name *n, char buf[static SPOOL_MAX_NAME])
{
	return name_format(n, NULL, buf);
}

int
spool_name_format_temp(const struct spool_name *n,
    char buf[static SPOOL_MAX_NAME])
{
	return name_format(n, SPOOL_TEMP_SUFFIX, buf);
}

int
spool_name_format_recovery(const struct spool_name *n,
    char buf[static SPOOL_MAX_NAME])
{
	return name_format(n, SPOOL_RECOVERY_SUFFIX, buf);
}

/* Parse exactly len decimal digits at s. */
static bool
digits(const char *s, size_t len, long long *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < len; i++) {
		if (!chars_is_digit(s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* Parse "YYYYMMDDTHHMMSS.NNNNNNNNNZ" (exactly TS_LEN bytes) to ns. */
static bool
parse_ts(const char *s, int64_t *ns)
{
	long long y, mo, d, h, mi, sec, frac;
	struct tm tm;
	time_t t;

	if (!digits(s, 4, &y) || !digits(s + 4, 2, &mo) ||
	    !digits(s + 6, 2, &d) || s[8] != 'T' || !digits(s + 9, 2, &h) ||
	    !digits(s + 11, 2, &mi) || !digits(s + 13, 2, &sec) ||
	    s[15] != '.' || !digits(s + 16, 9, &frac) || s[25] != 'Z')
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 59)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(y - 1900);
	tm.tm_mon = (int)(mo - 1);
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)sec;
	t = timegm(&tm);
	/* timegm() normalises 31 February; a real name never needs that. */
	if (t == (time_t)-1 || tm.tm_mday != (int)d ||
	    tm.tm_mon != (int)(mo - 1) || t > MAX_EPOCH_S)
		return false;
	*ns = (int64_t)t * NS_PER_S + frac;
	return true;
}

int
spool_name_parse(const char *s, struct spool_name *n)
{
	size_t len, ext, iface_len;
	long long seq;
	const char *p;

	memset(n, 0, sizeof(*n));
	len = strnlen(s, SPOOL_MAX_NAME);
	if (len >= SPOOL_MAX_NAME)
		goto bad;
	if (len > 7 && memcmp(s + len - 7, ".csv.gz", 7) == 0) {
		ext = 7;
		n->gzip = true;
	} else if (len > 8 && memcmp(s + len - 8, ".csv.zst", 8) == 0) {
		ext = 8;
		n->zstd = true;
	} else if (len > 4 && memcmp(s + len - 4, ".csv", 4) == 0) {
		ext = 4;
	} else {
		goto bad;
	}
	/* IFACE "-" TS "-" SEQ EXT, the label at least one byte */
	if (len < 1 + 1 + TS_LEN + 1 + SEQ_LEN + ext)
		goto bad;
	iface_len = len - ext - SEQ_LEN - 1 - TS_LEN - 1;
	p = s + iface_len;
	if (p[0] != '-' || p[1 + TS_LEN] != '-')
		goto bad;
	if (!parse_ts(p + 1, &n->start_ns))
		goto bad;
	if (!digits(p + 2 + TS_LEN, SEQ_LEN, &seq))
		goto bad;
	n->seq = (uint32_t)seq;
	if (iface_len >= SPOOL_IFACE_MAX)
		goto bad;
	memcpy(n->iface, s, iface_len);
	n->iface[iface_len] = '\0';
	if (!spool_iface_ok(n->iface))
		goto bad;
	return WGTAP_OK;
 bad:
	memset(n, 0, sizeof(*n));
	return WGTAP_EFORMAT;
}

/* Parse a hidden name: '.', a final name, then suffix. */
static int
name_parse_hidden(const char *s, const char *suffix, struct spool_name *n)
{
	char final[SPOOL_MAX_NAME];
	size_t len, slen = strlen(suffix);

	memset(n, 0, sizeof(*n));
	len = strnlen(s, SPOOL_MAX_NAME);
	if (len >= SPOOL_MAX_NAME || len < 1 + slen || s[0] != '.' ||
	    memcmp(s + len - slen, suffix, slen) != 0)
		return WGTAP_EFORMAT;
	memcpy(final, s + 1, len - 1 - slen);
	final[len - 1 - slen] = '\0';
	return spool_name_parse(final, n);
}

int
spool_name_parse_temp(const char *s, struct spool_name *n)
{
	return name_parse_hidden(s, SPOOL_TEMP_SUFFIX, n);
}

int
spool_name_parse_recovery(const char *s, struct spool_name *n)
{
	return name_parse_hidden(s, SPOOL_RECOVERY_SUFFIX, n);
}

int
spool_name_cmp(const struct spool_name *a, const struct spool_name *b)
{
	int c;

	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	c = strcmp(a->iface, b->iface);
	if (c)
		return c;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->gzip != b->gzip)
		return (int)a->gzip - (int)b->gzip;
	return (int)a->zstd - (int)b->zstd;
}

static bool
is_temp_like(const char *name)
{
	size_t len = strlen(name), slen = sizeof(SPOOL_TEMP_SUFFIX) - 1;

	return name[0] == '.' ||
	    (len >= slen && strcmp(name + len - slen, SPOOL_TEMP_SUFFIX) == 0);
}

void
spool_classify(const char *name, const struct stat *st, struct spool_entry *e)
{
	size_t len = strnlen(name, SPOOL_MAX_NAME);

	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, len < SPOOL_MAX_NAME ? len : SPOOL_MAX_NAME - 1);
	e->kind = SPOOL_FOREIGN;
	if (len >= SPOOL_MAX_NAME) {
		e->why = "name too long";
		return;
	}
	if (is_temp_like(name)) {
		/* Being written by someone: never ours to ship or report. */
		e->kind = SPOOL_TEMP;
		spool_name_parse_temp(name, &e->parsed);
		return;
	}
	if (st) {
		e->bytes = (uint64_t)st->st_size;
		e->alloc = (uint64_t)st->st_blocks * 512;
		/* What it is tells an operator more than what it is called. */
		if (S_ISLNK(st->st_mode))
			e->why = "symlink";
		else if (S_ISDIR(st->st_mode))
			e->why = "directory";
		else if (!S_ISREG(st->st_mode))
			e->why = "not a regular file";
	}
	if (spool_name_parse(name, &e->parsed) != WGTAP_OK) {
		if (!e->why)
			e->why = "not a segment name";
		return;
	}
	if (st && !e->why)
		e->kind = SPOOL_SEGMENT;
}

static int
entry_cmp(const void *pa, const void *pb)
{
	const struct spool_entry *a = pa, *b = pb;

	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	if (a->kind == SPOOL_SEGMENT) {
		int c = spool_name_cmp(&a->parsed, &b->parsed);

		if (c)
			return c;
	}
	return strcmp(a->name, b->name);
}

void
spool_list_free(struct spool_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int
spool_scan(int dirfd, struct spool_list *out)
{
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	int fd = -1, r = WGTAP_ESYS, saved_errno;

	spool_list_free(out);
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		goto out;
	d = fdopendir(fd);
	if (!d)
		goto out;
	fd = -1;	/* owned by d */
	for (;;) {
		struct spool_entry *e;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				goto out;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 64;
			void *v = reallocarray(out->v, cap, sizeof(*out->v));

			if (!v) {
				r = WGTAP_ENOMEM;
				goto out;
			}
			out->v = v;
			out->cap = cap;
		}
		e = &out->v[out->n];
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno == ENOENT)
				continue;	/* gone since readdir: shipped */
			goto out;
		}
		spool_classify(de->d_name, &st, e);
		out->n++;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), entry_cmp);
	r = WGTAP_OK;
 out:
	saved_errno = errno;
	if (d)
		closedir(d);
	if (fd != -1)
		close(fd);
	if (r != WGTAP_OK)
		spool_list_free(out);
	errno = saved_errno;
	return r;
}
