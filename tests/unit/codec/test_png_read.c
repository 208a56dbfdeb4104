/*
 * The fast PNG decoder against stb_image, the reference: PNGs made here with
 * every row filter (forced, or random per row), every colour type it takes,
 * 8 and 16 bits, odd sizes, zlib levels 0 and 9 and the image data split over
 * many IDAT chunks (empty ones too) must decode to stb's exact bytes. Damaged
 * files give ECORRUPT and never crash (run under the Asan build); the files
 * it leaves to stb give EUNSUPPORTED.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "convtool/convtool.h"
#include "codec/png_read.h"
#include "codec/stb_codec.h"
#include "test_helpers.h"

#define FILTER_RANDOM 5
#define FILTER_LIST 6 /* row y's filter is filter_list[y] */
#define MAX_ROWS 64
/* Offset of the first IDAT's payload in a file made by assemble(): after the signature
 * and IHDR, the tEXt chunk (12 bytes of text), and the IDAT's length and type. */
#define FIRST_IDAT (33 + 12 + 12 + 8)

/* What to build; the image data is generated from seed. */
typedef struct gen {
    int w, h, depth, color;
    int filter;   /* 0..4 for every row, FILTER_RANDOM for a random one per row, or FILTER_LIST */
    int level;    /* zlib level */
    size_t split; /* IDAT payload size; 0: one IDAT */
    int empty_idats; /* empty IDAT chunks before, between and after the others */
    unsigned seed;
} gen;

/* With FILTER_LIST, each row's filter (a static: gen's initializers stay short). */
static unsigned char filter_list[MAX_ROWS];

static int channels_of(int color)
{
    static const int n[7] = {1, 0, 3, 1, 2, 0, 4};
    return n[color];
}

static size_t row_bytes(const gen *g)
{
    return (size_t)g->w * (size_t)channels_of(g->color) * (size_t)(g->depth / 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void chunk(convtool_buffer *out, const char *type, const void *data, size_t n)
{
    unsigned char hdr[8], crc[4];
    put32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    uLong c = crc32(crc32(0, hdr + 4, 4), data ? data : (const void *)"", (uInt)n);
    put32(crc, (uint32_t)c);
    assert_int_equal(convtool_buffer_append(out, hdr, 8), CONVTOOL_OK);
    if (n)
        assert_int_equal(convtool_buffer_append(out, data, n), CONVTOOL_OK);
    assert_int_equal(convtool_buffer_append(out, crc, 4), CONVTOOL_OK);
}

static void ihdr(convtool_buffer *out, int w, int h, int depth, int color, int interlace)
{
    unsigned char d[13] = {0};
    put32(d, (uint32_t)w);
    put32(d + 4, (uint32_t)h);
    d[8] = (unsigned char)depth;
    d[9] = (unsigned char)color;
    d[12] = (unsigned char)interlace;
    assert_int_equal(convtool_buffer_append(out, "\x89PNG\r\n\x1a\n", 8), CONVTOOL_OK);
    chunk(out, "IHDR", d, 13);
}

/* Smooth ramps, flat runs and noise, so that every Paeth and Average case occurs. */
static unsigned char *make_image(const gen *g)
{
    size_t n = row_bytes(g) * (size_t)g->h;
    unsigned char *p = malloc(n ? n : 1);
    assert_non_null(p);
    unsigned s = g->seed;
    for (size_t i = 0; i < n; i++) {
        int kind = (int)((i / 7 + (size_t)g->seed) % 3);
        p[i] = kind == 0   ? (unsigned char)test_rand(&s)
               : kind == 1 ? (unsigned char)(i * 3)
                           : (unsigned char)(200 + (i & 1));
    }
    return p;
}

static int paeth_ref(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc)
        return a;
    return pb <= pc ? b : c;
}

/* The PNG specification's filters, forward: one row into out (type byte first). */
static void filter_row(int f, const unsigned char *cur, const unsigned char *prev, size_t n,
                       size_t bpp, unsigned char *out)
{
    out[0] = (unsigned char)f;
    for (size_t i = 0; i < n; i++) {
        int a = i >= bpp ? cur[i - bpp] : 0, b = prev ? prev[i] : 0;
        int c = prev && i >= bpp ? prev[i - bpp] : 0;
        int pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : paeth_ref(a, b, c);
        out[1 + i] = (unsigned char)(cur[i] - pred);
    }
}

/* The filtered rows of the image, h·(1 + row bytes). */
static unsigned char *filter_image(const gen *g, const unsigned char *img, size_t *len)
{
    size_t n = row_bytes(g), bpp = (size_t)channels_of(g->color) * (size_t)(g->depth / 8);
    *len = (n + 1) * (size_t)g->h;
    unsigned char *raw = malloc(*len);
    assert_non_null(raw);
    unsigned s = g->seed ^ 0x5a5a;
    for (int y = 0; y < g->h; y++) {
        int f = g->filter == FILTER_RANDOM ? (int)(test_rand(&s) % 5)
                : g->filter == FILTER_LIST ? filter_list[y]
                                           : g->filter;
        filter_row(f, img + (size_t)y * n, y ? img + (size_t)(y - 1) * n : NULL, n, bpp,
                   raw + (size_t)y * (n + 1));
    }
    return raw;
}

static unsigned char *zlib_compress(const unsigned char *raw, size_t len, int level, size_t *zlen)
{
    uLongf n = compressBound((uLong)len);
    unsigned char *z = malloc(n);
    assert_non_null(z);
    assert_int_equal(compress2(z, &n, raw, (uLong)len, level), Z_OK);
    *zlen = n;
    return z;
}

/* IHDR, a text chunk, the data in IDATs as g says, IEND. */
static void assemble(convtool_buffer *out, const gen *g, const unsigned char *z, size_t zlen)
{
    ihdr(out, g->w, g->h, g->depth, g->color, 0);
    chunk(out, "tEXt", "Comment\0test", 12);
    size_t step = g->split ? g->split : zlen;
    for (size_t off = 0; off < zlen; off += step) {
        /* Not before the first: stb 2.27 then passes NULL to memcpy (UBSan stops there). */
        if (g->empty_idats && off > 0)
            chunk(out, "IDAT", NULL, 0);
        chunk(out, "IDAT", z + off, zlen - off < step ? zlen - off : step);
    }
    if (g->empty_idats)
        chunk(out, "IDAT", NULL, 0);
    chunk(out, "IEND", NULL, 0);
}

static void build(convtool_buffer *out, const gen *g)
{
    size_t len, zlen;
    unsigned char *img = make_image(g);
    unsigned char *raw = filter_image(g, img, &len);
    unsigned char *z = zlib_compress(raw, len, g->level, &zlen);
    assemble(out, g, z, zlen);
    free(img);
    free(raw);
    free(z);
}

/* stb's decoding of the file: its status, and the pixels in *px when it succeeds. */
static convtool_status stb_decode(const convtool_buffer *b, int depth, convtool_pixels *px)
{
    int w = 0, h = 0, n = 0;
    void *data = NULL;
    convtool_status st =
        depth == 16 ? stb_codec_decode16(b->data, b->len, &w, &h, &n, (uint16_t **)&data)
                    : stb_codec_decode8(b->data, b->len, &w, &h, &n, (unsigned char **)&data);
    *px = (convtool_pixels){w, h, n, depth, data};
    return st;
}

static size_t pixel_bytes(const convtool_pixels *px)
{
    return (size_t)px->width * (size_t)px->height * (size_t)px->channels * (size_t)(px->depth / 8);
}

/* The fast decoder gives stb's exact result. */
static void check_same_as_stb(const convtool_buffer *b, int depth)
{
    convtool_image_info info;
    assert_int_equal(convtool_image_probe(b->data, b->len, &info), CONVTOOL_OK);
    convtool_pixels fast, ref;
    assert_int_equal(png_read_fast(b->data, b->len, &info, &fast), CONVTOOL_OK);
    assert_int_equal(stb_decode(b, depth, &ref), CONVTOOL_OK);
    assert_int_equal(fast.width, ref.width);
    assert_int_equal(fast.height, ref.height);
    assert_int_equal(fast.channels, ref.channels);
    assert_int_equal(fast.depth, depth);
    assert_memory_equal(fast.data, ref.data, pixel_bytes(&ref));
    convtool_pixels_free(&fast);
    stb_codec_free(ref.data);
}

static void check_gen(const gen *g)
{
    convtool_buffer b = {0};
    build(&b, g);
    check_same_as_stb(&b, g->depth);
    convtool_buffer_free(&b);
}

static const int colors[4] = {0, 2, 4, 6};

/* Each filter on every row, and random filters, for every colour type and depth. */
static void test_every_filter(void **state)
{
    static const int sizes[][2] = {{1, 1}, {1, 9}, {2, 3}, {5, 4}, {17, 7}, {64, 5}, {67, 9}};
    for (int c = 0; c < 4; c++)
        for (int depth = 8; depth <= 16; depth += 8)
            for (int f = 0; f <= FILTER_RANDOM; f++)
                for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                    gen g = {sizes[s][0], sizes[s][1], depth,
                             colors[c],   f,           9,
                             0,           0,           (unsigned)(f * 31 + (int)s)};
                    check_gen(&g);
                    g.level = 0;
                    check_gen(&g);
                }
}

/* Every width 1..67 and height 1..9, random filters, both levels. */
static void test_every_size(void **state)
{
    for (int c = 0; c < 4; c++)
        for (int depth = 8; depth <= 16; depth += 8)
            for (int w = 1; w <= 67; w++)
                for (int h = 1; h <= 9; h++) {
                    gen g = {w,
                             h,
                             depth,
                             colors[c],
                             FILTER_RANDOM,
                             (w + h) % 2 ? 9 : 0,
                             0,
                             0,
                             (unsigned)(w * 10 + h)};
                    check_gen(&g);
                }
}

/* Every pixel size: 1, 2, 3, 4 bytes at 8 bits, 2, 4, 6, 8 at 16 bits. */
static const int formats[][2] = {{0, 8},  {4, 8},  {2, 8},  {6, 8},
                                 {0, 16}, {4, 16}, {2, 16}, {6, 16}};

/*
 * Rows are unfiltered in pairs, (1, 2), (3, 4)..., after row 0 alone: every
 * ordered pair of filter types as such a pair (and split across two pairs, and
 * as a last row alone), every pixel size, every width 1..40.
 */
static void test_filter_pairs(void **state)
{
    static const int heights[] = {2, 3, 6};
    for (int f0 = 0; f0 <= 4; f0++)
        for (int f1 = 0; f1 <= 4; f1++)
            for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
                for (int w = 1; w <= 40; w++)
                    for (size_t i = 0; i < sizeof heights / sizeof heights[0]; i++) {
                        gen g = {w,
                                 heights[i],
                                 formats[k][1],
                                 formats[k][0],
                                 FILTER_LIST,
                                 (w + f0) % 2 ? 9 : 0,
                                 0,
                                 0,
                                 (unsigned)(w * 25 + f0 * 5 + f1)};
                        filter_list[0] = (unsigned char)((w + f1) % 5);
                        for (int y = 1; y < g.h; y++)
                            filter_list[y] = (unsigned char)(y % 2 ? f0 : f1);
                        check_gen(&g);
                    }
}

/*
 * Rows are unfiltered in place, each landing before its filtered bytes: tall
 * narrow images, where a row lands many rows before its data, and wide ones.
 */
static void test_in_place_layout(void **state)
{
    static const int sizes[][2] = {{1, MAX_ROWS}, {2, 63}, {3, 61}, {1, 2}, {700, 3}, {257, 4}};
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (int f = 0; f <= FILTER_RANDOM; f++) {
                gen g = {sizes[s][0],
                         sizes[s][1],
                         formats[k][1],
                         formats[k][0],
                         f,
                         9,
                         0,
                         0,
                         (unsigned)(f + 7 * (int)s)};
                check_gen(&g);
            }
}

/* The image data split over many IDATs, empty ones between them. */
static void test_split_idat(void **state)
{
    static const size_t splits[] = {1, 2, 3, 7, 64, 1000};
    for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++)
        for (int empty = 0; empty <= 1; empty++) {
            gen g = {33, 9, 8, 2, FILTER_RANDOM, (int)i % 2 ? 0 : 9, splits[i], empty, 7};
            check_gen(&g);
            g.depth = 16;
            g.color = 6;
            check_gen(&g);
        }
}

/* An empty IDAT first, which stb cannot take (see assemble): the same pixels as without it. */
static void test_empty_idat_first(void **state)
{
    gen g = {21, 5, 8, 4, FILTER_RANDOM, 9, 0, 0, 11};
    convtool_buffer b = {0}, with = {0};
    build(&b, &g);
    size_t at = FIRST_IDAT - 8; /* where the IDAT chunk starts */
    assert_int_equal(convtool_buffer_append(&with, b.data, at), CONVTOOL_OK);
    chunk(&with, "IDAT", NULL, 0);
    assert_int_equal(convtool_buffer_append(&with, b.data + at, b.len - at), CONVTOOL_OK);
    convtool_pixels fast, ref;
    assert_int_equal(png_read_fast(with.data, with.len, NULL, &fast), CONVTOOL_OK);
    assert_int_equal(stb_decode(&b, 8, &ref), CONVTOOL_OK);
    assert_memory_equal(fast.data, ref.data, pixel_bytes(&ref));
    convtool_pixels_free(&fast);
    stb_codec_free(ref.data);
    convtool_buffer_free(&b);
    convtool_buffer_free(&with);
}

/* A file from the image data raw (h rows, type bytes included) compressed as it is. */
static void build_raw(convtool_buffer *out, int w, int h, int depth, int color,
                      const unsigned char *raw, size_t len)
{
    size_t zlen;
    unsigned char *z = zlib_compress(raw, len, 6, &zlen);
    gen g = {w, h, depth, color, 0, 6, 0, 0, 0};
    assemble(out, &g, z, zlen);
    free(z);
}

static convtool_status fast_status(const convtool_buffer *b)
{
    convtool_pixels px;
    convtool_status st = png_read_fast(b->data, b->len, NULL, &px);
    if (st == CONVTOOL_OK)
        convtool_pixels_free(&px);
    else
        assert_null(px.data);
    return st;
}

/* Filter type 5, too little data: corrupt. More data than the rows: stb's to decode. */
static void test_bad_image_data(void **state)
{
    enum { W = 4, H = 3, N = (W * 3 + 1) * H };
    unsigned char raw[N + 5] = {0};
    convtool_buffer b = {0};
    raw[(W * 3 + 1) * 2] = 5; /* the last row's filter type */
    build_raw(&b, W, H, 8, 2, raw, N);
    assert_int_equal(fast_status(&b), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);

    raw[(W * 3 + 1) * 2] = 0;
    raw[W * 3 + 1] = 5; /* the first of a pair of rows */
    build_raw(&b, W, H, 8, 2, raw, N);
    assert_int_equal(fast_status(&b), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);

    raw[W * 3 + 1] = 0;
    raw[0] = 255; /* the first row */
    build_raw(&b, W, H, 8, 2, raw, N);
    assert_int_equal(fast_status(&b), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);

    raw[0] = 0;
    raw[W * 3 + 1] = 5; /* of two rows, the second: a last row alone */
    build_raw(&b, W, H - 1, 8, 2, raw, N - (W * 3 + 1));
    assert_int_equal(fast_status(&b), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);

    raw[W * 3 + 1] = 0;
    build_raw(&b, W, H, 8, 2, raw, N - 1);
    assert_int_equal(fast_status(&b), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);

    build_raw(&b, W, H, 8, 2, raw, N + 5); /* stb accepts trailing bytes (its issue #276) */
    assert_int_equal(fast_status(&b), CONVTOOL_EUNSUPPORTED);
    convtool_pixels ref;
    assert_int_equal(stb_decode(&b, 8, &ref), CONVTOOL_OK);
    stb_codec_free(ref.data);
    convtool_buffer_free(&b);
}

/* zlib header and trailer: stb's checks, and no more. */
static void test_zlib_wrapper(void **state)
{
    gen g = {9, 4, 8, 6, FILTER_RANDOM, 9, 0, 0, 3};
    convtool_buffer b = {0};
    build(&b, &g);
    size_t z = FIRST_IDAT;
    b.data[b.len - 12 - 5] ^= 0xff; /* the Adler-32, which stb ignores too */
    check_same_as_stb(&b, 8);
    b.data[z + 1] ^= 1; /* header check bits */
    assert_int_equal(fast_status(&b), CONVTOOL_ECORRUPT);
    b.data[z + 1] ^= 1;
    b.data[z + 1] |= 0x20; /* a preset dictionary */
    assert_int_equal(fast_status(&b), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);
}

/* Cut anywhere, a file is corrupt: its IEND is gone. */
static void test_truncated(void **state)
{
    gen g = {13, 5, 16, 4, FILTER_RANDOM, 9, 40, 1, 5};
    convtool_buffer b = {0};
    build(&b, &g);
    for (size_t len = 0; len < b.len; len++) {
        convtool_pixels px;
        assert_int_equal(png_read_fast(b.data, len, NULL, &px), CONVTOOL_ECORRUPT);
    }
    convtool_buffer_free(&b);
}

/*
 * Flipped bits at every offset: never a crash, and a result only where stb gives
 * the same one (the CRCs are not checked, so some damage decodes).
 */
static void test_corrupted(void **state)
{
    static const unsigned char flips[] = {0x01, 0x80, 0xff};
    gen g = {11, 6, 8, 2, FILTER_RANDOM, 9, 50, 0, 9};
    convtool_buffer b = {0};
    build(&b, &g);
    for (size_t off = 0; off < b.len; off++)
        for (size_t k = 0; k < sizeof flips; k++) {
            b.data[off] ^= flips[k];
            convtool_pixels fast, ref;
            convtool_status st = png_read_fast(b.data, b.len, NULL, &fast);
            assert_true(st == CONVTOOL_OK || st == CONVTOOL_ECORRUPT ||
                        st == CONVTOOL_EUNSUPPORTED);
            if (st == CONVTOOL_OK) {
                assert_int_equal(stb_decode(&b, 8, &ref), CONVTOOL_OK);
                assert_int_equal(fast.channels, ref.channels);
                assert_memory_equal(fast.data, ref.data, pixel_bytes(&ref));
                stb_codec_free(ref.data);
                convtool_pixels_free(&fast);
            }
            b.data[off] ^= flips[k];
        }
    convtool_buffer_free(&b);
}

/* A header the probe did not report: corrupt (a tRNS alpha: stb's). No image data: corrupt. */
static void test_inconsistent(void **state)
{
    gen g = {6, 2, 8, 0, 1, 9, 0, 0, 1};
    convtool_buffer b = {0};
    build(&b, &g);
    convtool_image_info info;
    assert_int_equal(convtool_image_probe(b.data, b.len, &info), CONVTOOL_OK);
    info.width++;
    convtool_pixels px;
    assert_int_equal(png_read_fast(b.data, b.len, &info, &px), CONVTOOL_ECORRUPT);
    /* more channels than the colour type (tRNS adds alpha): stb's file */
    info.width--;
    info.channels++;
    assert_int_equal(png_read_fast(b.data, b.len, &info, &px), CONVTOOL_EUNSUPPORTED);
    convtool_buffer_free(&b);

    ihdr(&b, 6, 2, 8, 0, 0);
    chunk(&b, "IDAT", NULL, 0);
    chunk(&b, "IEND", NULL, 0);
    assert_int_equal(fast_status(&b), CONVTOOL_ECORRUPT);
    convtool_buffer_free(&b);
}

/* A valid small file of this header, with an extra chunk before the data. */
static void unsupported(int depth, int color, int interlace, const char *type, const void *data,
                        size_t n)
{
    unsigned char raw[2 * (1 + 8 * 3)] = {0};
    size_t zlen;
    unsigned char *z = zlib_compress(raw, sizeof raw, 9, &zlen);
    convtool_buffer b = {0};
    ihdr(&b, 2, 2, depth, color, interlace);
    if (type)
        chunk(&b, type, data, n);
    chunk(&b, "IDAT", z, zlen);
    chunk(&b, "IEND", NULL, 0);
    assert_int_equal(fast_status(&b), CONVTOOL_EUNSUPPORTED);
    convtool_buffer_free(&b);
    free(z);
}

/* What stb alone decodes: palettes, tRNS, Adam7, packed gray, unknown critical chunks. */
static void test_left_to_stb(void **state)
{
    static const unsigned char plte[6] = {0, 0, 0, 255, 255, 255}, trns[6] = {0};
    unsupported(8, 3, 0, "PLTE", plte, 6);
    unsupported(8, 2, 0, "tRNS", trns, 6);
    unsupported(16, 0, 0, "tRNS", trns, 2);
    unsupported(8, 6, 1, NULL, NULL, 0);
    unsupported(1, 0, 0, NULL, NULL, 0);
    unsupported(2, 0, 0, NULL, NULL, 0);
    unsupported(4, 0, 0, NULL, NULL, 0);
    unsupported(8, 2, 0, "ABCD", trns, 1);
}

/* Without libdeflate every PNG is stb's: nothing to compare. */
static int need_libdeflate(void **state)
{
    gen g = {1, 1, 8, 0, 0, 9, 0, 0, 1};
    convtool_buffer b = {0};
    build(&b, &g);
    convtool_status st = fast_status(&b);
    convtool_buffer_free(&b);
    if (st == CONVTOOL_EUNSUPPORTED)
        skip(); /* a build without libdeflate */
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_filter),   cmocka_unit_test(test_every_size),
        cmocka_unit_test(test_filter_pairs),   cmocka_unit_test(test_in_place_layout),
        cmocka_unit_test(test_split_idat),     cmocka_unit_test(test_empty_idat_first),
        cmocka_unit_test(test_bad_image_data), cmocka_unit_test(test_zlib_wrapper),
        cmocka_unit_test(test_truncated),      cmocka_unit_test(test_corrupted),
        cmocka_unit_test(test_inconsistent),   cmocka_unit_test(test_left_to_stb),
    };
    return cmocka_run_group_tests(tests, need_libdeflate, NULL);
}
