/*
 * The convolution engine behind convtool_conv2d and the fused pixel path.
 * It reads input rows from a conv_source, builds the padded rows a band of
 * output rows needs in per-thread scratch (so there is no padded copy of the
 * image), runs the SIMD row loops, and hands output rows to a conv_sink.
 * The plan it runs is made by conv_plan.c (conv_plan.h).
 */
#ifndef CONVTOOL_CORE_H
#define CONVTOOL_CORE_H

#include "conv/conv_plan.h"
#include "convtool/convtool.h"

struct conv_source {
    int c, h, w;
    /* Writes row r (0 ≤ r < h) of channel ch as w floats into dst. */
    void (*read_row)(const struct conv_source *s, int ch, int r, float *dst);
    const void *data;
};

struct conv_sink {
    /* Where output row y of channel ch goes (out_w floats), or NULL: then the
     * row is computed in scratch and passed to emit_row. */
    float *(*row_ptr)(const struct conv_sink *s, int ch, int y);
    /* Consumes a finished row; returns how many values were clipped. Every
     * channel of one output row is emitted by the same thread (a band holds
     * all channels), so a sink may rewrite a row's other channels in place. */
    size_t (*emit_row)(const struct conv_sink *s, int ch, int y, const float *row);
    void *data;
    int pixel_stride; /* interleaved sinks: the first channel written */
    int map;          /* a convtool_map, for sinks that quantize */
};

/*
 * Runs the plan over every channel of src into sink. *clipped (may be NULL)
 * receives the sum of emit_row's counts. The result does not depend on the
 * number of threads in pool.
 */
convtool_status core_run(const struct conv_plan *plan, const struct conv_source *src,
                         const struct conv_sink *sink, convtool_pool *pool, size_t *clipped);

/*
 * core_run for output rows [y_begin, y_end) only (0 ≤ y_begin < y_end ≤
 * out_h): the strip engine's step. Each row's bytes are those core_run gives
 * it, whatever the range. The source is only asked for the rows those
 * outputs read (convtool_conv2d_rows_needed).
 */
convtool_status core_run_rows(const struct conv_plan *plan, const struct conv_source *src,
                              const struct conv_sink *sink, convtool_pool *pool, int y_begin,
                              int y_end, size_t *clipped);

#endif
