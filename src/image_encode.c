/*
 * Encoding a C×H×W float tensor: 8-bit formats and HDR through stb_image_write,
 * .npy through npy.c.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "convtool/convtool.h"
#include "npy.h"
#include "stb_codec.h"

/* JPEG and TGA store each side in 16 bits. */
#define SIDE16_MAX 65535
/* stb_image_write computes buffer sizes in int; stay well below INT_MAX. */
#define STBW_MAX_BYTES ((size_t)INT_MAX / 2)
/* RGBE cannot hold exponents above 2^127; stb would wrap larger values to 0. */
#define HDR_MAX 1e38f

/* round(clamp(v, 0, 1) · 255), NaN → 0. */
static unsigned char quantize(float v)
{
    if (!(v > 0.0f))
        return 0;
    if (v >= 1.0f)
        return 255;
    return (unsigned char)roundf(v * 255.0f);
}

static float hdr_value(float v)
{
    if (!(v > 0.0f))
        return 0.0f;
    return v > HDR_MAX ? HDR_MAX : v;
}

/* The first `comp` channels of t, interleaved, as 8-bit samples; the caller frees *out. */
static convtool_status interleave8(const convtool_tensor *t, int comp, unsigned char **out)
{
    size_t hw = (size_t)t->h * (size_t)t->w, bytes;
    *out = NULL;
    if (convtool_mul_size(hw, (size_t)comp, 1, 1, &bytes) != CONVTOOL_OK)
        return CONVTOOL_EOVERFLOW;
    unsigned char *p = malloc(bytes);
    if (!p)
        return CONVTOOL_ENOMEM;
    for (size_t c = 0; c < (size_t)comp; c++)
        for (size_t i = 0; i < hw; i++)
            p[i * (size_t)comp + c] = quantize(t->data[c * hw + i]);
    *out = p;
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

/* What stb's writers can take: 1..4 channels, and sizes their int arithmetic survives. */
static convtool_status check_writable(const convtool_tensor *t, convtool_format fmt)
{
    if (t->c > 4)
        return CONVTOOL_EUNSUPPORTED;
    if ((fmt == CONVTOOL_FORMAT_JPEG || fmt == CONVTOOL_FORMAT_TGA) &&
        (t->w > SIDE16_MAX || t->h > SIDE16_MAX))
        return CONVTOOL_ELIMIT;
    size_t row = (size_t)t->w * 4 * sizeof(float) + 1;
    if ((size_t)t->h > STBW_MAX_BYTES / row)
        return CONVTOOL_ELIMIT;
    return CONVTOOL_OK;
}

static convtool_status write8(convtool_format fmt, int w, int h, int comp, const unsigned char *p,
                              int quality, convtool_buffer *out)
{
    switch (fmt) {
    case CONVTOOL_FORMAT_PNG:
        return stb_codec_write_png(out, w, h, comp, p);
    case CONVTOOL_FORMAT_JPEG:
        return stb_codec_write_jpg(out, w, h, comp, p, quality);
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
    convtool_status st = interleave8(t, comp, &pixels);
    if (st == CONVTOOL_OK)
        st = write8(o->format, t->w, t->h, comp, pixels, o->jpeg_quality, out);
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

convtool_status convtool_image_encode(const convtool_tensor *t, const convtool_save_options *o,
                                      convtool_buffer *out)
{
    if (!t || !t->data || t->c < 1 || t->h < 1 || t->w < 1 || !o || !out)
        return CONVTOOL_EINVAL;
    if (o->format == CONVTOOL_FORMAT_NPY)
        return npy_encode(t, o->npy_rank, out);
    if (o->format != CONVTOOL_FORMAT_PNG && o->format != CONVTOOL_FORMAT_JPEG &&
        o->format != CONVTOOL_FORMAT_BMP && o->format != CONVTOOL_FORMAT_TGA &&
        o->format != CONVTOOL_FORMAT_HDR)
        return CONVTOOL_EUNSUPPORTED;
    convtool_status st = check_writable(t, o->format);
    if (st != CONVTOOL_OK)
        return st;
    return o->format == CONVTOOL_FORMAT_HDR ? encode_hdr(t, out) : encode8(t, o, out);
}
