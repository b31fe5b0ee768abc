/* SPDX-License-Identifier: MIT */
/*
 * Peer attribution for format v2: the one place where a row learns the
 * WireGuard peer it belongs to, from the capture's current peer table
 * (the live interface's, or --peers with -r).
 */
#ifndef WGTAP_ATTRIB_H
#define WGTAP_ATTRIB_H

#include "pkt.h"

struct capture;

/*
 * The public key (standard base64, 44 characters) of the peer of the
 * packet decoded into *row, going the way dir says: the peer whose
 * allowed-ips hold the packet's remote-side address (the source of an
 * "in" packet, the destination of an "out" one) by longest-prefix match,
 * as configured when it was captured. Without a direction (PKT_DIR_NONE)
 * the source's peer, else the destination's. "" when no peer matches, or
 * c is NULL or has no table. Never NULL; the text belongs to the table.
 * Called once per row, on the capture's own thread: it keeps recent
 * answers in c->peer_cache.
 */
const char *attrib_peer(struct capture *c, const struct pkt_row *row,
    enum pkt_dir dir);

#endif
