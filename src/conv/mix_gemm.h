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

/* "OpenBLAS" or "portable", for benchmarks and reports. */
const char *mix_gemm_backend(void);

#endif
