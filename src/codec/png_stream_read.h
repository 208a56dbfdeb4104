/*
 * Internal: the PNG decoder as a pull API, for the strip engine. It reads the
 * file through a byte_pull_fn (byte_stream.h) in pieces of 64 KiB and hands
 * out rows as the caller asks for them: ISA-L inflates (png_inflate.h's
 * streaming interface) a few rows at a time, png_unfilter.c undoes the
 * filters. Memory: the input buffer, max(2 rows, 64 KiB) of image data, one
 * row, and ISA-L's state, never the whole file or image.
 *
 * It takes the files png_read_fast takes, and gives the same bytes, which
 * are stb's; it judges them as the whole-file path does (png_precheck.c's
 * CRC policy, then png_read_fast), with these differences:
 *
 *  - Image data beyond what the rows need: png_read_fast leaves that file to
 *    stb (EUNSUPPORTED); the rows are out by the time the extra data shows
 *    up, so png_stream_finish says EUNSUPPORTED then, and the caller throws
 *    the rows away and lets the whole-file path judge the file (stb inflates
 *    the rest, and refuses a zlib bomb there by its memory budget).
 *  - A chunk png_read_fast leaves to stb (tRNS, an unknown critical chunk,
 *    CgBI) is seen where it lies: before the first IDAT, png_stream_open says
 *    EUNSUPPORTED before any row is out; between or after the IDATs, a later
 *    png_stream_rows or png_stream_finish does, and the rows already handed
 *    out are to be thrown away: the whole-file path must decide that file
 *    (stb refuses tRNS and unknown critical chunks after IDAT).
 *  - Verdicts come in file order: a damaged row is ECORRUPT when it is
 *    reached, even if a chunk further on would have made the whole-file path
 *    say EUNSUPPORTED.
 *
 * It calls nothing but the pull callback, malloc/free, ISA-L and the
 * checksum code, so it runs inside the sandbox worker (sandbox_child.c).
 */
#ifndef CONVTOOL_PNG_STREAM_READ_H
#define CONVTOOL_PNG_STREAM_READ_H

#include "codec/byte_stream.h"
#include "convtool/convtool.h"

/* The input is pulled in pieces of this size. */
#define PNG_STREAM_INPUT ((size_t)64 << 10)

struct png_stream;

/*
 * Reads the signature and the chunks up to the first IDAT through pull,
 * checking the CRCs of critical chunks (a bad one: ECORRUPT), and starts the
 * inflater. info (may be NULL) is what convtool_image_probe said, as for
 * png_read_fast: a header that disagrees is ECORRUPT, another channel count
 * (tRNS) EUNSUPPORTED.
 *
 * CONVTOOL_OK: *out is the stream (release with png_stream_close).
 * CONVTOOL_EUNSUPPORTED: a file png_read_fast leaves to stb (palette, tRNS,
 * interlaced, depth below 8, unknown critical chunks, CgBI), or a build
 * without ISA-L: decode it with the whole-file path. More samples than stb's
 * limit (2^30) are taken: a strip is a few rows of any image (a 32768² RGB
 * PNG streams; whole, stb refuses it); a side past 2^24 is still stb's.
 * CONVTOOL_ECORRUPT: damaged or truncated. CONVTOOL_EIO: pull failed.
 * CONVTOOL_ENOMEM. On failure *out is NULL.
 */
convtool_status png_stream_open(byte_pull_fn pull, void *ctx, const convtool_image_info *info,
                                struct png_stream **out);

/* The image's size, channels (1-4) and bits per sample (8 or 16); any pointer may be NULL. */
void png_stream_shape(const struct png_stream *s, int *w, int *h, int *channels, int *depth);

/*
 * The next `rows` rows into dst: interleaved samples as png_read_fast gives
 * them (8-bit bytes, 16-bit native-endian uint16_t), rows
 * w·channels·(depth/8) bytes apart. rows may be 0; more than are left is
 * CONVTOOL_EINVAL. CONVTOOL_ECORRUPT: damaged image data or chunks, a bad
 * IDAT CRC, too little image data. CONVTOOL_EUNSUPPORTED: a chunk between the
 * IDATs that is stb's (see above). CONVTOOL_EIO: pull failed. After an error
 * the stream stays failed (every later call gives that error) and dst holds
 * nothing to keep. A chunk's CRC is checked at the chunk's end, so damage
 * in the IDAT that holds a row may show only in a later call or in
 * png_stream_finish: the rows are the file's once png_stream_finish says OK.
 */
convtool_status png_stream_rows(struct png_stream *s, void *dst, int rows);

/*
 * After the last row: reads on to IEND, as the whole-file path judges the
 * file: a bad CRC in a critical chunk anywhere (IDAT, IEND...) or a damaged
 * end of the image data is ECORRUPT, a chunk stb must decide or image data
 * beyond the rows EUNSUPPORTED. Nothing after IEND is read.
 * CONVTOOL_EINVAL when rows are left.
 */
convtool_status png_stream_finish(struct png_stream *s);

/* Releases s (NULL is fine), at any point. */
void png_stream_close(struct png_stream *s);

#endif /* CONVTOOL_PNG_STREAM_READ_H */
