/*
 * The strip engine's step gives the bytes of the whole-image fused pass: for
 * random geometries (kernel sizes, strides, dilations, every padding kind and
 * mode, luma and plain passes, 8- and 16-bit) the image is run strip by strip
 * with strip heights from 1 up, each strip reading only the window
 * convtool_conv2d_rows_needed names (copied out, so a row outside it cannot
 * be read by accident), on 1 and 3 threads.
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

/* Runs the job strip by strip, each strip from a copied window, into `out`. */
static void run_strips(const convtool_pixels *in, const convtool_pixel_pass *pass,
                       const convtool_kernel *k, const convtool_geometry *g, convtool_pool *pool,
                       int strip_rows, convtool_pixels *out, size_t *clipped)
{
    size_t in_row = strip_row_bytes(in), out_row = strip_row_bytes(out);
    *clipped = 0;
    for (int y0 = 0; y0 < g->out_h; y0 += strip_rows) {
        int y1 = y0 + strip_rows < g->out_h ? y0 + strip_rows : g->out_h;
        int lo, hi;
        assert_int_equal(convtool_conv2d_rows_needed(g, y0, y1, &lo, &hi), CONVTOOL_OK);
        assert_true(lo >= 0 && lo <= hi && hi <= in->height);
        convtool_pixels window, strip;
        assert_int_equal(convtool_pixels_alloc(&window, in->width, hi > lo ? hi - lo : 1,
                                               in->channels, in->depth),
                         CONVTOOL_OK);
        memset(window.data, 0xA5, in_row * (size_t)window.height);
        if (hi > lo)
            memcpy(window.data, (unsigned char *)in->data + (size_t)lo * in_row,
                   (size_t)(hi - lo) * in_row);
        assert_int_equal(convtool_pixels_alloc(&strip, out->width, y1 - y0, out->channels,
                                               out->depth),
                         CONVTOOL_OK);
        size_t c = 0;
        assert_int_equal(convtool_conv2d_pixels_rows(&window, lo, pass, k, g, 0.25f, pool,
                                                     &strip, y0, &c),
                         CONVTOOL_OK);
        *clipped += c;
        memcpy((unsigned char *)out->data + (size_t)y0 * out_row, strip.data,
               (size_t)(y1 - y0) * out_row);
        convtool_pixels_free(&window);
        convtool_pixels_free(&strip);
    }
}

static void one_case(unsigned *seed, convtool_pool *pool)
{
    int depth = test_rand_range(seed, 0, 3) == 0 ? 16 : 8;
    int channels = test_rand_range(seed, 1, 4);
    int w = test_rand_range(seed, 1, 40), h = test_rand_range(seed, 1, 40);
    int kh = test_rand_range(seed, 1, 7), kw = test_rand_range(seed, 1, 7);
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    spec.stride_y = test_rand_range(seed, 1, 3);
    spec.stride_x = test_rand_range(seed, 1, 3);
    spec.dilation_y = test_rand_range(seed, 1, 3);
    spec.dilation_x = test_rand_range(seed, 1, 2);
    spec.padding = (convtool_padding_kind)test_rand_range(seed, 0, 2);
    spec.pad_y = test_rand_range(seed, 0, 4);
    spec.pad_x = test_rand_range(seed, 0, 4);
    spec.mode = (convtool_pad_mode)test_rand_range(seed, 0, 4);
    spec.method = test_rand_range(seed, 0, 1) ? CONVTOOL_METHOD_DIRECT : CONVTOOL_METHOD_AUTO;
    convtool_geometry g;
    if (convtool_geometry_resolve(&spec, h, w, kh, kw, &g) != CONVTOOL_OK)
        return; /* too small for this kernel, or reflect wider than the input */
    convtool_kernel k;
    random_kernel(&k, seed, kh, kw);
    convtool_pixels in;
    strip_random_pixels(&in, seed, w, h, channels, depth);
    int luma = channels >= 3 && test_rand_range(seed, 0, 1);
    convtool_pixel_pass pass = {.in_channel = 0, .channels = luma ? 1 : channels, .luma = luma,
                                .out_channel = 0,
                                .map = test_rand_range(seed, 0, 2) == 0 ? CONVTOOL_MAP_ABS
                                                                         : CONVTOOL_MAP_CLAMP};
    convtool_pixels whole, strips;
    assert_int_equal(convtool_pixels_alloc(&whole, g.out_w, g.out_h, pass.channels, depth),
                     CONVTOOL_OK);
    assert_int_equal(convtool_pixels_alloc(&strips, g.out_w, g.out_h, pass.channels, depth),
                     CONVTOOL_OK);
    size_t clipped_whole = 0, clipped_strips = 0;
    assert_int_equal(convtool_conv2d_pixels(&in, &pass, &k, &g, 0.25f, pool, &whole,
                                            &clipped_whole),
                     CONVTOOL_OK);
    int heights[] = {1, 2, 3, 5, 16, g.out_h};
    for (size_t i = 0; i < sizeof heights / sizeof *heights; i++) {
        memset(strips.data, 0, strip_row_bytes(&strips) * (size_t)g.out_h);
        run_strips(&in, &pass, &k, &g, pool, heights[i], &strips, &clipped_strips);
        assert_memory_equal(whole.data, strips.data, strip_row_bytes(&whole) * (size_t)g.out_h);
        assert_int_equal(clipped_whole, clipped_strips);
    }
    convtool_pixels_free(&whole);
    convtool_pixels_free(&strips);
    convtool_pixels_free(&in);
    convtool_kernel_free(&k);
}

static void strips_equal_whole(void **state)
{
    (void)state;
    unsigned seed = 20261203;
    convtool_pool *pools[2];
    assert_int_equal(convtool_pool_create(1, &pools[0]), CONVTOOL_OK);
    assert_int_equal(convtool_pool_create(3, &pools[1]), CONVTOOL_OK);
    for (int i = 0; i < 300; i++)
        one_case(&seed, pools[i % 2]);
    convtool_pool_free(pools[0]);
    convtool_pool_free(pools[1]);
}

/* The window of a strip: the rows its outputs read, through the padding. */
static void rows_needed_follow_padding(void **state)
{
    (void)state;
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec); /* same, replicate */
    convtool_geometry g;
    int lo, hi;
    assert_int_equal(convtool_geometry_resolve(&spec, 100, 50, 3, 3, &g), CONVTOOL_OK);
    assert_int_equal(convtool_conv2d_rows_needed(&g, 0, 10, &lo, &hi), CONVTOOL_OK);
    assert_int_equal(lo, 0), assert_int_equal(hi, 11);
    assert_int_equal(convtool_conv2d_rows_needed(&g, 90, 100, &lo, &hi), CONVTOOL_OK);
    assert_int_equal(lo, 89), assert_int_equal(hi, 100);
    spec.mode = CONVTOOL_PAD_CIRCULAR; /* the first row reads the last */
    assert_int_equal(convtool_geometry_resolve(&spec, 100, 50, 3, 3, &g), CONVTOOL_OK);
    assert_int_equal(convtool_conv2d_rows_needed(&g, 0, 10, &lo, &hi), CONVTOOL_OK);
    assert_int_equal(lo, 0), assert_int_equal(hi, 100);
    spec.mode = CONVTOOL_PAD_ZEROS;
    spec.padding = CONVTOOL_PADDING_EXPLICIT, spec.pad_y = 5, spec.pad_x = 0;
    assert_int_equal(convtool_geometry_resolve(&spec, 100, 50, 3, 3, &g), CONVTOOL_OK);
    assert_int_equal(convtool_conv2d_rows_needed(&g, 0, 2, &lo, &hi), CONVTOOL_OK);
    assert_int_equal(lo, hi); /* only zero padding */
    assert_int_equal(convtool_conv2d_rows_needed(&g, 0, 0, &lo, &hi), CONVTOOL_EINVAL);

    /* A window that misses a row the strip reads is refused, not read past. */
    convtool_geometry_spec_default(&spec);
    assert_int_equal(convtool_geometry_resolve(&spec, 20, 8, 3, 3, &g), CONVTOOL_OK);
    float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    convtool_kernel k = test_kernel(3, 3, ones);
    convtool_pixels window, strip;
    assert_int_equal(convtool_pixels_alloc(&window, 8, 4, 1, 8), CONVTOOL_OK);
    assert_int_equal(convtool_pixels_alloc(&strip, 8, 3, 1, 8), CONVTOOL_OK);
    memset(window.data, 0, 32);
    convtool_pixel_pass pass = {0, 1, 0, 0, CONVTOOL_MAP_CLAMP, NULL};
    /* outputs 5..7 read rows 4..8: a window of rows 5..8 misses row 4 */
    assert_int_equal(convtool_conv2d_pixels_rows(&window, 5, &pass, &k, &g, 0, NULL, &strip, 5, NULL),
                     CONVTOOL_EINVAL);
    strip.height = 2; /* outputs 5..6 read rows 4..7: a window from row 4 holds them */
    assert_int_equal(convtool_conv2d_pixels_rows(&window, 4, &pass, &k, &g, 0, NULL, &strip, 5, NULL),
                     CONVTOOL_OK);
    convtool_pixels_free(&window);
    convtool_pixels_free(&strip);
    convtool_kernel_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strips_equal_whole),
        cmocka_unit_test(rows_needed_follow_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
