/*
 * C += A·B for the GEMM path. With OpenBLAS, sgemm runs on the calling thread
 * (OpenBLAS set to 1 thread once): convtool's pool splits the work itself, so
 * every block is computed by the same sequence of operations whatever thread
 * runs it, and results do not depend on the thread count. Every product is
 * formed (no zero skipping), so 0·NaN is NaN as in PyTorch.
 */
#include "conv/mix_gemm.h"

#if defined(CONVTOOL_WITH_BLAS)
#include <cblas.h>
#include <pthread.h>

/* Declared by OpenBLAS's cblas.h; other cblas.h files may lack it. */
void openblas_set_num_threads(int num_threads);

static pthread_once_t one_thread_once = PTHREAD_ONCE_INIT;

static void set_one_thread(void)
{
    openblas_set_num_threads(1);
}

void mix_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
              int ldc)
{
    pthread_once(&one_thread_once, set_one_thread);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb, 1.0f,
                c, ldc);
}

const char *mix_gemm_backend(void)
{
    return "OpenBLAS";
}

#else

/* Four rows of C at a time: each B row is read once per four, the inner loop vectorizes. */
static void gemm_rows4(int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                       int ldc)
{
    float *c0 = c, *c1 = c + ldc, *c2 = c + 2 * (size_t)ldc, *c3 = c + 3 * (size_t)ldc;
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb;
        float a0 = a[p], a1 = a[lda + p], a2 = a[2 * (size_t)lda + p], a3 = a[3 * (size_t)lda + p];
        for (int x = 0; x < n; x++) {
            float v = bp[x];
            c0[x] += a0 * v;
            c1[x] += a1 * v;
            c2[x] += a2 * v;
            c3[x] += a3 * v;
        }
    }
}

static void gemm_row(int n, int k, const float *a, const float *b, int ldb, float *c)
{
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb;
        float ap = a[p];
        for (int x = 0; x < n; x++)
            c[x] += ap * bp[x];
    }
}

void mix_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
              int ldc)
{
    int r = 0;
    for (; r + 4 <= m; r += 4)
        gemm_rows4(n, k, a + (size_t)r * lda, lda, b, ldb, c + (size_t)r * ldc, ldc);
    for (; r < m; r++)
        gemm_row(n, k, a + (size_t)r * lda, b, ldb, c + (size_t)r * ldc);
}

const char *mix_gemm_backend(void)
{
    return "portable";
}

#endif
