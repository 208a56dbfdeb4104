/* Internal: PNG's five row filters, and the choice of one per row. */
#ifndef CONVTOOL_PNG_FILTER_H
#define CONVTOOL_PNG_FILTER_H

#include <stddef.h>

enum png_filter {
    PNG_FILTER_NONE = 0,
    PNG_FILTER_SUB,
    PNG_FILTER_UP,
    PNG_FILTER_AVERAGE,
    PNG_FILTER_PAETH,
    PNG_FILTER_ADAPTIVE /* per row, the filter whose output has the least Σ|signed byte| */
};

/*
 * Filters one row of n bytes with `bpp` bytes per pixel (1..4 for 8-bit
 * samples, 2..8 for 16-bit ones): out[0] receives the filter type and out[1..n] the filtered
 * bytes. prev is the row above (all zeros for the first row). ADAPTIVE needs
 * `scratch` of n bytes, the others ignore it.
 */
void png_filter_row(enum png_filter mode, const unsigned char *cur, const unsigned char *prev,
                    size_t n, int bpp, unsigned char *out, unsigned char *scratch);

#endif /* CONVTOOL_PNG_FILTER_H */
