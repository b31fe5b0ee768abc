// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the text parsers: segment names (final, temporary
 * and recovery's copies) and the flag values (integers, sizes, durations).
 * A name that parses must format back to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"
#include "spool.h"
#include "wgtap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[SPOOL_MAX_NAME];
	struct spool_name n;
	uint64_t v;
	char *s;

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (spool_name_parse(s, &n) == WGTAP_OK) {
		if (spool_name_format(&n, buf) != WGTAP_OK ||
		    strcmp(buf, s) != 0)
			abort();
	}
	if (spool_name_parse_temp(s, &n) == WGTAP_OK) {
		if (spool_name_format_temp(&n, buf) != WGTAP_OK ||
		    strcmp(buf, s) != 0)
			abort();
	}
	if (spool_name_parse_recovery(s, &n) == WGTAP_OK) {
		if (spool_name_format_recovery(&n, buf) != WGTAP_OK ||
		    strcmp(buf, s) != 0)
			abort();
	}
	(void)spool_iface_ok(s);
	(void)opt_u64(s, 0, UINT64_MAX, &v);
	(void)opt_size(s, UINT64_MAX, &v);
	(void)opt_duration(s, 's', UINT64_MAX, &v);
	(void)opt_duration(s, 'm', 3600ULL * 1000000000ULL, &v);
	free(s);
	return 0;
}
