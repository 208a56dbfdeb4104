/*
 * im2col for the GEMM path. For each channel, the padded input rows a band
 * reads are built once (padding mode applied, as core.c does) and split into
 * stride phases (deinterleave.h); then every (tap, output row) piece of B is
 * one contiguous copy of out_w floats from a phase, whatever the stride,
 * dilation or mode. A 7×7 stride-2 layer copies each input row 49 times:
 * contiguous copies rather than strided gathers.
 */
#include <stdint.h>
#include <string.h>

#include "conv/deinterleave.h"
#include "conv/mix_im2col.h"
#include "conv/pad.h"

convtool_status mix_rows_init(struct mix_rows *rows, const convtool_geometry *g, int band_rows,
                              int band_cols)
{
    int64_t window = (int64_t)(band_cols - 1) * g->stride_x + (int64_t)(g->k_w - 1) * g->dilation_x + 1;
    int64_t span = (int64_t)(band_rows - 1) * g->stride_y + (int64_t)(g->k_h - 1) * g->dilation_y + 1;
    if (window > INT32_MAX / 2 || span > INT32_MAX / 2 ||
        (span + 1) * (window + g->stride_x) > (int64_t)(SIZE_MAX / 8))
        return CONVTOOL_EOVERFLOW;
    rows->window = (int)window;
    rows->phase_len = (int)((window + g->stride_x - 1) / g->stride_x);
    rows->row_floats = rows->phase_len * g->stride_x;
    rows->span = (int)span;
    return CONVTOOL_OK;
}

/* Padded columns [q0, end) of a source row (NULL: a padding row of zeros) into out. */
static void build_piece(const convtool_geometry *g, int w, const float *src, int q0, int end,
                        float *out)
{
    int left = g->pad_left;
    if (!src) {
        memset(out, 0, (size_t)(end - q0) * sizeof(float));
        return;
    }
    int a = q0 > left ? q0 : left; /* [a, b): inside the image */
    if (a > end)
        a = end;
    int b = end < left + w ? end : left + w;
    if (b < a)
        b = a;
    for (int q = q0; q < a; q++) {
        int sx = pad_source_index(q - left, w, g->mode);
        out[q - q0] = sx < 0 ? 0.0f : src[sx];
    }
    if (b > a)
        memcpy(out + (a - q0), src + (a - left), (size_t)(b - a) * sizeof(float));
    for (int q = b; q < end; q++) {
        int sx = pad_source_index(q - left, w, g->mode);
        out[q - q0] = sx < 0 ? 0.0f : src[sx];
    }
}

/* Where the tile's rows start in padded coordinates, and how many there are. */
static int first_row(const convtool_geometry *g, const struct mix_tile *t)
{
    return t->y0 * g->stride_y;
}

/* The padded rows of one channel that the tile reads, into `padded` (span rows). */
static void build_channel(const struct mix_problem *p, const struct mix_rows *rows, int ch,
                          const struct mix_tile *t, float *padded, float *line)
{
    const convtool_geometry *g = p->g;
    const convtool_tensor *in = p->in;
    const float *plane = in->data + (size_t)ch * in->h * in->w;
    int r0 = first_row(g, t);
    int r_end = (t->y1 - 1) * g->stride_y + (g->k_h - 1) * g->dilation_y + 1;
    int q0 = t->x0 * g->stride_x; /* a multiple of the stride: the phases line up */
    int q_end = q0 + (t->x1 - t->x0 - 1) * g->stride_x + (g->k_w - 1) * g->dilation_x + 1;
    for (int r = r0; r < r_end; r++) {
        int sy = pad_source_index(r - g->pad_top, in->h, g->mode);
        float *dst = padded + (size_t)(r - r0) * rows->row_floats;
        build_piece(g, in->w, sy < 0 ? NULL : plane + (size_t)sy * in->w, q0, q_end,
                    g->stride_x == 1 ? dst : line);
        if (g->stride_x > 1)
            deinterleave_row(line, q_end - q0, g->stride_x, rows->phase_len, dst);
    }
}

/* Where tap (i, j) of output row y starts in a channel's padded rows. */
static const float *tap_start(const struct mix_rows *rows, const convtool_geometry *g,
                              const float *padded, int r0, int y, int i, int j)
{
    int off = j * g->dilation_x, r = y * g->stride_y + i * g->dilation_y;
    return padded + (size_t)(r - r0) * rows->row_floats +
           (size_t)(off % g->stride_x) * rows->phase_len + off / g->stride_x;
}

void mix_im2col(const struct mix_problem *p, const struct mix_rows *rows, int c0,
                const struct mix_tile *t, float *padded, float *b)
{
    const convtool_geometry *g = p->g;
    size_t cols = (size_t)(t->x1 - t->x0), tile = (size_t)(t->y1 - t->y0) * cols;
    int r0 = first_row(g, t);
    /* Stride 1 builds rows in place; wider strides build a line (past the span) first. */
    float *line = padded + (size_t)rows->span * rows->row_floats;
    for (int c = 0; c < p->wt->c_per_group; c++) {
        build_channel(p, rows, c0 + c, t, padded, line);
        for (int i = 0; i < g->k_h; i++)
            for (int j = 0; j < g->k_w; j++) {
                float *dst = b;
                for (int y = t->y0; y < t->y1; y++, dst += cols)
                    memcpy(dst, tap_start(rows, g, padded, r0, y, i, j), cols * sizeof(float));
                b += tile;
            }
    }
}

void mix_padded_rows(const struct mix_problem *p, const struct mix_rows *rows, int c0,
                     const struct mix_tile *t, float *padded)
{
    size_t channel = (size_t)rows->span * rows->row_floats;
    float *line = padded + (size_t)p->wt->c_per_group * channel;
    for (int c = 0; c < p->wt->c_per_group; c++)
        build_channel(p, rows, c0 + c, t, padded + (size_t)c * channel, line);
}

void mix_row_pointers(const struct mix_problem *p, const struct mix_rows *rows,
                      const struct mix_tile *t, int y, const float *padded, const float **b)
{
    const convtool_geometry *g = p->g;
    size_t channel = (size_t)rows->span * rows->row_floats;
    int r0 = first_row(g, t);
    for (int c = 0; c < p->wt->c_per_group; c++)
        for (int i = 0; i < g->k_h; i++)
            for (int j = 0; j < g->k_w; j++)
                *b++ = tap_start(rows, g, padded + (size_t)c * channel, r0, y, i, j);
}
