/*
 * 16-bit PNG output (issue 12): the writer's 16-bit files say bit depth 16 in
 * IHDR and read back through convtool's PNG reader to the very samples
 * written, gray, gray+alpha, RGB and RGBA, at every level and thread count
 * (the same bytes for any pool); the tensor encoder's depth 16 stores
 * round(clamp(v, 0, 1) · 65535); 16 bits are refused for the 8-bit formats.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "codec/png_write.h"
#include "test_helpers.h"

static const convtool_load_options IN_PROCESS = {.no_sandbox = 1};

/* Smooth ramps, noise in the low byte and flat runs: every filter sees both bytes vary. */
static uint16_t *make_samples(int w, int h, int c, unsigned seed)
{
    size_t n = (size_t)w * (size_t)h * (size_t)c;
    uint16_t *p = malloc(n * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(i * 997u) + (test_rand(&seed) % 300);
        p[i] = (uint16_t)((i / 64) % 3 == 1 ? 40000u : v);
    }
    return p;
}

static convtool_buffer write16(const uint16_t *px, int w, int h, int c, int level,
                               convtool_pool *pool)
{
    convtool_buffer b = {0};
    assert_int_equal(png_write_interleaved16(px, w, h, c, level, pool, &b), CONVTOOL_OK);
    return b;
}

/* IHDR: bit depth 16 (byte 24 of the file), the colour type of c channels. */
static void check_header(const convtool_buffer *b, int c)
{
    static const unsigned char color_type[5] = {0, 0, 4, 2, 6};
    assert_true(b->len > 33);
    assert_memory_equal(b->data + 12, "IHDR", 4);
    assert_int_equal(b->data[24], 16);
    assert_int_equal(b->data[25], color_type[c]);
}

/* convtool's reader gives back exactly the samples written. */
static void check_reads_back(const convtool_buffer *b, const uint16_t *px, int w, int h, int c)
{
    convtool_pixels got;
    convtool_image_info info;
    assert_int_equal(convtool_image_decode_pixels(b->data, b->len, &IN_PROCESS, &got, &info),
                     CONVTOOL_OK);
    assert_int_equal(got.depth, 16);
    assert_int_equal(info.bit_depth, 16);
    assert_int_equal(got.channels, c);
    assert_int_equal(got.width, w);
    assert_int_equal(got.height, h);
    assert_memory_equal(got.data, px, (size_t)w * h * c * sizeof *px);
    convtool_pixels_free(&got);
}

static void test_round_trip16(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1, 1}, {1, 5}, {9, 1}, {17, 13}, {300, 40}};
    static const int levels[] = {0, 1, 2, 3, 9};
    for (int c = 1; c <= 4; c++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
                int w = sizes[s][0], h = sizes[s][1];
                uint16_t *px = make_samples(w, h, c, (unsigned)(w + 7 * h + c));
                convtool_buffer b = write16(px, w, h, c, levels[l], NULL);
                check_header(&b, c);
                check_reads_back(&b, px, w, h, c);
                convtool_buffer_free(&b);
                free(px);
            }
}

/* Several strips (rows of 2·4·1500 bytes), one thread or three: the same file. */
static void test_same_bytes_any_threads16(void **state)
{
    (void)state;
    int w = 1500, h = 200, c = 4;
    uint16_t *px = make_samples(w, h, c, 8);
    convtool_buffer one = write16(px, w, h, c, 0, NULL);
    for (int threads = 2; threads <= 3; threads++) {
        convtool_pool *pool;
        assert_int_equal(convtool_pool_create(threads, &pool), CONVTOOL_OK);
        convtool_buffer b = write16(px, w, h, c, 0, pool);
        assert_int_equal(b.len, one.len);
        assert_memory_equal(b.data, one.data, one.len);
        convtool_buffer_free(&b);
        convtool_pool_free(pool);
    }
    check_reads_back(&one, px, w, h, c);
    convtool_buffer_free(&one);
    free(px);
}

/* The tensor encoder at depth 16 and the pixel encoder of the same samples agree. */
static void test_tensor_encoder16(void **state)
{
    (void)state;
    int w = 37, h = 11, c = 3;
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, c, h, w), CONVTOOL_OK);
    size_t hw = (size_t)w * h;
    unsigned seed = 4;
    for (size_t i = 0; i < (size_t)c * hw; i++)
        t.data[i] = (float)test_rand_range(&seed, -2000, 12000) / 10000.0f; /* some clip */
    t.data[0] = NAN;
    convtool_save_options o = {.format = CONVTOOL_FORMAT_PNG, .depth = 16};
    convtool_buffer b = {0};
    assert_int_equal(convtool_image_encode(&t, &o, &b), CONVTOOL_OK);
    check_header(&b, c);
    uint16_t *want = malloc(hw * c * sizeof *want);
    for (size_t i = 0; i < hw; i++)
        for (int k = 0; k < c; k++) {
            float v = t.data[(size_t)k * hw + i];
            want[i * c + k] = !(v > 0.0f) ? 0 : v >= 1.0f ? 65535 : (uint16_t)roundf(v * 65535.0f);
        }
    check_reads_back(&b, want, w, h, c);

    convtool_pixels px = {w, h, c, 16, want};
    convtool_buffer p = {0};
    assert_int_equal(convtool_pixels_encode(&px, &o, &p), CONVTOOL_OK);
    assert_int_equal(p.len, b.len);
    assert_memory_equal(p.data, b.data, b.len);

    /* 16 bits go only to PNG */
    convtool_save_options jpeg = {.format = CONVTOOL_FORMAT_JPEG, .jpeg_quality = 90, .depth = 16};
    convtool_buffer none = {0};
    assert_int_equal(convtool_image_encode(&t, &jpeg, &none), CONVTOOL_EUNSUPPORTED);
    jpeg.depth = 0;
    assert_int_equal(convtool_pixels_encode(&px, &jpeg, &none), CONVTOOL_EUNSUPPORTED);
    assert_int_equal(none.len, 0);
    convtool_buffer_free(&none);
    convtool_buffer_free(&p);
    convtool_buffer_free(&b);
    free(want);
    convtool_tensor_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip16),
        cmocka_unit_test(test_same_bytes_any_threads16),
        cmocka_unit_test(test_tensor_encoder16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
