/*
 * The fused 8-bit path: the core reads interleaved 8/16-bit rows, converts
 * them to floats inside its per-thread row scratch, and quantizes each output
 * row straight into the interleaved 8-bit result. Whole-image float tensors
 * (16 bytes per RGB pixel in and out) are never made.
 *
 * Every conversion repeats the arithmetic of the float path exactly — the
 * same s/255 values (from a table), the same luma expression, the same
 * rounding — so both paths give the same bytes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "core.h"

struct pixel_source {
    const convtool_pixels *px;
    const convtool_pixel_pass *pass;
    float *table; /* sample value → float, (float)s / 255 or / 65535 */
};

static float sample(const struct pixel_source *ps, size_t index)
{
    const convtool_pixels *px = ps->px;
    if (px->depth == 16)
        return ps->table[((const uint16_t *)px->data)[index]];
    return ps->table[((const unsigned char *)px->data)[index]];
}

static void read_pixel_row(const struct conv_source *s, int ch, int r, float *dst)
{
    const struct pixel_source *ps = s->data;
    int n = ps->px->channels;
    size_t at = (size_t)r * (size_t)s->w * (size_t)n + (size_t)ps->pass->in_channel;
    if (ps->pass->luma) {
        for (int x = 0; x < s->w; x++, at += (size_t)n) {
            float r8 = sample(ps, at), g8 = sample(ps, at + 1), b8 = sample(ps, at + 2);
            dst[x] = 0.299f * r8 + 0.587f * g8 + 0.114f * b8; /* as convtool_to_luma */
        }
        return;
    }
    at += (size_t)ch;
    for (int x = 0; x < s->w; x++, at += (size_t)n)
        dst[x] = sample(ps, at);
}

/* round(clamp(v, 0, 1) · 255), NaN → 0: the encoder's quantization. */
static unsigned char quantize(float v)
{
    if (!(v > 0.0f))
        return 0;
    if (v >= 1.0f)
        return 255;
    return (unsigned char)roundf(v * 255.0f);
}

static float apply_map(float v, int map)
{
    switch (map) {
    case CONVTOOL_MAP_ABS:
        return fabsf(v);
    case CONVTOOL_MAP_SHIFT:
        return (v + 1.0f) * 0.5f;
    default:
        return v;
    }
}

static size_t emit_pixel_row(const struct conv_sink *s, int ch, int y, const float *row)
{
    const convtool_pixels *out = s->data;
    unsigned char *dst = (unsigned char *)out->data +
                         ((size_t)y * (size_t)out->width * (size_t)out->channels) +
                         (size_t)(s->pixel_stride + ch);
    size_t clipped = 0;
    for (int x = 0; x < out->width; x++, dst += out->channels) {
        float v = apply_map(row[x], s->map);
        clipped += !(v >= 0.0f && v <= 1.0f);
        *dst = quantize(v);
    }
    return clipped;
}

static float *sample_table(int depth)
{
    size_t n = depth == 16 ? 65536 : 256;
    float *table = malloc(n * sizeof *table);
    float max = depth == 16 ? 65535.0f : 255.0f;
    for (size_t s = 0; table && s < n; s++)
        table[s] = (float)s / max;
    return table;
}

static int pass_fits(const convtool_pixels *in, const convtool_pixel_pass *pass,
                     const convtool_pixels *out, const convtool_geometry *g)
{
    int read = pass->luma ? 3 : pass->channels;
    return in->data && out->data && out->depth == 8 && pass->channels >= 1 &&
           (!pass->luma || pass->channels == 1) && pass->in_channel >= 0 &&
           pass->in_channel + read <= in->channels && pass->out_channel >= 0 &&
           pass->out_channel + pass->channels <= out->channels && g->in_w == in->width &&
           g->in_h == in->height && g->out_w == out->width && g->out_h == out->height &&
           pass->map != CONVTOOL_MAP_NORMALIZE;
}

convtool_status convtool_conv2d_pixels(const convtool_pixels *in, const convtool_pixel_pass *pass,
                                       const convtool_kernel *k, const convtool_geometry *g,
                                       float bias, convtool_pool *pool, convtool_pixels *out,
                                       size_t *clipped)
{
    if (clipped)
        *clipped = 0;
    if (!pass_fits(in, pass, out, g) || g->k_h != k->h || g->k_w != k->w)
        return CONVTOOL_EINVAL;
    struct pixel_source ps = {in, pass, sample_table(in->depth)};
    struct conv_plan plan;
    convtool_status st = ps.table ? conv_plan_init(&plan, k, g, bias, 1) : CONVTOOL_ENOMEM;
    if (st == CONVTOOL_OK) {
        struct conv_source src = {.c = pass->channels, .h = in->height, .w = in->width,
                                  .read_row = read_pixel_row, .data = &ps};
        struct conv_sink sink = {.emit_row = emit_pixel_row, .data = out,
                                 .pixel_stride = pass->out_channel, .map = pass->map};
        st = core_run(&plan, &src, &sink, pool, clipped);
        conv_plan_free(&plan);
    }
    free(ps.table);
    return st;
}
