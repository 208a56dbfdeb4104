/* The whole-image PNG writer before the streaming one (png_write_ref.c): the bytes to match. */
#ifndef CONVTOOL_PNG_WRITE_REF_H
#define CONVTOOL_PNG_WRITE_REF_H

#include "codec/png_write.h"

convtool_status png_write_ref(const png_source *src, int level, convtool_pool *pool,
                              convtool_buffer *out);
convtool_status png_write_ref_interleaved(const unsigned char *pixels, int w, int h, int channels,
                                          int level, convtool_pool *pool, convtool_buffer *out);
convtool_status png_write_ref_interleaved16(const uint16_t *samples, int w, int h, int channels,
                                            int level, convtool_pool *pool, convtool_buffer *out);

#endif
