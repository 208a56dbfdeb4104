/*
 * The cost model (method_choice.c): estimated seconds of the direct,
 * separable and FFT methods for one job, and the FFT tile size.
 */
#ifndef CONVTOOL_METHOD_CHOICE_H
#define CONVTOOL_METHOD_CHOICE_H

#include "conv/fft_tiles.h"
#include "convtool/convtool.h"

struct method_decision {
    convtool_method_choice choice;
    struct fft_tiling tiling; /* when choice.fft_s ≥ 0 */
};

/* Resolves g->method as convtool_method_choose says (its errors too). */
convtool_status method_decide(const convtool_kernel *k, const convtool_geometry *g, int channels,
                              int threads, struct method_decision *d);

#endif
