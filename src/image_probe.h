/* Checks between the header probe and the decoder. */
#ifndef CONVTOOL_IMAGE_PROBE_H
#define CONVTOOL_IMAGE_PROBE_H

#include "convtool/convtool.h"

/*
 * Scans (SOS markers) a JPEG may have; more is CONVTOOL_ESCANS (progressive)
 * or ECORRUPT (sequential: one scan per component, 4 at most). Each scan of
 * a progressive file is a pass over the whole image's coefficients, and a
 * scan of nothing but an end-of-band run costs a few bytes: a 1 MB file of
 * them kept the decoder busy for 7 CPU-seconds. Encoders write 6 to 10 scans
 * (libjpeg's default scripts), rarely a few dozen; a script that sends every
 * coefficient of 3 components on its own needs some 190. libjpeg-turbo's
 * fuzz targets have capped TJPARAM_SCANLIMIT at 500 (now 100); 500 is the
 * looser of the two, with room for every script short of a hostile one.
 */
#define JPEG_MAX_SCANS 500

/*
 * Whether a probed PNG or JPEG file is complete: a PNG's chunks must run,
 * inside the file, to a whole IEND chunk; a JPEG needs an EOI marker after
 * its frame header (stb fills a truncated stream with zeros and succeeds).
 * Kept out of convtool_image_probe() so `shape` can read headers only.
 * Also refuses a JPEG of more than JPEG_MAX_SCANS scans (CONVTOOL_ESCANS).
 */
convtool_status image_check_complete(const unsigned char *bytes, size_t len,
                                     const convtool_image_info *info);

#endif
