/*
 * The float strip step (convtool_conv2d_rows) gives convtool_conv2d's values
 * bit for bit: random geometries (kernel sizes, strides, dilations, every
 * padding kind and mode), 1 to 3 planes, strips from 1 row up, each strip
 * reading only a copy of the window convtool_conv2d_rows_needed names, with
 * the method pinned to the one convtool_method_choose gives the whole tensor,
 * on 1 and 3 threads. Then one plane at a time, as the .npy strip engine runs.
 * And the pixel strips with float results (a PNG to a .npy):
 * convtool_conv2d_pixels_rows_float against convtool_conv2d on the tensor the
 * decoder makes (s/255 or s/65535, the luma by convtool_to_luma).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strip_helpers.h"

static void random_kernel(convtool_kernel *k, unsigned *seed, int kh, int kw)
{
    float v[49];
    for (int i = 0; i < kh * kw; i++)
        v[i] = (float)test_rand_range(seed, -40, 40) / 32.0f;
    *k = test_kernel(kh, kw, v);
}

/* Planes [p0, p0 + pn) of `in`, strip by strip from copied windows, into the same planes of out. */
static void run_strips(const convtool_tensor *in, int p0, int pn, const convtool_kernel *k,
                       const convtool_geometry *g, convtool_pool *pool, int strip_rows,
                       convtool_tensor *out)
{
    size_t in_plane = (size_t)in->h * in->w, out_plane = (size_t)out->h * out->w;
    for (int y0 = 0; y0 < g->out_h; y0 += strip_rows) {
        int y1 = y0 + strip_rows < g->out_h ? y0 + strip_rows : g->out_h;
        int lo, hi;
        assert_int_equal(convtool_conv2d_rows_needed(g, y0, y1, &lo, &hi), CONVTOOL_OK);
        convtool_tensor window, strip;
        assert_int_equal(convtool_tensor_alloc(&window, pn, hi > lo ? hi - lo : 1, in->w),
                         CONVTOOL_OK);
        for (size_t i = 0; i < convtool_tensor_count(&window); i++)
            window.data[i] = 1e30f; /* a row read from outside the window would show */
        for (int p = 0; p < pn && hi > lo; p++)
            memcpy(window.data + (size_t)p * window.h * window.w,
                   in->data + (size_t)(p0 + p) * in_plane + (size_t)lo * in->w,
                   (size_t)(hi - lo) * in->w * sizeof(float));
        assert_int_equal(convtool_tensor_alloc(&strip, pn, y1 - y0, out->w), CONVTOOL_OK);
        assert_int_equal(convtool_conv2d_rows(&window, lo, k, g, 0.25f, pool, &strip, y0),
                         CONVTOOL_OK);
        for (int p = 0; p < pn; p++)
            memcpy(out->data + (size_t)(p0 + p) * out_plane + (size_t)y0 * out->w,
                   strip.data + (size_t)p * strip.h * strip.w,
                   (size_t)(y1 - y0) * out->w * sizeof(float));
        convtool_tensor_free(&window);
        convtool_tensor_free(&strip);
    }
}

static void one_case(unsigned *seed, convtool_pool *pool)
{
    int planes = test_rand_range(seed, 1, 3);
    int w = test_rand_range(seed, 1, 40), h = test_rand_range(seed, 1, 40);
    int kh = test_rand_range(seed, 1, 7), kw = test_rand_range(seed, 1, 7);
    convtool_geometry_spec spec;
    strip_random_geometry(seed, 4, &spec);
    convtool_geometry g;
    if (convtool_geometry_resolve(&spec, h, w, kh, kw, &g) != CONVTOOL_OK)
        return; /* too small for this kernel, or reflect wider than the input */
    convtool_kernel k;
    random_kernel(&k, seed, kh, kw);
    convtool_method_choice c;
    assert_int_equal(convtool_method_choose(&k, &g, planes, convtool_pool_threads(pool), &c),
                     CONVTOOL_OK);
    if (c.method == CONVTOOL_METHOD_FFT) { /* the tiles run whole images */
        convtool_kernel_free(&k);
        return;
    }
    convtool_tensor in, whole, strips;
    assert_int_equal(convtool_tensor_alloc(&in, planes, h, w), CONVTOOL_OK);
    for (size_t i = 0; i < convtool_tensor_count(&in); i++)
        in.data[i] = (float)test_rand_range(seed, -1000, 1000) / 97.0f;
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0.25f, pool, &whole), CONVTOOL_OK);
    convtool_geometry pinned = g;
    pinned.method = c.method;
    assert_int_equal(convtool_tensor_alloc(&strips, planes, g.out_h, g.out_w), CONVTOOL_OK);
    size_t bytes = convtool_tensor_count(&whole) * sizeof(float);
    int heights[] = {1, 2, 3, 5, 16, g.out_h};
    for (size_t i = 0; i < sizeof heights / sizeof *heights; i++) {
        memset(strips.data, 0, bytes);
        run_strips(&in, 0, planes, &k, &pinned, pool, heights[i], &strips);
        assert_memory_equal(whole.data, strips.data, bytes);
        memset(strips.data, 0, bytes);
        for (int p = 0; p < planes; p++) /* one plane at a time */
            run_strips(&in, p, 1, &k, &pinned, pool, heights[i], &strips);
        assert_memory_equal(whole.data, strips.data, bytes);
    }
    convtool_tensor_free(&in);
    convtool_tensor_free(&whole);
    convtool_tensor_free(&strips);
    convtool_kernel_free(&k);
}

static void strips_equal_whole(void **state)
{
    (void)state;
    strip_on_pools(20261204, 300, one_case);
}

static void one_pixel_case(unsigned *seed, convtool_pool *pool)
{
    int depth = test_rand_range(seed, 0, 2) == 0 ? 16 : 8;
    int channels = test_rand_range(seed, 1, 4);
    int w = test_rand_range(seed, 1, 40), h = test_rand_range(seed, 1, 40);
    int kh = test_rand_range(seed, 1, 7), kw = test_rand_range(seed, 1, 7);
    convtool_geometry_spec spec;
    strip_random_geometry(seed, 4, &spec);
    convtool_geometry g;
    if (convtool_geometry_resolve(&spec, h, w, kh, kw, &g) != CONVTOOL_OK)
        return;
    convtool_kernel k;
    random_kernel(&k, seed, kh, kw);
    int luma = channels >= 3 && test_rand_range(seed, 0, 1);
    convtool_pixel_pass pass = {.in_channel = 0, .channels = luma ? 1 : channels, .luma = luma,
                                .map = CONVTOOL_MAP_NORMALIZE}; /* not used: floats out */
    if (!convtool_conv2d_rows_streamable(&k, &g, pass.channels, pool)) {
        convtool_kernel_free(&k);
        return;
    }
    convtool_pixels px;
    assert_int_equal(convtool_pixels_alloc(&px, w, h, channels, depth), CONVTOOL_OK);
    size_t bytes_in = (size_t)w * h * channels * (size_t)(depth / 8);
    for (size_t i = 0; i < bytes_in; i++)
        ((unsigned char *)px.data)[i] = (unsigned char)test_rand(seed);
    convtool_tensor in, whole, strips;
    in = strip_float_input(&px, &pass);
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0.25f, pool, &whole), CONVTOOL_OK);
    assert_int_equal(convtool_tensor_alloc(&strips, in.c, g.out_h, g.out_w), CONVTOOL_OK);
    int rows = test_rand_range(seed, 1, 6);
    for (int y0 = 0; y0 < g.out_h; y0 += rows) {
        int y1 = y0 + rows < g.out_h ? y0 + rows : g.out_h, lo, hi;
        assert_int_equal(convtool_conv2d_rows_needed(&g, y0, y1, &lo, &hi), CONVTOOL_OK);
        convtool_pixels window = strip_window_of(&px, lo, hi);
        convtool_tensor strip;
        assert_int_equal(convtool_tensor_alloc(&strip, in.c, y1 - y0, g.out_w), CONVTOOL_OK);
        assert_int_equal(convtool_conv2d_pixels_rows_float(&window, lo, &pass, &k, &g, 0.25f, pool,
                                                           &strip, y0),
                         CONVTOOL_OK);
        for (int c = 0; c < in.c; c++)
            memcpy(strips.data + ((size_t)c * g.out_h + y0) * g.out_w,
                   strip.data + (size_t)c * (y1 - y0) * g.out_w,
                   (size_t)(y1 - y0) * g.out_w * sizeof(float));
        convtool_tensor_free(&strip);
        convtool_pixels_free(&window);
    }
    assert_memory_equal(whole.data, strips.data, convtool_tensor_count(&whole) * sizeof(float));
    convtool_tensor_free(&in);
    convtool_tensor_free(&whole);
    convtool_tensor_free(&strips);
    convtool_pixels_free(&px);
    convtool_kernel_free(&k);
}

static void pixel_strips_equal_float_path(void **state)
{
    (void)state;
    strip_on_pools(20261205, 300, one_pixel_case);
}

/* A window that misses a row the strip reads, or shapes that disagree, are refused. */
static void bad_windows_refused(void **state)
{
    (void)state;
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    convtool_geometry g;
    assert_int_equal(convtool_geometry_resolve(&spec, 20, 8, 3, 3, &g), CONVTOOL_OK);
    float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    convtool_kernel k = test_kernel(3, 3, ones);
    convtool_tensor window, strip, wide;
    assert_int_equal(convtool_tensor_alloc(&window, 1, 4, 8), CONVTOOL_OK);
    assert_int_equal(convtool_tensor_alloc(&strip, 1, 3, 8), CONVTOOL_OK);
    assert_int_equal(convtool_tensor_alloc(&wide, 2, 3, 8), CONVTOOL_OK);
    memset(window.data, 0, 4 * 8 * sizeof(float));
    /* outputs 5..7 read rows 4..8: a window of rows 5..8 misses row 4 */
    assert_int_equal(convtool_conv2d_rows(&window, 5, &k, &g, 0, NULL, &strip, 5), CONVTOOL_EINVAL);
    assert_int_equal(convtool_conv2d_rows(&window, 4, &k, &g, 0, NULL, &wide, 5), CONVTOOL_EINVAL);
    assert_int_equal(convtool_conv2d_rows(&window, 4, &k, &g, 0, NULL, &strip, 18), CONVTOOL_EINVAL);
    strip.h = 2; /* outputs 5..6 read rows 4..7: a window from row 4 holds them */
    assert_int_equal(convtool_conv2d_rows(&window, 4, &k, &g, 0, NULL, &strip, 5), CONVTOOL_OK);
    for (int i = 0; i < 2 * 8; i++)
        assert_true(strip.data[i] == 0.0f);
    convtool_tensor_free(&window);
    strip.h = 3;
    convtool_tensor_free(&strip);
    convtool_tensor_free(&wide);
    convtool_kernel_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strips_equal_whole),
        cmocka_unit_test(pixel_strips_equal_float_path),
        cmocka_unit_test(bad_windows_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
