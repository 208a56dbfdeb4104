/*
 * The FFT path against the slow reference: random kernels up to 101×101,
 * every padding mode, dilation and stride, within the tolerance of the
 * PyTorch comparison, 1e-5·max(1, Σ|K|·max|x| + |bias|); tile boundaries with
 * forced tilings; the same bytes for any thread count; NaN and infinity as
 * the direct path gives them; the fused 8-bit path; the method choice.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conv/fft_plan.h"
#include "conv/fft_tiles.h"
#include "ref_conv.h"
#include "test_helpers.h"

static float random_value(unsigned *seed)
{
    return (float)test_rand_range(seed, -10000, 10000) / 10000.0f;
}

static convtool_tensor random_tensor(unsigned *seed, int c, int h, int w)
{
    convtool_tensor t;
    assert_int_equal(convtool_tensor_alloc(&t, c, h, w), CONVTOOL_OK);
    for (size_t i = 0; i < convtool_tensor_count(&t); i++)
        t.data[i] = random_value(seed);
    return t;
}

static convtool_kernel random_kernel(unsigned *seed, int h, int w)
{
    float *taps = malloc((size_t)h * w * sizeof *taps);
    for (int i = 0; i < h * w; i++)
        taps[i] = random_value(seed);
    convtool_kernel k = test_kernel(h, w, taps);
    free(taps);
    return k;
}

static double tolerance(const convtool_tensor *in, const convtool_kernel *k, float bias)
{
    double sum = 0, peak = 0;
    for (int i = 0; i < k->h * k->w; i++)
        sum += fabs(k->values[i]);
    for (size_t i = 0; i < convtool_tensor_count(in); i++)
        if (isfinite(in->data[i]) && fabs(in->data[i]) > peak)
            peak = fabs(in->data[i]);
    double scale = sum * peak + fabs(bias);
    return 1e-5 * (scale > 1 ? scale : 1);
}

/* got agrees with want: NaN where it is NaN, the same infinities, finite within tol. */
static void assert_close(const convtool_tensor *got, const convtool_tensor *want, double tol)
{
    assert_int_equal(got->c, want->c);
    assert_int_equal(got->h, want->h);
    assert_int_equal(got->w, want->w);
    for (size_t i = 0; i < convtool_tensor_count(got); i++) {
        float a = got->data[i], b = want->data[i];
        if (isnan(b) || isinf(b)) {
            assert_true(isnan(b) ? isnan(a) : a == b);
            continue;
        }
        if (!(fabs((double)a - b) <= tol))
            fail_msg("value %zu: %.9g, want %.9g (tolerance %.3g)", i, a, b, tol);
    }
}

struct fft_case {
    int c, h, w, kh, kw;
    int stride_y, stride_x, dilation_y, dilation_x;
    convtool_padding_kind padding;
    int pad;
    convtool_pad_mode mode;
    float bias;
};

static void geometry_of(const struct fft_case *fc, convtool_method method, convtool_geometry *g)
{
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    spec.stride_y = fc->stride_y;
    spec.stride_x = fc->stride_x;
    spec.dilation_y = fc->dilation_y;
    spec.dilation_x = fc->dilation_x;
    spec.padding = fc->padding;
    spec.pad_y = spec.pad_x = fc->pad;
    spec.mode = fc->mode;
    spec.method = method;
    assert_int_equal(convtool_geometry_resolve(&spec, fc->h, fc->w, fc->kh, fc->kw, g),
                     CONVTOOL_OK);
}

static void check_case(unsigned *seed, const struct fft_case *fc, convtool_pool *pool)
{
    convtool_tensor in = random_tensor(seed, fc->c, fc->h, fc->w), got, want;
    convtool_kernel k = random_kernel(seed, fc->kh, fc->kw);
    convtool_geometry g;
    geometry_of(fc, CONVTOOL_METHOD_FFT, &g);
    convtool_method_choice choice;
    assert_int_equal(convtool_method_choose(&k, &g, fc->c, 1, &choice), CONVTOOL_OK);
    assert_int_equal(choice.method, CONVTOOL_METHOD_FFT);
    assert_int_equal(convtool_conv2d(&in, &k, &g, fc->bias, pool, &got), CONVTOOL_OK);
    assert_int_equal(ref_conv2d(&in, &k, &g, fc->bias, &want), CONVTOOL_OK);
    assert_close(&got, &want, tolerance(&in, &k, fc->bias));
    convtool_tensor_free(&in);
    convtool_tensor_free(&got);
    convtool_tensor_free(&want);
    convtool_kernel_free(&k);
}

/* Random kernels 3…101 with every padding mode, dilation and stride. */
static void test_fft_matches_reference(void **state)
{
    (void)state;
    if (!fft_available())
        skip();
    unsigned seed = 15;
    const struct fft_case cases[] = {
        {1, 130, 120, 101, 101, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0, CONVTOOL_PAD_REPLICATE, 0},
        {2, 90, 110, 63, 63, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0, CONVTOOL_PAD_REFLECT, 0.5f},
        {3, 70, 80, 31, 31, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0, CONVTOOL_PAD_ZEROS, -2},
        {1, 75, 66, 31, 17, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0, CONVTOOL_PAD_SYMMETRIC, 0},
        {1, 64, 70, 24, 31, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0, CONVTOOL_PAD_CIRCULAR, 0},
        {2, 81, 77, 21, 15, 2, 3, 1, 1, CONVTOOL_PADDING_SAME, 0, CONVTOOL_PAD_REPLICATE, 0},
        {1, 90, 95, 13, 11, 1, 1, 3, 2, CONVTOOL_PADDING_SAME, 0, CONVTOOL_PAD_REFLECT, 0},
        {1, 90, 95, 9, 12, 2, 2, 2, 3, CONVTOOL_PADDING_VALID, 0, CONVTOOL_PAD_ZEROS, 1},
        {1, 60, 50, 17, 17, 1, 1, 1, 1, CONVTOOL_PADDING_EXPLICIT, 5, CONVTOOL_PAD_CIRCULAR, 0},
        {1, 40, 45, 35, 41, 1, 1, 1, 1, CONVTOOL_PADDING_EXPLICIT, 0, CONVTOOL_PAD_ZEROS, 0},
        {1, 33, 200, 3, 5, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0, CONVTOOL_PAD_SYMMETRIC, 0},
        {1, 7, 9, 1, 1, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0, CONVTOOL_PAD_REPLICATE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&seed, &cases[i], NULL);
}

/* Tilings of every shape, down to one output per tile, against the reference. */
static void planar_read(const struct conv_source *s, int ch, int r, float *dst)
{
    const float *data = s->data;
    memcpy(dst, data + ((size_t)ch * s->h + r) * s->w, (size_t)s->w * sizeof(float));
}

static float *planar_row(const struct conv_sink *s, int ch, int y)
{
    convtool_tensor *out = s->data;
    return out->data + ((size_t)ch * out->h + y) * out->w;
}

static void test_tile_boundaries(void **state)
{
    (void)state;
    if (!fft_available())
        skip();
    unsigned seed = 7;
    const struct fft_case fc = {2, 41, 37, 7, 5, 2, 1, 2, 1, CONVTOOL_PADDING_SAME, 0,
                                CONVTOOL_PAD_REFLECT, 0.25f};
    convtool_tensor in = random_tensor(&seed, fc.c, fc.h, fc.w), got, want;
    convtool_kernel k = random_kernel(&seed, fc.kh, fc.kw);
    convtool_geometry g;
    geometry_of(&fc, CONVTOOL_METHOD_FFT, &g);
    assert_int_equal(ref_conv2d(&in, &k, &g, fc.bias, &want), CONVTOOL_OK);
    int reach_y = 13, reach_x = 5; /* (k − 1)·d + 1 */
    const int sizes[][2] = {{13, 5}, {14, 6}, {16, 8}, {20, 9}, {27, 32}, {64, 64}, {15, 45}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct fft_tiling t = {sizes[i][0], sizes[i][1], sizes[i][0] - reach_y + 1,
                               sizes[i][1] - reach_x + 1};
        assert_int_equal(convtool_tensor_alloc(&got, fc.c, g.out_h, g.out_w), CONVTOOL_OK);
        struct conv_source src = {.c = fc.c, .h = fc.h, .w = fc.w, .read_row = planar_read,
                                  .data = in.data};
        struct conv_sink sink = {.row_ptr = planar_row, .data = &got};
        assert_int_equal(fft_run(&t, &k, &g, fc.bias, 0, &src, &sink, NULL, NULL), CONVTOOL_OK);
        assert_close(&got, &want, tolerance(&in, &k, fc.bias));
        convtool_tensor_free(&got);
    }
    convtool_tensor_free(&in);
    convtool_tensor_free(&want);
    convtool_kernel_free(&k);
}

/* Tiles are computed alike whatever thread takes them. */
static void test_same_bytes_any_threads(void **state)
{
    (void)state;
    if (!fft_available())
        skip();
    unsigned seed = 3;
    const struct fft_case fc = {3, 300, 211, 45, 45, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0,
                                CONVTOOL_PAD_REPLICATE, 0};
    convtool_tensor in = random_tensor(&seed, fc.c, fc.h, fc.w), one, many;
    convtool_kernel k = random_kernel(&seed, fc.kh, fc.kw);
    convtool_geometry g;
    geometry_of(&fc, CONVTOOL_METHOD_FFT, &g);
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0, NULL, &one), CONVTOOL_OK);
    for (int threads = 2; threads <= 4; threads++) {
        convtool_pool *pool;
        assert_int_equal(convtool_pool_create(threads, &pool), CONVTOOL_OK);
        assert_int_equal(convtool_conv2d(&in, &k, &g, 0, pool, &many), CONVTOOL_OK);
        assert_memory_equal(one.data, many.data, convtool_tensor_count(&one) * sizeof(float));
        convtool_tensor_free(&many);
        convtool_pool_free(pool);
    }
    convtool_tensor_free(&in);
    convtool_tensor_free(&one);
    convtool_kernel_free(&k);
}

/* NaN and infinity: the NaNs and infinities of the direct path, nowhere else. */
static void test_nan_and_inf_as_direct(void **state)
{
    (void)state;
    if (!fft_available())
        skip();
    unsigned seed = 11;
    const struct fft_case fc = {2, 160, 150, 21, 21, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0,
                                CONVTOOL_PAD_REPLICATE, 0};
    convtool_tensor in = random_tensor(&seed, fc.c, fc.h, fc.w), fft, direct;
    in.data[40 * 150 + 30] = NAN;
    in.data[160 * 150 + 150 * 150 + 149] = INFINITY;
    in.data[160 * 150 + 3 * 150 + 100] = -INFINITY;
    convtool_kernel k = random_kernel(&seed, fc.kh, fc.kw);
    k.values[5] = 0.0f; /* 0·inf is NaN: the zero taps count near non-finite inputs */
    convtool_geometry g;
    geometry_of(&fc, CONVTOOL_METHOD_FFT, &g);
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0, NULL, &fft), CONVTOOL_OK);
    geometry_of(&fc, CONVTOOL_METHOD_DIRECT, &g);
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0, NULL, &direct), CONVTOOL_OK);
    size_t nonfinite = 0;
    for (size_t i = 0; i < convtool_tensor_count(&direct); i++)
        nonfinite += !isfinite(direct.data[i]);
    assert_true(nonfinite > 0);
    assert_close(&fft, &direct, tolerance(&in, &k, 0));
    convtool_tensor_free(&in);
    convtool_tensor_free(&fft);
    convtool_tensor_free(&direct);
    convtool_kernel_free(&k);
}

/* The fused 8-bit path with FFT gives the bytes of conv2d (FFT) → quantize. */
static void test_fused_path_uses_fft_alike(void **state)
{
    (void)state;
    if (!fft_available())
        skip();
    unsigned seed = 5;
    convtool_pixels px, out;
    int w = 170, h = 140;
    assert_int_equal(convtool_pixels_alloc(&px, w, h, 3, 8), CONVTOOL_OK);
    unsigned char *bytes = px.data;
    for (int i = 0; i < w * h * 3; i++)
        bytes[i] = (unsigned char)test_rand(&seed);
    convtool_kernel k = random_kernel(&seed, 33, 33);
    for (int i = 0; i < 33 * 33; i++)
        k.values[i] = (k.values[i] + 1.0f) / (33.0f * 33.0f); /* a blur-like, positive kernel */
    const struct fft_case fc = {3, h, w, 33, 33, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0,
                                CONVTOOL_PAD_REFLECT, 0};
    convtool_geometry g;
    geometry_of(&fc, CONVTOOL_METHOD_FFT, &g);
    convtool_pixel_pass pass = {.channels = 3, .map = CONVTOOL_MAP_CLAMP};
    assert_int_equal(convtool_pixels_alloc(&out, w, h, 3, 8), CONVTOOL_OK);
    assert_int_equal(convtool_conv2d_pixels(&px, &pass, &k, &g, 0.0f, NULL, &out, NULL),
                     CONVTOOL_OK);
    convtool_tensor planar, filtered;
    assert_int_equal(convtool_tensor_alloc(&planar, 3, h, w), CONVTOOL_OK);
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < w * h; i++)
            planar.data[c * w * h + i] = (float)bytes[i * 3 + c] / 255.0f;
    assert_int_equal(convtool_conv2d(&planar, &k, &g, 0.0f, NULL, &filtered), CONVTOOL_OK);
    const unsigned char *got = out.data;
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < w * h; i++) {
            float v = filtered.data[c * w * h + i];
            unsigned char want = !(v > 0.0f) ? 0 : v >= 1.0f ? 255
                                                               : (unsigned char)roundf(v * 255.0f);
            assert_int_equal(got[i * 3 + c], want);
        }
    convtool_tensor_free(&planar);
    convtool_tensor_free(&filtered);
    convtool_pixels_free(&px);
    convtool_pixels_free(&out);
    convtool_kernel_free(&k);
}

/* auto: direct for small kernels, FFT for large ones; forced methods and their errors. */
static void test_method_choice(void **state)
{
    (void)state;
    unsigned seed = 1;
    convtool_kernel small = random_kernel(&seed, 3, 3), large = random_kernel(&seed, 63, 63);
    const struct fft_case big = {3, 2048, 2048, 63, 63, 1, 1, 1, 1, CONVTOOL_PADDING_SAME, 0,
                                 CONVTOOL_PAD_REPLICATE, 0};
    struct fft_case tiny = big;
    tiny.kh = tiny.kw = 3;
    convtool_geometry g;
    convtool_method_choice c;
    geometry_of(&tiny, CONVTOOL_METHOD_AUTO, &g);
    assert_int_equal(convtool_method_choose(&small, &g, 3, 2, &c), CONVTOOL_OK);
    assert_int_equal(c.method, CONVTOOL_METHOD_DIRECT);
    geometry_of(&big, CONVTOOL_METHOD_AUTO, &g);
    assert_int_equal(convtool_method_choose(&large, &g, 3, 2, &c), CONVTOOL_OK);
    assert_int_equal(c.method, fft_available() ? CONVTOOL_METHOD_FFT : CONVTOOL_METHOD_DIRECT);
    assert_true(c.direct_s > 0 && c.separable_s < 0);
    geometry_of(&big, CONVTOOL_METHOD_SEPARABLE, &g);
    assert_int_equal(convtool_method_choose(&large, &g, 3, 2, &c), CONVTOOL_EINVAL);
    assert_false(convtool_method_fits(&large, CONVTOOL_METHOD_SEPARABLE));
    geometry_of(&big, CONVTOOL_METHOD_FFT, &g);
    large.values[7] = NAN; /* a NaN kernel: a forced FFT runs direct, and says why */
    assert_int_equal(convtool_method_choose(&large, &g, 3, 2, &c),
                     fft_available() ? CONVTOOL_OK : CONVTOOL_EUNSUPPORTED);
    if (fft_available()) {
        assert_int_equal(c.method, CONVTOOL_METHOD_DIRECT);
        assert_non_null(c.note);
    }
    convtool_method m;
    assert_int_equal(convtool_method_parse("FFT", &m), CONVTOOL_OK);
    assert_int_equal(m, CONVTOOL_METHOD_FFT);
    assert_string_equal(convtool_method_name(CONVTOOL_METHOD_SEPARABLE), "separable");
    assert_int_equal(convtool_method_parse("fast", &m), CONVTOOL_EINVAL);
    convtool_kernel_free(&small);
    convtool_kernel_free(&large);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fft_matches_reference),
        cmocka_unit_test(test_tile_boundaries),
        cmocka_unit_test(test_same_bytes_any_threads),
        cmocka_unit_test(test_nan_and_inf_as_direct),
        cmocka_unit_test(test_fused_path_uses_fft_alike),
        cmocka_unit_test(test_method_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
