/* SPDX-License-Identifier: MIT */
/*
 * CSV formats v1 (SPEC section 1) and v2 (v1's eight columns and five
 * more: peer, direction and the DNS question): the header line and one
 * row per packet, RFC 4180 with "\n" endings. No field can hold a comma,
 * quote or newline (addresses, numbers, protocol names, base64, and DNS
 * names with RFC 1035 escapes), so no field is ever quoted. Nothing here
 * allocates or does I/O.
 */
#ifndef WGTAP_CSV_H
#define WGTAP_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "dnsname.h"
#include "pkt.h"

enum csv_format {
	CSV_V1 = 1,
	CSV_V2 = 2,
};

#define CSV_HEADER "src,src_port,dst,dst_port,l3_protocol,size,timestamp,dns\n"
#define CSV_HEADER_LEN (sizeof(CSV_HEADER) - 1)
#define CSV_FIELDS 8

#define CSV_HEADER_V2 "src,src_port,dst,dst_port,l3_protocol,size,timestamp," \
	"dns,peer,direction,dns_qname,dns_qtype,dns_rcode\n"
#define CSV_HEADER_V2_LEN (sizeof(CSV_HEADER_V2) - 1)
#define CSV_FIELDS_V2 13
/* A WireGuard public key: 32 bytes in standard base64. */
#define CSV_PEER_MAX 44

/* Base64 length (with padding) of n bytes. */
#define CSV_B64_LEN(n) ((((n) + 2) / 3) * 4)

/*
 * The longest row: two IPv6 texts (INET6_ADDRSTRLEN), two ports, a
 * protocol, size and timestamp, base64 of a 65535-byte DNS message, seven
 * commas and the newline.
 */
#define CSV_ROW_MAX (2 * 46 + 2 * 5 + 7 + 10 + 20 + CSV_B64_LEN(65535) + 8)

/* The longest v2 row: a v1 row, five commas, a key, "out", the question. */
#define CSV_ROW_MAX_V2 (CSV_ROW_MAX + 5 + CSV_PEER_MAX + 3 + \
	DNSNAME_TEXT_MAX + DNSNAME_TYPE_MAX + DNSNAME_RCODE_MAX)

/* The longest row of format f whose DNS message is dns_len bytes. */
#define CSV_ROW_BOUND(f, dns_len) \
	(((f) == CSV_V2 ? CSV_ROW_MAX_V2 : CSV_ROW_MAX) - \
	CSV_B64_LEN(65535) + CSV_B64_LEN(dns_len))

/*
 * Write the row for r at buf, which has room for CSV_ROW_MAX bytes, and
 * return its length (newline included; no NUL is written). A DNS message
 * longer than 65535 bytes (impossible on the wire) is left out.
 */
size_t csv_format_row(const struct pkt_row *r, char *buf);

/*
 * The v2 row for r at buf (room for CSV_ROW_MAX_V2 bytes): the v1 fields,
 * then the peer (empty when r->peer is NULL or "", else its first
 * CSV_PEER_MAX characters, copied as they are: r->peer must then be a
 * key as csv_base64() renders 32 bytes, which the peer table made and
 * checked once), the direction ("in", "out" or empty)
 * and, when the dns field is filled, the first question's name, type and
 * (for a response) rcode as dnsname_question() gives them. Returns the
 * length, newline included; no NUL is written.
 */
size_t csv_format_row_v2(const struct pkt_row *r, char *buf);

/* The header line of format f (with its newline); *len is its length. */
const char *csv_header(enum csv_format f, size_t *len);

/*
 * The format whose header is line[0..len) (newline included), or 0 when
 * it is neither header.
 */
int csv_header_format(const char *line, size_t len);

/*
 * Standard base64 with padding of n bytes at in, written to out, which has
 * room for CSV_B64_LEN(n) bytes; returns that length. No NUL is written.
 */
size_t csv_base64(const uint8_t *in, size_t n, char *out);

/* Decimal text of v at buf (room for 20 bytes); returns its length. */
size_t csv_u64(uint64_t v, char *buf);

/*
 * The dotted-quad text of the IPv4 address a at buf (room for 15 bytes),
 * as inet_ntop() writes it; returns its length. No NUL is written.
 */
size_t csv_ipv4(const uint8_t a[4], char *buf);

/*
 * The RFC 5952 text of the IPv6 address a at buf (room for 45 bytes),
 * byte for byte what glibc's inet_ntop() writes; returns its length. No
 * NUL is written.
 */
size_t csv_ipv6(const uint8_t a[16], char *buf);

/*
 * Check that line[0..len) (without its newline) has the shape of a row of
 * format f: exactly CSV_FIELDS (v1) or CSV_FIELDS_V2 (v2) fields,
 * printable ASCII without quotes only. Returns 1 or 0. Used to tell torn
 * rows from real ones when a segment is recovered.
 */
int csv_row_plausible(const char *line, size_t len, enum csv_format f);

#endif
