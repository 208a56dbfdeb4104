/*
 * PNG's row filters undone in place, for the fast decoder (png_read.c). The
 * Sub, Average and Paeth filters, whose every pixel depends on the one to its
 * left, run one pixel per step with all its bytes side by side in a vector,
 * two rows at once so that two such chains of dependencies overlap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/png_unfilter.h"

/* PNG_UNFILTER_PORTABLE: the plain C filters on x86-64 too, so that tests can cover them. */
#if defined(__SSE2__) && defined(__x86_64__) && !defined(PNG_UNFILTER_PORTABLE)
#include <emmintrin.h>
#define PNG_UNFILTER_SSE2 1
#endif

/*
 * The row filters may write over their own input: dst lies at or before src
 * (see unfilter_image), and every byte is read before any write reaches it.
 */
enum { F_NONE, F_SUB, F_UP, F_AVERAGE, F_PAETH };

#ifdef PNG_UNFILTER_SSE2

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

/*
 * The Paeth predictor in 16-bit lanes, ties going to a, then b, then c, as the
 * specification says, rewritten so that little waits on a, the left pixel
 * (the one input that comes from the previous step). With e = b - c:
 * pa <= pb and pa <= pc hold unless a lies strictly between b and 3c - 2b
 * (both closed conditions fail together only there), and then pb <= pc
 * exactly when e·(2a - (3c - b)) >= 0, a comparison whose sides swap with
 * e's sign: bitwise not reverses the order. Checked against the
 * specification's formula for all 2^24 (a, b, c).
 */
static inline __m128i paeth16(__m128i a, __m128i b, __m128i c)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i t = _mm_sub_epi16(_mm_add_epi16(_mm_add_epi16(c, c), c), b); /* 3c - b */
    __m128i far = _mm_sub_epi16(t, b);                                   /* 3c - 2b */
    __m128i lo = _mm_min_epi16(b, far), hi = _mm_max_epi16(b, far);
    __m128i down = _mm_cmpeq_epi16(_mm_cmpgt_epi16(b, c), zero); /* e <= 0 */
    __m128i b_xor_c = _mm_xor_si128(b, c), t_flip = _mm_xor_si128(t, down);
    __m128i inside = _mm_and_si128(_mm_cmpgt_epi16(a, lo), _mm_cmpgt_epi16(hi, a));
    __m128i take_c = _mm_cmpgt_epi16(t_flip, _mm_xor_si128(_mm_add_epi16(a, a), down));
    __m128i b_or_c = _mm_xor_si128(b, _mm_and_si128(b_xor_c, take_c));
    return _mm_xor_si128(a, _mm_and_si128(_mm_xor_si128(a, b_or_c), inside));
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

static inline __attribute__((always_inline)) void
paeth_px(const unsigned char *src, const unsigned char *prev, unsigned char *dst, size_t n, int bpp)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i a = zero, c = zero;
    for (size_t i = 0; i < n; i += (size_t)bpp) {
        __m128i b = _mm_unpacklo_epi8(load_px(prev + i, bpp), zero);
        __m128i pred = paeth16(a, b, c);
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

/* Two consecutive rows: the upper one's row above, and where each row is read and written. */
struct row_pair {
    const unsigned char *src0, *src1, *prev;
    unsigned char *dst0, *dst1;
    size_t n;
};

#ifdef PNG_UNFILTER_SSE2
/* One pixel of a Sub, Average or Paeth row (f a constant after inlining), a, b, c as above. */
static inline __attribute__((always_inline)) __m128i filter_px(int f, __m128i x, __m128i a,
                                                               __m128i b, __m128i c)
{
    const __m128i zero = _mm_setzero_si128();
    if (f == F_SUB)
        return _mm_add_epi8(x, a);
    if (f == F_AVERAGE) {
        __m128i floor = _mm_and_si128(_mm_xor_si128(a, b), _mm_set1_epi8(1));
        return _mm_add_epi8(x, _mm_sub_epi8(_mm_avg_epu8(a, b), floor));
    }
    __m128i pred =
        paeth16(_mm_unpacklo_epi8(a, zero), _mm_unpacklo_epi8(b, zero), _mm_unpacklo_epi8(c, zero));
    return _mm_add_epi8(x, _mm_packus_epi16(pred, pred));
}

/*
 * Two rows in one loop, the lower one pixel behind: its left, up and up-left
 * are the pixel it made last and the upper row's last two, all in registers,
 * so the two dependency chains run side by side.
 */
static inline __attribute__((always_inline)) void pair_px(int f0, int f1, const struct row_pair *p,
                                                          int bpp)
{
    const size_t k = (size_t)bpp, n = p->n;
    const __m128i zero = _mm_setzero_si128();
    __m128i b0 = load_px(p->prev, bpp);
    __m128i a0 = filter_px(f0, load_px(p->src0, bpp), zero, b0, zero);
    __m128i c0 = b0, up_left = zero, a1 = zero;
    store_px(p->dst0, a0, bpp);
    for (size_t i = k; i < n; i += k) {
        b0 = load_px(p->prev + i, bpp);
        __m128i out0 = filter_px(f0, load_px(p->src0 + i, bpp), a0, b0, c0);
        a1 = filter_px(f1, load_px(p->src1 + i - k, bpp), a1, a0, up_left);
        store_px(p->dst0 + i, out0, bpp);
        store_px(p->dst1 + i - k, a1, bpp);
        up_left = a0;
        a0 = out0;
        c0 = b0;
    }
    a1 = filter_px(f1, load_px(p->src1 + n - k, bpp), a1, a0, up_left);
    store_px(p->dst1 + n - k, a1, bpp);
}

#define PAIR(k) pair_px(F0, F1, p, k)
#define DEFINE_PAIR(name, f0, f1)                                                                  \
    static void name(const struct row_pair *p, int bpp)                                            \
    {                                                                                              \
        enum { F0 = f0, F1 = f1 };                                                                 \
        BY_BPP(PAIR, bpp)                                                                          \
    }
DEFINE_PAIR(pair_sub_sub, F_SUB, F_SUB)
DEFINE_PAIR(pair_sub_avg, F_SUB, F_AVERAGE)
DEFINE_PAIR(pair_sub_paeth, F_SUB, F_PAETH)
DEFINE_PAIR(pair_avg_sub, F_AVERAGE, F_SUB)
DEFINE_PAIR(pair_avg_avg, F_AVERAGE, F_AVERAGE)
DEFINE_PAIR(pair_avg_paeth, F_AVERAGE, F_PAETH)
DEFINE_PAIR(pair_paeth_sub, F_PAETH, F_SUB)
DEFINE_PAIR(pair_paeth_avg, F_PAETH, F_AVERAGE)
DEFINE_PAIR(pair_paeth_paeth, F_PAETH, F_PAETH)
#undef DEFINE_PAIR
#undef PAIR

/* Sub, Average, Paeth: 0, 1, 2; the others, whose pixels do not wait on each other: -1. */
static int serial_index(int filter)
{
    return filter == F_SUB ? 0 : filter == F_AVERAGE ? 1 : filter == F_PAETH ? 2 : -1;
}

static void unfilter_pair(int f0, int f1, const struct row_pair *p, int bpp)
{
    static void (*const pairs[3][3])(const struct row_pair *, int) = {
        {pair_sub_sub, pair_sub_avg, pair_sub_paeth},
        {pair_avg_sub, pair_avg_avg, pair_avg_paeth},
        {pair_paeth_sub, pair_paeth_avg, pair_paeth_paeth},
    };
    int i0 = serial_index(f0), i1 = serial_index(f1);
    if (i0 >= 0 && i1 >= 0) {
        pairs[i0][i1](p, bpp);
        return;
    }
    unfilter_row(f0, p->src0, p->prev, p->dst0, p->n, bpp);
    unfilter_row(f1, p->src1, p->dst0, p->dst1, p->n, bpp);
}

#else

static void unfilter_pair(int f0, int f1, const struct row_pair *p, int bpp)
{
    unfilter_row(f0, p->src0, p->prev, p->dst0, p->n, bpp);
    unfilter_row(f1, p->src1, p->dst0, p->dst1, p->n, bpp);
}

#endif

void png_unfilter_native16(unsigned char *row, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint16_t v = (uint16_t)(row[i] << 8 | row[i + 1]);
        memcpy(row + i, &v, 2);
    }
}

/* Rows [from, to) of the pixels to native byte order, when the samples are 16-bit. */
static void rows_native(const struct png_header *h, unsigned char *pixels, uint32_t from,
                        uint32_t to)
{
    for (uint32_t y = from; h->depth == 16 && y < to; y++)
        png_unfilter_native16(pixels + (size_t)y * h->row_bytes, h->row_bytes);
}

/*
 * Unfilters the image data in place. The h rows of a filter type byte and n
 * bytes lie one such row (n + 1 bytes) into raw, and row y's pixels land at
 * y·n, n + y + 2 bytes before its filtered bytes. Rows go two at a time, the
 * lower one a pixel behind the upper, and that head start of a row keeps the
 * lower row's writes before the upper row's bytes still to be read: from y·n,
 * they would run into its last y + 1 bytes. 16-bit rows are put in native
 * order once no row below needs them as its "up".
 */
convtool_status png_unfilter_image(const struct png_header *h, unsigned char *raw)
{
    const size_t n = h->row_bytes;
    const unsigned char *data = raw + n + 1;
    if (data[0] > F_PAETH)
        return CONVTOOL_ECORRUPT;
    unfilter_row(data[0], data + 1, NULL, raw, n, h->bpp); /* no row above: alone */
    uint32_t y = 1;
    for (; y + 1 < h->height; y += 2) {
        const unsigned char *src = data + (size_t)y * (n + 1); /* type byte, then n bytes */
        unsigned char *dst = raw + (size_t)y * n;
        struct row_pair p = {src + 1, src + n + 2, dst - n, dst, dst + n, n};
        if (src[0] > F_PAETH || src[n + 1] > F_PAETH)
            return CONVTOOL_ECORRUPT;
        unfilter_pair(src[0], src[n + 1], &p, h->bpp);
        rows_native(h, raw, y - 1, y + 1);
    }
    if (y < h->height) { /* the last row, alone */
        const unsigned char *src = data + (size_t)y * (n + 1);
        if (src[0] > F_PAETH)
            return CONVTOOL_ECORRUPT;
        unfilter_row(src[0], src + 1, raw + (size_t)(y - 1) * n, raw + (size_t)y * n, n, h->bpp);
    }
    rows_native(h, raw, y - 1, h->height);
    return CONVTOOL_OK;
}

/*
 * Rows for a decoder that streams them: the same filters, two rows at a
 * time where it can, from src into a separate dst; the row above the first
 * is prev (another buffer), or zeros for the image's first row.
 */
convtool_status png_unfilter_rows(const struct png_header *h, const unsigned char *prev,
                                  const unsigned char *src, unsigned char *dst, uint32_t rows)
{
    const size_t n = h->row_bytes;
    uint32_t y = 0;
    if (rows > 0 && !prev) { /* the image's first row: no row above, alone */
        if (src[0] > F_PAETH)
            return CONVTOOL_ECORRUPT;
        unfilter_row(src[0], src + 1, NULL, dst, n, h->bpp);
        prev = dst;
        y = 1;
    }
    for (; y + 1 < rows; y += 2) {
        const unsigned char *s = src + (size_t)y * (n + 1);
        unsigned char *d = dst + (size_t)y * n;
        struct row_pair p = {s + 1, s + n + 2, prev, d, d + n, n};
        if (s[0] > F_PAETH || s[n + 1] > F_PAETH)
            return CONVTOOL_ECORRUPT;
        unfilter_pair(s[0], s[n + 1], &p, h->bpp);
        prev = d + n;
    }
    if (y < rows) {
        const unsigned char *s = src + (size_t)y * (n + 1);
        if (s[0] > F_PAETH)
            return CONVTOOL_ECORRUPT;
        unfilter_row(s[0], s + 1, prev, dst + (size_t)y * n, n, h->bpp);
    }
    return CONVTOOL_OK;
}
