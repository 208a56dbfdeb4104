/*
 * The public operations on one kernel: copying, freeing, and whole-kernel
 * arithmetic (sum, flip, normalize, scale, output range). The folder's small
 * name helpers are in kernel_names.c.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "convtool/convtool.h"
#include "kernel/kernel_internal.h"

/* ---- copies */

convtool_status convtool_kernel_copy(const convtool_kernel *src, convtool_kernel *dst)
{
    size_t bytes;
    memset(dst, 0, sizeof *dst);
    if (!src || src->h <= 0 || src->w <= 0 || !src->values)
        return CONVTOOL_EINVAL;
    if (convtool_mul_size((size_t)src->h, (size_t)src->w, sizeof(float), 1, &bytes) != CONVTOOL_OK)
        return CONVTOOL_EOVERFLOW;
    float *values = malloc(bytes);
    if (!values)
        return CONVTOOL_ENOMEM;
    memcpy(values, src->values, bytes);
    *dst = *src;
    dst->values = values;
    return CONVTOOL_OK;
}

void convtool_kernel_free(convtool_kernel *k)
{
    if (!k)
        return;
    free(k->values);
    memset(k, 0, sizeof *k);
}

/* ---- whole-kernel arithmetic */

/* Below this |sum| a kernel is treated as zero-sum (edge detectors sum to exactly 0). */
#define ZERO_SUM_EPSILON 1e-12

static size_t taps(const convtool_kernel *k)
{
    if (!k || !k->values || k->h <= 0 || k->w <= 0)
        return 0;
    return (size_t)k->h * (size_t)k->w;
}

double convtool_kernel_sum(const convtool_kernel *k)
{
    double sum = 0;
    size_t n = taps(k);
    for (size_t i = 0; i < n; i++)
        sum += k->values[i];
    return sum;
}

/* A 180° rotation of a row-major matrix is the reversal of its values. */
void convtool_kernel_flip(convtool_kernel *k)
{
    size_t n = taps(k);
    for (size_t i = 0; i < n / 2; i++) {
        float t = k->values[i];
        k->values[i] = k->values[n - 1 - i];
        k->values[n - 1 - i] = t;
    }
}

convtool_status convtool_kernel_normalize(convtool_kernel *k)
{
    if (taps(k) == 0)
        return CONVTOOL_EINVAL;
    double sum = convtool_kernel_sum(k);
    if (fabs(sum) < ZERO_SUM_EPSILON)
        return CONVTOOL_EZEROSUM;
    size_t n = taps(k);
    for (size_t i = 0; i < n; i++)
        k->values[i] = (float)(k->values[i] / sum);
    return CONVTOOL_OK;
}

void convtool_kernel_scale(convtool_kernel *k, double s)
{
    size_t n = taps(k);
    for (size_t i = 0; i < n; i++)
        k->values[i] = (float)(k->values[i] * s);
}

void convtool_kernel_range(const convtool_kernel *k, double *lo, double *hi)
{
    double neg = 0, pos = 0;
    size_t n = taps(k);
    for (size_t i = 0; i < n; i++) {
        if (k->values[i] < 0)
            neg += k->values[i];
        else
            pos += k->values[i];
    }
    if (lo)
        *lo = neg;
    if (hi)
        *hi = pos;
}
