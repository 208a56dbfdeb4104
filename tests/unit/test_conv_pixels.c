/*
 * The fused 8-bit path gives the same bytes as the float path it replaces:
 * decode to floats → (luma) → conv2d → map → quantize.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_helpers.h"

static float sample_value(const convtool_pixels *px, size_t i)
{
    if (px->depth == 16)
        return (float)((const uint16_t *)px->data)[i] / 65535.0f;
    return (float)((const unsigned char *)px->data)[i] / 255.0f;
}

/* The float path: planar floats of channels [first, first + n). */
static convtool_tensor planar(const convtool_pixels *px, int first, int n)
{
    convtool_tensor t;
    convtool_tensor_alloc(&t, n, px->height, px->width);
    size_t hw = (size_t)px->width * px->height;
    for (int c = 0; c < n; c++)
        for (size_t i = 0; i < hw; i++)
            t.data[c * hw + i] = sample_value(px, i * px->channels + first + c);
    return t;
}

static unsigned char quantize(float v)
{
    if (!(v > 0.0f))
        return 0;
    return v >= 1.0f ? 255 : (unsigned char)roundf(v * 255.0f);
}

static void random_pixels(convtool_pixels *px, unsigned *seed, int w, int h, int c, int depth)
{
    assert_int_equal(convtool_pixels_alloc(px, w, h, c, depth), CONVTOOL_OK);
    size_t n = (size_t)w * h * c;
    for (size_t i = 0; i < n; i++) {
        if (depth == 16)
            ((uint16_t *)px->data)[i] = (uint16_t)(test_rand(seed) * 2);
        else
            ((unsigned char *)px->data)[i] = (unsigned char)test_rand(seed);
    }
}

static void check_case(unsigned *seed, int depth, int luma, convtool_pool *pool)
{
    int c = luma ? 3 : test_rand_range(seed, 1, 4);
    convtool_pixels in, out;
    random_pixels(&in, seed, test_rand_range(seed, 1, 40), test_rand_range(seed, 1, 30), c, depth);
    int kh = test_rand_range(seed, 1, 5), kw = test_rand_range(seed, 1, 5);
    float taps[25];
    for (int i = 0; i < kh * kw; i++)
        taps[i] = (float)test_rand_range(seed, -300, 300) / 100.0f;
    convtool_kernel k = test_kernel(kh, kw, taps);
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    spec.stride_x = test_rand_range(seed, 1, 3);
    spec.stride_y = test_rand_range(seed, 1, 3);
    spec.mode = (convtool_pad_mode)test_rand_range(seed, 0, 1) * 4; /* zeros or circular */
    if (convtool_geometry_resolve(&spec, in.height, in.width, kh, kw, &g) != CONVTOOL_OK) {
        convtool_pixels_free(&in);
        convtool_kernel_free(&k);
        return;
    }
    convtool_pixel_pass pass = {.in_channel = 0, .channels = luma ? 1 : c, .luma = luma,
                                .out_channel = 0, .map = test_rand_range(seed, 0, 2)};
    assert_int_equal(convtool_pixels_alloc(&out, g.out_w, g.out_h, pass.channels, 8),
                     CONVTOOL_OK);
    size_t clipped;
    assert_int_equal(convtool_conv2d_pixels(&in, &pass, &k, &g, 0.25f, pool, &out, &clipped),
                     CONVTOOL_OK);

    convtool_tensor floats = planar(&in, 0, c), filtered, gray;
    if (luma) {
        convtool_to_luma(&floats, &gray);
        convtool_tensor_free(&floats);
        floats = gray;
    }
    assert_int_equal(convtool_conv2d(&floats, &k, &g, 0.25f, NULL, &filtered), CONVTOOL_OK);
    convtool_map_apply(&filtered, (convtool_map)pass.map);
    assert_int_equal(clipped, convtool_count_clipped(&filtered));
    size_t plane = (size_t)g.out_w * g.out_h;
    for (int ch = 0; ch < pass.channels; ch++)
        for (size_t i = 0; i < plane; i++)
            assert_int_equal(((unsigned char *)out.data)[i * pass.channels + ch],
                             quantize(filtered.data[ch * plane + i]));
    convtool_tensor_free(&filtered);
    convtool_tensor_free(&floats);
    convtool_pixels_free(&in);
    convtool_pixels_free(&out);
    convtool_kernel_free(&k);
}

static void test_fused_equals_float_path(void **state)
{
    (void)state;
    unsigned seed = 4242;
    convtool_pool *pool;
    assert_int_equal(convtool_pool_create(3, &pool), CONVTOOL_OK);
    for (int i = 0; i < 300; i++) {
        check_case(&seed, 8, 0, pool);
        check_case(&seed, 16, 0, pool);
        check_case(&seed, 8, 1, pool);
    }
    convtool_pool_free(pool);
}

static void test_pass_into_channel_of_wider_output(void **state)
{
    (void)state;
    convtool_pixels in, out;
    unsigned seed = 1;
    random_pixels(&in, &seed, 5, 4, 4, 8);
    const float one = 1.0f;
    convtool_kernel k = test_kernel(1, 1, &one);
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    assert_int_equal(convtool_geometry_resolve(&spec, 4, 5, 1, 1, &g), CONVTOOL_OK);
    assert_int_equal(convtool_pixels_alloc(&out, 5, 4, 2, 8), CONVTOOL_OK);
    /* alpha (channel 3) into output channel 1 */
    convtool_pixel_pass pass = {.in_channel = 3, .channels = 1, .out_channel = 1};
    assert_int_equal(convtool_conv2d_pixels(&in, &pass, &k, &g, 0, NULL, &out, NULL), CONVTOOL_OK);
    for (int i = 0; i < 20; i++)
        assert_int_equal(((unsigned char *)out.data)[i * 2 + 1],
                         ((unsigned char *)in.data)[i * 4 + 3]);
    pass.in_channel = 2; /* 2 + 2 channels > 4 */
    pass.channels = 2;
    assert_int_equal(convtool_conv2d_pixels(&in, &pass, &k, &g, 0, NULL, &out, NULL),
                     CONVTOOL_EINVAL);
    pass = (convtool_pixel_pass){.channels = 1, .map = CONVTOOL_MAP_NORMALIZE};
    assert_int_equal(convtool_conv2d_pixels(&in, &pass, &k, &g, 0, NULL, &out, NULL),
                     CONVTOOL_EINVAL);
    convtool_pixels_free(&in);
    convtool_pixels_free(&out);
    convtool_kernel_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fused_equals_float_path),
        cmocka_unit_test(test_pass_into_channel_of_wider_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
