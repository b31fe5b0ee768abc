/* SPDX-License-Identifier: MIT */
/*
 * Packet decoding (SPEC section 1): from the captured bytes of one packet
 * and its link type to the fields of one CSV row. Every read goes through a
 * bounds-checked cursor over the captured bytes; nothing here allocates,
 * logs or does I/O. The row points into the packet for the DNS message, so
 * it is valid only as long as the packet bytes are.
 */
#ifndef WGTAP_PKT_H
#define WGTAP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A read-only window on captured bytes. */
struct pkt_cur {
	const uint8_t	*p;	/* next unread byte */
	size_t		 left;	/* captured bytes from p on */
};

/*
 * Which way a packet went through the interface, when the link layer says
 * (DLT_LINUX_SLL, DLT_LINUX_SLL2: the packet type); else PKT_DIR_NONE.
 */
enum pkt_dir {
	PKT_DIR_NONE = 0,
	PKT_DIR_IN,		/* received: to this host, or to forward */
	PKT_DIR_OUT,		/* sent by this host (PACKET_OUTGOING) */
};

/* The fields of one CSV row (SPEC section 1; format v2 in csv.h). */
struct pkt_row {
	uint8_t		 family;	/* 4 or 6 */
	uint8_t		 proto;		/* upper-layer protocol number */
	bool		 has_ports;
	uint16_t	 sport, dport;
	uint8_t		 src[16], dst[16];	/* IPv4 uses the first 4 bytes */
	uint32_t	 size;		/* original length (pcap len) */
	uint64_t	 ts_ns;		/* capture time, ns since the epoch */
	const uint8_t	*dns;		/* DNS message in the packet, or NULL */
	size_t		 dns_len;
	uint8_t		 dir;		/* enum pkt_dir */
	/* v2: the peer's public key, exactly CSV_PEER_MAX characters of
	 * standard base64 (csv_format_row_v2() copies them unchecked), or
	 * "" or NULL for none; set by the caller after pkt_parse(), which
	 * leaves it NULL */
	const char	*peer;
};

/* What pkt_parse() made of a packet: a row, or why there is none. */
enum pkt_status {
	PKT_ROW = 0,
	PKT_SKIP_NOT_IP,	/* the link layer carries something else */
	PKT_SKIP_LINK_TRUNC,	/* cut inside the link-layer header */
	PKT_SKIP_BAD_VERSION,	/* IP version is not the one expected */
	PKT_SKIP_TRUNC,		/* IP header cut before the addresses */
	PKT_SKIP_BAD_HLEN,	/* IPv4 header length below 20 */
	PKT_SKIP_BAD_LEN,	/* IPv4 total length below the header length */
	PKT_SKIP_BAD_TIME,	/* capture time outside 1970 to 2262 */
	PKT_NSTATUS
};

/*
 * True for the link types SPEC allows: DLT_RAW, DLT_IPV4, DLT_IPV6,
 * DLT_NULL, DLT_LOOP, DLT_LINUX_SLL, DLT_LINUX_SLL2 (libpcap's DLT_*
 * values, as pcap_datalink() returns them).
 */
bool pkt_dlt_supported(int dlt);

/*
 * Decode one packet. caplen bytes at data were captured; len is the
 * original length, ts_ns the capture time. Fills *row and returns PKT_ROW,
 * or returns the reason there is no row (and *row is zeroed). Never reads
 * outside data[0..caplen).
 */
enum pkt_status pkt_parse(int dlt, const uint8_t *data, size_t caplen,
    uint32_t len, uint64_t ts_ns, struct pkt_row *row);

/*
 * The capture time of a packet in nanoseconds since the epoch, from the
 * seconds and fraction of its pcap header (frac in ns when nano, else in
 * us). Checked before any arithmetic: returns PKT_ROW with *ns set, or
 * PKT_SKIP_BAD_TIME (*ns is 0) when the time is before the epoch (libpcap
 * sign-extends a classic pcap's 32-bit seconds from 0x80000000 on), past
 * the last whole second whose nanoseconds an int64_t holds (2262-04-11,
 * as for segment names), or the fraction is not in [0, 1 s).
 */
enum pkt_status pkt_time_ns(int64_t sec, int64_t frac, bool nano,
    uint64_t *ns);

/* A short counter name for a status: "not_ip", "bad_version", ... */
const char *pkt_status_name(enum pkt_status st);

/*
 * The l3_protocol text for an IP protocol number: "TCP", "ICMPv6", ...,
 * or NULL when it has no name (the caller prints the number).
 */
const char *pkt_proto_name(uint8_t proto);

#endif
