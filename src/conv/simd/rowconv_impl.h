/*
 * The body of rowconv_*(): included by each rowconv_<isa>.c with ROWCONV_NAME
 * and ROWCONV_LANES defined, and compiled with that ISA's flags, so the same
 * source becomes SSE2, AVX2+FMA or AVX-512 code (GCC/Clang vector extensions).
 *
 * Four independent accumulators per step hide the FMA latency: a 15×15 kernel
 * is 225 dependent additions per output otherwise.
 *
 * FINITE_SCAN_NAME, the NaN/infinity test of finite_scan.h, lives here too so
 * that it gets the same flags: one compare per vector of floats.
 */
#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__) || defined(__AVX__) || defined(__SSE2__)
#include <immintrin.h>
#endif

#include "conv/simd/finite_scan.h"
#include "conv/simd/rowconv.h"

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

/*
 * Streaming (non-temporal) stores for rows that go straight to a big output:
 * they skip the read-for-ownership of every destination line, a third of the
 * memory traffic of a 3×3 pass. Needs an aligned address.
 */
#if L == 16 && defined(__AVX512F__)
#define STREAM_STORE(p, v) _mm512_stream_ps((p), (__m512)(v))
#elif L == 8 && defined(__AVX__)
#define STREAM_STORE(p, v) _mm256_stream_ps((p), (__m256)(v))
#elif L == 4 && defined(__SSE2__)
#define STREAM_STORE(p, v) _mm_stream_ps((p), (__m128)(v))
#endif

/* Outputs x .. x+4L−1 in four independent accumulators (bias added). */
static inline void block4(const float *const *src, const float *w, int ntaps, int x, float bias,
                          vfloat a[4])
{
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
    a[0] = a0 + b;
    a[1] = a1 + b;
    a[2] = a2 + b;
    a[3] = a3 + b;
}

/* One output by the scalar formula: the same fused or unfused operations, in the
 * same order, as the vector lanes, so a value never depends on its position. */
static inline float one_output(const float *const *src, const float *w, int ntaps, int x,
                               float bias)
{
    float a = 0.0f;
    for (int t = 0; t < ntaps; t++)
        a += w[t] * src[t][x];
    return a + bias;
}

void ROWCONV_NAME(float *out, const float *const *src, const float *w, int ntaps, int n,
                  float bias, int stream)
{
    int x = 0;
#ifdef STREAM_STORE
    if (stream && n >= 8 * L) {
        /* Scalar up to an aligned address, then 4L-blocks with streaming stores. */
        for (; x < n && ((uintptr_t)(out + x) % (L * sizeof(float))) != 0; x++)
            out[x] = one_output(src, w, ntaps, x, bias);
        for (; x + 4 * L <= n; x += 4 * L) {
            vfloat a[4];
            block4(src, w, ntaps, x, bias, a);
            for (int i = 0; i < 4; i++)
                STREAM_STORE(out + x + i * L, a[i]);
        }
    }
#else
    (void)stream;
#endif
    for (; x + 4 * L <= n; x += 4 * L) {
        vfloat a[4];
        block4(src, w, ntaps, x, bias, a);
        for (int i = 0; i < 4; i++)
            store(out + x + i * L, a[i]);
    }
    for (; x + L <= n; x += L) {
        vfloat a = {0};
        for (int t = 0; t < ntaps; t++)
            a += splat(w[t]) * load(src[t] + x);
        store(out + x, a + splat(bias));
    }
    for (; x < n; x++)
        out[x] = one_output(src, w, ntaps, x, bias);
}

/* A float is NaN or infinite exactly when its exponent bits are all ones. No
 * early exit: rows are a few thousand floats in cache, and a branch per
 * vector costs more than it saves. */
#define EXPONENT_BITS 0x7f800000u

typedef uint32_t vbits __attribute__((vector_size(ROWCONV_LANES * sizeof(uint32_t))));

int FINITE_SCAN_NAME(const float *p, int n)
{
    const vbits exponent = (vbits){0} + EXPONENT_BITS;
    vbits bad = {0};
    int i = 0;
    for (; i + L <= n; i += L) {
        vbits bits;
        memcpy(&bits, p + i, sizeof bits);
        bad |= (vbits)((bits & exponent) == exponent);
    }
    uint32_t any = 0;
    for (int lane = 0; lane < L; lane++)
        any |= bad[lane];
    for (; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, p + i, sizeof bits);
        any |= (bits & EXPONENT_BITS) == EXPONENT_BITS;
    }
    return any == 0;
}
