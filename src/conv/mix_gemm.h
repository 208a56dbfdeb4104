/*
 * The matrix product behind channel mixing (mix_gemm.c): OpenBLAS when the
 * build has it (CONVTOOL_WITH_BLAS), else portable loops.
 */
#ifndef CONVTOOL_MIX_GEMM_H
#define CONVTOOL_MIX_GEMM_H

/* C[m×n] += A[m×k] · B[k×n], row-major with leading dimensions lda, ldb, ldc.
 * Single-threaded: the same operations for the same shapes on any thread. */
void mix_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
              int ldc);

/* C[m×n] = A[m×k] · B[k×n]: the same values as zeroing C and mix_gemm (but for the sign of
 * a zero with OpenBLAS), without reading C. */
void mix_gemm_fresh(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                    float *c, int ldc);

/*
 * Which GEMM runs. AUTO: CONVTOOL_GEMM=openblas|avx2|portable if set; else
 * the AVX2 kernel when the active SIMD level is AVX2 (fastest measured here,
 * bench/RESULTS.md); else OpenBLAS when it loads (first on AVX-512 machines);
 * else the AVX2 kernel if the level allows; else portable loops. A preference
 * the machine cannot honour falls back in that order.
 */
enum mix_gemm_choice { MIX_GEMM_AUTO, MIX_GEMM_OPENBLAS, MIX_GEMM_AVX2, MIX_GEMM_PORTABLE };

/* Process-wide, for the tests that run every backend. */
void mix_gemm_prefer(enum mix_gemm_choice choice);

/* Whether mix_gemm_rows can run (the AVX2 kernel is the backend). */
int mix_gemm_takes_rows(void);

/* C += A · B with row p of B at b[p] (n floats): no B matrix needed. */
void mix_gemm_rows(int m, int n, int k, const float *a, int lda, const float *const *b, float *c,
                   int ldc);

/* Two output rows at once, B row tables b_first and b_second, C rows at
 * c_first and c_second: the same values as two mix_gemm_rows calls. */
void mix_gemm_rows2(int m, int n, int k, const float *a, int lda, const float *const *b_first,
                    const float *const *b_second, float *c_first, float *c_second, int ldc);

/* "OpenBLAS", "AVX2" or "portable": what runs now. */
const char *mix_gemm_backend(void);

#endif
