/* SPDX-License-Identifier: MIT */
/*
 * Recovery of segments left open by a capture that died (SIGKILL, OOM,
 * power loss). A leftover ".NAME.part" holds every row up to its last
 * sync in decodable form (SPEC section 2); recovery copies each complete,
 * well-formed row (of the format its header names, v1 or v2, which the
 * copy keeps) into a new segment published as NAME, the name the
 * leftover would have had, and only then deletes the leftover. A torn
 * last row is dropped and counted.
 *
 * Crash safety of recovery itself: the copy is written as
 * ".NAME.rec.part" (thrown away if found at the next start), and a
 * leftover whose NAME already exists was recovered before its deletion
 * was interrupted, so it is only deleted. The copy is deterministic, so
 * recovering the same leftover twice gives the same bytes under the same
 * key.
 *
 * Other processes on the same spool (a second capture, or a conversion
 * with -r, under the same interface label): every process holds an
 * exclusive flock(2) on each temporary file it has open, its segment or
 * its recovery copy, from creation until the file is published or
 * removed (segment_open()). Recovery takes the lock of a leftover (or of
 * an interrupted copy) without waiting before it touches it, and leaves a
 * locked one alone: it is not a leftover but a live file. The lock goes
 * with the process, so a killed capture's leftover is free at once.
 */
#ifndef WGTAP_RECOVER_H
#define WGTAP_RECOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "segment.h"

struct recover_result {
	uint64_t	rows;		/* rows copied */
	uint64_t	torn;		/* partial or malformed rows dropped */
	char		final[SPOOL_MAX_NAME];	/* "" when nothing was kept */
	/*
	 * Not NULL when the leftover was left alone and why: what it is
	 * when it is not a regular file ("a FIFO", "a directory", ...).
	 */
	const char	*not_file;
	/* Left alone: another running process has it open (locked). */
	bool		in_use;
};

/*
 * Recover the leftover tmpname in the spool dirfd into a segment with the
 * compression its name says (the level from cfg; the cap is not
 * applied). Only a regular file is opened (never through a symlink, never
 * blocking): anything else is left alone with res->not_file set. A
 * leftover locked by another process is left alone with res->in_use set.
 * Returns WGTAP_OK (result filled in; unless left alone, the leftover is
 * gone), or an error (the leftover stays).
 */
int recover_file(const struct segment_cfg *cfg, const char *tmpname,
    struct recover_result *res);

/*
 * Recover every leftover of interface iface in the spool, logging one line
 * per file. Returns the number of files that could not be recovered.
 */
int recover_spool(const struct segment_cfg *cfg, const char *iface);

#endif
