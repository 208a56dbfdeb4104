/*
 * The shape after each layer, as torch.nn computes it. Convolutions and pools
 * size their outputs with the library's convtool_output_size, the function
 * `apply` uses; pools add PyTorch's ceil_mode rule and its padding limit.
 */
#include <stdio.h>

#include "common/messages.h"
#include "shape/shape_layers.h"

/* floor() of a possibly negative quotient, as the formula means it. */
static long floor_div(long a, long b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* a * b, or -1 when it would not fit (both are >= 0). */
static int64_t mul_checked(int64_t a, int64_t b)
{
    if (a < 0 || b < 0 || (a != 0 && b > INT64_MAX / a))
        return -1;
    return a * b;
}

static int64_t add_checked(int64_t a, int64_t b)
{
    if (a < 0 || b < 0 || a > INT64_MAX - b)
        return -1;
    return a + b;
}

static int refuse(char *why, size_t size, const char *text)
{
    snprintf(why, size, "%s", text);
    return EXIT_USAGE;
}

static int need_spatial(const struct layer *l, const struct net_shape *in, char *why, size_t size)
{
    if (!in->flat)
        return EXIT_OK;
    snprintf(why, size,
             "%s needs a CxHxW input, but the input is already flat (%lld features, after "
             "flatten)",
             layer_kind_name(l->kind), (long long)in->features);
    return EXIT_USAGE;
}

/* Explains why one axis has no output: the formula with the numbers. */
static int axis_error(const char *axis, const char *rounding, int in, int k, int before, int after,
                      int stride, int dil, int extra, char *why, size_t size)
{
    long num = (long)in + before + after - (long)dil * (k - 1) - 1;
    long out = floor_div(num + extra, stride) + 1;
    snprintf(why, size,
             "the output would have %ld %s: %s((%d + %d + %d - %d*(%d-1) - 1) / %d) + 1 = %ld; it "
             "must be at least 1 (use more padding or a smaller kernel, stride or dilation)",
             out, axis, rounding, in, before, after, dil, k, stride, out);
    return EXIT_USAGE;
}

static int geometry_error(convtool_status st, const convtool_geometry *g, char *why, size_t size)
{
    if (st != CONVTOOL_EGEOMETRY)
        return refuse(why, size, convtool_strerror(st));
    int out;
    if (convtool_output_size(g->in_h, g->k_h, g->pad_top, g->pad_bottom, g->stride_y, g->dilation_y,
                             &out) != CONVTOOL_OK)
        return axis_error("rows", "floor", g->in_h, g->k_h, g->pad_top, g->pad_bottom, g->stride_y,
                          g->dilation_y, 0, why, size);
    return axis_error("columns", "floor", g->in_w, g->k_w, g->pad_left, g->pad_right, g->stride_x,
                      g->dilation_x, 0, why, size);
}

static int walk_conv(const struct layer *l, const struct net_shape *in, struct layer_step *s,
                     char *why, size_t size)
{
    if (in->c % l->groups != 0 || l->out_c % l->groups != 0) {
        snprintf(why, size,
                 "groups %d must divide the input channels (%d) and the output "
                 "channels (%d)",
                 l->groups, in->c, l->out_c);
        return EXIT_USAGE;
    }
    convtool_geometry_spec spec = {.stride_y = l->stride_y,
                                   .stride_x = l->stride_x,
                                   .dilation_y = l->dilation_y,
                                   .dilation_x = l->dilation_x,
                                   .padding = l->padding,
                                   .pad_y = l->pad_y,
                                   .pad_x = l->pad_x,
                                   .mode = CONVTOOL_PAD_ZEROS};
    convtool_status st = convtool_geometry_resolve(&spec, in->h, in->w, l->k_h, l->k_w, &s->g);
    if (st != CONVTOOL_OK)
        return geometry_error(st, &s->g, why, size);
    s->out = (struct net_shape){.c = l->out_c, .h = s->g.out_h, .w = s->g.out_w};
    int64_t weights =
        mul_checked(mul_checked(in->c / l->groups, l->out_c), mul_checked(l->k_h, l->k_w));
    s->params = add_checked(weights, l->bias ? l->out_c : 0);
    return s->params < 0 ? refuse(why, size, "the parameter count overflows") : EXIT_OK;
}

/*
 * One axis of a pool. ceil((n)/s) = floor((n + s - 1)/s), so ceil_mode is the
 * same formula with s - 1 more padding after; then PyTorch's rule: the last
 * window must start inside the input or the left padding, else it is dropped.
 */
static int pool_axis(const char *axis, int in, int k, int pad, int stride, int dil, int ceil_mode,
                     int *out, int *before_rule, char *why, size_t size)
{
    if (pad > k / 2) {
        snprintf(why, size,
                 "padding %d is more than half the kernel (%d) along the %s; PyTorch's pools "
                 "allow at most k/2",
                 pad, k, axis);
        return EXIT_USAGE;
    }
    int extra = ceil_mode ? stride - 1 : 0;
    if (convtool_output_size(in, k, pad, pad + extra, stride, dil, out) != CONVTOOL_OK)
        return axis_error(axis, ceil_mode ? "ceil" : "floor", in, k, pad, pad, stride, dil, extra,
                          why, size);
    *before_rule = *out;
    if (ceil_mode && (int64_t)(*out - 1) * stride >= (int64_t)in + pad)
        (*out)--;
    return EXIT_OK;
}

static int walk_pool(const struct layer *l, const struct net_shape *in, struct layer_step *s,
                     char *why, size_t size)
{
    s->g = (convtool_geometry){.in_h = in->h,
                               .in_w = in->w,
                               .k_h = l->k_h,
                               .k_w = l->k_w,
                               .stride_y = l->stride_y,
                               .stride_x = l->stride_x,
                               .dilation_y = l->dilation_y,
                               .dilation_x = l->dilation_x,
                               .pad_top = l->pad_y,
                               .pad_bottom = l->pad_y,
                               .pad_left = l->pad_x,
                               .pad_right = l->pad_x,
                               .mode = CONVTOOL_PAD_ZEROS};
    convtool_geometry *g = &s->g;
    int rc = pool_axis("rows", in->h, l->k_h, l->pad_y, l->stride_y, l->dilation_y, l->ceil_mode,
                       &g->out_h, &s->floor_h, why, size);
    if (rc == EXIT_OK)
        rc = pool_axis("columns", in->w, l->k_w, l->pad_x, l->stride_x, l->dilation_x, l->ceil_mode,
                       &g->out_w, &s->floor_w, why, size);
    s->out = (struct net_shape){.c = in->c, .h = g->out_h, .w = g->out_w};
    return rc;
}

static int walk_flatten(const struct net_shape *in, struct layer_step *s, char *why, size_t size)
{
    if (in->flat)
        return EXIT_OK; /* nn.Flatten of a flat tensor keeps it */
    int64_t n = mul_checked(in->c, mul_checked(in->h, in->w));
    if (n < 0)
        return refuse(why, size, "the flattened size overflows");
    s->out = (struct net_shape){.flat = 1, .features = n};
    return EXIT_OK;
}

static int walk_linear(const struct layer *l, const struct net_shape *in, struct layer_step *s,
                       char *why, size_t size)
{
    if (!in->flat) {
        snprintf(why, size,
                 "linear needs a flat input: put 'flatten' before it (the input is "
                 "%dx%dx%d)",
                 in->w, in->h, in->c);
        return EXIT_USAGE;
    }
    s->out = (struct net_shape){.flat = 1, .features = l->out_c};
    s->params = add_checked(mul_checked(in->features, l->out_c), l->bias ? l->out_c : 0);
    return s->params < 0 ? refuse(why, size, "the parameter count overflows") : EXIT_OK;
}

int layer_walk(const struct layer *l, const struct net_shape *in, struct layer_step *step,
               char *why, size_t why_size)
{
    *step = (struct layer_step){.in = *in, .out = *in, .params = -1};
    int rc = EXIT_OK;
    switch (l->kind) {
    case LAYER_CONV:
    case LAYER_MAXPOOL:
    case LAYER_AVGPOOL:
    case LAYER_ADAPTIVE_AVGPOOL:
        rc = need_spatial(l, in, why, why_size);
        break;
    default:
        break;
    }
    if (rc != EXIT_OK)
        return rc;
    switch (l->kind) {
    case LAYER_CONV:
        return walk_conv(l, in, step, why, why_size);
    case LAYER_MAXPOOL:
    case LAYER_AVGPOOL:
        return walk_pool(l, in, step, why, why_size);
    case LAYER_ADAPTIVE_AVGPOOL:
        step->out.h = l->out_h;
        step->out.w = l->out_w;
        return EXIT_OK;
    case LAYER_FLATTEN:
        return walk_flatten(in, step, why, why_size);
    case LAYER_LINEAR:
        return walk_linear(l, in, step, why, why_size);
    case LAYER_BATCHNORM: /* a weight and a bias per channel */
        step->params = mul_checked(2, in->flat ? in->features : in->c);
        return step->params < 0 ? refuse(why, why_size, "the parameter count overflows") : EXIT_OK;
    case LAYER_RELU:
    case LAYER_DROPOUT:
        return EXIT_OK;
    }
    return EXIT_OK;
}
