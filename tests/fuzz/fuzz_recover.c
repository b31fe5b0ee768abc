// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for segment recovery: arbitrary bytes as a leftover
 * temporary segment (zstd when the first byte's two low bits are set,
 * else gzip when it is odd, plain otherwise).
 * Whatever it holds, recovery must finish, leave no leftover behind, and
 * publish only rows of the shape its header names (v1 or v2).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "csv.h"
#include "recover.h"
#include "segment.h"
#include "spool.h"
#include "wgtap.h"

#define NAME "fz-20251124T160000.000000000Z-000000.csv"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int dirfd_ = -1;

/* The lines of a published segment's text: a header, then v1 rows. */
static void
check_lines(const char *text, size_t len)
{
	const char *p = text, *nl;
	int first = 1, format = 0;

	while (p < text + len) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			abort();	/* a published segment ends in a newline */
		if (first) {
			/* the header of v1 or v2, as the leftover had it */
			format = csv_header_format(p, (size_t)(nl + 1 - p));
			if (format == 0)
				abort();
			first = 0;
		} else if (!csv_row_plausible(p, (size_t)(nl - p),
		    (enum csv_format)format)) {
			abort();
		}
		p = nl + 1;
	}
}

/* A published .csv.zst: one frame that ends, of good lines. */
static void
check_published_zstd(int fd)
{
	static unsigned char in[1 << 16];
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob = { NULL, 0, 0 };
	ssize_t got;
	size_t zr = 0;

	if (!dc)
		abort();
	while ((got = read(fd, in, sizeof(in))) > 0) {
		ib.src = in;
		ib.size = (size_t)got;
		ib.pos = 0;
		while (ib.pos < ib.size || ob.pos == ob.size) {
			if (ob.size - ob.pos < (1 << 20)) {
				ob.size = ob.size ? ob.size * 2 : (1 << 22);
				ob.dst = realloc(ob.dst, ob.size);
				if (!ob.dst)
					abort();
			}
			zr = ZSTD_decompressStream(dc, &ob, &ib);
			if (ZSTD_isError(zr))
				abort();
		}
	}
	if (got != 0 || zr != 0)
		abort();	/* the frame must end */
	check_lines(ob.dst, ob.pos);
	free(ob.dst);
	ZSTD_freeDCtx(dc);
	close(fd);
}

static void
check_published(const char *final)
{
	char line[CSV_ROW_MAX_V2 + 2];
	gzFile gz;
	int fd, first = 1, format = 0;

	fd = openat(dirfd_, final, O_RDONLY);
	if (fd == -1)
		abort();
	if (strlen(final) > 4 && strcmp(final + strlen(final) - 4, ".zst") == 0) {
		check_published_zstd(fd);
		unlinkat(dirfd_, final, 0);
		return;
	}
	gz = gzdopen(fd, "rb");
	if (!gz)
		abort();
	while (gzgets(gz, line, sizeof(line))) {
		size_t len = strlen(line);

		if (len == 0 || line[len - 1] != '\n')
			abort();
		if (first) {
			format = csv_header_format(line, len);
			if (format == 0)
				abort();
			first = 0;
		} else if (!csv_row_plausible(line, len - 1,
		    (enum csv_format)format)) {
			abort();
		}
	}
	gzclose(gz);
	unlinkat(dirfd_, final, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recover_result res;
	struct segment_cfg cfg;
	const char *tmp;
	int fd;

	if (dirfd_ == -1) {
		/* tmpfs where there is one: fsync is then cheap */
		char shm[] = "/dev/shm/wgtap-fuzz-XXXXXX";
		char tmp[] = "/tmp/wgtap-fuzz-XXXXXX";
		char *dir = access("/dev/shm", W_OK) == 0 ? shm : tmp;

		if (!mkdtemp(dir))
			abort();
		dirfd_ = open(dir, O_RDONLY | O_DIRECTORY);
		if (dirfd_ == -1)
			abort();
	}
	if (size < 1)
		return 0;
	if ((data[0] & 3) == 3)
		tmp = "." NAME ".zst.part";
	else
		tmp = (data[0] & 1) ? "." NAME ".gz.part" : "." NAME ".part";
	fd = openat(dirfd_, tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.dirfd = dirfd_;
	cfg.level = 1;
	if (recover_file(&cfg, tmp, &res) != WGTAP_OK)
		abort();
	if (faccessat(dirfd_, tmp, F_OK, 0) == 0)
		abort();	/* the leftover must be gone */
	if (res.final[0])
		check_published(res.final);
	return 0;
}
