/*
 * The fused pixel path gives the same bytes as the float path it replaces:
 * decode to floats → (luma) → conv2d → map → quantize, to 8- and 16-bit
 * outputs, for any number of threads.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* round(clamp(v, 0, 1) · 65535), NaN → 0: the 16-bit outputs' rule. */
static uint16_t quantize16_ref(float v)
{
    if (!(v > 0.0f))
        return 0;
    return v >= 1.0f ? 65535 : (uint16_t)roundf(v * 65535.0f);
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

/* One fused pass to compare with the float path. */
struct fused_case {
    int w, h, depth;
    int out_depth; /* 0 = 8 */
    int in_channels, out_channels; /* of the images */
    convtool_pixel_pass pass;
    int kh, kw, stride_x, stride_y, circular;
};

#define UNTOUCHED 0xA5 /* output bytes outside the pass must keep this */

/* The float path's bytes for channel ch of the pass, plane-major. */
static convtool_tensor float_path(const convtool_pixels *in, const struct fused_case *fc,
                                  const convtool_kernel *k, const convtool_geometry *g)
{
    const convtool_pixel_pass *pass = &fc->pass;
    convtool_tensor floats = planar(in, pass->in_channel, pass->luma ? 3 : pass->channels);
    convtool_tensor filtered, gray;
    if (pass->luma) {
        convtool_to_luma(&floats, &gray);
        convtool_tensor_free(&floats);
        floats = gray;
    }
    assert_int_equal(convtool_conv2d(&floats, k, g, 0.25f, NULL, &filtered), CONVTOOL_OK);
    convtool_map_apply(&filtered, (convtool_map)pass->map);
    convtool_tensor_free(&floats);
    return filtered;
}

static void check_output(const convtool_pixels *out, const convtool_pixel_pass *pass,
                         const convtool_tensor *filtered)
{
    size_t plane = (size_t)out->width * out->height;
    const unsigned char *bytes = out->data;
    const uint16_t *words = out->data;
    for (size_t i = 0; i < plane; i++)
        for (int c = 0; c < out->channels; c++) {
            int ch = c - pass->out_channel, mine = ch >= 0 && ch < pass->channels;
            if (out->depth == 16) {
                uint16_t want = mine ? quantize16_ref(filtered->data[ch * plane + i])
                                     : UNTOUCHED * 257;
                assert_int_equal(words[i * out->channels + c], want);
                continue;
            }
            unsigned char want = mine ? quantize(filtered->data[ch * plane + i]) : UNTOUCHED;
            assert_int_equal(bytes[i * out->channels + c], want);
        }
}

static void run_case(unsigned *seed, const struct fused_case *fc, convtool_pool *pool)
{
    convtool_pixels in, out;
    random_pixels(&in, seed, fc->w, fc->h, fc->in_channels, fc->depth);
    float taps[25];
    for (int i = 0; i < fc->kh * fc->kw; i++)
        taps[i] = (float)test_rand_range(seed, -300, 300) / 100.0f;
    convtool_kernel k = test_kernel(fc->kh, fc->kw, taps);
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    spec.stride_x = fc->stride_x;
    spec.stride_y = fc->stride_y;
    spec.mode = fc->circular ? CONVTOOL_PAD_CIRCULAR : CONVTOOL_PAD_ZEROS;
    if (convtool_geometry_resolve(&spec, in.height, in.width, fc->kh, fc->kw, &g) != CONVTOOL_OK) {
        convtool_pixels_free(&in);
        convtool_kernel_free(&k);
        return;
    }
    int out_depth = fc->out_depth ? fc->out_depth : 8;
    assert_int_equal(convtool_pixels_alloc(&out, g.out_w, g.out_h, fc->out_channels, out_depth),
                     CONVTOOL_OK);
    size_t out_bytes = (size_t)g.out_w * g.out_h * fc->out_channels * (size_t)(out_depth / 8);
    memset(out.data, UNTOUCHED, out_bytes);
    size_t clipped;
    assert_int_equal(convtool_conv2d_pixels(&in, &fc->pass, &k, &g, 0.25f, pool, &out, &clipped),
                     CONVTOOL_OK);
    if (pool) { /* one thread writes the same samples */
        convtool_pixels one;
        assert_int_equal(convtool_pixels_alloc(&one, g.out_w, g.out_h, fc->out_channels,
                                               out_depth),
                         CONVTOOL_OK);
        memset(one.data, UNTOUCHED, out_bytes);
        assert_int_equal(convtool_conv2d_pixels(&in, &fc->pass, &k, &g, 0.25f, NULL, &one, NULL),
                         CONVTOOL_OK);
        assert_memory_equal(one.data, out.data, out_bytes);
        convtool_pixels_free(&one);
    }
    convtool_tensor filtered = float_path(&in, fc, &k, &g);
    assert_int_equal(clipped, convtool_count_clipped(&filtered));
    check_output(&out, &fc->pass, &filtered);
    convtool_tensor_free(&filtered);
    convtool_pixels_free(&in);
    convtool_pixels_free(&out);
    convtool_kernel_free(&k);
}

static void check_case(unsigned *seed, int depth, int luma, convtool_pool *pool, int out_depth)
{
    int c = luma ? 3 : test_rand_range(seed, 1, 4);
    struct fused_case fc = {.w = test_rand_range(seed, 1, 40),
                            .h = test_rand_range(seed, 1, 30),
                            .depth = depth,
                            .out_depth = out_depth,
                            .in_channels = c,
                            .out_channels = luma ? 1 : c};
    fc.kh = test_rand_range(seed, 1, 5);
    fc.kw = test_rand_range(seed, 1, 5);
    fc.stride_x = test_rand_range(seed, 1, 3);
    fc.stride_y = test_rand_range(seed, 1, 3);
    fc.circular = test_rand_range(seed, 0, 1);
    fc.pass = (convtool_pixel_pass){.in_channel = 0,
                                    .channels = luma ? 1 : c,
                                    .luma = luma,
                                    .out_channel = 0,
                                    .map = test_rand_range(seed, 0, 2)};
    run_case(seed, &fc, pool);
}

static void test_fused_equals_float_path(void **state)
{
    (void)state;
    unsigned seed = 4242;
    convtool_pool *pool;
    assert_int_equal(convtool_pool_create(3, &pool), CONVTOOL_OK);
    for (int i = 0; i < 300; i++) {
        check_case(&seed, 8, 0, pool, 8);
        check_case(&seed, 16, 0, pool, 8);
        check_case(&seed, 8, 1, pool, 8);
    }
    convtool_pool_free(pool);
}

/* 16-bit outputs (issue 12): from 16- and 8-bit inputs, every map but normalize, the luma,
 * on two threads and one, equal to the float path's round(clamp(m(v), 0, 1) · 65535). */
static void test_fused16_equals_float_path(void **state)
{
    (void)state;
    unsigned seed = 1612;
    convtool_pool *pool;
    assert_int_equal(convtool_pool_create(2, &pool), CONVTOOL_OK);
    for (int i = 0; i < 200; i++) {
        check_case(&seed, 16, 0, pool, 16);
        check_case(&seed, 16, 1, pool, 16);
        check_case(&seed, 8, 0, pool, 16);
    }
    assert_int_equal(convtool_simd_force(CONVTOOL_SIMD_SCALAR), CONVTOOL_OK);
    for (int i = 0; i < 50; i++)
        check_case(&seed, 16, i % 2, pool, 16);
    assert_int_equal(convtool_simd_force(CONVTOOL_SIMD_AUTO), CONVTOOL_OK);
    convtool_pool_free(pool);
}

/* Widths around the vector blocks (16 and 32 pixels), every channel layout and map,
 * passes into and out of channel offsets, at stride 1 so whole rows are read. */
static void check_widths(unsigned *seed)
{
    for (int w = 1; w <= 70; w++)
        for (int n = 1; n <= 4; n++) {
            int depth = (w + n) % 4 == 0 ? 16 : 8;
            int luma = n >= 3 && w % 3 == 0;
            int first = luma ? test_rand_range(seed, 0, n - 3) : test_rand_range(seed, 0, n - 1);
            int count = luma ? 1 : test_rand_range(seed, 1, n - first);
            int whole = w % 2 == 0; /* the pass fills the output, or sits inside a wider one */
            struct fused_case fc = {.w = w,
                                    .h = 3,
                                    .depth = depth,
                                    .in_channels = n,
                                    .kh = 3,
                                    .kw = 3,
                                    .stride_x = 1,
                                    .stride_y = 1};
            fc.out_channels = whole ? count : test_rand_range(seed, count, 4);
            fc.pass = (convtool_pixel_pass){
                .in_channel = first,
                .channels = count,
                .luma = luma,
                .map = (w + n) % 3,
                .out_channel = whole ? 0 : test_rand_range(seed, 0, fc.out_channels - count)};
            run_case(seed, &fc, NULL);
        }
}

/* Every width and layout through the vector code (when the CPU has it) and the
 * portable code. */
static void test_widths_and_layouts(void **state)
{
    (void)state;
    unsigned seed = 99;
    check_widths(&seed);
    assert_int_equal(convtool_simd_force(CONVTOOL_SIMD_SCALAR), CONVTOOL_OK);
    check_widths(&seed);
    assert_int_equal(convtool_simd_force(CONVTOOL_SIMD_AUTO), CONVTOOL_OK);
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
        cmocka_unit_test(test_fused16_equals_float_path),
        cmocka_unit_test(test_widths_and_layouts),
        cmocka_unit_test(test_pass_into_channel_of_wider_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
