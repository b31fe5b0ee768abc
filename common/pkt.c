// SPDX-License-Identifier: MIT
/*
 * Packet decoder: link layer, IPv4 (RFC 791) or IPv6 (RFC 8200) with its
 * extension-header walk, transport ports, and the DNS rule (RFC 1035
 * section 4.1.1 header; section 4.2.2 for the TCP length prefix); and the
 * range check of the capture time.
 *
 * Packet bytes are read only through struct pkt_cur. A failed read leaves
 * the cursor where it was, so a header cut short simply yields fewer
 * fields: addresses without ports, ports without DNS. The cursor is
 * narrowed to the lengths the headers declare (IHL, total length, payload
 * length, UDP length), so trailing padding is never parsed as payload.
 */
#include <pcap/dlt.h>
#include <string.h>

#include "pkt.h"
#include "wgtap.h"

#define IPPROTO_HOPOPTS_	0
#define IPPROTO_ICMP_		1
#define IPPROTO_IGMP_		2
#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17
#define IPPROTO_DCCP_		33
#define IPPROTO_ROUTING_	43
#define IPPROTO_FRAGMENT_	44
#define IPPROTO_GRE_		47
#define IPPROTO_ESP_		50
#define IPPROTO_AH_		51
#define IPPROTO_ICMPV6_		58
#define IPPROTO_DSTOPTS_	60
#define IPPROTO_SCTP_		132
#define IPPROTO_UDPLITE_	136

#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_IPV6		0x86dd
#define SLL_HDR_LEN		16
#define SLL2_HDR_LEN		20
#define NULL_HDR_LEN		4
/* Linux packet types (<linux/if_packet.h>) */
#define PACKET_OTHERHOST_	3
#define PACKET_OUTGOING_	4

#define NS_PER_S		1000000000ULL
/* The last second whose nanoseconds fit an int64_t: 2262-04-11. */
#define MAX_EPOCH_S	((INT64_MAX - (int64_t)(NS_PER_S - 1)) / \
	(int64_t)NS_PER_S)

#define DNS_PORT		53
#define DNS_HDR_LEN		12
#define DNS_MIN_QUESTION	5	/* root name (1) + type (2) + class (2) */
#define DNS_MIN_RR		11	/* root name, type, class, ttl, rdlength */

/* --- the cursor ---------------------------------------------------------- */

static int
pkt_get_u8(struct pkt_cur *c, uint8_t *v)
{
	if (c->left < 1)
		return WGTAP_ETRUNC;
	*v = c->p[0];
	c->p++;
	c->left--;
	return WGTAP_OK;
}

static int
pkt_get_be16(struct pkt_cur *c, uint16_t *v)
{
	if (c->left < 2)
		return WGTAP_ETRUNC;	/* cursor unchanged */
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return WGTAP_OK;
}

static int
pkt_get_be32(struct pkt_cur *c, uint32_t *v)
{
	if (c->left < 4)
		return WGTAP_ETRUNC;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	    (uint32_t)c->p[2] << 8 | (uint32_t)c->p[3];
	c->p += 4;
	c->left -= 4;
	return WGTAP_OK;
}

static int
pkt_get_bytes(struct pkt_cur *c, void *dst, size_t n)
{
	if (c->left < n)
		return WGTAP_ETRUNC;
	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
	return WGTAP_OK;
}

static int
pkt_skip(struct pkt_cur *c, size_t n)
{
	if (c->left < n)
		return WGTAP_ETRUNC;
	c->p += n;
	c->left -= n;
	return WGTAP_OK;
}

/*
 * Narrow c to at most n bytes: what a header declares may be more than was
 * captured (snaplen) or less (padding after the packet).
 */
static void
pkt_clamp(struct pkt_cur *c, size_t n)
{
	if (c->left > n)
		c->left = n;
}

/*
 * The direction of a packet from its Linux packet type: the ones received
 * (host, broadcast, multicast, other host) are in, PACKET_OUTGOING is out;
 * anything else (loopback, user, kernel) says nothing.
 */
static uint8_t
sll_dir(unsigned pkttype)
{
	if (pkttype <= PACKET_OTHERHOST_)
		return PKT_DIR_IN;
	if (pkttype == PACKET_OUTGOING_)
		return PKT_DIR_OUT;
	return PKT_DIR_NONE;
}

/* --- names ------------------------------------------------------------- */

bool
pkt_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
		return true;
	}
	return false;
}

const char *
pkt_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP_:
		return "TCP";
	case IPPROTO_UDP_:
		return "UDP";
	case IPPROTO_ICMP_:
		return "ICMP";
	case IPPROTO_ICMPV6_:
		return "ICMPv6";
	case IPPROTO_IGMP_:
		return "IGMP";
	case IPPROTO_GRE_:
		return "GRE";
	case IPPROTO_ESP_:
		return "ESP";
	case IPPROTO_AH_:
		return "AH";
	case IPPROTO_SCTP_:
		return "SCTP";
	case IPPROTO_UDPLITE_:
		return "UDPLite";
	case IPPROTO_DCCP_:
		return "DCCP";
	}
	return NULL;
}

const char *
pkt_status_name(enum pkt_status st)
{
	switch (st) {
	case PKT_ROW:
		return "rows";
	case PKT_SKIP_NOT_IP:
		return "not_ip";
	case PKT_SKIP_LINK_TRUNC:
		return "link_truncated";
	case PKT_SKIP_BAD_VERSION:
		return "bad_version";
	case PKT_SKIP_TRUNC:
		return "ip_truncated";
	case PKT_SKIP_BAD_HLEN:
		return "bad_header_length";
	case PKT_SKIP_BAD_LEN:
		return "bad_total_length";
	case PKT_SKIP_BAD_TIME:
		return "bad_timestamp";
	case PKT_NSTATUS:
		break;
	}
	return "unknown";
}

/* --- time ----------------------------------------------------------------- */

enum pkt_status
pkt_time_ns(int64_t sec, int64_t frac, bool nano, uint64_t *ns)
{
	int64_t per_s = nano ? (int64_t)NS_PER_S : 1000000;

	*ns = 0;
	if (sec < 0 || sec > MAX_EPOCH_S || frac < 0 || frac >= per_s)
		return PKT_SKIP_BAD_TIME;
	*ns = (uint64_t)sec * NS_PER_S + (uint64_t)(nano ? frac : frac * 1000);
	return PKT_ROW;
}

/* --- transport ------------------------------------------------------------ */

static bool
has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_ ||
	    proto == IPPROTO_UDPLITE_ || proto == IPPROTO_SCTP_ ||
	    proto == IPPROTO_DCCP_;
}

/*
 * The DNS plausibility rule of SPEC section 1: a 12-byte header whose
 * section counts could fit in the message (RFC 1035 4.1.1; each question
 * takes at least 5 bytes, each resource record at least 11).
 */
static bool
dns_plausible(const uint8_t *m, size_t len)
{
	uint64_t need;
	uint16_t qd, an, ns, ar;

	if (len < DNS_HDR_LEN)
		return false;
	qd = (uint16_t)(m[4] << 8 | m[5]);
	an = (uint16_t)(m[6] << 8 | m[7]);
	ns = (uint16_t)(m[8] << 8 | m[9]);
	ar = (uint16_t)(m[10] << 8 | m[11]);
	need = DNS_HDR_LEN + (uint64_t)qd * DNS_MIN_QUESTION +
	    ((uint64_t)an + ns + ar) * DNS_MIN_RR;
	return need <= len;
}

static void
dns_udp(struct pkt_cur *c, struct pkt_row *row)
{
	if (dns_plausible(c->p, c->left)) {
		row->dns = c->p;
		row->dns_len = c->left;
	}
}

/* RFC 1035 4.2.2: over TCP each message follows a 2-byte length. */
static void
dns_tcp(struct pkt_cur *c, struct pkt_row *row)
{
	uint16_t mlen;

	if (pkt_get_be16(c, &mlen) != WGTAP_OK || mlen < DNS_HDR_LEN)
		return;
	pkt_clamp(c, mlen);	/* a second message may follow */
	dns_udp(c, row);
}

/*
 * Ports, and the DNS message where the rule applies. c starts at the
 * transport header of a first (or only) fragment.
 */
static void
parse_transport(struct pkt_cur *c, struct pkt_row *row)
{
	struct pkt_cur t = *c;
	uint16_t sport, dport, ulen;
	uint8_t off;
	bool dns;

	if (!has_ports(row->proto))
		return;
	if (pkt_get_be16(&t, &sport) != WGTAP_OK ||
	    pkt_get_be16(&t, &dport) != WGTAP_OK)
		return;
	row->has_ports = true;
	row->sport = sport;
	row->dport = dport;
	dns = sport == DNS_PORT || dport == DNS_PORT;
	if (!dns)
		return;
	if (row->proto == IPPROTO_UDP_) {
		/* RFC 768: the length covers the 8-byte header and data. */
		if (pkt_get_be16(&t, &ulen) != WGTAP_OK || ulen < 8 ||
		    pkt_skip(&t, 2) != WGTAP_OK)
			return;
		pkt_clamp(&t, (size_t)ulen - 8);
		dns_udp(&t, row);
	} else if (row->proto == IPPROTO_TCP_) {
		/* RFC 9293 3.1: data offset in 32-bit words, at least 5. */
		if (pkt_skip(&t, 8) != WGTAP_OK ||
		    pkt_get_u8(&t, &off) != WGTAP_OK)
			return;
		off >>= 4;
		t = *c;
		if (off < 5 || pkt_skip(&t, (size_t)off * 4) != WGTAP_OK)
			return;
		dns_tcp(&t, row);
	}
}

/* --- IP ------------------------------------------------------------------- */

/* RFC 791 section 3.1. */
static enum pkt_status
parse_ipv4(struct pkt_cur *c, struct pkt_row *row)
{
	struct pkt_cur ip = *c;
	uint16_t tot_len, frag;
	uint8_t vihl, proto;
	size_t hlen;

	if (ip.left < 20)
		return (ip.left >= 1 && (ip.p[0] >> 4) != 4) ?
		    PKT_SKIP_BAD_VERSION : PKT_SKIP_TRUNC;
	pkt_get_u8(&ip, &vihl);
	if ((vihl >> 4) != 4)
		return PKT_SKIP_BAD_VERSION;
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < 20)
		return PKT_SKIP_BAD_HLEN;
	pkt_skip(&ip, 1);		/* type of service */
	pkt_get_be16(&ip, &tot_len);
	pkt_skip(&ip, 2);		/* identification */
	pkt_get_be16(&ip, &frag);
	pkt_skip(&ip, 1);		/* time to live */
	pkt_get_u8(&ip, &proto);
	pkt_skip(&ip, 2);		/* header checksum */
	pkt_get_bytes(&ip, row->src, 4);
	pkt_get_bytes(&ip, row->dst, 4);
	/*
	 * A total length of 0 is what Linux shows for a TSO/GSO super-packet
	 * captured before segmentation: then the captured bytes are the
	 * packet. Otherwise the header must fit inside the total length.
	 */
	if (tot_len != 0 && tot_len < hlen)
		return PKT_SKIP_BAD_LEN;
	row->family = 4;
	row->proto = proto;
	ip = *c;
	if (tot_len != 0)
		pkt_clamp(&ip, tot_len);
	/* Options cut off: addresses without ports. */
	if (pkt_skip(&ip, hlen) != WGTAP_OK)
		return PKT_ROW;
	/* A later fragment (offset != 0) carries no transport header. */
	if ((frag & 0x1fff) == 0)
		parse_transport(&ip, row);
	return PKT_ROW;
}

/* RFC 8200 sections 3 and 4. */
static enum pkt_status
parse_ipv6(struct pkt_cur *c, struct pkt_row *row)
{
	struct pkt_cur ip = *c;
	uint32_t vtcfl;
	uint16_t plen, frag;
	uint8_t nxt, hdr[2];

	if (ip.left < 40)
		return (ip.left >= 1 && (ip.p[0] >> 4) != 6) ?
		    PKT_SKIP_BAD_VERSION : PKT_SKIP_TRUNC;
	pkt_get_be32(&ip, &vtcfl);
	if ((vtcfl >> 28) != 6)
		return PKT_SKIP_BAD_VERSION;
	pkt_get_be16(&ip, &plen);
	pkt_get_u8(&ip, &nxt);
	pkt_skip(&ip, 1);		/* hop limit */
	pkt_get_bytes(&ip, row->src, 16);
	pkt_get_bytes(&ip, row->dst, 16);
	row->family = 6;
	/* 0: a jumbogram (RFC 2675) or a GSO packet; trust what was captured. */
	if (plen != 0)
		pkt_clamp(&ip, plen);
	/*
	 * Walk hop-by-hop, routing, fragment and destination-options headers
	 * (RFC 8200 4.1). Each is checked against the bytes left before the
	 * walk moves past it; a header cut off ends the walk with its own
	 * number as the protocol and no ports. RFC 8200 sets no limit on
	 * their number, and neither does SPEC: each step moves past at least
	 * 8 captured bytes, so the captured length bounds the walk.
	 */
	for (;;) {
		struct pkt_cur h = ip;

		switch (nxt) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
			/* next header, length in 8-octet units past the first 8 */
			if (pkt_get_bytes(&h, hdr, 2) != WGTAP_OK ||
			    pkt_skip(&ip, ((size_t)hdr[1] + 1) * 8) != WGTAP_OK) {
				row->proto = nxt;
				return PKT_ROW;
			}
			nxt = hdr[0];
			continue;
		case IPPROTO_FRAGMENT_:
			/* RFC 8200 4.5: next header, reserved, offset+flags, id */
			if (pkt_get_u8(&h, &hdr[0]) != WGTAP_OK ||
			    pkt_skip(&h, 1) != WGTAP_OK ||
			    pkt_get_be16(&h, &frag) != WGTAP_OK ||
			    pkt_skip(&ip, 8) != WGTAP_OK) {
				row->proto = nxt;
				return PKT_ROW;
			}
			nxt = hdr[0];
			if ((frag & 0xfff8) != 0) {
				/* a later fragment: no transport header here */
				row->proto = nxt;
				return PKT_ROW;
			}
			continue;
		}
		break;
	}
	row->proto = nxt;
	parse_transport(&ip, row);
	return PKT_ROW;
}

/* Dispatch on the version nibble; want is 0 (either), 4 or 6. */
static enum pkt_status
parse_ip(struct pkt_cur *c, int want, struct pkt_row *row)
{
	uint8_t v;

	if (c->left < 1)
		return PKT_SKIP_TRUNC;
	v = c->p[0] >> 4;
	if ((v != 4 && v != 6) || (want && v != want))
		return PKT_SKIP_BAD_VERSION;
	return v == 4 ? parse_ipv4(c, row) : parse_ipv6(c, row);
}

/*
 * DLT_NULL and DLT_LOOP: a 4-byte address family, in the capturing host's
 * byte order (NULL) or network order (LOOP). Families are small, so
 * whichever reading is below 256 is the right one. AF_INET is 2
 * everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD)
 * or 30 (macOS).
 */
static int
null_family(const uint8_t b[4])
{
	uint32_t be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	uint32_t le = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[1] << 8 | b[0];
	uint32_t fam = be < 256 ? be : le;

	switch (fam) {
	case 2:
		return 4;
	case 10:
	case 24:
	case 28:
	case 30:
		return 6;
	}
	return -1;
}

static int
ethertype_family(uint16_t et)
{
	if (et == ETHERTYPE_IPV4)
		return 4;
	if (et == ETHERTYPE_IPV6)
		return 6;
	return -1;
}

enum pkt_status
pkt_parse(int dlt, const uint8_t *data, size_t caplen, uint32_t len,
    uint64_t ts_ns, struct pkt_row *row)
{
	struct pkt_cur c = { data, data ? caplen : 0 };
	enum pkt_status st = PKT_SKIP_NOT_IP;
	uint8_t link[SLL2_HDR_LEN];
	uint8_t dir = PKT_DIR_NONE;
	int want = 0;

	memset(row, 0, sizeof(*row));
	switch (dlt) {
	case DLT_RAW:
		break;
	case DLT_IPV4:
		want = 4;
		break;
	case DLT_IPV6:
		want = 6;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (pkt_get_bytes(&c, link, NULL_HDR_LEN) != WGTAP_OK)
			return PKT_SKIP_LINK_TRUNC;
		want = null_family(link);
		break;
	case DLT_LINUX_SLL:
		/* protocol type at offset 14 */
		if (pkt_get_bytes(&c, link, SLL_HDR_LEN) != WGTAP_OK)
			return PKT_SKIP_LINK_TRUNC;
		want = ethertype_family((uint16_t)(link[14] << 8 | link[15]));
		/* packet type at offset 0, 16 bits */
		dir = sll_dir((unsigned)(link[0] << 8 | link[1]));
		break;
	case DLT_LINUX_SLL2:
		/* protocol type at offset 0 */
		if (pkt_get_bytes(&c, link, SLL2_HDR_LEN) != WGTAP_OK)
			return PKT_SKIP_LINK_TRUNC;
		want = ethertype_family((uint16_t)(link[0] << 8 | link[1]));
		/* packet type at offset 10, 8 bits */
		dir = sll_dir(link[10]);
		break;
	default:
		return PKT_SKIP_NOT_IP;
	}
	if (want < 0)
		return PKT_SKIP_NOT_IP;
	st = parse_ip(&c, want, row);
	if (st != PKT_ROW) {
		memset(row, 0, sizeof(*row));
		return st;
	}
	row->size = len;
	row->ts_ns = ts_ns;
	row->dir = dir;
	return PKT_ROW;
}
