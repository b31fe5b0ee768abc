/* SPDX-License-Identifier: MIT */
/*
 * Where wgtap-capture's packets come from (SPEC sections 1 and 4): a live
 * interface or a capture file (pcap or pcapng; "-" is stdin), opened
 * through libpcap at nanosecond precision where the source has it, and
 * the two loops that hand every packet to the capture pipeline until the
 * input ends or the process is told to stop.
 *
 * Each failure of the source itself (the interface, the file, the filter,
 * a read) is logged here in one line naming it; the functions then return
 * the error code. Flags, signal handlers, privileges and the exit status
 * stay with main.c.
 */
#ifndef WGTAP_SOURCE_H
#define WGTAP_SOURCE_H

#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture.h"

/* What the source takes from the process: the flags its handlers set. */
struct source_ctl {
	volatile sig_atomic_t	*term;	/* SIGTERM, SIGINT: stop */
	volatile sig_atomic_t	*hup;	/* SIGHUP: close the open segment */
	/*
	 * The signal mask while waiting for packets or input (NULL: leave
	 * the mask alone). The caller blocks the signals behind term and hup
	 * for good before it opens the source, so that they arrive only
	 * inside a wait and no wake-up is lost.
	 */
	const sigset_t		*wait_mask;
};

struct source {
	pcap_t		*p;		/* NULL: nothing open */
	const char	*name;		/* interface, or the file as given */
	bool		 live;
	bool		 nano;		/* timestamps in ns, else in us */
	unsigned	 ifindex;	/* live through "any": the interface's */
	int		 fd;		/* the descriptor to poll: capture, input */
	const struct source_ctl *ctl;	/* file: for waits inside reads */
	char		*buf;		/* file: the stream's buffer */
	struct capture	*cap;		/* where packets go during a run */
	int		 err;		/* a fatal error inside a callback */
	uint64_t	 bytes;		/* read from a file so far */
	uint64_t	 reads;		/* read(2) calls on a file so far */
	uint64_t	 bytes_logged;	/* bytes at the last "waiting" line */
};

/*
 * Open interface iface for capture: not promiscuous, snaplen bytes a
 * packet, a kernel buffer of buffer bytes, non-blocking, ready to poll.
 * src->name is iface, which must outlive src. Returns WGTAP_OK, or
 * WGTAP_ESYS (logged; src->p is NULL).
 */
int source_open_live(struct source *src, const char *iface,
    uint64_t snaplen, uint64_t buffer);

/*
 * The same, but through the "any" device with link type LINUX_SLL2, whose
 * header gives each packet's direction (its packet type), and a filter
 * "ifindex N" (N: iface's index, src->ifindex) that keeps only iface's
 * packets; source_set_filter() adds its expression to it. snaplen counts
 * from the IP header, as for source_open_live(). Returns WGTAP_OK or
 * WGTAP_ESYS (logged; src->p is NULL).
 */
int source_open_live_any(struct source *src, const char *iface,
    uint64_t snaplen, uint64_t buffer);

/*
 * Open the capture file path ("-": stdin) through a 1 MiB stdio buffer
 * whose reads wait in ppoll() with ctl->wait_mask, so that a read blocked
 * on a quiet pipe still obeys the signals (see source_run_file()). src->name
 * is path; path and ctl must outlive src. Returns WGTAP_OK, or WGTAP_ESYS /
 * WGTAP_EFORMAT (logged; src->p is NULL). Told to stop (*ctl->term) before
 * the file header came in, it fails without an error line.
 */
int source_open_file(struct source *src, const char *path,
    const struct source_ctl *ctl);

/* Close what is open (also the file) and free its buffer. */
void source_close(struct source *src);

/* The link type (DLT_*) of the open source, for pkt_parse(). */
int source_dlt(const struct source *src);

/* The libpcap name of the link type ("RAW", "EN10MB"; "unknown"). */
const char *source_dlt_name(const struct source *src);

/*
 * Refuse a link type that pkt_parse() cannot decode. Returns WGTAP_OK or
 * WGTAP_EFORMAT (logged, naming the link type).
 */
int source_check_dlt(const struct source *src);

/*
 * Apply the pcap filter expression expr (NULL: none), after "ifindex N
 * and" for a source opened through "any". Returns WGTAP_OK or
 * WGTAP_EFORMAT (logged, quoting expr).
 */
int source_set_filter(struct source *src, const char *expr);

/*
 * The capture_cfg.refresh_stats callback of a live source (ctx is the
 * struct source): libpcap's received and dropped counters.
 */
void source_stats(void *ctx, struct capture_stats *st);

/*
 * Hand the live source's packets to c until *ctl->term is set, ticking c
 * by the clock and rotating when *ctl->hup is set (and clearing it). After
 * the stop, the packets still in the ring are handed over too. Returns
 * WGTAP_OK or the first fatal error (logged).
 */
int source_run_live(struct source *src, struct capture *c,
    const struct source_ctl *ctl);

/*
 * Hand every packet of the file source to c, waiting for room when the
 * spool is full, until the end of the file or until *ctl->term is set
 * (also while a read waits for input, inside a record or between two).
 * SIGHUP (*ctl->hup) closes the open segment between two packets, also
 * while a read waits, and c is ticked by the clock (the sync interval)
 * however slowly the input comes. ctl must be the one given to
 * source_open_file().
 * Returns WGTAP_OK (also when stopped), WGTAP_EFORMAT when the file breaks
 * off (rows before the break are kept; logged), or a fatal error of c.
 */
int source_run_file(struct source *src, struct capture *c,
    const struct source_ctl *ctl);

#endif
