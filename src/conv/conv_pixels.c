/*
 * The fused pixel path: the core reads interleaved 8/16-bit rows, converts
 * them to floats inside its per-thread row scratch, and quantizes each output
 * row straight into the interleaved 8- or 16-bit result. Whole-image float
 * tensors (16 bytes per RGB pixel in and out) are never made.
 *
 * Every conversion repeats the arithmetic of the float path exactly — the
 * same s/255 values (from a table), the same luma expression, the same
 * rounding — so both paths give the same bytes.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "conv/conv_run.h"
#include "conv/core.h"
#include "conv/simd/pixel_rows.h"
#include "conv/strip.h"
#include "common/quantize.h"

struct pixel_source {
    const convtool_pixels *px;
    int first_row; /* the image row px's row 0 holds (a strip's window) */
    const convtool_pixel_pass *pass;
    const float *table; /* sample value → float, (float)s / 255 or / 65535 */
    int vector;   /* use the AVX2 row conversions (pixel_rows.h) */
};

/* One channel (or the luma) of pixels [x0, w) of an interleaved row, via the table. */
static void read_tail(const struct pixel_source *ps, const void *row, int ch, int x0, int w,
                      float *dst)
{
    const float *table = ps->table;
    size_t n = (size_t)ps->px->channels;
    size_t c = (size_t)(ps->pass->in_channel + ch);
    if (ps->px->depth == 16) {
        const uint16_t *src = row;
        if (ps->pass->luma) {
            for (size_t x = (size_t)x0; x < (size_t)w; x++) { /* as convtool_to_luma */
                const uint16_t *p = src + x * n + c;
                dst[x] = 0.299f * table[p[0]] + 0.587f * table[p[1]] + 0.114f * table[p[2]];
            }
        } else {
            for (size_t x = (size_t)x0; x < (size_t)w; x++)
                dst[x] = table[src[x * n + c]];
        }
        return;
    }
    const unsigned char *src = row;
    if (ps->pass->luma) {
        for (size_t x = (size_t)x0; x < (size_t)w; x++) {
            const unsigned char *p = src + x * n + c;
            dst[x] = 0.299f * table[p[0]] + 0.587f * table[p[1]] + 0.114f * table[p[2]];
        }
    } else {
        for (size_t x = (size_t)x0; x < (size_t)w; x++)
            dst[x] = table[src[x * n + c]];
    }
}

/* One channel (or the luma) of an interleaved row, as floats. */
static void read_pixel_row(const struct conv_source *s, int ch, int r, float *dst)
{
    const struct pixel_source *ps = s->data;
    const convtool_pixels *px = ps->px;
    size_t sample = px->depth == 16 ? 2 : 1;
    const unsigned char *row =
        (const unsigned char *)px->data +
        (size_t)(r - ps->first_row) * (size_t)s->w * (size_t)px->channels * sample;
    int c = ps->pass->in_channel + ch, done = 0;
    if (ps->vector && ps->pass->luma)
        done = pixel_luma_avx2(row, px->depth, px->channels, c, s->w, dst);
    else if (ps->vector)
        done = pixel_read_avx2(row, px->depth, px->channels, c, s->w, dst);
    read_tail(ps, row, ch, done, s->w, dst);
}

#define EMIT_CHUNK 256

/* Maps a run of values into m (one loop per map, so each vectorises); bounds: min, max of
 * this channel for NORMALIZE, whose operations are normalize_plane's (value_map.c). */
static void map_run(const float *restrict v, float *restrict m, int n, int map,
                    const float *bounds)
{
    if (map == CONVTOOL_MAP_NORMALIZE) {
        float lo = bounds[0], range = bounds[1] - bounds[0];
        for (int i = 0; i < n; i++)
            m[i] = range > 0.0f ? (v[i] - lo) / range : 0.0f;
    } else if (map == CONVTOOL_MAP_ABS)
        for (int i = 0; i < n; i++)
            m[i] = fabsf(v[i]);
    else if (map == CONVTOOL_MAP_SHIFT)
        for (int i = 0; i < n; i++)
            m[i] = (v[i] + 1.0f) * 0.5f;
    else
        memcpy(m, v, (size_t)n * sizeof *m);
}

/* Counts the values quantization will clip, and quantizes them, contiguously. */
static size_t quantize_run(const float *restrict m, unsigned char *restrict q, int n)
{
    size_t clipped = 0;
    for (int i = 0; i < n; i++) {
        clipped += !(m[i] >= 0.0f && m[i] <= 1.0f);
        q[i] = quantize8(m[i]);
    }
    return clipped;
}

/* quantize_run for 16-bit samples. */
static size_t quantize16_run(const float *restrict m, uint16_t *restrict q, int n)
{
    size_t clipped = 0;
    for (int i = 0; i < n; i++) {
        clipped += !(m[i] >= 0.0f && m[i] <= 1.0f);
        q[i] = quantize16(m[i]);
    }
    return clipped;
}

struct pixel_sink {
    const convtool_pixels *out;
    int first_row; /* the output row out's row 0 holds (a strip) */
    int vector; /* the pass writes every channel of `out`: use pixel_emit_avx2 */
    const float *bounds; /* the pass's, for NORMALIZE */
};

/* This channel's min and max for a NORMALIZE map (pass->bounds), or NULL. */
static const float *channel_bounds(const struct pixel_sink *ps, int ch)
{
    return ps->bounds ? ps->bounds + 2 * ch : NULL;
}

/* emit_pixel_row for a 16-bit result (portable code only). */
static size_t emit_pixel_row16(const struct conv_sink *s, int ch, int y, const float *row)
{
    const struct pixel_sink *ps = s->data;
    const convtool_pixels *out = ps->out;
    size_t n = (size_t)out->channels, clipped = 0;
    y -= ps->first_row;
    uint16_t *dst = (uint16_t *)out->data + (size_t)y * (size_t)out->width * n +
                    (size_t)(s->pixel_stride + ch);
    float m[EMIT_CHUNK];
    uint16_t q[EMIT_CHUNK];
    for (int x0 = 0; x0 < out->width; x0 += EMIT_CHUNK) {
        int len = out->width - x0 < EMIT_CHUNK ? out->width - x0 : EMIT_CHUNK;
        map_run(row + x0, m, len, s->map, channel_bounds(ps, ch));
        clipped += quantize16_run(m, q, len);
        uint16_t *d = dst + (size_t)x0 * n;
        for (int i = 0; i < len; i++)
            d[(size_t)i * n] = q[i];
    }
    return clipped;
}

/* Maps, counts and quantizes one row, then spreads it into its interleaved channel. */
static size_t emit_pixel_row(const struct conv_sink *s, int ch, int y, const float *row)
{
    const struct pixel_sink *ps = s->data;
    const convtool_pixels *out = ps->out;
    size_t n = (size_t)out->channels, clipped = 0;
    unsigned char *pixels =
        (unsigned char *)out->data + (size_t)(y - ps->first_row) * (size_t)out->width * n;
    unsigned char *dst = pixels + (size_t)(s->pixel_stride + ch);
    int done = 0;
    if (ps->vector)
        done = pixel_emit_avx2(row, out->width, s->map, pixels, (int)n, s->pixel_stride + ch,
                               &clipped);
    float m[EMIT_CHUNK];
    unsigned char q[EMIT_CHUNK];
    for (int x0 = done; x0 < out->width; x0 += EMIT_CHUNK) {
        int len = out->width - x0 < EMIT_CHUNK ? out->width - x0 : EMIT_CHUNK;
        map_run(row + x0, m, len, s->map, channel_bounds(ps, ch));
        clipped += quantize_run(m, q, len);
        unsigned char *d = dst + (size_t)x0 * n;
        for (int i = 0; i < len; i++)
            d[(size_t)i * n] = q[i];
    }
    return clipped;
}

/* Sample value → float, (float)s / 255 and / 65535: made once, read by every pass (the
 * strip engine runs one per strip). */
static float table8[256], table16[65536];
static pthread_once_t once8 = PTHREAD_ONCE_INIT, once16 = PTHREAD_ONCE_INIT;

static void make_table8(void)
{
    for (int s = 0; s < 256; s++)
        table8[s] = (float)s / 255.0f;
}

static void make_table16(void)
{
    for (int s = 0; s < 65536; s++)
        table16[s] = (float)s / 65535.0f;
}

static const float *sample_table(int depth)
{
    pthread_once(depth == 16 ? &once16 : &once8, depth == 16 ? make_table16 : make_table8);
    return depth == 16 ? table16 : table8;
}

/* The first pass of a streamed normalize: each row's min and max, merged into `bounds`. */
struct bounds_sink {
    float *bounds;
    int width;
    pthread_mutex_t lock; /* bands of one channel run on several threads */
};

static size_t widen_bounds(const struct conv_sink *s, int ch, int y, const float *row)
{
    struct bounds_sink *b = s->data;
    float lo = INFINITY, hi = -INFINITY;
    (void)y;
    for (int x = 0; x < b->width; x++) { /* the comparisons of normalize_plane */
        if (row[x] < lo)
            lo = row[x];
        if (row[x] > hi)
            hi = row[x];
    }
    pthread_mutex_lock(&b->lock);
    if (lo < b->bounds[2 * ch])
        b->bounds[2 * ch] = lo;
    if (hi > b->bounds[2 * ch + 1])
        b->bounds[2 * ch + 1] = hi;
    pthread_mutex_unlock(&b->lock);
    return 0;
}

/* in holds image rows from in_first, out output rows [y0, y1) (whole images: 0, 0, out_h). */
static int pass_fits(const convtool_pixels *in, int in_first, const convtool_pixel_pass *pass,
                     const convtool_pixels *out, const convtool_geometry *g, int y0, int y1)
{
    int read = pass->luma ? 3 : pass->channels;
    return in->data && out->data && (out->depth == 8 || out->depth == 16) &&
           pass->channels >= 1 && (!pass->luma || pass->channels == 1) && pass->in_channel >= 0 &&
           pass->in_channel + read <= in->channels && pass->out_channel >= 0 &&
           pass->out_channel + pass->channels <= out->channels && g->in_w == in->width &&
           in_first >= 0 && in->height <= g->in_h - in_first && g->out_w == out->width &&
           y0 >= 0 && y0 < y1 && y1 <= g->out_h && out->height == y1 - y0 &&
           (pass->map != CONVTOOL_MAP_NORMALIZE || pass->bounds);
}

/* Output rows [y0, y1) into out from the window `in` of image rows [in_first, …); whole: the lot. */
static convtool_status run_pixels(const convtool_pixels *in, int in_first,
                                  const convtool_pixel_pass *pass, const convtool_kernel *k,
                                  const convtool_geometry *g, float bias, convtool_pool *pool,
                                  convtool_pixels *out, int y0, int y1, int whole, size_t *clipped)
{
    if (clipped)
        *clipped = 0;
    if (!pass_fits(in, in_first, pass, out, g, y0, y1) || g->k_h != k->h || g->k_w != k->w ||
        (whole && (in_first != 0 || in->height != g->in_h)))
        return CONVTOOL_EINVAL;
    /* The vector code follows the instruction-set choice, so forcing sse2 or scalar tests
     * the portable code. */
    int vector = convtool_simd_active() >= CONVTOOL_SIMD_AVX2 && pixel_rows_avx2_usable();
    struct pixel_source ps = {in, in_first, pass, sample_table(in->depth), vector};
    /* Vector stores rewrite whole pixels: only when this pass owns every channel. */
    struct pixel_sink sink_data = {out, y0,
                                   vector && out->depth == 8 && pass->out_channel == 0 &&
                                       pass->channels == out->channels &&
                                       pass->map != CONVTOOL_MAP_NORMALIZE,
                                   pass->map == CONVTOOL_MAP_NORMALIZE ? pass->bounds : NULL};
    convtool_status st = CONVTOOL_OK;
    if (st == CONVTOOL_OK) {
        struct conv_source src = {.c = pass->channels,
                                  .h = g->in_h,
                                  .w = in->width,
                                  .read_row = read_pixel_row,
                                  .data = &ps};
        struct conv_sink sink = {.emit_row = out->depth == 16 ? emit_pixel_row16
                                                               : emit_pixel_row,
                                 .data = &sink_data,
                                 .pixel_stride = pass->out_channel,
                                 .map = pass->map};
        st = whole ? conv_run(k, g, bias, 1, &src, &sink, pool, clipped)
                   : conv_run_rows(k, g, bias, 1, &src, &sink, pool, y0, y1, clipped);
    }
    return st;
}

convtool_status convtool_conv2d_pixels(const convtool_pixels *in, const convtool_pixel_pass *pass,
                                       const convtool_kernel *k, const convtool_geometry *g,
                                       float bias, convtool_pool *pool, convtool_pixels *out,
                                       size_t *clipped)
{
    return run_pixels(in, 0, pass, k, g, bias, pool, out, 0, g->out_h, 1, clipped);
}

convtool_status convtool_conv2d_pixels_rows(const convtool_pixels *window, int window_first,
                                            const convtool_pixel_pass *pass,
                                            const convtool_kernel *k, const convtool_geometry *g,
                                            float bias, convtool_pool *pool,
                                            convtool_pixels *strip, int y0, size_t *clipped)
{
    int lo, hi;
    /* A window that misses a row the strip reads is the caller's bug: refused, never read past. */
    if (convtool_conv2d_rows_needed(g, y0, y0 + strip->height, &lo, &hi) != CONVTOOL_OK ||
        (hi > lo && (lo < window_first || hi > window_first + window->height)))
        return CONVTOOL_EINVAL;
    return run_pixels(window, window_first, pass, k, g, bias, pool, strip, y0,
                      y0 + strip->height, 0, clipped);
}

convtool_status convtool_conv2d_pixels_rows_float(const convtool_pixels *window, int window_first,
                                                  const convtool_pixel_pass *pass,
                                                  const convtool_kernel *k,
                                                  const convtool_geometry *g, float bias,
                                                  convtool_pool *pool, convtool_tensor *strip,
                                                  int y0)
{
    int lo, hi;
    if (!window || !pass || !k || !g)
        return CONVTOOL_EINVAL;
    int read = pass->luma ? 3 : pass->channels;
    if (!strip || !strip->data || strip->c != pass->channels || strip->w != g->out_w ||
        strip->h < 1 || y0 < 0 || y0 > g->out_h - strip->h || !window->data ||
        pass->channels < 1 || (pass->luma && pass->channels != 1) || pass->in_channel < 0 ||
        pass->in_channel + read > window->channels || g->in_w != window->width ||
        window_first < 0 || window->height > g->in_h - window_first || g->k_h != k->h ||
        g->k_w != k->w || convtool_conv2d_rows_needed(g, y0, y0 + strip->h, &lo, &hi) != CONVTOOL_OK ||
        (hi > lo && (lo < window_first || hi > window_first + window->height)))
        return CONVTOOL_EINVAL;
    int vector = convtool_simd_active() >= CONVTOOL_SIMD_AVX2 && pixel_rows_avx2_usable();
    struct pixel_source ps = {window, window_first, pass, sample_table(window->depth), vector};
    struct strip_sink fs = {strip, y0};
    struct conv_source src = {.c = pass->channels, .h = g->in_h, .w = window->width,
                              .read_row = read_pixel_row, .data = &ps};
    struct conv_sink sink = {.row_ptr = strip_sink_row, .data = &fs};
    return conv_run_rows(k, g, bias, 1, &src, &sink, pool, y0, y0 + strip->h, NULL);
}

convtool_status convtool_conv2d_pixels_bounds(const convtool_pixels *window, int window_first,
                                              const convtool_pixel_pass *pass,
                                              const convtool_kernel *k, const convtool_geometry *g,
                                              float bias, convtool_pool *pool, int y0, int y1,
                                              float *bounds)
{
    int lo, hi;
    if (!window || !pass || !k || !g)
        return CONVTOOL_EINVAL;
    int read = pass->luma ? 3 : pass->channels;
    if (!bounds || !window->data || pass->channels < 1 || (pass->luma && pass->channels != 1) ||
        pass->in_channel < 0 || pass->in_channel + read > window->channels ||
        g->in_w != window->width || window_first < 0 ||
        window->height > g->in_h - window_first || g->k_h != k->h || g->k_w != k->w ||
        convtool_conv2d_rows_needed(g, y0, y1, &lo, &hi) != CONVTOOL_OK ||
        (hi > lo && (lo < window_first || hi > window_first + window->height)))
        return CONVTOOL_EINVAL;
    int vector = convtool_simd_active() >= CONVTOOL_SIMD_AVX2 && pixel_rows_avx2_usable();
    struct pixel_source ps = {window, window_first, pass, sample_table(window->depth), vector};
    struct bounds_sink b = {bounds, g->out_w, PTHREAD_MUTEX_INITIALIZER};
    struct conv_source src = {.c = pass->channels, .h = g->in_h, .w = window->width,
                              .read_row = read_pixel_row, .data = &ps};
    struct conv_sink sink = {.emit_row = widen_bounds, .data = &b};
    convtool_status st = conv_run_rows(k, g, bias, 1, &src, &sink, pool, y0, y1, NULL);
    pthread_mutex_destroy(&b.lock);
    return st;
}
