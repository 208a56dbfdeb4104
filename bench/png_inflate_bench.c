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
#include <time.h>

#include <isa-l/crc.h>
#include <libdeflate.h>

#include "codec/png_read.h"

#define MAX_RUNS 101

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, const char *name[2], double t[2][MAX_RUNS], int runs)
{
    for (int k = 0; k < 2; k++)
        qsort(t[k], (size_t)runs, sizeof(double), by_value);
    printf("%s, %d alternating runs: %s median %.1f ms (%.1f–%.1f), %s median %.1f ms "
           "(%.1f–%.1f); %s/%s %.2f\n",
           what, runs, name[0], t[0][runs / 2] * 1e3, t[0][0] * 1e3, t[0][runs - 1] * 1e3, name[1],
           t[1][runs / 2] * 1e3, t[1][0] * 1e3, t[1][runs - 1] * 1e3, name[1], name[0],
           t[1][runs / 2] / t[0][runs / 2]);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0)
        return NULL;
    long n = ftell(f);
    rewind(f);
    unsigned char *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv)
{
    size_t len = 0;
    unsigned char *b = argc > 1 ? slurp(argv[1], &len) : NULL;
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
            double t0 = now();
            if (png_read_fast_using(which[k], b, len, NULL, &px) != CONVTOOL_OK) {
                fprintf(stderr, "png_inflate_bench: %s: the fast decoder with %s refused it\n",
                        argv[1], decoders[k]);
                return 1;
            }
            t[k][r] = now() - t0;
            convtool_pixels_free(&px);
        }
    report("decode", decoders, t, runs);
    uint32_t crc[2] = {0, 0};
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        crc[0] ^= libdeflate_crc32(0, b, len);
        double t1 = now();
        crc[1] ^= crc32_gzip_refl(0, b, len);
        t[0][r] = t1 - t0;
        t[1][r] = now() - t1;
    }
    report("CRC-32 of the file", decoders, t, runs);
    if (crc[0] != crc[1])
        printf("CRC-32s differ: %08x %08x\n", crc[0], crc[1]);
    free(b);
    return 0;
}
