// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the UAPI get=1 reply parser (wgtap-capture/uapi.c):
 * any bytes a userspace WireGuard's socket may send. A parse that
 * succeeds gives 44-character keys and prefixes that find a peer; a
 * failure leaves no table and names a line within the input (or sets an
 * errno the reply gave). The reply's digest is taken too: it reads no
 * byte past the input, counts at most one line per newline and one more,
 * and is the same when taken twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uapi.h"
#include "wgtap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tabdigest d1, d2;
	struct peertab *t;
	size_t i, line, lines = 1;
	int r;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	uapi_digest((const char *)data, size, &d1);
	uapi_digest((const char *)data, size, &d2);
	if (d1.items > lines || !tabdigest_same(&d1, &d2) || d1.valid ||
	    d1.source != TABDIGEST_UAPI)
		abort();
	r = uapi_parse((const char *)data, size, &t, &line);
	if (r != WGTAP_OK) {
		if (t || (r == WGTAP_EFORMAT && (line < 1 || line > lines)) ||
		    (r != WGTAP_EFORMAT && r != WGTAP_ESYS &&
		    r != WGTAP_ETOOBIG))
			abort();
		return 0;
	}
	(void)uapi_reply_complete((const char *)data, size);
	for (i = 0; i < peertab_npeers(t); i++)
		if (strlen(peertab_key(t, i)) != PEERTAB_B64_LEN)
			abort();
	for (i = 0; i < peertab_nips(t); i++) {
		const struct peertab_ip *ip = peertab_ip(t, i);

		if (!peertab_lookup(t, ip->family, ip->addr)[0])
			abort();
	}
	peertab_free(t);
	return 0;
}
