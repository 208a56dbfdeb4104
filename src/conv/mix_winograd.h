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
 * preference, and every weight and bias finite and below WINO_VALUE_LIMIT
 * (1e13) in magnitude (the input is checked by mix_winograd_run as it goes).
 * AUTO also wants at least 16 input and 16 output channels per group on an
 * output plane of at least 28×28, or 64 and 64 on at least 14×14, and
 * transformed weights small enough to be kept between calls
 * (WINO_KEPT_BYTES): measured one item at a time on this AVX2 machine
 * (bench/RESULTS.md), F(4×4, 3×3) took 0.57–0.97× the direct path's time
 * there (16→16 on 56×56 0.96, 64→64 on 28×28 0.57, 128 on 14×14 0.77), but
 * 1.1–1.8× with 8 or fewer channels in or out, 1.03× at 32 channels on
 * 14×14, and 12× at 512 channels on 7×7, whose 38 MB of transformed weights
 * were made again on every call.
 */
#define MIX_WINOGRAD_MIN_CHANNELS 16
#define MIX_WINOGRAD_MIN_OUTPUTS (28 * 28)
#define MIX_WINOGRAD_WIDE_CHANNELS 64
#define MIX_WINOGRAD_WIDE_MIN_OUTPUTS (14 * 14)
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
