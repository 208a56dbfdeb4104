/*
 * SPEC "How -k is read": an ImageMagick string ("3x3: ...") or text with ';',
 * spaces, commas or brackets is an inline kernel; a bare number is a 1x1
 * kernel (in `shape`, a bare size such as 3 or 5x3); text with '/' or a file
 * extension is a kernel file (.txt, .mat, .npy...); anything else is a name
 * from --kernels-dir or the library. Files and names may hold banks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/kernel_spec.h"
#include "common/messages.h"
#include "common/numparse.h"
#include "common/suggest.h"

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

static int looks_imagemagick(const char *s)
{
    return convtool_kernel_format_sniff(s, strlen(s)) == CONVTOOL_KERNEL_FORMAT_IMAGEMAGICK;
}

/* Inline kernels are k1, k2, … by their place among all the kernels of the command. */
static void name_inline(convtool_kernel_bank *bank, int first_index)
{
    for (size_t i = 0; i < bank->count; i++)
        snprintf(bank->kernels[i].name, sizeof bank->kernels[i].name, "k%d", first_index + (int)i);
    snprintf(bank->name, sizeof bank->name, "k%d", first_index);
}

static int parse_inline(const char *spec, int first_index, convtool_kernel_spec *out)
{
    convtool_parse_error err;
    convtool_status st = convtool_kernel_spec_parse(spec, strlen(spec), "k",
                                                    CONVTOOL_KERNEL_FORMAT_AUTO, out, &err);
    if (st == CONVTOOL_OK) {
        if (out->is_weight)
            snprintf(out->name, sizeof out->name, "k%d", first_index);
        else
            name_inline(&out->bank, first_index);
        return EXIT_OK;
    }
    if (st == CONVTOOL_EPARSE && err.line > 1)
        cli_error("-k '%s': line %d, column %d: %s", spec, err.line, err.column, err.message);
    else if (st == CONVTOOL_EPARSE && err.line == 1)
        cli_error("-k '%s': column %d: %s", spec, err.column, err.message);
    else if (err.message[0])
        cli_error("-k '%s': %s", spec, err.message);
    else
        cli_error("-k '%s': %s", spec, convtool_strerror(st));
    return EXIT_USAGE;
}

/* `-k sharpen.txt` meant the built-in kernel: name it (the library's files are compiled in). */
static void no_such_file(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char stem[CONVTOOL_NAME_MAX];
    size_t len = strcspn(base, ".");
    convtool_kernel_bank bank;
    snprintf(stem, sizeof stem, "%.*s", (int)(len < sizeof stem ? len : sizeof stem - 1), base);
    if (stem[0] && convtool_builtin_bank(stem, &bank) == CONVTOOL_OK) {
        convtool_kernel_bank_free(&bank);
        cli_error("-k %s: no such kernel file; the built-in kernel of that name is -k %s", path,
                  stem);
        return;
    }
    cli_error("-k %s: no such kernel file", path);
}

static int load_file(const char *path, convtool_kernel_spec *out)
{
    convtool_parse_error err;
    convtool_status st = convtool_kernel_spec_load_file(path, out, &err);
    if (st == CONVTOOL_OK)
        return EXIT_OK;
    if (st == CONVTOOL_EPARSE && err.line > 0)
        cli_error("%s:%d:%d: %s", path, err.line, err.column, err.message);
    else if (err.message[0])
        cli_error("%s: %s", path, err.message);
    else if (st == CONVTOOL_ENOENT)
        no_such_file(path);
    else if (st == CONVTOOL_EIO)
        cli_error("%s: cannot read kernel file: %s", path, strerror(errno));
    else
        cli_error("%s: %s", path, convtool_strerror(st));
    return EXIT_RUNTIME;
}

/* A name is looked up in --kernels-dir as DIR/name.txt, .mat, .npy, then DIR/name. */
static int find_in_dir(const char *dir, const char *name, char *path, size_t size)
{
    const char *suffixes[] = {".txt", ".mat", ".npy", ""};
    struct stat sb;
    for (int i = 0; i < 4; i++) {
        if (snprintf(path, size, "%s/%s%s", dir, name, suffixes[i]) >= (int)size)
            return 0;
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            return 1;
    }
    return 0;
}

static int load_named(const char *name, const char *kernels_dir, convtool_kernel_spec *out)
{
    char path[4096];
    if (kernels_dir && find_in_dir(kernels_dir, name, path, sizeof path))
        return load_file(path, out);
    convtool_status st = convtool_builtin_bank(name, &out->bank);
    snprintf(out->name, sizeof out->name, "%s", name);
    if (st == CONVTOOL_OK)
        return EXIT_OK;
    if (st != CONVTOOL_ENOENT) { /* out of memory: not the user's mistake */
        cli_error("-k %s: %s", name, convtool_strerror(st));
        return EXIT_RUNTIME;
    }
    struct suggestion near;
    if (suggest_kernel_name(name, kernels_dir, &near))
        cli_error("-k %s: no kernel of that name; did you mean %s? (see 'convtool kernels')", name,
                  near.name);
    else
        cli_error("-k %s: no kernel of that name (see 'convtool kernels'; use ./%s for a file)",
                  name, name);
    return EXIT_USAGE;
}

/* name[0..len) is a built-in kernel or a kernel file in kernels_dir. */
static int known_name(const char *name, size_t len, const char *kernels_dir)
{
    char one[CONVTOOL_NAME_MAX], path[4096];
    if (len == 0 || len >= sizeof one)
        return 0;
    memcpy(one, name, len);
    one[len] = '\0';
    for (size_t i = 0; i < convtool_builtin_count(); i++)
        if (strcmp(one, convtool_builtin_name(i)) == 0)
            return 1;
    return kernels_dir && !strchr(one, '/') && find_in_dir(kernels_dir, one, path, sizeof path);
}

/*
 * "-k sharpen,blur" reads as a 1x2 matrix of two unreadable numbers; a user
 * who writes it means two kernels. Names joined by commas (spaces allowed
 * after them), all known, are refused with the -k per kernel they meant.
 */
static int refuse_name_list(const char *spec, const char *kernels_dir)
{
    char fix[1024] = "";
    size_t used = 0, names = 0;
    for (const char *p = spec; *p; names++) {
        size_t len = strcspn(p, ",");
        if (!known_name(p, len, kernels_dir))
            return EXIT_OK;
        int n = snprintf(fix + used, sizeof fix - used, "%s-k %.*s", used ? " " : "", (int)len, p);
        used = n > 0 && (size_t)n < sizeof fix - used ? used + (size_t)n : sizeof fix - 1;
        p += len;
        p += strspn(p, ", ");
    }
    if (names < 2)
        return EXIT_OK;
    cli_error("-k '%s': several kernels in one -k; give each its own: %s", spec, fix);
    return EXIT_USAGE;
}

/* shape: "3" is 3×3, "5x3" is 5 wide and 3 high; only the size matters, so no values. */
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
    memset(k, 0, sizeof *k); /* no values: shape only ever looks at the size */
    k->h = h;
    k->w = w;
    k->scale = 1.0;
    snprintf(k->name, sizeof k->name, "%s", text);
    return 0;
}

static int load_spec(const char *spec, const char *kernels_dir, int first_index,
                     enum kernel_spec_use use, convtool_kernel_spec *out)
{
    double value;
    const char *why;
    memset(out, 0, sizeof *out);
    if (!*spec) {
        cli_error("-k: empty kernel");
        return EXIT_USAGE;
    }
    if (!looks_imagemagick(spec) && strchr(spec, ',') && !strchr(spec, '[') &&
        refuse_name_list(spec, kernels_dir) != EXIT_OK)
        return EXIT_USAGE;
    if (looks_imagemagick(spec) || looks_inline(spec) ||
        (use == SPEC_FOR_APPLY && parse_double_finite(spec, &value, &why) == 0))
        return parse_inline(spec, first_index, out);
    if (looks_like_file(spec))
        return load_file(spec, out);
    return load_named(spec, kernels_dir, out);
}

/* Where only kernels that filter each channel on their own will do. */
static int load_bank(const char *spec, const char *kernels_dir, int first_index,
                     enum kernel_spec_use use, convtool_kernel_bank *bank)
{
    convtool_kernel_spec any;
    int rc = load_spec(spec, kernels_dir, first_index, use, &any);
    memset(bank, 0, sizeof *bank);
    if (rc == EXIT_OK && any.is_weight) {
        cli_error("%s: a 4-D weight (%d, %d, %d, %d) mixes channels, no bank of kernels: "
                  "'convtool apply' and 'convtool shape' take it, 'kernels show' (without --as) "
                  "prints it",
                  spec, any.weight.o, any.weight.c_per_group, any.weight.h, any.weight.w);
        rc = EXIT_USAGE;
    }
    if (rc == EXIT_OK) {
        *bank = any.bank;
        memset(&any.bank, 0, sizeof any.bank);
    }
    convtool_kernel_spec_free(&any);
    return rc;
}

int kernel_spec_load_any(const char *spec, const char *kernels_dir, int first_index,
                         enum kernel_spec_use use, convtool_kernel_spec *out)
{
    if (use == SPEC_FOR_SHAPE && *spec && !looks_imagemagick(spec) && !looks_inline(spec)) {
        convtool_kernel k;
        if (size_only_kernel(spec, &k) == 0) {
            memset(out, 0, sizeof *out);
            snprintf(out->name, sizeof out->name, "%s", k.name);
            out->bank.kernels = malloc(sizeof k);
            if (!out->bank.kernels) {
                cli_error("-k %s: %s", spec, convtool_strerror(CONVTOOL_ENOMEM));
                return EXIT_RUNTIME;
            }
            out->bank.kernels[0] = k;
            out->bank.count = 1;
            return EXIT_OK;
        }
    }
    return load_spec(spec, kernels_dir, first_index, use, out);
}

int kernel_spec_file(const char *spec, const char *kernels_dir, char *path, size_t size)
{
    double value;
    const char *why;
    if (!*spec || looks_imagemagick(spec) || looks_inline(spec) ||
        parse_double_finite(spec, &value, &why) == 0)
        return 0;
    if (looks_like_file(spec))
        return snprintf(path, size, "%s", spec) < (int)size;
    return kernels_dir && find_in_dir(kernels_dir, spec, path, size);
}

int kernel_spec_load_bank(const char *spec, const char *kernels_dir, int first_index,
                          convtool_kernel_bank *bank)
{
    return load_bank(spec, kernels_dir, first_index, SPEC_FOR_APPLY, bank);
}

/* shape needs one size per -k: a bank is fine when its kernels share one. */
static int one_kernel(const char *spec, convtool_kernel_bank *bank, convtool_kernel *k)
{
    for (size_t i = 1; i < bank->count; i++)
        if (bank->kernels[i].w != bank->kernels[0].w || bank->kernels[i].h != bank->kernels[0].h) {
            cli_error("-k %s: a bank of %zu kernels of different sizes (%dx%d, %dx%d); give one "
                      "kernel",
                      spec, bank->count, bank->kernels[0].w, bank->kernels[0].h, bank->kernels[i].w,
                      bank->kernels[i].h);
            return EXIT_USAGE;
        }
    *k = bank->kernels[0];
    memset(&bank->kernels[0], 0, sizeof bank->kernels[0]);
    if (bank->count > 1)
        memcpy(k->name, bank->name, sizeof k->name);
    return EXIT_OK;
}

int kernel_spec_load(const char *spec, const char *kernels_dir, int inline_index,
                     enum kernel_spec_use use, convtool_kernel *k)
{
    convtool_kernel_bank bank;
    memset(k, 0, sizeof *k);
    if (use == SPEC_FOR_SHAPE && *spec && !looks_imagemagick(spec) && !looks_inline(spec) &&
        size_only_kernel(spec, k) == 0)
        return EXIT_OK;
    int rc = load_bank(spec, kernels_dir, inline_index, use, &bank);
    if (rc == EXIT_OK)
        rc = one_kernel(spec, &bank, k);
    convtool_kernel_bank_free(&bank);
    return rc;
}
