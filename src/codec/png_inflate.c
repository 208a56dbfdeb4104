/*
 * PNG image data inflated by ISA-L (streaming) or libdeflate (whole buffer);
 * see png_inflate.h. ISA-L is the default when built in: on a 4096² photo's
 * image data it inflates faster than libdeflate (bench/RESULTS.md), needs no
 * copy of split IDATs, and can stop after any number of rows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/png_inflate.h"

#ifdef CONVTOOL_WITH_LIBDEFLATE
#include <libdeflate.h>
#endif
#ifdef CONVTOOL_WITH_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "common/big_alloc.h"

/* The zlib header as stb checks it: check bits, no preset dictionary, DEFLATE. */
static inline int zlib_header_ok(unsigned char cmf, unsigned char flg)
{
    return ((unsigned)cmf << 8 | flg) % 31 == 0 && !(flg & 0x20) && (cmf & 15) == 8;
}

int png_inflate_available(enum png_inflater which)
{
    switch (which) {
#ifdef CONVTOOL_WITH_ISAL
    case PNG_INFLATE_ISAL:
        return 1;
#endif
#ifdef CONVTOOL_WITH_LIBDEFLATE
    case PNG_INFLATE_LIBDEFLATE:
        return 1;
#endif
    case PNG_INFLATE_DEFAULT:
        return png_inflate_available(PNG_INFLATE_ISAL) ||
               png_inflate_available(PNG_INFLATE_LIBDEFLATE);
    default:
        return 0;
    }
}

/* ---------------------------------------------------------- libdeflate */

#ifdef CONVTOOL_WITH_LIBDEFLATE
/* The pieces in one buffer: the only piece itself, or *copy (to free) holding them all. */
static convtool_status gather(png_zsource src, void *ctx, size_t total, const unsigned char **z,
                              unsigned char **copy)
{
    const unsigned char *p;
    size_t n = src(ctx, &p);
    *z = p;
    if (n == total) /* also total 0 */
        return CONVTOOL_OK;
    if (!(*copy = big_alloc(total)))
        return CONVTOOL_ENOMEM;
    for (size_t at = 0; n > 0 && n <= total - at; at += n, n = src(ctx, &p))
        memcpy(*copy + at, p, n);
    *z = *copy;
    return CONVTOOL_OK;
}

/* In one call: libdeflate does not stream. */
static convtool_status libdeflate_whole(png_zsource src, void *ctx, size_t total,
                                        unsigned char *dst, size_t n)
{
    const unsigned char *z = NULL;
    unsigned char *copy = NULL;
    convtool_status st = gather(src, ctx, total, &z, &copy);
    struct libdeflate_decompressor *dec = NULL;
    if (st == CONVTOOL_OK && (total < 2 || !zlib_header_ok(z[0], z[1])))
        st = CONVTOOL_ECORRUPT;
    if (st == CONVTOOL_OK && !(dec = libdeflate_alloc_decompressor()))
        st = CONVTOOL_ENOMEM;
    if (st == CONVTOOL_OK) {
        enum libdeflate_result r =
            libdeflate_deflate_decompress(dec, z + 2, total - 2, dst, n, NULL);
        /* stb decodes a stream longer than the rows need (stb issue #276): let it. */
        st = r == LIBDEFLATE_SUCCESS              ? CONVTOOL_OK
             : r == LIBDEFLATE_INSUFFICIENT_SPACE ? CONVTOOL_EUNSUPPORTED
                                                  : CONVTOOL_ECORRUPT;
    }
    libdeflate_free_decompressor(dec);
    free(copy);
    return st;
}
#endif

/* --------------------------------------------------------------- ISA-L */

#ifdef CONVTOOL_WITH_ISAL
struct png_inflate {
    struct inflate_state z; /* about 45 KB, with its history window */
    png_zsource src;
    void *ctx;
    int no_more_input;
    convtool_status failed; /* CONVTOOL_OK until an error, then that error for good */
};

/* Gives ISA-L the next piece when it has used the last. 0 when there are no more. */
static int refill(struct png_inflate *s)
{
    if (s->z.avail_in > 0)
        return 1;
    const unsigned char *p = NULL;
    size_t n = s->no_more_input ? 0 : s->src(s->ctx, &p);
    if (n > UINT32_MAX) { /* ISA-L counts in 32 bits; PNG chunks are < 2^31 anyway */
        s->failed = CONVTOOL_ECORRUPT;
        return 0;
    }
    if (n == 0) {
        s->no_more_input = 1;
        return 0;
    }
    s->z.next_in = (uint8_t *)p; /* ISA-L only reads it */
    s->z.avail_in = (uint32_t)n;
    return 1;
}

/* The zlib header's two bytes, which may lie in two pieces. */
static convtool_status read_zlib_header(struct png_inflate *s)
{
    unsigned char h[2];
    for (int i = 0; i < 2; i++) {
        if (!refill(s))
            return CONVTOOL_ECORRUPT;
        h[i] = *s->z.next_in++;
        s->z.avail_in--;
    }
    return zlib_header_ok(h[0], h[1]) ? CONVTOOL_OK : CONVTOOL_ECORRUPT;
}

struct png_inflate *png_inflate_open(png_zsource src, void *ctx)
{
    struct png_inflate *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    isal_inflate_init(&s->z); /* raw DEFLATE, 32 KiB window, no checksum */
    s->src = src;
    s->ctx = ctx;
    s->no_more_input = 0;
    s->failed = read_zlib_header(s);
    return s;
}

/*
 * Up to n bytes into dst, as many as one call of ISA-L gives (0 at the end
 * of the stream or of the input). *got: how many. ECORRUPT on bad data.
 */
static convtool_status step(struct png_inflate *s, unsigned char *dst, size_t n, size_t *got)
{
    s->z.next_out = dst;
    s->z.avail_out = n < UINT32_MAX ? (uint32_t)n : UINT32_MAX;
    uint32_t in_before = s->z.avail_in;
    int r = isal_inflate(&s->z);
    *got = (size_t)(s->z.next_out - dst);
    if (r < 0)
        return CONVTOOL_ECORRUPT;
    if (*got == 0 && s->z.avail_in == in_before && s->z.block_state != ISAL_BLOCK_FINISH &&
        (in_before > 0 || !refill(s)))
        return CONVTOOL_ECORRUPT; /* stuck: the input ended inside the stream */
    return CONVTOOL_OK;
}

convtool_status png_inflate_read(struct png_inflate *s, unsigned char *dst, size_t n)
{
    while (n > 0 && s->failed == CONVTOOL_OK) {
        if (s->z.block_state == ISAL_BLOCK_FINISH)
            return s->failed = CONVTOOL_ECORRUPT; /* the stream is shorter than the rows */
        refill(s);
        size_t got = 0;
        convtool_status st = step(s, dst, n, &got);
        if (st != CONVTOOL_OK && s->failed == CONVTOOL_OK)
            s->failed = st;
        dst += got;
        n -= got;
    }
    return s->failed;
}

convtool_status png_inflate_end(struct png_inflate *s)
{
    unsigned char extra;
    while (s->failed == CONVTOOL_OK && s->z.block_state != ISAL_BLOCK_FINISH) {
        refill(s);
        size_t got = 0;
        convtool_status st = step(s, &extra, 1, &got);
        if (got > 0) /* more than the rows need, even if bad data follows: stb's to decode */
            return CONVTOOL_EUNSUPPORTED;
        if (st != CONVTOOL_OK)
            return s->failed = st;
    }
    return s->failed;
}

void png_inflate_close(struct png_inflate *s)
{
    free(s);
}

/* In PNG_INFLATE_PIECE pieces, as a strip decoder would pull rows. */
static convtool_status isal_whole(png_zsource src, void *ctx, unsigned char *dst, size_t n)
{
    struct png_inflate *s = png_inflate_open(src, ctx);
    if (!s)
        return CONVTOOL_ENOMEM;
    convtool_status st = CONVTOOL_OK;
    for (size_t at = 0; at < n && st == CONVTOOL_OK; at += PNG_INFLATE_PIECE)
        st = png_inflate_read(s, dst + at, n - at < PNG_INFLATE_PIECE ? n - at : PNG_INFLATE_PIECE);
    if (st == CONVTOOL_OK)
        st = png_inflate_end(s);
    png_inflate_close(s);
    return st;
}

#else /* !CONVTOOL_WITH_ISAL */

struct png_inflate *png_inflate_open(png_zsource src, void *ctx)
{
    (void)src, (void)ctx;
    return NULL;
}

convtool_status png_inflate_read(struct png_inflate *s, unsigned char *dst, size_t n)
{
    (void)s, (void)dst, (void)n;
    return CONVTOOL_EUNSUPPORTED;
}

convtool_status png_inflate_end(struct png_inflate *s)
{
    (void)s;
    return CONVTOOL_EUNSUPPORTED;
}

void png_inflate_close(struct png_inflate *s)
{
    (void)s;
}

#endif /* CONVTOOL_WITH_ISAL */

/* ------------------------------------------------------------------ API */

convtool_status png_inflate_whole(enum png_inflater which, png_zsource src, void *ctx,
                                  size_t total, unsigned char *dst, size_t n)
{
    if (which == PNG_INFLATE_DEFAULT)
        which = png_inflate_available(PNG_INFLATE_ISAL) ? PNG_INFLATE_ISAL : PNG_INFLATE_LIBDEFLATE;
    (void)src, (void)ctx, (void)total, (void)dst, (void)n;
#ifdef CONVTOOL_WITH_ISAL
    if (which == PNG_INFLATE_ISAL)
        return isal_whole(src, ctx, dst, n);
#endif
#ifdef CONVTOOL_WITH_LIBDEFLATE
    if (which == PNG_INFLATE_LIBDEFLATE)
        return libdeflate_whole(src, ctx, total, dst, n);
#endif
    return CONVTOOL_EUNSUPPORTED;
}
