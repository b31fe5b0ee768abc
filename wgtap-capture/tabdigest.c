// SPDX-License-Identifier: MIT
/*
 * Peer table digests (tabdigest.h): a multiply-and-shift hash of the
 * bytes, a final mix (splitmix64's), and two differently keyed sums of
 * the items mixed with their peers.
 */
#include <string.h>

#include "tabdigest.h"

static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

void
tabdigest_init(struct tabdigest *d, enum tabdigest_source source)
{
	memset(d, 0, sizeof(*d));
	d->source = source;
}

uint64_t
tabdigest_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	w = 0;
	if (n)
		memcpy(&w, s, n);
	return mix64((h ^ w) * 0xc4ceb9fe1a85ec53ULL);
}

uint64_t
tabdigest_peer(uint64_t h)
{
	uint64_t p = mix64(h ^ 0x5851f42d4c957f2dULL);

	return p ? p : 1;
}

void
tabdigest_add(struct tabdigest *d, uint64_t h, uint64_t peer)
{
	d->a += mix64(h ^ peer);
	d->b += mix64(h + 3 * peer + 0x2545f4914f6cdd1dULL);
	d->items++;
}

bool
tabdigest_same(const struct tabdigest *x, const struct tabdigest *y)
{
	return x->source == y->source && x->a == y->a && x->b == y->b &&
	    x->items == y->items;
}
