/* Output sizes and padding, shared by `apply` and `shape` so they cannot disagree. */
#include <stdint.h>
#include <strings.h>

#include "convtool/convtool.h"

struct mode_name {
    const char *name;
    convtool_pad_mode mode;
};

/* Canonical names first; then other tools' names where they are unambiguous.
 * scipy's "reflect" is our "symmetric", but PyTorch's "reflect" wins here. */
static const struct mode_name mode_names[] = {
    {"zeros", CONVTOOL_PAD_ZEROS},         {"replicate", CONVTOOL_PAD_REPLICATE},
    {"reflect", CONVTOOL_PAD_REFLECT},     {"symmetric", CONVTOOL_PAD_SYMMETRIC},
    {"circular", CONVTOOL_PAD_CIRCULAR},   {"zero", CONVTOOL_PAD_ZEROS},
    {"constant", CONVTOOL_PAD_ZEROS},      {"edge", CONVTOOL_PAD_REPLICATE},
    {"nearest", CONVTOOL_PAD_REPLICATE},   {"clamp", CONVTOOL_PAD_REPLICATE},
    {"reflect101", CONVTOOL_PAD_REFLECT},  {"reflect_101", CONVTOOL_PAD_REFLECT},
    {"mirror", CONVTOOL_PAD_REFLECT},      {"half-sample", CONVTOOL_PAD_SYMMETRIC},
    {"grid-mirror", CONVTOOL_PAD_SYMMETRIC}, {"wrap", CONVTOOL_PAD_CIRCULAR},
    {"periodic", CONVTOOL_PAD_CIRCULAR},   {"tile", CONVTOOL_PAD_CIRCULAR},
};
#define MODE_NAME_COUNT (sizeof mode_names / sizeof mode_names[0])
#define CANONICAL_MODES 5

static const char *const alias_help[] = {
    "zero, constant = zeros",
    "edge, nearest, clamp = replicate",
    "reflect101, reflect_101, mirror = reflect (dcb|abcd)",
    "half-sample, grid-mirror = symmetric (cba|abcd)",
    "wrap, periodic, tile = circular",
    NULL,
};

convtool_status convtool_pad_mode_parse(const char *text, convtool_pad_mode *mode)
{
    for (size_t i = 0; i < MODE_NAME_COUNT; i++) {
        if (strcasecmp(text, mode_names[i].name) == 0) {
            *mode = mode_names[i].mode;
            return CONVTOOL_OK;
        }
    }
    return CONVTOOL_EINVAL;
}

const char *convtool_pad_mode_name(convtool_pad_mode mode)
{
    for (size_t i = 0; i < CANONICAL_MODES; i++)
        if (mode_names[i].mode == mode)
            return mode_names[i].name;
    return "unknown";
}

const char *const *convtool_pad_mode_aliases(void)
{
    return alias_help;
}

void convtool_geometry_spec_default(convtool_geometry_spec *spec)
{
    *spec = (convtool_geometry_spec){
        .stride_y = 1, .stride_x = 1, .dilation_y = 1, .dilation_x = 1,
        .padding = CONVTOOL_PADDING_SAME, .mode = CONVTOOL_PAD_REPLICATE,
    };
}

convtool_status convtool_output_size(int in, int k, int before, int after, int stride,
                                     int dilation, int *out)
{
    if (in < 1 || k < 1 || before < 0 || after < 0 || stride < 1 || dilation < 1)
        return CONVTOOL_EINVAL;
    /* 64-bit: every term fits, so the formula itself cannot overflow. */
    int64_t span = (int64_t)dilation * (k - 1) + 1;
    int64_t padded = (int64_t)in + before + after;
    if (padded > INT32_MAX)
        return CONVTOOL_EOVERFLOW;
    if (padded < span)
        return CONVTOOL_EGEOMETRY;
    *out = (int)((padded - span) / stride + 1);
    return CONVTOOL_OK;
}

/* Splits the padding of one axis into (before, after). */
static convtool_status axis_padding(const convtool_geometry_spec *spec, int pad, int k,
                                    int dilation, int *before, int *after)
{
    switch (spec->padding) {
    case CONVTOOL_PADDING_VALID:
        *before = *after = 0;
        return CONVTOOL_OK;
    case CONVTOOL_PADDING_SAME: {
        int64_t total = (int64_t)dilation * (k - 1);
        if (total > INT32_MAX)
            return CONVTOOL_EOVERFLOW;
        *before = (int)(total / 2);
        *after = (int)(total - total / 2); /* the odd pixel goes bottom/right */
        return CONVTOOL_OK;
    }
    case CONVTOOL_PADDING_EXPLICIT:
        if (pad < 0)
            return CONVTOOL_EINVAL;
        *before = *after = pad;
        return CONVTOOL_OK;
    }
    return CONVTOOL_EINVAL;
}

/* reflect and symmetric mirror once, so the pad must be narrower than the input. */
static int padding_fits(convtool_pad_mode mode, int in, int before, int after)
{
    if (mode != CONVTOOL_PAD_REFLECT && mode != CONVTOOL_PAD_SYMMETRIC)
        return 1;
    return before < in && after < in;
}

convtool_status convtool_geometry_resolve(const convtool_geometry_spec *spec, int in_h,
                                          int in_w, int k_h, int k_w, convtool_geometry *g)
{
    *g = (convtool_geometry){.in_h = in_h, .in_w = in_w, .k_h = k_h, .k_w = k_w,
                             .stride_y = spec->stride_y, .stride_x = spec->stride_x,
                             .dilation_y = spec->dilation_y, .dilation_x = spec->dilation_x,
                             .mode = spec->mode, .method = spec->method};
    convtool_status st =
        axis_padding(spec, spec->pad_y, k_h, spec->dilation_y, &g->pad_top, &g->pad_bottom);
    if (st == CONVTOOL_OK)
        st = axis_padding(spec, spec->pad_x, k_w, spec->dilation_x, &g->pad_left,
                          &g->pad_right);
    if (st == CONVTOOL_OK)
        st = convtool_output_size(in_h, k_h, g->pad_top, g->pad_bottom, g->stride_y,
                                  g->dilation_y, &g->out_h);
    if (st == CONVTOOL_OK)
        st = convtool_output_size(in_w, k_w, g->pad_left, g->pad_right, g->stride_x,
                                  g->dilation_x, &g->out_w);
    if (st == CONVTOOL_OK && (!padding_fits(g->mode, in_h, g->pad_top, g->pad_bottom) ||
                              !padding_fits(g->mode, in_w, g->pad_left, g->pad_right)))
        st = CONVTOOL_EGEOMETRY;
    return st;
}
