// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the generic netlink parsers (wgtap-capture/wgnl.c):
 * any bytes as the kernel's reply to WG_CMD_GET_DEVICE (family 0x1d,
 * sequence 2), fed in two pieces split where the first byte says, and as
 * the reply to CTRL_CMD_GETFAMILY. A table that comes out has 44-character
 * keys and prefixes that find a peer. The same pieces fed to a dump that
 * only digests: when the table came out, so does the same digest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wgnl.h"
#include "wgtap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgnl_dump d, g;
	size_t i, cut;
	uint16_t id;
	int r, rg;

	(void)wgnl_parse_family(data, size, 1, &id);
	if (size == 0)
		return 0;
	cut = 1 + (size_t)data[0] * 4;
	if (cut > size)
		cut = size;
	if (wgnl_dump_init(&d, 0x1d, 2, true) != WGTAP_OK ||
	    wgnl_dump_init(&g, 0x1d, 2, false) != WGTAP_OK || g.t)
		abort();
	r = wgnl_dump_feed(&d, data + 1, cut - 1);
	if (r == WGTAP_OK)
		r = wgnl_dump_feed(&d, data + cut, size - cut);
	if (r != WGTAP_OK && r != WGTAP_EFORMAT && r != WGTAP_ESYS &&
	    r != WGTAP_ETOOBIG)
		abort();
	rg = wgnl_dump_feed(&g, data + 1, cut - 1);
	if (rg == WGTAP_OK)
		rg = wgnl_dump_feed(&g, data + cut, size - cut);
	if (r == WGTAP_OK && (rg != WGTAP_OK || g.done != d.done ||
	    !tabdigest_same(&g.dg, &d.dg)))
		abort();
	wgnl_dump_free(&g);
	for (i = 0; i < peertab_npeers(d.t); i++)
		if (strlen(peertab_key(d.t, i)) != PEERTAB_B64_LEN)
			abort();
	for (i = 0; i < peertab_nips(d.t); i++) {
		const struct peertab_ip *ip = peertab_ip(d.t, i);

		if (!peertab_lookup(d.t, ip->family, ip->addr)[0])
			abort();
	}
	wgnl_dump_free(&d);
	return 0;
}
