/*
 * Stride phases of a row (deinterleave.h). Strides 2 and 4 — the common ones,
 * where the scalar loop cost more than the 3×3 convolution it feeds — run on
 * four-float vectors (two loads and two shuffles give four outputs of each of
 * two phases); other strides use the plain loop. __builtin_shufflevector
 * needs GCC 12 (Debian 12's) or Clang.
 */
#include <string.h>

#include "conv/deinterleave.h"

typedef float vfloat4 __attribute__((vector_size(16)));

static void split_in_two(const float *line, int n, float *even, float *odd)
{
    int k = 0;
    for (; 2 * k + 8 <= n; k += 4) {
        vfloat4 a, b;
        memcpy(&a, line + 2 * k, sizeof a);
        memcpy(&b, line + 2 * k + 4, sizeof b);
        vfloat4 e = __builtin_shufflevector(a, b, 0, 2, 4, 6);
        vfloat4 o = __builtin_shufflevector(a, b, 1, 3, 5, 7);
        memcpy(even + k, &e, sizeof e);
        memcpy(odd + k, &o, sizeof o);
    }
    for (int x = 2 * k; x < n; x++)
        (x % 2 ? odd : even)[x / 2] = line[x];
}

/* Four phases from sixteen floats: split into halves twice. */
static void split_in_four(const float *line, int n, float *const phase[4])
{
    int k = 0;
    for (; 4 * k + 16 <= n; k += 4) {
        vfloat4 a, b, c, d;
        memcpy(&a, line + 4 * k, sizeof a);
        memcpy(&b, line + 4 * k + 4, sizeof b);
        memcpy(&c, line + 4 * k + 8, sizeof c);
        memcpy(&d, line + 4 * k + 12, sizeof d);
        vfloat4 ab_even = __builtin_shufflevector(a, b, 0, 2, 4, 6);
        vfloat4 ab_odd = __builtin_shufflevector(a, b, 1, 3, 5, 7);
        vfloat4 cd_even = __builtin_shufflevector(c, d, 0, 2, 4, 6);
        vfloat4 cd_odd = __builtin_shufflevector(c, d, 1, 3, 5, 7);
        vfloat4 p0 = __builtin_shufflevector(ab_even, cd_even, 0, 2, 4, 6);
        vfloat4 p2 = __builtin_shufflevector(ab_even, cd_even, 1, 3, 5, 7);
        vfloat4 p1 = __builtin_shufflevector(ab_odd, cd_odd, 0, 2, 4, 6);
        vfloat4 p3 = __builtin_shufflevector(ab_odd, cd_odd, 1, 3, 5, 7);
        memcpy(phase[0] + k, &p0, sizeof p0);
        memcpy(phase[1] + k, &p1, sizeof p1);
        memcpy(phase[2] + k, &p2, sizeof p2);
        memcpy(phase[3] + k, &p3, sizeof p3);
    }
    for (int x = 4 * k; x < n; x++)
        phase[x % 4][x / 4] = line[x];
}

void deinterleave_row(const float *line, int n, int stride, int phase_len, float *dst)
{
    if (stride == 2) {
        split_in_two(line, n, dst, dst + phase_len);
        return;
    }
    if (stride == 4) {
        float *const phase[4] = {dst, dst + phase_len, dst + 2 * (size_t)phase_len,
                                 dst + 3 * (size_t)phase_len};
        split_in_four(line, n, phase);
        return;
    }
    for (int p = 0; p < stride; p++) {
        float *phase = dst + (size_t)p * (size_t)phase_len;
        for (int k = 0, x = p; x < n; k++, x += stride)
            phase[k] = line[x];
    }
}
