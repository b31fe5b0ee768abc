// SPDX-License-Identifier: MIT
/*
 * Flag values: integers, sizes, durations and words, parsed by hand in
 * the manner of wireguard-tools' config.c (first character a digit, then
 * digits only, then an optional suffix from a fixed list, overflow
 * checked), so that "-1", " 5", "0x10" and "5 m" are all refused. A
 * duration may have a decimal fraction ("1.5s"), computed exactly in
 * integers down to the nanosecond; "1e3", ".5" and "5." are refused.
 */
#include <string.h>

#include "chars.h"
#include "opt.h"
#include "wgtap.h"

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

/*
 * The units of a duration, as systemd writes them: a value in that unit is
 * shifted by digits decimal places into whole units of 10^-digits, then
 * multiplied by mul to get nanoseconds.
 */
static const struct {
	const char	*name;
	unsigned	 digits;	/* fraction digits down to 1 ns */
	uint64_t	 mul;		/* ns per 10^-digits of the unit */
} duration_units[] = {
	{ "ms", 6, 1 },
	{ "s", 9, 1 },
	{ "m", 9, 60 },
	{ "h", 9, 3600 },
};

int
opt_duration(const char *s, char default_unit, uint64_t max_ns, uint64_t *ns)
{
	const char *end, *frac = "", *unit;
	size_t nfrac = 0, i, u;
	uint64_t x;
	int r;

	r = leading_u64(s, &x, &end);
	if (r != WGTAP_OK)
		return r;
	if (*end == '.') {
		frac = ++end;
		while (chars_is_digit(*end))
			end++;
		nfrac = (size_t)(end - frac);
		if (nfrac == 0)
			return WGTAP_EFORMAT;	/* "5." */
	}
	unit = end;
	if (*unit == '\0')
		unit = default_unit == 'm' ? "m" : "s";
	for (u = 0; u < sizeof(duration_units) / sizeof(duration_units[0]);
	    u++) {
		if (strcmp(unit, duration_units[u].name) == 0)
			break;
	}
	if (u == sizeof(duration_units) / sizeof(duration_units[0]))
		return WGTAP_EFORMAT;
	/* Exact decimal arithmetic: x.frac becomes whole 10^-digits units. */
	for (i = 0; i < duration_units[u].digits; i++) {
		unsigned d = i < nfrac ? (unsigned)(frac[i] - '0') : 0;

		if (x > (UINT64_MAX - d) / 10)
			return WGTAP_ETOOBIG;
		x = x * 10 + d;
	}
	for (; i < nfrac; i++) {
		if (frac[i] != '0')
			return WGTAP_EFORMAT;	/* finer than a nanosecond */
	}
	return scale(x, duration_units[u].mul, max_ns, ns);
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
