/*
 * Internal: the few EXIF (TIFF IFD) fields convtool reads or rewrites, in
 * place, in an EXIF block that starts at its TIFF header ("II*\0" or
 * "MM\0*"): the Orientation tag (0x0112, IFD0) and the Exif IFD's
 * PixelXDimension/PixelYDimension (0xA002/0xA003).
 *
 * convtool's own reader rather than libexif: it edits the values where they
 * are, so every other byte of the block (maker notes, unknown tags, offsets)
 * goes out as it came in; libexif's exif_data_save_data re-serialises the
 * whole block and may drop or move what it does not know. Every offset is
 * checked against the block's length (fuzzed: fuzz/fuzz_metadata.c).
 */
#ifndef CONVTOOL_EXIF_TIFF_H
#define CONVTOOL_EXIF_TIFF_H

#include <stddef.h>
#include <stdint.h>

/* The Orientation tag's value 1..8, or 0 when there is none or the block is damaged. */
int exif_orientation(const unsigned char *tiff, size_t len);

/* Sets an existing Orientation tag to value (1..8); no tag, nothing written. */
void exif_set_orientation(unsigned char *tiff, size_t len, int value);

/*
 * Sets existing PixelXDimension/PixelYDimension tags to w and h (a SHORT tag
 * whose value needs more than 16 bits is left as it was).
 */
void exif_set_dimensions(unsigned char *tiff, size_t len, uint32_t w, uint32_t h);

#endif /* CONVTOOL_EXIF_TIFF_H */
