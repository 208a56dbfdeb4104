/*
 * Vector row conversions for the fused pixel path (conv_pixels.c): one
 * channel (or the luma) of an interleaved 8/16-bit row to floats, and one
 * float row to 8-bit samples in one channel of an interleaved row.
 *
 * Each function does whole blocks of 16 pixels and returns how many pixels it
 * did; the caller finishes the row with its portable code. The values are
 * those of the portable code bit for bit: (float)s / 255 or / 65535 is a
 * correctly rounded division in both, and the luma, map and quantize8
 * expressions are evaluated in the same order without contraction.
 */
#ifndef CONVTOOL_PIXEL_ROWS_H
#define CONVTOOL_PIXEL_ROWS_H

#include <stddef.h>

#define PIXEL_BLOCK 16

/* Whether the functions below may be called (x86-64 with AVX2). */
int pixel_rows_avx2_usable(void);

/*
 * dst[x] = sample ch of pixel x of row (n interleaved channels, depth 8 or
 * 16) as a float, for x < the returned count (≤ w).
 */
int pixel_read_avx2(const void *row, int depth, int n, int ch, int w, float *dst);

/* dst[x] = 0.299·R + 0.587·G + 0.114·B with R, G, B at channels c0..c0+2. */
int pixel_luma_avx2(const void *row, int depth, int n, int c0, int w, float *dst);

/*
 * Writes quantize8(map(src[x])) to byte x·n + ch of dst for x < the returned
 * count and adds the number of mapped values outside [0, 1] to *clipped.
 * The other bytes of those pixels are read and written back unchanged, so no
 * other thread may write them meanwhile.
 */
int pixel_emit_avx2(const float *src, int w, int map, unsigned char *dst, int n, int ch,
                    size_t *clipped);

#endif
