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
 * value (8 bytes), IPv6 slots two 64-bit halves and the value, so the
 * tables a lookup touches stay small.
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
	uint32_t	value;		/* LPM_NONE: the slot is empty */
};

struct lpm_slot6 {
	uint64_t	hi, lo;		/* the masked prefix */
	uint32_t	value;		/* LPM_NONE: the slot is empty */
};

struct lpm_level {
	/* the slots of the level's family; NULL until the first prefix */
	struct lpm_slot4 *s4;
	struct lpm_slot6 *s6;
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

static inline size_t
slot4(const struct lpm_level *lv, uint32_t key)
{
	return (size_t)((key * LPM_MUL_HI) >> lv->shift);
}

static inline size_t
slot6(const struct lpm_level *lv, uint64_t hi, uint64_t lo)
{
	return (size_t)((hi * LPM_MUL_HI ^ lo * LPM_MUL_LO) >> lv->shift);
}

/* The slot of key in lv: its own, or the empty one where it would go. */
static inline struct lpm_slot4 *
find4(const struct lpm_level *lv, uint32_t key)
{
	size_t i = slot4(lv, key);
	struct lpm_slot4 *s;

	for (;;) {
		s = &lv->s4[i];
		if (s->value == LPM_NONE || s->key == key)
			return s;
		i = (i + 1) & lv->mask;
	}
}

static inline struct lpm_slot6 *
find6(const struct lpm_level *lv, uint64_t hi, uint64_t lo)
{
	size_t i = slot6(lv, hi, lo);
	struct lpm_slot6 *s;

	for (;;) {
		s = &lv->s6[i];
		if (s->value == LPM_NONE || (s->hi == hi && s->lo == lo))
			return s;
		i = (i + 1) & lv->mask;
	}
}

/* n empty slots (value LPM_NONE) for a level of family, or NULL. */
static void *
new_slots(size_t n, int family)
{
	struct lpm_slot4 *s4 = NULL;
	struct lpm_slot6 *s6 = NULL;
	size_t i;

	if (family == 4)
		s4 = calloc(n, sizeof(*s4));
	else
		s6 = calloc(n, sizeof(*s6));
	if (!s4 && !s6)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s4)
			s4[i].value = LPM_NONE;
		else
			s6[i].value = LPM_NONE;
	}
	return s4 ? (void *)s4 : (void *)s6;
}

/* Double the slots of lv, a level of family (or make the first ones). */
static int
grow(struct lpm_level *lv, int family)
{
	size_t ncap = lv->n ? (lv->mask + 1) * 2 : LPM_MIN_SLOTS, i;
	struct lpm_level nl = *lv;
	void *s;

	s = new_slots(ncap, family);
	if (!s)
		return WGTAP_ENOMEM;
	nl.s4 = family == 4 ? s : NULL;
	nl.s6 = family == 6 ? s : NULL;
	nl.mask = ncap - 1;
	nl.shift = 64 - (unsigned)__builtin_ctzll(ncap);
	for (i = 0; lv->n && i <= lv->mask; i++) {
		if (family == 4 && lv->s4[i].value != LPM_NONE)
			*find4(&nl, lv->s4[i].key) = lv->s4[i];
		if (family == 6 && lv->s6[i].value != LPM_NONE)
			*find6(&nl, lv->s6[i].hi, lv->s6[i].lo) = lv->s6[i];
	}
	free(lv->s4);
	free(lv->s6);
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
	struct lpm_slot4 *s4;
	struct lpm_slot6 *s6;
	uint64_t hi, lo;
	uint32_t k4;
	bool fresh;

	if (family == 4) {
		k4 = lpm_be32(addr) & (uint32_t)lv->mhi;
		s4 = find4(lv, k4);
		fresh = s4->value == LPM_NONE;
		s4->key = k4;
		s4->value = value;
		return fresh;
	}
	hi = lpm_be64(addr) & lv->mhi;
	lo = lpm_be64(addr + 8) & lv->mlo;
	s6 = find6(lv, hi, lo);
	fresh = s6->value == LPM_NONE;
	s6->hi = hi;
	s6->lo = lo;
	s6->value = value;
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
	const struct lpm_slot4 *s;
	unsigned plen;

	while (bits) {
		plen = 63 - (unsigned)__builtin_clzll(bits);
		lv = &f->lv[plen];
		s = find4(lv, a & (uint32_t)lv->mhi);
		if (s->value != LPM_NONE)
			return s->value;
		bits ^= 1ULL << plen;
	}
	return LPM_NONE;
}

static uint32_t
lookup6(const struct lpm_fam *f, uint64_t hi, uint64_t lo)
{
	const struct lpm_level *lv;
	const struct lpm_slot6 *s;
	uint64_t bits;
	unsigned plen;
	int w;

	for (w = 2; w >= 0; w--) {
		bits = f->lens[w];
		while (bits) {
			plen = 63 - (unsigned)__builtin_clzll(bits);
			lv = &f->lv[w * 64 + plen];
			s = find6(lv, hi & lv->mhi, lo & lv->mlo);
			if (s->value != LPM_NONE)
				return s->value;
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
