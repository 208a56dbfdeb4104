/*
 * Internal: PNG's ancillary chunks, read into a convtool_metadata
 * (png_chunks.c) and written back (png_chunks_write.c): iCCP, sRGB, gAMA,
 * cHRM, pHYs, eXIf, iTXt (XMP and text), tEXt, zTXt, and acTL (APNG).
 * Chunks with a bad CRC or a damaged body are skipped (their part flagged in
 * md->dropped). Fuzzed by fuzz/fuzz_metadata.c.
 */
#ifndef CONVTOOL_PNG_CHUNKS_H
#define CONVTOOL_PNG_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

/* Where a PNG's IHDR chunk ends: metadata chunks are inserted there. */
#define PNG_CHUNKS_AFTER_IHDR 33
/* The XMP iTXt keyword (Adobe's XMP specification, part 3). */
#define PNG_XMP_KEYWORD "XML:com.adobe.xmp"

/* Adds the PNG's metadata to md (the caller zeroed it). ENOMEM only. */
convtool_status png_chunks_read(const unsigned char *png, size_t len, convtool_metadata *md);

/* The eXIf chunk's body (TIFF header first) inside png, or NULL. No allocation. */
const unsigned char *png_chunks_find_exif(const unsigned char *png, size_t len, size_t *exif_len);

/*
 * Appends the chunks md holds to out, to be inserted after IHDR: iCCP (or
 * sRGB when there is no profile), gAMA, cHRM, pHYs, eXIf (orientation and
 * pixel dimensions set as md and w×h say), the XMP iTXt, the texts (a JPEG
 * comment becomes tEXt "Comment", iTXt when it is UTF-8 beyond ASCII).
 */
convtool_status png_chunks_write(const convtool_metadata *md, uint32_t w, uint32_t h,
                                 convtool_buffer *out);

#endif /* CONVTOOL_PNG_CHUNKS_H */
