/*
 * The streaming PNG writer (png_writer.h): rows are copied in until a batch
 * of strips is complete; the batch is compressed on the pool, one task per
 * strip (png_strip.c), and its chunks are pushed in order while the running
 * Adler-32 is combined. Then the rows the next strip still reads (its filter's
 * row above and its deflate priming) move to the front of the row buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "codec/png_strip.h"
#include "codec/png_writer.h"

/* Strips per batch for each thread: two keep every thread busy when strips differ in cost. */
#define STRIPS_PER_THREAD 2
/*
 * The whole-image path copies no rows, so its batches can be longer: fewer
 * waits for a batch's slowest strip, for 1.2 MB a strip more in flight.
 */
#define SOURCE_BATCH_FACTOR 4

struct png_writer {
    png_strip_layout l;
    int depth, native16;
    byte_push_fn push;
    void *ctx;
    size_t batch;             /* strips compressed at once */
    png_strip_out *outs;      /* one per strip of a batch, reused */
    convtool_status *results; /* of each strip of a batch */
    convtool_pool *pool;
    unsigned char *raw; /* rows [base, base + held) as PNG stores them, unfiltered */
    size_t raw_rows;    /* room in rows */
    size_t base, held;
    size_t next;  /* the first strip not yet pushed */
    size_t taken; /* rows taken */
    uint32_t adler;
    convtool_status status; /* the first failure: every later call returns it */
    int from_source;        /* png_writer_source took the rows */
};

/* What one batch's tasks read. */
struct batch {
    struct png_writer *w;
    size_t first;
    png_strip_row_fn row;
    const void *ctx;
};

static convtool_status check_params(const png_writer_params *p)
{
    if (!p || p->width < 1 || p->height < 1 || p->channels < 1 || p->channels > 4 || p->level < 0 ||
        p->level > PNG_LEVEL_MAX || (p->depth != 0 && p->depth != 8 && p->depth != 16))
        return CONVTOOL_EINVAL;
    return CONVTOOL_OK;
}

convtool_status png_writer_open(const png_writer_params *p, byte_push_fn push, void *ctx,
                                struct png_writer **out)
{
    if (!out)
        return CONVTOOL_EINVAL;
    *out = NULL;
    convtool_status st = check_params(p);
    if (st != CONVTOOL_OK || !push)
        return st != CONVTOOL_OK ? st : CONVTOOL_EINVAL;
    struct png_writer *w = calloc(1, sizeof *w);
    if (!w)
        return CONVTOOL_ENOMEM;
    int depth = p->depth == 16 ? 16 : 8;
    st = png_strip_layout_init(&w->l, p->width, p->height, p->channels, depth,
                               p->level ? p->level : PNG_LEVEL_DEFAULT);
    int threads = p->pool ? convtool_pool_threads(p->pool) : 1;
    w->batch = (size_t)(threads > 0 ? threads : 1) * STRIPS_PER_THREAD;
    w->batch = w->batch < w->l.count ? w->batch : w->l.count;
    w->depth = depth;
    w->native16 = p->native16;
    w->push = push;
    w->ctx = ctx;
    w->pool = p->pool;
    w->adler = 1;
    if (st == CONVTOOL_OK) {
        w->outs = calloc(w->batch, sizeof *w->outs);
        w->results = calloc(w->batch, sizeof *w->results);
        st = w->outs && w->results ? CONVTOOL_OK : CONVTOOL_ENOMEM;
    }
    unsigned char header[PNG_STRIP_HEADER_BYTES];
    png_strip_header(header, p->width, p->height, p->channels, depth);
    if (st == CONVTOOL_OK && push(ctx, header, sizeof header) != 0)
        st = CONVTOOL_EIO;
    if (st != CONVTOOL_OK) {
        png_writer_close(w);
        return st;
    }
    *out = w;
    return CONVTOOL_OK;
}

static void strip_task(void *ctx, size_t k)
{
    const struct batch *b = ctx;
    struct png_writer *w = b->w;
    w->results[k] = png_strip_compress(&w->l, b->first + k, b->row, b->ctx, &w->outs[k]);
}

/* Pushes a compressed strip (the last one sealed with the stream's Adler-32 and IEND). */
static convtool_status push_strip(struct png_writer *w, png_strip_out *o)
{
    w->adler = (uint32_t)adler32_combine(w->adler, o->adler, (z_off_t)o->raw_len);
    if (w->next + 1 == w->l.count)
        png_strip_seal(o, w->adler);
    if (w->push(w->ctx, o->chunk, o->len) != 0)
        return CONVTOOL_EIO;
    w->next++;
    return CONVTOOL_OK;
}

/* Compresses the next n strips, reading rows through `row`, and pushes them in order. */
static convtool_status run_batch(struct png_writer *w, size_t n, png_strip_row_fn row,
                                 const void *ctx)
{
    struct batch b = {w, w->next, row, ctx};
    convtool_pool_run(w->pool, n, strip_task, &b);
    for (size_t k = 0; k < n && w->status == CONVTOOL_OK; k++) {
        w->status = w->results[k];
        if (w->status == CONVTOOL_OK)
            w->status = push_strip(w, &w->outs[k]);
    }
    return w->status;
}

/* Row y from the row buffer. */
static const unsigned char *held_row(const void *ctx, size_t y, unsigned char *scratch)
{
    const struct png_writer *w = ctx;
    (void)scratch;
    return w->raw + (y - w->base) * w->l.row_bytes;
}

/* Strips whose rows are all in. */
static size_t complete_strips(const struct png_writer *w)
{
    return w->taken == w->l.height ? w->l.count : w->taken / w->l.rows;
}

/* Drops the rows no strip still to come reads. */
static void drop_rows(struct png_writer *w)
{
    size_t keep_from = w->next < w->l.count ? png_strip_first_row(&w->l, w->next) : w->taken;
    size_t drop = keep_from - w->base, n = w->l.row_bytes;
    memmove(w->raw, w->raw + drop * n, (w->held - drop) * n);
    w->base = keep_from;
    w->held -= drop;
}

/* The row buffer: a batch of strips and the rows that prime the first of them. */
static convtool_status alloc_rows(struct png_writer *w)
{
    size_t span = w->l.prime_rows + 1 + w->batch * w->l.rows;
    w->raw_rows = span < w->l.height ? span : w->l.height;
    if (w->raw_rows > SIZE_MAX / w->l.row_bytes)
        return CONVTOOL_EOVERFLOW;
    w->raw = malloc(w->raw_rows * w->l.row_bytes);
    return w->raw ? CONVTOOL_OK : CONVTOOL_ENOMEM;
}

/* Copies one row in, as PNG stores it (16-bit samples big-endian). */
static void put_row(struct png_writer *w, const unsigned char *src)
{
    unsigned char *dst = w->raw + w->held * w->l.row_bytes;
    if (w->depth != 16 || !w->native16) {
        memcpy(dst, src, w->l.row_bytes);
    } else {
        for (size_t i = 0; i < w->l.row_bytes; i += 2) {
            uint16_t v;
            memcpy(&v, src + i, sizeof v);
            dst[i] = (unsigned char)(v >> 8);
            dst[i + 1] = (unsigned char)v;
        }
    }
    w->held++;
    w->taken++;
}

/* Rows to take before the next batch is complete. */
static size_t rows_to_batch(const struct png_writer *w)
{
    size_t last = w->next + w->batch; /* strips [next, last) make the batch */
    size_t end = last >= w->l.count ? w->l.height : last * w->l.rows;
    return end - w->taken;
}

convtool_status png_writer_rows(struct png_writer *w, const void *rows, size_t stride, int n)
{
    if (!w)
        return CONVTOOL_EINVAL;
    if (w->status != CONVTOOL_OK)
        return w->status;
    if (n < 0 || (n > 0 && !rows) || w->from_source || (size_t)n > w->l.height - w->taken)
        return CONVTOOL_EINVAL;
    if (n > 0 && !w->raw && (w->status = alloc_rows(w)) != CONVTOOL_OK)
        return w->status;
    const unsigned char *src = rows;
    for (size_t left = (size_t)n; left > 0;) {
        size_t now = rows_to_batch(w);
        now = now < left ? now : left;
        for (size_t k = 0; k < now; k++, src += stride)
            put_row(w, src);
        left -= now;
        size_t ready = complete_strips(w) - w->next;
        if (ready >= w->batch || (ready > 0 && w->taken == w->l.height)) {
            if (run_batch(w, ready, held_row, w) != CONVTOOL_OK)
                return w->status;
            drop_rows(w);
        }
    }
    return CONVTOOL_OK;
}

/* Makes batches of up to n strips (no more than the image has); nothing compressed yet. */
static convtool_status grow_batch(struct png_writer *w, size_t n)
{
    n = n < w->l.count ? n : w->l.count;
    if (n <= w->batch)
        return CONVTOOL_OK;
    png_strip_out *outs = calloc(n, sizeof *outs);
    convtool_status *results = calloc(n, sizeof *results);
    if (!outs || !results) {
        free(outs);
        free(results);
        return CONVTOOL_ENOMEM;
    }
    free(w->outs);
    free(w->results);
    w->outs = outs;
    w->results = results;
    w->batch = n;
    return CONVTOOL_OK;
}

/* Row y from a png_source, into scratch. */
static const unsigned char *source_row(const void *ctx, size_t y, unsigned char *scratch)
{
    const png_source *src = ctx;
    src->row(src->ctx, y, scratch);
    return scratch;
}

convtool_status png_writer_source(struct png_writer *w, const png_source *src)
{
    if (!w)
        return CONVTOOL_EINVAL;
    if (w->status != CONVTOOL_OK)
        return w->status;
    if (!src || !src->row || w->taken > 0 || (size_t)src->height != w->l.height ||
        (src->depth == 16 ? 16 : 8) != w->depth || src->channels * (w->depth / 8) != w->l.bpp ||
        (size_t)src->width * (size_t)w->l.bpp != w->l.row_bytes)
        return CONVTOOL_EINVAL;
    convtool_status st = grow_batch(w, w->batch * SOURCE_BATCH_FACTOR);
    if (st != CONVTOOL_OK)
        return st;
    w->from_source = 1;
    w->taken = w->l.height;
    while (w->next < w->l.count) {
        size_t n = w->l.count - w->next;
        if (run_batch(w, n < w->batch ? n : w->batch, source_row, src) != CONVTOOL_OK)
            return w->status;
    }
    return CONVTOOL_OK;
}

convtool_status png_writer_finish(struct png_writer *w)
{
    if (!w)
        return CONVTOOL_EINVAL;
    if (w->status != CONVTOOL_OK)
        return w->status;
    if (w->taken != w->l.height)
        return CONVTOOL_EINVAL;
    /* png_writer_rows compresses a batch as soon as the last row is in: nothing is left. */
    return w->next == w->l.count ? CONVTOOL_OK : CONVTOOL_EINVAL;
}

void png_writer_close(struct png_writer *w)
{
    if (!w)
        return;
    for (size_t k = 0; k < w->batch && w->outs; k++)
        png_strip_out_free(&w->outs[k]);
    free(w->outs);
    free(w->results);
    free(w->raw);
    free(w);
}
