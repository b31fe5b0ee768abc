// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for what the instance metadata service may answer
 * (wgtap-ship/imdsdoc.c): the credentials document, the role-name list and
 * the expiry time. A document that parses must have non-empty keys
 * without control bytes, Code "Success" and an expiry that parses back
 * from its own text; the outputs must always be NUL-terminated.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imdsdoc.h"
#include "wgtap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *s, size_t cap, bool may_be_empty)
{
	size_t len = strnlen(s, cap), i;

	if (len == cap || (!may_be_empty && len == 0))
		abort();
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imds_creds *c = malloc(sizeof(*c));
	char role[IMDS_ROLE_SIZE];
	char *copy = malloc(size ? size : 1);
	time_t t;

	if (!c || !copy)
		goto out;
	memcpy(copy, data, size);	/* not NUL-terminated, on purpose */
	if (imds_parse_creds(copy, size, c) == WGTAP_OK) {
		check_text(c->access_key_id, sizeof(c->access_key_id), false);
		check_text(c->secret_access_key,
		    sizeof(c->secret_access_key), false);
		check_text(c->token, sizeof(c->token), true);
		if (strcmp(c->code, "Success") != 0)
			abort();
		if (imds_parse_time(c->expiration_text,
		    strlen(c->expiration_text), &t) != WGTAP_OK ||
		    t != c->expiration || t < 0)
			abort();
	} else {
		check_text(c->code, sizeof(c->code), true);
		if (c->access_key_id[0] || c->secret_access_key[0] ||
		    c->token[0])
			abort();
	}
	if (imds_parse_role(copy, size, role) == WGTAP_OK)
		check_text(role, sizeof(role), false);
	else if (role[0])
		abort();
	if (imds_parse_time(copy, size, &t) == WGTAP_OK && t < 0)
		abort();
 out:
	free(copy);
	free(c);
	return 0;
}
