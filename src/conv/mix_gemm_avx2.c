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

/* Vector v of a block: masked when it is the last one of a narrow block (masked = 1),
 * or always (masked = 2: two rows' tails side by side). */
static inline __attribute__((always_inline)) int is_masked(int v, int vecs, int masked)
{
    return masked == 2 || (masked == 1 && v == vecs - 1);
}

static inline __attribute__((always_inline)) __m256 load_vec(const float *p, int m, __m256i mask)
{
    return m ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p);
}

static inline __attribute__((always_inline)) void store_vec(float *p, int m, __m256i mask, __m256 v)
{
    if (m)
        _mm256_maskstore_ps(p, mask, v);
    else
        _mm256_storeu_ps(p, v);
}

/* Row r's accumulators: named registers, not an array (GCC keeps an array in memory). */
#define ROW_LOAD(r)                                                                                \
    if (rows > r) {                                                                                \
        a##r##0 = load_vec(c0 + (size_t)r * ldc, is_masked(0, vecs, masked), mask);                \
        if (vecs == 2)                                                                             \
            a##r##1 = load_vec(c1 + (size_t)r * ldc, is_masked(1, vecs, masked), mask);            \
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
        store_vec(c0 + (size_t)r * ldc, is_masked(0, vecs, masked), mask, a##r##0);                \
        if (vecs == 2)                                                                             \
            store_vec(c1 + (size_t)r * ldc, is_masked(1, vecs, masked), mask, a##r##1);            \
    }

/* Where a block's (up to) two vectors of 8 columns read B and keep C: usually
 * side by side, or the tails of two output rows (mix_gemm_avx2_rows2). */
struct block {
    const float *const *b0, *const *b1; /* B row tables */
    int x0, x1;                         /* column of each vector in its rows */
    float *c0, *c1;                     /* C of each vector, row 0 of the block */
    int fresh;                          /* C's values are not read: the sums start at zero */
};

/* `rows` ≤ MR rows × `vecs` (1 or 2) vectors of 8 columns, masked as is_masked()
 * says. Every argument that shapes the loop is a constant in each instance. */
static inline __attribute__((always_inline)) void micro(int rows, int vecs, int masked,
                                                        __m256i mask, int k, const float *a,
                                                        int lda, const struct block *blk, int ldc)
{
    const float *const *bt0 = blk->b0, *const *bt1 = blk->b1;
    int x0 = blk->x0, x1 = blk->x1;
    float *c0 = blk->c0, *c1 = blk->c1;
    __m256 z = _mm256_setzero_ps();
    __m256 a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z;
    __m256 a30 = z, a31 = z, a40 = z, a41 = z, a50 = z, a51 = z;
    if (!blk->fresh) {
        ROW_LOAD(0) ROW_LOAD(1) ROW_LOAD(2) ROW_LOAD(3) ROW_LOAD(4) ROW_LOAD(5)
    }
    for (int p = 0; p < k; p++) {
        __m256 b0 = load_vec(bt0[p] + x0, is_masked(0, vecs, masked), mask);
        __m256 b1 = vecs == 2 ? load_vec(bt1[p] + x1, is_masked(1, vecs, masked), mask) : b0;
        ROW_FMA(0) ROW_FMA(1) ROW_FMA(2) ROW_FMA(3) ROW_FMA(4) ROW_FMA(5)
    }
    ROW_STORE(0) ROW_STORE(1) ROW_STORE(2) ROW_STORE(3) ROW_STORE(4) ROW_STORE(5)
}

/* One instance per shape, so each keeps its accumulators in registers. */
#define MICRO(R, V, M)                                                                             \
    static void micro_##R##_##V##_##M(__m256i mask, int k, const float *a, int lda,                \
                                      const struct block *blk, int ldc)                            \
    {                                                                                              \
        micro(R, V, M, mask, k, a, lda, blk, ldc);                                                 \
    }
#define MICRO_ROWS(V, M) MICRO(1, V, M) MICRO(2, V, M) MICRO(3, V, M) MICRO(4, V, M) \
    MICRO(5, V, M) MICRO(6, V, M)
MICRO_ROWS(2, 0)
MICRO_ROWS(2, 1)
MICRO_ROWS(1, 1)
MICRO_ROWS(2, 2)

typedef void (*micro_fn)(__m256i, int, const float *, int, const struct block *, int);

#define MICRO_TABLE(V, M) {micro_1_##V##_##M, micro_2_##V##_##M, micro_3_##V##_##M, \
                           micro_4_##V##_##M, micro_5_##V##_##M, micro_6_##V##_##M}
/* [0]: 16 full columns; [1]: 9–15 columns; [2]: 1–8 columns; [3]: two rows' tails of 1–8. */
static const micro_fn micros[4][MR] = {MICRO_TABLE(2, 0), MICRO_TABLE(2, 1), MICRO_TABLE(1, 1),
                                       MICRO_TABLE(2, 2)};

/* All lanes for a full vector, the first `live` (1..8) otherwise. */
static __m256i lane_mask(int live)
{
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(live), index);
}

/* Every row block of A against one block of B's columns, for k rows of B from p on. */
static void row_blocks(int shape, __m256i mask, int m, int depth, const float *a, int lda,
                       const struct block *blk, int ldc)
{
    for (int r = 0; r < m; r += MR) {
        int rows = m - r < MR ? m - r : MR;
        struct block at = *blk;
        at.c0 += (size_t)r * ldc;
        at.c1 += (size_t)r * ldc;
        micros[shape][rows - 1](mask, depth, a + (size_t)r * lda, lda, &at, ldc);
    }
}

/* The columns [0, full) of one output row in blocks of 16, for one slice of k. */
static void full_strips(int m, int full, int depth, const float *a, int lda,
                        const float *const *b, float *c, int ldc, int fresh)
{
    __m256i all = _mm256_set1_epi32(-1);
    for (int x = 0; x < full; x += 16) {
        struct block blk = {b, b, x, x + 8, c + x, c + x + 8, fresh};
        row_blocks(0, all, m, depth, a, lda, &blk, ldc);
    }
}

/* C (+)= A·B with B by rows; fresh: C's old values are not read. */
static void gemm_rows(int m, int n, int k, const float *a, int lda, const float *const *b,
                      float *c, int ldc, int fresh)
{
    /* Slices of k outside, then column strips, then row blocks: one strip's slice of B
     * (KC × 16 floats, 16 KiB) stays in L1 for every row block of A. C holds the running
     * sums between slices, so each value is still one chain of FMAs in k order. */
    int full = n / 16 * 16, tail = n - full;
    for (int p = 0; p < k; p += KC) {
        int depth = k - p < KC ? k - p : KC;
        int first = fresh && p == 0; /* later slices add to the sums of the earlier */
        full_strips(m, full, depth, a + p, lda, b + p, c, ldc, first);
        if (tail) {
            struct block blk = {b + p, b + p, full, full + 8, c + full, c + full + 8, first};
            row_blocks(tail > 8 ? 1 : 2, lane_mask(tail > 8 ? tail - 8 : tail), m, depth, a + p,
                       lda, &blk, ldc);
        }
    }
}

void mix_gemm_avx2_rows(int m, int n, int k, const float *a, int lda, const float *const *b,
                        float *c, int ldc)
{
    gemm_rows(m, n, k, a, lda, b, c, ldc, 0);
}

void mix_gemm_avx2_rows2(int m, int n, int k, const float *a, int lda,
                         const float *const *b_first, const float *const *b_second,
                         float *c_first, float *c_second, int ldc)
{
    int full = n / 16 * 16, tail = n - full;
    if (tail > 8) { /* no room to pair: each row on its own */
        mix_gemm_avx2_rows(m, n, k, a, lda, b_first, c_first, ldc);
        mix_gemm_avx2_rows(m, n, k, a, lda, b_second, c_second, ldc);
        return;
    }
    for (int p = 0; p < k; p += KC) {
        int depth = k - p < KC ? k - p : KC;
        full_strips(m, full, depth, a + p, lda, b_first + p, c_first, ldc, 0);
        full_strips(m, full, depth, a + p, lda, b_second + p, c_second, ldc, 0);
        if (tail) {
            /* The two tails side by side: 16 lanes of work instead of 8 twice. */
            struct block blk = {b_first + p, b_second + p, full, full, c_first + full,
                                c_second + full, 0};
            row_blocks(3, lane_mask(tail), m, depth, a + p, lda, &blk, ldc);
        }
    }
}

/* C (+)= A·B with B a matrix: its rows' addresses, a slice of KC at a time. */
static void gemm_matrix(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                        float *c, int ldc, int fresh)
{
    const float *rows[KC];
    for (int p = 0; p < k; p += KC) {
        int depth = k - p < KC ? k - p : KC;
        for (int i = 0; i < depth; i++)
            rows[i] = b + (size_t)(p + i) * ldb;
        gemm_rows(m, n, depth, a + p, lda, rows, c, ldc, fresh && p == 0);
    }
}

void mix_gemm_avx2(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                   float *c, int ldc)
{
    gemm_matrix(m, n, k, a, lda, b, ldb, c, ldc, 0);
}

void mix_gemm_avx2_fresh(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                         float *c, int ldc)
{
    gemm_matrix(m, n, k, a, lda, b, ldb, c, ldc, 1);
}
