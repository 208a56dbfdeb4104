/*
 * Winograd F(2×2, 3×3)'s transforms (mix_winograd_transforms.h), with
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],
 *   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
 *   Aᵀ = [1 1 1 0; 0 1 −1 −1].
 * The weights are transformed in double and rounded once; the input and
 * output transforms are additions only, so their rounding stays within a few
 * ulps of the values summed.
 */
#include "conv/mix_winograd_transforms.h"

static const double g_matrix[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};

void wino_weights(const float *w, int o_count, int c_count, float *u)
{
    size_t plane = (size_t)o_count * c_count;
    for (int o = 0; o < o_count; o++)
        for (int c = 0; c < c_count; c++) {
            const float *g = w + ((size_t)o * c_count + c) * 9;
            double gg[4][3]; /* G·g */
            for (int r = 0; r < 4; r++)
                for (int j = 0; j < 3; j++)
                    gg[r][j] = g_matrix[r][0] * g[j] + g_matrix[r][1] * g[3 + j] +
                               g_matrix[r][2] * g[6 + j];
            for (int r = 0; r < 4; r++)
                for (int s = 0; s < 4; s++) {
                    double v = gg[r][0] * g_matrix[s][0] + gg[r][1] * g_matrix[s][1] +
                               gg[r][2] * g_matrix[s][2];
                    u[(size_t)(r * 4 + s) * plane + (size_t)o * c_count + c] = (float)v;
                }
        }
}

/* Bᵀ·x for the four values x0..x3 (a row or a column). */
#define BT(x0, x1, x2, x3, y0, y1, y2, y3)                                                        \
    do {                                                                                           \
        y0 = (x0) - (x2);                                                                          \
        y1 = (x1) + (x2);                                                                          \
        y2 = (x2) - (x1);                                                                          \
        y3 = (x1) - (x3);                                                                          \
    } while (0)

void wino_input_row(const float *rows, size_t pitch, int tiles, float *v, size_t v_stride)
{
    for (int t = 0; t < tiles; t++) {
        const float *d = rows + 2 * (size_t)t;
        float e[4][4]; /* Bᵀ·d, column by column */
        for (int j = 0; j < 4; j++)
            BT(d[j], d[pitch + j], d[2 * pitch + j], d[3 * pitch + j], e[0][j], e[1][j], e[2][j],
               e[3][j]);
        for (int r = 0; r < 4; r++) {
            float *dst = v + (size_t)(r * 4) * v_stride + t;
            BT(e[r][0], e[r][1], e[r][2], e[r][3], dst[0], dst[v_stride], dst[2 * v_stride],
               dst[3 * v_stride]);
        }
    }
}

void wino_output_row(const float *m, size_t m_stride, int tiles, float bias, float *out,
                     size_t ldo, int width, int height)
{
    for (int t = 0; t < tiles; t++) {
        const float *s = m + t;
        float q[2][4]; /* Aᵀ·M */
        for (int j = 0; j < 4; j++) {
            float m0 = s[(size_t)j * m_stride], m1 = s[(size_t)(4 + j) * m_stride];
            float m2 = s[(size_t)(8 + j) * m_stride], m3 = s[(size_t)(12 + j) * m_stride];
            q[0][j] = m0 + m1 + m2;
            q[1][j] = m1 - m2 - m3;
        }
        int x = 2 * t;
        for (int r = 0; r < height; r++) {
            float y0 = q[r][0] + q[r][1] + q[r][2], y1 = q[r][1] - q[r][2] - q[r][3];
            out[r * ldo + x] = bias + y0;
            if (x + 1 < width)
                out[r * ldo + x + 1] = bias + y1;
        }
    }
}
