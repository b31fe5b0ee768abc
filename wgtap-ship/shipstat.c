// SPDX-License-Identifier: MIT
/*
 * The shipper's books and status line (see shipstat.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shipstat.h"
#include "wgtap.h"

static const char *
shipstat_net_name(enum s3_net net)
{
	switch (net) {
	case S3_NET_RESOLVE:
		return "resolve";
	case S3_NET_CONNECT:
		return "connect";
	case S3_NET_TIMEOUT:
		return "timeout";
	case S3_NET_CERT:
		return "certificate";
	case S3_NET_TLS:
		return "tls";
	case S3_NET_NONE:
	case S3_NET_OTHER:
		break;
	}
	return "other";
}

/* Keep [A-Za-z0-9_] of s (an S3 error code is made of letters anyway). */
static void
shipstat_clean(char *s)
{
	char *w = s;

	for (; *s; s++) {
		char ch = *s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '_')
			*w++ = ch;
	}
	*w = '\0';
}

void
shipstat_reason(enum ship_status st, const struct s3_result *res,
    char out[static SHIPSTAT_REASON_SIZE])
{
	if (st == SHIP_LOCAL)
		snprintf(out, SHIPSTAT_REASON_SIZE, "local");
	else if (res->code[0])
		snprintf(out, SHIPSTAT_REASON_SIZE, "%.*s",
		    SHIPSTAT_REASON_SIZE - 1, res->code);
	else if (res->status > 0)
		snprintf(out, SHIPSTAT_REASON_SIZE, "http_%ld", res->status);
	else
		snprintf(out, SHIPSTAT_REASON_SIZE, "transport_%s",
		    shipstat_net_name(res->net));
	shipstat_clean(out);
	if (!out[0])
		snprintf(out, SHIPSTAT_REASON_SIZE, "other");
}

/* Count one failure for reason in s->why; the table's last is "other". */
static void
shipstat_count(struct shipstat *s, const char *reason)
{
	size_t i;

	for (i = 0; i < s->nwhy; i++) {
		if (strcmp(s->why[i].reason, reason) == 0) {
			s->why[i].n++;
			return;
		}
	}
	if (s->nwhy >= SHIPSTAT_REASONS - 1)
		reason = "other";
	for (i = 0; i < s->nwhy; i++) {
		if (strcmp(s->why[i].reason, reason) == 0) {
			s->why[i].n++;
			return;
		}
	}
	snprintf(s->why[s->nwhy].reason, SHIPSTAT_REASON_SIZE, "%s", reason);
	s->why[s->nwhy].n = 1;
	s->nwhy++;
}

void
shipstat_record(struct shipstat *s, enum ship_status st,
    const struct ship_report *rep, const struct outcome *o, int64_t now_s)
{
	char reason[SHIPSTAT_REASON_SIZE];

	if (!s)
		return;
	switch (st) {
	case SHIP_DONE:
	case SHIP_UNDELETED:
		s->uploads++;
		s->bytes += rep->bytes;
		s->last_ok_s = now_s;
		snprintf(s->last_ok_name, sizeof(s->last_ok_name), "%s",
		    rep->key);
		break;
	case SHIP_FAILED:
	case SHIP_LOCAL:
		s->failures++;
		shipstat_reason(st, &rep->s3, reason);
		shipstat_count(s, reason);
		snprintf(s->last_error, sizeof(s->last_error), "%s", rep->why);
		if (o->next == OUTCOME_RETRY)
			s->retries++;
		break;
	case SHIP_GONE:
	case SHIP_BUSY:
	case SHIP_ABORTED:
		break;
	}
}

void
shipstat_status(const struct shipstat *s, char *buf, size_t cap)
{
	char when[32] = "";
	struct tm tm;
	time_t t = (time_t)s->last_ok_s;
	int n;

	if (s->last_ok_s > 0 && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(buf, cap, "%zu segments queued; ", s->queued);
	if (n < 0 || (size_t)n >= cap)
		return;
	if (s->last_ok_s > 0)
		n += snprintf(buf + n, cap - (size_t)n, "last upload %s at %s; ",
		    s->last_ok_name, when);
	else
		n += snprintf(buf + n, cap - (size_t)n, "no upload yet; ");
	if (n < 0 || (size_t)n >= cap)
		return;
	snprintf(buf + n, cap - (size_t)n, "last error: %s",
	    s->last_error[0] ? s->last_error : "none");
}

/* A family with one sample. */
static void
shipstat_one(struct metrics *m, const char *name, const char *type,
    const char *help, double v)
{
	metrics_family(m, name, type, help);
	metrics_double(m, name, NULL, NULL, v);
}

/* The segments waiting in the spool as scanned: how many, bytes, oldest. */
static void
shipstat_waiting(const struct spool_list *l, double now_s, struct metrics *m)
{
	uint64_t n = 0, bytes = 0;
	double age = 0;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct spool_entry *e = &l->v[i];
		double start = (double)e->parsed.start_ns / 1e9;

		if (e->kind != SPOOL_SEGMENT)
			continue;
		if (n == 0 || now_s - start > age)
			age = now_s - start;
		n++;
		bytes += e->bytes;
	}
	if (age < 0)
		age = 0;
	shipstat_one(m, "wgtap_ship_waiting_segments", "gauge",
	    "Segments in the spool waiting to be shipped.", (double)n);
	shipstat_one(m, "wgtap_ship_waiting_bytes", "gauge",
	    "Bytes of the segments waiting in the spool.", (double)bytes);
	shipstat_one(m, "wgtap_ship_oldest_waiting_segment_age_seconds",
	    "gauge", "Seconds since the first row of the oldest segment "
	    "waiting in the spool was captured (0 when none waits).", age);
}

void
shipstat_metrics(const struct shipstat *s, const struct spool_list *l,
    double now_s, double start_s, struct metrics *m)
{
	size_t i;

	metrics_family(m, "wgtap_ship_build_info", "gauge",
	    "Version of wgtap-ship, as the label version; always 1.");
	metrics_u64(m, "wgtap_ship_build_info", "version", WGTAP_VERSION, 1);
	shipstat_one(m, "wgtap_ship_start_time_seconds", "gauge",
	    "When the process started, in Unix seconds.", start_s);
	metrics_family(m, "wgtap_ship_uploads_total", "counter",
	    "Segments stored in the bucket.");
	metrics_u64(m, "wgtap_ship_uploads_total", NULL, NULL, s->uploads);
	metrics_family(m, "wgtap_ship_uploaded_bytes_total", "counter",
	    "Bytes of the segments stored in the bucket.");
	metrics_u64(m, "wgtap_ship_uploaded_bytes_total", NULL, NULL,
	    s->bytes);
	metrics_family(m, "wgtap_ship_upload_failures_total", "counter",
	    "Failed uploads, by reason: the S3 error code, else http_STATUS, "
	    "else transport_KIND; local for a file that cannot be shipped.");
	for (i = 0; i < s->nwhy; i++)
		metrics_u64(m, "wgtap_ship_upload_failures_total", "reason",
		    s->why[i].reason, s->why[i].n);
	metrics_family(m, "wgtap_ship_retries_total", "counter",
	    "Failed uploads that are tried again.");
	metrics_u64(m, "wgtap_ship_retries_total", NULL, NULL, s->retries);
	shipstat_one(m, "wgtap_ship_last_success_time_seconds", "gauge",
	    "When the last upload was stored, in Unix seconds (0: none yet).",
	    (double)s->last_ok_s);
	if (l)
		shipstat_waiting(l, now_s, m);
}
