// SPDX-License-Identifier: MIT
/*
 * The capture's status line for the service manager (see report.h).
 */
#include <stdio.h>

#include "report.h"
#include "spool.h"
#include "wgtap.h"

void
report_status(const struct capture *c, char *buf, size_t cap)
{
	const struct capture_stats *st = &c->st;
	char name[SPOOL_MAX_NAME];
	unsigned long long kernel = st->pcap_drop + st->pcap_ifdrop;
	int n;

	n = snprintf(buf, cap, "rows %llu, drops %llu (kernel %llu, spool "
	    "full %llu), ", (unsigned long long)st->rows,
	    kernel + st->dropped_full, kernel,
	    (unsigned long long)st->dropped_full);
	if (n < 0 || (size_t)n >= cap)
		return;
	if (segment_is_open(&c->seg) &&
	    spool_name_format(&c->seg.name, name) == WGTAP_OK)
		snprintf(buf + n, cap - (size_t)n, "segment %s open with %llu "
		    "rows", name, (unsigned long long)c->seg.rows);
	else
		snprintf(buf + n, cap - (size_t)n, "no segment open");
}
