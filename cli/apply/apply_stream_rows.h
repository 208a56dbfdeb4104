/*
 * The rows the strip engine reads (apply_stream_rows.c), in order: the image's
 * from the reader, and for circular padding its wrapped rows around them.
 */
#ifndef CONVTOOL_CLI_APPLY_STREAM_ROWS_H
#define CONVTOOL_CLI_APPLY_STREAM_ROWS_H

#include <stddef.h>

#include "convtool/convtool.h"

/*
 * Circular padding streams over the image with its wrapped rows added: its
 * last `top` rows before it and its first `bottom` rows after it, and no
 * vertical padding left (stream_rows_geometry), so no strip reads across
 * the image. Pass 1 (stream_rows_save_top) decodes through the file keeping
 * the last rows; the strip pass keeps the first rows as they go by. Without
 * circular padding, top = bottom = 0 and the rows are the reader's.
 */
struct stream_rows {
    size_t row_bytes;
    int image_h;
    int top, bottom;
    unsigned char *saved; /* the top rows, then the bottom rows */
    int next;             /* rows given so far in this pass */
};

/*
 * g for the rows stream_rows gives: for circular padding with vertical
 * padding (top, bottom), in_h grows by both and pad_top = pad_bottom = 0 (the
 * horizontal padding still wraps); otherwise g itself. 0 when the wrap would
 * save most of the image (top + bottom ≥ the image's height): then it goes
 * whole.
 */
int stream_rows_geometry(const convtool_geometry *g, convtool_geometry *rows_g);

/* The saved rows' room (none without a wrap); ENOMEM. */
convtool_status stream_rows_init(struct stream_rows *s, const convtool_geometry *g,
                                 size_t row_bytes);

/* Whether a first pass must save the image's last rows. */
int stream_rows_wrap_top(const struct stream_rows *s);

/*
 * Pass 1 for circular padding: every row of the image from the reader, the
 * last `top` kept, and the reader's verdict on the rest of the file
 * (convtool_image_reader_finish). done(ctx, rows) reports rows read.
 */
convtool_status stream_rows_save_top(struct stream_rows *s, convtool_image_reader *reader,
                                     void (*done)(void *ctx, int rows), void *ctx);

/* The next n rows into dst (row_bytes apart); from the start again after stream_rows_restart. */
convtool_status stream_rows_read(struct stream_rows *s, convtool_image_reader *reader, void *dst,
                                 int n);
void stream_rows_restart(struct stream_rows *s);

void stream_rows_free(struct stream_rows *s);

#endif
