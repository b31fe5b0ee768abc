// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the `wg show IFACE dump` parser
 * (wgtap-capture/wgdump.c): any bytes as a --peers file. A parse that
 * succeeds gives 44-character keys and prefixes within their family's
 * length, each of which finds a peer; a failure names a line within the
 * input and leaves no table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wgdump.h"
#include "wgtap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct peertab *t;
	size_t i, line, lines = 1;
	int r;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	r = wgdump_parse((const char *)data, size, &t, &line);
	if (r != WGTAP_OK) {
		if (t || line < 1 || line > lines ||
		    (r != WGTAP_EFORMAT && r != WGTAP_ETOOBIG))
			abort();
		return 0;
	}
	for (i = 0; i < peertab_npeers(t); i++)
		if (strlen(peertab_key(t, i)) != PEERTAB_B64_LEN)
			abort();
	for (i = 0; i < peertab_nips(t); i++) {
		const struct peertab_ip *ip = peertab_ip(t, i);

		if (ip->plen > (ip->family == 4 ? 32 : 128) ||
		    ip->peer >= peertab_npeers(t) ||
		    !peertab_lookup(t, ip->family, ip->addr)[0])
			abort();
	}
	peertab_free(t);
	return 0;
}
