/*
 * The kernel prepared for the core (conv_plan.c): its taps, the nonzero ones,
 * or a rank-1 split into a column and a row when that saves work.
 */
#ifndef CONVTOOL_CONV_PLAN_H
#define CONVTOOL_CONV_PLAN_H

#include "convtool/convtool.h"

/* Direct taps in row-major order: weights and where they sit in the kernel. */
struct conv_taps {
    int n;
    float *w;
    int *row;
    int *col;
};

/* The kernel as the loops use it: direct taps, or a rank-1 split. */
struct conv_plan {
    const convtool_geometry *g;
    float bias;
    int separable;
    int finite_input;         /* every input value is finite (see conv_plan_init) */
    struct conv_taps all;     /* direct: every tap */
    struct conv_taps nonzero; /* the taps that are not 0 (at least one) */
    float *col;               /* separable: k_h vertical factors */
    float *row;               /* separable: k_w horizontal factors */
};

/* Separable split: auto (when it saves work), never, or always when rank 1. */
enum conv_separable_policy { SEPARABLE_AUTO, SEPARABLE_NEVER, SEPARABLE_ALWAYS };

/* Process-wide, for the tests that compare every path with the reference. */
void conv_set_separable_policy(enum conv_separable_policy policy);

/*
 * A zero tap times a finite value adds ±0 to the running sum: that changes a
 * nonzero sum not at all and a zero sum at most in its sign (with FMA a sum
 * can be −0: fma(w, s, +0) rounds a tiny negative product to −0). The bias,
 * made +0 when it is −0, is added last and maps both zeros to the same value,
 * so `nonzero` gives the same bytes as `all` wherever the rows read are
 * finite. finite_input: every input value is (8/16-bit pixels), and the core always runs `nonzero`. Otherwise the core checks each
 * row it builds and runs `all` only for output rows that read a NaN or an
 * infinity, since 0·NaN and 0·inf must give NaN as in PyTorch.
 */
convtool_status conv_plan_init(struct conv_plan *plan, const convtool_kernel *k,
                               const convtool_geometry *g, float bias, int finite_input);
void conv_plan_free(struct conv_plan *plan);

/*
 * conv_plan_init with the direct/separable choice made by the caller:
 * DIRECT never splits; SEPARABLE always does (EINVAL when K is not rank 1);
 * AUTO (and FFT, which does not use a plan) as conv_plan_init.
 */
convtool_status conv_plan_init_method(struct conv_plan *plan, const convtool_kernel *k,
                                      const convtool_geometry *g, float bias, int finite_input,
                                      convtool_method method);

/* Whether K is rank 1 to float precision (a separable method can run it). */
int conv_kernel_rank_one(const convtool_kernel *k);

/* Whether conv_plan_init splits K: the policy, rank 1, and a split that pays. */
int conv_plan_auto_splits(const convtool_kernel *k);

#endif
