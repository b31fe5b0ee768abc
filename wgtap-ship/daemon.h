/* SPDX-License-Identifier: MIT */
/*
 * The watching daemon: wgtap-ship's default mode (SPEC section 3). It
 * logs every event about a segment itself; the caller only turns the
 * result into an exit status.
 */
#ifndef WGTAP_DAEMON_H
#define WGTAP_DAEMON_H

#include <stdbool.h>

#include "config.h"
#include "pace.h"
#include "ship.h"

/*
 * Watch cfg->spool_dir and ship each segment with sc as it appears,
 * oldest first, with keys renewed as they need it (renew_ship()),
 * retrying failed uploads for ever, until p says stop
 * (checked between steps; the upload under way is stopped by the S3
 * client's own abort callback). Foreign entries are reported once and
 * left alone. Returns true after a stop request; false after a run-time
 * failure, logged: inotify failing, the spool removed, moved away or
 * unreadable, or no memory for a scan.
 */
bool daemon_run(const struct config *cfg, const struct ship_config *sc,
    const struct pace *p);

#endif
