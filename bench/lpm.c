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
 *   cached_lookups_per_s   the same through a cache of recent answers
 *                       (common/lpmcache.h), as attrib_peer() looks up
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
 *   rows_per_s_key, rows_per_s_key_dir   rows that all name one peer
 *                       without a lookup: the column's own cost, so that
 *   lookup_cost, lookup_cost_dir   rows_per_s_key / rows_per_s_on - 1, in
 *                       %, is what finding the peer adds to the path
 *
 * each for two orders of the packets:
 *
 *   sweep   the 4,096 addresses one after the other, round and round: no
 *           address comes back before 4,095 others, so the cache of
 *           recent answers (common/lpmcache.h) never helps and every
 *           lookup probes the table: the worst case
 *   zipf    each packet's address drawn from the same 4,096 with Zipf
 *           popularity (exponent 1: the k-th most popular one k times
 *           less often than the first), packets drawn independently (no
 *           bursts of one flow), as a gateway's clients and their peers
 *           share its traffic; cache_hit_rate is the share of lookups the
 *           cache answered
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
#define NROWS	1000000

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

/*
 * Lookups of the addresses in the order seq gives (NROWS of them),
 * through the cache lc, or straight into the table when lc is NULL.
 */
static double
bench_lookups(const struct peertab *t, struct lpm_cache *lc,
    const struct addr *v, const uint16_t *seq, size_t *sink)
{
	double t0 = now_s();
	size_t i;

	for (i = 0; i < NROWS; i++) {
		const struct addr *a = &v[seq[i]];

		*sink += (lc ? peertab_lookup_cached(t, lc, a->fam, a->b) :
		    peertab_lookup(t, a->fam, a->b))[0];
	}
	return (double)NROWS / (now_s() - t0);
}

/* A key in the form of a table's, for rows that name a peer unlooked. */
static const char fixed_key[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/*
 * Rows of format v2 from the packets in the order seq gives, attributed
 * by c's table (none when c->peers is NULL) going the way dir says; with
 * c NULL, every row names the same peer without a lookup.
 */
static double
bench_rows(struct capture *c, enum pkt_dir dir, uint8_t (*pk)[64],
    const size_t *len, const uint16_t *seq, char *buf, size_t *sink)
{
	struct pkt_row row;
	double t0 = now_s();
	size_t i;

	for (i = 0; i < NROWS; i++) {
		size_t k = seq[i];

		if (pkt_parse(DLT_RAW, pk[k], len[k], (uint32_t)len[k],
		    1700000000000000000ULL + i, &row) != PKT_ROW)
			exit(1);
		row.dir = (uint8_t)dir;
		row.peer = c ? attrib_peer(c, &row, dir) : fixed_key;
		*sink += csv_format_row_v2(&row, buf);
	}
	return (double)NROWS / (now_s() - t0);
}

/* seq[i]: i % NADDR (sweep), or drawn with Zipf popularity (zipf). */
static void
make_orders(uint16_t *sweep, uint16_t *zipf, uint64_t *s)
{
	static double cum[NADDR];
	double total = 0, u;
	size_t i, lo, hi, mid;

	for (i = 0; i < NADDR; i++) {
		total += 1.0 / (double)(i + 1);
		cum[i] = total;
	}
	for (i = 0; i < NROWS; i++) {
		sweep[i] = (uint16_t)(i % NADDR);
		u = (double)(rnd(s) >> 11) / 9007199254740992.0 * total;
		lo = 0;
		hi = NADDR - 1;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if (cum[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* rank lo is address lo * 1237 % NADDR: spread over peers */
		zipf[i] = (uint16_t)(lo * 1237 % NADDR);
	}
}

struct pass {
	double	off[ROUNDS], on[ROUNDS], off_d[ROUNDS], on_d[ROUNDS];
	double	key[ROUNDS], key_d[ROUNDS];
	double	cost[ROUNDS], cost_dir[ROUNDS];
	double	lcost[ROUNDS], lcost_dir[ROUNDS];
};

/* One round r of the four row runs over seq. */
static void
run_pass(struct pass *p, int r, struct capture *with,
    struct capture *without, uint8_t (*pk)[64], const size_t *len,
    const uint16_t *seq, char *buf, size_t *sink)
{
	p->off[r] = bench_rows(without, PKT_DIR_NONE, pk, len, seq, buf, sink);
	p->on[r] = bench_rows(with, PKT_DIR_NONE, pk, len, seq, buf, sink);
	p->off_d[r] = bench_rows(without, PKT_DIR_OUT, pk, len, seq, buf,
	    sink);
	p->on_d[r] = bench_rows(with, PKT_DIR_OUT, pk, len, seq, buf, sink);
	p->key[r] = bench_rows(NULL, PKT_DIR_NONE, pk, len, seq, buf, sink);
	p->key_d[r] = bench_rows(NULL, PKT_DIR_OUT, pk, len, seq, buf, sink);
	p->cost[r] = (p->off[r] / p->on[r] - 1) * 100;
	p->cost_dir[r] = (p->off_d[r] / p->on_d[r] - 1) * 100;
	p->lcost[r] = (p->key[r] / p->on[r] - 1) * 100;
	p->lcost_dir[r] = (p->key_d[r] / p->on_d[r] - 1) * 100;
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
	double w[ROUNDS];

	memcpy(w, v, sizeof(w));
	qsort(w, ROUNDS, sizeof(*w), cmp_double);
	return w[ROUNDS / 2];
}

static void
print_pass(const char *order, struct pass *p)
{
	printf("%s rows_per_s_off %.0f\n", order, median(p->off));
	printf("%s rows_per_s_on %.0f\n", order, median(p->on));
	printf("%s rows_per_s_off_dir %.0f\n", order, median(p->off_d));
	printf("%s rows_per_s_on_dir %.0f\n", order, median(p->on_d));
	printf("%s attribution_cost %.1f %%\n", order, median(p->cost));
	printf("%s attribution_cost_dir %.1f %%\n", order,
	    median(p->cost_dir));
	printf("%s rows_per_s_key %.0f\n", order, median(p->key));
	printf("%s rows_per_s_key_dir %.0f\n", order, median(p->key_d));
	printf("%s lookup_cost %.1f %%\n", order, median(p->lcost));
	printf("%s lookup_cost_dir %.1f %%\n", order, median(p->lcost_dir));
}

int
main(int argc, char **argv)
{
	size_t npeers = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	size_t per = argc > 2 ? strtoul(argv[2], NULL, 10) : 10;
	static uint8_t pk[NADDR][64];
	static struct addr v[NADDR];
	static size_t len[NADDR];
	static uint16_t sweep[NROWS], zipf[NROWS];
	static char buf[CSV_ROW_MAX_V2];
	static struct capture with, without;
	static struct pass ps, pz;
	double lk[ROUNDS], lkz[ROUNDS], lkzc[ROUNDS];
	static struct lpm_cache lc;
	uint64_t s = 42, hits = 0, looks = 0;
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
	make_orders(sweep, zipf, &s);
	with.peers = t;
	for (r = 0; r < ROUNDS; r++) {
		lk[r] = bench_lookups(t, NULL, v, sweep, &sink);
		lkz[r] = bench_lookups(t, NULL, v, zipf, &sink);
		lkzc[r] = bench_lookups(t, &lc, v, zipf, &sink);
		run_pass(&ps, r, &with, &without, pk, len, sweep, buf, &sink);
		with.peer_cache.hits = with.peer_cache.misses = 0;
		run_pass(&pz, r, &with, &without, pk, len, zipf, buf, &sink);
		hits += with.peer_cache.hits;
		looks += with.peer_cache.hits + with.peer_cache.misses;
	}
	printf("sweep lpm_lookups_per_s %.0f\n", median(lk));
	printf("zipf lpm_lookups_per_s %.0f\n", median(lkz));
	printf("zipf cached_lookups_per_s %.0f\n", median(lkzc));
	print_pass("sweep", &ps);
	print_pass("zipf", &pz);
	printf("zipf cache_hit_rate %.1f %%\n",
	    looks ? 100.0 * (double)hits / (double)looks : 0.0);
	peertab_free(t);
	return sink == 0;
}
