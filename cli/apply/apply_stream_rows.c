/*
 * Circular padding in the strip engine: its top strips read the image's last
 * rows and its bottom strips the first ones, so the rows are served from
 * copies — the last rows saved by a first pass through the file, the first
 * ones as the strip pass reads them — and the strips run over the image with
 * those rows around it and no vertical padding (the same taps over the same
 * values, so the same bytes).
 */
#include <stdlib.h>
#include <string.h>

#include "apply/apply_stream_rows.h"

/* Rows read a time when rows are only passed over (pass 1): about 1 MiB. */
#define SKIP_BYTES ((size_t)1 << 20)

static int wraps(const convtool_geometry *g)
{
    return g->mode == CONVTOOL_PAD_CIRCULAR && (g->pad_top > 0 || g->pad_bottom > 0);
}

int stream_rows_geometry(const convtool_geometry *g, convtool_geometry *rows_g)
{
    *rows_g = *g;
    if (!wraps(g))
        return 1;
    if ((long)g->pad_top + g->pad_bottom >= g->in_h)
        return 0;
    rows_g->in_h = g->in_h + g->pad_top + g->pad_bottom;
    rows_g->pad_top = rows_g->pad_bottom = 0;
    return 1;
}

convtool_status stream_rows_init(struct stream_rows *s, const convtool_geometry *g,
                                 size_t row_bytes)
{
    memset(s, 0, sizeof *s);
    s->row_bytes = row_bytes;
    s->image_h = g->in_h;
    if (!wraps(g))
        return CONVTOOL_OK;
    s->top = g->pad_top, s->bottom = g->pad_bottom;
    s->saved = malloc((size_t)(s->top + s->bottom) * row_bytes);
    return s->saved ? CONVTOOL_OK : CONVTOOL_ENOMEM;
}

int stream_rows_wrap_top(const struct stream_rows *s)
{
    return s->top > 0;
}

convtool_status stream_rows_save_top(struct stream_rows *s, convtool_image_reader *reader,
                                     void (*done)(void *ctx, int rows), void *ctx)
{
    int skip = s->image_h - s->top; /* rows before the last `top` */
    size_t chunk = SKIP_BYTES / s->row_bytes ? SKIP_BYTES / s->row_bytes : 1;
    if (chunk > (size_t)skip)
        chunk = skip > 0 ? (size_t)skip : 1;
    unsigned char *scratch = malloc(chunk * s->row_bytes);
    convtool_status st = scratch ? CONVTOOL_OK : CONVTOOL_ENOMEM;
    for (int at = 0; st == CONVTOOL_OK && at < skip;) {
        int n = skip - at < (int)chunk ? skip - at : (int)chunk;
        st = convtool_image_reader_rows(reader, scratch, n);
        at += n;
        if (done)
            done(ctx, at);
    }
    free(scratch);
    if (st == CONVTOOL_OK)
        st = convtool_image_reader_rows(reader, s->saved, s->top);
    if (st == CONVTOOL_OK && done)
        done(ctx, s->image_h);
    return st == CONVTOOL_OK ? convtool_image_reader_finish(reader) : st;
}

void stream_rows_restart(struct stream_rows *s)
{
    s->next = 0;
}

convtool_status stream_rows_read(struct stream_rows *s, convtool_image_reader *reader, void *dst,
                                 int n)
{
    unsigned char *to = dst;
    if (n > s->top + s->image_h + s->bottom - s->next)
        return CONVTOOL_EINVAL; /* past the last row: the caller's bug */
    while (n > 0) {
        int e = s->next, image_row = e - s->top, take;
        if (image_row < 0) { /* the last rows, saved by pass 1 */
            take = -image_row < n ? -image_row : n;
            memcpy(to, s->saved + (size_t)e * s->row_bytes, (size_t)take * s->row_bytes);
        } else if (image_row < s->image_h) {
            take = s->image_h - image_row < n ? s->image_h - image_row : n;
            convtool_status st = convtool_image_reader_rows(reader, to, take);
            if (st != CONVTOOL_OK)
                return st;
            if (image_row < s->bottom) { /* the first rows, kept for the bottom strips */
                int keep = s->bottom - image_row < take ? s->bottom - image_row : take;
                memcpy(s->saved + (size_t)(s->top + image_row) * s->row_bytes, to,
                       (size_t)keep * s->row_bytes);
            }
        } else { /* the first rows again */
            take = n;
            memcpy(to, s->saved + (size_t)(s->top + image_row - s->image_h) * s->row_bytes,
                   (size_t)take * s->row_bytes);
        }
        to += (size_t)take * s->row_bytes;
        s->next += take;
        n -= take;
    }
    return CONVTOOL_OK;
}

void stream_rows_free(struct stream_rows *s)
{
    free(s->saved);
    s->saved = NULL;
}
