/* The method dispatch behind convtool_conv2d and convtool_conv2d_pixels. */
#include "conv/conv_plan.h"
#include "conv/conv_run.h"
#include "conv/core.h"
#include "conv/fft_tiles.h"
#include "conv/method_choice.h"

/* y_end < 0: every row, by any method; otherwise rows [y_begin, y_end) by the core only. */
static convtool_status run(const convtool_kernel *k, const convtool_geometry *g, float bias,
                           int finite_input, const struct conv_source *src,
                           const struct conv_sink *sink, convtool_pool *pool, int y_begin,
                           int y_end, size_t *clipped)
{
    struct method_decision d;
    convtool_status st = method_decide(k, g, src->c, convtool_pool_threads(pool), &d);
    if (st != CONVTOOL_OK)
        return st;
    if (d.choice.method == CONVTOOL_METHOD_FFT && y_end >= 0)
        return CONVTOOL_EUNSUPPORTED; /* the FFT tiles run whole images (conv_run_rows) */
    if (d.choice.method == CONVTOOL_METHOD_FFT)
        return fft_run(&d.tiling, k, g, bias, finite_input, src, sink, pool, clipped);
    /* AUTO keeps the core's own direct/separable rule (method_choice.c agrees with it). */
    convtool_method method = g->method == CONVTOOL_METHOD_AUTO ? CONVTOOL_METHOD_AUTO
                                                               : d.choice.method;
    struct conv_plan plan;
    st = conv_plan_init_method(&plan, k, g, bias, finite_input, method);
    if (st == CONVTOOL_OK)
        st = y_end < 0 ? core_run(&plan, src, sink, pool, clipped)
                       : core_run_rows(&plan, src, sink, pool, y_begin, y_end, clipped);
    conv_plan_free(&plan);
    return st;
}

convtool_status conv_run(const convtool_kernel *k, const convtool_geometry *g, float bias,
                         int finite_input, const struct conv_source *src,
                         const struct conv_sink *sink, convtool_pool *pool, size_t *clipped)
{
    return run(k, g, bias, finite_input, src, sink, pool, 0, -1, clipped);
}

convtool_status conv_run_rows(const convtool_kernel *k, const convtool_geometry *g, float bias,
                              int finite_input, const struct conv_source *src,
                              const struct conv_sink *sink, convtool_pool *pool, int y_begin,
                              int y_end, size_t *clipped)
{
    return run(k, g, bias, finite_input, src, sink, pool, y_begin, y_end, clipped);
}
