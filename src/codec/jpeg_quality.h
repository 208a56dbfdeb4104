/*
 * Internal: the JPEG quality estimator behind convtool_jpeg_estimate_quality
 * (jpeg_quality.c), and libjpeg's quality scaling it compares with.
 */
#ifndef CONVTOOL_JPEG_QUALITY_H
#define CONVTOOL_JPEG_QUALITY_H

#include <stdint.h>

#include "convtool/convtool.h"

/* libjpeg's table for `quality` (1..100), luma (chroma 0) or chroma, natural order. */
void jpeg_quality_table(int quality, int chroma, uint16_t table[64]);

/*
 * The quality of a luma table and (NULL for gray files) a chroma table, both
 * in natural order; *exact is 1 when they are libjpeg's tables of that quality.
 */
int jpeg_quality_of_tables(const uint16_t *luma, const uint16_t *chroma, int *exact);

/*
 * ImageMagick's estimate (coders/jpeg.c) from the tables in slots 0..3 (NULL:
 * not defined), natural order: the quality `identify -format %Q` prints, or
 * 0 where it has none.
 */
int jpeg_quality_imagemagick(const uint16_t *tables[4]);

#endif /* CONVTOOL_JPEG_QUALITY_H */
