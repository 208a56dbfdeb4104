/*
 * Internal: metadata written into an encoded PNG or JPEG (metadata_embed.c).
 * The encoders stay unaware of metadata: their file is completed first, then
 * the chunks or marker segments are spliced in after PNG's IHDR, or after
 * JPEG's SOI and the encoder's JFIF APP0 (whose density is set in place).
 */
#ifndef CONVTOOL_METADATA_EMBED_H
#define CONVTOOL_METADATA_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

/*
 * Inserts md into the PNG or JPEG of w×h pixels of `channels` channels that
 * starts at out->data + start (other formats, or md NULL: nothing); an ICC
 * profile that does not fit the channels is left out
 * (convtool_metadata_icc_fits). On failure out->len is restored to start.
 */
convtool_status metadata_embed(const convtool_metadata *md, convtool_format fmt, size_t start,
                               int w, int h, int channels, convtool_buffer *out);

#endif /* CONVTOOL_METADATA_EMBED_H */
