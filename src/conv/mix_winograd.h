/*
 * Channel mixing by Winograd's minimal filtering F(4×4, 3×3) (mix_winograd.c)
 * for 3×3 kernels at stride 1 without dilation: 36 products per 4×4 outputs
 * and channel pair instead of 144, as 36 GEMMs (mix_gemm.h) per tile band.
 */
#ifndef CONVTOOL_MIX_WINOGRAD_H
#define CONVTOOL_MIX_WINOGRAD_H

#include "conv/mix_problem.h"

/*
 * When Winograd runs. AUTO: CONVTOOL_WINOGRAD=0 (never) or 1 (always) if set,
 * else by the rule of mix_winograd_suits. ALWAYS: every layer whose geometry
 * allows it (for the tests), still not on inputs it cannot take exactly.
 */
enum mix_winograd_choice { MIX_WINOGRAD_AUTO, MIX_WINOGRAD_NEVER, MIX_WINOGRAD_ALWAYS };

/* Process-wide, for the tests. */
void mix_winograd_prefer(enum mix_winograd_choice choice);

/*
 * Whether p runs by Winograd: a 3×3 kernel, stride 1, dilation 1, the
 * preference, and every weight and bias finite and below WINO_VALUE_LIMIT (1e13) in magnitude
 * (the input is checked by mix_winograd_run as it goes). AUTO also wants at
 * least 32 input and 16 output channels per group and an output plane of at
 * least 28×28: measured one item at a time on this AVX2 machine
 * (bench/RESULTS.md), Winograd took 0.64–0.95× the direct path's time at
 * 32–64 channels on 28×28–56×56 planes, but 1.1–1.5× with 16 or fewer input
 * channels or on a 14×14 plane, and tied at 128 channels on 28×28.
 */
#define MIX_WINOGRAD_MIN_IN_CHANNELS 32
#define MIX_WINOGRAD_MIN_OUT_CHANNELS 16
#define MIX_WINOGRAD_MIN_OUTPUTS (28 * 28)
int mix_winograd_suits(const struct mix_problem *p);

/*
 * Computes the whole of p->out; one pool task per (group, band of 4×4 tiles).
 * The bands depend on the geometry only: the same bytes on any pool. Sets
 * *spread (and leaves p->out unfinished) when an input value is NaN, infinite
 * or WINO_VALUE_LIMIT or more in magnitude: the transforms mix a tile's 36 values, so a
 * NaN would reach outputs direct convolution keeps finite; the caller then
 * runs the direct path, which puts NaN and infinity where torch does.
 */
convtool_status mix_winograd_run(const struct mix_problem *p, convtool_pool *pool, int *spread);

#endif
