/* Checks between the header probe and the decoder. */
#ifndef CONVTOOL_IMAGE_PROBE_H
#define CONVTOOL_IMAGE_PROBE_H

#include "convtool/convtool.h"

/* JPEG_MAX_SCANS: CONVTOOL_JPEG_MAX_SCANS of the public header (why 500: there). */
#define JPEG_MAX_SCANS CONVTOOL_JPEG_MAX_SCANS

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
