/*
 * The PNG writer: every file decodes exactly (with stb through
 * convtool_image_decode, and chunk by chunk with zlib's own inflate), for
 * every channel count, level and strip layout; the bytes do not depend on
 * the thread count; the row filters match the PNG specification. Also the
 * 8-bit pixel encoder, which must give the same files as the tensor one.
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "convtool/convtool.h"
#include "codec/png_filter.h"
#include "codec/png_write.h"
#include "stb_check.h"
#include "test_helpers.h"

/* Pixels with smooth parts, noise and flat runs, so every filter and match kind occurs. */
static unsigned char *make_pixels(int w, int h, int c, unsigned seed)
{
    size_t n = (size_t)w * (size_t)h * (size_t)c;
    unsigned char *p = malloc(n);
    assert_non_null(p);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) {
                size_t i = ((size_t)y * (size_t)w + (size_t)x) * (size_t)c + (size_t)k;
                int v = x * 3 + y * 2 + k * 40;
                if ((x / 16 + y / 16) % 3 == 0)
                    v += (int)(test_rand(&seed) % 23);
                else if ((x / 16 + y / 16) % 3 == 1)
                    v = 200;
                p[i] = (unsigned char)v;
            }
    return p;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Walks the chunks (checking each CRC), checks IHDR, joins the IDATs and
 * inflates them with zlib (which checks the Adler-32); returns the filtered
 * rows, h·(w·c + 1) bytes, every filter type byte at most 4.
 */
static unsigned char *inflate_png(const convtool_buffer *b, int w, int h, int c)
{
    static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    static const unsigned char color_type[5] = {0, 0, 4, 2, 6};
    assert_true(b->len > 8);
    assert_memory_equal(b->data, sig, 8);
    convtool_buffer idat = {0};
    size_t at = 8;
    int seen_end = 0, chunks = 0;
    while (at < b->len) {
        assert_true(b->len - at >= 12);
        size_t len = get32(b->data + at);
        assert_true(len <= b->len - at - 12);
        const unsigned char *type = b->data + at + 4;
        assert_int_equal(get32(type + 4 + len), (uint32_t)crc32(0, type, (uInt)(len + 4)));
        if (chunks == 0) {
            assert_memory_equal(type, "IHDR", 4);
            assert_int_equal(len, 13);
            assert_int_equal(get32(type + 4), (uint32_t)w);
            assert_int_equal(get32(type + 8), (uint32_t)h);
            assert_int_equal(type[12], 8);
            assert_int_equal(type[13], color_type[c]);
            assert_int_equal(type[14] | type[15] | type[16], 0);
        } else if (memcmp(type, "IDAT", 4) == 0) {
            convtool_buffer_append(&idat, type + 4, len);
        } else {
            assert_memory_equal(type, "IEND", 4);
            assert_int_equal(len, 0);
            seen_end = 1;
        }
        chunks++;
        at += len + 12;
    }
    assert_true(seen_end);
    assert_int_equal(at, b->len);
    size_t raw_len = (size_t)h * ((size_t)w * (size_t)c + 1);
    unsigned char *raw = malloc(raw_len + 1);
    uLongf got = (uLongf)raw_len + 1; /* one spare byte: the stream must end exactly */
    assert_int_equal(uncompress(raw, &got, idat.data, (uLong)idat.len), Z_OK);
    assert_int_equal(got, raw_len);
    for (int y = 0; y < h; y++)
        assert_true(raw[(size_t)y * ((size_t)w * (size_t)c + 1)] <= 4);
    convtool_buffer_free(&idat);
    return raw;
}

/* Decodes with stb and compares every sample with the source. */
static void check_decodes(const convtool_buffer *b, const unsigned char *px, int w, int h, int c)
{
    convtool_image img;
    assert_int_equal(convtool_image_decode(b->data, b->len, NULL, &img), CONVTOOL_OK);
    assert_int_equal(img.tensor.c, c);
    assert_int_equal(img.tensor.h, h);
    assert_int_equal(img.tensor.w, w);
    size_t hw = (size_t)w * (size_t)h;
    for (int k = 0; k < c; k++)
        for (size_t i = 0; i < hw; i++)
            assert_true(img.tensor.data[(size_t)k * hw + i] ==
                        (float)px[i * (size_t)c + (size_t)k] / 255.0f);
    convtool_image_free(&img);
}

static convtool_buffer write_png(const unsigned char *px, int w, int h, int c, int level,
                                 convtool_pool *pool)
{
    convtool_buffer b = {0};
    assert_int_equal(png_write_interleaved(px, w, h, c, level, pool, &b), CONVTOOL_OK);
    return b;
}

static void round_trip(int w, int h, int c, int level, convtool_pool *pool)
{
    unsigned char *px = make_pixels(w, h, c, (unsigned)(w * 31 + h * 7 + c));
    convtool_buffer b = write_png(px, w, h, c, level, pool);
    free(inflate_png(&b, w, h, c));
    check_decodes(&b, px, w, h, c);
    assert_stb_decodes(b.data, b.len, px, w, h, c);
    convtool_buffer_free(&b);
    free(px);
}

static void test_round_trip_channels_and_sizes(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1, 1}, {1, 7}, {7, 1}, {3, 2}, {17, 13}, {64, 43}};
    for (int c = 1; c <= 4; c++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (int level = 0; level <= PNG_LEVEL_MAX; level++)
                round_trip(sizes[s][0], sizes[s][1], c, level, NULL);
}

/* Many strips (512 KiB of rows each), rows longer than a strip, and the 32 KiB priming. */
static void test_round_trip_strips(void **state)
{
    (void)state;
    convtool_pool *pool;
    assert_int_equal(convtool_pool_create(3, &pool), CONVTOOL_OK);
    round_trip(1500, 400, 3, 2, pool); /* 4501-byte rows: 116 rows a strip, 4 strips */
    round_trip(1500, 400, 3, 1, pool);
    round_trip(1500, 150, 4, 4, pool);
    round_trip(131072, 3, 4, 2, pool); /* rows longer than a strip: a strip per row */
    round_trip(10, 60000, 1, 2, pool); /* 11-byte rows, many strips of tiny rows */
    convtool_pool_free(pool);
}

/* Noise does not compress: deflate falls back to stored blocks, which must fit the slots. */
static void test_incompressible(void **state)
{
    (void)state;
    int w = 700, h = 400, c = 3;
    size_t n = (size_t)w * (size_t)h * (size_t)c;
    unsigned char *px = malloc(n);
    unsigned seed = 1;
    for (size_t i = 0; i < n; i++)
        px[i] = (unsigned char)(test_rand(&seed) >> 3);
    static const int levels[] = {1, 2, 5, 9};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        convtool_buffer b = write_png(px, w, h, c, levels[i], NULL);
        assert_true(b.len > n);
        free(inflate_png(&b, w, h, c));
        check_decodes(&b, px, w, h, c);
        assert_stb_decodes(b.data, b.len, px, w, h, c);
        convtool_buffer_free(&b);
    }
    free(px);
}

/* Flat images give one-symbol alphabets and runs across rows and strips, at every level. */
static void test_flat_images(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1, 1}, {2, 2}, {1000, 3}, {700, 400}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int value = 0; value <= 255; value += 255)
            for (int level = 1; level <= PNG_LEVEL_MAX; level++) {
                int w = sizes[s][0], h = sizes[s][1];
                size_t n = (size_t)w * (size_t)h * 3;
                unsigned char *px = malloc(n);
                memset(px, value, n);
                convtool_buffer b = write_png(px, w, h, 3, level, NULL);
                assert_true(b.len < n / 50 + 100);
                free(inflate_png(&b, w, h, 3));
                check_decodes(&b, px, w, h, 3);
                assert_stb_decodes(b.data, b.len, px, w, h, 3);
                convtool_buffer_free(&b);
                free(px);
            }
}

/* Strips depend on the image only: one thread or several write the same bytes. */
static void test_same_bytes_any_threads(void **state)
{
    (void)state;
    int w = 900, h = 700, c = 3;
    unsigned char *px = make_pixels(w, h, c, 5);
    convtool_buffer one = write_png(px, w, h, c, 0, NULL);
    for (int threads = 1; threads <= 4; threads++) {
        convtool_pool *pool;
        assert_int_equal(convtool_pool_create(threads, &pool), CONVTOOL_OK);
        convtool_buffer b = write_png(px, w, h, c, 0, pool);
        assert_int_equal(b.len, one.len);
        assert_memory_equal(b.data, one.data, one.len);
        convtool_buffer_free(&b);
        convtool_pool_free(pool);
    }
    convtool_buffer_free(&one);
    free(px);
}

/*
 * Level 0 is the default, level 2. From level 3 up each strip keeps the smaller of zlib's
 * coding and level 2's, so no level gives more than level 2, and zlib searches harder at
 * each step.
 */
static void test_levels(void **state)
{
    (void)state;
    int w = 300, h = 200, c = 3;
    unsigned char *px = make_pixels(w, h, c, 11);
    convtool_buffer def = write_png(px, w, h, c, 0, NULL);
    convtool_buffer two = write_png(px, w, h, c, PNG_LEVEL_DEFAULT, NULL);
    assert_int_equal(def.len, two.len);
    assert_memory_equal(def.data, two.data, def.len);
    size_t len[PNG_LEVEL_MAX + 1];
    for (int level = 1; level <= PNG_LEVEL_MAX; level++) {
        convtool_buffer b = write_png(px, w, h, c, level, NULL);
        len[level] = b.len;
        convtool_buffer_free(&b);
    }
    for (int level = 3; level <= PNG_LEVEL_MAX; level++)
        assert_true(len[level] <= len[level - 1]);
    assert_true(len[PNG_LEVEL_MAX] < len[2]);
    assert_true(len[2] < len[1]);
    convtool_buffer_free(&def);
    convtool_buffer_free(&two);
    free(px);
}

/* The file is appended after what the buffer holds; a failure leaves the buffer as it was. */
static void test_append_and_errors(void **state)
{
    (void)state;
    unsigned char px[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    convtool_buffer b = {0};
    convtool_buffer_append(&b, "head", 4);
    assert_int_equal(png_write_interleaved(px, 2, 2, 3, 0, NULL, &b), CONVTOOL_OK);
    assert_memory_equal(b.data, "head", 4);
    convtool_buffer file = {0};
    convtool_buffer_append(&file, b.data + 4, b.len - 4);
    check_decodes(&file, px, 2, 2, 3);
    convtool_buffer_free(&file);

    size_t len = b.len;
    assert_int_equal(png_write_interleaved(px, 2, 2, 5, 0, NULL, &b), CONVTOOL_EINVAL);
    assert_int_equal(png_write_interleaved(px, 2, 2, 0, 0, NULL, &b), CONVTOOL_EINVAL);
    assert_int_equal(png_write_interleaved(px, 0, 2, 3, 0, NULL, &b), CONVTOOL_EINVAL);
    assert_int_equal(png_write_interleaved(px, 2, 0, 3, 0, NULL, &b), CONVTOOL_EINVAL);
    assert_int_equal(png_write_interleaved(px, 2, 2, 3, 10, NULL, &b), CONVTOOL_EINVAL);
    assert_int_equal(png_write_interleaved(px, 2, 2, 3, -1, NULL, &b), CONVTOOL_EINVAL);
    assert_int_equal(png_write_interleaved(NULL, 2, 2, 3, 0, NULL, &b), CONVTOOL_EINVAL);
    assert_int_equal(png_write_interleaved(px, INT32_MAX, 2, 4, 0, NULL, &b), CONVTOOL_ELIMIT);
    assert_int_equal(b.len, len);
    convtool_buffer_free(&b);
}

/* ------------------------------------------------------------- filters */

/* The PNG specification's predictor, section 9.4, one byte at a time. */
static int spec_paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc)
        return a;
    return pb <= pc ? b : c;
}

static unsigned char spec_filter(int f, const unsigned char *cur, const unsigned char *prev,
                                 size_t i, size_t bpp)
{
    int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
    int pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : spec_paeth(a, b, c);
    return (unsigned char)(cur[i] - pred);
}

static unsigned long signed_cost(const unsigned char *p, size_t n)
{
    unsigned long s = 0;
    for (size_t i = 0; i < n; i++)
        s += (unsigned long)abs((signed char)p[i]);
    return s;
}

static void test_filters_match_spec(void **state)
{
    (void)state;
    unsigned seed = 3;
    unsigned char cur[97], prev[97], out[98], scratch[97], want[97];
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof cur; i++) {
            cur[i] = (unsigned char)test_rand(&seed);
            prev[i] = round % 2 ? (unsigned char)(cur[i] + test_rand(&seed) % 9) : cur[i] ^ 1;
        }
        for (int bpp = 1; bpp <= 4; bpp++) {
            size_t n = sizeof cur - (sizeof cur % (size_t)bpp);
            unsigned long best = ULONG_MAX;
            int best_f = 0;
            for (int f = 0; f <= 4; f++) {
                png_filter_row((enum png_filter)f, cur, prev, n, bpp, out, scratch);
                assert_int_equal(out[0], f);
                for (size_t i = 0; i < n; i++)
                    want[i] = spec_filter(f, cur, prev, i, (size_t)bpp);
                assert_memory_equal(out + 1, want, n);
                unsigned long cost = signed_cost(want, n);
                if (cost < best) { /* ties go to the lower type */
                    best = cost;
                    best_f = f;
                }
            }
            png_filter_row(PNG_FILTER_ADAPTIVE, cur, prev, n, bpp, out, scratch);
            assert_int_equal(out[0], best_f);
            for (size_t i = 0; i < n; i++)
                want[i] = spec_filter(best_f, cur, prev, i, (size_t)bpp);
            assert_memory_equal(out + 1, want, n);
        }
    }
}

/* ------------------------------------------------ through the public API */

/* convtool_image_encode quantizes round(clamp(v,0,1)·255) and writes it losslessly. */
static void test_encode_tensor(void **state)
{
    (void)state;
    convtool_pool *pool;
    assert_int_equal(convtool_pool_create(2, &pool), CONVTOOL_OK);
    for (int c = 1; c <= 4; c++) {
        convtool_tensor t;
        assert_int_equal(convtool_tensor_alloc(&t, c, 37, 1030), CONVTOOL_OK);
        unsigned seed = (unsigned)c;
        size_t n = convtool_tensor_count(&t);
        for (size_t i = 0; i < n; i++)
            t.data[i] = (float)test_rand(&seed) / 32767.0f * 1.4f - 0.2f;
        t.data[0] = 0.5f / 255.0f; /* exactly half a level: rounds up */
        t.data[1] = 1.5f / 255.0f;
        convtool_save_options o = {.format = CONVTOOL_FORMAT_PNG, .png_level = c, .pool = pool};
        convtool_buffer b = {0};
        assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_OK);
        convtool_image img;
        assert_int_equal(convtool_image_decode(b.data, b.len, NULL, &img), CONVTOOL_OK);
        assert_int_equal(img.tensor.c, c);
        for (size_t i = 0; i < n; i++) {
            float v = t.data[i], q = v <= 0.0f ? 0.0f : v >= 1.0f ? 255.0f : roundf(v * 255.0f);
            assert_true(img.tensor.data[i] == q / 255.0f);
        }
        convtool_image_free(&img);
        convtool_buffer_free(&b);
        o.png_level = CONVTOOL_PNG_LEVEL_MAX + 1;
        assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_EINVAL);
        convtool_buffer_free(&b);
        convtool_tensor_free(&t);
    }
    convtool_pool_free(pool);
}

/* 8-bit pixels give the very file the tensor of their s/255 values gives. */
static void test_encode_pixels(void **state)
{
    (void)state;
    for (int c = 1; c <= 4; c++) {
        convtool_pixels px;
        assert_int_equal(convtool_pixels_alloc(&px, 301, 17, c, 8), CONVTOOL_OK);
        unsigned char *src = make_pixels(301, 17, c, 2);
        memcpy(px.data, src, (size_t)301 * 17 * (size_t)c);
        convtool_tensor t;
        assert_int_equal(convtool_tensor_alloc(&t, c, 17, 301), CONVTOOL_OK);
        for (size_t i = 0; i < (size_t)301 * 17; i++)
            for (int k = 0; k < c; k++)
                t.data[(size_t)k * 301 * 17 + i] = (float)src[i * (size_t)c + (size_t)k] / 255.0f;
        static const convtool_format formats[] = {CONVTOOL_FORMAT_PNG, CONVTOOL_FORMAT_JPEG,
                                                  CONVTOOL_FORMAT_BMP, CONVTOOL_FORMAT_TGA};
        for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
            convtool_save_options o = {.format = formats[f], .jpeg_quality = 90};
            convtool_buffer a = {0}, b = {0};
            assert_int_equal(convtool_pixels_encode(&px, &o, &a), CONVTOOL_OK);
            assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_OK);
            assert_int_equal(a.len, b.len);
            assert_memory_equal(a.data, b.data, a.len);
            convtool_buffer_free(&a);
            convtool_buffer_free(&b);
        }
        convtool_save_options o = {.format = CONVTOOL_FORMAT_HDR};
        convtool_buffer b = {0};
        assert_int_equal(convtool_pixels_encode(&px, &o, &b), CONVTOOL_EUNSUPPORTED);
        o.format = CONVTOOL_FORMAT_PNG;
        o.png_level = 10;
        assert_int_equal(convtool_pixels_encode(&px, &o, &b), CONVTOOL_EINVAL);
        convtool_pixels_free(&px);
        assert_int_equal(convtool_pixels_alloc(&px, 4, 4, c, 16), CONVTOOL_OK);
        o.png_level = 0;
        o.format = CONVTOOL_FORMAT_JPEG; /* 16-bit pixels go to PNG only (test_png_write16) */
        o.jpeg_quality = 90;
        assert_int_equal(convtool_pixels_encode(&px, &o, &b), CONVTOOL_EUNSUPPORTED);
        assert_int_equal(b.len, 0);
        convtool_pixels_free(&px);
        convtool_tensor_free(&t);
        free(src);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_channels_and_sizes),
        cmocka_unit_test(test_round_trip_strips),
        cmocka_unit_test(test_incompressible),
        cmocka_unit_test(test_flat_images),
        cmocka_unit_test(test_same_bytes_any_threads),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_append_and_errors),
        cmocka_unit_test(test_filters_match_spec),
        cmocka_unit_test(test_encode_tensor),
        cmocka_unit_test(test_encode_pixels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
