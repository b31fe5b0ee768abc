/* SPDX-License-Identifier: MIT */
/*
 * A bounded parser for the AWS shared-credentials format, an INI dialect:
 *
 *	# comment            ; comment too (only as the first non-blank)
 *	[default]
 *	aws_access_key_id = AKIDEXAMPLE
 *	aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
 *
 *	[other]
 *	aws_access_key_id=...
 *
 * The rules, which follow Python's configparser as the AWS CLI uses it:
 * a section is "[name]" with the name trimmed (the credentials file names
 * profiles bare; the config file's "[profile NAME]" form is just a section
 * called "profile NAME" here, and it is for the caller to decide what that
 * means); a setting is "name = value" split at the first '=', both sides
 * trimmed, the name compared without regard to ASCII case, the value kept
 * as it is (no quotes removed, and no inline comments: a '#' or ';' after
 * the '=' is part of the value); a line indented deeper than the setting
 * above it continues that setting's value, joined with "\n"; blank lines
 * and comment lines end a value. CRLF line ends and a UTF-8 byte-order
 * mark at the start are accepted.
 *
 * Refused, with the line number and a fixed sentence (never the line's
 * text, which may hold a secret): a setting before the first section, a
 * line that is none of the above, an empty section or setting name, text
 * after "]" other than a comment, control bytes (other than tab, and CR
 * before LF), a section given twice, a setting given twice in a section
 * (as the AWS CLI refuses both, there is no "which one wins"), and input
 * over the caps below. Nothing here prints; the parsed settings are wiped
 * when freed.
 */
#ifndef WGTAP_INI_H
#define WGTAP_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define INI_MAX_FILE	(256 * 1024)	/* bytes in a file */
#define INI_MAX_LINE	8192		/* bytes in a line, without its end */
#define INI_MAX_LINES	4096		/* lines in a file */

/* Why input was refused: a fixed sentence and the 1-based line, or 0. */
struct ini_error {
	unsigned	 line;
	const char	*what;		/* never NULL after a failure */
};

struct ini;

/*
 * Parse the len bytes at buf (not NUL-terminated; NUL bytes are refused)
 * into *out, which owns a copy of the text (free with ini_free()). Returns
 * WGTAP_OK; WGTAP_EFORMAT for malformed input or WGTAP_ETOOBIG for input
 * over a cap, with *err filled in; or WGTAP_ENOMEM. *out is NULL on
 * failure; err->what is "" on success.
 */
int ini_parse(const char *buf, size_t len, struct ini **out,
    struct ini_error *err);

/*
 * Read the file at path and parse it as ini_parse() does. Symbolic links
 * are followed (a linked ~/.aws/credentials is normal), but only a regular
 * file is read: anything else fails with WGTAP_EFORMAT and err->what "not
 * a regular file" (line 0), without blocking on a FIFO. A file over
 * INI_MAX_FILE fails with WGTAP_ETOOBIG (line 0). When st is not NULL it
 * gets the fstat() of the file that was read, whatever the outcome past
 * the open (st_ino 0 when open failed). Returns WGTAP_OK, WGTAP_ESYS with
 * errno set (open or read failed), or the codes of ini_parse(). The raw
 * bytes are wiped before this returns.
 */
int ini_load_file(const char *path, struct ini **out, struct stat *st,
    struct ini_error *err);

/* Whether the section exists (the name compared exactly). */
bool ini_has_section(const struct ini *ini, const char *section);

/*
 * The value of key in section, or NULL when either is missing. The section
 * name is compared exactly, the key without regard to ASCII case. The
 * string belongs to ini and lives until ini_free().
 */
const char *ini_get(const struct ini *ini, const char *section,
    const char *key);

/* Number of sections, and the name of section i (0-based; NULL past it). */
size_t ini_nsections(const struct ini *ini);
const char *ini_section_name(const struct ini *ini, size_t i);

/* Wipe and free everything; NULL is fine. */
void ini_free(struct ini *ini);

#endif
