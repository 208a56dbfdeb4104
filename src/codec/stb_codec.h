/*
 * Thin internal wrappers around stb_image / stb_image_write.
 *
 * stb_codec.c is the only translation unit that compiles stb's code, with only
 * the PNG and JPEG decoders (Debian's stb_image 2.27 has known memory-safety
 * bugs in the others) and without stdio. Everything stb is static there, so no
 * stb symbol leaves the library.
 */
#ifndef CONVTOOL_STB_CODEC_H
#define CONVTOOL_STB_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

/* The largest width or height stb_image is built to accept. */
#define STB_CODEC_MAX_DIMENSION (1 << 17)
/* stb_image refuses PNGs whose width·height·channels exceeds this. */
#define STB_CODEC_MAX_SAMPLES (1u << 30)

/*
 * Decodes a PNG or JPEG with its native channel count (req_comp 0) into
 * interleaved HWC samples. stb allocates from the calling thread's decode
 * arena when one is in use (decode_arena_use(): *pixels then lives there, or
 * is the arena's output buffer), else with malloc (free *pixels with
 * stb_codec_free()). Returns CONVTOOL_ENOMEM when an allocation fails and
 * CONVTOOL_ECORRUPT when stb refuses the data.
 */
convtool_status stb_codec_decode8(const unsigned char *bytes, size_t len, int *w, int *h,
                                  int *channels, unsigned char **pixels);
/* The same for a 16-bit PNG: samples are native-endian uint16_t. */
convtool_status stb_codec_decode16(const unsigned char *bytes, size_t len, int *w, int *h,
                                   int *channels, uint16_t **pixels);
void stb_codec_free(void *pixels);

/*
 * Encoders: append the file to *out. HWC interleaved input, 1..4 channels.
 * (PNG has its own writer, png_write.c; JPEG uses libjpeg-turbo when built in.)
 * A failure of stb or of an append gives an error; *out may then hold a
 * partial file and must be discarded by the caller.
 */
convtool_status stb_codec_write_jpg(convtool_buffer *out, int w, int h, int comp,
                                    const unsigned char *pixels, int quality);
convtool_status stb_codec_write_bmp(convtool_buffer *out, int w, int h, int comp,
                                    const unsigned char *pixels);
convtool_status stb_codec_write_tga(convtool_buffer *out, int w, int h, int comp,
                                    const unsigned char *pixels);
convtool_status stb_codec_write_hdr(convtool_buffer *out, int w, int h, int comp,
                                    const float *pixels);

#endif /* CONVTOOL_STB_CODEC_H */
