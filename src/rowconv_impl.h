/*
 * The body of rowconv_*(): included by each rowconv_<isa>.c with ROWCONV_NAME
 * and ROWCONV_LANES defined, and compiled with that ISA's flags, so the same
 * source becomes SSE2, AVX2+FMA or AVX-512 code (GCC/Clang vector extensions).
 *
 * Four independent accumulators per step hide the FMA latency: a 15×15 kernel
 * is 225 dependent additions per output otherwise.
 */
#include <string.h>

#include "rowconv.h"

typedef float vfloat __attribute__((vector_size(ROWCONV_LANES * sizeof(float))));

static inline vfloat load(const float *p)
{
    vfloat v;
    memcpy(&v, p, sizeof v); /* unaligned load */
    return v;
}

static inline void store(float *p, vfloat v)
{
    memcpy(p, &v, sizeof v);
}

static inline vfloat splat(float f)
{
    return (vfloat){0} + f;
}

#define L ROWCONV_LANES

void ROWCONV_NAME(float *out, const float *const *src, const float *w, int ntaps, int n,
                  float bias)
{
    int x = 0;
    for (; x + 4 * L <= n; x += 4 * L) {
        vfloat a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (int t = 0; t < ntaps; t++) {
            const float *s = src[t] + x;
            vfloat wt = splat(w[t]);
            a0 += wt * load(s);
            a1 += wt * load(s + L);
            a2 += wt * load(s + 2 * L);
            a3 += wt * load(s + 3 * L);
        }
        vfloat b = splat(bias);
        store(out + x, a0 + b);
        store(out + x + L, a1 + b);
        store(out + x + 2 * L, a2 + b);
        store(out + x + 3 * L, a3 + b);
    }
    for (; x + L <= n; x += L) {
        vfloat a = {0};
        for (int t = 0; t < ntaps; t++)
            a += splat(w[t]) * load(src[t] + x);
        store(out + x, a + splat(bias));
    }
    for (; x < n; x++) {
        float a = 0.0f;
        for (int t = 0; t < ntaps; t++)
            a += w[t] * src[t][x];
        out[x] = a + bias;
    }
}
