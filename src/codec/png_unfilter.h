/* Undoing PNG's row filters, in place (png_unfilter.c), for png_read.c. */
#ifndef CONVTOOL_PNG_UNFILTER_H
#define CONVTOOL_PNG_UNFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

/* What the decoder takes from IHDR. */
struct png_header {
    uint32_t width, height;
    int depth, channels;
    size_t row_bytes; /* unfiltered bytes per row, without the filter type byte */
    int bpp;          /* bytes per pixel: the distance to the "left" byte of a filter */
};

/*
 * raw holds, one row (1 + row_bytes bytes) in, the image data: height rows of
 * a filter type byte and row_bytes bytes. The pixels are left at raw[0 ..
 * height·row_bytes), 16-bit samples in native order. CONVTOOL_ECORRUPT for a
 * filter type above 4.
 */
convtool_status png_unfilter_image(const struct png_header *h, unsigned char *raw);

#endif
