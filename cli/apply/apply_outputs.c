/*
 * Output names, decided for every input before any work starts, so a
 * collision or an unknown format is a usage error and not a half-done batch.
 * Batches plan the whole list, shards included, so every shard of a list
 * refuses the same collisions, and refuse outputs that exist but are not
 * regular files (a FIFO there would block the batch).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "apply/apply.h"
#include "apply/batch.h"
#include "apply/save_choice.h"
#include "common/fd_names.h"
#include "common/messages.h"
#include "common/shell_word.h"
#include "common/tty_guard.h"

/* What every input's planning shares. */
struct plan {
    const struct apply_options *o;
    const struct prepared_kernel *kernels;
    int per_input;
    char *prefix;      /* batch: "DIR/" */
    char *all_kernels; /* {kernel} of a combined output: the names joined by '+' */
};

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

/* batch without --name: the input's name, with the extension of --format when given. */
static char *default_name(const struct apply_options *o, const char *input)
{
    const char *name = base_name(input);
    if (o->format == CONVTOOL_FORMAT_UNKNOWN)
        return strdup(name);
    return joined(name, extension_at(name), ".", convtool_format_name(o->format));
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

/*
 * Image bytes on a terminal are never what the user meant (and may hold
 * escape sequences): "-" or /dev/stdout there is refused, as `kernels show
 * --as npy` refuses.
 */
static int check_not_terminal(const struct output_file *out)
{
    const char *format = convtool_format_name(out->format);
    int fd = strcmp(out->path, "-") == 0 ? STDOUT_FILENO : cli_descriptor_name(out->path);
    if (fd >= 0)
        return tty_guard_fd(fd, format, "out", "give an OUTPUT file");
    /* Another name of a terminal (/dev/tty, /dev/pts/N): opened without waiting or owning it. */
    struct stat st;
    if (stat(out->path, &st) != 0 || !S_ISCHR(st.st_mode))
        return EXIT_OK;
    int tty = open(out->path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    int rc = tty < 0 ? EXIT_OK : tty_guard_fd(tty, format, "out", "give an OUTPUT file");
    if (tty >= 0)
        close(tty);
    return rc;
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
    int rc = save_choice_check_output(o, out);
    return rc == EXIT_OK ? check_not_terminal(out) : rc;
}

/* A hash set keeps this linear for thousands of inputs. */
static int check_collisions(const struct output_file *outputs, size_t count)
{
    struct path_set set;
    if (path_set_init(&set, count) != 0) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    int rc = EXIT_OK;
    for (size_t i = 0; i < count && rc == EXIT_OK; i++) {
        if (strcmp(outputs[i].path, "-") == 0)
            continue;
        int added = path_set_add(&set, outputs[i].path);
        if (added < 0) {
            cli_error("out of memory");
            rc = EXIT_RUNTIME;
        } else if (added == 0) {
            cli_error("%s: two results would be written to this one file; rename an input, "
                      "a kernel or use --name",
                      outputs[i].path);
            rc = EXIT_USAGE;
        }
    }
    path_set_free(&set);
    return rc;
}

/* What an existing output that is not a regular file is, for the message. */
static const char *file_kind(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    return "not a regular file";
}

/*
 * A batch writes regular files only: an existing FIFO would block the batch
 * (until a reader comes, maybe never), a device or a directory is surely not
 * an image the user meant to replace. Refused before any work starts.
 */
static int check_batch_targets(const struct output_file *outputs, size_t count)
{
    struct stat sb;
    for (size_t i = 0; i < count; i++) {
        if (stat(outputs[i].path, &sb) != 0 || S_ISREG(sb.st_mode))
            continue; /* missing (or unreadable): the write will say */
        cli_error("%s: is %s; a batch (-o) writes only regular files (remove it or choose "
                  "another -o DIR or --name)",
                  outputs[i].path, file_kind(sb.st_mode));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

/* Empty names would mean "the current directory" or nothing at all. */
static int check_not_empty(const struct apply_options *o)
{
    if (o->output_dir && !o->output_dir[0]) {
        cli_error("apply: -o DIR is empty (name a directory, e.g. -o .)");
        return EXIT_USAGE;
    }
    if (!o->output_dir && o->output && !o->output[0]) {
        cli_error("apply: OUTPUT is empty (name a file, or - for stdout)");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* A directory's name without its trailing slashes ("photos/" is "photos"), in buf. */
static const char *dir_name(const char *path, char *buf, size_t cap)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    snprintf(buf, cap, "%.*s", (int)len, path);
    return buf;
}

static int is_directory(const char *path)
{
    struct stat sb;
    return strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * Issue 11: "photos/" as an input is a usage mistake (the user meant its
 * files), refused before any work with the batch form that does it.
 */
static int check_inputs_not_dirs(const struct apply_options *o)
{
    char name[4096];
    for (int i = 0; i < o->input_count; i++) {
        if (!is_directory(o->inputs[i]))
            continue;
        dir_name(o->inputs[i], name, sizeof name);
        cli_error("%s: is a directory; give its files (%s%s*.png) with -o DIR, or --files-from",
                  name, name, strcmp(name, "/") ? "/" : "");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* "-k a -k 'b c'" of the command line: each SPEC once (a bank's kernels share theirs). */
static void kernel_options(const struct apply_options *o, char *buf, size_t cap)
{
    char word[1100];
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < o->kernel_count && used < cap; i++) {
        if (i && o->kernel_specs[i] == o->kernel_specs[i - 1])
            continue;
        int n = snprintf(buf + used, cap - used, "%s-k %s", used ? " " : "",
                         shell_word(o->kernel_specs[i], word, sizeof word));
        used += n > 0 ? (size_t)n : 0;
    }
}

/*
 * Single-file mode's OUTPUT is a file: an existing directory, or a name
 * ending in '/', means the user wanted a batch into it; show that command.
 */
static int check_output_not_dir(const struct apply_options *o)
{
    const char *out = o->output;
    if (o->output_dir || !out)
        return EXIT_OK;
    size_t len = strlen(out);
    if ((len == 0 || out[len - 1] != '/') && !is_directory(out))
        return EXIT_OK;
    char name[4096], dir[4200], input[4200], kernels[2048];
    const char *in = strcmp(o->inputs[0], "-") ? shell_word(o->inputs[0], input, sizeof input)
                                               : "INPUT...";
    kernel_options(o, kernels, sizeof kernels);
    dir_name(out, name, sizeof name);
    cli_error("%s: %s; to write into it use -o DIR (convtool apply %s -o %s %s)", name,
              is_directory(out) ? "is a directory" : "names a directory (it ends in /)", kernels,
              shell_word(name, dir, sizeof dir), in);
    return EXIT_USAGE;
}

/* Output k of input index from --name: DIR/expanded-template. */
static int template_path(const struct plan *p, int index, int k, struct output_file *out)
{
    const struct apply_options *o = p->o;
    struct name_fields f = {
        .input = o->inputs[index],
        .kernel = p->per_input > 1 ? p->kernels[k].k.name : p->all_kernels,
        .ext = o->format == CONVTOOL_FORMAT_UNKNOWN ? NULL : convtool_format_name(o->format),
        .index = (size_t)index,
    };
    char *name = NULL;
    int rc = name_template_expand(o->batch.name, &f, &name);
    if (rc != EXIT_OK)
        return rc;
    out->path = joined(p->prefix, strlen(p->prefix), name, "");
    out->name_at = strlen(p->prefix);
    free(name);
    return EXIT_OK;
}

static int name_outputs(const struct plan *p, int index, struct output_file *outs)
{
    const struct apply_options *o = p->o;
    if (o->output_dir && o->batch.name) {
        for (int k = 0; k < p->per_input; k++) {
            int rc = template_path(p, index, k, &outs[k]);
            if (rc != EXIT_OK)
                return rc;
        }
        return EXIT_OK;
    }
    char *name = o->output_dir ? default_name(o, o->inputs[index]) : NULL;
    char *base = o->output_dir ? (name ? joined(p->prefix, strlen(p->prefix), name, "") : NULL)
                               : strdup(o->output);
    free(name);
    if (base && p->per_input > 1 && strcmp(base, "-") == 0) {
        cli_error("apply: %d kernels with --combine separate give %d images; stdout can take "
                  "one (use --combine or a file name)",
                  p->per_input, p->per_input);
        free(base);
        return EXIT_USAGE;
    }
    for (int k = 0; base && k < p->per_input; k++) {
        outs[k].path = p->per_input > 1 ? with_suffix(base, p->kernels[k].k.name) : strdup(base);
        outs[k].name_at = o->output_dir ? strlen(p->prefix) : 0;
    }
    free(base);
    return EXIT_OK;
}

static int plan_input(const struct plan *p, int index, struct output_file *outs)
{
    int rc = name_outputs(p, index, outs);
    for (int k = 0; rc == EXIT_OK && k < p->per_input; k++) {
        if (!outs[k].path) {
            cli_error("out of memory");
            return EXIT_RUNTIME;
        }
        rc = set_format(p->o, &outs[k]);
    }
    return rc;
}

/* "DIR/" and the '+'-joined kernel names; NULL members mean out of memory. */
static void plan_init(struct plan *p, const struct apply_options *o,
                      const struct prepared_kernel *kernels, int kernel_count)
{
    p->o = o;
    p->kernels = kernels;
    p->per_input = o->combine == CONVTOOL_COMBINE_SEPARATE && !o->chain && !o->grid ? kernel_count : 1;
    const char *dir = o->output_dir ? o->output_dir : "";
    size_t dir_len = strlen(dir);
    p->prefix = joined(dir, dir_len, dir_len && dir[dir_len - 1] != '/' ? "/" : "", "");
    p->all_kernels = strdup(kernels[0].k.name);
    for (int k = 1; k < kernel_count && p->all_kernels; k++) {
        char *longer = joined(p->all_kernels, strlen(p->all_kernels), "+", kernels[k].k.name);
        free(p->all_kernels);
        p->all_kernels = longer;
    }
}

int apply_plan_outputs(const struct apply_options *o, const struct prepared_kernel *kernels,
                       int kernel_count, struct output_file **outputs, int *per_input)
{
    struct plan p;
    plan_init(&p, o, kernels, kernel_count);
    *per_input = p.per_input;
    size_t count = (size_t)o->input_count * (size_t)p.per_input;
    *outputs = calloc(count ? count : 1, sizeof **outputs);
    int rc = *outputs && p.prefix && p.all_kernels ? EXIT_OK : EXIT_RUNTIME;
    if (rc != EXIT_OK)
        cli_error("out of memory");
    if (rc == EXIT_OK)
        rc = check_not_empty(o);
    if (rc == EXIT_OK)
        rc = check_inputs_not_dirs(o);
    if (rc == EXIT_OK)
        rc = check_output_not_dir(o);
    if (rc == EXIT_OK && o->output_dir && o->batch.name)
        rc = name_template_check(o->batch.name, p.per_input);
    for (int i = 0; rc == EXIT_OK && i < o->input_count; i++)
        rc = plan_input(&p, i, *outputs + (size_t)i * p.per_input);
    if (rc == EXIT_OK)
        rc = check_collisions(*outputs, count);
    if (rc == EXIT_OK && o->output_dir)
        rc = check_batch_targets(*outputs, count);
    free(p.prefix);
    free(p.all_kernels);
    return rc;
}

void apply_free_outputs(struct output_file *outputs, int count)
{
    if (!outputs)
        return;
    for (int i = 0; i < count; i++)
        free(outputs[i].path);
    free(outputs);
}
