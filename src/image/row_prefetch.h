/*
 * Internal: reading a contained decoder's rows ahead (row_prefetch.c). A
 * thread reads the streamed job's pieces — a status word, then that piece's
 * rows — into a ring of buffers while the caller convolves and encodes, so
 * the worker is never held up by a full pipe and decoding overlaps the rest.
 */
#ifndef CONVTOOL_ROW_PREFETCH_H
#define CONVTOOL_ROW_PREFETCH_H

#include <stddef.h>

#include "convtool/convtool.h"

struct sandbox_stream;
struct row_prefetch;

/*
 * Starts the thread on s (opened by this thread: sandbox_worker.h): height
 * rows of row_bytes each, in pieces of piece_rows, then a last piece of no
 * rows whose word is the verdict on the rest of the file.
 */
convtool_status row_prefetch_start(struct sandbox_stream *s, int height, int piece_rows,
                                   size_t row_bytes, struct row_prefetch **out);
/* The next `rows` rows into dst: CONVTOOL_OK, the decoder's word, or the stream's failure. */
convtool_status row_prefetch_rows(struct row_prefetch *p, unsigned char *dst, int rows);
/* After the last row: the verdict word. */
convtool_status row_prefetch_verdict(struct row_prefetch *p);
/*
 * Ends the thread and frees p (NULL is fine). done: the verdict was read (the
 * thread has ended); otherwise the worker is killed to end a read in progress.
 */
void row_prefetch_stop(struct row_prefetch *p, int done);

#endif
