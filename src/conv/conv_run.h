/*
 * Runs one job by the method its geometry asks for (conv_run.c): the direct
 * or separable core, or the FFT tiles. Shared by convtool_conv2d and the
 * fused 8-bit path, so both choose alike and give the same bytes.
 */
#ifndef CONVTOOL_CONV_RUN_H
#define CONVTOOL_CONV_RUN_H

#include "conv/core.h"
#include "convtool/convtool.h"

/* finite_input as conv_plan_init; *clipped as core_run. */
convtool_status conv_run(const convtool_kernel *k, const convtool_geometry *g, float bias,
                         int finite_input, const struct conv_source *src,
                         const struct conv_sink *sink, convtool_pool *pool, size_t *clipped);

/*
 * Output rows [y_begin, y_end) by the direct or separable core (the strip
 * engine); CONVTOOL_EUNSUPPORTED when the method chosen is the FFT, whose
 * tiles run whole images. Same bytes per row as conv_run.
 */
convtool_status conv_run_rows(const convtool_kernel *k, const convtool_geometry *g, float bias,
                              int finite_input, const struct conv_source *src,
                              const struct conv_sink *sink, convtool_pool *pool, int y_begin,
                              int y_end, size_t *clipped);

#endif
