/*
 * `apply` and metadata (apply_meta.c): the input's metadata read once per
 * file, --strip applied, the orientation tag reset once the decode turned the
 * picture upright, and nothing dropped silently: one warning for an animated
 * or multi-picture input, one --verbose line (and the report's "dropped"
 * field) for metadata an output format cannot hold or that was over its
 * limit.
 */
#ifndef CONVTOOL_CLI_APPLY_META_H
#define CONVTOOL_CLI_APPLY_META_H

#include "apply/apply.h"

/*
 * Reads file's metadata into *md as job's options say (ENOMEM is an error;
 * anything damaged is only dropped), with the warnings and verbose lines
 * about the input. Returns an exit code; the caller frees md.
 */
int apply_meta_read(const struct apply_job *job, const convtool_buffer *file,
                    convtool_metadata *md);

/* The probe's stored size turned to the shown one when the decode will turn the picture. */
void apply_meta_shown_size(const struct apply_job *job, convtool_image_info *info);

/*
 * Before an output of `channels` channels is encoded: says what of the job's
 * metadata its format cannot hold, and a colour profile that does not fit
 * (an RGB profile on a gray output: the encoder leaves it out).
 */
void apply_meta_note_output(const struct apply_job *job, const struct output_file *out,
                            int channels);

/* A --grid output carries no metadata (a sheet of channel tiles): says so under --verbose. */
void apply_meta_note_grid(const struct apply_job *job, const struct output_file *out);

/* The parts dropped for the current input in this thread (CONVTOOL_META_* bits), and reset. */
void apply_meta_clear_dropped(void);
unsigned apply_meta_dropped(void);

#endif
