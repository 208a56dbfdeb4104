/*
 * Output names, decided for every input before any work starts, so a
 * collision or an unknown format is a usage error and not a half-done batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cli.h"

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Where the extension starts in the last path component, or its end. */
static size_t extension_at(const char *path)
{
    const char *base = base_name(path);
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? (size_t)(dot - path) : strlen(path);
}

static char *joined(const char *a, size_t a_len, const char *b, const char *c)
{
    size_t len = a_len + strlen(b) + strlen(c) + 1;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%.*s%s%s", (int)a_len, a, b, c);
    return s;
}

/* batch: DIR/name-of-input, with the extension of --format when given. */
static char *batch_base(const struct apply_options *o, const char *input)
{
    const char *name = base_name(input);
    size_t dir_len = strlen(o->output_dir);
    int slash = dir_len && o->output_dir[dir_len - 1] != '/';
    char *dir = joined(o->output_dir, dir_len, slash ? "/" : "", "");
    char *path = NULL;
    if (dir && o->format != CONVTOOL_FORMAT_UNKNOWN) {
        char *stem = joined(name, extension_at(name), ".", convtool_format_name(o->format));
        path = stem ? joined(dir, strlen(dir), stem, "") : NULL;
        free(stem);
    } else if (dir) {
        path = joined(dir, strlen(dir), name, "");
    }
    free(dir);
    return path;
}

/* separate: OUTPUT with -NAME before the extension. */
static char *with_suffix(const char *base, const char *kernel_name)
{
    size_t at = extension_at(base);
    char *head = joined(base, at, "-", kernel_name);
    char *path = head ? joined(head, strlen(head), base + at, "") : NULL;
    free(head);
    return path;
}

static int set_format(const struct apply_options *o, struct output_file *out)
{
    out->format = o->format;
    if (out->format == CONVTOOL_FORMAT_UNKNOWN && strcmp(out->path, "-") != 0)
        out->format = convtool_format_from_path(out->path);
    if (out->format == CONVTOOL_FORMAT_UNKNOWN) {
        if (strcmp(out->path, "-") == 0)
            cli_error("apply: writing to stdout needs --format (png, jpg, bmp, tga, hdr, npy)");
        else
            cli_error("%s: unknown output format (use .png, .jpg, .bmp, .tga, .hdr or .npy, "
                      "or --format)",
                      out->path);
        return EXIT_USAGE;
    }
    if (o->combine == CONVTOOL_COMBINE_STACK && out->format != CONVTOOL_FORMAT_NPY) {
        cli_error("%s: --combine stack writes a K x C x H x W tensor and needs .npy output",
                  out->path);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(((const struct output_file *)a)->path, ((const struct output_file *)b)->path);
}

static int check_collisions(const struct output_file *outputs, int count)
{
    struct output_file *sorted = malloc((size_t)count * sizeof *sorted);
    if (!sorted) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    memcpy(sorted, outputs, (size_t)count * sizeof *sorted);
    qsort(sorted, (size_t)count, sizeof *sorted, compare_paths);
    int rc = EXIT_OK;
    for (int i = 1; i < count && rc == EXIT_OK; i++) {
        if (strcmp(sorted[i].path, sorted[i - 1].path) == 0 && strcmp(sorted[i].path, "-")) {
            cli_error("%s: two results would be written to this one file; rename an input or "
                      "a kernel",
                      sorted[i].path);
            rc = EXIT_USAGE;
        }
    }
    free(sorted);
    return rc;
}

static int plan_input(const struct apply_options *o, const struct prepared_kernel *kernels,
                      int per_input, int index, struct output_file *outs)
{
    char *base = o->output_dir ? batch_base(o, o->inputs[index]) : strdup(o->output);
    if (!base) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    if (per_input > 1 && strcmp(base, "-") == 0) {
        cli_error("apply: %d kernels with --combine separate give %d images; stdout can take "
                  "one (use --combine or a file name)",
                  per_input, per_input);
        free(base);
        return EXIT_USAGE;
    }
    for (int k = 0; k < per_input; k++)
        outs[k].path = per_input > 1 ? with_suffix(base, kernels[k].k.name) : strdup(base);
    free(base);
    for (int k = 0; k < per_input; k++) {
        if (!outs[k].path) {
            cli_error("out of memory");
            return EXIT_RUNTIME;
        }
        int rc = set_format(o, &outs[k]);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

int apply_plan_outputs(const struct apply_options *o, const struct prepared_kernel *kernels,
                       int kernel_count, struct output_file **outputs, int *per_input)
{
    *per_input = o->combine == CONVTOOL_COMBINE_SEPARATE ? kernel_count : 1;
    int count = o->input_count * *per_input;
    *outputs = calloc((size_t)count, sizeof **outputs);
    if (!*outputs) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    for (int i = 0; i < o->input_count; i++) {
        int rc = plan_input(o, kernels, *per_input, i, *outputs + (size_t)i * *per_input);
        if (rc != EXIT_OK)
            return rc;
    }
    return check_collisions(*outputs, count);
}

void apply_free_outputs(struct output_file *outputs, int count)
{
    if (!outputs)
        return;
    for (int i = 0; i < count; i++)
        free(outputs[i].path);
    free(outputs);
}
