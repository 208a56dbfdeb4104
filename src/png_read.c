/*
 * The fast PNG decoder (see png_read.h). stb_image inflates with its own slow
 * zlib and unfilters byte by byte; here libdeflate inflates everything at once
 * and the Sub, Average and Paeth filters, whose every pixel depends on the one
 * to its left, run one pixel per step with all its bytes side by side.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "png_read.h"

#ifndef CONVTOOL_WITH_LIBDEFLATE

convtool_status png_read_fast(const unsigned char *bytes, size_t len,
                              const convtool_image_info *info, convtool_pixels *px)
{
    if (px)
        memset(px, 0, sizeof *px);
    return CONVTOOL_EUNSUPPORTED; /* built without libdeflate: stb decodes every PNG */
}

#else

#include <libdeflate.h>

#include "stb_codec.h"

/* PNG_READ_PORTABLE: the plain C filters on x86-64 too, so that tests can cover them. */
#if defined(__SSE2__) && defined(__x86_64__) && !defined(PNG_READ_PORTABLE)
#include <emmintrin.h>
#define PNG_READ_SSE2 1
#endif

#define SIG_LEN 8
#define IHDR_END 33 /* signature, chunk length and type, 13 bytes of IHDR, CRC */
#define MAX_CHUNK 0x7fffffffu

struct png_header {
    uint32_t width, height;
    int depth, channels;
    size_t row_bytes; /* unfiltered bytes per row, without the filter type byte */
    int bpp;          /* bytes per pixel: the distance to the "left" byte of a filter */
};

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
    size_t total;              /* bytes over all IDAT chunks */
    size_t pieces;             /* non-empty IDAT chunks */
    const unsigned char *only; /* the payload when there is one piece */
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

/*
 * Walks the chunks after IHDR to IEND, every one inside the file. Counts the
 * image data into *d, and copies it to dst as well when dst is not NULL.
 */
static convtool_status walk_chunks(const unsigned char *b, size_t len, struct idat *d,
                                   unsigned char *dst)
{
    size_t off = IHDR_END;
    *d = (struct idat){0, 0, NULL};
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
            if (dst)
                memcpy(dst + d->total, c + 8, clen);
            d->only = c + 8;
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

/* The image data in one piece: the file's own bytes, or *copy (to free) holding all IDATs. */
static convtool_status gather_idat(const unsigned char *b, size_t len, const unsigned char **z,
                                   size_t *zlen, unsigned char **copy)
{
    struct idat d;
    convtool_status st = walk_chunks(b, len, &d, NULL);
    if (st != CONVTOOL_OK)
        return st;
    *zlen = d.total;
    if (d.pieces == 1) {
        *z = d.only; /* no copy */
        return CONVTOOL_OK;
    }
    *copy = malloc(d.total);
    if (!*copy)
        return CONVTOOL_ENOMEM;
    walk_chunks(b, len, &d, *copy);
    *z = *copy;
    return CONVTOOL_OK;
}

/* ------------------------------------------------------------ inflate */

/*
 * Inflates the zlib stream z into exactly raw_len bytes. The zlib header is
 * checked as stb checks it, and the Adler-32 is not (stb ignores it), so the
 * DEFLATE data goes to libdeflate raw. Bytes after the final block are ignored.
 */
static convtool_status inflate_exact(const unsigned char *z, size_t zlen, unsigned char *raw,
                                     size_t raw_len)
{
    if (zlen < 2 || ((unsigned)z[0] << 8 | z[1]) % 31 != 0 || (z[1] & 0x20) || (z[0] & 15) != 8)
        return CONVTOOL_ECORRUPT; /* bad check bits, a preset dictionary, not DEFLATE */
    struct libdeflate_decompressor *dec = libdeflate_alloc_decompressor();
    if (!dec)
        return CONVTOOL_ENOMEM;
    enum libdeflate_result r =
        libdeflate_deflate_decompress(dec, z + 2, zlen - 2, raw, raw_len, NULL);
    libdeflate_free_decompressor(dec);
    if (r == LIBDEFLATE_SUCCESS)
        return CONVTOOL_OK;
    /* stb decodes a stream longer than the rows need (stb issue #276): let it. */
    return r == LIBDEFLATE_INSUFFICIENT_SPACE ? CONVTOOL_EUNSUPPORTED : CONVTOOL_ECORRUPT;
}

/* ----------------------------------------------------------- unfilter */

/*
 * The row filters may write over their own input: dst lies at or before src
 * (see unfilter_image), and every byte is read before any write reaches it.
 */
enum { F_NONE, F_SUB, F_UP, F_AVERAGE, F_PAETH };

#ifdef PNG_READ_SSE2

/*
 * One pixel of `bpp` bytes (a compile-time constant after inlining) in the low
 * lanes of a vector. Every access stays inside the row, and the bytes are put
 * together in registers: assembling them in memory would stall each load on
 * the partial stores before it.
 */
static inline uint64_t load_le(const unsigned char *p, int bytes)
{
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    switch (bytes) {
    case 1:
        memcpy(&u8, p, 1);
        return u8;
    case 2:
        memcpy(&u16, p, 2);
        return u16;
    case 4:
        memcpy(&u32, p, 4);
        return u32;
    default:
        memcpy(&u64, p, 8);
        return u64;
    }
}

static inline __m128i load_px(const unsigned char *p, int bpp)
{
    uint64_t v;
    if (bpp == 3 || bpp == 6) { /* 2 + 1 or 4 + 2 bytes; x86 is little-endian */
        int lo = bpp - bpp / 3;
        v = load_le(p, lo) | load_le(p + lo, bpp / 3) << (8 * lo);
    } else {
        v = load_le(p, bpp);
    }
    return _mm_cvtsi64_si128((long long)v);
}

static inline void store_le(unsigned char *p, uint64_t v, int bytes)
{
    uint8_t u8 = (uint8_t)v;
    uint16_t u16 = (uint16_t)v;
    uint32_t u32 = (uint32_t)v;
    switch (bytes) {
    case 1:
        memcpy(p, &u8, 1);
        break;
    case 2:
        memcpy(p, &u16, 2);
        break;
    case 4:
        memcpy(p, &u32, 4);
        break;
    default:
        memcpy(p, &v, 8);
        break;
    }
}

static inline void store_px(unsigned char *p, __m128i v, int bpp)
{
    uint64_t u = (uint64_t)_mm_cvtsi128_si64(v);
    if (bpp == 3 || bpp == 6) {
        int lo = bpp - bpp / 3;
        store_le(p, u, lo);
        store_le(p + lo, u >> (8 * lo), bpp / 3);
    } else {
        store_le(p, u, bpp);
    }
}

static inline __m128i abs16(__m128i v)
{
    return _mm_max_epi16(v, _mm_sub_epi16(_mm_setzero_si128(), v));
}

static inline __m128i select16(__m128i mask, __m128i yes, __m128i no)
{
    return _mm_or_si128(_mm_and_si128(mask, yes), _mm_andnot_si128(mask, no));
}

static inline __attribute__((always_inline)) void sub_px(const unsigned char *src,
                                                         unsigned char *dst, size_t n, int bpp)
{
    __m128i a = _mm_setzero_si128();
    for (size_t i = 0; i < n; i += (size_t)bpp) {
        a = _mm_add_epi8(load_px(src + i, bpp), a);
        store_px(dst + i, a, bpp);
    }
}

static inline __attribute__((always_inline)) void
avg_px(const unsigned char *src, const unsigned char *prev, unsigned char *dst, size_t n, int bpp)
{
    const __m128i one = _mm_set1_epi8(1);
    __m128i a = _mm_setzero_si128();
    for (size_t i = 0; i < n; i += (size_t)bpp) {
        __m128i b = load_px(prev + i, bpp);
        /* pavgb rounds up; the filter's (a + b) >> 1 rounds down when a + b is odd. */
        __m128i avg = _mm_sub_epi8(_mm_avg_epu8(a, b), _mm_and_si128(_mm_xor_si128(a, b), one));
        a = _mm_add_epi8(load_px(src + i, bpp), avg);
        store_px(dst + i, a, bpp);
    }
}

/* Paeth in 16-bit lanes, ties going to a, then b, then c, as the specification says. */
static inline __attribute__((always_inline)) void
paeth_px(const unsigned char *src, const unsigned char *prev, unsigned char *dst, size_t n, int bpp)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i a = zero, c = zero;
    for (size_t i = 0; i < n; i += (size_t)bpp) {
        __m128i b = _mm_unpacklo_epi8(load_px(prev + i, bpp), zero);
        __m128i bc = _mm_sub_epi16(b, c), ac = _mm_sub_epi16(a, c);
        __m128i pa = abs16(bc), pb = abs16(ac), pc = abs16(_mm_add_epi16(ac, bc));
        __m128i least = _mm_min_epi16(pc, _mm_min_epi16(pa, pb));
        __m128i pred =
            select16(_mm_cmpeq_epi16(least, pa), a, select16(_mm_cmpeq_epi16(least, pb), b, c));
        __m128i out = _mm_add_epi8(_mm_packus_epi16(pred, pred), load_px(src + i, bpp));
        store_px(dst + i, out, bpp);
        a = _mm_unpacklo_epi8(out, zero);
        c = b;
    }
}

/* Instantiates a filter for each pixel size PNG has here, so bpp is a constant inside. */
#define BY_BPP(call, bpp)                                                                          \
    switch (bpp) {                                                                                 \
    case 1:                                                                                        \
        call(1);                                                                                   \
        break;                                                                                     \
    case 2:                                                                                        \
        call(2);                                                                                   \
        break;                                                                                     \
    case 3:                                                                                        \
        call(3);                                                                                   \
        break;                                                                                     \
    case 4:                                                                                        \
        call(4);                                                                                   \
        break;                                                                                     \
    case 6:                                                                                        \
        call(6);                                                                                   \
        break;                                                                                     \
    default:                                                                                       \
        call(8);                                                                                   \
        break;                                                                                     \
    }

static void unfilter_sub(const unsigned char *src, unsigned char *dst, size_t n, int bpp)
{
#define SUB(k) sub_px(src, dst, n, k)
    BY_BPP(SUB, bpp)
#undef SUB
}

static void unfilter_avg(const unsigned char *src, const unsigned char *prev, unsigned char *dst,
                         size_t n, int bpp)
{
#define AVG(k) avg_px(src, prev, dst, n, k)
    BY_BPP(AVG, bpp)
#undef AVG
}

static void unfilter_paeth(const unsigned char *src, const unsigned char *prev, unsigned char *dst,
                           size_t n, int bpp)
{
#define PAETH(k) paeth_px(src, prev, dst, n, k)
    BY_BPP(PAETH, bpp)
#undef PAETH
}

#else /* portable C */

/* The PNG specification's predictor: a, b, c are left, up, up-left. */
static int paeth(int a, int b, int c)
{
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    if (pa <= pb && pa <= pc)
        return a;
    return pb <= pc ? b : c;
}

static void unfilter_sub(const unsigned char *src, unsigned char *dst, size_t n, int bpp)
{
    size_t k = (size_t)bpp;
    memmove(dst, src, k);
    for (size_t i = k; i < n; i++)
        dst[i] = (unsigned char)(src[i] + dst[i - k]);
}

static void unfilter_avg(const unsigned char *src, const unsigned char *prev, unsigned char *dst,
                         size_t n, int bpp)
{
    size_t k = (size_t)bpp;
    for (size_t i = 0; i < k; i++)
        dst[i] = (unsigned char)(src[i] + (prev[i] >> 1));
    for (size_t i = k; i < n; i++)
        dst[i] = (unsigned char)(src[i] + ((dst[i - k] + prev[i]) >> 1));
}

static void unfilter_paeth(const unsigned char *src, const unsigned char *prev, unsigned char *dst,
                           size_t n, int bpp)
{
    size_t k = (size_t)bpp;
    for (size_t i = 0; i < k; i++)
        dst[i] = (unsigned char)(src[i] + prev[i]); /* left and up-left are 0: up wins */
    for (size_t i = k; i < n; i++)
        dst[i] = (unsigned char)(src[i] + paeth(dst[i - k], prev[i], prev[i - k]));
}

#endif

/* Average on the first row, where the row above is zeros: a >> 1 alone. */
static void unfilter_avg_first(const unsigned char *src, unsigned char *dst, size_t n, int bpp)
{
    size_t k = (size_t)bpp;
    memmove(dst, src, k);
    for (size_t i = k; i < n; i++)
        dst[i] = (unsigned char)(src[i] + (dst[i - k] >> 1));
}

static void unfilter_up(const unsigned char *src, const unsigned char *prev, unsigned char *dst,
                        size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (unsigned char)(src[i] + prev[i]);
}

/* One row; prev is NULL on the first row, where the row above counts as zeros. */
static void unfilter_row(int filter, const unsigned char *src, const unsigned char *prev,
                         unsigned char *dst, size_t n, int bpp)
{
    if (!prev && (filter == F_UP || filter == F_PAETH)) /* Paeth(a, 0, 0) = a: Sub */
        filter = filter == F_UP ? F_NONE : F_SUB;
    switch (filter) {
    case F_NONE:
        memmove(dst, src, n);
        break;
    case F_SUB:
        unfilter_sub(src, dst, n, bpp);
        break;
    case F_UP:
        unfilter_up(src, prev, dst, n);
        break;
    case F_AVERAGE:
        if (prev)
            unfilter_avg(src, prev, dst, n, bpp);
        else
            unfilter_avg_first(src, dst, n, bpp);
        break;
    default:
        unfilter_paeth(src, prev, dst, n, bpp);
        break;
    }
}

/* PNG's big-endian 16-bit samples to native uint16_t, in place, as stb returns them. */
static void samples16_native(unsigned char *row, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint16_t v = (uint16_t)(row[i] << 8 | row[i + 1]);
        memcpy(row + i, &v, 2);
    }
}

/*
 * Unfilters the rows of raw (h rows of a filter type byte and row_bytes) in
 * place, each moving up to where the pixels belong: row y lands y + 1 bytes
 * before its filtered bytes, and every filter reads a byte before it writes
 * over it. No second image-sized buffer is needed. 16-bit rows are put in
 * native order one row late, once the row below has used them as its "up".
 */
static convtool_status unfilter_image(const struct png_header *h, unsigned char *raw)
{
    size_t n = h->row_bytes;
    unsigned char *prev = NULL;
    for (uint32_t y = 0; y < h->height; y++) {
        const unsigned char *src = raw + (size_t)y * (n + 1);
        unsigned char *dst = raw + (size_t)y * n;
        int filter = src[0];
        if (filter > F_PAETH)
            return CONVTOOL_ECORRUPT;
        unfilter_row(filter, src + 1, prev, dst, n, h->bpp);
        if (prev && h->depth == 16)
            samples16_native(prev, n);
        prev = dst;
    }
    if (h->depth == 16)
        samples16_native(prev, n);
    return CONVTOOL_OK;
}

/* ----------------------------------------------------------------- API */

static convtool_status decode(const unsigned char *bytes, size_t len, const struct png_header *h,
                              convtool_pixels *px)
{
    const unsigned char *z = NULL;
    unsigned char *copy = NULL, *raw = NULL;
    size_t zlen = 0, raw_len;
    convtool_status st = gather_idat(bytes, len, &z, &zlen, &copy);
    if (st == CONVTOOL_OK)
        st = convtool_mul_size(h->height, h->row_bytes + 1, 1, 1, &raw_len);
    if (st == CONVTOOL_OK && !(raw = malloc(raw_len)))
        st = CONVTOOL_ENOMEM;
    if (st == CONVTOOL_OK)
        st = inflate_exact(z, zlen, raw, raw_len);
    free(copy);
    if (st == CONVTOOL_OK)
        st = unfilter_image(h, raw);
    if (st != CONVTOOL_OK) {
        free(raw);
        return st;
    }
    /* Drop the h filter type bytes at the end; if shrinking fails, the block still serves. */
    unsigned char *fit = realloc(raw, raw_len - h->height);
    *px = (convtool_pixels){(int)h->width, (int)h->height, h->channels, h->depth, fit ? fit : raw};
    return CONVTOOL_OK;
}

convtool_status png_read_fast(const unsigned char *bytes, size_t len,
                              const convtool_image_info *info, convtool_pixels *px)
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
    return decode(bytes, len, &h, px);
}

#endif /* CONVTOOL_WITH_LIBDEFLATE */
