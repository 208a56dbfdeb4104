/* Run-time choice of the instruction set for the convolution loops. */
#ifndef CONVTOOL_SIMD_H
#define CONVTOOL_SIMD_H

#include "rowconv.h"

/* The row kernel for the active level (the best the CPU has, unless forced). */
rowconv_fn simd_rowconv(void);

#endif
