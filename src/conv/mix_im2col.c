/*
 * im2col for the GEMM path. Each row of B is one (channel, tap) pair over a
 * band of output rows. Inside the image the samples a row of B reads are an
 * arithmetic run (a memcpy at stride 1); only the border outputs go through
 * the padding mode, via a table made once per call.
 */
#include <stdlib.h>
#include <string.h>

#include "conv/mix_im2col.h"
#include "conv/pad.h"

convtool_status mix_columns_init(struct mix_columns *cols, const convtool_geometry *g, int in_w)
{
    size_t n = (size_t)g->k_w * (size_t)g->out_w;
    cols->src = malloc(n * sizeof(int));
    cols->inner_lo = malloc((size_t)g->k_w * sizeof(int));
    cols->inner_hi = malloc((size_t)g->k_w * sizeof(int));
    if (!cols->src || !cols->inner_lo || !cols->inner_hi) {
        mix_columns_free(cols);
        return CONVTOOL_ENOMEM;
    }
    for (int j = 0; j < g->k_w; j++) {
        int lo = g->out_w, hi = 0;
        for (int x = 0; x < g->out_w; x++) {
            int at = x * g->stride_x + j * g->dilation_x - g->pad_left;
            cols->src[(size_t)j * g->out_w + x] = pad_source_index(at, in_w, g->mode);
            if (at >= 0 && at < in_w) {
                lo = x < lo ? x : lo;
                hi = x + 1;
            }
        }
        cols->inner_lo[j] = lo < hi ? lo : 0;
        cols->inner_hi[j] = lo < hi ? hi : 0;
    }
    return CONVTOOL_OK;
}

void mix_columns_free(struct mix_columns *cols)
{
    free(cols->src);
    free(cols->inner_lo);
    free(cols->inner_hi);
    memset(cols, 0, sizeof *cols);
}

/* One output row's worth of tap column j from source row `row` (NULL: a zero row). */
static void fill_row(const struct mix_problem *p, const struct mix_columns *cols, int j,
                     const float *row, float *dst)
{
    const convtool_geometry *g = p->g;
    int out_w = g->out_w;
    if (!row) {
        memset(dst, 0, (size_t)out_w * sizeof(float));
        return;
    }
    const int *src = cols->src + (size_t)j * out_w;
    int lo = cols->inner_lo[j], hi = cols->inner_hi[j];
    for (int x = 0; x < lo; x++)
        dst[x] = src[x] < 0 ? 0.0f : row[src[x]];
    if (hi > lo) {
        const float *first = row + src[lo];
        if (g->stride_x == 1) {
            memcpy(dst + lo, first, (size_t)(hi - lo) * sizeof(float));
        } else {
            for (int x = lo; x < hi; x++)
                dst[x] = first[(size_t)(x - lo) * g->stride_x];
        }
    }
    for (int x = hi; x < out_w; x++)
        dst[x] = src[x] < 0 ? 0.0f : row[src[x]];
}

void mix_im2col(const struct mix_problem *p, const struct mix_columns *cols, int c0, int y0,
                int y1, float *b)
{
    const convtool_geometry *g = p->g;
    const convtool_tensor *in = p->in;
    size_t band = (size_t)(y1 - y0) * (size_t)g->out_w;
    for (int c = 0; c < p->wt->c_per_group; c++) {
        const float *plane = in->data + (size_t)(c0 + c) * in->h * in->w;
        for (int i = 0; i < g->k_h; i++)
            for (int j = 0; j < g->k_w; j++) {
                float *dst = b;
                for (int y = y0; y < y1; y++, dst += g->out_w) {
                    int r = pad_source_index(y * g->stride_y + i * g->dilation_y - g->pad_top,
                                             in->h, g->mode);
                    fill_row(p, cols, j, r < 0 ? NULL : plane + (size_t)r * in->w, dst);
                }
                b += band;
            }
    }
}
