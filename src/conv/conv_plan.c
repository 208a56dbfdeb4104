/*
 * Preparing a kernel for the loops. A rank-1 kernel K = v·hᵀ (Gaussian, box,
 * Sobel, Prewitt) is run as a vertical pass then a horizontal one: k_h + k_w
 * multiply-adds per output instead of k_h·k_w.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv_plan.h"

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

static int taps_alloc(struct conv_taps *t, size_t n)
{
    t->w = malloc(n * sizeof(float));
    t->row = malloc(n * sizeof(int));
    t->col = malloc(n * sizeof(int));
    return t->w && t->row && t->col;
}

static void taps_free(struct conv_taps *t)
{
    free(t->w);
    free(t->row);
    free(t->col);
    memset(t, 0, sizeof *t);
}

/* The taps of K in row-major order, or only the nonzero ones. */
static void collect_taps(struct conv_taps *t, const convtool_kernel *k, int skip_zeros)
{
    int n = 0;
    for (int i = 0; i < k->h; i++) {
        for (int j = 0; j < k->w; j++) {
            float w = k->values[i * k->w + j];
            if (w == 0.0f && skip_zeros)
                continue;
            t->w[n] = w;
            t->row[n] = i;
            t->col[n] = j;
            n++;
        }
    }
    if (n == 0) { /* an all-zero kernel still needs one tap to produce its zeros */
        t->w[0] = 0.0f;
        t->row[0] = t->col[0] = 0;
        n = 1;
    }
    t->n = n;
}

int conv_kernel_rank_one(const convtool_kernel *k)
{
    size_t n = (size_t)k->h + (size_t)k->w;
    float *buf = malloc(n * sizeof(float));
    int rank_one = buf && rank_one_split(k, buf, buf + k->h);
    free(buf);
    return rank_one;
}

int conv_plan_auto_splits(const convtool_kernel *k)
{
    int policy = atomic_load(&separable_policy);
    if (policy == SEPARABLE_NEVER || (policy != SEPARABLE_ALWAYS && !split_pays(k)))
        return 0;
    return conv_kernel_rank_one(k);
}

convtool_status conv_plan_init_method(struct conv_plan *plan, const convtool_kernel *k,
                                      const convtool_geometry *g, float bias, int finite_input,
                                      convtool_method method)
{
    memset(plan, 0, sizeof *plan);
    plan->g = g;
    /* +0 for a bias of −0: a sum that ends at ±0 then comes out +0 either way, so an
     * output's bytes depend neither on which zero taps were skipped (core.h) nor on
     * whether a vector lane or the scalar tail computed it. */
    plan->bias = bias + 0.0f;
    plan->finite_input = finite_input;
    size_t n = (size_t)k->h * (size_t)k->w;
    int ok = taps_alloc(&plan->all, n) & taps_alloc(&plan->nonzero, n);
    plan->col = malloc((size_t)k->h * sizeof(float));
    plan->row = malloc((size_t)k->w * sizeof(float));
    if (!ok || !plan->col || !plan->row) {
        conv_plan_free(plan);
        return CONVTOOL_ENOMEM;
    }
    collect_taps(&plan->all, k, 0);
    collect_taps(&plan->nonzero, k, 1);
    int policy = atomic_load(&separable_policy);
    if (method == CONVTOOL_METHOD_SEPARABLE) {
        plan->separable = rank_one_split(k, plan->col, plan->row);
        if (!plan->separable) {
            conv_plan_free(plan);
            return CONVTOOL_EINVAL;
        }
    } else if (method != CONVTOOL_METHOD_DIRECT && policy != SEPARABLE_NEVER &&
               (policy == SEPARABLE_ALWAYS || split_pays(k))) {
        plan->separable = rank_one_split(k, plan->col, plan->row);
    }
    return CONVTOOL_OK;
}

convtool_status conv_plan_init(struct conv_plan *plan, const convtool_kernel *k,
                               const convtool_geometry *g, float bias, int finite_input)
{
    return conv_plan_init_method(plan, k, g, bias, finite_input, CONVTOOL_METHOD_AUTO);
}

void conv_plan_free(struct conv_plan *plan)
{
    if (!plan)
        return;
    taps_free(&plan->all);
    taps_free(&plan->nonzero);
    free(plan->col);
    free(plan->row);
    memset(plan, 0, sizeof *plan);
}
