/* The built-in kernel library: the SPEC's nine kernels, lookup, and every file parses. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "convtool/convtool.h"

/* Checks a built-in kernel's effective values (values × scale) against the SPEC. */
static void expect_builtin(const char *name, int h, int w, const double *want)
{
    convtool_kernel k;
    assert_int_equal(convtool_builtin_kernel(name, &k), CONVTOOL_OK);
    assert_int_equal(k.h, h);
    assert_int_equal(k.w, w);
    for (int i = 0; i < h * w; i++) {
        double got = k.values[i] * k.scale;
        if (fabs(got - want[i]) > 1e-9)
            print_error("%s[%d] = %g, want %g\n", name, i, got, want[i]);
        assert_true(fabs(got - want[i]) <= 1e-9);
    }
    convtool_kernel_free(&k);
}

static void test_spec_edges(void **state)
{
    (void)state;
    static const double top_edge[] = {-1, -1, -1, 0, 0, 0, 1, 1, 1};
    static const double left_edge[] = {-1, 1, 0, -1, 1, 0, -1, 1, 0};
    static const double diag1[] = {0, -1, 1, -1, 1, 0, 1, 0, 0};
    static const double diag2[] = {1, -1, 0, 0, 1, -1, 0, 0, 1};
    expect_builtin("top_edge", 3, 3, top_edge);
    expect_builtin("left_edge", 3, 3, left_edge);
    expect_builtin("diag1", 3, 3, diag1);
    expect_builtin("diag2", 3, 3, diag2);
}

static void test_spec_sobel(void **state)
{
    (void)state;
    static const double sobel[] = {1, 0, -1, 2, 0, -2, 1, 0, -1};
    static const double sobel_y[] = {1, 2, 1, 0, 0, 0, -1, -2, -1};
    expect_builtin("sobel", 3, 3, sobel);
    expect_builtin("sobel_x", 3, 3, sobel);
    expect_builtin("sobel_y", 3, 3, sobel_y);
    /* sobel_y is the transpose of sobel. */
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++)
            assert_true(sobel_y[y * 3 + x] == sobel[x * 3 + y]);
}

static void test_spec_others(void **state)
{
    (void)state;
    static const double sharpen[] = {0, -1, 0, -1, 5, -1, 0, -1, 0};
    static const double blur[] = {1 / 16.0, 2 / 16.0, 1 / 16.0, 2 / 16.0, 4 / 16.0,
                                  2 / 16.0, 1 / 16.0, 2 / 16.0, 1 / 16.0};
    static const double identity[] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
    expect_builtin("sharpen", 3, 3, sharpen);
    expect_builtin("blur", 3, 3, blur);
    expect_builtin("identity", 3, 3, identity);

    /* blur keeps whole numbers in the file and 1/16 in the scale. */
    convtool_kernel k;
    assert_int_equal(convtool_builtin_kernel("blur", &k), CONVTOOL_OK);
    assert_true(k.values[4] == 4.0f);
    assert_true(k.scale == 1.0 / 16);
    convtool_kernel_free(&k);
}

static void test_case_insensitive(void **state)
{
    (void)state;
    const char *names[] = {"Sobel", "SOBEL", "sObEl_Y", "Identity", "BLUR"};
    const char *canonical[] = {"sobel", "sobel", "sobel_y", "identity", "blur"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        convtool_kernel k;
        assert_int_equal(convtool_builtin_kernel(names[i], &k), CONVTOOL_OK);
        assert_string_equal(k.name, canonical[i]);
        convtool_kernel_free(&k);
    }
}

static void test_unknown(void **state)
{
    (void)state;
    const char *names[] = {"nosuch", "", "sobe", "sobel_", "sobel.txt", "../kernels/sobel"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        convtool_kernel k;
        assert_int_equal(convtool_builtin_kernel(names[i], &k), CONVTOOL_ENOENT);
        assert_null(k.values);
    }
    convtool_kernel k;
    assert_int_equal(convtool_builtin_kernel(NULL, &k), CONVTOOL_EINVAL);
    assert_null(convtool_builtin_name(convtool_builtin_count()));
}

static void test_every_builtin(void **state)
{
    (void)state;
    size_t n = convtool_builtin_count();
    assert_true(n >= 9);
    for (size_t i = 0; i < n; i++) {
        const char *name = convtool_builtin_name(i);
        assert_non_null(name);
        convtool_kernel k;
        convtool_status st = convtool_builtin_kernel(name, &k);
        if (st != CONVTOOL_OK)
            print_error("built-in kernel %s does not parse\n", name);
        assert_int_equal(st, CONVTOOL_OK);
        assert_string_equal(k.name, name);
        if (k.description[0] == '\0')
            print_error("built-in kernel %s has no description\n", name);
        assert_true(k.description[0] != '\0');
        assert_true(k.h >= 1 && k.w >= 1);
        assert_true(k.scale != 0);
        convtool_kernel_free(&k);
        /* Names are lowercase and sorted, so listings are stable. */
        for (const char *c = name; *c; c++)
            assert_false(*c >= 'A' && *c <= 'Z');
        if (i > 0)
            assert_true(strcmp(convtool_builtin_name(i - 1), name) < 0);
    }
}

/* The classics: blurs keep brightness, edge detectors sum to 0. */
static void test_effective_sums(void **state)
{
    (void)state;
    const char *one[] = {"blur",     "box3",        "box5",    "gaussian5", "gaussian7",
                         "unsharp5", "motion_blur", "sharpen", "identity",  "emboss"};
    const char *zero[] = {"sobel",       "sobel_y",   "prewitt_x",  "prewitt_y", "scharr_x",
                          "scharr_y",    "laplacian", "laplacian8", "outline",   "top_edge",
                          "bottom_edge", "left_edge", "right_edge"};
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        convtool_kernel k;
        assert_int_equal(convtool_builtin_kernel(one[i], &k), CONVTOOL_OK);
        assert_true(fabs(convtool_kernel_sum(&k) * k.scale - 1) < 1e-9);
        convtool_kernel_free(&k);
    }
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
        convtool_kernel k;
        assert_int_equal(convtool_builtin_kernel(zero[i], &k), CONVTOOL_OK);
        assert_true(convtool_kernel_sum(&k) == 0);
        convtool_kernel_free(&k);
    }
    convtool_kernel k;
    assert_int_equal(convtool_builtin_kernel("motion_blur", &k), CONVTOOL_OK);
    assert_int_equal(k.h, 1);
    assert_int_equal(k.w, 9);
    convtool_kernel_free(&k);
    assert_int_equal(convtool_builtin_kernel("unsharp5", &k), CONVTOOL_OK);
    assert_true(k.values[12] == -476.0f);
    assert_true(k.scale == -1.0 / 256);
    convtool_kernel_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_edges),     cmocka_unit_test(test_spec_sobel),
        cmocka_unit_test(test_spec_others),    cmocka_unit_test(test_case_insensitive),
        cmocka_unit_test(test_unknown),        cmocka_unit_test(test_every_builtin),
        cmocka_unit_test(test_effective_sums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
