/* Channel mixing by plain loops: one output value at a time (mix_direct.c). */
#ifndef CONVTOOL_MIX_DIRECT_H
#define CONVTOOL_MIX_DIRECT_H

#include "conv/mix_problem.h"

/* Computes the whole of p->out; one pool task per output channel. */
convtool_status mix_direct_run(const struct mix_problem *p, convtool_pool *pool);

#endif
