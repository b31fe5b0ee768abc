/* SPDX-License-Identifier: MIT */
/*
 * A cache of recent answers of one longest-prefix-match table (lpm.h),
 * for the per-packet path: each family's addresses map by hash to one of
 * LPM_CACHE_SLOTS slots, and a slot keeps the last address that landed in
 * it with the table's answer (a miss too). A capture's traffic keeps
 * returning to the same addresses (a flow's packets, a client's flows),
 * so most lookups are one compare in a slot that sits in the CPU's cache
 * instead of a probe per prefix length into tables that do not.
 *
 * The entries belong to the table they came from: a lookup through
 * another table (lpm_serial() differs) empties the cache first, in
 * constant time (a generation number). A zero-filled cache is empty. One
 * thread at a time; the table is only read.
 */
#ifndef WGTAP_LPMCACHE_H
#define WGTAP_LPMCACHE_H

#include <stdint.h>

#include "lpm.h"

#define LPM_CACHE_SLOTS	512	/* a power of two */

struct lpm_cache {
	uint64_t	serial;		/* the table the entries are of */
	uint32_t	gen;		/* a slot of another gen is empty */
	struct {
		uint32_t key, value, gen;
	} c4[LPM_CACHE_SLOTS];
	struct {
		uint64_t hi, lo;
		uint32_t value, gen;
	} c6[LPM_CACHE_SLOTS];
	uint64_t	hits, misses;	/* lookups answered from the slots, not */
};

/*
 * lpm_lookup(t, family, addr), answered from c when c holds addr for t,
 * else looked up in t and kept in c.
 */
uint32_t lpm_cache_lookup(struct lpm_cache *c, const struct lpm *t,
    int family, const uint8_t *addr);

#endif
