/* The strip engine of `apply` (apply_stream.c): large PNGs in rows, never whole. */
#ifndef CONVTOOL_CLI_APPLY_STREAM_H
#define CONVTOOL_CLI_APPLY_STREAM_H

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

/* Runs the job strip by strip; an exit code, or APPLY_STREAM_FALLBACK before any output. */
int apply_run_stream(const struct apply_job *job, const struct stream_input *in,
                     const convtool_image_info *info);

#endif
