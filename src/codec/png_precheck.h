/*
 * The PNG pass in front of stb_image (run after the probe and the
 * completeness check, so every chunk lies inside the file):
 *
 *  - CRCs, libpng's default policy: a bad CRC in a critical chunk (IHDR,
 *    PLTE, IDAT, IEND) makes the file corrupt; an ancillary chunk with a bad
 *    CRC is dropped, as if it were not there.
 *  - Empty IDAT chunks are dropped (stb 2.27 would memcpy from NULL).
 *  - A palette shorter than 256 entries is padded to 256 with opaque black,
 *    so an index past the PLTE decodes to black instead of to stb's
 *    uninitialised stack bytes (upstream stb issue #1861). Every entry is
 *    then opaque unless the tRNS chunk says otherwise.
 */
#ifndef CONVTOOL_PNG_PRECHECK_H
#define CONVTOOL_PNG_PRECHECK_H

#include <stddef.h>

#include "convtool/convtool.h"

/*
 * CONVTOOL_ECORRUPT for a bad CRC in a critical chunk. When the file must be
 * changed for stb, *fixed is a malloc'd copy with the changes above (free
 * it) and *fixed_len its size; otherwise *fixed is NULL and stb gets the
 * file as it is.
 */
convtool_status png_precheck(const unsigned char *png, size_t len, unsigned char **fixed,
                             size_t *fixed_len);

#endif
