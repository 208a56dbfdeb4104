/*
 * Internal: inflating a PNG's image data (its zlib stream, spread over IDAT
 * chunks) for png_read.c, with ISA-L or libdeflate. Both give the same bytes
 * and the same verdicts: libdeflate only inflates a whole buffer at once, so
 * it needs the IDATs copied together when there are several; ISA-L streams,
 * taking the IDATs one by one and giving the output in pieces of any size
 * (png_inflate_read), which is what a decoder that hands on rows needs.
 */
#ifndef CONVTOOL_PNG_INFLATE_H
#define CONVTOOL_PNG_INFLATE_H

#include <stddef.h>

#include "convtool/convtool.h"

enum png_inflater {
    PNG_INFLATE_DEFAULT,   /* ISA-L when built in, else libdeflate */
    PNG_INFLATE_LIBDEFLATE,
    PNG_INFLATE_ISAL,
};

/* The output piece the whole-stream inflate asks ISA-L for at a time. */
#define PNG_INFLATE_PIECE ((size_t)64 << 10)

/*
 * The compressed data, piece by piece in file order: each call sets *piece and
 * returns its length (never 0), or returns 0 when there are no more pieces.
 */
typedef size_t (*png_zsource)(void *ctx, const unsigned char **piece);

/* Whether `which` is built in (PNG_INFLATE_DEFAULT: whether either is). */
int png_inflate_available(enum png_inflater which);

/*
 * Inflates the whole zlib stream from src into exactly n bytes at dst.
 * total is the sum of the pieces' lengths (libdeflate's copy needs it).
 * The zlib header is checked as stb checks it; the Adler-32 is not (stb
 * ignores it), and bytes after the final block are ignored.
 * CONVTOOL_OK: the stream gives exactly n bytes. CONVTOOL_EUNSUPPORTED: it
 * gives more (stb accepts that), or `which` is not built in.
 * CONVTOOL_ECORRUPT: a bad header or DEFLATE data, or fewer bytes.
 * CONVTOOL_ENOMEM: an allocation failed.
 */
convtool_status png_inflate_whole(enum png_inflater which, png_zsource src, void *ctx,
                                  size_t total, unsigned char *dst, size_t n);

/* The streaming interface (ISA-L builds only; NULL from open otherwise). */
struct png_inflate;

/* A stream reading from src; NULL when out of memory or built without ISA-L. */
struct png_inflate *png_inflate_open(png_zsource src, void *ctx);
/*
 * The next n bytes of output into dst: CONVTOOL_OK, or CONVTOOL_ECORRUPT
 * (bad data, or the stream ends first). After an error the stream stays failed.
 */
convtool_status png_inflate_read(struct png_inflate *s, unsigned char *dst, size_t n);
/*
 * After the last read: CONVTOOL_OK if the stream ends there, CONVTOOL_EUNSUPPORTED
 * if it has more output, CONVTOOL_ECORRUPT if what follows is damaged or truncated.
 */
convtool_status png_inflate_end(struct png_inflate *s);
void png_inflate_close(struct png_inflate *s);

#endif /* CONVTOOL_PNG_INFLATE_H */
