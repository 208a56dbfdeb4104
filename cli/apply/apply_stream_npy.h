/* The strip engine for .npy (apply_stream_npy.c): a large .npy to a .npy, plane by plane. */
#ifndef CONVTOOL_CLI_APPLY_STREAM_NPY_H
#define CONVTOOL_CLI_APPLY_STREAM_NPY_H

#include "apply/apply.h"

/*
 * Runs the job on a .npy input strip by strip when it can: one 2-D kernel,
 * one .npy output, an input of 4 MiB of values or more (CONVTOOL_STREAM as
 * for images). An exit code, or APPLY_STREAM_FALLBACK (from apply_stream.h)
 * when this path does not take the job: then nothing was printed or written,
 * and the whole-file path runs it.
 */
int apply_run_npy_stream(const struct apply_job *job);

#endif
