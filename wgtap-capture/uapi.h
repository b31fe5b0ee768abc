/* SPDX-License-Identifier: MIT */
/*
 * The peer table of a userspace WireGuard (wireguard-go, boringtun)
 * through its UAPI socket, the cross-platform configuration protocol
 * (wireguard.com/xplatform): connect to SOCKDIR/IFACE.sock, send
 * "get=1\n\n", read "key=value\n" lines up to "errno=N\n" and an empty
 * line. Keys are lowercase hex there; the table keeps base64.
 */
#ifndef WGTAP_UAPI_H
#define WGTAP_UAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peertab.h"
#include "tabdigest.h"

/* Where wireguard-go and wg(8) put the sockets. */
#define UAPI_SOCK_DIR		"/var/run/wireguard"
/* The largest reply accepted (a 1,000-peer reply is about 400 kB). */
#define UAPI_MAX_REPLY		(64u << 20)

/*
 * Parse a reply to get=1 (the len bytes at text) into a new table (*out;
 * free it with peertab_free()). public_key starts a peer; endpoint and
 * allowed_ip belong to the peer before them; other keys are skipped (the
 * private key is never copied). The reply must end with "errno=N" and may
 * have the empty line after it. Returns WGTAP_OK; WGTAP_EFORMAT with
 * *line the 1-based bad line (or the last line when the end is missing);
 * WGTAP_ESYS with errno set to N when the implementation reported errno N
 * (not 0); WGTAP_ETOOBIG or WGTAP_ENOMEM. *out is NULL on failure.
 */
int uapi_parse(const char *text, size_t len, struct peertab **out,
    size_t *line);

/*
 * Whether the len bytes at buf are a whole reply: they end with an empty
 * line ("\n\n", or a lone "\n").
 */
bool uapi_reply_complete(const char *buf, size_t len);

/*
 * Ask the implementation of iface through sockdir/iface.sock and parse
 * its reply into *out, waiting at most timeout_ms for it. Returns as
 * uapi_parse(), or WGTAP_ESYS with errno set when the socket cannot be
 * reached (ENOENT: no such userspace interface; EACCES: not allowed),
 * ETIMEDOUT when the reply does not come in time, or EPROTO when the
 * connection closes early, WGTAP_ETOOBIG for a reply over UAPI_MAX_REPLY.
 */
int uapi_read(const char *sockdir, const char *iface, int timeout_ms,
    struct peertab **out);

/*
 * What a reply says about the table (tabdigest.h): every line but the
 * peers' counters (rx_bytes, tx_bytes, last_handshake_time_sec and
 * _nsec, which change with traffic), each an item of the peer whose
 * public_key line it follows, so that the order in which the peers come
 * (wireguard-go walks a hash map) does not matter. Equal digests: the
 * same peers, endpoints and allowed-ips, the same interface lines and
 * errno. Into d, from the len bytes of a reply at text (valid left
 * false).
 */
void uapi_digest(const char *text, size_t len, struct tabdigest *d);

/*
 * uapi_read(), skipping the parse when the reply says what the last one
 * did: when last is valid and the reply's digest equals it, returns
 * WGTAP_OK with *out NULL. Otherwise parses as uapi_read() does; *last
 * becomes the reply's digest, valid when the parse succeeded.
 */
int uapi_read_if_changed(const char *sockdir, const char *iface,
    int timeout_ms, struct tabdigest *last, struct peertab **out);

#endif
