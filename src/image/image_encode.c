/*
 * Encoding a C×H×W float tensor, or 8/16-bit interleaved pixels: PNG (8 or 16
 * bits) through png_write.c (tensor rows quantized on the fly inside its
 * parallel strips),
 * JPEG through libjpeg-turbo when it is built in and otherwise stb, BMP/TGA/HDR
 * through stb_image_write, .npy through npy.c.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "convtool/convtool.h"
#include "common/quantize.h"
#include "codec/jpeg_turbo.h"
#include "codec/npy.h"
#include "codec/png_write.h"
#include "codec/png_writer.h"
#include "codec/jpeg_scan.h"
#include "codec/stb_codec.h"
#include "image/metadata_embed.h"

/* JPEG and TGA store each side in 16 bits. */
#define SIDE16_MAX 65535
/* stb_image_write computes buffer sizes in int; stay well below INT_MAX. */
#define STBW_MAX_BYTES ((size_t)INT_MAX / 2)
/* RGBE cannot hold exponents above 2^127; stb would wrap larger values to 0. */
#define HDR_MAX 1e38f
/* Rows per task when samples are interleaved on the pool. */
#define INTERLEAVE_ROWS 64
/* Pixels quantized per plane before they are interleaved: small enough for the stack and L1. */
#define QUANTIZE_RUN 512

static float hdr_value(float v)
{
    if (!(v > 0.0f))
        return 0.0f;
    return v > HDR_MAX ? HDR_MAX : v;
}

/* The first `comp` channels of a tensor, as rows of interleaved 8-bit samples. */
struct rows8 {
    const convtool_tensor *t;
    int comp;
    unsigned char *out; /* for interleave_task: the whole image */
};

static void quantize_run(const float *restrict src, size_t n, unsigned char *restrict dst)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = quantize8(src[i]);
}

/* A constant `comp` in each call lets the compiler unroll the inner loop. */
static inline void interleave(unsigned char (*q)[QUANTIZE_RUN], size_t comp, size_t n,
                              unsigned char *restrict d)
{
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < comp; c++)
            d[i * comp + c] = q[c][i];
}

/* Quantizes each plane's run into q (a vectorised loop), then interleaves the bytes. */
static void quantize_row(const void *ctx, size_t y, unsigned char *row)
{
    const struct rows8 *r = ctx;
    size_t w = (size_t)r->t->w, hw = (size_t)r->t->h * w, comp = (size_t)r->comp;
    const float *src = r->t->data + y * w;
    if (comp == 1) {
        quantize_run(src, w, row);
        return;
    }
    unsigned char q[4][QUANTIZE_RUN];
    for (size_t x0 = 0; x0 < w; x0 += QUANTIZE_RUN) {
        size_t n = w - x0 < QUANTIZE_RUN ? w - x0 : QUANTIZE_RUN;
        for (size_t c = 0; c < comp; c++)
            quantize_run(src + c * hw + x0, n, q[c]);
        unsigned char *d = row + x0 * comp;
        if (comp == 2)
            interleave(q, 2, n, d);
        else if (comp == 3)
            interleave(q, 3, n, d);
        else
            interleave(q, 4, n, d);
    }
}

/* A PNG row of 16-bit samples: quantize16 of each channel, interleaved, high byte first. */
static void quantize_row16(const void *ctx, size_t y, unsigned char *row)
{
    const struct rows8 *r = ctx;
    size_t w = (size_t)r->t->w, hw = (size_t)r->t->h * w, comp = (size_t)r->comp;
    const float *src = r->t->data + y * w;
    for (size_t c = 0; c < comp; c++)
        for (size_t x = 0; x < w; x++) {
            unsigned short q = quantize16(src[c * hw + x]);
            row[2 * (x * comp + c)] = (unsigned char)(q >> 8);
            row[2 * (x * comp + c) + 1] = (unsigned char)q;
        }
}

static void interleave_task(void *ctx, size_t i)
{
    const struct rows8 *r = ctx;
    size_t row_bytes = (size_t)r->t->w * (size_t)r->comp, h = (size_t)r->t->h;
    for (size_t y = i * INTERLEAVE_ROWS; y < h && y < (i + 1) * INTERLEAVE_ROWS; y++)
        quantize_row(r, y, r->out + y * row_bytes);
}

/* The first `comp` channels of t, interleaved, as 8-bit samples; the caller frees *out. */
static convtool_status interleave8(const convtool_tensor *t, int comp, convtool_pool *pool,
                                   unsigned char **out)
{
    size_t bytes;
    *out = NULL;
    if (convtool_mul_size((size_t)t->h, (size_t)t->w, (size_t)comp, 1, &bytes) != CONVTOOL_OK)
        return CONVTOOL_EOVERFLOW;
    struct rows8 r = {t, comp, malloc(bytes)};
    if (!r.out)
        return CONVTOOL_ENOMEM;
    size_t tasks = ((size_t)t->h + INTERLEAVE_ROWS - 1) / INTERLEAVE_ROWS;
    convtool_pool_run(pool, tasks, interleave_task, &r);
    *out = r.out;
    return CONVTOOL_OK;
}

static convtool_status interleave_hdr(const convtool_tensor *t, float **out)
{
    size_t hw = (size_t)t->h * (size_t)t->w, n = (size_t)t->c, bytes;
    *out = NULL;
    if (convtool_mul_size(hw, n, sizeof(float), 1, &bytes) != CONVTOOL_OK)
        return CONVTOOL_EOVERFLOW;
    float *p = malloc(bytes);
    if (!p)
        return CONVTOOL_ENOMEM;
    for (size_t c = 0; c < n; c++)
        for (size_t i = 0; i < hw; i++)
            p[i * n + c] = hdr_value(t->data[c * hw + i]);
    *out = p;
    return CONVTOOL_OK;
}

/* What the writers can take: 1..4 channels, and sizes stb's int arithmetic survives. */
static convtool_status check_writable(int w, int h, int c, convtool_format fmt)
{
    if (c > 4)
        return CONVTOOL_EUNSUPPORTED;
    if (fmt == CONVTOOL_FORMAT_PNG) /* png_write checks its own limits */
        return CONVTOOL_OK;
    if ((fmt == CONVTOOL_FORMAT_JPEG || fmt == CONVTOOL_FORMAT_TGA) &&
        (w > SIDE16_MAX || h > SIDE16_MAX))
        return CONVTOOL_ELIMIT;
    size_t row = (size_t)w * 4 * sizeof(float) + 1;
    if ((size_t)h > STBW_MAX_BYTES / row)
        return CONVTOOL_ELIMIT;
    return CONVTOOL_OK;
}

/* 16 bits only in PNG (EUNSUPPORTED elsewhere); a sampling JPEG writers know. */
static convtool_status check_depth_sampling(const convtool_save_options *o, int depth)
{
    if (depth != 0 && depth != 8 && depth != 16)
        return CONVTOOL_EINVAL;
    if (depth == 16 && o->format != CONVTOOL_FORMAT_PNG)
        return CONVTOOL_EUNSUPPORTED;
    if (o->jpeg_sampling < CONVTOOL_SAMPLING_AUTO || o->jpeg_sampling > CONVTOOL_SAMPLING_420)
        return CONVTOOL_EINVAL;
    return CONVTOOL_OK;
}

static convtool_status encode_png(const convtool_tensor *t, const convtool_save_options *o,
                                  convtool_buffer *out)
{
    if (o->png_level < 0 || o->png_level > CONVTOOL_PNG_LEVEL_MAX)
        return CONVTOOL_EINVAL;
    struct rows8 r = {t, t->c, NULL};
    png_source src = {t->w, t->h, t->c, o->depth == 16 ? quantize_row16 : quantize_row, &r,
                      o->depth == 16 ? 16 : 8};
    return png_write(&src, o->png_level, o->pool, out);
}

/* The sampling the JPEG writer is asked for: AUTO is 4:4:4 from quality 90 up. */
static convtool_jpeg_sampling jpeg_sampling(const convtool_save_options *o)
{
    if (o->jpeg_sampling != CONVTOOL_SAMPLING_AUTO)
        return o->jpeg_sampling;
    return o->jpeg_quality >= 90 ? CONVTOOL_SAMPLING_444 : CONVTOOL_SAMPLING_420;
}

convtool_jpeg_sampling convtool_jpeg_sampling_used(const convtool_save_options *o)
{
    if (!jpeg_turbo_active()) /* stb_image_write: 4:2:0 up to quality 90 */
        return o->jpeg_quality > 90 ? CONVTOOL_SAMPLING_444 : CONVTOOL_SAMPLING_420;
    return jpeg_sampling(o);
}

static convtool_status write8(const convtool_save_options *o, int w, int h, int comp,
                              const unsigned char *p, convtool_buffer *out)
{
    switch (o->format) {
    case CONVTOOL_FORMAT_JPEG:
        if (jpeg_turbo_active())
            return jpeg_turbo_encode(out, w, h, comp, p, o->jpeg_quality, jpeg_sampling(o));
        /* stb ties its sampling to the quality (convtool_image_encode's comment) */
        return stb_codec_write_jpg(out, w, h, comp, p, o->jpeg_quality);
    case CONVTOOL_FORMAT_BMP:
        return stb_codec_write_bmp(out, w, h, comp, p);
    default:
        return stb_codec_write_tga(out, w, h, comp, p);
    }
}

static convtool_status encode8(const convtool_tensor *t, const convtool_save_options *o,
                               convtool_buffer *out)
{
    int comp = t->c;
    if (o->format == CONVTOOL_FORMAT_JPEG) {
        if (o->jpeg_quality < 1 || o->jpeg_quality > 100)
            return CONVTOOL_EINVAL;
        comp = comp == 2 ? 1 : comp == 4 ? 3 : comp; /* JPEG has no alpha: drop it */
    }
    unsigned char *pixels = NULL;
    convtool_status st = interleave8(t, comp, o->pool, &pixels);
    if (st == CONVTOOL_OK)
        st = write8(o, t->w, t->h, comp, pixels, out);
    free(pixels);
    return st;
}

static convtool_status encode_hdr(const convtool_tensor *t, convtool_buffer *out)
{
    float *pixels = NULL;
    convtool_status st = interleave_hdr(t, &pixels);
    if (st == CONVTOOL_OK)
        st = stb_codec_write_hdr(out, t->w, t->h, t->c, pixels);
    free(pixels);
    return st;
}

static convtool_status encode_tensor(const convtool_tensor *t, const convtool_save_options *o,
                                     convtool_buffer *out)
{
    if (!t || !t->data || t->c < 1 || t->h < 1 || t->w < 1 || !o || !out)
        return CONVTOOL_EINVAL;
    if (o->format == CONVTOOL_FORMAT_NPY)
        return npy_encode(t, o->npy_rank, o->npy_batch, out);
    if (o->format != CONVTOOL_FORMAT_PNG && o->format != CONVTOOL_FORMAT_JPEG &&
        o->format != CONVTOOL_FORMAT_BMP && o->format != CONVTOOL_FORMAT_TGA &&
        o->format != CONVTOOL_FORMAT_HDR)
        return CONVTOOL_EUNSUPPORTED;
    convtool_status st = check_writable(t->w, t->h, t->c, o->format);
    if (st == CONVTOOL_OK)
        st = check_depth_sampling(o, o->depth);
    if (st != CONVTOOL_OK)
        return st;
    if (o->format == CONVTOOL_FORMAT_PNG)
        return encode_png(t, o, out);
    return o->format == CONVTOOL_FORMAT_HDR ? encode_hdr(t, out) : encode8(t, o, out);
}

static convtool_status encode_pixels(const convtool_pixels *px, const convtool_save_options *o,
                                     convtool_buffer *out)
{
    if (!px || !px->data || px->width < 1 || px->height < 1 || px->channels < 1 ||
        px->channels > 4 || !o || !out)
        return CONVTOOL_EINVAL;
    if ((px->depth != 8 && px->depth != 16) ||
        (o->format != CONVTOOL_FORMAT_PNG && o->format != CONVTOOL_FORMAT_JPEG &&
         o->format != CONVTOOL_FORMAT_BMP && o->format != CONVTOOL_FORMAT_TGA))
        return CONVTOOL_EUNSUPPORTED;
    convtool_status st = check_writable(px->width, px->height, px->channels, o->format);
    if (st == CONVTOOL_OK)
        st = check_depth_sampling(o, px->depth);
    if (st != CONVTOOL_OK)
        return st;
    if (o->format == CONVTOOL_FORMAT_PNG) {
        if (o->png_level < 0 || o->png_level > CONVTOOL_PNG_LEVEL_MAX)
            return CONVTOOL_EINVAL;
        if (px->depth == 16)
            return png_write_interleaved16(px->data, px->width, px->height, px->channels,
                                           o->png_level, o->pool, out);
        return png_write_interleaved(px->data, px->width, px->height, px->channels, o->png_level,
                                     o->pool, out);
    }
    if (o->format == CONVTOOL_FORMAT_JPEG && (o->jpeg_quality < 1 || o->jpeg_quality > 100))
        return CONVTOOL_EINVAL;
    /* Both JPEG writers skip an alpha channel themselves. */
    return write8(o, px->width, px->height, px->channels, px->data, out);
}

/* The encoders know nothing of metadata: it is spliced into their finished file. */
convtool_status convtool_image_encode(const convtool_tensor *t, const convtool_save_options *o,
                                      convtool_buffer *out)
{
    size_t start = out ? out->len : 0;
    convtool_status st = encode_tensor(t, o, out);
    if (st == CONVTOOL_OK)
        st = metadata_embed(o->metadata, o->format, start, t->w, t->h, t->c, out);
    return st;
}

convtool_status convtool_pixels_encode(const convtool_pixels *px, const convtool_save_options *o,
                                       convtool_buffer *out)
{
    size_t start = out ? out->len : 0;
    convtool_status st = encode_pixels(px, o, out);
    if (st == CONVTOOL_OK)
        st = metadata_embed(o->metadata, o->format, start, px->width, px->height, px->channels,
                            out);
    return st;
}

/* ------------------------------------------------- strip by strip */

struct convtool_image_writer {
    int w, h, channels, depth;
    convtool_format format;
    const convtool_metadata *metadata;
    convtool_image_push_fn push;
    void *ctx;
    int head_done; /* the metadata went in after the first push (the file's head) */
    struct png_writer *png;
    struct jpeg_scan_writer *jpeg;
};

/*
 * The encoders push their head first (PNG: signature and IHDR in one push),
 * so the metadata is spliced into that first piece as into a whole file.
 */
static int push_spliced(void *ctx, const unsigned char *bytes, size_t n)
{
    convtool_image_writer *wr = ctx;
    if (wr->head_done)
        return wr->push(wr->ctx, bytes, n);
    wr->head_done = 1;
    convtool_buffer head = {0};
    int rc = -1;
    if (convtool_buffer_append(&head, bytes, n) == CONVTOOL_OK &&
        metadata_embed(wr->metadata, wr->format, 0, wr->w, wr->h, wr->channels, &head) ==
            CONVTOOL_OK)
        rc = wr->push(wr->ctx, head.data, head.len);
    convtool_buffer_free(&head);
    return rc;
}

int convtool_image_writer_fits(convtool_format format)
{
    return format == CONVTOOL_FORMAT_PNG || (format == CONVTOOL_FORMAT_JPEG && jpeg_scan_available());
}

convtool_status convtool_image_writer_open(int w, int h, int channels, int depth,
                                           const convtool_save_options *o,
                                           convtool_image_push_fn push, void *ctx,
                                           convtool_image_writer **out)
{
    *out = NULL;
    if (!o || !push || w < 1 || h < 1 || channels < 1 || channels > 4)
        return CONVTOOL_EINVAL;
    int jpeg = o->format == CONVTOOL_FORMAT_JPEG && jpeg_scan_available();
    if ((depth != 8 && depth != 16) || (o->format != CONVTOOL_FORMAT_PNG && !jpeg))
        return CONVTOOL_EUNSUPPORTED; /* BMP, TGA, JPEG through stb: encoded whole */
    convtool_status st = check_writable(w, h, channels, o->format);
    if (st == CONVTOOL_OK)
        st = check_depth_sampling(o, depth);
    if (st == CONVTOOL_OK && !jpeg &&
        (o->png_level < 0 || o->png_level > CONVTOOL_PNG_LEVEL_MAX))
        st = CONVTOOL_EINVAL;
    if (st == CONVTOOL_OK && jpeg && (o->jpeg_quality < 1 || o->jpeg_quality > 100))
        st = CONVTOOL_EINVAL;
    if (st != CONVTOOL_OK)
        return st;
    convtool_image_writer *wr = calloc(1, sizeof *wr);
    if (!wr)
        return CONVTOOL_ENOMEM;
    *wr = (convtool_image_writer){w, h, channels, depth, o->format, o->metadata, push, ctx, 0, NULL,
                                  NULL};
    png_writer_params p = {w, h, channels, depth, o->png_level, o->pool, 1};
    st = jpeg ? jpeg_scan_writer_open(push_spliced, wr, w, h, channels, o->jpeg_quality,
                                      jpeg_sampling(o), &wr->jpeg)
              : png_writer_open(&p, push_spliced, wr, &wr->png);
    if (st != CONVTOOL_OK) {
        free(wr);
        return st;
    }
    *out = wr;
    return CONVTOOL_OK;
}

convtool_status convtool_image_writer_rows(convtool_image_writer *wr, const void *rows, int n)
{
    size_t stride = (size_t)wr->w * (size_t)wr->channels * (size_t)(wr->depth / 8);
    if (wr->jpeg)
        return n == 0 ? CONVTOOL_OK : jpeg_scan_write(wr->jpeg, rows, n);
    return png_writer_rows(wr->png, rows, stride, n);
}

convtool_status convtool_image_writer_finish(convtool_image_writer *wr)
{
    return wr->jpeg ? jpeg_scan_writer_finish(wr->jpeg) : png_writer_finish(wr->png);
}

void convtool_image_writer_close(convtool_image_writer *wr)
{
    if (!wr)
        return;
    png_writer_close(wr->png);
    jpeg_scan_writer_close(wr->jpeg);
    free(wr);
}
