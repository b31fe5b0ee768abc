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
		return peertab_lookup_cached(t, lc, row->family, row->dst);
	k = peertab_lookup_cached(t, lc, row->family, row->src);
	if (k[0] || dir == PKT_DIR_IN)
		return k;
	return peertab_lookup_cached(t, lc, row->family, row->dst);
}
