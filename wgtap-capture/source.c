// SPDX-License-Identifier: MIT
/*
 * The packet source: libpcap on a live interface or over a capture file,
 * and the loops that feed the capture pipeline from it.
 *
 * The process keeps SIGTERM, SIGINT and SIGHUP blocked and lets them in
 * only inside ppoll(), so no wake-up is lost between a check and a wait.
 * The live loop sleeps in ppoll() on the capture's descriptor until
 * packets arrive, the next tick is due (capture_wait_ns()) or a signal
 * comes in. A file is read as fast as the capture takes its rows, through
 * a stdio stream of our own (fopencookie) whose reads wait in ppoll() too:
 * a read blocked on a quiet pipe wakes for SIGHUP, which closes the
 * segment there (the capture is between two packets), for SIGTERM, which
 * ends the read and the conversion, and for the next timed duty (the sync
 * interval): those run on the clock at every read, however slowly the
 * packets come. At a full spool the loop waits for room instead of
 * dropping, since nothing is lost by waiting.
 * Timestamps become nanoseconds: a file is always read at nanosecond
 * precision (libpcap scales microseconds), a live interface at whatever
 * precision it grants.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "source.h"
#include "wgtap.h"

#define NS_PER_S		1000000000ULL
/* libpcap's read timeout: how long a packet may wait in the ring. */
#define PCAP_TIMEOUT_MS		50
#define READ_BUFFER		(1 << 20)
#define SLL2_HDR_LEN		20
#define FILTER_MAX		4096

static void
source_reset(struct source *src, const char *name, bool live)
{
	memset(src, 0, sizeof(*src));
	src->name = name;
	src->live = live;
	src->fd = -1;
}

/* The file as messages name it. */
static const char *
file_label(const struct source *src)
{
	return strcmp(src->name, "-") == 0 ? "stdin" : src->name;
}

/* One line for a failed pcap_activate(). */
static void
log_activate_error(pcap_t *p, const char *iface, int r)
{
	switch (r) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		log_error("interface %s: no such interface", iface);
		break;
	case PCAP_ERROR_PERM_DENIED:
		log_error("interface %s: permission denied (run as root, "
		    "or give the binary CAP_NET_RAW and CAP_NET_ADMIN)", iface);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		log_error("interface %s: the interface is down", iface);
		break;
	default:
		log_error("interface %s: %s", iface, pcap_geterr(p));
	}
}

/*
 * Create and activate a live capture of device dev for iface (the name in
 * messages). WGTAP_OK or WGTAP_ESYS (logged).
 */
static int
open_device(struct source *src, const char *dev, const char *iface,
    uint64_t snaplen, uint64_t buffer)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int ar;

	src->p = pcap_create(dev, errbuf);
	if (!src->p) {
		log_error("interface %s: %s", iface, errbuf);
		return WGTAP_ESYS;
	}
	pcap_set_snaplen(src->p, (int)snaplen);
	pcap_set_promisc(src->p, 0);
	pcap_set_timeout(src->p, PCAP_TIMEOUT_MS);
	pcap_set_buffer_size(src->p, (int)buffer);
	/* Nanoseconds where the platform has them; else microseconds. */
	pcap_set_tstamp_precision(src->p, PCAP_TSTAMP_PRECISION_NANO);
	ar = pcap_activate(src->p);
	if (ar < 0) {
		log_activate_error(src->p, iface, ar);
		return WGTAP_ESYS;
	}
	if (ar > 0)
		log_warn("interface %s: %s", iface, pcap_geterr(src->p));
	return WGTAP_OK;
}

/* Ready to poll, non-blocking. WGTAP_OK or WGTAP_ESYS (logged). */
static int
make_pollable(struct source *src, const char *iface)
{
	src->nano = pcap_get_tstamp_precision(src->p) ==
	    PCAP_TSTAMP_PRECISION_NANO;
	src->fd = pcap_get_selectable_fd(src->p);
	if (src->fd == -1 || pcap_setnonblock(src->p, 1, NULL) == -1) {
		log_error("interface %s: cannot poll the capture", iface);
		return WGTAP_ESYS;
	}
	return WGTAP_OK;
}

int
source_open_live(struct source *src, const char *iface, uint64_t snaplen,
    uint64_t buffer)
{
	int r;

	source_reset(src, iface, true);
	r = open_device(src, iface, iface, snaplen, buffer);
	if (r == WGTAP_OK)
		r = make_pollable(src, iface);
	if (r != WGTAP_OK)
		source_close(src);
	return r;
}

int
source_open_live_any(struct source *src, const char *iface,
    uint64_t snaplen, uint64_t buffer)
{
	int r = WGTAP_ESYS;

	source_reset(src, iface, true);
	src->ifindex = if_nametoindex(iface);
	if (src->ifindex == 0) {
		log_error("interface %s: %s", iface, errno == ENODEV ||
		    errno == ENXIO ? "no such interface" : strerror(errno));
		goto out;
	}
	r = open_device(src, "any", iface, snaplen + SLL2_HDR_LEN, buffer);
	if (r != WGTAP_OK)
		goto out;
	r = WGTAP_ESYS;
	if (pcap_set_datalink(src->p, DLT_LINUX_SLL2) == -1) {
		log_error("interface %s: the any device has no LINUX_SLL2 "
		    "link type: %s", iface, pcap_geterr(src->p));
		goto out;
	}
	r = source_set_filter(src, NULL);
	if (r == WGTAP_OK)
		r = make_pollable(src, iface);
 out:
	if (r != WGTAP_OK)
		source_close(src);
	return r;
}

/* Close the open segment when SIGHUP came in. */
static int
rotate_on_hup(struct capture *c, const struct source_ctl *ctl)
{
	if (!*ctl->hup)
		return WGTAP_OK;
	*ctl->hup = 0;
	return capture_rotate(c, "SIGHUP");
}

/*
 * Every wait of the source: until fd has something to read (or its end,
 * or an error; fd -1: nothing to wait for), for at most wait ns
 * (UINT64_MAX: no limit), under the signal mask *mask (NULL: as it is).
 * 1: readable; 0: the time is up; -1: errno says why (EINTR: a signal).
 */
static int
wait_in(int fd, uint64_t wait, const sigset_t *mask)
{
	struct timespec ts;
	struct pollfd pfd;

	ts.tv_sec = (time_t)(wait / NS_PER_S);
	ts.tv_nsec = (long)(wait % NS_PER_S);
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return ppoll(&pfd, 1, wait == UINT64_MAX ? NULL : &ts, mask);
}

/*
 * What is due between two packets of a file: SIGHUP's rotation and the
 * clock's duties (sync, spool measurement). *wait gets how long the input
 * may be waited for before the next one. WGTAP_OK or a fatal error
 * (logged).
 */
static int
input_duties(struct source *src, uint64_t *wait)
{
	uint64_t mono;
	int r;

	*wait = UINT64_MAX;
	if (!src->cap)
		return WGTAP_OK;	/* still opening: nothing to do yet */
	r = rotate_on_hup(src->cap, src->ctl);
	if (r != WGTAP_OK)
		return r;
	mono = wgtap_clock_ns(CLOCK_MONOTONIC);
	r = capture_tick(src->cap, 0, mono);
	if (r != WGTAP_OK)
		return r;
	*wait = capture_file_wait_ns(src->cap, mono);
	return WGTAP_OK;
}

/*
 * The read function of the file's stream. libpcap calls it (through
 * fread) only when it needs bytes past what it has, so the capture is
 * between two packets here: SIGHUP closes the segment at once and the
 * clock's duties run (each read, and each wake-up while the input is
 * quiet); SIGTERM ends the read with EINTR, and libpcap's read then
 * fails, which ends the loop (a record cut by the stop gives no row). A
 * failure of the capture is kept in src->err and ends the read with EIO.
 */
static ssize_t
input_read(void *cookie, char *buf, size_t size)
{
	struct source *src = cookie;
	uint64_t wait;
	ssize_t n;
	int r;

	for (;;) {
		r = input_duties(src, &wait);
		if (r != WGTAP_OK) {
			src->err = r;
			errno = EIO;
			return -1;
		}
		if (*src->ctl->term) {
			errno = EINTR;
			return -1;
		}
		r = wait_in(src->fd, 0, src->ctl->wait_mask);
		if (r == 0) {
			if (src->bytes != src->bytes_logged)
				log_debug("read %s: waiting for input (%llu "
				    "bytes so far)", file_label(src),
				    (unsigned long long)src->bytes);
			src->bytes_logged = src->bytes;
			r = wait_in(src->fd, wait, src->ctl->wait_mask);
		}
		if (r == -1 && errno != EINTR)
			return -1;
		if (r != 1)
			continue;	/* a signal or a duty: see to it first */
		n = read(src->fd, buf, size);
		src->reads++;
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n > 0)
			src->bytes += (uint64_t)n;
		return n;
	}
}

/* The close function of the file's stream; stdin stays open. */
static int
input_close(void *cookie)
{
	struct source *src = cookie;
	int r = 0;

	if (src->fd > STDIN_FILENO)
		r = close(src->fd);
	src->fd = -1;
	return r;
}

/*
 * The file's descriptor: stdin for "-", else path opened without waiting
 * (a FIFO without a writer would block open(2), where no signal gets in),
 * then made blocking again, since reads come only after ppoll().
 */
static int
input_open(const char *path)
{
	int fd, fl;

	if (strcmp(path, "-") == 0)
		return STDIN_FILENO;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Through our own stdio stream (fopencookie) with a 1 MiB buffer: its
 * reads wait in ppoll() (input_read), and with a small buffer the read(2)
 * calls, each with its ppoll(), would cost more than all the decoding
 * (BENCHMARKS.md). glibc's setvbuf() sizes only a buffer it is given: with
 * NULL it keeps its default (4 KiB for a file, 8 KiB for a cookie).
 */
int
source_open_file(struct source *src, const char *path,
    const struct source_ctl *ctl)
{
	static const cookie_io_functions_t io = {
		.read = input_read,
		.close = input_close,
	};
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	FILE *f = NULL;
	int r = WGTAP_ESYS;

	source_reset(src, path, false);
	src->ctl = ctl;
	src->bytes_logged = UINT64_MAX;
	src->fd = input_open(path);
	if (src->fd == -1) {
		log_error("read %s: %s", path, strerror(errno));
		goto out;
	}
	src->buf = malloc(READ_BUFFER);
	if (src->buf)
		f = fopencookie(src, "rb", io);
	if (!f) {
		log_error("read %s: %s", file_label(src), strerror(errno));
		goto out;
	}
	setvbuf(f, src->buf, _IOFBF, READ_BUFFER);
	src->p = pcap_fopen_offline_with_tstamp_precision(f,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!src->p) {
		r = WGTAP_EFORMAT;
		if (*ctl->term)
			log_info("read %s: stopped before the file header "
			    "came in", file_label(src));
		else
			log_error("read %s: %s", file_label(src), errbuf);
		goto out;
	}
	src->nano = true;
	r = WGTAP_OK;
 out:
	if (r != WGTAP_OK) {
		if (f)
			fclose(f);	/* input_close() */
		else
			input_close(src);
		free(src->buf);
		src->buf = NULL;
	}
	return r;
}

void
source_close(struct source *src)
{
	if (src->p)
		pcap_close(src->p);	/* a file's stream too */
	src->p = NULL;
	src->fd = -1;
	free(src->buf);
	src->buf = NULL;
}

int
source_dlt(const struct source *src)
{
	return pcap_datalink(src->p);
}

const char *
source_dlt_name(const struct source *src)
{
	const char *name = pcap_datalink_val_to_name(source_dlt(src));

	return name ? name : "unknown";
}

int
source_check_dlt(const struct source *src)
{
	int dlt = source_dlt(src);
	const char *desc = pcap_datalink_val_to_description(dlt);

	if (pkt_dlt_supported(dlt))
		return WGTAP_OK;
	log_error("%s has link type %s (%s, DLT %d); wgtap-capture reads "
	    "only RAW, IPV4, IPV6, NULL, LOOP, LINUX_SLL and LINUX_SLL2 "
	    "(WireGuard and TUN interfaces)", src->name, source_dlt_name(src),
	    desc ? desc : "?", dlt);
	return WGTAP_EFORMAT;
}

/* Compile and set expr; label is what the user gave (for the log). */
static int
set_filter(struct source *src, const char *expr, const char *label)
{
	struct bpf_program prog;
	int r = WGTAP_EFORMAT;

	if (pcap_compile(src->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) == -1) {
		log_error("bad value for --filter: '%s' (%s)", label,
		    pcap_geterr(src->p));
		return r;
	}
	if (pcap_setfilter(src->p, &prog) == -1)
		log_error("--filter '%s': %s", label, pcap_geterr(src->p));
	else
		r = WGTAP_OK;
	pcap_freecode(&prog);
	return r;
}

int
source_set_filter(struct source *src, const char *expr)
{
	char both[FILTER_MAX];
	int n;

	if (!src->ifindex)
		return expr ? set_filter(src, expr, expr) : WGTAP_OK;
	n = expr ? snprintf(both, sizeof(both), "ifindex %u and (%s)",
	    src->ifindex, expr) :
	    snprintf(both, sizeof(both), "ifindex %u", src->ifindex);
	if (n < 0 || (size_t)n >= sizeof(both)) {
		log_error("bad value for --filter: '%s' (longer than %d "
		    "bytes)", expr, FILTER_MAX - 64);
		return WGTAP_EFORMAT;
	}
	return set_filter(src, both, expr ? expr : both);
}

void
source_stats(void *ctx, struct capture_stats *st)
{
	struct source *src = ctx;
	struct pcap_stat ps;

	if (pcap_stats(src->p, &ps) == 0) {
		st->pcap_recv = ps.ps_recv;
		st->pcap_drop = ps.ps_drop;
		st->pcap_ifdrop = ps.ps_ifdrop;
		st->have_pcap_stats = true;
	}
}

static void
on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct source *src = (struct source *)arg;
	uint32_t len = h->len;
	uint64_t ts;
	int r;

	if (src->err != WGTAP_OK)
		return;
	/*
	 * Through "any", the size is the packet's as the interface carries
	 * it, as on the interface itself: not the header "any" adds.
	 */
	if (src->ifindex && len >= SLL2_HDR_LEN)
		len -= SLL2_HDR_LEN;
	if (pkt_time_ns(h->ts.tv_sec, h->ts.tv_usec, src->nano, &ts) !=
	    PKT_ROW) {
		capture_skip(src->cap, PKT_SKIP_BAD_TIME);
		return;
	}
	r = capture_packet(src->cap, data, h->caplen, len, ts);
	if (r != WGTAP_OK) {
		src->err = r;
		pcap_breakloop(src->p);
	}
}

/* Hand over what is in the ring now. WGTAP_OK, or the failure (logged). */
static int
drain(struct source *src)
{
	int n;

	n = pcap_dispatch(src->p, -1, on_packet, (u_char *)src);
	if (src->err != WGTAP_OK)
		return src->err;
	if (n == PCAP_ERROR) {
		log_error("capture on %s: %s", src->name, pcap_geterr(src->p));
		return WGTAP_ESYS;
	}
	return WGTAP_OK;
}

int
source_run_live(struct source *src, struct capture *c,
    const struct source_ctl *ctl)
{
	int r = WGTAP_OK;

	src->cap = c;
	src->err = WGTAP_OK;
	while (!*ctl->term) {
		uint64_t wait = capture_wait_ns(c, wgtap_clock_ns(CLOCK_REALTIME));

		/* Signals are delivered only here: no lost wake-up. */
		if (wait_in(src->fd, wait, ctl->wait_mask) == -1 &&
		    errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			r = WGTAP_ESYS;
			break;
		}
		r = drain(src);
		if (r == WGTAP_OK)
			r = rotate_on_hup(c, ctl);
		if (r == WGTAP_OK)
			r = capture_tick(c, wgtap_clock_ns(CLOCK_REALTIME),
			    wgtap_clock_ns(CLOCK_MONOTONIC));
		if (r != WGTAP_OK)
			break;
	}
	if (*ctl->term && r == WGTAP_OK) {
		/* Packets in a ring block not yet handed over: wait it out. */
		wait_in(src->fd, (PCAP_TIMEOUT_MS + 20) * 1000000ULL, NULL);
		r = drain(src);
	}
	return r;
}

/*
 * One packet of a file: at a full spool, wait for the shipper to make room
 * (ticking, so that the spool is measured again) and hand it in again.
 * A time out of range is counted, and the packet gives no row.
 * WGTAP_ENOSPACE only when told to stop while waiting.
 */
static int
file_packet(struct capture *c, const struct pcap_pkthdr *h,
    const u_char *data, const struct source_ctl *ctl)
{
	uint64_t ts;
	int r;

	if (pkt_time_ns(h->ts.tv_sec, h->ts.tv_usec, true, &ts) != PKT_ROW) {
		capture_skip(c, PKT_SKIP_BAD_TIME);
		return WGTAP_OK;
	}
	for (;;) {
		r = capture_packet(c, data, h->caplen, h->len, ts);
		if (r != WGTAP_ENOSPACE)
			return r;
		wait_in(-1, NS_PER_S, ctl->wait_mask);	/* or a signal */
		if (*ctl->term)
			return r;	/* WGTAP_ENOSPACE: stopped while waiting */
		r = capture_tick(c, 0, wgtap_clock_ns(CLOCK_MONOTONIC));
		if (r != WGTAP_OK)
			return r;
	}
}

/*
 * The packets of the file until its end, a stop or a failure; *rc gets
 * the last result of pcap_next_ex(). WGTAP_OK or a fatal error of c.
 */
static int
file_loop(struct source *src, struct capture *c,
    const struct source_ctl *ctl, int *rc)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;

	*rc = 1;
	while (!*ctl->term && (*rc = pcap_next_ex(src->p, &h, &data)) == 1) {
		r = file_packet(c, h, data, ctl);
		if (r == WGTAP_ENOSPACE)
			return WGTAP_OK;	/* stopped while waiting for room */
		if (r == WGTAP_OK)
			r = rotate_on_hup(c, ctl);
		if (r != WGTAP_OK)
			return r;
	}
	return WGTAP_OK;
}

int
source_run_file(struct source *src, struct capture *c,
    const struct source_ctl *ctl)
{
	int rc, r;

	src->cap = c;
	src->ctl = ctl;
	src->err = WGTAP_OK;
	r = file_loop(src, c, ctl, &rc);
	src->cap = NULL;
	if (r != WGTAP_OK)
		return r;
	if (src->err != WGTAP_OK)
		return src->err;	/* inside a read; logged */
	if (*ctl->term)
		return WGTAP_OK;
	if (rc == PCAP_ERROR) {
		log_error("read %s: %s (rows before it are kept)",
		    file_label(src), pcap_geterr(src->p));
		return WGTAP_EFORMAT;
	}
	return WGTAP_OK;
}
