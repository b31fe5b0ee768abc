/* SPDX-License-Identifier: MIT */
/*
 * Peer attribution for format v2: the one place where a row learns the
 * WireGuard peer it belongs to. Until a peer table is wired in, no packet
 * has a peer, and the peer field is empty.
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
 * as configured when it was captured. "" when no peer matches (and for
 * now always). Never NULL; the text must stay valid until the next call.
 * Called once per row, on the capture's own thread.
 */
const char *attrib_peer(const struct capture *c, const struct pkt_row *row,
    enum pkt_dir dir);

#endif
