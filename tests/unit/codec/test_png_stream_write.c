/*
 * The streaming PNG writer (png_writer.h) pushes exactly the bytes the
 * whole-image writer gave before it existed (tests/reference/png_write_ref.c,
 * a verbatim copy of the old png_write.c), and png_write, now built on it,
 * does too: random and smooth images, 8 and 16 bits, 1-4 channels, sizes
 * from 1x1 up, heights that are a multiple of the strip height and not,
 * every level, rows given 1, 3, a strip's worth or all at a time, on 1-3
 * threads. The files decode (stb, convtool's reader) to the pixels written.
 * A failing push stops the writer with EIO and nothing more is pushed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/png_write.h"
#include "codec/png_writer.h"
#include "convtool/convtool.h"
#include "png_write_ref.h"
#include "stb_check.h"
#include "test_helpers.h"

enum { SMOOTH, RANDOM };
enum { SKIP, LIGHT, FULL }; /* how many ways an image is written at a level */

/* An image's samples: interleaved, `bytes` (1 or 2) each, native uint16_t for 2. */
struct image {
    int w, h, c, depth;
    void *px;
};

static struct image make_image(int w, int h, int c, int depth, int kind, unsigned seed)
{
    struct image im = {w, h, c, depth, NULL};
    size_t n = (size_t)w * (size_t)h * (size_t)c;
    im.px = malloc(n * (depth == 16 ? 2 : 1));
    assert_non_null(im.px);
    for (size_t i = 0; i < n; i++) {
        size_t x = i / (size_t)c % (size_t)w, y = i / (size_t)c / (size_t)w;
        unsigned v = kind == RANDOM ? test_rand(&seed) * 7u + test_rand(&seed)
                                    : (unsigned)(x * 130 + y * 90 + (i % (size_t)c) * 4000) +
                                          test_rand(&seed) % 5;
        if (kind == SMOOTH && (x / 16 + y / 16) % 3 == 1)
            v = 50000; /* flat patches: runs */
        if (depth == 16)
            ((uint16_t *)im.px)[i] = (uint16_t)v;
        else
            ((unsigned char *)im.px)[i] = (unsigned char)(kind == RANDOM ? v : v >> 8);
    }
    return im;
}

static size_t row_bytes(const struct image *im)
{
    return (size_t)im->w * (size_t)im->c * (im->depth == 16 ? 2 : 1);
}

/* The old writer's file, the one every other must match. */
static convtool_buffer reference(const struct image *im, int level)
{
    convtool_buffer b = {0};
    if (im->depth == 16)
        assert_int_equal(png_write_ref_interleaved16(im->px, im->w, im->h, im->c, level, NULL, &b),
                         CONVTOOL_OK);
    else
        assert_int_equal(png_write_ref_interleaved(im->px, im->w, im->h, im->c, level, NULL, &b),
                         CONVTOOL_OK);
    return b;
}

static void assert_same(const convtool_buffer *a, const convtool_buffer *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->data, b->data, a->len);
}

/* A push target that records the bytes, and can fail its `fail_at`-th push (1 = the first). */
struct recorder {
    convtool_buffer file;
    int pushes, fail_at;
};

static int record(void *ctx, const unsigned char *src, size_t n)
{
    struct recorder *r = ctx;
    r->pushes++;
    assert_true(r->fail_at == 0 || r->pushes <= r->fail_at); /* nothing after a failure */
    if (r->pushes == r->fail_at)
        return -1;
    assert_int_equal(convtool_buffer_append(&r->file, src, n), CONVTOOL_OK);
    return 0;
}

/* 16-bit rows as PNG stores them: big-endian pairs of bytes. */
static unsigned char *big_endian(const struct image *im)
{
    size_t n = (size_t)im->w * (size_t)im->h * (size_t)im->c;
    unsigned char *b = malloc(2 * n);
    const uint16_t *s = im->px;
    for (size_t i = 0; i < n; i++) {
        b[2 * i] = (unsigned char)(s[i] >> 8);
        b[2 * i + 1] = (unsigned char)s[i];
    }
    return b;
}

/* Streams the image `batch` rows at a time (native16, or big-endian bytes); returns the file. */
static convtool_buffer stream(const struct image *im, int level, convtool_pool *pool, int batch,
                              int native16)
{
    png_writer_params p = {im->w, im->h, im->c, im->depth, level, pool, native16};
    struct recorder r = {{0}, 0, 0};
    struct png_writer *w = NULL;
    assert_int_equal(png_writer_open(&p, record, &r, &w), CONVTOOL_OK);
    assert_int_equal(r.file.len, 33); /* the signature and IHDR, at once */
    unsigned char *be = im->depth == 16 && !native16 ? big_endian(im) : NULL;
    const unsigned char *rows = be ? be : im->px;
    size_t stride = row_bytes(im);
    for (int y = 0; y < im->h; y += batch) {
        int n = im->h - y < batch ? im->h - y : batch;
        assert_int_equal(png_writer_rows(w, rows + (size_t)y * stride, stride, n), CONVTOOL_OK);
    }
    assert_int_equal(png_writer_rows(w, rows, stride, 0), CONVTOOL_OK);
    assert_int_equal(png_writer_finish(w), CONVTOOL_OK);
    assert_int_equal(png_writer_rows(w, rows, stride, 1), CONVTOOL_EINVAL); /* one too many */
    png_writer_close(w);
    free(be);
    return r.file;
}

/* The file decodes to the pixels written: stb for 8 bits, convtool's reader for 16. */
static void check_decodes(const convtool_buffer *b, const struct image *im)
{
    if (im->depth == 8) {
        assert_stb_decodes(b->data, b->len, im->px, im->w, im->h, im->c);
        return;
    }
    static const convtool_load_options in_process = {.no_sandbox = 1};
    convtool_pixels got;
    convtool_image_info info;
    assert_int_equal(convtool_image_decode_pixels(b->data, b->len, &in_process, &got, &info),
                     CONVTOOL_OK);
    assert_int_equal(got.depth, 16);
    assert_int_equal(got.channels, im->c);
    assert_int_equal(got.width, im->w);
    assert_int_equal(got.height, im->h);
    assert_memory_equal(got.data, im->px, (size_t)im->w * (size_t)im->h * (size_t)im->c * 2);
    convtool_pixels_free(&got);
}

struct setup {
    convtool_pool *pools[3]; /* 1, 2 and 3 threads */
};

static int make_pools(void **state)
{
    struct setup *s = calloc(1, sizeof *s);
    for (int t = 0; t < 3; t++)
        if (convtool_pool_create(t + 1, &s->pools[t]) != CONVTOOL_OK)
            return -1;
    *state = s;
    return 0;
}

static int free_pools(void **state)
{
    struct setup *s = *state;
    for (int t = 0; t < 3; t++)
        convtool_pool_free(s->pools[t]);
    free(s);
    return 0;
}

/* Rows per strip for this image: the strip height png_strip.c picks. */
static int strip_rows(const struct image *im)
{
    size_t per = (size_t)512 * 1024 / (row_bytes(im) + 1);
    return per > 0 ? (int)per : 1;
}

/*
 * Every way of writing the image at `level` gives the reference's bytes:
 * FULL: png_write on each pool, and the stream in batches of 1, 3, a strip
 * and the whole image on each pool; LIGHT: png_write on three threads and
 * two of the streams.
 */
static void check_image(const struct setup *s, const struct image *im, int level, int how)
{
    if (how == SKIP)
        return;
    convtool_buffer want = reference(im, level);
    for (int t = how == FULL ? 0 : 2; t < 3; t++) {
        convtool_buffer b = {0};
        if (im->depth == 16)
            assert_int_equal(
                png_write_interleaved16(im->px, im->w, im->h, im->c, level, s->pools[t], &b),
                CONVTOOL_OK);
        else
            assert_int_equal(
                png_write_interleaved(im->px, im->w, im->h, im->c, level, s->pools[t], &b),
                CONVTOOL_OK);
        assert_same(&b, &want);
        convtool_buffer_free(&b);
    }
    int batches[4] = {1, 3, strip_rows(im), im->h};
    for (int k = 0; k < 4; k++)
        for (int t = 0; t < 3; t++) {
            if (how == LIGHT && !((k == 0 && t == 1) || (k == 2 && t == 2)))
                continue;
            convtool_buffer b = stream(im, level, s->pools[t], batches[k], 1);
            assert_same(&b, &want);
            convtool_buffer_free(&b);
            if (im->depth == 16 && t == 1 && k < 2) { /* big-endian rows give the same file */
                b = stream(im, level, s->pools[t], batches[k], 0);
                assert_same(&b, &want);
                convtool_buffer_free(&b);
            }
        }
    check_decodes(&want, im);
    convtool_buffer_free(&want);
}

/*
 * How thoroughly to check a level on an image of `bytes` raw bytes: zlib's
 * levels take up to 0.5 s a megabyte on smooth images, so only the small
 * images go through all of them.
 */
static int care(int level, size_t bytes)
{
    if (level <= 2)
        return FULL;
    return level == 3 || bytes <= 64 * 1024 ? LIGHT : SKIP;
}

/* Small sizes: every channel count, depth, kind and level. */
static void test_small_images(void **state)
{
    const struct setup *s = *state;
    static const int sizes[][2] = {{1, 1}, {1, 1000}, {1000, 1}, {333, 257}};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
        for (int c = 1; c <= 4; c++)
            for (int depth = 8; depth <= 16; depth += 8)
                for (int kind = SMOOTH; kind <= RANDOM; kind++) {
                    struct image im = make_image(sizes[z][0], sizes[z][1], c, depth, kind,
                                                 (unsigned)(z * 100 + (size_t)c * 10) + kind);
                    size_t bytes = row_bytes(&im) * (size_t)im.h;
                    for (int level = 0; level <= PNG_LEVEL_MAX; level++)
                        check_image(s, &im, level, care(level, bytes));
                    free(im.px);
                }
    /* 333x257 RGBA at 16 bits is two strips: the 32 KiB priming of zlib's strongest level */
    struct image im = make_image(333, 257, 4, 16, SMOOTH, 77);
    assert_int_equal(strip_rows(&im), 196);
    check_image(s, &im, PNG_LEVEL_MAX, LIGHT);
    free(im.px);
}

/*
 * Several strips: 8001-byte rows make strips of 65 rows, so 260 rows are
 * exactly 4 of them and 261 leave a last strip of one row; 16-bit rows the
 * same length; and 11-byte rows (47662 a strip, 2980 rows of priming).
 * Every way of writing for 261 rows, a few for 260.
 */
static void test_many_strips(void **state)
{
    const struct setup *s = *state;
    static const int levels[] = {1, 2, 3};
    for (int h = 260; h <= 261; h++)
        for (int kind = SMOOTH; kind <= RANDOM; kind++)
            for (int depth = 8; depth <= 16; depth += 8) {
                struct image im = make_image(depth == 16 ? 1000 : 2000, h, 4, depth, kind,
                                             (unsigned)h + (unsigned)kind);
                assert_int_equal(strip_rows(&im), 65);
                for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
                    int slow = levels[l] > 2 && kind == SMOOTH && (h == 260 || depth == 16);
                    check_image(s, &im, levels[l],
                                slow       ? SKIP
                                : h == 260 ? LIGHT
                                           : care(levels[l], 0));
                }
                free(im.px);
            }
    struct image tall = make_image(10, 2 * 47662 + 5, 1, 8, SMOOTH, 9);
    assert_int_equal(strip_rows(&tall), 47662);
    for (int level = 1; level <= 3; level++)
        check_image(s, &tall, level, LIGHT);
    free(tall.px);
}

/* A failing push: EIO from then on, and nothing more is pushed (record() asserts it). */
static void test_failing_push(void **state)
{
    const struct setup *s = *state;
    struct image im = make_image(2000, 261, 4, 8, SMOOTH, 3); /* 5 strips */
    png_writer_params p = {im.w, im.h, im.c, 8, 2, s->pools[1], 0};
    struct png_writer *w = (struct png_writer *)&im; /* must be cleared */
    struct recorder r = {{0}, 0, 1};
    assert_int_equal(png_writer_open(&p, record, &r, &w), CONVTOOL_EIO);
    assert_null(w);
    convtool_buffer_free(&r.file);
    for (int fail_at = 2; fail_at <= 6; fail_at++) { /* each IDAT; the 6th push is the last */
        struct recorder f = {{0}, 0, fail_at};
        assert_int_equal(png_writer_open(&p, record, &f, &w), CONVTOOL_OK);
        convtool_status st = CONVTOOL_OK;
        for (int y = 0; y < im.h && st == CONVTOOL_OK; y += 7) {
            int n = im.h - y < 7 ? im.h - y : 7;
            st = png_writer_rows(w, (unsigned char *)im.px + (size_t)y * row_bytes(&im),
                                 row_bytes(&im), n);
        }
        assert_int_equal(st, CONVTOOL_EIO);
        assert_int_equal(f.pushes, fail_at);
        assert_int_equal(png_writer_rows(w, im.px, row_bytes(&im), 1), CONVTOOL_EIO);
        assert_int_equal(png_writer_finish(w), CONVTOOL_EIO);
        assert_int_equal(f.pushes, fail_at);
        png_writer_close(w);
        convtool_buffer_free(&f.file);
    }
    free(im.px);
}

/* Bad parameters, missing rows, too many rows. */
static void test_misuse(void **state)
{
    (void)state;
    struct recorder r = {{0}, 0, 0};
    struct png_writer *w = NULL;
    png_writer_params bad[] = {
        {0, 1, 3, 8, 0, NULL, 0},  {1, 0, 3, 8, 0, NULL, 0},  {1, 1, 5, 8, 0, NULL, 0},
        {1, 1, 0, 8, 0, NULL, 0},  {1, 1, 3, 12, 0, NULL, 0}, {1, 1, 3, 8, 10, NULL, 0},
        {1, 1, 3, 8, -1, NULL, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(png_writer_open(&bad[i], record, &r, &w), CONVTOOL_EINVAL);
        assert_null(w);
    }
    png_writer_params huge = {INT32_MAX, 1, 4, 8, 0, NULL, 0};
    assert_int_equal(png_writer_open(&huge, record, &r, &w), CONVTOOL_ELIMIT);
    assert_int_equal(r.pushes, 0);

    unsigned char px[2 * 3 * 3] = {0};
    png_writer_params p = {2, 3, 3, 8, 0, NULL, 0};
    assert_int_equal(png_writer_open(&p, record, &r, &w), CONVTOOL_OK);
    assert_int_equal(png_writer_rows(w, px, 6, 2), CONVTOOL_OK);
    assert_int_equal(png_writer_finish(w), CONVTOOL_EINVAL);         /* a row is missing */
    assert_int_equal(png_writer_rows(w, px, 6, 2), CONVTOOL_EINVAL); /* one too many */
    assert_int_equal(png_writer_rows(w, NULL, 6, 1), CONVTOOL_EINVAL);
    assert_int_equal(png_writer_rows(w, px, 6, -1), CONVTOOL_EINVAL);
    assert_int_equal(png_writer_rows(w, px, 6, 1), CONVTOOL_OK);
    assert_int_equal(png_writer_finish(w), CONVTOOL_OK);
    png_writer_close(w);
    png_writer_close(NULL);
    convtool_buffer_free(&r.file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_images),
        cmocka_unit_test(test_many_strips),
        cmocka_unit_test(test_failing_push),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, make_pools, free_pools);
}
