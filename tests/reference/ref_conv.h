/* A slow, obviously-correct convolution the fast core is compared against. */
#ifndef CONVTOOL_REF_CONV_H
#define CONVTOOL_REF_CONV_H

#include "convtool/convtool.h"

/*
 * The SPEC formula, one output value at a time, summed in double:
 *   out[c][y][x] = bias + Σ_{i,j} K[i][j] · P[c][y·sy + i·dy][x·sx + j·dx]
 * where P is read through ref_padded_value(). Allocates *out.
 */
convtool_status ref_conv2d(const convtool_tensor *in, const convtool_kernel *k,
                           const convtool_geometry *g, float bias, convtool_tensor *out);

/* The value of the padded input at padded coordinates (py, px). */
double ref_padded_value(const convtool_tensor *in, int c, int py, int px,
                        const convtool_geometry *g);

#endif
