/*
 * One channel-mixing convolution as the workers see it (mix.c checks it):
 * out[o] = bias[o] + Σ_{c in o's group} Σ_{i,j} W[o][c][i][j] · P[c][y·sy + i·dy][x·sx + j·dx].
 */
#ifndef CONVTOOL_MIX_PROBLEM_H
#define CONVTOOL_MIX_PROBLEM_H

#include "convtool/convtool.h"

struct mix_problem {
    const convtool_tensor *in;  /* C×H×W */
    const convtool_weight *wt;  /* O×(C/groups)×kH×kW */
    const float *bias;          /* O values, or NULL */
    const convtool_geometry *g; /* resolved for in and wt's kH×kW */
    convtool_tensor *out;       /* O×out_h×out_w, allocated */
    int groups;
    int o_per_group;            /* O / groups */
};

/* The input channel that channel c (0 ≤ c < c_per_group) of output o's group is. */
static inline int mix_input_channel(const struct mix_problem *p, int o, int c)
{
    return (o / p->o_per_group) * p->wt->c_per_group + c;
}

#endif
