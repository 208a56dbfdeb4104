/*
 * The three transforms of Winograd F(4×4, 3×3) (Lavin & Gray, 2015; the
 * interpolation points 0, ±1, ±2 and ∞ that oneDNN and cuDNN use), in
 * mix_winograd_transforms.c: U = G·g·Gᵀ for the weights, V = Bᵀ·d·B for 6×6
 * input tiles, Y = Aᵀ·M·A back to 4×4 outputs. Position p (0..35) of a
 * transformed tile is row p / 6, column p % 6.
 */
#ifndef CONVTOOL_MIX_WINOGRAD_TRANSFORMS_H
#define CONVTOOL_MIX_WINOGRAD_TRANSFORMS_H

#include <stddef.h>

#define WINO_TILE 4       /* outputs per tile side */
#define WINO_WINDOW 6     /* inputs per tile side: WINO_TILE + 3 − 1 */
#define WINO_POSITIONS 36 /* WINO_WINDOW² */

/* The row transforms compute tiles in whole groups of this many (a vector): V and M rows
 * need room for the tiles rounded up to a multiple of it, and the input rows for 4 times
 * that plus 2 columns. */
#define WINO_LANES 8

/* U of (o, c) for o in [o_begin, o_end) of an O × c_per_group × 3 × 3 weight,
 * computed in double and rounded once: u[(p·o_count + o)·c_count + c]. */
void wino_weights(const float *w, int o_begin, int o_end, int o_count, int c_count, float *u);

/*
 * Input values, weights and biases at or above this magnitude (or not finite)
 * keep a layer off Winograd. The transforms would spread a NaN or an infinity
 * over tiles direct convolution keeps finite; and they scale: |V| ≤ 100·max|d|,
 * |U| ≤ max|g|, |Y| ≤ 361·|M|, so with every value below 1e13 the sums stay
 * below 3.61e30 per input channel: finite for up to 10⁷ channels.
 */
#define WINO_VALUE_LIMIT 1e13f

/*
 * V of a row of tiles of one channel: tile t's 6×6 window starts at column 4t
 * of the 6 rows at `rows` (row pitch `pitch`); V's position p of tile t goes
 * to v[p·v_stride + t]. Returns 0 when a value of the windows is NaN,
 * infinite or WINO_VALUE_LIMIT or more in magnitude, else 1. Reads and writes
 * past the tiles up to the next multiple of WINO_LANES (see there); the values
 * read there are not checked and reach only the V written there.
 */
int wino_input_row(const float *rows, size_t pitch, int tiles, float *v, size_t v_stride);

/*
 * Y of a row of tiles of one output channel: M's position p of tile t is at
 * m[p·m_stride + t]; bias added; the 4×4 outputs of tile t go to columns
 * 4t .. 4t + 3 of rows out, out + ldo, …; `width` columns and `height` rows
 * (1..4) kept. Reads M up to the next multiple of WINO_LANES tiles.
 */
void wino_output_row(const float *m, size_t m_stride, int tiles, float bias, float *out,
                     size_t ldo, int width, int height);

#endif
