/* convtool_conv2d: the float32 C×H×W tensor entry point of the core. */
#include <string.h>

#include "core.h"

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

convtool_status convtool_conv2d(const convtool_tensor *in, const convtool_kernel *k,
                                const convtool_geometry *g, float bias, convtool_pool *pool,
                                convtool_tensor *out)
{
    memset(out, 0, sizeof *out);
    if (!geometry_matches(in, k, g))
        return CONVTOOL_EINVAL;
    struct conv_plan plan;
    convtool_status st = conv_plan_init(&plan, k, g, bias, 0);
    if (st == CONVTOOL_OK)
        st = convtool_tensor_alloc(out, in->c, g->out_h, g->out_w);
    if (st == CONVTOOL_OK) {
        struct conv_source src = {.c = in->c, .h = in->h, .w = in->w,
                                  .read_row = read_planar_row, .data = in->data};
        struct conv_sink sink = {.row_ptr = planar_row_ptr, .data = out};
        st = core_run(&plan, &src, &sink, pool, NULL);
    }
    if (st != CONVTOOL_OK)
        convtool_tensor_free(out);
    conv_plan_free(&plan);
    return st;
}
