// SPDX-License-Identifier: MIT
/*
 * The peer table (see peertab.h): peers in the order they were read, a
 * flat list of allowed-ips, and the longest-prefix index from lpm.c whose
 * values are peer indices. It is built in one go and then only read; a
 * refresh builds a new one and swaps it in. A table may have several
 * owners (the thread that read it and the one that attributes with it):
 * each holds a reference, and the last peertab_free() frees it. Nothing
 * here logs or does I/O.
 */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "chars.h"
#include "csv.h"
#include "lpm.h"
#include "peertab.h"
#include "wgtap.h"

struct peertab {
	struct peertab_peer	*peers;
	size_t			 npeers, peercap;
	/* peer i's key; as many as the peers, aligned to their size */
	char			(*keys)[PEERTAB_KEY_STRIDE];
	struct peertab_ip	*ips;
	size_t			 nips, ipcap;
	uint8_t			 lastkey[PEERTAB_KEY_LEN];
	struct lpm		*lpm;
	atomic_uint		 refs;		/* peertab_hold()s + 1 */
};

struct peertab *
peertab_new(void)
{
	struct peertab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->lpm = lpm_new();
	if (!t->lpm) {
		free(t);
		return NULL;
	}
	atomic_init(&t->refs, 1);
	return t;
}

struct peertab *
peertab_hold(struct peertab *t)
{
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	return t;
}

void
peertab_free(struct peertab *t)
{
	if (!t || atomic_fetch_sub_explicit(&t->refs, 1,
	    memory_order_acq_rel) != 1)
		return;
	lpm_free(t->lpm);
	free(t->peers);
	free(t->keys);
	free(t->ips);
	free(t);
}

/* Room for one more of n items of size sz in *arr (capacity *cap). */
static int
reserve(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return WGTAP_OK;
	ncap = *cap ? *cap * 2 : 16;
	p = reallocarray(*arr, ncap, sz);
	if (!p)
		return WGTAP_ENOMEM;
	*arr = p;
	*cap = ncap;
	return WGTAP_OK;
}

/*
 * Room for one more peer and its key. The keys are over-aligned
 * (PEERTAB_KEY_STRIDE), so their array comes from aligned_alloc() and
 * grows by a copy.
 */
static int
reserve_peer(struct peertab *t)
{
	char (*keys)[PEERTAB_KEY_STRIDE];
	size_t cap = t->peercap;
	int r;

	if (t->npeers < t->peercap)
		return WGTAP_OK;
	r = reserve((void **)&t->peers, &cap, t->npeers, sizeof(*t->peers));
	if (r != WGTAP_OK)
		return r;
	/* a multiple of the alignment, as aligned_alloc() asks */
	keys = aligned_alloc(PEERTAB_KEY_STRIDE, cap * sizeof(*keys));
	if (!keys)
		return WGTAP_ENOMEM;	/* the peers' new room is kept */
	if (t->npeers)
		memcpy(keys, t->keys, t->npeers * sizeof(*keys));
	free(t->keys);
	t->keys = keys;
	t->peercap = cap;
	return WGTAP_OK;
}

int
peertab_add_peer(struct peertab *t, const uint8_t key[PEERTAB_KEY_LEN],
    size_t *idx)
{
	struct peertab_peer *p;
	int r;

	if (t->npeers > 0 && memcmp(t->lastkey, key, PEERTAB_KEY_LEN) == 0) {
		*idx = t->npeers - 1;
		return WGTAP_OK;
	}
	if (t->npeers >= PEERTAB_MAX_PEERS)
		return WGTAP_ETOOBIG;
	r = reserve_peer(t);
	if (r != WGTAP_OK)
		return r;
	p = &t->peers[t->npeers];
	memset(p, 0, sizeof(*p));
	memset(t->keys[t->npeers], 0, sizeof(t->keys[t->npeers]));
	csv_base64(key, PEERTAB_KEY_LEN, t->keys[t->npeers]);
	memcpy(t->lastkey, key, PEERTAB_KEY_LEN);
	*idx = t->npeers++;
	return WGTAP_OK;
}

int
peertab_set_endpoint(struct peertab *t, size_t idx, const char *text)
{
	size_t n = strlen(text), i;

	if (idx >= t->npeers || n >= PEERTAB_ENDPOINT_MAX)
		return WGTAP_EFORMAT;
	for (i = 0; i < n; i++)
		if (!chars_is_graph((unsigned char)text[i]))
			return WGTAP_EFORMAT;
	memcpy(t->peers[idx].endpoint, text, n + 1);
	return WGTAP_OK;
}

/* addr (n bytes) with the bits past plen cleared, into out[16]. */
static void
mask_addr(const uint8_t *addr, size_t n, unsigned plen, uint8_t out[16])
{
	size_t i;

	memset(out, 0, 16);
	for (i = 0; i < n; i++) {
		if (plen >= 8 * (i + 1))
			out[i] = addr[i];
		else if (plen > 8 * i)
			out[i] = addr[i] & (uint8_t)(0xff << (8 - (plen - 8 * i)));
	}
}

int
peertab_add_ip(struct peertab *t, size_t idx, int family,
    const uint8_t *addr, unsigned plen)
{
	struct peertab_ip *ip;
	int r;

	if (idx >= t->npeers || (family != 4 && family != 6) ||
	    plen > (family == 4 ? 32u : 128u))
		return WGTAP_EFORMAT;
	if (t->nips >= PEERTAB_MAX_IPS)
		return WGTAP_ETOOBIG;
	r = reserve((void **)&t->ips, &t->ipcap, t->nips, sizeof(*t->ips));
	if (r != WGTAP_OK)
		return r;
	r = lpm_add(t->lpm, family, addr, plen, (uint32_t)idx);
	if (r != WGTAP_OK)
		return r;
	ip = &t->ips[t->nips++];
	ip->peer = idx;
	ip->family = (uint8_t)family;
	ip->plen = (uint8_t)plen;
	mask_addr(addr, family == 4 ? 4 : 16, plen, ip->addr);
	t->peers[idx].nips++;
	return WGTAP_OK;
}

const char *
peertab_lookup(const struct peertab *t, int family, const uint8_t *addr)
{
	uint32_t v;

	if (!t)
		return "";
	v = lpm_lookup(t->lpm, family, addr);
	return v == LPM_NONE ? "" : t->keys[v];
}

const char *
peertab_lookup_cached(const struct peertab *t, struct lpm_cache *c,
    int family, const uint8_t *addr)
{
	uint32_t v;

	if (!t)
		return "";
	v = lpm_cache_lookup(c, t->lpm, family, addr);
	return v == LPM_NONE ? "" : t->keys[v];
}

/* An allowed-ip with its peer's rank by key, for peertab_same(). */
struct ip_rank {
	size_t		rank;
	uint8_t		family, plen, addr[16];
};

static int
cmp_peer_idx(const void *x, const void *y, void *table)
{
	const struct peertab *t = table;

	return memcmp(t->keys[*(const size_t *)x], t->keys[*(const size_t *)y],
	    PEERTAB_B64_LEN);
}

static int
cmp_ip_rank(const void *x, const void *y)
{
	const struct ip_rank *a = x, *b = y;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->family != b->family)
		return a->family - b->family;
	if (a->plen != b->plen)
		return a->plen - b->plen;
	return memcmp(a->addr, b->addr, 16);
}

/*
 * t's peers sorted by key (*order: their indices) and its allowed-ips as
 * (rank of the peer in that order, prefix), sorted. WGTAP_OK or
 * WGTAP_ENOMEM.
 */
static int
canonical(const struct peertab *t, size_t **order, struct ip_rank **ips)
{
	size_t *rank, i;

	*order = calloc(t->npeers + 1, sizeof(**order));
	rank = calloc(t->npeers + 1, sizeof(*rank));
	/* zeroed, padding too: the sorted arrays are compared whole */
	*ips = calloc(t->nips + 1, sizeof(**ips));
	if (!*order || !rank || !*ips) {
		free(rank);
		return WGTAP_ENOMEM;
	}
	for (i = 0; i < t->npeers; i++)
		(*order)[i] = i;
	qsort_r(*order, t->npeers, sizeof(**order), cmp_peer_idx,
	    (void *)t);
	for (i = 0; i < t->npeers; i++)
		rank[(*order)[i]] = i;
	for (i = 0; i < t->nips; i++) {
		(*ips)[i].rank = rank[t->ips[i].peer];
		(*ips)[i].family = t->ips[i].family;
		(*ips)[i].plen = t->ips[i].plen;
		memcpy((*ips)[i].addr, t->ips[i].addr, 16);
	}
	qsort(*ips, t->nips, sizeof(**ips), cmp_ip_rank);
	free(rank);
	return WGTAP_OK;
}

/*
 * Order-free: implementations list peers in no fixed order (wireguard-go
 * walks a hash map), so both tables are sorted first.
 */
bool
peertab_same(const struct peertab *a, const struct peertab *b)
{
	size_t *oa = NULL, *ob = NULL, i;
	struct ip_rank *ia = NULL, *ib = NULL;
	bool same = false;

	if (!a || !b)
		return a == b;
	if (a->npeers != b->npeers || a->nips != b->nips)
		return false;
	if (canonical(a, &oa, &ia) != WGTAP_OK ||
	    canonical(b, &ob, &ib) != WGTAP_OK)
		goto out;
	for (i = 0; i < a->npeers; i++)
		if (memcmp(a->keys[oa[i]], b->keys[ob[i]],
		    PEERTAB_B64_LEN) != 0)
			goto out;
	same = memcmp(ia, ib, a->nips * sizeof(*ia)) == 0;
 out:
	free(oa);
	free(ob);
	free(ia);
	free(ib);
	return same;
}

size_t
peertab_npeers(const struct peertab *t)
{
	return t->npeers;
}

const struct peertab_peer *
peertab_peer(const struct peertab *t, size_t i)
{
	return i < t->npeers ? &t->peers[i] : NULL;
}

const char *
peertab_key(const struct peertab *t, size_t i)
{
	return i < t->npeers ? t->keys[i] : NULL;
}

size_t
peertab_nips(const struct peertab *t)
{
	return t->nips;
}

const struct peertab_ip *
peertab_ip(const struct peertab *t, size_t i)
{
	return i < t->nips ? &t->ips[i] : NULL;
}

static int
b64_value(unsigned char c)
{
	if (chars_is_upper(c))
		return c - 'A';
	if (chars_is_lower(c))
		return c - 'a' + 26;
	if (chars_is_digit(c))
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * RFC 4648 section 4: 32 bytes are 43 characters and one "=", and the
 * last character carries 2 bits of padding, which must be zero (so that
 * one key has one text).
 */
int
peertab_key_base64(const char *s, size_t n, uint8_t key[PEERTAB_KEY_LEN])
{
	uint8_t out[PEERTAB_KEY_LEN + 1];
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0, v;

	if (n != PEERTAB_B64_LEN || s[n - 1] != '=')
		return WGTAP_EFORMAT;
	for (i = 0; i < n - 1; i++) {
		v = b64_value((unsigned char)s[i]);
		if (v < 0)
			return WGTAP_EFORMAT;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (o != PEERTAB_KEY_LEN || (acc & ((1u << bits) - 1)) != 0)
		return WGTAP_EFORMAT;
	memcpy(key, out, PEERTAB_KEY_LEN);
	return WGTAP_OK;
}

int
peertab_key_hex(const char *s, size_t n, uint8_t key[PEERTAB_KEY_LEN])
{
	uint8_t out[PEERTAB_KEY_LEN];
	size_t i;

	if (n != 2 * PEERTAB_KEY_LEN)
		return WGTAP_EFORMAT;
	for (i = 0; i < n; i++)
		if (!chars_is_hex((unsigned char)s[i]))
			return WGTAP_EFORMAT;
	for (i = 0; i < PEERTAB_KEY_LEN; i++)
		out[i] = (uint8_t)(chars_hex_value((unsigned char)s[2 * i]) << 4 |
		    chars_hex_value((unsigned char)s[2 * i + 1]));
	memcpy(key, out, PEERTAB_KEY_LEN);
	return WGTAP_OK;
}

int
peertab_prefix(const char *s, size_t n, int *family, uint8_t addr[16],
    unsigned *plen)
{
	char text[INET6_ADDRSTRLEN];
	uint8_t a[16] = { 0 };
	const char *slash = memchr(s, '/', n);
	size_t alen, i;
	unsigned len = 0;
	int fam;

	if (!slash)
		return WGTAP_EFORMAT;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(text) || memchr(s, '\0', alen) ||
	    n - alen - 1 == 0 ||
	    n - alen - 1 > 3 || (slash[1] == '0' && n - alen - 1 > 1))
		return WGTAP_EFORMAT;
	for (i = alen + 1; i < n; i++) {
		if (!chars_is_digit((unsigned char)s[i]))
			return WGTAP_EFORMAT;
		len = len * 10 + (unsigned)(s[i] - '0');
	}
	memcpy(text, s, alen);
	text[alen] = '\0';
	if (inet_pton(AF_INET, text, a) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, text, a) == 1)
		fam = 6;
	else
		return WGTAP_EFORMAT;
	if (len > (fam == 4 ? 32u : 128u))
		return WGTAP_EFORMAT;
	*family = fam;
	memcpy(addr, a, 16);
	*plen = len;
	return WGTAP_OK;
}

/* ",IP/LEN" (no comma for the first) for every allowed-ip of peer p. */
static int
format_ips(const struct peertab *t, size_t p, struct dynbuf *out)
{
	char text[INET6_ADDRSTRLEN];
	bool first = true;
	size_t i;
	int r;

	for (i = 0; i < t->nips; i++) {
		const struct peertab_ip *ip = &t->ips[i];

		if (ip->peer != p)
			continue;
		inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->addr,
		    text, sizeof(text));
		r = dynbuf_printf(out, "%s%s/%u", first ? "" : ",", text,
		    ip->plen);
		if (r != WGTAP_OK)
			return r;
		first = false;
	}
	return first ? dynbuf_addstr(out, "(none)") : WGTAP_OK;
}

int
peertab_format(const struct peertab *t, struct dynbuf *out)
{
	size_t i;
	int r = WGTAP_OK;

	for (i = 0; i < t->npeers && r == WGTAP_OK; i++) {
		const struct peertab_peer *p = &t->peers[i];

		r = dynbuf_printf(out, "%s\t%s\t", t->keys[i],
		    p->endpoint[0] ? p->endpoint : "(none)");
		if (r == WGTAP_OK)
			r = format_ips(t, i, out);
		if (r == WGTAP_OK)
			r = dynbuf_addstr(out, "\n");
	}
	return r;
}
