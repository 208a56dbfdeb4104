/*
 * im2col with the padding modes (mix_im2col.c): the columns a band of output
 * rows reads, laid out as the B operand of a GEMM.
 */
#ifndef CONVTOOL_MIX_IM2COL_H
#define CONVTOOL_MIX_IM2COL_H

#include "conv/mix_problem.h"

/* The sizes of the padded rows a tile of output reads, as im2col stores them. */
struct mix_rows {
    int window;     /* padded columns band_cols outputs read */
    int phase_len;  /* ceil(window / stride_x) */
    int row_floats; /* phase_len · stride_x: one padded row piece in stride phases */
    int span;       /* padded rows band_rows output rows read */
};

/* For tiles of at most band_rows × band_cols outputs. CONVTOOL_EOVERFLOW when
 * the padded rows of a tile are too big. */
convtool_status mix_rows_init(struct mix_rows *rows, const convtool_geometry *g, int band_rows,
                              int band_cols);

/* A tile of outputs: rows [y0, y1) × columns [x0, x1). */
struct mix_tile {
    int y0, y1, x0, x1;
};

/*
 * Writes B for a tile of the group whose first input channel is c0: row
 * (c·k_h + i)·k_w + j (c < c_per_group) holds, for each output (y, x) of the
 * tile in row-major order, P[c0 + c][y·sy + i·dy][x·sx + j·dx]. Row length
 * and stride: (y1 − y0)·(x1 − x0). `padded` is scratch of
 * (span + 1)·row_floats floats.
 */
void mix_im2col(const struct mix_problem *p, const struct mix_rows *rows, int c0,
                const struct mix_tile *t, float *padded, float *b);

/*
 * im2col without the copy: every channel's padded rows for the tile into
 * `padded` (c_per_group·span + 1 rows of row_floats), then, per output row y
 * of the tile, where each row of that row's B starts: b[(c·k_h + i)·k_w + j]
 * points at x1 − x0 floats inside `padded`.
 */
void mix_padded_rows(const struct mix_problem *p, const struct mix_rows *rows, int c0,
                     const struct mix_tile *t, float *padded);
void mix_row_pointers(const struct mix_problem *p, const struct mix_rows *rows,
                      const struct mix_tile *t, int y, const float *padded, const float **b);

#endif
