// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for segment recovery: arbitrary bytes as a leftover
 * temporary segment (gzip when the first byte is odd, plain otherwise).
 * Whatever it holds, recovery must finish, leave no leftover behind, and
 * publish only rows of the shape its header names (v1 or v2).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "csv.h"
#include "recover.h"
#include "segment.h"
#include "spool.h"
#include "wgtap.h"

#define NAME "fz-20251124T160000.000000000Z-000000.csv"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int dirfd_ = -1;

static void
check_published(const char *final)
{
	char line[CSV_ROW_MAX_V2 + 2];
	gzFile gz;
	int fd, first = 1, format = 0;

	fd = openat(dirfd_, final, O_RDONLY);
	if (fd == -1)
		abort();
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
