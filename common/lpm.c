// SPDX-License-Identifier: MIT
/*
 * Longest-prefix match for IPv4 and IPv6 (see lpm.h). Each family keeps,
 * per prefix length, a hash table of the prefixes of that length (the
 * address with the bits past the length cleared), and the list of the
 * lengths present, longest first. A lookup masks the address to each
 * length in that list and probes its table: the first hit is the longest
 * match. Tables are open-addressed with linear probing and at most half
 * full, so a miss ends at an empty slot after a probe or two.
 *
 * Addresses are held as two 64-bit halves in host order (IPv4 in the top
 * 32 bits of the first), read byte by byte, so nothing depends on the
 * alignment or byte order of the caller's buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "lpm.h"
#include "wgtap.h"

#define LPM_MIN_SLOTS	8

struct lpm_slot {
	uint64_t	hi, lo;		/* the masked prefix */
	uint32_t	value;		/* LPM_NONE: the slot is empty */
};

struct lpm_level {
	struct lpm_slot	*slots;		/* NULL until the first prefix */
	size_t		 mask;		/* slots - 1 (a power of two) */
	size_t		 n;		/* prefixes held */
};

struct lpm_fam {
	struct lpm_level lv[129];	/* by prefix length */
	uint8_t		 order[129];	/* lengths present, longest first */
	unsigned	 norder;
};

struct lpm {
	struct lpm_fam	 fam[2];	/* [0] IPv4, [1] IPv6 */
	size_t		 count;
};

struct lpm *
lpm_new(void)
{
	return calloc(1, sizeof(struct lpm));
}

void
lpm_free(struct lpm *t)
{
	size_t f, l;

	if (!t)
		return;
	for (f = 0; f < 2; f++)
		for (l = 0; l < 129; l++)
			free(t->fam[f].lv[l].slots);
	free(t);
}

size_t
lpm_count(const struct lpm *t)
{
	return t->count;
}

static uint64_t
get_be64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v = v << 8 | (i < n ? p[i] : 0);
	return v;
}

/* The top n bits (0 to 64) of a 64-bit word set. */
static inline uint64_t
top_bits(unsigned n)
{
	return n == 0 ? 0 : ~0ULL << (64 - n);
}

/* The key halves of addr for family, masked to plen bits. */
static inline void
make_key(int family, const uint8_t *addr, unsigned plen, uint64_t *hi,
    uint64_t *lo)
{
	if (family == 4) {
		*hi = get_be64(addr, 4) & top_bits(plen);
		*lo = 0;
		return;
	}
	*hi = get_be64(addr, 8) & top_bits(plen > 64 ? 64 : plen);
	*lo = get_be64(addr + 8, 8) & top_bits(plen > 64 ? plen - 64 : 0);
}

static inline size_t
hash_key(uint64_t hi, uint64_t lo)
{
	uint64_t x = hi * 0x9e3779b97f4a7c15ULL ^ lo * 0xc2b2ae3d27d4eb4fULL;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return (size_t)x;
}

/* The slot of hi/lo in lv: its own, or the empty one where it would go. */
static inline struct lpm_slot *
find_slot(const struct lpm_level *lv, uint64_t hi, uint64_t lo)
{
	size_t i = hash_key(hi, lo) & lv->mask;
	struct lpm_slot *s;

	for (;;) {
		s = &lv->slots[i];
		if (s->value == LPM_NONE || (s->hi == hi && s->lo == lo))
			return s;
		i = (i + 1) & lv->mask;
	}
}

static struct lpm_slot *
new_slots(size_t n)
{
	struct lpm_slot *s = calloc(n, sizeof(*s));
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < n; i++)
		s[i].value = LPM_NONE;
	return s;
}

/* Double the slots of lv (or make the first ones). */
static int
grow(struct lpm_level *lv)
{
	size_t ncap = lv->slots ? (lv->mask + 1) * 2 : LPM_MIN_SLOTS, i;
	struct lpm_level nl = { NULL, ncap - 1, lv->n };
	struct lpm_slot *s;

	nl.slots = new_slots(ncap);
	if (!nl.slots)
		return WGTAP_ENOMEM;
	for (i = 0; lv->slots && i <= lv->mask; i++) {
		if (lv->slots[i].value == LPM_NONE)
			continue;
		s = find_slot(&nl, lv->slots[i].hi, lv->slots[i].lo);
		*s = lv->slots[i];
	}
	free(lv->slots);
	*lv = nl;
	return WGTAP_OK;
}

/* Put length plen in the list of f, which stays longest first. */
static void
note_length(struct lpm_fam *f, unsigned plen)
{
	unsigned i = f->norder;

	while (i > 0 && f->order[i - 1] < plen) {
		f->order[i] = f->order[i - 1];
		i--;
	}
	f->order[i] = (uint8_t)plen;
	f->norder++;
}

int
lpm_add(struct lpm *t, int family, const uint8_t *addr, unsigned plen,
    uint32_t value)
{
	struct lpm_fam *f;
	struct lpm_level *lv;
	struct lpm_slot *s;
	uint64_t hi, lo;
	int r;

	if ((family != 4 && family != 6) || value == LPM_NONE ||
	    plen > (family == 4 ? 32u : 128u))
		return WGTAP_EFORMAT;
	f = &t->fam[family == 6];
	lv = &f->lv[plen];
	if ((lv->n + 1) * 2 > (lv->slots ? lv->mask + 1 : 0)) {
		r = grow(lv);
		if (r != WGTAP_OK)
			return r;
	}
	make_key(family, addr, plen, &hi, &lo);
	s = find_slot(lv, hi, lo);
	if (s->value == LPM_NONE) {
		s->hi = hi;
		s->lo = lo;
		if (lv->n++ == 0)
			note_length(f, plen);
		t->count++;
	}
	s->value = value;
	return WGTAP_OK;
}

uint32_t
lpm_lookup(const struct lpm *t, int family, const uint8_t *addr)
{
	const struct lpm_fam *f;
	const struct lpm_level *lv;
	uint64_t a_hi, a_lo, hi, lo;
	unsigned i, plen;
	uint32_t v;

	if (family != 4 && family != 6)
		return LPM_NONE;
	f = &t->fam[family == 6];
	make_key(family, addr, family == 4 ? 32 : 128, &a_hi, &a_lo);
	for (i = 0; i < f->norder; i++) {
		plen = f->order[i];
		lv = &f->lv[plen];
		hi = a_hi & top_bits(plen > 64 ? 64 : plen);
		lo = a_lo & top_bits(plen > 64 ? plen - 64 : 0);
		v = find_slot(lv, hi, lo)->value;
		if (v != LPM_NONE)
			return v;
	}
	return LPM_NONE;
}
