/* Channel mixing with one input channel per output (mix_depthwise.c). */
#ifndef CONVTOOL_MIX_DEPTHWISE_H
#define CONVTOOL_MIX_DEPTHWISE_H

#include "conv/mix_problem.h"

/* p->wt->c_per_group == 1: each output channel is its input channel through
 * its own kernel. One pool task per output channel. */
convtool_status mix_depthwise_run(const struct mix_problem *p, convtool_pool *pool);

#endif
