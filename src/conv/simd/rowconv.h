/*
 * The innermost loop of every convolution path, compiled once per instruction
 * set (rowconv_*.c) and picked at run time (simd.c):
 *
 *   out[x] = bias + Σ_t w[t] · src[t][x]      for 0 ≤ x < n
 *
 * A direct 2-D kernel passes one source pointer per tap; the separable path
 * calls it once down the columns (taps = rows) and once along the row. The
 * taps are summed in index order for every x, so a value never depends on
 * where the row was cut between threads.
 */
#ifndef CONVTOOL_ROWCONV_H
#define CONVTOOL_ROWCONV_H

/* stream: out is a final output row, written once and not read again soon, so
 * non-temporal stores may be used (the caller issues the fence). */
typedef void (*rowconv_fn)(float *out, const float *const *src, const float *w, int ntaps,
                           int n, float bias, int stream);

void rowconv_scalar(float *out, const float *const *src, const float *w, int ntaps, int n,
                    float bias, int stream);
void rowconv_sse2(float *out, const float *const *src, const float *w, int ntaps, int n,
                  float bias, int stream);
void rowconv_avx2(float *out, const float *const *src, const float *w, int ntaps, int n,
                  float bias, int stream);
void rowconv_avx512(float *out, const float *const *src, const float *w, int ntaps, int n,
                    float bias, int stream);

#endif
