/* SPDX-License-Identifier: MIT */
/*
 * The peer table of a kernel WireGuard interface through generic netlink,
 * as `wg show` reads it: CTRL_CMD_GETFAMILY finds the id of the
 * "wireguard" family, then a WG_CMD_GET_DEVICE dump for the interface by
 * name returns the device in one or more NLM_F_MULTI messages up to
 * NLMSG_DONE (include/uapi/linux/wireguard.h). A peer whose allowed-ips
 * do not fit one message is repeated at the start of the next with only
 * its public key and the rest of its allowed-ips; later peers come in
 * later messages. The parser joins them into one table.
 *
 * The message builders and parsers take plain buffers so that they can be
 * tested and fuzzed without a kernel; wgnl_read() does the socket work.
 * Needs CAP_NET_ADMIN: the kernel refuses the dump without it (EPERM).
 */
#ifndef WGTAP_WGNL_H
#define WGTAP_WGNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peertab.h"
#include "tabdigest.h"

/* Room for any request this module builds. */
#define WGNL_REQ_MAX		64
/* The largest dump accepted, all messages together. */
#define WGNL_MAX_DUMP		(64u << 20)

/*
 * The CTRL_CMD_GETFAMILY request for "wireguard" with sequence seq, into
 * buf; returns its length (at most WGNL_REQ_MAX).
 */
size_t wgnl_req_family(uint8_t buf[static WGNL_REQ_MAX], uint32_t seq);

/*
 * The WG_CMD_GET_DEVICE dump request for interface ifname (at most 15
 * bytes) to family id family, into buf; returns its length, or 0 when
 * ifname is empty or too long.
 */
size_t wgnl_req_device(uint8_t buf[static WGNL_REQ_MAX], uint16_t family,
    uint32_t seq, const char *ifname);

/*
 * The family id from the reply (len bytes at buf) to the request with
 * sequence seq. WGTAP_OK with *id set; WGTAP_ESYS with errno set when the
 * kernel answered with an error (ENOENT: no such family, the module is
 * not loaded); WGTAP_EFORMAT for anything else.
 */
int wgnl_parse_family(const uint8_t *buf, size_t len, uint32_t seq,
    uint16_t *id);

/*
 * A dump in progress: feed it what each recv() returned. Its digest
 * (tabdigest.h, source TABDIGEST_NETLINK) covers what the table takes
 * from the dump: each peer's public key, endpoint and allowed-ips, items
 * of that peer; not the counters (bytes, handshake time), keepalive,
 * preshared key or the device's own attributes.
 */
struct wgnl_dump {
	struct peertab	*t;		/* the table so far; NULL: digest only */
	struct tabdigest dg;		/* of the peers so far */
	uint16_t	 family;	/* the messages' type */
	uint32_t	 seq;
	int		 done;		/* NLMSG_DONE seen */
	size_t		 bytes;		/* fed so far */
};

/*
 * Start a dump of family with sequence seq: with table, into a table and
 * its digest; without, the digest only (d->t stays NULL; the messages'
 * framing is checked, not what the attributes say). WGTAP_OK or
 * WGTAP_ENOMEM.
 */
int wgnl_dump_init(struct wgnl_dump *d, uint16_t family, uint32_t seq,
    bool table);

/* Free what d holds. */
void wgnl_dump_free(struct wgnl_dump *d);

/*
 * The netlink messages in the len bytes at buf (one recv(), or several
 * laid end to end). Returns WGTAP_OK (d->done tells whether NLMSG_DONE
 * has come; bytes after it are an error), WGTAP_ESYS with errno set when
 * the kernel reported an error (in NLMSG_ERROR or NLMSG_DONE),
 * WGTAP_EFORMAT for a malformed message or attribute, WGTAP_ETOOBIG past
 * WGNL_MAX_DUMP or the table's caps, WGTAP_ENOMEM.
 */
int wgnl_dump_feed(struct wgnl_dump *d, const uint8_t *buf, size_t len);

/*
 * Read the peer table of kernel interface ifname into *out (free it with
 * peertab_free()), waiting at most timeout_ms. Returns WGTAP_OK, or an
 * error as above: WGTAP_ESYS with errno ENOENT when the kernel has no
 * WireGuard family, ENODEV when ifname is not a kernel WireGuard device
 * (EOPNOTSUPP from some kernels), EPERM without CAP_NET_ADMIN, ETIMEDOUT.
 */
int wgnl_read(const char *ifname, int timeout_ms, struct peertab **out);

/*
 * wgnl_read(), skipping the table when the dump says what the last one
 * did: when last is valid, the dump is digested as it comes (and kept);
 * when its digest equals last, returns WGTAP_OK with *out NULL, and
 * otherwise the kept dump is parsed. *last becomes the dump's digest,
 * valid when it was parsed or matched.
 */
int wgnl_read_if_changed(const char *ifname, int timeout_ms,
    struct tabdigest *last, struct peertab **out);

#endif
