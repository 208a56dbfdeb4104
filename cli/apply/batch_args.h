/* The batch options of `apply` (-o DIR): lists, names, jobs, shards, reports. */
#ifndef CONVTOOL_CLI_BATCH_ARGS_H
#define CONVTOOL_CLI_BATCH_ARGS_H

#include "apply/apply.h"

enum {
    BATCH_OPT_FILES_FROM = 1100,
    BATCH_OPT_NAME,
    BATCH_OPT_PROGRESS,
    BATCH_OPT_NO_PROGRESS,
    BATCH_OPT_FAIL_FAST,
    BATCH_OPT_REPORT,
    BATCH_OPT_SHARD,
    BATCH_OPT_SKIP_EXISTING,
    BATCH_OPT_MAX_LIST_BYTES,
};

/* batch_option's answer for an option that is not one of these. */
#define BATCH_NOT_MINE (-1)

#define BATCH_SHORT_OPTS "0J:v"
/* clang-format off */
#define BATCH_LONG_OPTS                                                                       \
    {"files-from", 1, NULL, BATCH_OPT_FILES_FROM}, {"null", 0, NULL, '0'},                    \
    {"name", 1, NULL, BATCH_OPT_NAME}, {"jobs", 1, NULL, 'J'},                                \
    {"progress", 0, NULL, BATCH_OPT_PROGRESS}, {"no-progress", 0, NULL, BATCH_OPT_NO_PROGRESS}, \
    {"fail-fast", 0, NULL, BATCH_OPT_FAIL_FAST}, {"report", 1, NULL, BATCH_OPT_REPORT},       \
    {"shard", 1, NULL, BATCH_OPT_SHARD}, {"skip-existing", 0, NULL, BATCH_OPT_SKIP_EXISTING}, \
    {"verbose", 0, NULL, 'v'}, {"max-list-bytes", 1, NULL, BATCH_OPT_MAX_LIST_BYTES}
/* clang-format on */

#define BATCH_HELP                                                                                 \
    "\nbatch (-o DIR):\n"                                                                          \
    "      --files-from FILE     more inputs, one per line ('-' = stdin)\n"                        \
    "  -0, --null                the list is NUL-separated (find -print0)\n"                       \
    "      --max-list-bytes N    refuse a longer --files-from list (default 64Mi; 0 =\n"        \
    "                            none); a name in it is at most 4095 bytes (PATH_MAX)\n"        \
    "      --name TEMPLATE       output names in DIR: {stem} {name} {ext} {kernel}\n"              \
    "                            {index} {index:W} {dir}, e.g. '{stem}_{kernel}.{ext}'\n"          \
    "  -J, --jobs N              files at once, 1-8 (default: one per -j thread)\n"                \
    "      --shard I/N           only this share of the inputs, I = 0..N-1 (by a hash\n"           \
    "                            of the output name: any list order gives the same split)\n"       \
    "      --skip-existing       skip inputs whose outputs exist, are non-empty and are\n"         \
    "                            not older than the input\n"                                       \
    "      --fail-fast           start no more files after a failure\n"                            \
    "      --report FILE         a JSON line per input ('-' = stdout)\n"                           \
    "      --progress, --no-progress   force the progress line, in files (a batch) or rows (a\n"   \
    "                            large single image) (default: on a terminal)\n"               \
    "  -v, --verbose             a line per input (outputs, time) and every warning,\n"            \
    "                            and each output's depth or JPEG quality and sampling\n"

/* Handles one batch option; returns 0, 2 after printing the error, or BATCH_NOT_MINE. */
int batch_option(int opt, const char *arg, struct apply_options *o);

/*
 * After the options: refuses batch options without -o DIR, and builds the
 * input list of a batch (the n positionals, then --files-from's names).
 * Prints; returns an exit code.
 */
int batch_collect_inputs(struct apply_options *o, int n, char **positionals);

#endif
