// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the shipper's unit tests: files in a scratch spool, a
 * segment with the v1 header, keys from the environment, an S3 client and
 * shipping configuration for a loopback endpoint, and an HTTP responder
 * to play the server for one request or a few in a row.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "check_wgtap.h"
#include "creds.h"
#include "csv.h"
#include "wgtap.h"

void
tfile_write(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

bool
tfile_exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

off_t
tseg_write(int dirfd, const char *name)
{
	struct stat st;
	gzFile gz;
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640);
	ck_assert_int_ne(fd, -1);
	gz = gzdopen(fd, "wb");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_gt(gzputs(gz, CSV_HEADER
	    "192.0.2.1,,192.0.2.2,,ICMP,84,1795000000000000000,\n"), 0);
	ck_assert_int_eq(gzclose(gz), Z_OK);
	ck_assert_int_eq(fstatat(dirfd, name, &st, 0), 0);
	return st.st_size;
}

/* Set name to value, or unset it when value is NULL. */
static void
env_set(const char *name, const char *value)
{
	if (value)
		ck_assert_int_eq(setenv(name, value, 1), 0);
	else
		ck_assert_int_eq(unsetenv(name), 0);
}

struct creds *
tcreds_new(const char *id, const char *secret, const char *token)
{
	char why[CREDS_ERROR_SIZE];
	struct creds *c = NULL;

	env_set("AWS_ACCESS_KEY_ID", id);
	env_set("AWS_SECRET_ACCESS_KEY", secret);
	env_set("AWS_SESSION_TOKEN", token);
	env_set("AWS_EC2_METADATA_DISABLED", "true");
	ck_assert_msg(creds_load(NULL, &c, why) == WGTAP_OK, "%s", why);
	env_set("AWS_ACCESS_KEY_ID", NULL);
	env_set("AWS_SECRET_ACCESS_KEY", NULL);
	env_set("AWS_SESSION_TOKEN", NULL);
	ck_assert_int_eq(creds_source(c), CREDS_SRC_ENV);
	return c;
}

/* The keys of the client tclient_new() made; freed with it. */
static struct creds *tclient_creds;

struct s3_client *
tclient_new(const char *url)
{
	struct s3_config cfg;
	struct s3_client *c = NULL;

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(s3_endpoint_parse(url, &cfg.endpoint), WGTAP_OK);
	cfg.addressing = S3_ADDR_PATH;
	cfg.bucket = "bucket";
	cfg.region = "us-east-1";
	tclient_creds = tcreds_new("AKIDEXAMPLE", "secret", NULL);
	cfg.creds = tclient_creds;
	cfg.timeout = 2;
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	ck_assert_int_eq(s3_client_new(&cfg, &c), WGTAP_OK);
	return c;
}

void
tclient_free(struct s3_client *c)
{
	s3_client_free(c);
	creds_free(tclient_creds);
	tclient_creds = NULL;
	curl_global_cleanup();
}

void
tship_config(struct ship_config *sc, struct s3_client *c)
{
	memset(sc, 0, sizeof(*sc));
	sc->s3 = c;
	sc->bucket = "bucket";
	sc->prefix = "wgtap/";
	sc->host = "gw1";
}

/*
 * The HTTP responder: for each of n connections in turn, read one request
 * (headers and Content-Length bytes of body), write it to the pipe out,
 * run hook, then send the next response (or nothing at all when it is
 * NULL, to play a hung server); exit after the last.
 */
const char fake_accept_only[] = "";

static void
fake_serve(int ls, int out, const char *const *responses, size_t n,
    fake_hook *hook, void *arg)
{
	char buf[65536];
	size_t len, need, i;
	const char *end, *cl;
	ssize_t r;
	int s;

	for (i = 0; i < n; i++) {
		s = accept(ls, NULL, NULL);
		if (s == -1)
			_exit(1);
		if (responses[i] == fake_accept_only) {
			if (i + 1 == n)
				close(out);
			continue;	/* left open, never read */
		}
		len = 0;
		for (;;) {
			r = read(s, buf + len, sizeof(buf) - 1 - len);
			if (r <= 0)
				break;
			len += (size_t)r;
			buf[len] = '\0';
			end = strstr(buf, "\r\n\r\n");
			if (!end)
				continue;
			cl = strcasestr(buf, "\r\nContent-Length:");
			need = (size_t)(end - buf) + 4;
			if (cl && cl < end)
				need += strtoul(cl + 17, NULL, 10);
			if (len >= need)
				break;
		}
		if (write(out, buf, len) != (ssize_t)len)
			_exit(1);
		if (i + 1 == n)
			close(out);	/* every request is in the pipe */
		if (hook)
			hook(i, buf, len, arg);
		if (!responses[i]) {
			pause();	/* hung: the connection stays open */
			_exit(0);
		}
		if (write(s, responses[i], strlen(responses[i])) !=
		    (ssize_t)strlen(responses[i]))
			_exit(1);
		shutdown(s, SHUT_WR);
		while (read(s, buf, sizeof(buf)) > 0)
			;
		close(s);
	}
	_exit(0);
}

void
fake_start_seq(struct fake *f, const char *const *responses, size_t n,
    fake_hook *hook, void *arg)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int ls, p[2];

	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(ls, -1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(ls, 4), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&sa, &salen), 0);
	f->port = ntohs(sa.sin_port);
	ck_assert_int_eq(pipe(p), 0);
	f->pid = fork();
	ck_assert_int_ne(f->pid, -1);
	if (f->pid == 0) {
		close(p[0]);
		fake_serve(ls, p[1], responses, n, hook, arg);
	}
	close(p[1]);
	close(ls);
	f->reqfd = p[0];
}

void
fake_start(struct fake *f, const char *response)
{
	const char *responses[1] = { response };

	fake_start_seq(f, responses, 1, NULL, NULL);
}

char *
fake_request(struct fake *f)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	while ((n = read(f->reqfd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

void
fake_stop(struct fake *f)
{
	int status;

	kill(f->pid, SIGKILL);
	waitpid(f->pid, &status, 0);
	close(f->reqfd);
}

void
fake_ok_response(int dirfd, const char *name, char *buf, size_t cap)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	struct stat st;
	char hex[33];
	char *data;
	int fd, n;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	data = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(pread(fd, data, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	ck_assert_int_eq(EVP_Digest(data, (size_t)st.st_size, md, &mdlen,
	    EVP_md5(), NULL), 1);
	ck_assert_uint_eq(mdlen, 16);
	check_ref_hex(md, 16, hex);
	free(data);
	n = snprintf(buf, cap, "HTTP/1.1 200 OK\r\nETag: \"%s\"\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", hex);
	ck_assert(n > 0 && (size_t)n < cap);
}
