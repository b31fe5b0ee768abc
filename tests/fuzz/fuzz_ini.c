// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the shared-credentials parser (wgtap-ship/ini.c):
 * any bytes a credentials file may hold. A parse that succeeds must give
 * non-empty section names and values without control bytes (but the "\n"
 * that joins continuation lines); a failure must name a line within the
 * input (or 0 for a cap) and a sentence.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "wgtap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *s, bool newline_ok)
{
	for (; *s; s++) {
		if (((unsigned char)*s < 0x20 && *s != '\t' &&
		    !(newline_ok && *s == '\n')) || (unsigned char)*s == 0x7f)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"aws_access_key_id", "aws_secret_access_key",
		"aws_session_token", "role_arn", "k",
	};
	struct ini_error err;
	struct ini *ini;
	const char *name, *v;
	size_t i, j, lines = 1;
	int r;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	r = ini_parse((const char *)data, size, &ini, &err);
	if (r != WGTAP_OK) {
		if (ini || !err.what || !err.what[0] || err.line > lines ||
		    (r != WGTAP_EFORMAT && r != WGTAP_ETOOBIG))
			abort();
		return 0;
	}
	for (i = 0; i < ini_nsections(ini); i++) {
		name = ini_section_name(ini, i);
		if (!name || !name[0])
			abort();
		check_text(name, false);
		if (!ini_has_section(ini, name))
			abort();
		for (j = 0; j < sizeof(keys) / sizeof(keys[0]); j++) {
			v = ini_get(ini, name, keys[j]);
			if (v)
				check_text(v, true);
		}
	}
	if (ini_section_name(ini, ini_nsections(ini)))
		abort();
	ini_free(ini);
	return 0;
}
