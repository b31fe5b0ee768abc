// SPDX-License-Identifier: MIT
/*
 * codecs FILE.csv [RUNS]: compress the CSV as wgtap-capture's writer does
 * (256 KiB chunks into one stream, closed at the end) with gzip level 1
 * (zlib, gzip wrapper, memLevel 8: the reference) and with zstd at each
 * level, and print per codec the CPU time per row (this thread's CPU
 * clock, median of RUNS, interleaved: each run does every codec once) and
 * the bytes out, each also as a ratio to gzip level 1 of the same run.
 * Built by bench/run.sh (cc -O2 codecs.c -lz -lzstd).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK	(256 * 1024)
#define MAXRUNS	15

static const int zlevels[] = { 1, 2, 3, 4, 5, 6, 7, 9, 12 };
#define NCODEC	(1 + (int)(sizeof(zlevels) / sizeof(zlevels[0])))

static unsigned char outbuf[CHUNK * 2];

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* gzip level 1 as segment.c does it; returns the bytes out. */
static size_t
run_gzip(const unsigned char *data, size_t len)
{
	z_stream zs;
	size_t off = 0, out = 0, n;
	int flush;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		exit(1);
	do {
		n = len - off < CHUNK ? len - off : CHUNK;
		flush = off + n == len ? Z_FINISH : Z_NO_FLUSH;
		zs.next_in = (Bytef *)(data + off);
		zs.avail_in = (uInt)n;
		do {
			zs.next_out = outbuf;
			zs.avail_out = sizeof(outbuf);
			deflate(&zs, flush);
			out += sizeof(outbuf) - zs.avail_out;
		} while (zs.avail_out == 0);
		off += n;
	} while (off < len);
	deflateEnd(&zs);
	return out;
}

/* zstd at level as segment.c does it (checksum on); the bytes out. */
static size_t
run_zstd(const unsigned char *data, size_t len, int level)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t off = 0, out = 0, n, left;
	ZSTD_EndDirective mode;

	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	do {
		n = len - off < CHUNK ? len - off : CHUNK;
		mode = off + n == len ? ZSTD_e_end : ZSTD_e_continue;
		ZSTD_inBuffer ib = { data + off, n, 0 };
		do {
			ZSTD_outBuffer ob = { outbuf, sizeof(outbuf), 0 };

			left = ZSTD_compressStream2(c, &ob, &ib, mode);
			if (ZSTD_isError(left))
				exit(1);
			out += ob.pos;
		} while (ib.pos < ib.size || (mode == ZSTD_e_end && left));
		off += n;
	} while (off < len);
	ZSTD_freeCCtx(c);
	return out;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	static double t[NCODEC][MAXRUNS], ratio[NCODEC][MAXRUNS];
	size_t bytes[NCODEC], len, rows = 0, i;
	unsigned char *data;
	int runs = argc > 2 ? atoi(argv[2]) : 3, r, k;
	FILE *f;
	double t0;

	if (argc < 2 || runs < 1 || runs > MAXRUNS) {
		fprintf(stderr, "usage: codecs FILE.csv [RUNS]\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0)
		return 1;
	len = (size_t)ftell(f);
	rewind(f);
	data = malloc(len);
	if (!data || fread(data, 1, len, f) != len)
		return 1;
	fclose(f);
	for (i = 0; i < len; i++)
		rows += data[i] == '\n';
	rows--;	/* the header */
	for (r = 0; r < runs; r++) {
		for (k = 0; k < NCODEC; k++) {
			t0 = cpu_s();
			bytes[k] = k == 0 ? run_gzip(data, len) :
			    run_zstd(data, len, zlevels[k - 1]);
			t[k][r] = cpu_s() - t0;
		}
		for (k = 0; k < NCODEC; k++)
			ratio[k][r] = t[k][r] / t[0][r];
	}
	printf("codec    level  ns/row  bytes/row  MB_out  CPU_vs_gzip1  "
	    "bytes_vs_gzip1   (%zu rows, %.1f MB of CSV, median of %d)\n",
	    rows, (double)len / 1e6, runs);
	for (k = 0; k < NCODEC; k++) {
		double tm = median(t[k], runs), rm = median(ratio[k], runs);

		printf("%-8s %5d %7.0f %10.2f %7.1f %13.2f %15.2f\n",
		    k ? "zstd" : "gzip", k ? zlevels[k - 1] : 1,
		    tm / (double)rows * 1e9, (double)bytes[k] / (double)rows,
		    (double)bytes[k] / 1e6, rm,
		    (double)bytes[k] / (double)bytes[0]);
	}
	free(data);
	return 0;
}
