// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the unit tests: a scratch spool directory, a scratch
 * file, reading a segment back whole (gzip'd, zstd'd or not), the spool's final
 * names, a test packet, and reference encoders written independently of
 * the code under test.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "check_wgtap.h"
#include "lpm.h"
#include "wgtap.h"

void
tdir_make(struct tdir *t)
{
	snprintf(t->path, sizeof(t->path), "/tmp/wgtap-check-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->path));
	t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ne(t->fd, -1);
}

void
tdir_remove(struct tdir *t)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(t->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	d = fdopendir(fd);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(t->fd, de->d_name, 0) == -1)
			unlinkat(t->fd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
	close(t->fd);
	ck_assert_int_eq(rmdir(t->path), 0);
}

/* slurp() for a zstd file: every frame, decoded whole. */
static char *
slurp_zstd(int fd, size_t *len)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	char *buf = NULL, in[65536];
	size_t cap = 0, n = 0, zr = 0;
	ssize_t got;
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob;

	ck_assert_ptr_nonnull(dc);
	while ((got = read(fd, in, sizeof(in))) > 0) {
		ib.src = in;
		ib.size = (size_t)got;
		ib.pos = 0;
		do {
			if (cap - n < 65536) {
				cap = cap ? cap * 2 : 131072;
				buf = realloc(buf, cap);
				ck_assert_ptr_nonnull(buf);
			}
			ob.dst = buf + n;
			ob.size = cap - n - 1;
			ob.pos = 0;
			zr = ZSTD_decompressStream(dc, &ob, &ib);
			ck_assert_msg(!ZSTD_isError(zr), "zstd: %s",
			    ZSTD_getErrorName(zr));
			n += ob.pos;
		} while (ib.pos < ib.size || ob.pos == ob.size);
	}
	ck_assert_int_eq(got, 0);
	ck_assert_msg(zr == 0, "zstd: the frame does not end");
	ZSTD_freeDCtx(dc);
	close(fd);
	if (!buf) {
		buf = malloc(1);
		ck_assert_ptr_nonnull(buf);
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

char *
slurp(int dirfd, const char *name, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;
	gzFile gz;
	int fd, r;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	n = strlen(name);
	if (n > 4 && strcmp(name + n - 4, ".zst") == 0)
		return slurp_zstd(fd, len);
	n = 0;
	gz = gzdopen(fd, "rb");
	ck_assert_ptr_nonnull(gz);
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 131072;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		r = gzread(gz, buf + n, (unsigned)(cap - n - 1));
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	gzclose(gz);
	buf[n] = '\0';
	*len = n;
	return buf;
}

size_t
check_udp4(uint8_t b[static CHECK_UDP4_LEN], uint16_t sport)
{
	static const uint8_t hdr[28] = {
		0x45, 0, 0, 36, 0, 1, 0, 0, 64, 17, 0, 0,
		192, 0, 2, 1, 198, 51, 100, 2,
		0, 0, 0, 9, 0, 16, 0, 0,
	};

	memcpy(b, hdr, sizeof(hdr));
	b[20] = (uint8_t)(sport >> 8);
	b[21] = (uint8_t)sport;
	memset(b + 28, 0, 8);
	return CHECK_UDP4_LEN;
}

size_t
check_finals(int dirfd, char names[][SPOOL_MAX_NAME], size_t max)
{
	struct spool_list l = { 0 };
	size_t i, n = 0;

	ck_assert_int_eq(spool_scan(dirfd, &l), WGTAP_OK);
	for (i = 0; i < l.n; i++) {
		if (l.v[i].kind != SPOOL_SEGMENT)
			continue;
		ck_assert_uint_lt(n, max);
		memcpy(names[n++], l.v[i].name, SPOOL_MAX_NAME);
	}
	spool_list_free(&l);
	return n;
}

size_t
check_count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

size_t
check_ref_base64(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned acc = 0, bits = 0;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8 | in[i]) & 0xffff;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = a[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = a[(acc << (6 - bits)) & 63];
	while (o % 4)
		out[o++] = '=';
	out[o] = '\0';
	return o;
}

int
tfile_fd(const void *data, size_t len)
{
	char path[] = "/tmp/wgtap-check-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ne(fd, -1);
	unlink(path);
	if (len > 0)
		ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

int
check_addr(const char *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, a, out) == 1)
		return 4;
	ck_assert_msg(inet_pton(AF_INET6, a, out) == 1, "bad address %s", a);
	return 6;
}

void
check_lpm_add(struct lpm *t, const char *a, unsigned plen, uint32_t v)
{
	uint8_t b[16];
	int fam = check_addr(a, b);

	ck_assert_int_eq(lpm_add(t, fam, b, plen, v), WGTAP_OK);
}

void
check_ref_hex(const uint8_t *in, size_t n, char *out)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

void
errcap_start(struct errcap *c)
{
	c->fd = tfile_fd(NULL, 0);
	c->saved = dup(STDERR_FILENO);
	ck_assert_int_ne(c->saved, -1);
	ck_assert_int_eq(dup2(c->fd, STDERR_FILENO), STDERR_FILENO);
}

char *
errcap_end(struct errcap *c)
{
	struct stat st;
	char *text;

	ck_assert_int_eq(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
	close(c->saved);
	ck_assert_int_eq(fstat(c->fd, &st), 0);
	text = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(pread(c->fd, text, (size_t)st.st_size, 0),
	    st.st_size);
	text[st.st_size] = '\0';
	close(c->fd);
	return text;
}

/*
 * The listening socket dir/name.sock, and a child to serve it: in the
 * parent, the child's PID (*ls closed); in the child, 0 with *ls open.
 */
static pid_t
fake_fork(const char *dir, const char *name, int *ls)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	pid_t pid, parent;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock", dir, name);
	*ls = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(*ls, 0);
	ck_assert_int_eq(bind(*ls, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(*ls, 8), 0);
	parent = getpid();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid > 0) {
		close(*ls);
		return pid;
	}
	/* Check's runner forwards SIGTERM to the group: not here */
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* a test that fails before it kills the server takes it along */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	return 0;
}

/* A UAPI server in a child (check_wgtap.h). */
pid_t
uapi_fake_start(const char *dir, const char *name, const char *reply,
    int mode)
{
	char req[16] = { 0 };
	size_t len = strlen(reply), o;
	int ls, c;
	pid_t pid;

	pid = fake_fork(dir, name, &ls);
	if (pid > 0)
		return pid;
	c = accept(ls, NULL, NULL);
	if (c < 0 || read(c, req, 7) != 7 || strcmp(req, "get=1\n\n") != 0)
		_exit(3);
	if (mode == 2) {
		pause();
		_exit(0);
	}
	if (mode == 1)
		len /= 2;
	for (o = 0; o < len; o += 100) {
		if (write(c, reply + o, len - o < 100 ? len - o : 100) < 0)
			_exit(4);
		usleep(1000);
	}
	_exit(0);
}

/* A UAPI server that answers from a file until killed (check_wgtap.h). */
pid_t
uapi_fake_serve(const char *dir, const char *name, const char *path,
    int notify_fd)
{
	char req[16], buf[4096];
	ssize_t n;
	int ls, c, f;
	pid_t pid;

	pid = fake_fork(dir, name, &ls);
	if (pid > 0)
		return pid;
	for (;;) {
		c = accept(ls, NULL, NULL);
		memset(req, 0, sizeof(req));
		if (c < 0 || read(c, req, 7) != 7 ||
		    strcmp(req, "get=1\n\n") != 0)
			_exit(3);
		f = open(path, O_RDONLY);
		if (f < 0)
			_exit(5);
		while ((n = read(f, buf, sizeof(buf))) > 0)
			if (write(c, buf, (size_t)n) != n)
				break;
		close(f);
		close(c);
		if (write(notify_fd, "r", 1) != 1)
			_exit(6);
	}
}

int
uapi_fake_reap(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
