/*
 * The strip engine's two-pass jobs (cli/apply/apply_stream.c):
 *
 * --map normalize: convtool_conv2d_pixels_bounds over the strips finds each
 * channel's min and max of the float path's result (convtool_conv2d, which
 * the reference ref_conv2d checks), and a NORMALIZE pass with those bounds
 * gives the bytes of convtool_map_apply → quantize, strip by strip.
 *
 * Circular padding: the job over the image equals the job over the image
 * with its last pad_top rows above it and its first pad_bottom rows below it
 * and no vertical padding (what apply_stream_rows.c streams), byte for byte.
 *
 * Random geometries, luma and plain passes, 8- and 16-bit, 1 and 3 threads.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ref_conv.h"
#include "strip_helpers.h"

static void random_kernel(convtool_kernel *k, unsigned *seed, int kh, int kw, int zeros)
{
    float v[49];
    for (int i = 0; i < kh * kw; i++)
        v[i] = zeros ? 0.0f : (float)test_rand_range(seed, -40, 40) / 32.0f;
    *k = test_kernel(kh, kw, v);
}

/* Pass 1: the bounds, strip by strip from copied windows. */
static void strip_bounds(const convtool_pixels *in, const convtool_pixel_pass *pass,
                         const convtool_kernel *k, const convtool_geometry *g,
                         convtool_pool *pool, int strip_rows, float *bounds)
{
    for (int c = 0; c < pass->channels; c++)
        bounds[2 * c] = INFINITY, bounds[2 * c + 1] = -INFINITY;
    for (int y0 = 0; y0 < g->out_h; y0 += strip_rows) {
        int y1 = y0 + strip_rows < g->out_h ? y0 + strip_rows : g->out_h, lo, hi;
        assert_int_equal(convtool_conv2d_rows_needed(g, y0, y1, &lo, &hi), CONVTOOL_OK);
        convtool_pixels w = strip_window_of(in, lo, hi);
        assert_int_equal(convtool_conv2d_pixels_bounds(&w, lo, pass, k, g, 0.25f, pool, y0, y1,
                                                       bounds),
                         CONVTOOL_OK);
        convtool_pixels_free(&w);
    }
}

/* Pass 2: the pixels, strip by strip, into out. */
static void strip_pixels(const convtool_pixels *in, const convtool_pixel_pass *pass,
                         const convtool_kernel *k, const convtool_geometry *g,
                         convtool_pool *pool, int strip_rows, convtool_pixels *out)
{
    size_t out_row = strip_row_bytes(out);
    for (int y0 = 0; y0 < g->out_h; y0 += strip_rows) {
        int y1 = y0 + strip_rows < g->out_h ? y0 + strip_rows : g->out_h, lo, hi;
        assert_int_equal(convtool_conv2d_rows_needed(g, y0, y1, &lo, &hi), CONVTOOL_OK);
        convtool_pixels w = strip_window_of(in, lo, hi), strip;
        assert_int_equal(convtool_pixels_alloc(&strip, out->width, y1 - y0, out->channels,
                                               out->depth),
                         CONVTOOL_OK);
        size_t clipped = 1;
        assert_int_equal(convtool_conv2d_pixels_rows(&w, lo, pass, k, g, 0.25f, pool, &strip, y0,
                                                     &clipped),
                         CONVTOOL_OK);
        if (pass->map == CONVTOOL_MAP_NORMALIZE)
            assert_int_equal(clipped, 0); /* normalized values lie in [0,1] */
        memcpy((unsigned char *)out->data + (size_t)y0 * out_row, strip.data,
               (size_t)(y1 - y0) * out_row);
        convtool_pixels_free(&w);
        convtool_pixels_free(&strip);
    }
}

/* round(clamp(v, 0, 1)·max), NaN → 0: the encoders' rule. */
static unsigned quantize_ref(float v, unsigned max)
{
    if (!(v > 0.0f))
        return 0;
    return v >= 1.0f ? max : (unsigned)roundf(v * (float)max);
}

static void normalize_case(unsigned *seed, convtool_pool *pool)
{
    int depth = test_rand_range(seed, 0, 3) == 0 ? 16 : 8;
    int channels = test_rand_range(seed, 1, 4);
    int w = test_rand_range(seed, 1, 40), h = test_rand_range(seed, 1, 40);
    int kh = test_rand_range(seed, 1, 7), kw = test_rand_range(seed, 1, 7);
    convtool_geometry_spec spec;
    strip_random_geometry(seed, 9, &spec);
    convtool_geometry g;
    if (convtool_geometry_resolve(&spec, h, w, kh, kw, &g) != CONVTOOL_OK)
        return; /* too small for this kernel, or reflect wider than the input */
    convtool_kernel k;
    random_kernel(&k, seed, kh, kw, test_rand_range(seed, 0, 15) == 0); /* constant: all 0.25 */
    convtool_pixels in;
    strip_random_pixels(&in, seed, w, h, channels, depth);
    int luma = channels >= 3 && test_rand_range(seed, 0, 1);
    convtool_pixel_pass pass = {.in_channel = 0, .channels = luma ? 1 : channels, .luma = luma,
                                .out_channel = 0, .map = CONVTOOL_MAP_NORMALIZE};

    /* the float path: conv2d (near the reference), then normalize */
    convtool_tensor floats = strip_float_input(&in, &pass), result, ref;
    assert_int_equal(convtool_conv2d(&floats, &k, &g, 0.25f, NULL, &result), CONVTOOL_OK);
    assert_int_equal(ref_conv2d(&floats, &k, &g, 0.25f, &ref), CONVTOOL_OK);
    size_t plane = (size_t)g.out_w * (size_t)g.out_h;
    float want[8];
    for (int c = 0; c < pass.channels; c++) {
        want[2 * c] = INFINITY, want[2 * c + 1] = -INFINITY;
        for (size_t i = 0; i < plane; i++) {
            float v = result.data[(size_t)c * plane + i];
            assert_true(fabsf(v - ref.data[(size_t)c * plane + i]) <= 1e-4f);
            want[2 * c] = v < want[2 * c] ? v : want[2 * c];
            want[2 * c + 1] = v > want[2 * c + 1] ? v : want[2 * c + 1];
        }
    }
    convtool_map_apply(&result, CONVTOOL_MAP_NORMALIZE);

    int out_depth = test_rand_range(seed, 0, 2) == 0 ? 16 : 8;
    unsigned max = out_depth == 16 ? 65535 : 255;
    convtool_pixels out;
    assert_int_equal(convtool_pixels_alloc(&out, g.out_w, g.out_h, pass.channels, out_depth),
                     CONVTOOL_OK);
    int heights[] = {1, 2, 5, 16, g.out_h};
    for (size_t t = 0; t < sizeof heights / sizeof *heights; t++) {
        float bounds[8];
        strip_bounds(&in, &pass, &k, &g, pool, heights[t], bounds);
        assert_memory_equal(bounds, want, (size_t)pass.channels * 2 * sizeof(float));
        pass.bounds = bounds;
        memset(out.data, 0x5A, strip_row_bytes(&out) * (size_t)g.out_h);
        strip_pixels(&in, &pass, &k, &g, pool, heights[t], &out);
        pass.bounds = NULL;
        for (size_t i = 0; i < plane; i++)
            for (int c = 0; c < pass.channels; c++) {
                size_t at = i * (size_t)pass.channels + (size_t)c;
                unsigned got = out_depth == 16 ? ((const uint16_t *)out.data)[at]
                                               : ((const unsigned char *)out.data)[at];
                assert_int_equal(got, quantize_ref(result.data[(size_t)c * plane + i], max));
            }
    }
    convtool_pixels_free(&out);
    convtool_tensor_free(&floats);
    convtool_tensor_free(&result);
    convtool_tensor_free(&ref);
    convtool_pixels_free(&in);
    convtool_kernel_free(&k);
}

static void normalize_strips_equal_float_path(void **state)
{
    (void)state;
    strip_on_pools(20261204, 300, normalize_case);
}

/* NORMALIZE without bounds, or bounds without a buffer, is refused. */
static void normalize_needs_bounds(void **state)
{
    (void)state;
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    convtool_geometry g;
    assert_int_equal(convtool_geometry_resolve(&spec, 4, 4, 3, 3, &g), CONVTOOL_OK);
    float taps[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
    convtool_kernel k = test_kernel(3, 3, taps);
    convtool_pixels in, out;
    assert_int_equal(convtool_pixels_alloc(&in, 4, 4, 1, 8), CONVTOOL_OK);
    assert_int_equal(convtool_pixels_alloc(&out, 4, 4, 1, 8), CONVTOOL_OK);
    memset(in.data, 7, 16);
    convtool_pixel_pass pass = {0, 1, 0, 0, CONVTOOL_MAP_NORMALIZE, NULL};
    assert_int_equal(convtool_conv2d_pixels(&in, &pass, &k, &g, 0.0f, NULL, &out, NULL),
                     CONVTOOL_EINVAL);
    assert_int_equal(convtool_conv2d_pixels_bounds(&in, 0, &pass, &k, &g, 0.0f, NULL, 0, 4,
                                                   NULL),
                     CONVTOOL_EINVAL);
    float bounds[2] = {INFINITY, -INFINITY};
    assert_int_equal(convtool_conv2d_pixels_bounds(&in, 0, &pass, &k, &g, 0.0f, NULL, 0, 4,
                                                   bounds),
                     CONVTOOL_OK);
    assert_true(bounds[0] == 7.0f / 255.0f && bounds[1] == 7.0f / 255.0f);
    pass.bounds = bounds; /* a constant channel maps to 0 */
    assert_int_equal(convtool_conv2d_pixels(&in, &pass, &k, &g, 0.0f, NULL, &out, NULL),
                     CONVTOOL_OK);
    for (int i = 0; i < 16; i++)
        assert_int_equal(((unsigned char *)out.data)[i], 0);
    convtool_pixels_free(&in);
    convtool_pixels_free(&out);
    convtool_kernel_free(&k);
}

/* The image with its last `top` rows above and its first `bottom` rows below. */
static convtool_pixels wrapped(const convtool_pixels *in, int top, int bottom)
{
    convtool_pixels e;
    size_t row = strip_row_bytes(in);
    assert_int_equal(convtool_pixels_alloc(&e, in->width, in->height + top + bottom,
                                           in->channels, in->depth),
                     CONVTOOL_OK);
    unsigned char *to = e.data;
    const unsigned char *from = in->data;
    memcpy(to, from + (size_t)(in->height - top) * row, (size_t)top * row);
    memcpy(to + (size_t)top * row, from, (size_t)in->height * row);
    memcpy(to + (size_t)(top + in->height) * row, from, (size_t)bottom * row);
    return e;
}

static void circular_case(unsigned *seed, convtool_pool *pool)
{
    int depth = test_rand_range(seed, 0, 3) == 0 ? 16 : 8;
    int channels = test_rand_range(seed, 1, 4);
    int w = test_rand_range(seed, 1, 40), h = test_rand_range(seed, 2, 40);
    int kh = test_rand_range(seed, 1, 7), kw = test_rand_range(seed, 1, 7);
    convtool_geometry_spec spec;
    strip_random_geometry(seed, 9, &spec);
    spec.mode = CONVTOOL_PAD_CIRCULAR;
    convtool_geometry g;
    if (convtool_geometry_resolve(&spec, h, w, kh, kw, &g) != CONVTOOL_OK ||
        g.pad_top + g.pad_bottom >= h)
        return; /* the strip engine leaves these whole */
    convtool_geometry rows_g = g;
    rows_g.in_h = h + g.pad_top + g.pad_bottom;
    rows_g.pad_top = rows_g.pad_bottom = 0;
    convtool_kernel k;
    random_kernel(&k, seed, kh, kw, 0);
    convtool_pixels in;
    strip_random_pixels(&in, seed, w, h, channels, depth);
    convtool_pixels e = wrapped(&in, g.pad_top, g.pad_bottom);
    int luma = channels >= 3 && test_rand_range(seed, 0, 1);
    convtool_pixel_pass pass = {.in_channel = 0, .channels = luma ? 1 : channels, .luma = luma,
                                .out_channel = 0, .map = test_rand_range(seed, 0, 1)};
    convtool_pixels whole, strips;
    assert_int_equal(convtool_pixels_alloc(&whole, g.out_w, g.out_h, pass.channels, depth),
                     CONVTOOL_OK);
    assert_int_equal(convtool_pixels_alloc(&strips, g.out_w, g.out_h, pass.channels, depth),
                     CONVTOOL_OK);
    assert_int_equal(convtool_conv2d_pixels(&in, &pass, &k, &g, 0.25f, pool, &whole, NULL),
                     CONVTOOL_OK);
    int heights[] = {1, 2, 5, 16, g.out_h};
    for (size_t t = 0; t < sizeof heights / sizeof *heights; t++) {
        memset(strips.data, 0, strip_row_bytes(&strips) * (size_t)g.out_h);
        strip_pixels(&e, &pass, &k, &rows_g, pool, heights[t], &strips);
        assert_memory_equal(whole.data, strips.data, strip_row_bytes(&whole) * (size_t)g.out_h);
    }
    convtool_pixels_free(&whole);
    convtool_pixels_free(&strips);
    convtool_pixels_free(&e);
    convtool_pixels_free(&in);
    convtool_kernel_free(&k);
}

static void circular_equals_wrapped_rows(void **state)
{
    (void)state;
    strip_on_pools(20261205, 300, circular_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalize_strips_equal_float_path),
        cmocka_unit_test(normalize_needs_bounds),
        cmocka_unit_test(circular_equals_wrapped_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
