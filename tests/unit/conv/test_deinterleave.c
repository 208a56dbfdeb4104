/*
 * Stride phases of a row: the vector paths (strides 2 and 4) and the plain
 * loop against the definition, for every length around the vector widths,
 * and nothing written past a phase's share of the row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "conv/deinterleave.h"

#define MAX_N 70
#define MAX_STRIDE 6
#define GUARD -7.0f

static void check_row(int n, int stride)
{
    float line[MAX_N], dst[MAX_N + MAX_STRIDE * MAX_STRIDE];
    int phase_len = (n + stride - 1) / stride + 1; /* one spare element per phase */
    for (int x = 0; x < n; x++)
        line[x] = (float)x;
    for (int i = 0; i < stride * phase_len; i++)
        dst[i] = GUARD;
    deinterleave_row(line, n, stride, phase_len, dst);
    for (int p = 0; p < stride; p++) {
        for (int k = 0; k < phase_len; k++) {
            int x = p + k * stride;
            float want = x < n ? (float)x : GUARD; /* untouched past the row's end */
            assert_true(dst[p * phase_len + k] == want);
        }
    }
}

static void test_every_length_and_stride(void **state)
{
    (void)state;
    for (int stride = 1; stride <= MAX_STRIDE; stride++)
        for (int n = 0; n <= MAX_N; n++)
            check_row(n, stride);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_length_and_stride),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
