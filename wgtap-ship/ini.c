// SPDX-License-Identifier: MIT
/*
 * The AWS shared-credentials file format (an INI dialect, see ini.h for
 * the rules): parsed from a buffer in one pass, line by line, each line
 * bounded before it is looked at. The sections and settings land in one
 * arena allocated up front from the line count, so nothing holding a
 * secret is ever reallocated (and left behind unwiped); ini_free() wipes
 * the arena. Reading the file is a separate function that refuses
 * anything but a regular file of bounded size. No logging; errors carry a
 * line number and a fixed sentence, never the text of the line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ini.h"
#include "wgtap.h"

struct ini_sec {
	size_t		name;		/* offset of the name in text */
};

struct ini_ent {
	size_t		sec;		/* index into secs */
	size_t		key;		/* offsets in text, NUL-terminated */
	size_t		val;
};

struct ini {
	char		*text;		/* names and values, NUL-terminated */
	size_t		 cap;		/* bytes allocated for text */
	size_t		 used;
	struct ini_sec	*secs;
	size_t		 nsecs;
	struct ini_ent	*ents;
	size_t		 nents;
};

/* State of one parse: the open setting a deeper line would continue. */
struct ini_state {
	bool		 in_value;	/* the last line was a setting */
	size_t		 indent;	/* indentation of that setting */
};

static bool
ini_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char
ini_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII) string equality. */
static bool
ini_key_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		if (ini_lower(*a) != ini_lower(*b))
			return false;
	}
	return *a == *b;
}

static int
ini_fail(struct ini_error *err, int code, unsigned line, const char *what)
{
	err->line = line;
	err->what = what;
	return code;
}

/*
 * Copy n bytes at s into the arena, lowercased if asked, and a NUL; the
 * arena was sized for the whole input, so this cannot run out.
 */
static size_t
ini_put(struct ini *ini, const char *s, size_t n, bool lower)
{
	size_t off = ini->used, i;

	for (i = 0; i < n; i++)
		ini->text[off + i] = lower ? ini_lower(s[i]) : s[i];
	ini->text[off + n] = '\0';
	ini->used += n + 1;
	return off;
}

/* Count the lines of the len bytes at p (a last line without LF counts). */
static size_t
ini_count_lines(const char *p, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n')
			n++;
	}
	if (len > 0 && p[len - 1] != '\n')
		n++;
	return n;
}

/* "[name]" with an optional comment after it. */
static int
ini_section(struct ini *ini, const char *s, size_t n, unsigned lineno,
    struct ini_error *err)
{
	const char *close = memchr(s, ']', n);
	size_t a = 1, b, i, rest;

	if (!close)
		return ini_fail(err, WGTAP_EFORMAT, lineno,
		    "a section header without its closing ']'");
	b = (size_t)(close - s);
	rest = b + 1;
	while (rest < n && ini_blank(s[rest]))
		rest++;
	if (rest < n && s[rest] != '#' && s[rest] != ';')
		return ini_fail(err, WGTAP_EFORMAT, lineno,
		    "text after a section header's ']'");
	while (a < b && ini_blank(s[a]))
		a++;
	while (b > a && ini_blank(s[b - 1]))
		b--;
	if (a == b)
		return ini_fail(err, WGTAP_EFORMAT, lineno,
		    "an empty section name");
	for (i = 0; i < ini->nsecs; i++) {
		const char *name = ini->text + ini->secs[i].name;

		if (strlen(name) == b - a && memcmp(name, s + a, b - a) == 0)
			return ini_fail(err, WGTAP_EFORMAT, lineno,
			    "a section that is given twice");
	}
	ini->secs[ini->nsecs++].name = ini_put(ini, s + a, b - a, false);
	return WGTAP_OK;
}

/* "name = value" in the current (last) section. */
static int
ini_setting(struct ini *ini, const char *s, size_t n, unsigned lineno,
    struct ini_error *err)
{
	const char *eq = memchr(s, '=', n);
	size_t klen, vstart, vend, i, key;
	struct ini_ent *e;

	if (!eq)
		return ini_fail(err, WGTAP_EFORMAT, lineno,
		    "a line that is not [section], name = value or a comment");
	if (ini->nsecs == 0)
		return ini_fail(err, WGTAP_EFORMAT, lineno,
		    "a setting before the first [section]");
	klen = (size_t)(eq - s);
	while (klen > 0 && ini_blank(s[klen - 1]))
		klen--;
	if (klen == 0)
		return ini_fail(err, WGTAP_EFORMAT, lineno,
		    "a setting without a name");
	vstart = (size_t)(eq - s) + 1;
	while (vstart < n && ini_blank(s[vstart]))
		vstart++;
	vend = n;	/* the caller trimmed the end of the line */
	key = ini_put(ini, s, klen, true);
	/* Settings of one section are contiguous: sections never repeat. */
	for (i = ini->nents; i > 0; i--) {
		e = &ini->ents[i - 1];
		if (e->sec != ini->nsecs - 1)
			break;
		if (strcmp(ini->text + e->key, ini->text + key) == 0)
			return ini_fail(err, WGTAP_EFORMAT, lineno,
			    "a setting that is given twice in one section");
	}
	e = &ini->ents[ini->nents++];
	e->sec = ini->nsecs - 1;
	e->key = key;
	e->val = ini_put(ini, s + vstart, vend - vstart, false);
	return WGTAP_OK;
}

/*
 * Continue the last setting's value with "\n" and this line: its value is
 * the last thing in the arena, so it grows in place.
 */
static void
ini_continue(struct ini *ini, const char *s, size_t n)
{
	ini->text[ini->used - 1] = '\n';
	memcpy(ini->text + ini->used, s, n);
	ini->text[ini->used + n] = '\0';
	ini->used += n + 1;
}

/* One line (no line end), trimmed by the rules in ini.h. */
static int
ini_line(struct ini *ini, struct ini_state *st, const char *s, size_t n,
    unsigned lineno, struct ini_error *err)
{
	size_t indent = 0, i;
	int r;

	if (n > INI_MAX_LINE)
		return ini_fail(err, WGTAP_ETOOBIG, lineno,
		    "a line longer than 8192 bytes");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return ini_fail(err, WGTAP_EFORMAT, lineno,
			    "a control character");
	}
	while (indent < n && ini_blank(s[indent]))
		indent++;
	s += indent;
	n -= indent;
	while (n > 0 && ini_blank(s[n - 1]))
		n--;
	if (n == 0 || s[0] == '#' || s[0] == ';') {
		st->in_value = false;
		return WGTAP_OK;
	}
	if (st->in_value && indent > st->indent) {
		ini_continue(ini, s, n);
		return WGTAP_OK;
	}
	if (s[0] == '[') {
		st->in_value = false;
		return ini_section(ini, s, n, lineno, err);
	}
	r = ini_setting(ini, s, n, lineno, err);
	if (r != WGTAP_OK)
		return r;
	st->in_value = true;
	st->indent = indent;
	return WGTAP_OK;
}

int
ini_parse(const char *buf, size_t len, struct ini **out,
    struct ini_error *err)
{
	struct ini_state st = { false, 0 };
	struct ini *ini = NULL;
	size_t nlines, off, n;
	const char *p, *nl;
	unsigned lineno = 0;
	int r;

	*out = NULL;
	err->line = 0;
	err->what = "";
	if (len > INI_MAX_FILE)
		return ini_fail(err, WGTAP_ETOOBIG, 0,
		    "larger than 256 KiB");
	/* A UTF-8 byte-order mark, as some editors write one. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	nlines = ini_count_lines(buf, len);
	if (nlines > INI_MAX_LINES)
		return ini_fail(err, WGTAP_ETOOBIG, INI_MAX_LINES + 1,
		    "more than 4096 lines");
	r = WGTAP_ENOMEM;
	ini = calloc(1, sizeof(*ini));
	if (!ini)
		goto out;
	/* Each line of n bytes adds at most n + 2 bytes (two NULs). */
	ini->cap = len + 2 * nlines + 1;
	ini->text = calloc(1, ini->cap);
	ini->secs = calloc(nlines ? nlines : 1, sizeof(*ini->secs));
	ini->ents = calloc(nlines ? nlines : 1, sizeof(*ini->ents));
	if (!ini->text || !ini->secs || !ini->ents)
		goto out;
	for (off = 0; off < len; off += n + 1) {
		p = buf + off;
		nl = memchr(p, '\n', len - off);
		n = nl ? (size_t)(nl - p) : len - off;
		lineno++;
		/* CRLF: the CR belongs to the line end. */
		r = ini_line(ini, &st, p,
		    n > 0 && p[n - 1] == '\r' ? n - 1 : n, lineno, err);
		if (r != WGTAP_OK)
			goto out;
	}
	*out = ini;
	ini = NULL;
	r = WGTAP_OK;
 out:
	if (r == WGTAP_ENOMEM)
		ini_fail(err, r, 0, "out of memory");
	ini_free(ini);
	return r;
}

/* Read all of fd, at most max bytes, into buf; *n is what was read. */
static int
ini_read_all(int fd, char *buf, size_t max, size_t *n)
{
	ssize_t got;

	*n = 0;
	for (;;) {
		got = read(fd, buf + *n, max - *n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return WGTAP_ESYS;
		if (got == 0)
			return WGTAP_OK;
		*n += (size_t)got;
		if (*n == max)
			return WGTAP_OK;
	}
}

int
ini_load_file(const char *path, struct ini **out, struct stat *st,
    struct ini_error *err)
{
	struct stat sb;
	char *buf = NULL;
	size_t n = 0;
	int fd, r = WGTAP_ESYS, saved_errno;

	*out = NULL;
	err->line = 0;
	err->what = "";
	memset(&sb, 0, sizeof(sb));
	/*
	 * Links are followed: ~/.aws/credentials is often one, and systemd's
	 * credential files are regular files. O_NONBLOCK keeps a FIFO from
	 * blocking the open; it changes nothing for a regular file.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		goto out;
	if (fstat(fd, &sb) == -1)
		goto out;
	if (!S_ISREG(sb.st_mode)) {
		r = ini_fail(err, WGTAP_EFORMAT, 0, "not a regular file");
		goto out;
	}
	if (sb.st_size > INI_MAX_FILE) {
		r = ini_fail(err, WGTAP_ETOOBIG, 0, "larger than 256 KiB");
		goto out;
	}
	r = WGTAP_ENOMEM;
	/* One byte more than the cap, to see a file that grew past it. */
	buf = malloc(INI_MAX_FILE + 1);
	if (!buf)
		goto out;
	r = ini_read_all(fd, buf, INI_MAX_FILE + 1, &n);
	if (r != WGTAP_OK)
		goto out;
	r = ini_parse(buf, n, out, err);
 out:
	saved_errno = errno;
	if (st)
		*st = sb;
	if (buf) {
		OPENSSL_cleanse(buf, n);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	if (r == WGTAP_ENOMEM)
		ini_fail(err, r, 0, "out of memory");
	errno = saved_errno;
	return r;
}

static const struct ini_sec *
ini_find_section(const struct ini *ini, const char *section, size_t *idx)
{
	size_t i;

	for (i = 0; i < ini->nsecs; i++) {
		if (strcmp(ini->text + ini->secs[i].name, section) == 0) {
			*idx = i;
			return &ini->secs[i];
		}
	}
	return NULL;
}

bool
ini_has_section(const struct ini *ini, const char *section)
{
	size_t idx;

	return ini_find_section(ini, section, &idx) != NULL;
}

const char *
ini_get(const struct ini *ini, const char *section, const char *key)
{
	size_t idx, i;

	if (!ini_find_section(ini, section, &idx))
		return NULL;
	for (i = 0; i < ini->nents; i++) {
		if (ini->ents[i].sec == idx &&
		    ini_key_eq(ini->text + ini->ents[i].key, key))
			return ini->text + ini->ents[i].val;
	}
	return NULL;
}

size_t
ini_nsections(const struct ini *ini)
{
	return ini->nsecs;
}

const char *
ini_section_name(const struct ini *ini, size_t i)
{
	return i < ini->nsecs ? ini->text + ini->secs[i].name : NULL;
}

void
ini_free(struct ini *ini)
{
	if (!ini)
		return;
	if (ini->text) {
		OPENSSL_cleanse(ini->text, ini->cap);
		free(ini->text);
	}
	free(ini->secs);
	free(ini->ents);
	free(ini);
}
