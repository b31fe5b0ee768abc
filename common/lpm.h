/* SPDX-License-Identifier: MIT */
/*
 * A longest-prefix-match table for IPv4 and IPv6: prefixes (address and
 * length) map to a 32-bit value, such as the index of a WireGuard peer
 * whose allowed-ips hold the prefix. Built once by lpm_add(), then only
 * read by lpm_lookup(), which allocates nothing and does no I/O.
 *
 * One open-addressing hash table per prefix length present; a lookup
 * tries the lengths present (a bitmap of them), longest first, and stops
 * at the first hit. A WireGuard gateway has few distinct lengths (/32 and
 * /128, a few others), so a lookup costs a few hash probes whatever the
 * number of prefixes; a probe that misses reads 2 bytes of tag, not the
 * slot (lpm.c).
 */
#ifndef WGTAP_LPM_H
#define WGTAP_LPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The 4 or 8 bytes at p (an address, in network order) as a host-order
 * word: how lpm.c and lpmcache.c read addresses, whatever the alignment
 * of the caller's buffer.
 */
static inline uint32_t
lpm_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
lpm_be64(const uint8_t *p)
{
	return (uint64_t)lpm_be32(p) << 32 | lpm_be32(p + 4);
}

/* The one value lpm_add() refuses: lpm_lookup() reports a miss with it. */
#define LPM_NONE	UINT32_MAX

struct lpm;

/* A new, empty table, or NULL when out of memory. Free with lpm_free(). */
struct lpm *lpm_new(void);

/* Free t and everything in it; NULL is fine. */
void lpm_free(struct lpm *t);

/*
 * Map the prefix addr/plen of family (4 or 6; addr holds 4 or 16 bytes)
 * to value. Bits of addr past plen are ignored, as WireGuard does with
 * allowed-ips. The same prefix added again takes the new value. Returns
 * WGTAP_OK, WGTAP_EFORMAT (family not 4 or 6, plen over 32 or 128, value
 * LPM_NONE) or WGTAP_ENOMEM (t unchanged).
 */
int lpm_add(struct lpm *t, int family, const uint8_t *addr, unsigned plen,
    uint32_t value);

/*
 * The value of the longest prefix holding addr (4 or 16 bytes as family
 * says), or LPM_NONE when no prefix holds it or family is neither 4 nor 6.
 */
uint32_t lpm_lookup(const struct lpm *t, int family, const uint8_t *addr);

/*
 * A number that names t among every table this process has made (1, 2,
 * ...; never reused, never 0), for caches of its answers (lpmcache.h).
 */
uint64_t lpm_serial(const struct lpm *t);

/* How many distinct prefixes t holds. */
size_t lpm_count(const struct lpm *t);

/*
 * The prefix lengths t holds for family (4 or 6), longest first, in
 * out[0..n), the order in which lpm_lookup() tries them; returns n (0
 * for another family).
 */
size_t lpm_lengths(const struct lpm *t, int family, uint8_t out[static 129]);

#endif
