/*
 * The channel-mixing entry points (PyTorch's F.conv2d with groups and a bias
 * vector): weight allocation, the checks, and the choice of worker.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conv/mix_blocks.h"
#include "conv/mix_depthwise.h"
#include "conv/mix_winograd.h"

convtool_status convtool_weight_alloc(convtool_weight *wt, int o, int c_per_group, int h, int w)
{
    memset(wt, 0, sizeof *wt);
    if (o <= 0 || c_per_group <= 0 || h <= 0 || w <= 0)
        return CONVTOOL_EINVAL;
    size_t count, bytes;
    if (convtool_mul_size((size_t)o, (size_t)c_per_group, (size_t)h, (size_t)w, &count) !=
            CONVTOOL_OK ||
        convtool_mul_size(count, sizeof(float), 1, 1, &bytes) != CONVTOOL_OK)
        return CONVTOOL_EOVERFLOW;
    wt->values = malloc(bytes);
    if (!wt->values)
        return CONVTOOL_ENOMEM;
    wt->o = o;
    wt->c_per_group = c_per_group;
    wt->h = h;
    wt->w = w;
    return CONVTOOL_OK;
}

void convtool_weight_free(convtool_weight *wt)
{
    if (!wt)
        return;
    free(wt->values);
    memset(wt, 0, sizeof *wt);
}

/* torch's rules: groups divides C and O, and C / groups is the weight's second size. */
static int shapes_match(const convtool_tensor *in, const convtool_weight *wt, int groups,
                        const convtool_geometry *g)
{
    if (!in->data || !wt->values || in->c < 1 || wt->o < 1 || wt->c_per_group < 1 || groups < 1)
        return 0;
    if (in->c % groups != 0 || wt->o % groups != 0 || in->c / groups != wt->c_per_group)
        return 0;
    return g->in_h == in->h && g->in_w == in->w && g->k_h == wt->h && g->k_w == wt->w &&
           g->out_h >= 1 && g->out_w >= 1 && g->stride_x >= 1 && g->stride_y >= 1 &&
           g->dilation_x >= 1 && g->dilation_y >= 1;
}

static int tensors_overlap(const convtool_tensor *a, const convtool_tensor *b)
{
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    return a0 < b0 + convtool_tensor_count(b) * sizeof(float) &&
           b0 < a0 + convtool_tensor_count(a) * sizeof(float);
}

static convtool_status run(const convtool_tensor *in, const convtool_weight *wt, int groups,
                           const float *bias, const convtool_geometry *g, convtool_pool *pool,
                           convtool_tensor *out)
{
    struct mix_problem p = {.in = in, .wt = wt, .bias = bias, .g = g, .out = out,
                            .groups = groups, .o_per_group = wt->o / groups};
    /* Depthwise has no sum over channels: the banded core beats a GEMM of K = k_h·k_w. */
    if (wt->c_per_group == 1)
        return mix_depthwise_run(&p, pool);
    /* 3×3 at stride 1 with enough channels: Winograd does 36 products per 4×4 outputs
     * instead of 144 (mix_winograd.h has the rule). */
    if (mix_winograd_suits(&p)) {
        int spread = 0;
        convtool_status st = mix_winograd_run(&p, pool, &spread);
        if (st != CONVTOOL_OK || !spread)
            return st;
        /* NaN, infinity or huge values in the input: direct keeps torch's NaN positions */
    }
    return mix_blocks_run(&p, pool);
}

convtool_status convtool_conv2d_mix(const convtool_tensor *in, const convtool_weight *wt,
                                    int groups, const float *bias, const convtool_geometry *g,
                                    convtool_pool *pool, convtool_tensor *out)
{
    memset(out, 0, sizeof *out);
    if (!shapes_match(in, wt, groups, g))
        return CONVTOOL_EINVAL;
    convtool_status st = convtool_tensor_alloc(out, wt->o, g->out_h, g->out_w);
    if (st == CONVTOOL_OK)
        st = run(in, wt, groups, bias, g, pool, out);
    if (st != CONVTOOL_OK)
        convtool_tensor_free(out);
    return st;
}

convtool_status convtool_conv2d_mix_into(const convtool_tensor *in, const convtool_weight *wt,
                                         int groups, const float *bias,
                                         const convtool_geometry *g, convtool_pool *pool,
                                         convtool_tensor *out)
{
    if (!shapes_match(in, wt, groups, g) || !out->data || out->c != wt->o ||
        out->h != g->out_h || out->w != g->out_w)
        return CONVTOOL_EINVAL;
    if (tensors_overlap(in, out))
        return CONVTOOL_EINVAL; /* the input is read after outputs are written */
    return run(in, wt, groups, bias, g, pool, out);
}
