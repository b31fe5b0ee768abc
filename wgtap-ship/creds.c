// SPDX-License-Identifier: MIT
/*
 * The credential chain (see creds.h): the environment, a systemd
 * credential, the shared credentials file, the instance role. Each source
 * is one function that answers "here are keys", "not here, try the next"
 * or "here, but broken"; creds_load() walks them in order and keeps notes
 * on what each absent source lacked, for the one line that says why no
 * keys were found. Keys are checked once, in one place, whatever their
 * source, then copied into allocations of their own and wiped when they
 * are replaced. Refreshing re-reads a file when stat() says it changed,
 * and renews instance-role keys ahead of their expiry. This module reads
 * the environment, files and the network (through imds.c) but prints
 * nothing and never puts a key, a token or a line of a file into a
 * message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "creds.h"
#include "imds.h"
#include "ini.h"
#include "sigv4.h"
#include "wgtap.h"

/* A source returns WGTAP_OK (keys), CREDS_NEXT (absent) or an error. */
#define CREDS_NEXT	1

/* What identifies the contents of a file without reading it. */
struct creds_stamp {
	bool		present;	/* stat() succeeded */
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtime;
	struct timespec	ctime;
};

struct creds {
	enum creds_source	 source;
	char			*access_key_id;
	char			*secret_access_key;
	char			*session_token;		/* or NULL */
	time_t			 expiration;		/* 0: static */
	time_t			 fetched;		/* when obtained */
	time_t			 next_try;		/* IMDS: not before */
	unsigned		 generation;
	char			 origin[CREDS_ORIGIN_SIZE];
	/* File sources. */
	char			 path[CREDS_PATH_MAX + 1];
	char			 profile[CREDS_PROFILE_MAX + 1];
	bool			 profile_given;	/* AWS_PROFILE was set */
	struct creds_stamp	 seen;		/* the file as last tried */
	/* The instance role. */
	struct imds_config	 imds;
	char			 role[IMDS_ROLE_SIZE];
};

/* Notes on the absent sources, for "no credentials found: ...". */
struct creds_notes {
	char	buf[CREDS_ERROR_SIZE];
	size_t	len;
	bool	late;		/* a metadata service that should be there
				 * could not be reached */
};

/* A fresh set of keys before it replaces the one in use. */
struct creds_new {
	const char	*access_key_id;
	const char	*secret_access_key;
	const char	*session_token;		/* NULL or "" for none */
	time_t		 expiration;
};

/* The setting names of one source, for messages. */
struct creds_names {
	const char	*key_id;
	const char	*secret;
	const char	*token;
};

static const struct creds_names env_names = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
};
static const struct creds_names file_names = {
	"aws_access_key_id", "aws_secret_access_key", "aws_session_token",
};
static const struct creds_names imds_names = {
	"AccessKeyId", "SecretAccessKey", "Token",
};

/* Text into a fixed buffer; cut short, it is still one terminated line. */
static void __attribute__((format(printf, 3, 4)))
creds_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
creds_why(char why[static CREDS_ERROR_SIZE], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, CREDS_ERROR_SIZE, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
creds_note(struct creds_notes *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (n->len + 1 >= sizeof(n->buf))
		return;
	if (n->len > 0) {
		r = snprintf(n->buf + n->len, sizeof(n->buf) - n->len, "; ");
		if (r < 0 || (size_t)r >= sizeof(n->buf) - n->len)
			return;
		n->len += (size_t)r;
	}
	va_start(ap, fmt);
	r = vsnprintf(n->buf + n->len, sizeof(n->buf) - n->len, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n->len += (size_t)r >= sizeof(n->buf) - n->len ?
	    sizeof(n->buf) - n->len - 1 : (size_t)r;
}

/* ---- checks and keeping keys -------------------------------------------- */

/* An access key ID goes into the credential scope: no blanks, '/', ','. */
static bool
creds_key_id_ok(const char *s)
{
	size_t i;

	if (s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CREDS_KEY_ID_MAX || s[i] <= 0x20 || s[i] >= 0x7f ||
		    s[i] == '/' || s[i] == ',')
			return false;
	}
	return true;
}

/* No control bytes: the value goes into the signature or a header. */
static bool
creds_text_ok(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	}
	return true;
}

/*
 * Check keys from the source named where (with its setting names).
 * Returns WGTAP_OK or WGTAP_EFORMAT with why set.
 */
static int
creds_check(const struct creds_new *k, const struct creds_names *nm,
    const char *where, char why[static CREDS_ERROR_SIZE])
{
	const char *tok = k->session_token;

	/* Never quote the values: they are (or are next to) secrets. */
	if (!creds_key_id_ok(k->access_key_id)) {
		creds_why(why, "%s: %s is empty, longer than %d bytes or holds "
		    "blanks, line breaks, '/', ',' or non-ASCII bytes", where,
		    nm->key_id, CREDS_KEY_ID_MAX);
		return WGTAP_EFORMAT;
	}
	if (k->secret_access_key[0] == '\0' ||
	    strlen(k->secret_access_key) > SIGV4_MAX_SECRET) {
		creds_why(why, "%s: %s is empty or longer than %d bytes",
		    where, nm->secret, SIGV4_MAX_SECRET);
		return WGTAP_EFORMAT;
	}
	if (!creds_text_ok(k->secret_access_key)) {
		creds_why(why, "%s: %s holds control characters or line "
		    "breaks", where, nm->secret);
		return WGTAP_EFORMAT;
	}
	if (tok && (!creds_text_ok(tok) || strlen(tok) > CREDS_TOKEN_MAX)) {
		creds_why(why, "%s: %s holds control characters or line "
		    "breaks, or is longer than %d bytes", where, nm->token,
		    CREDS_TOKEN_MAX);
		return WGTAP_EFORMAT;
	}
	return WGTAP_OK;
}

static void
creds_wipe_str(char **s)
{
	if (!*s)
		return;
	OPENSSL_cleanse(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

static void
creds_wipe_keys(struct creds *c)
{
	creds_wipe_str(&c->access_key_id);
	creds_wipe_str(&c->secret_access_key);
	creds_wipe_str(&c->session_token);
}

static bool
creds_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * Replace the keys in use with k (already checked): copies first, so that
 * a failed allocation leaves the old keys. *changed tells whether they
 * differ from the old ones. Returns WGTAP_OK or WGTAP_ENOMEM.
 */
static int
creds_keep(struct creds *c, const struct creds_new *k, time_t now,
    bool *changed)
{
	const char *tok = k->session_token && k->session_token[0] != '\0' ?
	    k->session_token : NULL;
	char *id, *secret, *token = NULL;

	*changed = false;
	if (c->access_key_id && creds_str_eq(c->access_key_id,
	    k->access_key_id) && creds_str_eq(c->secret_access_key,
	    k->secret_access_key) && creds_str_eq(c->session_token, tok) &&
	    c->expiration == k->expiration)
		return WGTAP_OK;
	id = strdup(k->access_key_id);
	secret = strdup(k->secret_access_key);
	if (tok)
		token = strdup(tok);
	if (!id || !secret || (tok && !token)) {
		creds_wipe_str(&id);
		creds_wipe_str(&secret);
		creds_wipe_str(&token);
		return WGTAP_ENOMEM;
	}
	creds_wipe_keys(c);
	c->access_key_id = id;
	c->secret_access_key = secret;
	c->session_token = token;
	c->expiration = k->expiration;
	c->fetched = now;
	c->generation++;
	*changed = true;
	return WGTAP_OK;
}

/* ---- the environment ---------------------------------------------------- */

static const char *
creds_env(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] != '\0' ? v : NULL;
}

static int
creds_from_env(struct creds *c, struct creds_notes *notes,
    char why[static CREDS_ERROR_SIZE])
{
	struct creds_new k;
	bool changed;
	int r;

	memset(&k, 0, sizeof(k));
	k.access_key_id = creds_env("AWS_ACCESS_KEY_ID");
	k.secret_access_key = creds_env("AWS_SECRET_ACCESS_KEY");
	k.session_token = creds_env("AWS_SESSION_TOKEN");
	if (!k.access_key_id && !k.secret_access_key) {
		creds_note(notes, "AWS_ACCESS_KEY_ID is not set");
		return CREDS_NEXT;
	}
	if (!k.access_key_id || !k.secret_access_key) {
		creds_why(why, "the environment: %s is set but %s is not",
		    k.access_key_id ? "AWS_ACCESS_KEY_ID" :
		    "AWS_SECRET_ACCESS_KEY", k.access_key_id ?
		    "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return WGTAP_EFORMAT;
	}
	r = creds_check(&k, &env_names, "the environment", why);
	if (r != WGTAP_OK)
		return r;
	r = creds_keep(c, &k, time(NULL), &changed);
	if (r != WGTAP_OK) {
		creds_why(why, "the environment: out of memory");
		return r;
	}
	c->source = CREDS_SRC_ENV;
	creds_fmt(c->origin, sizeof(c->origin), "the environment");
	return WGTAP_OK;
}

/* ---- files -------------------------------------------------------------- */

static void
creds_stamp_of(const struct stat *st, struct creds_stamp *s)
{
	memset(s, 0, sizeof(*s));
	if (st->st_ino == 0 && st->st_dev == 0)
		return;		/* never opened */
	s->present = true;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
	s->ctime = st->st_ctim;
}

static void
creds_stamp_path(const char *path, struct creds_stamp *s)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	if (stat(path, &st) == -1)
		memset(&st, 0, sizeof(st));
	creds_stamp_of(&st, s);
}

static bool
creds_stamp_eq(const struct creds_stamp *a, const struct creds_stamp *b)
{
	if (a->present != b->present)
		return false;
	if (!a->present)
		return true;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* The name of a file source for messages. */
static const char *
creds_file_label(const struct creds *c, enum creds_source src, char *buf,
    size_t cap)
{
	if (src == CREDS_SRC_SYSTEMD)
		creds_fmt(buf, cap, "systemd credential %s (%s)",
		    CREDS_SYSTEMD_NAME, c->path);
	else
		creds_fmt(buf, cap, "%s", c->path);
	return buf;
}

/* Why a profile without keys has none, when it is another kind. */
static const char *
creds_profile_kind(const struct ini *ini, const char *profile)
{
	static const char *const kinds[] = {
		"role_arn", "credential_process", "sso_session",
		"sso_start_url", "web_identity_token_file", "source_profile",
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (ini_get(ini, profile, kinds[i]))
			return kinds[i];
	}
	return NULL;
}

/*
 * Take the keys of c->profile from the parsed file. Returns WGTAP_OK,
 * CREDS_NEXT (no such profile, and that is allowed) or WGTAP_EFORMAT.
 */
static int
creds_from_ini(struct creds *c, const struct ini *ini, enum creds_source src,
    const char *label, bool missing_ok, time_t now, bool *changed,
    struct creds_notes *notes, char why[static CREDS_ERROR_SIZE])
{
	char where[CREDS_ERROR_SIZE], alt[CREDS_PROFILE_MAX + 16];
	const char *kind;
	struct creds_new k;
	int r;

	*changed = false;
	if (!ini_has_section(ini, c->profile)) {
		creds_fmt(alt, sizeof(alt), "profile %s", c->profile);
		if (ini_has_section(ini, alt)) {
			creds_why(why, "%s: no profile [%s]; the credentials "
			    "file names profiles without the word \"profile\" "
			    "(that form is for ~/.aws/config)", label,
			    c->profile);
			return WGTAP_EFORMAT;
		}
		if (missing_ok) {
			creds_note(notes, "%s has no profile [%s]", label,
			    c->profile);
			return CREDS_NEXT;
		}
		creds_why(why, "%s: no profile [%s]", label, c->profile);
		return WGTAP_EFORMAT;
	}
	creds_fmt(where, sizeof(where), "%s profile %s", label,
	    c->profile);
	memset(&k, 0, sizeof(k));
	k.access_key_id = ini_get(ini, c->profile, "aws_access_key_id");
	k.secret_access_key = ini_get(ini, c->profile,
	    "aws_secret_access_key");
	k.session_token = ini_get(ini, c->profile, "aws_session_token");
	if (!k.session_token)
		k.session_token = ini_get(ini, c->profile,
		    "aws_security_token");
	if (!k.access_key_id && !k.secret_access_key) {
		kind = creds_profile_kind(ini, c->profile);
		if (kind)
			creds_why(why, "%s: the profile uses %s, which "
			    "wgtap-ship does not support; give it "
			    "aws_access_key_id and aws_secret_access_key",
			    where, kind);
		else
			creds_why(why, "%s: no aws_access_key_id and "
			    "aws_secret_access_key", where);
		return WGTAP_EFORMAT;
	}
	if (!k.access_key_id || !k.secret_access_key) {
		creds_why(why, "%s: %s is set but %s is not", where,
		    k.access_key_id ? "aws_access_key_id" :
		    "aws_secret_access_key", k.access_key_id ?
		    "aws_secret_access_key" : "aws_access_key_id");
		return WGTAP_EFORMAT;
	}
	r = creds_check(&k, &file_names, where, why);
	if (r != WGTAP_OK)
		return r;
	r = creds_keep(c, &k, now, changed);
	if (r != WGTAP_OK) {
		creds_why(why, "%s: out of memory", where);
		return r;
	}
	c->source = src;
	if (src == CREDS_SRC_SYSTEMD)
		creds_fmt(c->origin, sizeof(c->origin),
		    "systemd credential %s profile %s", CREDS_SYSTEMD_NAME,
		    c->profile);
	else
		creds_fmt(c->origin, sizeof(c->origin), "%s profile %s",
		    c->path, c->profile);
	return WGTAP_OK;
}

/*
 * Read c->path and take the keys of c->profile. A missing file is
 * CREDS_NEXT when absent_ok, a missing profile when missing_ok. Records
 * the file's stamp in c->seen either way.
 */
static int
creds_from_file(struct creds *c, enum creds_source src, bool absent_ok,
    bool missing_ok, time_t now, bool *changed, struct creds_notes *notes,
    char why[static CREDS_ERROR_SIZE])
{
	struct ini_error err;
	struct ini *ini = NULL;
	struct stat st;
	char label[CREDS_ERROR_SIZE];
	int r;

	*changed = false;
	creds_file_label(c, src, label, sizeof(label));
	r = ini_load_file(c->path, &ini, &st, &err);
	creds_stamp_of(&st, &c->seen);
	if (r == WGTAP_ESYS && errno == ENOENT && absent_ok) {
		creds_note(notes, "%s does not exist", label);
		return CREDS_NEXT;
	}
	if (r == WGTAP_ESYS) {
		creds_why(why, "%s: %s", label, strerror(errno));
		return r;
	}
	if (r != WGTAP_OK && err.line > 0) {
		creds_why(why, "%s: line %u: %s", label, err.line, err.what);
		return r;
	}
	if (r != WGTAP_OK) {
		creds_why(why, "%s: %s", label, err.what);
		return r;
	}
	/*
	 * A systemd credential without any profile is the template that
	 * scripts/install puts there, not filled in: the keys come from
	 * elsewhere (an instance role, say).
	 */
	if (src == CREDS_SRC_SYSTEMD && absent_ok && ini_nsections(ini) == 0) {
		creds_note(notes, "%s holds no profile", label);
		ini_free(ini);
		return CREDS_NEXT;
	}
	r = creds_from_ini(c, ini, src, label, missing_ok, now, changed, notes,
	    why);
	ini_free(ini);
	return r;
}

/* Set c->path to dir/name; false (and why) if it is too long. */
static bool
creds_set_path(struct creds *c, const char *a, const char *b,
    const char *what, char why[static CREDS_ERROR_SIZE])
{
	int n = snprintf(c->path, sizeof(c->path), "%s%s", a, b);

	if (n < 0 || (size_t)n >= sizeof(c->path)) {
		c->path[0] = '\0';
		creds_why(why, "%s is longer than %d bytes", what,
		    CREDS_PATH_MAX);
		return false;
	}
	return true;
}

static int
creds_from_systemd(struct creds *c, struct creds_notes *notes,
    char why[static CREDS_ERROR_SIZE])
{
	const char *dir = creds_env("CREDENTIALS_DIRECTORY");
	bool changed;

	if (!dir) {
		creds_note(notes, "CREDENTIALS_DIRECTORY is not set");
		return CREDS_NEXT;
	}
	if (!creds_set_path(c, dir, "/" CREDS_SYSTEMD_NAME,
	    "$CREDENTIALS_DIRECTORY/" CREDS_SYSTEMD_NAME, why))
		return WGTAP_ETOOBIG;
	/* The credential was passed for this program: its profile must be. */
	return creds_from_file(c, CREDS_SRC_SYSTEMD, true, false, time(NULL),
	    &changed, notes, why);
}

static int
creds_from_shared(struct creds *c, struct creds_notes *notes,
    char why[static CREDS_ERROR_SIZE])
{
	const char *file = creds_env("AWS_SHARED_CREDENTIALS_FILE");
	const char *home = creds_env("HOME");
	bool changed, named = file != NULL;

	if (file && strncmp(file, "~/", 2) == 0 && home) {
		if (!creds_set_path(c, home, file + 1,
		    "AWS_SHARED_CREDENTIALS_FILE", why))
			return WGTAP_ETOOBIG;
	} else if (file) {
		if (!creds_set_path(c, file, "", "AWS_SHARED_CREDENTIALS_FILE",
		    why))
			return WGTAP_ETOOBIG;
	} else if (home) {
		if (!creds_set_path(c, home, "/.aws/credentials",
		    "$HOME/.aws/credentials", why))
			return WGTAP_ETOOBIG;
	} else {
		creds_note(notes, "HOME is not set (no ~/.aws/credentials)");
		return CREDS_NEXT;
	}
	/*
	 * A file named by AWS_SHARED_CREDENTIALS_FILE must be there; so must
	 * a profile named by AWS_PROFILE.
	 */
	return creds_from_file(c, CREDS_SRC_FILE, !named, !c->profile_given,
	    time(NULL), &changed, notes, why);
}

/* ---- the instance role -------------------------------------------------- */

/* Format t as 2026-11-24T14:02:31Z. */
static void
creds_iso_time(time_t t, char out[static IMDS_TIME_SIZE])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, IMDS_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		creds_fmt(out, IMDS_TIME_SIZE, "%lld", (long long)t);
}

/*
 * Fetch the role's keys. Returns WGTAP_OK (and *changed) or an error with
 * why set: the metadata service failed, or its keys are unusable or
 * already expired.
 */
static int
creds_fetch_imds(struct creds *c, time_t now, bool *changed,
    char why[static CREDS_ERROR_SIZE])
{
	char iwhy[IMDS_ERROR_SIZE], role[IMDS_ROLE_SIZE], when[IMDS_TIME_SIZE];
	char where[IMDS_ROLE_SIZE + 32];
	struct imds_creds *ic;
	struct creds_new k;
	int r = WGTAP_ENOMEM;

	*changed = false;
	ic = malloc(sizeof(*ic));
	if (!ic) {
		creds_why(why, "instance metadata: out of memory");
		return r;
	}
	r = imds_fetch(&c->imds, ic, role, iwhy);
	if (r != WGTAP_OK) {
		creds_why(why, "%s", iwhy);
		goto out;
	}
	creds_fmt(where, sizeof(where), "the instance role %s", role);
	creds_iso_time(ic->expiration, when);
	r = WGTAP_EFORMAT;
	if (ic->expiration <= now) {
		creds_why(why, "%s: the keys it hands out expired at %s",
		    where, when);
		goto out;
	}
	memset(&k, 0, sizeof(k));
	k.access_key_id = ic->access_key_id;
	k.secret_access_key = ic->secret_access_key;
	k.session_token = ic->token;
	k.expiration = ic->expiration;
	r = creds_check(&k, &imds_names, where, why);
	if (r != WGTAP_OK)
		goto out;
	r = creds_keep(c, &k, now, changed);
	if (r != WGTAP_OK) {
		creds_why(why, "%s: out of memory", where);
		goto out;
	}
	c->source = CREDS_SRC_IMDS;
	memcpy(c->role, role, sizeof(c->role));
	creds_fmt(c->origin, sizeof(c->origin), "%s, expiring at %s", where,
	    when);
	r = WGTAP_OK;
 out:
	imds_creds_wipe(ic);
	free(ic);
	return r;
}

static int
creds_from_imds(struct creds *c, const struct creds_options *opt,
    struct creds_notes *notes, char why[static CREDS_ERROR_SIZE])
{
	bool changed;
	int r;

	if (imds_config_init(&c->imds) != WGTAP_OK) {
		creds_why(why, "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an "
		    "http:// or https:// URL of a host, or "
		    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is not IPv4 or "
		    "IPv6");
		return WGTAP_EFORMAT;
	}
	if (opt && opt->imds_connect_ms > 0)
		c->imds.connect_ms = opt->imds_connect_ms;
	if (opt && opt->imds_request_ms > 0)
		c->imds.request_ms = opt->imds_request_ms;
	if (c->imds.disabled) {
		creds_note(notes, "the instance metadata service is turned "
		    "off (AWS_EC2_METADATA_DISABLED)");
		return CREDS_NEXT;
	}
	r = creds_fetch_imds(c, time(NULL), &changed, why);
	if (r == WGTAP_ENET || r == WGTAP_EHTTP) {
		/*
		 * Not on EC2, or no role: an absent source. But where the
		 * service should answer (named in the environment, or the
		 * firmware says EC2), not reaching it is only late: the
		 * network may not be up yet.
		 */
		if (r == WGTAP_ENET && (c->imds.endpoint_given ||
		    imds_on_ec2()))
			notes->late = true;
		creds_note(notes, "%s", why);
		why[0] = '\0';
		return CREDS_NEXT;
	}
	return r;
}

/* ---- the chain ---------------------------------------------------------- */

int
creds_load(const struct creds_options *opt, struct creds **out,
    char why[static CREDS_ERROR_SIZE])
{
	const char *profile = creds_env("AWS_PROFILE");
	struct creds_notes notes;
	struct creds *c;
	int r = WGTAP_ENOMEM;

	*out = NULL;
	why[0] = '\0';
	notes.buf[0] = '\0';
	notes.len = 0;
	notes.late = false;
	c = calloc(1, sizeof(*c));
	if (!c) {
		creds_why(why, "out of memory");
		return r;
	}
	r = WGTAP_EFORMAT;
	if (profile && (strlen(profile) > CREDS_PROFILE_MAX ||
	    !creds_text_ok(profile))) {
		creds_why(why, "AWS_PROFILE is longer than %d bytes or holds "
		    "control characters", CREDS_PROFILE_MAX);
		goto out;
	}
	c->profile_given = profile != NULL;
	creds_fmt(c->profile, sizeof(c->profile), "%s",
	    profile ? profile : CREDS_DEFAULT_PROFILE);
	r = creds_from_env(c, &notes, why);
	if (r == CREDS_NEXT)
		r = creds_from_systemd(c, &notes, why);
	if (r == CREDS_NEXT)
		r = creds_from_shared(c, &notes, why);
	if (r == CREDS_NEXT)
		r = creds_from_imds(c, opt, &notes, why);
	if (r == CREDS_NEXT) {
		r = notes.late ? WGTAP_ENET : WGTAP_EFORMAT;
		creds_why(why, "no credentials found: %s", notes.buf);
		goto out;
	}
	if (r != WGTAP_OK)
		goto out;
	*out = c;
	c = NULL;
 out:
	creds_free(c);
	return r;
}

void
creds_free(struct creds *c)
{
	if (!c)
		return;
	creds_wipe_keys(c);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

void
creds_get(const struct creds *c, struct creds_keys *k)
{
	k->access_key_id = c->access_key_id;
	k->secret_access_key = c->secret_access_key;
	k->session_token = c->session_token;
}

enum creds_source
creds_source(const struct creds *c)
{
	return c->source;
}

const char *
creds_origin(const struct creds *c)
{
	return c->origin;
}

time_t
creds_expiration(const struct creds *c)
{
	return c->expiration;
}

unsigned
creds_generation(const struct creds *c)
{
	return c->generation;
}

/* ---- refreshing --------------------------------------------------------- */

/*
 * How long before expiry instance-role keys are renewed: a quarter of
 * their lifetime, rounded up (so that even keys good for a few seconds
 * are renewed before they expire), and at most CREDS_AHEAD_MAX.
 */
static time_t
creds_ahead(const struct creds *c)
{
	time_t life = c->expiration - c->fetched, ahead;

	if (life <= 0)
		return 0;
	ahead = life / 4 + (life % 4 != 0);
	return ahead > CREDS_AHEAD_MAX ? CREDS_AHEAD_MAX : ahead;
}

/* How long to wait after a renewal that brought nothing new. */
static time_t
creds_retry(const struct creds *c)
{
	time_t wait = creds_ahead(c) / 5;

	if (wait > CREDS_RETRY_MAX)
		wait = CREDS_RETRY_MAX;
	return wait > 1 ? wait : 1;
}

bool
creds_needs_refresh(const struct creds *c, time_t now)
{
	struct creds_stamp s;

	switch (c->source) {
	case CREDS_SRC_SYSTEMD:
	case CREDS_SRC_FILE:
		creds_stamp_path(c->path, &s);
		return !creds_stamp_eq(&s, &c->seen);
	case CREDS_SRC_IMDS:
		return now >= c->next_try &&
		    now >= c->expiration - creds_ahead(c);
	case CREDS_SRC_ENV:
		break;
	}
	return false;
}

int
creds_refresh(struct creds *c, time_t now, bool force, bool *changed,
    char why[static CREDS_ERROR_SIZE])
{
	struct creds_notes notes;
	int r;

	*changed = false;
	why[0] = '\0';
	notes.buf[0] = '\0';
	notes.len = 0;
	notes.late = false;
	if (c->source == CREDS_SRC_ENV)
		return WGTAP_OK;
	if (!force && !creds_needs_refresh(c, now))
		return WGTAP_OK;
	if (c->source == CREDS_SRC_IMDS) {
		r = creds_fetch_imds(c, now, changed, why);
		c->next_try = r == WGTAP_OK && *changed ? 0 :
		    now + creds_retry(c);
		return r;
	}
	/*
	 * A file once found stays the source: read it again, profile and
	 * all; a file or profile gone missing is an error, not a reason to
	 * look further down the chain.
	 */
	r = creds_from_file(c, c->source, false, false, now, changed, &notes,
	    why);
	if (r == CREDS_NEXT) {
		creds_why(why, "%s", notes.buf);
		r = WGTAP_EFORMAT;
	}
	return r;
}
