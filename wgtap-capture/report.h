/* SPDX-License-Identifier: MIT */
/*
 * What wgtap-capture tells an operator while it runs, apart from the log:
 * the STATUS= line systemctl status shows (rows, drops, the open segment).
 */
#ifndef WGTAP_REPORT_H
#define WGTAP_REPORT_H

#include <stddef.h>

#include "capture.h"

/*
 * The status line of c: "rows N, drops N (kernel N, spool full N),
 * segment NAME open with N rows" or "..., no segment open". Cut to cap.
 */
void report_status(const struct capture *c, char *buf, size_t cap);

#endif
