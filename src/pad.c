/*
 * Pad first, then run a plain "valid" correlation (the libvips way): the hot
 * loop never looks at borders, and only the border pixels here pay for the
 * padding mode's index arithmetic.
 */
#include <string.h>

#include "pad.h"

int pad_source_index(int i, int n, convtool_pad_mode mode)
{
    if (i >= 0 && i < n)
        return i;
    switch (mode) {
    case CONVTOOL_PAD_ZEROS:
        return -1;
    case CONVTOOL_PAD_REPLICATE:
        return i < 0 ? 0 : n - 1;
    case CONVTOOL_PAD_REFLECT: /* dcb|abcd|cba */
        if (n == 1)
            return 0;
        return i < 0 ? -i : 2 * (n - 1) - i;
    case CONVTOOL_PAD_SYMMETRIC: /* cba|abcd|dcb */
        return i < 0 ? -i - 1 : 2 * n - 1 - i;
    case CONVTOOL_PAD_CIRCULAR:
        return ((i % n) + n) % n;
    }
    return -1;
}

struct pad_job {
    const convtool_tensor *in;
    const convtool_geometry *g;
    convtool_tensor *padded;
};

/* Fills one row of the padded tensor: item = channel × padded height + row. */
static void pad_row(void *ctx, size_t item)
{
    const struct pad_job *job = ctx;
    const convtool_geometry *g = job->g;
    const convtool_tensor *in = job->in;
    int hp = job->padded->h, wp = job->padded->w;
    int c = (int)(item / (size_t)hp), yp = (int)(item % (size_t)hp);
    float *dst = job->padded->data + ((size_t)c * hp + yp) * wp;

    int sy = pad_source_index(yp - g->pad_top, in->h, g->mode);
    if (sy < 0) {
        memset(dst, 0, (size_t)wp * sizeof *dst);
        return;
    }
    const float *src = in->data + ((size_t)c * in->h + sy) * in->w;
    for (int x = 0; x < g->pad_left; x++) {
        int sx = pad_source_index(x - g->pad_left, in->w, g->mode);
        dst[x] = sx < 0 ? 0.0f : src[sx];
    }
    memcpy(dst + g->pad_left, src, (size_t)in->w * sizeof *dst);
    for (int x = g->pad_left + in->w; x < wp; x++) {
        int sx = pad_source_index(x - g->pad_left, in->w, g->mode);
        dst[x] = sx < 0 ? 0.0f : src[sx];
    }
}

convtool_status pad_tensor(const convtool_tensor *in, const convtool_geometry *g,
                           convtool_pool *pool, convtool_tensor *padded)
{
    int64_t hp = (int64_t)in->h + g->pad_top + g->pad_bottom;
    int64_t wp = (int64_t)in->w + g->pad_left + g->pad_right;
    if (hp > INT32_MAX || wp > INT32_MAX)
        return CONVTOOL_EOVERFLOW;
    convtool_status st = convtool_tensor_alloc(padded, in->c, (int)hp, (int)wp);
    if (st != CONVTOOL_OK)
        return st;
    struct pad_job job = {in, g, padded};
    convtool_pool_run(pool, (size_t)in->c * (size_t)hp, pad_row, &job);
    return CONVTOOL_OK;
}
