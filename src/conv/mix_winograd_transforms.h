/*
 * The three transforms of Winograd F(2×2, 3×3) (Lavin & Gray, 2015), in
 * mix_winograd_transforms.c: U = G·g·Gᵀ for the weights, V = Bᵀ·d·B for 4×4
 * input tiles, Y = Aᵀ·M·A back to 2×2 outputs. Position p (0..15) of a
 * transformed tile is row p / 4, column p % 4.
 */
#ifndef CONVTOOL_MIX_WINOGRAD_TRANSFORMS_H
#define CONVTOOL_MIX_WINOGRAD_TRANSFORMS_H

#include <stddef.h>

#define WINO_POSITIONS 16

/* U of (o, c) for o in [o_begin, o_end) of an O × c_per_group × 3 × 3 weight:
 * u[(p·o_count + o)·c_count + c]. */
void wino_weights(const float *w, int o_begin, int o_end, int o_count, int c_count, float *u);

/* Input values at or above this magnitude (or not finite) make wino_input_row say so:
 * the transforms would spread a NaN or an infinity over tiles direct convolution keeps
 * finite, and sums of huge values could overflow where direct convolution does not. */
#define WINO_VALUE_LIMIT 1e16f

/*
 * V of a row of tiles of one channel: tile t's 4×4 window starts at column 2t
 * of the 4 rows at `rows` (row pitch `pitch`); V's position p of tile t goes
 * to v[p·v_stride + t]. Returns 0 when a value of the windows may be NaN,
 * infinite or about WINO_VALUE_LIMIT or more in magnitude (checked on Bᵀ·d,
 * whose values bound d's, as Bᵀ is invertible), else 1.
 */
int wino_input_row(const float *rows, size_t pitch, int tiles, float *v, size_t v_stride);

/*
 * Y of a row of tiles of one output channel: M's position p of tile t is at
 * m[p·m_stride + t]; bias added; the 2×2 outputs of tile t go to columns 2t,
 * 2t + 1 of out (rows out and out + ldo), `width` columns and `height` rows (1
 * or 2) kept.
 */
void wino_output_row(const float *m, size_t m_stride, int tiles, float bias, float *out,
                     size_t ldo, int width, int height);

#endif
