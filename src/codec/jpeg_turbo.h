/*
 * Internal: libjpeg-turbo (the TurboJPEG API) as the JPEG codec, when the
 * library is built with it (CMake finds libturbojpeg; CONVTOOL_WITH_TURBOJPEG
 * is then defined). stb stays the built-in codec: without libjpeg-turbo, or
 * with the environment variable CONVTOOL_JPEG_CODEC=stb, every JPEG goes
 * through stb, and these functions are never called.
 */
#ifndef CONVTOOL_JPEG_TURBO_H
#define CONVTOOL_JPEG_TURBO_H

#include <stddef.h>

#include "convtool/convtool.h"

/* Whether JPEGs go through libjpeg-turbo now (checked on every call, so tests can switch). */
int jpeg_turbo_active(void);

/*
 * Decodes a JPEG to interleaved 8-bit samples: 1 channel for a grayscale
 * file, 3 (RGB) for YCbCr or RGB. *pixels is malloc'ed; the caller frees it
 * with free(). CONVTOOL_EUNSUPPORTED for CMYK and YCCK files, which the
 * caller hands to stb so that their conversion to RGB is the same in every
 * build, and for headers libjpeg-turbo cannot read; ECORRUPT for damaged
 * data (warnings included: a damaged file is refused, not decoded into a
 * partly grey picture).
 */
convtool_status jpeg_turbo_decode(const unsigned char *bytes, size_t len, int *w, int *h,
                                  int *channels, unsigned char **pixels);

/*
 * Appends a JPEG of w×h interleaved samples (comp 1 = gray, stored as one
 * component; 3 = RGB; 2 and 4 have an alpha channel, which is left out) at
 * quality 1..100 to *out, with chroma sampling CONVTOOL_SAMPLING_444, 422 or
 * 420 (a gray image has no chroma: one component whatever it says).
 */
convtool_status jpeg_turbo_encode(convtool_buffer *out, int w, int h, int comp,
                                  const unsigned char *pixels, int quality,
                                  convtool_jpeg_sampling sampling);

#endif /* CONVTOOL_JPEG_TURBO_H */
