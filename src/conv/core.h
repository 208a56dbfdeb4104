/*
 * The convolution engine behind convtool_conv2d and the fused 8-bit path.
 * It reads input rows from a conv_source, builds the padded rows a band of
 * output rows needs in per-thread scratch (so there is no padded copy of the
 * image), runs the SIMD row loops, and hands output rows to a conv_sink.
 */
#ifndef CONVTOOL_CORE_H
#define CONVTOOL_CORE_H

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
 * so `nonzero` gives the same bytes as `all` wherever the rows read are finite. finite_input: every input value is (8/16-bit
 * pixels), and the core always runs `nonzero`. Otherwise the core checks each
 * row it builds and runs `all` only for output rows that read a NaN or an
 * infinity, since 0·NaN and 0·inf must give NaN as in PyTorch.
 */
convtool_status conv_plan_init(struct conv_plan *plan, const convtool_kernel *k,
                               const convtool_geometry *g, float bias, int finite_input);
void conv_plan_free(struct conv_plan *plan);

/*
 * Runs the plan over every channel of src into sink. *clipped (may be NULL)
 * receives the sum of emit_row's counts. The result does not depend on the
 * number of threads in pool.
 */
convtool_status core_run(const struct conv_plan *plan, const struct conv_source *src,
                         const struct conv_sink *sink, convtool_pool *pool, size_t *clipped);

#endif
