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
#include "codec/png_rules.h"
#include "codec/png_unfilter.h"

#define IHDR_END PNG_RULES_IHDR_END
#define MAX_CHUNK PNG_RULES_MAX_CHUNK

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int is_type(const unsigned char *chunk, const char *type)
{
    return memcmp(chunk + 4, type, 4) == 0;
}

/* ------------------------------------------------------------- chunks */

/* The image data: its IDAT chunks' payloads, in order. */
struct idat {
    size_t total;  /* bytes over all IDAT chunks */
    size_t pieces; /* non-empty IDAT chunks */
};

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
            convtool_status st = png_rules_chunk(c, clen);
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
    convtool_status st = png_rules_header(bytes, len, 1, &h);
    if (st == CONVTOOL_OK)
        st = png_rules_info(&h, info);
    if (st != CONVTOOL_OK)
        return st;
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
