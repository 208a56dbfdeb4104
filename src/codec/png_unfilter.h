/*
 * Undoing PNG's row filters (png_unfilter.c): in place for png_read.c, a few
 * rows at a time for png_stream_read.c.
 */
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

/*
 * For a decoder that hands on rows (png_stream_read.c): unfilters `rows`
 * consecutive rows, src holding each as its filter type byte and row_bytes
 * bytes, into dst, rows row_bytes apart, in PNG's byte order (16-bit samples
 * stay big-endian: the next row's filters need them so). prev is the
 * unfiltered row above the first (PNG's order), NULL for the image's first
 * row. Neither prev nor dst may overlap src; prev may lie just before dst.
 * CONVTOOL_ECORRUPT for a filter type above 4.
 */
convtool_status png_unfilter_rows(const struct png_header *h, const unsigned char *prev,
                                  const unsigned char *src, unsigned char *dst, uint32_t rows);

/* A row's n bytes of big-endian 16-bit samples to native uint16_t, in place, as stb gives them. */
void png_unfilter_native16(unsigned char *row, size_t n);

#endif
