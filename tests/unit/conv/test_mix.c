/*
 * Channel mixing (convtool_conv2d_mix): against the slow reference on many
 * random geometries (channels, groups, kernels, strides, dilations, every
 * padding kind and mode, bias or none, a batch of items), the same bytes for
 * any number of threads, torch's shape rules, and the edge cases: 1×1
 * kernels, a kernel as big as the input, NaN and infinity.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conv/mix_gemm.h"
#include "ref_conv.h"
#include "test_helpers.h"

struct mix_case {
    convtool_tensor items[2]; /* a batch of 1 or 2 */
    int count;
    convtool_weight wt;
    int groups;
    float bias[64];
    int has_bias;
    convtool_geometry g;
};

static void fill_random(float *v, size_t n, unsigned *seed, int lo, int hi, float scale)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)test_rand_range(seed, lo, hi) * scale;
}

static int draw_geometry(unsigned *seed, int h, int w, int kh, int kw, convtool_geometry *g)
{
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    spec.padding = (convtool_padding_kind)test_rand_range(seed, 0, 2);
    spec.pad_y = test_rand_range(seed, 0, 3);
    spec.pad_x = test_rand_range(seed, 0, 3);
    spec.stride_y = test_rand_range(seed, 1, 3);
    spec.stride_x = test_rand_range(seed, 1, 3);
    spec.dilation_y = test_rand_range(seed, 1, 3);
    spec.dilation_x = test_rand_range(seed, 1, 3);
    spec.mode = (convtool_pad_mode)test_rand_range(seed, 0, 4);
    return convtool_geometry_resolve(&spec, h, w, kh, kw, g) == CONVTOOL_OK;
}

/* A random case, or 0 when its geometry is refused (then nothing is allocated). */
static int draw_case(unsigned *seed, struct mix_case *mc, int max_c)
{
    memset(mc, 0, sizeof *mc);
    mc->groups = test_rand_range(seed, 1, 4);
    int c_per_group = test_rand_range(seed, 1, max_c);
    int o = mc->groups * test_rand_range(seed, 1, 5);
    int h = test_rand_range(seed, 1, 23), w = test_rand_range(seed, 1, 23);
    int kh = test_rand_range(seed, 1, 5), kw = test_rand_range(seed, 1, 5);
    if (!draw_geometry(seed, h, w, kh, kw, &mc->g))
        return 0;
    mc->count = test_rand_range(seed, 1, 2);
    for (int n = 0; n < mc->count; n++) {
        convtool_tensor_alloc(&mc->items[n], mc->groups * c_per_group, h, w);
        fill_random(mc->items[n].data, convtool_tensor_count(&mc->items[n]), seed, -1000, 1000,
                    1e-3f);
    }
    convtool_weight_alloc(&mc->wt, o, c_per_group, kh, kw);
    fill_random(mc->wt.values, (size_t)o * c_per_group * kh * kw, seed, -400, 400, 1e-2f);
    mc->has_bias = test_rand_range(seed, 0, 1);
    fill_random(mc->bias, (size_t)o, seed, -10, 10, 0.1f);
    return 1;
}

static void free_case(struct mix_case *mc)
{
    for (int n = 0; n < mc->count; n++)
        convtool_tensor_free(&mc->items[n]);
    convtool_weight_free(&mc->wt);
}

/* Float sums of k terms (each at most 4 here) against the reference's double. */
static void assert_close(const convtool_tensor *got, const convtool_tensor *want, size_t k)
{
    assert_int_equal(got->c, want->c);
    assert_int_equal(got->h, want->h);
    assert_int_equal(got->w, want->w);
    float tolerance = 1e-6f * 4.0f * (float)k;
    for (size_t i = 0; i < convtool_tensor_count(got); i++) {
        float g = got->data[i], w = want->data[i];
        if (isnan(w) || isinf(w))
            assert_true(isnan(w) ? isnan(g) : g == w);
        else
            assert_true(fabsf(g - w) <= tolerance + 1e-5f * fabsf(w));
    }
}

/* Each item of the case against the reference, and the same bytes on `other`. */
static void check_case(const struct mix_case *mc, convtool_pool *pool, convtool_pool *other)
{
    const float *bias = mc->has_bias ? mc->bias : NULL;
    convtool_tensor want[2];
    assert_int_equal(ref_conv2d_mix_batch(mc->items, mc->count, &mc->wt, mc->groups, bias,
                                          &mc->g, want),
                     CONVTOOL_OK);
    size_t k = (size_t)mc->wt.c_per_group * mc->wt.h * mc->wt.w;
    for (int n = 0; n < mc->count; n++) {
        convtool_tensor got, again;
        assert_int_equal(convtool_conv2d_mix(&mc->items[n], &mc->wt, mc->groups, bias, &mc->g,
                                             pool, &got),
                         CONVTOOL_OK);
        assert_close(&got, &want[n], k);
        assert_int_equal(convtool_conv2d_mix(&mc->items[n], &mc->wt, mc->groups, bias, &mc->g,
                                             other, &again),
                         CONVTOOL_OK);
        assert_memory_equal(got.data, again.data, convtool_tensor_count(&got) * sizeof(float));
        convtool_tensor_free(&got);
        convtool_tensor_free(&again);
        convtool_tensor_free(&want[n]);
    }
}

static void compare_random_cases(unsigned seed, int count, int max_c)
{
    convtool_pool *two, *three;
    assert_int_equal(convtool_pool_create(2, &two), CONVTOOL_OK);
    assert_int_equal(convtool_pool_create(3, &three), CONVTOOL_OK);
    for (int tested = 0; tested < count;) {
        struct mix_case mc;
        if (!draw_case(&seed, &mc, max_c))
            continue;
        check_case(&mc, tested % 2 ? two : NULL, tested % 2 ? three : two);
        free_case(&mc);
        tested++;
    }
    convtool_pool_free(two);
    convtool_pool_free(three);
}

/* Few channels per group: depthwise (1) and small mixes. */
static void test_random_small_groups(void **state)
{
    (void)state;
    compare_random_cases(2024, 600, 3);
}

/* More channels per group: long sums, as real layers have. */
static void test_random_wide_groups(void **state)
{
    (void)state;
    compare_random_cases(77, 150, 24);
}

static convtool_geometry resolve_simple(int h, int w, int kh, int kw, convtool_padding_kind kind,
                                        int pad, int stride, convtool_pad_mode mode)
{
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    spec.padding = kind;
    spec.pad_y = spec.pad_x = pad;
    spec.stride_y = spec.stride_x = stride;
    spec.mode = mode;
    assert_int_equal(convtool_geometry_resolve(&spec, h, w, kh, kw, &g), CONVTOOL_OK);
    return g;
}

/*
 * Layers big enough to split into many tiles (bands of rows, pieces of long rows) (a real layer's
 * K of hundreds), every padding mode and a stride: the reference's values,
 * and the same bytes on 1, 2, 3, 4 and 7 threads.
 */
static void check_layer(int c, int h, int w, int o, int groups, int k, int stride, int dilation,
                        int pad, convtool_pad_mode mode, unsigned seed)
{
    convtool_tensor in, want, first;
    convtool_tensor_alloc(&in, c, h, w);
    fill_random(in.data, convtool_tensor_count(&in), &seed, -1000, 1000, 1e-3f);
    convtool_weight wt;
    convtool_weight_alloc(&wt, o, c / groups, k, k);
    fill_random(wt.values, (size_t)o * (c / groups) * k * k, &seed, -400, 400, 1e-2f);
    float bias[64];
    fill_random(bias, (size_t)o, &seed, -10, 10, 0.1f);
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    spec.padding = CONVTOOL_PADDING_EXPLICIT;
    spec.pad_y = spec.pad_x = pad;
    spec.stride_y = spec.stride_x = stride;
    spec.dilation_y = spec.dilation_x = dilation;
    spec.mode = mode;
    assert_int_equal(convtool_geometry_resolve(&spec, h, w, k, k, &g), CONVTOOL_OK);
    assert_int_equal(ref_conv2d_mix(&in, &wt, groups, bias, &g, &want), CONVTOOL_OK);
    assert_int_equal(convtool_conv2d_mix(&in, &wt, groups, bias, &g, NULL, &first), CONVTOOL_OK);
    assert_close(&first, &want, (size_t)(c / groups) * k * k);
    const int counts[] = {2, 3, 4, 7};
    for (size_t t = 0; t < sizeof counts / sizeof counts[0]; t++) {
        convtool_pool *pool;
        convtool_tensor out;
        assert_int_equal(convtool_pool_create(counts[t], &pool), CONVTOOL_OK);
        assert_int_equal(convtool_conv2d_mix(&in, &wt, groups, bias, &g, pool, &out),
                         CONVTOOL_OK);
        assert_memory_equal(out.data, first.data, convtool_tensor_count(&out) * sizeof(float));
        convtool_tensor_free(&out);
        convtool_pool_free(pool);
    }
    convtool_tensor_free(&want);
    convtool_tensor_free(&first);
    convtool_tensor_free(&in);
    convtool_weight_free(&wt);
}

static void test_banded_layers(void **state)
{
    (void)state;
    check_layer(48, 45, 38, 40, 1, 3, 1, 1, 1, CONVTOOL_PAD_ZEROS, 1);
    check_layer(48, 45, 38, 40, 2, 3, 1, 2, 3, CONVTOOL_PAD_REFLECT, 2);
    check_layer(6, 45, 38, 16, 1, 7, 2, 1, 3, CONVTOOL_PAD_REPLICATE, 3);
    check_layer(32, 45, 38, 64, 4, 5, 3, 1, 4, CONVTOOL_PAD_CIRCULAR, 4);
    check_layer(64, 45, 38, 32, 1, 1, 1, 1, 1, CONVTOOL_PAD_SYMMETRIC, 5);
    check_layer(64, 45, 38, 32, 2, 1, 1, 1, 0, CONVTOOL_PAD_ZEROS, 6); /* B is the input */
    check_layer(16, 45, 38, 32, 16, 3, 2, 1, 2, CONVTOOL_PAD_REFLECT, 7); /* depthwise ×2 */
    /* K = 1600: rows longer than a tile, cut into pieces (phases line up at stride 2). */
    check_layer(64, 7, 150, 8, 1, 5, 1, 1, 2, CONVTOOL_PAD_REFLECT, 8);
    check_layer(64, 9, 161, 6, 1, 5, 2, 2, 5, CONVTOOL_PAD_CIRCULAR, 9);
    check_layer(64, 5, 157, 8, 1, 1, 1, 1, 0, CONVTOOL_PAD_ZEROS, 10); /* K 64 */
}

/* A hand-computed mix: two channels, a 1×1 weight per channel pair, a bias each. */
static void test_one_by_one_by_hand(void **state)
{
    (void)state;
    const float v[8] = {1, 2, 3, 4, 10, 20, 30, 40};
    convtool_tensor in = test_tensor(2, 2, 2, v), out;
    convtool_weight wt;
    assert_int_equal(convtool_weight_alloc(&wt, 3, 2, 1, 1), CONVTOOL_OK);
    const float w[6] = {1, 0, 0, 1, 0.5f, -0.1f};
    memcpy(wt.values, w, sizeof w);
    const float bias[3] = {0, 100, 1};
    convtool_geometry g = resolve_simple(2, 2, 1, 1, CONVTOOL_PADDING_VALID, 0, 1, 0);
    assert_int_equal(convtool_conv2d_mix(&in, &wt, 1, bias, &g, NULL, &out), CONVTOOL_OK);
    const float want[12] = {1, 2, 3, 4, 110, 120, 130, 140, 0.5f, 0, -0.5f, -1};
    assert_int_equal(out.c, 3);
    for (int i = 0; i < 12; i++)
        assert_true(fabsf(out.data[i] - want[i]) < 1e-5f);
    convtool_tensor_free(&out);
    convtool_tensor_free(&in);
    convtool_weight_free(&wt);
}

/* The lessons' edge kernels: a (4,1,3,3) weight on a 1×28×28 item gives 4×26×26. */
static void test_lessons_edge_kernels(void **state)
{
    (void)state;
    const float edges[36] = {-1, -1, -1, 0, 0, 0, 1, 1, 1,  -1, 0, 1, -1, 0, 1, -1, 0, 1,
                             0, -1, -1, 1, 0, -1, 1, 1, 0,  1, 1, 0, 1, 0, -1, 0, -1, -1};
    convtool_tensor digit, out, want;
    convtool_tensor_alloc(&digit, 1, 28, 28);
    unsigned seed = 28;
    fill_random(digit.data, 28 * 28, &seed, 0, 255, 1.0f / 255);
    convtool_weight wt;
    convtool_weight_alloc(&wt, 4, 1, 3, 3);
    memcpy(wt.values, edges, sizeof edges);
    convtool_geometry g = resolve_simple(28, 28, 3, 3, CONVTOOL_PADDING_EXPLICIT, 0, 1, 0);
    assert_int_equal(convtool_conv2d_mix(&digit, &wt, 1, NULL, &g, NULL, &out), CONVTOOL_OK);
    assert_int_equal(out.c, 4);
    assert_int_equal(out.h, 26);
    assert_int_equal(out.w, 26);
    assert_int_equal(ref_conv2d_mix(&digit, &wt, 1, NULL, &g, &want), CONVTOOL_OK);
    assert_close(&out, &want, 9);
    convtool_tensor_free(&out);
    convtool_tensor_free(&want);
    convtool_tensor_free(&digit);
    convtool_weight_free(&wt);
}

/* A kernel as big as the input gives one value per output channel: a dot product. */
static void test_kernel_covers_input(void **state)
{
    (void)state;
    convtool_tensor in, out;
    convtool_tensor_alloc(&in, 6, 7, 5);
    unsigned seed = 9;
    fill_random(in.data, convtool_tensor_count(&in), &seed, -100, 100, 0.01f);
    convtool_weight wt;
    convtool_weight_alloc(&wt, 4, 3, 7, 5);
    fill_random(wt.values, 4 * 3 * 7 * 5, &seed, -100, 100, 0.01f);
    convtool_geometry g = resolve_simple(7, 5, 7, 5, CONVTOOL_PADDING_VALID, 0, 1, 0);
    assert_int_equal(convtool_conv2d_mix(&in, &wt, 2, NULL, &g, NULL, &out), CONVTOOL_OK);
    assert_int_equal(out.c, 4);
    assert_int_equal(out.h * out.w, 1);
    for (int o = 0; o < 4; o++) {
        double dot = 0;
        for (int i = 0; i < 3 * 35; i++)
            dot += (double)wt.values[o * 105 + i] * in.data[(o / 2) * 105 + i];
        assert_true(fabs(out.data[o] - dot) < 1e-4);
    }
    convtool_tensor_free(&out);
    convtool_tensor_free(&in);
    convtool_weight_free(&wt);
}

/*
 * NaN and infinity spread as in PyTorch: every output that reads one, even
 * through a zero weight (0·NaN = NaN, 0·inf = NaN), is NaN or that infinity;
 * every other output is finite. A NaN weight poisons its whole output channel.
 */
static void check_nonfinite(float bad, convtool_pool *pool)
{
    convtool_tensor in, got, want;
    convtool_tensor_alloc(&in, 4, 19, 23);
    unsigned seed = 4;
    fill_random(in.data, convtool_tensor_count(&in), &seed, -100, 100, 0.01f);
    in.data[(1 * 19 + 9) * 23 + 11] = bad;
    convtool_weight wt;
    convtool_weight_alloc(&wt, 6, 2, 3, 3);
    fill_random(wt.values, 6 * 2 * 9, &seed, -2, 2, 0.5f); /* many zeros */
    wt.values[5 * 18 + 4] = NAN;                             /* output 5 all NaN */
    for (int mode = 0; mode <= 4; mode++) {
        convtool_geometry g = resolve_simple(19, 23, 3, 3, CONVTOOL_PADDING_SAME, 0, 1,
                                             (convtool_pad_mode)mode);
        assert_int_equal(convtool_conv2d_mix(&in, &wt, 2, NULL, &g, pool, &got), CONVTOOL_OK);
        assert_int_equal(ref_conv2d_mix(&in, &wt, 2, NULL, &g, &want), CONVTOOL_OK);
        assert_close(&got, &want, 18);
        size_t plane = (size_t)g.out_h * g.out_w;
        for (size_t i = 0; i < plane; i++) {
            assert_true(isnan(got.data[5 * plane + i]));
            assert_true(isfinite(got.data[3 * plane + i])); /* the other group */
        }
        assert_false(isfinite(got.data[(0 * 19 + 9) * 23 + 11]));
        assert_false(isfinite(got.data[(0 * 19 + 10) * 23 + 12]));
        convtool_tensor_free(&got);
        convtool_tensor_free(&want);
    }
    convtool_tensor_free(&in);
    convtool_weight_free(&wt);
}

static void test_nan_and_infinity(void **state)
{
    (void)state;
    convtool_pool *pool;
    assert_int_equal(convtool_pool_create(2, &pool), CONVTOOL_OK);
    check_nonfinite(NAN, NULL);
    check_nonfinite(INFINITY, pool);
    check_nonfinite(-INFINITY, NULL);
    convtool_pool_free(pool);
}

/* torch's rules: groups divides C and O, C / groups is the weight's second size. */
static void test_shape_rules(void **state)
{
    (void)state;
    convtool_tensor in, out;
    convtool_tensor_alloc(&in, 6, 8, 8);
    memset(in.data, 0, convtool_tensor_count(&in) * sizeof(float));
    convtool_weight wt;
    convtool_weight_alloc(&wt, 4, 3, 3, 3);
    memset(wt.values, 0, 4 * 3 * 9 * sizeof(float));
    convtool_geometry g = resolve_simple(8, 8, 3, 3, CONVTOOL_PADDING_SAME, 0, 1, 0);
    assert_int_equal(convtool_conv2d_mix(&in, &wt, 2, NULL, &g, NULL, &out), CONVTOOL_OK);
    convtool_tensor_free(&out);
    assert_int_equal(convtool_conv2d_mix(&in, &wt, 1, NULL, &g, NULL, &out), CONVTOOL_EINVAL);
    assert_null(out.data);
    assert_int_equal(convtool_conv2d_mix(&in, &wt, 3, NULL, &g, NULL, &out), CONVTOOL_EINVAL);
    assert_int_equal(convtool_conv2d_mix(&in, &wt, 0, NULL, &g, NULL, &out), CONVTOOL_EINVAL);
    convtool_geometry wrong = g;
    wrong.k_h = 5;
    assert_int_equal(convtool_conv2d_mix(&in, &wt, 2, NULL, &wrong, NULL, &out),
                     CONVTOOL_EINVAL);
    convtool_weight empty;
    assert_int_equal(convtool_weight_alloc(&empty, 0, 1, 1, 1), CONVTOOL_EINVAL);
    assert_null(empty.values);
    assert_int_equal(convtool_weight_alloc(&empty, 1 << 30, 1 << 30, 1 << 30, 4),
                     CONVTOOL_EOVERFLOW);
    convtool_tensor_free(&in);
    convtool_weight_free(&wt);
}

/* _into writes the bytes the allocating call returns, and refuses a wrong or aliased output. */
static void test_mix_into(void **state)
{
    (void)state;
    convtool_tensor in, want, dst, small;
    convtool_tensor_alloc(&in, 4, 31, 27);
    unsigned seed = 31;
    fill_random(in.data, convtool_tensor_count(&in), &seed, -100, 100, 0.01f);
    convtool_weight wt;
    convtool_weight_alloc(&wt, 8, 4, 3, 3);
    fill_random(wt.values, 8 * 4 * 9, &seed, -100, 100, 0.01f);
    const float bias[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    convtool_geometry g = resolve_simple(31, 27, 3, 3, CONVTOOL_PADDING_EXPLICIT, 1, 2,
                                         CONVTOOL_PAD_CIRCULAR);
    assert_int_equal(convtool_conv2d_mix(&in, &wt, 1, bias, &g, NULL, &want), CONVTOOL_OK);
    convtool_tensor_alloc(&dst, 8, g.out_h, g.out_w);
    assert_int_equal(convtool_conv2d_mix_into(&in, &wt, 1, bias, &g, NULL, &dst), CONVTOOL_OK);
    assert_memory_equal(dst.data, want.data, convtool_tensor_count(&want) * sizeof(float));
    convtool_tensor_alloc(&small, 7, g.out_h, g.out_w);
    assert_int_equal(convtool_conv2d_mix_into(&in, &wt, 1, bias, &g, NULL, &small),
                     CONVTOOL_EINVAL);
    convtool_tensor alias = in;
    alias.c = 8;
    alias.h = g.out_h;
    alias.w = g.out_w;
    assert_int_equal(convtool_conv2d_mix_into(&in, &wt, 1, bias, &g, NULL, &alias),
                     CONVTOOL_EINVAL);
    convtool_tensor_free(&small);
    convtool_tensor_free(&dst);
    convtool_tensor_free(&want);
    convtool_tensor_free(&in);
    convtool_weight_free(&wt);
}

/* The AVX2 kernel and the portable loops (each the fallback of a machine without
 * OpenBLAS) on the same cases as OpenBLAS; AVX2 only where the CPU has it. */
static void test_every_gemm_backend(void **state)
{
    const struct {
        enum mix_gemm_choice choice;
        const char *name;
    } backends[] = {{MIX_GEMM_AVX2, "AVX2"}, {MIX_GEMM_PORTABLE, "portable"},
                    {MIX_GEMM_OPENBLAS, "OpenBLAS"}};
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        mix_gemm_prefer(backends[i].choice);
        if (strcmp(mix_gemm_backend(), backends[i].name) != 0)
            continue; /* no AVX2 here, or no libopenblas.so.0 */
        compare_random_cases(99 + (unsigned)i, 120, 24);
        test_banded_layers(state);
        test_nan_and_infinity(state);
    }
    mix_gemm_prefer(MIX_GEMM_AUTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_small_groups),
        cmocka_unit_test(test_random_wide_groups),
        cmocka_unit_test(test_banded_layers),
        cmocka_unit_test(test_one_by_one_by_hand),
        cmocka_unit_test(test_lessons_edge_kernels),
        cmocka_unit_test(test_kernel_covers_input),
        cmocka_unit_test(test_nan_and_infinity),
        cmocka_unit_test(test_shape_rules),
        cmocka_unit_test(test_mix_into),
        cmocka_unit_test(test_every_gemm_backend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
