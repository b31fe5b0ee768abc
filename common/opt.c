// SPDX-License-Identifier: MIT
/*
 * Flag values: integers, sizes, durations and words, parsed by hand in
 * the manner of wireguard-tools' config.c (first character a digit, then
 * digits only, then an optional suffix from a fixed list, overflow
 * checked), so that "-1", " 5", "0x10" and "5 m" are all refused.
 */
#include <string.h>

#include "chars.h"
#include "opt.h"
#include "wgtap.h"

#define NS_PER_MS	1000000ULL
#define NS_PER_S	1000000000ULL

/* Leading digits of s into *v; *end points past them. */
static int
leading_u64(const char *s, uint64_t *v, const char **end)
{
	uint64_t x = 0;

	*v = 0;
	if (!s || !chars_is_digit(s[0]))
		return WGTAP_EFORMAT;
	for (; chars_is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (x > (UINT64_MAX - d) / 10)
			return WGTAP_ETOOBIG;
		x = x * 10 + d;
	}
	*v = x;
	*end = s;
	return WGTAP_OK;
}

int
opt_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	const char *end;
	uint64_t x;
	int r;

	r = leading_u64(s, &x, &end);
	if (r != WGTAP_OK)
		return r;
	if (*end != '\0')
		return WGTAP_EFORMAT;
	if (x < min || x > max)
		return WGTAP_ETOOBIG;
	*v = x;
	return WGTAP_OK;
}

static int
scale(uint64_t x, uint64_t mul, uint64_t max, uint64_t *v)
{
	if (mul && x > max / mul)
		return WGTAP_ETOOBIG;
	*v = x * mul;
	return WGTAP_OK;
}

int
opt_size(const char *s, uint64_t max, uint64_t *v)
{
	static const struct {
		const char *suffix;
		uint64_t mul;
	} units[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", 1ULL << 10 }, { "KiB", 1ULL << 10 },
		{ "M", 1ULL << 20 }, { "MiB", 1ULL << 20 },
		{ "G", 1ULL << 30 }, { "GiB", 1ULL << 30 },
		{ "T", 1ULL << 40 }, { "TiB", 1ULL << 40 },
	};
	const char *end;
	uint64_t x;
	size_t i;
	int r;

	r = leading_u64(s, &x, &end);
	if (r != WGTAP_OK)
		return r;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0)
			return scale(x, units[i].mul, max, v);
	}
	return WGTAP_EFORMAT;
}

int
opt_duration(const char *s, char default_unit, uint64_t max_ns, uint64_t *ns)
{
	const char *end;
	uint64_t x, mul;
	int r;

	r = leading_u64(s, &x, &end);
	if (r != WGTAP_OK)
		return r;
	if (*end == '\0')
		end = default_unit == 'm' ? "m" : "s";
	if (strcmp(end, "ms") == 0)
		mul = NS_PER_MS;
	else if (strcmp(end, "s") == 0)
		mul = NS_PER_S;
	else if (strcmp(end, "m") == 0)
		mul = 60 * NS_PER_S;
	else if (strcmp(end, "h") == 0)
		mul = 3600 * NS_PER_S;
	else
		return WGTAP_EFORMAT;
	return scale(x, mul, max_ns, ns);
}

int
opt_word(const char *s, const char *const *words)
{
	int i;

	for (i = 0; words[i]; i++) {
		if (strcmp(s, words[i]) == 0)
			return i;
	}
	return -1;
}
