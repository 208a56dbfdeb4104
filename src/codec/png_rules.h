/*
 * Internal: what the fast PNG decoders take and what they leave to
 * stb_image, in one place, so that the whole-file decoder (png_read.c) and
 * the strip decoder (png_stream_read.c) judge every header and chunk alike.
 */
#ifndef CONVTOOL_PNG_RULES_H
#define CONVTOOL_PNG_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "codec/png_unfilter.h"
#include "convtool/convtool.h"

#define PNG_RULES_SIG_LEN 8
#define PNG_RULES_IHDR_END 33 /* signature, chunk length and type, 13 bytes of IHDR, CRC */
#define PNG_RULES_MAX_CHUNK 0x7fffffffu

/*
 * The signature and IHDR at b[0 .. PNG_RULES_IHDR_END) (len: how many bytes
 * there are) into *h. OK: a header the fast decoders take. EUNSUPPORTED:
 * stb's alone (palette, gray below 8 bits, Adam7, CgBI, sizes past stb's
 * limits, when `whole`). ECORRUPT: nobody's. The IHDR CRC is not checked
 * here. whole: the image is decoded whole, so a size past stb's limits is
 * stb's to refuse; the strip decoder (whole = 0) holds a few rows, so only
 * stb's limit on a side applies (2^24), not the one on samples (2^30).
 */
convtool_status png_rules_header(const unsigned char *b, size_t len, int whole,
                                 struct png_header *h);

/*
 * The header against what convtool_image_probe said (info may be NULL):
 * EUNSUPPORTED when the probe counts another channel count (tRNS: stb adds
 * an alpha channel), ECORRUPT when the size or depth differs.
 */
convtool_status png_rules_info(const struct png_header *h, const convtool_image_info *info);

/*
 * A chunk other than IDAT and IEND, c at its length field, clen its data
 * length: OK, EUNSUPPORTED (tRNS, CgBI, unknown critical chunks: stb's) or
 * ECORRUPT (a second IHDR, a PLTE stb refuses).
 */
convtool_status png_rules_chunk(const unsigned char *c, uint32_t clen);

#endif
