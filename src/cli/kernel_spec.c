/*
 * SPEC "How -k is read": text with ';', spaces, commas or brackets is an
 * inline matrix; text with '/' or a file extension is a kernel file; anything
 * else is a library name (in `shape`, a bare size such as 3 or 5x3 first).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "kernel_spec.h"
#include "numparse.h"

static int looks_inline(const char *s)
{
    return strpbrk(s, "; ,\t\n[") != NULL;
}

static int looks_like_file(const char *s)
{
    const char *dot = strrchr(s, '.');
    if (strchr(s, '/'))
        return 1;
    if (!dot || dot == s || !dot[1])
        return 0;
    for (const char *p = dot + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return 0;
    /* "1.5" is a number, not a file with extension "5". */
    return !((dot[1] >= '0' && dot[1] <= '9') && strtod(s, NULL) != 0.0);
}

static int parse_inline(const char *spec, int inline_index, convtool_kernel *k)
{
    char name[16];
    convtool_parse_error err;
    snprintf(name, sizeof name, "k%d", inline_index);
    convtool_status st = convtool_kernel_parse(spec, strlen(spec), name, k, &err);
    if (st == CONVTOOL_OK)
        return EXIT_OK;
    if (st == CONVTOOL_EPARSE)
        cli_error("-k '%s': column %d: %s", spec, err.column, err.message);
    else
        cli_error("-k '%s': %s", spec, convtool_strerror(st));
    return EXIT_USAGE;
}

static int load_file(const char *path, convtool_kernel *k)
{
    convtool_parse_error err;
    convtool_status st = convtool_kernel_load_file(path, k, &err);
    if (st == CONVTOOL_OK)
        return EXIT_OK;
    if (st == CONVTOOL_EPARSE)
        cli_error("%s:%d:%d: %s", path, err.line, err.column, err.message);
    else if (st == CONVTOOL_ENOENT)
        cli_error("%s: no such kernel file", path);
    else if (st == CONVTOOL_EIO)
        cli_error("%s: cannot read kernel file: %s", path, strerror(errno));
    else
        cli_error("%s: %s", path, convtool_strerror(st));
    return EXIT_RUNTIME;
}

/* A name is looked up as DIR/name.txt, then DIR/name, in --kernels-dir. */
static int find_in_dir(const char *dir, const char *name, char *path, size_t size)
{
    const char *suffixes[] = {".txt", ""};
    struct stat sb;
    for (int i = 0; i < 2; i++) {
        if (snprintf(path, size, "%s/%s%s", dir, name, suffixes[i]) >= (int)size)
            return 0;
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            return 1;
    }
    return 0;
}

static int load_named(const char *name, const char *kernels_dir, convtool_kernel *k)
{
    char path[4096];
    if (kernels_dir && find_in_dir(kernels_dir, name, path, sizeof path))
        return load_file(path, k);
    if (convtool_builtin_kernel(name, k) == CONVTOOL_OK)
        return EXIT_OK;
    cli_error("-k %s: no kernel of that name (see 'convtool kernels'; use ./%s for a file)",
              name, name);
    return EXIT_USAGE;
}

/* shape: "3" is 3×3, "5x3" is 5 wide and 3 high. Values are zero: only sizes matter. */
static int size_only_kernel(const char *spec, convtool_kernel *k)
{
    int w, h, side;
    const char *why;
    if (parse_int_range(spec, 1, CONVTOOL_KERNEL_MAX_SIDE, &side, &why) == 0)
        w = h = side;
    else if (parse_size_wxh(spec, &w, &h, NULL, &why) != 0)
        return -1;
    if (w > CONVTOOL_KERNEL_MAX_SIDE || h > CONVTOOL_KERNEL_MAX_SIDE)
        return -1;
    char text[32];
    snprintf(text, sizeof text, "%dx%d", w, h);
    memset(k, 0, sizeof *k);
    k->values = calloc((size_t)w * h, sizeof *k->values);
    if (!k->values)
        return -1;
    k->h = h;
    k->w = w;
    k->scale = 1.0;
    snprintf(k->name, sizeof k->name, "%s", text);
    return 0;
}

int kernel_spec_load(const char *spec, const char *kernels_dir, int inline_index,
                     enum kernel_spec_use use, convtool_kernel *k)
{
    memset(k, 0, sizeof *k);
    if (!*spec) {
        cli_error("-k: empty kernel");
        return EXIT_USAGE;
    }
    if (looks_inline(spec))
        return parse_inline(spec, inline_index, k);
    if (use == SPEC_FOR_SHAPE && size_only_kernel(spec, k) == 0)
        return EXIT_OK;
    double value;
    const char *why;
    if (use == SPEC_FOR_APPLY && parse_double_finite(spec, &value, &why) == 0)
        return parse_inline(spec, inline_index, k);
    if (looks_like_file(spec))
        return load_file(spec, k);
    return load_named(spec, kernels_dir, k);
}
