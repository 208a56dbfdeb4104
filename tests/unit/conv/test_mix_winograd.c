/*
 * Channel mixing by Winograd F(4×4, 3×3) (conv/mix_winograd.c), forced on
 * every 3×3 stride-1 layer: against the float64 reference within
 * 1e-5·max(1, Σ|w|·max|x| + |b|) per output channel on random geometries
 * (every padding kind and mode, groups, bias, odd and tiny sizes, rows of
 * more tiles than a band, every GEMM backend), the same bytes on 1, 2 and 3
 * threads (the later calls reusing the transformed weights of the first),
 * weights changed in place between calls, when it is chosen, and NaN /
 * infinity / values too big for the transforms where torch puts them.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conv/mix_gemm.h"
#include "conv/mix_winograd.h"
#include "ref_conv.h"
#include "test_helpers.h"

static void fill_random(float *v, size_t n, unsigned *seed, int lo, int hi, float scale)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)test_rand_range(seed, lo, hi) * scale;
}

struct layer {
    convtool_tensor in;
    convtool_weight wt;
    int groups;
    float bias[96];
    int has_bias;
    convtool_geometry g;
};

/* A random 3×3 stride-1 layer (padding mode `mode`, or drawn when −1); 0 when the
 * geometry is refused (nothing allocated). */
static int draw_layer(unsigned *seed, struct layer *l, int mode)
{
    memset(l, 0, sizeof *l);
    l->groups = test_rand_range(seed, 1, 3);
    int cpg = test_rand_range(seed, 1, 20), o = l->groups * test_rand_range(seed, 1, 20);
    int h = test_rand_range(seed, 1, 40), w = test_rand_range(seed, 1, 150);
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    spec.padding = (convtool_padding_kind)test_rand_range(seed, 0, 2);
    spec.pad_y = test_rand_range(seed, 0, 3);
    spec.pad_x = test_rand_range(seed, 0, 3);
    spec.mode = (convtool_pad_mode)(mode < 0 ? test_rand_range(seed, 0, 4) : mode);
    if (convtool_geometry_resolve(&spec, h, w, 3, 3, &l->g) != CONVTOOL_OK)
        return 0;
    convtool_tensor_alloc(&l->in, l->groups * cpg, h, w);
    fill_random(l->in.data, convtool_tensor_count(&l->in), seed, -1000, 1000, 1e-3f);
    convtool_weight_alloc(&l->wt, o, cpg, 3, 3);
    fill_random(l->wt.values, (size_t)o * cpg * 9, seed, -400, 400, 1e-2f);
    l->has_bias = test_rand_range(seed, 0, 1);
    fill_random(l->bias, (size_t)o, seed, -100, 100, 0.1f);
    return 1;
}

static void free_layer(struct layer *l)
{
    convtool_tensor_free(&l->in);
    convtool_weight_free(&l->wt);
}

/* The tolerance the differential suite uses, per output channel; non-finite references
 * must be matched exactly (NaN by NaN, an infinity by itself). */
static void assert_within(const struct layer *l, const convtool_tensor *got,
                          const convtool_tensor *want)
{
    assert_int_equal(got->c, want->c);
    assert_int_equal(got->h, want->h);
    assert_int_equal(got->w, want->w);
    float max_x = 0;
    for (size_t i = 0; i < convtool_tensor_count(&l->in); i++)
        if (isfinite(l->in.data[i]) && fabsf(l->in.data[i]) > max_x)
            max_x = fabsf(l->in.data[i]);
    size_t plane = (size_t)got->h * got->w, per_o = (size_t)l->wt.c_per_group * 9;
    for (int o = 0; o < got->c; o++) {
        double sum_w = 0;
        for (size_t i = 0; i < per_o; i++)
            sum_w += fabs(l->wt.values[o * per_o + i]);
        double b = l->has_bias ? fabs(l->bias[o]) : 0;
        double tol = 1e-5 * fmax(1.0, sum_w * max_x + b);
        for (size_t i = 0; i < plane; i++) {
            float g = got->data[o * plane + i], w = want->data[o * plane + i];
            if (isnan(w))
                assert_true(isnan(g));
            else if (isinf(w))
                assert_true(g == w);
            else
                assert_true(fabs((double)g - w) <= tol);
        }
    }
}

/* The layer against the reference, and the same bytes on 2 and 3 threads. */
static void check_layer(const struct layer *l, convtool_pool *two, convtool_pool *three)
{
    const float *bias = l->has_bias ? l->bias : NULL;
    convtool_tensor want, got, again;
    assert_int_equal(ref_conv2d_mix(&l->in, &l->wt, l->groups, bias, &l->g, &want), CONVTOOL_OK);
    assert_int_equal(convtool_conv2d_mix(&l->in, &l->wt, l->groups, bias, &l->g, NULL, &got),
                     CONVTOOL_OK);
    assert_within(l, &got, &want);
    convtool_pool *pools[2] = {two, three};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(
            convtool_conv2d_mix(&l->in, &l->wt, l->groups, bias, &l->g, pools[i], &again),
            CONVTOOL_OK);
        assert_memory_equal(got.data, again.data, convtool_tensor_count(&got) * sizeof(float));
        convtool_tensor_free(&again);
    }
    convtool_tensor_free(&got);
    convtool_tensor_free(&want);
}

static void compare_random_layers(unsigned seed, int count)
{
    convtool_pool *two, *three;
    assert_int_equal(convtool_pool_create(2, &two), CONVTOOL_OK);
    assert_int_equal(convtool_pool_create(3, &three), CONVTOOL_OK);
    for (int tested = 0; tested < count;) {
        struct layer l;
        if (!draw_layer(&seed, &l, -1))
            continue;
        struct mix_problem p = {.in = &l.in, .wt = &l.wt, .g = &l.g, .groups = l.groups,
                                .o_per_group = l.wt.o / l.groups};
        if (l.wt.c_per_group > 1)
            assert_true(mix_winograd_suits(&p)); /* depthwise keeps the banded core */
        check_layer(&l, two, three);
        free_layer(&l);
        tested++;
    }
    convtool_pool_free(two);
    convtool_pool_free(three);
}

static void test_random_layers(void **state)
{
    (void)state;
    mix_winograd_prefer(MIX_WINOGRAD_ALWAYS);
    compare_random_layers(13, 150);
    mix_winograd_prefer(MIX_WINOGRAD_AUTO);
}

/* Every GEMM backend the machine has, as the transformed products run on it. */
static void test_every_gemm_backend(void **state)
{
    (void)state;
    const struct {
        enum mix_gemm_choice choice;
        const char *name;
    } backends[] = {{MIX_GEMM_AVX2, "AVX2"}, {MIX_GEMM_PORTABLE, "portable"},
                    {MIX_GEMM_OPENBLAS, "OpenBLAS"}};
    mix_winograd_prefer(MIX_WINOGRAD_ALWAYS);
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        mix_gemm_prefer(backends[i].choice);
        if (strcmp(mix_gemm_backend(), backends[i].name) != 0)
            continue;
        compare_random_layers(500 + (unsigned)i, 40);
    }
    mix_gemm_prefer(MIX_GEMM_AUTO);
    mix_winograd_prefer(MIX_WINOGRAD_AUTO);
}

/* The rule: 3×3, stride 1, dilation 1, ≥ 16 channels in and out per group on ≥ 28×28
 * outputs; NEVER and finite weights always hold. */
static void test_choice(void **state)
{
    (void)state;
    struct layer l;
    unsigned seed = 3;
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    spec.pad_y = spec.pad_x = 1;
    memset(&l, 0, sizeof l);
    convtool_tensor_alloc(&l.in, 64, 28, 28);
    fill_random(l.in.data, convtool_tensor_count(&l.in), &seed, -10, 10, 0.1f);
    convtool_weight_alloc(&l.wt, 32, 32, 3, 3);
    fill_random(l.wt.values, 32 * 32 * 9, &seed, -10, 10, 0.1f);
    assert_int_equal(convtool_geometry_resolve(&spec, 28, 28, 3, 3, &l.g), CONVTOOL_OK);
    struct mix_problem p = {.in = &l.in, .wt = &l.wt, .g = &l.g, .groups = 2, .o_per_group = 16};
    assert_true(mix_winograd_suits(&p));
    p.groups = 4; /* 8 outputs per group: too few for the default rule */
    p.o_per_group = 8;
    assert_false(mix_winograd_suits(&p));
    mix_winograd_prefer(MIX_WINOGRAD_ALWAYS);
    assert_true(mix_winograd_suits(&p));
    l.wt.values[17] = NAN;
    assert_false(mix_winograd_suits(&p));
    l.wt.values[17] = 1e20f; /* the transforms' sums could overflow */
    assert_false(mix_winograd_suits(&p));
    l.wt.values[17] = 0;
    mix_winograd_prefer(MIX_WINOGRAD_NEVER);
    assert_false(mix_winograd_suits(&p));
    mix_winograd_prefer(MIX_WINOGRAD_AUTO);
    p.groups = 2;
    p.o_per_group = 16;
    spec.padding = CONVTOOL_PADDING_VALID; /* 26×26 outputs: too few */
    assert_int_equal(convtool_geometry_resolve(&spec, 28, 28, 3, 3, &l.g), CONVTOOL_OK);
    assert_false(mix_winograd_suits(&p));
    spec.padding = CONVTOOL_PADDING_EXPLICIT;
    spec.stride_x = 2;
    assert_int_equal(convtool_geometry_resolve(&spec, 28, 28, 3, 3, &l.g), CONVTOOL_OK);
    assert_false(mix_winograd_suits(&p));
    spec.stride_x = 1;
    spec.dilation_y = 2;
    assert_int_equal(convtool_geometry_resolve(&spec, 28, 28, 3, 3, &l.g), CONVTOOL_OK);
    assert_false(mix_winograd_suits(&p));
    free_layer(&l);
}

/* Whether AUTO takes an O × cpg layer (one group) on an h×h output plane (padding 1). */
static int auto_takes(int o, int cpg, int h)
{
    struct layer l;
    memset(&l, 0, sizeof l);
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    spec.pad_y = spec.pad_x = 1;
    assert_int_equal(convtool_geometry_resolve(&spec, h, h, 3, 3, &l.g), CONVTOOL_OK);
    assert_int_equal(convtool_weight_alloc(&l.wt, o, cpg, 3, 3), CONVTOOL_OK);
    memset(l.wt.values, 0, (size_t)o * cpg * 9 * sizeof(float));
    assert_int_equal(convtool_tensor_alloc(&l.in, cpg, h, h), CONVTOOL_OK);
    struct mix_problem p = {.in = &l.in, .wt = &l.wt, .g = &l.g, .groups = 1, .o_per_group = o};
    int takes = mix_winograd_suits(&p);
    free_layer(&l);
    return takes;
}

/* The rule's other edges: 16 channels each way on 28×28, 64 on 14×14, and transformed
 * weights small enough to keep (WINO_KEPT_BYTES). */
static void test_choice_edges(void **state)
{
    (void)state;
    assert_true(auto_takes(16, 16, 28));
    assert_false(auto_takes(16, 15, 28));
    assert_false(auto_takes(15, 16, 28));
    assert_false(auto_takes(16, 16, 27));
    assert_true(auto_takes(64, 64, 14));
    assert_false(auto_takes(64, 63, 14));
    assert_false(auto_takes(64, 64, 13));
    assert_true(auto_takes(256, 256, 28));   /* 9 MiB of U */
    assert_false(auto_takes(512, 256, 28));  /* 18 MiB: made again on every call */
    mix_winograd_prefer(MIX_WINOGRAD_ALWAYS);
    assert_true(auto_takes(512, 256, 28));
    assert_true(auto_takes(1, 1, 1));
    mix_winograd_prefer(MIX_WINOGRAD_AUTO);
}

/* A NaN, an infinity or a huge value in the input, a weight or the bias: torch's NaN
 * and infinity positions (the direct path takes such layers), every padding mode. */
static void test_nan_and_infinity(void **state)
{
    (void)state;
    const float bad[5] = {NAN, INFINITY, -INFINITY, 3e20f, -2e13f};
    mix_winograd_prefer(MIX_WINOGRAD_ALWAYS);
    convtool_pool *two, *three;
    assert_int_equal(convtool_pool_create(2, &two), CONVTOOL_OK);
    assert_int_equal(convtool_pool_create(3, &three), CONVTOOL_OK);
    unsigned seed = 41;
    for (int mode = 0; mode <= 4; mode++)
        for (int where = 0; where < 3; where++) {
            struct layer l;
            while (!draw_layer(&seed, &l, mode))
                ;
            float v = bad[(mode + where) % 5];
            if (where == 0)
                l.in.data[convtool_tensor_count(&l.in) / 2] = v;
            else if (where == 1)
                l.wt.values[0] = v;
            else
                l.bias[0] = v, l.has_bias = 1;
            check_layer(&l, two, three);
            free_layer(&l);
        }
    convtool_pool_free(two);
    convtool_pool_free(three);
    mix_winograd_prefer(MIX_WINOGRAD_AUTO);
}

/* More input channels than the AVX2 kernel sums in one slice (256): the products that
 * start from zero (mix_gemm_fresh) must add the later slices to the first. */
static void test_many_channels(void **state)
{
    (void)state;
    mix_winograd_prefer(MIX_WINOGRAD_ALWAYS);
    convtool_pool *two, *three;
    assert_int_equal(convtool_pool_create(2, &two), CONVTOOL_OK);
    assert_int_equal(convtool_pool_create(3, &three), CONVTOOL_OK);
    unsigned seed = 91;
    struct layer l;
    memset(&l, 0, sizeof l);
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    spec.pad_y = spec.pad_x = 1;
    assert_int_equal(convtool_geometry_resolve(&spec, 9, 11, 3, 3, &l.g), CONVTOOL_OK);
    assert_int_equal(convtool_tensor_alloc(&l.in, 600, 9, 11), CONVTOOL_OK);
    fill_random(l.in.data, convtool_tensor_count(&l.in), &seed, -1000, 1000, 1e-3f);
    assert_int_equal(convtool_weight_alloc(&l.wt, 6, 300, 3, 3), CONVTOOL_OK);
    fill_random(l.wt.values, 6 * 300 * 9, &seed, -400, 400, 1e-2f);
    l.groups = 2;
    l.has_bias = 1;
    fill_random(l.bias, 6, &seed, -100, 100, 0.1f);
    check_layer(&l, two, three);
    free_layer(&l);
    convtool_pool_free(two);
    convtool_pool_free(three);
    mix_winograd_prefer(MIX_WINOGRAD_AUTO);
}

/* The transformed weights are kept from call to call: weights changed in place (one
 * value, then all of them negated) must be seen, with every pool. */
static void test_weights_changed_in_place(void **state)
{
    (void)state;
    mix_winograd_prefer(MIX_WINOGRAD_ALWAYS);
    convtool_pool *two, *three;
    assert_int_equal(convtool_pool_create(2, &two), CONVTOOL_OK);
    assert_int_equal(convtool_pool_create(3, &three), CONVTOOL_OK);
    unsigned seed = 77;
    for (int tested = 0; tested < 6;) {
        struct layer l;
        if (!draw_layer(&seed, &l, -1))
            continue;
        size_t count = (size_t)l.wt.o * l.wt.c_per_group * 9;
        check_layer(&l, two, three);
        l.wt.values[count / 2] += 1.5f;
        check_layer(&l, two, three);
        for (size_t i = 0; i < count; i++)
            l.wt.values[i] = -l.wt.values[i];
        check_layer(&l, two, three);
        free_layer(&l);
        tested++;
    }
    convtool_pool_free(two);
    convtool_pool_free(three);
    mix_winograd_prefer(MIX_WINOGRAD_AUTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_layers),
        cmocka_unit_test(test_every_gemm_backend),
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_choice_edges),
        cmocka_unit_test(test_nan_and_infinity),
        cmocka_unit_test(test_weights_changed_in_place),
        cmocka_unit_test(test_many_channels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
