/*
 * The convolution core: depthwise cross-correlation over a padded copy of the
 * input, split into bands of output rows run by the thread pool. Every output
 * value is summed in the same tap order whatever thread computes it, so the
 * bytes do not depend on the thread count.
 */
#include <string.h>

#include "pad.h"

/* Rows per work item: small enough to balance 2–16 threads, big enough that
 * handing out items costs nothing next to the arithmetic. */
#define BAND_ROWS 8

struct conv_job {
    const convtool_tensor *padded;
    const convtool_kernel *k;
    const convtool_geometry *g;
    float bias;
    convtool_tensor *out;
    size_t bands;
};

/* dst[x] += w · src[x·stride] for one kernel tap over one output row. */
static void accumulate_tap(float *restrict dst, const float *restrict src, float w, int n,
                           int stride)
{
    if (stride == 1) {
        for (int x = 0; x < n; x++) /* the common case: vectorizes */
            dst[x] += w * src[x];
    } else {
        for (int x = 0; x < n; x++)
            dst[x] += w * src[(size_t)x * stride];
    }
}

static void correlate_row(const struct conv_job *job, int c, int y)
{
    const convtool_geometry *g = job->g;
    const convtool_tensor *p = job->padded;
    const float *plane = p->data + (size_t)c * p->h * p->w;
    float *dst = job->out->data + ((size_t)c * g->out_h + y) * g->out_w;

    memset(dst, 0, (size_t)g->out_w * sizeof *dst);
    for (int i = 0; i < g->k_h; i++) {
        const float *row = plane + ((size_t)y * g->stride_y + (size_t)i * g->dilation_y) * p->w;
        for (int j = 0; j < g->k_w; j++)
            accumulate_tap(dst, row + (size_t)j * g->dilation_x,
                           job->k->values[i * g->k_w + j], g->out_w, g->stride_x);
    }
    for (int x = 0; x < g->out_w; x++)
        dst[x] += job->bias;
}

static void conv_band(void *ctx, size_t item)
{
    const struct conv_job *job = ctx;
    int c = (int)(item / job->bands);
    int y0 = (int)(item % job->bands) * BAND_ROWS;
    int y1 = y0 + BAND_ROWS < job->g->out_h ? y0 + BAND_ROWS : job->g->out_h;
    for (int y = y0; y < y1; y++)
        correlate_row(job, c, y);
}

static int geometry_matches(const convtool_tensor *in, const convtool_kernel *k,
                            const convtool_geometry *g)
{
    return in->data && k->values && g->in_h == in->h && g->in_w == in->w && g->k_h == k->h &&
           g->k_w == k->w && g->out_h >= 1 && g->out_w >= 1;
}

convtool_status convtool_conv2d(const convtool_tensor *in, const convtool_kernel *k,
                                const convtool_geometry *g, float bias, convtool_pool *pool,
                                convtool_tensor *out)
{
    memset(out, 0, sizeof *out);
    if (!geometry_matches(in, k, g))
        return CONVTOOL_EINVAL;
    convtool_tensor padded;
    convtool_status st = pad_tensor(in, g, pool, &padded);
    if (st != CONVTOOL_OK)
        return st;
    st = convtool_tensor_alloc(out, in->c, g->out_h, g->out_w);
    if (st == CONVTOOL_OK) {
        size_t bands = ((size_t)g->out_h + BAND_ROWS - 1) / BAND_ROWS;
        struct conv_job job = {&padded, k, g, bias, out, bands};
        convtool_pool_run(pool, (size_t)in->c * bands, conv_band, &job);
    }
    convtool_tensor_free(&padded);
    return st;
}
