// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the S3 error-body parser: any bytes a server may
 * answer. The outputs must stay NUL-terminated printable ASCII.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *s, size_t cap)
{
	size_t len = strnlen(s, cap);
	size_t i;

	if (len == cap)
		abort();
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char code[S3_CODE_SIZE], msg[S3_MESSAGE_SIZE];
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);	/* not NUL-terminated, on purpose */
	(void)s3_parse_error(copy, size, code, msg);
	check_text(code, sizeof(code));
	check_text(msg, sizeof(msg));
	free(copy);
	return 0;
}
