/*
 * Winograd F(2×2, 3×3)'s transforms (mix_winograd_transforms.h), with
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],
 *   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
 *   Aᵀ = [1 1 1 0; 0 1 −1 −1].
 * Every transform is additions and exact halvings, so its rounding stays
 * within a few ulps of the values summed.
 */
#include <math.h>

#include "conv/mix_winograd_transforms.h"

/* G·x for the three values x0..x2 (a column or a row of g): four values. */
static inline void g_times(float x0, float x1, float x2, float *y, size_t step)
{
    float half_outer = 0.5f * (x0 + x2); /* exact halving: the same as the sums of ½-terms */
    y[0] = x0;
    y[step] = half_outer + 0.5f * x1;
    y[2 * step] = half_outer - 0.5f * x1;
    y[3 * step] = x2;
}

void wino_weights(const float *w, int o_begin, int o_end, int o_count, int c_count, float *u)
{
    size_t plane = (size_t)o_count * c_count;
    for (int o = o_begin; o < o_end; o++)
        for (int c = 0; c < c_count; c++) {
            const float *g = w + ((size_t)o * c_count + c) * 9;
            float gg[4][3]; /* G·g, column by column */
            for (int j = 0; j < 3; j++)
                g_times(g[j], g[3 + j], g[6 + j], &gg[0][j], 3);
            float *dst = u + (size_t)o * c_count + c;
            for (int r = 0; r < 4; r++) /* (G·g)·Gᵀ, row by row: positions 4r .. 4r + 3 */
                g_times(gg[r][0], gg[r][1], gg[r][2], dst + (size_t)(4 * r) * plane, plane);
        }
}

/* Tiles transformed at once: the loops below run over tiles, so they vectorize. */
#define PIECE 64

/* Bᵀ·d down the columns of 4 rows (2n + 2 columns), then ·B along each row, tile by tile. */
static int input_piece(const float *d, size_t pitch, int n, float *restrict v, size_t vs)
{
    float e[4][2 * PIECE + 2];
    const float *d0 = d, *d1 = d + pitch, *d2 = d + 2 * pitch, *d3 = d + 3 * pitch;
    int small = 1;
    for (int q = 0; q < 2 * n + 2; q++) {
        e[0][q] = d0[q] - d2[q];
        e[1][q] = d1[q] + d2[q];
        e[2][q] = d2[q] - d1[q];
        e[3][q] = d1[q] - d3[q];
        /* false for NaN too; branch-free, so the loop stays vectorized */
        small &= (fabsf(e[0][q]) < WINO_VALUE_LIMIT) & (fabsf(e[1][q]) < WINO_VALUE_LIMIT) &
                 (fabsf(e[2][q]) < WINO_VALUE_LIMIT) & (fabsf(e[3][q]) < WINO_VALUE_LIMIT);
    }
    for (int r = 0; r < 4; r++) {
        const float *er = e[r];
        float *restrict v0 = v + (size_t)(4 * r) * vs, *restrict v1 = v0 + vs;
        float *restrict v2 = v1 + vs, *restrict v3 = v2 + vs;
        for (int t = 0; t < n; t++) {
            float a = er[2 * t], b = er[2 * t + 1], c = er[2 * t + 2], f = er[2 * t + 3];
            v0[t] = a - c;
            v1[t] = b + c;
            v2[t] = c - b;
            v3[t] = b - f;
        }
    }
    return small;
}

int wino_input_row(const float *rows, size_t pitch, int tiles, float *v, size_t v_stride)
{
    int small = 1;
    for (int t0 = 0; t0 < tiles; t0 += PIECE) {
        int n = tiles - t0 < PIECE ? tiles - t0 : PIECE;
        small &= input_piece(rows + 2 * (size_t)t0, pitch, n, v + t0, v_stride);
    }
    return small;
}

/* Aᵀ·M down the 4 rows of M, then ·A along the 2 rows kept, n tiles (the last may be cut). */
static void output_piece(const float *m, size_t ms, int n, float bias, float *out, size_t ldo,
                         int width, int height)
{
    float q[2][4][PIECE];
    for (int j = 0; j < 4; j++) {
        const float *m0 = m + (size_t)j * ms, *m1 = m + (size_t)(4 + j) * ms;
        const float *m2 = m + (size_t)(8 + j) * ms, *m3 = m + (size_t)(12 + j) * ms;
        for (int t = 0; t < n; t++) {
            q[0][j][t] = m0[t] + m1[t] + m2[t];
            q[1][j][t] = m1[t] - m2[t] - m3[t];
        }
    }
    int whole = width / 2 < n ? width / 2 : n; /* tiles whose two columns are both kept */
    for (int r = 0; r < height; r++) {
        float *restrict o = out + (size_t)r * ldo;
        const float *q0 = q[r][0], *q1 = q[r][1], *q2 = q[r][2], *q3 = q[r][3];
        for (int t = 0; t < whole; t++) {
            o[2 * t] = bias + (q0[t] + q1[t] + q2[t]);
            o[2 * t + 1] = bias + (q1[t] - q2[t] - q3[t]);
        }
        if (whole < n)
            o[2 * whole] = bias + (q0[whole] + q1[whole] + q2[whole]);
    }
}

void wino_output_row(const float *m, size_t m_stride, int tiles, float bias, float *out,
                     size_t ldo, int width, int height)
{
    for (int t0 = 0; t0 < tiles; t0 += PIECE) {
        int n = tiles - t0 < PIECE ? tiles - t0 : PIECE;
        output_piece(m + t0, m_stride, n, bias, out + 2 * (size_t)t0, ldo, width - 2 * t0,
                     height);
    }
}
