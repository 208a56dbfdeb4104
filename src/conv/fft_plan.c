/*
 * The FFTW plan cache. Planning takes a global lock (FFTW's planner is not
 * thread-safe); execution uses the new-array functions, which are, so pool
 * threads share the plans. FFTW_ESTIMATE: on this machine FFTW_MEASURE spends
 * 0.15–1.4 s per size for at most 20 % faster transforms, which a CLI call
 * on one image never gets back (bench/RESULTS.md).
 */
#include <pthread.h>
#include <stdlib.h>

#include "conv/fft_plan.h"

#ifdef CONVTOOL_WITH_FFTW
#include <fftw3.h>

/* Kept until exit: a tile size's plans are a few kilobytes, and a process sees few sizes
 * (method_choice.c picks among 5-smooth sizes only). */
struct fft_plan {
    int n0, n1;
    fftwf_plan r2c, c2r;
    struct fft_plan *next;
};

static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fft_plan *plans;

static int make_plan(struct fft_plan *p, int n0, int n1)
{
    size_t real = (size_t)n0 * (size_t)n1, half = (size_t)n0 * (size_t)(n1 / 2 + 1);
    float *in = fftwf_malloc(real * sizeof(float));
    fftwf_complex *out = fftwf_malloc(half * sizeof(fftwf_complex));
    p->n0 = n0;
    p->n1 = n1;
    p->r2c = p->c2r = NULL;
    if (in && out) {
        /* Both may destroy their input: each is a scratch tile that is rewritten next. */
        p->r2c = fftwf_plan_dft_r2c_2d(n0, n1, in, out, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
        p->c2r = fftwf_plan_dft_c2r_2d(n0, n1, out, in, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
    }
    fftwf_free(in);
    fftwf_free(out);
    if (p->r2c && p->c2r)
        return 1;
    if (p->r2c)
        fftwf_destroy_plan(p->r2c);
    if (p->c2r)
        fftwf_destroy_plan(p->c2r);
    return 0;
}

const struct fft_plan *fft_plan_get(int n0, int n1)
{
    struct fft_plan *found = NULL;
    pthread_mutex_lock(&plan_lock);
    for (struct fft_plan *p = plans; p && !found; p = p->next)
        if (p->n0 == n0 && p->n1 == n1)
            found = p;
    if (!found) {
        found = malloc(sizeof *found);
        if (found && make_plan(found, n0, n1)) {
            found->next = plans;
            plans = found;
        } else {
            free(found);
            found = NULL;
        }
    }
    pthread_mutex_unlock(&plan_lock);
    return found;
}

float *fft_alloc_real(size_t n)
{
    return fftwf_malloc(n * sizeof(float));
}

float *fft_alloc_complex(size_t n)
{
    return fftwf_malloc(n * sizeof(fftwf_complex));
}

void fft_free(void *p)
{
    fftwf_free(p);
}

void fft_forward(const struct fft_plan *p, float *real, float *spectrum)
{
    fftwf_execute_dft_r2c(p->r2c, real, (fftwf_complex *)spectrum);
}

void fft_inverse(const struct fft_plan *p, float *spectrum, float *real)
{
    fftwf_execute_dft_c2r(p->c2r, (fftwf_complex *)spectrum, real);
}

int fft_available(void)
{
    return 1;
}

#else /* built without FFTW: the FFT path is never chosen */

const struct fft_plan *fft_plan_get(int n0, int n1)
{
    (void)n0;
    (void)n1;
    return NULL;
}

float *fft_alloc_real(size_t n)
{
    return malloc(n * sizeof(float));
}

float *fft_alloc_complex(size_t n)
{
    return malloc(2 * n * sizeof(float));
}

void fft_free(void *p)
{
    free(p);
}

void fft_forward(const struct fft_plan *p, float *real, float *spectrum)
{
    (void)p, (void)real, (void)spectrum;
}

void fft_inverse(const struct fft_plan *p, float *spectrum, float *real)
{
    (void)p, (void)real, (void)spectrum;
}

int fft_available(void)
{
    return 0;
}

#endif
