/*
 * The strip engine's float output (strip.c): a strip of output rows as the
 * core's sink, for convtool_conv2d_rows and convtool_conv2d_pixels_rows_float.
 */
#ifndef CONVTOOL_CONV_STRIP_H
#define CONVTOOL_CONV_STRIP_H

#include "conv/core.h"

/* Output row y of channel ch is row y − first of plane ch of t. */
struct strip_sink {
    convtool_tensor *t;
    int first;
};

/* The conv_sink row_ptr of a struct strip_sink (its data). */
float *strip_sink_row(const struct conv_sink *s, int ch, int y);

#endif
