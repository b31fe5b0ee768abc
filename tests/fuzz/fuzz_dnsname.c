// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for common/dnsname.c: the first question of any bytes
 * taken as a DNS message. Each field must fit its bound and hold only
 * printable ASCII other than ',' and '"' (it is never quoted in a row).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_field(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n > max)
		abort();
	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',' || s[i] == '"')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsname_q q;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);	/* exactly size bytes, for ASan */
	dnsname_question(copy, size, &q);
	check_field(q.name, q.name_len, DNSNAME_TEXT_MAX);
	check_field(q.type, q.type_len, DNSNAME_TYPE_MAX);
	check_field(q.rcode, q.rcode_len, DNSNAME_RCODE_MAX);
	if (q.type_len && !q.name_len)
		abort();
	free(copy);
	return 0;
}
