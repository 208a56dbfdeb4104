/*
 * Whether a run of floats holds a NaN or an infinity (see conv_plan's nonzero
 * taps). Compiled once per instruction set beside rowconv (rowconv_impl.h)
 * and picked by simd_finite_scan(); every version gives the same answer.
 */
#ifndef CONVTOOL_FINITE_SCAN_H
#define CONVTOOL_FINITE_SCAN_H

/* 1 if every one of p[0 .. n) is finite. */
typedef int (*finite_scan_fn)(const float *p, int n);

int finite_scan_scalar(const float *p, int n);
int finite_scan_sse2(const float *p, int n);
int finite_scan_avx2(const float *p, int n);
int finite_scan_avx512(const float *p, int n);

#endif
