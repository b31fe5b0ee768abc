/* SPDX-License-Identifier: MIT */
/*
 * Metrics in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector: each family gets its # HELP and
 * # TYPE lines, then its samples, each with the labels common to the file
 * (iface, host) and at most one label of its own. Counters end in _total;
 * values are in base units (seconds, bytes). The file is replaced whole:
 * written under a temporary name in its own directory, then renamed over
 * the old one, so a reader never sees half of it.
 *
 *	struct metrics m;
 *
 *	metrics_init(&m);
 *	metrics_label(&m, "iface", "wg0");
 *	metrics_family(&m, "wgtap_capture_rows_total", "counter", "Rows.");
 *	metrics_u64(&m, "wgtap_capture_rows_total", NULL, NULL, 12);
 *	r = metrics_write(&m, "/var/lib/prometheus/node-exporter/x.prom");
 *	metrics_free(&m);
 *
 * An append that fails (out of memory, too big) is remembered, and
 * metrics_write() then fails without writing anything.
 */
#ifndef WGTAP_METRICS_H
#define WGTAP_METRICS_H

#include <stdint.h>

#include "dynbuf.h"

#define METRICS_MAX		(1 << 20)	/* the longest file */
#define METRICS_LABELS_MAX	512		/* the common labels */

struct metrics {
	struct dynbuf	text;
	char		labels[METRICS_LABELS_MAX];	/* name="value",... */
	int		err;		/* the first failed append, or 0 */
};

void metrics_init(struct metrics *m);
void metrics_free(struct metrics *m);

/*
 * Add name="value" to the labels of every sample from now on; value is
 * escaped (\\, \", \n). name must be a valid label name (not checked).
 */
void metrics_label(struct metrics *m, const char *name, const char *value);

/* The # HELP and # TYPE lines of family name; type "counter", "gauge". */
void metrics_family(struct metrics *m, const char *name, const char *type,
    const char *help);

/*
 * One sample of name with the common labels and, when lname is not NULL,
 * lname="lvalue" (escaped): the integer v, or the number d (as "%.15g",
 * so whole numbers print without a fraction; NaN and infinities as
 * Prometheus spells them).
 */
void metrics_u64(struct metrics *m, const char *name, const char *lname,
    const char *lvalue, uint64_t v);
void metrics_double(struct metrics *m, const char *name, const char *lname,
    const char *lvalue, double d);

/* The text so far (NUL-terminated; "" when empty). */
const char *metrics_text(const struct metrics *m);

/*
 * Replace the file path with the text: a temporary file ".NAME.XXXXXX" in
 * the same directory, mode 0644, written whole and renamed over path. On
 * failure the temporary file is removed and path is untouched. Returns
 * WGTAP_OK, the first append's error, or WGTAP_ESYS (errno set).
 */
int metrics_write(const struct metrics *m, const char *path);

#endif
