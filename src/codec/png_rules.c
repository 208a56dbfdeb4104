/* What the fast PNG decoders take and what they leave to stb (png_rules.h). */
#include <string.h>

#include "codec/png_rules.h"
#include "codec/stb_codec.h"

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int is_type(const unsigned char *chunk, const char *type)
{
    return memcmp(chunk + 4, type, 4) == 0;
}

/* Colour type and depth: ours (OK), stb's alone (EUNSUPPORTED), or nobody's (ECORRUPT). */
static convtool_status color_ok(int color, int depth, int *channels)
{
    static const int n[7] = {1, 0, 3, 0, 2, 0, 4};
    if (color == 3 || (color == 0 && (depth == 1 || depth == 2 || depth == 4)))
        return CONVTOOL_EUNSUPPORTED; /* palettes and packed gray */
    if (color > 6 || n[color] == 0 || (depth != 8 && depth != 16))
        return CONVTOOL_ECORRUPT;
    *channels = n[color];
    return CONVTOOL_OK;
}

/*
 * Sizes past these are stb's to refuse, with its own words. A strip decoder
 * (whole = 0) takes any number of samples, but rows no longer than stb's.
 */
static int within_stb_limits(const struct png_header *h, int whole)
{
    uint64_t samples = (uint64_t)h->width * h->height * (uint64_t)h->channels;
    return h->width <= STB_CODEC_MAX_DIMENSION && h->height <= STB_CODEC_MAX_DIMENSION &&
           (!whole || samples <= STB_CODEC_MAX_SAMPLES);
}

convtool_status png_rules_header(const unsigned char *b, size_t len, int whole,
                                 struct png_header *h)
{
    if (len < PNG_RULES_IHDR_END || memcmp(b, "\x89PNG\r\n\x1a\n", PNG_RULES_SIG_LEN) != 0)
        return CONVTOOL_ECORRUPT;
    if (is_type(b + PNG_RULES_SIG_LEN, "CgBI")) /* Apple's variant: raw DEFLATE, BGRA */
        return CONVTOOL_EUNSUPPORTED;
    if (be32(b + PNG_RULES_SIG_LEN) != 13 || !is_type(b + PNG_RULES_SIG_LEN, "IHDR"))
        return CONVTOOL_ECORRUPT;
    const unsigned char *d = b + 16;
    h->width = be32(d);
    h->height = be32(d + 4);
    h->depth = d[8];
    if (h->width == 0 || h->height == 0 || h->width > PNG_RULES_MAX_CHUNK ||
        h->height > PNG_RULES_MAX_CHUNK || d[10] != 0 || d[11] != 0 ||
        d[12] > 1) /* compression, filter and interlace methods */
        return CONVTOOL_ECORRUPT;
    convtool_status st = color_ok(d[9], h->depth, &h->channels);
    if (st != CONVTOOL_OK)
        return st;
    if (d[12] == 1 || !within_stb_limits(h, whole)) /* Adam7 */
        return CONVTOOL_EUNSUPPORTED;
    h->bpp = h->channels * h->depth / 8;
    h->row_bytes = (size_t)h->width * (size_t)h->bpp; /* < 2^31 · 8: no overflow in 64 bits */
    return CONVTOOL_OK;
}

convtool_status png_rules_info(const struct png_header *h, const convtool_image_info *info)
{
    if (!info)
        return CONVTOOL_OK;
    /* The probe counts tRNS as an alpha channel: that file is stb's to decode. */
    if (info->channels != h->channels)
        return CONVTOOL_EUNSUPPORTED;
    return info->width == (int)h->width && info->height == (int)h->height &&
                   info->bit_depth == h->depth
               ? CONVTOOL_OK
               : CONVTOOL_ECORRUPT;
}

convtool_status png_rules_chunk(const unsigned char *c, uint32_t clen)
{
    if (is_type(c, "IHDR"))
        return CONVTOOL_ECORRUPT; /* a second one */
    if (is_type(c, "tRNS") || is_type(c, "CgBI"))
        return CONVTOOL_EUNSUPPORTED; /* stb adds an alpha channel / undoes Apple's changes */
    if (is_type(c, "PLTE"))           /* a suggested palette, which stb checks and then ignores */
        return clen <= 256 * 3 && clen % 3 == 0 ? CONVTOOL_OK : CONVTOOL_ECORRUPT;
    /* Bit 5 of the first letter clear: critical, and unknown to stb. */
    return (c[4] & 0x20) ? CONVTOOL_OK : CONVTOOL_EUNSUPPORTED;
}
