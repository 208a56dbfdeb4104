/*
 * The NaN/infinity scan behind zero-tap skipping, at every SIMD level the CPU
 * has: every position of every length around the vector widths, each kind of
 * non-finite value, and the finite values next to them in bit patterns.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "convtool/convtool.h"
#include "conv/simd/simd.h"

#define MAX_N 50

static const convtool_simd levels[] = {CONVTOOL_SIMD_SCALAR, CONVTOOL_SIMD_SSE2,
                                       CONVTOOL_SIMD_AVX2, CONVTOOL_SIMD_AVX512};

static void finite_rows(finite_scan_fn floats_all_finite)
{
    float row[MAX_N];
    const float edge[] = {0.0f, -0.0f, FLT_MAX, -FLT_MAX, FLT_MIN, FLT_TRUE_MIN, 1.0f};
    for (int n = 0; n <= MAX_N; n++) {
        for (int i = 0; i < n; i++)
            row[i] = edge[i % (sizeof edge / sizeof edge[0])];
        assert_true(floats_all_finite(row, n));
    }
}

static void bad_value_at_each_position(finite_scan_fn floats_all_finite)
{
    float row[MAX_N];
    const float bad[] = {NAN, -NAN, INFINITY, -INFINITY};
    for (int n = 1; n <= MAX_N; n++) {
        for (int at = 0; at < n; at++) {
            for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
                for (int i = 0; i < n; i++)
                    row[i] = (float)i;
                row[at] = bad[b];
                assert_false(floats_all_finite(row, n));
                assert_true(floats_all_finite(row, at)); /* the part before it */
            }
        }
    }
}

static void test_every_level(void **state)
{
    (void)state;
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        if (convtool_simd_force(levels[l]) != CONVTOOL_OK)
            continue; /* this CPU lacks it */
        finite_rows(simd_finite_scan());
        bad_value_at_each_position(simd_finite_scan());
    }
    convtool_simd_force(CONVTOOL_SIMD_AUTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
