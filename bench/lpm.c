// SPDX-License-Identifier: MIT
/*
 * bench/lpm [PEERS [PREFIXES_PER_PEER]]: the cost of peer attribution.
 *
 * Builds a peer table of PEERS peers (1,000) with PREFIXES_PER_PEER
 * allowed-ips each (10: a /32 and a /128 per peer, the rest /24, /28,
 * /64 and /96 prefixes, some nested in others), then prints the medians
 * over 7 interleaved rounds of:
 *
 *   lpm_lookups_per_s   peertab_lookup() on addresses that hit (90 %)
 *                       or miss (10 %) the table
 *   rows_per_s_off      pkt_parse() + csv_format_row_v2() on in-memory
 *                       IPv4/IPv6 UDP packets (the per-packet path of
 *                       --format v2) without a peer table
 *   rows_per_s_on       the same with the table: attrib_peer() without a
 *                       direction, as for a capture file whose link type
 *                       carries none (the source, which misses, then the
 *                       destination), and the key in the row
 *   rows_per_s_off_dir, rows_per_s_on_dir   the same for packets going
 *                       out (a live capture knows the direction; "out" in
 *                       the row): one lookup, the destination
 *   attribution_cost    rows_per_s_off / rows_per_s_on - 1, in %
 *   attribution_cost_dir   the same with the direction
 *
 * The costs are medians of the ratios within each round, so that a busy
 * machine's slow rounds count against both sides alike.
 */
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib.h"
#include "capture.h"
#include "csv.h"
#include "peertab.h"
#include "pkt.h"
#include "wgtap.h"

#define NADDR	4096
#define ROUNDS	7

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

struct addr {
	int	fam;
	uint8_t	b[16];
};

/* Peer p's i-th prefix: its address in a (family set), length returned. */
static unsigned
prefix_of(size_t p, size_t i, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (i % 2 == 0) {
		a->fam = 4;
		a->b[0] = 10;
		a->b[1] = (uint8_t)(p >> 8);
		a->b[2] = (uint8_t)p;
		a->b[3] = (uint8_t)(i * 16);
		return i == 0 ? 32 : i == 2 ? 24 : 28;
	}
	a->fam = 6;
	memcpy(a->b, "\x20\x01\x0d\xb8", 4);
	a->b[6] = (uint8_t)(p >> 8);
	a->b[7] = (uint8_t)p;
	a->b[8] = (uint8_t)i;
	a->b[15] = 1;
	return i == 1 ? 128 : i == 3 ? 64 : 96;
}

static struct peertab *
build(size_t npeers, size_t per)
{
	struct peertab *t = peertab_new();
	uint8_t key[PEERTAB_KEY_LEN];
	struct addr a;
	size_t p, i, idx;
	unsigned plen;

	for (p = 0; t && p < npeers; p++) {
		memset(key, 0, sizeof(key));
		memcpy(key, &p, sizeof(p));
		key[31] = 0x5a;
		if (peertab_add_peer(t, key, &idx) != WGTAP_OK)
			exit(1);
		for (i = 0; i < per; i++) {
			plen = prefix_of(p, i, &a);
			if (peertab_add_ip(t, idx, a.fam, a.b, plen) != WGTAP_OK)
				exit(1);
		}
	}
	return t;
}

/* Addresses to look up: inside a random peer's prefix, or in none. */
static void
make_addrs(struct addr *v, size_t npeers, size_t per, uint64_t *s)
{
	size_t k;

	for (k = 0; k < NADDR; k++) {
		prefix_of(rnd(s) % npeers, rnd(s) % per, &v[k]);
		if (v[k].fam == 4 && v[k].b[3] != 0)
			v[k].b[3] |= (uint8_t)(rnd(s) % 8);
		else if (v[k].fam == 6)
			v[k].b[15] = (uint8_t)rnd(s);
		if (k % 10 == 9)
			v[k].b[0] = 172;	/* a miss */
	}
}

/* An IPv4 or IPv6 UDP packet to a, 8 bytes of payload; its length. */
static size_t
make_packet(const struct addr *a, uint8_t *pk)
{
	size_t h = a->fam == 4 ? 20 : 40;

	memset(pk, 0, 64);
	if (a->fam == 4) {
		pk[0] = 0x45;
		pk[3] = 36;
		pk[8] = 64;
		pk[9] = 17;
		memcpy(pk + 12, "\xc0\x00\x02\x01", 4);
		memcpy(pk + 16, a->b, 4);
	} else {
		pk[0] = 0x60;
		pk[5] = 16;
		pk[6] = 17;
		pk[7] = 64;
		memcpy(pk + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 16);
		memcpy(pk + 24, a->b, 16);
	}
	pk[h] = 0x30;
	pk[h + 1] = 0x39;
	pk[h + 3] = 53;
	pk[h + 5] = 16;
	return h + 16;
}

static double
now_s(void)
{
	return (double)wgtap_clock_ns(CLOCK_MONOTONIC) / 1e9;
}

static double
bench_lookups(const struct peertab *t, const struct addr *v, size_t n,
    size_t *sink)
{
	double t0 = now_s();
	size_t i;

	for (i = 0; i < n; i++) {
		const struct addr *a = &v[i % NADDR];

		*sink += peertab_lookup(t, a->fam, a->b)[0];
	}
	return (double)n / (now_s() - t0);
}

/*
 * Rows of format v2 from the packets, attributed by c's table (none when
 * c->peers is NULL) going the way dir says.
 */
static double
bench_rows(const struct capture *c, enum pkt_dir dir, uint8_t (*pk)[64],
    const size_t *len, size_t n, char *buf, size_t *sink)
{
	struct pkt_row row;
	double t0 = now_s();
	size_t i;

	for (i = 0; i < n; i++) {
		size_t k = i % NADDR;

		if (pkt_parse(DLT_RAW, pk[k], len[k], (uint32_t)len[k],
		    1700000000000000000ULL + i, &row) != PKT_ROW)
			exit(1);
		row.dir = (uint8_t)dir;
		row.peer = attrib_peer(c, &row, dir);
		*sink += csv_format_row_v2(&row, buf);
	}
	return (double)n / (now_s() - t0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp_double);
	return v[ROUNDS / 2];
}

int
main(int argc, char **argv)
{
	size_t npeers = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	size_t per = argc > 2 ? strtoul(argv[2], NULL, 10) : 10;
	static uint8_t pk[NADDR][64];
	static struct addr v[NADDR];
	static size_t len[NADDR];
	static char buf[CSV_ROW_MAX_V2];
	static struct capture with, without;
	double lk[ROUNDS], on[ROUNDS], off[ROUNDS], on_d[ROUNDS], off_d[ROUNDS];
	double cost[ROUNDS], cost_dir[ROUNDS];
	uint64_t s = 42;
	size_t sink = 0, k;
	struct peertab *t;
	double t0;
	int r;

	if (npeers < 1 || npeers > 65535 || per < 1 || per > 255) {
		fprintf(stderr, "usage: lpm [PEERS (1-65535) [PER_PEER "
		    "(1-255)]]\n");
		return 2;
	}
	t0 = now_s();
	t = build(npeers, per);
	if (!t)
		return 1;
	printf("peers %zu prefixes %zu build_ms %.1f\n", peertab_npeers(t),
	    peertab_nips(t), (now_s() - t0) * 1e3);
	make_addrs(v, npeers, per, &s);
	for (k = 0; k < NADDR; k++)
		len[k] = make_packet(&v[k], pk[k]);
	with.peers = t;
	for (r = 0; r < ROUNDS; r++) {
		lk[r] = bench_lookups(t, v, 5000000, &sink);
		off[r] = bench_rows(&without, PKT_DIR_NONE, pk, len, 1000000,
		    buf, &sink);
		on[r] = bench_rows(&with, PKT_DIR_NONE, pk, len, 1000000, buf,
		    &sink);
		off_d[r] = bench_rows(&without, PKT_DIR_OUT, pk, len, 1000000,
		    buf, &sink);
		on_d[r] = bench_rows(&with, PKT_DIR_OUT, pk, len, 1000000, buf,
		    &sink);
		cost[r] = (off[r] / on[r] - 1) * 100;
		cost_dir[r] = (off_d[r] / on_d[r] - 1) * 100;
	}
	printf("lpm_lookups_per_s %.0f\n", median(lk));
	printf("rows_per_s_off %.0f\n", median(off));
	printf("rows_per_s_on %.0f\n", median(on));
	printf("rows_per_s_off_dir %.0f\n", median(off_d));
	printf("rows_per_s_on_dir %.0f\n", median(on_d));
	printf("attribution_cost %.1f %%\n", median(cost));
	printf("attribution_cost_dir %.1f %%\n", median(cost_dir));
	peertab_free(t);
	return sink == 0;
}
