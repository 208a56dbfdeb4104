/* convtool kernels [list | show SPEC...]: the kernel library. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kernel_spec.h"

static void print_help(void)
{
    printf("usage: convtool kernels [--kernels-dir DIR] [list]\n"
           "       convtool kernels show SPEC...\n\n"
           "list: each named kernel with its size (width x height), its sum and what it does.\n"
           "show: the values of a kernel (a name, a file or an inline matrix), with the\n"
           "      file's scale applied.\n\n"
           "options:\n"
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

/* Kernel files in --kernels-dir come first, as lookups find them first. */
static int list_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        cli_error("--kernels-dir %s: %s", dir, strerror(errno));
        return EXIT_RUNTIME;
    }
    int rc = EXIT_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0 || e->d_name[0] == '.')
            continue;
        char path[4096];
        convtool_kernel k;
        convtool_parse_error err;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (convtool_kernel_load_file(path, &k, &err) != CONVTOOL_OK) {
            cli_warn("%s: not a valid kernel file, skipped", path);
            continue;
        }
        list_line(&k, "  [--kernels-dir]");
        convtool_kernel_free(&k);
    }
    closedir(d);
    return rc;
}

static int list_kernels(const char *kernels_dir)
{
    int rc = kernels_dir ? list_dir(kernels_dir) : EXIT_OK;
    for (size_t i = 0; rc == EXIT_OK && i < convtool_builtin_count(); i++) {
        convtool_kernel k;
        if (convtool_builtin_kernel(convtool_builtin_name(i), &k) != CONVTOOL_OK)
            continue;
        list_line(&k, "");
        convtool_kernel_free(&k);
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

static int show_kernels(int argc, char **argv, const char *kernels_dir)
{
    if (argc == 0) {
        cli_error("kernels show: no kernel given (e.g. 'convtool kernels show sobel')");
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        convtool_kernel k;
        int rc = kernel_spec_load(argv[i], kernels_dir, i + 1, SPEC_FOR_APPLY, &k);
        if (rc != EXIT_OK)
            return rc;
        if (i)
            printf("\n");
        show_kernel(&k);
        convtool_kernel_free(&k);
    }
    return EXIT_OK;
}

int cmd_kernels(int argc, char **argv)
{
    static const struct option longs[] = {
        {"kernels-dir", 1, NULL, 'K'}, {"help", 0, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *kernels_dir = NULL;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        if (opt == 'K') {
            kernels_dir = optarg;
        } else if (opt == 'h') {
            print_help();
            return cli_finish_stdout();
        } else {
            cli_error("kernels: %s option '%s' (see 'convtool kernels --help')",
                      opt == ':' ? "missing value for" : "unknown",
                      opt == ':' ? argv[optind - 1] : cli_unknown_option(argv));
            return EXIT_USAGE;
        }
    }
    int rc;
    const char *sub = optind < argc ? argv[optind] : "list";
    if (strcmp(sub, "list") == 0 && optind + 1 >= argc)
        rc = list_kernels(kernels_dir);
    else if (strcmp(sub, "show") == 0)
        rc = show_kernels(argc - optind - 1, argv + optind + 1, kernels_dir);
    else {
        cli_error("kernels: unknown subcommand '%s' (list or show)", sub);
        rc = EXIT_USAGE;
    }
    int out = cli_finish_stdout();
    return rc != EXIT_OK ? rc : out;
}
