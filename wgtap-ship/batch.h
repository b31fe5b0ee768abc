/* SPDX-License-Identifier: MIT */
/*
 * The two run-once modes of wgtap-ship: --once (what is in the spool now)
 * and FILE... (exactly these files). Each segment gets up to
 * cfg->max_attempts tries with backoff, each with keys renewed as they
 * need it (renew_ship()). Every event about a segment is
 * logged here; the caller only turns the result into an exit status.
 */
#ifndef WGTAP_BATCH_H
#define WGTAP_BATCH_H

#include <stdbool.h>

#include "config.h"
#include "pace.h"
#include "ship.h"

/*
 * --once: report the foreign entries of cfg->spool_dir, ship each of its
 * segments, oldest first, and log a summary. A segment another shipper has
 * locked is left to it. Returns true when no segment was left behind
 * (shipped here or by another process), false when one stays in the
 * spool, p said stop, or the spool cannot be opened or read (logged).
 */
bool batch_spool(const struct config *cfg, const struct ship_config *sc,
    const struct pace *p);

/*
 * FILE...: ship each of cfg->files (checked by config_check() to be named
 * as segments) from the directory it is in. A missing file fails; one
 * another shipper has locked is waited for. Returns true when every file
 * was shipped (here or by another process), false otherwise.
 */
bool batch_files(const struct config *cfg, const struct ship_config *sc,
    const struct pace *p);

#endif
