// SPDX-License-Identifier: MIT
/*
 * tun_inject IFNAME PCAP SECONDS [PPS]: the load of bench/live.sh. It
 * creates the TUN interface IFNAME (raw IP, the link type WireGuard gives)
 * and writes the packets of a raw-IP pcap into it, over and over, for
 * SECONDS, at PPS packets/s (0 or absent: as fast as it can).
 *
 * The protocol with the caller, on stdin and stdout: "ready N" (N distinct
 * packets loaded) once the interface exists; the caller brings it up and
 * starts a capturer on it, then writes one byte to stdin; injection runs,
 * and "sent N pps R secs S errors E" follows. The interface stays until
 * stdin is closed, so the capturer can be stopped and counted first.
 *
 * Packets are read through libpcap and kept only when whole (captured
 * length equal to the original length) and when their IP header says the
 * same length (RFC 791 section 3.1 total length; RFC 8200 section 3
 * payload length). At most INJ_MAX_PACKETS packets and INJ_MAX_BYTES bytes
 * are loaded. It does not parse anything past the IP header.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define INJ_MAX_PACKETS		65536
#define INJ_MAX_BYTES		(256u << 20)
#define INJ_MAX_PKT		65535
#define INJ_MAX_SECONDS		86400.0
#define INJ_MAX_PPS		1e8
/* The clock is read once per this many write attempts. */
#define INJ_BATCH		64
#define NS_PER_S		1000000000ULL
#define IPV4_MIN_HDR		20
#define IPV6_HDR		40

/* The packets to send: one buffer, an offset and a length each. */
struct inj_set {
	uint8_t		*buf;
	size_t		 used;
	size_t		 cap;
	size_t		 off[INJ_MAX_PACKETS];
	uint32_t	 len[INJ_MAX_PACKETS];
	size_t		 n;
	size_t		 skipped;	/* cut, too long, not whole IP */
};

struct inj_result {
	unsigned long long	sent;
	/* writes refused for lack of room */
	unsigned long long	errors;
	uint64_t		elapsed_ns;
};

static uint64_t
mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * NS_PER_S + (uint64_t)t.tv_nsec;
}

static void
sleep_until(uint64_t ns)
{
	struct timespec t = {
		.tv_sec = (time_t)(ns / NS_PER_S),
		.tv_nsec = (long)(ns % NS_PER_S),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) ==
	    EINTR)
		;
}

/* A big-endian 16-bit field at off of a packet of len bytes, or -1. */
static long
be16_at(const uint8_t *p, size_t len, size_t off)
{
	if (len < 2 || off > len - 2)
		return -1;
	return (long)(p[off] << 8 | p[off + 1]);
}

/*
 * Whether a packet of len bytes is one whole IPv4 or IPv6 packet: the
 * version nibble, then the length the header declares against len.
 */
static bool
whole_ip(const uint8_t *p, size_t len)
{
	long l;

	if (len < 1)
		return false;
	switch (p[0] >> 4) {
	case 4:
		/* total length, header included */
		l = be16_at(p, len, 2);
		return len >= IPV4_MIN_HDR && l >= 0 && (size_t)l == len;
	case 6:
		/* payload length, header excluded */
		l = be16_at(p, len, 4);
		return len >= IPV6_HDR && l >= 0 &&
		    (size_t)l == len - IPV6_HDR;
	default:
		return false;
	}
}

/* Copy one packet into the set. 0, or -1 when the set is full. */
static int
set_add(struct inj_set *set, const uint8_t *p, size_t len)
{
	size_t ncap;
	uint8_t *nbuf;

	if (set->n == INJ_MAX_PACKETS || len > INJ_MAX_BYTES - set->used)
		return -1;
	if (len > set->cap - set->used) {
		ncap = set->cap ? set->cap : (1u << 20);
		while (len > ncap - set->used)
			ncap = ncap > INJ_MAX_BYTES / 2 ? INJ_MAX_BYTES :
			    ncap * 2;
		nbuf = realloc(set->buf, ncap);
		if (!nbuf)
			return -1;
		set->buf = nbuf;
		set->cap = ncap;
	}
	memcpy(set->buf + set->used, p, len);
	set->off[set->n] = set->used;
	set->len[set->n] = (uint32_t)len;
	set->used += len;
	set->n++;
	return 0;
}

static bool
raw_ip_dlt(int dlt)
{
	return dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6;
}

/* Load the packets of file into set. 0, or -1 after one message. */
static int
set_load(struct inj_set *set, const char *file)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	int r = -1, nr;

	p = pcap_open_offline(file, errbuf);
	if (!p) {
		fprintf(stderr, "tun_inject: %s: %s\n", file, errbuf);
		return -1;
	}
	if (!raw_ip_dlt(pcap_datalink(p))) {
		fprintf(stderr, "tun_inject: %s: link type %d, not raw IP\n",
		    file, pcap_datalink(p));
		goto out;
	}
	while ((nr = pcap_next_ex(p, &h, &d)) == 1) {
		if (h->caplen != h->len || h->caplen > INJ_MAX_PKT ||
		    !whole_ip(d, h->caplen)) {
			set->skipped++;
			continue;
		}
		if (set_add(set, d, h->caplen) == -1)
			break;	/* full: enough to loop over */
	}
	if (nr == PCAP_ERROR) {
		fprintf(stderr, "tun_inject: %s: %s\n", file, pcap_geterr(p));
		goto out;
	}
	if (set->n == 0) {
		fprintf(stderr, "tun_inject: %s: no whole IP packet\n", file);
		goto out;
	}
	r = 0;
 out:
	pcap_close(p);
	return r;
}

/* Create the TUN interface name. Its fd, or -1 after one message. */
static int
tun_open(const char *name)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd == -1) {
		fprintf(stderr, "tun_inject: /dev/net/tun: %s\n",
		    strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	/* main() checked that name is shorter than IFNAMSIZ */
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		fprintf(stderr, "tun_inject: TUNSETIFF %s: %s\n", name,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Sleep until packet number sent is due at pps, but not past end. */
static void
pace(uint64_t t0, unsigned long long sent, double pps, uint64_t end)
{
	double due = (double)t0 + (double)sent * (double)NS_PER_S / pps;

	if (due > (double)end)
		due = (double)end;
	if (due > (double)mono_ns())
		sleep_until((uint64_t)due);
}

/*
 * Write the set into fd in a loop for dur_ns at pps (0: flat out). 0, or
 * -1 after one message when the interface refuses writes for good.
 */
static int
inject(int fd, const struct inj_set *set, uint64_t dur_ns, double pps,
    struct inj_result *res)
{
	uint64_t t0 = mono_ns(), end = t0 + dur_ns, i;
	size_t k;
	ssize_t w;

	memset(res, 0, sizeof(*res));
	for (i = 0;; i++) {
		if (i % INJ_BATCH == 0) {
			if (pps > 0)
				pace(t0, res->sent, pps, end);
			/* after the pause too: nothing goes out past end */
			if (mono_ns() >= end)
				break;
		}
		k = (size_t)(res->sent % set->n);
		w = write(fd, set->buf + set->off[k], set->len[k]);
		if (w == (ssize_t)set->len[k]) {
			res->sent++;
		} else if (w == -1 && (errno == EAGAIN || errno == ENOBUFS ||
		    errno == ENOMEM || errno == EINTR)) {
			res->errors++;
		} else {
			fprintf(stderr, "tun_inject: write: %s\n",
			    w == -1 ? strerror(errno) : "short write");
			return -1;
		}
	}
	res->elapsed_ns = mono_ns() - t0;
	return 0;
}

/* A number in [lo, hi] from s, or -1 after one message. */
static int
parse_num(const char *what, const char *s, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    !isfinite(*v) || *v < lo || *v > hi) {
		fprintf(stderr, "tun_inject: bad %s: '%s'\n", what, s);
		return -1;
	}
	return 0;
}

/* Wait for the start byte. 0, or -1 when stdin ends first. */
static int
wait_start(void)
{
	char c;
	ssize_t n;

	do
		n = read(STDIN_FILENO, &c, 1);
	while (n == -1 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

/* Hold the interface until stdin is closed. */
static void
wait_eof(void)
{
	char buf[64];
	ssize_t n;

	do
		n = read(STDIN_FILENO, buf, sizeof(buf));
	while (n > 0 || (n == -1 && errno == EINTR));
}

static void
usage(void)
{
	fprintf(stderr, "usage: tun_inject IFNAME PCAP SECONDS [PPS]\n");
}

int
main(int argc, char **argv)
{
	static struct inj_set set;
	struct inj_result res;
	double secs, pps = 0;
	int fd = -1, status = 1;

	if (argc < 4 || argc > 5) {
		usage();
		return 2;
	}
	if (strlen(argv[1]) == 0 || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "tun_inject: bad interface name '%s'\n",
		    argv[1]);
		return 2;
	}
	if (parse_num("SECONDS", argv[3], 0.001, INJ_MAX_SECONDS, &secs) ||
	    (argc == 5 && parse_num("PPS", argv[4], 0, INJ_MAX_PPS, &pps)))
		return 2;
	if (set_load(&set, argv[2]) == -1)
		goto out;
	fd = tun_open(argv[1]);
	if (fd == -1)
		goto out;
	printf("ready %zu skipped %zu\n", set.n, set.skipped);
	fflush(stdout);
	if (wait_start() == -1) {
		fprintf(stderr, "tun_inject: stdin ended before the start\n");
		goto out;
	}
	if (inject(fd, &set, (uint64_t)(secs * (double)NS_PER_S), pps,
	    &res) == -1)
		goto out;
	printf("sent %llu pps %.0f secs %.3f errors %llu\n", res.sent,
	    (double)res.sent * (double)NS_PER_S / (double)res.elapsed_ns,
	    (double)res.elapsed_ns / (double)NS_PER_S, res.errors);
	fflush(stdout);
	wait_eof();
	status = 0;
 out:
	if (fd != -1)
		close(fd);
	free(set.buf);
	return status;
}
