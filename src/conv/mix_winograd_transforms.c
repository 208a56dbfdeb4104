/*
 * Winograd F(4×4, 3×3)'s transforms (mix_winograd_transforms.h), with
 *   Bᵀ = [4  0 −5  0 1 0;  0 −4 −4  1 1 0;  0 4 −4 −1 1 0;
 *         0 −2 −1  2 1 0;  0  2 −1 −2 1 0;  0 4  0 −5 0 1],
 *   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
 *   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
 * Bᵀ and Aᵀ are small integers: their products are sums of exact multiples.
 * G has sixths: the weights are transformed in double and rounded once.
 */
#include <math.h>
#include <string.h>

#include "conv/mix_winograd_transforms.h"
#include "convtool/convtool.h"

/* The piece loops are built twice: for the x86-64 baseline and, when the active SIMD level
 * allows, for AVX2 (eight tiles per instruction). No FMA: both round every value alike. */
#define AVX2 __attribute__((target("avx2")))

/* G·x for the three values x0..x2 (a column or a row of g): six values at y, y + step, …
 * (products by the nearest doubles to ⅙ and 1/24: far below float's rounding, and no
 * division, which made a 512→512 layer's transform take longer than its convolution). */
static inline void g_times(double x0, double x1, double x2, double *y, size_t step)
{
    const double sixth = 1.0 / 6, twenty_fourth = 1.0 / 24;
    double outer = x0 + x2, inner = x0 * twenty_fourth + x2 * (4 * twenty_fourth);
    y[0] = x0 * 0.25;
    y[step] = -(outer + x1) * sixth;
    y[2 * step] = -(outer - x1) * sixth;
    y[3 * step] = inner + x1 * (2 * twenty_fourth);
    y[4 * step] = inner - x1 * (2 * twenty_fourth);
    y[5 * step] = x2;
}

/* Input channels transformed into a block before it is copied out: U's 36 positions are
 * 36 planes far apart, written a run of this many values at a time, not one. */
#define WEIGHT_BLOCK 64

void wino_weights(const float *w, int o_begin, int o_end, int o_count, int c_count, float *u)
{
    size_t plane = (size_t)o_count * c_count;
    float block[WINO_POSITIONS][WEIGHT_BLOCK];
    for (int o = o_begin; o < o_end; o++)
        for (int c0 = 0; c0 < c_count; c0 += WEIGHT_BLOCK) {
            int count = c_count - c0 < WEIGHT_BLOCK ? c_count - c0 : WEIGHT_BLOCK;
            for (int c = 0; c < count; c++) {
                const float *g = w + ((size_t)o * c_count + c0 + c) * 9;
                double gg[6][3], uu[WINO_POSITIONS]; /* G·g by columns, then (G·g)·Gᵀ by rows */
                for (int j = 0; j < 3; j++)
                    g_times(g[j], g[3 + j], g[6 + j], &gg[0][j], 3);
                for (int r = 0; r < 6; r++)
                    g_times(gg[r][0], gg[r][1], gg[r][2], uu + 6 * r, 1);
                for (int pos = 0; pos < WINO_POSITIONS; pos++)
                    block[pos][c] = (float)uu[pos];
            }
            float *dst = u + (size_t)o * c_count + c0;
            for (int pos = 0; pos < WINO_POSITIONS; pos++)
                memcpy(dst + (size_t)pos * plane, block[pos], (size_t)count * sizeof(float));
        }
}

/* Tiles transformed at once: the loops below run over tiles, so they vectorize. */
#define PIECE 64

static inline int below_limit(float x)
{
    return fabsf(x) < WINO_VALUE_LIMIT; /* false for NaN too */
}

/* Bᵀ·d of column q of the 6 rows at d into e[r][phase][i] (q = 4i + phase); 0 when the
 * column is one of the `used` and a value of it is not small. Branch-free, so the loops
 * calling it stay vectorized. */
static inline __attribute__((always_inline)) int column(const float *d, size_t pitch, size_t q,
                                                        size_t used, float (*e)[4][PIECE + 1],
                                                        int phase, int i)
{
    float d0 = d[q], d1 = d[pitch + q], d2 = d[2 * pitch + q];
    float d3 = d[3 * pitch + q], d4 = d[4 * pitch + q], d5 = d[5 * pitch + q];
    e[0][phase][i] = 4 * (d0 - d2) + (d4 - d2);
    e[1][phase][i] = (d3 + d4) - 4 * (d1 + d2);
    e[2][phase][i] = (d4 - d3) + 4 * (d1 - d2);
    e[3][phase][i] = (d4 - d2) + 2 * (d3 - d1);
    e[4][phase][i] = (d4 - d2) - 2 * (d3 - d1);
    e[5][phase][i] = 4 * (d1 - d3) + (d5 - d3);
    return (q >= used) | (below_limit(d0) & below_limit(d1) & below_limit(d2) &
                          below_limit(d3) & below_limit(d4) & below_limit(d5));
}

/* ·B along one row of Bᵀ·d for n tiles: its six positions to v0 .. v5. */
static inline __attribute__((always_inline)) void row_times_b(
    const float *restrict e0, const float *restrict e1, const float *restrict e2,
    const float *restrict e3, int n, float *restrict v0, float *restrict v1, float *restrict v2,
    float *restrict v3, float *restrict v4, float *restrict v5)
{
    for (int t = 0; t < n; t++) {
        float a = e0[t], b = e1[t], c = e2[t], x = e3[t], y = e0[t + 1], z = e1[t + 1];
        v0[t] = 4 * (a - c) + (y - c);
        v1[t] = (x + y) - 4 * (b + c);
        v2[t] = (y - x) + 4 * (b - c);
        v3[t] = (y - c) + 2 * (x - b);
        v4[t] = (y - c) - 2 * (x - b);
        v5[t] = 4 * (b - x) + (z - x);
    }
}

/*
 * Bᵀ·d down the columns of 6 rows, kept by column phase (q mod 4), so that ·B along each
 * row reads tile t's six values a..z as e[phase][t] and e[0..1][t + 1]: contiguous, not a
 * stride of 4. Whole groups of WINO_LANES tiles, so every loop runs whole vectors; only the
 * 4n + 2 columns of the n tiles asked for are checked.
 */
static inline __attribute__((always_inline)) int input_body(const float *d, size_t pitch, int n,
                                                            float *restrict v, size_t vs)
{
    float e[6][4][PIECE + 1];
    int lanes = (n + WINO_LANES - 1) / WINO_LANES * WINO_LANES;
    size_t used = 4 * (size_t)n + 2;
    int small = 1;
    for (int i = 0; i < lanes; i++)
        for (int phase = 0; phase < 4; phase++)
            small &= column(d, pitch, 4 * (size_t)i + phase, used, e, phase, i);
    small &= column(d, pitch, 4 * (size_t)lanes, used, e, 0, lanes) &
             column(d, pitch, 4 * (size_t)lanes + 1, used, e, 1, lanes);
    for (int r = 0; r < 6; r++) {
        float *v0 = v + (size_t)(6 * r) * vs;
        row_times_b(e[r][0], e[r][1], e[r][2], e[r][3], lanes, v0, v0 + vs, v0 + 2 * vs,
                    v0 + 3 * vs, v0 + 4 * vs, v0 + 5 * vs);
    }
    return small;
}

static int input_plain(const float *d, size_t pitch, int n, float *v, size_t vs)
{
    return input_body(d, pitch, n, v, vs);
}

#if defined(CONVTOOL_X86_64)
AVX2 static int input_avx2(const float *d, size_t pitch, int n, float *v, size_t vs)
{
    return input_body(d, pitch, n, v, vs);
}
#endif

int wino_input_row(const float *rows, size_t pitch, int tiles, float *v, size_t v_stride)
{
    int (*piece)(const float *, size_t, int, float *, size_t) = input_plain;
#if defined(CONVTOOL_X86_64)
    if (convtool_simd_active() >= CONVTOOL_SIMD_AVX2)
        piece = input_avx2;
#endif
    int small = 1;
    for (int t0 = 0; t0 < tiles; t0 += PIECE) {
        int n = tiles - t0 < PIECE ? tiles - t0 : PIECE;
        small &= piece(rows + 4 * (size_t)t0, pitch, n, v + t0, v_stride);
    }
    return small;
}

/* Aᵀ·M down the 6 rows of M, then ·A along each row kept into a line of whole groups of
 * WINO_LANES tiles, of which `width` columns are copied out (the last tile may be cut). */
static inline __attribute__((always_inline)) void output_body(const float *m, size_t ms, int n,
                                                              float bias, float *out, size_t ldo,
                                                              int width, int height)
{
    float q[4][6][PIECE], line[4 * PIECE];
    int lanes = (n + WINO_LANES - 1) / WINO_LANES * WINO_LANES;
    for (int j = 0; j < 6; j++) {
        const float *m0 = m + (size_t)j * ms, *m1 = m0 + 6 * ms, *m2 = m1 + 6 * ms;
        const float *m3 = m2 + 6 * ms, *m4 = m3 + 6 * ms, *m5 = m4 + 6 * ms;
        for (int t = 0; t < lanes; t++) {
            float s12 = m1[t] + m2[t], d12 = m1[t] - m2[t];
            float s34 = m3[t] + m4[t], d34 = m3[t] - m4[t];
            q[0][j][t] = m0[t] + s12 + s34;
            q[1][j][t] = d12 + 2 * d34;
            q[2][j][t] = s12 + 4 * s34;
            q[3][j][t] = d12 + 8 * d34 + m5[t];
        }
    }
    for (int r = 0; r < height; r++) {
        const float *q0 = q[r][0], *q1 = q[r][1], *q2 = q[r][2];
        const float *q3 = q[r][3], *q4 = q[r][4], *q5 = q[r][5];
        for (int t = 0; t < lanes; t++) {
            float s12 = q1[t] + q2[t], d12 = q1[t] - q2[t];
            float s34 = q3[t] + q4[t], d34 = q3[t] - q4[t];
            line[4 * t] = bias + (q0[t] + s12 + s34);
            line[4 * t + 1] = bias + (d12 + 2 * d34);
            line[4 * t + 2] = bias + (s12 + 4 * s34);
            line[4 * t + 3] = bias + (d12 + 8 * d34 + q5[t]);
        }
        memcpy(out + (size_t)r * ldo, line, (size_t)width * sizeof(float));
    }
}

static void output_plain(const float *m, size_t ms, int n, float bias, float *out, size_t ldo,
                         int width, int height)
{
    output_body(m, ms, n, bias, out, ldo, width, height);
}

#if defined(CONVTOOL_X86_64)
AVX2 static void output_avx2(const float *m, size_t ms, int n, float bias, float *out,
                             size_t ldo, int width, int height)
{
    output_body(m, ms, n, bias, out, ldo, width, height);
}
#endif

void wino_output_row(const float *m, size_t m_stride, int tiles, float bias, float *out,
                     size_t ldo, int width, int height)
{
    void (*output_piece)(const float *, size_t, int, float, float *, size_t, int, int) =
        output_plain;
#if defined(CONVTOOL_X86_64)
    if (convtool_simd_active() >= CONVTOOL_SIMD_AVX2)
        output_piece = output_avx2;
#endif
    for (int t0 = 0; t0 < tiles; t0 += PIECE) {
        int n = tiles - t0 < PIECE ? tiles - t0 : PIECE;
        int cols = width - 4 * t0 < 4 * n ? width - 4 * t0 : 4 * n;
        output_piece(m + t0, m_stride, n, bias, out + 4 * (size_t)t0, ldo, cols, height);
    }
}
