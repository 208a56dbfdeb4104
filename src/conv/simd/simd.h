/* Run-time choice of the instruction set for the convolution loops. */
#ifndef CONVTOOL_SIMD_H
#define CONVTOOL_SIMD_H

#include "conv/simd/finite_scan.h"
#include "conv/simd/rowconv.h"

/* The row kernel and the NaN/infinity scan for the active level (the best the
 * CPU has, unless forced). */
rowconv_fn simd_rowconv(void);
finite_scan_fn simd_finite_scan(void);

#endif
