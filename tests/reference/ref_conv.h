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

/*
 * F.conv2d with channel mixing, groups and a bias vector, one output value at
 * a time in double:
 *   out[o][y][x] = bias[o] + Σ_{c < C/groups} Σ_{i,j} W[o][c][i][j] ·
 *                  P[(o / (O/groups))·(C/groups) + c][y·sy + i·dy][x·sx + j·dx]
 * bias may be NULL (zeros). Allocates *out (O×out_h×out_w).
 */
convtool_status ref_conv2d_mix(const convtool_tensor *in, const convtool_weight *wt, int groups,
                               const float *bias, const convtool_geometry *g,
                               convtool_tensor *out);

/* A batch: items[n] → outs[n] for n < count, each as ref_conv2d_mix. */
convtool_status ref_conv2d_mix_batch(const convtool_tensor *items, int count,
                                     const convtool_weight *wt, int groups, const float *bias,
                                     const convtool_geometry *g, convtool_tensor *outs);

#endif
