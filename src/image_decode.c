/*
 * Decoding: the header is probed and checked against the limits before any
 * pixel is decoded; stb then decodes PNG and JPEG (JPEG through libjpeg-turbo
 * when it is built in), npy.c decodes .npy.
 */
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "image_probe.h"
#include "jpeg_turbo.h"
#include "npy.h"
#include "stb_codec.h"

/* stb needs up to 4 samples per pixel below its 2^30 limit, whatever the file's channels. */
#define STB_MAX_PIXELS (STB_CODEC_MAX_SAMPLES / 4)

static convtool_status check_limits(const convtool_image_info *info,
                                    const convtool_load_options *opts)
{
    uint64_t pixels = (uint64_t)info->width * (uint64_t)info->height;
    if (opts && opts->max_pixels && pixels > opts->max_pixels)
        return CONVTOOL_ELIMIT;
    if (info->format == CONVTOOL_FORMAT_NPY)
        return CONVTOOL_OK;
    if (info->width > STB_CODEC_MAX_DIMENSION || info->height > STB_CODEC_MAX_DIMENSION ||
        pixels > STB_MAX_PIXELS)
        return CONVTOOL_ELIMIT;
    return CONVTOOL_OK;
}

/* HWC interleaved samples to C×H×W planes, s/255 (or s/65535) computed in float. */
static void planar8(const unsigned char *src, convtool_tensor *t)
{
    size_t hw = (size_t)t->h * (size_t)t->w, n = (size_t)t->c;
    for (size_t c = 0; c < n; c++)
        for (size_t i = 0; i < hw; i++)
            t->data[c * hw + i] = (float)src[i * n + c] / 255.0f;
}

static void planar16(const uint16_t *src, convtool_tensor *t)
{
    size_t hw = (size_t)t->h * (size_t)t->w, n = (size_t)t->c;
    for (size_t c = 0; c < n; c++)
        for (size_t i = 0; i < hw; i++)
            t->data[c * hw + i] = (float)src[i * n + c] / 65535.0f;
}

/*
 * JPEGs go to libjpeg-turbo when it is built in and active; it hands CMYK and
 * YCCK files back (EUNSUPPORTED) so that stb converts them the same way in
 * every build. *turbo says who allocated the pixels.
 */
static convtool_status decode8(const unsigned char *bytes, size_t len,
                               const convtool_image_info *info, int *w, int *h, int *n,
                               unsigned char **p8, int *turbo)
{
    *turbo = 0;
    if (info->format == CONVTOOL_FORMAT_JPEG && jpeg_turbo_active()) {
        convtool_status st = jpeg_turbo_decode(bytes, len, w, h, n, p8);
        if (st != CONVTOOL_EUNSUPPORTED) {
            *turbo = 1;
            return st;
        }
    }
    return stb_codec_decode8(bytes, len, w, h, n, p8);
}

/*
 * Decodes a PNG or JPEG into px, adopting the decoder's buffer (both stb and
 * libjpeg-turbo allocate with malloc, which convtool_pixels_free releases).
 */
static convtool_status decode_raw(const unsigned char *bytes, size_t len,
                                  const convtool_image_info *info, convtool_pixels *px)
{
    int w = 0, h = 0, n = 0, turbo = 0;
    unsigned char *p8 = NULL;
    uint16_t *p16 = NULL;
    convtool_status st = info->bit_depth == 16 ? stb_codec_decode16(bytes, len, &w, &h, &n, &p16)
                                               : decode8(bytes, len, info, &w, &h, &n, &p8, &turbo);
    (void)turbo;
    /* The probe promised this shape; disagreement means a file we misread. */
    if (st == CONVTOOL_OK && (w != info->width || h != info->height || n != info->channels))
        st = CONVTOOL_ECORRUPT;
    if (st != CONVTOOL_OK) {
        free(p8);
        free(p16);
        return st;
    }
    *px = (convtool_pixels){w, h, n, p16 ? 16 : 8, p16 ? (void *)p16 : (void *)p8};
    return CONVTOOL_OK;
}

static convtool_status pixels_to_tensor(const convtool_pixels *px, convtool_tensor *t)
{
    convtool_status st = convtool_tensor_alloc(t, px->channels, px->height, px->width);
    if (st != CONVTOOL_OK)
        return st;
    if (px->depth == 16)
        planar16(px->data, t);
    else
        planar8(px->data, t);
    return CONVTOOL_OK;
}

/* Probe, limits and completeness: everything before any pixel is decoded. */
static convtool_status check_before_decoding(const unsigned char *bytes, size_t len,
                                            const convtool_load_options *opts,
                                            convtool_image_info *info)
{
    convtool_status st = convtool_image_probe(bytes, len, info);
    if (st == CONVTOOL_OK)
        st = check_limits(info, opts);
    if (st == CONVTOOL_OK)
        st = image_check_complete(bytes, len, info);
    return st;
}

convtool_status convtool_image_decode_pixels(const unsigned char *bytes, size_t len,
                                             const convtool_load_options *opts,
                                             convtool_pixels *px, convtool_image_info *info)
{
    if (!px || !info)
        return CONVTOOL_EINVAL;
    memset(px, 0, sizeof *px);
    convtool_status st = check_before_decoding(bytes, len, opts, info);
    if (st == CONVTOOL_OK && info->format == CONVTOOL_FORMAT_NPY)
        st = CONVTOOL_EINVAL; /* floats, not pixels: use convtool_image_decode */
    if (st == CONVTOOL_OK)
        st = decode_raw(bytes, len, info, px);
    return st;
}

static convtool_status decode_npy(const unsigned char *bytes, size_t len, convtool_tensor *t)
{
    npy_header h;
    convtool_status st = npy_parse_header(bytes, len, &h);
    if (st != CONVTOOL_OK)
        return st;
    return npy_decode(bytes, &h, t);
}

convtool_status convtool_image_decode(const unsigned char *bytes, size_t len,
                                      const convtool_load_options *opts, convtool_image *img)
{
    if (!img)
        return CONVTOOL_EINVAL;
    memset(img, 0, sizeof *img);
    convtool_image_info info;
    convtool_pixels px = {0};
    convtool_status st = check_before_decoding(bytes, len, opts, &info);
    if (st == CONVTOOL_OK && info.format == CONVTOOL_FORMAT_NPY)
        st = decode_npy(bytes, len, &img->tensor);
    else if (st == CONVTOOL_OK)
        st = decode_raw(bytes, len, &info, &px);
    if (st == CONVTOOL_OK && px.data)
        st = pixels_to_tensor(&px, &img->tensor);
    convtool_pixels_free(&px);
    img->info = info; /* also on failure: the caller may report the format and size */
    if (st != CONVTOOL_OK) {
        convtool_tensor_free(&img->tensor);
        return st;
    }
    /* In .npy every channel is data; alpha exists only in images. */
    img->has_alpha =
        info.format != CONVTOOL_FORMAT_NPY && (info.channels == 2 || info.channels == 4);
    return CONVTOOL_OK;
}

void convtool_image_free(convtool_image *img)
{
    if (!img)
        return;
    convtool_tensor_free(&img->tensor);
    memset(img, 0, sizeof *img);
}
