/*
 * The convolution core: SPEC's seed examples exactly, the padding modes on a
 * row whose padded form is written out by hand, and the fast core against the
 * slow reference on many random geometries and every thread count.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conv/conv_plan.h"
#include "conv/core.h"
#include "ref_conv.h"
#include "test_helpers.h"

static convtool_geometry resolve(const convtool_tensor *in, const convtool_kernel *k,
                                 convtool_padding_kind kind, int pad, int stride,
                                 convtool_pad_mode mode)
{
    convtool_geometry_spec spec;
    convtool_geometry g;
    convtool_geometry_spec_default(&spec);
    spec.padding = kind;
    spec.pad_y = spec.pad_x = pad;
    spec.stride_y = spec.stride_x = stride;
    spec.mode = mode;
    assert_int_equal(convtool_geometry_resolve(&spec, in->h, in->w, k->h, k->w, &g),
                     CONVTOOL_OK);
    return g;
}

static void assert_tensor_values(const convtool_tensor *t, int h, int w, const float *want)
{
    assert_int_equal(t->h, h);
    assert_int_equal(t->w, w);
    for (int i = 0; i < h * w; i++)
        assert_true(t->data[i] == want[i]);
}

/* Seed 1: a vertical line through sobel gives [-4, 0, 4] on every row. */
static void test_seed_sobel_line(void **state)
{
    (void)state;
    float img[25] = {0};
    for (int y = 0; y < 5; y++)
        img[y * 5 + 2] = 1;
    const float sobel[9] = {1, 0, -1, 2, 0, -2, 1, 0, -1};
    convtool_tensor in = test_tensor(1, 5, 5, img), out;
    convtool_kernel k = test_kernel(3, 3, sobel);
    convtool_geometry g = resolve(&in, &k, CONVTOOL_PADDING_EXPLICIT, 0, 1, 0);
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0, NULL, &out), CONVTOOL_OK);
    const float want[9] = {-4, 0, 4, -4, 0, 4, -4, 0, 4};
    assert_tensor_values(&out, 3, 3, want);
    convtool_tensor_free(&out);
    convtool_tensor_free(&in);
    convtool_kernel_free(&k);
}

/* Seed 2: 4×4 ones with a 2×2 ones kernel, four geometries. */
static void test_seed_ones(void **state)
{
    (void)state;
    float ones[16];
    for (int i = 0; i < 16; i++)
        ones[i] = 1;
    const float k4[4] = {1, 1, 1, 1};
    convtool_tensor in = test_tensor(1, 4, 4, ones), out;
    convtool_kernel k = test_kernel(2, 2, k4);
    struct {
        int pad, stride, h;
        convtool_pad_mode mode;
        float want[9];
    } cases[] = {
        {0, 1, 3, CONVTOOL_PAD_REPLICATE, {4, 4, 4, 4, 4, 4, 4, 4, 4}},
        {0, 2, 2, CONVTOOL_PAD_REPLICATE, {4, 4, 4, 4}},
        {0, 3, 1, CONVTOOL_PAD_REPLICATE, {4}},
        {1, 3, 2, CONVTOOL_PAD_ZEROS, {1, 2, 2, 4}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        convtool_geometry g = resolve(&in, &k, CONVTOOL_PADDING_EXPLICIT, cases[c].pad,
                                      cases[c].stride, cases[c].mode);
        assert_int_equal(convtool_conv2d(&in, &k, &g, 0, NULL, &out), CONVTOOL_OK);
        assert_tensor_values(&out, cases[c].h, cases[c].h, cases[c].want);
        convtool_tensor_free(&out);
    }
    convtool_tensor_free(&in);
    convtool_kernel_free(&k);
}

/* Seed 3: identity without padding gives the centre 4×4. */
static void test_seed_identity(void **state)
{
    (void)state;
    const float img[36] = {5, 0, 8, 7, 8, 1, 1, 9, 5, 0, 7, 7, 6, 0, 2, 4, 6, 6,
                           9, 7, 6, 6, 8, 4, 8, 3, 8, 5, 1, 3, 7, 2, 7, 0, 1, 0};
    const float id[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
    convtool_tensor in = test_tensor(1, 6, 6, img), out;
    convtool_kernel k = test_kernel(3, 3, id);
    convtool_geometry g = resolve(&in, &k, CONVTOOL_PADDING_EXPLICIT, 0, 1, 0);
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0, NULL, &out), CONVTOOL_OK);
    const float want[16] = {9, 5, 0, 7, 0, 2, 4, 6, 7, 6, 6, 8, 3, 8, 5, 1};
    assert_tensor_values(&out, 4, 4, want);
    convtool_tensor_free(&out);
    convtool_tensor_free(&in);
    convtool_kernel_free(&k);
}

/* Row abcd = 1 2 3 4 padded by 2 with a 1×1 identity reveals each mode. */
static void test_padding_modes_by_hand(void **state)
{
    (void)state;
    const float row[4] = {1, 2, 3, 4}, one = 1;
    struct {
        convtool_pad_mode mode;
        float want[8];
    } cases[] = {
        {CONVTOOL_PAD_ZEROS, {0, 0, 1, 2, 3, 4, 0, 0}},
        {CONVTOOL_PAD_REPLICATE, {1, 1, 1, 2, 3, 4, 4, 4}},
        {CONVTOOL_PAD_REFLECT, {3, 2, 1, 2, 3, 4, 3, 2}},
        {CONVTOOL_PAD_SYMMETRIC, {2, 1, 1, 2, 3, 4, 4, 3}},
        {CONVTOOL_PAD_CIRCULAR, {3, 4, 1, 2, 3, 4, 1, 2}},
    };
    convtool_tensor in = test_tensor(1, 1, 4, row), out;
    convtool_kernel k = test_kernel(1, 1, &one);
    for (size_t c = 0; c < 5; c++) {
        convtool_geometry_spec spec;
        convtool_geometry g;
        convtool_geometry_spec_default(&spec);
        spec.padding = CONVTOOL_PADDING_EXPLICIT;
        spec.pad_x = 2;
        spec.mode = cases[c].mode;
        assert_int_equal(convtool_geometry_resolve(&spec, 1, 4, 1, 1, &g), CONVTOOL_OK);
        assert_int_equal(convtool_conv2d(&in, &k, &g, 0, NULL, &out), CONVTOOL_OK);
        assert_tensor_values(&out, 1, 8, cases[c].want);
        convtool_tensor_free(&out);
    }
    convtool_tensor_free(&in);
    convtool_kernel_free(&k);
}

struct random_case {
    convtool_tensor in;
    convtool_kernel k;
    convtool_geometry g;
    float bias;
};

/* Draws a random geometry that is valid; returns 0 when the draw is impossible. */
static int draw_case(unsigned *seed, struct random_case *rc)
{
    int c = test_rand_range(seed, 1, 3), h = test_rand_range(seed, 1, 23),
        w = test_rand_range(seed, 1, 23);
    int kh = test_rand_range(seed, 1, 6), kw = test_rand_range(seed, 1, 6);
    convtool_geometry_spec spec;
    convtool_geometry_spec_default(&spec);
    spec.stride_y = test_rand_range(seed, 1, 4);
    spec.stride_x = test_rand_range(seed, 1, 4);
    spec.dilation_y = test_rand_range(seed, 1, 3);
    spec.dilation_x = test_rand_range(seed, 1, 3);
    spec.mode = (convtool_pad_mode)test_rand_range(seed, 0, 4);
    spec.padding = (convtool_padding_kind)test_rand_range(seed, 0, 2);
    spec.pad_y = test_rand_range(seed, 0, 5);
    spec.pad_x = test_rand_range(seed, 0, 5);
    if (convtool_geometry_resolve(&spec, h, w, kh, kw, &rc->g) != CONVTOOL_OK)
        return 0;
    convtool_tensor_alloc(&rc->in, c, h, w);
    for (size_t i = 0; i < convtool_tensor_count(&rc->in); i++)
        rc->in.data[i] = (float)test_rand(seed) / 32767.0f;
    /* One case in eight holds a NaN or an infinity: the rows that read it keep every tap. */
    if (test_rand_range(seed, 0, 7) == 0) {
        const float bad[3] = {NAN, INFINITY, -INFINITY};
        size_t at = (size_t)test_rand_range(seed, 0, (int)convtool_tensor_count(&rc->in) - 1);
        rc->in.data[at] = bad[test_rand_range(seed, 0, 2)];
    }
    float taps[36];
    /* About a third of the taps are 0, as in sharpen or Sobel: the core skips them
     * on rows it finds finite, and must match the reference either way. */
    for (int i = 0; i < kh * kw; i++)
        taps[i] = test_rand_range(seed, 0, 2) == 0
                      ? 0.0f
                      : (float)test_rand_range(seed, -400, 400) / 100.0f;
    rc->k = test_kernel(kh, kw, taps);
    rc->bias = (float)test_rand_range(seed, -10, 10) / 10.0f;
    return 1;
}

static void assert_close(const convtool_tensor *got, const convtool_tensor *want)
{
    assert_int_equal(got->c, want->c);
    assert_int_equal(got->h, want->h);
    assert_int_equal(got->w, want->w);
    for (size_t i = 0; i < convtool_tensor_count(got); i++) {
        float g = got->data[i], w = want->data[i];
        if (isnan(w) || isinf(w)) /* NaN where the reference has NaN, the same infinity */
            assert_true(isnan(w) ? isnan(g) : g == w);
        else
            assert_true(fabsf(g - w) <= 1e-5f * (1.0f + fabsf(w)));
    }
}

/* The core against the reference on one drawn case, which is then freed. */
static void check_and_free_case(struct random_case *rc, convtool_pool *pool)
{
    convtool_tensor fast, slow;
    assert_int_equal(convtool_conv2d(&rc->in, &rc->k, &rc->g, rc->bias, pool, &fast), CONVTOOL_OK);
    assert_int_equal(ref_conv2d(&rc->in, &rc->k, &rc->g, rc->bias, &slow), CONVTOOL_OK);
    assert_close(&fast, &slow);
    convtool_tensor_free(&fast);
    convtool_tensor_free(&slow);
    convtool_tensor_free(&rc->in);
    convtool_kernel_free(&rc->k);
}

/* Random geometries (odd/even kernels, every mode, strides 1–4, dilation 1–3)
 * through one SIMD level and one separable policy. */
static void compare_random_cases(convtool_pool *pool, unsigned seed, int count)
{
    for (int tested = 0; tested < count;) {
        struct random_case rc;
        if (!draw_case(&seed, &rc))
            continue;
        check_and_free_case(&rc, pool);
        tested++;
    }
}

static const convtool_simd all_levels[] = {CONVTOOL_SIMD_SCALAR, CONVTOOL_SIMD_SSE2,
                                           CONVTOOL_SIMD_AVX2, CONVTOOL_SIMD_AVX512};

/* Every ISA level the CPU has, direct and (for rank-1 kernels) separable. */
static void test_core_matches_reference(void **state)
{
    (void)state;
    convtool_pool *pool;
    assert_int_equal(convtool_pool_create(3, &pool), CONVTOOL_OK);
    for (size_t l = 0; l < sizeof all_levels / sizeof all_levels[0]; l++) {
        if (convtool_simd_force(all_levels[l]) != CONVTOOL_OK)
            continue; /* this CPU lacks it */
        conv_set_separable_policy(SEPARABLE_NEVER);
        compare_random_cases(pool, 12345, 700);
        conv_set_separable_policy(SEPARABLE_AUTO);
        compare_random_cases(pool, 777, 300);
    }
    convtool_simd_force(CONVTOOL_SIMD_AUTO);
    convtool_pool_free(pool);
}

/* Rank-1 kernels (outer products) through the separable path at every level. */
static void test_separable_matches_reference(void **state)
{
    (void)state;
    unsigned seed = 99;
    conv_set_separable_policy(SEPARABLE_ALWAYS);
    for (size_t l = 0; l < sizeof all_levels / sizeof all_levels[0]; l++) {
        if (convtool_simd_force(all_levels[l]) != CONVTOOL_OK)
            continue;
        for (int tested = 0; tested < 300;) {
            struct random_case rc;
            if (!draw_case(&seed, &rc))
                continue;
            float col[6], row[6];
            for (int i = 0; i < rc.k.h; i++)
                col[i] = (float)test_rand_range(&seed, -20, 20) / 8.0f;
            for (int j = 0; j < rc.k.w; j++)
                row[j] = (float)test_rand_range(&seed, -20, 20) / 8.0f;
            for (int i = 0; i < rc.k.h; i++)
                for (int j = 0; j < rc.k.w; j++)
                    rc.k.values[i * rc.k.w + j] = col[i] * row[j];
            check_and_free_case(&rc, NULL);
            tested++;
        }
    }
    conv_set_separable_policy(SEPARABLE_AUTO);
    convtool_simd_force(CONVTOOL_SIMD_AUTO);
}

/* The same bytes for 1, 2, 3, 4, 7 and 16 threads, at every level, direct and separable. */
static void check_thread_invariance(const convtool_kernel *k, convtool_padding_kind kind,
                                    int stride)
{
    convtool_tensor in;
    convtool_tensor_alloc(&in, 3, 197, 131);
    unsigned seed = 7;
    for (size_t i = 0; i < convtool_tensor_count(&in); i++)
        in.data[i] = (float)test_rand(&seed) / 32767.0f;
    convtool_geometry g = resolve(&in, k, kind, 2, stride, CONVTOOL_PAD_REFLECT);
    convtool_tensor first;
    assert_int_equal(convtool_conv2d(&in, k, &g, 0.5f, NULL, &first), CONVTOOL_OK);
    const int counts[] = {1, 2, 3, 4, 7, 16};
    for (size_t t = 0; t < sizeof counts / sizeof counts[0]; t++) {
        convtool_pool *pool;
        convtool_tensor out;
        assert_int_equal(convtool_pool_create(counts[t], &pool), CONVTOOL_OK);
        assert_int_equal(convtool_conv2d(&in, k, &g, 0.5f, pool, &out), CONVTOOL_OK);
        assert_memory_equal(out.data, first.data, convtool_tensor_count(&out) * sizeof(float));
        convtool_tensor_free(&out);
        convtool_pool_free(pool);
    }
    convtool_tensor_free(&first);
    convtool_tensor_free(&in);
}

static void test_thread_count_invariance(void **state)
{
    (void)state;
    const float taps[15] = {0.1f, -0.7f, 0.3f, 1.1f, 0.9f, -0.2f, 0.5f, 0.5f,
                            0.25f, -1.5f, 0.05f, 0.3f, 0.7f, -0.9f, 0.4f};
    const float gauss[25] = {1, 4, 6, 4, 1, 4, 16, 24, 16, 4, 6, 24, 36,
                             24, 6, 4, 16, 24, 16, 4, 1, 4, 6, 4, 1};
    convtool_kernel k = test_kernel(3, 5, taps), sep = test_kernel(5, 5, gauss);
    for (size_t l = 0; l < sizeof all_levels / sizeof all_levels[0]; l++) {
        if (convtool_simd_force(all_levels[l]) != CONVTOOL_OK)
            continue;
        check_thread_invariance(&k, CONVTOOL_PADDING_SAME, 1);
        check_thread_invariance(&k, CONVTOOL_PADDING_EXPLICIT, 3);
        check_thread_invariance(&sep, CONVTOOL_PADDING_SAME, 1);
        check_thread_invariance(&sep, CONVTOOL_PADDING_EXPLICIT, 2);
    }
    convtool_simd_force(CONVTOOL_SIMD_AUTO);
    convtool_kernel_free(&k);
    convtool_kernel_free(&sep);
}

/* Outputs past the streaming-store threshold (4M values) take the streaming
 * path: still the reference's values, and still the same bytes for any pool. */
static void test_big_output_streaming_path(void **state)
{
    (void)state;
    const float taps[9] = {0.5f, -1, 0.25f, 2, 1, -2, 0.125f, 1, -0.5f};
    convtool_tensor in, ref, one, three;
    convtool_tensor_alloc(&in, 1, 1030, 4099); /* odd width: unaligned row starts */
    unsigned seed = 3;
    for (size_t i = 0; i < convtool_tensor_count(&in); i++)
        in.data[i] = (float)test_rand(&seed) / 32767.0f;
    convtool_kernel k = test_kernel(3, 3, taps);
    convtool_geometry g = resolve(&in, &k, CONVTOOL_PADDING_SAME, 0, 1, CONVTOOL_PAD_REFLECT);
    convtool_pool *pool;
    assert_int_equal(convtool_pool_create(3, &pool), CONVTOOL_OK);
    assert_int_equal(ref_conv2d(&in, &k, &g, 0.5f, &ref), CONVTOOL_OK);
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0.5f, NULL, &one), CONVTOOL_OK);
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0.5f, pool, &three), CONVTOOL_OK);
    assert_close(&one, &ref);
    assert_memory_equal(one.data, three.data, convtool_tensor_count(&one) * sizeof(float));
    convtool_tensor_free(&ref);
    convtool_tensor_free(&one);
    convtool_tensor_free(&three);
    convtool_tensor_free(&in);
    convtool_kernel_free(&k);
    convtool_pool_free(pool);
}

static void test_mismatched_geometry_rejected(void **state)
{
    (void)state;
    const float one = 1, v[4] = {1, 2, 3, 4};
    convtool_tensor in = test_tensor(1, 2, 2, v), out;
    convtool_kernel k = test_kernel(1, 1, &one);
    convtool_geometry g = resolve(&in, &k, CONVTOOL_PADDING_VALID, 0, 1, 0);
    g.in_h = 3;
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0, NULL, &out), CONVTOOL_EINVAL);
    assert_null(out.data);
    convtool_tensor_free(&in);
    convtool_kernel_free(&k);
}

/* convtool_conv2d_into writes the bytes convtool_conv2d allocates, and refuses
 * an output of the wrong shape or one that overlaps the input. */
static void test_conv2d_into(void **state)
{
    (void)state;
    const float taps[9] = {0, -1, 0, -1, 5, -1, 0, -1, 0};
    convtool_tensor in, want, dst, small;
    convtool_tensor_alloc(&in, 2, 37, 29);
    unsigned seed = 11;
    for (size_t i = 0; i < convtool_tensor_count(&in); i++)
        in.data[i] = (float)test_rand(&seed) / 32767.0f;
    convtool_kernel k = test_kernel(3, 3, taps);
    convtool_geometry g = resolve(&in, &k, CONVTOOL_PADDING_EXPLICIT, 1, 2, CONVTOOL_PAD_ZEROS);
    assert_int_equal(convtool_conv2d(&in, &k, &g, 0.25f, NULL, &want), CONVTOOL_OK);
    convtool_tensor_alloc(&dst, 2, g.out_h, g.out_w);
    assert_int_equal(convtool_conv2d_into(&in, &k, &g, 0.25f, NULL, &dst), CONVTOOL_OK);
    assert_memory_equal(dst.data, want.data, convtool_tensor_count(&want) * sizeof(float));
    convtool_tensor_alloc(&small, 2, g.out_h - 1, g.out_w);
    assert_int_equal(convtool_conv2d_into(&in, &k, &g, 0.25f, NULL, &small), CONVTOOL_EINVAL);
    convtool_tensor alias = in; /* same storage: reads would see earlier writes */
    alias.h = g.out_h;
    alias.w = g.out_w;
    assert_int_equal(convtool_conv2d_into(&in, &k, &g, 0.25f, NULL, &alias), CONVTOOL_EINVAL);
    convtool_tensor_free(&small);
    convtool_tensor_free(&dst);
    convtool_tensor_free(&want);
    convtool_tensor_free(&in);
    convtool_kernel_free(&k);
}

/*
 * Zero taps are skipped only for output rows whose input rows are finite
 * (core.h): a NaN or an infinity under a zero tap still gives NaN, as
 * 0·NaN does in PyTorch, and every other row has the same bytes as when
 * the input holds no NaN at all.
 */
static void check_zero_taps_and_nonfinite(float bad, int threads)
{
    const float taps[9] = {0, -1, 0, -1, 5, -1, 0, -1, 0};
    const int h = 40, w = 37, by = 20, bx = 11;
    convtool_tensor clean, dirty, want, got;
    convtool_tensor_alloc(&clean, 1, h, w);
    unsigned seed = 5;
    for (size_t i = 0; i < convtool_tensor_count(&clean); i++)
        clean.data[i] = (float)test_rand(&seed) / 32767.0f;
    convtool_tensor_alloc(&dirty, 1, h, w);
    memcpy(dirty.data, clean.data, convtool_tensor_count(&clean) * sizeof(float));
    dirty.data[by * w + bx] = bad;
    convtool_kernel k = test_kernel(3, 3, taps);
    convtool_geometry g = resolve(&clean, &k, CONVTOOL_PADDING_SAME, 0, 1, CONVTOOL_PAD_ZEROS);
    convtool_pool *pool;
    assert_int_equal(convtool_pool_create(threads, &pool), CONVTOOL_OK);
    assert_int_equal(convtool_conv2d(&clean, &k, &g, 0.0f, pool, &want), CONVTOOL_OK);
    assert_int_equal(convtool_conv2d(&dirty, &k, &g, 0.0f, pool, &got), CONVTOOL_OK);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            float v = got.data[y * w + x];
            int dy = abs(y - by), dx = abs(x - bx);
            if (dy == 1 && dx == 1) /* a zero tap on the bad value */
                assert_true(isnan(v));
            else if (dy <= 1 && dx <= 1) /* a nonzero tap: NaN stays NaN, ±inf stays infinite */
                assert_true(isnan(bad) ? isnan(v) : isinf(v));
            else
                assert_memory_equal(&v, &want.data[y * w + x], sizeof v);
        }
    }
    convtool_tensor_free(&got);
    convtool_tensor_free(&want);
    convtool_tensor_free(&dirty);
    convtool_tensor_free(&clean);
    convtool_kernel_free(&k);
    convtool_pool_free(pool);
}

/*
 * The signed-zero corner of zero-tap skipping: a tiny negative product rounds
 * to −0 under FMA, a zero tap would turn that into +0, and a −0 bias would
 * keep the difference. Output 64 must have the same bytes whether its row is
 * finite (zero tap skipped) or holds a NaN elsewhere (every tap kept), and in
 * a vector lane as in the scalar tail (width 70 leaves a tail at every level).
 */
static void check_negative_zero(int nan_elsewhere, float *got)
{
    const float taps[2] = {-1e-23f, 0.0f};
    const int w = 70;
    convtool_tensor in, out;
    convtool_tensor_alloc(&in, 1, 1, w);
    for (int x = 0; x < w; x++)
        in.data[x] = 1.0f;
    in.data[64] = 1e-23f;
    if (nan_elsewhere)
        in.data[10] = NAN;
    convtool_kernel k = test_kernel(1, 2, taps);
    convtool_geometry g = resolve(&in, &k, CONVTOOL_PADDING_VALID, 0, 1, CONVTOOL_PAD_ZEROS);
    assert_int_equal(convtool_conv2d(&in, &k, &g, -0.0f, NULL, &out), CONVTOOL_OK);
    got[0] = out.data[64]; /* −1e-23·1e-23 + 0·1: a zero sum */
    got[1] = out.data[0];  /* −1e-23·1 + 0·1: tiny but nonzero */
    convtool_tensor_free(&out);
    convtool_tensor_free(&in);
    convtool_kernel_free(&k);
}

static void test_negative_zero_bias_and_zero_taps(void **state)
{
    (void)state;
    for (size_t l = 0; l < sizeof all_levels / sizeof all_levels[0]; l++) {
        if (convtool_simd_force(all_levels[l]) != CONVTOOL_OK)
            continue;
        float skipped[2], kept[2];
        check_negative_zero(0, skipped);
        check_negative_zero(1, kept);
        assert_memory_equal(skipped, kept, sizeof skipped);
        assert_false(signbit(skipped[0])); /* a zero sum plus the bias: +0 */
    }
    convtool_simd_force(CONVTOOL_SIMD_AUTO);
}

static void test_zero_taps_and_nonfinite_input(void **state)
{
    (void)state;
    for (size_t l = 0; l < sizeof all_levels / sizeof all_levels[0]; l++) {
        if (convtool_simd_force(all_levels[l]) != CONVTOOL_OK)
            continue;
        check_zero_taps_and_nonfinite(NAN, 1);
        check_zero_taps_and_nonfinite(INFINITY, 3);
        check_zero_taps_and_nonfinite(-INFINITY, 2);
    }
    convtool_simd_force(CONVTOOL_SIMD_AUTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_sobel_line),
        cmocka_unit_test(test_seed_ones),
        cmocka_unit_test(test_seed_identity),
        cmocka_unit_test(test_padding_modes_by_hand),
        cmocka_unit_test(test_core_matches_reference),
        cmocka_unit_test(test_separable_matches_reference),
        cmocka_unit_test(test_thread_count_invariance),
        cmocka_unit_test(test_big_output_streaming_path),
        cmocka_unit_test(test_mismatched_geometry_rejected),
        cmocka_unit_test(test_conv2d_into),
        cmocka_unit_test(test_zero_taps_and_nonfinite_input),
        cmocka_unit_test(test_negative_zero_bias_and_zero_taps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
