/*
 * C += A·B with AVX2 and FMA, for the tiles of mix_blocks.c. B (the tile's
 * im2col, a few hundred KiB) is used where it lies, without the packed copy a
 * BLAS makes: a micro-kernel keeps 6 rows × 16 columns of C in 12 registers
 * through the whole sum over k, reading two vectors of one B row and
 * broadcasting one weight per row at each step. Rows past a multiple of 6
 * take the same kernel with fewer rows, columns past a multiple of 8 masked
 * loads and stores, so every value follows one chain of FMAs in k order.
 * Compiled with -mavx2 -mfma (src/conv/sources.cmake); called only when the
 * active SIMD level (convtool_simd_active) is AVX2 or above.
 */
#include <immintrin.h>
#include <stddef.h>

#include "conv/mix_gemm_avx2.h"

#define MR 6
#define KC 256

/* The last vector of a row: masked when the block is narrower than its vectors. */
static inline __attribute__((always_inline)) __m256 load_last(const float *p, int masked,
                                                             __m256i mask)
{
    return masked ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p);
}

static inline __attribute__((always_inline)) void store_last(float *p, int masked, __m256i mask,
                                                            __m256 v)
{
    if (masked)
        _mm256_maskstore_ps(p, mask, v);
    else
        _mm256_storeu_ps(p, v);
}

/* Row r's accumulators: named registers, not an array (GCC keeps an array in memory). */
#define ROW_LOAD(r)                                                                                \
    if (rows > r) {                                                                                \
        if (vecs == 2) {                                                                           \
            a##r##0 = _mm256_loadu_ps(c + (size_t)r * ldc);                                        \
            a##r##1 = load_last(c + (size_t)r * ldc + 8, masked, mask);                            \
        } else {                                                                                   \
            a##r##0 = load_last(c + (size_t)r * ldc, masked, mask);                                \
        }                                                                                          \
    }
#define ROW_FMA(r)                                                                                 \
    if (rows > r) {                                                                                \
        __m256 w = _mm256_broadcast_ss(a + (size_t)r * lda + p);                                   \
        a##r##0 = _mm256_fmadd_ps(w, b0, a##r##0);                                                 \
        if (vecs == 2)                                                                             \
            a##r##1 = _mm256_fmadd_ps(w, b1, a##r##1);                                             \
    }
#define ROW_STORE(r)                                                                               \
    if (rows > r) {                                                                                \
        if (vecs == 2) {                                                                           \
            _mm256_storeu_ps(c + (size_t)r * ldc, a##r##0);                                        \
            store_last(c + (size_t)r * ldc + 8, masked, mask, a##r##1);                            \
        } else {                                                                                   \
            store_last(c + (size_t)r * ldc, masked, mask, a##r##0);                                \
        }                                                                                          \
    }

/* `rows` ≤ MR rows × `vecs` (1 or 2) vectors of 8 columns, the last one limited by
 * `mask` when `masked`. Every argument that shapes the loop is a constant in each instance. */
static inline __attribute__((always_inline)) void micro(int rows, int vecs, int masked,
                                                        __m256i mask, int k, const float *a,
                                                        int lda, const float *const *b, int x,
                                                        float *c, int ldc)
{
    __m256 z = _mm256_setzero_ps();
    __m256 a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z;
    __m256 a30 = z, a31 = z, a40 = z, a41 = z, a50 = z, a51 = z;
    ROW_LOAD(0) ROW_LOAD(1) ROW_LOAD(2) ROW_LOAD(3) ROW_LOAD(4) ROW_LOAD(5)
    for (int p = 0; p < k; p++) {
        const float *bp = b[p] + x;
        __m256 b0 = vecs == 2 ? _mm256_loadu_ps(bp) : load_last(bp, masked, mask);
        __m256 b1 = vecs == 2 ? load_last(bp + 8, masked, mask) : b0;
        ROW_FMA(0) ROW_FMA(1) ROW_FMA(2) ROW_FMA(3) ROW_FMA(4) ROW_FMA(5)
    }
    ROW_STORE(0) ROW_STORE(1) ROW_STORE(2) ROW_STORE(3) ROW_STORE(4) ROW_STORE(5)
}

/* One instance per shape, so each keeps its accumulators in registers. */
#define MICRO(R, V, M)                                                                             \
    static void micro_##R##_##V##_##M(__m256i mask, int k, const float *a, int lda,                \
                                      const float *const *b, int x, float *c, int ldc)             \
    {                                                                                              \
        micro(R, V, M, mask, k, a, lda, b, x, c, ldc);                                             \
    }
#define MICRO_ROWS(V, M) MICRO(1, V, M) MICRO(2, V, M) MICRO(3, V, M) MICRO(4, V, M) \
    MICRO(5, V, M) MICRO(6, V, M)
MICRO_ROWS(2, 0)
MICRO_ROWS(2, 1)
MICRO_ROWS(1, 1)

typedef void (*micro_fn)(__m256i, int, const float *, int, const float *const *, int, float *,
                         int);

#define MICRO_TABLE(V, M) {micro_1_##V##_##M, micro_2_##V##_##M, micro_3_##V##_##M, \
                           micro_4_##V##_##M, micro_5_##V##_##M, micro_6_##V##_##M}
/* [0]: 16 full columns; [1]: 9–15 columns; [2]: 1–8 columns. */
static const micro_fn micros[3][MR] = {MICRO_TABLE(2, 0), MICRO_TABLE(2, 1), MICRO_TABLE(1, 1)};

/* All lanes for a full vector, the first `live` (1..8) otherwise. */
static __m256i lane_mask(int live)
{
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(live), index);
}

void mix_gemm_avx2_rows(int m, int n, int k, const float *a, int lda, const float *const *b,
                        float *c, int ldc)
{
    /* Slices of k outside, then column strips, then row blocks: one strip's slice of B
     * (KC × 16 floats, 16 KiB) stays in L1 for every row block of A. C holds the running
     * sums between slices, so each value is still one chain of FMAs in k order. */
    for (int p = 0; p < k; p += KC) {
        int depth = k - p < KC ? k - p : KC;
        for (int x = 0; x < n; x += 16) {
            int cols = n - x < 16 ? n - x : 16;
            int shape = cols == 16 ? 0 : cols > 8 ? 1 : 2;
            __m256i mask = lane_mask(cols > 8 ? cols - 8 : cols);
            for (int r = 0; r < m; r += MR) {
                int rows = m - r < MR ? m - r : MR;
                micros[shape][rows - 1](mask, depth, a + (size_t)r * lda + p, lda, b + p, x,
                                        c + (size_t)r * ldc + x, ldc);
            }
        }
    }
}

void mix_gemm_avx2(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                   float *c, int ldc)
{
    const float *rows[KC];
    for (int p = 0; p < k; p += KC) {
        int depth = k - p < KC ? k - p : KC;
        for (int i = 0; i < depth; i++)
            rows[i] = b + (size_t)(p + i) * ldb;
        mix_gemm_avx2_rows(m, n, depth, a + p, lda, rows, c, ldc);
    }
}
