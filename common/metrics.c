// SPDX-License-Identifier: MIT
/*
 * The Prometheus text exposition writer (see metrics.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicio.h"
#include "metrics.h"
#include "wgtap.h"

void
metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	dynbuf_init(&m->text, METRICS_MAX);
}

void
metrics_free(struct metrics *m)
{
	dynbuf_free(&m->text);
}

/* Append to the text, remembering the first failure. */
static void
metrics_add(struct metrics *m, const char *s, size_t n)
{
	int r;

	if (m->err)
		return;
	r = dynbuf_add(&m->text, s, n);
	if (r != WGTAP_OK)
		m->err = r;
}

static void
metrics_adds(struct metrics *m, const char *s)
{
	metrics_add(m, s, strlen(s));
}

/* name="value" with value escaped, into out (cap bytes); false if cut. */
static int
metrics_pair(char *out, size_t cap, const char *name, const char *value)
{
	size_t o;
	int n = snprintf(out, cap, "%s=\"", name);

	if (n < 0 || (size_t)n >= cap)
		return WGTAP_ETOOBIG;
	o = (size_t)n;
	for (; *value; value++) {
		const char *esc = NULL;
		char one[2] = { *value, '\0' };

		if (*value == '\\')
			esc = "\\\\";
		else if (*value == '"')
			esc = "\\\"";
		else if (*value == '\n')
			esc = "\\n";
		if (!esc)
			esc = one;
		if (o + strlen(esc) + 2 > cap)
			return WGTAP_ETOOBIG;
		memcpy(out + o, esc, strlen(esc));
		o += strlen(esc);
	}
	out[o++] = '"';
	out[o] = '\0';
	return WGTAP_OK;
}

void
metrics_label(struct metrics *m, const char *name, const char *value)
{
	char pair[METRICS_LABELS_MAX];
	size_t used = strlen(m->labels);

	if (metrics_pair(pair, sizeof(pair), name, value) != WGTAP_OK ||
	    used + 1 + strlen(pair) + 1 > sizeof(m->labels)) {
		if (!m->err)
			m->err = WGTAP_ETOOBIG;
		return;
	}
	if (used > 0)
		m->labels[used++] = ',';
	memcpy(m->labels + used, pair, strlen(pair) + 1);
}

void
metrics_family(struct metrics *m, const char *name, const char *type,
    const char *help)
{
	metrics_adds(m, "# HELP ");
	metrics_adds(m, name);
	metrics_adds(m, " ");
	metrics_adds(m, help);
	metrics_adds(m, "\n# TYPE ");
	metrics_adds(m, name);
	metrics_adds(m, " ");
	metrics_adds(m, type);
	metrics_adds(m, "\n");
}

/* name{labels} and a blank, before the value. */
static void
metrics_head(struct metrics *m, const char *name, const char *lname,
    const char *lvalue)
{
	char pair[METRICS_LABELS_MAX];
	bool own = lname != NULL;

	metrics_adds(m, name);
	if (!m->labels[0] && !own) {
		metrics_adds(m, " ");
		return;
	}
	metrics_adds(m, "{");
	metrics_adds(m, m->labels);
	if (own) {
		if (metrics_pair(pair, sizeof(pair), lname, lvalue) !=
		    WGTAP_OK) {
			if (!m->err)
				m->err = WGTAP_ETOOBIG;
			return;
		}
		if (m->labels[0])
			metrics_adds(m, ",");
		metrics_adds(m, pair);
	}
	metrics_adds(m, "} ");
}

void
metrics_u64(struct metrics *m, const char *name, const char *lname,
    const char *lvalue, uint64_t v)
{
	char num[32];

	metrics_head(m, name, lname, lvalue);
	snprintf(num, sizeof(num), "%llu\n", (unsigned long long)v);
	metrics_adds(m, num);
}

void
metrics_double(struct metrics *m, const char *name, const char *lname,
    const char *lvalue, double d)
{
	char num[40];

	metrics_head(m, name, lname, lvalue);
	if (isnan(d))
		snprintf(num, sizeof(num), "NaN\n");
	else if (isinf(d))
		snprintf(num, sizeof(num), "%s\n", d > 0 ? "+Inf" : "-Inf");
	else
		snprintf(num, sizeof(num), "%.15g\n", d);
	metrics_adds(m, num);
}

const char *
metrics_text(const struct metrics *m)
{
	return m->text.buf ? m->text.buf : "";
}

/*
 * The temporary name for path: ".NAME.XXXXXX" in path's directory, into
 * tmp (PATH_MAX bytes). WGTAP_OK or WGTAP_ETOOBIG.
 */
static int
metrics_tmpname(const char *path, char *tmp)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	const char *base = slash ? slash + 1 : path;
	int n;

	n = snprintf(tmp, PATH_MAX, "%.*s.%s.XXXXXX", dirlen, path, base);
	return n < 0 || n >= PATH_MAX ? WGTAP_ETOOBIG : WGTAP_OK;
}

int
metrics_write(const struct metrics *m, const char *path)
{
	char tmp[PATH_MAX];
	const char *text = metrics_text(m);
	int fd, r, saved;

	if (m->err)
		return m->err;
	r = metrics_tmpname(path, tmp);
	if (r != WGTAP_OK)
		return r;
	fd = mkstemp(tmp);
	if (fd == -1)
		return WGTAP_ESYS;
	r = WGTAP_ESYS;
	if (fchmod(fd, 0644) == 0 &&
	    atomicio_write(fd, text, strlen(text), NULL) == WGTAP_OK) {
		if (close(fd) == 0 && rename(tmp, path) == 0)
			return WGTAP_OK;
		fd = -1;
	}
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return r;
}
