// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the packet decoder: the first byte picks one of the
 * supported link types, the rest is the captured packet. Every row that
 * comes out must be one line of exactly eight fields (v1) or thirteen
 * (v2), printable ASCII without quotes: a row recovery would keep. Its
 * addresses must read as inet_ntop() writes them.
 */
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "pkt.h"

static const int dlts[] = {
	DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP, DLT_LINUX_SLL,
	DLT_LINUX_SLL2, DLT_EN10MB,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_row(const char *row, size_t len, size_t max, enum csv_format f)
{
	if (len == 0 || len > max || row[len - 1] != '\n')
		abort();
	if (!csv_row_plausible(row, len - 1, f))
		abort();
}

/* The row starts with the source address, as inet_ntop() writes it. */
static void
check_src(const struct pkt_row *r, const char *row)
{
	char want[INET6_ADDRSTRLEN];
	size_t n;

	if (!inet_ntop(r->family == 4 ? AF_INET : AF_INET6, r->src, want,
	    sizeof(want)))
		abort();
	n = strlen(want);
	if (memcmp(row, want, n) != 0 || row[n] != ',')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char row[CSV_ROW_MAX_V2];
	struct pkt_row r;
	uint8_t *copy;
	size_t len, i, commas = 0;
	int dlt;

	if (size < 1)
		return 0;
	dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	/* an exact-size heap copy, so ASan sees any read past the end */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (pkt_parse(dlt, copy, size - 1, (uint32_t)size, 1, &r) == PKT_ROW) {
		len = csv_format_row(&r, row);
		if (len == 0 || len > CSV_ROW_MAX || row[len - 1] != '\n')
			abort();
		for (i = 0; i < len - 1; i++) {
			if (row[i] == '\n' || row[i] == '"')
				abort();
			commas += row[i] == ',';
		}
		if (commas != CSV_FIELDS - 1)
			abort();
		check_src(&r, row);
		r.peer = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
		len = csv_format_row_v2(&r, row);
		check_row(row, len, CSV_ROW_MAX_V2, CSV_V2);
	}
	free(copy);
	return 0;
}
