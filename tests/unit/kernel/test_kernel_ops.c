/* Kernel arithmetic: sum, flip, normalize, scale, range. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"

static convtool_kernel parse(const char *text)
{
    convtool_kernel k;
    assert_int_equal(convtool_kernel_parse(text, strlen(text), "t", &k, NULL), CONVTOOL_OK);
    return k;
}

static void expect_values(const convtool_kernel *k, const float *want)
{
    for (int i = 0; i < k->h * k->w; i++)
        assert_true(fabs(k->values[i] - want[i]) < 1e-6);
}

static void test_sum(void **state)
{
    (void)state;
    convtool_kernel k = parse("1 2 1; 2 4 2; 1 2 1");
    assert_true(convtool_kernel_sum(&k) == 16.0);
    convtool_kernel_free(&k);
    k = parse("1 0 -1; 2 0 -2; 1 0 -1");
    assert_true(convtool_kernel_sum(&k) == 0.0);
    convtool_kernel_free(&k);
    /* Accumulated in double: 1e8 + 1 − 1e8 is 1, not 0 as in float. */
    k = parse("1e8 1 -1e8");
    assert_true(convtool_kernel_sum(&k) == 1.0);
    convtool_kernel_free(&k);
}

static void test_flip(void **state)
{
    (void)state;
    convtool_kernel k = parse("1 2 3; 4 5 6");
    convtool_kernel_flip(&k);
    static const float rotated[] = {6, 5, 4, 3, 2, 1};
    assert_int_equal(k.h, 2);
    assert_int_equal(k.w, 3);
    expect_values(&k, rotated);
    convtool_kernel_flip(&k);
    static const float back[] = {1, 2, 3, 4, 5, 6};
    expect_values(&k, back);
    convtool_kernel_free(&k);

    /* Flipping sobel gives its negative (the ImageMagick sign). */
    k = parse("1 0 -1; 2 0 -2; 1 0 -1");
    convtool_kernel_flip(&k);
    static const float neg[] = {-1, 0, 1, -2, 0, 2, -1, 0, 1};
    expect_values(&k, neg);
    convtool_kernel_free(&k);

    k = parse("7");
    convtool_kernel_flip(&k);
    assert_true(k.values[0] == 7);
    convtool_kernel_free(&k);
}

static void test_normalize(void **state)
{
    (void)state;
    convtool_kernel k = parse("1 2 1; 2 4 2; 1 2 1");
    assert_int_equal(convtool_kernel_normalize(&k), CONVTOOL_OK);
    static const float blur[] = {1 / 16.f, 2 / 16.f, 1 / 16.f, 2 / 16.f, 4 / 16.f,
                                 2 / 16.f, 1 / 16.f, 2 / 16.f, 1 / 16.f};
    expect_values(&k, blur);
    assert_true(fabs(convtool_kernel_sum(&k) - 1) < 1e-6);
    convtool_kernel_free(&k);

    /* A negative sum keeps the shape and flips the sign. */
    k = parse("-1 -3");
    assert_int_equal(convtool_kernel_normalize(&k), CONVTOOL_OK);
    static const float quarter[] = {0.25f, 0.75f};
    expect_values(&k, quarter);
    convtool_kernel_free(&k);
}

static void test_normalize_zero_sum(void **state)
{
    (void)state;
    convtool_kernel k = parse("1 0 -1; 2 0 -2; 1 0 -1");
    assert_int_equal(convtool_kernel_normalize(&k), CONVTOOL_EZEROSUM);
    static const float sobel[] = {1, 0, -1, 2, 0, -2, 1, 0, -1};
    expect_values(&k, sobel); /* untouched */
    convtool_kernel_free(&k);
    k = parse("1e-13 0");
    assert_int_equal(convtool_kernel_normalize(&k), CONVTOOL_EZEROSUM);
    convtool_kernel_free(&k);
    k = parse("1e-11 0");
    assert_int_equal(convtool_kernel_normalize(&k), CONVTOOL_OK);
    assert_true(fabs(k.values[0] - 1) < 1e-6);
    convtool_kernel_free(&k);
    convtool_kernel empty = {0};
    assert_int_equal(convtool_kernel_normalize(&empty), CONVTOOL_EINVAL);
}

static void test_scale(void **state)
{
    (void)state;
    convtool_kernel k = parse("scale: 1/16\n1 2 1; 2 4 2; 1 2 1");
    convtool_kernel_scale(&k, k.scale);
    assert_true(k.values[4] == 0.25f);
    assert_true(k.values[0] == 0.0625f);
    convtool_kernel_scale(&k, -2);
    assert_true(k.values[4] == -0.5f);
    convtool_kernel_free(&k);
}

static void test_range(void **state)
{
    (void)state;
    double lo, hi;
    convtool_kernel k = parse("1 0 -1; 2 0 -2; 1 0 -1");
    convtool_kernel_range(&k, &lo, &hi);
    assert_true(lo == -4 && hi == 4);
    convtool_kernel_free(&k);
    k = parse("0 -1 0; -1 5 -1; 0 -1 0");
    convtool_kernel_range(&k, &lo, &hi);
    assert_true(lo == -4 && hi == 5);
    convtool_kernel_free(&k);
    k = parse("1 1; 1 1");
    convtool_kernel_range(&k, &lo, &hi);
    assert_true(lo == 0 && hi == 4);
    convtool_kernel_free(&k);
    /* NULL outputs are allowed. */
    k = parse("-2 3");
    convtool_kernel_range(&k, &lo, NULL);
    assert_true(lo == -2);
    convtool_kernel_range(&k, NULL, &hi);
    assert_true(hi == 3);
    convtool_kernel_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sum),       cmocka_unit_test(test_flip),
        cmocka_unit_test(test_normalize), cmocka_unit_test(test_normalize_zero_sum),
        cmocka_unit_test(test_scale),     cmocka_unit_test(test_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
