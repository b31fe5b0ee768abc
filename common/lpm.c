// SPDX-License-Identifier: MIT
/*
 * Longest-prefix match for IPv4 and IPv6 (see lpm.h). Each family keeps,
 * per prefix length, a hash table of the prefixes of that length (the
 * address with the bits past the length cleared), and a bitmap of the
 * lengths present. A lookup walks that bitmap from its highest bit down,
 * masks the address to each length and probes its table: the first hit
 * is the longest match. Everything a lookup needs that does not depend on
 * the address (each length's mask, its table's size) is worked out by
 * lpm_add(), so a probe is an AND, a multiply, a shift and a compare.
 *
 * Tables are open-addressed with linear probing and at most half full,
 * so a miss ends at an empty slot after a probe or two. The index of a
 * key is the top bits of the key times an odd constant (Fibonacci
 * hashing), which spreads the runs of consecutive addresses that
 * allowed-ips are made of evenly. IPv4 slots hold a 32-bit key and the
 * value (8 bytes), IPv6 slots two 64-bit halves and the value.
 *
 * Beside the slots each level keeps a tag per slot: 16 other bits of the
 * same hash, never 0 (0: the slot is empty). A probe reads the tags and
 * looks at a slot only when its tag matches, so a lookup that misses a
 * level (most do: every length longer than the match is tried first)
 * touches 2 bytes a probe instead of 8 or 24. Between packets that come
 * slowly the CPU's caches forget the tables; the tags, 64 kB for 10,000
 * prefixes of one length, are what a lookup has to bring back.
 *
 * Addresses are read byte by byte into host-order words, so nothing
 * depends on the alignment or byte order of the caller's buffer.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lpm.h"
#include "wgtap.h"

#define LPM_MIN_SLOTS	8	/* a power of two */
#define LPM_MUL_HI	0x9e3779b97f4a7c15ULL
#define LPM_MUL_LO	0xc2b2ae3d27d4eb4fULL

struct lpm_slot4 {
	uint32_t	key;		/* the masked prefix */
	uint32_t	value;
};

struct lpm_slot6 {
	uint64_t	hi, lo;		/* the masked prefix */
	uint32_t	value;
};

struct lpm_level {
	/* the slots of the level's family; NULL until the first prefix */
	struct lpm_slot4 *s4;
	struct lpm_slot6 *s6;
	uint16_t	*tag;		/* per slot; 0: empty */
	size_t		 mask;		/* slots - 1 (a power of two) */
	unsigned	 shift;		/* 64 - log2(slots) */
	uint64_t	 mhi, mlo;	/* this length's mask (IPv4: mhi) */
	size_t		 n;		/* prefixes held */
};

struct lpm_fam {
	struct lpm_level lv[129];	/* by prefix length */
	uint64_t	 lens[3];	/* l held: bit l % 64 of [l / 64] */
};

struct lpm {
	struct lpm_fam	 fam[2];	/* [0] IPv4, [1] IPv6 */
	size_t		 count;
	uint64_t	 serial;
};

static atomic_uint_fast64_t lpm_serials;

struct lpm *
lpm_new(void)
{
	struct lpm *t = calloc(1, sizeof(struct lpm));

	if (t)
		t->serial = (uint64_t)atomic_fetch_add(&lpm_serials, 1) + 1;
	return t;
}

uint64_t
lpm_serial(const struct lpm *t)
{
	return t->serial;
}

void
lpm_free(struct lpm *t)
{
	size_t f, l;

	if (!t)
		return;
	for (f = 0; f < 2; f++)
		for (l = 0; l < 129; l++) {
			free(t->fam[f].lv[l].s4);
			free(t->fam[f].lv[l].s6);
			free(t->fam[f].lv[l].tag);
		}
	free(t);
}

size_t
lpm_count(const struct lpm *t)
{
	return t->count;
}

/* The top n bits (0 to 64) of a 64-bit word set. */
static uint64_t
top_bits(unsigned n)
{
	return n == 0 ? 0 : ~0ULL << (64 - n);
}

/*
 * The highest length in the bitmap lens whose bits are all below limit
 * (129 to start with), or -1 when there is none: the walk of
 * lpm_lookup(), for lpm_lengths().
 */
static int
next_length(const uint64_t lens[3], int limit)
{
	int w = limit / 64;
	uint64_t bits;

	if (limit <= 0)
		return -1;
	bits = w < 3 ? lens[w] & ((1ULL << (limit % 64)) - 1) : 0;
	for (;;) {
		if (bits)
			return w * 64 + 63 - __builtin_clzll(bits);
		if (--w < 0)
			return -1;
		bits = lens[w];
	}
}

size_t
lpm_lengths(const struct lpm *t, int family, uint8_t out[static 129])
{
	const struct lpm_fam *f;
	size_t n = 0;
	int l = 129;

	if (family != 4 && family != 6)
		return 0;
	f = &t->fam[family == 6];
	while ((l = next_length(f->lens, l)) >= 0)
		out[n++] = (uint8_t)l;
	return n;
}

static inline uint64_t
hash4(uint32_t key)
{
	return key * LPM_MUL_HI;
}

static inline uint64_t
hash6(uint64_t hi, uint64_t lo)
{
	return hi * LPM_MUL_HI ^ lo * LPM_MUL_LO;
}

/*
 * A hash's tag: its bits 24 to 39, below those of the index in any table
 * of up to 2^24 slots, and above the low ones that a short prefix's
 * zeros leave zero.
 */
static inline uint16_t
tag_of(uint64_t h)
{
	uint16_t t = (uint16_t)(h >> 24);

	return t ? t : 1;
}

/*
 * The index of key in lv: its own slot, or the empty one where it would
 * go (its tag 0).
 */
static inline size_t
find4(const struct lpm_level *lv, uint32_t key)
{
	uint64_t h = hash4(key);
	size_t i = (size_t)(h >> lv->shift);
	uint16_t t = tag_of(h), g;

	for (;;) {
		g = lv->tag[i];
		if (g == 0 || (g == t && lv->s4[i].key == key))
			return i;
		i = (i + 1) & lv->mask;
	}
}

static inline size_t
find6(const struct lpm_level *lv, uint64_t hi, uint64_t lo)
{
	uint64_t h = hash6(hi, lo);
	size_t i = (size_t)(h >> lv->shift);
	uint16_t t = tag_of(h), g;

	for (;;) {
		g = lv->tag[i];
		if (g == 0 || (g == t && lv->s6[i].hi == hi &&
		    lv->s6[i].lo == lo))
			return i;
		i = (i + 1) & lv->mask;
	}
}

/* Put the entry with key k4 or (hi, lo) and value v in slot i of lv. */
static inline void
set_slot(struct lpm_level *lv, size_t i, uint32_t k4, uint64_t hi,
    uint64_t lo, uint32_t v)
{
	if (lv->s4) {
		lv->s4[i].key = k4;
		lv->s4[i].value = v;
		lv->tag[i] = tag_of(hash4(k4));
	} else {
		lv->s6[i].hi = hi;
		lv->s6[i].lo = lo;
		lv->s6[i].value = v;
		lv->tag[i] = tag_of(hash6(hi, lo));
	}
}

/* Double the slots of lv, a level of family (or make the first ones). */
static int
grow(struct lpm_level *lv, int family)
{
	size_t ncap = lv->n ? (lv->mask + 1) * 2 : LPM_MIN_SLOTS, i, j;
	struct lpm_level nl = *lv;

	nl.s4 = family == 4 ? calloc(ncap, sizeof(*nl.s4)) : NULL;
	nl.s6 = family == 6 ? calloc(ncap, sizeof(*nl.s6)) : NULL;
	nl.tag = calloc(ncap, sizeof(*nl.tag));
	if ((!nl.s4 && !nl.s6) || !nl.tag) {
		free(nl.s4);
		free(nl.s6);
		free(nl.tag);
		return WGTAP_ENOMEM;
	}
	nl.mask = ncap - 1;
	nl.shift = 64 - (unsigned)__builtin_ctzll(ncap);
	for (i = 0; lv->n && i <= lv->mask; i++) {
		if (lv->tag[i] == 0)
			continue;
		if (family == 4) {
			j = find4(&nl, lv->s4[i].key);
			set_slot(&nl, j, lv->s4[i].key, 0, 0,
			    lv->s4[i].value);
		} else {
			j = find6(&nl, lv->s6[i].hi, lv->s6[i].lo);
			set_slot(&nl, j, 0, lv->s6[i].hi, lv->s6[i].lo,
			    lv->s6[i].value);
		}
	}
	free(lv->s4);
	free(lv->s6);
	free(lv->tag);
	*lv = nl;
	return WGTAP_OK;
}

/* The first prefix of length plen in f: its level's mask, its bit. */
static void
note_length(struct lpm_fam *f, int family, unsigned plen)
{
	struct lpm_level *lv = &f->lv[plen];

	if (family == 4) {
		lv->mhi = top_bits(plen) >> 32;
		lv->mlo = 0;
	} else {
		lv->mhi = top_bits(plen > 64 ? 64 : plen);
		lv->mlo = top_bits(plen > 64 ? plen - 64 : 0);
	}
	f->lens[plen / 64] |= 1ULL << (plen % 64);
}

/* Put key (masked) with value in lv; whether the key is new. */
static bool
put(struct lpm_level *lv, int family, const uint8_t *addr, uint32_t value)
{
	uint64_t hi = 0, lo = 0;
	uint32_t k4 = 0;
	size_t i;
	bool fresh;

	if (family == 4) {
		k4 = lpm_be32(addr) & (uint32_t)lv->mhi;
		i = find4(lv, k4);
	} else {
		hi = lpm_be64(addr) & lv->mhi;
		lo = lpm_be64(addr + 8) & lv->mlo;
		i = find6(lv, hi, lo);
	}
	fresh = lv->tag[i] == 0;
	set_slot(lv, i, k4, hi, lo, value);
	return fresh;
}

int
lpm_add(struct lpm *t, int family, const uint8_t *addr, unsigned plen,
    uint32_t value)
{
	struct lpm_fam *f;
	struct lpm_level *lv;
	int r;

	if ((family != 4 && family != 6) || value == LPM_NONE ||
	    plen > (family == 4 ? 32u : 128u))
		return WGTAP_EFORMAT;
	f = &t->fam[family == 6];
	lv = &f->lv[plen];
	if ((lv->n + 1) * 2 > (lv->n ? lv->mask + 1 : 0)) {
		r = grow(lv, family);
		if (r != WGTAP_OK)
			return r;
	}
	if (lv->n == 0)
		note_length(f, family, plen);
	if (put(lv, family, addr, value)) {
		lv->n++;
		t->count++;
	}
	return WGTAP_OK;
}

static uint32_t
lookup4(const struct lpm_fam *f, uint32_t a)
{
	uint64_t bits = f->lens[0];
	const struct lpm_level *lv;
	unsigned plen;
	size_t i;

	while (bits) {
		plen = 63 - (unsigned)__builtin_clzll(bits);
		lv = &f->lv[plen];
		i = find4(lv, a & (uint32_t)lv->mhi);
		if (lv->tag[i])
			return lv->s4[i].value;
		bits ^= 1ULL << plen;
	}
	return LPM_NONE;
}

static uint32_t
lookup6(const struct lpm_fam *f, uint64_t hi, uint64_t lo)
{
	const struct lpm_level *lv;
	uint64_t bits;
	unsigned plen;
	size_t i;
	int w;

	for (w = 2; w >= 0; w--) {
		bits = f->lens[w];
		while (bits) {
			plen = 63 - (unsigned)__builtin_clzll(bits);
			lv = &f->lv[w * 64 + plen];
			i = find6(lv, hi & lv->mhi, lo & lv->mlo);
			if (lv->tag[i])
				return lv->s6[i].value;
			bits ^= 1ULL << plen;
		}
	}
	return LPM_NONE;
}

uint32_t
lpm_lookup(const struct lpm *t, int family, const uint8_t *addr)
{
	if (family == 4)
		return lookup4(&t->fam[0], lpm_be32(addr));
	if (family == 6)
		return lookup6(&t->fam[1], lpm_be64(addr), lpm_be64(addr + 8));
	return LPM_NONE;
}
