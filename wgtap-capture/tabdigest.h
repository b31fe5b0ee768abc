/* SPDX-License-Identifier: MIT */
/*
 * A digest of what a WireGuard implementation says about its peer table,
 * taken as its answer is read, so that an answer that says what the last
 * one parsed did need not be parsed again (peersrc.c). An answer is a
 * list of items (a userspace reply's lines, a netlink dump's attributes),
 * each belonging to a peer or to none; each item is hashed with its
 * peer's identity and the hashes are summed, so the order in which the
 * peers come does not matter. Two sums of 64 bits and a count of items:
 * equal digests mean the same items, but for a chance of about 2^-128.
 *
 * A digest names its source (TABDIGEST_UAPI, TABDIGEST_NETLINK): those of
 * different sources never compare equal. valid: a table was parsed from
 * the answer digested.
 */
#ifndef WGTAP_TABDIGEST_H
#define WGTAP_TABDIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tabdigest_source {
	TABDIGEST_NONE = 0,
	TABDIGEST_UAPI,
	TABDIGEST_NETLINK,
};

struct tabdigest {
	uint64_t		a, b, items;
	enum tabdigest_source	source;
	bool			valid;
};

/* An empty digest of source (valid false). */
void tabdigest_init(struct tabdigest *d, enum tabdigest_source source);

/* A 64-bit hash of the n bytes at p. */
uint64_t tabdigest_hash(const void *p, size_t n);

/* The identity of the peer whose key item hashed to h (never 0). */
uint64_t tabdigest_peer(uint64_t h);

/* Add the item that hashed to h, of peer (0: of no peer), to d. */
void tabdigest_add(struct tabdigest *d, uint64_t h, uint64_t peer);

/* Whether x and y digest the same items of the same source. */
bool tabdigest_same(const struct tabdigest *x, const struct tabdigest *y);

#endif
