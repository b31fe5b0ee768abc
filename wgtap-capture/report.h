/* SPDX-License-Identifier: MIT */
/*
 * What wgtap-capture tells an operator while it runs, apart from the log:
 * the STATUS= line systemctl status shows (rows, drops, the open segment),
 * and the metrics for --metrics-file (Prometheus text format).
 */
#ifndef WGTAP_REPORT_H
#define WGTAP_REPORT_H

#include <stddef.h>

#include <stdint.h>

#include "capture.h"
#include "metrics.h"

/*
 * The status line of c: "rows N, drops N (kernel N, spool full N),
 * segment NAME open with N rows" or "..., no segment open". Cut to cap.
 */
void report_status(const struct capture *c, char *buf, size_t cap);

/*
 * The capture's metrics into m, whose common labels are set: packets,
 * rows, packets skipped by reason, libpcap's counters (a live capture
 * only), packets dropped at the spool cap, segments closed, bytes written,
 * the start of the open segment (when one is open), build information and
 * start_s, the process's start time (Unix seconds).
 */
void report_metrics(const struct capture *c, double start_s,
    struct metrics *m);

#endif
