/* SPDX-License-Identifier: MIT */
/*
 * The DNS columns of format v2: the first question of a DNS message
 * (RFC 1035 section 4.1.2) as text. The message is untrusted bytes: every
 * read is bounds-checked, compression pointers are followed a bounded
 * number of times, and nothing here allocates, logs or does I/O.
 */
#ifndef WGTAP_DNSNAME_H
#define WGTAP_DNSNAME_H

#include <stddef.h>
#include <stdint.h>

/*
 * The longest name text: a name is at most 255 bytes on the wire, so at
 * most 254 bytes of labels and their length bytes; each label byte takes
 * at most 4 characters (\DDD) and each length byte at most 1 (a dot).
 */
#define DNSNAME_TEXT_MAX	(4 * 254)
/* The longest qtype text ("NSEC3PARAM", "TYPE65535") and rcode text. */
#define DNSNAME_TYPE_MAX	10
#define DNSNAME_RCODE_MAX	9
/* Compression pointers followed in one name before it is refused. */
#define DNSNAME_MAX_HOPS	32

/* The first question of a message, as the three v2 fields. */
struct dnsname_q {
	char	name[DNSNAME_TEXT_MAX];	/* not NUL-terminated */
	size_t	name_len;		/* 0: no name (empty field) */
	char	type[DNSNAME_TYPE_MAX];
	size_t	type_len;		/* 0: no type */
	char	rcode[DNSNAME_RCODE_MAX];
	size_t	rcode_len;		/* 0: a query, or no header */
};

/*
 * Decode the first question of the message m[0..len). The name is in
 * presentation format (RFC 1035 section 5.1) without the final dot, "."
 * for the root: a byte of a label outside 0x21..0x7e, and also ',', '"'
 * and '\', is written \DDD (three decimal digits), a '.' inside a label
 * is written "\.", so the text never needs CSV quoting. A name that does
 * not parse (cut off, a label type other than 0 or 3 << 6, a pointer
 * outside the message, more than DNSNAME_MAX_HOPS pointers, longer than
 * 255 bytes) leaves every question field empty. The type is its mnemonic
 * or "TYPE" and the number (RFC 3597); the rcode, for responses (QR set)
 * only, the header's RCODE as its mnemonic or "RCODE" and the number.
 * Fields that cannot be decoded are left empty; never reads outside m.
 */
void dnsname_question(const uint8_t *m, size_t len, struct dnsname_q *q);

/*
 * The presentation text of the (possibly compressed) name at offset off
 * of m[0..len), at out (room for DNSNAME_TEXT_MAX bytes, no NUL), and its
 * length; *end is set to the offset just past the name where it starts
 * (past the first pointer if any). Returns 0 when it does not parse.
 */
size_t dnsname_name(const uint8_t *m, size_t len, size_t off, char *out,
    size_t *end);

/* The mnemonic of a type (A, AAAA, HTTPS...) or NULL. */
const char *dnsname_type_mnemonic(uint16_t type);

/* The mnemonic of a 4-bit header RCODE (NOERROR, NXDOMAIN...) or NULL. */
const char *dnsname_rcode_mnemonic(unsigned rcode);

#endif
