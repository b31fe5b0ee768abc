// SPDX-License-Identifier: MIT
/*
 * The capture's status line for the service manager (see report.h).
 */
#include <stdio.h>

#include "pkt.h"

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

/* A counter family with one sample. */
static void
counter(struct metrics *m, const char *name, const char *help, uint64_t v)
{
	metrics_family(m, name, "counter", help);
	metrics_u64(m, name, NULL, NULL, v);
}

void
report_metrics(const struct capture *c, double start_s, struct metrics *m)
{
	const struct capture_stats *st = &c->st;
	uint64_t bytes = st->bytes;
	int i;

	metrics_family(m, "wgtap_capture_build_info", "gauge",
	    "Version of wgtap-capture, as the label version; always 1.");
	metrics_u64(m, "wgtap_capture_build_info", "version", WGTAP_VERSION,
	    1);
	metrics_family(m, "wgtap_capture_start_time_seconds", "gauge",
	    "When the process started, in Unix seconds.");
	metrics_double(m, "wgtap_capture_start_time_seconds", NULL, NULL,
	    start_s);
	counter(m, "wgtap_capture_packets_total",
	    "Packets handed to wgtap-capture by libpcap.", st->packets);
	counter(m, "wgtap_capture_rows_total",
	    "Rows written to segments.", st->rows);
	metrics_family(m, "wgtap_capture_skipped_packets_total", "counter",
	    "Packets that gave no row, by reason.");
	for (i = PKT_ROW + 1; i < PKT_NSTATUS; i++)
		metrics_u64(m, "wgtap_capture_skipped_packets_total", "reason",
		    pkt_status_name((enum pkt_status)i), st->skipped[i]);
	counter(m, "wgtap_capture_spool_full_dropped_packets_total",
	    "Packets dropped because the spool was at its cap.",
	    st->dropped_full);
	if (st->have_pcap_stats) {
		counter(m, "wgtap_capture_pcap_received_packets_total",
		    "Packets libpcap received (ps_recv).", st->pcap_recv);
		counter(m, "wgtap_capture_pcap_dropped_packets_total",
		    "Packets dropped for lack of buffer room (ps_drop).",
		    st->pcap_drop);
		counter(m, "wgtap_capture_pcap_ifdropped_packets_total",
		    "Packets dropped by the interface (ps_ifdrop).",
		    st->pcap_ifdrop);
	}
	counter(m, "wgtap_capture_segments_closed_total",
	    "Segments closed and published into the spool.", st->segments);
	if (segment_is_open(&c->seg))
		bytes += c->seg.written;
	counter(m, "wgtap_capture_written_bytes_total",
	    "Bytes written to segment files.", bytes);
	if (segment_is_open(&c->seg)) {
		metrics_family(m,
		    "wgtap_capture_open_segment_start_time_seconds", "gauge",
		    "Capture time of the first row of the open segment, in "
		    "Unix seconds (absent when none is open).");
		metrics_double(m,
		    "wgtap_capture_open_segment_start_time_seconds", NULL,
		    NULL, (double)c->seg_min_ns / 1e9);
	}
}
