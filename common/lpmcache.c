// SPDX-License-Identifier: MIT
/*
 * The cache in front of a longest-prefix-match table (lpmcache.h): one
 * direct-mapped array of slots per family, indexed by the top bits of
 * the address times an odd constant (as lpm.c hashes), each slot tagged
 * with the generation it was filled in; emptying the cache for another
 * table is a new generation, not a pass over the slots.
 */
#include <string.h>

#include "lpmcache.h"

#define LPM_CACHE_SHIFT	(64 - 9)	/* log2(LPM_CACHE_SLOTS) = 9 */
#define LPM_CACHE_MUL	0x9e3779b97f4a7c15ULL
#define LPM_CACHE_MUL2	0xc2b2ae3d27d4eb4fULL

_Static_assert(LPM_CACHE_SLOTS == 1u << (64 - LPM_CACHE_SHIFT),
    "LPM_CACHE_SHIFT follows LPM_CACHE_SLOTS");

/* Empty c and tie it to table serial. */
static void
retarget(struct lpm_cache *c, uint64_t serial)
{
	c->serial = serial;
	if (++c->gen == 0) {	/* after 2^32 tables: clear for real */
		memset(c->c4, 0, sizeof(c->c4));
		memset(c->c6, 0, sizeof(c->c6));
		c->gen = 1;
	}
}

uint32_t
lpm_cache_lookup(struct lpm_cache *c, const struct lpm *t, int family,
    const uint8_t *addr)
{
	uint64_t hi, lo;
	uint32_t a, v;
	size_t i;

	if (family != 4 && family != 6)
		return LPM_NONE;
	if (c->serial != lpm_serial(t))
		retarget(c, lpm_serial(t));
	if (family == 4) {
		a = lpm_be32(addr);
		i = (size_t)((a * LPM_CACHE_MUL) >> LPM_CACHE_SHIFT);
		if (c->c4[i].gen == c->gen && c->c4[i].key == a) {
			c->hits++;
			return c->c4[i].value;
		}
		v = lpm_lookup(t, family, addr);
		c->c4[i].key = a;
		c->c4[i].value = v;
		c->c4[i].gen = c->gen;
		c->misses++;
		return v;
	}
	hi = lpm_be64(addr);
	lo = lpm_be64(addr + 8);
	i = (size_t)((hi * LPM_CACHE_MUL ^ lo * LPM_CACHE_MUL2) >>
	    LPM_CACHE_SHIFT);
	if (c->c6[i].gen == c->gen && c->c6[i].hi == hi && c->c6[i].lo == lo) {
		c->hits++;
		return c->c6[i].value;
	}
	v = lpm_lookup(t, family, addr);
	c->c6[i].hi = hi;
	c->c6[i].lo = lo;
	c->c6[i].value = v;
	c->c6[i].gen = c->gen;
	c->misses++;
	return v;
}
