/*
 * PNG deflate: convtool's own encoder (deflate_fast, levels 1 and 2) against
 * ISA-L's isal_deflate (levels 0-3) and zlib's level 1, on the filtered rows
 * of a PNG, cut into the writer's 512 KiB strips. Each strip is raw-deflated
 * on its own, primed with up to 32 KiB of the filtered bytes before it
 * (deflateSetDictionary, isal_deflate_set_dict; deflate_fast needs one byte)
 * and ended with a sync flush, as the writer does; one core. Then CRC-32 and
 * Adler-32 over the same bytes (21 alternating runs): libdeflate, ISA-L, zlib.
 *
 *   png_deflate_bench FILE.png [NOISE]
 *
 * NOISE (0 by default) adds uniform noise of ± NOISE levels to every sample
 * (fixed seed) before filtering: a noisier photo. Prints, for each coder,
 * the median of 7 alternating runs, the output size, and both as ratios to
 * deflate_fast's. Figures only: nothing asserted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>

#include "codec/deflate_fast.h"
#include "codec/png_filter.h"
#include "convtool/convtool.h"
#include "bench_util.h"

#define RUNS 7
#define SUM_RUNS 21
#define STRIP_BYTES ((size_t)512 * 1024)
#define WINDOW ((size_t)32768)

struct strips {
    unsigned char *data; /* the filtered rows of the whole image */
    size_t len, strip;   /* bytes, and bytes per strip (whole rows) */
};

/* Filters every row of px with `mode`, as the writer does. */
static struct strips filter_image(const convtool_pixels *px, enum png_filter mode)
{
    size_t n = (size_t)px->width * (size_t)px->channels, fr = n + 1;
    struct strips s = {malloc(fr * (size_t)px->height), fr * (size_t)px->height, 0};
    unsigned char *zero = calloc(n, 1), *scratch = malloc(n);
    const unsigned char *prev = zero, *rows = px->data;
    for (int y = 0; y < px->height; y++) {
        png_filter_row(mode, rows + (size_t)y * n, prev, n, px->channels, s.data + y * fr, scratch);
        prev = rows + (size_t)y * n;
    }
    s.strip = (STRIP_BYTES / fr > 0 ? STRIP_BYTES / fr : 1) * fr;
    free(zero);
    free(scratch);
    return s;
}

/* A coder: raw-deflates data[0, len) after `dict` bytes of history; returns bytes written. */
typedef size_t (*coder_fn)(int level, const unsigned char *data, size_t dict, size_t len, int last,
                           unsigned char *out, size_t room);

static size_t with_deflate_fast(int level, const unsigned char *data, size_t dict, size_t len,
                                int last, unsigned char *out, size_t room)
{
    (void)level;
    deflate_fast_params p = {.block_bytes = STRIP_BYTES, .dist = 1};
    size_t written = 0;
    if (deflate_fast(&p, data, dict, len, last, out, room, &written) != CONVTOOL_OK)
        abort();
    return written;
}

static size_t with_isal(int level, const unsigned char *data, size_t dict, size_t len, int last,
                        unsigned char *out, size_t room)
{
    static unsigned char level_buf[ISAL_DEF_LVL3_DEFAULT];
    struct isal_zstream z;
    isal_deflate_init(&z);
    z.level = (uint32_t)level;
    z.level_buf = level_buf;
    z.level_buf_size = sizeof level_buf;
    if (dict && isal_deflate_set_dict(&z, (uint8_t *)data - dict, (uint32_t)dict) != COMP_OK)
        abort();
    z.next_in = (uint8_t *)data;
    z.avail_in = (uint32_t)len;
    z.next_out = out;
    z.avail_out = (uint32_t)room;
    z.flush = SYNC_FLUSH;
    z.end_of_stream = (uint16_t)last;
    if (isal_deflate(&z) != COMP_OK || z.avail_in != 0)
        abort();
    return room - z.avail_out;
}

static size_t with_zlib(int strategy, const unsigned char *data, size_t dict, size_t len, int last,
                        unsigned char *out, size_t room)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, -15, 9, strategy) != Z_OK)
        abort();
    if (dict)
        deflateSetDictionary(&z, data - dict, (uInt)dict);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)room;
    deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
    size_t n = room - z.avail_out;
    deflateEnd(&z);
    return n;
}

/* One coder on one set of strips, and its times. */
struct coder_case {
    const char *name;
    const struct strips *s;
    coder_fn fn;
    int level;
    size_t history;
    double t[RUNS];
    size_t total;
};

/* Codes every strip on one core; returns the seconds taken. */
static double run_case(struct coder_case *c, unsigned char *out, size_t room)
{
    const struct strips *s = c->s;
    c->total = 0;
    double t0 = bench_now();
    for (size_t at = 0; at < s->len; at += s->strip) {
        size_t len = s->len - at < s->strip ? s->len - at : s->strip;
        size_t dict = at < c->history ? at : c->history;
        c->total += c->fn(c->level, s->data + at, dict, len, at + len == s->len, out, room);
    }
    return bench_now() - t0;
}

/* RUNS rounds, each coder once per round (alternating, so load changes hit all alike). */
static void time_coders(struct coder_case *cases, int n)
{
    size_t room = cases[0].s->strip + cases[0].s->strip / 4 + 1024;
    unsigned char *out = malloc(room);
    for (int r = 0; r < RUNS; r++)
        for (int k = 0; k < n; k++)
            cases[k].t[r] = run_case(&cases[k], out, room);
    for (int k = 0; k < n; k++) {
        struct coder_case *c = &cases[k];
        qsort(c->t, RUNS, sizeof c->t[0], bench_by_value);
        printf("  %-32s %7.1f ms (%.1f–%.1f) %10zu bytes (%.3f of the input); "
               "time %.2f×, size %.3f× the first\n",
               c->name, c->t[RUNS / 2] * 1e3, c->t[0] * 1e3, c->t[RUNS - 1] * 1e3, c->total,
               (double)c->total / (double)c->s->len, c->t[RUNS / 2] / cases[0].t[RUNS / 2],
               (double)c->total / (double)cases[0].total);
    }
    free(out);
}

typedef uint32_t (*sum_fn)(uint32_t v, const unsigned char *p, size_t n);
static uint32_t crc_libdeflate(uint32_t v, const unsigned char *p, size_t n)
{
    return libdeflate_crc32(v, p, n);
}
static uint32_t crc_isal(uint32_t v, const unsigned char *p, size_t n)
{
    return crc32_gzip_refl(v, p, (uint64_t)n);
}
static uint32_t crc_zlib(uint32_t v, const unsigned char *p, size_t n)
{
    return (uint32_t)crc32(v, p, (uInt)n);
}
static uint32_t adler_libdeflate(uint32_t v, const unsigned char *p, size_t n)
{
    return libdeflate_adler32(v, p, n);
}
static uint32_t adler_isal(uint32_t v, const unsigned char *p, size_t n)
{
    return isal_adler32(v, p, (uint64_t)n);
}
static uint32_t adler_zlib(uint32_t v, const unsigned char *p, size_t n)
{
    return (uint32_t)adler32(v, p, (uInt)n);
}

/* One checksum and its times. */
struct sum_case {
    const char *name;
    sum_fn fn;
    uint32_t start;
    double t[SUM_RUNS];
    uint32_t value;
};

/* The checksum of every strip (as the writer computes them); returns the seconds taken. */
static double run_sum(struct sum_case *c, const struct strips *s)
{
    double t0 = bench_now();
    c->value = 0;
    for (size_t at = 0; at < s->len; at += s->strip)
        c->value ^= c->fn(c->start, s->data + at, s->len - at < s->strip ? s->len - at : s->strip);
    return bench_now() - t0;
}

/* SUM_RUNS rounds, each checksum once per round; medians and the ratio to the first. */
static void time_sums(struct sum_case *cases, int n, const struct strips *s)
{
    for (int r = 0; r < SUM_RUNS; r++)
        for (int k = 0; k < n; k++)
            cases[k].t[r] = run_sum(&cases[k], s);
    for (int k = 0; k < n; k++) {
        struct sum_case *c = &cases[k];
        qsort(c->t, SUM_RUNS, sizeof c->t[0], bench_by_value);
        printf("  %-32s %7.2f ms (%.2f–%.2f) [%08x]; time %.2f× the first\n", c->name,
               c->t[SUM_RUNS / 2] * 1e3, c->t[0] * 1e3, c->t[SUM_RUNS - 1] * 1e3,
               (unsigned)c->value, c->t[SUM_RUNS / 2] / cases[0].t[SUM_RUNS / 2]);
    }
}

static void add_noise(convtool_pixels *px, int amount)
{
    unsigned seed = 12345;
    size_t n = (size_t)px->width * (size_t)px->height * (size_t)px->channels;
    unsigned char *p = px->data;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        int v = p[i] + (int)((seed >> 16) % (unsigned)(2 * amount + 1)) - amount;
        p[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: png_deflate_bench FILE.png [NOISE]\n");
        return 2;
    }
    convtool_buffer file = {0};
    FILE *f = fopen(argv[1], "rb");
    unsigned char chunk[1 << 16];
    for (size_t n; f && (n = fread(chunk, 1, sizeof chunk, f)) > 0;)
        convtool_buffer_append(&file, chunk, n);
    if (f)
        fclose(f);
    convtool_pixels px;
    convtool_image_info info;
    convtool_load_options lo = {.no_sandbox = 1};
    if (!f || convtool_image_decode_pixels(file.data, file.len, &lo, &px, &info) != CONVTOOL_OK ||
        px.depth != 8) {
        fprintf(stderr, "png_deflate_bench: cannot read %s as an 8-bit image\n", argv[1]);
        return 1;
    }
    int noise = argc > 2 ? atoi(argv[2]) : 0;
    if (noise > 0)
        add_noise(&px, noise);
    struct strips adaptive = filter_image(&px, PNG_FILTER_ADAPTIVE);
    struct strips up = filter_image(&px, PNG_FILTER_UP);
    printf("%s (%dx%dx%d, noise ±%d): %zu filtered bytes in strips of %zu, one core, median of "
           "%d\n",
           argv[1], px.width, px.height, px.channels, noise, adaptive.len, adaptive.strip, RUNS);
    printf(" level 2's rows (adaptive filter):\n");
    struct coder_case two[] = {
        {"deflate_fast (convtool level 2)", &adaptive, with_deflate_fast, 0, 1, {0}, 0},
        {"isal_deflate level 0", &adaptive, with_isal, 0, WINDOW, {0}, 0},
        {"isal_deflate level 1", &adaptive, with_isal, 1, WINDOW, {0}, 0},
        {"isal_deflate level 2", &adaptive, with_isal, 2, WINDOW, {0}, 0},
        {"isal_deflate level 3", &adaptive, with_isal, 3, WINDOW, {0}, 0},
        {"zlib level 1", &adaptive, with_zlib, Z_DEFAULT_STRATEGY, WINDOW, {0}, 0},
        {"zlib level 1 Z_RLE", &adaptive, with_zlib, Z_RLE, WINDOW, {0}, 0},
    };
    time_coders(two, (int)(sizeof two / sizeof two[0]));
    printf(" level 1's rows (up filter):\n");
    struct coder_case one[] = {
        {"deflate_fast (convtool level 1)", &up, with_deflate_fast, 0, 1, {0}, 0},
        {"isal_deflate level 0", &up, with_isal, 0, WINDOW, {0}, 0},
        {"isal_deflate level 1", &up, with_isal, 1, WINDOW, {0}, 0},
        {"zlib level 1", &up, with_zlib, Z_DEFAULT_STRATEGY, WINDOW, {0}, 0},
    };
    time_coders(one, (int)(sizeof one / sizeof one[0]));
    printf(" checksums over the filtered bytes, strip by strip, median of %d:\n", SUM_RUNS);
    struct sum_case sums[] = {
        {"CRC-32 libdeflate_crc32", crc_libdeflate, 0, {0}, 0},
        {"CRC-32 ISA-L crc32_gzip_refl", crc_isal, 0, {0}, 0},
        {"CRC-32 zlib crc32", crc_zlib, 0, {0}, 0},
        {"Adler-32 libdeflate_adler32", adler_libdeflate, 1, {0}, 0},
        {"Adler-32 ISA-L isal_adler32", adler_isal, 1, {0}, 0},
        {"Adler-32 zlib adler32", adler_zlib, 1, {0}, 0},
    };
    time_sums(sums, 3, &adaptive);
    time_sums(sums + 3, 3, &adaptive);
    free(adaptive.data);
    free(up.data);
    convtool_pixels_free(&px);
    convtool_buffer_free(&file);
    return 0;
}
