/* A hand-written AVX2+FMA GEMM for channel mixing (mix_gemm_avx2.c, x86-64 only). */
#ifndef CONVTOOL_MIX_GEMM_AVX2_H
#define CONVTOOL_MIX_GEMM_AVX2_H

/* C[m×n] += A[m×k] · B[k×n], row-major. Only on CPUs with AVX2 and FMA. Each
 * C value is fma(A[r][p], B[p][x], ·) for p = 0, 1, …, k−1 starting from C,
 * whatever m, n or the tile: the same bytes for any split of the work. */
void mix_gemm_avx2(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                   float *c, int ldc);

/* C = A·B: the same values as zeroing C first, without reading or zeroing it. */
void mix_gemm_avx2_fresh(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                         float *c, int ldc);

/* The same with B given by rows: row p of B starts at b[p] (n floats). The
 * tiles of mix_blocks.c point these into padded input rows: no im2col copy. */
void mix_gemm_avx2_rows(int m, int n, int k, const float *a, int lda, const float *const *b,
                        float *c, int ldc);

/* Two output rows of n columns at once (C rows at c_first and c_second, B row
 * tables b_first and b_second): the same values as two mix_gemm_avx2_rows
 * calls, with the tails of n past a multiple of 16 (up to 8) paired into one
 * block of 16 lanes. */
void mix_gemm_avx2_rows2(int m, int n, int k, const float *a, int lda,
                         const float *const *b_first, const float *const *b_second,
                         float *c_first, float *c_second, int ldc);

#endif
