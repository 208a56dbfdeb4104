/* One file, one role: collisions between inputs, list, kernels, outputs, report (path_roles.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/path_roles.h"
#include "common/fd_names.h"
#include "common/kernel_spec.h"
#include "common/messages.h"
#include "common/option_check.h"

enum role { ROLE_INPUT, ROLE_LIST, ROLE_KERNEL, ROLE_OUTPUT, ROLE_REPORT };

static const char *const role_names[] = {"an input", "the --files-from list", "a kernel file",
                                         "an output", "the --report file"};

struct entry {
    const char *path;
    enum role role;
    int exists;    /* a regular file: compared by dev and ino */
    dev_t dev;
    ino_t ino;
    char *key;     /* otherwise: realpath of the directory + "/" + name, or the path */
    size_t order;  /* position on the command line: the first conflict named is the first given */
};

struct role_list {
    struct entry *items;
    size_t count, cap;
    int single_file;
};

/* What a path that does not exist yet will be: its directory resolved, so ./a and a agree. */
static char *future_key(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX], real[PATH_MAX];
    const char *base = slash ? slash + 1 : path;
    size_t dir_len = slash ? (size_t)(slash - path) : 1;
    if (dir_len >= sizeof dir)
        return strdup(path);
    memcpy(dir, slash ? path : ".", dir_len);
    dir[dir_len] = '\0';
    if (slash == path)
        strcpy(dir, "/");
    if (!realpath(dir, real))
        return strdup(path);
    size_t len = strlen(real) + strlen(base) + 2;
    char *key = malloc(len);
    if (key)
        snprintf(key, len, "%s/%s", real, base);
    return key;
}

/* The descriptor a role's path means: "-" is stdin to readers and stdout to writers. */
static int descriptor_of(const char *path, enum role role)
{
    if (strcmp(path, "-") == 0)
        return role == ROLE_INPUT || role == ROLE_LIST ? 0 : 1;
    return cli_descriptor_name(path);
}

static int add(struct role_list *l, const char *path, enum role role)
{
    struct stat st;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct entry *bigger = realloc(l->items, cap * sizeof *bigger);
        if (!bigger)
            return -1;
        l->items = bigger;
        l->cap = cap;
    }
    struct entry *e = &l->items[l->count];
    memset(e, 0, sizeof *e);
    e->path = path;
    e->role = role;
    e->order = l->count;
    int fd = descriptor_of(path, role);
    if (fd >= 0) {
        /* "-" and /dev/stdout are one stream: an image and a report there would interleave. */
        char key[32];
        snprintf(key, sizeof key, "-(descriptor %d)", fd);
        e->key = strdup(key);
    } else if (stat(path, &st) == 0) {
        /* Devices, FIFOs and directories are never replaced; only regular files are at risk. */
        e->exists = S_ISREG(st.st_mode);
        e->dev = st.st_dev;
        e->ino = st.st_ino;
        e->key = e->exists ? NULL : strdup(path);
    } else {
        e->key = future_key(path);
    }
    if (!e->exists && !e->key)
        return -1;
    l->count++;
    return 0;
}

static int by_identity(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    if (a->exists != b->exists)
        return a->exists ? -1 : 1;
    if (a->exists) {
        if (a->dev != b->dev)
            return a->dev < b->dev ? -1 : 1;
        if (a->ino != b->ino)
            return a->ino < b->ino ? -1 : 1;
    } else {
        int c = strcmp(a->key, b->key);
        if (c)
            return c;
    }
    if (a->role != b->role)
        return (int)a->role - (int)b->role;
    return a->order < b->order ? -1 : a->order > b->order; /* qsort is not stable */
}

static int same_file(const struct entry *a, const struct entry *b)
{
    if (a->exists != b->exists)
        return 0;
    return a->exists ? a->dev == b->dev && a->ino == b->ino : strcmp(a->key, b->key) == 0;
}

/* Two entries for one file that must not be: different roles, or two outputs. */
static int conflict(const struct role_list *l, const struct entry *a, const struct entry *b)
{
    if (a->role == b->role)
        return a->role == ROLE_OUTPUT || a->role == ROLE_REPORT;
    if (l->single_file && a->role == ROLE_INPUT && b->role == ROLE_OUTPUT)
        return 0; /* in place: temp + rename after the input was read whole */
    return 1;
}

static int report_conflict(const struct entry *a, const struct entry *b)
{
    const char *fix = a->role == ROLE_INPUT && b->role == ROLE_OUTPUT
                          ? "; the run would overwrite an image it still has to read (choose "
                            "another -o DIR or --name)"
                          : "; nothing was written (give each role its own file)";
    if (strcmp(a->path, b->path) == 0)
        cli_error("%s: is both %s and %s%s", a->path, role_names[a->role], role_names[b->role],
                  fix);
    else
        cli_error("%s (%s) and %s (%s) are the same file%s", a->path, role_names[a->role],
                  b->path, role_names[b->role], fix);
    return EXIT_USAGE;
}

/*
 * Sorting by identity groups the entries of one file; among the groups in
 * conflict, the one whose first entry comes first on the command line is
 * named, so the message does not depend on inode numbers.
 */
static int find_conflicts(struct role_list *l)
{
    qsort(l->items, l->count, sizeof *l->items, by_identity);
    const struct entry *first = NULL, *second = NULL;
    for (size_t start = 0; start < l->count;) {
        size_t end = start + 1;
        while (end < l->count && same_file(&l->items[start], &l->items[end]))
            end++;
        for (size_t i = start; i < end; i++)
            for (size_t j = i + 1; j < end; j++)
                if (conflict(l, &l->items[i], &l->items[j]) &&
                    (!first || l->items[i].order < first->order)) {
                    first = &l->items[i];
                    second = &l->items[j];
                }
        start = end;
    }
    return first ? report_conflict(first, second) : EXIT_OK;
}

/* The kernel files, once each: kernel_specs repeats a bank's SPEC for each of its kernels. */
static int add_kernel_files(struct role_list *l, const struct apply_options *o, char **paths)
{
    for (int i = 0; i < o->kernel_count; i++) {
        char path[PATH_MAX];
        if (i > 0 && strcmp(o->kernel_specs[i], o->kernel_specs[i - 1]) == 0)
            continue;
        if (!kernel_spec_file(o->kernel_specs[i], o->kernels_dir, path, sizeof path))
            continue;
        paths[i] = strdup(path);
        if (!paths[i] || add(l, paths[i], ROLE_KERNEL) != 0)
            return -1;
    }
    return 0;
}

static int collect(struct role_list *l, const struct apply_options *o,
                   const struct output_file *outputs, int output_count, char **kernel_paths)
{
    for (int i = 0; i < o->input_count; i++)
        if (add(l, o->inputs[i], ROLE_INPUT) != 0)
            return -1;
    if (o->batch.files_from && add(l, o->batch.files_from, ROLE_LIST) != 0)
        return -1;
    if (add_kernel_files(l, o, kernel_paths) != 0)
        return -1;
    for (int i = 0; i < output_count; i++)
        if (add(l, outputs[i].path, ROLE_OUTPUT) != 0)
            return -1;
    if (o->batch.report && add(l, o->batch.report, ROLE_REPORT) != 0)
        return -1;
    return 0;
}

/*
 * A glob before --report's value (`--report *.png`) hands it an image that is
 * not otherwise part of the run: refuse a report named like an image, or an
 * existing file that does not start like a report (empty, or a JSON line).
 */
static int check_report_target(const char *path)
{
    if (!path || strcmp(path, "-") == 0 || cli_descriptor_name(path) >= 0)
        return EXIT_OK;
    if (option_looks_like_image(path)) {
        cli_error("--report %s: named like an image, not a report; a glob before the inputs? "
                  "(write --report FILE.jsonl, then the inputs)",
                  path);
        return EXIT_USAGE;
    }
    /* Never wait on a FIFO or read a terminal: only a regular file's first byte is read. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    unsigned char first = '{';
    if (fd < 0)
        return EXIT_OK; /* a new file, or one report_open will explain */
    int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    ssize_t got = regular ? read(fd, &first, 1) : 0;
    close(fd);
    if (got == 1 && first != '{') {
        cli_error("--report %s: the file exists and is not a convtool report; it is kept "
                  "(remove it or choose another name)",
                  path);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int path_roles_check(const struct apply_options *o, const struct output_file *outputs,
                     int output_count)
{
    struct role_list l = {NULL, 0, 0, o->output_dir == NULL};
    char *kernel_paths[APPLY_MAX_KERNELS] = {NULL};
    int rc = EXIT_OK;
    if (collect(&l, o, outputs, output_count, kernel_paths) != 0) {
        cli_error("out of memory");
        rc = EXIT_RUNTIME;
    } else {
        rc = find_conflicts(&l);
    }
    /* After the collisions, which name both roles: the report's own checks. */
    if (rc == EXIT_OK)
        rc = check_report_target(o->batch.report);
    for (size_t i = 0; i < l.count; i++)
        free(l.items[i].key);
    free(l.items);
    for (int i = 0; i < APPLY_MAX_KERNELS; i++)
        free(kernel_paths[i]);
    return rc;
}
