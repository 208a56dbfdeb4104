/* JPEG through libjpeg-turbo's TurboJPEG API (see jpeg_turbo.h). */
#include <stdlib.h>
#include <string.h>

#include "codec/jpeg_turbo.h"

#ifdef CONVTOOL_WITH_TURBOJPEG

#include <turbojpeg.h>

int jpeg_turbo_active(void)
{
    const char *codec = getenv("CONVTOOL_JPEG_CODEC");
    return !codec || strcmp(codec, "stb") != 0;
}

/* Allocation failures read "Insufficient memory (case N)" or "...: Memory allocation failure". */
static convtool_status failure(tjhandle tj, convtool_status otherwise)
{
    const char *why = tjGetErrorStr2(tj);
    return why && (strstr(why, "memory") || strstr(why, "Memory")) ? CONVTOOL_ENOMEM : otherwise;
}

static convtool_status read_header(tjhandle tj, const unsigned char *bytes, size_t len, int *w,
                                   int *h, int *channels)
{
    int subsamp, colorspace;
    /* A header libjpeg-turbo cannot read (the probe accepted it) is left to stb too. */
    if (tjDecompressHeader3(tj, bytes, (unsigned long)len, w, h, &subsamp, &colorspace) != 0 ||
        colorspace == TJCS_CMYK || colorspace == TJCS_YCCK)
        return CONVTOOL_EUNSUPPORTED;
    *channels = colorspace == TJCS_GRAY ? 1 : 3;
    return CONVTOOL_OK;
}

convtool_status jpeg_turbo_decode(const unsigned char *bytes, size_t len, int *w, int *h,
                                  int *channels, unsigned char **pixels)
{
    *pixels = NULL;
    tjhandle tj = tjInitDecompress();
    if (!tj)
        return CONVTOOL_ENOMEM;
    size_t bytes_out = 0;
    convtool_status st = read_header(tj, bytes, len, w, h, channels);
    if (st == CONVTOOL_OK)
        st = convtool_mul_size((size_t)*w, (size_t)*h, (size_t)*channels, 1, &bytes_out);
    if (st == CONVTOOL_OK && !(*pixels = malloc(bytes_out)))
        st = CONVTOOL_ENOMEM;
    if (st == CONVTOOL_OK &&
        tjDecompress2(tj, bytes, (unsigned long)len, *pixels, *w, *w * *channels, *h,
                      *channels == 1 ? TJPF_GRAY : TJPF_RGB, TJFLAG_STOPONWARNING) != 0)
        st = failure(tj, CONVTOOL_ECORRUPT);
    if (st != CONVTOOL_OK) {
        free(*pixels);
        *pixels = NULL;
    }
    tjDestroy(tj);
    return st;
}

/* Gray+alpha has no TurboJPEG pixel format: the gray samples, copied out. */
static convtool_status gray_of(const unsigned char *pixels, size_t n, unsigned char **gray)
{
    *gray = malloc(n ? n : 1);
    if (!*gray)
        return CONVTOOL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        (*gray)[i] = pixels[2 * i];
    return CONVTOOL_OK;
}

/* TurboJPEG's name for a sampling; -1 for one it does not write. */
static int tj_subsamp(int comp, convtool_jpeg_sampling sampling)
{
    if (comp <= 2)
        return TJSAMP_GRAY;
    switch (sampling) {
    case CONVTOOL_SAMPLING_444: return TJSAMP_444;
    case CONVTOOL_SAMPLING_422: return TJSAMP_422;
    case CONVTOOL_SAMPLING_420: return TJSAMP_420;
    default: return -1;
    }
}

convtool_status jpeg_turbo_encode(convtool_buffer *out, int w, int h, int comp,
                                  const unsigned char *pixels, int quality,
                                  convtool_jpeg_sampling sampling)
{
    static const int format[5] = {0, TJPF_GRAY, TJPF_GRAY, TJPF_RGB, TJPF_RGBX};
    int subsamp = tj_subsamp(comp, sampling);
    if (comp < 1 || comp > 4 || w < 1 || h < 1 || subsamp < 0)
        return CONVTOOL_EINVAL;
    unsigned char *jpeg = NULL, *gray = NULL;
    unsigned long size = 0;
    convtool_status st = CONVTOOL_OK;
    if (comp == 2 && (st = gray_of(pixels, (size_t)w * (size_t)h, &gray)) != CONVTOOL_OK)
        return st;
    tjhandle tj = tjInitCompress();
    if (!tj) {
        free(gray);
        return CONVTOOL_ENOMEM;
    }
    if (tjCompress2(tj, gray ? gray : pixels, w, gray ? w : w * comp, h, format[comp], &jpeg, &size,
                    subsamp, quality, 0) != 0)
        st = failure(tj, CONVTOOL_EINVAL);
    if (st == CONVTOOL_OK)
        st = convtool_buffer_append(out, jpeg, size);
    tjFree(jpeg);
    tjDestroy(tj);
    free(gray);
    return st;
}

#else /* built without libjpeg-turbo: stb does everything */

int jpeg_turbo_active(void)
{
    return 0;
}

convtool_status jpeg_turbo_decode(const unsigned char *bytes, size_t len, int *w, int *h,
                                  int *channels, unsigned char **pixels)
{
    (void)bytes, (void)len, (void)w, (void)h, (void)channels;
    *pixels = NULL;
    return CONVTOOL_EUNSUPPORTED;
}

convtool_status jpeg_turbo_encode(convtool_buffer *out, int w, int h, int comp,
                                  const unsigned char *pixels, int quality,
                                  convtool_jpeg_sampling sampling)
{
    (void)out, (void)w, (void)h, (void)comp, (void)pixels, (void)quality, (void)sampling;
    return CONVTOOL_EUNSUPPORTED;
}

#endif
