/* convtool apply: the options, the prepared kernels and the per-file pipeline. */
#ifndef CONVTOOL_CLI_APPLY_H
#define CONVTOOL_CLI_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "convtool/convtool.h"

#define APPLY_MAX_KERNELS 64

enum alpha_mode { ALPHA_KEEP, ALPHA_FILTER, ALPHA_DROP };

/* --strip: nothing (carry all metadata), all but the colour profile, or all. */
enum strip_mode { STRIP_NONE, STRIP_KEEP_PROFILE, STRIP_ALL };

/*
 * Files written at once can be at most the atomic writer's temp registry
 * (TEMP_SLOTS in src/files/atomic_write.c): each file worker writes one at a time.
 */
#define APPLY_MAX_JOBS 8

/* The progress bar: on when stderr is a terminal, or forced either way. */
enum progress_mode { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };

/* Options of batch runs (-o DIR); see cli/apply/batch_run.c. */
struct batch_options {
    const char *files_from; /* --files-from FILE ("-" = stdin), or NULL */
    uint64_t max_list_bytes; /* --max-list-bytes: the list's size cap; 0 = none */
    int null_separated;     /* -0: the list is NUL-separated */
    const char *name;       /* --name TEMPLATE, or NULL for DIR/input-name */
    int jobs;               /* -J: files at once; 0 = automatic */
    enum progress_mode progress;
    int fail_fast, skip_existing, verbose;
    const char *report;           /* --report FILE ("-" = stdout), or NULL */
    int shard_index, shard_count; /* --shard I/N, I from 0; count 0 = no sharding */
};

struct apply_options {
    convtool_geometry_spec geometry;
    const char *kernel_specs[APPLY_MAX_KERNELS];
    int kernel_count;
    const char *kernels_dir;
    int flip, normalize, show_kernel, gray;
    double scale, bias;
    float *biases;     /* --bias as a list or .npy of more than one value (malloc'd), else NULL */
    int bias_count;    /* how many; 1 when --bias is one number (then `bias` holds it) */
    const char *bias_text; /* --bias as given, for messages */
    int groups;        /* --groups; 0 = inferred as C_in / the weight's C/groups, as torch does */
    int torch;         /* --torch: torch's defaults (padding 0, zeros); refuse what torch refuses */
    int padding_given, mode_given; /* -p, -m were given (--torch leaves them) */
    int grid;          /* --grid: every output channel (and batch item) as a tile of one PNG */
    int map_given;     /* --map was given (--grid maps each tile by it, else min-max) */
    convtool_map map;
    convtool_combine combine;
    int combine_given; /* --combine was given: a kernel bank's default combine does not apply */
    int chain;         /* --chain: each kernel filters the previous one's float result */
    enum alpha_mode alpha;
    int threads;
    convtool_format format; /* CONVTOOL_FORMAT_UNKNOWN: from each output's extension */
    int quality;   /* -q; 0 = a JPEG input's estimated quality, else 90 (save_choice.c) */
    int png_level; /* --png-level; 0 = the library's default */
    int depth;     /* --depth 8|16; 0 = as the input (a 16-bit PNG gives a 16-bit PNG) */
    convtool_jpeg_sampling sampling; /* --sampling; AUTO = a JPEG input's, else by quality */
    const char *output_dir; /* batch mode */
    uint64_t max_pixels;
    uint64_t max_memory;      /* --max-memory: bytes the whole run of one input may need; 0 = none */
    uint64_t max_work;        /* --max-work: multiply-adds per input; 0 = none */
    uint64_t max_input_bytes; /* --max-input-bytes: 0 = none */
    int no_sandbox;           /* --no-sandbox: decode in this process */
    int no_autorotate;        /* --no-autorotate: keep the stored EXIF orientation (and its tag) */
    enum strip_mode strip;    /* --strip: what metadata is left out of the outputs */
    char **inputs; /* batch: malloc'd (positionals, then --files-from names) */
    int input_count;
    const char *output; /* single-file mode */
    struct batch_options batch;
    char *files_from_text; /* the --files-from list, split in place; inputs point in */
};

/*
 * A kernel ready for the core: flip, normalize and scales baked in. A 4-D
 * weight (wt.values set) mixes channels; k then holds its size and name, and
 * as taps the sums over the input channels of its first output channel.
 */
struct prepared_kernel {
    convtool_kernel k;
    float bias;
    convtool_weight wt;
};

/* One output file: the path and the format it is written in. */
struct output_file {
    char *path;
    convtool_format format;
    size_t name_at; /* batch: where the name relative to DIR starts in path */
};

struct save_choice; /* apply/save_choice.h */

/* Everything the run of one input needs. */
struct apply_job {
    const struct apply_options *opts;
    const struct prepared_kernel *kernels;
    int kernel_count;
    convtool_pool *pool;
    const char *input;
    const struct output_file *outputs; /* one per kernel for separate (not --chain), else one */
    int output_count;
    /* Filled by apply_run_file once the input is read: how its outputs are encoded
     * (depth, JPEG quality and sampling), for --report. NULL: apply_run_file uses its own. */
    struct save_choice *choice;
    const convtool_metadata *metadata; /* the input's, for its outputs (set by apply_run_file) */
};

/* Parses `apply` arguments; returns an exit code, or EXIT_HELP after printing --help. */
int apply_parse_args(int argc, char **argv, struct apply_options *o);
/* Frees what apply_parse_args allocated (the input list). */
void apply_free_args(struct apply_options *o);

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
