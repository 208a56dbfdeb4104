/*
 * Batch runs of `convtool apply -o DIR`: the input list (--files-from),
 * output-name templates (--name), collision detection, shards, the parallel
 * run with its progress bar and JSON-lines report.
 */
#ifndef CONVTOOL_CLI_BATCH_H
#define CONVTOOL_CLI_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "apply/apply.h"

/* ------------------------------------------------------- files_from.c */

/*
 * Reads the list at path ("-" = stdin): names separated by '\n' (a trailing
 * '\r' dropped) or, with null_separated, by '\0'; empty names are skipped.
 * *text receives the whole list split in place and *names pointers into it
 * (both malloc'd, the caller frees both). A list longer than max_bytes (0 =
 * no cap) or a name longer than FILES_FROM_MAX_NAME is refused as soon as it
 * is seen, so `yes |` or /dev/zero cannot grow memory without end. Prints any
 * error; returns an exit code.
 */
#define FILES_FROM_DEFAULT_MAX_BYTES ((uint64_t)64 << 20)
#define FILES_FROM_MAX_NAME 4095 /* PATH_MAX - 1: a longer name cannot be opened */
int files_from_read(const char *path, int null_separated, uint64_t max_bytes, char **text,
                    char ***names, size_t *count);

/* ---------------------------------------------------- name_template.c */

/* What a --name template is filled in with, for one input and one output. */
struct name_fields {
    const char *input;  /* the input path as given */
    const char *kernel; /* the kernel's name, or the names joined by '+' */
    const char *ext;    /* the output extension, or NULL: the input's own */
    size_t index;       /* the input's position in the whole list, from 0 */
};

/*
 * Checks the template once, before any input: unknown fields, unbalanced
 * braces, an absolute or empty name, and, when one input gives several
 * outputs (separate_kernels > 1), a missing {kernel}. Prints; returns an exit code.
 */
int name_template_check(const char *tmpl, int separate_kernels);

/*
 * The output name (relative to DIR, "." and empty components removed) in a
 * malloc'd *out. A ".." component or an empty result is a usage error.
 * Prints any error; returns an exit code.
 */
int name_template_expand(const char *tmpl, const struct name_fields *f, char **out);

/* ---------------------------------------------------------- path_set.c */

/* A set of strings (not owned) with O(1) insertion: output-name collisions. */
struct path_set {
    const char **slots;
    size_t cap, count;
};

int path_set_init(struct path_set *s, size_t expected); /* 0, or -1: no memory */
/* 1 if path was added, 0 if an equal string was there already, -1: no memory. */
int path_set_add(struct path_set *s, const char *path);
void path_set_free(struct path_set *s);

/* ------------------------------------------------------------- shard.c */

/* "I/N" with 0 <= I < N; returns 0, or -1 with a reason in *why. */
int shard_parse(const char *text, int *index, int *count, const char **why);

/*
 * Whether shard index of count takes the input whose first output is name
 * (relative to DIR): a stable 64-bit hash, so lists in any order, or inputs
 * written as other paths on other machines, agree.
 */
int shard_owns(const char *name, int index, int count);

/* ---------------------------------------------------------- progress.c */

struct progress;

/*
 * A progress line on stderr for total inputs; tty redraws one line in
 * place, otherwise a line at most every few seconds. While it is on, every
 * cli_error/cli_warn/cli_info first clears it. NULL if out of memory.
 */
struct progress *progress_start(size_t total, int tty);
/* The caller serialises these two (the batch lock). */
void progress_file_started(struct progress *p, const char *input);
void progress_file_done(struct progress *p);
/* Clears the line, unhooks and frees; NULL-safe. */
void progress_finish(struct progress *p);
/*
 * One long image's progress in rows (the strip engine, apply_stream.c): the
 * same line with "rows" and rows/s, redrawn as rows_done reports the rows
 * written so far.
 */
struct progress *progress_start_rows(size_t rows, int tty, const char *input);
void progress_rows_done(struct progress *p, size_t done);

/* ------------------------------------------------------------ report.c */

enum file_status { FILE_OK, FILE_FAILED, FILE_SKIPPED };

/* One JSON line of --report. */
struct report_line {
    const char *input;
    const struct output_file *outputs;
    int output_count;
    uint64_t bytes;
    double ms;
    enum file_status status;
    const char *message; /* "" when there is nothing to say */
    unsigned dropped;    /* metadata parts left out of the outputs (CONVTOOL_META_* bits) */
    const struct save_choice *choice; /* how the outputs were encoded, or NULL */
};

/* Opens --report's FILE ("-" = stdout; the file is truncated). Prints; exit code. */
int report_open(const char *path, FILE **out);
/*
 * Writes one line, whole or not at all: one write(2) of the whole line (and
 * on failure a report file is cut back to its last whole line; stdout
 * cannot be). Prints an error the first time it fails. Returns 0 or -1.
 */
int report_write(FILE *f, const char *path, const struct report_line *line);
/* Closes (a file) or flushes (stdout); prints any error; returns an exit code. */
int report_close(FILE *f, const char *path);
const char *file_status_name(enum file_status st);

/* --------------------------------------------------------- batch_run.c */

/* mkdir -p; what is "-o" for the output directory, else "directory". Prints; exit code. */
int batch_make_dirs(const char *dir, const char *what);

/*
 * Runs the inputs of this shard (all of them without --shard) into the
 * planned outputs, on several files at once, with --skip-existing,
 * --fail-fast, --report, --verbose, the progress bar and the summary.
 * Single-file mode runs through here too. Returns the exit code.
 */
int batch_run(const struct apply_options *o, const struct prepared_kernel *kernels,
              const struct output_file *outputs, int per_input);

#endif
