/*
 * Reference convolution. Written for obviousness, not speed: padding is
 * resolved per sample by walking the mirror/wrap rules step by step, exactly
 * as the mode names describe them, and sums are kept in double.
 */
#include "ref_conv.h"

/* Brings i into [0, n) by the mode's rule, one reflection at a time. */
static int ref_axis(int i, int n, convtool_pad_mode mode, int *is_zero)
{
    *is_zero = 0;
    while (i < 0 || i >= n) {
        switch (mode) {
        case CONVTOOL_PAD_ZEROS:
            *is_zero = 1;
            return 0;
        case CONVTOOL_PAD_REPLICATE:
            i = i < 0 ? 0 : n - 1;
            break;
        case CONVTOOL_PAD_REFLECT: /* mirror about the edge sample: dcb|abcd */
            if (n == 1)
                i = 0;
            else
                i = i < 0 ? -i : (n - 1) - (i - (n - 1));
            break;
        case CONVTOOL_PAD_SYMMETRIC: /* mirror about the edge itself: cba|abcd */
            i = i < 0 ? -1 - i : (n - 1) - (i - n);
            break;
        case CONVTOOL_PAD_CIRCULAR:
            i = i < 0 ? i + n : i - n;
            break;
        }
    }
    return i;
}

double ref_padded_value(const convtool_tensor *in, int c, int py, int px,
                        const convtool_geometry *g)
{
    int zero_y, zero_x;
    int y = ref_axis(py - g->pad_top, in->h, g->mode, &zero_y);
    int x = ref_axis(px - g->pad_left, in->w, g->mode, &zero_x);
    if (zero_y || zero_x)
        return 0.0;
    return in->data[((size_t)c * in->h + y) * in->w + x];
}

convtool_status ref_conv2d(const convtool_tensor *in, const convtool_kernel *k,
                           const convtool_geometry *g, float bias, convtool_tensor *out)
{
    convtool_status st = convtool_tensor_alloc(out, in->c, g->out_h, g->out_w);
    if (st != CONVTOOL_OK)
        return st;
    for (int c = 0; c < in->c; c++)
        for (int y = 0; y < g->out_h; y++)
            for (int x = 0; x < g->out_w; x++) {
                double sum = 0.0;
                for (int i = 0; i < k->h; i++)
                    for (int j = 0; j < k->w; j++)
                        sum += (double)k->values[i * k->w + j] *
                               ref_padded_value(in, c, y * g->stride_y + i * g->dilation_y,
                                                x * g->stride_x + j * g->dilation_x, g);
                out->data[((size_t)c * g->out_h + y) * g->out_w + x] = (float)(bias + sum);
            }
    return CONVTOOL_OK;
}

/* One output value of a mixing convolution, straight from the formula. */
static double ref_mix_value(const convtool_tensor *in, const convtool_weight *wt, int groups,
                            int o, int y, int x, const convtool_geometry *g)
{
    int o_per_group = wt->o / groups;
    int first_channel = (o / o_per_group) * wt->c_per_group;
    double sum = 0.0;
    for (int c = 0; c < wt->c_per_group; c++)
        for (int i = 0; i < wt->h; i++)
            for (int j = 0; j < wt->w; j++) {
                double w = wt->values[(((size_t)o * wt->c_per_group + c) * wt->h + i) * wt->w + j];
                sum += w * ref_padded_value(in, first_channel + c, y * g->stride_y + i * g->dilation_y,
                                            x * g->stride_x + j * g->dilation_x, g);
            }
    return sum;
}

convtool_status ref_conv2d_mix(const convtool_tensor *in, const convtool_weight *wt, int groups,
                               const float *bias, const convtool_geometry *g,
                               convtool_tensor *out)
{
    if (groups < 1 || in->c % groups != 0 || wt->o % groups != 0 ||
        in->c / groups != wt->c_per_group)
        return CONVTOOL_EINVAL;
    convtool_status st = convtool_tensor_alloc(out, wt->o, g->out_h, g->out_w);
    if (st != CONVTOOL_OK)
        return st;
    for (int o = 0; o < wt->o; o++)
        for (int y = 0; y < g->out_h; y++)
            for (int x = 0; x < g->out_w; x++) {
                double sum = ref_mix_value(in, wt, groups, o, y, x, g);
                out->data[((size_t)o * g->out_h + y) * g->out_w + x] =
                    (float)((bias ? (double)bias[o] : 0.0) + sum);
            }
    return CONVTOOL_OK;
}

convtool_status ref_conv2d_mix_batch(const convtool_tensor *items, int count,
                                     const convtool_weight *wt, int groups, const float *bias,
                                     const convtool_geometry *g, convtool_tensor *outs)
{
    for (int n = 0; n < count; n++) {
        convtool_status st = ref_conv2d_mix(&items[n], wt, groups, bias, g, &outs[n]);
        if (st != CONVTOOL_OK) {
            while (n-- > 0)
                convtool_tensor_free(&outs[n]);
            return st;
        }
    }
    return CONVTOOL_OK;
}
