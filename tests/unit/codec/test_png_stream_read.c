/*
 * The PNG strip decoder (png_stream_read.c) against the whole-file path
 * (png_precheck, then png_read_fast, which gives stb's bytes): PNGs from the
 * project's writer and hand-built ones (every filter type forced, the image
 * data in IDATs of 1, 7 and 8192 bytes, empty IDATs and other chunks between
 * them), 8 and 16 bits, 1 to 4 channels, read in strips of 1, 5 and all rows
 * through pulls of 1, 7 and 100000 bytes, must give the same bytes. Damaged,
 * truncated and failing inputs give clear statuses (run under the Asan build).
 * It also runs in the contained worker (seccomp-filtered), where it must call
 * nothing the filter forbids.
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
#include "codec/png_inflate.h"
#include "codec/png_precheck.h"
#include "codec/png_read.h"
#include "codec/png_stream_read.h"
#include "codec/png_write.h"
#include "codec/stb_codec.h"
#include "png_builder.h"
#include "sandbox/sandbox_worker.h"
#include "test_helpers.h"

#define ALL_ROWS 0
/* Without ISA-L every file is EUNSUPPORTED (test_headers_left_to_stb checks that). */
#define NEEDS_ISAL()                                                                               \
    do {                                                                                           \
        if (!png_inflate_available(PNG_INFLATE_ISAL))                                              \
            skip();                                                                                \
    } while (0)
#define FILTER_RANDOM 5

/* ------------------------------------------------------------ the source */

/* The file in memory, handed out `step` bytes at a time; a pull fails once `fail_at` is reached. */
struct source {
    const unsigned char *data;
    size_t len, at, step;
    size_t fail_at; /* SIZE_MAX: never */
    size_t pulls;
};

static ssize_t pull(void *ctx, unsigned char *dst, size_t n)
{
    struct source *s = ctx;
    s->pulls++;
    if (s->at >= s->fail_at)
        return -1;
    size_t k = s->len - s->at;
    k = k < n ? k : n;
    k = k < s->step ? k : s->step;
    if (s->fail_at - s->at < k)
        k = s->fail_at - s->at;
    memcpy(dst, s->data + s->at, k);
    s->at += k;
    return (ssize_t)k;
}

/* The stream's answer: its first error (OK if none), and the pixels when it has them. */
struct result {
    convtool_status st;
    int w, h, channels, depth;
    unsigned char *pixels; /* malloc'ed, h rows */
    size_t len;
};

/* Decodes bytes in strips of `strip` rows (ALL_ROWS: one strip), pulling `step` bytes at a time. */
static struct result stream_decode_failing(const unsigned char *bytes, size_t len, size_t step,
                                           int strip, size_t fail_at)
{
    struct source src = {bytes, len, 0, step, fail_at, 0};
    struct result r = {0};
    struct png_stream *s = NULL;
    r.st = png_stream_open(pull, &src, NULL, &s);
    if (r.st != CONVTOOL_OK) {
        assert_null(s);
        return r;
    }
    png_stream_shape(s, &r.w, &r.h, &r.channels, &r.depth);
    size_t row = (size_t)r.w * (size_t)r.channels * (size_t)(r.depth / 8);
    r.len = row * (size_t)r.h;
    r.pixels = malloc(r.len);
    assert_non_null(r.pixels);
    int step_rows = strip == ALL_ROWS ? r.h : strip;
    for (int y = 0; y < r.h && r.st == CONVTOOL_OK; y += step_rows) {
        int k = r.h - y < step_rows ? r.h - y : step_rows;
        r.st = png_stream_rows(s, r.pixels + (size_t)y * row, k);
    }
    if (r.st == CONVTOOL_OK)
        r.st = png_stream_finish(s);
    else /* failed for good */
        assert_int_equal(png_stream_rows(s, r.pixels, 0), r.st);
    png_stream_close(s);
    if (r.st != CONVTOOL_OK) {
        free(r.pixels);
        r.pixels = NULL;
    }
    return r;
}

static struct result stream_decode(const unsigned char *bytes, size_t len, size_t step, int strip)
{
    return stream_decode_failing(bytes, len, step, strip, SIZE_MAX);
}

/* The whole-file path: the CRC pass, then the fast decoder. */
static convtool_status whole_decode(const unsigned char *bytes, size_t len, convtool_pixels *px)
{
    unsigned char *fixed = NULL;
    size_t fixed_len = 0;
    memset(px, 0, sizeof *px);
    convtool_status st = png_precheck(bytes, len, &fixed, &fixed_len);
    if (st == CONVTOOL_OK)
        st = png_read_fast(fixed ? fixed : bytes, fixed ? fixed_len : len, NULL, px);
    free(fixed);
    return st;
}

static size_t pixel_bytes(const convtool_pixels *px)
{
    return (size_t)px->width * (size_t)px->height * (size_t)px->channels * (size_t)(px->depth / 8);
}

static void assert_same(const struct result *r, const convtool_pixels *px)
{
    assert_int_equal(r->st, CONVTOOL_OK);
    assert_int_equal(r->w, px->width);
    assert_int_equal(r->h, px->height);
    assert_int_equal(r->channels, px->channels);
    assert_int_equal(r->depth, px->depth);
    assert_int_equal(r->len, pixel_bytes(px));
    assert_memory_equal(r->pixels, px->data, r->len);
}

/* The file decodes in strips of 1, 5 and all rows, through big pulls, to the whole path's bytes;
 * also through pulls of 1 and 7 bytes when it is small. */
static void check_file(const convtool_buffer *b)
{
    static const int strips[] = {1, 5, ALL_ROWS};
    convtool_pixels px;
    assert_int_equal(whole_decode(b->data, b->len, &px), CONVTOOL_OK);
    for (size_t i = 0; i < sizeof strips / sizeof strips[0]; i++) {
        struct result r = stream_decode(b->data, b->len, 100000, strips[i]);
        assert_same(&r, &px);
        free(r.pixels);
    }
    size_t small[] = {1, 7};
    for (size_t i = 0; i < 2 && b->len < 40000; i++) {
        struct result r = stream_decode(b->data, b->len, small[i], 5);
        assert_same(&r, &px);
        free(r.pixels);
    }
    convtool_pixels_free(&px);
}

/* ------------------------------------------------------ files made here */

/* Smooth ramps, flat runs and noise, so that every Paeth and Average case occurs. */
static unsigned char *make_samples(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n ? n : 1);
    assert_non_null(p);
    unsigned s = seed;
    for (size_t i = 0; i < n; i++) {
        int kind = (int)((i / 7 + seed) % 3);
        p[i] = kind == 0   ? (unsigned char)test_rand(&s)
               : kind == 1 ? (unsigned char)(i * 3)
                           : (unsigned char)(200 + (i & 1));
    }
    return p;
}

static const int widths[] = {1, 3, 333}, heights[] = {1, 2, 257};

/* The project's writer: 8 and 16 bits, 1-4 channels, widths 1, 3, 333, heights 1, 2, 257. */
static void test_project_writer(void **state)
{
    (void)state;
    NEEDS_ISAL();
    for (int c = 1; c <= 4; c++)
        for (int depth = 8; depth <= 16; depth += 8)
            for (int wi = 0; wi < 3; wi++)
                for (int hi = 0; hi < 3; hi++) {
                    int w = widths[wi], h = heights[hi];
                    size_t n = (size_t)w * (size_t)h * (size_t)c;
                    unsigned char *img =
                        make_samples(n * (size_t)(depth / 8), (unsigned)(w + h + c));
                    convtool_buffer b = {0};
                    convtool_status st =
                        depth == 8
                            ? png_write_interleaved(img, w, h, c, 0, NULL, &b)
                            : png_write_interleaved16((const uint16_t *)img, w, h, c, 0, NULL, &b);
                    assert_int_equal(st, CONVTOOL_OK);
                    check_file(&b);
                    convtool_buffer_free(&b);
                    free(img);
                }
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

/* A hand-built file: how the image data is laid out in chunks. */
typedef struct layout {
    int w, h, depth, color;
    int filter;        /* 0..4 on every row, or FILTER_RANDOM */
    int level;         /* zlib level */
    size_t split;      /* IDAT payload size (0: one IDAT) */
    int between;       /* 1: an empty IDAT between IDATs, 2: a tEXt chunk */
    const char *extra; /* zlib stream longer than the rows: this many bytes more ("" for none) */
} layout;

static int color_channels(int color)
{
    return pb_channels(color);
}

/* The image data filtered as l says, and compressed with zlib. */
static unsigned char *image_data(const layout *l, size_t *zlen)
{
    size_t bpp = (size_t)color_channels(l->color) * (size_t)(l->depth / 8);
    size_t n = (size_t)l->w * bpp, extra = strlen(l->extra);
    size_t len = (n + 1) * (size_t)l->h;
    unsigned char *img = make_samples(n * (size_t)l->h, (unsigned)(l->w * 7 + l->filter));
    unsigned char *raw = malloc(len + extra);
    assert_non_null(raw);
    unsigned s = (unsigned)l->h;
    for (int y = 0; y < l->h; y++) {
        int f = l->filter == FILTER_RANDOM ? (int)(test_rand(&s) % 5) : l->filter;
        filter_row(f, img + (size_t)y * n, y ? img + (size_t)(y - 1) * n : NULL, n, bpp,
                   raw + (size_t)y * (n + 1));
    }
    memcpy(raw + len, l->extra, extra);
    uLongf zn = compressBound((uLong)(len + extra));
    unsigned char *z = malloc(zn);
    assert_non_null(z);
    assert_int_equal(compress2(z, &zn, raw, (uLong)(len + extra), l->level), Z_OK);
    *zlen = zn;
    free(img);
    free(raw);
    return z;
}

static void ihdr(convtool_buffer *out, int w, int h, int depth, int color)
{
    png_spec spec = {w, h, depth, color, 0, NULL, 0, NULL, 0};
    pb_ihdr(out, &spec);
}

/* IHDR, a tEXt chunk, the image data in IDATs as l says, IEND. */
static void build(convtool_buffer *out, const layout *l)
{
    size_t zlen;
    unsigned char *z = image_data(l, &zlen);
    ihdr(out, l->w, l->h, l->depth, l->color);
    pb_chunk(out, "tEXt", (const unsigned char *)"Comment\0test", 12);
    size_t step = l->split ? l->split : zlen;
    for (size_t off = 0; off < zlen; off += step) {
        if (off > 0 && l->between == 1)
            pb_chunk(out, "IDAT", NULL, 0);
        if (off > 0 && l->between == 2)
            pb_chunk(out, "tEXt", (const unsigned char *)"Between\0x", 9);
        pb_chunk(out, "IDAT", z + off, zlen - off < step ? zlen - off : step);
    }
    pb_chunk(out, "IEND", NULL, 0);
    free(z);
}

static void check_layout(const layout *l)
{
    convtool_buffer b = {0};
    build(&b, l);
    check_file(&b);
    convtool_buffer_free(&b);
}

static const int colors[4] = {0, 4, 2, 6};

/* Every filter type forced on every row (and random ones), every colour type and depth. */
static void test_every_filter(void **state)
{
    (void)state;
    NEEDS_ISAL();
    for (int c = 0; c < 4; c++)
        for (int depth = 8; depth <= 16; depth += 8)
            for (int f = 0; f <= FILTER_RANDOM; f++)
                for (int wi = 0; wi < 3; wi++)
                    for (int hi = 0; hi < 3; hi++) {
                        layout l = {widths[wi], heights[hi], depth, colors[c], f, 6, 0, 0, ""};
                        check_layout(&l);
                    }
}

/* The image data in IDATs of 1, 7 and 8192 bytes, with empty IDATs or tEXt between them. */
static void test_split_idat(void **state)
{
    (void)state;
    NEEDS_ISAL();
    static const size_t splits[] = {1, 7, 8192};
    for (size_t i = 0; i < 3; i++)
        for (int between = 0; between <= 2; between++)
            for (int depth = 8; depth <= 16; depth += 8) {
                layout l = {i == 2 ? 333 : 31, i == 2 ? 257 : 9, depth, 6, FILTER_RANDOM, 0,
                            splits[i],         between,          ""};
                check_layout(&l);
                l.level = 9;
                check_layout(&l);
            }
}

/* A zlib stream with more data than the rows: the whole path leaves it to stb, whose pixels these
 * are; the strip decoder accepts it. */
static void test_more_data_than_rows(void **state)
{
    (void)state;
    NEEDS_ISAL();
    for (int depth = 8; depth <= 16; depth += 8) {
        layout l = {17, 5, depth, 2, FILTER_RANDOM, 6, 0, 0, "extra bytes after the rows"};
        convtool_buffer b = {0};
        build(&b, &l);
        convtool_pixels px;
        assert_int_equal(whole_decode(b.data, b.len, &px), CONVTOOL_EUNSUPPORTED);
        int w, h, n;
        void *ref = NULL;
        convtool_status st =
            depth == 8 ? stb_codec_decode8(b.data, b.len, &w, &h, &n, (unsigned char **)&ref)
                       : stb_codec_decode16(b.data, b.len, &w, &h, &n, (uint16_t **)&ref);
        assert_int_equal(st, CONVTOOL_OK);
        px = (convtool_pixels){w, h, n, depth, ref};
        /* The rows come out, then finish leaves the file to the whole-file path (stb's). */
        for (int strip = 0; strip <= 2; strip++) {
            struct result r = stream_decode(b.data, b.len, strip == 2 ? 1 : 4096, strip);
            assert_int_equal(r.st, CONVTOOL_EUNSUPPORTED);
        }
        stb_codec_free(ref);
        convtool_buffer_free(&b);
    }
}

/* -------------------------------------------------------- damaged files */

static convtool_status stream_status(const convtool_buffer *b, size_t step)
{
    struct result r = stream_decode(b->data, b->len, step, 3);
    free(r.pixels);
    return r.st;
}

/* A small file: signature, IHDR, tEXt, image data in 3 IDATs, IEND. */
static void small_file(convtool_buffer *b)
{
    layout l = {9, 7, 8, 2, FILTER_RANDOM, 6, 60, 0, ""};
    build(b, &l);
}

static uint32_t chunk_len(const convtool_buffer *b, size_t off)
{
    const unsigned char *p = b->data + off;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Where the CRC of the last chunk of this type is. */
static size_t last_crc(const convtool_buffer *b, const char *type)
{
    size_t off = 8, found = 0;
    while (off + 12 <= b->len) {
        size_t end = off + 8 + chunk_len(b, off);
        if (memcmp(b->data + off + 4, type, 4) == 0)
            found = end;
        off = end + 4;
    }
    assert_true(found > 0);
    return found;
}

/* Offset of the n-th chunk (0: IHDR) whose type is `type`, from the start of the file. */
static size_t chunk_at(const convtool_buffer *b, const char *type, int nth)
{
    size_t off = 8;
    while (off + 12 <= b->len) {
        uint32_t n = chunk_len(b, off);
        if (memcmp(b->data + off + 4, type, 4) == 0 && nth-- == 0)
            return off;
        off += 12 + (size_t)n;
    }
    fail_msg("no chunk %s", type);
    return 0;
}

/* Every prefix of the file is ECORRUPT, whatever the pull's size. */
static void test_truncated(void **state)
{
    (void)state;
    NEEDS_ISAL();
    convtool_buffer b = {0};
    small_file(&b);
    for (size_t len = 0; len < b.len; len++)
        for (size_t step = 1; step <= 64; step *= 8) {
            struct result r = stream_decode(b.data, len, step, 2);
            assert_int_equal(r.st, CONVTOOL_ECORRUPT);
            assert_null(r.pixels);
        }
    convtool_buffer_free(&b);
}

/* A bad CRC in the first or the last IDAT, in IEND, in IHDR: ECORRUPT. In an ancillary chunk: the
 * chunk drops out. */
static void test_bad_crc(void **state)
{
    (void)state;
    NEEDS_ISAL();
    convtool_buffer b = {0};
    small_file(&b);
    assert_true(chunk_at(&b, "IDAT", 2) > 0); /* three IDATs at least */
    size_t at[] = {chunk_at(&b, "IDAT", 0) + 8 + 60, last_crc(&b, "IDAT"), last_crc(&b, "IEND"),
                   29};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        for (int k = 0; k < 4; k++) {
            b.data[at[i] + (size_t)k] ^= 0x40;
            assert_int_equal(stream_status(&b, 100000), CONVTOOL_ECORRUPT);
            assert_int_equal(stream_status(&b, 1), CONVTOOL_ECORRUPT);
            b.data[at[i] + (size_t)k] ^= 0x40;
        }
    }
    assert_int_equal(stream_status(&b, 100000), CONVTOOL_OK);
    size_t text = chunk_at(&b, "tEXt", 0) + 8 + 12;
    b.data[text] ^= 1;
    assert_int_equal(stream_status(&b, 100000), CONVTOOL_OK);
    convtool_buffer_free(&b);
}

/* A bad byte inside the first IDAT's data (its CRC made right): ECORRUPT, or the same verdict as
 * the whole path; every byte of the file flipped: never OK where the whole path is not. */
static void test_every_byte_flipped(void **state)
{
    (void)state;
    NEEDS_ISAL();
    convtool_buffer b = {0};
    small_file(&b);
    for (size_t i = 0; i < b.len; i++) {
        b.data[i] ^= 0x21;
        convtool_pixels px;
        convtool_status whole = whole_decode(b.data, b.len, &px);
        struct result r = stream_decode(b.data, b.len, 13, 2);
        if (whole == CONVTOOL_OK)
            assert_same(&r, &px);
        else if (r.st == CONVTOOL_OK) /* only a longer zlib stream, which stb takes */
            assert_int_equal(whole, CONVTOOL_EUNSUPPORTED);
        else
            assert_true(r.st == CONVTOOL_ECORRUPT || r.st == CONVTOOL_EUNSUPPORTED);
        free(r.pixels);
        convtool_pixels_free(&px);
        b.data[i] ^= 0x21;
    }
    convtool_buffer_free(&b);
}

/* Bytes after IEND are not the file's: OK. */
static void test_garbage_after_iend(void **state)
{
    (void)state;
    NEEDS_ISAL();
    convtool_buffer b = {0};
    small_file(&b);
    size_t len = b.len;
    assert_int_equal(convtool_buffer_append(&b, "garbage\x00\xff garbage", 17), CONVTOOL_OK);
    convtool_pixels px;
    assert_int_equal(whole_decode(b.data, len, &px), CONVTOOL_OK);
    for (size_t step = 1; step <= 100000; step *= 100) {
        struct result r = stream_decode(b.data, b.len, step, 4);
        assert_same(&r, &px);
        free(r.pixels);
    }
    convtool_pixels_free(&px);
    convtool_buffer_free(&b);
}

/* A pull that fails at any point: EIO, from open, the rows or finish. */
static void test_pull_fails(void **state)
{
    (void)state;
    NEEDS_ISAL();
    convtool_buffer b = {0};
    small_file(&b);
    for (size_t at = 0; at < b.len; at++) {
        struct result r = stream_decode_failing(b.data, b.len, 5, 1, at);
        assert_int_equal(r.st, CONVTOOL_EIO);
        assert_null(r.pixels);
    }
    convtool_buffer_free(&b);
}

/* A file with `chunk` (type, data) inserted before the first IDAT, or before IEND. */
static void with_chunk(convtool_buffer *out, const convtool_buffer *b, const char *type,
                       const char *data, size_t n, int after_idat, int bad_crc)
{
    size_t at = after_idat ? chunk_at(b, "IEND", 0) : chunk_at(b, "IDAT", 0);
    assert_int_equal(convtool_buffer_append(out, b->data, at), CONVTOOL_OK);
    pb_chunk(out, type, (const unsigned char *)data, n);
    if (bad_crc)
        out->data[out->len - 1] ^= 1;
    assert_int_equal(convtool_buffer_append(out, b->data + at, b->len - at), CONVTOOL_OK);
}

/* Chunks the whole path leaves to stb: EUNSUPPORTED before any row when they come before IDAT,
 * from finish after it; with a bad CRC, a critical one is ECORRUPT and tRNS drops out. */
static void test_chunks_left_to_stb(void **state)
{
    (void)state;
    NEEDS_ISAL();
    static const struct {
        const char *type, *data;
        size_t n;
        convtool_status st, st_bad_crc;
    } cases[] = {
        {"tRNS", "\0\1\0\2\0\3", 6, CONVTOOL_EUNSUPPORTED, CONVTOOL_OK},
        {"CgBI", "\x50\0\x20\x06", 4, CONVTOOL_EUNSUPPORTED, CONVTOOL_ECORRUPT},
        {"QUIT", "x", 1, CONVTOOL_EUNSUPPORTED, CONVTOOL_ECORRUPT},
        {"IHDR", "0123456789abc", 13, CONVTOOL_ECORRUPT, CONVTOOL_ECORRUPT},
        {"PLTE", "\1\2\3\4", 4, CONVTOOL_ECORRUPT, CONVTOOL_ECORRUPT},
        {"PLTE", "\1\2\3", 3, CONVTOOL_OK, CONVTOOL_ECORRUPT},
        {"zzZz", "ancillary", 9, CONVTOOL_OK, CONVTOOL_OK},
    };
    convtool_buffer b = {0};
    small_file(&b);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int after = 0; after <= 1; after++)
            for (int bad = 0; bad <= 1; bad++) {
                convtool_buffer f = {0};
                with_chunk(&f, &b, cases[i].type, cases[i].data, cases[i].n, after, bad);
                convtool_status want = bad ? cases[i].st_bad_crc : cases[i].st;
                convtool_pixels px;
                assert_int_equal(whole_decode(f.data, f.len, &px), want);
                convtool_pixels_free(&px);
                struct source src = {f.data, f.len, 0, 100000, SIZE_MAX, 0};
                struct png_stream *s = NULL;
                convtool_status st = png_stream_open(pull, &src, NULL, &s);
                if (after && st == CONVTOOL_OK) { /* seen with the last rows, or by finish */
                    unsigned char rows[9 * 7 * 3];
                    st = png_stream_rows(s, rows, 7);
                    if (st == CONVTOOL_OK)
                        st = png_stream_finish(s);
                }
                assert_int_equal(st, want);
                png_stream_close(s);
                convtool_buffer_free(&f);
            }
    convtool_buffer_free(&b);
}

/* Headers the whole path leaves to stb, and a build without ISA-L: EUNSUPPORTED at open. */
static void test_headers_left_to_stb(void **state)
{
    (void)state;
    static const int kinds[][3] = {{3, 8, 0}, {0, 4, 0}, {0, 1, 0}, {2, 8, 1}, {6, 16, 1}};
    const unsigned char plte[6] = {0, 0, 0, 255, 255, 255};
    uint16_t samples[4 * 4 * 4] = {0};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        png_spec spec = {4, 4, kinds[i][1], kinds[i][0], kinds[i][2], NULL, 0, NULL, 0};
        if (spec.color == 3)
            spec.plte = plte, spec.plte_len = 6;
        convtool_buffer b = {0};
        png_build(&b, &spec, samples);
        struct source src = {b.data, b.len, 0, 100000, SIZE_MAX, 0};
        struct png_stream *s = (struct png_stream *)&src;
        assert_int_equal(png_stream_open(pull, &src, NULL, &s), CONVTOOL_EUNSUPPORTED);
        assert_null(s);
        convtool_buffer_free(&b);
    }
    convtool_buffer b = {0};
    small_file(&b);
    assert_int_equal(stream_status(&b, 100000),
                     png_inflate_available(PNG_INFLATE_ISAL) ? CONVTOOL_OK : CONVTOOL_EUNSUPPORTED);
    convtool_buffer_free(&b);
}

/* Image data that is damaged, short, or has a filter type above 4: ECORRUPT. */
static void test_bad_image_data(void **state)
{
    (void)state;
    NEEDS_ISAL();
    enum { W = 4, H = 3, N = (W * 3 + 1) * H };
    for (int k = 0; k < 4; k++) {
        unsigned char raw[N] = {0};
        size_t len = N;
        if (k < 3)
            raw[(size_t)k * (W * 3 + 1)] = 5; /* row k's filter type */
        else
            len -= 2; /* too little data */
        convtool_buffer b = {0}, z = {0}, r = {0};
        assert_int_equal(convtool_buffer_append(&r, raw, len), CONVTOOL_OK);
        pb_zlib(&z, &r);
        ihdr(&b, W, H, 8, 2);
        pb_chunk(&b, "IDAT", z.data, z.len);
        pb_chunk(&b, "IEND", NULL, 0);
        convtool_pixels px;
        assert_int_equal(whole_decode(b.data, b.len, &px), CONVTOOL_ECORRUPT);
        for (int strip = 0; strip <= 2; strip++)
            assert_int_equal(stream_status(&b, strip ? 1 : 100000), CONVTOOL_ECORRUPT);
        convtool_buffer_free(&b);
        convtool_buffer_free(&z);
        convtool_buffer_free(&r);
    }
}

/* info from the probe: the same header is OK, another size ECORRUPT, another channel count
 * (tRNS as the probe counts it) EUNSUPPORTED; bad arguments EINVAL. */
static void test_info_and_arguments(void **state)
{
    (void)state;
    NEEDS_ISAL();
    convtool_buffer b = {0};
    small_file(&b);
    convtool_image_info info;
    assert_int_equal(convtool_image_probe(b.data, b.len, &info), CONVTOOL_OK);
    struct source src = {b.data, b.len, 0, 100000, SIZE_MAX, 0};
    struct png_stream *s = NULL;
    assert_int_equal(png_stream_open(pull, &src, &info, &s), CONVTOOL_OK);
    unsigned char rows[9 * 7 * 3];
    assert_int_equal(png_stream_finish(s), CONVTOOL_EINVAL); /* rows left */
    assert_int_equal(png_stream_rows(s, rows, 8), CONVTOOL_EINVAL);
    assert_int_equal(png_stream_rows(s, rows, -1), CONVTOOL_EINVAL);
    assert_int_equal(png_stream_rows(s, rows, 0), CONVTOOL_OK);
    assert_int_equal(png_stream_rows(s, rows, 7), CONVTOOL_OK);
    assert_int_equal(png_stream_rows(s, rows, 1), CONVTOOL_EINVAL);
    assert_int_equal(png_stream_finish(s), CONVTOOL_OK);
    png_stream_close(s);
    png_stream_close(NULL);

    convtool_image_info other = info;
    other.width++;
    src.at = 0;
    assert_int_equal(png_stream_open(pull, &src, &other, &s), CONVTOOL_ECORRUPT);
    other = info;
    other.channels = 4;
    src.at = 0;
    assert_int_equal(png_stream_open(pull, &src, &other, &s), CONVTOOL_EUNSUPPORTED);
    assert_int_equal(png_stream_open(NULL, &src, NULL, &s), CONVTOOL_EINVAL);
    assert_int_equal(png_stream_open(pull, &src, NULL, NULL), CONVTOOL_EINVAL);
    convtool_buffer_free(&b);
}

/* No image data at all (IEND right after IHDR, or only empty IDATs): ECORRUPT. */
static void test_no_image_data(void **state)
{
    (void)state;
    NEEDS_ISAL();
    for (int empty = 0; empty <= 1; empty++) {
        convtool_buffer b = {0};
        ihdr(&b, 3, 3, 8, 0);
        if (empty)
            pb_chunk(&b, "IDAT", NULL, 0);
        pb_chunk(&b, "IEND", NULL, 0);
        assert_int_equal(stream_status(&b, 100000), CONVTOOL_ECORRUPT);
        convtool_buffer_free(&b);
    }
}

/* In the contained worker: the input decoded in strips of 5 rows, the status as the reply,
 * the pixels as the data. */
static void decode_job(const void *params, const unsigned char *input, size_t len,
                       struct sandbox_out *out)
{
    static unsigned char *pixels; /* sent by reference: kept until the next job */
    (void)params;
    free(pixels);
    struct result r = stream_decode(input, len, 4096, 5);
    pixels = r.pixels;
    int st = (int)r.st;
    sandbox_out_reply(out, &st, sizeof st);
    if (r.st == CONVTOOL_OK)
        sandbox_out_data(out, pixels, r.len);
}

/* The strip decoder inside the worker's syscall filter: the same pixels, the same verdicts. */
static void test_in_sandbox_worker(void **state)
{
    (void)state;
    NEEDS_ISAL();
    static const struct sandbox_limits limits = {256u << 20, 10, 10000};
    convtool_buffer b = {0};
    layout l = {333, 257, 16, 6, FILTER_RANDOM, 6, 8192, 1, ""};
    build(&b, &l);
    convtool_pixels px;
    assert_int_equal(whole_decode(b.data, b.len, &px), CONVTOOL_OK);
    unsigned char *back = malloc(pixel_bytes(&px));
    assert_non_null(back);
    for (int damaged = 0; damaged <= 1; damaged++) {
        if (damaged)
            b.data[last_crc(&b, "IDAT")] ^= 1;
        int st = -1;
        struct sandbox_job job = {decode_job, NULL,      0,    b.data,           b.len,
                                  &st,        sizeof st, back, pixel_bytes(&px), 0};
        assert_int_equal(sandbox_worker_run(&job, &limits), CONVTOOL_OK);
        assert_int_equal(st, damaged ? CONVTOOL_ECORRUPT : CONVTOOL_OK);
        assert_int_equal(job.got_bulk, damaged ? 0 : pixel_bytes(&px));
        if (!damaged)
            assert_memory_equal(back, px.data, pixel_bytes(&px));
    }
    sandbox_worker_end();
    free(back);
    convtool_pixels_free(&px);
    convtool_buffer_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project_writer),      cmocka_unit_test(test_every_filter),
        cmocka_unit_test(test_split_idat),          cmocka_unit_test(test_more_data_than_rows),
        cmocka_unit_test(test_truncated),           cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_every_byte_flipped),  cmocka_unit_test(test_garbage_after_iend),
        cmocka_unit_test(test_pull_fails),          cmocka_unit_test(test_chunks_left_to_stb),
        cmocka_unit_test(test_headers_left_to_stb), cmocka_unit_test(test_bad_image_data),
        cmocka_unit_test(test_info_and_arguments),  cmocka_unit_test(test_no_image_data),
        cmocka_unit_test(test_in_sandbox_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
