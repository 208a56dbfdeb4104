/*
 * The fast PNG decoder with each inflater, in one process, alternating run by
 * run: ISA-L (64 KiB output pieces) against libdeflate (one call), medians and
 * their ratio; then CRC-32 over the file (what the chunk CRC pre-check does),
 * ISA-L's crc32_gzip_refl against libdeflate_crc32.
 *
 *   png_inflate_bench FILE.png [RUNS]        (RUNS: 15 by default, at most 101)
 *
 * Figures only: nothing here is asserted. bench/png_inflate.py times the
 * whole program built each way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <isa-l/crc.h>
#include <libdeflate.h>

#include "common/big_alloc.h"
#include "codec/png_inflate.h"
#include "codec/png_read.h"
#include "bench_util.h"

#define MAX_RUNS 101

static void report(const char *what, const char *name[2], double t[2][MAX_RUNS], int runs)
{
    for (int k = 0; k < 2; k++)
        qsort(t[k], (size_t)runs, sizeof(double), bench_by_value);
    printf("%s, %d alternating runs: %s median %.1f ms (%.1f–%.1f), %s median %.1f ms "
           "(%.1f–%.1f); %s/%s %.2f\n",
           what, runs, name[0], t[0][runs / 2] * 1e3, t[0][0] * 1e3, t[0][runs - 1] * 1e3, name[1],
           t[1][runs / 2] * 1e3, t[1][0] * 1e3, t[1][runs - 1] * 1e3, name[1], name[0],
           t[1][runs / 2] / t[0][runs / 2]);
}

/* The IDAT payloads of a well-formed PNG, one by one (a png_zsource). */
struct idats {
    const unsigned char *b;
    size_t len, off;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t next_idat(void *ctx, const unsigned char **piece)
{
    struct idats *w = ctx;
    while (w->off + 12 <= w->len) {
        const unsigned char *c = w->b + w->off;
        size_t n = be32(c);
        w->off += 12 + n;
        if (memcmp(c + 4, "IDAT", 4) == 0 && n > 0) {
            *piece = c + 8;
            return n;
        }
    }
    return 0;
}

/* The image data's size in the file, and inflated (rows of 1 + width · bytes per pixel). */
static void idat_sizes(const unsigned char *b, size_t len, size_t *total, size_t *raw)
{
    static const int channels[7] = {1, 0, 3, 1, 2, 0, 4};
    const unsigned char *p;
    struct idats w = {b, len, 33};
    *total = 0;
    for (size_t n; (n = next_idat(&w, &p)) > 0;)
        *total += n;
    size_t bytes = (size_t)channels[b[25] % 7] * b[24] / 8;
    *raw = (size_t)be32(b + 20) * (1 + (size_t)be32(b + 16) * bytes);
}

int main(int argc, char **argv)
{
    size_t len = 0;
    unsigned char *b = argc > 1 ? bench_slurp(argv[1], &len) : NULL;
    int runs = argc > 2 ? atoi(argv[2]) : 15;
    if (!b || runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "usage: png_inflate_bench FILE.png [RUNS <= %d]\n", MAX_RUNS);
        return 2;
    }
    static double t[2][MAX_RUNS];
    const char *decoders[2] = {"libdeflate", "ISA-L"};
    const enum png_inflater which[2] = {PNG_INFLATE_LIBDEFLATE, PNG_INFLATE_ISAL};
    for (int r = 0; r < runs; r++)
        for (int k = 0; k < 2; k++) {
            convtool_pixels px;
            double t0 = bench_now();
            if (png_read_fast_using(which[k], b, len, NULL, &px) != CONVTOOL_OK) {
                fprintf(stderr, "png_inflate_bench: %s: the fast decoder with %s refused it\n",
                        argv[1], decoders[k]);
                return 1;
            }
            t[k][r] = bench_now() - t0;
            convtool_pixels_free(&px);
        }
    report("decode", decoders, t, runs);
    size_t total, raw_len;
    idat_sizes(b, len, &total, &raw_len);
    unsigned char *raw = big_alloc(raw_len); /* huge pages, as the decoder's buffer */
    for (int r = 0; r < runs && raw; r++)
        for (int k = 0; k < 2; k++) {
            struct idats w = {b, len, 33};
            double t0 = bench_now();
            if (png_inflate_whole(which[k], next_idat, &w, total, raw, raw_len) != CONVTOOL_OK) {
                fprintf(stderr, "png_inflate_bench: %s: %s cannot inflate it\n", argv[1],
                        decoders[k]);
                return 1;
            }
            t[k][r] = bench_now() - t0;
        }
    free(raw);
    report("inflate alone (IDATs to filtered rows, into the same huge-page buffer each run)",
           decoders, t, runs);
    uint32_t crc[2] = {0, 0};
    for (int r = 0; r < runs; r++) { /* 10 passes a run: one pass is a few ms */
        double t0 = bench_now();
        for (int i = 0; i < 10; i++)
            crc[0] ^= libdeflate_crc32((uint32_t)i, b, len);
        double t1 = bench_now();
        for (int i = 0; i < 10; i++)
            crc[1] ^= crc32_gzip_refl((uint32_t)i, b, len);
        t[0][r] = t1 - t0;
        t[1][r] = bench_now() - t1;
    }
    report("CRC-32 of the file, 10 passes", decoders, t, runs);
    if (crc[0] != crc[1])
        printf("CRC-32s differ: %08x %08x\n", crc[0], crc[1]);
    free(b);
    return 0;
}
