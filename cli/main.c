/* convtool: the command table and the top-level flags. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/signals.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"apply", cmd_apply, "filter images with convolution kernels"},
    {"shape", cmd_shape, "print output sizes of a convolution without decoding pixels"},
    {"kernels", cmd_kernels, "list the named kernels or show their values"},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void print_usage(FILE *out)
{
    fprintf(out, "usage: convtool COMMAND [OPTIONS] ...\n"
                 "       convtool --help | --version | COMMAND --help\n\n"
                 "Image filtering with PyTorch's conv2d semantics.\n\ncommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-8s  %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexamples:\n"
                 "  convtool apply -k sharpen in.png out.png\n"
                 "  convtool shape 28x28 -k 3 -p 0\n"
                 "  convtool kernels show sobel\n");
}

/* CONVTOOL_SIMD=scalar|sse2|avx2|avx512 pins the instruction set (tests, benchmarks). */
static int apply_simd_environment(void)
{
    const char *text = getenv("CONVTOOL_SIMD");
    convtool_simd level;
    if (!text || !*text)
        return EXIT_OK;
    if (convtool_simd_parse(text, &level) != CONVTOOL_OK) {
        cli_error("CONVTOOL_SIMD=%s: unknown level (auto, scalar, sse2, avx2, avx512)", text);
        return EXIT_USAGE;
    }
    if (convtool_simd_force(level) != CONVTOOL_OK) {
        cli_error("CONVTOOL_SIMD=%s: this CPU does not support it", text);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/*
 * Started with 0, 1 or 2 closed (`2>&-`, a supervisor), the next open() would
 * receive that number: an output's temp file would become "stderr" and a
 * message would be written into the image. /dev/null takes any closed one
 * first, as OpenSSH's sanitise_stdfd and gnulib's xstdopen do.
 */
static int open_standard_descriptors(void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int null = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
        if (null < 0)
            return -1;
        if (null != fd) { /* cannot happen: fd is the lowest free number */
            int moved = dup2(null, fd);
            close(null);
            if (moved != fd)
                return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* No message is possible: stderr may be the very descriptor that is missing. */
    if (open_standard_descriptors() != 0)
        return EXIT_RUNTIME;
    cli_install_signal_handlers();
    if (apply_simd_environment() != EXIT_OK)
        return EXIT_USAGE;
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (cmd[0] == '\0') {
        cli_error("the command is empty (''): give one of apply, shape, kernels "
                  "(see 'convtool --help')");
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        print_usage(stdout);
        return cli_finish_stdout();
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("convtool %s\n", CONVTOOL_VERSION);
        return cli_finish_stdout();
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    cli_error("unknown command '%s' (try 'convtool --help')", cmd);
    return EXIT_USAGE;
}
