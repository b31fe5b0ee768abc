/* SPDX-License-Identifier: MIT */
/*
 * The text of `wg show IFACE dump` (wg(8), "dump"): a first line for the
 * interface (private key, public key, listen port, fwmark) and one line
 * per peer with eight tab-separated fields: public key, preshared key,
 * endpoint, allowed-ips (comma-separated, or "(none)"), latest handshake,
 * bytes received, bytes sent, persistent keepalive. The operator takes it
 * on the gateway and hands it to `wgtap-capture -r FILE --peers DUMP`.
 */
#ifndef WGTAP_WGDUMP_H
#define WGTAP_WGDUMP_H

#include <stddef.h>

#include "peertab.h"

/* The largest dump accepted, against a wrong file. */
#define WGDUMP_MAX_BYTES	(64u << 20)

/*
 * Parse the len bytes at text into a new table (*out; free it with
 * peertab_free()). Returns WGTAP_OK, WGTAP_EFORMAT with *line set to the
 * 1-based line that is wrong, WGTAP_ETOOBIG (more than WGDUMP_MAX_BYTES,
 * or the table's caps; *line 0 or the line) or WGTAP_ENOMEM. *out is
 * NULL on failure.
 */
int wgdump_parse(const char *text, size_t len, struct peertab **out,
    size_t *line);

/*
 * Read the dump file path and parse it as wgdump_parse() does; the file's
 * errors are WGTAP_ESYS with errno set (*line 0).
 */
int wgdump_load(const char *path, struct peertab **out, size_t *line);

#endif
