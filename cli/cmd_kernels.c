/* convtool kernels [list | show [--as FORMAT] SPEC...]: the kernel library. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_kernels.h"
#include "common/kernel_spec.h"
#include "common/messages.h"
#include "common/option_check.h"
#include "common/suggest.h"
#include "common/tty_guard.h"

static void print_help(void)
{
    printf("usage: convtool kernels [--kernels-dir DIR] [list]\n"
           "       convtool kernels show [--as FORMAT] SPEC...\n\n"
           "list: each named kernel with its size (width x height), its sum and what it does;\n"
           "      a bank (several kernels in one file) with its count and default combine.\n"
           "show: the values of a kernel (a name, a file, an inline matrix or an ImageMagick\n"
           "      string), with the file's scale applied; every kernel of a bank.\n\n"
           "options:\n"
           "      --as FORMAT           show writes the kernels to stdout in FORMAT, to be read\n"
           "                            back by convtool or the other tool: convtool (a kernel\n"
           "                            file, a bank for several), imagemagick (\"3x3: ...\"),\n"
           "                            vips (a .mat matrix, one kernel), npy (binary (H,W) or\n"
           "                            (K,H,W); not to a terminal)\n"
           "      --kernels-dir DIR     where named kernels are looked up first\n"
           "  -h, --help                this help\n");
}

/* The values as convolution uses them: the file's scale baked in. */
static double tap(const convtool_kernel *k, int i)
{
    return k->values[i] * k->scale;
}

static double scaled_sum(const convtool_kernel *k)
{
    return convtool_kernel_sum(k) * k->scale;
}

static void list_line(const convtool_kernel *k, const char *where)
{
    char size[24];
    snprintf(size, sizeof size, "%dx%d", k->w, k->h);
    printf("%-12s %-6s sum %-8.4g %s%s\n", k->name, size, scaled_sum(k), k->description, where);
}

static const char *const combine_names[] = {"separate", "magnitude", "max", "sum", "stack"};

/* A bank: its name, its first kernel's size, how many and how they combine. */
static void list_bank(const convtool_kernel_bank *b, const char *where)
{
    char size[24], what[48];
    snprintf(size, sizeof size, "%dx%d", b->kernels[0].w, b->kernels[0].h);
    snprintf(what, sizeof what, "bank of %zu, %s", b->count,
             b->has_combine ? combine_names[b->combine] : "separate");
    printf("%-12s %-6s %-21s %s%s\n", b->name, size, what, b->description, where);
}

static void list_entry(const convtool_kernel_bank *b, const char *where)
{
    if (b->count == 1 && !b->has_combine) {
        convtool_kernel k = b->kernels[0];
        memcpy(k.name, b->name, sizeof k.name);
        list_line(&k, where);
    } else {
        list_bank(b, where);
    }
}

static int is_kernel_file(const char *name)
{
    size_t len = strlen(name);
    if (len < 5 || name[0] == '.')
        return 0;
    return strcmp(name + len - 4, ".txt") == 0 || strcmp(name + len - 4, ".mat") == 0 ||
           strcmp(name + len - 4, ".npy") == 0;
}

/* Kernel files in --kernels-dir come first, as lookups find them first. */
static int list_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        cli_error("--kernels-dir %s: %s", dir, strerror(errno));
        return EXIT_RUNTIME;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_kernel_file(e->d_name))
            continue;
        char path[4096];
        convtool_kernel_bank b;
        convtool_parse_error err;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (convtool_kernel_bank_load_file(path, &b, &err) != CONVTOOL_OK) {
            cli_warn("%s: not a valid kernel file, skipped", path);
            continue;
        }
        list_entry(&b, "  [--kernels-dir]");
        convtool_kernel_bank_free(&b);
    }
    closedir(d);
    return EXIT_OK;
}

static int list_kernels(const char *kernels_dir)
{
    int rc = kernels_dir ? list_dir(kernels_dir) : EXIT_OK;
    for (size_t i = 0; rc == EXIT_OK && i < convtool_builtin_count(); i++) {
        convtool_kernel_bank b;
        if (convtool_builtin_bank(convtool_builtin_name(i), &b) != CONVTOOL_OK)
            continue;
        list_entry(&b, "");
        convtool_kernel_bank_free(&b);
    }
    return rc;
}

static void show_kernel(const convtool_kernel *k)
{
    printf("%s: %dx%d, sum %g", k->name, k->w, k->h, scaled_sum(k));
    if (k->scale != 1.0)
        printf(", scale %g", k->scale);
    if (k->offset != 0.0)
        printf(", offset %g", k->offset);
    printf("\n");
    if (k->description[0])
        printf("  %s\n", k->description);
    for (int y = 0; y < k->h; y++) {
        for (int x = 0; x < k->w; x++)
            printf("%s%10.6g", x ? " " : "", tap(k, y * k->w + x));
        printf("\n");
    }
}

static void show_bank(const convtool_kernel_bank *b)
{
    if (b->count > 1 || b->has_combine) {
        printf("%s: a bank of %zu kernel%s, combine %s\n", b->name, b->count,
               b->count == 1 ? "" : "s", b->has_combine ? combine_names[b->combine] : "separate");
        if (b->description[0])
            printf("  %s\n", b->description);
    }
    for (size_t i = 0; i < b->count; i++) {
        if (i || b->count > 1 || b->has_combine)
            printf("\n");
        show_kernel(&b->kernels[i]);
    }
}

/* A 4-D weight: its shape, then each (out, in) plane, as torch indexes it. */
static void show_weight(const convtool_kernel_spec *spec)
{
    const convtool_weight *wt = &spec->weight;
    printf("%s: a weight (O, C/groups, kH, kW) = (%d, %d, %d, %d) that mixes channels "
           "(convtool apply and shape take it)\n",
           spec->name, wt->o, wt->c_per_group, wt->h, wt->w);
    size_t plane = (size_t)wt->h * wt->w;
    for (int o = 0; o < wt->o; o++)
        for (int c = 0; c < wt->c_per_group; c++) {
            const float *v = wt->values + ((size_t)o * wt->c_per_group + c) * plane;
            double sum = 0;
            for (size_t i = 0; i < plane; i++)
                sum += v[i];
            printf("\n[%d, %d]: %dx%d, sum %g\n", o, c, wt->w, wt->h, sum);
            for (int y = 0; y < wt->h; y++) {
                for (int x = 0; x < wt->w; x++)
                    printf("%s%10.6g", x ? " " : "", (double)v[y * wt->w + x]);
                printf("\n");
            }
        }
}

static int show_one(const char *spec, const char *kernels_dir, int index)
{
    convtool_kernel_spec any;
    int rc = kernel_spec_load_any(spec, kernels_dir, index, SPEC_FOR_APPLY, &any);
    if (rc == EXIT_OK && index > 1)
        printf("\n");
    if (rc == EXIT_OK && any.is_weight)
        show_weight(&any);
    else if (rc == EXIT_OK)
        show_bank(&any.bank);
    convtool_kernel_spec_free(&any);
    return rc;
}

/* Moves the kernels of `from` to the end of `to` (the banks' arrays are malloc'd). */
static int bank_append(convtool_kernel_bank *to, convtool_kernel_bank *from)
{
    size_t n = to->count + from->count;
    convtool_kernel *grown =
        n <= CONVTOOL_BANK_MAX ? realloc(to->kernels, n * sizeof *grown) : NULL;
    if (!grown) {
        cli_error("kernels show: more than %d kernels in all", CONVTOOL_BANK_MAX);
        return EXIT_USAGE;
    }
    memcpy(grown + to->count, from->kernels, from->count * sizeof *grown);
    to->kernels = grown;
    to->count = n;
    from->count = 0; /* the kernels belong to `to` now */
    return EXIT_OK;
}

/* Every SPEC's kernels in one bank: one SPEC keeps its bank's name and combine. */
static int load_all(int argc, char **argv, const char *kernels_dir, convtool_kernel_bank *all)
{
    int rc = EXIT_OK;
    memset(all, 0, sizeof *all);
    snprintf(all->name, sizeof all->name, "kernels");
    for (int i = 0; rc == EXIT_OK && i < argc; i++) {
        convtool_kernel_bank b;
        rc = kernel_spec_load_bank(argv[i], kernels_dir, (int)all->count + 1, &b);
        if (rc == EXIT_OK && argc == 1) {
            *all = b;
            continue;
        }
        if (rc == EXIT_OK)
            rc = bank_append(all, &b);
        convtool_kernel_bank_free(&b);
    }
    return rc;
}

/* ImageMagick strings and .npy arrays have nowhere to keep a kernel's offset. */
static void warn_lost_offsets(const convtool_kernel_bank *b, convtool_kernel_format fmt)
{
    if (fmt != CONVTOOL_KERNEL_FORMAT_IMAGEMAGICK && fmt != CONVTOOL_KERNEL_FORMAT_NPY)
        return;
    for (size_t i = 0; i < b->count; i++)
        if (b->kernels[i].offset != 0.0)
            cli_warn("kernel %s: its offset %g cannot be written as %s; give it as --bias",
                     b->kernels[i].name, b->kernels[i].offset, convtool_kernel_format_name(fmt));
}

static int write_bank(const convtool_kernel_bank *b, convtool_kernel_format fmt)
{
    convtool_buffer buf = {0};
    const char *name = convtool_kernel_format_name(fmt);
    convtool_status st = convtool_kernel_bank_write(b, fmt, &buf);
    int rc = EXIT_OK;
    if (st == CONVTOOL_EUNSUPPORTED) {
        cli_error("kernels show --as %s: a .mat file holds one kernel, not %zu", name, b->count);
        rc = EXIT_USAGE;
    } else if (st == CONVTOOL_EMISMATCH) {
        cli_error("kernels show --as %s: the kernels differ in size and cannot share one array",
                  name);
        rc = EXIT_USAGE;
    } else if (st != CONVTOOL_OK) {
        cli_error("kernels show --as %s: %s", name, convtool_strerror(st));
        rc = EXIT_RUNTIME;
    } else {
        warn_lost_offsets(b, fmt);
        fwrite(buf.data, 1, buf.len, stdout);
    }
    convtool_buffer_free(&buf);
    return rc;
}

static int show_kernels(int argc, char **argv, const char *kernels_dir, const char *as)
{
    convtool_kernel_format fmt = CONVTOOL_KERNEL_FORMAT_AUTO;
    if (as && (convtool_kernel_format_parse(as, &fmt) != CONVTOOL_OK ||
               fmt == CONVTOOL_KERNEL_FORMAT_AUTO)) {
        cli_error("--as '%s': unknown format (convtool, imagemagick, vips, npy)", as);
        return EXIT_USAGE;
    }
    if (argc == 0) {
        cli_error("kernels show: no kernel given (e.g. 'convtool kernels show sobel')");
        return EXIT_USAGE;
    }
    if (fmt == CONVTOOL_KERNEL_FORMAT_NPY && tty_guard_stdout("npy", "kernel", NULL) != EXIT_OK)
        return EXIT_USAGE;
    if (!as) {
        for (int i = 0; i < argc; i++) {
            int rc = show_one(argv[i], kernels_dir, i + 1);
            if (rc != EXIT_OK)
                return rc;
        }
        return EXIT_OK;
    }
    convtool_kernel_bank all;
    int rc = load_all(argc, argv, kernels_dir, &all);
    if (rc == EXIT_OK)
        rc = write_bank(&all, fmt);
    convtool_kernel_bank_free(&all);
    return rc;
}

static const struct option kernels_longs[] = {{"kernels-dir", 1, NULL, 'K'},
                                              {"as", 1, NULL, 'A'},
                                              {"help", 0, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};

/* The options before the subcommand; EXIT_HELP after --help. */
static int parse_options(int argc, char **argv, const char **kernels_dir, const char **as)
{
    int opt;
    struct option_history seen = {.longs = kernels_longs};
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", kernels_longs, NULL)) != -1) {
        if ((opt == 'K' || opt == 'A') && option_check_value(&seen, opt, argv) != EXIT_OK)
            return EXIT_USAGE;
        if (opt == 'K') {
            *kernels_dir = optarg;
        } else if (opt == 'A') {
            *as = optarg;
        } else if (opt == 'h') {
            print_help();
            return EXIT_HELP;
        } else if (opt == ':') {
            cli_error("kernels: missing value for option '%s' (see 'convtool kernels --help')",
                      argv[optind - 1]);
            return EXIT_USAGE;
        } else {
            suggest_unknown_option("kernels", argv, kernels_longs);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

static int unknown_subcommand(const char *sub)
{
    struct suggestion near;
    suggestion_init(&near, sub, strlen(sub));
    suggestion_offer(&near, "list", 4);
    suggestion_offer(&near, "show", 4);
    if (near.name[0])
        cli_error("kernels: unknown subcommand '%s'; did you mean %s? (list or show)", sub,
                  near.name);
    else
        cli_error("kernels: unknown subcommand '%s' (list or show)", sub);
    return EXIT_USAGE;
}

int cmd_kernels(int argc, char **argv)
{
    const char *kernels_dir = NULL, *as = NULL;
    int rc = parse_options(argc, argv, &kernels_dir, &as);
    if (rc == EXIT_HELP)
        return cli_finish_stdout();
    if (rc != EXIT_OK)
        return rc;
    const char *sub = optind < argc ? argv[optind] : "list";
    if (strcmp(sub, "list") == 0 && optind + 1 >= argc && !as)
        rc = list_kernels(kernels_dir);
    else if (strcmp(sub, "list") == 0 && as) {
        cli_error("kernels: --as goes with 'show' (convtool kernels show --as %s SPEC)", as);
        rc = EXIT_USAGE;
    } else if (strcmp(sub, "show") == 0)
        rc = show_kernels(argc - optind - 1, argv + optind + 1, kernels_dir, as);
    else
        rc = unknown_subcommand(sub);
    int out = cli_finish_stdout();
    return rc != EXIT_OK ? rc : out;
}
