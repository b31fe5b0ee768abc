// SPDX-License-Identifier: MIT
/*
 * Peer attribution (attrib.h): the remote side of a packet looked up in
 * the capture's current peer table (peertab.c) by longest prefix. The
 * remote side is the source of a packet that came in from a peer and the
 * destination of one sent to a peer. Without a direction (a capture file
 * whose link type does not carry one) the source is tried first, then
 * the destination: a packet from a peer has the peer's address as its
 * source, and one to a peer normally comes from the gateway, whose own
 * addresses are no peer's. Lookups go through the capture's cache of
 * recent answers (common/lpmcache.h), which a new table empties.
 *
 * A lookup returns where the key is without reading it; the key is read
 * when the row gets to its peer column, after the eight of format v1, so
 * its cache line is fetched ahead (a hint; a key is 44 bytes of one
 * line). At a few tens of thousands of packets a second the caches are
 * cold between packets, and 1,000 peers' keys are 64 kB.
 */
#include "attrib.h"
#include "capture.h"
#include "peertab.h"

const char *
attrib_peer(struct capture *c, const struct pkt_row *row, enum pkt_dir dir)
{
	const struct peertab *t = c ? c->peers : NULL;
	struct lpm_cache *lc;
	const char *k;

	if (!t)
		return "";
	lc = &c->peer_cache;
	if (dir == PKT_DIR_OUT)
		k = peertab_lookup_cached(t, lc, row->family, row->dst);
	else {
		k = peertab_lookup_cached(t, lc, row->family, row->src);
		if (!k[0] && dir != PKT_DIR_IN)
			k = peertab_lookup_cached(t, lc, row->family,
			    row->dst);
	}
	/*
	 * The row's other columns are formatted before this one: the
	 * key's line (peertab.h: one line a key) arrives meanwhile.
	 */
	__builtin_prefetch(k);
	return k;
}
