/*
 * AVX2 row conversions for the fused pixel path (see pixel_rows.h). Only these
 * functions are built for AVX2 (target attributes), and only called after a
 * run-time check, so the rest of the library keeps the x86-64 baseline. FMA
 * is not enabled: no multiply-add can be fused, so every value is rounded as
 * in the portable code.
 *
 * A block is 16 pixels: n 16-byte chunks of interleaved samples. Picking one
 * channel out of them, or spreading one into them, is a byte shuffle per
 * chunk whose control bytes depend only on (n, channel, sample size).
 */
#include "conv/simd/pixel_rows.h"

#if defined(CONVTOOL_X86_64)

#include <immintrin.h>
#include <stdint.h>

#include "convtool/convtool.h"

#define AVX2 __attribute__((target("avx2")))
/* Inlined into loops whose channel count (and map) are constants, so the
 * chunk loops unroll and the branches go. */
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) static inline

int pixel_rows_avx2_usable(void)
{
    return __builtin_cpu_supports("avx2");
}

/* gather[k]: where byte i of the channel's samples sits in chunk k (0x80: not there). */
static void gather_controls(int n, int ch, int size, __m128i gather[4])
{
    unsigned char c[4][16];
    for (int i = 0; i < 16; i++) {
        int at = ((i / size) * n + ch) * size + i % size;
        for (int k = 0; k < n; k++)
            c[k][i] = (unsigned char)(at / 16 == k ? at % 16 : 0x80);
    }
    for (int k = 0; k < n; k++)
        gather[k] = _mm_loadu_si128((const __m128i *)c[k]);
}

/* The 16 bytes of one channel's samples in the block at p. */
AVX2_INLINE __m128i gather_block(const unsigned char *p, int n, const __m128i gather[4])
{
    __m128i v = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), gather[0]);
    for (int k = 1; k < n; k++)
        v = _mm_or_si128(v, _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p + k), gather[k]));
    return v;
}

/* 8 samples (bytes or 16-bit words) as floats: (float)s / max, correctly rounded. */
AVX2_INLINE __m256 to_float(__m128i samples, int depth, __m256 max)
{
    __m256i s = depth == 16 ? _mm256_cvtepu16_epi32(samples) : _mm256_cvtepu8_epi32(samples);
    return _mm256_div_ps(_mm256_cvtepi32_ps(s), max);
}

/* Channel ch of the 16 pixels at p as floats, in lo (pixels 0..7) and hi (8..15). */
AVX2_INLINE void read_block(const unsigned char *p, int depth, int n, const __m128i gather[4],
                            __m256 max, __m256 *lo, __m256 *hi)
{
    if (depth == 16) {
        /* 16 pixels of 16-bit samples are two blocks of 8 */
        *lo = to_float(gather_block(p, n, gather), 16, max);
        *hi = to_float(gather_block(p + 16 * n, n, gather), 16, max);
    } else {
        __m128i b = gather_block(p, n, gather);
        *lo = to_float(b, 8, max);
        *hi = to_float(_mm_srli_si128(b, 8), 8, max);
    }
}

AVX2_INLINE int read_blocks(const unsigned char *p, int depth, int n, int w,
                            const __m128i gather[4], float *dst)
{
    const __m256 max = _mm256_set1_ps(depth == 16 ? 65535.0f : 255.0f);
    int x = 0;
    for (; x + PIXEL_BLOCK <= w; x += PIXEL_BLOCK, p += PIXEL_BLOCK * n * (depth / 8)) {
        __m256 lo, hi;
        read_block(p, depth, n, gather, max, &lo, &hi);
        _mm256_storeu_ps(dst + x, lo);
        _mm256_storeu_ps(dst + x + 8, hi);
    }
    return x;
}

AVX2 int pixel_read_avx2(const void *row, int depth, int n, int ch, int w, float *dst)
{
    __m128i gather[4];
    gather_controls(n, ch, depth / 8, gather);
    switch (n + (depth == 16 ? 4 : 0)) {
    case 1:
        return read_blocks(row, 8, 1, w, gather, dst);
    case 2:
        return read_blocks(row, 8, 2, w, gather, dst);
    case 3:
        return read_blocks(row, 8, 3, w, gather, dst);
    case 4:
        return read_blocks(row, 8, 4, w, gather, dst);
    default:
        return read_blocks(row, 16, n, w, gather, dst);
    }
}

/* 0.299f * r + 0.587f * g + 0.114f * b, in that order (as convtool_to_luma). */
AVX2_INLINE __m256 luma(__m256 r, __m256 g, __m256 b)
{
    __m256 sum = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(0.299f), r),
                               _mm256_mul_ps(_mm256_set1_ps(0.587f), g));
    return _mm256_add_ps(sum, _mm256_mul_ps(_mm256_set1_ps(0.114f), b));
}

AVX2_INLINE int luma_blocks(const unsigned char *p, int depth, int n, int w,
                            const __m128i gather[3][4], float *dst)
{
    const __m256 max = _mm256_set1_ps(depth == 16 ? 65535.0f : 255.0f);
    int x = 0;
    for (; x + PIXEL_BLOCK <= w; x += PIXEL_BLOCK, p += PIXEL_BLOCK * n * (depth / 8)) {
        __m256 r[2], g[2], b[2];
        read_block(p, depth, n, gather[0], max, &r[0], &r[1]);
        read_block(p, depth, n, gather[1], max, &g[0], &g[1]);
        read_block(p, depth, n, gather[2], max, &b[0], &b[1]);
        _mm256_storeu_ps(dst + x, luma(r[0], g[0], b[0]));
        _mm256_storeu_ps(dst + x + 8, luma(r[1], g[1], b[1]));
    }
    return x;
}

AVX2 int pixel_luma_avx2(const void *row, int depth, int n, int c0, int w, float *dst)
{
    __m128i gather[3][4];
    for (int c = 0; c < 3; c++)
        gather_controls(n, c0 + c, depth / 8, gather[c]);
    if (depth == 8 && n == 3)
        return luma_blocks(row, 8, 3, w, gather, dst);
    if (depth == 8 && n == 4)
        return luma_blocks(row, 8, 4, w, gather, dst);
    return luma_blocks(row, depth, n, w, gather, dst);
}

AVX2_INLINE __m256 map_values(__m256 v, int map)
{
    if (map == CONVTOOL_MAP_ABS)
        return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
    if (map == CONVTOOL_MAP_SHIFT)
        return _mm256_mul_ps(_mm256_add_ps(v, _mm256_set1_ps(1.0f)), _mm256_set1_ps(0.5f));
    return v;
}

/*
 * quantize8 (quantize.h) on 8 values. The clamp is max then min: vmaxps gives
 * its second operand when the first is NaN, so NaN → 0 as in quantize8, and
 * v·255 is only used where quantize8 uses it (it is 255 or more for v ≥ 1).
 */
AVX2_INLINE __m256i quantize(__m256 v)
{
    __m256 x = _mm256_max_ps(_mm256_mul_ps(v, _mm256_set1_ps(255.0f)), _mm256_setzero_ps());
    x = _mm256_min_ps(x, _mm256_set1_ps(255.0f));
    __m256i r = _mm256_cvttps_epi32(x);
    __m256 frac = _mm256_sub_ps(x, _mm256_cvtepi32_ps(r));
    __m256 up = _mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    return _mm256_sub_epi32(r, _mm256_castps_si256(up)); /* up is −1 where set */
}

/* −1 in each lane whose value is inside [0, 1] (NaN is not). */
AVX2_INLINE __m256i in_range(__m256 v)
{
    __m256 ok = _mm256_and_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GE_OQ),
                              _mm256_cmp_ps(v, _mm256_set1_ps(1.0f), _CMP_LE_OQ));
    return _mm256_castps_si256(ok);
}

/* 32 values 0..255 in four vectors of 32-bit lanes as 32 bytes, in order. */
AVX2_INLINE __m256i pack_bytes(__m256i a, __m256i b, __m256i c, __m256i d)
{
    /* in-lane packs leave the dwords as a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7 */
    __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
    return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/*
 * A block of 32 pixels is n 32-byte vectors; 16-byte chunk k of it holds
 * pixels from the first 16 new bytes when k < n, else from the last 16. For
 * vector j: half[j] moves those halves under its two chunks, spread[j] picks
 * the new bytes, keep[j] is 0xff where the old byte stays.
 */
struct spread_controls {
    __m256i half[4], spread[4], keep[4];
};

AVX2 static void spread_controls(int n, int ch, struct spread_controls *sc)
{
    int32_t half[4][8];
    unsigned char spread[4][32], keep[4][32];
    for (int k = 0; k < 2 * n; k++) {
        int from = k < n ? 0 : 16;
        for (int i = 0; i < 4; i++)
            half[k / 2][(k % 2) * 4 + i] = from / 4 + i;
        for (int i = 0; i < 16; i++) {
            int at = 16 * k + i, mine = at % n == ch;
            spread[k / 2][(k % 2) * 16 + i] = (unsigned char)(mine ? at / n - from : 0x80);
            keep[k / 2][(k % 2) * 16 + i] = (unsigned char)(mine ? 0 : 0xff);
        }
    }
    for (int j = 0; j < n; j++) {
        sc->half[j] = _mm256_loadu_si256((const __m256i *)half[j]);
        sc->spread[j] = _mm256_loadu_si256((const __m256i *)spread[j]);
        sc->keep[j] = _mm256_loadu_si256((const __m256i *)keep[j]);
    }
}

/* Puts 32 bytes into one channel of the 32 pixels at p, rewriting the other
 * channels' bytes as they are. */
AVX2_INLINE void spread_block(unsigned char *p, __m256i q, int n, const struct spread_controls *sc)
{
    for (int j = 0; j < n; j++) {
        __m256i *dst = (__m256i *)p + j;
        __m256i old = _mm256_and_si256(_mm256_loadu_si256(dst), sc->keep[j]);
        __m256i halves = _mm256_permutevar8x32_epi32(q, sc->half[j]);
        _mm256_storeu_si256(dst, _mm256_or_si256(old, _mm256_shuffle_epi8(halves, sc->spread[j])));
    }
}

#define EMIT_BLOCK 32

AVX2_INLINE int emit_blocks(const float *src, int w, int map, unsigned char *dst, int n,
                            const struct spread_controls *sc, size_t *clipped)
{
    __m256i inside = _mm256_setzero_si256();
    int x = 0;
    for (; x + EMIT_BLOCK <= w; x += EMIT_BLOCK, dst += EMIT_BLOCK * n) {
        __m256 v[4];
        __m256i q[4];
        for (int i = 0; i < 4; i++) {
            v[i] = map_values(_mm256_loadu_ps(src + x + 8 * i), map);
            inside = _mm256_sub_epi32(inside, in_range(v[i]));
            q[i] = quantize(v[i]);
        }
        __m256i bytes = pack_bytes(q[0], q[1], q[2], q[3]);
        if (n == 1)
            _mm256_storeu_si256((__m256i *)dst, bytes);
        else
            spread_block(dst, bytes, n, sc);
    }
    int lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, inside);
    size_t in = 0;
    for (int i = 0; i < 8; i++)
        in += (size_t)lanes[i];
    *clipped += (size_t)x - in;
    return x;
}

/* One emit_blocks per channel count, for a constant map. */
AVX2_INLINE int emit_map(const float *src, int w, int map, unsigned char *dst, int n,
                         const struct spread_controls *sc, size_t *clipped)
{
    switch (n) {
    case 1:
        return emit_blocks(src, w, map, dst, 1, sc, clipped);
    case 2:
        return emit_blocks(src, w, map, dst, 2, sc, clipped);
    case 3:
        return emit_blocks(src, w, map, dst, 3, sc, clipped);
    default:
        return emit_blocks(src, w, map, dst, 4, sc, clipped);
    }
}

AVX2 int pixel_emit_avx2(const float *src, int w, int map, unsigned char *dst, int n, int ch,
                         size_t *clipped)
{
    struct spread_controls sc;
    spread_controls(n, ch, &sc);
    if (map == CONVTOOL_MAP_ABS)
        return emit_map(src, w, CONVTOOL_MAP_ABS, dst, n, &sc, clipped);
    if (map == CONVTOOL_MAP_SHIFT)
        return emit_map(src, w, CONVTOOL_MAP_SHIFT, dst, n, &sc, clipped);
    return emit_map(src, w, CONVTOOL_MAP_CLAMP, dst, n, &sc, clipped);
}

#else /* portable builds never call these */

int pixel_rows_avx2_usable(void)
{
    return 0;
}

int pixel_read_avx2(const void *row, int depth, int n, int ch, int w, float *dst)
{
    (void)row, (void)depth, (void)n, (void)ch, (void)w, (void)dst;
    return 0;
}

int pixel_luma_avx2(const void *row, int depth, int n, int c0, int w, float *dst)
{
    (void)row, (void)depth, (void)n, (void)c0, (void)w, (void)dst;
    return 0;
}

int pixel_emit_avx2(const float *src, int w, int map, unsigned char *dst, int n, int ch,
                    size_t *clipped)
{
    (void)src, (void)w, (void)map, (void)dst, (void)n, (void)ch, (void)clipped;
    return 0;
}

#endif
