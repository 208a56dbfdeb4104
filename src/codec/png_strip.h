/*
 * Internal: one strip of a PNG's rows, filtered and raw-deflated on its own
 * into one IDAT chunk, for the writer (png_writer.c) that runs several at
 * once and joins them.
 *
 * A strip is primed with the history its encoder can reach (the filtered
 * rows before it, up to deflate's 32 KiB window; one byte for deflate_fast's
 * runs) and ends with a sync flush, so the strips join into one valid zlib
 * stream (the pigz technique). Strip heights depend only on the image, so
 * the bytes never depend on how many strips run at once.
 */
#ifndef CONVTOOL_PNG_STRIP_H
#define CONVTOOL_PNG_STRIP_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

/* A chunk's length, type and CRC; the zlib stream's header and Adler-32 trailer. */
#define PNG_STRIP_CHUNK_OVERHEAD 12
#define PNG_STRIP_ZLIB_HEADER 2
#define PNG_STRIP_ZLIB_TRAILER 4

struct png_level; /* what a --png-level does (png_strip.c) */

typedef struct png_strip_layout {
    size_t row_bytes;  /* bytes of an unfiltered row: width · channels · bytes per sample */
    int bpp;           /* bytes per pixel, for the filters */
    size_t height;     /* rows of the image */
    size_t rows;       /* rows per strip (the last strip may have fewer) */
    size_t prime_rows; /* filtered rows before a strip that prime its deflate */
    size_t count;      /* strips */
    const struct png_level *level;
} png_strip_layout;

/*
 * Cuts a width×height image of `channels` samples of `depth` bits (8 or 16)
 * into strips for `level` (1..9). CONVTOOL_ELIMIT for rows too long for
 * zlib; the caller checked the other arguments.
 */
convtool_status png_strip_layout_init(png_strip_layout *l, int width, int height, int channels,
                                      int depth, int level);

/* Rows y0 and y1 (exclusive) of strip i. */
void png_strip_rows(const png_strip_layout *l, size_t i, size_t *y0, size_t *y1);

/* The first unfiltered row strip i reads: the row above its first priming row (0 for strip 0). */
size_t png_strip_first_row(const png_strip_layout *l, size_t i);

/*
 * Gives unfiltered row y: either a pointer to it, or `scratch` (row_bytes)
 * filled with it. Called from several threads at once: it must only read
 * shared state.
 */
typedef const unsigned char *(*png_strip_row_fn)(const void *ctx, size_t y, unsigned char *scratch);

/* A compressed strip, and the buffers it keeps for the next one compressed in its place. */
typedef struct png_strip_out {
    unsigned char *chunk; /* length, "IDAT", data, then its CRC unless it is the last strip */
    size_t len, cap;      /* cap: room for the worst case, the trailer and IEND */
    size_t raw_len;       /* filtered bytes coded */
    uint32_t adler;       /* of those bytes */
    uint32_t crc;         /* of the chunk's type and data so far (the last one's trailer is due) */
    unsigned char *work;  /* filtered rows and three rows of scratch */
    size_t work_cap;
} png_strip_out;

/*
 * Filters and deflates strip i of l, reading rows [png_strip_first_row, y1)
 * through `row`, into o (its buffers grown as needed and kept). The first
 * strip starts with the zlib header; the last ends with deflate's final
 * block, and its length and CRC wait for png_strip_seal. ENOMEM, EOVERFLOW.
 */
convtool_status png_strip_compress(const png_strip_layout *l, size_t i, png_strip_row_fn row,
                                   const void *ctx, png_strip_out *o);

/*
 * Ends the last strip's chunk with the zlib stream's Adler-32 (of all the
 * strips' filtered bytes), its length and CRC, then appends IEND: o->chunk
 * holds the rest of the file.
 */
void png_strip_seal(png_strip_out *o, uint32_t adler);

void png_strip_out_free(png_strip_out *o);

/* The signature and IHDR: writes PNG_STRIP_HEADER_BYTES at p. */
#define PNG_STRIP_HEADER_BYTES 33
void png_strip_header(unsigned char *p, int width, int height, int channels, int depth);

#endif /* CONVTOOL_PNG_STRIP_H */
