/* The strip engine of `apply` (apply_stream.c): large PNGs in rows, never whole. */
#ifndef CONVTOOL_CLI_APPLY_STREAM_H
#define CONVTOOL_CLI_APPLY_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "apply/apply.h"

/* apply_run_stream's answer when a part cannot stream: run the whole-image path instead. */
#define APPLY_STREAM_FALLBACK (-1)

struct stream_input {
    int fd; /* open on the input, or −1 */
    uint64_t len;
};

/*
 * Whether this input runs strip by strip: then *file holds its skeleton
 * (convtool_image_skeleton), *info the probe of it, and in->fd is open (the
 * caller closes it). 0: read the file whole as always (nothing printed, no
 * descriptor left open). CONVTOOL_STREAM=0 says no to everything, =1 takes
 * pictures of any size.
 */
int apply_stream_probe(const struct apply_job *job, convtool_buffer *file,
                       convtool_image_info *info, struct stream_input *in);

/* The pieces the .npy strip engine (apply_stream_npy.c) shares. */

/* Smaller pictures and arrays (in bytes of samples or values) go whole: for them the
 * stream costs more than it saves. */
#define APPLY_STREAM_MIN_BYTES ((uint64_t)4 << 20)

/* Rows of a strip of about 1 MiB of output rows of row_bytes each (8 to 1024, at most
 * out_h); CONVTOOL_STRIP_ROWS=N sets N (tests: strips of 1 row up). */
int apply_stream_strip_rows(size_t row_bytes, int out_h);

/* Whether a window of `rows` input rows stays within twice a strip's reach (else it is
 * most of the image: circular padding, whose first rows read the last ones). */
int apply_stream_window_fits(int rows, const convtool_geometry *g, int strip_rows);

/* CONVTOOL_STREAM: 0 turns the strip engines off, 2 (=1) takes files of any size (tests), else 1. */
int apply_stream_setting(void);

/* Whether the output can be written as it is made: a new or regular file (not stdout, a FIFO). */
int apply_stream_output_ok(const char *path);

/* A progress line for a long run on a terminal (or with --progress), in rows; or NULL. */
struct progress *apply_stream_progress(const struct apply_job *job, size_t rows);

/* Runs the job strip by strip; an exit code, or APPLY_STREAM_FALLBACK before any output. */
int apply_run_stream(const struct apply_job *job, const struct stream_input *in,
                     const convtool_image_info *info);

#endif
