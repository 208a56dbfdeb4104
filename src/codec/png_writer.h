/*
 * Internal: the streaming PNG writer. It takes an image's rows in order, in
 * batches of any size, and pushes the file out as it goes: the signature and
 * IHDR at once, then one IDAT chunk per strip of rows (png_strip.h) as soon as
 * the strip is compressed, then the end. Several complete strips are
 * compressed at once on the pool. The bytes are those png_write gives
 * (png_write.h is built on this writer), for any pool and any batch sizes.
 *
 * Memory: the writer keeps
 *   - the rows of up to 2·threads strips not yet compressed, plus the rows
 *     before them that prime the first one's filter and deflate window
 *     (about 32 KiB and one row more);
 *   - for each of those 2·threads strips, its filtered rows (with their
 *     ≤ 32 KiB of priming) and room for its worst-case compressed chunk;
 * a strip being ≈ 512 KiB of rows (one row if a row is longer), that is about
 * 2·threads × 1.7 MB (7 MB with 2 threads) for any image whose rows are
 * shorter than 512 KiB, and grows with the width, never with the height.
 * (png_writer_source copies no rows and runs batches of 8·threads strips:
 * about 8·threads × 1.2 MB.)
 */
#ifndef CONVTOOL_PNG_WRITER_H
#define CONVTOOL_PNG_WRITER_H

#include <stddef.h>

#include "codec/byte_stream.h"
#include "codec/png_write.h"
#include "convtool/convtool.h"

typedef struct png_writer_params {
    int width, height, channels; /* channels 1..4: gray, gray+alpha, RGB, RGBA */
    int depth;                   /* bits per sample: 8 (0 means 8 too) or 16 */
    int level;                   /* --png-level 1..9; 0 means PNG_LEVEL_DEFAULT */
    convtool_pool *pool;         /* compresses strips; NULL: the caller's thread */
    /*
     * 16-bit rows as native-endian uint16_t samples (1), or as PNG's
     * big-endian pairs of bytes (0), the format of png_source's rows.
     */
    int native16;
} png_writer_params;

struct png_writer;

/*
 * Starts a PNG: pushes the signature and IHDR through push(ctx, ...) at
 * once, in one push of PNG_CHUNKS_AFTER_IHDR (33) bytes, so the push
 * function may add ancillary chunks (png_chunks_write) right after it.
 * CONVTOOL_EINVAL for a bad size, channel count, depth or level; ELIMIT for
 * rows too long for zlib; ENOMEM; EIO when the push fails (then *out is NULL
 * and nothing more is pushed).
 */
convtool_status png_writer_open(const png_writer_params *p, byte_push_fn push, void *ctx,
                                struct png_writer **out);

/*
 * Takes the next n ≥ 0 rows, `stride` bytes apart: width·channels samples
 * each, interleaved; bytes for depth 8; for depth 16, uint16_t samples in
 * native order (native16) or big-endian pairs of bytes. The rows are copied;
 * when enough strips are complete, they are compressed on the pool and
 * pushed before this returns. Call it from one thread at a time.
 * CONVTOOL_EINVAL for more rows than the image has; ENOMEM, EOVERFLOW; EIO
 * when a push fails. After a failure every call returns that failure and
 * nothing more is pushed.
 */
convtool_status png_writer_rows(struct png_writer *w, const void *rows, size_t stride, int n);

/*
 * The whole-image path (png_write): takes every row of the image from src,
 * which the strips' tasks call in parallel (src must match the writer's
 * size, channels and depth: EINVAL otherwise, or if rows were taken before).
 * No rows are copied.
 */
convtool_status png_writer_source(struct png_writer *w, const png_source *src);

/*
 * After the last row: checks the file is complete. (The batch that holds the
 * last row is compressed and pushed, with the stream's end and IEND, by the
 * call that takes that row.) EINVAL if rows are missing; otherwise the
 * writer's failure, if any.
 */
convtool_status png_writer_finish(struct png_writer *w);

/* Frees the writer (NULL is fine), finished or not. */
void png_writer_close(struct png_writer *w);

#endif /* CONVTOOL_PNG_WRITER_H */
