/*
 * im2col with the padding modes (mix_im2col.c): the columns a band of output
 * rows reads, laid out as the B operand of a GEMM.
 */
#ifndef CONVTOOL_MIX_IM2COL_H
#define CONVTOOL_MIX_IM2COL_H

#include "conv/mix_problem.h"

/* The sizes of one geometry's padded rows, as im2col stores them. */
struct mix_rows {
    int wp;         /* padded width: pad_left + in_w + pad_right */
    int phase_len;  /* ceil(wp / stride_x) */
    int row_floats; /* phase_len · stride_x: one padded row in stride phases */
    int span;       /* padded rows a band of band_rows output rows reads */
};

/* CONVTOOL_EOVERFLOW when a padded row or the rows of a band are too big. */
convtool_status mix_rows_init(struct mix_rows *rows, const convtool_geometry *g, int band_rows);

/*
 * Writes B for output rows [y0, y1) of the group whose first input channel is
 * c0: row (c·k_h + i)·k_w + j (c < c_per_group) holds, for each output (y, x)
 * of the band in order, P[c0 + c][y·sy + i·dy][x·sx + j·dx]. Row length and
 * stride: (y1 − y0)·out_w. `padded` is scratch of span·row_floats floats.
 */
void mix_im2col(const struct mix_problem *p, const struct mix_rows *rows, int c0, int y0, int y1,
                float *padded, float *b);

#endif
