/* Parsing the batch options of `apply` and building the input list. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply_limits.h"
#include "apply/batch.h"
#include "apply/batch_args.h"
#include "common/messages.h"
#include "common/numparse.h"

static int bad_value(const char *option, const char *arg, const char *why)
{
    cli_error("%s '%s': %s", option, arg, why);
    return EXIT_USAGE;
}

int batch_option(int opt, const char *arg, struct apply_options *o)
{
    struct batch_options *b = &o->batch;
    const char *why = NULL;
    switch (opt) {
    case BATCH_OPT_FILES_FROM:
        b->files_from = arg;
        return EXIT_OK;
    case '0':
        b->null_separated = 1;
        return EXIT_OK;
    case BATCH_OPT_MAX_LIST_BYTES:
        if (parse_byte_size(arg, &b->max_list_bytes, &why) != 0)
            return bad_value("--max-list-bytes", arg, why);
        return EXIT_OK;
    case BATCH_OPT_NAME:
        b->name = arg;
        return EXIT_OK;
    case BATCH_OPT_PROGRESS:
        b->progress = PROGRESS_ON;
        return EXIT_OK;
    case BATCH_OPT_NO_PROGRESS:
        b->progress = PROGRESS_OFF;
        return EXIT_OK;
    case BATCH_OPT_FAIL_FAST:
        b->fail_fast = 1;
        return EXIT_OK;
    case BATCH_OPT_REPORT:
        b->report = arg;
        return EXIT_OK;
    case BATCH_OPT_SKIP_EXISTING:
        b->skip_existing = 1;
        return EXIT_OK;
    case 'v':
        b->verbose = 1;
        return EXIT_OK;
    case 'J':
        if (parse_int_range(arg, 1, APPLY_MAX_JOBS, &b->jobs, &why) != 0)
            return bad_value("--jobs", arg, why);
        return EXIT_OK;
    case BATCH_OPT_SHARD:
        if (shard_parse(arg, &b->shard_index, &b->shard_count, &why) != 0)
            return bad_value("--shard", arg, why);
        return EXIT_OK;
    }
    return BATCH_NOT_MINE;
}

/* The options that only mean something with -o DIR, by name, or NULL. */
static const char *batch_only_option(const struct batch_options *b)
{
    if (b->files_from)
        return "--files-from";
    if (b->null_separated)
        return "-0 (--null)";
    if (b->name)
        return "--name";
    if (b->jobs)
        return "--jobs";
    if (b->shard_count)
        return "--shard";
    return NULL;
}

static int check_combination(const struct apply_options *o, int n, char **positionals)
{
    const struct batch_options *b = &o->batch;
    const char *only = batch_only_option(b);
    if (!o->output_dir && only) {
        cli_error("apply: %s needs batch mode (-o DIR)", only);
        return EXIT_USAGE;
    }
    if (b->null_separated && !b->files_from) {
        cli_error("apply: -0 (--null) is about the --files-from list; give --files-from too");
        return EXIT_USAGE;
    }
    if (o->output_dir && n == 0 && !b->files_from) {
        cli_error("apply: -o %s given but no INPUT files (or --files-from)", o->output_dir);
        return EXIT_USAGE;
    }
    for (int i = 0; b->files_from && strcmp(b->files_from, "-") == 0 && i < n; i++) {
        if (strcmp(positionals[i], "-") == 0) {
            cli_error("apply: stdin cannot be both the --files-from list and an INPUT");
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

int batch_collect_inputs(struct apply_options *o, int n, char **positionals)
{
    int rc = check_combination(o, n, positionals);
    if (rc != EXIT_OK || !o->output_dir)
        return rc;
    char **listed = NULL;
    size_t count = 0;
    if (o->batch.files_from)
        rc = files_from_read(o->batch.files_from, o->batch.null_separated,
                             o->batch.max_list_bytes, &o->files_from_text, &listed, &count);
    /* Output names are planned as input × kernel in an int. */
    if (rc == EXIT_OK && count > (size_t)(INT_MAX / APPLY_MAX_KERNELS - n)) {
        cli_error("--files-from %s: more than %d names", o->batch.files_from,
                  INT_MAX / APPLY_MAX_KERNELS - n);
        rc = EXIT_USAGE;
    }
    if (rc == EXIT_OK) {
        o->inputs = malloc(((size_t)n + count + 1) * sizeof *o->inputs);
        if (!o->inputs) {
            cli_error("out of memory");
            rc = EXIT_RUNTIME;
        }
    }
    if (rc == EXIT_OK) {
        memcpy(o->inputs, positionals, (size_t)n * sizeof *o->inputs);
        if (count)
            memcpy(o->inputs + n, listed, count * sizeof *o->inputs);
        o->input_count = n + (int)count;
    }
    free(listed);
    return rc;
}
