/*
 * im2col with the padding modes (mix_im2col.c): the columns a band of output
 * rows reads, laid out as the B operand of a GEMM.
 */
#ifndef CONVTOOL_MIX_IM2COL_H
#define CONVTOOL_MIX_IM2COL_H

#include "conv/mix_problem.h"

/* Where each tap column j reads for each output x: k_w × out_w source columns (−1 = zero). */
struct mix_columns {
    int *src;       /* src[j·out_w + x] */
    int *inner_lo;  /* per j: the first x whose source is src = x·sx + j·dx − pad_left */
    int *inner_hi;  /* per j: one past the last such x (inner_lo ≤ inner_hi) */
};

convtool_status mix_columns_init(struct mix_columns *cols, const convtool_geometry *g, int in_w);
void mix_columns_free(struct mix_columns *cols);

/*
 * Writes B for output rows [y0, y1) of the group whose first input channel is
 * c0: row (c·k_h + i)·k_w + j (c < c_per_group) holds, for each output (y, x)
 * of the band in order, P[c0 + c][y·sy + i·dy][x·sx + j·dx]. Row length and
 * stride: (y1 − y0)·out_w.
 */
void mix_im2col(const struct mix_problem *p, const struct mix_columns *cols, int c0, int y0,
                int y1, float *b);

#endif
