/*
 * The single stb implementation unit. Only PNG and JPEG decoding is compiled
 * in, from memory only, without float/HDR loading; every stb function is
 * static, so no stb symbol leaves the library.
 */
#include <limits.h>
#include <string.h>

#include "codec/decode_arena.h"
#include "codec/stb_codec.h"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_MAX_DIMENSIONS STB_CODEC_MAX_DIMENSION
/*
 * stb's allocations go to the budgeted arena of the calling thread (see
 * decode_arena.h): a runaway allocation fails cleanly past the budget, and
 * stb only ever sees zeroed memory. The caller sets the arena up first.
 */
#define STBI_MALLOC(size) decode_arena_malloc(size)
#define STBI_REALLOC(p, size) decode_arena_realloc(p, size)
#define STBI_FREE(p) decode_arena_free(p)

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
/*
 * STBI_WRITE_NO_STDIO is deliberately not defined: stb_image_write 1.16 puts
 * its whole HDR writer, stbi_write_hdr_to_func included, behind that guard.
 * The stdio writers it adds are static and never called.
 */

/* stb is third-party code: its warnings are not ours to fix. */
#if defined(__GNUC__)
/* Unused static stb functions are reported at the end of the file, after any pop. */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#if defined(__clang__)
#pragma GCC diagnostic ignored "-Wunknown-warning-option"
#endif
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#endif

#include <stb/stb_image.h>

/*
 * stb_image_write's JPEG bit writer shifts set bits out of a signed int
 * (stbiw__jpg_writeBits: "bitBuf <<= 8"). GCC and Clang define that shift,
 * but UBSan stops on it, so the writer's functions are exempted from that
 * one check. GCC has no pragma for it: `static` gets the attribute instead,
 * after the C headers the writer uses are in, so the macro never reaches them.
 */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((no_sanitize("shift"))), apply_to = function)
#include <stb/stb_image_write.h>
#pragma clang attribute pop
#elif defined(__GNUC__) && __GNUC__ >= 8
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#pragma GCC diagnostic ignored "-Wattributes" /* the attribute on static variables */
#define static static __attribute__((no_sanitize("shift")))
#include <stb/stb_image_write.h>
#undef static
#else
#include <stb/stb_image_write.h>
#endif

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static convtool_status decode(const unsigned char *bytes, size_t len, int *w, int *h, int *channels,
                              void **pixels, int sixteen)
{
    *pixels = NULL;
    if (len > INT_MAX) /* stb takes an int length */
        return CONVTOOL_ELIMIT;
    stbi__g_failure_reason = NULL; /* thread-local: the reason of this call only */
    if (sixteen)
        *pixels = stbi_load_16_from_memory(bytes, (int)len, w, h, channels, 0);
    else
        *pixels = stbi_load_from_memory(bytes, (int)len, w, h, channels, 0);
    if (*pixels)
        return CONVTOOL_OK;
    /*
     * stb says "outofmem" when an allocation fails, nothing at all in a few
     * allocation paths (its zlib), and "unknown image type" when the one in
     * its format test fails: the probe has already recognised this file.
     * Every damaged file gets some other reason.
     */
    const char *why = stbi_failure_reason();
    if (!why || strcmp(why, "outofmem") == 0 || strcmp(why, "unknown image type") == 0)
        return CONVTOOL_ENOMEM;
    return CONVTOOL_ECORRUPT;
}

convtool_status stb_codec_decode8(const unsigned char *bytes, size_t len, int *w, int *h,
                                  int *channels, unsigned char **pixels)
{
    void *p;
    convtool_status st = decode(bytes, len, w, h, channels, &p, 0);
    *pixels = p;
    return st;
}

convtool_status stb_codec_decode16(const unsigned char *bytes, size_t len, int *w, int *h,
                                   int *channels, uint16_t **pixels)
{
    void *p;
    convtool_status st = decode(bytes, len, w, h, channels, &p, 1);
    *pixels = p;
    return st;
}

void stb_codec_free(void *pixels)
{
    stbi_image_free(pixels);
}

/* stb's writer callback returns void: the buffer's `failed` flag remembers a failed append. */
static void append_cb(void *context, void *data, int size)
{
    convtool_buffer *out = context;
    if (size > 0)
        (void)convtool_buffer_append(out, data, (size_t)size);
}

static convtool_status finish(const convtool_buffer *out, int ok)
{
    if (out->failed)
        return CONVTOOL_ENOMEM;
    return ok ? CONVTOOL_OK : CONVTOOL_EINVAL;
}

convtool_status stb_codec_write_jpg(convtool_buffer *out, int w, int h, int comp,
                                    const unsigned char *pixels, int quality)
{
    return finish(out, stbi_write_jpg_to_func(append_cb, out, w, h, comp, pixels, quality));
}

convtool_status stb_codec_write_bmp(convtool_buffer *out, int w, int h, int comp,
                                    const unsigned char *pixels)
{
    return finish(out, stbi_write_bmp_to_func(append_cb, out, w, h, comp, pixels));
}

convtool_status stb_codec_write_tga(convtool_buffer *out, int w, int h, int comp,
                                    const unsigned char *pixels)
{
    return finish(out, stbi_write_tga_to_func(append_cb, out, w, h, comp, pixels));
}

convtool_status stb_codec_write_hdr(convtool_buffer *out, int w, int h, int comp,
                                    const float *pixels)
{
    return finish(out, stbi_write_hdr_to_func(append_cb, out, w, h, comp, pixels));
}
