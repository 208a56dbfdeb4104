/* Channel mixing as im2col + GEMM over tiles of outputs (mix_blocks.c). */
#ifndef CONVTOOL_MIX_BLOCKS_H
#define CONVTOOL_MIX_BLOCKS_H

#include "conv/mix_problem.h"

/* Computes the whole of p->out; one pool task per (group, tile of outputs). */
convtool_status mix_blocks_run(const struct mix_problem *p, convtool_pool *pool);

#endif
