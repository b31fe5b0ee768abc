/* SPDX-License-Identifier: MIT */
/*
 * The error document an S3 server sends with a failed request: its Code
 * and Message, found with a bounded scan, entities decoded, cut to fit and
 * made safe to log. Nothing here does I/O or prints.
 */
#ifndef WGTAP_S3ERR_H
#define WGTAP_S3ERR_H

#include <stddef.h>

#define S3_CODE_SIZE		64	/* S3 error code, sanitised, with NUL */
#define S3_MESSAGE_SIZE		256	/* S3 error message, sanitised */

/*
 * Find the <Code> and <Message> of an S3 error document in the first len
 * bytes of body (not NUL-terminated), decode the XML entities &amp; &lt;
 * &gt; &quot; &apos; and &#N; / &#xN; and copy them, with anything that is
 * not printable ASCII replaced by '?' and cut to fit, into code and msg.
 * Returns WGTAP_OK when a Code was found, else WGTAP_EFORMAT; both outputs
 * are "" when missing.
 */
int s3_parse_error(const char *body, size_t len, char code[static S3_CODE_SIZE],
    char msg[static S3_MESSAGE_SIZE]);

#endif
