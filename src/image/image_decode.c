/*
 * Decoding: the header is probed and checked against the limits before any
 * pixel is decoded; structural checks run in front of stb (png_precheck.c and
 * the probe's JPEG table checks); then stb decodes PNG and JPEG (JPEG through
 * libjpeg-turbo when it is built in) in a contained child process
 * (decode_sandbox.h) with a budgeted allocator (decode_arena.h), and the
 * pixels come back through a pipe. npy.c decodes .npy.
 */
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "image/decode_contained.h"
#include "image/image_probe.h"
#include "codec/npy.h"
#include "codec/stb_codec.h"

/* stb needs up to 4 samples per pixel below its 2^30 limit, whatever the file's channels. */
#define STB_MAX_PIXELS (STB_CODEC_MAX_SAMPLES / 4)

static convtool_status check_limits(const convtool_image_info *info, size_t len,
                                    const convtool_load_options *opts)
{
    uint64_t pixels = (uint64_t)info->width * (uint64_t)info->height, need;
    if (opts && opts->max_pixels && pixels > opts->max_pixels)
        return CONVTOOL_ELIMIT;
    if (info->format == CONVTOOL_FORMAT_NPY)
        return CONVTOOL_OK;
    if (info->width > STB_CODEC_MAX_DIMENSION || info->height > STB_CODEC_MAX_DIMENSION ||
        pixels > STB_MAX_PIXELS)
        return CONVTOOL_ELIMIT;
    convtool_status st = convtool_decode_memory_estimate(info, len, &need);
    if (st == CONVTOOL_OK && opts && opts->max_memory && need > opts->max_memory)
        st = CONVTOOL_EMEMLIMIT;
    return st;
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

static convtool_status raw_to_tensor(const struct raw_image *raw, const convtool_image_info *info,
                                     convtool_tensor *t)
{
    convtool_status st = convtool_tensor_alloc(t, info->channels, info->height, info->width);
    if (st != CONVTOOL_OK)
        return st;
    if (info->bit_depth == 16)
        planar16((const uint16_t *)raw->data, t);
    else
        planar8(raw->data, t);
    return CONVTOOL_OK;
}

/* The samples, adopted as convtool_pixels (convtool_pixels_free() releases them with free()). */
static void raw_to_pixels(struct raw_image *raw, const convtool_image_info *info,
                          convtool_pixels *px)
{
    *px = (convtool_pixels){info->width, info->height, info->channels, info->bit_depth, raw->data};
    raw->data = NULL;
}

/* Probe, limits and completeness: everything before any pixel is decoded. */
static convtool_status check_before_decoding(const unsigned char *bytes, size_t len,
                                             const convtool_load_options *opts,
                                             convtool_image_info *info)
{
    convtool_status st = convtool_image_probe(bytes, len, info);
    if (st == CONVTOOL_OK)
        st = check_limits(info, len, opts);
    if (st == CONVTOOL_OK)
        st = image_check_complete(bytes, len, info);
    return st;
}

/* Whether the decode turns the picture upright (convtool_load_options.no_autorotate). */
static int autorotates(const convtool_image_info *info, const convtool_load_options *opts)
{
    return info->orientation > 1 && !(opts && opts->no_autorotate);
}

/* The info of an upright picture: the shown size, orientation 1. */
static void info_upright(convtool_image_info *info)
{
    if (info->orientation >= 5) {
        int w = info->width;
        info->width = info->height, info->height = w;
    }
    info->orientation = 1;
}

static convtool_status orient_pixels(convtool_pixels *px, convtool_image_info *info)
{
    convtool_status st = convtool_pixels_orient(px, info->orientation);
    if (st == CONVTOOL_OK)
        info_upright(info);
    return st;
}

static convtool_status orient_tensor(convtool_tensor *t, convtool_image_info *info)
{
    convtool_status st = convtool_tensor_orient(t, info->orientation);
    if (st == CONVTOOL_OK)
        info_upright(info);
    return st;
}

convtool_status convtool_image_decode_pixels(const unsigned char *bytes, size_t len,
                                             const convtool_load_options *opts, convtool_pixels *px,
                                             convtool_image_info *info)
{
    if (!px || !info)
        return CONVTOOL_EINVAL;
    memset(px, 0, sizeof *px);
    convtool_status st = check_before_decoding(bytes, len, opts, info);
    if (st == CONVTOOL_OK && info->format == CONVTOOL_FORMAT_NPY)
        st = CONVTOOL_EINVAL; /* floats, not pixels: use convtool_image_decode */
    struct raw_image raw = {0};
    if (st == CONVTOOL_OK)
        st = decode_contained(bytes, len, info, opts, &raw);
    if (st == CONVTOOL_OK)
        raw_to_pixels(&raw, info, px);
    if (st == CONVTOOL_OK && autorotates(info, opts))
        st = orient_pixels(px, info);
    if (st != CONVTOOL_OK)
        convtool_pixels_free(px);
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
    struct raw_image raw = {0};
    convtool_status st = check_before_decoding(bytes, len, opts, &info);
    if (st == CONVTOOL_OK && info.format == CONVTOOL_FORMAT_NPY)
        st = decode_npy(bytes, len, &img->tensor);
    else if (st == CONVTOOL_OK)
        st = decode_contained(bytes, len, &info, opts, &raw);
    if (st == CONVTOOL_OK && raw.data)
        st = raw_to_tensor(&raw, &info, &img->tensor);
    raw_image_release(&raw);
    if (st == CONVTOOL_OK && autorotates(&info, opts))
        st = orient_tensor(&img->tensor, &info);
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
