/*
 * C += A·B for the GEMM path. With OpenBLAS, sgemm runs on the calling thread
 * (OpenBLAS set to 1 thread once): convtool's pool splits the work itself, so
 * every block is computed by the same sequence of operations whatever thread
 * runs it, and results do not depend on the thread count. Every product is
 * formed (no zero skipping), so 0·NaN is NaN as in PyTorch.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conv/mix_gemm.h"
#include "convtool/convtool.h"
#if defined(CONVTOOL_X86_64)
#include "conv/mix_gemm_avx2.h"
#endif

#define CBLAS_ROW_MAJOR 101
#define CBLAS_NO_TRANS 111

typedef void (*sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc);

#if defined(CONVTOOL_WITH_BLAS)
#include <dlfcn.h>

/*
 * OpenBLAS is opened on first use, not linked: loading it starts its thread
 * server (and hooks fork), which cost every convtool run about as much as a
 * small image's whole job, mixing or not. Only cblas_sgemm,
 * openblas_set_num_threads and (if present) blas_thread_shutdown_ are used; CBLAS's enums are ints (101 row-major,
 * 111 no transpose) in every CBLAS ABI.
 */
typedef void (*set_threads_fn)(int threads);
typedef int (*shutdown_fn)(void);

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static sgemm_fn blas_sgemm; /* NULL: not found, the portable loops run */

static void load_blas(void)
{
    static const char *const names[] = {"libopenblas.so.0", "libopenblas.so"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!lib)
            continue;
        sgemm_fn sgemm = (sgemm_fn)dlsym(lib, "cblas_sgemm");
        set_threads_fn set_threads = (set_threads_fn)dlsym(lib, "openblas_set_num_threads");
        shutdown_fn shutdown = (shutdown_fn)dlsym(lib, "blas_thread_shutdown_");
        if (sgemm && set_threads) {
            set_threads(1); /* convtool's pool splits the work (see the top of this file) */
            /* Its idle server threads would spin (sched_yield) for ~0.1 s after loading,
             * against the pool's threads; with one thread set they are never needed. */
            if (shutdown)
                shutdown();
            blas_sgemm = sgemm;
            return; /* kept open for the life of the process */
        }
        dlclose(lib);
    }
}

static sgemm_fn blas(void)
{
    pthread_once(&blas_once, load_blas);
    return blas_sgemm;
}
#else
static sgemm_fn blas(void)
{
    return NULL; /* built without OpenBLAS */
}
#endif


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

static void portable_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                          float *c, int ldc)
{
    int r = 0;
    for (; r + 4 <= m; r += 4)
        gemm_rows4(n, k, a + (size_t)r * lda, lda, b, ldb, c + (size_t)r * ldc, ldc);
    for (; r < m; r++)
        gemm_row(n, k, a + (size_t)r * lda, b, ldb, c + (size_t)r * ldc);
}

static atomic_int forced = MIX_GEMM_AUTO;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static enum mix_gemm_choice from_env = MIX_GEMM_AUTO;

void mix_gemm_prefer(enum mix_gemm_choice choice)
{
    atomic_store(&forced, choice);
}

static void read_env(void)
{
    const char *env = getenv("CONVTOOL_GEMM");
    if (!env)
        return;
    if (strcmp(env, "openblas") == 0)
        from_env = MIX_GEMM_OPENBLAS;
    else if (strcmp(env, "avx2") == 0)
        from_env = MIX_GEMM_AVX2;
    else if (strcmp(env, "portable") == 0)
        from_env = MIX_GEMM_PORTABLE;
}

/* What runs now: the preference, as far as the build, the library and the SIMD level allow. */
static enum mix_gemm_choice backend(void)
{
    enum mix_gemm_choice want = (enum mix_gemm_choice)atomic_load(&forced);
    if (want == MIX_GEMM_AUTO) {
        pthread_once(&env_once, read_env);
        want = from_env;
    }
#if defined(CONVTOOL_X86_64)
    int avx2 = convtool_simd_active() >= CONVTOOL_SIMD_AVX2;
#else
    int avx2 = 0;
#endif
    if (want == MIX_GEMM_PORTABLE)
        return MIX_GEMM_PORTABLE;
    if (want == MIX_GEMM_AVX2 && avx2)
        return MIX_GEMM_AVX2;
    /* By default the AVX2 kernel on an AVX2 machine: reading B in place it beat
     * OpenBLAS + im2col here (bench/RESULTS.md). With AVX-512 OpenBLAS has wider
     * kernels than ours, so it goes first there (not measured on this machine). */
    if (want == MIX_GEMM_AUTO && avx2 && convtool_simd_active() < CONVTOOL_SIMD_AVX512)
        return MIX_GEMM_AVX2;
    if (blas())
        return MIX_GEMM_OPENBLAS;
    return avx2 ? MIX_GEMM_AVX2 : MIX_GEMM_PORTABLE;
}

void mix_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
              int ldc)
{
    switch (backend()) {
    case MIX_GEMM_OPENBLAS:
        blas()(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, m, n, k, 1.0f, a, lda, b, ldb,
               1.0f, c, ldc);
        break;
#if defined(CONVTOOL_X86_64)
    case MIX_GEMM_AVX2:
        mix_gemm_avx2(m, n, k, a, lda, b, ldb, c, ldc);
        break;
#endif
    default:
        portable_gemm(m, n, k, a, lda, b, ldb, c, ldc);
    }
}

void mix_gemm_fresh(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                    float *c, int ldc)
{
    switch (backend()) {
    case MIX_GEMM_OPENBLAS:
        blas()(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, m, n, k, 1.0f, a, lda, b, ldb,
               0.0f, c, ldc);
        break;
#if defined(CONVTOOL_X86_64)
    case MIX_GEMM_AVX2:
        mix_gemm_avx2_fresh(m, n, k, a, lda, b, ldb, c, ldc);
        break;
#endif
    default:
        for (int r = 0; r < m; r++)
            memset(c + (size_t)r * ldc, 0, (size_t)n * sizeof(float));
        portable_gemm(m, n, k, a, lda, b, ldb, c, ldc);
    }
}

int mix_gemm_takes_rows(void)
{
    return backend() == MIX_GEMM_AVX2;
}

void mix_gemm_rows(int m, int n, int k, const float *a, int lda, const float *const *b, float *c,
                   int ldc)
{
#if defined(CONVTOOL_X86_64)
    mix_gemm_avx2_rows(m, n, k, a, lda, b, c, ldc);
#else
    (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b, (void)c, (void)ldc;
#endif
}

void mix_gemm_rows2(int m, int n, int k, const float *a, int lda, const float *const *b_first,
                    const float *const *b_second, float *c_first, float *c_second, int ldc)
{
#if defined(CONVTOOL_X86_64)
    mix_gemm_avx2_rows2(m, n, k, a, lda, b_first, b_second, c_first, c_second, ldc);
#else
    (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b_first, (void)b_second;
    (void)c_first, (void)c_second, (void)ldc;
#endif
}

const char *mix_gemm_backend(void)
{
    switch (backend()) {
    case MIX_GEMM_OPENBLAS:
        return "OpenBLAS";
    case MIX_GEMM_AVX2:
        return "AVX2";
    default:
        return "portable";
    }
}
