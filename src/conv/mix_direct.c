/*
 * Channel mixing written for obviousness: each output value is the sum over
 * its group's channels and taps in a fixed order, in float, every tap
 * multiplied (a zero weight times NaN is NaN, as in PyTorch). Used where no
 * faster path applies.
 */
#include "conv/mix_direct.h"
#include "conv/pad.h"
#include "common/pool_internal.h"

static float tap_value(const struct mix_problem *p, int ch, int py, int px)
{
    const convtool_geometry *g = p->g;
    const convtool_tensor *in = p->in;
    int y = pad_source_index(py - g->pad_top, in->h, g->mode);
    int x = pad_source_index(px - g->pad_left, in->w, g->mode);
    if (y < 0 || x < 0)
        return 0.0f;
    return in->data[((size_t)ch * in->h + y) * in->w + x];
}

static float output_value(const struct mix_problem *p, int o, int y, int x)
{
    const convtool_geometry *g = p->g;
    const convtool_weight *wt = p->wt;
    const float *w = wt->values + (size_t)o * wt->c_per_group * wt->h * wt->w;
    float sum = 0.0f;
    for (int c = 0; c < wt->c_per_group; c++) {
        int ch = mix_input_channel(p, o, c);
        for (int i = 0; i < wt->h; i++)
            for (int j = 0; j < wt->w; j++)
                sum += *w++ * tap_value(p, ch, y * g->stride_y + i * g->dilation_y,
                                        x * g->stride_x + j * g->dilation_x);
    }
    return sum + (p->bias ? p->bias[o] : 0.0f);
}

static void run_channel(void *ctx, size_t o, int tid)
{
    (void)tid;
    const struct mix_problem *p = ctx;
    const convtool_geometry *g = p->g;
    float *dst = p->out->data + o * (size_t)g->out_h * (size_t)g->out_w;
    for (int y = 0; y < g->out_h; y++)
        for (int x = 0; x < g->out_w; x++)
            *dst++ = output_value(p, (int)o, y, x);
}

convtool_status mix_direct_run(const struct mix_problem *p, convtool_pool *pool)
{
    pool_run_tid(pool, (size_t)p->wt->o, run_channel, (void *)p);
    return CONVTOOL_OK;
}
