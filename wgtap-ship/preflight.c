// SPDX-License-Identifier: MIT
/*
 * wgtap-ship --check, step by step: the credential chain, the endpoint's
 * name looked up (getaddrinfo), a connection with the TLS handshake and
 * the certificate checked (s3_connect()), one small PutObject under the
 * key prefix through the same code that ships segments, and its
 * DeleteObject. Each step prints one line and the first failure ends the
 * run; the sentences on the usual causes live in preflight_cause(), which
 * is pure so that each can be tested. The keys are never printed; every
 * line has its control bytes replaced, as log lines do, because error
 * texts come from outside.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "chars.h"
#include "creds.h"
#include "preflight.h"
#include "s3body.h"
#include "wgtap.h"

#define PREFLIGHT_LINE_SIZE	1024
#define PREFLIGHT_BODY_SIZE	256

/* State of one run. */
struct preflight {
	const struct config	*cfg;
	FILE			*out;
	struct creds		*creds;
	struct s3_client	*s3;
	char			 key[S3_KEY_SIZE];
	int			 (*abort_cb)(void *);
	void			*abort_arg;
};

static void say(FILE *out, const char *step, const char *verdict,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Print "step: verdict: text" as one line, control bytes replaced. */
static void
say(FILE *out, const char *step, const char *verdict, const char *fmt, ...)
{
	char line[PREFLIGHT_LINE_SIZE];
	va_list ap;
	size_t i;
	int n;

	n = snprintf(line, sizeof(line), "%s: %s: ", step, verdict);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	for (i = 0; line[i] != '\0'; i++) {
		if (chars_is_cntrl(line[i]))
			line[i] = '?';
	}
	fprintf(out, "%s\n", line);
	fflush(out);
}

/* Text into cause; cut short, it is still one terminated sentence. */
static void __attribute__((format(printf, 2, 3)))
cause_fmt(char cause[static PREFLIGHT_CAUSE_SIZE], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(cause, PREFLIGHT_CAUSE_SIZE, fmt, ap);
	va_end(ap);
}

/* The cause of an S3 error code; false when the code is not one we know. */
static bool
cause_of_code(const char *code, enum preflight_step step,
    const struct config *cfg, char cause[static PREFLIGHT_CAUSE_SIZE])
{
	if (strcmp(code, "SignatureDoesNotMatch") == 0)
		cause_fmt(cause, "the secret key is wrong, or the region is: "
		    "the bucket must be in --storage-region %s", cfg->region);
	else if (strcmp(code, "InvalidAccessKeyId") == 0)
		cause_fmt(cause, "the store does not know this access key ID: "
		    "a wrong or deleted key, or keys for another store");
	else if (strcmp(code, "AccessDenied") == 0)
		cause_fmt(cause, "the keys are valid but the IAM or bucket "
		    "policy does not allow s3:%s on %s/%s*",
		    step == PREFLIGHT_DELETE ? "DeleteObject" : "PutObject",
		    cfg->bucket, cfg->prefix);
	else if (strcmp(code, "NoSuchBucket") == 0)
		cause_fmt(cause, "there is no bucket %s at this endpoint: check "
		    "--storage-bucket and --storage-endpoint", cfg->bucket);
	else if (strcmp(code, "RequestTimeTooSkewed") == 0)
		cause_fmt(cause, "this host's clock is more than 15 minutes "
		    "off: set it right (NTP, timedatectl)");
	else if (strcmp(code, "ExpiredToken") == 0 ||
	    strcmp(code, "TokenRefreshRequired") == 0)
		cause_fmt(cause, "the session token has expired: renew the "
		    "temporary keys");
	else if (strcmp(code, "InvalidToken") == 0)
		cause_fmt(cause, "the session token is malformed or does not "
		    "go with the access key ID");
	else if (strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
	    strcmp(code, "PermanentRedirect") == 0 ||
	    strcmp(code, "IllegalLocationConstraintException") == 0)
		cause_fmt(cause, "the bucket is in another region than "
		    "--storage-region %s", cfg->region);
	else if (strcmp(code, "AllAccessDisabled") == 0 ||
	    strcmp(code, "AccountProblem") == 0)
		cause_fmt(cause, "the store has blocked this account or "
		    "bucket");
	else
		return false;
	return true;
}

void
preflight_cause(const struct s3_result *res, enum preflight_step step,
    const struct config *cfg, char cause[static PREFLIGHT_CAUSE_SIZE])
{
	cause[0] = '\0';
	if (res->code[0] != '\0' &&
	    cause_of_code(res->code, step, cfg, cause))
		return;
	switch (res->net) {
	case S3_NET_RESOLVE:
		cause_fmt(cause, "the host name does not resolve: check "
		    "--storage-endpoint and this host's DNS");
		break;
	case S3_NET_CONNECT:
		cause_fmt(cause, "nothing accepts connections there: check the "
		    "host and port of --storage-endpoint, and firewalls");
		break;
	case S3_NET_TIMEOUT:
		cause_fmt(cause, "no answer within --timeout %ld s: a firewall "
		    "may drop the packets, or the endpoint is wrong",
		    cfg->timeout);
		break;
	case S3_NET_CERT:
		if (strstr(res->error, "not yet valid") ||
		    strstr(res->error, "has expired"))
			cause_fmt(cause, "the certificate is not valid at this "
			    "host's time: is the clock right (NTP, "
			    "timedatectl)?");
		else
			cause_fmt(cause, "the server's certificate is not "
			    "trusted: give the CA that signed it with "
			    "--ca-file, or use the host name the certificate "
			    "is for");
		break;
	case S3_NET_TLS:
		cause_fmt(cause, "the TLS handshake failed: does the endpoint "
		    "speak https://, and on that port?");
		break;
	case S3_NET_NONE:
	case S3_NET_OTHER:
		break;
	}
}

/* "FAILED" (or verdict) line for a result, with its cause when known. */
static void
say_result(struct preflight *p, const char *step, const char *verdict,
    enum preflight_step which, const struct s3_result *res)
{
	char cause[PREFLIGHT_CAUSE_SIZE];

	preflight_cause(res, which, p->cfg, cause);
	if (cause[0] == '\0')
		say(p->out, step, verdict, "%s", res->error);
	else if (res->code[0] != '\0')
		say(p->out, step, verdict, "HTTP %ld %s: %s", res->status,
		    res->code, cause);
	else
		say(p->out, step, verdict, "%s: %s", res->error, cause);
}

static bool
step_credentials(struct preflight *p)
{
	char why[CREDS_ERROR_SIZE];
	int r;

	r = creds_load(NULL, &p->creds, why);
	if (r != WGTAP_OK) {
		say(p->out, "credentials", "FAILED", "%s", why);
		return false;
	}
	say(p->out, "credentials", "ok", "%s", creds_origin(p->creds));
	return true;
}

/* Whether libcurl would go through a proxy for this scheme. */
static const char *
proxy_var(bool https)
{
	static const char *const https_vars[] = { "https_proxy",
	    "HTTPS_PROXY", "all_proxy", "ALL_PROXY", NULL };
	static const char *const http_vars[] = { "http_proxy", "all_proxy",
	    "ALL_PROXY", NULL };
	const char *const *v;
	const char *val;

	for (v = https ? https_vars : http_vars; *v; v++) {
		val = getenv(*v);
		if (val && val[0] != '\0')
			return *v;
	}
	return NULL;
}

/* The host to look up: the bucket's name when virtual-hosted, brackets off. */
static bool
lookup_name(const struct config *cfg, char *name, size_t cap)
{
	const char *h = cfg->endpoint.host;
	size_t len = strlen(h);
	int n;

	if (h[0] == '[' && len >= 2)
		n = snprintf(name, cap, "%.*s", (int)(len - 2), h + 1);
	else if (s3_use_virtual(&cfg->endpoint, cfg->addressing, cfg->bucket))
		n = snprintf(name, cap, "%s.%s", cfg->bucket, h);
	else
		n = snprintf(name, cap, "%s", h);
	return n >= 0 && (size_t)n < cap;
}

static bool
step_endpoint(struct preflight *p)
{
	const struct s3_endpoint *ep = &p->cfg->endpoint;
	char name[S3_HOST_SIZE + S3_BUCKET_MAX + 2], addr[NI_MAXHOST];
	char port[16];
	struct addrinfo hints, *res = NULL, *a;
	const char *scheme = ep->https ? "https" : "http", *proxy;
	unsigned more = 0;
	int r;

	r = snprintf(port, sizeof(port), "%u", ep->port ? ep->port :
	    ep->https ? 443u : 80u);
	if (!lookup_name(p->cfg, name, sizeof(name)) || r < 0 ||
	    (size_t)r >= sizeof(port)) {
		say(p->out, "endpoint", "FAILED", "the host name is too long");
		return false;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(name, port, &hints, &res) == 0) {
		freeaddrinfo(res);
		say(p->out, "endpoint", "ok", "%s port %s, %s (an address: "
		    "nothing to look up)", name, port, scheme);
		return true;
	}
	hints.ai_flags = AI_ADDRCONFIG;
	r = getaddrinfo(name, port, &hints, &res);
	proxy = proxy_var(ep->https);
	if (r != 0) {
		if (proxy) {
			say(p->out, "endpoint", "note", "%s: %s; a proxy is "
			    "set (%s), which looks the name up itself", name,
			    r == EAI_SYSTEM ? strerror(errno) :
			    gai_strerror(r), proxy);
			return true;
		}
		say(p->out, "endpoint", "FAILED", "%s: %s: the host name does "
		    "not resolve: check --storage-endpoint and this host's "
		    "DNS", name, r == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(r));
		return false;
	}
	if (getnameinfo(res->ai_addr, res->ai_addrlen, addr, sizeof(addr),
	    NULL, 0, NI_NUMERICHOST) != 0)
		memcpy(addr, "an address", sizeof("an address"));
	for (a = res->ai_next; a; a = a->ai_next)
		more++;
	freeaddrinfo(res);
	if (more > 0)
		say(p->out, "endpoint", "ok", "%s is %s (and %u more), port %s, "
		    "%s%s%s", name, addr, more, port, scheme,
		    proxy ? ", through the proxy in " : "", proxy ? proxy : "");
	else
		say(p->out, "endpoint", "ok", "%s is %s, port %s, %s%s%s",
		    name, addr, port, scheme,
		    proxy ? ", through the proxy in " : "", proxy ? proxy : "");
	return true;
}

static bool
step_connect(struct preflight *p)
{
	struct s3_config sc;
	struct s3_result res;
	char peer[S3_PEER_SIZE];
	int r;

	memset(&sc, 0, sizeof(sc));
	sc.endpoint = p->cfg->endpoint;
	sc.addressing = p->cfg->addressing;
	sc.bucket = p->cfg->bucket;
	sc.region = p->cfg->region;
	sc.creds = p->creds;
	sc.ca_file = p->cfg->ca_file;
	sc.timeout = p->cfg->timeout;
	sc.abort_cb = p->abort_cb;
	sc.abort_arg = p->abort_arg;
	r = s3_client_new(&sc, &p->s3);
	if (r != WGTAP_OK) {
		say(p->out, "connect", "FAILED", "S3 client: %s%s%s",
		    wgtap_strerror(r), p->cfg->ca_file ? ", --ca-file " : "",
		    p->cfg->ca_file ? p->cfg->ca_file : "");
		return false;
	}
	r = s3_connect(p->s3, &res, peer);
	if (r != WGTAP_OK) {
		say_result(p, "connect", "FAILED", PREFLIGHT_CONNECT, &res);
		return false;
	}
	say(p->out, "connect", "ok", "%s%s", peer[0] ? peer : "connected",
	    p->cfg->endpoint.https ? ", TLS, certificate verified" : "");
	return true;
}

/* The small body: who checked, and when. */
static int
check_body(const struct config *cfg, struct s3_body *body, int *fdp)
{
	char text[PREFLIGHT_BODY_SIZE], when[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd, n, r = WGTAP_ESYS;

	*fdp = -1;
	if (!gmtime_r(&now, &tm) ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		when[0] = '\0';
	n = snprintf(text, sizeof(text), "wgtap-ship --check from %s at %s\n",
	    cfg->host, when);
	if (n < 0 || (size_t)n >= sizeof(text))
		return WGTAP_ETOOBIG;
	fd = memfd_create("wgtap-check", MFD_CLOEXEC);
	if (fd == -1)
		return r;
	if (write(fd, text, (size_t)n) != n)
		goto out;
	r = s3_body_hash(fd, body);
	if (r != WGTAP_OK)
		goto out;
	*fdp = fd;
	fd = -1;
 out:
	if (fd != -1)
		close(fd);
	return r;
}

static bool
step_upload(struct preflight *p)
{
	struct s3_result res;
	struct s3_body body;
	int fd, n, r;

	n = snprintf(p->key, sizeof(p->key), "%s%s%s", p->cfg->prefix,
	    CONFIG_CHECK_DIR, p->cfg->host);
	if (n < 0 || (size_t)n >= sizeof(p->key)) {
		say(p->out, "upload", "FAILED", "the key would be too long");
		return false;
	}
	r = check_body(p->cfg, &body, &fd);
	if (r != WGTAP_OK) {
		say(p->out, "upload", "FAILED", "the object to upload: %s",
		    wgtap_strerror(r));
		return false;
	}
	r = s3_put_object(p->s3, p->key, "text/plain; charset=utf-8", &body,
	    &res);
	close(fd);
	if (r != WGTAP_OK) {
		say_result(p, "upload", "FAILED", PREFLIGHT_UPLOAD, &res);
		return false;
	}
	say(p->out, "upload", "ok", "s3://%s/%s (HTTP %ld, %.2f s)",
	    p->cfg->bucket, p->key, res.status, res.secs);
	return true;
}

static bool
step_delete(struct preflight *p)
{
	struct s3_result res;
	int r;

	r = s3_delete_object(p->s3, p->key, &res);
	if (r == WGTAP_OK) {
		say(p->out, "delete", "ok", "s3://%s/%s (HTTP %ld)",
		    p->cfg->bucket, p->key, res.status);
		return true;
	}
	if (r == WGTAP_EHTTP && strcmp(res.code, "AccessDenied") == 0) {
		say(p->out, "delete", "note", "HTTP %ld AccessDenied: the "
		    "policy does not allow s3:DeleteObject, which shipping "
		    "does not need; s3://%s/%s stays (the next check from "
		    "this host overwrites it)", res.status, p->cfg->bucket,
		    p->key);
		return true;
	}
	say_result(p, "delete", "FAILED", PREFLIGHT_DELETE, &res);
	return false;
}

bool
preflight_run(const struct config *cfg, FILE *out, int (*abort_cb)(void *),
    void *abort_arg)
{
	struct preflight p;
	bool ok;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.out = out;
	p.abort_cb = abort_cb;
	p.abort_arg = abort_arg;
	ok = step_credentials(&p) && step_endpoint(&p) && step_connect(&p) &&
	    step_upload(&p) && step_delete(&p);
	s3_client_free(p.s3);
	creds_free(p.creds);
	return ok;
}
