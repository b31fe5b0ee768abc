// SPDX-License-Identifier: MIT
/*
 * The first question of a DNS message as text (RFC 1035 sections 4.1.1,
 * 4.1.2, 4.1.4 and 5.1; RFC 3597 section 5 for unknown types; the IANA
 * "Domain Name System (DNS) Parameters" registry for the mnemonics).
 *
 * A name is read label by label; a compression pointer moves the read to
 * its target, at most DNSNAME_MAX_HOPS times, and the wire length of the
 * name (labels and length bytes, as if uncompressed) must stay within
 * 255 bytes, so neither a pointer loop nor a long chain can run away.
 */
#include <string.h>

#include "dnsname.h"

#define DNS_HDR_LEN	12
#define NAME_WIRE_MAX	255
#define LABEL_PTR	0xc0
#define LABEL_TYPE	0xc0

struct dns_type_name {
	uint16_t	 type;
	const char	*name;
};

/* Sorted by number; the IANA registry's mnemonics (255 as dig's "ANY"). */
static const struct dns_type_name type_names[] = {
	{ 1, "A" }, { 2, "NS" }, { 3, "MD" }, { 4, "MF" }, { 5, "CNAME" },
	{ 6, "SOA" }, { 7, "MB" }, { 8, "MG" }, { 9, "MR" }, { 10, "NULL" },
	{ 11, "WKS" }, { 12, "PTR" }, { 13, "HINFO" }, { 14, "MINFO" },
	{ 15, "MX" }, { 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" },
	{ 19, "X25" }, { 20, "ISDN" }, { 21, "RT" }, { 22, "NSAP" },
	{ 23, "NSAP-PTR" }, { 24, "SIG" }, { 25, "KEY" }, { 26, "PX" },
	{ 27, "GPOS" }, { 28, "AAAA" }, { 29, "LOC" }, { 30, "NXT" },
	{ 31, "EID" }, { 32, "NIMLOC" }, { 33, "SRV" }, { 34, "ATMA" },
	{ 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 38, "A6" },
	{ 39, "DNAME" }, { 40, "SINK" }, { 41, "OPT" }, { 42, "APL" },
	{ 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" },
	{ 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" },
	{ 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" },
	{ 56, "NINFO" }, { 57, "RKEY" }, { 58, "TALINK" }, { 59, "CDS" },
	{ 60, "CDNSKEY" }, { 61, "OPENPGPKEY" }, { 62, "CSYNC" },
	{ 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" },
	{ 100, "UINFO" }, { 101, "UID" }, { 102, "GID" }, { 103, "UNSPEC" },
	{ 104, "NID" }, { 105, "L32" }, { 106, "L64" }, { 107, "LP" },
	{ 108, "EUI48" }, { 109, "EUI64" }, { 249, "TKEY" }, { 250, "TSIG" },
	{ 251, "IXFR" }, { 252, "AXFR" }, { 253, "MAILB" }, { 254, "MAILA" },
	{ 255, "ANY" }, { 256, "URI" }, { 257, "CAA" }, { 258, "AVC" },
	{ 259, "DOA" }, { 260, "AMTRELAY" }, { 261, "RESINFO" },
	{ 32768, "TA" }, { 32769, "DLV" },
};

static const char *const rcode_names[16] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
	NULL, NULL, NULL, NULL,
};

const char *
dnsname_type_mnemonic(uint16_t type)
{
	size_t lo = 0, hi = sizeof(type_names) / sizeof(type_names[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (type_names[mid].type == type)
			return type_names[mid].name;
		if (type_names[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
dnsname_rcode_mnemonic(unsigned rcode)
{
	return rcode < 16 ? rcode_names[rcode] : NULL;
}

/* Decimal text of v (at most 5 digits) at out; returns its length. */
static size_t
put_dec(unsigned v, char *out)
{
	char tmp[5];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(tmp));
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* One label byte in presentation format; returns the characters written. */
static size_t
put_label_byte(uint8_t b, char *out)
{
	if (b == '.') {
		out[0] = '\\';
		out[1] = '.';
		return 2;
	}
	if (b < 0x21 || b > 0x7e || b == ',' || b == '"' || b == '\\') {
		out[0] = '\\';
		out[1] = (char)('0' + b / 100);
		out[2] = (char)('0' + b / 10 % 10);
		out[3] = (char)('0' + b % 10);
		return 4;
	}
	out[0] = (char)b;
	return 1;
}

size_t
dnsname_name(const uint8_t *m, size_t len, size_t off, char *out,
    size_t *end)
{
	size_t o = 0, wire = 0, pos = off;
	unsigned hops = 0;
	int jumped = 0;

	*end = 0;
	for (;;) {
		uint8_t l;
		size_t i;

		if (pos >= len)
			return 0;
		l = m[pos];
		if ((l & LABEL_TYPE) == LABEL_PTR) {
			if (pos + 1 >= len || ++hops > DNSNAME_MAX_HOPS)
				return 0;
			if (!jumped)
				*end = pos + 2;
			jumped = 1;
			pos = (size_t)(l & 0x3f) << 8 | m[pos + 1];
			continue;
		}
		if ((l & LABEL_TYPE) != 0)
			return 0;	/* 0x40, 0x80: extended or reserved */
		wire += (size_t)l + 1;
		if (wire > NAME_WIRE_MAX)
			return 0;
		if (l == 0)
			break;
		if (l > len - pos - 1)
			return 0;
		if (o)
			out[o++] = '.';
		for (i = 1; i <= l; i++)
			o += put_label_byte(m[pos + i], out + o);
		pos += (size_t)l + 1;
	}
	if (!jumped)
		*end = pos + 1;
	if (o == 0)
		out[o++] = '.';
	return o;
}

static size_t
put_code(const char *mnemonic, const char *prefix, unsigned v, char *out)
{
	size_t n;

	if (mnemonic) {
		n = strlen(mnemonic);
		memcpy(out, mnemonic, n);
		return n;
	}
	n = strlen(prefix);
	memcpy(out, prefix, n);
	return n + put_dec(v, out + n);
}

void
dnsname_question(const uint8_t *m, size_t len, struct dnsname_q *q)
{
	size_t end;
	uint16_t qd, type;

	q->name_len = q->type_len = q->rcode_len = 0;
	if (!m || len < DNS_HDR_LEN)
		return;
	if (m[2] & 0x80) {
		unsigned rc = m[3] & 0x0f;

		q->rcode_len = put_code(dnsname_rcode_mnemonic(rc), "RCODE",
		    rc, q->rcode);
	}
	qd = (uint16_t)(m[4] << 8 | m[5]);
	if (qd == 0)
		return;
	q->name_len = dnsname_name(m, len, DNS_HDR_LEN, q->name, &end);
	if (q->name_len == 0 || end + 2 > len)
		return;
	type = (uint16_t)(m[end] << 8 | m[end + 1]);
	q->type_len = put_code(dnsname_type_mnemonic(type), "TYPE", type,
	    q->type);
}
