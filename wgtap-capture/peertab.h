/* SPDX-License-Identifier: MIT */
/*
 * The peer table of one WireGuard interface as read at one moment: each
 * peer's public key (kept as the 44-character standard base64 that `wg`
 * prints), its endpoint and its allowed-ips, and a longest-prefix-match
 * index over the allowed-ips (common/lpm.c) that names the peer holding
 * an address. The parsers of `wg show dump`, the UAPI reply and the
 * netlink dump fill one in; the capture only looks addresses up.
 */
#ifndef WGTAP_PEERTAB_H
#define WGTAP_PEERTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dynbuf.h"
#include "lpmcache.h"

#define PEERTAB_KEY_LEN		32
#define PEERTAB_B64_LEN		44	/* base64 of a key, with padding */
/* "[" IPv6 with a zone "]:" port: what an endpoint text may take */
#define PEERTAB_ENDPOINT_MAX	80
/* Bounds on what one table holds, against runaway input. */
#define PEERTAB_MAX_PEERS	100000
#define PEERTAB_MAX_IPS		1000000

/*
 * The keys' text is kept apart from the rest of the peers, each key at
 * the start of a cache line of its own: the per-packet path reads only
 * the key of the peer it found, so a row brings back one line (a key at
 * any offset of an array of whole peers straddles two lines 5 times in
 * 8), and 1,000 peers' keys take 16 pages, not 34.
 */
#define PEERTAB_KEY_STRIDE	64

struct peertab_peer {
	char	endpoint[PEERTAB_ENDPOINT_MAX];	/* "" when there is none */
	size_t	nips;				/* allowed-ips it holds */
};

struct peertab_ip {
	size_t		peer;		/* index into the peers */
	uint8_t		family;		/* 4 or 6 */
	uint8_t		plen;
	uint8_t		addr[16];	/* masked to plen bits */
};

struct peertab;

/* A new, empty table, or NULL when out of memory. */
struct peertab *peertab_new(void);

/*
 * One more reference to t, for another owner (another thread may hold
 * it); returns t. A table is only read once built, by any number of
 * threads.
 */
struct peertab *peertab_hold(struct peertab *t);

/* Drop a reference to t, freeing it with the last; NULL is fine. */
void peertab_free(struct peertab *t);

/*
 * Add the peer with public key key and set *idx to its index. A key equal
 * to the last peer added continues that peer (a netlink dump repeats a
 * peer whose allowed-ips span several messages): *idx is its index and
 * nothing is added. WGTAP_OK, WGTAP_ETOOBIG (PEERTAB_MAX_PEERS reached)
 * or WGTAP_ENOMEM.
 */
int peertab_add_peer(struct peertab *t, const uint8_t key[PEERTAB_KEY_LEN],
    size_t *idx);

/*
 * Set the endpoint text of peer idx (copied; at most
 * PEERTAB_ENDPOINT_MAX - 1 bytes, printable ASCII). WGTAP_OK or
 * WGTAP_EFORMAT.
 */
int peertab_set_endpoint(struct peertab *t, size_t idx, const char *text);

/*
 * Give peer idx the allowed-ip addr/plen of family (4 or 6; addr holds 4
 * or 16 bytes). WGTAP_OK, WGTAP_EFORMAT (bad family, plen or idx),
 * WGTAP_ETOOBIG (PEERTAB_MAX_IPS reached) or WGTAP_ENOMEM.
 */
int peertab_add_ip(struct peertab *t, size_t idx, int family,
    const uint8_t *addr, unsigned plen);

/*
 * The base64 key of the peer whose allowed-ips hold addr by longest
 * prefix, or "" when none does (or t is NULL). The text belongs to t.
 */
const char *peertab_lookup(const struct peertab *t, int family,
    const uint8_t *addr);

/*
 * peertab_lookup(t, family, addr) through the cache c of recent answers
 * (common/lpmcache.h), which follows t: a table other than the one c's
 * answers came from empties it first.
 */
const char *peertab_lookup_cached(const struct peertab *t,
    struct lpm_cache *c, int family, const uint8_t *addr);

size_t peertab_npeers(const struct peertab *t);
const struct peertab_peer *peertab_peer(const struct peertab *t, size_t i);

/*
 * The public key of peer i as standard base64 (PEERTAB_B64_LEN
 * characters, NUL-terminated, PEERTAB_KEY_STRIDE-aligned), or NULL when
 * there is no peer i. The text belongs to t.
 */
const char *peertab_key(const struct peertab *t, size_t i);
size_t peertab_nips(const struct peertab *t);
const struct peertab_ip *peertab_ip(const struct peertab *t, size_t i);

/*
 * Whether a and b hold the same peers (keys, in order) with the same
 * allowed-ips; endpoints are not compared (they move with the peers).
 * NULL equals only NULL.
 */
bool peertab_same(const struct peertab *a, const struct peertab *b);

/*
 * Parsers' helpers for the texts `wg` and the UAPI use. Each reads
 * exactly the n bytes at s (no NUL needed) and returns WGTAP_OK or
 * WGTAP_EFORMAT, with nothing written on failure.
 *
 * peertab_key_base64: a key as 44 characters of standard base64 ending
 *   in "=" (what `wg` prints).
 * peertab_key_hex: a key as 64 hex digits (the UAPI's form).
 * peertab_prefix: "ADDR/LEN" as in allowed-ips: an IPv4 or IPv6 address
 *   in inet_pton() form, a slash, a decimal length of at most 32 or 128
 *   without leading zeros; *family is 4 or 6, addr gets 4 or 16 bytes.
 */
int peertab_key_base64(const char *s, size_t n,
    uint8_t key[PEERTAB_KEY_LEN]);
int peertab_key_hex(const char *s, size_t n, uint8_t key[PEERTAB_KEY_LEN]);
int peertab_prefix(const char *s, size_t n, int *family, uint8_t addr[16],
    unsigned *plen);

/*
 * The table as text, one line per peer in the order they were added:
 * "KEY<TAB>ENDPOINT<TAB>IP/LEN,IP/LEN\n", with "(none)" for a missing
 * endpoint or no allowed-ips, as `wg show IFACE dump` spells them.
 * WGTAP_OK, or the error of dynbuf_add() (out is then empty).
 */
int peertab_format(const struct peertab *t, struct dynbuf *out);

#endif
