/*
 * The fast PNG decoder (see png_read.h). stb_image inflates with its own slow
 * zlib and unfilters byte by byte; here ISA-L or libdeflate inflates
 * (png_inflate.c) and png_unfilter.c undoes the row filters a pixel at a time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/png_read.h"
#include "codec/png_inflate.h"

#if !defined(CONVTOOL_WITH_LIBDEFLATE) && !defined(CONVTOOL_WITH_ISAL)

convtool_status png_read_fast_using(enum png_inflater which, const unsigned char *bytes,
                                    size_t len, const convtool_image_info *info,
                                    convtool_pixels *px)
{
    (void)which, (void)bytes, (void)len, (void)info;
    if (px)
        memset(px, 0, sizeof *px);
    return CONVTOOL_EUNSUPPORTED; /* built without an inflater: stb decodes every PNG */
}

#else

#include "common/big_alloc.h"
#include "codec/png_unfilter.h"
#include "codec/stb_codec.h"

#define SIG_LEN 8
#define IHDR_END 33 /* signature, chunk length and type, 13 bytes of IHDR, CRC */
#define MAX_CHUNK 0x7fffffffu

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int is_type(const unsigned char *chunk, const char *type)
{
    return memcmp(chunk + 4, type, 4) == 0;
}

/* ------------------------------------------------------------- header */

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

/* Sizes past these are stb's to refuse, with its own words. */
static int within_stb_limits(const struct png_header *h)
{
    uint64_t samples = (uint64_t)h->width * h->height * (uint64_t)h->channels;
    return h->width <= STB_CODEC_MAX_DIMENSION && h->height <= STB_CODEC_MAX_DIMENSION &&
           samples <= STB_CODEC_MAX_SAMPLES;
}

static convtool_status parse_ihdr(const unsigned char *b, size_t len, struct png_header *h)
{
    if (len < IHDR_END || memcmp(b, "\x89PNG\r\n\x1a\n", SIG_LEN) != 0)
        return CONVTOOL_ECORRUPT;
    if (is_type(b + SIG_LEN, "CgBI")) /* Apple's variant: raw DEFLATE, BGRA */
        return CONVTOOL_EUNSUPPORTED;
    if (be32(b + SIG_LEN) != 13 || !is_type(b + SIG_LEN, "IHDR"))
        return CONVTOOL_ECORRUPT;
    const unsigned char *d = b + 16;
    h->width = be32(d);
    h->height = be32(d + 4);
    h->depth = d[8];
    if (h->width == 0 || h->height == 0 || h->width > MAX_CHUNK || h->height > MAX_CHUNK ||
        d[10] != 0 || d[11] != 0 || d[12] > 1) /* compression, filter and interlace methods */
        return CONVTOOL_ECORRUPT;
    convtool_status st = color_ok(d[9], h->depth, &h->channels);
    if (st != CONVTOOL_OK)
        return st;
    if (d[12] == 1 || !within_stb_limits(h)) /* Adam7 */
        return CONVTOOL_EUNSUPPORTED;
    h->bpp = h->channels * h->depth / 8;
    h->row_bytes = (size_t)h->width * (size_t)h->bpp; /* < 2^31 · 8: no overflow in 64 bits */
    return CONVTOOL_OK;
}

static int agrees_with_probe(const struct png_header *h, const convtool_image_info *info)
{
    return !info || (info->width == (int)h->width && info->height == (int)h->height &&
                     info->channels == h->channels && info->bit_depth == h->depth);
}

/* ------------------------------------------------------------- chunks */

/* The image data: its IDAT chunks' payloads, in order. */
struct idat {
    size_t total;  /* bytes over all IDAT chunks */
    size_t pieces; /* non-empty IDAT chunks */
};

/* Chunks other than IDAT and IEND that stb refuses or handles differently. */
static convtool_status chunk_ok(const unsigned char *c, uint32_t clen)
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

/* Walks the chunks after IHDR to IEND, every one inside the file. Counts the image data into *d. */
static convtool_status walk_chunks(const unsigned char *b, size_t len, struct idat *d)
{
    size_t off = IHDR_END;
    *d = (struct idat){0, 0};
    for (;;) {
        if (len - off < 12)
            return CONVTOOL_ECORRUPT; /* no IEND */
        const unsigned char *c = b + off;
        uint32_t clen = be32(c);
        if (clen > MAX_CHUNK || clen > len - off - 12)
            return CONVTOOL_ECORRUPT;
        if (is_type(c, "IEND"))
            return d->total ? CONVTOOL_OK : CONVTOOL_ECORRUPT;
        if (is_type(c, "IDAT") && clen > 0) {
            d->total += clen; /* at most len: no overflow */
            d->pieces++;
        } else if (!is_type(c, "IDAT")) {
            convtool_status st = chunk_ok(c, clen);
            if (st != CONVTOOL_OK)
                return st;
        }
        off += 12 + (size_t)clen;
    }
}

/* The IDAT payloads one by one (a png_zsource), in a file walk_chunks has checked. */
struct idat_walk {
    const unsigned char *b;
    size_t off;
};

static size_t next_idat(void *ctx, const unsigned char **piece)
{
    struct idat_walk *w = ctx;
    for (;;) {
        const unsigned char *c = w->b + w->off;
        uint32_t clen = be32(c);
        if (is_type(c, "IEND"))
            return 0; /* stays there */
        w->off += 12 + (size_t)clen;
        if (is_type(c, "IDAT") && clen > 0) {
            *piece = c + 8;
            return clen;
        }
    }
}

/* ----------------------------------------------------------------- API */

static convtool_status decode(enum png_inflater which, const unsigned char *bytes, size_t len,
                              const struct png_header *h, convtool_pixels *px)
{
    unsigned char *raw = NULL;
    size_t row = h->row_bytes + 1, raw_len;
    struct idat d;
    struct idat_walk w = {bytes, IHDR_END};
    convtool_status st = walk_chunks(bytes, len, &d);
    /* The image data, h rows of n + 1 bytes, after a row's headroom (see png_unfilter.h). */
    if (st == CONVTOOL_OK)
        st = convtool_mul_size((size_t)h->height + 1, row, 1, 1, &raw_len);
    if (st == CONVTOOL_OK && !(raw = big_alloc(raw_len)))
        st = CONVTOOL_ENOMEM;
    if (st == CONVTOOL_OK)
        st = png_inflate_whole(which, next_idat, &w, d.total, raw + row, raw_len - row);
    if (st == CONVTOOL_OK)
        st = png_unfilter_image(h, raw);
    if (st != CONVTOOL_OK) {
        free(raw);
        return st;
    }
    /* Keep the h·n bytes of pixels; if shrinking fails, the block still serves. */
    unsigned char *fit = realloc(raw, raw_len - row - h->height);
    *px = (convtool_pixels){(int)h->width, (int)h->height, h->channels, h->depth, fit ? fit : raw};
    return CONVTOOL_OK;
}

convtool_status png_read_fast_using(enum png_inflater which, const unsigned char *bytes,
                                    size_t len, const convtool_image_info *info,
                                    convtool_pixels *px)
{
    if (!px || (!bytes && len))
        return CONVTOOL_EINVAL;
    memset(px, 0, sizeof *px);
    struct png_header h;
    convtool_status st = parse_ihdr(bytes, len, &h);
    if (st != CONVTOOL_OK)
        return st;
    /* The probe counts tRNS as an alpha channel: that file is stb's to decode. */
    if (info && info->channels != h.channels)
        return CONVTOOL_EUNSUPPORTED;
    if (!agrees_with_probe(&h, info))
        return CONVTOOL_ECORRUPT;
    if (!png_inflate_available(which))
        return CONVTOOL_EUNSUPPORTED;
    return decode(which, bytes, len, &h, px);
}

#endif /* an inflater */

convtool_status png_read_fast(const unsigned char *bytes, size_t len,
                              const convtool_image_info *info, convtool_pixels *px)
{
    return png_read_fast_using(PNG_INFLATE_DEFAULT, bytes, len, info, px);
}
