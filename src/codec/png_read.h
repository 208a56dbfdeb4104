/*
 * Internal: the fast PNG decoder. ISA-L (in 64 KiB pieces) or libdeflate (in
 * one call) inflates the image data into a buffer of exactly the size IHDR
 * implies (png_inflate.h), and the rows are
 * unfiltered straight into the output pixels. It decodes the common PNGs
 * (non-interlaced, 8 or 16 bits, gray, gray+alpha, RGB, RGBA, no tRNS) and
 * hands everything else back to stb_image, which remains the reference: for
 * every file it accepts, the result is byte for byte what stb would return.
 */
#ifndef CONVTOOL_PNG_READ_H
#define CONVTOOL_PNG_READ_H

#include <stddef.h>

#include "codec/png_inflate.h"
#include "convtool/convtool.h"

/*
 * Decodes the PNG file bytes[0..len) into *px (its data malloc'ed here; the
 * caller releases it with convtool_pixels_free):
 * interleaved samples, 8-bit as bytes, 16-bit as native-endian uint16_t,
 * 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels, as stb gives them.
 *
 * info, when not NULL, is what convtool_image_probe said about the file; a
 * header that disagrees with it is CONVTOOL_ECORRUPT.
 *
 * CONVTOOL_EUNSUPPORTED: a file this
 * decoder leaves to stb — palette, tRNS, interlaced, bit depths below 8,
 * unknown critical chunks, Apple's CgBI, sizes past stb's limits, more image
 * data than the rows need (stb accepts that), or a build with neither ISA-L
 * nor libdeflate.
 * CONVTOOL_ECORRUPT: damaged or truncated chunks, a bad zlib header or
 * DEFLATE stream, too little image data, a row filter type above 4.
 * CONVTOOL_ENOMEM: an allocation failed. On any error *px is zeroed.
 *
 * Memory: one buffer of (h + 1)·(1 + row bytes), on huge pages when large,
 * that becomes the pixels (two rows are unfiltered at once, one row behind
 * the other, so the data is inflated one row further in), plus a copy of the
 * compressed data when it is split over several IDAT chunks.
 *
 * Chunk CRCs and the zlib Adler-32 are not checked, as stb does not check
 * them: the CRC policy is the caller's, applied before either decoder runs.
 */
convtool_status png_read_fast(const unsigned char *bytes, size_t len,
                              const convtool_image_info *info, convtool_pixels *px);

/* The same with a chosen inflater (tests compare them); EUNSUPPORTED if it is not built in. */
convtool_status png_read_fast_using(enum png_inflater which, const unsigned char *bytes,
                                    size_t len, const convtool_image_info *info,
                                    convtool_pixels *px);

#endif /* CONVTOOL_PNG_READ_H */
