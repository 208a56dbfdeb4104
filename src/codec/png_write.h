/*
 * Internal: a fast 8- and 16-bit PNG writer (IHDR, IDAT, IEND): convtool's own
 * deflate encoder (deflate_fast.h) for the fast levels, zlib for the others.
 *
 * The whole-image entry points here run the streaming writer (png_writer.h),
 * which cuts the image into strips of a fixed number of rows. Each strip is
 * filtered and raw-deflated on its own, in parallel on the pool, primed with
 * the history its encoder can reach and ended with a sync flush, so the
 * strips join into one valid zlib stream (the pigz technique); their Adler-32
 * checksums are combined with adler32_combine. Each strip is one IDAT chunk
 * (png_strip.h). Strip sizes depend only on the image, never on the number
 * of threads, so the file is the same bytes for any pool.
 */
#ifndef CONVTOOL_PNG_WRITE_H
#define CONVTOOL_PNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

/* --png-level: 1 (fastest) .. 9 (smallest); 0 selects PNG_LEVEL_DEFAULT. */
#define PNG_LEVEL_MIN 1
#define PNG_LEVEL_MAX 9
#define PNG_LEVEL_DEFAULT 2

/*
 * Fills `row` with the width·channels samples of row y, interleaved: bytes
 * for depth 8, big-endian pairs of bytes (PNG's order) for depth 16.
 * Called from several threads at once, for different rows, and possibly more
 * than once for the same row: it must only read shared state.
 */
typedef void (*png_row_fn)(const void *ctx, size_t y, unsigned char *row);

typedef struct png_source {
    int width, height, channels; /* channels 1..4: gray, gray+alpha, RGB, RGBA */
    png_row_fn row;
    const void *ctx;
    int depth; /* bits per sample: 8 (0 means 8 too) or 16 */
} png_source;

/*
 * Appends a complete PNG file to *out. level 0 means PNG_LEVEL_DEFAULT;
 * pool may be NULL (one thread). CONVTOOL_EINVAL for a bad size, channel
 * count or level; ELIMIT for rows too long for zlib; ENOMEM/EOVERFLOW when
 * memory runs out. On failure out->len is restored (any appended bytes are
 * dropped).
 */
convtool_status png_write(const png_source *src, int level, convtool_pool *pool,
                          convtool_buffer *out);

/* png_write for w×h interleaved samples in memory, rows w·channels bytes apart. */
convtool_status png_write_interleaved(const unsigned char *pixels, int w, int h, int channels,
                                      int level, convtool_pool *pool, convtool_buffer *out);

/* The same for 16-bit samples (native-endian uint16_t; written big-endian). */
convtool_status png_write_interleaved16(const uint16_t *samples, int w, int h, int channels,
                                        int level, convtool_pool *pool, convtool_buffer *out);

#endif /* CONVTOOL_PNG_WRITE_H */
