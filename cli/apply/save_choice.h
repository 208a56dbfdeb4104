/*
 * How one input's outputs are encoded (save_choice.c): the PNG bit depth and
 * the JPEG quality and chroma sampling, each from an option, from the input
 * itself (a 16-bit PNG stays 16-bit, a JPEG keeps its estimated quality and
 * its sampling) or a default, and the reason, for --verbose and --report.
 */
#ifndef CONVTOOL_CLI_SAVE_CHOICE_H
#define CONVTOOL_CLI_SAVE_CHOICE_H

#include "apply/apply.h"

enum choice_source { CHOSEN_DEFAULT, CHOSEN_OPTION, CHOSEN_INPUT };

struct save_choice {
    int made;                      /* filled for this input (its outputs were planned) */
    int depth;                     /* PNG outputs: 8 or 16 */
    enum choice_source depth_from;
    int quality;                   /* JPEG outputs: 1..100 */
    enum choice_source quality_from;
    convtool_jpeg_sampling sampling; /* 444, 422 or 420 (a gray result is one component) */
    enum choice_source sampling_from;
    convtool_jpeg_sampling input_sampling; /* a JPEG input's, OTHER when it cannot be kept */
};

/*
 * The choice for one input: file is its bytes, info its header (probe). The
 * quality estimate reads the JPEG's tables from the bytes (jpeg_quality.c).
 */
void save_choice_make(const struct apply_options *o, const convtool_buffer *file,
                      const convtool_image_info *info, struct save_choice *c);

/* The save options for one output of a job under choice c. */
convtool_save_options save_choice_options(const struct apply_job *job, const struct save_choice *c,
                                          const struct output_file *out);

/*
 * --verbose: "OUT: quality 95, 4:4:4 (estimated from IN)" or "OUT: 16-bit (as
 * IN)"; and a warning when the stb writer cannot give the asked --sampling.
 * channels: the encoded image's (1 or 2: a gray JPEG, no chroma).
 */
void save_choice_tell(const struct apply_job *job, const struct save_choice *c,
                      const struct output_file *out, int channels);

/*
 * Usage errors of --depth and --sampling against an output's format, before
 * any work: --depth 16 to JPEG, BMP or TGA, --depth to HDR or .npy.
 */
int save_choice_check_output(const struct apply_options *o, const struct output_file *out);

#endif
