/*
 * FFTW plans for the FFT path (fft_plan.c): one real-to-complex and one
 * complex-to-real plan per tile size, made once per process and shared by
 * every tile, image and thread.
 */
#ifndef CONVTOOL_FFT_PLAN_H
#define CONVTOOL_FFT_PLAN_H

#include <stddef.h>

/* A tile size's plans; the FFTW types stay inside fft_plan.c. */
struct fft_plan;

/*
 * The plans for n0×n1 real tiles, made on first use (under a lock: FFTW's
 * planner is not thread-safe) and kept until exit. NULL without FFTW or when
 * planning fails.
 */
const struct fft_plan *fft_plan_get(int n0, int n1);

/* Buffers with the alignment the plans were made for (fftwf_malloc). */
float *fft_alloc_real(size_t n);
float *fft_alloc_complex(size_t n); /* n complex values: 2n floats */
void fft_free(void *p);

/*
 * Forward transform of an n0×n1 real tile into n0×(n1/2+1) complex values,
 * and the unnormalized inverse. Both may destroy their input, and run the
 * cached plans on new arrays (thread-safe) from fft_alloc_*.
 */
void fft_forward(const struct fft_plan *p, float *real, float *spectrum);
void fft_inverse(const struct fft_plan *p, float *spectrum, float *real);

/* Whether this build has FFTW. */
int fft_available(void);

#endif
