/*
 * Preparing a kernel for the loops. A rank-1 kernel K = v·hᵀ (Gaussian, box,
 * Sobel, Prewitt) is run as a vertical pass then a horizontal one: k_h + k_w
 * multiply-adds per output instead of k_h·k_w.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static atomic_int separable_policy = SEPARABLE_AUTO;

void conv_set_separable_policy(enum conv_separable_policy policy)
{
    atomic_store(&separable_policy, policy);
}

/* Splits K into col·rowᵀ around its largest tap; 0 if K is not rank 1 (to float precision). */
static int rank_one_split(const convtool_kernel *k, float *col, float *row)
{
    int n = k->h * k->w, pivot = 0;
    for (int t = 1; t < n; t++)
        if (fabsf(k->values[t]) > fabsf(k->values[pivot]))
            pivot = t;
    float peak = k->values[pivot];
    if (peak == 0.0f || !isfinite(peak))
        return 0;
    int pi = pivot / k->w, pj = pivot % k->w;
    for (int i = 0; i < k->h; i++)
        col[i] = k->values[i * k->w + pj];
    for (int j = 0; j < k->w; j++)
        row[j] = k->values[pi * k->w + j] / peak;
    float tolerance = 1e-6f * fabsf(peak);
    for (int i = 0; i < k->h; i++)
        for (int j = 0; j < k->w; j++)
            if (!(fabsf(k->values[i * k->w + j] - col[i] * row[j]) <= tolerance))
                return 0;
    return 1;
}

/* Two passes cost a write and a read of a row more: worth it from about 4×4 up. */
static int split_pays(const convtool_kernel *k)
{
    return k->h >= 2 && k->w >= 2 && k->h * k->w >= 2 * (k->h + k->w);
}

/* The direct taps, in row-major order; zero taps dropped when that is exact. */
static void collect_taps(struct conv_plan *plan, const convtool_kernel *k, int finite_input)
{
    int n = 0;
    for (int i = 0; i < k->h; i++) {
        for (int j = 0; j < k->w; j++) {
            float w = k->values[i * k->w + j];
            if (w == 0.0f && finite_input)
                continue;
            plan->taps[n] = w;
            plan->tap_row[n] = i;
            plan->tap_col[n] = j;
            n++;
        }
    }
    if (n == 0) { /* an all-zero kernel still needs one tap to produce its zeros */
        plan->taps[0] = 0.0f;
        plan->tap_row[0] = plan->tap_col[0] = 0;
        n = 1;
    }
    plan->ntaps = n;
}

convtool_status conv_plan_init(struct conv_plan *plan, const convtool_kernel *k,
                               const convtool_geometry *g, float bias, int finite_input)
{
    memset(plan, 0, sizeof *plan);
    plan->g = g;
    plan->bias = bias;
    size_t n = (size_t)k->h * (size_t)k->w;
    plan->taps = malloc(n * sizeof(float));
    plan->tap_row = malloc(n * sizeof(int));
    plan->tap_col = malloc(n * sizeof(int));
    plan->col = malloc((size_t)k->h * sizeof(float));
    plan->row = malloc((size_t)k->w * sizeof(float));
    if (!plan->taps || !plan->tap_row || !plan->tap_col || !plan->col || !plan->row) {
        conv_plan_free(plan);
        return CONVTOOL_ENOMEM;
    }
    collect_taps(plan, k, finite_input);
    int policy = atomic_load(&separable_policy);
    if (policy != SEPARABLE_NEVER && (policy == SEPARABLE_ALWAYS || split_pays(k)))
        plan->separable = rank_one_split(k, plan->col, plan->row);
    return CONVTOOL_OK;
}

void conv_plan_free(struct conv_plan *plan)
{
    if (!plan)
        return;
    free(plan->taps);
    free(plan->tap_row);
    free(plan->tap_col);
    free(plan->col);
    free(plan->row);
    memset(plan, 0, sizeof *plan);
}
