/*
 * convtool_conv2d: the float32 C×H×W tensor entry point of the core; and
 * convtool_conv2d_rows, its strip step (a window of input rows in, a strip of
 * output rows out), through the same core and plan.
 */
#include <stdint.h>
#include <string.h>

#include "conv/conv_run.h"
#include "conv/core.h"
#include "conv/strip.h"

static void read_planar_row(const struct conv_source *s, int ch, int r, float *dst)
{
    const float *data = s->data;
    memcpy(dst, data + ((size_t)ch * s->h + r) * s->w, (size_t)s->w * sizeof(float));
}

/* Output rows are computed straight into the result tensor. */
static float *planar_row_ptr(const struct conv_sink *s, int ch, int y)
{
    convtool_tensor *out = s->data;
    return out->data + ((size_t)ch * out->h + y) * out->w;
}

static int geometry_matches(const convtool_tensor *in, const convtool_kernel *k,
                            const convtool_geometry *g)
{
    return in->data && k->values && g->in_h == in->h && g->in_w == in->w && g->k_h == k->h &&
           g->k_w == k->w && g->out_h >= 1 && g->out_w >= 1 && g->stride_x >= 1 &&
           g->stride_y >= 1 && g->dilation_x >= 1 && g->dilation_y >= 1;
}

static int tensors_overlap(const convtool_tensor *a, const convtool_tensor *b)
{
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    return a0 < b0 + convtool_tensor_count(b) * sizeof(float) &&
           b0 < a0 + convtool_tensor_count(a) * sizeof(float);
}

/* Runs the core from `in` into `out`, whose shape the caller has checked. */
static convtool_status run_planar(const convtool_tensor *in, const convtool_kernel *k,
                                  const convtool_geometry *g, float bias, convtool_pool *pool,
                                  convtool_tensor *out)
{
    struct conv_source src = {.c = in->c, .h = in->h, .w = in->w,
                              .read_row = read_planar_row, .data = in->data};
    struct conv_sink sink = {.row_ptr = planar_row_ptr, .data = out};
    return conv_run(k, g, bias, 0, &src, &sink, pool, NULL);
}

convtool_status convtool_conv2d(const convtool_tensor *in, const convtool_kernel *k,
                                const convtool_geometry *g, float bias, convtool_pool *pool,
                                convtool_tensor *out)
{
    memset(out, 0, sizeof *out);
    if (!geometry_matches(in, k, g))
        return CONVTOOL_EINVAL;
    convtool_status st = convtool_tensor_alloc(out, in->c, g->out_h, g->out_w);
    if (st == CONVTOOL_OK)
        st = run_planar(in, k, g, bias, pool, out);
    if (st != CONVTOOL_OK)
        convtool_tensor_free(out);
    return st;
}

convtool_status convtool_conv2d_into(const convtool_tensor *in, const convtool_kernel *k,
                                     const convtool_geometry *g, float bias, convtool_pool *pool,
                                     convtool_tensor *out)
{
    if (!geometry_matches(in, k, g) || !out->data || out->c != in->c || out->h != g->out_h ||
        out->w != g->out_w)
        return CONVTOOL_EINVAL;
    if (tensors_overlap(in, out))
        return CONVTOOL_EINVAL; /* input rows are read after output rows are written */
    return run_planar(in, k, g, bias, pool, out);
}

/* A window of input rows: row r of the image is row r − first of the tensor. */
struct row_window {
    const convtool_tensor *t;
    int first;
};

static void read_window_row(const struct conv_source *s, int ch, int r, float *dst)
{
    const struct row_window *win = s->data;
    const convtool_tensor *t = win->t;
    memcpy(dst, t->data + ((size_t)ch * t->h + (size_t)(r - win->first)) * t->w,
           (size_t)t->w * sizeof(float));
}

convtool_status convtool_conv2d_rows(const convtool_tensor *window, int window_first,
                                     const convtool_kernel *k, const convtool_geometry *g,
                                     float bias, convtool_pool *pool, convtool_tensor *strip,
                                     int y0)
{
    int lo, hi;
    if (!window || !window->data || !strip || !strip->data || !k || !k->values || !g ||
        window->c != strip->c || window->w != g->in_w || strip->w != g->out_w || strip->h < 1 ||
        g->k_h != k->h || g->k_w != k->w || y0 < 0 || y0 > g->out_h - strip->h)
        return CONVTOOL_EINVAL;
    /* A window that misses a row the strip reads is the caller's bug: refused, never read past. */
    if (convtool_conv2d_rows_needed(g, y0, y0 + strip->h, &lo, &hi) != CONVTOOL_OK ||
        (hi > lo && (lo < window_first || hi > window_first + window->h)))
        return CONVTOOL_EINVAL;
    if (tensors_overlap(window, strip))
        return CONVTOOL_EINVAL;
    struct row_window win = {window, window_first};
    struct strip_sink out = {strip, y0};
    struct conv_source src = {.c = window->c, .h = g->in_h, .w = window->w,
                              .read_row = read_window_row, .data = &win};
    struct conv_sink sink = {.row_ptr = strip_sink_row, .data = &out};
    return conv_run_rows(k, g, bias, 0, &src, &sink, pool, y0, y0 + strip->h, NULL);
}
