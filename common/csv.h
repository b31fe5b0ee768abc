/* SPDX-License-Identifier: MIT */
/*
 * CSV format v1 (SPEC section 1): the header line and one row per packet,
 * RFC 4180 with "\n" endings. No field can hold a comma, quote or newline
 * (addresses, numbers, protocol names and base64 only), so no field is
 * ever quoted. Nothing here allocates or does I/O.
 */
#ifndef WGTAP_CSV_H
#define WGTAP_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

#define CSV_HEADER "src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns\n"
#define CSV_HEADER_LEN (sizeof(CSV_HEADER) - 1)
#define CSV_FIELDS 8

/* Base64 length (with padding) of n bytes. */
#define CSV_B64_LEN(n) ((((n) + 2) / 3) * 4)

/*
 * The longest row: two IPv6 texts (INET6_ADDRSTRLEN), two ports, a
 * protocol, size and timestamp, base64 of a 65535-byte DNS message, seven
 * commas and the newline.
 */
#define CSV_ROW_MAX (2 * 46 + 2 * 5 + 7 + 10 + 20 + CSV_B64_LEN(65535) + 8)

/*
 * Write the row for r at buf, which has room for CSV_ROW_MAX bytes, and
 * return its length (newline included; no NUL is written). A DNS message
 * longer than 65535 bytes (impossible on the wire) is left out.
 */
size_t csv_format_row(const struct pkt_row *r, char *buf);

/*
 * Standard base64 with padding of n bytes at in, written to out, which has
 * room for CSV_B64_LEN(n) bytes; returns that length. No NUL is written.
 */
size_t csv_base64(const uint8_t *in, size_t n, char *out);

/* Decimal text of v at buf (room for 20 bytes); returns its length. */
size_t csv_u64(uint64_t v, char *buf);

/*
 * Check that line[0..len) (without its newline) has the shape of a v1 row:
 * exactly CSV_FIELDS fields, printable ASCII only. Returns 1 or 0. Used to
 * tell torn rows from real ones when a segment is recovered.
 */
int csv_row_plausible(const char *line, size_t len);

#endif
