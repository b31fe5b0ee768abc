// SPDX-License-Identifier: MIT
/*
 * Peer attribution (attrib.h). No peer table yet: every row's peer is
 * empty.
 */
#include "attrib.h"

const char *
attrib_peer(const struct capture *c, const struct pkt_row *row,
    enum pkt_dir dir)
{
	(void)c;
	(void)row;
	(void)dir;
	return "";
}
