/*
 * What the strip engine asks of the geometry before it runs (see
 * convtool.h): which input rows a run of output rows reads, and whether a
 * job can run strip by strip at all; and the sink its float strips fill
 * (strip.h).
 */
#include "conv/method_choice.h"
#include "conv/pad.h"
#include "conv/strip.h"
#include "convtool/convtool.h"

convtool_status convtool_conv2d_rows_needed(const convtool_geometry *g, int y0, int y1, int *lo,
                                            int *hi)
{
    *lo = *hi = 0;
    if (y0 < 0 || y0 >= y1 || y1 > g->out_h)
        return CONVTOOL_EINVAL;
    int first = -1, last = -1;
    for (int y = y0; y < y1; y++) {
        for (int i = 0; i < g->k_h; i++) {
            int r = pad_source_index(y * g->stride_y + i * g->dilation_y - g->pad_top, g->in_h,
                                     g->mode);
            if (r < 0)
                continue; /* zero padding reads nothing */
            first = first < 0 || r < first ? r : first;
            last = r > last ? r : last;
        }
    }
    if (first >= 0)
        *lo = first, *hi = last + 1;
    return CONVTOOL_OK;
}

int convtool_conv2d_rows_streamable(const convtool_kernel *k, const convtool_geometry *g,
                                    int channels, convtool_pool *pool)
{
    struct method_decision d;
    if (method_decide(k, g, channels, convtool_pool_threads(pool), &d) != CONVTOOL_OK)
        return 0;
    return d.choice.method != CONVTOOL_METHOD_FFT;
}

float *strip_sink_row(const struct conv_sink *s, int ch, int y)
{
    const struct strip_sink *strip = s->data;
    convtool_tensor *t = strip->t;
    return t->data + ((size_t)ch * t->h + (size_t)(y - strip->first)) * t->w;
}
