/* Combining the outputs of several kernels, and the luma conversion. */
#include <math.h>
#include <strings.h>

#include "convtool/convtool.h"

static const char *const combine_names[] = {"separate", "magnitude", "max", "sum", "stack"};

convtool_status convtool_combine_parse(const char *text, convtool_combine *mode)
{
    for (int i = 0; i < 5; i++) {
        if (strcasecmp(text, combine_names[i]) == 0) {
            *mode = (convtool_combine)i;
            return CONVTOOL_OK;
        }
    }
    return CONVTOOL_EINVAL;
}

static int same_shape(const convtool_tensor *a, const convtool_tensor *b)
{
    return a->c == b->c && a->h == b->h && a->w == b->w;
}

static float combine_one(const convtool_tensor *parts, size_t n, size_t i,
                         convtool_combine mode)
{
    float acc = mode == CONVTOOL_COMBINE_MAX ? parts[0].data[i] : 0.0f;
    for (size_t k = 0; k < n; k++) {
        float v = parts[k].data[i];
        if (mode == CONVTOOL_COMBINE_MAGNITUDE)
            acc += v * v;
        else if (mode == CONVTOOL_COMBINE_MAX)
            acc = v > acc ? v : acc;
        else
            acc += v;
    }
    return mode == CONVTOOL_COMBINE_MAGNITUDE ? sqrtf(acc) : acc;
}

convtool_status convtool_combine_tensors(const convtool_tensor *parts, size_t n,
                                         convtool_combine mode, convtool_tensor *out)
{
    if (n == 0 || (mode != CONVTOOL_COMBINE_MAGNITUDE && mode != CONVTOOL_COMBINE_MAX &&
                   mode != CONVTOOL_COMBINE_SUM))
        return CONVTOOL_EINVAL;
    for (size_t k = 1; k < n; k++)
        if (!same_shape(&parts[0], &parts[k]))
            return CONVTOOL_EMISMATCH;
    convtool_status st = convtool_tensor_alloc(out, parts[0].c, parts[0].h, parts[0].w);
    if (st != CONVTOOL_OK)
        return st;
    size_t count = convtool_tensor_count(out);
    for (size_t i = 0; i < count; i++)
        out->data[i] = combine_one(parts, n, i, mode);
    return CONVTOOL_OK;
}

convtool_status convtool_to_luma(const convtool_tensor *rgb, convtool_tensor *out)
{
    if (rgb->c < 3)
        return CONVTOOL_EINVAL;
    convtool_status st = convtool_tensor_alloc(out, 1, rgb->h, rgb->w);
    if (st != CONVTOOL_OK)
        return st;
    size_t plane = (size_t)rgb->h * (size_t)rgb->w;
    const float *r = rgb->data, *g = r + plane, *b = g + plane;
    for (size_t i = 0; i < plane; i++)
        out->data[i] = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
    return CONVTOOL_OK;
}
