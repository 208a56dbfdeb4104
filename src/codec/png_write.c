/*
 * The whole-image PNG writer: the streaming writer (png_writer.c) appending
 * to a buffer, its strips reading the source's rows in their own tasks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/png_write.h"
#include "codec/png_writer.h"

/* The push target: the output buffer, and why an append failed. */
struct sink {
    convtool_buffer *out;
    convtool_status status;
};

/* Appends to the buffer, doubling it; unlike convtool_buffer_append, never marks it failed. */
static int append(void *ctx, const unsigned char *src, size_t n)
{
    struct sink *s = ctx;
    convtool_buffer *b = s->out;
    if (n > SIZE_MAX - b->len) {
        s->status = CONVTOOL_EOVERFLOW;
        return -1;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap > 4096 ? b->cap : 4096;
        while (cap < b->len + n)
            cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
        unsigned char *grown = realloc(b->data, cap);
        if (!grown) {
            s->status = CONVTOOL_ENOMEM;
            return -1;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return 0;
}

/*
 * Reserves room for the worst case of the whole file (the filtered bytes,
 * deflate's expansion, a chunk and a sync flush per row at most) so the
 * strips are appended without moving the buffer; the room never written is
 * never paged in. When that much address space is not to be had, appends
 * grow the buffer as they go.
 */
static void reserve_worst_case(convtool_buffer *b, const png_source *src)
{
    size_t row = (size_t)src->width * (size_t)src->channels * (src->depth == 16 ? 2 : 1) + 1;
    size_t h = (size_t)src->height, raw;
    if (convtool_mul_size(row, h, 1, 1, &raw) != CONVTOOL_OK || raw > SIZE_MAX / 2 - b->len ||
        h > (SIZE_MAX / 2 - b->len - raw) / 128)
        return;
    size_t cap = b->len + raw + raw / 4 + 64 * h + 1024;
    if (cap <= b->cap)
        return;
    unsigned char *grown = realloc(b->data, cap);
    if (grown) {
        b->data = grown;
        b->cap = cap;
    }
}

convtool_status png_write(const png_source *src, int level, convtool_pool *pool,
                          convtool_buffer *out)
{
    if (!src || !src->row || !out)
        return CONVTOOL_EINVAL;
    if (out->failed)
        return CONVTOOL_ENOMEM;
    png_writer_params p = {src->width, src->height, src->channels, src->depth, level, pool, 0};
    struct sink sink = {out, CONVTOOL_OK};
    size_t start = out->len;
    if (src->width > 0 && src->height > 0 && src->channels > 0)
        reserve_worst_case(out, src);
    struct png_writer *w = NULL;
    convtool_status st = png_writer_open(&p, append, &sink, &w);
    if (st == CONVTOOL_OK)
        st = png_writer_source(w, src);
    if (st == CONVTOOL_OK)
        st = png_writer_finish(w);
    png_writer_close(w);
    if (st == CONVTOOL_EIO && sink.status != CONVTOOL_OK)
        st = sink.status;
    if (st != CONVTOOL_OK)
        out->len = start;
    return st;
}

struct interleaved {
    const unsigned char *pixels;
    size_t row_bytes;
};

static void interleaved_row(const void *ctx, size_t y, unsigned char *row)
{
    const struct interleaved *s = ctx;
    memcpy(row, s->pixels + y * s->row_bytes, s->row_bytes);
}

convtool_status png_write_interleaved(const unsigned char *pixels, int w, int h, int channels,
                                      int level, convtool_pool *pool, convtool_buffer *out)
{
    if (!pixels || w < 1 || channels < 1)
        return CONVTOOL_EINVAL;
    struct interleaved s = {pixels, (size_t)w * (size_t)channels};
    png_source src = {w, h, channels, interleaved_row, &s, 8};
    return png_write(&src, level, pool, out);
}

struct interleaved16 {
    const uint16_t *samples;
    size_t row_samples;
};

static void interleaved16_row(const void *ctx, size_t y, unsigned char *row)
{
    const struct interleaved16 *s = ctx;
    const uint16_t *src = s->samples + y * s->row_samples;
    for (size_t i = 0; i < s->row_samples; i++) { /* PNG stores the high byte first */
        row[2 * i] = (unsigned char)(src[i] >> 8);
        row[2 * i + 1] = (unsigned char)src[i];
    }
}

convtool_status png_write_interleaved16(const uint16_t *samples, int w, int h, int channels,
                                        int level, convtool_pool *pool, convtool_buffer *out)
{
    if (!samples || w < 1 || channels < 1)
        return CONVTOOL_EINVAL;
    struct interleaved16 s = {samples, (size_t)w * (size_t)channels};
    png_source src = {w, h, channels, interleaved16_row, &s, 16};
    return png_write(&src, level, pool, out);
}
