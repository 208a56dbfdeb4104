/* convtool apply: the options, the prepared kernels and the per-file pipeline. */
#ifndef CONVTOOL_CLI_APPLY_H
#define CONVTOOL_CLI_APPLY_H

#include <stdint.h>

#include "convtool/convtool.h"

#define APPLY_MAX_KERNELS 64

enum alpha_mode { ALPHA_KEEP, ALPHA_FILTER, ALPHA_DROP };

struct apply_options {
    convtool_geometry_spec geometry;
    const char *kernel_specs[APPLY_MAX_KERNELS];
    int kernel_count;
    const char *kernels_dir;
    int flip, normalize, show_kernel, gray;
    double scale, bias;
    convtool_map map;
    convtool_combine combine;
    enum alpha_mode alpha;
    int threads;
    convtool_format format; /* CONVTOOL_FORMAT_UNKNOWN: from each output's extension */
    int quality;
    const char *output_dir; /* batch mode */
    uint64_t max_pixels;
    char **inputs;
    int input_count;
    const char *output; /* single-file mode */
};

/* A kernel ready for the core: flip, normalize and scales baked in. */
struct prepared_kernel {
    convtool_kernel k;
    float bias;
};

/* One output file: the path and the format it is written in. */
struct output_file {
    char *path;
    convtool_format format;
};

/* Everything the run of one input needs. */
struct apply_job {
    const struct apply_options *opts;
    const struct prepared_kernel *kernels;
    int kernel_count;
    convtool_pool *pool;
    const char *input;
    const struct output_file *outputs; /* one per kernel for separate, else one */
    int output_count;
};

/* Parses `apply` arguments; returns an exit code (help exits 0 from here). */
int apply_parse_args(int argc, char **argv, struct apply_options *o);

/* Filters one input into its outputs, printing any error; returns an exit code. */
int apply_run_file(const struct apply_job *job);

/*
 * Plans the output paths of every input (before any work, so collisions and
 * unknown formats are usage errors). outputs[i*per_input + k] is input i's
 * k-th output. Returns an exit code; the caller frees with apply_free_outputs.
 */
int apply_plan_outputs(const struct apply_options *o, const struct prepared_kernel *kernels,
                       int kernel_count, struct output_file **outputs, int *per_input);
void apply_free_outputs(struct output_file *outputs, int count);

#endif
