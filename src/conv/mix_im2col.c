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

convtool_status mix_rows_init(struct mix_rows *rows, const convtool_geometry *g, int band_rows)
{
    int64_t wp = (int64_t)g->in_w + g->pad_left + g->pad_right;
    int64_t span = (int64_t)(band_rows - 1) * g->stride_y + (int64_t)(g->k_h - 1) * g->dilation_y + 1;
    if (wp > INT32_MAX / 2 || span > INT32_MAX || span * wp > (int64_t)(SIZE_MAX / 8))
        return CONVTOOL_EOVERFLOW;
    rows->wp = (int)wp;
    rows->phase_len = (int)((wp + g->stride_x - 1) / g->stride_x);
    rows->row_floats = rows->phase_len * g->stride_x;
    rows->span = (int)span;
    return CONVTOOL_OK;
}

/* Padded row r (padded coordinates) of one channel plane into dst, in stride phases. */
static void build_row(const struct mix_problem *p, const struct mix_rows *rows,
                      const float *plane, int r, float *line, float *dst)
{
    const convtool_geometry *g = p->g;
    int w = p->in->w, left = g->pad_left;
    int sy = pad_source_index(r - g->pad_top, p->in->h, g->mode);
    float *out = g->stride_x == 1 ? dst : line;
    if (sy < 0) {
        memset(out, 0, (size_t)rows->wp * sizeof(float));
    } else {
        const float *src = plane + (size_t)sy * w;
        memcpy(out + left, src, (size_t)w * sizeof(float));
        for (int x = 0; x < left; x++) {
            int sx = pad_source_index(x - left, w, g->mode);
            out[x] = sx < 0 ? 0.0f : src[sx];
        }
        for (int x = left + w; x < rows->wp; x++) {
            int sx = pad_source_index(x - left, w, g->mode);
            out[x] = sx < 0 ? 0.0f : src[sx];
        }
    }
    if (g->stride_x > 1)
        deinterleave_row(line, rows->wp, g->stride_x, rows->phase_len, dst);
}

void mix_im2col(const struct mix_problem *p, const struct mix_rows *rows, int c0, int y0, int y1,
                float *padded, float *b)
{
    const convtool_geometry *g = p->g;
    const convtool_tensor *in = p->in;
    size_t out_w = (size_t)g->out_w, band = (size_t)(y1 - y0) * out_w;
    int r0 = y0 * g->stride_y;
    int last = (y1 - 1) * g->stride_y + (g->k_h - 1) * g->dilation_y;
    /* The rows of a stride-1 band are built in place; wider strides need a line first:
     * it is the last row of the scratch, past the span's rows. */
    float *line = padded + (size_t)rows->span * rows->row_floats;
    for (int c = 0; c < p->wt->c_per_group; c++) {
        const float *plane = in->data + (size_t)(c0 + c) * in->h * in->w;
        for (int r = r0; r <= last; r++)
            build_row(p, rows, plane, r, line, padded + (size_t)(r - r0) * rows->row_floats);
        for (int i = 0; i < g->k_h; i++)
            for (int j = 0; j < g->k_w; j++) {
                int off = j * g->dilation_x;
                size_t phase = (size_t)(off % g->stride_x) * rows->phase_len + off / g->stride_x;
                float *dst = b;
                for (int y = y0; y < y1; y++, dst += out_w) {
                    int r = y * g->stride_y + i * g->dilation_y;
                    memcpy(dst, padded + (size_t)(r - r0) * rows->row_floats + phase,
                           out_w * sizeof(float));
                }
                b += band;
            }
    }
}
